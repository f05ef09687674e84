import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../lib/spaces/rng';
import { PointGrid } from './point-grid';

/** The nearest point within `radius` by checking every point; ties go to the later point. */
function bruteNearest(x: ArrayLike<number>, y: ArrayLike<number>, px: number, py: number, radius: number): number {
  let best = -1,
    bestD = radius * radius;
  for (let k = 0; k < x.length; k++) {
    const d = (x[k] - px) ** 2 + (y[k] - py) ** 2;
    if (d < bestD || (d === bestD && k > best)) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

describe('PointGrid', () => {
  it('finds the same point as a search over every point, inside the area and at its edges', () => {
    const random = mulberry32(7);
    const w = 300,
      h = 200,
      n = 3000;
    // Some points off the area (as after a zoom), some not finite (not drawn), some on whole pixels
    // and repeated (ties).
    const x = Float64Array.from({ length: n }, (_, k) => (k % 97 === 0 ? NaN : k % 5 === 0 ? Math.round(random() * w) : random() * (w + 80) - 40));
    const y = Float64Array.from({ length: n }, (_, k) => (k % 5 === 0 ? Math.round(random() * h) : random() * (h + 80) - 40));
    x[10] = x[20] = 150;
    y[10] = y[20] = 100;
    const grid = new PointGrid(x, y, w, h, 12);
    let found = 0;
    for (let q = 0; q < 2000; q++) {
      const px = random() * w,
        py = random() * h;
      const expected = bruteNearest(x, y, px, py, 12);
      expect(grid.nearest(px, py)).toBe(expected);
      if (expected >= 0) found++;
    }
    for (const [px, py] of [
      [0, 0],
      [w, h],
      [0, h],
      [w, 0],
      [150, 100],
    ])
      expect(grid.nearest(px, py)).toBe(bruteNearest(x, y, px, py, 12));
    expect(grid.nearest(150, 100), 'of two points at the same place, the one drawn last').toBe(20);
    expect(found).toBeGreaterThan(1000);
  });

  it('counts a point exactly one radius away, also just outside an area of whole cells, and nothing farther', () => {
    const grid = new PointGrid([132, 60, -12], [60, -12.5, 30], 120, 120, 12);
    expect(grid.nearest(120, 60)).toBe(0);
    expect(grid.nearest(119, 60)).toBe(-1);
    expect(grid.nearest(60, 0)).toBe(-1);
    expect(grid.nearest(0, 30)).toBe(2);
  });

  it('answers -1 with no points', () => {
    expect(new PointGrid([], [], 100, 100, 12).nearest(50, 50)).toBe(-1);
  });
});
