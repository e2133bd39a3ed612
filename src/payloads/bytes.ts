/** @module Byte helpers for the payload codecs: strict UTF-8, message ids, varints, a bounds-checked reader. */
import { InputError, ProtocolError } from "../errors.ts";

/**
 * Bytes in a message id on the wire: the 8-byte conversation tag of the message (docs/protocol.md §7).
 *
 * @example
 * const count = (body.length - 1) / MESSAGE_ID_BYTES; // ids in a receipt body
 */
export const MESSAGE_ID_BYTES = 8;

const MESSAGE_ID = /^[0-9a-f]{16}$/;
const encoder = new TextEncoder();
// `fatal` turns invalid UTF-8 into an error instead of U+FFFD; `ignoreBOM` keeps a leading U+FEFF as text,
// so a string starting with a BOM survives a round trip.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Whether `id` is a message id as payloads carry it: 16 lowercase hex characters (8 bytes).
 *
 * @example
 * isMessageId("0123456789abcdef"); // true
 * isMessageId("0123456789ABCDEF"); // false: ids are lowercase
 */
export function isMessageId(id: unknown): id is string {
  return typeof id === "string" && MESSAGE_ID.test(id);
}

/**
 * UTF-8 bytes of `text`; a string with a lone surrogate (not well-formed Unicode) is `InputError invalid_argument`,
 * because the encoder would silently replace it and the peer would read something else.
 *
 * @example
 * utf8Bytes("héllo", "text"); // Uint8Array(6)
 */
export function utf8Bytes(text: unknown, what: string): Uint8Array {
  if (typeof text !== "string") throw new InputError("invalid_argument", `${what} must be a string`);
  if (!text.isWellFormed()) {
    throw new InputError("invalid_argument", `${what} is not well-formed Unicode (lone surrogate)`);
  }
  return encoder.encode(text);
}

/**
 * Decodes UTF-8 strictly: invalid sequences are `ProtocolError malformed`; a leading BOM is kept.
 *
 * @example
 * utf8Text(new Uint8Array([0x68, 0x69]), "text"); // "hi"
 */
export function utf8Text(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new ProtocolError("malformed", `${what} is not valid UTF-8`, { cause });
  }
}

/**
 * The 8 wire bytes of a message id; anything but 16 lowercase hex characters is `InputError invalid_argument`.
 *
 * @example
 * messageIdBytes("0001020304050607", "reply.to"); // Uint8Array [0, 1, 2, 3, 4, 5, 6, 7]
 */
export function messageIdBytes(id: unknown, what: string): Uint8Array {
  if (!isMessageId(id)) {
    throw new InputError("invalid_argument", `${what} must be a message id: 16 lowercase hex characters`);
  }
  return Uint8Array.from(Buffer.from(id, "hex"));
}

/**
 * Lowercase hex of `bytes`: the message id of an 8-byte tag, or the text form of a SHA-256 digest.
 *
 * @example
 * hexOf(new Uint8Array([0xab, 0x01])); // "ab01"
 */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/**
 * The protobuf base-128 varint of `n` (7 bits per byte, least significant group first), for 0 … 2^53 − 1.
 * Arithmetic rather than bit operations, so values above 2^31 come out right.
 *
 * @example
 * varint(300); // Uint8Array [0xac, 0x02]
 */
export function varint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InputError("invalid_argument", `${n} is not an integer in 0 … 2^53 − 1`);
  }
  const out: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/**
 * Reads a payload body front to back. Every read past the end, every over-long or non-minimal varint and every
 * value above 2^53 − 1 is `ProtocolError malformed`, so codecs need no bounds checks of their own.
 *
 * @example
 * const r = new ByteReader(body, "file");
 * const flags = r.byte();
 * const url = r.text(r.varint());
 * r.end(); // throws if bytes are left over
 */
export class ByteReader {
  #at = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.bytes.length - this.#at;
  }

  /** One byte. */
  byte(): number {
    return this.take(1)[0] as number;
  }

  /** A copy of the next `n` bytes (a copy, so decoded values never alias the caller's buffer). */
  take(n: number): Uint8Array {
    if (n > this.remaining) throw this.malformed("is truncated");
    const out = this.bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  /** The next `n` bytes as strict UTF-8. */
  text(n: number): string {
    return utf8Text(this.take(n), this.what);
  }

  /** A minimal varint of at most 8 bytes whose value is ≤ 2^53 − 1. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) throw this.malformed("has a non-minimal varint");
        if (!Number.isSafeInteger(value)) throw this.malformed("has a varint above 2^53 − 1");
        return value;
      }
      scale *= 0x80;
    }
    throw this.malformed("has a varint longer than 8 bytes");
  }

  /** Asserts that every byte was read. */
  end(): void {
    if (this.remaining !== 0) throw this.malformed("has trailing bytes");
  }

  /** A `ProtocolError malformed` naming what is being read. */
  malformed(problem: string): ProtocolError {
    return new ProtocolError("malformed", `${this.what} body ${problem}`);
  }
}
