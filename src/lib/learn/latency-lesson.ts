/**
 * Lesson 4 (predicting latency): the small config the latency GCN trains with in the lesson, the
 * split (the same N training cells feed the GCN, the FLOPs line and the few-shot calibration; all
 * three are scored on the same held-out cells), and the default device.
 */
import { latencyWithBatch, type PredictorConfig } from '../predictor/config';
import { randomSplit } from '../predictor/splits';

/** Training-set sizes the slider offers (cells). */
export const LESSON4_SIZES = [10, 20, 50, 100, 200, 400] as const;

/** Held-out cells every method is scored on: enough for a steady ±10 % share, few enough to score in a blink. */
export const LESSON4_TEST_CELLS = 2000;

/** The device the lesson learns unless the link names another: LatBench's desktop CPU. */
export const LESSON4_DEFAULT_TARGET = 'latbench:desktop_cpu_i7_7820x_fp32';

/** What the page calls the config, so it is never passed off as the paper's. */
export const LESSON4_CONFIG_NAME = 'small lesson config: 2 × 64 GCN, batch 8, 40 epochs (the paper: 4 × 600, batch 1, 250 epochs)';

/** The latency GCN the lesson trains: the paper's latency setup, shrunk so that 400 cells train in seconds on WASM. */
export function lesson4Config(seed: number): PredictorConfig {
  return { ...latencyWithBatch(8, 40), layers: 2, hidden: 64, esPatience: 0, restoreBest: 'last-epoch', seed: seed >>> 0 };
}

/** The index nearest to `n` in {@link LESSON4_SIZES}. */
export function sizeIndex(n: number): number {
  let best = 0;
  LESSON4_SIZES.forEach((s, i) => {
    if (Math.abs(s - n) < Math.abs(LESSON4_SIZES[best] - n)) best = i;
  });
  return best;
}

/**
 * The N training cells and the held-out cells, from the cells the device has a latency for.
 * The held-out set depends on the seed only, not on N, so points for different N are comparable.
 */
export function lesson4Split(candidates: readonly number[], n: number, seed: number): { train: number[]; test: number[] } {
  const sorted = [...candidates].sort((a, b) => a - b);
  const { train: test, test: pool } = randomSplit(sorted, Math.min(LESSON4_TEST_CELLS, sorted.length - n), 0, seed >>> 0);
  const { train } = randomSplit(pool, n, 0, (seed + 1) >>> 0);
  return { train, test: [...test].sort((a, b) => a - b) };
}

/** One run of the lesson: ±10 % shares (eagle's convention, 0-1) of the three predictors on the same held-out cells. */
export interface Lesson4Point {
  target: string;
  n: number;
  gcn: number;
  flops: number;
  fewShot: number;
  /** The calibration method the few-shot fit chose. */
  fewShotMethod: string;
  testCells: number;
  /** GCN training wall time, ms. */
  wallMs: number;
}

/** Keeps one point per (target, N), the newest winning, ordered by N. */
export function mergePoint(points: readonly Lesson4Point[], point: Lesson4Point): Lesson4Point[] {
  return [...points.filter((p) => !(p.target === point.target && p.n === point.n)), point].sort((a, b) => a.n - b.n);
}
