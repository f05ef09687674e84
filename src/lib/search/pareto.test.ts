import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto';

function bruteForceFront(x: number[], y: number[]): number[] {
  const dominated = (i: number) => x.some((_, j) => j !== i && x[j] <= x[i] && y[j] >= y[i] && (x[j] < x[i] || y[j] > y[i]));
  return x
    .map((_, i) => i)
    .filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]) && !dominated(i))
    .sort((a, b) => x[a] - x[b]);
}

describe('paretoFront', () => {
  it('keeps the non-dominated points, fastest first', () => {
    const x = [1, 2, 3, 4, 2.5];
    const y = [50, 60, 55, 70, 65];
    expect(paretoFront(x, y)).toEqual([0, 1, 4, 3]);
  });

  it('ignores missing values and honours a row subset', () => {
    const x = [1, NaN, 3, 0.5];
    const y = [50, 99, 60, 10];
    expect(paretoFront(x, y)).toEqual([3, 0, 2]);
    expect(paretoFront(x, y, [0, 2])).toEqual([0, 2]);
  });

  it('matches a brute-force check on random data with ties', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 20; trial++) {
      const x = Array.from({ length: 60 }, () => Math.round(rand() * 20));
      const y = Array.from({ length: 60 }, () => Math.round(rand() * 20));
      const front = paretoFront(x, y);
      // Duplicated points on the front: keep the first one of each (x, y) only.
      const expected = bruteForceFront(x, y).filter((i, k, arr) => arr.findIndex((j) => x[j] === x[i] && y[j] === y[i]) === k);
      expect(front.map((i) => [x[i], y[i]])).toEqual(expected.map((i) => [x[i], y[i]]));
    }
  });
});
