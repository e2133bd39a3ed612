/**
 * The payload registry: Frames in and out (pinned Frame bytes), peer input that never throws (malformed bodies,
 * unknown types, odd versions, random bytes), registration conflicts, the size guard, and seeded property tests.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { InputError, ProtocolError } from "../../src/errors.ts";
import {
  BUILTIN_PAYLOADS,
  DEFAULT_MAX_BODY_BYTES,
  type DecodeResult,
  definePayload,
  file,
  isPayload,
  jsonPayload,
  PayloadRegistry,
  type PayloadType,
  reaction,
  receipt,
  reply,
  text,
} from "../../src/payloads/index.ts";
import { decodeFrame, encodeFrame, type Frame } from "../../src/protocol/wire.ts";
import { expectCode } from "../support/errors.ts";

const ID = "0123456789abcdef";
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

/** Encodes, sends through the Frame protobuf, decodes: what a peer would get. */
function overTheWire(registry: PayloadRegistry, frame: Frame): DecodeResult {
  return registry.decode(decodeFrame(encodeFrame(frame)));
}

function ok(result: DecodeResult): unknown {
  if (result.kind !== "ok") throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.value;
}

describe("built-ins through the registry", () => {
  const registry = new PayloadRegistry();

  test("every built-in is registered under its name and number", () => {
    for (const [name, type] of Object.entries(BUILTIN_PAYLOADS)) expect(registry.get(name)).toBe(type);
    expect([text, reply, reaction, receipt, file].map((t) => t.wire)).toEqual([1, 2, 3, 4, 5]);
    expect(registry.get("shop/order")).toBeUndefined();
  });

  test("pinned Frame bytes: version 1 is not written", () => {
    expect(hex(encodeFrame(registry.encode(text, "hi")))).toBe("0801" + "2202" + "6869");
    expect(hex(encodeFrame(registry.encode(text, "")))).toBe("0801");
    expect(hex(encodeFrame(registry.encode(reaction, { to: ID, emoji: "👍" })))).toBe(
      `0803220c${ID}f09f918d`,
    );
    expect(hex(encodeFrame(registry.encode(receipt, { messages: [ID], read: true })))).toBe(
      `0804220901${ID}`,
    );
  });

  test("every built-in round-trips over the wire", () => {
    const values: [PayloadType<unknown>, unknown][] = [
      [text, "héllo 👋"],
      [text, ""],
      [reply, { to: ID, text: "ok 👍" }],
      [reaction, { to: ID, emoji: "" }],
      [receipt, { messages: [ID, ID], read: false }],
      [file, { url: "https://x.example/a", name: "a.txt", size: 3, key: new Uint8Array(32).fill(9) }],
    ];
    for (const [type, value] of values) {
      const result = overTheWire(registry, registry.encode(type, value));
      expect(result).toEqual({ kind: "ok", type, value, version: 1 });
    }
  });

  test("isPayload narrows a result to a type", () => {
    const result = registry.decode(registry.encode(reply, { to: ID, text: "x" }));
    expect(isPayload(result, reply)).toBe(true);
    expect(isPayload(result, text)).toBe(false);
    if (isPayload(result, reply)) expect(result.value.to).toBe(ID);
  });
});

describe("peer input never throws", () => {
  const registry = new PayloadRegistry();

  test("malformed built-in bodies are unsupported/malformed with the error", () => {
    const bodies: [number, string, string][] = [
      [1, "text", "ff"],
      [2, "reply", "0102"],
      [3, "reaction", ""],
      [4, "receipt", "00"],
      [4, "receipt", `80${ID}`],
      [5, "file", ""],
      [5, "file", "0005"],
    ];
    for (const [type, typeName, body] of bodies) {
      const result = overTheWire(registry, { type, typeVersion: 1, body: bytes(body) });
      expect(result).toMatchObject({ kind: "unsupported", typeName, version: 1, reason: "malformed" });
      expect((result as { error?: unknown }).error).toBeInstanceOf(ProtocolError);
    }
  });

  test("an unknown built-in number or custom name is unknown_type", () => {
    expect(registry.decode({ type: 6, typeVersion: 1, body: new Uint8Array(0) })).toEqual({
      kind: "unsupported",
      typeName: "6",
      version: 1,
      reason: "unknown_type",
    });
    expect(overTheWire(registry, { type: "poll/vote", typeVersion: 3, body: bytes("00") })).toEqual({
      kind: "unsupported",
      typeName: "poll/vote",
      version: 3,
      reason: "unknown_type",
    });
  });

  test("a newer built-in version is newer_version", () => {
    expect(overTheWire(registry, { type: 1, typeVersion: 2, body: bytes("6869") })).toEqual({
      kind: "unsupported",
      typeName: "text",
      version: 2,
      reason: "newer_version",
    });
  });

  test("an invalid custom name or version is malformed, with a printable, bounded name", () => {
    const long = registry.decode({ type: `A\n${"x".repeat(500)}`, typeVersion: 1, body: new Uint8Array(0) });
    expect(long).toMatchObject({ kind: "unsupported", reason: "malformed" });
    expect((long as { typeName: string }).typeName).toBe(`A?${"x".repeat(62)}…`);
    expect(registry.decode({ type: "text", typeVersion: 1, body: new Uint8Array(0) })).toMatchObject({
      reason: "malformed",
    });
    expect(registry.decode({ type: 1, typeVersion: 0, body: new Uint8Array(0) })).toMatchObject({
      typeName: "text",
      reason: "malformed",
    });
  });

  test("a custom decoder that throws anything is malformed", () => {
    const r = new PayloadRegistry();
    const boom = r.register(
      definePayload<number>({
        namespace: "t",
        name: "boom",
        encode: (n) => Uint8Array.of(n),
        decode: () => {
          throw new TypeError("boom");
        },
      }),
    );
    const result = r.decode(r.encode(boom, 1));
    expect(result).toMatchObject({ kind: "unsupported", typeName: "t/boom", reason: "malformed" });
    const error = (result as { error?: unknown }).error;
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).cause).toBeInstanceOf(TypeError);
  });

  test("random bodies for every built-in and random versions: never a throw (seeded)", () => {
    const r = new PayloadRegistry();
    const json = r.register(jsonPayload<{ a: number }>({ namespace: "t", name: "json", version: 2 }));
    fc.assert(
      fc.property(
        fc.constantFrom<number | string>(1, 2, 3, 4, 5, 6, json.name, "t/other"),
        fc.integer({ min: -1, max: 3 }),
        fc.uint8Array({ maxLength: 120 }),
        (type, typeVersion, body) => {
          const result = r.decode({ type, typeVersion, body });
          expect(["ok", "unsupported"]).toContain(result.kind);
        },
      ),
      { seed: 0x5a1, numRuns: 2000 },
    );
  });
});

