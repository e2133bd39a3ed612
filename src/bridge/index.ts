/** @module The webhook-to-chat bridge (D5, docs/webhook-bridge.md): everything a bot program needs to run one. */
export { type BridgeAppDeps, createBridgeApp } from "./app.ts";
export { startWebhookBridge, type WebhookBridge } from "./bridge.ts";
export { answer, type BridgeCommand, HELP_TEXT, parseCommand } from "./commands.ts";
export { Forwarder, type ForwarderDeps, type ForwardSend } from "./forwarder.ts";
export {
  type BridgeEnv,
  type BridgeEnvOptions,
  checkSecret,
  DEFAULT_BRIDGE_LISTEN,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETENTION_MS,
  parseListen,
  parsePriority,
  resolveBridgeEnv,
  SOURCE_PATTERN,
  type WebhookBridgeOptions,
} from "./options.ts";
export { BRIDGE_DB, BridgeStore, type PendingForward, type StoredWebhook } from "./store.ts";
export { MAX_SUMMARY_CHARS, summarize, webhookText } from "./summary.ts";
