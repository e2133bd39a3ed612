/** @module The cipher backend libp2p noise uses under Bun: WebAssembly ChaCha20-Poly1305 for every frame size, because Bun's node:crypto lacks chacha20-poly1305 and noble's pure JS is 3–5× slower on relay traffic. */

import { createHash } from "node:crypto";
import { ChaCha20Poly1305, newInstance } from "@chainsafe/as-chacha20poly1305";
import { type ICryptoInterface, pureJsCrypto } from "@chainsafe/libp2p-noise";

const wasm = new ChaCha20Poly1305(newInstance());

/**
 * Noise crypto: WebAssembly AEAD (the implementation @chainsafe/libp2p-noise itself uses for small frames under
 * Node), native SHA-256, and noble for X25519 and HKDF (handshakes only). Cross-checked against `pureJsCrypto`
 * in test/waku/noise-crypto.test.ts.
 *
 * @example
 * noise({ crypto: noiseCrypto });
 */
export const noiseCrypto: ICryptoInterface = {
  ...pureJsCrypto,
  hashSHA256(data) {
    const hash = createHash("sha256");
    if (data instanceof Uint8Array) hash.update(data);
    else for (const chunk of data) hash.update(chunk);
    return new Uint8Array(hash.digest());
  },
  chaCha20Poly1305Encrypt(plaintext, nonce, ad, k) {
    return wasm.seal(k, nonce, plaintext.subarray(), ad);
  },
  chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst) {
    const plaintext = wasm.open(k, nonce, ciphertext.subarray(), ad, dst);
    if (!plaintext) throw new Error("invalid chacha20poly1305 ciphertext");
    return plaintext;
  },
};
