/**
 * Seeded randomness for the predictors. Weight init, shuffling and dropout masks (fused.ts, a
 * seed derived per step and layer) draw from a JS generator, not tfjs, so the same seed gives the
 * same numbers on every backend.
 */

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
