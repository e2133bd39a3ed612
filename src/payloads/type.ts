/** @module What a payload type is (F5, S2): a named, versioned codec that carries its value type T for inference. */
import { InputError, ProtocolError, WakubotError } from "../errors.ts";

/**
 * Names of the built-in payload types, with their wire numbers in docs/payloads.md.
 *
 * @example
 * const name: BuiltinName = "reaction";
 */
export type BuiltinName = "text" | "reply" | "reaction" | "receipt" | "file";

/**
 * Wire number of each built-in type (Frame field 1, docs/protocol.md §8.2).
 *
 * @example
 * BUILTIN_WIRE.receipt; // 4
 */
export const BUILTIN_WIRE: { readonly [N in BuiltinName]: number } = {
  text: 1,
  reply: 2,
  reaction: 3,
  receipt: 4,
  file: 5,
};

/**
 * Longest custom type name, `namespace/name`, in characters.
 *
 * @example
 * `${namespace}/${name}`.length <= MAX_TYPE_NAME;
 */
export const MAX_TYPE_NAME = 64;
/**
 * Highest version a payload type can have: Frame.type_version is a uint32.
 *
 * @example
 * Number.isInteger(v) && v >= 1 && v <= MAX_TYPE_VERSION;
 */
export const MAX_TYPE_VERSION = 0xffff_ffff;

const SEGMENT = /^[a-z0-9-]+$/;

/**
 * A payload type: a name, the version this code writes, and a codec. The object carries `T`, so APIs that take a
 * type infer the value from it (`bot.on(order, (ctx) => ctx.payload)` gives `ctx.payload` the type `Order`).
 *
 * `decode(body, version)` must accept every version from 1 to `version`, upgrading older bodies to the current
 * shape, and throws `ProtocolError malformed` on a bad body. `encode` throws `InputError invalid_argument` on a
 * value it cannot write.
 *
 * @example
 * const ping: PayloadType<{ n: number }, "acme/ping"> = definePayload({
 *   namespace: "acme", name: "ping", version: 1,
 *   encode: (v: { n: number }) => Uint8Array.of(v.n),
 *   decode: (body) => ({ n: body[0] ?? 0 }),
 * });
 */
export interface PayloadType<T, N extends string = string> {
  /** `text`, `reply`, `reaction`, `receipt`, `file`, or a custom `namespace/name`. */
  readonly name: N;
  /** The version this code writes (≥ 1); it reads every version up to this one. */
  readonly version: number;
  /** What goes in the Frame: the built-in number (1–5), or the custom name itself. */
  readonly wire: number | string;
  /** The body for `value`. */
  encode(value: T): Uint8Array;
  /** The value in `body`, written at `version` (1 … this.version). */
  decode(body: Uint8Array, version: number): T;
}

/**
 * The value type a payload type carries.
 *
 * @example
 * type Order = PayloadValue<typeof order>; // whatever `order` encodes and decodes
 */
export type PayloadValue<P> = P extends PayloadType<infer T, string> ? T : never;

/**
 * Whether `name` is a valid custom type name: two segments of `[a-z0-9-]`, joined by `/`, at most 64 characters.
 *
 * @example
 * isCustomTypeName("acme/order-v"); // true
 * isCustomTypeName("Acme/Order"); // false
 */
export function isCustomTypeName(name: unknown): name is `${string}/${string}` {
  if (typeof name !== "string" || name.length > MAX_TYPE_NAME) return false;
  const parts = name.split("/");
  return parts.length === 2 && parts.every((p) => SEGMENT.test(p));
}

/**
 * Checks that `type` is well-formed: a built-in name with its wire number, or a custom name whose wire is the name;
 * a version in 1 … 2^32 − 1; encode and decode functions. Throws `InputError invalid_argument` otherwise.
 *
 * @example
 * assertPayloadType(someObject); // before registering a hand-built type
 */
export function assertPayloadType(type: PayloadType<unknown>): void {
  const { name, wire, version } = type;
  const builtin = Object.hasOwn(BUILTIN_WIRE, name) ? BUILTIN_WIRE[name as BuiltinName] : undefined;
  if (builtin !== undefined ? wire !== builtin : !isCustomTypeName(name) || wire !== name) {
    throw new InputError(
      "invalid_argument",
      `payload type ${JSON.stringify(String(name).slice(0, 80))}: the name must be a built-in one with its number, ` +
        `or "namespace/name" (lowercase [a-z0-9-], at most ${MAX_TYPE_NAME} characters) with wire equal to the name`,
    );
  }
  if (!Number.isInteger(version) || version < 1 || version > MAX_TYPE_VERSION) {
    throw new InputError(
      "invalid_argument",
      `payload type ${name}: version must be an integer in 1 … 2^32 − 1`,
    );
  }
  if (typeof type.encode !== "function" || typeof type.decode !== "function") {
    throw new InputError("invalid_argument", `payload type ${name}: encode and decode must be functions`);
  }
}

