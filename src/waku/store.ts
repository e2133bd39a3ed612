/** @module Store v3 (13/WAKU2-STORE): the service answering queries from our archive, and the client that pages through any store node. */
import type { IncomingStreamData, Libp2p, PeerId } from "@libp2p/interface";
import { proto_store } from "@waku/proto";
import { bytesEqual } from "../crypto/provider.ts";
import { InputError, NetworkError, ProtocolError, WakubotError } from "../errors.ts";
import { type ArchiveQuery, DEFAULT_PAGE, MAX_PAGE, type MessageArchive } from "./archive.ts";
import { fromProto, messageHash, type RoutedMessage, toProto } from "./message.ts";
import { DEFAULT_RPC_LIMITS, readMessage, request, writeMessage } from "./rpc.ts";

/** Protocol id of Store v3. */
export const STORE_CODEC = "/vac/waku/store-query/3.0.0";

/** A Store query as wakubot's layers ask it; times in nanoseconds, inclusive. */
export interface StoreQuery {
  readonly pubsubTopic: string;
  readonly contentTopics?: readonly string[];
  readonly timeStart?: bigint;
  readonly timeEnd?: bigint;
  readonly hashes?: readonly Uint8Array[];
  /** Oldest first (default) or newest first. */
  readonly forward?: boolean;
  readonly pageSize?: number;
}

function randomRequestId(): string {
  return crypto.randomUUID();
}

function toArchiveQuery(req: proto_store.StoreQueryRequest): ArchiveQuery {
  const hashes = req.messageHashes ?? [];
  const contentTopics = req.contentTopics ?? [];
  if (
    hashes.length > 0 &&
    (contentTopics.length > 0 || req.timeStart !== undefined || req.timeEnd !== undefined)
  ) {
    throw new InputError("invalid_argument", "a hash query cannot carry content filters");
  }
  if (contentTopics.length > 0 && !req.pubsubTopic) {
    throw new InputError("invalid_argument", "content topics need a pubsub topic");
  }
  if (hashes.some((h) => h.length !== 32))
    throw new InputError("invalid_argument", "message hashes are 32 bytes");
  const limit = req.paginationLimit === undefined ? DEFAULT_PAGE : Number(req.paginationLimit);
  const query: {
    -readonly [K in keyof ArchiveQuery]: ArchiveQuery[K];
  } = { forward: req.paginationForward ?? false, limit: Math.min(MAX_PAGE, Math.max(1, limit)) };
  if (req.pubsubTopic) query.pubsubTopic = req.pubsubTopic;
  if (contentTopics.length > 0) query.contentTopics = contentTopics;
  if (req.timeStart !== undefined) query.timeStart = req.timeStart;
  if (req.timeEnd !== undefined) query.timeEnd = req.timeEnd;
  if (hashes.length > 0) query.hashes = hashes;
  if (req.paginationCursor && req.paginationCursor.length > 0) query.cursor = req.paginationCursor;
  return query;
}

/**
 * Answers one Store query from `archive`: status 200 with a page, 400 for a malformed or contradictory query.
 * Exposed separately from the stream handler so it can be tested without a network.
 *
 * @example
 * const response = answerStoreQuery(archive, proto_store.StoreQueryRequest.decode(bytes));
 */
export function answerStoreQuery(
  archive: MessageArchive,
  req: proto_store.StoreQueryRequest,
): proto_store.StoreQueryResponse {
  const requestId = req.requestId ?? "";
  try {
    const page = archive.query(toArchiveQuery(req));
    const response: proto_store.StoreQueryResponse = {
      requestId,
      statusCode: 200,
      statusDesc: "OK",
      messages: page.messages.map((m) =>
        req.includeData
          ? { messageHash: m.hash, message: toProto(m.message), pubsubTopic: m.pubsubTopic }
          : { messageHash: m.hash },
      ),
    };
    if (page.cursor) response.paginationCursor = page.cursor;
    return response;
  } catch (error) {
    if (error instanceof InputError) {
      return { requestId, statusCode: 400, statusDesc: error.message, messages: [] };
    }
    return { requestId, statusCode: 500, statusDesc: "internal error", messages: [] };
  }
}

/**
 * Registers the Store v3 service on a libp2p node.
 *
 * @example
 * await serveStore(libp2p, archive);
 */
