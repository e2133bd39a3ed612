/**
 * The five built-in payload types: round trips (unicode, emoji, empty and maximal values), the exact body bytes
 * (pinned, so the wire format cannot drift), input checks on encode and body checks on decode.
 */
import { describe, expect, test } from "bun:test";
import { InputError, ProtocolError } from "../../src/errors.ts";
import {
  file,
  MAX_RECEIPT_IDS,
  type PayloadType,
  reaction,
  receipt,
  reply,
  text,
} from "../../src/payloads/index.ts";
import { expectCode } from "../support/errors.ts";

const ID = "0123456789abcdef";
const ID_BYTES = "0123456789abcdef";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s/g, ""), "hex"));
const utf8 = (s: string) => hex(new TextEncoder().encode(s));

function roundTrip<T>(type: PayloadType<T>, value: T): T {
  return type.decode(type.encode(value), type.version);
}

describe("pinned body bytes", () => {
  test("text", () => {
    expect(hex(text.encode("hi"))).toBe("6869");
    expect(hex(text.encode(""))).toBe("");
    expect(hex(text.encode("é👍"))).toBe("c3a9f09f918d");
  });

  test("reply: 8 id bytes then UTF-8", () => {
    expect(hex(reply.encode({ to: ID, text: "ok" }))).toBe(`${ID_BYTES}6f6b`);
    expect(hex(reply.encode({ to: ID, text: "" }))).toBe(ID_BYTES);
  });

  test("reaction: 8 id bytes then UTF-8 emoji; empty removes", () => {
    expect(hex(reaction.encode({ to: ID, emoji: "👍" }))).toBe(`${ID_BYTES}f09f918d`);
    expect(hex(reaction.encode({ to: ID, emoji: "" }))).toBe(ID_BYTES);
  });

  test("receipt: flag byte then ids back to back", () => {
    expect(hex(receipt.encode({ messages: [ID] }))).toBe(`00${ID_BYTES}`);
    expect(hex(receipt.encode({ messages: [ID, "ffffffffffffffff"], read: true }))).toBe(
      `01${ID_BYTES}ffffffffffffffff`,
    );
  });

  test("file: flags, url, then present fields in bit order", () => {
    expect(hex(file.encode({ url: "https://x.example/a" }))).toBe(`0013${utf8("https://x.example/a")}`);
    expect(hex(file.encode({ url: "https://x.example/a", size: 300 }))).toBe(
      `0413${utf8("https://x.example/a")}ac02`,
    );
    const full = file.encode({
      url: "https://x.example/a",
      name: "a.png",
      mediaType: "image/png",
      size: 1,
      sha256: "ab".repeat(32),
      key: new Uint8Array(32).fill(7),
    });
    expect(hex(full)).toBe(
      `1f13${utf8("https://x.example/a")}05${utf8("a.png")}09${utf8("image/png")}01${"ab".repeat(32)}${"07".repeat(32)}`,
    );
    expect(full.length).toBe(1 + 20 + 6 + 10 + 1 + 32 + 32);
  });
});

describe("round trips", () => {
  test("text: empty, unicode, emoji sequences, a leading BOM, NUL", () => {
    for (const s of ["", "hello", "héllo wörld", "日本語", "👨‍👩‍👧‍👦🏳️‍🌈", "\uFEFFbom", "a\u0000b", "𝄞"]) {
      expect(roundTrip(text, s)).toBe(s);
    }
  });

  test("reply and reaction", () => {
    expect(roundTrip(reply, { to: ID, text: "sí 👍" })).toEqual({ to: ID, text: "sí 👍" });
    expect(roundTrip(reply, { to: ID, text: "" })).toEqual({ to: ID, text: "" });
    expect(roundTrip(reaction, { to: ID, emoji: "👨‍👩‍👧‍👦" })).toEqual({ to: ID, emoji: "👨‍👩‍👧‍👦" });
    expect(roundTrip(reaction, { to: ID, emoji: "" })).toEqual({ to: ID, emoji: "" });
    expect(roundTrip(reaction, { to: ID, emoji: "x".repeat(64) }).emoji.length).toBe(64);
  });

  test("receipt: one id, the maximum of 1000, read defaults to false", () => {
    expect(roundTrip(receipt, { messages: [ID] })).toEqual({ messages: [ID], read: false });
    const many = Array.from({ length: MAX_RECEIPT_IDS }, (_, i) => i.toString(16).padStart(16, "0"));
    const body = receipt.encode({ messages: many, read: true });
    expect(body.length).toBe(1 + 8 * MAX_RECEIPT_IDS);
    expect(receipt.decode(body, 1)).toEqual({ messages: many, read: true });
  });

  test("file: minimal and full references; decoded keys are copies", () => {
    expect(roundTrip(file, { url: "ipfs://bafy" })).toEqual({ url: "ipfs://bafy" });
    const full = {
      url: "https://files.example/ünï?x=1#y",
      name: "résumé 📄.pdf",
      mediaType: "application/pdf; charset=binary",
      size: Number.MAX_SAFE_INTEGER,
      sha256: "0f".repeat(32),
      key: new Uint8Array(32).fill(1),
    };
    const body = file.encode(full);
    const back = file.decode(body, 1);
    expect(back).toEqual(full);
    body.fill(0);
    expect(back.key).toEqual(new Uint8Array(32).fill(1));
    expect(roundTrip(file, { url: "https://a.example/", size: 0 })).toEqual({
      url: "https://a.example/",
      size: 0,
    });
  });
});

