/** @module Invite links (U2): a signed prekey bundle in one string, `wb:` + base64url (docs/protocol.md §Invites). */
import { ed25519 } from "@noble/curves/ed25519.js";
import { base64urlnopad } from "@scure/base";
import { x25519PublicFromIdentity } from "../account/identity.ts";
import { type CryptoProvider, concatBytes } from "../crypto/provider.ts";
import { InputError } from "../errors.ts";
import { LABELS } from "./kdf.ts";

/** Scheme prefix of every invite link. */
export const INVITE_PREFIX = "wb:";
/** The invite format this code writes and reads. */
export const INVITE_VERSION = 1;
const FLAG_ONE_TIME = 1;
const FLAG_EXPIRY = 2;
const FLAG_HINTS = 4;
const FLAG_NAME = 8;
const KNOWN_FLAGS = FLAG_ONE_TIME | FLAG_EXPIRY | FLAG_HINTS | FLAG_NAME;
const MAX_NAME_BYTES = 64;
const MAX_HINTS = 8;
const MAX_HINT_BYTES = 255;
const SIGNATURE_BYTES = 64;

/** What an invite says. `expiresAt` is in whole seconds since the Unix epoch. */
export interface Invite {
  readonly identityKey: Uint8Array;
  readonly signedPrekey: Uint8Array;
  readonly oneTimePrekey: { readonly id: number; readonly publicKey: Uint8Array } | undefined;
  readonly expiresAt: number | undefined;
  readonly hints: readonly string[];
  readonly name: string | undefined;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

function pushVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function pushBytes(out: number[], bytes: Uint8Array): void {
  for (const b of bytes) out.push(b);
}

/**
 * The signed body of an invite: everything before the signature.
 *
 * @example
 * const body = encodeInviteBody(invite);
 */
export function encodeInviteBody(invite: Invite): Uint8Array {
  const out: number[] = [INVITE_VERSION];
  const flags =
    (invite.oneTimePrekey ? FLAG_ONE_TIME : 0) |
    (invite.expiresAt !== undefined ? FLAG_EXPIRY : 0) |
    (invite.hints.length > 0 ? FLAG_HINTS : 0) |
    (invite.name !== undefined ? FLAG_NAME : 0);
  out.push(flags);
  pushBytes(out, invite.identityKey);
  pushBytes(out, invite.signedPrekey);
  if (invite.oneTimePrekey) {
    const id = invite.oneTimePrekey.id;
    if (!Number.isInteger(id) || id < 1 || id > 0xffffffff) {
      throw new InputError("invalid_argument", "one-time prekey ids are 1 … 2^32−1 (0 means none)");
    }
    pushVarint(out, id);
    pushBytes(out, invite.oneTimePrekey.publicKey);
  }
  if (invite.expiresAt !== undefined) {
    if (!Number.isInteger(invite.expiresAt) || invite.expiresAt < 0 || invite.expiresAt > 0xffffffff) {
      throw new InputError("invalid_argument", "invite expiry must be whole seconds within 32 bits");
    }
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, invite.expiresAt);
    pushBytes(out, b);
  }
  if (invite.hints.length > 0) {
    if (invite.hints.length > MAX_HINTS)
      throw new InputError("invalid_argument", `at most ${MAX_HINTS} hints`);
    pushVarint(out, invite.hints.length);
    for (const hint of invite.hints) {
      const b = enc.encode(hint);
      if (b.length === 0 || b.length > MAX_HINT_BYTES) {
        throw new InputError("invalid_argument", "a hint must be 1–255 bytes");
      }
      pushVarint(out, b.length);
      pushBytes(out, b);
    }
  }
  if (invite.name !== undefined) {
    const b = enc.encode(invite.name);
    if (b.length > MAX_NAME_BYTES)
      throw new InputError("invalid_argument", `name longer than ${MAX_NAME_BYTES} bytes`);
    pushVarint(out, b.length);
    pushBytes(out, b);
  }
  return new Uint8Array(out);
}

/**
 * Builds and signs an invite link with the identity seed: `wb:` + base64url(body ‖ Ed25519(seed, label ‖ body)).
 *
 * @example
 * const link = createInviteLink(provider, identitySeed, { identityKey, signedPrekey, … });
 */
export function createInviteLink(p: CryptoProvider, identitySeed: Uint8Array, invite: Invite): string {
  const body = encodeInviteBody(invite);
  const signature = p.ed25519Sign(identitySeed, concatBytes(LABELS.invite, body));
  return INVITE_PREFIX + base64urlnopad.encode(concatBytes(body, signature));
}

