/** @module One call to turn a frame into published bytes and back: ratchet + envelope + frame codecs together. */

import { type RatchetContext, type RatchetState, ratchetDecrypt, ratchetEncrypt } from "./ratchet.ts";
import {
  decodeEnvelope,
  decodeFrame,
  type Envelope,
  encodeEnvelope,
  encodeFrame,
  type Frame,
} from "./wire.ts";

/**
 * Encrypts a frame into envelope bytes (the WakuMessage payload), attaching the X3DH fields while the initiator
 * has not heard back. Also returns the message's conversation tag (its identity on the wire).
 *
 * @example
 * const { state: next, payload } = sealFrame(state, { type: 1, typeVersion: 1, body }, ctx);
 */
export function sealFrame(
  state: RatchetState,
  frame: Frame,
  ctx: RatchetContext,
): { state: RatchetState; payload: Uint8Array; tag: Uint8Array } {
  const { state: next, message } = ratchetEncrypt(state, encodeFrame(frame), ctx);
  const envelope: Envelope = {
    ...message,
    ephemeral: state.pending?.ephemeral,
    sealedIdentity: state.pending?.sealedIdentity,
  };
  return { state: next, payload: encodeEnvelope(envelope), tag: message.tag };
}

/**
 * Decrypts envelope bytes of an existing session into a frame. Throws ProtocolError or CryptoError; `state` is
 * never changed on failure.
 *
 * @example
 * const { state: next, frame } = openFrame(state, payload, ctx);
 */
export function openFrame(
  state: RatchetState,
  payload: Uint8Array | Envelope,
  ctx: RatchetContext,
): { state: RatchetState; frame: Frame } {
  const envelope = payload instanceof Uint8Array ? decodeEnvelope(payload) : payload;
  const { state: next, plaintext } = ratchetDecrypt(state, envelope, ctx);
  return { state: next, frame: decodeFrame(plaintext) };
}
