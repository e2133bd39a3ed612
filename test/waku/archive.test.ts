import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { proto_store } from "@waku/proto";
import { InputError, StorageError } from "../../src/errors.ts";
import { DEFAULT_PAGE, MAX_PAGE, MessageArchive, type RetentionPolicy } from "../../src/waku/archive.ts";
import {
  encodeWakuMessage,
  messageHash,
  type RoutedMessage,
  type WakuMessage,
} from "../../src/waku/message.ts";
import { answerStoreQuery } from "../../src/waku/store.ts";
import { expectCode } from "../support/errors.ts";
import { hex, tempDir } from "../support/tmp.ts";

const PUBSUB = "/waku/2/rs/1/7";
const OTHER_PUBSUB = "/waku/2/rs/1/3";
const BASE_NS = 1_795_310_682_885_000_000n;
const BIG: RetentionPolicy = { maxAgeMs: 1e12, maxBytes: 1e12 };

function routed(
  i: number,
  options: { ts?: bigint; topic?: string; pubsub?: string; size?: number; ephemeral?: boolean } = {},
): RoutedMessage {
  const payload = new Uint8Array(options.size ?? 16);
  new DataView(payload.buffer).setUint32(0, i);
  const message: WakuMessage = {
    payload,
    contentTopic: options.topic ?? "/wb/1/b0/p",
    timestamp: options.ts ?? BASE_NS + BigInt(i) * 1_000_000n,
    ...(options.ephemeral ? { ephemeral: true } : {}),
  };
  const pubsubTopic = options.pubsub ?? PUBSUB;
  return { pubsubTopic, message, hash: messageHash(pubsubTopic, message) };
}

/** Expected Store order: timestamp, then hash bytes. */
function sorted(ms: RoutedMessage[]): string[] {
  return [...ms]
    .sort((a, b) =>
      a.message.timestamp !== b.message.timestamp
        ? a.message.timestamp < b.message.timestamp
          ? -1
          : 1
        : hex(a.hash) < hex(b.hash)
          ? -1
          : 1,
    )
    .map((m) => hex(m.hash));
}

/** Deterministic shuffle (LCG), so insertion order differs from time order. */
function shuffled<T>(items: T[], seed = 12345): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function openArchive(retention: RetentionPolicy = BIG, now?: () => number) {
  const path = join(tempDir(), "store.db");
  return { path, archive: MessageArchive.open(path, retention, now) };
}

function allPages(archive: MessageArchive, forward: boolean, limit: number) {
  const pages: string[][] = [];
  let cursor: Uint8Array | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = archive.query({ pubsubTopic: PUBSUB, forward, limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.messages.map((m) => hex(m.hash)));
    cursor = page.cursor;
    if (!cursor) return pages;
  }
  throw new Error("pagination does not end");
}

describe("adding messages", () => {
  test("a new message is stored once; adding it again is a no-op", () => {
    const { archive } = openArchive();
    const m = routed(1);
    expect(archive.add(m)).toBe(true);
    expect(archive.size).toBe(1);
    expect(archive.bytes).toBe(encodeWakuMessage(m.message).length);
    expect(archive.add(m)).toBe(false);
    expect(archive.add({ ...m, message: { ...m.message } })).toBe(false);
    expect(archive.size).toBe(1);
    expect(archive.bytes).toBe(encodeWakuMessage(m.message).length);
    const page = archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 10 });
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]?.message).toEqual(m.message);
    expect(page.messages[0]?.pubsubTopic).toBe(PUBSUB);
    expect(hex(page.messages[0]?.hash as Uint8Array)).toBe(hex(m.hash));
    expect(page.cursor).toBeUndefined();
    archive.close();
  });

  test("ephemeral messages are never stored", () => {
    const { archive } = openArchive();
    expect(archive.add(routed(1, { ephemeral: true }))).toBe(false);
    expect(archive.size).toBe(0);
    expect(archive.bytes).toBe(0);
    expect(archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 10 }).messages).toHaveLength(0);
    archive.close();
  });

  test("meta and version survive storage; the stored message hashes to its key", () => {
    const { archive } = openArchive();
    const message: WakuMessage = {
      payload: new Uint8Array([1, 2, 3]),
      contentTopic: "/wb/1/b4/p",
      timestamp: BASE_NS,
      meta: new Uint8Array([9, 9]),
      version: 1,
    };
    archive.add({ pubsubTopic: PUBSUB, message, hash: messageHash(PUBSUB, message) });
    const [got] = archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 1 }).messages;
    expect(got?.message).toEqual(message);
    expect(hex(messageHash(PUBSUB, got?.message as WakuMessage))).toBe(hex(got?.hash as Uint8Array));
    archive.close();
  });
});

