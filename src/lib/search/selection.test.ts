import { describe, expect, it } from 'vitest';
import { mulberry32, shuffle } from '../spaces/rng';
import { initialSample, iterationPlan, selectNext, selectNextDetailed } from './selection';

describe('iterationPlan', () => {
  it("matches eagle's main NB201 run (M 100, T 5, batch 64, epochs 250)", () => {
    const plan = iterationPlan({ budget: 100, iterations: 5, batchSize: 64, epochs: 250 });
    expect(plan.map((s) => s.modelsToAdd)).toEqual([20, 20, 20, 20, 20]);
    expect(plan.map((s) => s.modelsTotal)).toEqual([20, 40, 60, 80, 100]);
    expect(plan.map((s) => s.batchSize)).toEqual([12, 24, 36, 48, 60]);
    expect(plan.map((s) => s.epochs)).toEqual([50, 100, 150, 200, 250]);
  });

  it('gives the remainder to the last iteration', () => {
    const plan = iterationPlan({ budget: 103, iterations: 5, batchSize: 32, epochs: 25 });
    expect(plan.map((s) => s.modelsToAdd)).toEqual([20, 20, 20, 20, 23]);
    expect(plan.map((s) => s.batchSize)).toEqual([6, 12, 18, 24, 30]);
    expect(plan.map((s) => s.epochs)).toEqual([5, 10, 15, 20, 25]);
    expect(iterationPlan({ budget: 10, iterations: 3, batchSize: 2, epochs: 2 }).map((s) => [s.modelsToAdd, s.batchSize])).toEqual([
      [3, 1],
      [3, 1],
      [4, 1],
    ]);
  });

  it('rejects impossible plans', () => {
    expect(() => iterationPlan({ budget: 3, iterations: 5, batchSize: 64, epochs: 250 })).toThrow('5 iterations need a budget of at least 5 cells, got 3');
    expect(() => iterationPlan({ budget: 100, iterations: 0, batchSize: 64, epochs: 250 })).toThrow('iterations must be a positive integer, got 0');
  });
});

describe('initialSample', () => {
  it('draws distinct candidates, reproducibly', () => {
    const candidates = Int32Array.from({ length: 500 }, (_, k) => 1000 + k);
    const a = initialSample(candidates, 20, mulberry32(1));
    expect(a).toHaveLength(20);
    expect(new Set(a).size).toBe(20);
    expect(a.every((i) => i >= 1000 && i < 1500)).toBe(true);
    expect(initialSample(candidates, 20, mulberry32(1))).toEqual(a);
    expect(initialSample([7, 8], 20, mulberry32(1)).sort()).toEqual([7, 8]);
  });
});

/** 1,600 candidates (NB201 indices 5000 + k) with distinct shuffled scores 0..1599. */
function setup(seed: number) {
  const candidates = Int32Array.from({ length: 1600 }, (_, k) => 5000 + k);
  const scores = Float64Array.from(
    shuffle(
      mulberry32(seed),
      Array.from({ length: 1600 }, (_, k) => k),
    ),
  );
  const rankOf = (cell: number) => 1599 - scores[cell - 5000]; // 0 = predicted best
  return { candidates, scores, rankOf };
}

describe('selectNext', () => {
  it('takes the best unseen half, then random unseen cells from the top 1/2, 1/4, 1/8, 1/16', () => {
    const { candidates, scores, rankOf } = setup(2);
    const seen = new Set<number>();
    // The current top 3 are already queried: exploitation skips them.
    for (let k = 0; k < 1600; k++) if (rankOf(candidates[k]) < 3) seen.add(candidates[k]);
    for (const iteration of [1, 2, 3, 4]) {
      const got = selectNextDetailed({ candidates, scores, seen, iteration, count: 20, rng: mulberry32(iteration) });
      expect(got.picked).toHaveLength(20);
      expect(new Set(got.picked).size).toBe(20);
      expect(got.picked.some((c) => seen.has(c))).toBe(false);
      expect(got.exploited).toBe(10);
      expect(got.filled).toBe(0);
      expect(got.picked.slice(0, 10).map(rankOf)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      // thr = score of R[1600 / 2^i]: the randoms rank strictly above it.
      const cut = 1600 / 2 ** iteration;
      expect(got.threshold).toBe(1599 - cut);
      const randomRanks = got.picked.slice(10).map(rankOf);
      expect(Math.max(...randomRanks)).toBeLessThan(cut);
      expect(Math.min(...randomRanks)).toBeGreaterThan(12);
    }
  });

  it('spreads the randoms over the whole top fraction', () => {
    const { candidates, scores, rankOf } = setup(3);
    const ranks: number[] = [];
    const rng = mulberry32(4);
    for (let t = 0; t < 50; t++) ranks.push(...selectNext({ candidates, scores, seen: new Set(), iteration: 1, count: 20, rng }).slice(10).map(rankOf));
    const mean = ranks.reduce((a, b) => a + b, 0) / ranks.length;
    expect(mean).toBeGreaterThan(370); // uniform over ranks 10..799: ≈ 405
    expect(mean).toBeLessThan(440);
  });

  it('fills from the best remaining cells when too few are above the threshold', () => {
    const candidates = Int32Array.from([10, 11, 12, 13, 14, 15, 16, 17]);
    const scores = Float64Array.from([8, 7, 6, 5, 4, 3, 2, 1]);
    // iteration 3: thr = score of R[1] = 7, so only cell 10 is above it, and it is exploited.
    const got = selectNextDetailed({ candidates, scores, seen: new Set([12]), iteration: 3, count: 4, rng: mulberry32(5) });
    expect(got.threshold).toBe(7);
    expect(got.picked).toEqual([10, 11, 13, 14]);
    expect(got.filled).toBe(2);
  });

  it('breaks score ties by candidate position and treats NaN as worst', () => {
    const candidates = Int32Array.from([40, 41, 42, 43, 44, 45, 46, 47]);
    const scores = Float64Array.from([1, 5, NaN, 5, 5, 0, 2, 3]);
    expect(selectNext({ candidates, scores, seen: new Set(), iteration: 4, count: 6, rng: mulberry32(6) })).toEqual([41, 43, 44, 47, 46, 40]);
  });

  it('returns fewer cells only when the unseen candidates run out, and checks its inputs', () => {
    const candidates = Int32Array.from([1, 2, 3]);
    expect(selectNext({ candidates, scores: [3, 2, 1], seen: new Set([2]), iteration: 1, count: 5, rng: mulberry32(7) }).sort()).toEqual([1, 3]);
    expect(() => selectNext({ candidates, scores: [1], seen: new Set(), iteration: 1, count: 2, rng: mulberry32(7) })).toThrow('1 scores for 3 candidates');
    expect(() => selectNext({ candidates, scores: [1, 2, 3], seen: new Set(), iteration: 0, count: 2, rng: mulberry32(7) })).toThrow('iteration 0 uses initialSample');
  });
});
