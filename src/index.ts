/** @module The public API of the `wakubot` package. */
export {
  ACCOUNT_ID_PREFIX,
  accountIdFromPublicKey,
  accountIdMatches,
  parseAccountId,
} from "./account/account-id.ts";
export {
  generateIdentity,
  type IdentityKeyPair,
  x25519PublicFromIdentity,
  x25519SecretFromIdentity,
} from "./account/identity.ts";
export { hubSignature, signWebhook, verifyHubSignature, verifyWebhook } from "./admin/signature.ts";
export { Bot, type BotEvents, createBot, type ReadyInfo } from "./bot/bot.ts";
export type {
  AwaitableStatus,
  Context,
  Conversation,
  MessageHandle,
  Middleware,
  Sendable,
  Sender,
  SendOptions,
  TextContext,
  Unsupported,
} from "./bot/context.ts";
export type { MessageStatus } from "./bot/ledger.ts";
export type { AdminOptions, BotOptions } from "./bot/options.ts";
export { DEFAULT_RELIABILITY, type Reliability } from "./bot/outbox.ts";
export type { Priority } from "./bot/outbox-store.ts";
export {
  BRIDGE_DB,
  resolveBridgeEnv,
  startWebhookBridge,
  type WebhookBridge,
  type WebhookBridgeOptions,
} from "./bridge/index.ts";
export { DEFAULT_DATA_DIR, resolveDataDir, resolveNodeConfig, resolvePassphrase } from "./config.ts";
export type { CryptoProvider } from "./crypto/provider.ts";
export { defaultProvider, nativeProvider, nobleProvider } from "./crypto/providers.ts";
export type { QuotaInfo } from "./delivery/rate-limit.ts";
export {
  CryptoError,
  ERROR_CODES,
  type ErrorCode,
  InputError,
  NetworkError,
  PassphraseError,
  ProtocolError,
  StorageError,
  WakubotError,
} from "./errors.ts";
export * from "./payloads/index.ts";
export { type Invite, parseInviteLink } from "./protocol/invite.ts";
export type { Frame } from "./protocol/wire.ts";
export { type InviteOptions, type InviteRecord, type Received, SessionStore } from "./sessions/store.ts";
export {
  type CreateDataDirOptions,
  createDataDir,
  type DataDir,
  type OpenDataDirOptions,
  openDataDir,
  readAccountId,
} from "./storage/data-dir.ts";
export { changePassphrase } from "./storage/keyring.ts";
export { DEFAULT_RETENTION, MessageArchive, type RetentionPolicy } from "./waku/archive.ts";
export type { Delivery, DeliveryStatus, MessageHandler, PublishReceipt } from "./waku/delivery.ts";
export { LightDelivery, type LightOptions } from "./waku/light.ts";
export {
  messageHash,
  type RoutedMessage,
  toWakuTimestamp,
  type WakuMessage,
} from "./waku/message.ts";
export {
  type GossipParameters,
  type NodeStats,
  WAKU_GOSSIP,
  WAKUBOT_GOSSIP,
  WakuNode,
  type WakuNodeOptions,
} from "./waku/node.ts";
export type { StoreQuery } from "./waku/store.ts";
export {
  BUCKET_TOPICS,
  bucketOfTag,
  bucketTopic,
  DEFAULT_SHARDING,
  pubsubTopic,
  routeOf,
  type ShardingConfig,
} from "./waku/topics.ts";
