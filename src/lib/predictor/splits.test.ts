import { describe, expect, it } from 'vitest';
import { fitLine, predictLine } from './baselines';
import { indicesWithValues, randomSplit } from './splits';

describe('randomSplit', () => {
  const candidates = Array.from({ length: 50 }, (_, i) => i * 3);

  it('partitions the candidates by a seeded shuffle', () => {
    const split = randomSplit(candidates, 20, 5, 1);
    expect(split.train).toHaveLength(20);
    expect(split.val).toHaveLength(5);
    expect(split.test).toHaveLength(25);
    expect([...split.train, ...split.val, ...split.test].sort((a, b) => a - b)).toEqual(candidates);
    expect(randomSplit(candidates, 20, 5, 1)).toEqual(split);
    expect(randomSplit(candidates, 20, 5, 2).train).not.toEqual(split.train);
  });

  it('refuses more cells than there are', () => {
    expect(() => randomSplit(candidates, 45, 10, 0)).toThrow(/need 45 \+ 10 cells/);
  });

  it('keeps only finite values, optionally only flagged cells', () => {
    expect(indicesWithValues([1, NaN, 3, 4])).toEqual([0, 2, 3]);
    expect(indicesWithValues([1, NaN, 3, 4], [1, 1, 0, 1])).toEqual([0, 3]);
  });
});

describe('fitLine', () => {
  it('recovers an exact line and predicts with it', () => {
    const x = [1, 2, 3, 4, 100];
    const y = x.map((v) => 2 * v + 1);
    const fit = fitLine(x, y, [0, 1, 2, 3]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
    expect(Array.from(predictLine(fit, x, [4]))).toEqual([201]);
  });

  it('minimises squared error on noisy data', () => {
    const x = [0, 1, 2, 3];
    const y = [0, 2, 1, 3];
    const fit = fitLine(x, y, [0, 1, 2, 3]);
    expect(fit.slope).toBeCloseTo(0.8, 12);
    expect(fit.intercept).toBeCloseTo(0.3, 12);
    expect(() => fitLine([1, 1], [1, 2], [0, 1])).toThrow(/two cells with different x/);
  });
});
