/** @module The payload type registry: maps Frames to typed values and back, and never throws on a peer's input (S2). */
import { InputError, ProtocolError } from "../errors.ts";
import type { Frame } from "../protocol/wire.ts";
import { type Reaction, type Receipt, type Reply, reaction, receipt, reply, text } from "./builtin.ts";
import { type FileRef, file } from "./file.ts";
import { assertPayloadType, isCustomTypeName, MAX_TYPE_NAME, type PayloadType } from "./type.ts";

/**
 * Largest body `encode` writes by default: 100 KB, under Waku's 150 KB message limit with room for the envelope.
 *
 * @example
 * const registry = new PayloadRegistry({ maxBodyBytes: DEFAULT_MAX_BODY_BYTES / 2 });
 */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024;

/**
 * The built-in types by name, as `PayloadRegistry.get` returns them.
 *
 * @example
 * const t: BuiltinPayloads["reply"] = registry.get("reply"); // PayloadType<Reply, "reply">
 */
export interface BuiltinPayloads {
  readonly text: PayloadType<string, "text">;
  readonly reply: PayloadType<Reply, "reply">;
  readonly reaction: PayloadType<Reaction, "reaction">;
  readonly receipt: PayloadType<Receipt, "receipt">;
  readonly file: PayloadType<FileRef, "file">;
}

/**
 * The five built-in types, registered in every `PayloadRegistry`.
 *
 * @example
 * BUILTIN_PAYLOADS.text.encode("hi"); // Uint8Array [0x68, 0x69]
 */
export const BUILTIN_PAYLOADS: BuiltinPayloads = Object.freeze({ text, reply, reaction, receipt, file });

/**
 * A frame this code understands: its type (the registered definition), the decoded value, the version read.
 *
 * @example
 * const r = registry.decode(frame);
 * if (r.kind === "ok") console.log(r.type.name, r.version, r.value);
 */
export interface DecodedPayload<T = unknown> {
  readonly kind: "ok";
  readonly type: PayloadType<T>;
  readonly value: T;
  readonly version: number;
}

/**
 * A frame this code cannot hand to a typed handler, and why: `unknown_type` (no such type registered),
 * `newer_version` (the sender writes a version above ours), `malformed` (the body, or the type name, is invalid).
 * `typeName` is the built-in name, the custom name, or the number of an unknown built-in as a string ("6").
 *
 * @example
 * const r = registry.decode(frame);
 * if (r.kind === "unsupported" && r.reason === "newer_version") console.log(`upgrade to read ${r.typeName}`);
 */
export interface UnsupportedPayload {
  readonly kind: "unsupported";
  readonly typeName: string;
  readonly version: number;
  readonly reason: "unknown_type" | "newer_version" | "malformed";
  readonly error?: unknown;
}

/**
 * What `PayloadRegistry.decode` returns.
 *
 * @example
 * const r: DecodeResult = registry.decode(frame);
 * const label = r.kind === "ok" ? r.type.name : `${r.typeName} (${r.reason})`;
 */
export type DecodeResult = DecodedPayload | UnsupportedPayload;

/**
 * Options of a registry.
 *
 * @example
 * const options: RegistryOptions = { maxBodyBytes: 32 * 1024 };
 */
export interface RegistryOptions {
  /** Largest body `encode` accepts, in bytes; defaults to `DEFAULT_MAX_BODY_BYTES`. */
  readonly maxBodyBytes?: number;
}

/**
 * Narrows a decode result to one type: true when it decoded as the type named like `type`.
 *
 * @example
 * const r = registry.decode(frame);
 * if (isPayload(r, order)) console.log(r.value.sku); // r.value: Order
 */
export function isPayload<T>(result: DecodeResult, type: PayloadType<T>): result is DecodedPayload<T> {
  return result.kind === "ok" && result.type.name === type.name;
}

/**
 * The payload types one bot knows. The built-ins are registered from the start; custom types are added with
 * `register`. `encode` makes Frames; `decode` turns any Frame from a peer into a value or an "unsupported" result.
 *
 * @example
 * const registry = new PayloadRegistry();
 * const order = registry.register(jsonPayload<Order>({ namespace: "shop", name: "order" }));
 * const frame = registry.encode(order, { sku: "A-1", qty: 2 });
 * const result = registry.decode(frame); // { kind: "ok", type: order, value: { sku: "A-1", qty: 2 }, version: 1 }
 */
export class PayloadRegistry {
  /** Largest body `encode` writes. */
  readonly maxBodyBytes: number;
  readonly #byName = new Map<string, PayloadType<unknown>>();
  readonly #byWire = new Map<number | string, PayloadType<unknown>>();

