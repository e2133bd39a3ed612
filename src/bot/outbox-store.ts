/** @module The outbox's rows in messages.db: outbound envelopes kept until acknowledged, sequence counters, and the receive-side ack state (F4, R1; docs/delivery.md). */
import { and, eq, inArray } from "drizzle-orm";
import { Statements } from "../delivery/statements.ts";
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
  /** How long the peer may hold its ack (announced in the frame); every resend waits this much longer. */
  readonly ackHoldMs: number;
  /** When the first publish went out (null: not yet, or not known). */
  readonly sentAt: number | null;
}

function run<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw storageErrorFrom(error, "messages.db");
  }
}

/**
 * Reads and writes of the outbox and ack state. Every method is one statement or one transaction. The per-message
 * ones run prepared statements: they are on every message's path.
 *
 * @example
 * const records = new OutboxStore(dir);
 * records.commit([row], inboundId); // the replies and the handled mark together
 */
export class OutboxStore {
  readonly #db: DataDir["messages"];
  readonly #sql: Statements;

  constructor(dir: DataDir) {
    this.#db = dir.messages;
    this.#sql = new Statements(dir.messages);
  }

  /**
   * Writes outbound rows (status queued) and raises the conversations' `sent_seq`, and marks `handled` (an inbound
   * message id) handled, all in one transaction: a handler's replies exist exactly when its message is handled.
   *
   * @example
   * records.commit(rows, "cAbc:0123456789abcdef");
   */
  commit(rows: readonly OutboundRow[], handled?: string): void {
    const insert = this.#sql.q(
      `insert into messages (id, conversation_id, direction, payload_type, payload_version, body, status,
        created_at, seq, tag, envelope, content_topic, priority, attempts, next_attempt_at, expires_at, ack_hold_ms)
       values (?, ?, 'out', ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const raise = this.#sql.q("update conversations set sent_seq = max(sent_seq, ?) where id = ?");
    const mark = this.#sql.q("update messages set status = 'handled' where id = ? and status = 'received'");
    run(() =>
      this.#sql.transaction(() => {
        for (const r of rows) {
          insert.run(
            r.id,
            r.conversationId,
            r.payloadType,
            r.payloadVersion,
            r.body,
            r.createdAt,
            r.seq || null,
            r.tag,
            r.envelope,
            r.contentTopic,
            r.priority,
            r.attempts,
            r.nextAttemptAt,
            r.expiresAt,
            r.ackHoldMs,
          );
          if (r.seq) raise.run(r.seq, r.conversationId);
        }
        if (handled) mark.run(handled);
      }),
    );
  }

  /**
   * Outbound rows still holding an envelope (not acknowledged, not expired), oldest first. Literal SQL, so that a
   * partial index on `(conversation_id, seq) where direction = 'out' and envelope is not null` can serve it.
   */
  outstanding(): OutboundRow[] {
    type Row = {
      id: string;
      conversationId: string;
      seq: number | null;
      tag: string | null;
      payloadType: string;
      payloadVersion: number;
      body: Uint8Array;
      envelope: Uint8Array;
      contentTopic: string | null;
      priority: Priority | null;
      createdAt: number;
      attempts: number;
      nextAttemptAt: number | null;
      expiresAt: number | null;
      ackHoldMs: number;
      sentAt: number | null;
    };
    const rows = run(
      () =>
        this.#sql
          .q(
            `select id, conversation_id as conversationId, seq, tag, payload_type as payloadType,
               payload_version as payloadVersion, body, envelope, content_topic as contentTopic, priority,
               created_at as createdAt, attempts, next_attempt_at as nextAttemptAt, expires_at as expiresAt,
               ack_hold_ms as ackHoldMs, sent_at as sentAt
             from messages where direction = 'out' and envelope is not null order by conversation_id, seq`,
          )
          .all() as Row[],
    );
    return rows.map((r) => ({
      id: r.id,
      conversationId: r.conversationId,
      seq: r.seq ?? 0,
      tag: r.tag ?? "",
      payloadType: r.payloadType,
      payloadVersion: r.payloadVersion,
      body: new Uint8Array(r.body),
      envelope: new Uint8Array(r.envelope),
      contentTopic: r.contentTopic ?? "",
      priority: r.priority ?? "normal",
      createdAt: r.createdAt,
      attempts: r.attempts,
      nextAttemptAt: r.nextAttemptAt ?? r.createdAt,
      expiresAt: r.expiresAt ?? Number.MAX_SAFE_INTEGER,
      ackHoldMs: r.ackHoldMs,
      sentAt: r.sentAt,
    }));
  }

  /**
   * What the outbox needs to take up a conversation: the highest seq given out, and the receive side (cumulative
   * ack and committed seqs above it).
   *
   * @example
   * const { sentSeq, ack, above } = records.peerState(conversationId);
   */
  peerState(conversationId: string): { sentSeq: number; ack: number; above: number[] } {
    return run(() => {
      const row = this.#sql
        .q("select sent_seq as sentSeq, recv_ack as ack from conversations where id = ?")
        .get(conversationId) as { sentSeq: number; ack: number } | null;
      const ack = row?.ack ?? 0;
      const above = (
        this.#sql
          .q("select seq from messages where conversation_id = ? and direction = 'in' and seq > ?")
          .all(conversationId, ack) as { seq: number }[]
      ).map((r) => r.seq);
      return { sentSeq: row?.sentSeq ?? 0, ack, above };
    });
  }

  /** First successful publish: status sent. Returns the ids that changed (one transaction for a tick's worth). */
  markSent(ids: readonly string[], now: number): string[] {
    if (ids.length === 0) return [];
    // Untracked messages (no seq) are never resent: their envelope goes once they are out.
    const update = this.#sql.q(
      `update messages set status = 'sent', sent_at = ?,
         envelope = case when seq is null then null else envelope end
       where id = ? and status = 'queued'`,
    );
    return run(() => this.#sql.transaction(() => ids.filter((id) => update.run(now, id).changes > 0)));
  }

  /** Acknowledged: delivered, envelope dropped. Returns the ids that changed. */
  markDelivered(ids: readonly string[], now: number): string[] {
    if (ids.length === 0) return [];
    const update = this.#sql.q(
      `update messages set status = 'delivered', delivered_at = ?, envelope = null
       where id = ? and status in ('queued', 'sent')`,
    );
    return run(() => this.#sql.transaction(() => ids.filter((id) => update.run(now, id).changes > 0)));
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
      this.#sql
        .q("update messages set attempts = ?, next_attempt_at = ? where id = ?")
        .run(attempts, nextAttemptAt, id),
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
