/**
 * Statistics for latency samples and the clock they come from.
 *
 * Quartiles use linear interpolation between order statistics (Hyndman & Fan type 7: NumPy's
 * default `percentile`, R's default `quantile`, Excel's QUARTILE.INC), the definition eagle's
 * `calc_stats.py` gets from `np.percentile`. For sorted x[0..n−1] the p-quantile is
 * x[h] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]) with h = (n − 1)p.
 */

/** p-quantile (0 ≤ p ≤ 1) of values already sorted ascending; type 7 interpolation. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('a quantile of no values is undefined');
  if (!(p >= 0 && p <= 1)) throw new Error(`a quantile needs 0 ≤ p ≤ 1, got ${p}`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface Quartiles {
  q1: number;
  median: number;
  q3: number;
  /** q3 − q1. */
  iqr: number;
}

export function quartiles(values: readonly number[]): Quartiles {
  if (values.some((v) => !Number.isFinite(v))) throw new Error('quartiles need finite values');
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return { q1, median: quantileSorted(sorted, 0.5), q3, iqr: q3 - q1 };
}

export function median(values: readonly number[]): number {
  return quartiles(values).median;
}

export interface TimerResolutionOptions {
  /** Stop after this many positive steps of the clock. Default 50. */
  ticks?: number;
  /** Give up after this many reads. Default 1,000,000 (well under a second for `performance.now`). */
  maxReads?: number;
}

/**
 * The clock's resolution, ms: the smallest positive difference between consecutive reads while
 * spinning on it. Browsers coarsen `performance.now()` to 100 µs (5 µs when cross-origin
 * isolated), and the smallest step seen over many ticks is that grain even when jitter is added.
 */
export function detectTimerResolution(now: () => number, { ticks = 50, maxReads = 1_000_000 }: TimerResolutionOptions = {}): number {
  let previous = now();
  let smallest = Infinity;
  let seen = 0;
  for (let read = 0; read < maxReads && seen < ticks; read++) {
    const t = now();
    const step = t - previous;
    if (step < 0) throw new Error(`the clock went backwards by ${-step} ms; it is not monotonic`);
    if (step > 0) {
      smallest = Math.min(smallest, step);
      seen++;
    }
    previous = t;
  }
  if (seen === 0) throw new Error(`the clock did not advance in ${maxReads} reads`);
  return smallest;
}

/**
 * How many back-to-back inferences one sample needs so that it spans at least `factor` timer
 * ticks (then one tick is at most 1/factor of the sample): ⌈factor · resolution / perRun⌉,
 * clamped to 1..maxK. A run too fast to measure (perRun ≤ 0) gets maxK.
 */
export function chooseK(perRunMs: number, timerResolutionMs: number, factor: number, maxK: number): number {
  if (!(timerResolutionMs > 0) || !(factor > 0)) throw new Error('chooseK needs a positive timer resolution and factor');
  if (!Number.isInteger(maxK) || maxK < 1) throw new Error(`maxK must be a positive integer, got ${maxK}`);
  if (!(perRunMs > 0)) return maxK;
  // The slack keeps float noise (1.2 − 1.1 = 0.0999…) from costing one extra inference.
  return Math.min(maxK, Math.max(1, Math.ceil((factor * timerResolutionMs) / perRunMs - 1e-9)));
}

/** True when every value lies within ±pct % of the values' median (a run of warm-up samples has settled). */
export function withinPercentOfMedian(values: readonly number[], pct: number): boolean {
  if (values.length === 0) return false;
  const m = median(values);
  return values.every((v) => Math.abs(v - m) <= (pct / 100) * Math.abs(m));
}

/**
 * Which statistic of a cell's kept samples is its latency (what ranks, calibrates and filters).
 * `median` is the protocol of latency-measurement.md D.6. `fast-state` is their 10 % quantile, and
 * `fastest` (the default) their minimum; both are measured deviations. A machine's slow phases and
 * drifts only ever add time, and each sample already averages K back-to-back inferences, so the
 * fastest sample is the cell at the machine's fast state. Under a busy neighbour the fast moments
 * are few, and the minimum needs one of them where the 10 % quantile needs two or three
 * (bench-results/latency-experiments/README.md, session 18).
 */
export type CellStatistic = 'fastest' | 'fast-state' | 'median';
export const FAST_STATE_QUANTILE = 0.1;
export const DEFAULT_CELL_STATISTIC: CellStatistic = 'fastest';
/** How the views name each statistic, e.g. on an axis: "latency (ms, fastest sample)". */
export const CELL_STATISTIC_LABELS: Record<CellStatistic, string> = {
  fastest: 'fastest sample',
  'fast-state': '10 % quantile',
  median: 'median',
};

/** A cell's latency, ms, by `statistic`; an import that carried only its median (no samples) keeps it. */
export function cellLatencyMs(cell: { readonly samples: readonly number[]; readonly medianMs: number }, statistic: CellStatistic = DEFAULT_CELL_STATISTIC): number {
  if (statistic === 'median' || cell.samples.length === 0) return cell.medianMs;
  if (statistic === 'fastest') return Math.min(...cell.samples);
  return quantileSorted(
    [...cell.samples].sort((a, b) => a - b),
    FAST_STATE_QUANTILE,
  );
}
