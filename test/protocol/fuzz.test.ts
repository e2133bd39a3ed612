/**
 * Decoders and protocol entry points fed random bytes and mutated valid inputs: whatever comes in, the only thing
 * they may throw is a WakubotError (src/errors.ts), and a mutated message is never accepted as something else.
 */
import { describe, expect, test } from "bun:test";
import { base64urlnopad } from "@scure/base";
import fc from "fast-check";
import { generateIdentity } from "../../src/account/identity.ts";
import { type CryptoProvider, generateX25519 } from "../../src/crypto/provider.ts";
import { nativeProvider, nobleProvider } from "../../src/crypto/providers.ts";
import { WakubotError } from "../../src/errors.ts";
import {
  createInviteLink,
  encodeInviteBody,
  INVITE_PREFIX,
  type Invite,
  parseInviteLink,
} from "../../src/protocol/invite.ts";
import { expectedTags, type RatchetContext, type RatchetState } from "../../src/protocol/ratchet.ts";
import { openFrame, sealFrame } from "../../src/protocol/session.ts";
import {
  decodeEnvelope,
  decodeFrame,
  decodeInitiatorIdentity,
  type Envelope,
  encodeEnvelope,
  encodeFrame,
  encodeInitiatorIdentity,
  type Frame,
} from "../../src/protocol/wire.ts";
import {
  acceptSession,
  identitySealKeys,
  initiateSession,
  type ResponderKeys,
} from "../../src/protocol/x3dh.ts";

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const te = new TextEncoder();
const td = new TextDecoder();
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const copy = (b: Uint8Array): Uint8Array => new Uint8Array(b); // payloads are Buffers: .slice() would alias

/** Runs `fn`; a WakubotError counts as a clean refusal (undefined), anything else thrown fails the test. */
function refusesCleanly<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WakubotError) return undefined;
    throw new Error(`threw something that is not a WakubotError: ${String(e)}`, { cause: e });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------------------------

type Mutation =
  | { readonly kind: "flip"; readonly at: number; readonly bit: number }
  | { readonly kind: "set"; readonly at: number; readonly value: number }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: "duplicate"; readonly at: number; readonly length: number; readonly to: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("duplicate" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 60 }),
    to: fc.nat(),
  }),
);
const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = copy(input);
  for (const m of mutations) {
    const at = m.at % (b.length + 1);
    switch (m.kind) {
      case "flip":
        if (at < b.length) b[at] = (b[at] as number) ^ (1 << m.bit);
        break;
      case "set":
        if (at < b.length) b[at] = m.value;
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
      case "delete":
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
      case "insert":
        b = new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      case "duplicate": {
        const piece = b.slice(at, at + m.length);
        const to = m.to % (b.length + 1);
        b = new Uint8Array([...b.subarray(0, to), ...piece, ...b.subarray(to)]);
        break;
      }
    }
  }
  return b;
}

/** X25519 public keys of small order and non-canonical encodings of them (the usual blocklist). */
const WEAK_X25519 = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "cdeb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
  "4c9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
  "d9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "daffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "dbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
].map((h) => new Uint8Array(Buffer.from(h, "hex")));
const key32Arb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }) },
  { weight: 1, arbitrary: fc.constantFrom(...WEAK_X25519) },
);

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: one real conversation
// ---------------------------------------------------------------------------------------------------------------

interface Fixture {
  readonly p: CryptoProvider;
  readonly ctx: RatchetContext;
  readonly link: string;
  readonly invite: Invite;
  readonly bobKeys: ResponderKeys;
  /** Alice's first message (with X3DH fields) and its text. */
  readonly first: { readonly payload: Uint8Array; readonly text: string };
  /** Bob's state after a0, b0→, a1; then two Alice messages he has not seen: same chain and next chain. */
  readonly bob: RatchetState;
  readonly inChain: { readonly payload: Uint8Array; readonly text: string };
  readonly nextChain: { readonly payload: Uint8Array; readonly text: string };
}

