/** @module Keeps a node connected to its static and bootstrap peers: dials them, and redials with exponential backoff and jitter after a disconnect (NET4). */
import type { Libp2p, PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { InputError } from "../errors.ts";

/** Backoff between redials of one peer. */
export interface BackoffOptions {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Uniform random number in [0, 1) for jitter; injectable for tests. */
  readonly random: () => number;
}

/** 500 ms doubling up to 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { minDelayMs: 500, maxDelayMs: 30_000, random: Math.random };

/**
 * Parses a peer multiaddr that must end in `/p2p/<peer id>` (the CLI contract for `--peer`).
 *
 * @example
 * const { addr, peerId } = parsePeerAddress("/ip4/127.0.0.1/tcp/60000/p2p/12D3KooW…");
 */
export function parsePeerAddress(text: string): { addr: Multiaddr; peerId: PeerId } {
  let addr: Multiaddr;
  try {
    addr = multiaddr(text);
  } catch (error) {
    throw new InputError("invalid_argument", `not a multiaddr: ${text}`, { cause: error });
  }
  const id = addr.getPeerId();
  if (!id) throw new InputError("invalid_argument", `peer address needs /p2p/<peer id>: ${text}`);
  try {
    return { addr, peerId: peerIdFromString(id) };
  } catch (error) {
    throw new InputError("invalid_argument", `bad peer id in ${text}`, { cause: error });
  }
}

/**
 * Delay before redial attempt `n` (0-based): min·2ⁿ capped at max, with "equal jitter" so a restarted network
 * does not redial in lockstep.
 *
 * @example
 * backoffDelay(3, DEFAULT_BACKOFF); // between 2 s and 4 s
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + options.random() * (ceiling / 2);
}

interface Kept {
  readonly addr: Multiaddr;
  readonly peerId: PeerId;
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Holds connections to a set of peers for the life of a node.
 *
 * @example
 * const keeper = new PeerKeeper(libp2p);
 * keeper.add("/ip4/127.0.0.1/tcp/60000/p2p/12D3KooW…");
 * keeper.start();
 */
export class PeerKeeper {
  readonly #libp2p: Libp2p;
  readonly #backoff: BackoffOptions;
  readonly #kept = new Map<string, Kept>();
  #running = false;
  #aborter = new AbortController();
  readonly #onDisconnect = (event: CustomEvent<PeerId>) => {
    const kept = this.#kept.get(event.detail.toString());
    if (kept && this.#running) this.#schedule(kept);
  };

  constructor(libp2p: Libp2p, backoff: BackoffOptions = DEFAULT_BACKOFF) {
    this.#libp2p = libp2p;
    this.#backoff = backoff;
  }

  /** Adds a peer (validated) and dials it at once when running. Its own address is ignored. */
  add(text: string): void {
    const { addr, peerId } = parsePeerAddress(text);
    if (peerId.equals(this.#libp2p.peerId)) return;
    const key = peerId.toString();
    if (this.#kept.has(key)) return;
    const kept: Kept = { addr, peerId, attempt: 0 };
    this.#kept.set(key, kept);
    if (this.#running) void this.#dial(kept);
  }

  /** Peer ids being kept. */
  get peers(): PeerId[] {
    return [...this.#kept.values()].map((k) => k.peerId);
  }

  start(): void {
    this.#running = true;
    this.#aborter = new AbortController();
    this.#libp2p.addEventListener("peer:disconnect", this.#onDisconnect);
    for (const kept of this.#kept.values()) void this.#dial(kept);
  }

  stop(): void {
    this.#running = false;
    this.#aborter.abort();
    this.#libp2p.removeEventListener("peer:disconnect", this.#onDisconnect);
    for (const kept of this.#kept.values()) clearTimeout(kept.timer);
  }

  #schedule(kept: Kept): void {
    clearTimeout(kept.timer);
    const delay = backoffDelay(kept.attempt++, this.#backoff);
    kept.timer = setTimeout(() => void this.#dial(kept), delay);
    kept.timer.unref?.();
  }

  async #dial(kept: Kept): Promise<void> {
    if (!this.#running) return;
    try {
      await this.#libp2p.dial(kept.addr, {
        signal: AbortSignal.any([AbortSignal.timeout(10_000), this.#aborter.signal]),
      });
      kept.attempt = 0;
    } catch {
      if (this.#running) this.#schedule(kept);
    }
  }
}
