/** @module The bot's outbox: sequence numbers, piggybacked and delayed acks, resends with back-off, flow control, gap detection and repair mode, on top of the rate-limit manager (F4, R1, NET3; docs/delivery.md). */

import { acknowledgedAmong, highestAcknowledged, InboundSeqs } from "../delivery/acks.ts";
import type { StatusChange } from "../delivery/rate-limit.ts";
import { NetworkError } from "../errors.ts";
import { BUILTIN_WIRE } from "../payloads/type.ts";
import type { Frame } from "../protocol/wire.ts";
import type { WakuMessage } from "../waku/message.ts";
import { bucketOfTag, bucketTopic } from "../waku/topics.ts";
import type { OutboundRow, OutboxStore, Priority } from "./outbox-store.ts";

/**
 * Timings and bounds of the delivery guarantees (`createBot({ reliability })`), in ms.
 *
 * @example
 * const fast: Partial<Reliability> = { ackDelayMs: 10, resendAfterMs: 100, maxResendDelayMs: 400 };
 */
export interface Reliability {
  /**
   * An ack that no outgoing message took along goes on its own after this long, but never later than a quarter of
   * `resendAfterMs` (the peer's first resend). Default 2,500.
   */
  readonly ackDelayMs: number;
  /** Least time between two re-acks of duplicates in one conversation. Default 5,000. */
  readonly reAckMs: number;
  /** First resend of an unacknowledged message; later ones double. Default 10,000. */
  readonly resendAfterMs: number;
  /** Longest wait between resends. Default 600,000. */
  readonly maxResendDelayMs: number;
  /** An unacknowledged message fails with `expired` after this long. Default 14 days (the Store retention). */
  readonly expireAfterMs: number;
  /** Most unacknowledged messages per conversation; more wait `queued`. Default 32 (half the tag window). */
  readonly maxInFlight: number;
  /**
   * How long the peer may hold its ack of a handler's reply to it, so that the ack rides on the peer's next
   * message instead of going alone (P1): announced in the reply's frame in whole seconds
   * (`ack_hold_s`, rounded up), and this side's resends of the reply wait as much longer. 0 announces nothing (the
   * peer acks after its own `ackDelayMs`). Default 60,000.
   */
  readonly replyAckHoldMs: number;
}

/**
 * Defaults of {@link Reliability}.
 *
 * @example
 * const r = { ...DEFAULT_RELIABILITY, resendAfterMs: 2000 };
 */
export const DEFAULT_RELIABILITY: Reliability = {
  ackDelayMs: 2_500,
  reAckMs: 5_000,
  resendAfterMs: 10_000,
  maxResendDelayMs: 600_000,
  expireAfterMs: 14 * 24 * 3600_000,
  maxInFlight: 32,
  replyAckHoldMs: 60_000,
};

/** Attempts (first send included) after which a conversation's oldest unacknowledged message puts it in repair. */
const REPAIR_AFTER_ATTEMPTS = 3;
/** Least time between two fast resends of one message asked for by a selective ack. */
const FAST_RESEND_MS = 1_000;
/** Largest factor the resend timeout backs off by while no clean round-trip sample arrives (RFC 6298 §5.5). */
const MAX_BACKOFF = 64;
/** A conversation with nothing outstanding leaves memory after this long without traffic (reloaded on demand). */
const PEER_IDLE_MS = 60_000;
/** Longest ack hold a peer's frame can ask of us; a larger announcement is read as this. */
export const MAX_ACK_HOLD_MS = 600_000;

/** What the outbox reports; the bot turns these into events and statuses. */
export type OutboxEvent =
  | { type: "sent" | "delivered" | "read"; conversation: string; id: string }
  | {
      type: "failed";
      conversation: string;
      id: string;
      code: "expired" | "dropped" | "failed";
      error: unknown;
    }
  /** A publish failed; the message stays and is resent when due (RLM-R1: the delivery layer's error still shows). */
  | { type: "retrying"; conversation: string; id: string; error: unknown }
  | { type: "gap"; conversation: string; missing: number[] }
  | { type: "recovered"; conversation: string; seqs: number[] }
  | { type: "repair"; conversation: string; since: number }
  | { type: "repaired"; conversation: string };

