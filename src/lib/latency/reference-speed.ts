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

/** A run slow as a whole: the reference cell's fast state in it against the one known from earlier runs. */
export interface SlowRun {
  /** This run's fast state over the known one (1.6 = the whole run 1.6× slower). */
  slowdown: number;
  /** The reference cell's fast state in this run and in earlier runs on the backend, ms. */
  runFastMs: number;
  knownFastMs: number;
}

/**
 * The run as a whole against earlier runs: its reference points' own fast state over `knownFastMs`,
 * when that exceeds 1 + `threshold`; null without a known fast state, with too few points, or when
 * the run was not that slow. The samples show slowness only relative to the run itself, so a run
 * timed wholly inside a slow phase (a short reference set inside a busy neighbour's burst) needs this.
 */
export function slowRun(points: readonly Pick<DriftPoint, 'ms'>[], knownFastMs: number | null, threshold: number): SlowRun | null {
  if (knownFastMs === null || !(knownFastMs > 0) || points.length < MIN_FAST_STATE_POINTS) return null;
  const runFastMs = referenceFastMs(points);
  const slowdown = runFastMs / knownFastMs;
  return slowdown > 1 + threshold ? { slowdown, runFastMs, knownFastMs } : null;
}

/** One clause for the view: "the whole run ran 1.6× slower than earlier runs on this backend (the reference network 4.10 ms against 2.56 ms)". */
export function describeSlowRun(run: SlowRun): string {
  return `the whole run ran ${run.slowdown.toFixed(1)}× slower than earlier runs on this backend (the reference network ${run.runFastMs.toFixed(2)} ms against ${run.knownFastMs.toFixed(2)} ms)`;
}
