/** @module `npm run bench [-- GROUP…]`: runs benchmark groups per ../shared/contracts/bench.md, JSON lines out. */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { type Figure, GROUPS } from "./groups.ts";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((g) => !(g in GROUPS));
if (unknown.length > 0) {
  process.stderr.write(`unknown group(s): ${unknown.join(", ")}; known: ${Object.keys(GROUPS).join(", ")}\n`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : Object.keys(GROUPS);
const figures: Figure[] = [];
for (const name of names) {
  const group = GROUPS[name];
  if (!group) continue;
  if (group.pending) process.stderr.write(`[${name}] nothing to measure yet: ${group.pending}\n`);
  for (const figure of await group.run()) {
    figures.push(figure);
    process.stdout.write(`${JSON.stringify(figure)}\n`);
    process.stderr.write(
      `  ${figure.bench.padEnd(32)} ${String(figure.value).padStart(12)} ${figure.unit}\n`,
    );
  }
}
const results = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  },
  runtime: { bun: Bun.version, platform: `${process.platform}-${process.arch}` },
  groups: names,
  figures,
};
const dir = join(import.meta.dir, "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