describe("pagination", () => {
  // 45 messages, three per timestamp, inserted out of order: ties must be broken by hash.
  const messages = Array.from({ length: 45 }, (_, i) =>
    routed(i, { ts: BASE_NS + BigInt(Math.floor(i / 3)) }),
  );
  const expected = sorted(messages);

  function filled() {
    const { archive } = openArchive();
    for (const m of shuffled(messages)) expect(archive.add(m)).toBe(true);
    return archive;
  }

  test("forward pages of 20 give every message once, oldest first, ties by hash", () => {
    const archive = filled();
    const pages = allPages(archive, true, 20);
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(expected);
    archive.close();
  });

  test("backward pages of 20 walk back in time; each page is oldest first; together every message once", () => {
    const archive = filled();
    const pages = allPages(archive, false, 20);
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages[0]).toEqual(expected.slice(25));
    expect(pages[1]).toEqual(expected.slice(5, 25));
    expect(pages[2]).toEqual(expected.slice(0, 5));
    expect([...pages].reverse().flat()).toEqual(expected);
    archive.close();
  });

  test("odd page sizes and an exact multiple: no repeats, no gaps, no trailing empty page", () => {
    const archive = filled();
    for (const limit of [1, 7, 15, 44, 45, 100]) {
      for (const forward of [true, false]) {
        const pages = allPages(archive, forward, limit);
        const flat = (forward ? pages : [...pages].reverse()).flat();
        expect(flat).toEqual(expected);
        expect(pages.every((p) => p.length > 0)).toBe(true);
        expect(pages).toHaveLength(Math.ceil(45 / Math.min(limit, MAX_PAGE)));
      }
    }
    archive.close();
  });

  test("a message arriving between pages with a timestamp after the cursor is picked up by a forward walk", () => {
    const archive = filled();
    const first = archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 20 });
    const late = routed(1000, { ts: BASE_NS + 1_000_000_000n });
    archive.add(late);
    const rest: string[] = [];
    let cursor = first.cursor;
    while (cursor) {
      const page = archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 20, cursor });
      rest.push(...page.messages.map((m) => hex(m.hash)));
      cursor = page.cursor;
    }
    expect([...first.messages.map((m) => hex(m.hash)), ...rest]).toEqual([...expected, hex(late.hash)]);
    archive.close();
  });

  test("limit is clamped to 1…100, and 0 means the default page", () => {
    const { archive } = openArchive();
    for (let i = 0; i < 130; i++) archive.add(routed(i));
    expect(archive.query({ forward: true, limit: 1000 }).messages).toHaveLength(MAX_PAGE);
    expect(archive.query({ forward: true, limit: -5 }).messages).toHaveLength(1);
    expect(archive.query({ forward: true, limit: 0 }).messages).toHaveLength(DEFAULT_PAGE);
    archive.close();
  });

  test("an unknown cursor is an InputError", () => {
    const archive = filled();
    expectCode(
      () =>
        archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 20, cursor: new Uint8Array(32).fill(1) }),
      InputError,
      "invalid_argument",
    );
    expectCode(
      () => archive.query({ pubsubTopic: PUBSUB, forward: false, limit: 20, cursor: routed(999).hash }),
      InputError,
      "invalid_argument",
    );
    archive.close();
  });
});

