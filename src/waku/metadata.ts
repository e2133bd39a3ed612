/** @module Waku metadata (66/WAKU2-METADATA): tells connecting peers our cluster and shards, without which light clients ignore a service node. */
import type { IncomingStreamData, Libp2p } from "@libp2p/interface";
import { proto_metadata } from "@waku/proto";
import { readMessage, writeMessage } from "./rpc.ts";

/** Protocol id of Waku metadata. */
export const METADATA_CODEC = "/vac/waku/metadata/1.0.0";

/**
 * Registers the metadata responder with the node's real cluster and shards.
 *
 * @example
 * await serveMetadata(libp2p, 1, [0, 1, 2, 3, 4, 5, 6, 7]);
 */
export async function serveMetadata(
  libp2p: Libp2p,
  cluster: number,
  shards: readonly number[],
): Promise<void> {
  const answer = proto_metadata.WakuMetadataResponse.encode({ clusterId: cluster, shards: [...shards] });
  await libp2p.handle(
    METADATA_CODEC,
    async ({ stream }: IncomingStreamData) => {
      try {
        await readMessage(stream, { maxBytes: 4096, timeoutMs: 5000 });
        await writeMessage(stream, answer);
      } catch {
        stream.abort(new Error("metadata request failed"));
      }
    },
    { maxInboundStreams: 32 },
  );
}
