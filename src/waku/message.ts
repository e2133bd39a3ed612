/** @module Waku messages as wakubot sees them: encoding, the deterministic hash of 14/WAKU2-MESSAGE, and validation. */

import { sha256 } from "@noble/hashes/sha2.js";
import { proto_message } from "@waku/proto";
import { ProtocolError } from "../errors.ts";

/**
 * One Waku message (14/WAKU2-MESSAGE §Wire format). `timestamp` is in nanoseconds since the Unix epoch;
 * `meta` is at most 64 bytes and takes part in the hash.
 */
export interface WakuMessage {
  readonly payload: Uint8Array;
  readonly contentTopic: string;
  readonly timestamp: bigint;
  readonly meta?: Uint8Array;
  readonly version?: number;
  /** Ephemeral messages are relayed but never archived by Store nodes. */
  readonly ephemeral?: boolean;
}

/** A message together with the pubsub topic (shard) it travels on and its deterministic hash. */
export interface RoutedMessage {
  readonly pubsubTopic: string;
  readonly message: WakuMessage;
  /** 32-byte deterministic message hash (14/WAKU2-MESSAGE §Deterministic message hashing). */
  readonly hash: Uint8Array;
}

/** Network limits every relay applies before forwarding (29/WAKU2-CONFIG; The Waku Network: 150 KB, ±20 s). */
export interface MessageLimits {
  /** Largest encoded WakuMessage in bytes. */
  readonly maxBytes: number;
  /** How far a timestamp may be from the receiver's clock, in milliseconds, either way. */
  readonly maxClockSkewMs: number;
}

/** The limits of The Waku Network, used unless a node is configured otherwise. */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = { maxBytes: 150 * 1024, maxClockSkewMs: 20_000 };

/** Why a relay refused a message; counted per reason in node statistics. */
export type RejectReason = "malformed" | "too_large" | "timestamp_skew" | "wrong_topic" | "meta_too_long";

const MAX_META = 64;

/**
 * Nanosecond Waku timestamp of a millisecond clock reading.
 *
 * @example
 * toWakuTimestamp(Date.now()); // 1795310682885000000n
 */
export function toWakuTimestamp(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}

/**
 * Protobuf bytes of a message, exactly as published on the wire.
 *
 * @example
 * const bytes = encodeWakuMessage({ payload, contentTopic: "/wb/1/b0/p", timestamp: toWakuTimestamp(Date.now()) });
 */
export function encodeWakuMessage(message: WakuMessage): Uint8Array {
  const fields: proto_message.WakuMessage = {
    payload: message.payload,
    contentTopic: message.contentTopic,
    timestamp: message.timestamp,
  };
  if (message.version !== undefined && message.version !== 0) fields.version = message.version;
  if (message.meta !== undefined && message.meta.length > 0) fields.meta = message.meta;
  if (message.ephemeral) fields.ephemeral = true;
  return proto_message.WakuMessage.encode(fields);
}

/**
 * Parses protobuf bytes into a message; anything that is not a WakuMessage with a content topic and a timestamp
 * throws `ProtocolError("malformed")`.
 *
 * @example
 * const message = decodeWakuMessage(bytes);
 */
export function decodeWakuMessage(bytes: Uint8Array): WakuMessage {
  let decoded: proto_message.WakuMessage;
  try {
    decoded = proto_message.WakuMessage.decode(bytes);
  } catch (error) {
    throw new ProtocolError("malformed", "not a Waku message", { cause: error });
  }
  return fromProto(decoded);
}

/**
 * Converts a message decoded by any `@waku/proto` codec (Store, Filter, LightPush all embed WakuMessage).
 *
 * @example
 * const message = fromProto(storeResponse.messages[0].message);
 */
export function fromProto(decoded: proto_message.WakuMessage): WakuMessage {
  if (!decoded.contentTopic) throw new ProtocolError("malformed", "Waku message without a content topic");
  if (decoded.timestamp === undefined)
    throw new ProtocolError("malformed", "Waku message without a timestamp");
  const message: {
    payload: Uint8Array;
    contentTopic: string;
    timestamp: bigint;
    meta?: Uint8Array;
    version?: number;
    ephemeral?: boolean;
  } = {
    payload: decoded.payload ?? new Uint8Array(),
    contentTopic: decoded.contentTopic,
    timestamp: decoded.timestamp,
  };
  if (decoded.meta !== undefined && decoded.meta.length > 0) message.meta = decoded.meta;
  if (decoded.version) message.version = decoded.version;
  if (decoded.ephemeral) message.ephemeral = true;
  return message;
}

/**
 * The plain object `@waku/proto` codecs expect for an embedded WakuMessage.
 *
 * @example
 * proto_filter_v2.MessagePush.encode({ pubsubTopic, wakuMessage: toProto(message) });
 */
export function toProto(message: WakuMessage): proto_message.WakuMessage {
  return proto_message.WakuMessage.decode(encodeWakuMessage(message));
}

function timestampBytes(ns: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, ns), false);
  return out;
}

/**
 * Deterministic message hash: sha256(pubsub_topic ‖ payload ‖ content_topic ‖ meta ‖ timestamp as 8 bytes big
 * endian), absent fields skipped (14/WAKU2-MESSAGE §Deterministic message hashing). Store v3 cursors and
 * relay message ids are this hash.
 *
 * @example
 * bytesToHex(messageHash("/waku/2/rs/0/0", message));
 */
export function messageHash(pubsubTopic: string, message: WakuMessage): Uint8Array {
  const h = sha256.create();
  h.update(new TextEncoder().encode(pubsubTopic));
  h.update(message.payload);
  h.update(new TextEncoder().encode(message.contentTopic));
  if (message.meta !== undefined && message.meta.length > 0) h.update(message.meta);
  h.update(timestampBytes(message.timestamp));
  return h.digest();
}

/**
 * Checks a message the way every relay does before forwarding it; returns why it must be dropped, or undefined
 * when it may pass. `encodedSize` is the size of the bytes as received.
 *
 * @example
 * const why = checkWakuMessage(message, bytes.length, Date.now(), DEFAULT_MESSAGE_LIMITS);
 */
export function checkWakuMessage(
  message: WakuMessage,
  encodedSize: number,
  nowMs: number,
  limits: MessageLimits,
): RejectReason | undefined {
  if (encodedSize > limits.maxBytes) return "too_large";
  if (message.meta !== undefined && message.meta.length > MAX_META) return "meta_too_long";
  const skewNs = message.timestamp - toWakuTimestamp(nowMs);
  const maxNs = BigInt(limits.maxClockSkewMs) * 1_000_000n;
  if (skewNs > maxNs || skewNs < -maxNs) return "timestamp_skew";
  return undefined;
}
