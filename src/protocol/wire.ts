/** @module Encoding and strict decoding of the protobuf wire messages (proto/wakubot.proto; S2 versioning). */
import { ProtocolError } from "../errors.ts";
import { wakubot } from "./generated/wire.js";
import { TAG_BYTES } from "./kdf.ts";
import { HEADER_BYTES, type RatchetMessage } from "./ratchet.ts";

/** The only envelope version this code writes and reads. */
export const ENVELOPE_VERSION = 1;
/**
 * Largest envelope accepted before decoding: a segmented envelope rebuilt from at most 49 data segments of
 * 150 KiB (docs/segmentation.md); unsegmented envelopes are bounded by Waku's 150 KB message limit first.
 */
export const MAX_ENVELOPE_BYTES = 8 * 1024 * 1024;

/** A decoded envelope: a ratchet message, plus the X3DH fields while the initiator has not heard back. */
export interface Envelope extends RatchetMessage {
  readonly ephemeral: Uint8Array | undefined;
  readonly sealedIdentity: Uint8Array | undefined;
}

/**
 * Encodes an envelope (version 1). Empty optional fields are omitted on the wire.
 *
 * @example
 * const payload = encodeEnvelope({ ...message, ephemeral: undefined, sealedIdentity: undefined });
 */
export function encodeEnvelope(e: Envelope): Uint8Array {
  // A plain Uint8Array, not protobufjs's Buffer, so `.slice()` copies as callers expect.
  return plain(
    wakubot.Envelope.encode({
      version: ENVELOPE_VERSION,
      tag: e.tag,
      header: e.header,
      ciphertext: e.ciphertext,
      ...(e.ephemeral ? { ephemeral: e.ephemeral } : {}),
      ...(e.sealedIdentity ? { sealedIdentity: e.sealedIdentity } : {}),
    }).finish(),
  );
}

function plain(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes) : bytes;
}

function decodeWith<T>(what: string, bytes: Uint8Array, decode: (b: Uint8Array) => T): T {
  try {
    return decode(bytes);
  } catch (cause) {
    throw new ProtocolError("malformed", `${what} is not valid protobuf`, { cause });
  }
}

/**
 * Decodes and validates an envelope: version first (`version_unknown`), then field sizes (`malformed`).
 * Never throws anything but ProtocolError.
 *
 * @example
 * const envelope = decodeEnvelope(wakuMessage.payload);
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  if (bytes.length > MAX_ENVELOPE_BYTES) throw new ProtocolError("too_large", "envelope larger than 8 MiB");
  // Field 1 (version) is always written first; read it before trusting the rest of the layout (S2).
  if (
    bytes.length >= 2 &&
    bytes[0] === 0x08 &&
    bytes[1] !== ENVELOPE_VERSION &&
    (bytes[1] as number) < 0x80
  ) {
    throw new ProtocolError(
      "version_unknown",
      `envelope version ${bytes[1]} is not one this wakubot understands`,
    );
  }
  const m = decodeWith("envelope", bytes, (b) => wakubot.Envelope.decode(b));
  if (m.version !== ENVELOPE_VERSION) {
    throw new ProtocolError(
      "version_unknown",
      m.version > ENVELOPE_VERSION
        ? `envelope version ${m.version} is newer than this wakubot understands (${ENVELOPE_VERSION})`
        : `envelope version ${m.version} is not a wakubot version`,
    );
  }
  if (m.tag.length !== TAG_BYTES || m.header.length !== HEADER_BYTES || m.ciphertext.length < 16) {
    throw new ProtocolError("malformed", "envelope tag, header or ciphertext has the wrong size");
  }
  const initial = m.ephemeral.length > 0 || m.sealedIdentity.length > 0;
  if (initial && (m.ephemeral.length !== 32 || m.sealedIdentity.length < 16 + 34)) {
    throw new ProtocolError("malformed", "envelope setup fields have the wrong size");
  }
  return {
    tag: m.tag,
    header: m.header,
    ciphertext: m.ciphertext,
    ephemeral: initial ? m.ephemeral : undefined,
    sealedIdentity: initial ? m.sealedIdentity : undefined,
  };
}

/** What a frame carries: a built-in type number or an application type name, its version, and the body. */
export interface Frame extends FrameDelivery {
  readonly type: number | string;
  readonly typeVersion: number;
  readonly body: Uint8Array;
}