/**
 * What the outbox needs from the bot.
 *
 * @example
 * const hooks: OutboxHooks = { seal: (c, f) => store.seal(c, f), publish: (m, p, id) => rl.push(m, p, id), … };
 */
export interface OutboxHooks {
  readonly seal: (
    conversationId: string,
    frame: Frame,
  ) => { messageId: string; payload: Uint8Array; tag: Uint8Array };
  readonly publish: (message: WakuMessage, priority: Priority, id: string) => void;
  readonly waiting: () => Set<string>;
  readonly setTagWindow: (conversationId: string, repairing: boolean) => void;
  readonly emit: (event: OutboxEvent) => void;
  readonly now: () => number;
  /** Envelopes up to this size go as one Waku message; larger ones are segmented. */
  readonly maxUnsegmentedBytes: number;
}

/** A message to seal and send. */
export interface OutgoingFrame {
  readonly conversationId: string;
  readonly frame: Frame;
  readonly priority: Priority;
  /** A handler's reply to this conversation's peer: it announces {@link Reliability.replyAckHoldMs}. */
  readonly reply?: boolean;
}

/**
 * An outbound row as the outbox follows it. `carries` is the peer's {@link Peer.inboundVersion} when the frame was
 * sealed: its ack fields cover everything owed only if no inbound seq was committed since (-1: loaded from disk).
 */
type Outgoing = OutboundRow & { carries: number };
type Entry = Outgoing & { lastSentAt: number };

interface Peer {
  sentSeq: number;
  readonly unacked: Map<number, Entry>;
  readonly held: Outgoing[];
  readonly inbound: InboundSeqs;
  /** Bumped at every inbound seq committed: tells a frame sealed with the current acks from an older one. */
  inboundVersion: number;
  /** Inbound seqs committed since a frame with their ack went out. */
  owed: number;
  ackTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending ack timer fires. */
  ackDueAt: number;
  lastReAckAt: number;
  /** Last time a frame of the peer was committed (or refused as a copy): the peer is reachable and recognised. */
  heardAt: number;
  /** Highest of our seqs any frame of the peer acknowledged: a frame whose acks are below it was sealed earlier. */
  ackedHighest: number;
  /** Last time anything happened here (eviction of idle conversations). */
  usedAt: number;
  repairing: boolean;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * The outbox of one bot. `send` seals and commits; acks and resends happen by themselves.
 *
 * @example
 * const outbox = new Outbox(dir, hooks, DEFAULT_RELIABILITY);
 * outbox.start();
 * const [id] = outbox.send([{ conversationId, frame, priority: "normal" }]);
 */
export class Outbox {
  readonly #records: OutboxStore;
  readonly #hooks: OutboxHooks;
  readonly #r: Reliability;
  readonly #peers = new Map<string, Peer>();
  /** Publish ids (`<message id>#<attempt>`) handed to the rate-limit manager and not answered yet. */
  readonly #inQueue = new Set<string>();
  /** Untracked frames on their way that carry the current acks of their conversation (see `#publish`). */
  readonly #carriers = new Map<string, { conversationId: string; version: number }>();
  /** Messages whose failed publish was reported and that have not gone out since: reported once, not per attempt. */
  readonly #retrying = new Set<string>();
  /** Messages whose first publish succeeded this tick, marked sent together. */
  readonly #sent: string[] = [];
  #tick: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  /**
   * Smoothed time from first publish to ack (RFC 6298 §2 style, α = 1/8). A resend waits at least 3× this, so a
   * loaded receiver that acks late is not flooded with resends of what it is still working through.
   */
  #srtt = 0;
  /**
   * Resend timeout multiplier (RFC 6298 §5.5): doubled when a resend timer expires, at most once per timeout, and
   * back to 1 at the next clean sample. When a whole burst times out together (a receiver working through a
   * backlog), each message's own doubling would resend all of it at once, round after round, and Karn's rule would
   * discard every sample that comes back. With the shared multiplier the first expiry makes the rest of the burst
   * wait one more timeout, in which the acks of messages sent only once can arrive and set `srtt` to the real
   * round trip.
   */
  #backoff = 1;
  #backedOffAt = 0;

