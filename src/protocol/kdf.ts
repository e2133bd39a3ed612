/** @module Every key derivation of the session protocol, with its label, in one place (docs/protocol.md §Keys). */
import { type CryptoProvider, concatBytes } from "../crypto/provider.ts";

const enc = new TextEncoder();

/** HKDF/HMAC labels. Changing one is a new protocol version. */
export const LABELS = {
  x3dh: enc.encode("wakubot/v1/x3dh"),
  identitySeal: enc.encode("wakubot/v1/x3dh/identity"),
  sessionAd: enc.encode("wakubot/v1/session-ad"),
  rootChain: enc.encode("wakubot/v1/ratchet/root"),
  messageKey: enc.encode("wakubot/v1/ratchet/message"),
  headerKey: enc.encode("wakubot/v1/header-key"),
  tagKey: enc.encode("wakubot/v1/tag-key"),
  invite: enc.encode("wakubot/v1/invite"),
} as const;

const ZERO32 = new Uint8Array(32);
const ONE = new Uint8Array([1]);
const TWO = new Uint8Array([2]);

/** Length of a conversation tag on the wire. */
export const TAG_BYTES = 8;

/**
 * KDF_RK_HE of the Double Ratchet spec §4 with HKDF-SHA-256 (§5.2): salt = root key, ikm = DH output.
 * Returns the next root key, a chain key and the next header key.
 *
 * @example
 * const { rk, ck, nhk } = kdfRoot(p, state.rk, p.x25519(dhs.secretKey, dhr));
 */
export function kdfRoot(
  p: CryptoProvider,
  rk: Uint8Array,
  dhOut: Uint8Array,
): { rk: Uint8Array; ck: Uint8Array; nhk: Uint8Array } {
  const out = p.hkdfSha256(dhOut, rk, LABELS.rootChain, 96);
  return { rk: out.slice(0, 32), ck: out.slice(32, 64), nhk: out.slice(64, 96) };
}

/**
 * KDF_CK of the Double Ratchet spec §5.2: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02).
 *
 * @example
 * const { mk, ck } = kdfChain(p, state.cks);
 */
export function kdfChain(p: CryptoProvider, ck: Uint8Array): { mk: Uint8Array; ck: Uint8Array } {
  return { mk: p.hmacSha256(ck, ONE), ck: p.hmacSha256(ck, TWO) };
}

/**
 * AES-256-GCM key and nonce of one message: HKDF-SHA-256(ikm = mk, salt = 32 zero bytes, info = label), 44 bytes.
 * Each message key is used once, so a derived nonce is safe.
 *
 * @example
 * const { key, nonce } = messageCipherKeys(p, mk);
 */
export function messageCipherKeys(p: CryptoProvider, mk: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const out = p.hkdfSha256(mk, ZERO32, LABELS.messageKey, 44);
  return { key: out.subarray(0, 32), nonce: out.subarray(32, 44) };
}

/**
 * The AES-256-CTR key that encrypts headers under header key `hk`: HMAC(hk, "wakubot/v1/header-key").
 *
 * @example
 * const k = headerCipherKey(p, state.hks);
 */
export function headerCipherKey(p: CryptoProvider, hk: Uint8Array): Uint8Array {
  return derivedOnce(p, hk, "header", LABELS.headerKey);
}

/**
 * Header keys live for a whole chain, so their derived keys are computed once per key array (key arrays are
 * immutable; every provider gives the same HMAC, so the cache need not know which one computed it).
 */
const derived = { header: new WeakMap<Uint8Array, Uint8Array>(), tag: new WeakMap<Uint8Array, Uint8Array>() };

function derivedOnce(
  p: CryptoProvider,
  hk: Uint8Array,
  kind: keyof typeof derived,
  label: Uint8Array,
): Uint8Array {
  let key = derived[kind].get(hk);
  if (!key) {
    key = p.hmacSha256(hk, label);
    derived[kind].set(hk, key);
  }
  return key;
}

/**
 * The key tags are computed with under header key `hk`: HMAC(hk, "wakubot/v1/tag-key").
 *
 * @example
 * const tk = tagKey(p, state.hkr); const tag = tagAt(p, tk, 5);
 */
export function tagKey(p: CryptoProvider, hk: Uint8Array): Uint8Array {
  return derivedOnce(p, hk, "tag", LABELS.tagKey);
}

/**
 * The tag of message `n` given a {@link tagKey}: HMAC(tagKey, u32be(n))[0..8].
 *
 * @example
 * tagAt(p, tagKey(p, hk), 0);
 */
export function tagAt(p: CryptoProvider, key: Uint8Array, n: number): Uint8Array {
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, n);
  return p.hmacSha256(key, counter).slice(0, TAG_BYTES);
}

/**
 * The conversation tag of message `n` under header key `hk`:
 * `HMAC(HMAC(hk, "wakubot/v1/tag-key"), u32be(n))[0..8]`. A PRF output under a key only the two parties hold,
 * so observers cannot link two tags, nor a tag to a conversation.
 *
 * @example
 * const tag = messageTag(p, state.hks, state.ns);
 */
export function messageTag(p: CryptoProvider, hk: Uint8Array, n: number): Uint8Array {
  return tagAt(p, tagKey(p, hk), n);
}

/**
 * The 16-byte AES-CTR initial counter block for a header: the message tag followed by 8 zero bytes. Tags are
 * distinct per message of a chain, and every header of one chain has the same plaintext anyway.
 *
 * @example
 * p.aesCtr(headerCipherKey(p, hk), headerIv(tag), header);
 */
export function headerIv(tag: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  iv.set(tag);
  return iv;
}

/**
 * The associated data binding a session to both identities and to this conversation:
 * HKDF-SHA-256(ikm = IK_initiator ‖ IK_responder ‖ EK, salt = empty, info = "wakubot/v1/session-ad"), 32 bytes.
 *
 * @example
 * const ad = sessionAssociatedData(p, aliceIdentity, bobIdentity, ephemeralPublic);
 */
export function sessionAssociatedData(
  p: CryptoProvider,
  initiatorIdentity: Uint8Array,
  responderIdentity: Uint8Array,
  ephemeral: Uint8Array,
): Uint8Array {
  return p.hkdfSha256(
    concatBytes(initiatorIdentity, responderIdentity, ephemeral),
    new Uint8Array(0),
    LABELS.sessionAd,
    32,
  );
}
