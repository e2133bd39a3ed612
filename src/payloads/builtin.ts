/** @module The built-in payload types text, reply, reaction and receipt, with compact binary bodies (F5, P1). */
import { concatBytes } from "../crypto/provider.ts";
import { InputError } from "../errors.ts";
import { ByteReader, hexOf, MESSAGE_ID_BYTES, messageIdBytes, utf8Bytes, utf8Text } from "./bytes.ts";
import { BUILTIN_WIRE, type PayloadType, payloadType } from "./type.ts";

/**
 * Longest reaction, in UTF-8 bytes: room for any emoji ZWJ or tag sequence, not for a sentence.
 *
 * @example
 * if (new TextEncoder().encode(emoji).length > MAX_REACTION_BYTES) emoji = "👍";
 */
export const MAX_REACTION_BYTES = 64;
/**
 * Most message ids one receipt carries (8,001-byte body).
 *
 * @example
 * for (let i = 0; i < ids.length; i += MAX_RECEIPT_IDS) {
 *   registry.encode(receipt, { messages: ids.slice(i, i + MAX_RECEIPT_IDS) });
 * }
 */
export const MAX_RECEIPT_IDS = 1000;

/**
 * A reply to an earlier message: its id (16 lowercase hex characters, its 8-byte tag) and the reply text.
 *
 * @example
 * const r: Reply = { to: "0123456789abcdef", text: "agreed" };
 */
export interface Reply {
  readonly to: string;
  readonly text: string;
}

/**
 * A reaction to a message; an empty `emoji` removes the sender's reaction.
 *
 * @example
 * const like: Reaction = { to: "0123456789abcdef", emoji: "👍" };
 */
export interface Reaction {
  readonly to: string;
  readonly emoji: string;
}

/**
 * A receipt for messages (ids, 16 lowercase hex characters each, 1 … 1000): delivered, or read when `read` is true.
 * Decoded receipts always carry `read`.
 *
 * @example
 * const seen: Receipt = { messages: ["0123456789abcdef"], read: true };
 */
export interface Receipt {
  readonly messages: readonly string[];
  readonly read?: boolean;
}

/**
 * Plain text (wire type 1). Body: the UTF-8 bytes, nothing else; "" is an empty body.
 *
 * @example
 * registry.encode(text, "hi"); // { type: 1, typeVersion: 1, body: 68 69 }
 */
export const text: PayloadType<string, "text"> = payloadType<string, "text">(
  "text",
  BUILTIN_WIRE.text,
  1,
  (value) => utf8Bytes(value, "text"),
  (body) => utf8Text(body, "text"),
);

/**
 * A reply (wire type 2). Body: the 8 bytes of `to`, then the UTF-8 text (possibly empty).
 *
 * @example
 * registry.encode(reply, { to: "0123456789abcdef", text: "yes" }); // body 01 23 45 67 89 ab cd ef 79 65 73
 */
export const reply: PayloadType<Reply, "reply"> = payloadType<Reply, "reply">(
  "reply",
  BUILTIN_WIRE.reply,
  1,
  (value) => concatBytes(messageIdBytes(value?.to, "reply.to"), utf8Bytes(value?.text, "reply.text")),
  (body) => {
    const r = new ByteReader(body, "reply");
    const to = hexOf(r.take(MESSAGE_ID_BYTES));
    return { to, text: r.text(r.remaining) };
  },
);

/**
 * A reaction (wire type 3). Body: the 8 bytes of `to`, then the UTF-8 emoji (0 … 64 bytes; empty removes the
 * reaction). Any short string is accepted, not only emoji, so new Unicode emoji need no new version.
 *
 * @example
 * registry.encode(reaction, { to: "0123456789abcdef", emoji: "👍" }); // body 01 … ef f0 9f 91 8d
 */
export const reaction: PayloadType<Reaction, "reaction"> = payloadType<Reaction, "reaction">(
  "reaction",
  BUILTIN_WIRE.reaction,
  1,
  (value) => {
    const emoji = utf8Bytes(value?.emoji, "reaction.emoji");
    if (emoji.length > MAX_REACTION_BYTES) {
      throw new InputError("invalid_argument", `reaction.emoji is longer than ${MAX_REACTION_BYTES} bytes`);
    }
    return concatBytes(messageIdBytes(value?.to, "reaction.to"), emoji);
  },
  (body) => {
    const r = new ByteReader(body, "reaction");
    const to = hexOf(r.take(MESSAGE_ID_BYTES));
    if (r.remaining > MAX_REACTION_BYTES) throw r.malformed(`has an emoji over ${MAX_REACTION_BYTES} bytes`);
    return { to, emoji: r.text(r.remaining) };
  },
);

/** Flag bit of a receipt body: the messages were read (clear: delivered). Other bits are reserved, must be 0. */
const RECEIPT_READ = 0x01;

/**
 * A delivery or read receipt (wire type 4). Body: one flag byte (bit 0 = read, bits 1–7 zero), then the ids'
 * 8-byte values back to back (1 … 1000 of them, in the given order, duplicates kept).
 *
 * @example
 * registry.encode(receipt, { messages: ["0123456789abcdef"], read: true }); // body 01 01 23 45 67 89 ab cd ef
 */
export const receipt: PayloadType<Receipt, "receipt"> = payloadType<Receipt, "receipt">(
  "receipt",
  BUILTIN_WIRE.receipt,
  1,
  (value) => {
    const ids = value?.messages;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_RECEIPT_IDS) {
      throw new InputError(
        "invalid_argument",
        `receipt.messages must hold 1 … ${MAX_RECEIPT_IDS} message ids`,
      );
    }
    if (value.read !== undefined && typeof value.read !== "boolean") {
      throw new InputError("invalid_argument", "receipt.read must be a boolean");
    }
    const out = new Uint8Array(1 + ids.length * MESSAGE_ID_BYTES);
    out[0] = value.read ? RECEIPT_READ : 0;
    ids.forEach((id, i) => {
      out.set(messageIdBytes(id, `receipt.messages[${i}]`), 1 + i * MESSAGE_ID_BYTES);
    });
    return out;
  },
  (body) => {
    const r = new ByteReader(body, "receipt");
    const flags = r.byte();
    if ((flags & ~RECEIPT_READ) !== 0) throw r.malformed("has reserved flag bits set");
    const count = r.remaining / MESSAGE_ID_BYTES;
    if (!Number.isInteger(count) || count === 0 || count > MAX_RECEIPT_IDS) {
      throw r.malformed(`must hold 1 … ${MAX_RECEIPT_IDS} whole 8-byte ids`);
    }
    const messages: string[] = [];
    for (let i = 0; i < count; i++) messages.push(hexOf(r.take(MESSAGE_ID_BYTES)));
    return { messages, read: (flags & RECEIPT_READ) !== 0 };
  },
);
