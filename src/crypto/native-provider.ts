/** @module The fast CryptoProvider on Bun's native node:crypto (BoringSSL): X25519, Ed25519, AES, HMAC, HKDF. */
import nodeCrypto, { type KeyObject } from "node:crypto";
import { CryptoError } from "../errors.ts";
import type { CryptoProvider } from "./provider.ts";

// DER prefixes that wrap raw 32-byte keys (RFC 8410 §7 and §10.3).
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");

/**
 * Key objects are costly to build; cache them per byte array and key type (ratchet keys are reused for a whole
 * chain). Key byte arrays are treated as immutable, as everywhere in wakubot.
 */
const keyCaches = new Map<(b: Uint8Array) => KeyObject, WeakMap<Uint8Array, KeyObject>>();

function cacheFor(make: (b: Uint8Array) => KeyObject): WeakMap<Uint8Array, KeyObject> {
  let cache = keyCaches.get(make);
  if (!cache) {
    cache = new WeakMap();
    keyCaches.set(make, cache);
  }
  return cache;
}

function cached(bytes: Uint8Array, make: (b: Uint8Array) => KeyObject): KeyObject {
  const cache = cacheFor(make);
  let key = cache.get(bytes);
  if (!key) {
    key = make(bytes);
    cache.set(bytes, key);
  }
  return key;
}

const x25519Secret = (b: Uint8Array) =>
  nodeCrypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, b]), format: "der", type: "pkcs8" });
const x25519Public = (b: Uint8Array) =>
  nodeCrypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, b]), format: "der", type: "spki" });
const ed25519Secret = (b: Uint8Array) =>
  nodeCrypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, b]), format: "der", type: "pkcs8" });
const ed25519Public = (b: Uint8Array) =>
  nodeCrypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI, b]), format: "der", type: "spki" });

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Whether this runtime's node:crypto has what the native provider needs. */
export function nativeAvailable(): boolean {
  try {
    const k = nodeCrypto.generateKeyPairSync("x25519");
    nodeCrypto.diffieHellman({ privateKey: k.privateKey, publicKey: k.publicKey });
    nodeCrypto.generateKeyPairSync("ed25519");
    return nodeCrypto.getCiphers().includes("aes-256-gcm");
  } catch {
    return false;
  }
}

/**
 * The native implementation. `random` can be replaced for deterministic tests and vectors.
 *
 * @example
 * const provider = nativeAvailable() ? nativeProvider() : nobleProvider();
 */
export function nativeProvider(
  random: (n: number) => Uint8Array = (n) => u8(nodeCrypto.randomBytes(n)),
): CryptoProvider {
  return {
    name: "native",
    random,
    x25519PublicKey: (secretKey) => {
      const spki = nodeCrypto
        .createPublicKey(x25519Secret(secretKey))
        .export({ format: "der", type: "spki" });
      return u8(spki.subarray(spki.length - 32));
    },
    x25519: (secretKey, publicKey) => {
      let shared: Buffer;
      try {
        shared = nodeCrypto.diffieHellman({
          privateKey: cached(secretKey, x25519Secret),
          publicKey: cached(publicKey, x25519Public),
        });
      } catch (cause) {
        throw new CryptoError("invalid_key", "X25519 rejected the public key", { cause });
      }
      let acc = 0;
      for (const b of shared) acc |= b;
      if (acc === 0)
        throw new CryptoError("invalid_key", "X25519 produced an all-zero secret (low-order public key)");
      return u8(shared);
    },
    ed25519Sign: (seed, message) => u8(nodeCrypto.sign(null, message, cached(seed, ed25519Secret))),
    ed25519Verify: (publicKey, message, signature) => {
      try {
        return nodeCrypto.verify(null, message, cached(publicKey, ed25519Public), signature);
      } catch {
        return false;
      }
    },
    hmacSha256: (key, data) => u8(nodeCrypto.createHmac("sha256", key).update(data).digest()),
    hkdfSha256: (ikm, salt, info, length) =>
      new Uint8Array(nodeCrypto.hkdfSync("sha256", ikm, salt, info, length)),
    aesGcmSeal: (key, nonce, plaintext, ad) => {
      const cipher = nodeCrypto.createCipheriv("aes-256-gcm", key, nonce);
      cipher.setAAD(ad);
      return u8(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    },
    aesGcmOpen: (key, nonce, sealed, ad) => {
      if (sealed.length < 16) throw new CryptoError("decrypt_failed", "ciphertext shorter than its tag");
      try {
        const decipher = nodeCrypto.createDecipheriv("aes-256-gcm", key, nonce);
        decipher.setAAD(ad);
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        return u8(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]));
      } catch (cause) {
        throw new CryptoError("decrypt_failed", "message authentication failed", { cause });
      }
    },
    aesCtr: (key, iv, data) => {
      const cipher = nodeCrypto.createCipheriv("aes-256-ctr", key, iv);
      return u8(Buffer.concat([cipher.update(data), cipher.final()]));
    },
  };
}
