/**
 * Chaos (issue 6, docs/delivery.md): while a client sends 200 messages, the echo bot process is SIGKILLed and
 * restarted on its data directory at seeded random moments, six times. Every message must be answered exactly
 * once and every outbound message of the client must reach `delivered`.
 *
 * Topology, all on loopback: a `wakubot node` process (relay + Store); `wakubot run bots/echo.ts` on its own data
 * directory, peered to the node; the client is a bot in this process, peered to the node.
 *
 * Schedule (mulberry32, fixed seed): the client sends `m000`…`m199` with gaps of 2–49 ms. Six kill points are
 * message indices, one drawn from each sixth of [10, 190). On reaching one, the sender makes sure the bot's
 * previous restart is ready, then arms a kill 0–249 ms later; it does not wait for it and keeps sending (it only
 * waits for the last kill before its last message, so every kill lands while it sends). A kill is SIGKILL, then
 * 0–399 ms down, then a new process on the same data directory, ready once its `ready` event is printed.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type Bot, createBot } from "../../src/bot/bot.ts";
import type { MessageHandle } from "../../src/bot/context.ts";
import { mulberry32 } from "../../src/waku/memory.ts";
import { type CliEvent, CliProcess, CliProcesses, REPO } from "../support/processes.ts";
import { TEST_KDF } from "../support/tmp.ts";

const ECHO = join(REPO, "bots/echo.ts");
const BIN = join(REPO, "bin/wakubot");
/** Start-up of a node or bot process: Bun, a default-cost Argon2id derivation, libp2p, the Store catch-up. */
const START = 20_000;
const SEED = 20_240_606;
const MESSAGES = 200;
const KILLS = 6;
/** After the last send: how long every reply and every `delivered` may take (resends back off to 2 s here). */
const SETTLE_DEADLINE = 30_000;
/** After everything arrived: how long to keep listening for duplicates. */
const QUIET = 3_000;
/** The bot's quota must not be what limits 200 replies plus receipts and resends. */
const RATE_LIMIT = "100000/600";

const cli = new CliProcesses("wakubot e2e chaos test");
let client: Bot | undefined;

afterAll(async () => {
  try {
    await Promise.race([client?.stop(), Bun.sleep(10_000)]);
  } finally {
    await cli.cleanup();
  }
});

/**
 * `wakubot --data DATA --json run bots/echo.ts --peer NODE` with `CliProcesses.spawn`'s environment (PATH and the
 * passphrase only) plus WAKUBOT_RATE_LIMIT; tracked by `cli`, so `cleanup()` kills it.
 */
function spawnBot(name: string, data: string, nodeAddr: string): CliProcess {
  const args = ["--data", data, "--json", "run", ECHO, "--peer", nodeAddr];
  const proc = Bun.spawn([process.execPath, BIN, ...args], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      WAKUBOT_PASSPHRASE: cli.passphrase,
      WAKUBOT_RATE_LIMIT: RATE_LIMIT,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const child = new CliProcess(name, args, proc);
  cli.children.push(child);
  return child;
}

/** Polls `condition` every 50 ms; true as soon as it holds, false once `timeoutMs` passed. */
async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(50);
  }
  return true;
}

/**
 * Texts `mNNN` as sorted runs, so a failure reads `["m000–m031", "m045"]` rather than 200 lines.
 *
 * @example
 * runs(["m003", "m001", "m002", "m007"]); // ["m001–m003", "m007"]
 */
function runs(list: Iterable<string>): string[] {
  const sorted = [...list].sort();
  const number = (i: number) => Number((sorted[i] as string).slice(1));
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && number(i) === number(i - 1) + 1) continue;
    out.push(i - 1 === start ? (sorted[start] as string) : `${sorted[start]}–${sorted[i - 1]}`);
    start = i;
  }
  return out;
}

/** Texts grouped by a value (a count, a status), each group as {@link runs}: `{ "2": ["m010–m012"] }`. */
function grouped(entries: Iterable<readonly [string, string | number]>): Record<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [text, value] of entries)
    groups.set(String(value), [...(groups.get(String(value)) ?? []), text]);
  return Object.fromEntries([...groups].map(([value, texts]) => [value, runs(texts)]));
}

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

