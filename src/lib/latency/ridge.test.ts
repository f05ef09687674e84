import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../spaces/rng';
import { fitRidge, solveSpd } from './ridge';

describe('linear algebra', () => {
  it('solves an SPD system', () => {
    const a = Float64Array.from([4, 2, 0, 2, 5, 1, 0, 1, 3]);
    const x = solveSpd(a, Float64Array.from([2, 3, 4]), 3);
    const check = [0, 1, 2].map((i) => a[i * 3] * x[0] + a[i * 3 + 1] * x[1] + a[i * 3 + 2] * x[2]);
    check.forEach((v, i) => expect(v).toBeCloseTo([2, 3, 4][i], 10));
    expect(() => solveSpd(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });

  it('recovers an exact linear relation without penalty and shrinks it with one', () => {
    const rows = [
      [0, 1],
      [1, 0],
      [2, 3],
      [3, 1],
      [4, 4],
    ];
    const y = rows.map(([a, b]) => 1 + 2 * a - 0.5 * b);
    const fit = fitRidge(rows, y, 0);
    expect(fit.intercept).toBeCloseTo(1, 8);
    expect(fit.weights[0]).toBeCloseTo(2, 8);
    expect(fit.weights[1]).toBeCloseTo(-0.5, 8);
    const shrunk = fitRidge(rows, y, 10);
    expect(Math.abs(shrunk.weights[0])).toBeLessThan(1);
  });
});

describe('ridge in the dual form (more features than rows)', () => {
  it('gives the primal weights', () => {
    const rng = mulberry32(9);
    const rows = Array.from({ length: 6 }, () => Array.from({ length: 10 }, () => rng() - 0.5));
    const y = rows.map((r) => 2 + r[0] - 3 * r[4] + 0.1 * rng());
    const lambda = 0.05;
    const dual = fitRidge(rows, y, lambda);
    // The primal normal equations on the centred rows: (XᵀX + λnI)w = Xᵀy.
    const n = rows.length,
      p = 10;
    const mean = Array.from({ length: p }, (_, j) => rows.reduce((a, r) => a + r[j], 0) / n);
    const yMean = y.reduce((a, v) => a + v, 0) / n;
    const gram = new Float64Array(p * p);
    const rhs = new Float64Array(p);
    rows.forEach((r, k) => {
      for (let i = 0; i < p; i++) {
        rhs[i] += (r[i] - mean[i]) * (y[k] - yMean);
        for (let j = 0; j < p; j++) gram[i * p + j] += (r[i] - mean[i]) * (r[j] - mean[j]);
      }
    });
    for (let i = 0; i < p; i++) gram[i * p + i] += lambda * n + 1e-12;
    const primal = solveSpd(gram, rhs, p);
    primal.forEach((w, j) => expect(dual.weights[j]).toBeCloseTo(w, 9));
    expect(dual.intercept).toBeCloseTo(yMean - mean.reduce((a, m, j) => a + m * primal[j], 0), 9);
  });
});
