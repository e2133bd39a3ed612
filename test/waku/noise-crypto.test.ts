import { expect, test } from "bun:test";
import { pureJsCrypto } from "@chainsafe/libp2p-noise";
import { noiseCrypto } from "../../src/waku/noise-crypto.ts";

function seeded(seed: number) {
  let s = seed;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

test("the WebAssembly AEAD and native SHA-256 agree with noble for every noise frame size", () => {
  const random = seeded(7);
  for (const size of [0, 1, 15, 16, 1199, 1200, 4096, 65_519]) {
    const key = random(32);
    const nonce = random(12);
    const ad = random(32);
    const plaintext = random(size);
    const sealed = noiseCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key).subarray();
    expect(sealed).toEqual(pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, key).subarray());
    expect(noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, key).subarray()).toEqual(plaintext);
    expect(noiseCrypto.hashSHA256(plaintext)).toEqual(pureJsCrypto.hashSHA256(plaintext));
  }
});

test("a flipped bit is refused", () => {
  const random = seeded(9);
  const key = random(32);
  const nonce = random(12);
  const sealed = new Uint8Array(
    noiseCrypto.chaCha20Poly1305Encrypt(random(100), nonce, new Uint8Array(), key).subarray(),
  );
  sealed[3] = (sealed[3] as number) ^ 1;
  expect(() => noiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, new Uint8Array(), key)).toThrow();
});
