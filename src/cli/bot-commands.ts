/** @module The CLI commands that run a bot: `run FILE`, `send TARGET TEXT` and `chat TARGET`, all on the embedded Waku node (or a light client). */
import { resolve as resolvePath } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { type Bot, createBot, runningBots } from "../bot/bot.ts";
import type { Conversation } from "../bot/context.ts";
import { parseAdminListen } from "../bot/options.ts";
import { resolveNodeConfig, resolvePassphrase, type WakubotEnv } from "../config.ts";
import { InputError, NetworkError } from "../errors.ts";

/** Parsed flags these commands read (a subset of the CLI's options). */
export interface BotCommandFlags {
  readonly data: string;
  readonly json: boolean;
  readonly passphraseFile: string | undefined;
  readonly listen: readonly string[] | undefined;
  readonly peer: readonly string[] | undefined;
  readonly cluster: string | undefined;
  readonly shards: string | undefined;
  readonly light: boolean | undefined;
  readonly waitDelivered: string | undefined;
  readonly waitReply: string | undefined;
  /** `run --admin HOST:PORT`. */
  readonly admin: string | undefined;
}

/** Output of a command: a JSON event line or a human line. */
export type Emit = (fields: { event: string } & Record<string, unknown>, human: string) => void;

function seconds(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) {
    throw new InputError("invalid_argument", `${flag} takes a number of seconds, not "${text}"`);
  }
  return Number(text) * 1000;
}

async function startBot(flags: BotCommandFlags, env: WakubotEnv): Promise<Bot> {
  const node = resolveNodeConfig(
    {
      listen: flags.listen,
      peer: flags.peer,
      cluster: flags.cluster,
      shards: flags.shards,
      light: flags.light,
    },
    env,
  );
  const bot = await createBot({
    data: flags.data,
    passphrase: resolvePassphrase(flags.passphraseFile, env),
    listen: node.listen,
    peers: node.peers,
    cluster: node.cluster,
    shards: node.shards,
    light: node.light,
    json: false,
    output: () => {},
  });
  try {
    await bot.start();
  } catch (error) {
    await bot.stop();
    throw error;
  }
  return bot;
}

async function target(bot: Bot, text: string): Promise<Conversation> {
  return text.startsWith("wb:") ? bot.connect(text) : bot.conversation(text);
}

/**
 * `wakubot send TARGET TEXT`: sends one text, prints `sent`, then optionally waits for the delivery receipt
 * and/or the first reply. A wait that runs out is `NetworkError("timeout")` (exit 1).
 *
 * @example
 * await sendCommand(flags, target, "hello", emit, process.env);
 */
export async function sendCommand(
  flags: BotCommandFlags,
  to: string,
  text: string,
  emit: Emit,
  env: WakubotEnv,
) {
  const deliveredMs = seconds(flags.waitDelivered, "--wait-delivered");
  const replyMs = seconds(flags.waitReply, "--wait-reply");
  const bot = await startBot(flags, env);
  try {
    const conversation = await target(bot, to);
    const reply = new Promise<{ id: string; text: string | undefined; type: string }>((resolve) => {
      bot.events.on("message", (m) => {
        if (m.conversation === conversation.id && m.type !== "receipt") resolve(m);
      });
    });
    const handle = await conversation.send(text);
    await handle.wait("sent", 30_000);
    emit({ event: "sent", conversation: conversation.id, id: handle.id }, `sent ${handle.id}`);
    const waits: Promise<void>[] = [];
    if (deliveredMs !== undefined) {
      waits.push(
        handle.wait("delivered", deliveredMs).then(() => {
          emit(
            { event: "delivered", conversation: conversation.id, id: handle.id },
            `delivered ${handle.id}`,
          );
        }),
      );
    }
    if (replyMs !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new NetworkError("timeout", `no reply within ${replyMs / 1000} s`)),
          replyMs,
        );
      });
      waits.push(
        Promise.race([reply, timeout])
          .then((m) => {
            const fields: { event: string } & Record<string, unknown> = {
              event: "reply",
              conversation: conversation.id,
              id: m.id,
              type: m.type,
            };
            if (m.text !== undefined) fields.text = m.text;
            emit(fields, `reply: ${m.text ?? `(${m.type})`}`);
          })
          .finally(() => clearTimeout(timer)),
      );
    }
    await Promise.all(waits);
  } finally {
    await bot.stop();
  }
}