describe("filters", () => {
  const a = Array.from({ length: 10 }, (_, i) => routed(i, { topic: "/wb/1/b1/p" }));
  const b = Array.from({ length: 10 }, (_, i) => routed(100 + i, { topic: "/wb/1/b2/p" }));
  const c = Array.from({ length: 5 }, (_, i) =>
    routed(200 + i, { topic: "/wb/1/b1/p", pubsub: OTHER_PUBSUB }),
  );

  function filled() {
    const { archive } = openArchive();
    for (const m of [...a, ...b, ...c]) archive.add(m);
    return archive;
  }
  const hashes = (ms: RoutedMessage[]) => ms.map((m) => hex(m.hash));

  test("by pubsub topic and content topics", () => {
    const archive = filled();
    const q = (contentTopics: string[], pubsubTopic = PUBSUB) =>
      hashes(archive.query({ pubsubTopic, contentTopics, forward: true, limit: 100 }).messages);
    expect(q(["/wb/1/b1/p"])).toEqual(sorted(a));
    expect(q(["/wb/1/b2/p"])).toEqual(sorted(b));
    expect(q(["/wb/1/b1/p", "/wb/1/b2/p"])).toEqual(sorted([...a, ...b]));
    expect(q(["/wb/1/b1/p"], OTHER_PUBSUB)).toEqual(sorted(c));
    expect(q(["/wb/1/b7/p"])).toEqual([]);
    expect(hashes(archive.query({ pubsubTopic: OTHER_PUBSUB, forward: true, limit: 100 }).messages)).toEqual(
      sorted(c),
    );
    archive.close();
  });

  test("by time range, inclusive at both ends", () => {
    const archive = filled();
    const ts = (m: RoutedMessage | undefined) => (m as RoutedMessage).message.timestamp;
    const got = archive.query({
      pubsubTopic: PUBSUB,
      contentTopics: ["/wb/1/b1/p"],
      timeStart: ts(a[3]),
      timeEnd: ts(a[6]),
      forward: true,
      limit: 100,
    }).messages;
    expect(hashes(got)).toEqual(sorted(a.slice(3, 7)));
    const open = archive.query({
      pubsubTopic: PUBSUB,
      timeStart: ts(b[8]),
      forward: true,
      limit: 100,
    }).messages;
    expect(hashes(open)).toEqual(sorted(b.slice(8)));
    const until = archive.query({
      pubsubTopic: PUBSUB,
      timeEnd: ts(a[1]),
      forward: true,
      limit: 100,
    }).messages;
    expect(hashes(until)).toEqual(sorted(a.slice(0, 2)));
    const none = archive.query({
      pubsubTopic: PUBSUB,
      timeStart: ts(a[5]) + 1n,
      timeEnd: ts(a[6]) - 1n,
      forward: true,
      limit: 100,
    });
    expect(none.messages).toEqual([]);
    archive.close();
  });

  test("a time range pages correctly with a cursor in both directions", () => {
    const archive = filled();
    const ts = (m: RoutedMessage | undefined) => (m as RoutedMessage).message.timestamp;
    const base = { pubsubTopic: PUBSUB, timeStart: ts(a[2]), timeEnd: ts(b[7]), limit: 3 };
    const expected = sorted([...a.slice(2), ...b.slice(0, 8)]);
    for (const forward of [true, false]) {
      const pages: string[][] = [];
      let cursor: Uint8Array | undefined;
      do {
        const page = archive.query({ ...base, forward, ...(cursor ? { cursor } : {}) });
        pages.push(hashes(page.messages));
        cursor = page.cursor;
      } while (cursor);
      expect((forward ? pages : pages.reverse()).flat()).toEqual(expected);
    }
    archive.close();
  });

  test("by hashes: exactly the known ones, across topics, other filters ignored", () => {
    const archive = filled();
    const wanted = [a[4], b[2], c[1]] as RoutedMessage[];
    const got = archive.query({
      hashes: [...wanted.map((m) => m.hash), new Uint8Array(32).fill(7)],
      forward: true,
      limit: 100,
    }).messages;
    expect(hashes(got)).toEqual(sorted(wanted));
    expect(got.find((m) => hex(m.hash) === hex((c[1] as RoutedMessage).hash))?.pubsubTopic).toBe(
      OTHER_PUBSUB,
    );
    archive.close();
  });
});

