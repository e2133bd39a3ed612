/** @module What the bot runtime reads and writes in messages.db besides the session layer: conversations and their app state, unhandled inbound messages, the Store catch-up checkpoint. */
import { and, eq, sql } from "drizzle-orm";
import { Statements } from "../delivery/statements.ts";
import type { DataDir } from "../storage/data-dir.ts";
import * as m from "../storage/schema/messages.ts";
import { storageErrorFrom } from "../storage/sqlite.ts";

/** Outbound and inbound message statuses (docs/ARCHITECTURE.md). */
export type MessageStatus = (typeof m.MESSAGE_STATUSES)[number];

/** A conversation row as the runtime needs it. */
export interface ConversationRow {
  readonly id: string;
  readonly peerAccountId: string | null;
  readonly label: string | null;
  readonly state: (typeof m.CONVERSATION_STATES)[number];
  /** In resync: when its schedule ends (docs/delivery.md §Resync). */
  readonly resyncUntil: number | null;
}

const CHECKPOINT = "inbound_checkpoint_ms";

/**
 * The runtime's view of messages.db.
 *
 * @example
 * const ledger = new Ledger(dir);
 * for (const row of ledger.unhandled()) dispatch(row);
 */
export class Ledger {
  readonly #db: DataDir["messages"];
  readonly #sql: Statements;

  constructor(dir: DataDir) {
    this.#db = dir.messages;
    this.#sql = new Statements(dir.messages);
  }

  #run<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storageErrorFrom(error, "messages.db");
    }
  }

  /**
   * Inbound messages committed but not yet handled (a crash came between commit and handler), oldest first.
   *
   * @example
   * for (const row of ledger.unhandled()) dispatch(row);
   */
  unhandled(): (typeof m.messages.$inferSelect)[] {
    return this.#run(() =>
      this.#db
        .select()
        .from(m.messages)
        .where(and(eq(m.messages.direction, "in"), eq(m.messages.status, "received")))
        .orderBy(m.messages.createdAt)
        .all(),
    );
  }

  /** One conversation, or undefined. Read several times per message: a prepared statement. */
  conversation(id: string): ConversationRow | undefined {
    const row = this.#run(() =>
      this.#sql
        .q(
          `select id, peer_account_id as peerAccountId, label, state, resync_until as resyncUntil
           from conversations where id = ?`,
        )
        .get(id),
    );
    return (row ?? undefined) as ConversationRow | undefined;
  }

  /**
   * Writes a conversation's lifecycle state (from its actor), with the end of its resync schedule when in resync.
   *
   * @example
   * ledger.setConversationState(id, "resync", Date.now() + 90_000);
   */
  setConversationState(
    id: string,
    state: (typeof m.CONVERSATION_STATES)[number],
    resyncUntil?: number,
  ): void {
    this.#run(() =>
      this.#sql
        .q("update conversations set state = ?, resync_until = ?, updated_at = ? where id = ?")
        .run(state, state === "resync" ? (resyncUntil ?? null) : null, Date.now(), id),
    );
  }

  /**
   * A conversation's application state, or undefined if none was set.
   *
   * @example
   * const cart = ledger.appState<Cart>(id) ?? { lines: {} };
   */
  appState<T>(conversationId: string): T | undefined {
    const row = this.#run(() =>
      this.#db
        .select({ value: m.conversationState.value })
        .from(m.conversationState)
        .where(eq(m.conversationState.conversationId, conversationId))
        .get(),
    );
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  /**
   * Replaces a conversation's application state (JSON-serialisable), or clears it with undefined.
   *
   * @example
   * ledger.setAppState(id, { lines: { apple: 2 } });
   */
  setAppState(conversationId: string, value: unknown): void {
    if (value === undefined) {
      this.#run(() =>
        this.#db
          .delete(m.conversationState)
          .where(eq(m.conversationState.conversationId, conversationId))
          .run(),
      );
      return;
    }
    const json = JSON.stringify(value);
    const now = Date.now();
    this.#run(() =>
      this.#db
        .insert(m.conversationState)
        .values({ conversationId, value: json, updatedAt: now })
        .onConflictDoUpdate({
          target: m.conversationState.conversationId,
          set: { value: json, updatedAt: now },
        })
        .run(),
    );
  }

  /** Number of conversations. */
  conversationCount(): number {
    return this.#run(() => this.#db.select({ n: sql<number>`count(*)` }).from(m.conversations).get()?.n ?? 0);
  }

  /**
   * Waku time (ms) up to which inbound traffic was processed; the Store catch-up after a restart starts a little
   * before it.
   *
   * @example
   * const since = ledger.checkpoint() ?? Date.now() - 86_400_000;
   */
  checkpoint(): number | undefined {
    const row = this.#run(() =>
      this.#db.select().from(m.syncState).where(eq(m.syncState.key, CHECKPOINT)).get(),
    );
    return row ? Number(row.value) : undefined;
  }

  /** Raises the checkpoint (never lowers it). */
  advanceCheckpoint(ms: number): void {
    const current = this.checkpoint();
    if (current !== undefined && current >= ms) return;
    const now = Date.now();
    this.#run(() =>
      this.#db
        .insert(m.syncState)
        .values({ key: CHECKPOINT, value: String(Math.trunc(ms)), updatedAt: now })
        .onConflictDoUpdate({
          target: m.syncState.key,
          set: { value: String(Math.trunc(ms)), updatedAt: now },
        })
        .run(),
    );
  }
}
