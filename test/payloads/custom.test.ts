/**
 * Custom payload types: definePayload and jsonPayload, name rules, type inference (checked by tsc), and the
 * evolution of a type from v1 to v2 as old and new peers see it (S2).
 */
import { describe, expect, test } from "bun:test";
import { InputError, ProtocolError } from "../../src/errors.ts";
import {
  type DecodeResult,
  definePayload,
  isCustomTypeName,
  jsonPayload,
  PayloadRegistry,
  type PayloadType,
  type PayloadValue,
  text,
} from "../../src/payloads/index.ts";
import { decodeFrame, encodeFrame, type Frame } from "../../src/protocol/wire.ts";
import { expectCode } from "../support/errors.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8 = (s: string) => hex(new TextEncoder().encode(s));

/** What the peer on the other end of the wire gets. */
function send(
  from: PayloadRegistry,
  to: PayloadRegistry,
  type: PayloadType<unknown>,
  value: unknown,
): DecodeResult {
  const frame: Frame = from.encode(type, value);
  return to.decode(decodeFrame(encodeFrame(frame)));
}

interface OrderV1 {
  sku: string;
  qty: number;
}
interface OrderV2 {
  sku: string;
  quantity: number;
  note?: string;
}

function isOrderV2(v: unknown): OrderV2 {
  const o = v as Partial<OrderV2> | null;
  if (typeof o?.sku !== "string" || !Number.isInteger(o.quantity)) throw new Error("not an order");
  if (o.note !== undefined && typeof o.note !== "string") throw new Error("note must be text");
  return o as OrderV2;
}

const orderV1 = jsonPayload<OrderV1>({ namespace: "shop", name: "order" });
const orderV2 = jsonPayload<OrderV2>({
  namespace: "shop",
  name: "order",
  version: 2,
  upgrade: (old, from) => {
    expect(from).toBe(1);
    const o = old as OrderV1;
    return { sku: o.sku, quantity: o.qty };
  },
  validate: isOrderV2,
});

describe("jsonPayload", () => {
  test("a v1 type in three lines: name, version, body bytes, pinned Frame", () => {
    expect(orderV1.name).toBe("shop/order");
    expect(orderV1.wire).toBe("shop/order");
    expect(orderV1.version).toBe(1);
    const registry = new PayloadRegistry();
    registry.register(orderV1);
    const frame = registry.encode(orderV1, { sku: "A-1", qty: 2 });
    expect(frame).toEqual({
      type: "shop/order",
      typeVersion: 1,
      body: new TextEncoder().encode('{"sku":"A-1","qty":2}'),
    });
    // field 2 (custom name), no type_version (1 is implied), field 4 (body).
    expect(hex(encodeFrame(frame))).toBe(`120a${utf8("shop/order")}2215${utf8('{"sku":"A-1","qty":2}')}`);
    expect(registry.decode(frame)).toEqual({
      kind: "ok",
      type: orderV1,
      value: { sku: "A-1", qty: 2 },
      version: 1,
    });
  });

  test("values JSON cannot carry, or that validate refuses, are InputError on send", () => {
    expectCode(() => orderV1.encode(undefined as unknown as OrderV1), InputError, "invalid_argument");
    expectCode(
      () => orderV1.encode({ sku: "x", qty: 1n } as unknown as OrderV1),
      InputError,
      "invalid_argument",
    );
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expectCode(() => orderV1.encode(loop as unknown as OrderV1), InputError, "invalid_argument");
    expectCode(() => orderV2.encode({ sku: "x", quantity: 1.5 }), InputError, "invalid_argument");
    // validate sees the JSON round trip, i.e. what the peer will parse, not the object handed in.
    const sneaky = { sku: "x", quantity: 1, toJSON: () => ({ sku: "x" }) };
    expect(() => isOrderV2(sneaky)).not.toThrow();
    expectCode(() => orderV2.encode(sneaky), InputError, "invalid_argument");
  });

  test("bodies that are not UTF-8 JSON, or fail validate, are malformed", () => {
    expectCode(() => orderV2.decode(new Uint8Array([0xff]), 2), ProtocolError, "malformed");
    expectCode(() => orderV2.decode(new TextEncoder().encode("{"), 2), ProtocolError, "malformed");
    expectCode(() => orderV2.decode(new TextEncoder().encode('{"sku":1}'), 2), ProtocolError, "malformed");
    expectCode(
      () => orderV2.decode(new TextEncoder().encode('{"sku":"a","quantity":1}'), 3),
      ProtocolError,
      "version_unknown",
    );
  });

  test("names must be lowercase [a-z0-9-] segments, at most 64 characters", () => {
    for (const [namespace, name] of [
      ["Shop", "order"],
      ["shop", "or der"],
      ["shop", ""],
      ["", "order"],
      ["shop/x", "order"],
      ["shop", "o_rder"],
      ["a".repeat(32), "b".repeat(32)],
    ] as const) {
      expectCode(() => jsonPayload({ namespace, name }), InputError, "invalid_argument");
    }
    expect(jsonPayload({ namespace: "a".repeat(31), name: `${"b-2".repeat(10)}b-` }).name.length).toBe(64);
    expect(isCustomTypeName("my-bot/poll-2")).toBe(true);
    expect(isCustomTypeName("text")).toBe(false);
    expectCode(() => jsonPayload({ namespace: "a", name: "b", version: 0 }), InputError, "invalid_argument");
  });
});

