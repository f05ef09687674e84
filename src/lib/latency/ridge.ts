/**
 * Ridge regression for the few-shot calibration (calibration.ts): a Cholesky solve of the normal
 * equations, in the primal or the dual form, whichever system is smaller.
 */
/** Cholesky factor L (row-major, lower) of the symmetric positive-definite p×p matrix A; A is not modified. */
export function cholesky(a: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j];
      for (let k = 0; k < j; k++) sum -= l[i * p + k] * l[j * p + k];
      if (i === j) {
        if (!(sum > 0)) throw new Error('ridge system is not positive definite');
        l[i * p + i] = Math.sqrt(sum);
      } else l[i * p + j] = sum / l[j * p + j];
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b for a Cholesky factor L. */
export function choleskySolve(l: Float64Array, b: ArrayLike<number>, p: number): Float64Array {
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * p + k] * y[k];
    y[i] = sum / l[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < p; k++) sum -= l[k * p + i] * x[k];
    x[i] = sum / l[i * p + i];
  }
  return x;
}

/** Solves the symmetric positive-definite system A·x = b (A row-major p×p) by Cholesky; A is not modified. */
export function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array {
  return choleskySolve(cholesky(a, p), b, p);
}

interface RidgeFit {
  intercept: number;
  weights: Float64Array;
}

/**
 * Ridge regression with an unpenalised intercept: minimises Σ (y − a − x·w)² + λ·n·|w|² over the
 * given rows (features are centred on those rows, so the intercept is their mean residual).
 * With more features than rows (40 known devices, 20 cells) it solves the n×n dual system
 * (Z·Zᵀ + λ·n·I)·α = y, w = Zᵀ·α instead of the p×p primal one: the same weights, far less work.
 */
export function fitRidge(rows: readonly ArrayLike<number>[], y: readonly number[], lambda: number): RidgeFit {
  const n = rows.length;
  const p = n ? rows[0].length : 0;
  if (n < 2 || y.length !== n) throw new Error('ridge regression needs at least 2 rows and one target per row');
  const mean = new Float64Array(p);
  for (const row of rows) for (let j = 0; j < p; j++) mean[j] += row[j] / n;
  const yMean = y.reduce((s, v) => s + v, 0) / n;
  const centred = rows.map((row) => Float64Array.from({ length: p }, (_, j) => row[j] - mean[j]));
  const dy = Float64Array.from(y, (v) => v - yMean);
  let weights: Float64Array;
  if (p === 0) weights = new Float64Array(0);
  else if (p > n) {
    const kernel = new Float64Array(n * n);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b <= a; b++) {
        let dot = 0;
        for (let j = 0; j < p; j++) dot += centred[a][j] * centred[b][j];
        kernel[a * n + b] = dot;
        kernel[b * n + a] = dot;
      }
      kernel[a * n + a] += lambda * n + 1e-12;
    }
    const alpha = solveSpd(kernel, dy, n);
    weights = new Float64Array(p);
    for (let a = 0; a < n; a++) for (let j = 0; j < p; j++) weights[j] += alpha[a] * centred[a][j];
  } else {
    const gram = new Float64Array(p * p);
    const rhs = new Float64Array(p);
    for (let r = 0; r < n; r++) {
      const c = centred[r];
      for (let i = 0; i < p; i++) {
        rhs[i] += c[i] * dy[r];
        for (let j = 0; j <= i; j++) gram[i * p + j] += c[i] * c[j];
      }
    }
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < i; j++) gram[j * p + i] = gram[i * p + j];
      gram[i * p + i] += lambda * n + 1e-12;
    }
    weights = solveSpd(gram, rhs, p);
  }
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= mean[j] * weights[j];
  return { intercept, weights };
}
