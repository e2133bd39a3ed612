/** @module The benchmark groups and what each measures; a group with nothing measurable yet says why. */
import { measureE2e } from "./e2e.ts";
import { measureP1 } from "./p1.ts";
import { measureScale } from "./scale.ts";
import { measureRatchet, measureWire } from "./sessions.ts";
import { measureStorage } from "./storage.ts";

/** One figure as the bench contract prints it. */
export interface Figure {
  readonly bench: string;
  readonly value: number;
  readonly unit: string;
}

/** A group runs its measurements and returns medians; `pending` names the issue that brings its figures. */
export interface Group {
  readonly run: () => Promise<Figure[]>;
  readonly pending?: string;
}

/**
 * Every group of the contract, plus `storage`.
 *
 * @example
 * await GROUPS.storage?.run();
 */
export const GROUPS: Record<string, Group> = {
  ratchet: { run: measureRatchet },
  wire: { run: measureWire },
  p1: { run: measureP1 },
  e2e: { run: measureE2e },
  scale: { run: measureScale },
  storage: { run: measureStorage },
};

/**
 * Median of `rounds` runs of `measure`, each returning a number.
 *
 * @example
 * const opsPerSecond = await median(5, () => timeOps(1000, work));
 */
export async function median(rounds: number, measure: () => number | Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < rounds; i++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
}
