import { describe, expect, it } from 'vitest';
import { kendallTauB } from '../predictor/metrics';
import { bestSoFarCurve, buildTrace, rankingKendall, runMetrics } from './metrics';

// Six cells; cell 4 has the best valid (90), cell 5 is unknown.
const oracle = {
  valid: Float64Array.from([50, 70, 70, 60, 90, NaN]),
  test: Float64Array.from([51, 72, 69, 80, 88, 99]),
};

describe('runMetrics', () => {
  it('reports the test accuracy of the best-valid queried cell, first queried on a tie', () => {
    const m = runMetrics({ oracle, queried: [0, 2, 1, 3] });
    expect(m.testOfBestValid).toBe(69); // cell 2 (valid 70) was queried before cell 1
    expect(m.maxTest).toBe(80);
    expect(m.regretValid).toBe(20);
    expect(m.foundGlobalBest).toBe(false);
    expect(m.queriesToGlobalBest).toBeNull();
    expect(m.tracePositionOfGlobalBest).toBeNull();
    expect(m.kendall).toBeNull();
  });

  it('counts queries to the global best 1-based, repeats included', () => {
    const m = runMetrics({ oracle, queried: [0, 0, 3, 0, 4, 4], trace: Int32Array.from([0, 3, 4, 1]) });
    expect(m.foundGlobalBest).toBe(true);
    expect(m.queriesToGlobalBest).toBe(5);
    expect(m.tracePositionOfGlobalBest).toBe(3);
    expect(m.regretValid).toBe(0);
    expect(m.testOfBestValid).toBe(88);
  });

  it('ignores cells that break the true limit, and an unknown cell', () => {
    const eligible = (i: number) => i !== 4;
    const m = runMetrics({ oracle, queried: [4, 5, 1, 0], eligible, trace: [4, 1, 2] });
    expect(m.testOfBestValid).toBe(72);
    expect(m.maxTest).toBe(72); // 88 (cell 4, too slow) and 99 (cell 5, unknown) do not count
    expect(m.regretValid).toBe(0); // the best within the limit is 70 (cells 1 and 2)
    expect(m.queriesToGlobalBest).toBe(3);
    expect(m.tracePositionOfGlobalBest).toBe(2);
  });

  it('gives NaN accuracies when nothing countable was queried', () => {
    const m = runMetrics({ oracle, queried: [5] });
    expect(m.testOfBestValid).toBeNaN();
    expect(m.maxTest).toBeNaN();
    expect(m.regretValid).toBeNaN();
    expect(m.foundGlobalBest).toBe(false);
  });

  it('Kendall over the cells with a finite valid', () => {
    const scores = [1, 3, 2, 4, 5, -100];
    const m = runMetrics({ oracle, queried: [0], scores });
    expect(m.kendall).toBeCloseTo(kendallTauB([1, 3, 2, 4, 5], [50, 70, 70, 60, 90]), 12);
    expect(rankingKendall([1, 2, 3, 4, 5, 6], oracle.valid)).toBeLessThan(1);
    expect(rankingKendall([0, 2, 2, 1, 3, 0], oracle.valid)).toBeCloseTo(1, 12);
  });
});

describe('buildTrace', () => {
  it('puts queried cells first (repeats once), then the others by score, ties by index', () => {
    const scores = [0.5, 0.9, 0.1, 0.9, NaN, 0.7];
    const trace = buildTrace([2, 0, 2], scores, Int32Array.from([0, 1, 2, 3, 4, 5]));
    expect([...trace]).toEqual([2, 0, 1, 3, 5, 4]);
  });

  it('keeps to the candidates', () => {
    expect([...buildTrace([0], [1, 2, 3, 4], [0, 3, 1])]).toEqual([0, 3, 1]);
  });
});

describe('bestSoFarCurve', () => {
  it('follows the test accuracy of the best valid so far', () => {
    expect([...bestSoFarCurve(oracle, [5, 0, 3, 2, 1, 4])]).toEqual([NaN, 51, 80, 69, 69, 88]);
    expect([...bestSoFarCurve(oracle, [0, 4, 3], (i) => i !== 4)]).toEqual([51, 51, 80]);
  });
});