function fixture(p: CryptoProvider): Fixture {
  const ctx = { provider: p, now: NOW_MS };
  const random = (n: number) => p.random(n);
  const alice = generateIdentity(random);
  const bob = generateIdentity(random);
  const spk = generateX25519(p);
  const otk = generateX25519(p);
  const link = createInviteLink(p, bob.secretKey, {
    identityKey: bob.publicKey,
    signedPrekey: spk.publicKey,
    oneTimePrekey: { id: 5, publicKey: otk.publicKey },
    expiresAt: NOW + 3600,
    hints: ["relay.example"],
    name: "Bob",
  });
  const invite = parseInviteLink(p, link, NOW);
  const bobKeys: ResponderKeys = {
    identity: { publicKey: bob.publicKey, seed: bob.secretKey },
    signedPrekeys: [spk],
    oneTimePrekey: (id) => (id === 5 ? otk : undefined),
  };
  const frame = (text: string): Frame => ({ type: 1, typeVersion: 1, body: te.encode(text) });
  let a = initiateSession(p, { publicKey: alice.publicKey, seed: alice.secretKey }, invite);
  const seal = (s: RatchetState, text: string) => {
    const r = sealFrame(s, frame(text), ctx);
    return { state: r.state, payload: copy(r.payload), text };
  };
  const a0 = seal(a, "a0");
  a = a0.state;
  let b = acceptSession(p, bobKeys, decodeEnvelope(a0.payload), ctx).state;
  const b0 = seal(b, "b0");
  b = b0.state;
  a = openFrame(a, b0.payload, ctx).state;
  const a1 = seal(a, "a1");
  a = a1.state;
  b = openFrame(b, a1.payload, ctx).state;
  const inChain = seal(a, "a1 again");
  a = inChain.state;
  const b1 = seal(b, "b1");
  b = b1.state;
  a = openFrame(a, b1.payload, ctx).state;
  const nextChain = seal(a, "a2");
  return { p, ctx, link, invite, bobKeys, first: a0, bob: b, inChain, nextChain };
}

const native = fixture(nativeProvider());
const noble = fixture(nobleProvider());

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

describe("decodeEnvelope", () => {
  const check = (bytes: Uint8Array) => {
    const e = refusesCleanly(() => decodeEnvelope(bytes));
    if (e === undefined) return;
    expect(e.tag.length).toBe(8);
    expect(e.header.length).toBe(36);
    expect(e.ciphertext.length).toBeGreaterThanOrEqual(16);
    expect(e.ephemeral === undefined).toBe(e.sealedIdentity === undefined);
    if (e.ephemeral) expect(e.ephemeral.length).toBe(32);
  };

  test("random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { seed: 0xe1, numRuns: 600 });
    check(new Uint8Array(150 * 1024 + 1));
  });

  test("mutated valid envelopes (first message, steady state)", () => {
    const inputs = [native.first.payload, native.inChain.payload, native.nextChain.payload];
    fc.assert(
      fc.property(fc.constantFrom(...inputs), mutationsArb, (input, ms) => check(mutate(input, ms))),
      { seed: 0xe2, numRuns: 600 },
    );
  });
});

describe("decodeFrame", () => {
  const check = (bytes: Uint8Array) => {
    const f = refusesCleanly(() => decodeFrame(bytes));
    if (f === undefined) return;
    expect(f.type === 0 || f.type === "").toBe(false);
    expect(f.typeVersion).toBeGreaterThanOrEqual(1);
  };
  const frames: Frame[] = [
    { type: 1, typeVersion: 1, body: te.encode("hello") },
    { type: 0xffffffff, typeVersion: 7, body: new Uint8Array(0) },
    { type: "example/ping", typeVersion: 2, body: new Uint8Array(300).fill(1) },
  ];

  test("random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { seed: 0xf1, numRuns: 500 });
  });

  test("mutated valid frames", () => {
    const inputs = frames.map(encodeFrame);
    fc.assert(
      fc.property(fc.constantFrom(...inputs), mutationsArb, (input, ms) => check(mutate(input, ms))),
      { seed: 0xf2, numRuns: 500 },
    );
  });
});

describe("decodeInitiatorIdentity", () => {
  const check = (bytes: Uint8Array) => {
    const id = refusesCleanly(() => decodeInitiatorIdentity(bytes));
    if (id !== undefined) expect(id.identityKey.length).toBe(32);
  };

  test("random bytes and mutated valid plaintexts", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), check), { seed: 0x1d1, numRuns: 300 });
    const inputs = [
      encodeInitiatorIdentity(native.invite.identityKey, 0),
      encodeInitiatorIdentity(new Uint8Array(32), 0xffffffff),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...inputs), mutationsArb, (input, ms) => check(mutate(input, ms))),
      { seed: 0x1d2, numRuns: 300 },
    );
  });
});

