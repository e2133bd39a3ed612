/** @module Sealing secret values at rest: XChaCha20-Poly1305 with associated data naming table, row and column. */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { StorageError } from "../errors.ts";

/** Where a sealed value lives. Bound into the AEAD so a value moved to another row or column fails to open. */
export interface SealSlot {
  readonly table: string;
  readonly row: string | number;
  readonly column: string;
}

/** Format byte of a sealed value; bump when the layout changes. */
export const SEAL_VERSION = 1;
const HEADER = 1 + 4; // version, key id (u32 big-endian)
const NONCE = 24;
const TAG = 16;

const encoder = new TextEncoder();

/**
 * The associated data of a sealed value: `"wakubot/seal/v1" 0x00 table 0x00 row 0x00 column 0x00` followed by
 * the 5-byte header (version, key id). Names may not contain NUL, so the encoding is unambiguous.
 *
 * @example
 * sealAssociatedData({ table: "identity", row: 1, column: "secret_key" }, header);
 */
export function sealAssociatedData(slot: SealSlot, header: Uint8Array): Uint8Array {
  const parts = [slot.table, String(slot.row), slot.column];
  if (parts.some((p) => p.includes("\0"))) throw new TypeError("seal slot names may not contain NUL");
  const text = encoder.encode(`wakubot/seal/v1\0${parts.join("\0")}\0`);
  const ad = new Uint8Array(text.length + header.length);
  ad.set(text);
  ad.set(header, text.length);
  return ad;
}

/**
 * Seals and opens secret values with one data key from the key ring.
 * Layout of a sealed value: `version (1) ‖ keyId (4, BE) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`.
 *
 * @example
 * const sealer = new Sealer(1, dataKey);
 * const blob = sealer.seal(secret, { table: "identity", row: 1, column: "secret_key" });
 * const back = sealer.open(blob, { table: "identity", row: 1, column: "secret_key" });
 */
export class Sealer {
  readonly #key: Uint8Array;

  constructor(
    readonly keyId: number,
    dataKey: Uint8Array,
    private readonly random: (n: number) => Uint8Array = randomBytes,
  ) {
    if (dataKey.length !== 32) throw new TypeError("data key must be 32 bytes");
    this.#key = dataKey;
  }

  /**
   * A key for another purpose derived from the data key: HMAC-SHA-256(dataKey, "wakubot/subkey/v1/" ‖ label).
   * Used for the tag index, so it is unusable without the passphrase too.
   */
  subkey(label: string): Uint8Array {
    return hmac(sha256, this.#key, new TextEncoder().encode(`wakubot/subkey/v1/${label}`));
  }

  /** Encrypts `plaintext` for `slot` under a fresh random 192-bit nonce (safe to pick at random, unlike 96-bit). */
  seal(plaintext: Uint8Array, slot: SealSlot): Uint8Array {
    const header = new Uint8Array(HEADER);
    header[0] = SEAL_VERSION;
    new DataView(header.buffer).setUint32(1, this.keyId);
    const nonce = this.random(NONCE);
    const ct = xchacha20poly1305(this.#key, nonce, sealAssociatedData(slot, header)).encrypt(plaintext);
    const out = new Uint8Array(HEADER + NONCE + ct.length);
    out.set(header);
    out.set(nonce, HEADER);
    out.set(ct, HEADER + NONCE);
    return out;
  }

  /** Decrypts a value sealed for exactly this slot; anything else is a StorageError `sealed_value_invalid`. */
  open(sealed: Uint8Array, slot: SealSlot): Uint8Array {
    const where = `${slot.table}.${slot.column} of row ${slot.row}`;
    if (sealed.length < HEADER + NONCE + TAG || sealed[0] !== SEAL_VERSION) {
      throw new StorageError("sealed_value_invalid", `sealed value in ${where} has an unknown format`);
    }
    const keyId = new DataView(sealed.buffer, sealed.byteOffset).getUint32(1);
    if (keyId !== this.keyId) {
      throw new StorageError("sealed_value_invalid", `sealed value in ${where} uses data key ${keyId}`);
    }
    const header = sealed.subarray(0, HEADER);
    const nonce = sealed.subarray(HEADER, HEADER + NONCE);
    try {
      return xchacha20poly1305(this.#key, nonce, sealAssociatedData(slot, header)).decrypt(
        sealed.subarray(HEADER + NONCE),
      );
    } catch (cause) {
      throw new StorageError(
        "sealed_value_invalid",
        `sealed value in ${where} failed authentication (tampered, or moved from another row)`,
        { cause },
      );
    }
  }
}
