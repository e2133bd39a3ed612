/** @module Benchmark group `storage`: sealing speed, passphrase unlock time, durable commits per second. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sealer } from "../src/crypto/seal.ts";
import { createDataDir, openDataDir } from "../src/storage/data-dir.ts";
import * as secrets from "../src/storage/schema/secrets.ts";
import { type Figure, median } from "./groups.ts";

const ROUNDS = 5;

/**
 * Measures `storage.seal_open` (seal + open of a 200-byte value, ops/s), `storage.unlock_ms` (opening a data
 * directory with the default Argon2id cost) and `storage.commit_full` (single-row transactions/s on secrets.db
 * with synchronous=FULL).
 *
 * @example
 * for (const f of await measureStorage()) console.log(f);
 */
export async function measureStorage(): Promise<Figure[]> {
  const sealer = new Sealer(1, new Uint8Array(32).fill(1));
  const slot = { table: "sessions", row: "bench", column: "state" };
  const value = new Uint8Array(200).fill(7);
  const sealOpen = await median(ROUNDS, () => {
    const n = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sealer.open(sealer.seal(value, slot), slot);
    return n / ((performance.now() - t0) / 1000);
  });

  const root = mkdtempSync(join(tmpdir(), "wakubot-bench-"));
  try {
    const path = join(root, "data");
    createDataDir(path, { passphrase: "bench" }).close();
    const unlockMs = await median(ROUNDS, () => {
      const t0 = performance.now();
      openDataDir(path, { passphrase: "bench" }).close();
      return performance.now() - t0;
    });
    const dir = openDataDir(path, { passphrase: "bench" });
    let row = 0;
    const commits = await median(ROUNDS, () => {
      const n = 500;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const id = `c${row++}`;
        dir.secrets
          .insert(secrets.sessions)
          .values({
            conversationId: id,
            state: Buffer.from(dir.sealer.seal(value, { table: "sessions", row: id, column: "state" })),
            stateVersion: 1,
            updatedAt: Date.now(),
          })
          .run();
      }
      return n / ((performance.now() - t0) / 1000);
    });
    dir.close();
    return [
      { bench: "storage.seal_open", value: Math.round(sealOpen), unit: "ops/s" },
      { bench: "storage.unlock_ms", value: Math.round(unlockMs), unit: "ms" },
      { bench: "storage.commit_full", value: Math.round(commits), unit: "tx/s" },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