describe("encode refuses bad values with InputError invalid_argument", () => {
  const bad: [string, () => unknown][] = [
    ["lone surrogate", () => text.encode("a\uD800b")],
    ["non-string text", () => text.encode(42 as unknown as string)],
    ["uppercase id", () => reply.encode({ to: ID.toUpperCase(), text: "x" })],
    ["short id", () => reply.encode({ to: "0123", text: "x" })],
    ["conversation-prefixed id", () => reaction.encode({ to: `c:${ID}`, emoji: "👍" })],
    ["long reaction", () => reaction.encode({ to: ID, emoji: "👍".repeat(17) })],
    ["empty receipt", () => receipt.encode({ messages: [] })],
    [
      "1001 receipt ids",
      () => receipt.encode({ messages: Array.from({ length: MAX_RECEIPT_IDS + 1 }, () => ID) }),
    ],
    ["bad receipt id", () => receipt.encode({ messages: [ID, "nope"] })],
    ["non-boolean read", () => receipt.encode({ messages: [ID], read: 1 as unknown as boolean })],
    ["relative url", () => file.encode({ url: "/a/b" })],
    ["huge url", () => file.encode({ url: `https://a.example/${"x".repeat(2048)}` })],
    ["empty name", () => file.encode({ url: "https://a.example/", name: "" })],
    ["media type without slash", () => file.encode({ url: "https://a.example/", mediaType: "png" })],
    ["negative size", () => file.encode({ url: "https://a.example/", size: -1 })],
    ["fractional size", () => file.encode({ url: "https://a.example/", size: 1.5 })],
    ["uppercase sha256", () => file.encode({ url: "https://a.example/", sha256: "AB".repeat(32) })],
    ["short key", () => file.encode({ url: "https://a.example/", key: new Uint8Array(31) })],
  ];
  for (const [what, fn] of bad) test(what, () => expectCode(fn, InputError, "invalid_argument"));
});

describe("decode refuses bad bodies with ProtocolError malformed", () => {
  const bad: [string, () => unknown][] = [
    ["invalid UTF-8 text", () => text.decode(bytes("c328"), 1)],
    ["truncated reply", () => reply.decode(bytes("01020304"), 1)],
    ["reply with bad UTF-8", () => reply.decode(bytes(`${ID_BYTES}ff`), 1)],
    ["reaction over 64 bytes", () => reaction.decode(bytes(`${ID_BYTES}${"78".repeat(65)}`), 1)],
    ["receipt without ids", () => receipt.decode(bytes("01"), 1)],
    ["empty receipt body", () => receipt.decode(new Uint8Array(0), 1)],
    ["receipt with a partial id", () => receipt.decode(bytes(`00${ID_BYTES}0102`), 1)],
    ["receipt with reserved flags", () => receipt.decode(bytes(`02${ID_BYTES}`), 1)],
    ["receipt with 1001 ids", () => receipt.decode(new Uint8Array(1 + 8 * 1001), 1)],
    ["empty file body", () => file.decode(new Uint8Array(0), 1)],
    ["file with reserved flags", () => file.decode(bytes(`2001${utf8("x")}`), 1)],
    ["file with a relative url", () => file.decode(bytes(`0001${utf8("x")}`), 1)],
    ["file with trailing bytes", () => file.decode(bytes(`0013${utf8("https://x.example/a")}00`), 1)],
    ["file with truncated key", () => file.decode(bytes(`1013${utf8("https://x.example/a")}0102`), 1)],
    ["file with non-minimal varint", () => file.decode(bytes(`0413${utf8("https://x.example/a")}8100`), 1)],
    [
      "file with over-long size",
      () => file.decode(bytes(`0413${utf8("https://x.example/a")}${"ff".repeat(8)}01`), 1),
    ],
    [
      "file with size above 2^53",
      () => file.decode(bytes(`0413${utf8("https://x.example/a")}ffffffffffffff10`), 1),
    ],
  ];
  for (const [what, fn] of bad) test(what, () => expectCode(fn, ProtocolError, "malformed"));

  test("a version other than 1 is version_unknown", () => {
    expectCode(() => text.decode(bytes("6869"), 2), ProtocolError, "version_unknown");
    expectCode(() => receipt.decode(bytes(`00${ID_BYTES}`), 0), ProtocolError, "version_unknown");
  });
});
