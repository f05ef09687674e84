/**
 * The machine's inference speed over a run, read from the drift reference cell (issue 18). The
 * reference cell is a network like the candidates, timed every few samples, so its time over its
 * fast state is the slowdown the candidates see; the profiler waits on it before re-measuring.
 * Pure logic, no clock.
 */
import type { DriftPoint } from './profiler-types.ts';
import { quantileSorted } from './stats.ts';

/** Reference points smoothed over (the nearest in time): one point is a single noisy timing. */
const SMOOTH_POINTS = 5;
/** The quantile of the reference's times that stands for the machine's fast state. */
const FAST_QUANTILE = 0.1;
/** Reference timings a run needs before its fast state means something (remembered for later runs, or read as the run's level). */
export const MIN_FAST_STATE_POINTS = 8;

/**
 * The reference cell's fast-state time, ms: the low quantile of this run's points, or the one known
 * from earlier runs on this backend when that is lower (a run that starts in a slow phase would
 * otherwise take the slow phase for the fast state). NaN without points.
 */
export function referenceFastMs(points: readonly Pick<DriftPoint, 'ms'>[], knownFastMs: number | null = null): number {
  if (points.length === 0) return knownFastMs ?? Number.NaN;
  const own = quantileSorted(
    points.map((p) => p.ms).sort((a, b) => a - b),
    FAST_QUANTILE,
  );
  return knownFastMs !== null && knownFastMs > 0 ? Math.min(own, knownFastMs) : own;
}

/** The reference's slowdown at `atMs`: median of the SMOOTH_POINTS points nearest in time over `fastMs` (1 = fast state). */
export function slowdownAt(points: readonly DriftPoint[], atMs: number, fastMs: number): number {
  if (points.length === 0 || !(fastMs > 0)) return 1;
  // Points are in time order: start at the first point at or after atMs and widen towards the nearer side.
  let hi = points.findIndex((p) => p.atMs >= atMs);
  if (hi < 0) hi = points.length;
  let lo = hi - 1;
  const near: number[] = [];
  while (near.length < SMOOTH_POINTS && (lo >= 0 || hi < points.length)) {
    const takeLow = hi >= points.length || (lo >= 0 && atMs - points[lo].atMs <= points[hi].atMs - atMs);
    near.push(takeLow ? points[lo--].ms : points[hi++].ms);
  }
  return (
    quantileSorted(
      near.sort((a, b) => a - b),
      0.5,
    ) / fastMs
  );
}

/** Time the reference spent above `threshold` of its fast state, ms (between consecutive points). */
export function slowReferenceMs(points: readonly DriftPoint[], fastMs: number, threshold: number): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    if (slowdownAt(points, points[i].atMs, fastMs) > 1 + threshold) total += points[i].atMs - points[i - 1].atMs;
  }
  return total;
}

/** One clause for the view, or '' when the reference never ran slow for a second: "the reference network ran over 20 % slow for 24 s". */
export function describeSlowReference(slowMs: number, threshold: number): string {
  if (slowMs < 1000) return '';
  return `the reference network ran over ${(100 * threshold).toFixed(0)} % slow for ${(slowMs / 1000).toFixed(0)} s`;
}
