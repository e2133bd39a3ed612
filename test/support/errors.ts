/** @module Assertions on thrown errors shared by the tests. */
import { expect } from "bun:test";
import type { WakubotError } from "../../src/errors.ts";

/**
 * What `fn` threw, or undefined if it returned.
 *
 * @example
 * expect(caught(() => parse("x"))).toBeInstanceOf(InputError);
 */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/**
 * Asserts that `fn` throws an instance of `cls` with `code`.
 *
 * @example
 * expectCode(() => openDataDir(dir, { passphrase: "x" }), PassphraseError, "passphrase_wrong");
 */
export function expectCode(
  fn: () => unknown,
  cls: abstract new (...a: never[]) => WakubotError,
  code: WakubotError["code"],
): void {
  const e = caught(fn);
  expect(e).toBeInstanceOf(cls);
  expect((e as WakubotError).code).toBe(code);
}

/**
 * Asserts that `promise` rejects with an instance of `cls` carrying `code`.
 *
 * @example
 * await expectRejection(node.publish(tooBig), NetworkError, "unreachable");
 */
export async function expectRejection(
  promise: Promise<unknown>,
  cls: abstract new (...a: never[]) => WakubotError,
  code: WakubotError["code"],
): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(cls);
  expect((error as WakubotError).code).toBe(code);
}
