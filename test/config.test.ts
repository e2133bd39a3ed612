import { describe, expect, test } from "bun:test";
import { resolveDataDir, resolveNodeConfig } from "../src/config.ts";
import { InputError } from "../src/errors.ts";

const PEER = "/ip4/127.0.0.1/tcp/60000/p2p/12D3KooWQuWgGrqgA7aVDXuidV1n9QgPijpe4DfXghA8w5AcQu7C";
const PEER2 = "/ip4/127.0.0.1/tcp/60001/p2p/12D3KooWB1Cpu4qHcfmtLfoprA1z693PgW3etroNfvtfiwRJdcNN";

/** The InputError `fn` throws (fails the test if it throws nothing or something else). */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError, nothing was thrown");
}

describe("resolveNodeConfig", () => {
  test("defaults: one loopback port chosen by the OS, no peers, cluster 1 with 8 shards, full node", () => {
    expect(resolveNodeConfig({}, {})).toEqual({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      peers: [],
      cluster: 1,
      shards: 8,
      light: false,
    });
  });

  test("the environment fills what the flags leave out; lists are comma-separated, trimmed, empties dropped", () => {
    const config = resolveNodeConfig(
      {},
      {
        WAKUBOT_LISTEN: " /ip4/0.0.0.0/tcp/60000 ,, /ip4/127.0.0.1/tcp/60001,",
        WAKUBOT_PEERS: `${PEER},${PEER2}`,
        WAKUBOT_CLUSTER: "9",
        WAKUBOT_SHARDS: "2",
        WAKUBOT_LIGHT: "1",
      },
    );
    expect(config).toEqual({
      listen: ["/ip4/0.0.0.0/tcp/60000", "/ip4/127.0.0.1/tcp/60001"],
      peers: [PEER, PEER2],
      cluster: 9,
      shards: 2,
      light: true,
    });
  });

  test("flags win over the environment, each option on its own", () => {
    const env = {
      WAKUBOT_LISTEN: "/ip4/0.0.0.0/tcp/60000",
      WAKUBOT_PEERS: PEER,
      WAKUBOT_CLUSTER: "9",
      WAKUBOT_SHARDS: "2",
      WAKUBOT_LIGHT: "1",
    };
    expect(
      resolveNodeConfig(
        {
          listen: ["/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/2"],
          peer: [PEER2],
          cluster: "7",
          shards: "3",
          light: false,
        },
        env,
      ),
    ).toEqual({
      listen: ["/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/2"],
      peers: [PEER2],
      cluster: 7,
      shards: 3,
      light: false,
    });
    // One flag given: only that option moves away from the environment.
    expect(resolveNodeConfig({ cluster: "0" }, env)).toEqual({
      listen: ["/ip4/0.0.0.0/tcp/60000"],
      peers: [PEER],
      cluster: 0,
      shards: 2,
      light: true,
    });
  });

  test("an empty flag list counts as not given; an empty or blank environment list as unset", () => {
    expect(resolveNodeConfig({ listen: [], peer: [] }, { WAKUBOT_PEERS: PEER }).peers).toEqual([PEER]);
    expect(resolveNodeConfig({}, { WAKUBOT_LISTEN: "", WAKUBOT_PEERS: " , " })).toMatchObject({
      listen: ["/ip4/127.0.0.1/tcp/0"],
      peers: [],
    });
  });

  test("only WAKUBOT_LIGHT=1 turns light mode on", () => {
    for (const value of ["0", "true", "yes", ""]) {
      expect(resolveNodeConfig({}, { WAKUBOT_LIGHT: value }).light).toBe(false);
    }
    expect(resolveNodeConfig({}, { WAKUBOT_LIGHT: "1", WAKUBOT_PEERS: PEER }).light).toBe(true);
  });

  test("light mode needs a peer (usage), from a flag or WAKUBOT_PEERS", () => {
    expect(inputError(() => resolveNodeConfig({ light: true }, {})).code).toBe("usage");
    expect(inputError(() => resolveNodeConfig({}, { WAKUBOT_LIGHT: "1" })).code).toBe("usage");
    expect(resolveNodeConfig({ light: true, peer: [PEER] }, {}).light).toBe(true);
    expect(resolveNodeConfig({ light: true }, { WAKUBOT_PEERS: PEER }).peers).toEqual([PEER]);
  });

  test("cluster 0..65535 and shards 1..1024, as plain decimal integers", () => {
    expect(resolveNodeConfig({ cluster: "0", shards: "1" }, {})).toMatchObject({ cluster: 0, shards: 1 });
    expect(resolveNodeConfig({ cluster: "65535", shards: "1024" }, {})).toMatchObject({
      cluster: 65535,
      shards: 1024,
    });
    for (const cluster of ["abc", "", "-1", "1.5", "1e3", "0x10", " 1", "65536", "99999999999999999999"]) {
      const error = inputError(() => resolveNodeConfig({ cluster }, {}));
      expect(error.code).toBe("invalid_argument");
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain("--cluster");
    }
    for (const shards of ["0", "1025", "two", "-8", ""]) {
      const error = inputError(() => resolveNodeConfig({ shards }, {}));
      expect(error.code).toBe("invalid_argument");
      expect(error.message).toContain("--shards");
    }
  });

  test("bad values from the environment are rejected the same way", () => {
    expect(inputError(() => resolveNodeConfig({}, { WAKUBOT_CLUSTER: "abc" })).code).toBe("invalid_argument");
    expect(inputError(() => resolveNodeConfig({}, { WAKUBOT_SHARDS: "0" })).code).toBe("invalid_argument");
    // A valid flag hides a bad environment value: the flag wins before anything is checked.
    expect(resolveNodeConfig({ cluster: "3" }, { WAKUBOT_CLUSTER: "abc" }).cluster).toBe(3);
  });

  test("the result does not alias the flag arrays", () => {
    const listen = ["/ip4/127.0.0.1/tcp/1"];
    const config = resolveNodeConfig({ listen }, {});
    listen.push("/ip4/127.0.0.1/tcp/2");
    expect(config.listen).toEqual(["/ip4/127.0.0.1/tcp/1"]);
  });
});

describe("resolveDataDir", () => {
  test("--data, else WAKUBOT_DATA, else ./wakubot-data", () => {
    expect(resolveDataDir("/flag", { WAKUBOT_DATA: "/env" })).toBe("/flag");
    expect(resolveDataDir(undefined, { WAKUBOT_DATA: "/env" })).toBe("/env");
    expect(resolveDataDir(undefined, {})).toBe("./wakubot-data");
  });
});
