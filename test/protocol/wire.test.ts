import { describe, expect, test } from "bun:test";
import { generateX25519 } from "../../src/crypto/provider.ts";
import { nativeProvider } from "../../src/crypto/providers.ts";
import { ProtocolError } from "../../src/errors.ts";
import { wakubot } from "../../src/protocol/generated/wire.js";
import { initResponder } from "../../src/protocol/ratchet.ts";
import { decodeState, encodeState } from "../../src/protocol/state-codec.ts";
import { decodeEnvelope, encodeEnvelope, MAX_ENVELOPE_BYTES } from "../../src/protocol/wire.ts";
import { expectCode } from "../support/errors.ts";

const parts = {
  tag: new Uint8Array(8).fill(1),
  header: new Uint8Array(36).fill(2),
  ciphertext: new Uint8Array(40).fill(3),
};
const fields = { ...parts, ephemeral: undefined, sealedIdentity: undefined };

describe("envelope versions (S2)", () => {
  test("version 1 round-trips and comes out as a plain Uint8Array", () => {
    const bytes = encodeEnvelope(fields);
    expect(Buffer.isBuffer(bytes)).toBe(false);
    const back = decodeEnvelope(bytes);
    expect(Buffer.from(back.ciphertext).equals(Buffer.from(fields.ciphertext))).toBe(true);
  });

  test("a newer or absent version is version_unknown, even when the rest is not version-1 protobuf", () => {
    const v2 = wakubot.Envelope.encode({ ...parts, version: 2 }).finish();
    expectCode(() => decodeEnvelope(v2), ProtocolError, "version_unknown");
    const noVersion = wakubot.Envelope.encode({ ...parts, version: 0 }).finish();
    expectCode(() => decodeEnvelope(noVersion), ProtocolError, "version_unknown");
    // A future layout: field 1 = 3, then bytes no version-1 decoder can parse.
    const future = new Uint8Array([0x08, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expectCode(() => decodeEnvelope(future), ProtocolError, "version_unknown");
    expectCode(() => decodeEnvelope(new Uint8Array([0x08, 0x01, 0xff, 0xff])), ProtocolError, "malformed");
  });

  test("an oversized envelope is too_large before decoding", () => {
    // The limit is the largest reassembled (segmented) envelope; one Waku message is capped at 150 KB before this.
    expectCode(() => decodeEnvelope(new Uint8Array(MAX_ENVELOPE_BYTES + 1)), ProtocolError, "too_large");
  });
});

describe("stored session state", () => {
  const p = nativeProvider();
  const state = initResponder(
    {
      sk: p.random(32),
      sharedHka: p.random(32),
      sharedNhkb: p.random(32),
      ad: p.random(32),
      localIdentity: p.random(32),
      remoteIdentity: p.random(32),
    },
    generateX25519(p),
  );

  test("round-trips through its encoding", () => {
    const back = decodeState(encodeState({ ...state, recentTags: [new Uint8Array(8).fill(9)] }));
    expect(encodeState(back)).toEqual(encodeState({ ...state, recentTags: [new Uint8Array(8).fill(9)] }));
    expect(back.dhr).toBeUndefined();
    expect(Buffer.from(back.nhkr).equals(Buffer.from(state.nhkr))).toBe(true);
  });

  test("another version or garbage is a ProtocolError, never a half-read state", () => {
    const other = wakubot.SessionState.encode({ version: 2 }).finish();
    expectCode(() => decodeState(other), ProtocolError, "version_unknown");
    expectCode(() => decodeState(new Uint8Array([0x0a, 0xff, 0xff])), ProtocolError, "malformed");
  });
});