describe("parseInviteLink", () => {
  const original = JSON.stringify({
    i: hex(native.invite.identityKey),
    s: hex(native.invite.signedPrekey),
    o: native.invite.oneTimePrekey?.id,
  });
  const check = (p: CryptoProvider, text: string) => {
    const invite = refusesCleanly(() => parseInviteLink(p, text, NOW));
    if (invite === undefined) return;
    // Nothing but the genuine invite can verify.
    expect(
      JSON.stringify({
        i: hex(invite.identityKey),
        s: hex(invite.signedPrekey),
        o: invite.oneTimePrekey?.id,
      }),
    ).toBe(original);
  };
  const b64 = fc.string({
    unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
  });

  test("random strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }),
          b64.map((s) => INVITE_PREFIX + s),
        ),
        (s) => check(native.p, s),
      ),
      { seed: 0x171, numRuns: 600 },
    );
  });

  test("random bytes behind the prefix, mostly with the right version byte", () => {
    const arb = fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 300 })).map(([v1, b]) => {
      const bytes = copy(b);
      if (v1 && bytes.length > 0) bytes[0] = 1;
      if (v1 && bytes.length > 1) bytes[1] = (bytes[1] as number) & 0x0f;
      return INVITE_PREFIX + base64urlnopad.encode(bytes);
    });
    fc.assert(
      fc.property(arb, (s) => check(native.p, s)),
      { seed: 0x172, numRuns: 600 },
    );
  });

  test("well-formed bodies with random keys and signatures", () => {
    const arb = fc.record({
      identityKey: key32Arb,
      signedPrekey: key32Arb,
      oneTime: fc.option(fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), key32Arb), { nil: undefined }),
      expiresAt: fc.option(fc.nat(), { nil: undefined }),
      signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const body = encodeInviteBody({
          identityKey: r.identityKey,
          signedPrekey: r.signedPrekey,
          oneTimePrekey: r.oneTime && { id: r.oneTime[0], publicKey: r.oneTime[1] },
          expiresAt: r.expiresAt,
          hints: [],
          name: undefined,
        });
        check(native.p, INVITE_PREFIX + base64urlnopad.encode(new Uint8Array([...body, ...r.signature])));
      }),
      { seed: 0x174, numRuns: 400 },
    );
  });

  test("mutated valid links (bytes and characters), on both providers", () => {
    const bytes = base64urlnopad.decode(native.link.slice(INVITE_PREFIX.length));
    const byteMutated = mutationsArb.map((ms) => INVITE_PREFIX + base64urlnopad.encode(mutate(bytes, ms)));
    const charMutated = mutationsArb.map((ms) => td.decode(mutate(te.encode(native.link), ms)));
    for (const [p, numRuns] of [
      [native.p, 600],
      [noble.p, 60],
    ] as const) {
      fc.assert(
        fc.property(fc.oneof(byteMutated, charMutated), (s) => check(p, s)),
        { seed: 0x173, numRuns },
      );
    }
  });
});

describe("openFrame against a real session", () => {
  /** The text of the genuine message with the same tag, header and ciphertext, if any. */
  const genuineText = (f: Fixture, payload: Uint8Array | Envelope): string | undefined => {
    const e = payload instanceof Uint8Array ? refusesCleanly(() => decodeEnvelope(payload)) : payload;
    if (!e) return undefined;
    for (const m of [f.inChain, f.nextChain]) {
      const g = decodeEnvelope(m.payload);
      if (
        hex(g.tag) === hex(e.tag) &&
        hex(g.header) === hex(e.header) &&
        hex(g.ciphertext) === hex(e.ciphertext)
      ) {
        return m.text;
      }
    }
    return undefined;
  };
  const check = (f: Fixture, payload: Uint8Array | Envelope) => {
    const opened = refusesCleanly(() => openFrame(f.bob, payload, f.ctx));
    if (opened === undefined) return;
    // Accepted only if it is, content-wise, one of the genuine messages.
    const text = genuineText(f, payload);
    expect(text).toBeDefined();
    expect(td.decode(opened.frame.body)).toBe(text as string);
  };

  test("random payloads and random well-formed envelopes", () => {
    const envelopeArb = fc.record({
      tag: fc.uint8Array({ minLength: 8, maxLength: 8 }),
      header: fc.uint8Array({ minLength: 36, maxLength: 36 }),
      ciphertext: fc.uint8Array({ minLength: 16, maxLength: 80 }),
      setup: fc.option(fc.tuple(key32Arb, fc.uint8Array({ minLength: 50, maxLength: 90 })), {
        nil: undefined,
      }),
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), envelopeArb), (x) => {
        if (x instanceof Uint8Array) return check(native, x);
        const e: Envelope = {
          tag: x.tag,
          header: x.header,
          ciphertext: x.ciphertext,
          ephemeral: x.setup?.[0],
          sealedIdentity: x.setup?.[1],
        };
        check(native, encodeEnvelope(e));
        check(native, e);
      }),
      { seed: 0x0f1, numRuns: 400 },
    );
  });

  test("expected tags with random or mutated headers and ciphertexts (reaches header decryption, skips, DH)", () => {
    for (const [f, numRuns] of [
      [native, 400],
      [noble, 30],
    ] as const) {
      const tags = expectedTags(f.bob, f.p);
      const genuine = [decodeEnvelope(f.inChain.payload), decodeEnvelope(f.nextChain.payload)];
      fc.assert(
        fc.property(
          fc.constantFrom(...tags),
          fc.constantFrom(...genuine),
          fc.oneof(fc.uint8Array({ minLength: 36, maxLength: 36 }), mutationsArb),
          fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 60 }), mutationsArb),
          (tag, base, header, ciphertext) => {
            check(f, {
              tag,
              header: header instanceof Uint8Array ? header : mutate(base.header, header),
              ciphertext: ciphertext instanceof Uint8Array ? ciphertext : mutate(base.ciphertext, ciphertext),
              ephemeral: undefined,
              sealedIdentity: undefined,
            });
          },
        ),
        { seed: 0x0f2, numRuns },
      );
    }
  });

  test("mutated genuine payloads", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(native.inChain.payload, native.nextChain.payload),
        mutationsArb,
        (input, ms) => check(native, mutate(input, ms)),
      ),
      { seed: 0x0f3, numRuns: 600 },
    );
  });
});