describe("definePayload", () => {
  // A binary type: v1 is one unsigned byte; v2 adds a second byte (a unit), v1 bodies upgrade to unit 0.
  const temperatureV2 = definePayload<{ celsius: number; unit: number }>({
    namespace: "iot",
    name: "temp",
    version: 2,
    encode: (t) => Uint8Array.of(t.celsius, t.unit),
    decode: (body, version) => {
      if (body.length !== version)
        throw new ProtocolError("malformed", `iot/temp v${version} is ${version} bytes`);
      return { celsius: body[0] as number, unit: version === 1 ? 0 : (body[1] as number) };
    },
  });

  test("decodes every version up to its own and refuses the rest", () => {
    expect(temperatureV2.decode(Uint8Array.of(21), 1)).toEqual({ celsius: 21, unit: 0 });
    expect(temperatureV2.decode(Uint8Array.of(21, 1), 2)).toEqual({ celsius: 21, unit: 1 });
    expectCode(() => temperatureV2.decode(Uint8Array.of(21, 1, 0), 3), ProtocolError, "version_unknown");
    expectCode(() => temperatureV2.decode(Uint8Array.of(21, 1), 1), ProtocolError, "malformed");
  });

  test("an encode that throws a plain error or returns no bytes is InputError", () => {
    const broken = definePayload<number>({
      namespace: "t",
      name: "broken",
      encode: (n) => {
        if (n < 0) throw new RangeError("negative");
        return "nope" as unknown as Uint8Array;
      },
      decode: () => 0,
    });
    expectCode(() => broken.encode(-1), InputError, "invalid_argument");
    expectCode(() => broken.encode(1), InputError, "invalid_argument");
  });
});

describe("evolving a type from v1 to v2 (S2)", () => {
  const oldPeer = new PayloadRegistry();
  oldPeer.register(orderV1);
  const newPeer = new PayloadRegistry();
  newPeer.register(orderV2);

  test("a v2 reader upgrades v1 bodies from an old peer", () => {
    expect(send(oldPeer, newPeer, orderV1, { sku: "A-1", qty: 2 })).toEqual({
      kind: "ok",
      type: orderV2,
      value: { sku: "A-1", quantity: 2 },
      version: 1,
    });
  });

  test("v2 to v2 needs no upgrade and keeps new fields", () => {
    const value = { sku: "A-1", quantity: 3, note: "gift 🎁" };
    expect(send(newPeer, newPeer, orderV2, value)).toMatchObject({ kind: "ok", value, version: 2 });
  });

  test("a v1 reader gets unsupported/newer_version with the type name for a v2 frame", () => {
    const frame = newPeer.encode(orderV2, { sku: "A-1", quantity: 2 });
    expect(frame.typeVersion).toBe(2);
    expect(hex(encodeFrame(frame)).startsWith(`120a${utf8("shop/order")}1802`)).toBe(true);
    expect(send(newPeer, oldPeer, orderV2, { sku: "A-1", quantity: 2 })).toEqual({
      kind: "unsupported",
      typeName: "shop/order",
      version: 2,
      reason: "newer_version",
    });
  });

  test("a peer without the type gets unsupported/unknown_type", () => {
    expect(send(newPeer, new PayloadRegistry(), orderV2, { sku: "A", quantity: 1 })).toEqual({
      kind: "unsupported",
      typeName: "shop/order",
      version: 2,
      reason: "unknown_type",
    });
  });

  test("without upgrade, older bodies are read as they are (additive change) and still validated", () => {
    const additive = jsonPayload<OrderV2>({
      namespace: "shop",
      name: "order",
      version: 2,
      validate: isOrderV2,
    });
    expect(additive.decode(new TextEncoder().encode('{"sku":"a","quantity":1}'), 1)).toEqual({
      sku: "a",
      quantity: 1,
    });
    expectCode(
      () => additive.decode(new TextEncoder().encode('{"sku":"a","qty":1}'), 1),
      ProtocolError,
      "malformed",
    );
  });
});

describe("types flow to handlers (checked by tsc)", () => {
  // Stand-in for the bot API: a handler registered for a type receives that type's value.
  function on<T>(type: PayloadType<T>, handler: (ctx: { payload: T }) => void): (value: T) => void {
    return (value) => handler({ payload: type.decode(type.encode(value), type.version) });
  }

  test("ctx.payload is T; PayloadValue extracts it; names stay literal", () => {
    let seen: OrderV2 | undefined;
    on(orderV2, (ctx) => {
      const quantity: number = ctx.payload.quantity;
      // @ts-expect-error: v2 orders have no qty
      ctx.payload.qty;
      seen = { ...ctx.payload, quantity };
    })({ sku: "a", quantity: 1 });
    expect(seen).toEqual({ sku: "a", quantity: 1 });
    on(text, (ctx) => ctx.payload.toUpperCase());

    const orderValue: PayloadValue<typeof orderV2> = { sku: "x", quantity: 1 };
    const textValue: PayloadValue<typeof text> = "hi";
    expect([orderValue.sku, textValue]).toEqual(["x", "hi"]);

    const inferred = jsonPayload({
      namespace: "vote",
      name: "poll",
      validate: (v) => v as { question: string },
    });
    const name: "vote/poll" = inferred.name;
    const question: PayloadValue<typeof inferred> = { question: "?" };
    expect([name, question.question]).toEqual(["vote/poll", "?"]);
  });
});
