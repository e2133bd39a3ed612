import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { defaultProvider } from "../../src/crypto/providers.ts";
import type { WakubotError } from "../../src/errors.ts";
import { INVITE_EXPIRY_GRACE_MS, SessionStore } from "../../src/sessions/store.ts";
import { createDataDir, type DataDir, openDataDir } from "../../src/storage/data-dir.ts";
import { caught } from "../support/errors.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

const passphrase = "pw";
const text = (t: string) => ({ type: 1, typeVersion: 1, body: new TextEncoder().encode(t) });

function account(): { path: string; dir: DataDir } {
  const path = join(tempDir(), "data");
  return { path, dir: createDataDir(path, { passphrase, kdf: TEST_KDF }) };
}

function codeOf(fn: () => unknown): string {
  return (caught(fn) as WakubotError | undefined)?.code ?? "no error";
}

/** An inviter whose clock the test moves, and a fresh joiner per first message. */
function inviter() {
  const bob = account();
  let now = Date.UTC(2026, 10, 22);
  const store = new SessionStore(bob.dir, defaultProvider(), () => now);
  const join = (link: string, body = "hi") =>
    new SessionStore(account().dir, defaultProvider(), () => now).startConversation(link, text(body)).payload;
  return { bob, store, join, advance: (ms: number) => (now += ms), now: () => now };
}

describe("tracked invites", () => {
  test("a reusable invite admits many conversations and counts them; revoking stops new ones only", () => {
    const { store, join } = inviter();
    const link = store.createInvite({ label: "newsletter" });
    const record = store.inviteOf(link);
    expect(record).toMatchObject({ label: "newsletter", singleUse: false, uses: 0, status: "active" });
    const first = store.receive(join(link));
    store.receive(join(link));
    expect(store.invite(record?.id ?? 0)?.uses).toBe(2);

    const revoked = store.revokeInvite(record?.id ?? 0);
    expect(revoked?.status).toBe("revoked");
    expect(codeOf(() => store.receive(join(link)))).toBe("prekey_unavailable");
    expect(store.invite(record?.id ?? 0)?.uses).toBe(2);
    // The conversation started before the revocation goes on.
    expect(store.send(first.conversationId, text("still here")).payload.length).toBeGreaterThan(0);
    // Revoking again keeps the first revocation time.
    expect(store.revokeInvite(record?.id ?? 0)?.revokedAt).toBe(revoked?.revokedAt ?? -1);
    expect(store.revokeInvite(9999)).toBeUndefined();
  });

  test("a single-use invite is used by its first conversation", () => {
    const { store, join } = inviter();
    const link = store.createInvite({ singleUse: true });
    store.receive(join(link));
    expect(store.inviteOf(link)).toMatchObject({ singleUse: true, uses: 1, status: "used" });
    expect(codeOf(() => store.receive(join(link)))).toBe("prekey_unavailable");
  });

  test("expiry is enforced by the inviter too, after a grace for first messages sealed in time", () => {
    const { store, join, advance } = inviter();
    const link = store.createInvite({ expiresInSeconds: 60 });
    // Sealed while the invite was valid, received after it expired but within the grace: accepted.
    const early = join(link);
    const earlier = join(link);
    advance(61_000);
    expect(store.inviteOf(link)?.status).toBe("expired");
    store.receive(early);
    advance(INVITE_EXPIRY_GRACE_MS);
    expect(codeOf(() => store.receive(earlier))).toBe("prekey_unavailable");
    expect(store.inviteOf(link)?.uses).toBe(1);
    expect(codeOf(() => store.createInvite({ expiresInSeconds: 0 }))).toBe("invalid_argument");
    expect(codeOf(() => store.createInvite({ expiresInSeconds: 1.5 }))).toBe("invalid_argument");
  });

  test("lists newest first, survives reopening, and ignores links that are not tracked here", () => {
    const { bob, store } = inviter();
    const a = store.inviteOf(store.createInvite({ label: "a" }));
    const b = store.inviteOf(store.createInvite({ label: "b", singleUse: true }));
    expect(store.invites().map((i) => i.label)).toEqual(["b", "a"]);
    expect(store.inviteOf(store.standingInvite())).toBeUndefined();
    expect(store.inviteOf(new SessionStore(account().dir).createInvite())).toBeUndefined();
    bob.dir.close();
    const reopened = new SessionStore(openDataDir(bob.path, { passphrase }));
    expect(reopened.invites().map((i) => i.id)).toEqual([b?.id ?? -1, a?.id ?? -1]);
  });

  test("the standing invite adds no tracked invite and keeps admitting conversations", () => {
    const { store, join } = inviter();
    const link = store.standingInvite();
    store.receive(join(link));
    store.receive(join(link));
    expect(store.invites()).toEqual([]);
  });
});
