/**
 * @module Non-interactive session setup (U1) after Signal's X3DH spec (§3), with the initiator's identity sealed so
 * observers see only an ephemeral key and ciphertext (PRIV1, PRIV2; docs/protocol.md §Setup).
 */
import { x25519PublicFromIdentity, x25519SecretFromIdentity } from "../account/identity.ts";
import { type CryptoProvider, concatBytes, generateX25519, type X25519KeyPair } from "../crypto/provider.ts";
import { CryptoError } from "../errors.ts";
import type { Invite } from "./invite.ts";
import { LABELS, sessionAssociatedData } from "./kdf.ts";
import {
  initInitiator,
  initResponder,
  type RatchetContext,
  type RatchetState,
  ratchetDecrypt,
} from "./ratchet.ts";
import { decodeInitiatorIdentity, type Envelope, encodeInitiatorIdentity } from "./wire.ts";

/** An identity as the protocol needs it: Ed25519 public key and seed. */
export interface IdentityKeys {
  readonly publicKey: Uint8Array;
  readonly seed: Uint8Array;
}

const F = new Uint8Array(32).fill(0xff);
const ZERO32 = new Uint8Array(32);

/**
 * X3DH's KDF (§2.2) with HKDF-SHA-256: ikm = 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], salt = 32 zero bytes,
 * info = "wakubot/v1/x3dh", 96 bytes → SK, the initiator's first header key, the responder's first next-header key.
 *
 * @example
 * const { sk, sharedHka, sharedNhkb } = x3dhSecrets(p, [dh1, dh2, dh3]);
 */
export function x3dhSecrets(
  p: CryptoProvider,
  dhs: Uint8Array[],
): { sk: Uint8Array; sharedHka: Uint8Array; sharedNhkb: Uint8Array } {
  const out = p.hkdfSha256(concatBytes(F, ...dhs), ZERO32, LABELS.x3dh, 96);
  return { sk: out.slice(0, 32), sharedHka: out.slice(32, 64), sharedNhkb: out.slice(64, 96) };
}

/**
 * Key and nonce sealing the initiator's identity: HKDF-SHA-256(ikm = DH(EK, SPK), salt = EK ‖ SPK,
 * info = "wakubot/v1/x3dh/identity"), 44 bytes. Only the holder of the signed prekey can open it.
 *
 * @example
 * const { key, nonce } = identitySealKeys(p, dh3, ephemeralPublic, signedPrekey);
 */
export function identitySealKeys(
  p: CryptoProvider,
  dh3: Uint8Array,
  ephemeral: Uint8Array,
  signedPrekey: Uint8Array,
): { key: Uint8Array; nonce: Uint8Array } {
  const out = p.hkdfSha256(dh3, concatBytes(ephemeral, signedPrekey), LABELS.identitySeal, 44);
  return { key: out.subarray(0, 32), nonce: out.subarray(32, 44) };
}

/**
 * The initiator's side: from a verified invite to a ratchet state that can send at once (no round trip). The
 * state carries the X3DH fields (`pending`) to attach to every message until the responder answers.
 *
 * @example
 * const state = initiateSession(provider, me, invite);
 * const { message } = ratchetEncrypt(state, frame, ctx);
 */
export function initiateSession(
  p: CryptoProvider,
  me: IdentityKeys,
  invite: Invite,
  ephemeralKey: X25519KeyPair = generateX25519(p),
): RatchetState {
  const ek = ephemeralKey;
  const dh1 = p.x25519(x25519SecretFromIdentity(me.seed), invite.signedPrekey);
  const dh2 = p.x25519(ek.secretKey, x25519PublicFromIdentity(invite.identityKey));
  const dh3 = p.x25519(ek.secretKey, invite.signedPrekey);
  const dhs = [dh1, dh2, dh3];
  if (invite.oneTimePrekey) dhs.push(p.x25519(ek.secretKey, invite.oneTimePrekey.publicKey));
  const secrets = x3dhSecrets(p, dhs);
  const seal = identitySealKeys(p, dh3, ek.publicKey, invite.signedPrekey);
  const sealedIdentity = p.aesGcmSeal(
    seal.key,
    seal.nonce,
    encodeInitiatorIdentity(me.publicKey, invite.oneTimePrekey?.id ?? 0),
    invite.identityKey,
  );
  const state = initInitiator(
    p,
    {
      ...secrets,
      ad: sessionAssociatedData(p, me.publicKey, invite.identityKey, ek.publicKey),
      localIdentity: me.publicKey,
      remoteIdentity: invite.identityKey,
    },
    invite.signedPrekey,
  );
  return { ...state, pending: { ephemeral: ek.publicKey, sealedIdentity } };
}

