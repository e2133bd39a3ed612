/** @module JSON payload types in a few lines (F5): the quick way for bot authors to add and evolve a custom type. */
import { InputError, ProtocolError } from "../errors.ts";
import { utf8Bytes, utf8Text } from "./bytes.ts";
import { definePayload, type PayloadType } from "./type.ts";

/**
 * Options of `jsonPayload`.
 *
 * @example
 * const options: JsonPayloadOptions<Poll, "vote", "poll"> = { namespace: "vote", name: "poll", validate: toPoll };
 */
export interface JsonPayloadOptions<T, NS extends string, NM extends string> {
  /** First name segment: lowercase `[a-z0-9-]`. */
  readonly namespace: NS;
  /** Second name segment: lowercase `[a-z0-9-]`; `namespace/name` is at most 64 characters. */
  readonly name: NM;
  /** The version this code writes; defaults to 1. Raise it when the shape changes incompatibly. */
  readonly version?: number;
  /**
   * Turns a value written at an older `fromVersion` (1 … version − 1) into the current shape. Without it, older
   * bodies are taken as they are: right for additive changes (a new optional field), wrong otherwise.
   */
  readonly upgrade?: (old: unknown, fromVersion: number) => T;
  /**
   * Checks (and may normalise) a parsed value; throw on anything that is not a `T`. Runs on every decoded value
   * (after `upgrade`) and, on send, on the JSON round trip of the value, so a peer never receives what it would
   * refuse. Without it the parsed JSON is trusted as a `T`: fine for trusted peers, not for public bots.
   */
  readonly validate?: (value: unknown) => T;
}

/**
 * A custom payload type whose body is the UTF-8 JSON text of the value. Encoding throws `InputError
 * invalid_argument` for values JSON cannot carry (undefined, BigInt, cycles) or that `validate` refuses; decoding
 * throws `ProtocolError malformed` for invalid UTF-8, invalid JSON, or a value `validate` (or `upgrade`) refuses.
 *
 * @example
 * interface Order { sku: string; qty: number }
 * const order = jsonPayload<Order>({ namespace: "shop", name: "order" });
 * registry.register(order);
 * const frame = registry.encode(order, { sku: "A-1", qty: 2 });
 *
 * @example
 * // Version 2 renames `qty` to `quantity`; v1 bodies from old peers are upgraded.
 * interface OrderV2 { sku: string; quantity: number }
 * const orderV2 = jsonPayload<OrderV2>({
 *   namespace: "shop", name: "order", version: 2,
 *   upgrade: (old) => {
 *     const o = old as { sku: string; qty: number };
 *     return { sku: o.sku, quantity: o.qty };
 *   },
 *   validate: (v) => {
 *     const o = v as OrderV2;
 *     if (typeof o?.sku !== "string" || !Number.isInteger(o.quantity)) throw new Error("not an order");
 *     return o;
 *   },
 * });
 */
export function jsonPayload<T, const NS extends string = string, const NM extends string = string>(
  options: JsonPayloadOptions<T, NS, NM>,
): PayloadType<T, `${NS}/${NM}`> {
  const { namespace, name, version = 1, upgrade, validate } = options;
  const full = `${namespace}/${name}`;
  const check = validate ?? ((v: unknown) => v as T);
  return definePayload<T, NS, NM>({
    namespace,
    name,
    version,
    encode(value) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch (cause) {
        throw new InputError("invalid_argument", `${full}: value is not JSON-serialisable`, { cause });
      }
      if (json === undefined) throw new InputError("invalid_argument", `${full}: value has no JSON form`);
      if (validate) {
        try {
          validate(JSON.parse(json));
        } catch (cause) {
          throw new InputError("invalid_argument", `${full}: value refused by validate: ${message(cause)}`, {
            cause,
          });
        }
      }
      return utf8Bytes(json, full);
    },
    decode(body, v) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(utf8Text(body, full));
      } catch (cause) {
        if (cause instanceof ProtocolError) throw cause;
        throw new ProtocolError("malformed", `${full} v${v} body is not JSON`, { cause });
      }
      try {
        return check(v < version && upgrade ? upgrade(parsed, v) : parsed);
      } catch (cause) {
        throw new ProtocolError("malformed", `${full} v${v} body refused: ${message(cause)}`, { cause });
      }
    },
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
