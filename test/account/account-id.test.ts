import { describe, expect, test } from "bun:test";
import nodeCrypto from "node:crypto";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import {
  accountDigest,
  accountIdFromPublicKey,
  accountIdMatches,
  parseAccountId,
} from "../../src/account/account-id.ts";
import {
  generateIdentity,
  x25519PublicFromIdentity,
  x25519SecretFromIdentity,
} from "../../src/account/identity.ts";
import { InputError } from "../../src/errors.ts";
import { hex, unhex } from "../support/tmp.ts";
import vectors from "../vectors/account.json";

const BECH32_CHARS = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const seeded = { seed: 0x5eed, numRuns: 200 };

describe("account vectors (test/vectors/account.json)", () => {
  for (const v of vectors.vectors) {
    test(`recomputes ${v.accountId}`, () => {
      const pk = ed25519.getPublicKey(unhex(v.seed));
      expect(hex(pk)).toBe(v.ed25519PublicKey);
      expect(hex(x25519SecretFromIdentity(unhex(v.seed)))).toBe(v.x25519SecretKey);
      expect(hex(x25519PublicFromIdentity(pk))).toBe(v.x25519PublicKey);
      expect(hex(accountDigest(pk))).toBe(v.accountDigest);
      expect(accountIdFromPublicKey(pk)).toBe(v.accountId);
    });
  }

  test("the first vector is RFC 8032 §7.1 TEST 1", () => {
    expect(vectors.vectors[0]?.ed25519PublicKey).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
  });
});

describe("X25519 key derived from the Ed25519 identity", () => {
  test("secret and public halves match, and agree with Bun's native X25519", () => {
    for (const v of vectors.vectors) {
      const xsk = unhex(v.x25519SecretKey);
      expect(hex(x25519.getPublicKey(xsk))).toBe(v.x25519PublicKey);
      const native = nodeCrypto.createPrivateKey({
        key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), xsk]),
        format: "der",
        type: "pkcs8",
      });
      const pub = nodeCrypto.createPublicKey(native).export({ format: "der", type: "spki" });
      expect(hex(new Uint8Array(pub).subarray(-32))).toBe(v.x25519PublicKey);
    }
  });

  test("two identities reach the same shared secret through their derived X25519 keys", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b) => {
          const pa = ed25519.getPublicKey(a);
          const pb = ed25519.getPublicKey(b);
          const ab = x25519.getSharedSecret(x25519SecretFromIdentity(a), x25519PublicFromIdentity(pb));
          const ba = x25519.getSharedSecret(x25519SecretFromIdentity(b), x25519PublicFromIdentity(pa));
          expect(hex(ab)).toBe(hex(ba));
        },
      ),
      { seed: 0x5eed, numRuns: 20 },
    );
  });
});

describe("account ids", () => {
  test("have the documented shape and round-trip to their digest", () => {
    const id = generateIdentity();
    const accountId = accountIdFromPublicKey(id.publicKey);
    expect(accountId).toMatch(/^wb1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{32}$/);
    expect(hex(parseAccountId(accountId))).toBe(hex(accountDigest(id.publicKey)));
    expect(hex(parseAccountId(accountId.toUpperCase()))).toBe(hex(accountDigest(id.publicKey)));
    expect(accountIdMatches(accountId, id.publicKey)).toBe(true);
    expect(accountIdMatches(accountId, generateIdentity().publicKey)).toBe(false);
  });

  test("every single-character typo is caught by the checksum", () => {
    const accountId = vectors.vectors[0]?.accountId as string;
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: accountId.length - 1 }),
        fc.constantFrom(...BECH32_CHARS),
        (pos, ch) => {
          fc.pre(accountId[pos] !== ch);
          const typo = accountId.slice(0, pos) + ch + accountId.slice(pos + 1);
          expect(() => parseAccountId(typo)).toThrow(InputError);
        },
      ),
      seeded,
    );
  });

  test("swapped neighbours, dropped and extra characters are caught", () => {
    const accountId = vectors.vectors[1]?.accountId as string;
    for (let i = 3; i < accountId.length - 1; i++) {
      if (accountId[i] === accountId[i + 1]) continue;
      const swapped = accountId.slice(0, i) + accountId[i + 1] + accountId[i] + accountId.slice(i + 2);
      expect(() => parseAccountId(swapped)).toThrow(InputError);
    }
    expect(() => parseAccountId(accountId.slice(0, -1))).toThrow(InputError);
    expect(() => parseAccountId(`${accountId}q`)).toThrow(InputError);
  });

  test("wrong prefix, mixed case, garbage and a bech32 (not bech32m) string each give invalid_account_id", () => {
    const accountId = vectors.vectors[2]?.accountId as string;
    const cases = [
      `xx${accountId.slice(2)}`,
      accountId.slice(0, 10).toUpperCase() + accountId.slice(10),
      "hello",
      "",
      "wb1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    ];
    for (const text of cases) {
      try {
        parseAccountId(text);
        throw new Error(`accepted ${text}`);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).code).toBe("invalid_account_id");
      }
    }
  });
});
