import { describe, expect, test } from "bun:test";
import {
  checkKdfParams,
  decodeKdfParams,
  deriveKey,
  encodeKdfParams,
  newKdfParams,
} from "../../src/crypto/kdf.ts";
import { InputError } from "../../src/errors.ts";
import { unwrapDataKey, wrapDataKey } from "../../src/storage/keyring.ts";
import { hex, unhex } from "../support/tmp.ts";
import vectors from "../vectors/keyring.json";

describe("key ring vectors (test/vectors/keyring.json)", () => {
  for (const v of vectors.vectors) {
    test("Argon2id key-encryption key and wrapped data key, on both providers", () => {
      const params = decodeKdfParams(v.kdfParams);
      expect(encodeKdfParams(params)).toBe(v.kdfParams);
      expect(hex(deriveKey(v.passphrase, params, "noble"))).toBe(v.kek);
      expect(hex(deriveKey(v.passphrase, params, "native"))).toBe(v.kek);
      const wrapped = wrapDataKey(unhex(v.kek), unhex(v.dataKey), v.keyId, v.kdfParams, () => unhex(v.nonce));
      expect(hex(wrapped)).toBe(v.wrappedKey);
      expect(hex(unwrapDataKey(unhex(v.kek), wrapped, v.keyId, v.kdfParams))).toBe(v.dataKey);
    });
  }
});

describe("Argon2id", () => {
  test("native (node:crypto) and @noble give the same key with several lanes and passes", () => {
    const params = {
      alg: "argon2id" as const,
      memoryKiB: 32,
      passes: 3,
      lanes: 4,
      salt: new Uint8Array(16).fill(2),
    };
    expect(hex(deriveKey("password", params, "native"))).toBe(hex(deriveKey("password", params, "noble")));
  });

  test("the passphrase is NFC-normalised, so composed and decomposed accents unlock alike", () => {
    const params = newKdfParams({ memoryKiB: 64, passes: 1, lanes: 1 });
    expect(hex(deriveKey("caf\u00e9", params))).toBe(hex(deriveKey("cafe\u0301", params)));
    expect(hex(deriveKey("cafe", params))).not.toBe(hex(deriveKey("caf\u00e9", params)));
  });

  test("out-of-range or malformed stored parameters are refused before any work", () => {
    const salt = new Uint8Array(16);
    const bad = [
      { alg: "argon2id" as const, memoryKiB: 8 * 1024 * 1024, passes: 3, lanes: 4, salt },
      { alg: "argon2id" as const, memoryKiB: 64, passes: 0, lanes: 1, salt },
      { alg: "argon2id" as const, memoryKiB: 16, passes: 1, lanes: 4, salt },
      { alg: "argon2id" as const, memoryKiB: 64, passes: 1, lanes: 1, salt: new Uint8Array(8) },
      { alg: "scrypt" as unknown as "argon2id", memoryKiB: 64, passes: 1, lanes: 1, salt },
    ];
    for (const p of bad) expect(() => checkKdfParams(p)).toThrow(InputError);
    expect(() => decodeKdfParams("{not json")).toThrow(InputError);
    expect(() => decodeKdfParams('{"alg":"argon2id","m":64,"t":1,"p":1}')).toThrow(InputError);
  });
});
