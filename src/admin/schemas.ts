/** @module The admin API's request and response shapes as zod schemas: they validate input and are the source of `/openapi.json`, so the document cannot drift from the code. */
import { z } from "@hono/zod-openapi";
import { EVENT_TYPES } from "./events.ts";

const ms = (what: string) =>
  z
    .number()
    .int()
    .openapi({ description: `${what}, ms since the Unix epoch` });

/** Every error answer: `{ "error": { "code", "message" } }` (codes in docs/admin.md §Errors). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_argument" }),
      message: z.string(),
    }),
  })
  .openapi("Error");

export const Account = z
  .object({
    account: z.string().openapi({ example: "wb1qv…" }),
    peerId: z.string().nullable(),
    multiaddrs: z.array(z.string()),
    pubsubTopics: z.array(z.string()),
    invite: z.string().openapi({ description: "The bot's standing invite (not tracked, not revocable)" }),
  })
  .openapi("Account");

export const InviteRequest = z
  .object({
    singleUse: z.boolean().optional().openapi({ description: "Starts one conversation only" }),
    expiresInSeconds: z
      .number()
      .int()
      .min(1)
      .max(366 * 86_400)
      .optional(),
    label: z.string().min(1).max(64).optional().openapi({ description: "Private note, not in the link" }),
    name: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Display name carried in the link (≤ 64 bytes)" }),
  })
  .strict()
  .openapi("InviteRequest");

export const Invite = z
  .object({
    id: z.number().int(),
    label: z.string().nullable(),
    singleUse: z.boolean(),
    status: z.enum(["active", "used", "expired", "revoked"]),
    uses: z.number().int(),
    createdAt: ms("Created"),
    expiresAt: ms("Expiry").nullable(),
    revokedAt: ms("Revoked").nullable(),
  })
  .openapi("Invite");

export const CreatedInvite = Invite.extend({
  invite: z.string().openapi({ example: "wb:AQ…" }),
}).openapi("CreatedInvite");

export const InviteList = z.object({ invites: z.array(Invite) }).openapi("InviteList");

export const Quota = z
  .object({
    limit: z.number().int(),
    reserve: z.number().int(),
    criticalCap: z.number().int(),
    used: z.number().int(),
    remaining: z.number().int(),
    criticalUsed: z.number().int(),
    state: z.enum(["available", "low", "exhausted"]),
    epoch: z.number().int(),
    epochSeconds: z.number().int(),
    epochEndsAt: ms("End of the epoch"),
    queued: z.object({
      critical: z.number().int(),
      normal: z.number().int(),
      optional: z.number().int(),
    }),
    handed: z.number().int().openapi({ description: "Handed to delivery, not yet sent" }),
  })
  .openapi("Quota");

export const Conversation = z
  .object({
    id: z.string().openapi({ example: "cAbCdEfGhIjKlMnOp" }),
    peer: z.string().nullable().openapi({ description: "The peer's account id" }),
    label: z.string().nullable(),
    state: z.string(),
    createdAt: ms("Created"),
    lastMessageAt: ms("Last message").nullable(),
  })
  .openapi("Conversation");

export const ConversationList = z
  .object({ conversations: z.array(Conversation) })
  .openapi("ConversationList");

export const ConnectRequest = z
  .object({ invite: z.string().min(1).max(2048) })
  .strict()
  .openapi("ConnectRequest");

export const Priority = z.enum(["critical", "normal", "optional"]).openapi("Priority");

export const SendRequest = z
  .object({
    text: z.string().max(1_000_000),
    priority: Priority.optional(),
    replyTo: z
      .string()
      .regex(/^c[A-Za-z0-9_-]{16}:[0-9a-f]{16}$/)
      .optional()
      .openapi({ description: "Id of the message this answers" }),
  })
  .strict()
  .openapi("SendRequest");

export const Message = z
  .object({
    id: z.string(),
    conversation: z.string(),
    direction: z.enum(["in", "out"]),
    type: z.string(),
    text: z.string().nullable(),
    status: z
      .string()
      .openapi({ description: "queued, sent, delivered, read, failed (out); received, handled (in)" }),
    error: z.string().nullable(),
    seq: z.number().int().nullable(),
    priority: Priority.nullable(),
    createdAt: ms("Created"),
    sentAt: ms("Sent").nullable(),
    deliveredAt: ms("Delivered").nullable(),
    readAt: ms("Read").nullable(),
    receivedAt: ms("Received").nullable(),
  })
  .openapi("Message");

export const MessageList = z.object({ messages: z.array(Message) }).openapi("MessageList");

export const SentMessage = z
  .object({ id: z.string(), conversation: z.string(), status: z.string() })
  .openapi("SentMessage");

export const EventType = z.enum(EVENT_TYPES).openapi("EventType");

export const Event = z
  .object({
    id: z.number().int().openapi({ description: "Increasing; the SSE id and Last-Event-ID" }),
    type: EventType,
    createdAt: ms("Recorded"),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("Event");

export const EventList = z.object({ events: z.array(Event) }).openapi("EventList");

export const WebhookRequest = z
  .object({
    url: z
      .string()
      .url()
      .max(2048)
      .refine((u) => /^https?:\/\//i.test(u), "http or https only"),
    events: z.array(EventType).max(EVENT_TYPES.length).optional().openapi({ description: "Default: all" }),
  })
  .strict()
  .openapi("WebhookRequest");

export const Webhook = z
  .object({
    id: z.number().int(),
    url: z.string(),
    events: z.array(EventType),
    createdAt: ms("Created"),
  })
  .openapi("Webhook");

export const CreatedWebhook = Webhook.extend({
  secret: z.string().openapi({ description: "HMAC-SHA256 key (hex), shown only in this answer" }),
}).openapi("CreatedWebhook");

export const WebhookList = z.object({ webhooks: z.array(Webhook) }).openapi("WebhookList");

export const Health = z
  .object({ status: z.enum(["ok", "stopping"]), liveConversations: z.number().int() })
  .openapi("Health");

export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 53 - 1)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const ConversationParam = z.object({
  id: z
    .string()
    .regex(/^c[A-Za-z0-9_-]{16}$/)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const MessageParam = z.object({
  id: z
    .string()
    .regex(/^c[A-Za-z0-9_-]{16}:[0-9a-f]{16}$/)
    .openapi({ param: { name: "id", in: "path" }, example: "cAbCdEfGhIjKlMnOp:0123456789abcdef" }),
});

export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const MessagePage = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: "Only messages created before (ms)" }),
});

export const EventQuery = z.object({
  after: z.coerce.number().int().min(0).default(0).openapi({ description: "Events with a larger id" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  types: z
    .string()
    .regex(/^[a-z]+(,[a-z]+)*$/)
    .optional()
    .openapi({ description: "Comma-separated event types (default: all)" }),
});
