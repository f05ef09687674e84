import { describe, expect, it } from 'vitest';
import { cellLatencyMs, chooseK, detectTimerResolution, median, quantileSorted, quartiles, withinPercentOfMedian } from './stats.ts';

describe('quartiles (type 7, NumPy default)', () => {
  it('matches numpy.percentile on small cases', () => {
    // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = [1.75, 2.5, 3.25]
    expect(quartiles([4, 1, 3, 2])).toEqual({ q1: 1.75, median: 2.5, q3: 3.25, iqr: 1.5 });
    // numpy.percentile([7, 15, 36, 39, 40, 41], [25, 50, 75]) = [20.25, 37.5, 39.75]
    const q = quartiles([7, 15, 36, 39, 40, 41]);
    expect(q.q1).toBeCloseTo(20.25, 12);
    expect(q.median).toBeCloseTo(37.5, 12);
    expect(q.q3).toBeCloseTo(39.75, 12);
    expect(quartiles([5])).toEqual({ q1: 5, median: 5, q3: 5, iqr: 0 });
  });

  it('median is the middle value or the mean of the two middle values, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([10, 1, 2, 3])).toBe(2.5);
    expect(quantileSorted([1, 2, 3], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3], 1)).toBe(3);
  });

  it('refuses empty or non-finite input and p outside 0..1', () => {
    expect(() => quartiles([])).toThrow(/no values/);
    expect(() => quartiles([1, NaN])).toThrow(/finite/);
    expect(() => quantileSorted([1, 2], 1.5)).toThrow(/0 ≤ p ≤ 1/);
  });
});

describe('detectTimerResolution', () => {
  /** A clock that advances by `grain` every `readsPerTick` reads, plus optional jitter in whole ticks. */
  function coarseClock(grain: number, readsPerTick: number, jumps: number[] = []): () => number {
    let reads = 0;
    let t = 1000;
    let jump = 0;
    return () => {
      reads++;
      if (reads % readsPerTick === 0) t += grain * (jumps[jump++ % Math.max(1, jumps.length)] ?? 1);
      return t;
    };
  }

  it('finds a 100 µs grain and a 5 µs grain, even when some steps skip ticks', () => {
    expect(detectTimerResolution(coarseClock(0.1, 7, [1, 2, 3]))).toBeCloseTo(0.1, 9);
    expect(detectTimerResolution(coarseClock(0.005, 3))).toBeCloseTo(0.005, 9);
  });

  it('fails on a frozen or backwards clock', () => {
    expect(() => detectTimerResolution(() => 42, { maxReads: 1000 })).toThrow(/did not advance in 1000 reads/);
    let t = 10;
    expect(() => detectTimerResolution(() => (t -= 1))).toThrow(/backwards/);
  });
});

describe('chooseK', () => {
  it('makes K · perRun reach factor × resolution, clamped to 1..maxK', () => {
    // 20 ticks of 0.1 ms = 2 ms; a 0.3 ms inference needs ⌈2 / 0.3⌉ = 7 per sample.
    expect(chooseK(0.3, 0.1, 20, 1000)).toBe(7);
    expect(7 * 0.3).toBeGreaterThanOrEqual(2);
    expect(6 * 0.3).toBeLessThan(2);
    expect(chooseK(5, 0.1, 20, 1000)).toBe(1); // a slow model: one inference spans the target alone
    expect(chooseK(0.001, 0.1, 20, 500)).toBe(500);
    expect(chooseK(0, 0.1, 20, 64)).toBe(64);
    expect(chooseK(0.3, 0.005, 20, 1000)).toBe(1); // isolated 5 µs clock: 0.1 ms target
  });

  it('refuses nonsense', () => {
    expect(() => chooseK(1, 0, 20, 10)).toThrow(/positive/);
    expect(() => chooseK(1, 0.1, 20, 0)).toThrow(/maxK/);
  });
});

describe('withinPercentOfMedian', () => {
  it('is true only when every value lies within ±pct of the median', () => {
    expect(withinPercentOfMedian([1.0, 1.04, 0.97], 5)).toBe(true);
    expect(withinPercentOfMedian([1.0, 1.06, 0.97], 5)).toBe(false);
    expect(withinPercentOfMedian([], 5)).toBe(false);
  });
});

describe('cellLatencyMs', () => {
  // 11 samples: the 10 % quantile is the 2nd order statistic exactly (h = 10 · 0.1 = 1).
  const samples = [5.0, 1.4, 1.0, 1.2, 2.9, 1.1, 1.3, 3.1, 1.25, 1.15, 1.35];
  it('reads the fastest sample by default: slow samples, however many, do not move it', () => {
    expect(cellLatencyMs({ samples, medianMs: 1.3 })).toBe(1.0);
    const slower = [...samples, 2.2, 2.4, 2.6, 2.8];
    expect(median(slower) / median(samples)).toBeGreaterThan(1.07);
    expect(cellLatencyMs({ samples: slower, medianMs: median(slower) })).toBe(1.0);
  });
  it('reads the 10 % quantile with `fast-state`, moved little by a slow stretch', () => {
    expect(cellLatencyMs({ samples, medianMs: 1.3 }, 'fast-state')).toBeCloseTo(1.1, 12);
    // Four more samples from a 2× slow phase move the median by 8 % but the quantile by 2 %.
    const slower = [...samples, 2.2, 2.4, 2.6, 2.8];
    expect(cellLatencyMs({ samples: slower, medianMs: median(slower) }, 'fast-state') / 1.1).toBeLessThan(1.03);
  });
  it('gives the stored median with `median`, and for an import without samples', () => {
    expect(cellLatencyMs({ samples, medianMs: 1.3 }, 'median')).toBe(1.3);
    expect(cellLatencyMs({ samples: [], medianMs: 4.2 })).toBe(4.2);
  });
});
