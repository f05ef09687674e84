import { describe, expect, it } from 'vitest';
import { lesson4Config, lesson4Split, LESSON4_SIZES, LESSON4_TEST_CELLS, mergePoint, sizeIndex, type Lesson4Point } from './latency-lesson';

describe('lesson4Split', () => {
  const cells = Array.from({ length: 5000 }, (_, i) => i * 3);
  it('keeps the held-out cells fixed across N and apart from the training cells', () => {
    const small = lesson4Split(cells, 20, 7);
    const big = lesson4Split(cells, 400, 7);
    expect(small.test).toEqual(big.test);
    expect(small.test.length).toBe(LESSON4_TEST_CELLS);
    expect(big.train.length).toBe(400);
    const test = new Set(big.test);
    expect(big.train.some((i) => test.has(i))).toBe(false);
    expect(new Set(big.train).size).toBe(400);
  });
});

describe('lesson4Config', () => {
  it('is a small config that keeps the last epoch', () => {
    const config = lesson4Config(3);
    expect([config.layers, config.hidden, config.batchSize, config.epochs, config.seed]).toEqual([2, 64, 8, 40, 3]);
    expect(config.restoreBest).toBe('last-epoch');
  });
});

describe('sizeIndex and mergePoint', () => {
  it('snaps to the nearest offered size', () => {
    expect(LESSON4_SIZES[sizeIndex(55)]).toBe(50);
    expect(LESSON4_SIZES[sizeIndex(10_000)]).toBe(400);
  });
  it('keeps the newest point per target and N, ordered by N', () => {
    const p = (n: number, gcn: number, target = 't'): Lesson4Point => ({ target, n, gcn, flops: 0, fewShot: 0, fewShotMethod: 'flops', testCells: 1, wallMs: 1 });
    const merged = mergePoint(mergePoint(mergePoint([], p(100, 0.1)), p(20, 0.2)), p(100, 0.5));
    expect(merged.map((q) => [q.n, q.gcn])).toEqual([
      [20, 0.2],
      [100, 0.5],
    ]);
    expect(mergePoint(merged, p(20, 0.9, 'u'))).toHaveLength(3);
  });
});
