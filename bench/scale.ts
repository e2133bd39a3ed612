/**
 * @module Benchmark group `scale`: start-up time and resident memory of a bot whose data directory holds 100,000
 * conversations. The directory is built once (cached under the OS temp directory): a few real sessions through
 * the session store, then cloned in bulk with per-row sealing; each start runs in a fresh `bun` process.
 */
import type { Database } from "bun:sqlite";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base64urlnopad } from "@scure/base";
import { accountIdFromPublicKey } from "../src/account/account-id.ts";
import { PayloadRegistry, text } from "../src/payloads/index.ts";
import { STATE_VERSION } from "../src/protocol/state-codec.ts";
import { SessionStore } from "../src/sessions/store.ts";
import { createDataDir, type DataDir, MESSAGES_DB, SECRETS_DB } from "../src/storage/data-dir.ts";
import { loadNodeKey } from "../src/waku/node-key.ts";
import type { Figure } from "./groups.ts";

/** Bump when the generated content changes; the schema (migration journals) is part of the cache key anyway. */
const VERSION = "scale-v3";
const CONVERSATIONS = 100_000;
/** Real sessions made through SessionStore; the rest are clones of these. */
const TEMPLATES = 4;
const BATCH = 5_000;
const PASSPHRASE = "wakubot-bench-scale";
/** Cheap Argon2id for the template peers only; the bot's own directory uses the default cost, as in production. */
const PEER_KDF = { memoryKiB: 64, passes: 1, lanes: 1 } as const;
const ROUNDS = 3;
const ROOT = join(import.meta.dir, "..");

/** What the build wrote, kept next to the data directory. */
interface BuildInfo {
  readonly conversations: number;
  readonly tagRows: number;
  readonly messageRows: number;
  readonly buildSeconds: number;
  readonly secretsMb: number;
  readonly messagesMb: number;
}

/** One fresh-process start. */
interface StartSample {
  readonly importMs: number;
  readonly createMs: number;
  readonly startMs: number;
  readonly rssMb: number;
  /** After a full GC, for the record only: shows what the Argon2id working memory (64 MiB) adds until freed. */
  readonly rssAfterGcMb: number;
  readonly heapMb: number;
  readonly conversations: number;
}

function cacheKey(): string {
  const h = createHash("sha256").update(`${VERSION}/${CONVERSATIONS}/${STATE_VERSION}`);
  for (const db of ["messages", "secrets"]) {
    const journal = join(ROOT, "drizzle", db, "meta", "_journal.json");
    if (existsSync(journal)) h.update(readFileSync(journal));
  }
  return h.digest("hex").slice(0, 12);
}

function fileMb(path: string, name: string): number {
  let bytes = 0;
  for (const suffix of ["", "-wal"]) {
    const f = join(path, `${name}${suffix}`);
    if (existsSync(f)) bytes += statSync(f).size;
  }
  return Math.round(bytes / 2 ** 20);
}

/** The underlying bun:sqlite handle of a drizzle database. */
const raw = (db: DataDir["secrets"] | DataDir["messages"]) =>
  (db as unknown as { $client: Database }).$client;

/**
 * Real sessions: each template peer connects to the bot's invite and exchanges three messages (peer → bot → peer
 * → bot), so the bot holds a ratcheting session with a receiving chain, as most conversations of a running bot do.
 */
function makeTemplates(bot: DataDir, scratch: string): string[] {
  const botStore = new SessionStore(bot);
  const invite = botStore.createInvite();
  const registry = new PayloadRegistry();
  const frame = (s: string) => registry.encode(text, s);
  const ids: string[] = [];
  for (let i = 0; i < TEMPLATES; i++) {
    const peer = createDataDir(join(scratch, `peer-${i}`), { passphrase: "p", kdf: PEER_KDF });
    try {
      const peerStore = new SessionStore(peer);
      const peerConversation = peerStore.connect(invite);
      const first = botStore.receive(peerStore.send(peerConversation, frame("hello bot")).payload);
      peerStore.receive(botStore.send(first.conversationId, frame("hello human, how can I help?")).payload);
      botStore.receive(peerStore.send(peerConversation, frame("what's the weather like?")).payload);
      ids.push(first.conversationId);
    } finally {
      peer.close();
    }
  }
  // As after a run: inbound messages handled, outbound ones delivered.
  const messages = raw(bot.messages);
  messages.run("UPDATE messages SET status = 'handled' WHERE direction = 'in'");
  messages.run("UPDATE messages SET status = 'delivered', delivered_at = created_at WHERE direction = 'out'");
  return ids;
}

interface Template {
  readonly state: Uint8Array;
  readonly tags: number;
  readonly conversation: Record<string, unknown>;
  readonly messages: Record<string, unknown>[];
}

