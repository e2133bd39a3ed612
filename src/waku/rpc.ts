/** @module One length-prefixed request and one response over a libp2p stream: the exchange Store, LightPush, Filter and metadata all use. */
import type { Libp2p, PeerId, Stream } from "@libp2p/interface";
import type { Multiaddr } from "@multiformats/multiaddr";
import * as lp from "it-length-prefixed";
import { NetworkError, ProtocolError } from "../errors.ts";

/** Limits of one exchange. */
export interface RpcLimits {
  /** Largest accepted message body; bigger frames abort the stream. */
  readonly maxBytes: number;
  /** Whole exchange deadline in milliseconds. */
  readonly timeoutMs: number;
}

/** A Store page of 100 messages of 150 KB each fits; anything larger is a misbehaving peer. */
export const DEFAULT_RPC_LIMITS: RpcLimits = { maxBytes: 16 * 1024 * 1024, timeoutMs: 10_000 };

function withDeadline<T>(promise: Promise<T>, stream: Stream, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new NetworkError("timeout", `${what}: no answer within ${timeoutMs} ms`);
      stream.abort(error);
      reject(error);
    }, timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Reads the first length-prefixed message of a stream; undefined when the peer closed without sending one.
 *
 * @example
 * const body = await readMessage(stream, DEFAULT_RPC_LIMITS);
 */
export async function readMessage(stream: Stream, limits: RpcLimits): Promise<Uint8Array | undefined> {
  const read = (async () => {
    try {
      for await (const chunk of lp.decode(stream.source, { maxDataLength: limits.maxBytes })) {
        return chunk.subarray();
      }
      return undefined;
    } catch (error) {
      if (error instanceof NetworkError) throw error;
      throw new ProtocolError("malformed", `bad frame on ${stream.protocol ?? "stream"}`, { cause: error });
    }
  })();
  return withDeadline(read, stream, limits.timeoutMs, stream.protocol ?? "stream");
}

/**
 * Writes one length-prefixed message and closes the writing side.
 *
 * @example
 * await writeMessage(stream, StoreQueryResponse.encode(response));
 */
export async function writeMessage(stream: Stream, body: Uint8Array): Promise<void> {
  await stream.sink(lp.encode.single(body));
}

async function open(libp2p: Libp2p, peer: PeerId | Multiaddr, protocol: string, limits: RpcLimits) {
  try {
    return await libp2p.dialProtocol(peer, protocol, { signal: AbortSignal.timeout(limits.timeoutMs) });
  } catch (error) {
    throw new NetworkError("unreachable", `cannot open ${protocol} to ${peer.toString()}`, { cause: error });
  }
}

/**
 * Opens `protocol` to `peer`, sends `body`, and returns the single response. Unreachable peers and silence become
 * `NetworkError` (`unreachable`, `timeout`).
 *
 * @example
 * const bytes = await request(libp2p, storePeer, "/vac/waku/store-query/3.0.0", query, DEFAULT_RPC_LIMITS);
 */
export async function request(
  libp2p: Libp2p,
  peer: PeerId | Multiaddr,
  protocol: string,
  body: Uint8Array,
  limits: RpcLimits = DEFAULT_RPC_LIMITS,
): Promise<Uint8Array> {
  const stream = await open(libp2p, peer, protocol, limits);
  try {
    await withDeadline(writeMessage(stream, body), stream, limits.timeoutMs, protocol);
    const response = await readMessage(stream, limits);
    if (response === undefined)
      throw new NetworkError("unreachable", `${protocol}: peer closed without answering`);
    return response;
  } finally {
    stream.close().catch(() => {});
  }
}

/**
 * Writes one message on a fresh stream without waiting for an answer (Filter pushes).
 *
 * @example
 * await send(libp2p, subscriber, "/vac/waku/filter-push/2.0.0-beta1", push);
 */
export async function send(
  libp2p: Libp2p,
  peer: PeerId,
  protocol: string,
  body: Uint8Array,
  limits: RpcLimits = DEFAULT_RPC_LIMITS,
): Promise<void> {
  const stream = await open(libp2p, peer, protocol, limits);
  try {
    await withDeadline(writeMessage(stream, body), stream, limits.timeoutMs, protocol);
  } finally {
    stream.close().catch(() => {});
  }
}
