import { describe, expect, test } from 'vitest';
import { paretoLayers } from './pareto-rank';
import { paretoFront } from './pareto';

describe('paretoLayers', () => {
  test('layer 0 is the front; removing it makes layer 1 the next front', () => {
    // latency (lower better), accuracy (higher better)
    const x = [1, 2, 3, 1.5, 2.5, 4, 5, NaN];
    const y = [50, 60, 70, 40, 55, 65, 80, 99];
    const rows = [0, 1, 2, 3, 4, 5, 6, 7];
    const layers = paretoLayers(x, y, rows);
    expect(layers.has(7)).toBe(false); // NaN is left out
    const layer = (k: number) => rows.filter((i) => layers.get(i) === k).sort((a, b) => a - b);
    expect(layer(0)).toEqual([...paretoFront(x, y)].sort((a, b) => a - b));
    expect(layer(0)).toEqual([0, 1, 2, 6]);
    const rest = rows.filter((i) => layers.get(i)! > 0 && i !== 7);
    expect(layer(1)).toEqual([...paretoFront(x, y, rest)].sort((a, b) => a - b));
    expect(layer(1)).toEqual([3, 4, 5]);
  });

  test('agrees with peeling fronts on random points', () => {
    let state = 7;
    const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const n = 300;
    const x = Array.from({ length: n }, rand);
    const y = Array.from({ length: n }, rand);
    const layers = paretoLayers(
      x,
      y,
      Array.from({ length: n }, (_, i) => i),
    );
    let left = Array.from({ length: n }, (_, i) => i);
    for (let k = 0; left.length > 0; k++) {
      const front = paretoFront(x, y, left);
      for (const i of front) expect(layers.get(i)).toBe(k);
      const out = new Set(front);
      left = left.filter((i) => !out.has(i));
    }
  });
});
