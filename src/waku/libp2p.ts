/** @module The libp2p stack every wakubot node runs: TCP, noise with a WebAssembly cipher backend (Bun lacks chacha20-poly1305 in node:crypto), yamux and mplex, identify, ping, and optional wire byte counting. */
import net from "node:net";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { identify } from "@libp2p/identify";
import type {
  ComponentLogger,
  Libp2p,
  MultiaddrConnection,
  PrivateKey,
  Transport,
  Upgrader,
} from "@libp2p/interface";
import { mplex } from "@libp2p/mplex";
import { ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { createLibp2p, type Libp2pOptions } from "libp2p";
import { noiseCrypto } from "./noise-crypto.ts";

/** Bytes a node moved over TCP, after encryption and multiplexing: what the operator pays for (P1). */
export interface WireCounter {
  bytesIn: number;
  bytesOut: number;
}

/**
 * A fresh counter.
 *
 * @example
 * const counter = newWireCounter(); // pass to createStack, read counter.bytesIn later
 */
export function newWireCounter(): WireCounter {
  return { bytesIn: 0, bytesOut: 0 };
}

function countConnection(maConn: MultiaddrConnection, counter: WireCounter): MultiaddrConnection {
  let source: MultiaddrConnection["source"] = (async function* () {
    for await (const chunk of maConn.source) {
      counter.bytesIn += chunk.byteLength;
      yield chunk;
    }
  })();
  let sink: MultiaddrConnection["sink"] = (input) =>
    maConn.sink(
      (async function* () {
        for await (const chunk of input) {
          counter.bytesOut += chunk.byteLength;
          yield chunk;
        }
      })(),
    );
  // The upgrader replaces `source`/`sink` with wrappers of what it read: keep those, they sit above our counters.
  return new Proxy(maConn, {
    get(target, property, receiver) {
      if (property === "source") return source;
      if (property === "sink") return sink;
      return Reflect.get(target, property, receiver);
    },
    set(target, property, value, receiver) {
      if (property === "source") source = value;
      else if (property === "sink") sink = value;
      else return Reflect.set(target, property, value, receiver);
      return true;
    },
  });
}

function countingUpgrader(upgrader: Upgrader, counter: WireCounter): Upgrader {
  return new Proxy(upgrader, {
    get(target, property, receiver) {
      if (property === "upgradeInbound") {
        return (maConn: MultiaddrConnection, opts?: Parameters<Upgrader["upgradeInbound"]>[1]) =>
          target.upgradeInbound(countConnection(maConn, counter), opts);
      }
      if (property === "upgradeOutbound") {
        return (maConn: MultiaddrConnection, opts?: Parameters<Upgrader["upgradeOutbound"]>[1]) =>
          target.upgradeOutbound(countConnection(maConn, counter), opts);
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

type TransportFactory = (components: { logger: ComponentLogger }) => Transport;

/**
 * @libp2p/tcp gives a dial's AbortSignal to `net.connect`, which destroys the socket with an AbortError when the dial
 * is aborted (a node stopping mid-dial, a dial timeout) — on the next tick, after libp2p has taken its 'error'
 * listener off. Nothing handles that error, and an unhandled 'error' event ends the process. Each socket a dial
 * opens gets a listener of its own, so such a late error goes nowhere; libp2p's handling is unchanged.
 */
function guardDials(transport: Transport): Transport {
  const target = transport as unknown as { _connect?: (...args: unknown[]) => Promise<unknown> };
  const connect = target._connect;
  if (typeof connect !== "function") return transport;
  target._connect = function (this: unknown, ...args: unknown[]) {
    const original = net.connect;
    // `_connect` opens its socket synchronously: the override is in place for exactly that call.
    net.connect = ((...connectArgs: Parameters<typeof net.connect>) => {
      const socket = original(...connectArgs);
      socket.on("error", () => {});
      return socket;
    }) as typeof net.connect;
    try {
      return connect.apply(this, args);
    } finally {
      net.connect = original;
    }
  };
  return transport;
}

/**
 * The TCP transport of every wakubot stack: @libp2p/tcp with aborted dials made harmless (see `guardDials`), and
 * with wire bytes counted when a counter is given.
 *
 * @example
 * const transport = tcpTransport(); // a libp2p transport factory
 */
export function tcpTransport(counter?: WireCounter): TransportFactory {
  const factory = tcp() as unknown as TransportFactory;
  return (components) => {
    const guarded = guardDials(factory(components));
    return counter ? counting(guarded, counter) : guarded;
  };
}

function counting(inner: Transport, counter: WireCounter): Transport {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === "dial") {
        return (ma: Parameters<Transport["dial"]>[0], options: Parameters<Transport["dial"]>[1]) =>
          target.dial(ma, { ...options, upgrader: countingUpgrader(options.upgrader, counter) });
      }
      if (property === "createListener") {
        return (options: Parameters<Transport["createListener"]>[0]) =>
          target.createListener({ ...options, upgrader: countingUpgrader(options.upgrader, counter) });
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** What differs between the stacks of a full node, a light client and a benchmark node. */
export interface StackOptions {
  readonly privateKey?: PrivateKey;
  /** Multiaddrs to listen on; none for a light client that only dials out. */
  readonly listen: readonly string[];
  /** Extra libp2p services (the relay). */
  readonly services?: Libp2pOptions["services"];
  /** Counts wire bytes when given. */
  readonly counter?: WireCounter;
  readonly agent?: string;
}

/**
 * Creates (without starting) a libp2p node with wakubot's transport stack. Noise gets `noiseCrypto` (WebAssembly AEAD)
 * because its default backend uses node:crypto's chacha20-poly1305 for frames ≥ 1200 bytes, which Bun lacks:
 * without this, large relay messages and every request/response protocol fail silently under Bun.
 *
 * @example
 * const libp2p = await createStack({ listen: ["/ip4/127.0.0.1/tcp/0"] });
 * await libp2p.start();
 */
export async function createStack(options: StackOptions): Promise<Libp2p> {
  const transport = tcpTransport(options.counter);
  const config: Libp2pOptions = {
    addresses: { listen: [...options.listen] },
    transports: [transport as ReturnType<typeof tcp>],
    connectionEncrypters: [noise({ crypto: noiseCrypto })],
    // mplex first: 3–4 bytes of framing per relay message and no window updates, against yamux's 12-byte headers
    // and window-update frames; that is 6–7% of P1's relay traffic (docs/network.md). yamux stays for peers
    // that lack mplex.
    streamMuxers: [mplex(), yamux()],
    connectionManager: { maxConnections: 200 },
    // A busy event loop (a burst of inbound messages) can delay a ping past its timeout; aborting the connection
    // then loses every message in flight on it. TCP itself notices dead peers, and the peer keeper redials.
    connectionMonitor: { abortConnectionOnPingFailure: false },
    start: false,
    services: {
      identify: identify({ agentVersion: options.agent ?? "wakubot" }),
      ping: ping(),
      ...options.services,
    },
  };
  if (options.privateKey) config.privateKey = options.privateKey;
  return (await createLibp2p(config)) as unknown as Libp2p;
}

/**
 * A new Ed25519 libp2p identity. A node's peer id is derived from it and is unrelated to its wakubot account (PRIV3).
 *
 * @example
 * const key = await newPeerKey();
 */
export async function newPeerKey(): Promise<PrivateKey> {
  // @libp2p/crypto's types name @libp2p/interface 3 while libp2p 2 uses 2: the objects are the same shape.
  return (await generateKeyPair("Ed25519")) as unknown as PrivateKey;
}

/**
 * Protobuf bytes of a libp2p private key, for sealing into secrets.db.
 *
 * @example
 * sealer.seal(peerKeyToBytes(key), ad);
 */
export function peerKeyToBytes(key: PrivateKey): Uint8Array {
  return privateKeyToProtobuf(key as unknown as Parameters<typeof privateKeyToProtobuf>[0]);
}

/**
 * The libp2p private key from its protobuf bytes.
 *
 * @example
 * const key = peerKeyFromBytes(sealer.open(stored, ad));
 */
export function peerKeyFromBytes(bytes: Uint8Array): PrivateKey {
  return privateKeyFromProtobuf(bytes) as unknown as PrivateKey;
}