/**
 * Builds a payload type from raw codec functions, adding the checks every type shares: `decode` refuses versions
 * outside 1 … `version` (`ProtocolError version_unknown`) and turns anything else the codec throws into
 * `ProtocolError malformed`; `encode` turns non-wakubot errors into `InputError invalid_argument` and refuses a
 * result that is not a Uint8Array. Used by the built-ins and by `definePayload`.
 *
 * @example
 * const text = payloadType<string, "text">("text", 1, 1, (s) => utf8Bytes(s, "text"), (b) => utf8Text(b, "text"));
 */
export function payloadType<T, N extends string>(
  name: N,
  wire: number | string,
  version: number,
  encode: (value: T) => Uint8Array,
  decode: (body: Uint8Array, version: number) => T,
): PayloadType<T, N> {
  const type: PayloadType<T, N> = {
    name,
    wire,
    version,
    encode(value) {
      let body: unknown;
      try {
        body = encode(value);
      } catch (cause) {
        if (cause instanceof WakubotError) throw cause;
        throw new InputError("invalid_argument", `${name}: ${describe(cause)}`, { cause });
      }
      if (!(body instanceof Uint8Array)) {
        throw new InputError("invalid_argument", `${name}: encode did not return a Uint8Array`);
      }
      return body;
    },
    decode(body, v) {
      if (!Number.isInteger(v) || v < 1 || v > version) {
        throw new ProtocolError(
          "version_unknown",
          `${name} version ${v} is not one this code reads (1 … ${version})`,
        );
      }
      try {
        return decode(body, v);
      } catch (cause) {
        if (cause instanceof ProtocolError) throw cause;
        throw new ProtocolError("malformed", `${name} v${v} body: ${describe(cause)}`, { cause });
      }
    },
  };
  assertPayloadType(type as PayloadType<unknown>);
  return Object.freeze(type);
}

/**
 * How a custom type is defined: its name in two parts, the version written, and the codec.
 *
 * @example
 * const def: PayloadDefinition<number, "iot", "level"> = {
 *   namespace: "iot", name: "level", encode: (n) => Uint8Array.of(n), decode: (b) => b[0] ?? 0,
 * };
 */
export interface PayloadDefinition<T, NS extends string, NM extends string> {
  /** First segment, e.g. your bot's or company's name: lowercase `[a-z0-9-]`. */
  readonly namespace: NS;
  /** Second segment: lowercase `[a-z0-9-]`. The whole `namespace/name` is at most 64 characters. */
  readonly name: NM;
  /** The version written (≥ 1). Defaults to 1. */
  readonly version?: number;
  /** The body for a value; throw on a value that cannot be sent. */
  encode(value: T): Uint8Array;
  /** The value of a body written at `version` (1 … the type's version); upgrade older versions here. */
  decode(body: Uint8Array, version: number): T;
}

/**
 * Defines a custom payload type named `namespace/name` with your own binary codec. For JSON, `jsonPayload` is
 * shorter. Throws `InputError invalid_argument` for a bad name or version.
 *
 * @example
 * interface Point { x: number; y: number }
 * const point = definePayload<Point>({
 *   namespace: "geo", name: "point", version: 1,
 *   encode: (p) => new Uint8Array(new Float64Array([p.x, p.y]).buffer),
 *   decode: (body) => {
 *     if (body.length !== 16) throw new ProtocolError("malformed", "geo/point is 16 bytes");
 *     const [x = 0, y = 0] = new Float64Array(body.slice().buffer);
 *     return { x, y };
 *   },
 * });
 */
export function definePayload<T, const NS extends string = string, const NM extends string = string>(
  definition: PayloadDefinition<T, NS, NM>,
): PayloadType<T, `${NS}/${NM}`> {
  const { namespace, name, version = 1 } = definition;
  const full = `${namespace}/${name}` as const;
  if (!isCustomTypeName(full)) {
    throw new InputError(
      "invalid_argument",
      `payload type ${JSON.stringify(String(full).slice(0, 80))}: namespace and name must be lowercase [a-z0-9-], ` +
        `at most ${MAX_TYPE_NAME} characters together`,
    );
  }
  return payloadType<T, `${NS}/${NM}`>(
    full,
    full,
    version,
    (value) => definition.encode(value),
    (body, v) => definition.decode(body, v),
  );
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
