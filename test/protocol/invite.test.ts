/** Invite links: byte layout, round trips with every optional field, and each parseInviteLink error code. */
import { describe, expect, test } from "bun:test";
import { ed25519 } from "@noble/curves/ed25519.js";
import { base64urlnopad } from "@scure/base";
import fc from "fast-check";
import { generateIdentity } from "../../src/account/identity.ts";
import { type CryptoProvider, concatBytes, generateX25519 } from "../../src/crypto/provider.ts";
import { nativeProvider, nobleProvider } from "../../src/crypto/providers.ts";
import { InputError } from "../../src/errors.ts";
import {
  createInviteLink,
  encodeInviteBody,
  INVITE_PREFIX,
  type Invite,
  parseInviteLink,
} from "../../src/protocol/invite.ts";
import { caught } from "../support/errors.ts";

type InviteCode = InputError["code"];

const NOW = 1_700_000_000; // seconds
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const enc = new TextEncoder();

const PROVIDERS: readonly { name: string; provider: CryptoProvider; stride: number }[] = [
  { name: "native", provider: nativeProvider(), stride: 1 },
  // Noble verifies ~700 signatures/s: every 3rd bit (3 and 8 are coprime, so every bit position is still hit).
  { name: "noble", provider: nobleProvider(), stride: 3 },
];

function expectInputError(fn: () => unknown, ...codes: InviteCode[]): InputError {
  const e = caught(fn);
  expect(e).toBeInstanceOf(InputError);
  if (codes.length > 0) expect(codes).toContain((e as InputError).code);
  return e as InputError;
}

/** Comparable form of an invite. */
const plain = (i: Invite) => ({
  identityKey: hex(i.identityKey),
  signedPrekey: hex(i.signedPrekey),
  oneTimePrekey: i.oneTimePrekey
    ? { id: i.oneTimePrekey.id, publicKey: hex(i.oneTimePrekey.publicKey) }
    : null,
  expiresAt: i.expiresAt ?? null,
  hints: [...i.hints],
  name: i.name ?? null,
});

interface Fields {
  readonly oneTime?: boolean;
  readonly expiry?: boolean;
  readonly hints?: boolean;
  readonly name?: boolean;
}

function makeInvite(p: CryptoProvider, f: Fields = {}): { seed: Uint8Array; invite: Invite } {
  const id = generateIdentity((n) => p.random(n));
  return {
    seed: id.secretKey,
    invite: {
      identityKey: id.publicKey,
      signedPrekey: generateX25519(p).publicKey,
      oneTimePrekey: f.oneTime ? { id: 300, publicKey: generateX25519(p).publicKey } : undefined,
      expiresAt: f.expiry ? NOW + 3600 : undefined,
      hints: f.hints ? ["relay.example", "/dns4/node-01.example/tcp/443/wss"] : [],
      name: f.name ? "Weather bot" : undefined,
    },
  };
}

/** The link of an arbitrary byte string (for links createInviteLink would never produce). */
const linkOf = (bytes: Uint8Array): string => INVITE_PREFIX + base64urlnopad.encode(bytes);
const bytesOf = (link: string): Uint8Array => base64urlnopad.decode(link.slice(INVITE_PREFIX.length));

