import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseDuration } from "../../src/cli/main.ts";
import { defaultProvider } from "../../src/crypto/providers.ts";
import { parseInviteLink } from "../../src/protocol/invite.ts";
import { tempDir } from "../support/tmp.ts";

const bin = join(import.meta.dir, "../../bin/wakubot");

async function wakubot(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn([process.execPath, bin, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return { code, lines: out.trim().split("\n").filter(Boolean) };
}

describe("wakubot invite", () => {
  test("prints a verifiable invite with the requested options", async () => {
    const data = join(tempDir(), "data");
    const env = { WAKUBOT_PASSPHRASE: "pw", WAKUBOT_DATA: data };
    expect((await wakubot(["init"], env)).code).toBe(0);
    const plain = await wakubot(["invite"], env);
    expect(plain.code).toBe(0);
    const invite = parseInviteLink(
      defaultProvider(),
      plain.lines[0] as string,
      Math.floor(Date.now() / 1000),
    );
    // Every invite is tracked: it carries its own (reusable) prekey so it can be revoked.
    expect(invite.oneTimePrekey?.id).toBeGreaterThan(0);
    expect(invite.expiresAt).toBeUndefined();

    const rich = await wakubot(
      [
        "--json",
        "invite",
        "--single-use",
        "--expires",
        "2h",
        "--hint",
        "/ip4/127.0.0.1/tcp/1",
        "--name",
        "bot",
      ],
      env,
    );
    expect(rich.code).toBe(0);
    const event = JSON.parse(rich.lines[0] as string) as { event: string; invite: string; id: number };
    expect(event.event).toBe("invite");
    const parsed = parseInviteLink(defaultProvider(), event.invite, Math.floor(Date.now() / 1000));
    expect(parsed.oneTimePrekey?.id).toBe(event.id);
    expect(event.id).not.toBe(invite.oneTimePrekey?.id);
    expect(parsed.hints).toEqual(["/ip4/127.0.0.1/tcp/1"]);
    expect(parsed.name).toBe("bot");
    const lifetime = (parsed.expiresAt as number) - Math.floor(Date.now() / 1000);
    expect(lifetime).toBeGreaterThan(7000);
    expect(lifetime).toBeLessThanOrEqual(7200);
    expect(Buffer.from(parsed.identityKey).equals(Buffer.from(invite.identityKey))).toBe(true);
    expect(Buffer.from(parsed.signedPrekey).equals(Buffer.from(invite.signedPrekey))).toBe(true);

    const bad = await wakubot(["--json", "invite", "--expires", "soon"], env);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.lines[0] as string).code).toBe("invalid_argument");
  });

  test("durations", () => {
    expect(parseDuration("90")).toBe(90);
    expect(parseDuration("30m")).toBe(1800);
    expect(parseDuration("7d")).toBe(604800);
    for (const bad of ["", "0", "-1h", "1y", "1.5h", "h"]) expect(() => parseDuration(bad)).toThrow();
  });
});

describe("wakubot send TARGET", () => {
  test("a malformed target fails with exit 2 and a coded JSON error before any network starts", async () => {
    const cases: [string, string][] = [
      ["hello", "invalid_argument"],
      ["wb:", "invite_truncated"],
      ["wb:!!!!", "invite_malformed"],
      ["wb:AgBD", "invite_version_unknown"],
      ["c123", "invalid_argument"],
    ];
    for (const [target, code] of cases) {
      const r = await wakubot(["--json", "send", target, "hi"]);
      expect({ target, code: r.code, error: JSON.parse(r.lines[0] as string).code }).toEqual({
        target,
        code: 2,
        error: code,
      });
    }
  });
});
