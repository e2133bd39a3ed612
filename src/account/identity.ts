/** @module The account's Ed25519 identity key and the X25519 key derived from it for key agreement (F1). */
import { ed25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { accountIdFromPublicKey } from "./account-id.ts";

/** An Ed25519 identity: `secretKey` is the RFC 8032 32-byte seed. */
export interface IdentityKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/**
 * A fresh identity from 32 random bytes (RFC 8032 §5.1.5 key generation).
 *
 * @example
 * const id = generateIdentity();
 * accountIdFromPublicKey(id.publicKey);
 */
export function generateIdentity(random: (n: number) => Uint8Array = randomBytes): IdentityKeyPair {
  const secretKey = random(32);
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/**
 * The identity's public key for X25519 key agreement: the Edwards point mapped to Montgomery form,
 * u = (1 + y) / (1 − y) (RFC 7748 §4.1). Anyone can compute it from the Ed25519 public key, so an invite carries
 * only the Ed25519 key. Throws on a key that is not a valid point.
 *
 * @example
 * const theirDhKey = x25519PublicFromIdentity(invite.identityKey);
 */
export function x25519PublicFromIdentity(identityPublicKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomery(identityPublicKey);
}

/**
 * The matching X25519 secret: the clamped first half of SHA-512(seed), i.e. the same scalar Ed25519 signs with
 * (RFC 8032 §5.1.5), so `x25519(secret, basepoint)` equals {@link x25519PublicFromIdentity} of the public key.
 *
 * @example
 * const shared = x25519.getSharedSecret(x25519SecretFromIdentity(me.secretKey), theirDhKey);
 */
export function x25519SecretFromIdentity(identitySecretKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(identitySecretKey);
}

/**
 * The account id of an identity (see account-id.ts).
 *
 * @example
 * accountIdOf(generateIdentity()); // "wb1…"
 */
export function accountIdOf(identity: Pick<IdentityKeyPair, "publicKey">): string {
  return accountIdFromPublicKey(identity.publicKey);
}
