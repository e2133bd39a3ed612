/** @module The primitives the session protocol needs, behind one interface with a portable and a native implementation. */

/** An X25519 key pair (RFC 7748): 32-byte secret scalar (unclamped bytes) and 32-byte public u-coordinate. */
export interface X25519KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * Everything cryptographic the protocol layer calls. Both implementations produce byte-identical output for the
 * same inputs (test/crypto/providers.test.ts runs every vector through both).
 *
 * @example
 * const p = defaultProvider();
 * const shared = p.x25519(mySecret, theirPublic);
 */
export interface CryptoProvider {
  readonly name: "noble" | "native";
  /** `n` random bytes from the OS CSPRNG. */
  random(n: number): Uint8Array;
  /** Public key for a 32-byte X25519 secret (RFC 7748 §6.1). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** X25519(secret, public); throws CryptoError `invalid_key` on an all-zero result (low-order point). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** Ed25519 signature (RFC 8032) with the 32-byte seed. */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  /** Ed25519 verification (RFC 8032 §5.1.7, cofactorless as in both libraries); false on any malformed input. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** HMAC-SHA-256 (RFC 2104). */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA-256 (RFC 5869). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** AES-256-GCM (NIST SP 800-38D), 12-byte nonce; returns ciphertext ‖ 16-byte tag. */
  aesGcmSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array;
  /** Inverse of aesGcmSeal; throws CryptoError `decrypt_failed` when authentication fails. */
  aesGcmOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array;
  /** AES-256-CTR (NIST SP 800-38A) with a 16-byte initial counter block; encrypts and decrypts. */
  aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/**
 * A fresh X25519 key pair from the provider's randomness.
 *
 * @example
 * const { secretKey, publicKey } = generateX25519(provider);
 */
export function generateX25519(provider: CryptoProvider): X25519KeyPair {
  const secretKey = provider.random(32);
  return { secretKey, publicKey: provider.x25519PublicKey(secretKey) };
}

/**
 * Constant-time equality of two byte arrays.
 *
 * @example
 * if (!bytesEqual(expectedTag, tag)) throw …;
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Concatenates byte arrays.
 *
 * @example
 * concatBytes(label, publicKey);
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