  constructor(options: RegistryOptions = {}) {
    const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InputError("invalid_argument", "maxBodyBytes must be a positive integer");
    }
    this.maxBodyBytes = max;
    for (const type of Object.values(BUILTIN_PAYLOADS)) this.register(type);
  }

  /**
   * Adds a type and returns it. Registering the same definition again does nothing; another definition under a
   * taken name or wire id is `InputError invalid_argument` (one name, one meaning, per bot).
   *
   * @example
   * const poll = registry.register(jsonPayload<Poll>({ namespace: "vote", name: "poll" }));
   */
  register<T, N extends string>(type: PayloadType<T, N>): PayloadType<T, N> {
    const t = type as PayloadType<unknown>;
    assertPayloadType(t);
    const existing = this.#byName.get(t.name) ?? this.#byWire.get(t.wire);
    if (existing !== undefined) {
      if (sameDefinition(existing, t)) return type;
      throw new InputError(
        "invalid_argument",
        `payload type ${t.name} (wire ${JSON.stringify(t.wire)}) conflicts with the registered ${existing.name}`,
      );
    }
    this.#byName.set(t.name, t);
    this.#byWire.set(t.wire, t);
    return type;
  }

  /**
   * The registered type called `name`, or undefined. Built-in names are typed.
   *
   * @example
   * registry.get("text")?.encode("hi");
   * registry.get("shop/order"); // PayloadType<unknown> | undefined
   */
  get<N extends keyof BuiltinPayloads>(name: N): BuiltinPayloads[N];
  get(name: string): PayloadType<unknown> | undefined;
  get(name: string): PayloadType<unknown> | undefined {
    return this.#byName.get(name);
  }

  /**
   * The Frame for `value`: the type's wire id, `typeVersion` = the type's version, and the encoded body. Throws
   * `InputError invalid_argument` for a value the type refuses or a type that conflicts with a registered one,
   * and `ProtocolError too_large` for a body over `maxBodyBytes`. The type need not be registered.
   *
   * @example
   * const frame = registry.encode(text, "hello"); // { type: 1, typeVersion: 1, body: … }
   */
  encode<T>(type: PayloadType<T>, value: T): Frame {
    const registered = this.#byName.get(type.name);
    if (registered !== undefined && !sameDefinition(registered, type as PayloadType<unknown>)) {
      throw new InputError(
        "invalid_argument",
        `payload type ${type.name} is registered with another definition`,
      );
    }
    if (registered === undefined) assertPayloadType(type as PayloadType<unknown>);
    const body = type.encode(value);
    if (body.length > this.maxBodyBytes) {
      throw new ProtocolError(
        "too_large",
        `${type.name} body is ${body.length} bytes, over the ${this.maxBodyBytes}-byte limit`,
      );
    }
    return { type: type.wire, typeVersion: type.version, body };
  }

  /**
   * The value in a Frame from a peer. Never throws: an unknown type, a version newer than ours, and a body or
   * name that does not decode all come back as `{ kind: "unsupported", reason, typeName, version }`.
   *
   * @example
   * const r = registry.decode(frame);
   * if (r.kind === "unsupported") console.log(`cannot read ${r.typeName} v${r.version}: ${r.reason}`);
   */
  decode(frame: Frame): DecodeResult {
    const { typeVersion: version } = frame;
    const type = this.#byWire.get(frame.type);
    const typeName = type?.name ?? printable(frame.type);
    const unsupported = (reason: UnsupportedPayload["reason"], error?: unknown): UnsupportedPayload =>
      error === undefined
        ? { kind: "unsupported", typeName, version, reason }
        : { kind: "unsupported", typeName, version, reason, error };
    if (!Number.isInteger(version) || version < 1) {
      return unsupported("malformed", new ProtocolError("malformed", `${typeName}: type version ${version}`));
    }
    if (type === undefined) {
      const validName =
        typeof frame.type === "string" ? isCustomTypeName(frame.type) : Number.isInteger(frame.type);
      return validName
        ? unsupported("unknown_type")
        : unsupported("malformed", new ProtocolError("malformed", `invalid payload type name ${typeName}`));
    }
    if (version > type.version) return unsupported("newer_version");
    try {
      return { kind: "ok", type, value: type.decode(frame.body, version), version };
    } catch (error) {
      return unsupported("malformed", error);
    }
  }
}

function sameDefinition(a: PayloadType<unknown>, b: PayloadType<unknown>): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.wire === b.wire &&
      a.version === b.version &&
      a.encode === b.encode &&
      a.decode === b.decode)
  );
}

/** A type id from the wire as a short, printable name: peers choose these strings. */
function printable(type: number | string): string {
  if (typeof type === "number") return String(type);
  const safe = type.replace(/[^\x20-\x7e]/g, "?");
  return safe.length > MAX_TYPE_NAME ? `${safe.slice(0, MAX_TYPE_NAME)}…` : safe;
}
