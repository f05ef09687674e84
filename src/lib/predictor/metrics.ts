/**
 * Predictor quality metrics: errors (MAE, RMSE), correlations (Pearson, Spearman, Kendall τ-b),
 * precision@k and the ±X % band of latency papers, with both band conventions.
 * All take two equally long numeric arrays (predicted, true) and compute in float64.
 */

function checkPair(predicted: ArrayLike<number>, truth: ArrayLike<number>, minLength = 1): number {
  const n = predicted.length;
  if (n !== truth.length) throw new Error(`metrics: ${n} predictions for ${truth.length} true values`);
  if (n < minLength) throw new Error(`metrics: need at least ${minLength} values, got ${n}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(predicted[i])) throw new Error(`metrics: prediction ${i} is ${predicted[i]}`);
    if (!Number.isFinite(truth[i])) throw new Error(`metrics: true value ${i} is ${truth[i]}`);
  }
  return n;
}

export function mae(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  const n = checkPair(predicted, truth);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(predicted[i] - truth[i]);
  return sum / n;
}

export function rmse(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  const n = checkPair(predicted, truth);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (predicted[i] - truth[i]) ** 2;
  return Math.sqrt(sum / n);
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = checkPair(a, b, 2);
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] / n;
    meanB += b[i] / n;
  }
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    cov += da * db;
    varA += da * da;
    varB += db * db;
  }
  return varA === 0 || varB === 0 ? Number.NaN : cov / Math.sqrt(varA * varB);
}

/** 1-based ranks, ties sharing their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman's ρ: Pearson of the average ranks (correct with ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, 2);
  return pearson(averageRanks(a), averageRanks(b));
}

/** Σ t(t−1)/2 over runs of equal values in an already sorted sequence. */
function tiedPairs(sorted: ArrayLike<number>): number {
  let pairs = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
    else {
      pairs += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return pairs;
}

/**
 * Kendall's τ-b in O(n log n) (Knight 1966): sort by (a, b); count pairs tied in a and tied in
 * both; merge-sort the b sequence counting exchanges (= discordant pairs); count ties in b.
 * τ-b = (n₀ − n₁ − n₂ + n₃ − 2·swaps) / √((n₀ − n₁)(n₀ − n₂)). NaN when a side is constant.
 */
export function kendallTauB(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = checkPair(a, b, 2);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i] - a[j] || b[i] - b[j]);
  const sortedA = Float64Array.from(order, (i) => a[i]);
  let ys = Float64Array.from(order, (i) => b[i]);
  const tiesA = tiedPairs(sortedA);
  let tiesBoth = 0;
  let run = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && sortedA[i] === sortedA[i - 1] && ys[i] === ys[i - 1]) run++;
    else {
      tiesBoth += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  // Bottom-up merge sort of ys; a swap count is added when an element of the right run
  // overtakes the remaining elements of the left run (strictly smaller, so ties never swap).
  let swaps = 0;
  let buffer = new Float64Array(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (ys[j] < ys[i]) {
          swaps += mid - i;
          buffer[k++] = ys[j++];
        } else buffer[k++] = ys[i++];
      }
      while (i < mid) buffer[k++] = ys[i++];
      while (j < hi) buffer[k++] = ys[j++];
    }
    [ys, buffer] = [buffer, ys];
  }
  const tiesB = tiedPairs(ys);
  const total = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((total - tiesA) * (total - tiesB));
  return denominator === 0 ? Number.NaN : (total - tiesA - tiesB + tiesBoth - 2 * swaps) / denominator;
}

/** Indices of the k best values; `higherIsBetter` picks the direction; ties go to the lower index. */
function topK(values: ArrayLike<number>, k: number, higherIsBetter: boolean): Set<number> {
  const sign = higherIsBetter ? -1 : 1;
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => sign * (values[i] - values[j]) || i - j);
  return new Set(order.slice(0, k));
}

/**
 * Precision@k, i.e. the top-k overlap: the fraction of the truly best k models that are also
 * among the predicted best k. `higherIsBetter` is true for accuracy, false for latency.
 */
export function precisionAtK(predicted: ArrayLike<number>, truth: ArrayLike<number>, k: number, higherIsBetter = true): number {
  const n = checkPair(predicted, truth);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`metrics: k must be an integer in 1..${n}, got ${k}`);
  const predictedTop = topK(predicted, k, higherIsBetter);
  let hits = 0;
  for (const i of topK(truth, k, higherIsBetter)) if (predictedTop.has(i)) hits++;
  return hits / k;
}

/**
 * Fraction (0–1) of models whose prediction is "within ±pct %".
 * - 'eagle': the TRUE value lies in [(1 − l)·pred, (1 + l)·pred], l = pct/100: the band is
 *   relative to the prediction, as eagle's `valid()` counts it (use it to compare with the paper).
 * - 'truth': the prediction lies in [(1 − l)·truth, (1 + l)·truth], the usual reading.
 */
export function withinPct(predicted: ArrayLike<number>, truth: ArrayLike<number>, pct: number, convention: 'eagle' | 'truth'): number {
  const n = checkPair(predicted, truth);
  if (!(pct >= 0) || !Number.isFinite(pct)) throw new Error(`metrics: pct must be a non-negative number of percent, got ${pct}`);
  const l = pct / 100;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const [value, reference] = convention === 'eagle' ? [truth[i], predicted[i]] : [predicted[i], truth[i]];
    if (value >= (1 - l) * reference && value <= (1 + l) * reference) hits++;
  }
  return hits / n;
}
