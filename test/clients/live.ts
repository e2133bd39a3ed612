/**
 * @module Two live bots on loopback Waku for the Go and Rust client contract tests: `bots/service.ts` serving the
 * admin API, and `bots/echo.ts` peered with it, whose invite the clients connect to. Run it directly
 * (`bun test/clients/live.ts`) to get the same pair for working on a client: it prints the environment the client
 * tests read and runs until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { CliProcesses } from "../support/processes.ts";

/** What the client tests are given, as environment variables. */
export interface LiveBots {
  readonly WAKUBOT_ADMIN_URL: string;
  readonly WAKUBOT_ADMIN_TOKEN: string;
  /** The echo bot's standing invite: connect to it, send a text, get `echo` back. */
  readonly WAKUBOT_PEER_INVITE: string;
  readonly WAKUBOT_PEER_ACCOUNT: string;
}

/**
 * Starts the pair; `cli.cleanup()` stops it.
 *
 * @example
 * const cli = new CliProcesses("pw");
 * const env = await startLiveBots(cli);
 */
export async function startLiveBots(cli: CliProcesses): Promise<LiveBots> {
  const token = randomBytes(32).toString("hex");
  const service = cli.spawn(
    "service",
    cli.dir("service"),
    ["run", "bots/service.ts", "--admin", "127.0.0.1:0", "--listen", "/ip4/127.0.0.1/tcp/0"],
    { env: { WAKUBOT_ADMIN_TOKEN: token } },
  );
  const ready = await service.waitFor("ready", 30_000);
  const address = (ready.multiaddrs as string[])[0] as string;
  const echo = cli.spawn("echo", cli.dir("echo"), [
    "run",
    "bots/echo.ts",
    "--listen",
    "/ip4/127.0.0.1/tcp/0",
    "--peer",
    address,
  ]);
  const peer = await echo.waitFor("ready", 30_000);
  return {
    WAKUBOT_ADMIN_URL: ready.admin as string,
    WAKUBOT_ADMIN_TOKEN: token,
    WAKUBOT_PEER_INVITE: peer.invite as string,
    WAKUBOT_PEER_ACCOUNT: peer.account as string,
  };
}

if (import.meta.main) {
  const cli = new CliProcesses("live");
  const env = await startLiveBots(cli);
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}='${v}'`);
  console.error("live bots running; Ctrl-C stops them");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await cli.cleanup();
}
