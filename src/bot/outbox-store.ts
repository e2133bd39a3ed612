/** @module The outbox's rows in messages.db: outbound envelopes kept until acknowledged, sequence counters, and the receive-side ack state (F4, R1; docs/delivery.md). */
import { and, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import type { DataDir } from "../storage/data-dir.ts";
import * as m from "../storage/schema/messages.ts";
import { storageErrorFrom } from "../storage/sqlite.ts";

/** Priority of a message (RLM-F4). */
export type Priority = "critical" | "normal" | "optional";

/** An outbound message as the outbox keeps it: the envelope stays until acknowledged or expired. */
export interface OutboundRow {
  readonly id: string;
  readonly conversationId: string;
  /** 0 for untracked messages (optional priority): never resent, never acknowledged. */
  readonly seq: number;
  readonly tag: string;
  readonly payloadType: string;
  readonly payloadVersion: number;
  readonly body: Uint8Array;
  readonly envelope: Uint8Array;
  readonly contentTopic: string;
  readonly priority: Priority;
  readonly createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  readonly expiresAt: number;
}

function run<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw storageErrorFrom(error, "messages.db");
  }
}

/**
 * Reads and writes of the outbox and ack state. Every method is one statement or one transaction.
 *
 * @example
 * const records = new OutboxStore(dir);
 * records.commit([row], inboundId); // the replies and the handled mark together
 */
export class OutboxStore {
  readonly #db: DataDir["messages"];

  constructor(dir: DataDir) {
    this.#db = dir.messages;
  }

  /**
   * Writes outbound rows (status queued) and raises the conversations' `sent_seq`, and marks `handled` (an inbound
   * message id) handled, all in one transaction: a handler's replies exist exactly when its message is handled.
   *
   * @example
   * records.commit(rows, "cAbc:0123456789abcdef");
   */
  commit(rows: readonly OutboundRow[], handled?: string): void {
    run(() =>
      this.#db.transaction((tx) => {
        for (const r of rows) {
          tx.insert(m.messages)
            .values({
              id: r.id,
              conversationId: r.conversationId,
              direction: "out",
              payloadType: r.payloadType,
              payloadVersion: r.payloadVersion,
              body: Buffer.from(r.body),
              status: "queued",
              createdAt: r.createdAt,
              seq: r.seq || null,
              tag: r.tag,
              envelope: Buffer.from(r.envelope),
              contentTopic: r.contentTopic,
              priority: r.priority,
              attempts: r.attempts,
              nextAttemptAt: r.nextAttemptAt,
              expiresAt: r.expiresAt,
            })
            .run();
          if (r.seq) {
            tx.update(m.conversations)
              .set({ sentSeq: sql`max(${m.conversations.sentSeq}, ${r.seq})` })
              .where(eq(m.conversations.id, r.conversationId))
              .run();
          }
        }
        if (handled) {
          tx.update(m.messages)
            .set({ status: "handled" })
            .where(and(eq(m.messages.id, handled), eq(m.messages.status, "received")))
            .run();
        }
      }),
    );
  }

  /** Outbound rows still holding an envelope (not acknowledged, not expired), oldest first. */
  outstanding(): OutboundRow[] {
    return run(() =>
      this.#db
        .select()
        .from(m.messages)
        .where(and(eq(m.messages.direction, "out"), isNotNull(m.messages.envelope)))
        .orderBy(m.messages.conversationId, m.messages.seq)
        .all(),
    ).map((r) => ({
      id: r.id,
      conversationId: r.conversationId,
      seq: r.seq ?? 0,
      tag: r.tag ?? "",
      payloadType: r.payloadType,
      payloadVersion: r.payloadVersion,
      body: new Uint8Array(r.body),
      envelope: new Uint8Array(r.envelope as Buffer),
      contentTopic: r.contentTopic ?? "",
      priority: r.priority ?? "normal",
      createdAt: r.createdAt,
      attempts: r.attempts,
      nextAttemptAt: r.nextAttemptAt ?? r.createdAt,
      expiresAt: r.expiresAt ?? Number.MAX_SAFE_INTEGER,
    }));
  }

  /** Highest seq given out in a conversation. */
  sentSeq(conversationId: string): number {
    return run(
      () =>
        this.#db
          .select({ n: m.conversations.sentSeq })
          .from(m.conversations)
          .where(eq(m.conversations.id, conversationId))
          .get()?.n ?? 0,
    );
  }

  /** The receive side: cumulative ack and committed seqs above it. */
  inbound(conversationId: string): { ack: number; above: number[] } {
    return run(() => {
      const ack =
        this.#db
          .select({ n: m.conversations.recvAck })
          .from(m.conversations)
          .where(eq(m.conversations.id, conversationId))
          .get()?.n ?? 0;
      const above = this.#db
        .select({ seq: m.messages.seq })
        .from(m.messages)
        .where(
          and(
            eq(m.messages.conversationId, conversationId),
            eq(m.messages.direction, "in"),
            gt(m.messages.seq, ack),
          ),
        )
        .all()
        .map((r) => r.seq as number);
      return { ack, above };
    });
  }

  /** First successful publish: status sent. */
  markSent(id: string, now: number): boolean {
    return (
      run(() =>
        this.#db
          .update(m.messages)
          // Untracked messages (no seq) are never resent: their envelope goes once they are out.
          .set({
            status: "sent",
            sentAt: now,
            envelope: sql`case when ${m.messages.seq} is null then null else ${m.messages.envelope} end`,
          })
          .where(and(eq(m.messages.id, id), eq(m.messages.status, "queued")))
          .returning({ id: m.messages.id })
          .all(),
      ).length > 0
    );
  }

  /** Acknowledged: delivered, envelope dropped. Returns the ids that changed. */
  markDelivered(ids: readonly string[], now: number): string[] {
    if (ids.length === 0) return [];
    return run(() =>
      this.#db
        .update(m.messages)
        .set({ status: "delivered", deliveredAt: now, envelope: null })
        .where(and(inArray(m.messages.id, ids), inArray(m.messages.status, ["queued", "sent"])))
        .returning({ id: m.messages.id })
        .all()
        .map((r) => r.id),
    );
  }

  /** Read receipts: outbound messages of the conversation with these tags become read. */
  markRead(conversationId: string, tags: readonly string[], now: number): string[] {
    if (tags.length === 0) return [];
    return run(() =>
      this.#db
        .update(m.messages)
        .set({ status: "read", readAt: now, envelope: null })
        .where(
          and(
            eq(m.messages.conversationId, conversationId),
            eq(m.messages.direction, "out"),
            inArray(m.messages.tag, tags),
            inArray(m.messages.status, ["queued", "sent", "delivered"]),
          ),
        )
        .returning({ id: m.messages.id })
        .all()
        .map((r) => r.id),
    );
  }

  /** A resend went out (or is scheduled): attempts and next due time. */
  recordAttempt(id: string, attempts: number, nextAttemptAt: number): void {
    run(() =>
      this.#db.update(m.messages).set({ attempts, nextAttemptAt }).where(eq(m.messages.id, id)).run(),
    );
  }

  /** Ends a message that cannot go: failed (expired) or dropped; the envelope is dropped. */
  finish(id: string, status: "failed" | "dropped", error: string): boolean {
    return (
      run(() =>
        this.#db
          .update(m.messages)
          .set({ status, error, envelope: null })
          .where(and(eq(m.messages.id, id), inArray(m.messages.status, ["queued", "sent"])))
          .returning({ id: m.messages.id })
          .all(),
      ).length > 0
    );
  }
}