function readTemplate(bot: DataDir, id: string): Template {
  const secrets = raw(bot.secrets);
  const messages = raw(bot.messages);
  const row = secrets.query("SELECT state FROM sessions WHERE conversation_id = ?").get(id) as {
    state: Uint8Array;
  };
  const tags = secrets.query("SELECT count(*) AS n FROM tag_index WHERE conversation_id = ?").get(id) as {
    n: number;
  };
  return {
    state: bot.sealer.open(row.state, { table: "sessions", row: id, column: "state" }),
    tags: tags.n,
    conversation: messages.query("SELECT * FROM conversations WHERE id = ?").get(id) as Record<
      string,
      unknown
    >,
    messages: messages.query("SELECT * FROM messages WHERE conversation_id = ?").all(id) as Record<
      string,
      unknown
    >[],
  };
}

function insertSql(table: string, columns: string[]): string {
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;
}

/**
 * Clones the templates into `CONVERSATIONS` conversations: per conversation a conversations row (a fresh random
 * peer identity), the template's message rows under new ids, the template's ratchet state re-sealed for the new
 * row, and as many tag index rows as the template has, with fresh tag hashes.
 *
 * Speed: random keys make SQLite insert all over its B-trees (~5 µs a row; 12.8 M tag rows took 95 s, per-row inserts from JS). So the new
 * conversation ids are sorted and the tag hashes ascend (a 4-byte big-endian prefix spread evenly over the key
 * space, then 12 random bytes): every insert appends, which packs pages fuller than a live directory would have
 * them (smaller files), while rows and row counts stay as they would be.
 */
