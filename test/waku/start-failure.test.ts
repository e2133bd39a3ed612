import { expect, test } from "bun:test";
import { resolveNodeConfig } from "../../src/config.ts";
import { InputError, NetworkError } from "../../src/errors.ts";
import { WakuNode } from "../../src/waku/node.ts";
import { expectCode, expectRejection } from "../support/errors.ts";

test("a listen address that cannot be bound fails the start with one line of NetworkError unreachable", async () => {
  let error: unknown;
  try {
    await WakuNode.start({ listen: ["/ip4/192.0.2.1/tcp/0"] });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(NetworkError);
  expect((error as NetworkError).code).toBe("unreachable");
  expect((error as NetworkError).message).toStartWith("cannot start the Waku node:");
  expect((error as NetworkError).message).not.toContain("\n");
  // The same check through the shared helper, so the assertion style matches the rest of the suite.
  await expectRejection(WakuNode.start({ listen: ["/ip4/192.0.2.1/tcp/0"] }), NetworkError, "unreachable");
});

test("a malformed listen address or peer is refused as input before anything starts", () => {
  expectCode(() => resolveNodeConfig({ listen: ["garbage"] }, {}), InputError, "invalid_argument");
  expectCode(
    () => resolveNodeConfig({}, { WAKUBOT_LISTEN: "/ip4/1.2.3.4/tcp/x" }),
    InputError,
    "invalid_argument",
  );
  expectCode(() => resolveNodeConfig({ peer: ["/ip4/127.0.0.1/tcp/1"] }, {}), InputError, "invalid_argument");
});
