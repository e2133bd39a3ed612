/**
 * @module The Double Ratchet with header encryption (Signal's Double Ratchet spec, §3 and §4), pure functions over
 * immutable state, with conversation tags that let a receiver find the chain and message number without trial
 * decryption (docs/protocol.md §Ratchet and §Tags).
 */
import {
  bytesEqual,
  type CryptoProvider,
  concatBytes,
  generateX25519,
  type X25519KeyPair,
} from "../crypto/provider.ts";
import { CryptoError, ProtocolError } from "../errors.ts";
import {
  headerCipherKey,
  headerIv,
  kdfChain,
  kdfRoot,
  messageCipherKeys,
  messageTag,
  TAG_BYTES,
  tagAt,
  tagKey,
} from "./kdf.ts";

/** A message key kept for a message that has not arrived yet (spec §3.2, "skipped message keys"). */
export interface SkippedKey {
  readonly tag: Uint8Array;
  readonly messageKey: Uint8Array;
  readonly storedAt: number;
}

/** Everything one side of a conversation knows. Never mutated: every operation returns a new state. */
export interface RatchetState {
  readonly initiator: boolean;
  readonly localIdentity: Uint8Array;
  readonly remoteIdentity: Uint8Array;
  /** Session associated data (kdf.ts sessionAssociatedData): binds both identities and the conversation. */
  readonly ad: Uint8Array;
  readonly dhs: X25519KeyPair;
  readonly dhr: Uint8Array | undefined;
  readonly rk: Uint8Array;
  readonly cks: Uint8Array | undefined;
  readonly ckr: Uint8Array | undefined;
  readonly ns: number;
  readonly nr: number;
  readonly pn: number;
  readonly hks: Uint8Array | undefined;
  readonly hkr: Uint8Array | undefined;
  readonly nhks: Uint8Array;
  readonly nhkr: Uint8Array;
  readonly skipped: readonly SkippedKey[];
  /** Tags of recently decrypted messages, newest last, to tell a replay from an unknown message. */
  readonly recentTags: readonly Uint8Array[];
  /** X3DH fields the initiator repeats on every message until it hears back (docs/protocol.md §Setup). */
  readonly pending: { readonly ephemeral: Uint8Array; readonly sealedIdentity: Uint8Array } | undefined;
}

/** Limits on what a receiver will do for out-of-order and lost messages. */
export interface RatchetLimits {
  /** Most message keys skipped for one incoming message (spec's MAX_SKIP). */
  readonly maxSkip: number;
  /** Most skipped keys stored per conversation; the oldest are dropped first. */
  readonly maxSkipped: number;
  /** Skipped keys older than this are deleted (milliseconds). */
  readonly skippedTtlMs: number;
  /** How many message numbers ahead a receiver recognises tags for, per chain. */
  readonly window: number;
}

/**
 * Defaults: 1,000 skipped keys at most (per step and stored), kept 14 days; a 64-message tag window.
 *
 * @example
 * ratchetDecrypt(state, envelope, { provider, now: Date.now(), limits: { ...DEFAULT_LIMITS, maxSkip: 100 } });
 */
export const DEFAULT_LIMITS: RatchetLimits = {
  maxSkip: 1000,
  maxSkipped: 1000,
  skippedTtlMs: 14 * 24 * 3600 * 1000,
  window: 64,
};

const RECENT_TAGS = 64;
/** Encrypted header: ratchet public key (32) ‖ previous chain length (u32 BE). */
export const HEADER_BYTES = 36;

