import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Sealer, sealAssociatedData } from "../../src/crypto/seal.ts";
import { StorageError } from "../../src/errors.ts";
import { hex, unhex } from "../support/tmp.ts";
import vectors from "../vectors/seal.json";

const slot = { table: "identity", row: 1, column: "secret_key" };

function expectSealedInvalid(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe("sealed_value_invalid");
    return;
  }
  throw new Error("opened a value that should have been rejected");
}

describe("seal vectors (test/vectors/seal.json)", () => {
  for (const v of vectors.vectors) {
    test(`${v.slot.table}.${v.slot.column} row ${v.slot.row}`, () => {
      const sealer = new Sealer(v.keyId, unhex(v.dataKey), () => unhex(v.nonce));
      const sealed = sealer.seal(unhex(v.plaintext), v.slot);
      expect(hex(sealed)).toBe(v.sealed);
      expect(hex(sealAssociatedData(v.slot, sealed.subarray(0, 5)))).toBe(v.associatedData);
      expect(hex(sealer.open(unhex(v.sealed), v.slot))).toBe(v.plaintext);
    });
  }
});

describe("Sealer", () => {
  const key = new Uint8Array(32).fill(9);

  test("round-trips any plaintext and never repeats a nonce", () => {
    const sealer = new Sealer(1, key);
    const nonces = new Set<string>();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (pt) => {
        const sealed = sealer.seal(pt, slot);
        nonces.add(hex(sealed.subarray(5, 29)));
        expect(hex(sealer.open(sealed, slot))).toBe(hex(pt));
      }),
      { seed: 42, numRuns: 200 },
    );
    expect(nonces.size).toBe(200);
  });

  test("a value moved to another row, column or table does not open", () => {
    const sealer = new Sealer(1, key);
    const sealed = sealer.seal(new Uint8Array([1, 2, 3]), slot);
    expectSealedInvalid(() => sealer.open(sealed, { ...slot, row: 2 }));
    expectSealedInvalid(() => sealer.open(sealed, { ...slot, column: "public_key" }));
    expectSealedInvalid(() => sealer.open(sealed, { ...slot, table: "signed_prekeys" }));
    // "1" + "\0" boundaries cannot be shifted between fields.
    expectSealedInvalid(() => sealer.open(sealed, { table: "identity", row: "1\0secret", column: "key" }));
  });

  test("every single-bit flip is rejected", () => {
    const sealer = new Sealer(1, key);
    const sealed = sealer.seal(new TextEncoder().encode("secret seed"), slot);
    for (let i = 0; i < sealed.length * 8; i++) {
      const copy = sealed.slice();
      copy[i >> 3] = (copy[i >> 3] as number) ^ (1 << (i & 7));
      expectSealedInvalid(() => sealer.open(copy, slot));
    }
  });

  test("truncated values, another data key and another key id are rejected", () => {
    const sealer = new Sealer(1, key);
    const sealed = sealer.seal(new Uint8Array(8), slot);
    for (const len of [0, 1, 5, 29, 44, sealed.length - 1]) {
      expectSealedInvalid(() => sealer.open(sealed.subarray(0, len), slot));
    }
    expectSealedInvalid(() => new Sealer(1, new Uint8Array(32).fill(8)).open(sealed, slot));
    expectSealedInvalid(() => new Sealer(2, key).open(sealed, slot));
  });
});