describe("answerStoreQuery", () => {
  const msgs = Array.from({ length: 30 }, (_, i) => routed(i, { topic: `/wb/1/b${i % 2}/p` }));
  function filled() {
    const { archive } = openArchive();
    for (const m of msgs) archive.add(m);
    return archive;
  }
  const req = (fields: Partial<proto_store.StoreQueryRequest>): proto_store.StoreQueryRequest => ({
    requestId: "req-1",
    includeData: true,
    contentTopics: [],
    messageHashes: [],
    paginationForward: true,
    ...fields,
  });

  test("400 for content topics without a pubsub topic", () => {
    const archive = filled();
    const res = answerStoreQuery(archive, req({ contentTopics: ["/wb/1/b0/p"] }));
    expect(res.statusCode).toBe(400);
    expect(res.requestId).toBe("req-1");
    expect(res.messages).toEqual([]);
    archive.close();
  });

  test("400 for hashes together with content topics or a time range", () => {
    const archive = filled();
    const h = [(msgs[0] as RoutedMessage).hash];
    for (const extra of [
      { pubsubTopic: PUBSUB, contentTopics: ["/wb/1/b0/p"] },
      { timeStart: BASE_NS },
      { timeEnd: BASE_NS },
    ]) {
      const res = answerStoreQuery(archive, req({ messageHashes: h, ...extra }));
      expect(res.statusCode).toBe(400);
      expect(res.messages).toEqual([]);
    }
    archive.close();
  });

  test("400 for a hash that is not 32 bytes and for an unknown cursor", () => {
    const archive = filled();
    expect(answerStoreQuery(archive, req({ messageHashes: [new Uint8Array(31)] })).statusCode).toBe(400);
    const res = answerStoreQuery(archive, req({ pubsubTopic: PUBSUB, paginationCursor: new Uint8Array(32) }));
    expect(res.statusCode).toBe(400);
    archive.close();
  });

  test("200 with data: messages, their pubsub topic and hash, and a cursor that pages to the end", () => {
    const archive = filled();
    const seen: string[] = [];
    let cursor: Uint8Array | undefined;
    let pages = 0;
    do {
      const res = answerStoreQuery(
        archive,
        req({
          pubsubTopic: PUBSUB,
          contentTopics: ["/wb/1/b0/p"],
          paginationLimit: 4n,
          ...(cursor ? { paginationCursor: cursor } : {}),
        }),
      );
      expect(res.statusCode).toBe(200);
      expect(res.requestId).toBe("req-1");
      for (const kv of res.messages) {
        expect(kv.pubsubTopic).toBe(PUBSUB);
        expect(kv.message?.contentTopic).toBe("/wb/1/b0/p");
        seen.push(hex(kv.messageHash as Uint8Array));
      }
      cursor = res.paginationCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(sorted(msgs.filter((m) => m.message.contentTopic === "/wb/1/b0/p")));
    archive.close();
  });

  test("200 for a hash query without pubsub topic", () => {
    const archive = filled();
    const wanted = [msgs[3], msgs[17]] as RoutedMessage[];
    const res = answerStoreQuery(archive, req({ messageHashes: wanted.map((m) => m.hash) }));
    expect(res.statusCode).toBe(200);
    expect(res.messages.map((kv) => hex(kv.messageHash as Uint8Array))).toEqual(sorted(wanted));
    archive.close();
  });

  test("includeData false returns only hashes", () => {
    const archive = filled();
    const res = answerStoreQuery(
      archive,
      req({ pubsubTopic: PUBSUB, includeData: false, paginationLimit: 50n }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.messages).toHaveLength(30);
    for (const kv of res.messages) {
      expect(kv.messageHash).toHaveLength(32);
      expect(kv.message).toBeUndefined();
      expect(kv.pubsubTopic).toBeUndefined();
    }
    expect(res.paginationCursor).toBeUndefined();
    archive.close();
  });

  test("defaults: newest page first (backward) with 20 messages; limits above 100 are capped", () => {
    const { archive } = openArchive();
    const many = Array.from({ length: 130 }, (_, i) => routed(i));
    for (const m of many) archive.add(m);
    const res = answerStoreQuery(archive, {
      requestId: "",
      includeData: false,
      contentTopics: [],
      messageHashes: [],
      pubsubTopic: PUBSUB,
      paginationForward: false,
    });
    expect(res.statusCode).toBe(200);
    expect(res.messages.map((kv) => hex(kv.messageHash as Uint8Array))).toEqual(sorted(many).slice(-20));
    expect(res.paginationCursor).toBeDefined();
    const capped = answerStoreQuery(archive, req({ pubsubTopic: PUBSUB, paginationLimit: 1000n }));
    expect(capped.messages).toHaveLength(100);
    archive.close();
  });

  test("the response encodes and decodes as a Store v3 message", () => {
    const archive = filled();
    const res = answerStoreQuery(archive, req({ pubsubTopic: PUBSUB, paginationLimit: 2n }));
    const back = proto_store.StoreQueryResponse.decode(proto_store.StoreQueryResponse.encode(res));
    expect(back.statusCode).toBe(200);
    expect(back.messages).toHaveLength(2);
    expect(hex(back.paginationCursor as Uint8Array)).toBe(hex(res.paginationCursor as Uint8Array));
    archive.close();
  });
});

describe("retention", () => {
  test("by age: messages older than maxAgeMs (by arrival) are pruned, the boundary one is kept", () => {
    let clock = 1_000_000;
    const { archive } = openArchive({ maxAgeMs: 10_000, maxBytes: 1e12 }, () => clock);
    const old = Array.from({ length: 5 }, (_, i) => routed(i));
    for (const m of old) archive.add(m);
    clock += 6_000;
    const fresh = Array.from({ length: 5 }, (_, i) => routed(100 + i));
    for (const m of fresh) archive.add(m);

    clock = 1_000_000 + 10_000; // exactly maxAgeMs after the old ones arrived
    archive.prune();
    expect(archive.size).toBe(10);

    clock += 1;
    archive.prune();
    expect(archive.size).toBe(5);
    const left = archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 100 }).messages;
    expect(left.map((m) => hex(m.hash))).toEqual(sorted(fresh));
    expect(archive.bytes).toBe(fresh.reduce((n, m) => n + encodeWakuMessage(m.message).length, 0));
    archive.close();
  });

  test("by age: age counts from arrival, not from the sender's timestamp", () => {
    let clock = 5_000_000;
    const { archive } = openArchive({ maxAgeMs: 1000, maxBytes: 1e12 }, () => clock);
    archive.add(routed(1, { ts: 1n })); // ancient sender timestamp, just arrived
    archive.prune();
    expect(archive.size).toBe(1);
    clock += 1001;
    archive.prune();
    expect(archive.size).toBe(0);
    archive.close();
  });

  test("by age: reopening after a long downtime prunes what expired", () => {
    let clock = 0;
    const dir = tempDir();
    const path = join(dir, "store.db");
    const retention = { maxAgeMs: 60_000, maxBytes: 1e12 };
    const first = MessageArchive.open(path, retention, () => clock);
    for (let i = 0; i < 3; i++) first.add(routed(i));
    first.close();
    clock = 60_001;
    const second = MessageArchive.open(path, retention, () => clock);
    expect(second.size).toBe(0);
    expect(second.bytes).toBe(0);
    second.close();
  });

  test("by size: the archive stays within maxBytes and keeps the newest messages", () => {
    const maxBytes = 3000;
    const { archive } = openArchive({ maxAgeMs: 1e12, maxBytes });
    const all = Array.from({ length: 40 }, (_, i) => routed(i, { size: 200 }));
    const size = encodeWakuMessage((all[0] as RoutedMessage).message).length;
    for (const m of all) {
      archive.add(m);
      expect(archive.bytes).toBeLessThanOrEqual(maxBytes);
    }
    const kept = archive.query({ pubsubTopic: PUBSUB, forward: true, limit: 100 }).messages;
    expect(kept.length).toBeGreaterThanOrEqual(Math.floor((maxBytes * 0.9) / size));
    expect(kept.length).toBeLessThanOrEqual(Math.floor(maxBytes / size));
    expect(kept.map((m) => hex(m.hash))).toEqual(sorted(all).slice(-kept.length));
    expect(archive.bytes).toBe(kept.length * size);
    expect(archive.size).toBe(kept.length);
    archive.close();
  });

  test("by size: the oldest by timestamp goes first, even if it arrived last", () => {
    const { archive } = openArchive({ maxAgeMs: 1e12, maxBytes: 1000 });
    const recent = Array.from({ length: 4 }, (_, i) => routed(100 + i, { size: 200 }));
    for (const m of recent) archive.add(m);
    expect(archive.size).toBe(4);
    const ancient = routed(1, { size: 200 });
    archive.add(ancient);
    const left = archive
      .query({ pubsubTopic: PUBSUB, forward: true, limit: 100 })
      .messages.map((m) => hex(m.hash));
    expect(left).not.toContain(hex(ancient.hash));
    expect(left).toEqual(sorted(recent).slice(-left.length));
    archive.close();
  });
});

