/**
 * @module The fixed conversation behind test/vectors/session.json: every key comes from fixed seeds, so any
 * implementation of docs/protocol.md can replay it byte for byte. `bun test/vectors/generate.ts` rewrites the JSON.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { x25519PublicFromIdentity, x25519SecretFromIdentity } from "../../src/account/identity.ts";
import type { CryptoProvider, X25519KeyPair } from "../../src/crypto/provider.ts";
import { createInviteLink, parseInviteLink } from "../../src/protocol/invite.ts";
import { sessionAssociatedData } from "../../src/protocol/kdf.ts";
import type { RatchetState } from "../../src/protocol/ratchet.ts";
import { openFrame, sealFrame } from "../../src/protocol/session.ts";
import { decodeEnvelope, decodeFrame } from "../../src/protocol/wire.ts";
import { acceptSession, initiateSession, x3dhSecrets } from "../../src/protocol/x3dh.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const text = (s: string) => new TextEncoder().encode(s);

/**
 * Deterministic "randomness": SHA-256(label ‖ u32be(counter)) blocks, for vectors only.
 *
 * @example
 * const random = seededRandom("alice ratchet");
 */
export function seededRandom(label: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const c = new Uint8Array(4);
      new DataView(c.buffer).setUint32(0, counter++);
      out.set(sha256(new Uint8Array([...text(label), ...c])).subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
}

function keyPair(p: CryptoProvider, secretHex: string): X25519KeyPair {
  const secretKey = new Uint8Array(Buffer.from(secretHex, "hex"));
  return { secretKey, publicKey: p.x25519PublicKey(secretKey) };
}

/** Fixed inputs of the scenario. */
export const INPUTS = {
  aliceSeed: "a1".repeat(32),
  bobSeed: "b0".repeat(32),
  bobSignedPrekeySecret: "5b".repeat(32),
  bobOneTimePrekeySecret: "0e".repeat(32),
  bobOneTimePrekeyId: 7,
  aliceEphemeralSecret: "ee".repeat(32),
  inviteExpiresAt: 2_000_000_000,
  now: 1_800_000_000_000,
  aliceRatchetRandom: "wakubot vectors: alice ratchet",
  bobRatchetRandom: "wakubot vectors: bob ratchet",
};

type Step = { from: "alice" | "bob"; frame: string; payload: string };

/**
 * Runs the scenario with two providers built by `make(random)` and returns everything the vectors file records.
 * Messages in delivery order: A0 (first), A1, B2, A4, A3 (sent before A4), B5. Frames are text (built-in type 1).
 *
 * @example
 * const v = runSessionScenario((random) => nobleProvider(random));
 */
export function runSessionScenario(make: (random: (n: number) => Uint8Array) => CryptoProvider) {
  const pa = make(seededRandom(INPUTS.aliceRatchetRandom));
  const pb = make(seededRandom(INPUTS.bobRatchetRandom));
  const aliceSeed = new Uint8Array(Buffer.from(INPUTS.aliceSeed, "hex"));
  const bobSeed = new Uint8Array(Buffer.from(INPUTS.bobSeed, "hex"));
  const alice = { publicKey: ed25519.getPublicKey(aliceSeed), seed: aliceSeed };
  const bob = { publicKey: ed25519.getPublicKey(bobSeed), seed: bobSeed };
  const spk = keyPair(pb, INPUTS.bobSignedPrekeySecret);
  const otk = keyPair(pb, INPUTS.bobOneTimePrekeySecret);
  const ek = keyPair(pa, INPUTS.aliceEphemeralSecret);
  const link = createInviteLink(pb, bobSeed, {
    identityKey: bob.publicKey,
    signedPrekey: spk.publicKey,
    oneTimePrekey: { id: INPUTS.bobOneTimePrekeyId, publicKey: otk.publicKey },
    expiresAt: INPUTS.inviteExpiresAt,
    hints: ["/ip4/127.0.0.1/tcp/60000"],
    name: "vector bot",
  });
  const invite = parseInviteLink(pa, link, Math.floor(INPUTS.now / 1000));
  const dh = [
    pa.x25519(x25519SecretFromIdentity(aliceSeed), spk.publicKey),
    pa.x25519(ek.secretKey, x25519PublicFromIdentity(bob.publicKey)),
    pa.x25519(ek.secretKey, spk.publicKey),
    pa.x25519(ek.secretKey, otk.publicKey),
  ];
  const secrets = x3dhSecrets(pa, dh);
  let a: RatchetState = initiateSession(pa, alice, invite, ek);
  let b: RatchetState | undefined;
  const ctx = (p: CryptoProvider) => ({ provider: p, now: INPUTS.now });
  const steps: Step[] = [];
  const send = (from: "alice" | "bob", body: string) => {
    const frame = { type: 1, typeVersion: 1, body: text(body) };
    if (from === "alice") {
      const r = sealFrame(a, frame, ctx(pa));
      a = r.state;
      return r.payload;
    }
    const r = sealFrame(b as RatchetState, frame, ctx(pb));
    b = r.state;
    return r.payload;
  };
  const deliver = (from: "alice" | "bob", payload: Uint8Array, frameBody: string) => {
    let body: Uint8Array;
    if (from === "alice" && !b) {
      const accepted = acceptSession(
        pb,
        {
          identity: bob,
          signedPrekeys: [spk],
          oneTimePrekey: (id) => (id === INPUTS.bobOneTimePrekeyId ? otk : undefined),
        },
        decodeEnvelope(payload),
        ctx(pb),
      );
      b = accepted.state;
      body = decodeFrame(accepted.plaintext).body;
    } else if (from === "alice") {
      const r = openFrame(b as RatchetState, payload, ctx(pb));
      b = r.state;
      body = r.frame.body;
    } else {
      const r = openFrame(a, payload, ctx(pa));
      a = r.state;
      body = r.frame.body;
    }
    steps.push({ from, frame: frameBody, payload: hex(payload) });
    return body;
  };
  const plain: string[] = [];
  const got = (b: Uint8Array) => plain.push(new TextDecoder().decode(b));
  got(deliver("alice", send("alice", "A0: hello, first message"), "A0: hello, first message"));
  got(deliver("alice", send("alice", "A1: still before any reply"), "A1: still before any reply"));
  got(deliver("bob", send("bob", "B2: reply, Bob's first DH step"), "B2: reply, Bob's first DH step"));
  const a3 = send("alice", "A3: sent before A4, arrives after it");
  const a4 = send("alice", "A4: overtakes A3");
  got(deliver("alice", a4, "A4: overtakes A3"));
  got(deliver("alice", a3, "A3: sent before A4, arrives after it"));
  got(deliver("bob", send("bob", "B5: last"), "B5: last"));
  return {
    inputs: INPUTS,
    alice: { identityKey: hex(alice.publicKey) },
    bob: {
      identityKey: hex(bob.publicKey),
      signedPrekey: hex(spk.publicKey),
      oneTimePrekey: hex(otk.publicKey),
    },
    invite: link,
    x3dh: {
      ephemeral: hex(ek.publicKey),
      dh1: hex(dh[0] as Uint8Array),
      dh2: hex(dh[1] as Uint8Array),
      dh3: hex(dh[2] as Uint8Array),
      dh4: hex(dh[3] as Uint8Array),
      sk: hex(secrets.sk),
      sharedHka: hex(secrets.sharedHka),
      sharedNhkb: hex(secrets.sharedNhkb),
      sessionAd: hex(sessionAssociatedData(pa, alice.publicKey, bob.publicKey, ek.publicKey)),
    },
    messages: steps,
    decrypted: plain,
  };
}
