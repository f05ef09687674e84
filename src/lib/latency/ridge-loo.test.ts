import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../spaces/rng';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { fitRidge } from './ridge';
import { RidgeLoo } from './ridge-loo';

describe('RidgeLoo (kernel form)', () => {
  it('predicts a held-out cell as a ridge fitted on the others does, on both target scales', () => {
    const rng = mulberry32(4);
    const columns = Array.from({ length: 7 }, () => Float64Array.from({ length: NB201_NUM_CELLS }, () => rng() - 0.5));
    const cells = Array.from({ length: 12 }, (_, k) => ({ index: 100 + 37 * k, ms: 1 + 5 * rng() }));
    for (const logTarget of [true, false]) {
      const loo = new RidgeLoo({ columns, logTarget }, cells, 0.01);
      const fitOn = [0, 2, 3, 5, 6, 7, 9, 10, 11];
      const fit = fitRidge(
        fitOn.map((a) => columns.map((c) => c[cells[a].index])),
        fitOn.map((a) => (logTarget ? Math.log(cells[a].ms) : cells[a].ms)),
        0.3,
      );
      const raw = fit.intercept + columns.reduce((sum, c, j) => sum + fit.weights[j] * c[cells[4].index], 0);
      expect(loo.predict(fitOn, 4, 0.3)).toBeCloseTo(Math.max(logTarget ? Math.exp(raw) : raw, 0.01), 9);
    }
  });
  it('leave-one-out in closed form equals refitting without each cell', () => {
    const rng = mulberry32(5);
    const columns = Array.from({ length: 9 }, () => Float64Array.from({ length: NB201_NUM_CELLS }, () => rng() - 0.5));
    const cells = Array.from({ length: 12 }, (_, k) => ({ index: 50 + 91 * k, ms: 1 + 5 * rng() }));
    const within = [0, 1, 2, 4, 5, 7, 8, 9, 10, 11];
    for (const logTarget of [true, false]) {
      const loo = new RidgeLoo({ columns, logTarget }, cells, 0.01);
      const fast = loo.looPredictions(within, 0.2);
      within.forEach((k, i) => {
        const rest = within.filter((j) => j !== k);
        // The same penalty μ = 0.2 · |within| as the closed form, expressed for a fit on |rest| cells.
        const fit = fitRidge(
          rest.map((a) => columns.map((c) => c[cells[a].index])),
          rest.map((a) => (logTarget ? Math.log(cells[a].ms) : cells[a].ms)),
          (0.2 * within.length) / rest.length,
        );
        const raw = fit.intercept + columns.reduce((sum, c, j) => sum + fit.weights[j] * c[cells[k].index], 0);
        expect(fast[i]).toBeCloseTo(Math.max(logTarget ? Math.exp(raw) : raw, 0.01), 8);
      });
    }
  });
});
