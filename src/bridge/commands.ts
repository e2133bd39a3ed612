/** @module The bridge's chat commands — `/subscribe <source>`, `/unsubscribe <source>`, `/subscriptions`, `/help` — parsed and answered against the bridge's store. */
import { SOURCE_PATTERN } from "./options.ts";
import { MAX_SUBSCRIPTIONS } from "./store.ts";

/** A parsed chat command. */
export type BridgeCommand =
  | { readonly kind: "subscribe" | "unsubscribe"; readonly source: string }
  | { readonly kind: "subscriptions" }
  | { readonly kind: "help" };

/** The part of the store commands need. */
export interface SubscriptionStore {
  subscribe(conversationId: string, source: string, now: number): "added" | "exists" | "limit";
  unsubscribe(conversationId: string, source: string, now: number): boolean;
  subscriptionsOf(conversationId: string): string[];
}

/** The answer to `/help` and to anything that is not a command. */
export const HELP_TEXT = [
  "This bot forwards webhooks to this chat.",
  "/subscribe <source> — receive what is posted to /hooks/<source>",
  "/unsubscribe <source> — stop",
  "/subscriptions — list this chat's sources",
  "A source is 1–64 characters of a-z, 0-9, _ and -.",
].join("\n");

/**
 * Parses a chat text: a command, or `undefined` for anything else (including a known command with a missing or
 * malformed source, which `answer` explains).
 *
 * @example
 * parseCommand("/subscribe ci"); // { kind: "subscribe", source: "ci" }
 * parseCommand("hello"); // undefined
 */
export function parseCommand(text: string): BridgeCommand | undefined {
  const [name, ...args] = text.trim().split(/\s+/);
  switch (name?.toLowerCase()) {
    case "/subscribe":
    case "/unsubscribe": {
      const source = args[0];
      if (args.length !== 1 || source === undefined || !SOURCE_PATTERN.test(source)) return undefined;
      return { kind: name.toLowerCase() === "/subscribe" ? "subscribe" : "unsubscribe", source };
    }
    case "/subscriptions":
      return args.length === 0 ? { kind: "subscriptions" } : undefined;
    case "/help":
    case "/start":
      return { kind: "help" };
    default:
      return undefined;
  }
}

/**
 * Runs the command in `text` for a conversation and returns the reply to send: a confirmation, the list, or help.
 *
 * @example
 * answer(store, "cAbC…", "/subscribe ci", Date.now()); // "Subscribed to ci: webhooks posted to /hooks/ci will appear here."
 */
export function answer(store: SubscriptionStore, conversationId: string, text: string, now: number): string {
  const command = parseCommand(text);
  if (!command) {
    const [name, source] = text.trim().split(/\s+/);
    const lower = name?.toLowerCase();
    if (lower === "/subscribe" || lower === "/unsubscribe") {
      return source === undefined
        ? `Usage: ${lower} <source>`
        : `"${source.slice(0, 80)}" is not a source: use 1–64 characters of a-z, 0-9, _ and -.`;
    }
    return HELP_TEXT;
  }
  switch (command.kind) {
    case "subscribe": {
      const outcome = store.subscribe(conversationId, command.source, now);
      if (outcome === "exists") return `Already subscribed to ${command.source}.`;
      if (outcome === "limit") return `A chat can have at most ${MAX_SUBSCRIPTIONS} subscriptions.`;
      return `Subscribed to ${command.source}: webhooks posted to /hooks/${command.source} will appear here.`;
    }
    case "unsubscribe":
      return store.unsubscribe(conversationId, command.source, now)
        ? `Unsubscribed from ${command.source}.`
        : `Not subscribed to ${command.source}.`;
    case "subscriptions": {
      const sources = store.subscriptionsOf(conversationId);
      return sources.length === 0
        ? "No subscriptions. Send /subscribe <source> to add one."
        : `Subscriptions: ${sources.join(", ")}`;
    }
    case "help":
      return HELP_TEXT;
  }
}