test("200 messages to a bot SIGKILLed and restarted 6 times are each answered exactly once and delivered", async () => {
  const started = performance.now();
  const random = mulberry32(SEED);
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min));

  const texts = Array.from({ length: MESSAGES }, (_, i) => `m${String(i).padStart(3, "0")}`);
  const gaps = texts.map(() => between(2, 50));
  const span = Math.floor((MESSAGES - 20) / KILLS);
  const killAt = new Map<number, { delayMs: number; downMs: number }>();
  for (let k = 0; k < KILLS; k++) {
    killAt.set(10 + k * span + between(0, span - 5), { delayMs: between(0, 250), downMs: between(0, 400) });
  }

  const node = cli.spawn("node", cli.dir("node"), ["node"]);
  const nodeAddr = ((await node.waitFor("ready", START)).multiaddrs as string[])[0] as string;
  const botData = cli.dir("echo");
  const incarnations: CliProcess[] = [spawnBot("echo-0", botData, nodeAddr)];
  const current = () => incarnations.at(-1) as CliProcess;
  const first = await current().waitFor("ready", START);

  client = await createBot({
    data: cli.dir("client"),
    passphrase: "client",
    kdf: TEST_KDF,
    peers: [nodeAddr],
    listen: ["/ip4/127.0.0.1/tcp/0"],
    json: false,
    output: () => {},
    rateLimit: { limit: 100_000, epochSeconds: 600 },
    reliability: { resendAfterMs: 1000, maxResendDelayMs: 2000 },
  });
  const replies = new Map<string, number>();
  const foreignReplies: string[] = [];
  const delivered = new Map<string, number>();
  const clientErrors: unknown[] = [];
  client.events.on("delivered", (e) => void increment(delivered, e.id));
  client.events.on("error", (e) => void clientErrors.push(e));
  let conversationId: string | undefined;
  client.on("text", (ctx) => {
    increment(replies, ctx.text);
    if (ctx.conversation.id !== conversationId) foreignReplies.push(ctx.text);
  });
  await client.start();
  const conversation = await client.connect(first.invite as string);
  conversationId = conversation.id;

  // The kill loop: each kill is a promise chain (delay, SIGKILL, exit, downtime, respawn, ready); the sender
  // awaits the previous restart before arming the next kill, so kills never overlap, and awaits the last kill
  // before its last message, so every kill happens while it sends.
  const kills: { atMessage: number; afterMs: number }[] = [];
  let killed: Promise<void> = Promise.resolve();
  let restarted: Promise<void> = Promise.resolve();
  const arm = (atMessage: number, delayMs: number, downMs: number) => {
    killed = (async () => {
      await Bun.sleep(delayMs);
      const victim = current();
      victim.kill("SIGKILL");
      await victim.exited(5_000);
      kills.push({ atMessage, afterMs: Math.round(performance.now() - started) });
    })();
    restarted = killed.then(async () => {
      await Bun.sleep(downMs);
      const next = spawnBot(`echo-${incarnations.length}`, botData, nodeAddr);
      incarnations.push(next);
      const ready = await next.waitFor("ready", START);
      expect(ready.account).toBe(first.account);
    });
    // Surfaced by the sender's awaits; never an unhandled rejection meanwhile.
    restarted.catch(() => {});
  };

  const handles: MessageHandle[] = [];
  for (const [i, text] of texts.entries()) {
    const kill = killAt.get(i);
    if (kill) {
      await restarted;
      arm(i, kill.delayMs, kill.downMs);
    }
    if (i === MESSAGES - 1) await killed;
    handles.push(await conversation.send(text));
    await Bun.sleep(gaps[i] as number);
  }
  await restarted;
  expect(kills).toHaveLength(KILLS);

  const byId = new Map(handles.map((h, i) => [h.id, texts[i] as string]));
  const byText = new Set(texts);
  // Everything that is wrong, as text runs: missing replies, replies by count above one, replies to texts never
  // sent, outbound messages by status short of delivered, ids without (or with several) delivered events.
  const report = () => ({
    missing: runs(texts.filter((t) => !replies.has(t))),
    duplicated: grouped([...replies].filter(([t, n]) => n > 1 && byText.has(t))),
    unexpected: Object.fromEntries([...replies].filter(([t]) => !byText.has(t))),
    undelivered: grouped(
      handles.flatMap((h, i) =>
        h.status === "delivered" || h.status === "read" ? [] : [[texts[i] as string, h.status] as const],
      ),
    ),
    notDeliveredEvent: runs(handles.flatMap((h, i) => (delivered.has(h.id) ? [] : [texts[i] as string]))),
    deliveredTwice: grouped(
      [...delivered].flatMap(([id, n]) =>
        n > 1 && byId.has(id) ? [[byId.get(id) as string, n] as const] : [],
      ),
    ),
    foreignReplies: runs(foreignReplies),
  });
  const clean = {
    missing: [],
    duplicated: {},
    unexpected: {},
    undelivered: {},
    notDeliveredEvent: [],
    deliveredTwice: {},
    foreignReplies: [],
  };
  const complete = () => {
    const r = report();
    return r.missing.length === 0 && Object.keys(r.undelivered).length === 0;
  };

  const settled = await eventually(complete, SETTLE_DEADLINE);
  const explain = (phase: string) => {
    // Only on failure: what the bot processes saw, to tell a lost message from a lost reply.
    const seen = new Map<string, number>();
    for (const p of incarnations) for (const e of p.all("message")) increment(seen, String(e.text));
    const botSaw = grouped(texts.map((t) => [t, seen.get(t) ?? 0] as const));
    const botErrors: CliEvent[] = incarnations.flatMap((p) =>
      p.all((e) => e.event === "error" || e.event === "fatal"),
    );
    return (
      `${phase}: kills ${JSON.stringify(kills)}; texts by number of bot "message" events ${JSON.stringify(botSaw)}; ` +
      `bot errors ${JSON.stringify(botErrors)}; client errors ${JSON.stringify(clientErrors)}; ` +
      `last bot stderr: ${current().stderr.trim().slice(-2000)}`
    );
  };
  if (!settled) console.error(explain(`not complete ${SETTLE_DEADLINE} ms after the last send`));
  expect(report()).toEqual(clean);

  // Nothing more may come: no late duplicate of a reply, no second delivered event.
  await Bun.sleep(QUIET);
  const after = report();
  if (JSON.stringify(after) !== JSON.stringify(clean)) console.error(explain(`${QUIET} ms later`));
  expect(after).toEqual(clean);
  expect(replies.size).toBe(MESSAGES);
  expect([...replies.values()].reduce((a, b) => a + b, 0)).toBe(MESSAGES);
  expect(delivered.size).toBe(MESSAGES);
  expect(kills.length).toBeGreaterThanOrEqual(5);
  // The last bot process is still running, and every process printed only JSON lines.
  expect(current().exitCode).toBeNull();
  expect(incarnations.flatMap((p) => p.garbage)).toEqual([]);
}, 90_000);
