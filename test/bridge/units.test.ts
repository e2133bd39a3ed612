/**
 * The bridge's parts on their own: the chat text of a webhook body (summary), chat command parsing, the
 * `WEBHOOK_BRIDGE_*` environment, and bridge.db (dedupe, owed forwards, unsubscribe, prune, reopen, lock).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { answer, parseCommand } from "../../src/bridge/commands.ts";
import { parseListen, resolveBridgeEnv } from "../../src/bridge/options.ts";
import { BridgeStore } from "../../src/bridge/store.ts";
import { summarize, webhookText } from "../../src/bridge/summary.ts";
import { InputError, StorageError } from "../../src/errors.ts";
import { expectCode } from "../support/errors.ts";
import { tempDir } from "../support/tmp.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const json = (v: unknown) => bytes(JSON.stringify(v));

describe("webhookText", () => {
  test("text, message and title win in that order; GitHub-style events name repository and action", () => {
    expect(webhookText("ci", json({ text: "t", message: "m", title: "x" }))).toBe("[ci] t");
    expect(summarize(json({ message: "m", title: "x" }))).toBe("m");
    expect(summarize(json({ title: "  spaced  " }))).toBe("spaced");
    expect(summarize(json({ text: 5, message: { nested: true }, title: "x" }))).toBe("x");
    const repository = { full_name: "octo/app" };
    expect(summarize(json({ action: "created", repository }))).toBe("octo/app: created");
    expect(summarize(json({ action: "closed", issue: { number: 3, title: "Crash" }, repository }))).toBe(
      "octo/app: issue #3 closed: Crash",
    );
    expect(summarize(json({ action: "published", release: { tag_name: "v1.2" }, repository }))).toBe(
      "octo/app: release v1.2 published",
    );
    expect(
      summarize(
        json({
          ref: "refs/heads/main",
          commits: [{}, {}],
          head_commit: { message: "Fix\n\nbody" },
          repository,
        }),
      ),
    ).toBe("octo/app: push to main, 2 commits: Fix");
    expect(summarize(json({ zen: "Keep it simple.", repository }))).toBe("octo/app");
  });

  test("anything else is the raw body, trimmed, at most 2,000 characters", () => {
    expect(summarize(bytes("plain text\n"))).toBe("plain text");
    expect(summarize(json({ other: 1 }))).toBe('{"other":1}');
    expect(summarize(json([1, 2]))).toBe("[1,2]");
    expect(summarize(bytes("{not json"))).toBe("{not json");
    expect(summarize(new Uint8Array())).toBe("(empty body)");
    expect(summarize(bytes("é".repeat(2000)))).toBe("é".repeat(2000));
    const long = summarize(bytes("😀".repeat(2001)));
    expect(Array.from(long)).toHaveLength(2000);
    expect(long.endsWith("😀…")).toBe(true);
    expect(summarize(json({ text: "z".repeat(5000) }))).toBe(`${"z".repeat(1999)}…`);
    expect(summarize(new Uint8Array([0xff, 0x41]))).toBe("\ufffdA");
  });
});

describe("parseCommand and answer", () => {
  test("commands and their sources", () => {
    expect(parseCommand("/subscribe ci")).toEqual({ kind: "subscribe", source: "ci" });
    expect(parseCommand("  /UNSUBSCRIBE  deploy_1-a ")).toEqual({
      kind: "unsubscribe",
      source: "deploy_1-a",
    });
    expect(parseCommand("/subscriptions")).toEqual({ kind: "subscriptions" });
    expect(parseCommand("/help")).toEqual({ kind: "help" });
    for (const text of [
      "/subscribe",
      "/subscribe CI",
      "/subscribe a b",
      `/subscribe ${"a".repeat(65)}`,
      "hi",
    ]) {
      expect({ text, command: parseCommand(text) }).toEqual({ text, command: undefined });
    }
  });

  test("answers come from the store", () => {
    const store = BridgeStore.open(join(tempDir(), "bridge.db"));
    try {
      expect(answer(store, "c1", "/subscribe ci", 1)).toStartWith("Subscribed to ci");
      expect(answer(store, "c2", "/subscriptions", 1)).toStartWith("No subscriptions");
      for (let i = 1; i < 100; i++) store.subscribe("c1", `s${i}`, 1);
      expect(answer(store, "c1", "/subscribe one-too-many", 1)).toBe(
        "A chat can have at most 100 subscriptions.",
      );
    } finally {
      store.close();
    }
  });
});

describe("environment", () => {
  test("defaults, and a secret is required", () => {
    expect(resolveBridgeEnv({ WEBHOOK_BRIDGE_SECRET: "s".repeat(16) })).toEqual({
      listen: "127.0.0.1:8787",
      secret: "s".repeat(16),
      priority: "normal",
    });
    expect(
      resolveBridgeEnv({
        WEBHOOK_BRIDGE_SECRET: "s".repeat(16),
        WEBHOOK_BRIDGE_LISTEN: "0.0.0.0:0",
        WEBHOOK_BRIDGE_PRIORITY: "critical",
        WEBHOOK_BRIDGE_ALLOW: "wb1a, wb1b",
      }),
    ).toEqual({ listen: "0.0.0.0:0", secret: "s".repeat(16), priority: "critical", allow: ["wb1a", "wb1b"] });
    expectCode(() => resolveBridgeEnv({}), InputError, "invalid_argument");
    expectCode(
      () => resolveBridgeEnv({ WEBHOOK_BRIDGE_SECRET: "s".repeat(15) }),
      InputError,
      "invalid_argument",
    );
    const secret = { WEBHOOK_BRIDGE_SECRET: "s".repeat(16) };
    expectCode(
      () => resolveBridgeEnv({ ...secret, WEBHOOK_BRIDGE_PRIORITY: "high" }),
      InputError,
      "invalid_argument",
    );
    expectCode(
      () => resolveBridgeEnv({ ...secret, WEBHOOK_BRIDGE_LISTEN: "host:99999" }),
      InputError,
      "invalid_argument",
    );
    expect(parseListen("9000")).toEqual({ hostname: "127.0.0.1", port: 9000 });
    expect(parseListen("[::1]:0")).toEqual({ hostname: "::1", port: 0 });
  });
});

describe("BridgeStore", () => {
  const hook = (deliveryId: string, source = "ci") => ({
    source,
    deliveryId,
    priority: "normal" as const,
    text: `[${source}] ${deliveryId}`,
    bodyBytes: 2,
  });

  test("accept snapshots the subscribers; duplicates, unsubscribe, handed, prune and reopen", () => {
    const path = join(tempDir(), "sub", "bridge.db");
    const store = BridgeStore.open(path);
    store.subscribe("c2", "ci", 1);
    store.subscribe("c1", "ci", 1);
    const a = store.accept(hook("a"), 10);
    expect(a).toEqual({ id: 1, duplicate: false, forwards: 2 });
    expect(store.accept(hook("a"), 11)).toEqual({ id: 1, duplicate: true, forwards: 0 });
    expect(store.accept(hook("n", "nobody"), 12)).toEqual({ id: 2, duplicate: false, forwards: 0 });
    expect(store.webhook("nobody", "n")?.forwardedAt).toBe(12);
    store.subscribe("c3", "ci", 13); // after "a": it is not owed "a"
    expect(store.pendingForwards(10).map((f) => [f.webhookId, f.conversationId])).toEqual([
      [1, "c1"],
      [1, "c2"],
    ]);

    store.handed(1, "c1", "c1:00", 20);
    expect(store.webhook("ci", "a")?.forwardedAt).toBeNull();
    // Unsubscribing drops what was still owed, which completes the webhook.
    expect(store.unsubscribe("c2", "ci", 21)).toBe(true);
    expect(store.webhook("ci", "a")).toMatchObject({
      forwardedAt: 21,
      forwards: [{ conversationId: "c1", handedAt: 20, messageId: "c1:00" }],
    });
    store.accept(hook("b"), 30);
    expect(store.forgetConversation("c3", 31)).toBe(1);
    expect(store.webhook("ci", "b")?.forwards).toEqual([
      { conversationId: "c1", handedAt: null, messageId: null },
    ]);
    store.close();

    // Reopened: everything is still there; a second opener is refused while it is open.
    const again = BridgeStore.open(path);
    try {
      expectCode(() => BridgeStore.open(path), StorageError, "data_dir_locked");
      expect(again.subscriptionsOf("c1")).toEqual(["ci"]);
      expect(again.pendingForwards(10).map((f) => f.webhookId)).toEqual([3]);
      // Only forwarded rows older than the cut are pruned; then their delivery ids are forgotten.
      expect(again.prune(22)).toBe(2);
      expect(again.webhookCount()).toBe(1);
      expect(again.accept(hook("a"), 40).duplicate).toBe(false);
      expect(again.accept(hook("a"), 40).id).toBe(4); // AUTOINCREMENT: ids are not reused
    } finally {
      again.close();
    }
    expect(() => again.webhookCount()).toThrow();
  });
});
