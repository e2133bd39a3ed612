import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { count } from "drizzle-orm";
import { CryptoError, type WakubotError } from "../../src/errors.ts";
import { decodeEnvelope, encodeEnvelope } from "../../src/protocol/wire.ts";
import { REPAIR_TAG_WINDOW, SessionStore } from "../../src/sessions/store.ts";
import { createDataDir, type DataDir, openDataDir } from "../../src/storage/data-dir.ts";
import * as m from "../../src/storage/schema/messages.ts";
import * as s from "../../src/storage/schema/secrets.ts";
import { caught } from "../support/errors.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

const passphrase = "pw";
const text = (t: string) => ({ type: 1, typeVersion: 1, body: new TextEncoder().encode(t) });
const read = (b: Uint8Array) => new TextDecoder().decode(b);

function account(): { path: string; dir: DataDir } {
  const path = join(tempDir(), "data");
  return { path, dir: createDataDir(path, { passphrase, kdf: TEST_KDF }) };
}

function codeOf(fn: () => unknown): string {
  return (caught(fn) as WakubotError | undefined)?.code ?? "no error";
}

describe("SessionStore", () => {
  test("a conversation from an invite: first message, replies, both sides persist across reopen", () => {
    const bob = account();
    const alice = account();
    const bobStore = new SessionStore(bob.dir);
    const aliceStore = new SessionStore(alice.dir);
    const link = bobStore.createInvite({ name: "bob" });
    const first = aliceStore.startConversation(link, text("hello bob"));
    const got = bobStore.receive(first.payload);
    expect(got.newConversation).toBe(true);
    expect(read(got.frame.body)).toBe("hello bob");
    expect(Buffer.from(got.peerIdentityKey).equals(Buffer.from(alice.dir.identityPublicKey))).toBe(true);

    // Restart both sides: state must come back from secrets.db.
    bob.dir.close();
    alice.dir.close();
    const bob2 = openDataDir(bob.path, { passphrase });
    const alice2 = openDataDir(alice.path, { passphrase });
    const bobStore2 = new SessionStore(bob2);
    const aliceStore2 = new SessionStore(alice2);
    const reply = bobStore2.send(got.conversationId, text("hi alice"));
    const back = aliceStore2.receive(reply.payload);
    expect(back.conversationId).toBe(first.conversationId);
    expect(read(back.frame.body)).toBe("hi alice");
    const again = aliceStore2.send(first.conversationId, text("how are you"));
    expect(read(bobStore2.receive(again.payload).frame.body)).toBe("how are you");

    const rows = bob2.messages.select({ direction: m.messages.direction }).from(m.messages).all();
    expect(rows.map((r) => r.direction).sort()).toEqual(["in", "in", "out"]);
    expect(bob2.secrets.select({ n: count() }).from(s.inbox).get()?.n).toBe(0);
    bob2.close();
    alice2.close();
  });

  test("connect sends nothing; a frame sent with record: false advances the state but leaves no messages row", () => {
    const bob = account();
    const alice = account();
    const bobStore = new SessionStore(bob.dir);
    const aliceStore = new SessionStore(alice.dir);
    const conversationId = aliceStore.connect(bobStore.createInvite());
    const countRows = () => alice.dir.messages.select({ n: count() }).from(m.messages).get()?.n;
    expect(countRows()).toBe(0);
    const quiet = aliceStore.send(conversationId, text("protocol traffic"), { record: false });
    expect(countRows()).toBe(0);
    const loud = aliceStore.send(conversationId, text("a real message"));
    expect(countRows()).toBe(1);
    // Both were encrypted with successive keys: the peer opens both, in either order.
    expect(read(bobStore.receive(loud.payload).frame.body)).toBe("a real message");
    expect(read(bobStore.receive(quiet.payload).frame.body)).toBe("protocol traffic");
    bob.dir.close();
    alice.dir.close();
  });

  test("a replayed message or first message is rejected and changes nothing", () => {
    const bob = account();
    const alice = account();
    const bobStore = new SessionStore(bob.dir);
    const aliceStore = new SessionStore(alice.dir);
    const first = aliceStore.startConversation(bobStore.createInvite(), text("one"));
    bobStore.receive(first.payload);
    const stored = () => bob.dir.messages.select({ n: count() }).from(m.messages).get()?.n;
    expect(stored()).toBe(1);
    expect(codeOf(() => bobStore.receive(first.payload))).toBe("replay");
    expect(stored()).toBe(1);
    const second = aliceStore.send(first.conversationId, text("two"));
    bobStore.receive(second.payload);
    expect(["replay", "unknown_tag"]).toContain(codeOf(() => bobStore.receive(second.payload)));
    expect(stored()).toBe(2);
    bob.dir.close();
    alice.dir.close();
  });

  test("a replay of a committed message names its conversation; a stranger's message names none", () => {
    const bob = account();
    const alice = account();
    const bobStore = new SessionStore(bob.dir);
    const aliceStore = new SessionStore(alice.dir);
    const first = aliceStore.startConversation(bobStore.createInvite(), text("one"));
    const received = bobStore.receive(first.payload);
    const second = aliceStore.send(first.conversationId, text("two"));
    bobStore.receive(second.payload);
    for (const payload of [first.payload, second.payload]) {
      const error = caught(() => bobStore.receive(payload));
      expect(error).toBeInstanceOf(CryptoError);
      expect((error as CryptoError).code).toBe("replay");
      expect((error as CryptoError).conversation).toBe(received.conversationId);
    }
    const stranger = aliceStore.startConversation(new SessionStore(account().dir).createInvite(), text("x"));
    const error = caught(() => bobStore.receive(stranger.payload));
    expect((error as CryptoError).code).toBe("unknown_tag");
    expect((error as CryptoError).conversation).toBeUndefined();
    bob.dir.close();
    alice.dir.close();
  });

  test("a message no conversation expects is unknown_tag and commits nothing", () => {
    const bob = account();
    const alice = account();
    const carol = account();
    const bobStore = new SessionStore(bob.dir);
    const aliceStore = new SessionStore(alice.dir);
    const carolStore = new SessionStore(carol.dir);
    // Alice talks to Carol; Bob sees one of their steady-state messages on the shared topic.
    const first = aliceStore.startConversation(carolStore.createInvite(), text("to carol"));
    carolStore.receive(first.payload);
    const steady = aliceStore.send(first.conversationId, text("still to carol"));
    const before = bob.dir.secrets.select({ n: count() }).from(s.tagIndex).get()?.n;
    expect(codeOf(() => bobStore.receive(steady.payload))).toBe("unknown_tag");
    // Bob is not the addressee of Alice's first message either.
    expect(codeOf(() => bobStore.receive(first.payload))).toBe("unknown_tag");
    expect(bob.dir.messages.select({ n: count() }).from(m.messages).get()?.n).toBe(0);
    expect(bob.dir.secrets.select({ n: count() }).from(s.tagIndex).get()?.n).toBe(before);
    for (const d of [bob, alice, carol]) d.dir.close();
  });

  test("a single-use invite opens one conversation only, also after a restart", () => {
    const bob = account();
    const bobStore = new SessionStore(bob.dir);
    const link = bobStore.createInvite({ singleUse: true });
    const alice = account();
    const carol = account();
    const a = new SessionStore(alice.dir).startConversation(link, text("from alice"));
    const c = new SessionStore(carol.dir).startConversation(link, text("from carol"));
    expect(bobStore.receive(a.payload).newConversation).toBe(true);
    bob.dir.close();
    const reopened = openDataDir(bob.path, { passphrase });
    const err = (() => {
      try {
        new SessionStore(reopened).receive(c.payload);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CryptoError);
    expect((err as CryptoError).code).toBe("prekey_unavailable");
    reopened.close();
    alice.dir.close();
    carol.dir.close();
  });

  test("session state, frames and tags never reach disk in plaintext", () => {
    const bob = account();
    const alice = account();
    const bobStore = new SessionStore(bob.dir);
    const first = new SessionStore(alice.dir).startConversation(
      bobStore.createInvite(),
      text("a very secret text"),
    );
    const got = bobStore.receive(first.payload);
    const tag = Buffer.from(got.messageId.split(":")[1] as string, "hex");
    const files = readdirSync(bob.path).filter((f) => f.startsWith("secrets.db"));
    for (const f of files) {
      const bytes = readFileSync(join(bob.path, f));
      expect(bytes.indexOf(Buffer.from("a very secret text"))).toBe(-1);
    }
    // The tag index holds keyed hashes, not tags.
    const hashes = bob.dir.secrets.select({ tag_hash: s.tagIndex.tagHash }).from(s.tagIndex).all();
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes) expect(Buffer.from(h.tag_hash).includes(tag)).toBe(false);
    bob.dir.close();
    alice.dir.close();
  });
});

describe("SessionStore under repair and with tampered copies (docs/delivery.md §Resync)", () => {
  function pair() {
    const bob = account();
    const alice = account();
    const bobStore = new SessionStore(bob.dir);
    const aliceStore = new SessionStore(alice.dir);
    const first = aliceStore.startConversation(bobStore.createInvite(), text("hello"));
    const bobSide = bobStore.receive(first.payload).conversationId;
    // Bob answers, so that Alice's later messages run on a chain Bob expects.
    aliceStore.receive(bobStore.send(bobSide, text("hi")).payload);
    return { bob, alice, bobStore, aliceStore, bobSide, aliceSide: first.conversationId };
  }

  test("a widened tag window opens a message 100 ahead, which the default window does not recognise", () => {
    const p = pair();
    const sent = Array.from({ length: 100 }, (_, i) => p.aliceStore.send(p.aliceSide, text(`m${i}`)));
    const last = sent.at(-1)?.payload as Uint8Array;
    expect(codeOf(() => p.bobStore.receive(last))).toBe("unknown_tag");
    p.bobStore.setTagWindow(p.bobSide, REPAIR_TAG_WINDOW);
    expect(read(p.bobStore.receive(last).frame.body)).toBe("m99");
    p.bob.dir.close();
    p.alice.dir.close();
  });

  test("a tampered copy under a known tag is decrypt_failed naming the conversation, and the genuine copy still opens", () => {
    const p = pair();
    const genuine = p.aliceStore.send(p.aliceSide, text("the real one")).payload;
    const envelope = decodeEnvelope(genuine);
    const ciphertext = new Uint8Array(envelope.ciphertext);
    ciphertext[0] = (ciphertext[0] as number) ^ 1;
    const error = caught(() => p.bobStore.receive(encodeEnvelope({ ...envelope, ciphertext })));
    expect(error).toBeInstanceOf(CryptoError);
    expect({ code: (error as CryptoError).code, conversation: (error as CryptoError).conversation }).toEqual({
      code: "decrypt_failed",
      conversation: p.bobSide,
    });
    expect(read(p.bobStore.receive(genuine).frame.body)).toBe("the real one");
    p.bob.dir.close();
    p.alice.dir.close();
  });

  test("with admit refusing, a message that opened is not committed and opens again later", () => {
    const p = pair();
    const payload = p.aliceStore.send(p.aliceSide, text("wait for it")).payload;
    const seen: string[] = [];
    const refused = p.bobStore.receive(payload, (conversation, frame) => {
      seen.push(`${conversation}:${read(frame.body)}`);
      return false;
    });
    expect(refused).toBeUndefined();
    expect(seen).toEqual([`${p.bobSide}:wait for it`]);
    expect(read(p.bobStore.receive(payload, () => true)?.frame.body ?? new Uint8Array()).toString()).toBe(
      "wait for it",
    );
    p.bob.dir.close();
    p.alice.dir.close();
  });
});