  constructor(records: OutboxStore, hooks: OutboxHooks, reliability: Reliability) {
    this.#records = records;
    this.#hooks = hooks;
    this.#r = reliability;
  }

  /**
   * The conversation's state, loaded on first use. `justCommitted` is an inbound seq whose row is already in the
   * database but not yet noted here: it is left out of the loaded state so that noting it reports its gaps.
   */
  #peer(conversationId: string, justCommitted = 0): Peer {
    let peer = this.#peers.get(conversationId);
    if (!peer) {
      const loaded = this.#records.peerState(conversationId);
      const ack = loaded.ack;
      const above = loaded.above.filter((seq) => seq !== justCommitted);
      peer = {
        sentSeq: loaded.sentSeq,
        unacked: new Map(),
        held: [],
        inbound: new InboundSeqs(ack, above),
        inboundVersion: 0,
        owed: 0,
        ackTimer: undefined,
        ackDueAt: 0,
        lastReAckAt: 0,
        heardAt: 0,
        ackedHighest: 0,
        usedAt: 0,
        repairing: false,
      };
      this.#peers.set(conversationId, peer);
    }
    peer.usedAt = this.#hooks.now();
    return peer;
  }

  /**
   * Resumes after a start: unacknowledged messages come back from messages.db; those never handed to delivery
   * (and not restored by the rate-limit manager) go now, the rest when their resend is due.
   *
   * @example
   * outbox.start();
   */
  start(): void {
    // Publish ids are `<message id>#<attempt>` (segments add `/s<i>`): the messages the manager restored.
    const restored = new Set<string>();
    for (const id of this.#hooks.waiting()) {
      const publishId = id.replace(/\/s\d+$/, "");
      this.#inQueue.add(publishId);
      restored.add(publishId.slice(0, publishId.lastIndexOf("#")));
    }
    for (const stored of this.#records.outstanding()) {
      const row = { ...stored, carries: -1 };
      const peer = this.#peer(row.conversationId);
      if (!row.seq) {
        if (!restored.has(row.id)) this.#publish(row, peer);
        continue;
      }
      // The first publish is not written as an attempt, but its `sent` mark is: its timer resumes from there (a
      // reply the peer holds the ack of is not resent at every restart).
      const sentAt = row.attempts === 0 ? row.sentAt : null;
      if (sentAt !== null) {
        row.attempts = 1;
        row.nextAttemptAt = this.#resendAt(sentAt, 1, row.ackHoldMs);
      }
      this.#admit(row, peer, restored.has(row.id), sentAt ?? 0);
    }
    const every = Math.max(10, Math.min(1000, Math.floor(this.#r.resendAfterMs / 4)));
    this.#tick = setInterval(() => this.#resendDue(), every);
    this.#tick.unref?.();
  }

  /**
   * Seals frames in order (tracked ones get the next seq; all carry the current ack), commits their rows together
   * with `handled`'s handled mark, and publishes them. Returns the message ids.
   *
   * @example
   * const ids = outbox.send(replies, inboundMessageId);
   */
  send(items: readonly OutgoingFrame[], handled?: string): string[] {
    const now = this.#hooks.now();
    const rows: Outgoing[] = [];
    const seqs = new Map<string, number>();
    for (const item of items) {
      const peer = this.#peer(item.conversationId);
      const tracked = item.priority !== "optional";
      const seq = tracked ? (seqs.get(item.conversationId) ?? peer.sentSeq) + 1 : 0;
      if (tracked) seqs.set(item.conversationId, seq);
      // Whole seconds on the wire (two bytes for up to 127 s, P1); the resend timer waits what was announced. Not
      // on a message that fills our window: the ones behind it wait for its ack.
      const inFlight = peer.unacked.size + peer.held.length + (seq - peer.sentSeq);
      const hold = tracked && item.reply && inFlight < this.#r.maxInFlight;
      const ackHoldSeconds = hold ? Math.ceil(this.#r.replyAckHoldMs / 1000) : 0;
      const ackHoldMs = ackHoldSeconds * 1000;
      const frame: Frame = {
        ...item.frame,
        ...peer.inbound.fields(),
        ...(seq ? { seq } : {}),
        ...(ackHoldSeconds ? { ackHoldSeconds } : {}),
      };
      const sealed = this.#hooks.seal(item.conversationId, frame);
      rows.push({
        id: sealed.messageId,
        conversationId: item.conversationId,
        seq,
        tag: hex(sealed.tag),
        payloadType: String(frame.type),
        payloadVersion: frame.typeVersion,
        body: frame.body,
        envelope: sealed.payload,
        contentTopic: bucketTopic(bucketOfTag(sealed.tag)),
        priority: item.priority,
        createdAt: now,
        attempts: 0,
        nextAttemptAt: now,
        expiresAt: now + this.#r.expireAfterMs,
        ackHoldMs,
        sentAt: null,
        carries: peer.inboundVersion,
      });
    }
    // Commit first: a crash after it republishes from messages.db; a crash before it never happened.
    this.#records.commit(rows, handled);
    for (const [conversationId, seq] of seqs) this.#peer(conversationId).sentSeq = seq;
    // Published after the caller has the ids: a status (a drop) may come back synchronously.
    queueMicrotask(() => {
      for (const row of rows) {
        const peer = this.#peer(row.conversationId);
        if (row.seq) this.#admit(row, peer, false);
        else this.#publish(row, peer);
      }
    });
    return rows.map((r) => r.id);
  }

  /** Tracked row: in flight if the window allows, else held until acks free a slot. */
  #admit(row: Outgoing, peer: Peer, alreadyQueued: boolean, lastSentAt = 0): void {
    if (peer.unacked.size >= this.#r.maxInFlight) {
      peer.held.push(row);
      return;
    }
    peer.unacked.set(row.seq, { ...row, lastSentAt });
    if (alreadyQueued) return;
    if (row.attempts === 0 || row.nextAttemptAt <= this.#hooks.now()) this.#publish(row, peer);
  }

  #publish(row: Outgoing, peer: Peer): void {
    if (this.#closed) return;
    const now = this.#hooks.now();
    const entry = peer.unacked.get(row.seq);
    const attempts = row.attempts + 1;
    const next = this.#resendAt(now, attempts, row.ackHoldMs);
    if (entry && row.seq) {
      entry.attempts = attempts;
      entry.nextAttemptAt = next;
      entry.lastSentAt = now;
      // The first attempt is not written: after a crash a row still at 0 attempts goes again at once, which only
      // repeats a publish the receiver refuses as a copy; one commit less per message.
      if (attempts > 1) this.#records.recordAttempt(row.id, attempts, next);
    }
    const id = `${row.id}#${attempts}`;
    this.#inQueue.add(id);
    // The Waku timestamp is stamped when the rate-limit manager hands the message to delivery.
    // Resends are repair traffic, critical (docs/rate-limit.md) — except segmented ones, whose batch may be larger
    // than the critical cap.
    const repair = attempts > 1 && row.envelope.length <= this.#hooks.maxUnsegmentedBytes;
    this.#hooks.publish(
      { payload: row.envelope, contentTopic: row.contentTopic, timestamp: 0n },
      repair ? "critical" : row.priority,
      id,
    );
    // A tracked frame sealed with the current acks carries them (and is resent until acknowledged): nothing more
    // is owed unless more arrives. A resend or a held frame carries older acks and settles nothing.
    if (row.seq && row.carries === peer.inboundVersion) this.#acked(peer);
    // An untracked frame (a read receipt) is never resent, but once published it is as good a carrier as an
    // ack-only frame, which is not resent either: the ack is paid when it is out, unless more arrived meanwhile.
    else if (!row.seq && peer.ackTimer && row.carries === peer.inboundVersion) {
      this.#carriers.set(row.id, { conversationId: row.conversationId, version: row.carries });
    }
  }

  /** A frame with the current ack fields left: the owed ack is paid. */
  #acked(peer: Peer): void {
    peer.owed = 0;
    if (peer.ackTimer) {
      clearTimeout(peer.ackTimer);
      peer.ackTimer = undefined;
    }
  }

  /**
   * A status from the rate-limit manager for one of our publishes.
   *
   * @example
   * rl.onStatus((c) => outbox.onStatus(c));
   */
  onStatus(change: StatusChange): void {
    if (change.status === "queued" || change.status === "handed") return;
    // Segments report one by one as `<id>#<attempt>/s<i>`; the attempt is what the resend timer checks.
    const publishId = change.id.replace(/\/s\d+$/, "");
    this.#inQueue.delete(publishId);
    const hash = publishId.lastIndexOf("#");
    if (hash < 0 || change.id.startsWith("ack:")) return;
    const id = publishId.slice(0, hash);
    const conversation = id.slice(0, id.indexOf(":"));
    const carrier = this.#carriers.get(id);
    if (carrier) {
      this.#carriers.delete(id);
      const peer = this.#peers.get(carrier.conversationId);
      const whole = change.id === publishId; // a segmented frame is out only when all segments are
      if (change.status === "sent" && whole && peer?.inboundVersion === carrier.version) this.#acked(peer);
    }
    if (change.status === "sent") {
      this.#retrying.delete(id);
      this.#wentOut(conversation, id, Number(publishId.slice(hash + 1)));
      // Publishes answered in one tick are marked in one commit (each is an fsync with synchronous=FULL).
      this.#sent.push(id);
      if (this.#sent.length === 1) queueMicrotask(() => this.#flushSent());
      return;
    }
    const untracked = !this.#peers.get(conversation) || change.priority === "optional";
    if (change.status === "dropped" || untracked) {
      const error = change.status === "dropped" ? `dropped: ${change.reason}` : String(change.error);
      const code = change.status === "dropped" ? "dropped" : "failed";
      // One event per message, not per segment of a dropped batch.
      if (this.#records.finish(id, code, error)) {
        this.#hooks.emit({ type: "failed", conversation, id, code, error: change.error ?? new Error(error) });
      }
    } else if (!this.#retrying.has(id)) {
      // A failed publish of a tracked message is resent when due; while the network refuses it, reported once.
      this.#retrying.add(id);
      this.#hooks.emit({ type: "retrying", conversation, id, error: change.error });
    }
  }

  #flushSent(): void {
    const ids = this.#sent.splice(0);
    let changed: string[];
    try {
      changed = this.#records.markSent(ids, this.#hooks.now());
    } catch {
      // The bot stopped (data directory closed) between the publish and this tick: the status stays queued and the
      // message is published again at the next start.
      return;
    }
    for (const id of changed)
      this.#hooks.emit({ type: "sent", conversation: id.slice(0, id.indexOf(":")), id });
  }

  /**
   * An inbound frame was committed (or is an ack-only frame): applies its acks, records its seq (reporting gaps
   * and recoveries), and owes an ack.
   *
   * @example
   * outbox.inbound(conversationId, frame);
   */
  inbound(conversationId: string, frame: Frame): void {
    const peer = this.#peer(conversationId, frame.seq);
    peer.heardAt = this.#hooks.now();
    // A new message whose acks are as recent as any we have seen was sealed with the peer's current state.
    const acked = highestAcknowledged(frame.ack ?? 0, frame.ackBits);
    const current = (frame.seq ?? 0) > peer.inbound.highest && acked >= peer.ackedHighest;
    peer.ackedHighest = Math.max(peer.ackedHighest, acked);
    this.#applyAcks(conversationId, peer, frame);
    if (current) this.#resendHeldMissing(peer);
    if (frame.seq) {
      const change = peer.inbound.add(frame.seq);
      if (!change.duplicate) {
        peer.inboundVersion++;
        peer.owed++;
      }
      if (change.gaps.length > 0) {
        this.#hooks.emit({ type: "gap", conversation: conversationId, missing: [...change.gaps] });
      }
      if (change.recovered.length > 0) {
        this.#hooks.emit({ type: "recovered", conversation: conversationId, seqs: [...change.recovered] });
      }
      this.#oweAck(
        conversationId,
        peer,
        this.#ackDelay(peer, change.gaps.length > 0, (frame.ackHoldSeconds ?? 0) * 1000),
      );
    } else if (frame.sent) {
      const gaps = peer.inbound.peerSent(frame.sent);
      if (gaps.length > 0) {
        this.#hooks.emit({ type: "gap", conversation: conversationId, missing: gaps });
        this.#oweAck(conversationId, peer, 0);
      }
    }
  }

  /**
   * A copy of a message we already committed arrived: the sender did not get our ack. Re-acks, at most once per
   * `reAckMs`.
   *
   * @example
   * outbox.duplicate(conversationId);
   */
  duplicate(conversationId: string): void {
    const peer = this.#peer(conversationId);
    const now = this.#hooks.now();
    peer.heardAt = now;
    if (now - peer.lastReAckAt < this.#r.reAckMs) return;
    peer.lastReAckAt = now;
    this.#oweAck(conversationId, peer, 0);
  }

  /**
   * A `receipt` payload naming messages by tag: read receipts mark them read; a delivery receipt (from a peer that
   * predates seqs and acks) acknowledges them like an ack field would.
   *
   * @example
   * outbox.receipt(conversationId, ["0a1b2c3d4e5f6071"], true);
   */
  receipt(conversationId: string, tags: readonly string[], read: boolean): void {
    const peer = this.#peer(conversationId);
    const wanted = new Set(tags);
    this.#acknowledge(
      conversationId,
      peer,
      [...peer.unacked.values()].filter((e) => wanted.has(e.tag)).map((e) => e.seq),
    );
    if (!read) return;
    for (const id of this.#records.markRead(conversationId, tags, this.#hooks.now())) {
      this.#hooks.emit({ type: "read", conversation: conversationId, id });
    }
  }

  #applyAcks(conversationId: string, peer: Peer, frame: Frame): void {
    if (!frame.ack && !frame.ackBits?.length) return;
    const ack = frame.ack ?? 0;
    this.#acknowledge(conversationId, peer, acknowledgedAmong(ack, frame.ackBits, peer.unacked.keys()));
    // Holes below the highest acknowledged seq are the receiver asking for them again.
    const highest = highestAcknowledged(ack, frame.ackBits);
    const now = this.#hooks.now();
    for (const [seq, entry] of peer.unacked) {
      if (seq < highest && now - entry.lastSentAt >= FAST_RESEND_MS) this.#publish(entry, peer);
    }
  }

