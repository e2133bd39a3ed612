/** @module Ratchet state ⇄ SessionState protobuf bytes, for sealing into secrets.db (never sent on the wire). */
import { ProtocolError } from "../errors.ts";
import { wakubot } from "./generated/wire.js";
import type { RatchetState } from "./ratchet.ts";

/** Version of the stored state encoding. */
export const STATE_VERSION = 1;
const EMPTY = new Uint8Array(0);
const opt = (b: Uint8Array): Uint8Array | undefined => (b.length > 0 ? b : undefined);

/**
 * Encodes a ratchet state. Recent tags are stored concatenated (8 bytes each) in field 22.
 *
 * @example
 * const bytes = encodeState(state); const same = decodeState(bytes);
 */
export function encodeState(s: RatchetState): Uint8Array {
  return wakubot.SessionState.encode({
    version: STATE_VERSION,
    initiator: s.initiator,
    localIdentity: s.localIdentity,
    remoteIdentity: s.remoteIdentity,
    associatedData: s.ad,
    dhsSecret: s.dhs.secretKey,
    dhsPublic: s.dhs.publicKey,
    dhr: s.dhr ?? EMPTY,
    rk: s.rk,
    cks: s.cks ?? EMPTY,
    ckr: s.ckr ?? EMPTY,
    ns: s.ns,
    nr: s.nr,
    pn: s.pn,
    hks: s.hks ?? EMPTY,
    hkr: s.hkr ?? EMPTY,
    nhks: s.nhks,
    nhkr: s.nhkr,
    skipped: s.skipped.map((k) => ({ tag: k.tag, messageKey: k.messageKey, storedAt: k.storedAt })),
    pendingEphemeral: s.pending?.ephemeral ?? EMPTY,
    pendingSealedIdentity: s.pending?.sealedIdentity ?? EMPTY,
    recentTags: concat(s.recentTags),
  }).finish();
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.length * 8);
  for (const [i, p] of parts.entries()) out.set(p, i * 8);
  return out;
}

/**
 * Decodes what {@link encodeState} wrote; ProtocolError on anything else.
 *
 * @example
 * const state = decodeState(sealer.open(row.state, slot));
 */
export function decodeState(bytes: Uint8Array): RatchetState {
  let m: wakubot.SessionState;
  try {
    m = wakubot.SessionState.decode(bytes);
  } catch (cause) {
    throw new ProtocolError("malformed", "stored session state is not valid", { cause });
  }
  if (m.version !== STATE_VERSION) {
    throw new ProtocolError("version_unknown", `session state version ${m.version} is unknown`);
  }
  const recent: Uint8Array[] = [];
  for (let i = 0; i + 8 <= m.recentTags.length; i += 8) recent.push(m.recentTags.slice(i, i + 8));
  return {
    initiator: m.initiator,
    localIdentity: m.localIdentity,
    remoteIdentity: m.remoteIdentity,
    ad: m.associatedData,
    dhs: { secretKey: m.dhsSecret, publicKey: m.dhsPublic },
    dhr: opt(m.dhr),
    rk: m.rk,
    cks: opt(m.cks),
    ckr: opt(m.ckr),
    ns: m.ns,
    nr: m.nr,
    pn: m.pn,
    hks: opt(m.hks),
    hkr: opt(m.hkr),
    nhks: m.nhks,
    nhkr: m.nhkr,
    skipped: m.skipped.map((k) => ({
      tag: k.tag ?? EMPTY,
      messageKey: k.messageKey ?? EMPTY,
      storedAt: Number(k.storedAt ?? 0),
    })),
    recentTags: recent,
    pending:
      m.pendingEphemeral.length > 0
        ? { ephemeral: m.pendingEphemeral, sealedIdentity: m.pendingSealedIdentity }
        : undefined,
  };
}
