/** @module Picks the CryptoProvider: native where the runtime has it, @noble otherwise. */
import { nativeAvailable, nativeProvider } from "./native-provider.ts";
import { nobleProvider } from "./noble-provider.ts";
import type { CryptoProvider } from "./provider.ts";

let chosen: CryptoProvider | undefined;

/**
 * The provider wakubot uses unless told otherwise: native node:crypto under Bun, @noble elsewhere.
 *
 * @example
 * const shared = defaultProvider().x25519(secret, peer);
 */
export function defaultProvider(): CryptoProvider {
  chosen ??= nativeAvailable() ? nativeProvider() : nobleProvider();
  return chosen;
}

export { nativeProvider, nobleProvider };