class Cursor {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length)
      throw new InputError("invite_truncated", "invite link is cut short");
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.take(1)[0] as number;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new InputError("invite_malformed", "invite link has an overlong number");
  }
}

/**
 * Parses and verifies an invite link. Each failure has its own code: `invite_malformed` (not an invite, bad
 * characters, invalid key), `invite_version_unknown`, `invite_truncated`, `invite_trailing_data`,
 * `invite_tampered` (signature), `invite_expired` (against `nowSeconds`).
 *
 * @example
 * const invite = parseInviteLink(provider, text, Math.floor(Date.now() / 1000));
 */
export function parseInviteLink(p: CryptoProvider, text: string, nowSeconds: number): Invite {
  const trimmed = text.trim();
  if (!trimmed.startsWith(INVITE_PREFIX)) {
    throw new InputError("invite_malformed", `an invite link starts with "${INVITE_PREFIX}"`);
  }
  let bytes: Uint8Array;
  try {
    bytes = base64urlnopad.decode(trimmed.slice(INVITE_PREFIX.length));
  } catch (cause) {
    throw new InputError("invite_malformed", "invite link has characters outside base64url", { cause });
  }
  if (bytes.length === 0) throw new InputError("invite_truncated", "invite link is empty");
  if (bytes[0] !== INVITE_VERSION) {
    throw new InputError(
      "invite_version_unknown",
      `invite format ${bytes[0]} is not one this wakubot reads (it reads ${INVITE_VERSION})`,
    );
  }
  const c = new Cursor(bytes);
  c.take(1);
  const flags = c.take(1)[0] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new InputError("invite_malformed", "invite link has unknown flags");
  const identityKey = c.take(32);
  const signedPrekey = c.take(32);
  const oneTimePrekey = flags & FLAG_ONE_TIME ? { id: c.varint(), publicKey: c.take(32) } : undefined;
  if (oneTimePrekey && (oneTimePrekey.id < 1 || oneTimePrekey.id > 0xffffffff)) {
    throw new InputError("invite_malformed", "invite has a one-time prekey id out of range");
  }
  const expiresAt = flags & FLAG_EXPIRY ? new DataView(c.take(4).buffer).getUint32(0) : undefined;
  const hints: string[] = [];
  if (flags & FLAG_HINTS) {
    const count = c.varint();
    if (count === 0 || count > MAX_HINTS)
      throw new InputError("invite_malformed", "invite has a bad hint count");
    for (let i = 0; i < count; i++) {
      const length = c.varint();
      if (length === 0 || length > MAX_HINT_BYTES)
        throw new InputError("invite_malformed", "invite has a bad hint");
      hints.push(utf8(c.take(length)));
    }
  }
  let name: string | undefined;
  if (flags & FLAG_NAME) {
    const length = c.varint();
    if (length > MAX_NAME_BYTES) throw new InputError("invite_malformed", "invite name is too long");
    name = utf8(c.take(length));
  }
  const bodyEnd = c.offset;
  const remaining = bytes.length - bodyEnd;
  if (remaining < SIGNATURE_BYTES) throw new InputError("invite_truncated", "invite link is cut short");
  if (remaining > SIGNATURE_BYTES) {
    throw new InputError("invite_trailing_data", "invite link has bytes after its signature");
  }
  try {
    ed25519.Point.fromBytes(identityKey);
    x25519PublicFromIdentity(identityKey);
  } catch (cause) {
    throw new InputError("invite_malformed", "invite identity key is not a valid Ed25519 key", { cause });
  }
  const body = bytes.subarray(0, bodyEnd);
  if (!p.ed25519Verify(identityKey, concatBytes(LABELS.invite, body), bytes.subarray(bodyEnd))) {
    throw new InputError("invite_tampered", "invite link signature does not verify (altered or forged)");
  }
  if (expiresAt !== undefined && nowSeconds >= expiresAt) {
    throw new InputError("invite_expired", `invite expired at ${new Date(expiresAt * 1000).toISOString()}`);
  }
  return { identityKey, signedPrekey, oneTimePrekey, expiresAt, hints, name };
}

function utf8(bytes: Uint8Array): string {
  try {
    return dec.decode(bytes);
  } catch (cause) {
    throw new InputError("invite_malformed", "invite text field is not UTF-8", { cause });
  }
}
