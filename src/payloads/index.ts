/** @module Public entry point of the payload type registry (F5, S2): built-ins, custom types, the registry. */
export {
  MAX_REACTION_BYTES,
  MAX_RECEIPT_IDS,
  type Reaction,
  type Receipt,
  type Reply,
  reaction,
  receipt,
  reply,
  text,
} from "./builtin.ts";
export { isMessageId, MESSAGE_ID_BYTES } from "./bytes.ts";
export { type FileRef, file, MAX_FILE_FIELD_BYTES, MAX_FILE_URL_BYTES } from "./file.ts";
export { type JsonPayloadOptions, jsonPayload } from "./json.ts";
export {
  BUILTIN_PAYLOADS,
  type BuiltinPayloads,
  DEFAULT_MAX_BODY_BYTES,
  type DecodedPayload,
  type DecodeResult,
  isPayload,
  PayloadRegistry,
  type RegistryOptions,
  type UnsupportedPayload,
} from "./registry.ts";
export {
  BUILTIN_WIRE,
  type BuiltinName,
  definePayload,
  isCustomTypeName,
  MAX_TYPE_NAME,
  MAX_TYPE_VERSION,
  type PayloadDefinition,
  type PayloadType,
  type PayloadValue,
} from "./type.ts";
