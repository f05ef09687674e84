import { describe, expect, it } from 'vitest';
import { bestWithin, budgetAt, compareFronts, countWithin, latencyRange, positionOf, SLIDER_STEPS } from './hardware-lesson';

describe('hardware lesson', () => {
  const latency = [5, 1, 2, Number.NaN, 8, 3];
  const accuracy = [70, 60, 65, 99, 72, 64];

  it('finds the most accurate cell within a budget, and none below the fastest', () => {
    expect(bestWithin(latency, accuracy, 2.5)).toBe(2);
    expect(bestWithin(latency, accuracy, 5)).toBe(0);
    expect(bestWithin(latency, accuracy, 100)).toBe(4);
    expect(bestWithin(latency, accuracy, 0.5)).toBeNull();
    expect(countWithin(latency, accuracy, 3)).toBe(3);
  });

  it('maps the slider to a log scale between the fastest and the slowest cell', () => {
    const range = latencyRange(latency, accuracy)!;
    expect(range).toEqual({ min: 1, max: 8 });
    expect(budgetAt(0, range)).toBeCloseTo(1);
    expect(budgetAt(SLIDER_STEPS, range)).toBeCloseTo(8);
    expect(budgetAt(SLIDER_STEPS / 3, range)).toBeCloseTo(2);
    expect(positionOf(2, range)).toBe(Math.round(SLIDER_STEPS / 3));
    expect(latencyRange([Number.NaN], [1])).toBeNull();
  });

  it('compares two devices’ fronts over the cells both know', () => {
    // On "theirs" cell 2 is slow, so it drops off their front; cell 3 (NaN on mine) is ignored.
    const theirs = [5, 1, 9, 0.1, 8, 3];
    const result = compareFronts(latency, theirs, accuracy);
    expect(result.mine).toEqual([1, 2, 0, 4]);
    expect(result.theirs).toEqual([1, 5, 0, 4]);
    expect(result.shared).toBe(3);
  });
});
