/** @module Systematic Reed-Solomon erasure coding over GF(2^8), bit-compatible with Backblaze JavaReedSolomon and klauspost/reedsolomon. */

import { InputError } from "../errors.ts";

/**
 * The field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d) without its x^8 term, as Backblaze and klauspost use it.
 * The generator is 2.
 *
 * @example
 * GF_POLYNOMIAL === 0x1d; // 29
 */
export const GF_POLYNOMIAL = 0x1d;

/**
 * Most shards (data + parity) one code can have: the Vandermonde rows 0..255 are the distinct field elements,
 * which is what makes every square subset of rows invertible.
 *
 * @example
 * if (k + m > MAX_SHARDS) throw new Error("too many shards");
 */
export const MAX_SHARDS = 256;

const LOG = new Uint8Array(256);
/** EXP[i] = 2^i, doubled so that EXP[LOG[a] + LOG[b]] needs no reduction mod 255. */
const EXP = new Uint8Array(510);
{
  let b = 1;
  for (let log = 0; log < 255; log++) {
    LOG[b] = log;
    EXP[log] = b;
    EXP[log + 255] = b;
    b <<= 1;
    if (b >= 256) b = (b - 256) ^ GF_POLYNOMIAL;
  }
}

/** MUL[a << 8 | b] = a·b; 64 KiB, so a slice multiply is one table lookup per byte. */
const MUL = new Uint8Array(65536);
for (let a = 1; a < 256; a++) {
  for (let b = 1; b < 256; b++) MUL[(a << 8) | b] = EXP[(LOG[a] as number) + (LOG[b] as number)] as number;
}

/**
 * Product of two field elements (bytes).
 *
 * @example
 * gfMul(3, 4); // 12
 * gfMul(23, 45); // 41
 */
export function gfMul(a: number, b: number): number {
  return MUL[((a & 0xff) << 8) | (b & 0xff)] as number;
}

/**
 * Multiplicative inverse of a non-zero field element.
 *
 * @example
 * gfMul(7, gfInv(7)); // 1
 */
export function gfInv(a: number): number {
  if ((a & 0xff) === 0) throw new InputError("invalid_argument", "0 has no inverse in GF(2^8)");
  return EXP[255 - (LOG[a & 0xff] as number)] as number;
}

/**
 * `a` to the power `n` (n ≥ 0); 0^0 is 1, as in the Vandermonde matrix of Backblaze and klauspost.
 *
 * @example
 * gfExp(5, 20); // 235
 */
export function gfExp(a: number, n: number): number {
  if (n === 0) return 1;
  if ((a & 0xff) === 0) return 0;
  return EXP[((LOG[a & 0xff] as number) * n) % 255] as number;
}

/**
 * out[i] = c·input[i] for every i (klauspost's galMulSlice).
 *
 * @example
 * const out = new Uint8Array(3);
 * mulSlice(25, Uint8Array.of(1, 2, 3), out); // out = 0x19 0x32 0x2b
 */
export function mulSlice(c: number, input: Uint8Array, out: Uint8Array): void {
  const base = (c & 0xff) << 8;
  const row = MUL.subarray(base, base + 256);
  for (let i = 0; i < input.length; i++) out[i] = row[input[i] as number] as number;
}

/**
 * out[i] ^= c·input[i] for every i (klauspost's galMulSliceXor).
 *
 * @example
 * mulSliceXor(52, input, out); // adds 52·input to out
 */
export function mulSliceXor(c: number, input: Uint8Array, out: Uint8Array): void {
  if ((c & 0xff) === 0) return;
  if ((c & 0xff) === 1) {
    for (let i = 0; i < input.length; i++) out[i] = (out[i] as number) ^ (input[i] as number);
    return;
  }
  const base = (c & 0xff) << 8;
  const row = MUL.subarray(base, base + 256);
  for (let i = 0; i < input.length; i++) out[i] = (out[i] as number) ^ (row[input[i] as number] as number);
}

/**
 * A matrix over GF(2^8): an array of rows of bytes.
 *
 * @example
 * const identity: Matrix = [Uint8Array.of(1, 0), Uint8Array.of(0, 1)];
 */
export type Matrix = Uint8Array[];

/**
 * Product a·b of two matrices (a's column count must equal b's row count).
 *
 * @example
 * multiplyMatrices([Uint8Array.of(1, 2), Uint8Array.of(3, 4)], [Uint8Array.of(5, 6), Uint8Array.of(7, 8)]);
 * // [[11, 22], [19, 42]]
 */
export function multiplyMatrices(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const cols = b[0]?.length ?? 0;
  return a.map((row) => {
    if (row.length !== inner) throw new InputError("invalid_argument", "matrix sizes do not match");
    const out = new Uint8Array(cols);
    for (let i = 0; i < inner; i++) mulSliceXor(row[i] as number, b[i] as Uint8Array, out);
    return out;
  });
}

/**
 * Inverse of a square matrix by Gauss-Jordan elimination; InputError `invalid_argument` if it is singular.
 *
 * @example
 * invertMatrix([Uint8Array.of(56, 23, 98), Uint8Array.of(3, 100, 200), Uint8Array.of(45, 201, 123)]);
 * // [[175, 133, 33], [130, 13, 245], [112, 35, 126]]
 */
