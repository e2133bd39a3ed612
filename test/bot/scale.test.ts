import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { Conversation } from "../../src/bot/context.ts";
import { type BotNetwork, botNetwork, record, settleUntil } from "../support/bots.ts";

/**
 * Conversations on the bot; `WAKUBOT_SCALE_CONVERSATIONS` overrides. Well past the ~500 busy conversations at
 * which the session store's tag caches (65,536 entries, ~130 per conversation) stop holding every window, where
 * issue 6's superlinear slowdown began.
 */
const CONVERSATIONS = Number(process.env.WAKUBOT_SCALE_CONVERSATIONS ?? 1000);
/** Client bots sharing them: each `connect(invite)` is a new conversation. */
const CLIENTS = 5;
/**
 * Idle time after which the bot's conversation actors leave memory. Long enough that the polls below see them live
 * even when a loaded machine runs the bot's inbound work in long stretches (nothing wakes them again afterwards:
 * the clients hold their acks of the answers).
 */
const IDLE_MS = 2_000;
/**
 * Deadline for the actors to leave after the last answer. The clients hold their acks of the answers (the answers
 * announce a 60 s hold, docs/delivery.md §Ack hold), so these come later still and wake an actor for a moment each.
 */
const IDLE_DEADLINE_MS = 30_000;

/** Conversations used again after going idle (rebuilding an actor is the same for any of them). */
const AGAIN = Math.min(CONVERSATIONS, 100);

let net: BotNetwork;
// RAM-backed data directories where the machine has them: this test is about the bot's bookkeeping for many
// conversations, not about fsync, which synchronous=FULL makes cost most of the time on disk.
const ram = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/wakubot-scale-") : undefined;
afterEach(async () => {
  await net?.stop();
  if (ram) rmSync(ram, { recursive: true, force: true });
});

test(`${CONVERSATIONS} conversations on one bot: all answered, actors leave memory when idle, conversations stay usable`, async () => {
  const laps: string[] = [];
  let t = performance.now();
  const lap = (what: string) => {
    const now = performance.now();
    laps.push(`${what} ${((now - t) / 1000).toFixed(1)} s`);
    t = now;
  };

  net = ram ? botNetwork({}, ram) : botNetwork();
  // Default reliability: the whole burst is sent before the bot answers the first message, so the clients' first
  // resend timers expire while the bot is still working through it; back-off keeps that from becoming a cascade.
  const bot = await net.bot("bot", { idleMs: IDLE_MS });
  const handled = new Map<string, number>();
  bot.on("text", (ctx) => {
    handled.set(ctx.conversation.id, (handled.get(ctx.conversation.id) ?? 0) + 1);
    return ctx.reply(`echo: ${ctx.text}`);
  });
  const errors = record(bot, "error");
  const { invite } = await bot.start();

  // Client side: texts received per client conversation.
  const answers = new Map<string, string[]>();
  let answerCount = 0;
  const conversations: Conversation[] = [];
  for (let c = 0; c < CLIENTS; c++) {
    const client = await net.bot(`client${c}`, { idleMs: IDLE_MS });
    client.on("text", (ctx) => {
      answers.set(ctx.conversation.id, [...(answers.get(ctx.conversation.id) ?? []), ctx.text]);
      answerCount++;
    });
    await client.start();
    for (let i = c; i < CONVERSATIONS; i += CLIENTS) conversations.push(await client.connect(invite));
  }
  lap("connect");

  let peak = 0;
  const watch = (done: () => boolean) => () => {
    peak = Math.max(peak, bot.liveConversations());
    return done();
  };
  for (const [i, conversation] of conversations.entries()) {
    await conversation.send(`hi ${i}`);
    peak = Math.max(peak, bot.liveConversations());
  }
  lap("send");
  await settleUntil(
    net.network,
    watch(() => answerCount === CONVERSATIONS),
    "every first answer",
    240_000,
  );
  lap("answer");

  expect(errors).toEqual([]);
  expect(handled.size).toBe(CONVERSATIONS); // one bot-side conversation per client conversation…
  expect([...handled.values()].every((n) => n === 1)).toBe(true); // …each handled once
  for (const [i, conversation] of conversations.entries()) {
    expect(answers.get(conversation.id)).toEqual([`echo: hi ${i}`]);
  }
  expect(peak).toBeGreaterThan(0);

  // Idle actors leave memory.
  await settleUntil(
    net.network,
    () => bot.liveConversations() === 0,
    "idle actors to leave",
    IDLE_DEADLINE_MS,
  );
  lap("idle");

  // …and the conversations are rebuilt from SQLite on the next message.
  const again = conversations.slice(0, AGAIN);
  for (const [i, conversation] of again.entries()) await conversation.send(`again ${i}`);
  lap("send again");
  let peakAgain = 0;
  await settleUntil(
    net.network,
    () => {
      peakAgain = Math.max(peakAgain, bot.liveConversations());
      return answerCount === CONVERSATIONS + AGAIN;
    },
    "every second answer",
    240_000,
  );
  lap("answer again");
  expect(peakAgain).toBeGreaterThan(0);
  expect(errors).toEqual([]);
  expect([...handled.values()].filter((n) => n === 2).length).toBe(AGAIN);
  expect([...handled.values()].filter((n) => n === 1).length).toBe(CONVERSATIONS - AGAIN);
  for (const [i, conversation] of conversations.entries()) {
    expect(answers.get(conversation.id)).toEqual(
      i < AGAIN ? [`echo: hi ${i}`, `echo: again ${i}`] : [`echo: hi ${i}`],
    );
  }
  await settleUntil(
    net.network,
    () => bot.liveConversations() === 0,
    "idle actors to leave again",
    IDLE_DEADLINE_MS,
  );
  lap("idle again");
  console.info(`scale: ${CONVERSATIONS} conversations, peak live ${peak}/${peakAgain}: ${laps.join(", ")}`);
}, 600_000);
