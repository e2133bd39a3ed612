/** @module LightPush v3 (19/WAKU2-LIGHTPUSH): the service that relays light clients' messages, and the client a light node publishes with. */
import type { IncomingStreamData, Libp2p, PeerId } from "@libp2p/interface";
import { proto_lightpush } from "@waku/proto";
import { NetworkError, ProtocolError, WakubotError } from "../errors.ts";
import { fromProto, toProto, type WakuMessage } from "./message.ts";
import { DEFAULT_RPC_LIMITS, readMessage, request, writeMessage } from "./rpc.ts";

/** Protocol id of LightPush v3. */
export const LIGHTPUSH_CODEC = "/vac/waku/lightpush/3.0.0";

/** LightPush v3 status codes (WAKU2-LIGHTPUSH v3 §Status codes; 505 NO_PEERS_TO_RELAY as nwaku and js-waku). */
export const LIGHTPUSH_STATUS = {
  ok: 200,
  badRequest: 400,
  tooLarge: 413,
  invalidMessage: 420,
  unsupportedTopic: 421,
  internal: 500,
  unavailable: 503,
  noPeers: 505,
} as const;

/** What the node did with a pushed message: relayed to how many peers, or why it refused. */
export type PushOutcome =
  | { readonly ok: true; readonly relayPeers: number }
  | { readonly ok: false; readonly status: number; readonly reason: string };

/** Hands a pushed message to the node (validation, archive, filter, relay). */
export type PushHandler = (
  pubsubTopic: string | undefined,
  message: WakuMessage,
  size: number,
) => Promise<PushOutcome>;

/**
 * Registers the LightPush v3 service.
 *
 * @example
 * await serveLightPush(libp2p, (topic, message, size) => node.accept(topic, message, size));
 */
export async function serveLightPush(libp2p: Libp2p, push: PushHandler): Promise<void> {
  await libp2p.handle(
    LIGHTPUSH_CODEC,
    async ({ stream }: IncomingStreamData) => {
      try {
        const body = await readMessage(stream, DEFAULT_RPC_LIMITS);
        if (body === undefined) return;
        let requestId = "";
        let response: proto_lightpush.LightPushResponseV3;
        try {
          const req = proto_lightpush.LightPushRequestV3.decode(body);
          requestId = req.requestId ?? "";
          if (!req.message) throw new ProtocolError("malformed", "no message");
          const message = fromProto(req.message);
          const outcome = await push(req.pubsubTopic || undefined, message, body.length);
          response = outcome.ok
            ? { requestId, statusCode: LIGHTPUSH_STATUS.ok, relayPeerCount: outcome.relayPeers }
            : { requestId, statusCode: outcome.status, statusDesc: outcome.reason };
        } catch (error) {
          const reason = error instanceof WakubotError ? error.message : "malformed request";
          response = { requestId, statusCode: LIGHTPUSH_STATUS.badRequest, statusDesc: reason };
        }
        await writeMessage(stream, proto_lightpush.LightPushResponseV3.encode(response));
      } catch {
        stream.abort(new Error("lightpush request failed"));
      }
    },
    { maxInboundStreams: 64 },
  );
}

/**
 * Pushes one message through a service node; resolves with the number of relay peers it reached, or throws
 * `NetworkError` carrying the service's status.
 *
 * @example
 * const peers = await lightPush(libp2p, servicePeer, pubsubTopic, message);
 */
export async function lightPush(
  libp2p: Libp2p,
  peer: PeerId,
  pubsubTopic: string,
  message: WakuMessage,
): Promise<number> {
  const req = proto_lightpush.LightPushRequestV3.encode({
    requestId: crypto.randomUUID(),
    pubsubTopic,
    message: toProto(message),
  });
  const bytes = await request(libp2p, peer, LIGHTPUSH_CODEC, req, DEFAULT_RPC_LIMITS);
  let res: proto_lightpush.LightPushResponseV3;
  try {
    res = proto_lightpush.LightPushResponseV3.decode(bytes);
  } catch (error) {
    throw new ProtocolError("malformed", "lightpush answered with a malformed response", { cause: error });
  }
  if (res.statusCode !== LIGHTPUSH_STATUS.ok) {
    throw new NetworkError(
      "unreachable",
      `lightpush refused: ${res.statusCode} ${res.statusDesc ?? ""}`.trim(),
    );
  }
  return res.relayPeerCount ?? 0;
}