describe("acceptSession with mutated first messages", () => {
  const same = (a: Envelope, b: Envelope) =>
    (["tag", "header", "ciphertext", "ephemeral", "sealedIdentity"] as const).every(
      (k) => hex(a[k] ?? new Uint8Array(0)) === hex(b[k] ?? new Uint8Array(0)),
    );
  const check = (f: Fixture, envelope: () => Envelope) => {
    const accepted = refusesCleanly(() => acceptSession(f.p, f.bobKeys, envelope(), f.ctx));
    if (accepted === undefined) return;
    // Accepted only if it is, content-wise, the genuine first message.
    expect(same(envelope(), decodeEnvelope(f.first.payload))).toBe(true);
    expect(td.decode(decodeFrame(accepted.plaintext).body)).toBe(f.first.text);
  };

  test("mutated payload bytes", () => {
    fc.assert(
      fc.property(mutationsArb, (ms) =>
        check(native, () => decodeEnvelope(mutate(native.first.payload, ms))),
      ),
      { seed: 0xac1, numRuns: 500 },
    );
  });

  test("one field replaced or mutated", () => {
    for (const [f, numRuns] of [
      [native, 400],
      [noble, 40],
    ] as const) {
      const base = decodeEnvelope(f.first.payload);
      const fields = ["tag", "header", "ciphertext", "ephemeral", "sealedIdentity"] as const;
      fc.assert(
        fc.property(fc.constantFrom(...fields), fc.oneof(key32Arb, mutationsArb), (field, change) => {
          const value = change instanceof Uint8Array ? change : mutate(base[field] as Uint8Array, change);
          check(f, () => ({ ...base, [field]: value }));
        }),
        { seed: 0xac2, numRuns },
      );
    }
  });

  test("identities sealed by an attacker who knows only the invite", () => {
    const f = native;
    const spk = f.invite.signedPrekey;
    const base = decodeEnvelope(f.first.payload);
    const plaintextArb = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc
        .tuple(key32Arb, fc.constantFrom(0, 5, 6, 0xffffffff))
        .map(([k, id]) => encodeInitiatorIdentity(k, id)),
      mutationsArb.map((ms) => mutate(encodeInitiatorIdentity(f.invite.identityKey, 5), ms)),
    );
    fc.assert(
      fc.property(plaintextArb, fc.boolean(), (plaintext, ownEphemeral) => {
        const ek = generateX25519(f.p);
        const seal = identitySealKeys(f.p, f.p.x25519(ek.secretKey, spk), ek.publicKey, spk);
        const sealedIdentity = f.p.aesGcmSeal(seal.key, seal.nonce, plaintext, f.invite.identityKey);
        check(f, () => ({
          ...base,
          ephemeral: ownEphemeral ? ek.publicKey : base.ephemeral,
          sealedIdentity,
        }));
      }),
      { seed: 0xac3, numRuns: 300 },
    );
  });
});