  /**
   * A new message from the peer carries its current acks (RACK-style loss detection, RFC 8985 §6.1: a later
   * delivery shows an earlier send lost): a held reply it does not acknowledge, sent long enough before that the
   * peer had it when it sealed this one, was lost. Without this a lost reply would wait out the hold before its
   * resend; with it, the peer's next message brings the reply back at once.
   */
  #resendHeldMissing(peer: Peer): void {
    const now = this.#hooks.now();
    // Wide enough that the peer had the reply when it sealed its message (it may have waited in the peer's
    // window or rate-limit queue), and once per reply: a wrong guess costs one copy and the peer's re-ack.
    const margin = Math.max(FAST_RESEND_MS, 2 * this.#srtt, this.#r.resendAfterMs / 2);
    for (const entry of peer.unacked.values()) {
      if (entry.ackHoldMs === 0 || entry.attempts !== 1 || entry.lastSentAt === 0) continue;
      if (now - entry.lastSentAt < margin || this.#inQueue.has(`${entry.id}#1`)) continue;
      this.#publish(entry, peer);
    }
  }

  /** When attempt `attempt`, published at `from`, is due again: the hold announced, then the doubling back-off. */
  #resendAt(from: number, attempt: number, holdMs: number): number {
    return from + holdMs + Math.min(this.#r.maxResendDelayMs, this.#r.resendAfterMs * 2 ** (attempt - 1));
  }

  /** A tracked message's publish went out: its timers count from now, not from when it was queued. */
  #wentOut(conversationId: string, id: string, attempt: number): void {
    const peer = this.#peers.get(conversationId);
    if (!peer) return;
    for (const entry of peer.unacked.values()) {
      if (entry.id !== id || entry.attempts !== attempt) continue;
      entry.lastSentAt = this.#hooks.now();
      entry.nextAttemptAt = this.#resendAt(entry.lastSentAt, attempt, entry.ackHoldMs);
      return;
    }
  }