export async function serveStore(libp2p: Libp2p, archive: MessageArchive): Promise<void> {
  await libp2p.handle(
    STORE_CODEC,
    async ({ stream }: IncomingStreamData) => {
      try {
        const body = await readMessage(stream, DEFAULT_RPC_LIMITS);
        if (body === undefined) return;
        let req: proto_store.StoreQueryRequest;
        try {
          req = proto_store.StoreQueryRequest.decode(body);
        } catch {
          await writeMessage(
            stream,
            proto_store.StoreQueryResponse.encode({
              requestId: "",
              statusCode: 400,
              statusDesc: "malformed",
            }),
          );
          return;
        }
        await writeMessage(stream, proto_store.StoreQueryResponse.encode(answerStoreQuery(archive, req)));
      } catch {
        stream.abort(new Error("store request failed"));
      }
    },
    { maxInboundStreams: 64 },
  );
}

/**
 * Pages through a remote store node, yielding each message after checking that its hash is what the store
 * claims (a store node cannot slip in altered messages under a known hash).
 *
 * @example
 * for await (const m of queryStore(libp2p, peer, { pubsubTopic, contentTopics: BUCKET_TOPICS })) handle(m);
 */
export async function* queryStore(
  libp2p: Libp2p,
  peer: PeerId,
  query: StoreQuery,
): AsyncGenerator<RoutedMessage> {
  let cursor: Uint8Array | undefined;
  for (;;) {
    const req: proto_store.StoreQueryRequest = {
      requestId: randomRequestId(),
      includeData: true,
      contentTopics: query.hashes?.length ? [] : [...(query.contentTopics ?? [])],
      messageHashes: [...(query.hashes ?? [])],
      paginationForward: query.forward ?? true,
      paginationLimit: BigInt(query.pageSize ?? MAX_PAGE),
    };
    if (!query.hashes?.length) req.pubsubTopic = query.pubsubTopic;
    if (query.timeStart !== undefined && !query.hashes?.length) req.timeStart = query.timeStart;
    if (query.timeEnd !== undefined && !query.hashes?.length) req.timeEnd = query.timeEnd;
    if (cursor) req.paginationCursor = cursor;
    const bytes = await request(libp2p, peer, STORE_CODEC, proto_store.StoreQueryRequest.encode(req));
    let res: proto_store.StoreQueryResponse;
    try {
      res = proto_store.StoreQueryResponse.decode(bytes);
    } catch (error) {
      throw new ProtocolError("malformed", "store answered with a malformed response", { cause: error });
    }
    if (res.statusCode !== 200) {
      throw new NetworkError(
        "unreachable",
        `store refused the query: ${res.statusCode} ${res.statusDesc ?? ""}`,
      );
    }
    for (const kv of res.messages) {
      if (!kv.message || !kv.messageHash) continue;
      const pubsubTopic = kv.pubsubTopic || query.pubsubTopic;
      let message: ReturnType<typeof fromProto>;
      try {
        message = fromProto(kv.message);
      } catch (error) {
        if (error instanceof WakubotError) continue;
        throw error;
      }
      const hash = messageHash(pubsubTopic, message);
      if (!bytesEqual(hash, kv.messageHash)) continue;
      yield { pubsubTopic, message, hash };
    }
    if (!res.paginationCursor || res.paginationCursor.length === 0 || res.messages.length === 0) return;
    cursor = res.paginationCursor;
  }
}

/**
 * Queries several store nodes in turn and yields each message once (by hash), skipping the ones in `seen` (e.g.
 * already read from our own archive). A store that fails is skipped while another answers; when none answers,
 * and `answeredBefore` is 0, it throws `NetworkError("unreachable")` with the last failure as cause (NET3).
 *
 * @example
 * for await (const m of queryStores(libp2p, peers, query)) handle(m);
 */
export async function* queryStores(
  libp2p: Libp2p,
  peers: readonly PeerId[],
  query: StoreQuery,
  seen: Set<string> = new Set(),
  answeredBefore = 0,
): AsyncGenerator<RoutedMessage> {
  let answered = answeredBefore;
  let lastError: unknown;
  for (const peer of peers) {
    try {
      for await (const m of queryStore(libp2p, peer, query)) {
        const key = Buffer.from(m.hash).toString("hex");
        if (seen.has(key)) continue;
        seen.add(key);
        yield m;
      }
      answered++;
    } catch (error) {
      lastError = error;
    }
  }
  if (answered === 0) {
    throw new NetworkError(
      "unreachable",
      "no store node answered",
      lastError ? { cause: lastError } : undefined,
    );
  }
}