describe("persistence", () => {
  test("the archive survives close and reopen with every message, in order", () => {
    const dir = tempDir();
    const path = join(dir, "store.db");
    const msgs = Array.from({ length: 45 }, (_, i) => routed(i, { size: 100 + i }));
    const first = MessageArchive.open(path, BIG);
    for (const m of shuffled(msgs)) first.add(m);
    const bytes = first.bytes;
    first.close();

    const second = MessageArchive.open(path, BIG);
    expect(second.size).toBe(45);
    expect(second.bytes).toBe(bytes);
    const pages = allPages(second, true, 20);
    expect(pages.flat()).toEqual(sorted(msgs));
    const byHash = new Map(msgs.map((m) => [hex(m.hash), m.message]));
    for (const m of second.query({ pubsubTopic: PUBSUB, forward: true, limit: 100 }).messages) {
      expect(m.message).toEqual(byHash.get(hex(m.hash)) as WakuMessage);
    }
    // Still deduplicates against what was stored before the restart.
    expect(second.add(msgs[0] as RoutedMessage)).toBe(false);
    second.close();
  });

  test("a second open while the first holds store.db fails with data_dir_locked", () => {
    const { path, archive } = openArchive();
    expectCode(() => MessageArchive.open(path, BIG), StorageError, "data_dir_locked");
    archive.close();
    MessageArchive.open(path, BIG).close();
  });

  test("a store.db full of garbage gives StorageError db_corrupt", () => {
    const path = join(tempDir(), "store.db");
    const garbage = new Uint8Array(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) & 0xff;
    writeFileSync(path, garbage);
    expectCode(() => MessageArchive.open(path, BIG), StorageError, "db_corrupt");
  });

  test("a truncated store.db gives StorageError db_corrupt", () => {
    const { path, archive } = openArchive();
    for (let i = 0; i < 200; i++) archive.add(routed(i, { size: 500 }));
    archive.close();
    truncateSync(path, statSync(path).size - 1000);
    expectCode(() => MessageArchive.open(path, BIG), StorageError, "db_corrupt");
  });

  test("a store.db with a valid header but a garbled first page gives StorageError db_corrupt", () => {
    const { path, archive } = openArchive();
    for (let i = 0; i < 20; i++) archive.add(routed(i));
    archive.close();
    const head = readFileSync(path).subarray(0, 100);
    expect(Buffer.from(head.subarray(0, 15)).toString()).toBe("SQLite format 3");
    const fd = openSync(path, "r+");
    try {
      writeSync(fd, new Uint8Array(400).fill(0xa5), 0, 400, 100);
    } finally {
      closeSync(fd);
    }
    expectCode(() => MessageArchive.open(path, BIG), StorageError, "db_corrupt");
  });

  test("a store.db with a sound header and schema but a garbled data page gives StorageError db_corrupt", () => {
    const { path, archive } = openArchive();
    for (let i = 0; i < 300; i++) archive.add(routed(i, { size: 500 }));
    archive.close();
    const pageSize = readFileSync(path).readUInt16BE(16);
    const pages = statSync(path).size / pageSize;
    expect(pages).toBeGreaterThan(40);
    const fd = openSync(path, "r+");
    try {
      // A page in the middle of the archive table: header and sqlite_schema (page 1) stay intact.
      const page = Math.floor(pages / 2);
      writeSync(fd, new Uint8Array(pageSize).fill(0xa5), 0, pageSize, page * pageSize);
    } finally {
      closeSync(fd);
    }
    expectCode(() => MessageArchive.open(path, BIG), StorageError, "db_corrupt");
  });
});
