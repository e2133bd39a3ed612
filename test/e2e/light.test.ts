/**
 * Light mode end to end: the echo bot runs as a full node behind a service node, and the client is a light client
 * (`wakubot send --light`): LightPush out, Filter in, with the delivery receipt and the reply.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type CliEvent, CliProcesses, REPO } from "../support/processes.ts";

const START = 20_000;
const cli = new CliProcesses("wakubot e2e light test");
afterAll(() => cli.cleanup());

test("send --light pushes through a service node and gets the receipt and the reply through Filter", async () => {
  const node = cli.spawn("node", cli.dir("node"), ["node"]);
  const nodeAddr = ((await node.waitFor("ready", START)).multiaddrs as string[])[0] as string;
  const echo = cli.spawn("echo", cli.dir("echo"), ["run", join(REPO, "bots/echo.ts"), "--peer", nodeAddr]);
  const invite = (await echo.waitFor("ready", START)).invite as string;

  const client = cli.spawn("light", cli.dir("light"), [
    "send",
    invite,
    "over light",
    "--light",
    "--peer",
    nodeAddr,
    "--wait-delivered",
    "20",
    "--wait-reply",
    "20",
  ]);
  expect(await client.exited(45_000)).toBe(0);
  expect(client.events.map((e) => e.event)).toEqual(["sent", "delivered", "reply"]);
  const [sent, delivered, reply] = client.events as [CliEvent, CliEvent, CliEvent];
  expect(delivered.id).toBe(sent.id);
  expect(reply.text).toBe("over light");
  expect(echo.all((e) => e.event === "message" && e.text === "over light")).toHaveLength(1);
}, 90_000);
