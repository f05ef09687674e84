import { describe, expect, it, test } from 'vitest';
import { deriveSeed, mulberry32, randomInt, sampleWithoutReplacement, SeededRandom, shuffle, shuffleInPlace, type Rng } from './rng.ts';

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng());

/** Pearson chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

function binCounts(values: number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.floor(v * bins)]++;
  return counts;
}

// 99.9th percentile of chi-square with 19 degrees of freedom. Seeds are fixed, so the test is
// deterministic; a correct generator passes with a wide margin, a biased one fails by far.
const CHI2_19_P999 = 43.82;

describe('mulberry32', () => {
  it('reproduces the published Mulberry32 outputs', () => {
    // Values shared by independent implementations of the reference algorithm.
    expect(mulberry32(0)()).toBe(1144304738 / 2 ** 32);
    expect(mulberry32(42)()).toBe(2581720956 / 2 ** 32);
    const rng = mulberry32(0);
    expect(draws(rng, 3)).toEqual([expect.closeTo(0.26642920868471265, 15), expect.closeTo(0.0003297457005828619, 15), expect.closeTo(0.2232720274478197, 15)]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(draws(mulberry32(7), 50)).toEqual(draws(mulberry32(7), 50));
    expect(draws(mulberry32(7), 50)).not.toEqual(draws(mulberry32(8), 50));
    // Seeds are taken mod 2^32.
    expect(draws(mulberry32(2 ** 32 + 7), 5)).toEqual(draws(mulberry32(7), 5));
  });

  it('stays in [0, 1)', () => {
    const values = draws(mulberry32(123), 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it('is uniform by a chi-square test that a biased generator fails', () => {
    for (const seed of [1, 2, 3]) {
      expect(chiSquare(binCounts(draws(mulberry32(seed), 100_000), 20))).toBeLessThan(CHI2_19_P999);
    }
    const base = mulberry32(1);
    const biased: Rng = () => base() ** 1.05; // a 5 % skew towards 0
    expect(chiSquare(binCounts(draws(biased, 100_000), 20))).toBeGreaterThan(CHI2_19_P999);
  });

  it('rejects non-integer seeds', () => {
    expect(() => mulberry32(0.5)).toThrow(/integer/);
    expect(() => mulberry32(Number.NaN)).toThrow(/integer/);
  });
});

describe('randomInt', () => {
  it('covers 0..n-1 uniformly and nothing else', () => {
    const rng = mulberry32(99);
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 100_000; i++) counts[randomInt(rng, 20)]++;
    expect(counts.reduce((s, c) => s + c, 0)).toBe(100_000); // no index outside 0..19
    expect(chiSquare(counts)).toBeLessThan(CHI2_19_P999);
  });

  it('rejects bad n', () => {
    const rng = mulberry32(1);
    expect(() => randomInt(rng, 0)).toThrow(/1\.\.2\^32/);
    expect(() => randomInt(rng, 2.5)).toThrow(/1\.\.2\^32/);
  });
});

describe('shuffle', () => {
  it('permutes in place and returns the same array', () => {
    const array = Array.from({ length: 100 }, (_, i) => i);
    const result = shuffle(mulberry32(5), array);
    expect(result).toBe(array);
    expect([...result].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(result).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('is deterministic per seed', () => {
    const make = () => Array.from({ length: 30 }, (_, i) => i);
    expect(shuffle(mulberry32(11), make())).toEqual(shuffle(mulberry32(11), make()));
    expect(shuffle(mulberry32(11), make())).not.toEqual(shuffle(mulberry32(12), make()));
  });

  it('gives all 24 orders of 4 items about equally often', () => {
    const rng = mulberry32(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 48_000; i++) {
      const key = shuffle(rng, [0, 1, 2, 3]).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    // 99.9th percentile of chi-square with 23 degrees of freedom.
    expect(chiSquare([...counts.values()])).toBeLessThan(49.73);
  });
});

describe('sampleWithoutReplacement', () => {
  it('returns k distinct values in 0..n-1', () => {
    const rng = mulberry32(21);
    for (const [n, k] of [
      [10, 10],
      [15625, 100],
      [5, 0],
      [1, 1],
    ]) {
      const sample = sampleWithoutReplacement(rng, n, k);
      expect(sample).toHaveLength(k);
      expect(new Set(sample).size).toBe(k);
      expect(sample.every((v) => Number.isInteger(v) && v >= 0 && v < n)).toBe(true);
    }
  });

  it('is deterministic per seed', () => {
    expect(sampleWithoutReplacement(mulberry32(4), 1000, 50)).toEqual(sampleWithoutReplacement(mulberry32(4), 1000, 50));
    expect(sampleWithoutReplacement(mulberry32(4), 1000, 50)).not.toEqual(sampleWithoutReplacement(mulberry32(5), 1000, 50));
  });

  it('picks every element about equally often', () => {
    const rng = mulberry32(8);
    const counts = new Array<number>(20).fill(0);
    for (let i = 0; i < 20_000; i++) for (const v of sampleWithoutReplacement(rng, 20, 5)) counts[v]++;
    expect(chiSquare(counts)).toBeLessThan(CHI2_19_P999);
  });

  it('rejects k > n and negative sizes', () => {
    const rng = mulberry32(1);
    expect(() => sampleWithoutReplacement(rng, 3, 4)).toThrow(/0\.\.3/);
    expect(() => sampleWithoutReplacement(rng, -1, 0)).toThrow(/non-negative/);
  });
});

describe('SeededRandom', () => {
  test('same seed → same stream; other seed → other stream', () => {
    const draw = (seed: number) =>
      Array.from(
        { length: 8 },
        (() => {
          const r = new SeededRandom(seed);
          return () => r.next();
        })(),
      );
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  test('uniform draws stay in range and fill it', () => {
    const rng = new SeededRandom(3);
    const values = Array.from({ length: 4000 }, () => rng.uniform(-0.5, 0.5));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...values)).toBeLessThan(0.5);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length)).toBeLessThan(0.02);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[rng.int(5)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe('deriveSeed and shuffle', () => {
  test('tags separate streams', () => {
    expect(deriveSeed(7, 1, 2)).toBe(deriveSeed(7, 1, 2));
    expect(new Set([deriveSeed(7, 1, 2), deriveSeed(7, 2, 1), deriveSeed(7, 1), deriveSeed(8, 1, 2)]).size).toBe(4);
  });

  test('shuffle is a seeded permutation', () => {
    const a = Uint32Array.from({ length: 50 }, (_, i) => i);
    const b = Uint32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(a, new SeededRandom(4));
    shuffleInPlace(b, new SeededRandom(4));
    expect(a).toEqual(b);
    expect(Array.from(a)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