/**
 * `wakubot chat TARGET`: lines typed on stdin are sent; texts from the peer are printed. Ends at end of input.
 *
 * @example
 * await chatCommand(flags, "wb:…", emit, process.env, process.stdin);
 */
export async function chatCommand(
  flags: BotCommandFlags,
  to: string,
  emit: Emit,
  env: WakubotEnv,
  input: NodeJS.ReadableStream,
) {
  const bot = await startBot(flags, env);
  try {
    const conversation = await target(bot, to);
    emit(
      { event: "chat", conversation: conversation.id },
      `chatting in ${conversation.id} (end with Ctrl-D)`,
    );
    bot.events.on("message", (m) => {
      if (m.conversation !== conversation.id || m.type === "receipt") return;
      const fields: { event: string } & Record<string, unknown> = { event: "message", ...m };
      emit(fields, `< ${m.text ?? `(${m.type})`}`);
    });
    bot.events.on("delivered", (d) => {
      if (d.conversation === conversation.id) emit({ event: "delivered", ...d }, `  ✓ delivered`);
    });
    const lines = createInterface({ input });
    const pending: Promise<boolean>[] = [];
    for await (const line of lines) {
      if (line.trim() === "") continue;
      const handle = await conversation.send(line);
      pending.push(
        handle.wait("sent", 30_000).then(
          () => {
            emit({ event: "sent", conversation: conversation.id, id: handle.id }, "  sent");
            return true;
          },
          (error: Error) => {
            emit({ event: "error", code: "unreachable", message: error.message }, `  ! ${error.message}`);
            return false;
          },
        ),
      );
    }
    // End of input: every line must have left before the node stops.
    if ((await Promise.all(pending)).includes(false)) {
      throw new NetworkError("unreachable", "some lines could not be sent");
    }
  } finally {
    await bot.stop();
  }
}

function setEnv(env: Record<string, string | undefined>, key: string, value: string | undefined): void {
  if (value !== undefined) env[key] = value;
}

/**
 * `wakubot run FILE`: passes the flags to `createBot()` through the `WAKUBOT_*` environment, imports FILE (which
 * creates and starts its bot), and on SIGINT/SIGTERM stops every bot it started.
 *
 * @example
 * await runCommand(flags, "bots/echo.ts", stopped);
 */
export async function runCommand(
  flags: BotCommandFlags,
  file: string,
  stopped: Promise<void>,
): Promise<void> {
  const env = process.env as Record<string, string | undefined>;
  setEnv(env, "WAKUBOT_DATA", flags.data);
  setEnv(env, "WAKUBOT_PASSPHRASE_FILE", flags.passphraseFile);
  if (flags.listen?.length) env.WAKUBOT_LISTEN = flags.listen.join(",");
  if (flags.peer?.length) env.WAKUBOT_PEERS = flags.peer.join(",");
  setEnv(env, "WAKUBOT_CLUSTER", flags.cluster);
  setEnv(env, "WAKUBOT_SHARDS", flags.shards);
  if (flags.light) env.WAKUBOT_LIGHT = "1";
  if (flags.json) env.WAKUBOT_JSON = "1";
  if (flags.admin !== undefined) {
    parseAdminListen(flags.admin);
    env.WAKUBOT_ADMIN = flags.admin;
  }
  resolveNodeConfig({}, env);
  await import(pathToFileURL(resolvePath(file)).href);
  // A bot whose node actor fails cannot go on: stop everything and exit non-zero (the error was reported).
  const fatal = new Promise<{ code: string; message: string }>((resolve) => {
    for (const bot of runningBots) bot.events.on("fatal", resolve);
  });
  const outcome = await Promise.race([stopped.then(() => undefined), fatal]);
  await Promise.allSettled([...runningBots].map((b) => b.stop()));
  if (outcome)
    throw new NetworkError("unreachable", `the bot stopped after a fatal error: ${outcome.message}`);
}