function cloneConversations(bot: DataDir, templates: Template[]): { tagRows: number; messageRows: number } {
  const secrets = raw(bot.secrets);
  const messages = raw(bot.messages);
  // Build-time only: these connections write a throwaway directory and are closed afterwards.
  for (const db of [secrets, messages]) {
    db.run("PRAGMA synchronous = OFF");
    db.run("PRAGMA cache_size = -1000000");
  }
  const first = templates[0] as Template;
  const conversationColumns = Object.keys(first.conversation);
  const messageColumns = Object.keys(first.messages[0] ?? {});
  const insertConversation = messages.prepare(insertSql("conversations", conversationColumns));
  const insertMessage = messages.prepare(insertSql("messages", messageColumns));
  const insertSession = secrets.prepare(
    "INSERT INTO sessions (conversation_id, state, state_version, updated_at) VALUES (?, ?, ?, ?)",
  );
  // A conversation's tag rows in one statement: hash = 4-byte big-endian prefix of (first + i) / total, spread
  // over the key space, then 12 random bytes (CAST: `||` of blobs yields text).
  const insertTags = secrets.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
     INSERT INTO tag_index (tag_hash, conversation_id)
     SELECT CAST(unhex(printf('%08x', ((?2 + i) * 4294967296) / ?3)) || randomblob(12) AS BLOB), ?4 FROM n`,
  );
  const now = Date.now();
  const clones = CONVERSATIONS - templates.length;
  const ids = Array.from({ length: clones }, () => `c${base64urlnopad.encode(randomBytes(12))}`).sort();
  const templateOf = (i: number) => templates[i % templates.length] as Template;
  let totalTags = 0;
  for (let i = 0; i < clones; i++) totalTags += templateOf(i).tags;
  let tagRows = 0;
  let messageRows = 0;
  for (let start = 0; start < clones; start += BATCH) {
    const batch: { id: string; t: Template; at: number }[] = [];
    for (let i = start; i < Math.min(clones, start + BATCH); i++) {
      batch.push({ id: ids[i] as string, t: templateOf(i), at: now - (clones - i) * 1000 });
    }
    messages.transaction(() => {
      for (const { id, t, at } of batch) {
        const peerKey = randomBytes(32);
        const row = {
          ...t.conversation,
          id,
          peer_account_id: accountIdFromPublicKey(peerKey),
          peer_identity_key: peerKey,
          created_at: at,
          updated_at: at,
          last_message_at: at,
        };
        insertConversation.run(...(conversationColumns.map((c) => row[c as keyof typeof row]) as never[]));
        for (const [k, m] of t.messages.entries()) {
          const message: Record<string, unknown> = {
            ...m,
            id: `${id}:${randomBytes(8).toString("hex")}`,
            conversation_id: id,
          };
          for (const c of ["created_at", "sent_at", "delivered_at", "received_at"]) {
            if (message[c] !== null && message[c] !== undefined) message[c] = at + k;
          }
          insertMessage.run(...(messageColumns.map((c) => message[c]) as never[]));
          messageRows++;
        }
      }
    })();
    secrets.transaction(() => {
      for (const { id, t, at } of batch) {
        const sealed = bot.sealer.seal(t.state, { table: "sessions", row: id, column: "state" });
        insertSession.run(id, sealed, STATE_VERSION, at);
        insertTags.run(t.tags, tagRows, totalTags, id);
        tagRows += t.tags;
      }
    })();
  }
  for (const db of [secrets, messages]) db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  return { tagRows: tagRows + templates.reduce((a, t) => a + t.tags, 0), messageRows };
}

/** Builds the data directory at `dir/data` unless a complete one is cached there. */
async function ensureDataDir(dir: string): Promise<BuildInfo> {
  const infoPath = join(dir, "build.json");
  if (existsSync(infoPath)) {
    process.stderr.write(`  [scale] reusing ${dir}\n`);
    return JSON.parse(readFileSync(infoPath, "utf8")) as BuildInfo;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const data = join(dir, "data");
  const bot = createDataDir(data, { passphrase: PASSPHRASE });
  let counts: { tagRows: number; messageRows: number };
  try {
    await loadNodeKey(bot);
    const ids = makeTemplates(bot, join(dir, "scratch"));
    const templates = ids.map((id) => readTemplate(bot, id));
    counts = cloneConversations(bot, templates);
    counts = {
      ...counts,
      messageRows: counts.messageRows + templates.reduce((a, t) => a + t.messages.length, 0),
    };
  } finally {
    bot.close();
  }
  rmSync(join(dir, "scratch"), { recursive: true, force: true });
  const info: BuildInfo = {
    conversations: CONVERSATIONS,
    ...counts,
    buildSeconds: Math.round((performance.now() - t0) / 100) / 10,
    secretsMb: fileMb(data, SECRETS_DB),
    messagesMb: fileMb(data, MESSAGES_DB),
  };
  writeFileSync(infoPath, JSON.stringify(info));
  process.stderr.write(`  [scale] built ${dir} in ${info.buildSeconds} s (${JSON.stringify(info)})\n`);
  return info;
}

/** The child: imports the bot, opens the directory, starts a WakuNode with no peers, prints one JSON line. */
const CHILD = `
const t0 = performance.now();
const { createBot } = await import(process.env.SCALE_BOT_MODULE);
const t1 = performance.now();
const bot = await createBot({ data: process.env.SCALE_DATA, passphrase: process.env.SCALE_PASSPHRASE, peers: [],
  json: false, output: () => {} });
const t2 = performance.now();
await bot.start();
const t3 = performance.now();
const memory = process.memoryUsage();
Bun.gc(true);
const afterGc = process.memoryUsage().rss;
const { Database } = await import("bun:sqlite");
await bot.stop();
const db = new Database(process.env.SCALE_DATA + "/messages.db", { readonly: true });
const conversations = db.query("SELECT count(*) AS n FROM conversations").get().n;
db.close();
console.log(JSON.stringify({ importMs: t1 - t0, createMs: t2 - t1, startMs: t3 - t2, rssMb: memory.rss / 2 ** 20,
  rssAfterGcMb: afterGc / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20, conversations }));
process.exit(0);
`;

function startOnce(data: string): StartSample {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("WAKUBOT_")) delete env[k];
  const child = spawnSync(process.execPath, ["-e", CHILD], {
    cwd: ROOT,
    env: {
      ...env,
      SCALE_BOT_MODULE: join(ROOT, "src", "bot", "bot.ts"),
      SCALE_DATA: data,
      SCALE_PASSPHRASE: PASSPHRASE,
    },
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = child.stdout.trim().split("\n").pop() ?? "";
  if (child.status !== 0 || !line.startsWith("{")) {
    throw new Error(`scale: the start process failed (status ${child.status}): ${child.stderr}`);
  }
  return JSON.parse(line) as StartSample;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * The `scale` group: builds (or reuses) the 100,000-conversation directory, starts a bot on it once to warm the
 * OS cache and finish first-start writes (store.db), then three measured starts, each in a fresh process; the
 * figures are medians. `WAKUBOT_BENCH_KEEP=1` keeps the directory for the next run.
 *
 * @example
 * for (const f of await measureScale()) console.log(f);
 */
export async function measureScale(): Promise<Figure[]> {
  const dir = join(tmpdir(), `wakubot-bench-scale-${cacheKey()}`);
  try {
    const info = await ensureDataDir(dir);
    const data = join(dir, "data");
    startOnce(data);
    const samples: StartSample[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = startOnce(data);
      samples.push(s);
      process.stderr.write(
        `  [scale] start ${i + 1}: import ${s.importMs.toFixed(0)} ms (not counted), createBot ${s.createMs.toFixed(0)} ms, start() ${s.startMs.toFixed(0)} ms, rss ${s.rssMb.toFixed(1)} MB (${s.rssAfterGcMb.toFixed(1)} MB after a full GC), heap ${s.heapMb.toFixed(1)} MB\n`,
      );
    }
    process.stderr.write(
      `  [scale] data dir: ${info.conversations} conversations, ${info.tagRows} tag index rows, ${info.messageRows} messages; secrets.db ${info.secretsMb} MB, messages.db ${info.messagesMb} MB\n`,
    );
    return [
      {
        bench: "scale.start_ms",
        value: Math.round(median(samples.map((s) => s.createMs + s.startMs))),
        unit: "ms",
      },
      { bench: "scale.rss_mb", value: Number(median(samples.map((s) => s.rssMb)).toFixed(1)), unit: "MB" },
      { bench: "scale.conversations", value: median(samples.map((s) => s.conversations)), unit: "count" },
    ];
  } finally {
    if (process.env.WAKUBOT_BENCH_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  }
}
