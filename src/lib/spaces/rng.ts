/**
 * Seeded pseudo-random numbers: the app's one module for them. Every random choice (samples,
 * mutations, shuffles, data splits, weight init, dropout masks) draws from a generator here, so a
 * run is reproduced exactly by its seed, on every backend. Two generators, each with its users:
 * mulberry32 (`Rng`) for the search spaces, searches and splits, and sfc32 (`SeededRandom`,
 * seeded through `deriveSeed`) for the predictors. Recorded results (benchmarks, saved runs and
 * predictors) depend on both streams, so neither replaces the other.
 */

/** A generator of floats uniform in [0, 1), advanced on every call. */
export type Rng = () => number;

/**
 * Mulberry32 (Tommy Ettinger's 32-bit generator): one 32-bit state word, period 2^32, passes
 * gjrand/PractRand to a few GB, more than this app draws. Chosen for being tiny and exactly
 * reproducible in any JS engine (only `Math.imul` and 32-bit integer ops).
 *
 * @param seed any integer; it is reduced to 32 bits (`seed >>> 0`), so seeds equal mod 2^32 give
 *   the same stream.
 * @returns floats in [0, 1) with 32 bits of resolution.
 */
export function mulberry32(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new Error(`RNG seed must be an integer, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Uniform integer in 0..n-1. Bias from scaling a 32-bit float is below n / 2^32, negligible
 * for the sizes used here (at most a few hundred thousand).
 */
export function randomInt(rng: Rng, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32) throw new Error(`randomInt needs an integer n in 1..2^32, got ${n}`);
  return Math.floor(rng() * n);
}

/** Fisher–Yates shuffle, in place; returns the same array. */
export function shuffle<T>(rng: Rng, array: T[]): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/**
 * k distinct integers from 0..n-1, uniformly among all ordered k-samples, in draw order.
 * A partial Fisher–Yates over a virtual identity array: only swapped slots are stored, so the
 * cost is O(k) time and memory even for k much smaller than n.
 */
export function sampleWithoutReplacement(rng: Rng, n: number, k: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`population size must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(k) || k < 0 || k > n) throw new Error(`sample size must be an integer in 0..${n}, got ${k}`);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const sample = new Array<number>(k);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(rng, n - i);
    sample[i] = at(j);
    swapped.set(j, at(i));
  }
  return sample;
}

/* ------------------------------------------------ the predictors' generator */

/** Mixes a 32-bit state (the murmur3 finaliser): consecutive inputs give unrelated outputs. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A seed for a sub-stream, e.g. `deriveSeed(runSeed, STREAM.dropout, step, layer)`: distinct
 * tag lists give independent-looking seeds, the same list always the same seed.
 */
export function deriveSeed(seed: number, ...tags: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const tag of tags) h = mix32(h ^ mix32(tag + 0x6a09e667));
  return h;
}

/** Stream tags, so no two uses of one run seed share a sequence. */
export const STREAM = { init: 1, shuffle: 2, dropout: 3 } as const;

/** sfc32 (Chris Doty-Humphrey's small fast counter): passes PractRand, 4 words of state. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = deriveSeed(seed, 1);
    this.b = deriveSeed(seed, 2);
    this.c = deriveSeed(seed, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: { length: number; [index: number]: T }, rng: SeededRandom): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}