/** The parts of an Envelope that carry one ratchet message. */
export interface RatchetMessage {
  readonly tag: Uint8Array;
  readonly header: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** Context of one operation: the crypto provider and the time (milliseconds; injected for determinism). */
export interface RatchetContext {
  readonly provider: CryptoProvider;
  readonly now: number;
  readonly limits?: RatchetLimits;
}

/** Inputs shared by both initialisations: the X3DH outputs (docs/protocol.md §Setup). */
export interface SessionSecrets {
  readonly sk: Uint8Array;
  readonly sharedHka: Uint8Array;
  readonly sharedNhkb: Uint8Array;
  readonly ad: Uint8Array;
  readonly localIdentity: Uint8Array;
  readonly remoteIdentity: Uint8Array;
}

/**
 * RatchetInitAliceHE (spec §4): the initiator knows the responder's ratchet key (its signed prekey).
 *
 * @example
 * const state = initInitiator(p, secrets, invite.signedPrekey);
 */
export function initInitiator(
  p: CryptoProvider,
  s: SessionSecrets,
  responderRatchetKey: Uint8Array,
): RatchetState {
  const dhs = generateX25519(p);
  const root = kdfRoot(p, s.sk, p.x25519(dhs.secretKey, responderRatchetKey));
  return {
    initiator: true,
    localIdentity: s.localIdentity,
    remoteIdentity: s.remoteIdentity,
    ad: s.ad,
    dhs,
    dhr: responderRatchetKey,
    rk: root.rk,
    cks: root.ck,
    ckr: undefined,
    ns: 0,
    nr: 0,
    pn: 0,
    hks: s.sharedHka,
    hkr: undefined,
    nhks: root.nhk,
    nhkr: s.sharedNhkb,
    skipped: [],
    recentTags: [],
    pending: undefined,
  };
}

/**
 * RatchetInitBobHE (spec §4): the responder starts from its signed prekey pair and waits for the first message.
 *
 * @example
 * const state = initResponder(secrets, signedPrekeyPair);
 */
export function initResponder(s: SessionSecrets, signedPrekey: X25519KeyPair): RatchetState {
  return {
    initiator: false,
    localIdentity: s.localIdentity,
    remoteIdentity: s.remoteIdentity,
    ad: s.ad,
    dhs: signedPrekey,
    dhr: undefined,
    rk: s.sk,
    cks: undefined,
    ckr: undefined,
    ns: 0,
    nr: 0,
    pn: 0,
    hks: undefined,
    hkr: undefined,
    nhks: s.sharedNhkb,
    nhkr: s.sharedHka,
    skipped: [],
    recentTags: [],
    pending: undefined,
  };
}

function messageAd(state: RatchetState, tag: Uint8Array, header: Uint8Array): Uint8Array {
  return concatBytes(state.ad, tag, header);
}

/**
 * RatchetEncryptHE (spec §4): encrypts `plaintext` and advances the sending chain.
 *
 * @example
 * const { state: next, message } = ratchetEncrypt(state, frameBytes, { provider, now: Date.now() });
 */
export function ratchetEncrypt(
  state: RatchetState,
  plaintext: Uint8Array,
  ctx: RatchetContext,
): { state: RatchetState; message: RatchetMessage } {
  const p = ctx.provider;
  if (!state.cks || !state.hks) {
    throw new CryptoError("invalid_key", "this side cannot send before it has received the first message");
  }
  const { mk, ck } = kdfChain(p, state.cks);
  const tag = messageTag(p, state.hks, state.ns);
  const plainHeader = new Uint8Array(HEADER_BYTES);
  plainHeader.set(state.dhs.publicKey);
  new DataView(plainHeader.buffer).setUint32(32, state.pn);
  const header = p.aesCtr(headerCipherKey(p, state.hks), headerIv(tag), plainHeader);
  const keys = messageCipherKeys(p, mk);
  const ciphertext = p.aesGcmSeal(keys.key, keys.nonce, plaintext, messageAd(state, tag, header));
  return { state: { ...state, cks: ck, ns: state.ns + 1 }, message: { tag, header, ciphertext } };
}

function decodeHeader(
  p: CryptoProvider,
  hk: Uint8Array,
  message: RatchetMessage,
): { dh: Uint8Array; pn: number } {
  const plain = p.aesCtr(headerCipherKey(p, hk), headerIv(message.tag), message.header);
  return { dh: plain.slice(0, 32), pn: new DataView(plain.buffer, plain.byteOffset).getUint32(32) };
}

function findIndex(p: CryptoProvider, hk: Uint8Array, from: number, count: number, tag: Uint8Array): number {
  const key = tagKey(p, hk);
  for (let n = from; n < from + count; n++) if (bytesEqual(tagAt(p, key, n), tag)) return n;
  return -1;
}

/** Mutable working copy used inside one decrypt; discarded on failure so the caller's state is unchanged. */
type Draft = { -readonly [K in keyof RatchetState]: RatchetState[K] } & { skipped: SkippedKey[] };

function skipTo(p: CryptoProvider, d: Draft, until: number, limits: RatchetLimits, now: number): void {
  if (until - d.nr > limits.maxSkip) {
    throw new CryptoError(
      "too_many_skipped",
      `message would skip ${until - d.nr} keys, more than the limit of ${limits.maxSkip}`,
    );
  }
  if (!d.ckr || !d.hkr) return;
  while (d.nr < until) {
    const { mk, ck } = kdfChain(p, d.ckr);
    d.skipped.push({ tag: messageTag(p, d.hkr, d.nr), messageKey: mk, storedAt: now });
    d.ckr = ck;
    d.nr += 1;
  }
}

function dhRatchet(p: CryptoProvider, d: Draft, dh: Uint8Array): void {
  d.pn = d.ns;
  d.ns = 0;
  d.nr = 0;
  d.hks = d.nhks;
  d.hkr = d.nhkr;
  d.dhr = dh;
  const recv = kdfRoot(p, d.rk, p.x25519(d.dhs.secretKey, dh));
  d.ckr = recv.ck;
  d.nhkr = recv.nhk;
  d.dhs = generateX25519(p);
  const send = kdfRoot(p, recv.rk, p.x25519(d.dhs.secretKey, dh));
  d.rk = send.rk;
  d.cks = send.ck;
  d.nhks = send.nhk;
}

function open(p: CryptoProvider, d: Draft, mk: Uint8Array, message: RatchetMessage): Uint8Array {
  const keys = messageCipherKeys(p, mk);
  return p.aesGcmOpen(keys.key, keys.nonce, message.ciphertext, messageAd(d, message.tag, message.header));
}

function finish(d: Draft, tag: Uint8Array, limits: RatchetLimits, now: number): RatchetState {
  const fresh = d.skipped.filter((k) => now - k.storedAt <= limits.skippedTtlMs);
  d.skipped = fresh.slice(Math.max(0, fresh.length - limits.maxSkipped));
  d.recentTags = [...d.recentTags, tag].slice(-RECENT_TAGS);
  // The initiator stops repeating its X3DH fields once it has heard from the responder.
  if (d.initiator && d.hkr) d.pending = undefined;
  return d;
}

/** Skips to message `n` of the receiving chain, opens it with its key, and advances the chain past it. */
function receiveAt(
  p: CryptoProvider,
  d: Draft,
  n: number,
  message: RatchetMessage,
  limits: RatchetLimits,
  now: number,
): { state: RatchetState; plaintext: Uint8Array } {
  skipTo(p, d, n, limits, now);
  const { mk, ck } = kdfChain(p, d.ckr as Uint8Array);
  const plaintext = open(p, d, mk, message);
  d.ckr = ck;
  d.nr = n + 1;
  return { state: finish(d, message.tag, limits, now), plaintext };
}

/**
 * RatchetDecryptHE (spec §4) with tags: finds the message among skipped keys, the current receiving chain's
 * window, or the next chain's window, then decrypts. Throws CryptoError (`unknown_tag`, `replay`,
 * `too_many_skipped`, `decrypt_failed`, `invalid_key`) and leaves `state` as it was.
 *
 * @example
 * const { state: next, plaintext } = ratchetDecrypt(state, message, { provider, now: Date.now() });
 */
export function ratchetDecrypt(
  state: RatchetState,
  message: RatchetMessage,
  ctx: RatchetContext,
): { state: RatchetState; plaintext: Uint8Array } {
  const p = ctx.provider;
  const limits = ctx.limits ?? DEFAULT_LIMITS;
  if (message.tag.length !== TAG_BYTES || message.header.length !== HEADER_BYTES) {
    throw new ProtocolError("malformed", "ratchet message has a tag or header of the wrong size");
  }
  // Expired skipped keys are gone before the lookup, not only at the next successful decrypt.
  const d: Draft = {
    ...state,
    skipped: state.skipped.filter((k) => ctx.now - k.storedAt <= limits.skippedTtlMs),
  };

  const skippedAt = d.skipped.findIndex((k) => bytesEqual(k.tag, message.tag));
  if (skippedAt >= 0) {
    const key = d.skipped[skippedAt] as SkippedKey;
    const plaintext = open(p, d, key.messageKey, message);
    d.skipped.splice(skippedAt, 1);
    return { state: finish(d, message.tag, limits, ctx.now), plaintext };
  }

  if (d.hkr && d.ckr) {
    const n = findIndex(p, d.hkr, d.nr, limits.window, message.tag);
    if (n >= 0) {
      const header = decodeHeader(p, d.hkr, message);
      if (!d.dhr || !bytesEqual(header.dh, d.dhr)) {
        throw new CryptoError("decrypt_failed", "header does not match the receiving chain (tampered)");
      }
      return receiveAt(p, d, n, message, limits, ctx.now);
    }
  }

  const n = findIndex(p, d.nhkr, 0, limits.window, message.tag);
  if (n >= 0) {
    const header = decodeHeader(p, d.nhkr, message);
    skipTo(p, d, header.pn, limits, ctx.now);
    dhRatchet(p, d, header.dh);
    return receiveAt(p, d, n, message, limits, ctx.now);
  }

  if (state.recentTags.some((t) => bytesEqual(t, message.tag))) {
    throw new CryptoError("replay", "this message was already decrypted");
  }
  throw new CryptoError("unknown_tag", "no key of this conversation matches the message tag");
}

/**
 * Every tag this side currently expects, so a store can map an incoming tag to its conversation: skipped keys,
 * the next `window` numbers of the receiving chain, and the first `window` of the next chain.
 *
 * @example
 * for (const tag of expectedTags(state, provider)) index.set(hex(tag), conversationId);
 */
export function expectedTags(
  state: RatchetState,
  p: CryptoProvider,
  window: number = DEFAULT_LIMITS.window,
  tagOf: (key: Uint8Array, n: number) => Uint8Array = (key, n) => tagAt(p, key, n),
): Uint8Array[] {
  const tags = state.skipped.map((k) => k.tag);
  if (state.hkr) {
    const key = tagKey(p, state.hkr);
    for (let n = state.nr; n < state.nr + window; n++) tags.push(tagOf(key, n));
  }
  const next = tagKey(p, state.nhkr);
  for (let n = 0; n < window; n++) tags.push(tagOf(next, n));
  return tags;
}
