import { describe, expect, it } from 'vitest';
import { coverPoints, POINT_OPACITY } from './paint-points';

const at = (xs: number[]) => (k: number) => xs[k];

/** Opacity (0-1) per device pixel of the points. */
function pointAlpha(width: number, height: number, dpr: number, w: number, h: number, n: number, xAt: (k: number) => number, yAt: (k: number) => number) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  const painted = coverPoints(rgba, width, height, dpr, w, h, n, xAt, yAt);
  return { painted, alpha: Float64Array.from({ length: width * height }, (_, p) => rgba[4 * p + 3] / 255) };
}

describe('coverPoints', () => {
  it('covers a 2.5 px square: whole pixels get the opacity, edge pixels the covered share', () => {
    const { painted, alpha } = pointAlpha(20, 20, 1, 20, 20, 1, at([10]), at([10]));
    expect(painted).toBe(1);
    // The square spans [8.75, 11.25] on both axes: pixels 9 and 10 whole, 8 and 11 a quarter.
    const a = (c: number, r: number) => alpha[r * 20 + c];
    expect(a(9, 9)).toBeCloseTo(POINT_OPACITY, 2);
    expect(a(10, 10)).toBeCloseTo(POINT_OPACITY, 2);
    expect(a(8, 9)).toBeCloseTo(POINT_OPACITY * 0.25, 2);
    expect(a(11, 11)).toBeCloseTo(POINT_OPACITY * 0.25 * 0.25, 2);
    expect(a(7, 9)).toBe(0);
    expect(a(12, 10)).toBe(0);
    const total = alpha.reduce((s, v) => s + v, 0);
    expect(total, 'the square covers 2.5 × 2.5 pixels').toBeCloseTo(POINT_OPACITY * 6.25, 1);
  });

  it('composes overlapping points as source-over does: what shows through multiplies', () => {
    const { alpha } = pointAlpha(20, 20, 1, 20, 20, 3, at([10, 10, 10]), at([10, 10, 10]));
    expect(alpha[10 * 20 + 10]).toBeCloseTo(1 - (1 - POINT_OPACITY) ** 3, 2);
  });

  it('scales the square with the device pixel ratio', () => {
    const { alpha } = pointAlpha(40, 40, 2, 20, 20, 1, at([10]), at([10]));
    // 5 × 5 device pixels around (20, 20): [17.5, 22.5].
    expect(alpha.reduce((s, v) => s + v, 0)).toBeCloseTo(POINT_OPACITY * 25, 1);
    expect(alpha[20 * 40 + 20]).toBeCloseTo(POINT_OPACITY, 2);
  });

  it('skips points beyond 2 px outside the canvas and non-finite ones, and clips those near the edge', () => {
    const { painted, alpha } = pointAlpha(20, 20, 1, 20, 20, 5, at([-3, 25, NaN, 0, 21]), at([5, 5, 5, 0, 10]));
    expect(painted).toBe(2);
    // The point at (0, 0) covers [0, 1.25]² inside the canvas.
    expect(alpha[0]).toBeCloseTo(POINT_OPACITY, 2);
    expect(alpha[1]).toBeCloseTo(POINT_OPACITY * 0.25, 2);
    // The one at x = 21 covers [19.75, 22.25]: a quarter of column 19.
    expect(alpha[10 * 20 + 19]).toBeCloseTo(POINT_OPACITY * 0.25, 2);
  });
});
