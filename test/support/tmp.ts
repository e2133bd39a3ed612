/** @module Temporary directories for tests, removed when the test ends. */
import { afterEach } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh empty directory, deleted after the current test.
 *
 * @example
 * const dir = tempDir(); createDataDir(join(dir, "data"), …);
 */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "wakubot-test-"));
  made.push(dir);
  return dir;
}

/** Cheap Argon2id settings so tests do not spend 0.3 s per derivation; production uses DEFAULT_KDF. */
export const TEST_KDF = { memoryKiB: 64, passes: 1, lanes: 1 } as const;

/** Hex of a byte array. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
/** Bytes of a hex string. */
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
