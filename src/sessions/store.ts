/**
 * @module Sessions kept in the data directory: invites, first messages, encrypt and decrypt with the ratchet state
 * sealed in secrets.db and committed atomically with what it produced (docs/ARCHITECTURE.md, F3, U1, U2).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { base64urlnopad } from "@scure/base";
import { and, desc, eq, gt, inArray, isNull } from "drizzle-orm";
import { accountIdFromPublicKey } from "../account/account-id.ts";
import {
  bytesEqual,
  type CryptoProvider,
  concatBytes,
  generateX25519,
  type X25519KeyPair,
} from "../crypto/provider.ts";
import { defaultProvider } from "../crypto/providers.ts";
import { CryptoError, InputError, StorageError } from "../errors.ts";
import { BUILTIN_WIRE } from "../payloads/type.ts";
import { createInviteLink, parseInviteLink } from "../protocol/invite.ts";
import { tagAt } from "../protocol/kdf.ts";
import { DEFAULT_LIMITS, expectedTags, type RatchetLimits, type RatchetState } from "../protocol/ratchet.ts";
import { openFrame, sealFrame } from "../protocol/session.ts";
import { decodeState, encodeState, STATE_VERSION } from "../protocol/state-codec.ts";
import { decodeEnvelope, decodeFrame, encodeFrame, type Frame } from "../protocol/wire.ts";
import { acceptSession, initiateSession } from "../protocol/x3dh.ts";
import type { DataDir } from "../storage/data-dir.ts";
import * as m from "../storage/schema/messages.ts";
import * as s from "../storage/schema/secrets.ts";

/** Options of {@link SessionStore.createInvite}. */
export interface InviteOptions {
  /** The invite starts one conversation only (its prekey is consumed by the first). */
  readonly singleUse?: boolean;
  /** Seconds from now until the invite stops being accepted. */
  readonly expiresInSeconds?: number;
  /** Multiaddrs of peers through which the inviter can be reached (NET4). */
  readonly hints?: readonly string[];
  /** The inviter's display name, carried in the link. */
  readonly name?: string;
  /** A private note for the inviter's own lists; not in the link. */
  readonly label?: string;
}

/** A tracked invite as the inviter keeps it (the link itself is not stored). */
export interface InviteRecord {
  readonly id: number;
  readonly label: string | undefined;
  readonly singleUse: boolean;
  readonly createdAt: number;
  readonly expiresAt: number | undefined;
  readonly revokedAt: number | undefined;
  /** Conversations started through it. */
  readonly uses: number;
  readonly status: "active" | "used" | "expired" | "revoked";
}

/**
 * How long after its expiry an invite still accepts first messages: a first message may be sealed before the
 * expiry and reach the inviter later from a Store (U1), and the inviter cannot see when it was sealed.
 */
export const INVITE_EXPIRY_GRACE_MS = 24 * 3600 * 1000;

/** A decrypted inbound message, as committed. */
export interface Received {
  readonly conversationId: string;
  readonly messageId: string;
  readonly frame: Frame;
  readonly peerIdentityKey: Uint8Array;
  readonly newConversation: boolean;
  /** The frame's seq was already committed in this conversation: a resend that the ratchet could not tell apart. */
  readonly duplicate: boolean;
}

/** Receipts (ack-only frames and read receipts) change statuses but are not messages: they get no messages row. */
const UNRECORDED_TYPE = BUILTIN_WIRE.receipt;
/** Widest tag window a conversation under repair gets: the ratchet's own skip limit. */
export const REPAIR_TAG_WINDOW = 1000;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** Entries kept per derivation cache: ~130 per active conversation, so a few hundred busy conversations. */
const CACHE_LIMIT = 65_536;

