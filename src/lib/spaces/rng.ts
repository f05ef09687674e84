/**
 * Seeded pseudo-random numbers. Every random choice in the app (samples, mutations, shuffles,
 * data splits) goes through an `Rng` so that a run is reproduced exactly by its seed.
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
