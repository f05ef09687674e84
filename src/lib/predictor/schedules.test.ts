import { describe, expect, test } from 'vitest';
import { EarlyStopping, ReduceLrOnPlateau, cosineAnnealingLr } from './schedules.ts';

describe('cosineAnnealingLr', () => {
  test('starts at the base rate, halves at T/2, reaches eta_min at T', () => {
    expect(cosineAnnealingLr(0.1, 0, 10)).toBeCloseTo(0.1, 12);
    expect(cosineAnnealingLr(0.1, 5, 10)).toBeCloseTo(0.05, 12);
    expect(cosineAnnealingLr(0.1, 10, 10)).toBeCloseTo(0, 12);
    // epoch 2 of 10: 0.1·(1 + cos(0.2π))/2 = 0.1·(1 + 0.809017)/2
    expect(cosineAnnealingLr(0.1, 2, 10)).toBeCloseTo(0.0904508, 7);
    expect(cosineAnnealingLr(0.1, 5, 10, 0.02)).toBeCloseTo(0.06, 12);
  });
});

describe('ReduceLrOnPlateau (mode min, factor 0.5, threshold 1 % relative)', () => {
  test('hand trace with patience 2', () => {
    const plateau = new ReduceLrOnPlateau(1, { patience: 2 });
    // best: 10 → 9.95 is not 1 % better (needs < 9.9) → bad 1; 9.9 → not < 9.9 → bad 2;
    // 9.8 → better (< 9.9), best 9.8, bad 0; then three bad values cut on the third (bad > 2).
    const trace = [10, 9.95, 9.9, 9.8, 9.75, 9.8, 9.71].map((loss) => [plateau.step(loss), plateau.lr]);
    expect(trace).toEqual([
      [false, 1],
      [false, 1],
      [false, 1],
      [false, 1],
      [false, 1],
      [false, 1],
      [true, 0.5],
    ]);
    // The counter restarts after a cut: two more bad values keep the rate, the third cuts again.
    expect([plateau.step(9.8), plateau.step(9.8), plateau.step(9.8)]).toEqual([false, false, true]);
    expect(plateau.lr).toBe(0.25);
  });

  test('patience 0 cuts on every non-improving value; NaN counts as not improving', () => {
    const plateau = new ReduceLrOnPlateau(0.4, { patience: 0 });
    expect(plateau.step(5)).toBe(false);
    expect(plateau.step(Number.NaN)).toBe(true);
    expect(plateau.lr).toBeCloseTo(0.2, 12);
  });

  test('like torch, cuts smaller than 1e-8 are skipped', () => {
    const plateau = new ReduceLrOnPlateau(1.5e-8, { patience: 0 });
    expect([plateau.step(1), plateau.step(1)]).toEqual([false, false]);
    expect(plateau.lr).toBe(1.5e-8);
  });
});

describe('EarlyStopping (eagle utils.EarlyStopping, min_delta 0)', () => {
  test('hand trace with patience 3', () => {
    const es = new EarlyStopping(3);
    // first value sets the reference; 4 (better) resets; 4, 4.5, 4.1 → three bad → stop.
    expect([5, 4, 4, 4.5].map((v) => es.step(v))).toEqual([false, false, false, false]);
    expect(es.step(4.1)).toBe(true);
  });

  test('any improvement resets the count; NaN stops at once; patience 0 never stops', () => {
    const es = new EarlyStopping(2);
    expect([3, 3, 2.999, 3, Number.NaN].map((v) => es.step(v))).toEqual([false, false, false, false, true]);
    const never = new EarlyStopping(0);
    expect([1, 2, 3, 4, Number.NaN].some((v) => never.step(v))).toBe(false);
  });
});