export function invertMatrix(m: Matrix): Matrix {
  const n = m.length;
  // Work on [m | I].
  const work: Uint8Array[] = m.map((row, r) => {
    if (row.length !== n) throw new InputError("invalid_argument", "only square matrices have an inverse");
    const wide = new Uint8Array(2 * n);
    wide.set(row);
    wide[n + r] = 1;
    return wide;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    while (pivot < n && (work[pivot] as Uint8Array)[col] === 0) pivot++;
    if (pivot === n) throw new InputError("invalid_argument", "matrix is singular");
    if (pivot !== col) [work[col], work[pivot]] = [work[pivot] as Uint8Array, work[col] as Uint8Array];
    const row = work[col] as Uint8Array;
    const scale = gfInv(row[col] as number);
    if (scale !== 1) mulSlice(scale, row, row);
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const other = work[r] as Uint8Array;
      const factor = other[col] as number;
      if (factor !== 0) mulSliceXor(factor, row, other);
    }
  }
  return work.map((row) => row.slice(n));
}

/**
 * The (dataShards + parityShards) × dataShards encoding matrix: the Vandermonde matrix V[r][c] = r^c times the
 * inverse of its top square, so the top is the identity (systematic: data shards are sent as they are) and any
 * dataShards of its rows are invertible. Row dataShards + j produces parity shard j.
 *
 * @example
 * encodingMatrix(5, 5)[5]; // the row that makes parity shard 0 of a 5+5 code
 */
export function encodingMatrix(dataShards: number, parityShards: number): Matrix {
  checkShape(dataShards, parityShards);
  const total = dataShards + parityShards;
  const vandermonde: Matrix = [];
  for (let r = 0; r < total; r++) {
    const row = new Uint8Array(dataShards);
    for (let c = 0; c < dataShards; c++) row[c] = gfExp(r, c);
    vandermonde.push(row);
  }
  return multiplyMatrices(vandermonde, invertMatrix(vandermonde.slice(0, dataShards)));
}

function checkShape(dataShards: number, parityShards: number): void {
  if (
    !Number.isInteger(dataShards) ||
    !Number.isInteger(parityShards) ||
    dataShards < 1 ||
    parityShards < 0 ||
    dataShards + parityShards > MAX_SHARDS
  ) {
    throw new InputError(
      "invalid_argument",
      `a Reed-Solomon code needs 1 or more data shards, 0 or more parity shards and at most ${MAX_SHARDS} in all (got ${dataShards} + ${parityShards})`,
    );
  }
}

/**
 * A systematic (dataShards + parityShards) Reed-Solomon erasure code over GF(2^8): parity computed from the data
 * shards, and any dataShards of all the shards give the data back. Shards are equal-length byte arrays. Produces
 * the same parity as Backblaze JavaReedSolomon and klauspost/reedsolomon (default matrix) for the same shape.
 *
 * @example
 * const rs = new ReedSolomon(4, 2);
 * const parity = rs.encode(data); // data: 4 equal-length shards → 2 parity shards
 * const back = rs.reconstruct([undefined, data[1], undefined, data[3], parity[0], parity[1]]); // the 4 data shards
 */
export class ReedSolomon {
  readonly dataShards: number;
  readonly parityShards: number;
  /** The full encoding matrix (see {@link encodingMatrix}). */
  readonly matrix: Matrix;

  constructor(dataShards: number, parityShards: number) {
    this.matrix = encodingMatrix(dataShards, parityShards);
    this.dataShards = dataShards;
    this.parityShards = parityShards;
  }

  /** The parity shards for `data` (exactly dataShards shards of one length). */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    const size = this.shardSize(data, this.dataShards);
    const parity: Uint8Array[] = [];
    for (let p = 0; p < this.parityShards; p++) {
      const row = this.matrix[this.dataShards + p] as Uint8Array;
      const out = new Uint8Array(size);
      for (let c = 0; c < this.dataShards; c++) mulSliceXor(row[c] as number, data[c] as Uint8Array, out);
      parity.push(out);
    }
    return parity;
  }

  /**
   * The dataShards data shards from `shards` (all dataShards + parityShards positions, `undefined` where a shard
   * is missing). Present data shards are returned as they are; missing ones are computed from the first
   * dataShards shards present. InputError `invalid_argument` when fewer than dataShards are present.
   */
  reconstruct(shards: readonly (Uint8Array | undefined)[]): Uint8Array[] {
    const k = this.dataShards;
    if (shards.length !== k + this.parityShards) {
      throw new InputError(
        "invalid_argument",
        `expected ${k + this.parityShards} shard slots, got ${shards.length}`,
      );
    }
    const present: number[] = [];
    for (let i = 0; i < shards.length && present.length < k; i++)
      if (shards[i] !== undefined) present.push(i);
    if (present.length < k) {
      throw new InputError("invalid_argument", `need ${k} shards to reconstruct, have ${present.length}`);
    }
    const inputs = present.map((i) => shards[i] as Uint8Array);
    const size = this.shardSize(inputs, k);
    if (present[k - 1] === k - 1) return inputs; // all data shards present
    const decode = invertMatrix(present.map((i) => this.matrix[i] as Uint8Array));
    const data: Uint8Array[] = [];
    for (let d = 0; d < k; d++) {
      const have = shards[d];
      if (have !== undefined) {
        data.push(have);
        continue;
      }
      const row = decode[d] as Uint8Array;
      const out = new Uint8Array(size);
      for (let c = 0; c < k; c++) mulSliceXor(row[c] as number, inputs[c] as Uint8Array, out);
      data.push(out);
    }
    return data;
  }

  private shardSize(shards: readonly Uint8Array[], count: number): number {
    if (shards.length !== count)
      throw new InputError("invalid_argument", `expected ${count} shards, got ${shards.length}`);
    const size = shards[0]?.length ?? 0;
    if (shards.some((s) => s.length !== size))
      throw new InputError("invalid_argument", "shards differ in length");
    return size;
  }
}