/**
 * A bounded cache in two generations of at most `limit / 2` entries: new entries go to the young map; when it is
 * full it becomes the old one and the previous old one is dropped whole; a hit in the old map brings the entry back
 * to the young one. Whatever was used within the last generation stays, and every operation is O(1). Evicting the
 * oldest entry on every insert (`map.delete(map.keys().next().value)`) is not, in Bun: a miss and insert at 65,536
 * entries took 5 µs after 10,000 such evictions and 51 µs after 200,000 (0.7 µs here), and once more than ~500
 * conversations were busy every state write (~256 lookups) missed, so each cost ~15 ms (issue 6).
 */
class BoundedCache<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  readonly #generation: number;

  constructor(limit: number) {
    this.#generation = Math.max(1, Math.floor(limit / 2));
  }

  get(key: string): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    if (this.#young.size >= this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
type InvitePrekeyRow = typeof s.oneTimePrekeys.$inferSelect;

/** Whether an invite prekey admits a new conversation, judged at `now` (ms). */
function inviteStatus(row: InvitePrekeyRow, now: number): InviteRecord["status"] {
  if (row.revokedAt !== null) return "revoked";
  if (!row.reusable && row.consumedAt !== null) return "used";
  if (row.expiresAt !== null && now >= row.expiresAt) return "expired";
  return "active";
}

function inviteRecord(row: InvitePrekeyRow, now: number): InviteRecord {
  return {
    id: row.id,
    label: row.label ?? undefined,
    singleUse: !row.reusable,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt ?? undefined,
    revokedAt: row.revokedAt ?? undefined,
    uses: row.uses,
    status: inviteStatus(row, now),
  };
}

/** Domain label of the stored signed-prekey self-signature (X3DH §3.3 Sig(IK, Encode(SPK))). */
const SIGNED_PREKEY_LABEL = new TextEncoder().encode("wakubot/v1/signed-prekey");

/**
 * The session layer over one open data directory.
 *
 * @example
 * const store = new SessionStore(dataDir);
 * const link = store.createInvite({ singleUse: true });
 */
export class SessionStore {
  readonly #indexKey: Uint8Array;

  constructor(
    private readonly dir: DataDir,
    private readonly provider: CryptoProvider = defaultProvider(),
    private readonly clock: () => number = Date.now,
    private readonly limits: RatchetLimits = DEFAULT_LIMITS,
  ) {
    this.#indexKey = dir.sealer.subkey("tag-index");
    this.drainInbox();
  }

  // Each receive recomputes a window of ~128 expected tags of which all but one or two are unchanged: remember
  // recent ones (bounded; the values are derived from header keys, so they are as secret as the state).
  readonly #tags = new BoundedCache<Uint8Array>(CACHE_LIMIT);
  readonly #hashes = new BoundedCache<Buffer>(CACHE_LIMIT);
  readonly #cachedTag = (key: Uint8Array, n: number): Uint8Array => {
    const id = `${hex(key)}:${n}`;
    let tag = this.#tags.get(id);
    if (!tag) {
      tag = tagAt(this.provider, key, n);
      this.#tags.set(id, tag);
    }
    return tag;
  };

  #cachedHash(tag: Uint8Array): Buffer {
    const id = hex(tag);
    let hash = this.#hashes.get(id);
    if (!hash) {
      hash = this.#tagHash(tag);
      this.#hashes.set(id, hash);
    }
    return hash;
  }

  #tagHash(tag: Uint8Array): Buffer {
    return Buffer.from(this.provider.hmacSha256(this.#indexKey, tag).subarray(0, 16));
  }

  #seal(table: string, row: string | number, column: string, value: Uint8Array): Buffer {
    return Buffer.from(this.dir.sealer.seal(value, { table, row, column }));
  }

  #activeSignedPrekeys(): X25519KeyPair[] {
    return this.dir.secrets
      .select()
      .from(s.signedPrekeys)
      .where(isNull(s.signedPrekeys.retiredAt))
      .all()
      .map((r) => ({
        publicKey: new Uint8Array(r.publicKey),
        secretKey: this.dir.sealer.open(r.secretKey, {
          table: "signed_prekeys",
          row: r.id,
          column: "secret_key",
        }),
      }));
  }

  /**
   * A new tracked invite link: it gets its own prekey (X3DH §2.2's one-time prekey, kept for reuse unless
   * `singleUse`), so the inviter can list it, count its uses, revoke it, and refuse it after it expires.
   * Creates the signed prekey on first use.
   *
   * @example
   * store.createInvite({ expiresInSeconds: 86400, hints: ["/ip4/1.2.3.4/tcp/60000/p2p/…"] });
   */
  createInvite(options: InviteOptions = {}): string {
    return this.#invite(options, true);
  }

  /**
   * The bot's standing invite: signed prekey only, so it is the same conversation entry point at every start and
   * adds no rows. It cannot be revoked by itself (that takes a signed-prekey rotation); hand out tracked invites
   * where that matters.
   *
   * @example
   * const link = store.standingInvite(["/ip4/1.2.3.4/tcp/60000/p2p/…"]);
   */
  standingInvite(hints: readonly string[] = []): string {
    return this.#invite({ hints }, false);
  }

  /**
   * Tracked invites, newest first (`status` as of now; an expired one still admits first messages for
   * {@link INVITE_EXPIRY_GRACE_MS}).
   *
   * @example
   * store.invites().filter((i) => i.status === "active");
   */
  invites(): InviteRecord[] {
    const now = this.clock();
    return this.dir.secrets
      .select()
      .from(s.oneTimePrekeys)
      .orderBy(desc(s.oneTimePrekeys.id))
      .all()
      .map((row) => inviteRecord(row, now));
  }

  /**
   * One tracked invite, or undefined.
   *
   * @example
   * store.invite(3)?.uses;
   */
  invite(id: number): InviteRecord | undefined {
    const row = this.dir.secrets.select().from(s.oneTimePrekeys).where(eq(s.oneTimePrekeys.id, id)).get();
    return row ? inviteRecord(row, this.clock()) : undefined;
  }

  /**
   * The record of the tracked invite a link of this inviter names, or undefined (a standing invite, or someone
   * else's link).
   *
   * @example
   * store.inviteOf(store.createInvite({ label: "ops" }))?.label; // "ops"
   */
  inviteOf(link: string): InviteRecord | undefined {
    const parsed = parseInviteLink(this.provider, link, 0);
    if (!parsed.oneTimePrekey || !bytesEqual(parsed.identityKey, this.dir.identityPublicKey))
      return undefined;
    return this.invite(parsed.oneTimePrekey.id);
  }

  /**
   * Revokes a tracked invite: from now on first messages through it are refused (`prekey_unavailable`). Its
   * prekey secret is erased. Conversations already started stay. Returns the record, or undefined if there is no such invite; revoking twice keeps the first time.
   *
   * @example
   * store.revokeInvite(3)?.status; // "revoked"
   */
  revokeInvite(id: number): InviteRecord | undefined {
    const where = and(eq(s.oneTimePrekeys.id, id), isNull(s.oneTimePrekeys.revokedAt));
    this.dir.secrets
      .update(s.oneTimePrekeys)
      .set({ revokedAt: this.clock(), secretKey: Buffer.alloc(0) })
      .where(where)
      .run();
    return this.invite(id);
  }

  #invite(options: InviteOptions, tracked: boolean): string {
    const p = this.provider;
    const now = this.clock();
    const seed = this.dir.identitySecretKey();
    if (
      options.expiresInSeconds !== undefined &&
      (!Number.isInteger(options.expiresInSeconds) || options.expiresInSeconds <= 0)
    ) {
      throw new InputError("invalid_argument", "expiresInSeconds must be a positive whole number");
    }
    const expiresAt =
      options.expiresInSeconds !== undefined ? Math.floor(now / 1000) + options.expiresInSeconds : undefined;
    let spk = this.#activeSignedPrekeys()[0];
    let oneTime: { id: number; publicKey: Uint8Array } | undefined;
    const newSpk = spk ? undefined : generateX25519(p);
    const newOtk = tracked ? generateX25519(p) : undefined;
    this.dir.secrets.transaction((tx) => {
      if (newSpk) {
        const id = tx
          .insert(s.signedPrekeys)
          .values({
            publicKey: Buffer.from(newSpk.publicKey),
            secretKey: Buffer.alloc(0),
            signature: Buffer.from(p.ed25519Sign(seed, concatBytes(SIGNED_PREKEY_LABEL, newSpk.publicKey))),
            createdAt: now,
          })
          .returning({ id: s.signedPrekeys.id })
          .get().id;
        tx.update(s.signedPrekeys)
          .set({ secretKey: this.#seal("signed_prekeys", id, "secret_key", newSpk.secretKey) })
          .where(eq(s.signedPrekeys.id, id))
          .run();
        spk = newSpk;
      }
      if (newOtk) {
        const id = tx
          .insert(s.oneTimePrekeys)
          .values({
            publicKey: Buffer.from(newOtk.publicKey),
            secretKey: Buffer.alloc(0),
            createdAt: now,
            expiresAt: expiresAt !== undefined ? expiresAt * 1000 : null,
            reusable: !options.singleUse,
            label: options.label ?? null,
          })
          .returning({ id: s.oneTimePrekeys.id })
          .get().id;
        tx.update(s.oneTimePrekeys)
          .set({ secretKey: this.#seal("one_time_prekeys", id, "secret_key", newOtk.secretKey) })
          .where(eq(s.oneTimePrekeys.id, id))
          .run();
        oneTime = { id, publicKey: newOtk.publicKey };
      }
    });
    return createInviteLink(p, seed, {
      identityKey: this.dir.identityPublicKey,
      signedPrekey: (spk as X25519KeyPair).publicKey,
      oneTimePrekey: oneTime,
      expiresAt,
      hints: options.hints ?? [],
      name: options.name,
    });
  }

  #loadState(conversationId: string): RatchetState {
    const row = this.dir.secrets
      .select()
      .from(s.sessions)
      .where(eq(s.sessions.conversationId, conversationId))
      .get();
    if (!row) throw new StorageError("db_corrupt", `no session state for conversation ${conversationId}`);
    if (row.tagWindow) this.#windows.set(conversationId, row.tagWindow);
    else this.#windows.delete(conversationId);
    return decodeState(
      this.dir.sealer.open(row.state, { table: "sessions", row: conversationId, column: "state" }),
    );
  }

  /** Conversations whose tag window is not the default, as last loaded. */
  readonly #windows = new Map<string, number>();

  /**
   * Sets how many tags ahead per chain the conversation is recognised by (undefined: the default 64) and rewrites
   * its tag index. A conversation under repair gets {@link REPAIR_TAG_WINDOW}, so a peer whose last messages were
   * lost in a long run is still recognised (docs/delivery.md §Resync).
   *
   * @example
   * store.setTagWindow(conversationId, REPAIR_TAG_WINDOW);
   */
  setTagWindow(conversationId: string, window: number | undefined): void {
    const state = this.#loadState(conversationId);
    if (window === undefined || window === this.limits.window) this.#windows.delete(conversationId);
    else this.#windows.set(conversationId, window);
    this.dir.secrets.transaction((tx) => {
      tx.update(s.sessions)
        .set({ tagWindow: this.#windows.get(conversationId) ?? null })
        .where(eq(s.sessions.conversationId, conversationId))
        .run();
      this.#writeState(tx, conversationId, state);
    });
  }

  /** Writes state and its tag index inside the caller's secrets.db transaction. */
  #writeState(
    tx: Parameters<Parameters<DataDir["secrets"]["transaction"]>[0]>[0],
    id: string,
    state: RatchetState,
    keepTagIndex = false,
  ) {
    const sealed = this.#seal("sessions", id, "state", encodeState(state));
    tx.insert(s.sessions)
      .values({ conversationId: id, state: sealed, stateVersion: STATE_VERSION, updatedAt: this.clock() })
      .onConflictDoUpdate({
        target: s.sessions.conversationId,
        set: { state: sealed, updatedAt: this.clock() },
      })
      .run();
    if (keepTagIndex) return;
    // The window slides by about one tag per message: write the difference, not the whole index.
    const wanted = new Map<string, Buffer>();
    const window = this.#windows.get(id) ?? this.limits.window;
    for (const tag of expectedTags(state, this.provider, window, this.#cachedTag)) {
      const hash = this.#cachedHash(tag);
      wanted.set(hash.toString("hex"), hash);
    }
    const stale: Buffer[] = [];
    for (const row of tx
      .select({ tagHash: s.tagIndex.tagHash })
      .from(s.tagIndex)
      .where(eq(s.tagIndex.conversationId, id))
      .all()) {
      if (!wanted.delete(row.tagHash.toString("hex"))) stale.push(row.tagHash);
    }
    if (stale.length > 0) tx.delete(s.tagIndex).where(inArray(s.tagIndex.tagHash, stale)).run();
    if (wanted.size > 0) {
      tx.insert(s.tagIndex)
        .values([...wanted.values()].map((hash) => ({ tagHash: hash, conversationId: id })))
        .onConflictDoNothing()
        .run();
    }
  }

  /**
   * Starts a conversation from an invite link and encrypts its first frame (U1: no round trip). Returns the
   * envelope bytes to publish. The ratchet state is committed before the bytes are returned.
   *
   * @example
   * const { conversationId, payload } = store.startConversation(link, textFrame("hello"));
   */
  startConversation(
    link: string,
    frame: Frame,
  ): { conversationId: string; messageId: string; payload: Uint8Array; tag: Uint8Array } {
    const conversationId = this.connect(link);
    return { conversationId, ...this.send(conversationId, frame) };
  }

  /**
   * Encrypts a frame for a conversation; commits the advanced state, then records the outbound message as
   * queued. A crash between the two loses only the local record, never reuses a key.
   *
   * @example
   * const { payload } = store.send(conversationId, textFrame("hi"));
   */
  send(
    conversationId: string,
    frame: Frame,
    options: { readonly record?: boolean } = {},
  ): { messageId: string; payload: Uint8Array; tag: Uint8Array } {
    const sealed = this.seal(conversationId, frame);
    // Protocol traffic such as receipts need no row of their own (`record: false`): it saves two commits per
    // inbound message.
    if (options.record === false) return sealed;
    const { messageId } = sealed;
    this.dir.messages
      .insert(m.messages)
      .values({
        id: messageId,
        conversationId,
        direction: "out",
        payloadType: String(frame.type),
        payloadVersion: frame.typeVersion,
        body: Buffer.from(frame.body),
        status: "queued",
        createdAt: this.clock(),
        seq: frame.seq || null,
        tag: hex(sealed.tag),
      })
      .run();
    return sealed;
  }

  /**
   * Encrypts a frame and commits the advanced ratchet state, recording nothing else: the caller keeps the
   * envelope (the bot's outbox writes it with the message row). A crash before that write only skips a key.
   *
   * @example
   * const { messageId, payload, tag } = store.seal(conversationId, frame);
   */
  seal(conversationId: string, frame: Frame): { messageId: string; payload: Uint8Array; tag: Uint8Array } {
    const sealed = sealFrame(this.#loadState(conversationId), frame, {
      provider: this.provider,
      now: this.clock(),
      limits: this.limits,
    });
    // State first, so no key is ever reused. Sending advances only the sending chain: the tags this side expects
    // are unchanged, so the conversation keeps its tag index as it is.
    this.dir.secrets.transaction((tx) => this.#writeState(tx, conversationId, sealed.state, true));
    return { messageId: `${conversationId}:${hex(sealed.tag)}`, payload: sealed.payload, tag: sealed.tag };
  }

  /**
   * The peer hints an invite link carries (NET4), after checking the link.
   *
   * @example
   * for (const hint of store.inviteHints(link)) node.addPeer(hint);
   */
  inviteHints(link: string): readonly string[] {
    return parseInviteLink(this.provider, link, Math.floor(this.clock() / 1000)).hints;
  }

  /**
   * Starts a conversation from an invite link without sending anything yet: the X3DH material rides on every
   * message until the peer first answers, so the first `send` can come any time later.
   *
   * @example
   * const id = store.connect(link);
   * store.send(id, textFrame("hello"));
   */
  connect(link: string): string {
    const now = this.clock();
    const invite = parseInviteLink(this.provider, link, Math.floor(now / 1000));
    const state = initiateSession(
      this.provider,
      { publicKey: this.dir.identityPublicKey, seed: this.dir.identitySecretKey() },
      invite,
    );
    const conversationId = `c${base64urlnopad.encode(this.provider.random(12))}`;
    this.dir.secrets.transaction((tx) => this.#writeState(tx, conversationId, state));
    this.dir.messages
      .insert(m.conversations)
      .values({
        id: conversationId,
        peerAccountId: accountIdFromPublicKey(invite.identityKey),
        peerIdentityKey: Buffer.from(invite.identityKey),
        label: invite.name ?? null,
        state: "handshake",
        createdAt: now,
        updatedAt: now,
      })
      .run();
    return conversationId;
  }

  /**
   * Decrypts an inbound envelope: finds its conversation by tag (or accepts a first message), then commits the
   * new state, tag index, consumed prekeys and the message in one secrets.db transaction, and moves the message
   * into messages.db. Throws ProtocolError / CryptoError and commits nothing on failure. With `admit`, a message of
   * an existing conversation that opened is committed only if `admit` says so; otherwise nothing changes and the
   * result is `undefined` (the inbound rate limit: the message stays unread and the peer resends it).
   *
   * @example
   * const received = store.receive(wakuMessage.payload);
   */
  receive(payload: Uint8Array): Received;
  receive(
    payload: Uint8Array,
    admit: (conversationId: string, frame: Frame) => boolean,
  ): Received | undefined;
  receive(
    payload: Uint8Array,
    admit?: (conversationId: string, frame: Frame) => boolean,
  ): Received | undefined {
    const now = this.clock();
    const envelope = decodeEnvelope(payload);
    const ctx = { provider: this.provider, now, limits: this.limits };
    const hit = this.dir.secrets
      .select()
      .from(s.tagIndex)
      .where(eq(s.tagIndex.tagHash, this.#tagHash(envelope.tag)))
      .get();
    if (hit) {
      const state = this.#loadState(hit.conversationId);
      // A conversation under repair is indexed further ahead; it must be opened as far ahead too.
      const window = this.#windows.get(hit.conversationId) ?? this.limits.window;
      let opened: ReturnType<typeof openFrame>;
      try {
        opened = openFrame(state, envelope, { ...ctx, limits: { ...this.limits, window } });
      } catch (error) {
        // One of this conversation's tags on a message that does not open: a tampered or corrupted copy. The
        // conversation is named so that the bot can look for the genuine copy (docs/delivery.md §Resync).
        if (error instanceof CryptoError && error.code === "decrypt_failed" && !error.conversation) {
          throw new CryptoError(error.code, error.message, {
            cause: error,
            conversation: hit.conversationId,
          });
        }
        throw error;
      }
      if (admit && !admit(hit.conversationId, opened.frame)) return undefined;
      return this.#commit(hit.conversationId, opened.state, opened.frame, envelope.tag, now, undefined);
    }
    // A copy of a message already committed (a resend whose ack got lost): its tag left the index when it was
    // consumed, but its row names the conversation, which then owes the sender an ack again.
    const committed = this.dir.messages
      .select({ conversationId: m.messages.conversationId })
      .from(m.messages)
      .where(and(eq(m.messages.tag, hex(envelope.tag)), eq(m.messages.direction, "in")))
      .get();
    if (committed) {
      throw new CryptoError("replay", "this message was already received", {
        conversation: committed.conversationId,
      });
    }
    if (!envelope.ephemeral) throw new CryptoError("unknown_tag", "no conversation expects this message");
    const ephemeralHash = Buffer.from(sha256(envelope.ephemeral));
    if (
      this.dir.secrets.select().from(s.seenEphemerals).where(eq(s.seenEphemerals.hash, ephemeralHash)).get()
    ) {
      throw new CryptoError("replay", "this first message was already accepted");
    }
    const accepted = acceptSession(
      this.provider,
      {
        identity: { publicKey: this.dir.identityPublicKey, seed: this.dir.identitySecretKey() },
        signedPrekeys: this.#activeSignedPrekeys(),
        oneTimePrekey: (id) => this.#unusedOneTimePrekey(id),
      },
      envelope,
      ctx,
    );
    const conversationId = `c${base64urlnopad.encode(this.provider.random(12))}`;
    return this.#commit(conversationId, accepted.state, decodeFrame(accepted.plaintext), envelope.tag, now, {
      oneTimePrekeyId: accepted.oneTimePrekeyId,
      ephemeralHash,
    });
  }

  /** The invite prekey if it still admits a new conversation: not revoked, not used up, not expired (with grace). */
  #unusedOneTimePrekey(id: number): X25519KeyPair | undefined {
    const row = this.dir.secrets.select().from(s.oneTimePrekeys).where(eq(s.oneTimePrekeys.id, id)).get();
    if (!row || inviteStatus(row, this.clock() - INVITE_EXPIRY_GRACE_MS) !== "active") return undefined;
    return {
      publicKey: new Uint8Array(row.publicKey),
      secretKey: this.dir.sealer.open(row.secretKey, {
        table: "one_time_prekeys",
        row: id,
        column: "secret_key",
      }),
    };
  }

  #commit(
    conversationId: string,
    state: RatchetState,
    frame: Frame,
    tag: Uint8Array,
    now: number,
    setup: { oneTimePrekeyId: number; ephemeralHash: Buffer } | undefined,
  ): Received {
    const newConversation = setup !== undefined;
    const messageId = `${conversationId}:${hex(tag)}`;
    const sealedFrame = this.#seal("inbox", messageId, "frame", encodeFrame(frame));
    this.dir.secrets.transaction((tx) => {
      this.#writeState(tx, conversationId, state);
      if (setup && setup.oneTimePrekeyId !== 0) {
        const id = eq(s.oneTimePrekeys.id, setup.oneTimePrekeyId);
        const row = tx.select().from(s.oneTimePrekeys).where(id).get();
        if (!row || inviteStatus(row, now - INVITE_EXPIRY_GRACE_MS) !== "active") {
          throw new CryptoError("prekey_unavailable", "the invite was used, revoked or has expired");
        }
        tx.update(s.oneTimePrekeys)
          .set({ uses: row.uses + 1, consumedAt: row.reusable ? null : now })
          .where(id)
          .run();
      }
      if (setup) {
        tx.insert(s.seenEphemerals)
          .values({ hash: setup.ephemeralHash, conversationId, createdAt: now })
          .run();
      }
      if (frame.type === UNRECORDED_TYPE) return;
      tx.insert(s.inbox)
        .values({
          messageId,
          conversationId,
          peerIdentityKey: Buffer.from(state.remoteIdentity),
          newConversation,
          frame: sealedFrame,
          receivedAt: now,
        })
        .run();
    });
    if (newConversation && frame.type === UNRECORDED_TYPE)
      this.#ensureConversation(conversationId, state, now);
    const duplicate = this.drainInbox().has(messageId);
    return {
      conversationId,
      messageId,
      frame,
      peerIdentityKey: state.remoteIdentity,
      newConversation,
      duplicate,
    };
  }

  /** A first message that was only a receipt still opens the conversation in messages.db. */
  #ensureConversation(conversationId: string, state: RatchetState, now: number): void {
    this.dir.messages
      .insert(m.conversations)
      .values({
        id: conversationId,
        peerAccountId: accountIdFromPublicKey(state.remoteIdentity),
        peerIdentityKey: Buffer.from(state.remoteIdentity),
        state: "ratcheting",
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .run();
  }

  /**
   * Moves committed inbound messages from secrets.db's inbox into messages.db (idempotent; also run at start-up
   * to finish what a crash interrupted), advancing the conversation's `recv_ack` in the same transaction (F4: an
   * ack is owed only once this commits). Returns the ids of messages whose seq was already committed (duplicates,
   * not written).
   *
   * @example
   * store.drainInbox();
   */
  drainInbox(): Set<string> {
    const duplicates = new Set<string>();
    for (const row of this.dir.secrets.select().from(s.inbox).all()) {
      const frame = decodeFrame(
        this.dir.sealer.open(row.frame, { table: "inbox", row: row.messageId, column: "frame" }),
      );
      const peer = new Uint8Array(row.peerIdentityKey);
      this.dir.messages.transaction((tx) => {
        const existing = tx
          .select()
          .from(m.conversations)
          .where(eq(m.conversations.id, row.conversationId))
          .get();
        if (!existing) {
          tx.insert(m.conversations)
            .values({
              id: row.conversationId,
              peerAccountId: accountIdFromPublicKey(peer),
              peerIdentityKey: Buffer.from(peer),
              state: "ratcheting",
              createdAt: row.receivedAt,
              updatedAt: row.receivedAt,
            })
            .run();
        } else if (existing.peerIdentityKey && !bytesEqual(new Uint8Array(existing.peerIdentityKey), peer)) {
          throw new StorageError("data_dir_mismatch", "inbox message does not match its conversation's peer");
        }
        const seq = frame.seq || null;
        let recvAck = existing?.recvAck ?? 0;
        if (seq !== null) {
          // Every seq up to recv_ack has its row; the rows above it say whether this one is a duplicate and how far
          // the ack moves.
          const above =
            seq <= recvAck
              ? undefined
              : new Set(
                  tx
                    .select({ seq: m.messages.seq })
                    .from(m.messages)
                    .where(
                      and(
                        eq(m.messages.conversationId, row.conversationId),
                        eq(m.messages.direction, "in"),
                        gt(m.messages.seq, recvAck),
                      ),
                    )
                    .all()
                    .map((r) => r.seq),
                );
          if (!above || above.has(seq)) {
            duplicates.add(row.messageId);
            return;
          }
          if (seq === recvAck + 1) {
            recvAck = seq;
            while (above.has(recvAck + 1)) recvAck++;
          }
        }
        tx.update(m.conversations)
          .set({ state: "ratcheting", lastMessageAt: row.receivedAt, updatedAt: row.receivedAt, recvAck })
          .where(eq(m.conversations.id, row.conversationId))
          .run();
        tx.insert(m.messages)
          .values({
            id: row.messageId,
            conversationId: row.conversationId,
            direction: "in",
            payloadType: String(frame.type),
            payloadVersion: frame.typeVersion,
            body: Buffer.from(frame.body),
            status: "received",
            createdAt: row.receivedAt,
            receivedAt: row.receivedAt,
            seq,
            tag: row.messageId.slice(row.messageId.indexOf(":") + 1),
          })
          .onConflictDoNothing()
          .run();
      });
      this.dir.secrets.delete(s.inbox).where(eq(s.inbox.messageId, row.messageId)).run();
    }
    return duplicates;
  }
}