describe("registration", () => {
  const order = jsonPayload<{ sku: string }>({ namespace: "shop", name: "order" });

  test("registering returns the type and is idempotent for the same definition", () => {
    const registry = new PayloadRegistry();
    expect(registry.register(order)).toBe(order);
    expect(registry.register(order)).toBe(order);
    expect(registry.register(text)).toBe(text);
    expect(registry.get("shop/order")).toBe(order);
  });

  test("another definition under a taken name is InputError", () => {
    const registry = new PayloadRegistry();
    registry.register(order);
    const again = jsonPayload<{ sku: string }>({ namespace: "shop", name: "order", version: 2 });
    expectCode(() => registry.register(again), InputError, "invalid_argument");
    expectCode(() => registry.encode(again, { sku: "x" }), InputError, "invalid_argument");
    expect(registry.get("shop/order")).toBe(order);
  });

  test("another definition of a built-in name or number is InputError", () => {
    const registry = new PayloadRegistry();
    const fakeText: PayloadType<string> = { ...text, encode: (s) => new TextEncoder().encode(s) };
    expectCode(() => registry.register(fakeText), InputError, "invalid_argument");
    const squatter: PayloadType<string> = { ...text, name: "texte" };
    expectCode(() => registry.register(squatter), InputError, "invalid_argument");
  });

  test("hand-built types with bad names, wires or versions are refused", () => {
    const registry = new PayloadRegistry();
    const base = { encode: () => new Uint8Array(0), decode: () => 0 };
    const bad: PayloadType<number>[] = [
      { ...base, name: "Shop/Order", wire: "Shop/Order", version: 1 },
      { ...base, name: "shop/order", wire: 7, version: 1 },
      { ...base, name: "shop/order", wire: "shop/other", version: 1 },
      { ...base, name: "text", wire: 2, version: 1 },
      { ...base, name: "shop/order", wire: "shop/order", version: 0 },
      { ...base, name: "shop/order", wire: "shop/order", version: 1.5 },
      { ...base, name: "a/b/c", wire: "a/b/c", version: 1 },
    ];
    for (const type of bad) expectCode(() => registry.register(type), InputError, "invalid_argument");
  });
});

describe("size guard", () => {
  test("bodies over the limit are too_large; the default is 100 KB", () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(102_400);
    const registry = new PayloadRegistry();
    expect(registry.encode(text, "x".repeat(DEFAULT_MAX_BODY_BYTES)).body.length).toBe(
      DEFAULT_MAX_BODY_BYTES,
    );
    expectCode(
      () => registry.encode(text, "x".repeat(DEFAULT_MAX_BODY_BYTES + 1)),
      ProtocolError,
      "too_large",
    );
    const small = new PayloadRegistry({ maxBodyBytes: 4 });
    expect(small.encode(text, "1234").body.length).toBe(4);
    expectCode(() => small.encode(text, "12345"), ProtocolError, "too_large");
    expectCode(() => new PayloadRegistry({ maxBodyBytes: 0 }), InputError, "invalid_argument");
  });
});

describe("property tests (seeded)", () => {
  const registry = new PayloadRegistry();
  const id = fc.uint8Array({ minLength: 8, maxLength: 8 }).map(hex);
  const anyText = fc.string({ unit: "binary", maxLength: 200 });

  test("text", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        expect(ok(overTheWire(registry, registry.encode(text, s)))).toBe(s);
      }),
      { seed: 0x7e47, numRuns: 500 },
    );
  });

  test("reply", () => {
    fc.assert(
      fc.property(id, anyText, (to, t) => {
        expect(ok(overTheWire(registry, registry.encode(reply, { to, text: t })))).toEqual({ to, text: t });
      }),
      { seed: 0x4e91, numRuns: 500 },
    );
  });

  test("receipt", () => {
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 1000 }), fc.boolean(), (messages, read) => {
        const frame = registry.encode(receipt, { messages, read });
        expect(frame.body.length).toBe(1 + 8 * messages.length);
        expect(ok(overTheWire(registry, frame))).toEqual({ messages, read });
      }),
      { seed: 0x2ec, numRuns: 200 },
    );
  });
});