/**
 * Delivery fields of a frame (docs/delivery.md; F4, R1): the sender's sequence number, and its acknowledgement of
 * the peer's messages (cumulative `ack` plus the selective `ackBits`), on untracked frames the highest seq sent, and
 * how long the peer may hold its ack of this frame. Absent fields are zero / empty.
 *
 * @example
 * const f: Frame = { type: 1, typeVersion: 1, body, seq: 7, ack: 3 };
 */
export interface FrameDelivery {
  readonly seq?: number;
  readonly ack?: number;
  readonly ackBits?: Uint8Array;
  readonly sent?: number;
  /** Seconds the receiver may hold its ack of this (tracked) frame for a frame of its own to carry it. */
  readonly ackHoldSeconds?: number;
}

/** Longest selective-ack bitmap accepted: 256 sequence numbers above the cumulative ack. */
export const MAX_ACK_BITS_BYTES = 32;

/**
 * Encodes a frame; version 1 is written as an absent field to save two bytes per message.
 *
 * @example
 * encodeFrame({ type: 1, typeVersion: 1, body: new TextEncoder().encode("hi") });
 */
export function encodeFrame(f: Frame): Uint8Array {
  return wakubot.Frame.encode({
    ...(typeof f.type === "number" ? { builtin: f.type } : { custom: f.type }),
    ...(f.typeVersion !== 1 ? { typeVersion: f.typeVersion } : {}),
    body: f.body,
    ...(f.seq ? { seq: f.seq } : {}),
    ...(f.ack ? { ack: f.ack } : {}),
    ...(f.ackBits?.length ? { ackBits: f.ackBits } : {}),
    ...(f.sent ? { sent: f.sent } : {}),
    ...(f.ackHoldSeconds ? { ackHoldS: f.ackHoldSeconds } : {}),
  }).finish();
}

/**
 * Decodes a frame. A frame without a type is `malformed`.
 *
 * @example
 * const frame = decodeFrame(plaintext);
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  const m = decodeWith("frame", bytes, (b) => wakubot.Frame.decode(b));
  const type = m.type === "builtin" ? m.builtin : m.type === "custom" ? m.custom : undefined;
  if (type === undefined || type === "" || type === 0)
    throw new ProtocolError("malformed", "frame has no type");
  if (m.ackBits.length > MAX_ACK_BITS_BYTES)
    throw new ProtocolError("malformed", "frame ack bitmap too long");
  const frame: Frame = { type, typeVersion: m.typeVersion || 1, body: m.body };
  if (!m.seq && !m.ack && !m.sent && !m.ackHoldS && m.ackBits.length === 0) return frame;
  return {
    ...frame,
    seq: m.seq,
    ack: m.ack,
    ackBits: m.ackBits,
    sent: m.sent,
    ...(m.ackHoldS ? { ackHoldSeconds: m.ackHoldS } : {}),
  };
}

/**
 * Encodes the initiator's sealed identity plaintext.
 *
 * @example
 * encodeInitiatorIdentity(myIdentityKey, 0);
 */
export function encodeInitiatorIdentity(identityKey: Uint8Array, oneTimePrekeyId: number): Uint8Array {
  return wakubot.InitiatorIdentity.encode({ identityKey, oneTimePrekeyId }).finish();
}

/**
 * Decodes the initiator's sealed identity plaintext.
 *
 * @example
 * const { identityKey, oneTimePrekeyId } = decodeInitiatorIdentity(plain);
 */
export function decodeInitiatorIdentity(bytes: Uint8Array): {
  identityKey: Uint8Array;
  oneTimePrekeyId: number;
} {
  const m = decodeWith("initiator identity", bytes, (b) => wakubot.InitiatorIdentity.decode(b));
  if (m.identityKey.length !== 32)
    throw new ProtocolError("malformed", "initiator identity key is not 32 bytes");
  return { identityKey: m.identityKey, oneTimePrekeyId: m.oneTimePrekeyId };
}
