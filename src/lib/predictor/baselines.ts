/**
 * Non-learned baselines the GCN must beat, evaluated on the same held-out cells.
 * FLOPs proxy for latency: a least-squares line latency ≈ a·FLOPs + b fitted on the training cells
 * (as in reference-numbers.md). For accuracy, FLOPs is used directly as a ranking score.
 */

interface LinearFit {
  slope: number;
  intercept: number;
}

/** Ordinary least squares of y on x over the given indices. */
export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>, indices: readonly number[]): LinearFit {
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (const i of indices) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const n = indices.length;
  const denom = n * sxx - sx * sx;
  if (n < 2 || denom === 0) throw new Error('a line needs at least two cells with different x');
  const slope = (n * sxy - sx * sy) / denom;
  return { slope, intercept: (sy - slope * sx) / n };
}

/** Predictions of a line at the given indices. */
export function predictLine(fit: LinearFit, x: ArrayLike<number>, indices: readonly number[]): Float64Array {
  return Float64Array.from(indices, (i) => fit.slope * x[i] + fit.intercept);
}