for (const { name, provider: p, stride } of PROVIDERS) {
  describe(`invite links on the ${name} provider`, () => {
    describe("round trip", () => {
      for (let mask = 0; mask < 16; mask++) {
        const f: Fields = {
          oneTime: !!(mask & 1),
          expiry: !!(mask & 2),
          hints: !!(mask & 4),
          name: !!(mask & 8),
        };
        const label = Object.entries(f)
          .filter(([, on]) => on)
          .map(([k]) => k)
          .join(", ");
        test(`with ${label || "no optional field"}`, () => {
          const { seed, invite } = makeInvite(p, f);
          const link = createInviteLink(p, seed, invite);
          expect(link.startsWith("wb:")).toBe(true);
          expect(link).toMatch(/^wb:[A-Za-z0-9_-]+$/);
          expect(plain(parseInviteLink(p, link, NOW))).toEqual(plain(invite));
          // Surrounding whitespace (a pasted link) is ignored.
          expect(plain(parseInviteLink(p, ` \n\t${link}\r\n `, NOW))).toEqual(plain(invite));
        });
      }

      test("random invites (any valid field values)", () => {
        const utf8Len = (s: string) => enc.encode(s).length;
        const arb = fc.record({
          oneTime: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined }),
          expiresAt: fc.option(fc.integer({ min: NOW + 1, max: 0xffffffff }), { nil: undefined }),
          hints: fc.array(
            fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }).filter((s) => utf8Len(s) <= 255),
            { maxLength: 8 },
          ),
          name: fc.option(
            fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => utf8Len(s) <= 64),
            { nil: undefined },
          ),
        });
        const { seed, invite: base } = makeInvite(p);
        fc.assert(
          fc.property(arb, (r) => {
            const invite: Invite = {
              ...base,
              oneTimePrekey:
                r.oneTime === undefined ? undefined : { id: r.oneTime, publicKey: base.signedPrekey },
              expiresAt: r.expiresAt,
              hints: r.hints,
              name: r.name,
            };
            expect(plain(parseInviteLink(p, createInviteLink(p, seed, invite), NOW))).toEqual(plain(invite));
          }),
          { seed: 0x1417e, numRuns: name === "noble" ? 30 : 200 },
        );
      });

      test("the smallest invite (no optional field) is 177 characters, within the 180 budget", () => {
        const { seed, invite } = makeInvite(p);
        const link = createInviteLink(p, seed, invite);
        // 1 version + 1 flags + 32 identity + 32 signed prekey + 64 signature = 130 bytes → 174 base64url + "wb:".
        expect(link.length).toBe(177);
        expect(link.length).toBeLessThanOrEqual(180);
      });
    });

    test("the body has the documented byte layout", () => {
      const { invite } = makeInvite(p, { oneTime: true, expiry: true, hints: true, name: true });
      const expiry = new Uint8Array(4);
      new DataView(expiry.buffer).setUint32(0, invite.expiresAt as number);
      const expected = concatBytes(
        new Uint8Array([1, 0b1111]),
        invite.identityKey,
        invite.signedPrekey,
        new Uint8Array([(300 % 128) | 0x80, 300 >> 7]),
        invite.oneTimePrekey?.publicKey as Uint8Array,
        expiry,
        new Uint8Array([2, 13]),
        enc.encode("relay.example"),
        new Uint8Array([33]),
        enc.encode("/dns4/node-01.example/tcp/443/wss"),
        new Uint8Array([11]),
        enc.encode("Weather bot"),
      );
      expect(hex(encodeInviteBody(invite))).toBe(hex(expected));
    });

    describe("errors", () => {
      const { seed, invite } = makeInvite(p, { oneTime: true, expiry: true, hints: true, name: true });
      const link = createInviteLink(p, seed, invite);
      const bytes = bytesOf(link);
      const sign = (body: Uint8Array, key: Uint8Array = seed) =>
        linkOf(concatBytes(body, p.ed25519Sign(key, concatBytes(enc.encode("wakubot/v1/invite"), body))));

      test("control: the full invite parses", () => {
        expect(plain(parseInviteLink(p, link, NOW))).toEqual(plain(invite));
        expect(plain(parseInviteLink(p, sign(encodeInviteBody(invite)), NOW))).toEqual(plain(invite));
      });

      test("invite_malformed: not an invite link", () => {
        const rest = link.slice(INVITE_PREFIX.length);
        for (const text of [
          "",
          " ",
          "wb",
          "wb;",
          `WB:${rest}`,
          `wx:${rest}`,
          rest,
          `https://x.example/${link}`,
        ]) {
          expectInputError(() => parseInviteLink(p, text, NOW), "invite_malformed");
        }
      });

      test("invite_malformed: characters outside base64url", () => {
        const rest = link.slice(INVITE_PREFIX.length);
        const at = 40;
        for (const ch of ["+", "/", "=", "!", " ", ".", "é", "\u0000", "\u200b"]) {
          const text = `${INVITE_PREFIX}${rest.slice(0, at)}${ch}${rest.slice(at + 1)}`;
          expectInputError(() => parseInviteLink(p, text, NOW), "invite_malformed");
        }
        expectInputError(() => parseInviteLink(p, `${link}==`, NOW), "invite_malformed"); // padding
        // 4n+1 base64 characters cannot encode whole bytes.
        const oneOver = `${link}${"A".repeat((5 - (rest.length % 4)) % 4 || 4)}`;
        expect((oneOver.length - INVITE_PREFIX.length) % 4).toBe(1);
        expectInputError(() => parseInviteLink(p, oneOver, NOW), "invite_malformed");
        // Non-zero unused bits in the last character: not canonical base64url.
        expect(rest.length % 4).not.toBe(0);
        const last = rest.at(-1) as string;
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const bumped = alphabet[alphabet.indexOf(last) + 1] as string;
        expectInputError(() => parseInviteLink(p, `${link.slice(0, -1)}${bumped}`, NOW), "invite_malformed");
      });

      test("invite_malformed: an identity key that is not an Ed25519 point", () => {
        const notAPoint = new Uint8Array(32);
        notAPoint[0] = 2; // y = 2 has no x on the curve
        expect(() => ed25519.Point.fromBytes(notAPoint)).toThrow();
        const nonCanonical = new Uint8Array(32).fill(0xff); // y ≥ p
        for (const identityKey of [notAPoint, nonCanonical]) {
          const body = encodeInviteBody({ ...invite, identityKey });
          expectInputError(() => parseInviteLink(p, sign(body), NOW), "invite_malformed");
        }
      });

      test("invite_malformed: unknown flags, bad hint count, overlong number, text not UTF-8", () => {
        const body = encodeInviteBody(invite);
        for (const flag of [0x10, 0x20, 0x40, 0x80]) {
          const b = Uint8Array.from(body);
          b[1] = (b[1] as number) | flag;
          expectInputError(() => parseInviteLink(p, sign(b), NOW), "invite_malformed");
        }
        const minimal = encodeInviteBody({
          ...invite,
          oneTimePrekey: undefined,
          expiresAt: undefined,
          hints: [],
          name: undefined,
        });
        const withHints = (count: number[]) => {
          const b = Uint8Array.from(minimal);
          b[1] = 4;
          return concatBytes(
            b,
            new Uint8Array(count),
            ...Array.from({ length: count[0] ?? 0 }, () => new Uint8Array([1, 0x61])),
          );
        };
        expect(plain(parseInviteLink(p, sign(withHints([8])), NOW)).hints).toEqual(Array(8).fill("a"));
        expectInputError(() => parseInviteLink(p, sign(withHints([0])), NOW), "invite_malformed");
        expectInputError(() => parseInviteLink(p, sign(withHints([9])), NOW), "invite_malformed");
        // One-time prekey id with more than 5 varint bytes.
        const overlong = Uint8Array.from(minimal);
        overlong[1] = 1;
        const otk = concatBytes(
          overlong,
          new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
          new Uint8Array(32),
        );
        expectInputError(() => parseInviteLink(p, sign(otk), NOW), "invite_malformed");
        // One-time prekey id 0 (means "none") and ids beyond 32 bits.
        for (const id of [[0], [0x80, 0x80, 0x80, 0x80, 0x10]]) {
          const b = Uint8Array.from(minimal);
          b[1] = 1;
          const withId = concatBytes(b, new Uint8Array(id), new Uint8Array(32).fill(9));
          expectInputError(() => parseInviteLink(p, sign(withId), NOW), "invite_malformed");
        }
        // An empty hint, an over-long hint (256 bytes) and an over-long name (65 bytes).
        const hinted0 = Uint8Array.from(minimal);
        hinted0[1] = 4;
        expectInputError(
          () => parseInviteLink(p, sign(concatBytes(hinted0, new Uint8Array([1, 0]))), NOW),
          "invite_malformed",
        );
        const long = concatBytes(hinted0, new Uint8Array([1, 0x80, 0x02]), new Uint8Array(256).fill(0x61));
        expectInputError(() => parseInviteLink(p, sign(long), NOW), "invite_malformed");
        const named65 = Uint8Array.from(minimal);
        named65[1] = 8;
        const longName = concatBytes(named65, new Uint8Array([65]), new Uint8Array(65).fill(0x61));
        expectInputError(() => parseInviteLink(p, sign(longName), NOW), "invite_malformed");
        // The limits themselves are fine.
        const maxName = concatBytes(named65, new Uint8Array([64]), new Uint8Array(64).fill(0x61));
        expect(parseInviteLink(p, sign(maxName), NOW).name).toBe("a".repeat(64));
        const maxHint = concatBytes(hinted0, new Uint8Array([1, 0xff, 0x01]), new Uint8Array(255).fill(0x61));
        expect(parseInviteLink(p, sign(maxHint), NOW).hints).toEqual(["a".repeat(255)]);
        // Name (flag 8) and hint that are not UTF-8.
        for (const text of [[0xff], [0xc3], [0x80], [0xed, 0xa0, 0x80]]) {
          const named = Uint8Array.from(minimal);
          named[1] = 8;
          const b = concatBytes(named, new Uint8Array([text.length, ...text]));
          expectInputError(() => parseInviteLink(p, sign(b), NOW), "invite_malformed");
          const hinted = Uint8Array.from(minimal);
          hinted[1] = 4;
          const h = concatBytes(hinted, new Uint8Array([1, text.length, ...text]));
          expectInputError(() => parseInviteLink(p, sign(h), NOW), "invite_malformed");
        }
      });

      test("invite_version_unknown: first byte changed", () => {
        for (const version of [0, 2, 0x7f, 0xff]) {
          const b = Uint8Array.from(bytes);
          b[0] = version;
          expectInputError(() => parseInviteLink(p, linkOf(b), NOW), "invite_version_unknown");
        }
      });

      test("invite_truncated: cut at every byte", () => {
        expectInputError(() => parseInviteLink(p, INVITE_PREFIX, NOW), "invite_truncated");
        for (let cut = 0; cut < bytes.length; cut++) {
          expectInputError(() => parseInviteLink(p, linkOf(bytes.subarray(0, cut)), NOW), "invite_truncated");
        }
      });

      test("invite_trailing_data: bytes after the signature", () => {
        for (const extra of [[0], [1, 2], Array(64).fill(7)]) {
          const b = concatBytes(bytes, new Uint8Array(extra));
          expectInputError(() => parseInviteLink(p, linkOf(b), NOW), "invite_trailing_data");
        }
      });

      test("invite_tampered: a valid invite signed by another key", () => {
        const body = encodeInviteBody(invite);
        const mallory = generateIdentity((n) => p.random(n));
        expectInputError(() => parseInviteLink(p, sign(body, mallory.secretKey), NOW), "invite_tampered");
      });

      test("invite_tampered: every bit flip of the signed body and the signature fails", () => {
        // Label every body byte with what flipping one of its bits may do.
        type Kind = "version" | "structure" | "identity" | "opaque" | "varint" | "text";
        const kinds: Kind[] = [];
        const mark = (kind: Kind, n: number) => {
          for (let i = 0; i < n; i++) kinds.push(kind);
        };
        mark("version", 1);
        mark("structure", 1); // flags
        mark("identity", 32);
        mark("opaque", 32); // signed prekey
        mark("varint", 2); // one-time prekey id 300
        mark("opaque", 32 + 4); // one-time prekey, expiry
        mark("structure", 2); // hint count, first length
        mark("text", 13);
        mark("structure", 1);
        mark("text", 33);
        mark("structure", 1); // name length
        mark("text", 11);
        const bodyLength = encodeInviteBody(invite).length;
        expect(kinds.length).toBe(bodyLength);
        mark("opaque", 64); // signature
        expect(kinds.length).toBe(bytes.length);

        const seen = new Map<string, number>();
        for (let bit = 0; bit < bytes.length * 8; bit += stride) {
          const b = Uint8Array.from(bytes);
          b[bit >> 3] = (b[bit >> 3] as number) ^ (1 << (bit & 7));
          const kind = kinds[bit >> 3] as Kind;
          const high = (bit & 7) === 7;
          const allowed: InviteCode[] =
            kind === "version"
              ? ["invite_version_unknown"]
              : kind === "identity"
                ? ["invite_tampered", "invite_malformed"]
                : kind === "opaque" || (kind === "varint" && !high) || (kind === "text" && !high)
                  ? ["invite_tampered"]
                  : kind === "text"
                    ? ["invite_malformed"] // bit 7 of ASCII makes invalid UTF-8
                    : []; // structure: any InputError
          const e = expectInputError(() => parseInviteLink(p, linkOf(b), NOW), ...allowed);
          const key = `${kind}:${e.code}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
        expect(seen.get("opaque:invite_tampered")).toBeGreaterThan(0);
        expect(seen.get("identity:invite_tampered")).toBeGreaterThan(0);
        expect(parseInviteLink(p, link, NOW)).toBeDefined();
      });

      test("invite_expired: at and after the expiry second, fine before it", () => {
        const at = invite.expiresAt as number;
        expect(plain(parseInviteLink(p, link, at - 1))).toEqual(plain(invite));
        expectInputError(() => parseInviteLink(p, link, at), "invite_expired");
        expectInputError(() => parseInviteLink(p, link, at + 86_400), "invite_expired");
        // An invite without expiry never expires.
        const forever = makeInvite(p);
        expect(
          parseInviteLink(p, createInviteLink(p, forever.seed, forever.invite), 0xffffffff),
        ).toBeDefined();
      });

      test("createInviteLink refuses fields it could not encode (invalid_argument)", () => {
        const bad: Partial<Invite>[] = [
          { expiresAt: -1 },
          { expiresAt: 1.5 },
          { expiresAt: 2 ** 32 },
          { hints: [""] },
          { hints: ["x".repeat(256)] },
          { hints: Array(9).fill("x") },
          { name: "n".repeat(65) },
          { name: "é".repeat(33) },
          { oneTimePrekey: { id: 0, publicKey: invite.signedPrekey } },
          { oneTimePrekey: { id: -1, publicKey: invite.signedPrekey } },
          { oneTimePrekey: { id: 1.5, publicKey: invite.signedPrekey } },
          { oneTimePrekey: { id: 2 ** 32, publicKey: invite.signedPrekey } },
        ];
        for (const fields of bad) {
          expectInputError(() => createInviteLink(p, seed, { ...invite, ...fields }), "invalid_argument");
        }
        expect(
          createInviteLink(p, seed, { ...invite, name: "n".repeat(64), hints: ["x".repeat(255)] }),
        ).toBeDefined();
      });
    });
  });
}
