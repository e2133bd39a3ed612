/** @module The portable CryptoProvider on @noble: runs anywhere JavaScript runs, and is the reference for the native one. */
import { ctr, gcm } from "@noble/ciphers/aes.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { CryptoError } from "../errors.ts";
import type { CryptoProvider } from "./provider.ts";

function nonZero(shared: Uint8Array): Uint8Array {
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0)
    throw new CryptoError("invalid_key", "X25519 produced an all-zero secret (low-order public key)");
  return shared;
}

/**
 * The @noble implementation. `random` can be replaced for deterministic tests and vectors.
 *
 * @example
 * const provider = nobleProvider();
 * const seeded = nobleProvider(seededRandom(1));
 */
export function nobleProvider(random: (n: number) => Uint8Array = randomBytes): CryptoProvider {
  return {
    name: "noble",
    random,
    x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
    x25519: (secretKey, publicKey) => {
      try {
        return nonZero(x25519.getSharedSecret(secretKey, publicKey));
      } catch (cause) {
        if (cause instanceof CryptoError) throw cause;
        throw new CryptoError("invalid_key", "X25519 rejected the public key", { cause });
      }
    },
    ed25519Sign: (seed, message) => ed25519.sign(message, seed),
    ed25519Verify: (publicKey, message, signature) => {
      try {
        return ed25519.verify(signature, message, publicKey, { zip215: false });
      } catch {
        return false;
      }
    },
    hmacSha256: (key, data) => hmac(sha256, key, data),
    hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
    aesGcmSeal: (key, nonce, plaintext, ad) => gcm(key, nonce, ad).encrypt(plaintext),
    aesGcmOpen: (key, nonce, sealed, ad) => {
      try {
        return gcm(key, nonce, ad).decrypt(sealed);
      } catch (cause) {
        throw new CryptoError("decrypt_failed", "message authentication failed", { cause });
      }
    },
    aesCtr: (key, iv, data) => ctr(key, iv).encrypt(data),
  };
}
