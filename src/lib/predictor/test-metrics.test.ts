import { describe, expect, it } from 'vitest';
import { kendallTauB, spearman } from './metrics';
import { rankingTestMetrics, regressionTestMetrics } from './test-metrics';

describe('regressionTestMetrics', () => {
  it('scores predictions: errors, correlations and the ±X % bands in both conventions', () => {
    const truth = [10, 20, 30, 40];
    const predicted = [10.3, 19.5, 35, 44.2];
    const m = regressionTestMetrics(predicted, truth);
    expect(m.mae).toBeCloseTo((0.3 + 0.5 + 5 + 4.2) / 4, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt((0.09 + 0.25 + 25 + 17.64) / 4), 12);
    expect(m.spearman).toBe(1);
    expect(m.kendall).toBe(1);
    expect(m.pearson).toBeGreaterThan(0.98);
    // |p − t| / t: 3 %, 2.5 %, 16.7 %, 10.5 %; eagle's band is relative to the prediction: 2.9 %, 2.6 %, 14.3 %, 9.5 %.
    expect(m.within.truth).toEqual({ 1: 0, 5: 0.5, 10: 0.5, 20: 1 });
    expect(m.within.eagle).toEqual({ 1: 0, 5: 0.5, 10: 0.75, 20: 1 });
  });

  it('gives NaN correlations for a single cell instead of failing', () => {
    const m = regressionTestMetrics([2], [4]);
    expect(m.mae).toBe(2);
    expect([m.pearson, m.spearman, m.kendall].every(Number.isNaN)).toBe(true);
  });
});

describe('rankingTestMetrics', () => {
  it('scores a ranking: Spearman, Kendall and whether the best 1 % (at least one cell) is found', () => {
    const truth = Array.from({ length: 250 }, (_, i) => i);
    // Right order except the two best swapped with the two worst.
    const scores = truth.map((t) => (t >= 248 ? t - 248 : t <= 1 ? t + 248 : t));
    const m = rankingTestMetrics(scores, truth);
    expect(m.spearman).toBe(spearman(scores, truth));
    expect(m.kendall).toBe(kendallTauB(scores, truth));
    // k = 3: the scores' top 3 are the cells 1, 0 and 247, the true top 3 are 249, 248 and 247.
    expect(m.precisionTop1pct).toBeCloseTo(1 / 3, 12);
    expect(m.spearman).toBeLessThan(0.99);
  });
});
