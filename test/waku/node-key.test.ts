import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { createDataDir, openDataDir } from "../../src/storage/data-dir.ts";
import { peerKeyToBytes } from "../../src/waku/libp2p.ts";
import { loadNodeKey } from "../../src/waku/node-key.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

const passphrase = "node key test";

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) >= 0;
}

test("the node key is created once, sealed, and gives the same peer id after reopening", async () => {
  const path = join(tempDir(), "data");
  const dir = createDataDir(path, { passphrase, kdf: TEST_KDF });
  const key = await loadNodeKey(dir);
  expect(peerIdFromPrivateKey(await loadNodeKey(dir)).toString()).toBe(peerIdFromPrivateKey(key).toString());
  dir.close();

  // The 32-byte Ed25519 seed inside the protobuf never reaches disk in plaintext.
  const seed = peerKeyToBytes(key).subarray(4, 36);
  for (const file of ["secrets.db", "secrets.db-wal", "messages.db"]) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(path, file));
    } catch {
      continue;
    }
    expect(contains(bytes, seed)).toBe(false);
  }

  const again = openDataDir(path, { passphrase });
  try {
    expect(peerIdFromPrivateKey(await loadNodeKey(again)).toString()).toBe(
      peerIdFromPrivateKey(key).toString(),
    );
  } finally {
    again.close();
  }
});
