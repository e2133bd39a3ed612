/**
 * An aborted dial must not end the process: @libp2p/tcp hands the dial's AbortSignal to net.connect, whose late
 * AbortError found no listener (src/waku/libp2p.ts `guardDials`; seen as an "unhandled error" when a bot stopped
 * mid-dial). bun test fails the running test on an uncaught error, so without the guard this test fails (checked
 * against a bare `tcp()` transport: "AbortError: The operation was aborted", uncaught).
 */
import { afterEach, expect, test } from "bun:test";
import net from "node:net";
import type { ComponentLogger } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import { tcpTransport } from "../../src/waku/libp2p.ts";

const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false });
const logger = { forComponent: () => quiet } as unknown as ComponentLogger;

let server: net.Server | undefined;
afterEach(() => server?.close());

test("a dial aborted while connecting fails the dial and leaves no uncaught error", async () => {
  server = net.createServer((socket) => socket.destroy()).listen(0, "127.0.0.1");
  await new Promise((resolve) => server?.once("listening", resolve));
  const { port } = server.address() as net.AddressInfo;
  const transport = tcpTransport()({ logger }) as unknown as {
    _connect: (ma: unknown, options: unknown) => Promise<unknown>;
  };
  const connect = net.connect;
  const controller = new AbortController();
  const dialing = transport._connect(multiaddr(`/ip4/127.0.0.1/tcp/${port}`), { signal: controller.signal });
  controller.abort();
  const error = await dialing.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as Error | undefined)?.name).toBe("AbortError");
  await Bun.sleep(50); // the socket's own error is emitted on a later tick: nothing may escape
  expect(net.connect).toBe(connect); // the override lasted only for the dial's own call
});
