import { describe, expect, it } from 'vitest';
import { describeSlowReference, describeSlowRun, referenceFastMs, slowdownAt, slowReferenceMs, slowRun } from './reference-speed';

/** One reference point every 100 ms: 3 ms for 2 s, 4.5 ms (1.5×) for 1 s, 3 ms again for 1 s; one 9 ms blip at 500 ms. */
const points = Array.from({ length: 40 }, (_, i) => ({ atMs: 100 * i, afterSamples: i, ms: i === 5 ? 9 : i >= 20 && i < 30 ? 4.5 : 3 }));

describe('reference speed', () => {
  it('takes the fast state from a low quantile, or from earlier runs when they were faster', () => {
    expect(referenceFastMs(points)).toBe(3);
    expect(referenceFastMs(points, 2.5)).toBe(2.5);
    expect(referenceFastMs(points, 4)).toBe(3);
    expect(referenceFastMs([], 2)).toBe(2);
    expect(referenceFastMs([])).toBeNaN();
  });

  it('smooths over the nearest points, so one slow timing is no slow stretch', () => {
    expect(slowdownAt(points, 500, 3)).toBe(1);
    expect(slowdownAt(points, 2500, 3)).toBe(1.5);
    // At the edges the median of the five nearest follows the majority.
    expect(slowdownAt(points, 2050, 3)).toBe(1.5);
    expect(slowdownAt(points, 1850, 3)).toBe(1);
    expect(slowdownAt(points, 99_999, 3)).toBe(1);
    expect(slowdownAt([], 0, 3)).toBe(1);
  });

  it('counts the time the reference ran slow', () => {
    const slowMs = slowReferenceMs(points, 3, 0.2);
    expect(slowMs).toBeGreaterThanOrEqual(900);
    expect(slowMs).toBeLessThanOrEqual(1100);
    expect(slowReferenceMs(points, 3, 0.6)).toBe(0);
  });

  it('says in one clause what it saw', () => {
    expect(describeSlowReference(400, 0.2)).toBe('');
    expect(describeSlowReference(24_300, 0.2)).toBe('the reference network ran over 20 % slow for 24 s');
  });

  it('finds a run slow as a whole only against the fast state of earlier runs', () => {
    // The run's own fast state is 3 ms: nothing to see without earlier runs, or against an earlier 2.8 ms.
    expect(slowRun(points, null, 0.25)).toBeNull();
    expect(slowRun(points, 2.8, 0.25)).toBeNull();
    const slow = slowRun(points, 2, 0.25)!;
    expect(slow).toEqual({ slowdown: 1.5, runFastMs: 3, knownFastMs: 2 });
    expect(describeSlowRun(slow)).toBe('the whole run ran 1.5× slower than earlier runs on this backend (the reference network 3.00 ms against 2.00 ms)');
    // Too few points to read a fast state from.
    expect(slowRun(points.slice(0, 7), 2, 0.25)).toBeNull();
  });
});
