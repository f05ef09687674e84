import { describe, expect, test } from 'vitest';
import { comparatorPositions, rankingKendall } from './predictor-search';

describe('comparatorPositions (eagle: sorted() with the pairwise head)', () => {
  test('with an antisymmetric comparator it is the sort by s − t, worst at position 0', () => {
    // d(a, b) = s[a] + t[b] + c with t = −s, c = 0: a is "better" than b when s[a] > s[b]
    const s = [0.3, -1, 2, 0.1];
    const t = s.map((v) => -v);
    expect(Array.from(comparatorPositions(s, t, 0))).toEqual([2, 0, 3, 1]);
  });

  test('keeps input order for a comparator that calls everything equal, and is a permutation otherwise', () => {
    expect(Array.from(comparatorPositions([0, 0, 0], [0, 0, 0], 0))).toEqual([0, 1, 2]);
    const n = 500;
    const s = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 3);
    const t = Array.from({ length: n }, (_, i) => Math.cos(i * 78.233));
    const positions = comparatorPositions(s, t, 0.2);
    expect(new Set(positions).size).toBe(n);
    expect(Math.max(...positions)).toBe(n - 1);
  });
});

describe('rankingKendall', () => {
  test('is 1 for the same order, −1 reversed, and skips cells without a value', () => {
    const valid = Float64Array.from([1, 2, 3, NaN, 5]);
    expect(rankingKendall(Float64Array.from([10, 20, 30, 0, 50]), valid)).toBeCloseTo(1);
    expect(rankingKendall(Float64Array.from([5, 4, 3, 99, 1]), valid)).toBeCloseTo(-1);
  });
});