/** What the responder learns from a first message. */
export interface AcceptedSession {
  readonly state: RatchetState;
  readonly plaintext: Uint8Array;
  readonly initiatorIdentity: Uint8Array;
  /** Which signed prekey (by public key) and one-time prekey id (0 = none) the initiator used. */
  readonly signedPrekey: Uint8Array;
  readonly oneTimePrekeyId: number;
}

/** Responder's key material, looked up by the caller (storage). */
export interface ResponderKeys {
  readonly identity: IdentityKeys;
  readonly signedPrekeys: readonly X25519KeyPair[];
  /** The unconsumed one-time prekey with this id, or undefined if unknown or already used. */
  readonly oneTimePrekey: (id: number) => X25519KeyPair | undefined;
}

/**
 * The responder's side: tries the envelope's sealed identity against each active signed prekey (a handful), then
 * completes X3DH and decrypts the first message. Authenticates the initiator: the message key depends on
 * DH(IK_initiator, SPK). Throws CryptoError `unknown_tag` if the message is not for any of our prekeys,
 * `prekey_unavailable` if its one-time prekey is unknown or used, `decrypt_failed` on tampering.
 *
 * @example
 * const accepted = acceptSession(provider, keys, envelope, { provider, now: Date.now() });
 */
export function acceptSession(
  p: CryptoProvider,
  keys: ResponderKeys,
  envelope: Envelope,
  ctx: RatchetContext,
): AcceptedSession {
  const ephemeral = envelope.ephemeral;
  const sealed = envelope.sealedIdentity;
  if (!ephemeral || !sealed)
    throw new CryptoError("unknown_tag", "not a first message and no session matches");
  for (const spk of keys.signedPrekeys) {
    const dh3 = p.x25519(spk.secretKey, ephemeral);
    const seal = identitySealKeys(p, dh3, ephemeral, spk.publicKey);
    let opened: Uint8Array;
    try {
      opened = p.aesGcmOpen(seal.key, seal.nonce, sealed, keys.identity.publicKey);
    } catch {
      continue;
    }
    const initiator = decodeInitiatorIdentity(opened);
    let initiatorDh: Uint8Array;
    try {
      initiatorDh = x25519PublicFromIdentity(initiator.identityKey);
    } catch (cause) {
      throw new CryptoError("invalid_key", "initiator identity key is not a valid Ed25519 key", { cause });
    }
    const dhs = [
      p.x25519(spk.secretKey, initiatorDh),
      p.x25519(x25519SecretFromIdentity(keys.identity.seed), ephemeral),
      dh3,
    ];
    if (initiator.oneTimePrekeyId !== 0) {
      const otk = keys.oneTimePrekey(initiator.oneTimePrekeyId);
      if (!otk) throw new CryptoError("prekey_unavailable", "the invite was used up, revoked or has expired");
      dhs.push(p.x25519(otk.secretKey, ephemeral));
    }
    const secrets = x3dhSecrets(p, dhs);
    const state = initResponder(
      {
        ...secrets,
        ad: sessionAssociatedData(p, initiator.identityKey, keys.identity.publicKey, ephemeral),
        localIdentity: keys.identity.publicKey,
        remoteIdentity: initiator.identityKey,
      },
      spk,
    );
    const { state: next, plaintext } = ratchetDecrypt(state, envelope, ctx);
    return {
      state: next,
      plaintext,
      initiatorIdentity: initiator.identityKey,
      signedPrekey: spk.publicKey,
      oneTimePrekeyId: initiator.oneTimePrekeyId,
    };
  }
  throw new CryptoError("unknown_tag", "first message is not addressed to any of our signed prekeys");
}
