import { describe, expect, test } from 'vitest';
import { averageRanks, kendallTauB, mae, pearson, precisionAtK, rmse, spearman, withinPct } from './metrics.ts';
import { SeededRandom } from '../spaces/rng.ts';

/** O(n²) definition of τ-b, the reference for Knight's algorithm. */
function bruteForceTauB(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let score = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const sa = Math.sign(a[i] - a[j]);
      const sb = Math.sign(b[i] - b[j]);
      score += sa * sb;
      if (sa === 0) tiesA++;
      if (sb === 0) tiesB++;
    }
  }
  const total = (n * (n - 1)) / 2;
  return score / Math.sqrt((total - tiesA) * (total - tiesB));
}

describe('errors', () => {
  test('MAE and RMSE by hand', () => {
    expect(mae([1, 2, 3], [2, 2, 5])).toBeCloseTo(1, 12);
    expect(rmse([1, 2, 3], [2, 2, 5])).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  test('bad input is named', () => {
    expect(() => mae([1, 2], [1])).toThrow('2 predictions for 1 true values');
    expect(() => mae([1, Number.NaN], [1, 2])).toThrow('prediction 1 is NaN');
  });
});

describe('correlations', () => {
  test('Pearson: perfect, inverse, and constant input', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  test('average ranks share ties', () => {
    expect(Array.from(averageRanks([5, 6, 7, 8, 7]))).toEqual([1, 2, 3.5, 5, 3.5]);
  });

  test('Spearman with a tie: ranks [1..5] vs [1, 2, 3.5, 5, 3.5] → 8/√95', () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
  });

  test('Kendall τ-b by hand', () => {
    // 10 pairs: 8 concordant, 1 discordant (8 > 7), 1 tied in b → 7/√(10·9).
    expect(kendallTauB([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(7 / Math.sqrt(90), 12);
    // 6 pairs: 1 tied in a, 1 tied in b, 4 concordant → 4/√(5·5).
    expect(kendallTauB([1, 1, 2, 3], [1, 2, 2, 3])).toBeCloseTo(0.8, 12);
    expect(kendallTauB([3, 2, 1], [1, 2, 3])).toBeCloseTo(-1, 12);
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  test('Kendall τ-b equals the O(n²) definition on random data with many ties', () => {
    const rng = new SeededRandom(5);
    for (const [n, levels] of [
      [2, 2],
      [7, 3],
      [60, 5],
      [301, 12],
      [500, 500],
    ]) {
      const a = Float64Array.from({ length: n }, () => rng.int(levels));
      const b = Float64Array.from(a, (v) => (rng.next() < 0.6 ? v + rng.int(3) : rng.int(levels)));
      if (new Set(a).size < 2 || new Set(b).size < 2) continue;
      expect(kendallTauB(a, b)).toBeCloseTo(bruteForceTauB(a, b), 12);
    }
  });

  test('Kendall τ-b on all 15,625 NB201-sized inputs is fast', () => {
    const rng = new SeededRandom(6);
    const truth = Float64Array.from({ length: 15625 }, () => Math.round(rng.next() * 1000) / 10);
    const predicted = Float64Array.from(truth, (v) => v + rng.uniform(-20, 20));
    const started = performance.now();
    const tau = kendallTauB(predicted, truth);
    expect(performance.now() - started).toBeLessThan(500);
    expect(tau).toBeGreaterThan(0.3);
    expect(tau).toBeLessThan(1);
  });
});

describe('precision@k', () => {
  test('overlap of the top-k sets, both directions', () => {
    const truth = [10, 9, 8, 7, 6];
    const predicted = [10, 1, 9, 8, 7];
    expect(precisionAtK(predicted, truth, 2)).toBe(0.5); // {0, 2} vs {0, 1}
    expect(precisionAtK(predicted, truth, 3)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(predicted, truth, 2, false)).toBe(0.5); // lowest: {1, 4} vs {4, 3}
    expect(() => precisionAtK(predicted, truth, 6)).toThrow('k must be an integer in 1..5');
  });
});

describe('withinPct', () => {
  test("'eagle' bands around the prediction, 'truth' around the true value", () => {
    // pred 100, truth 110: eagle accepts at ±10 % (110 ≤ 1.1·100); truth-relative needs
    // 100 ≥ 0.9·110 = 99 → also accepted. pred 100, truth 90.5: eagle 90.5 ≥ 90 ✓;
    // truth-relative 100 ≤ 1.1·90.5 = 99.55 ✗.
    expect(withinPct([100, 100], [110, 90.5], 10, 'eagle')).toBe(1);
    expect(withinPct([100, 100], [110, 90.5], 10, 'truth')).toBe(0.5);
    // pred 100, truth 111: eagle ✗ (111 > 110); truth-relative 100 ≥ 99.9 ✓.
    expect(withinPct([100], [111], 10, 'eagle')).toBe(0);
    expect(withinPct([100], [111], 10, 'truth')).toBe(1);
    expect(withinPct([5], [5], 0, 'eagle')).toBe(1);
  });
});
