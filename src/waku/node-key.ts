/** @module The data directory's libp2p identity: created once, sealed in secrets.db, so a node keeps its peer id (and the `/p2p/` addresses others configured) across restarts. */
import type { PrivateKey } from "@libp2p/interface";
import type { DataDir } from "../storage/data-dir.ts";
import { nodeKey } from "../storage/schema/secrets.ts";
import { storageErrorFrom } from "../storage/sqlite.ts";
import { newPeerKey, peerKeyFromBytes, peerKeyToBytes } from "./libp2p.ts";

const SLOT = { table: "node_key", row: 1, column: "private_key" } as const;

/**
 * The node key of `dir`, created and sealed on first use.
 *
 * @example
 * const node = await WakuNode.start({ privateKey: await loadNodeKey(dir) });
 */
export async function loadNodeKey(dir: DataDir): Promise<PrivateKey> {
  const row = dir.secrets.select().from(nodeKey).get();
  if (row) return peerKeyFromBytes(dir.sealer.open(new Uint8Array(row.privateKey), SLOT));
  const key = await newPeerKey();
  try {
    dir.secrets
      .insert(nodeKey)
      .values({
        id: 1,
        privateKey: Buffer.from(dir.sealer.seal(peerKeyToBytes(key), SLOT)),
        createdAt: Date.now(),
      })
      .run();
  } catch (error) {
    throw storageErrorFrom(error, "secrets.db");
  }
  return key;
}