  /** Unacknowledged seqs the peer confirmed: delivered, window slots freed, repair mode left when all are in. */
  #acknowledge(conversationId: string, peer: Peer, seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    const now = this.#hooks.now();
    const ids: string[] = [];
    for (const seq of seqs) {
      const entry = peer.unacked.get(seq);
      if (!entry) continue;
      // Karn's rule: only messages sent once give a clean sample; a clean sample ends the back-off. A held ack
      // proves the path works but says nothing about the round trip.
      if (entry.attempts === 1 && entry.lastSentAt > 0) {
        const sample = now - entry.lastSentAt;
        if (entry.ackHoldMs === 0)
          this.#srtt = this.#srtt === 0 ? sample : this.#srtt + (sample - this.#srtt) / 8;
        this.#backoff = 1;
      }
      ids.push(entry.id);
      this.#retrying.delete(entry.id);
      peer.unacked.delete(seq);
    }
    for (const id of this.#records.markDelivered(ids, now)) {
      this.#hooks.emit({ type: "delivered", conversation: conversationId, id });
    }
    while (peer.held.length > 0 && peer.unacked.size < this.#r.maxInFlight) {
      this.#admit(peer.held.shift() as Outgoing, peer, false);
    }
    if (peer.repairing && peer.unacked.size === 0) {
      peer.repairing = false;
      this.#hooks.setTagWindow(conversationId, false);
      this.#hooks.emit({ type: "repaired", conversation: conversationId });
    }
  }

  /**
   * How long an owed ack may wait for a frame to ride on. Long enough that replies and bursts take it along (every
   * ack-only envelope costs about as much relay traffic as a text, docs/benchmarks.md), short enough to reach the
   * peer well before its first resend. At once for a hole (the selective ack is the resend request), and when half
   * the peer's in-flight window waits on us: its further messages are held until acks free slots.
   */
  #ackDelay(peer: Peer, hole: boolean, holdMs = 0): number {
    if (hole || peer.owed >= Math.max(1, this.#r.maxInFlight / 2)) return 0;
    // The peer announced how long its resend timer waits for this ack: hold it that long for our next message.
    if (holdMs > 0) return Math.min(holdMs, MAX_ACK_HOLD_MS);
    return Math.min(this.#r.ackDelayMs, this.#r.resendAfterMs / 4);
  }

  /** Owes an ack due in `delayMs`, or earlier if one is already due sooner. */
  #oweAck(conversationId: string, peer: Peer, delayMs: number): void {
    const due = this.#hooks.now() + delayMs;
    if (peer.ackTimer) {
      if (due >= peer.ackDueAt) return;
      clearTimeout(peer.ackTimer);
    }
    peer.ackDueAt = due;
    peer.ackTimer = setTimeout(() => {
      peer.ackTimer = undefined;
      this.#sendAck(conversationId, peer);
    }, delayMs);
    peer.ackTimer.unref?.();
  }

  /** An ack-only frame: an empty receipt carrying the ack fields and our highest seq. */
  #sendAck(conversationId: string, peer: Peer): void {
    if (this.#closed) return;
    peer.owed = 0;
    const frame: Frame = {
      type: BUILTIN_WIRE.receipt,
      typeVersion: 1,
      body: new Uint8Array(0),
      ...peer.inbound.fields(),
      ...(peer.sentSeq ? { sent: peer.sentSeq } : {}),
    };
    const sealed = this.#hooks.seal(conversationId, frame);
    const id = `ack:${sealed.messageId}#1`;
    this.#hooks.publish(
      { payload: sealed.payload, contentTopic: bucketTopic(bucketOfTag(sealed.tag)), timestamp: 0n },
      "critical",
      id,
    );
  }

  /** Least time since a message's last publish before it is resent by timer. */
  #timeout(): number {
    const base = Math.max(this.#r.resendAfterMs, 3 * this.#srtt);
    return Math.min(this.#r.maxResendDelayMs, base * this.#backoff);
  }

  #resendDue(): void {
    if (this.#closed) return;
    const now = this.#hooks.now();
    for (const [conversationId, peer] of this.#peers) {
      if (this.#idle(peer, now)) {
        this.#peers.delete(conversationId);
        continue;
      }
      for (const [seq, entry] of peer.unacked) {
        if (now >= entry.expiresAt) {
          peer.unacked.delete(seq);
          this.#retrying.delete(entry.id);
          this.#records.finish(entry.id, "failed", "expired");
          this.#hooks.emit({
            type: "failed",
            conversation: conversationId,
            id: entry.id,
            code: "expired",
            error: new NetworkError(
              "timeout",
              `expired: not acknowledged within ${this.#r.expireAfterMs} ms`,
            ),
          });
          continue;
        }
        if (now < entry.nextAttemptAt || now - entry.lastSentAt < this.#timeout() + entry.ackHoldMs) continue;
        if (this.#inQueue.has(`${entry.id}#${entry.attempts}`)) continue;
        // One expiry per timeout backs off: the messages of the same burst wait for the longer timeout, and an ack
        // that arrives in the meantime (a clean sample) brings it back.
        if (now - this.#backedOffAt >= this.#timeout()) {
          this.#backoff = Math.min(MAX_BACKOFF, this.#backoff * 2);
          this.#backedOffAt = now;
        }
        this.#publish(entry, peer);
        // Repair widens the window of tags we recognise the peer by, for when its messages were lost in a long
        // run; a peer heard from since this message left is recognised already, and only the resends are needed.
        if (!peer.repairing && entry.attempts >= REPAIR_AFTER_ATTEMPTS && peer.heardAt < entry.createdAt) {
          peer.repairing = true;
          this.#hooks.setTagWindow(conversationId, true);
          this.#hooks.emit({ type: "repair", conversation: conversationId, since: entry.createdAt });
        }
      }
    }
  }

  /**
   * Nothing outstanding, owed or being repaired, and quiet for a while: its state is all in messages.db, so the
   * conversation may leave memory (a bot with 100,000 conversations keeps only the active ones).
   */
  #idle(peer: Peer, now: number): boolean {
    return (
      peer.unacked.size === 0 &&
      peer.held.length === 0 &&
      !peer.ackTimer &&
      !peer.repairing &&
      peer.inbound.settled &&
      now - peer.usedAt >= Math.max(PEER_IDLE_MS, this.#r.reAckMs)
    );
  }

  /** Unacknowledged and held messages per conversation (for tests and the admin API). */
  pending(conversationId: string): { unacked: number; held: number } {
    const peer = this.#peers.get(conversationId);
    return { unacked: peer?.unacked.size ?? 0, held: peer?.held.length ?? 0 };
  }

  /**
   * Sends the acks still owed (the peer would otherwise resend until we are back) and stops timers; nothing else is
   * lost (every envelope is in messages.db). With `reachable` false (no peer to publish to) the acks are left to the
   * peers' resends: a publish would only wait for a peer that is not coming, and hold up the stop.
   *
   * @example
   * outbox.close(delivery.status().publishPeers > 0);
   */
  close(reachable = true): void {
    if (this.#closed) return;
    if (this.#tick) clearInterval(this.#tick);
    for (const [conversationId, peer] of this.#peers) {
      if (!peer.ackTimer) continue;
      clearTimeout(peer.ackTimer);
      peer.ackTimer = undefined;
      if (!reachable) continue;
      try {
        this.#sendAck(conversationId, peer);
      } catch {
        // Stopping must not fail on an ack: the peer's resend asks for it again.
      }
    }
    this.#closed = true;
  }
}
