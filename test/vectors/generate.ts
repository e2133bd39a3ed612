/** @module Rewrites test/vectors/session.json from the fixed scenario (run only when the protocol changes). */
import { nobleProvider } from "../../src/crypto/providers.ts";
import { runSessionScenario } from "./session-scenario.ts";

const vectors = {
  description:
    "One conversation from fixed keys (docs/protocol.md): invite with one-time prekey, X3DH agreement, first message, ratchet steps both ways, one out-of-order delivery (A4 before A3). Ratchet key generation draws from seededRandom(label) = SHA-256(label || u32be(counter)) blocks; payloads are Envelope protobuf bytes as published.",
  ...runSessionScenario((random) => nobleProvider(random)),
};
await Bun.write(`${import.meta.dir}/session.json`, `${JSON.stringify(vectors, null, 2)}\n`);
console.log(`wrote ${vectors.messages.length} messages`);
