/**
 * Leave-one-out scoring of the few-shot calibration's fits (calibration.ts): the error measure, and
 * a ridge regression's leave-one-out in closed form on the Gram matrix of the measured cells, with
 * its strength tuned on a fixed grid.
 */
import { cholesky, choleskySolve, solveSpd } from './ridge.ts';

/** A measured cell as the scoring reads it: its NB201 index and its latency, ms. */
interface ScoredCell {
  index: number;
  ms: number;
}

/** Ridge strengths tried (relative to the number of fitted cells), chosen by leave-one-out. */
const RIDGE_GRID = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10, 30, 100];

export interface RidgeSpec {
  columns: readonly Float64Array[];
  /** Fit ln(ms) (true) or ms (false). */
  logTarget: boolean;
}

/** Smallest positive prediction kept: a linear model can go ≤ 0 far from its data. */
export function positive(value: number, floor: number): number {
  return value > floor ? value : floor;
}

export interface LooScore {
  error: number;
  se: number;
  within10: number;
  errors: number[];
}

/** Scores held-out predictions: mean |ln(pred/measured)|, its standard error, and the eagle ±10 % share. */
export function looScore(pairs: readonly { predicted: number; ms: number }[]): LooScore {
  const errors = pairs.map(({ predicted, ms }) => Math.abs(Math.log(predicted / ms)));
  const n = errors.length;
  const error = errors.reduce((a, e) => a + e, 0) / n;
  const sd = Math.sqrt(errors.reduce((a, e) => a + (e - error) ** 2, 0) / Math.max(1, n - 1));
  const within10 = pairs.filter(({ predicted, ms }) => ms >= 0.9 * predicted && ms <= 1.1 * predicted).length / n;
  return { error, se: sd / Math.sqrt(n), within10, errors };
}

/**
 * Leave-one-out of a ridge on the measured cells, in the kernel form. The Gram matrix of the
 * cells' feature rows is computed once; a fit on any subset of them only re-centres it and solves
 * an m×m system (m ≤ 20). Leave-one-out over a subset at one strength needs no refits at all: for
 * penalised least squares with a fixed penalty the left-out residual is r_i / (1 − H_ii), H the
 * hat matrix (11ᵀ/m + K_c(K_c + μI)⁻¹ here, the intercept unpenalised). The penalty is
 * μ = λ·m for the m cells a strength is tuned or fitted on, as in `fitRidge`.
 */
export class RidgeLoo {
  readonly #n: number;
  readonly #gram: Float64Array;
  readonly #targets: Float64Array;
  readonly #logTarget: boolean;
  readonly #ms: Float64Array;
  readonly #floor: number;

  constructor(spec: RidgeSpec, cells: readonly ScoredCell[], floor: number) {
    const n = cells.length;
    const rows = cells.map((c) => Float64Array.from(spec.columns, (col) => col[c.index]));
    this.#gram = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let dot = 0;
        for (let j = 0; j < rows[a].length; j++) dot += rows[a][j] * rows[b][j];
        this.#gram[a * n + b] = dot;
        this.#gram[b * n + a] = dot;
      }
    }
    this.#n = n;
    this.#logTarget = spec.logTarget;
    this.#ms = Float64Array.from(cells, (c) => c.ms);
    this.#targets = Float64Array.from(cells, (c) => (spec.logTarget ? Math.log(c.ms) : c.ms));
    this.#floor = floor;
  }

  /** The kernel of the cells `fit` (positions) centred in feature space, plus μ on its diagonal; its row means and grand mean; the targets' mean. */
  #system(fit: readonly number[], penalty: number) {
    const n = this.#n;
    const m = fit.length;
    const g = this.#gram;
    const rowMeans = new Float64Array(m);
    let grand = 0;
    for (let a = 0; a < m; a++) {
      let sum = 0;
      for (let b = 0; b < m; b++) sum += g[fit[a] * n + fit[b]];
      rowMeans[a] = sum / m;
      grand += rowMeans[a] / m;
    }
    const matrix = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) matrix[a * m + b] = g[fit[a] * n + fit[b]] - rowMeans[a] - rowMeans[b] + grand;
      matrix[a * m + a] += penalty + 1e-12;
    }
    let yMean = 0;
    for (const a of fit) yMean += this.#targets[a] / m;
    return { matrix, rowMeans, grand, yMean, centred: Float64Array.from(fit, (a) => this.#targets[a] - yMean) };
  }

  #toMs(value: number): number {
    return positive(this.#logTarget ? Math.exp(value) : value, this.#floor);
  }

  /** Fits on the cells `fit` (positions) with penalty λ·|fit| and predicts the cell at position `k`, in ms. */
  predict(fit: readonly number[], k: number, lambda: number): number {
    const n = this.#n;
    const m = fit.length;
    const { matrix, rowMeans, grand, yMean, centred } = this.#system(fit, lambda * m);
    const alpha = solveSpd(matrix, centred, m);
    let rk = 0;
    for (let b = 0; b < m; b++) rk += this.#gram[k * n + fit[b]] / m;
    let value = yMean;
    for (let a = 0; a < m; a++) value += alpha[a] * (this.#gram[k * n + fit[a]] - rowMeans[a] - rk + grand);
    return this.#toMs(value);
  }

  /** Leave-one-out over `within` (positions) at penalty λ·|within|, in closed form: each cell's prediction without it, in ms. */
  looPredictions(within: readonly number[], lambda: number): Float64Array {
    const m = within.length;
    const penalty = lambda * m;
    const { matrix, centred } = this.#system(within, penalty);
    const factor = cholesky(matrix, m);
    const alpha = choleskySolve(factor, centred, m);
    const unit = new Float64Array(m);
    return Float64Array.from(within, (cell, i) => {
      unit.fill(0);
      unit[i] = 1;
      const inverseDiagonal = choleskySolve(factor, unit, m)[i];
      // Residual of the full fit r_i = μ·α_i; 1 − H_ii = μ·(A⁻¹)_ii − 1/m.
      const leftOut = this.#targets[cell] - (penalty * alpha[i]) / (penalty * inverseDiagonal - 1 / m);
      return this.#toMs(leftOut);
    });
  }

  /** Leave-one-out over `within` (positions) at a fixed strength: mean |ln(pred/measured)|. */
  looError(within: readonly number[], lambda: number): number {
    const predicted = this.looPredictions(within, lambda);
    let error = 0;
    within.forEach((k, i) => (error += Math.abs(Math.log(predicted[i] / this.#ms[k]))));
    return error / within.length;
  }

  /** The strength with the lowest leave-one-out error over `within`. */
  tune(within: readonly number[]): number {
    let best = { lambda: RIDGE_GRID[0], error: Infinity };
    for (const lambda of RIDGE_GRID) {
      const error = this.looError(within, lambda);
      if (error < best.error - 1e-12) best = { lambda, error };
    }
    return best.lambda;
  }

  /** Nested leave-one-out over all cells: each one predicted by a ridge tuned and fitted without it. */
  nested(): LooScore {
    const all = Array.from({ length: this.#n }, (_, k) => k);
    return looScore(
      all.map((k) => {
        const rest = all.filter((j) => j !== k);
        return { predicted: this.predict(rest, k, this.tune(rest)), ms: this.#ms[k] };
      }),
    );
  }
}
