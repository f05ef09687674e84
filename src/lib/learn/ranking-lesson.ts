/**
 * Lesson 5 (ranking beats regression): the short config both predictors train with, the split
 * (the same few cells for both, every other cell scored), and how the two rankings are compared.
 */
import { ACCURACY_PRESET, BRP_FAST_PRESET, type PredictorConfig } from '../predictor/config';
import { kendallTauB, precisionAtK } from '../predictor/metrics';
import { randomSplit } from '../predictor/splits';

/** Training cells the lesson offers: few, so both predictors train in seconds on WASM; another number in a link falls back to the first. */
export const LESSON5_SIZES = [20, 50, 100] as const;

/** What the lesson calls its config, so the page never passes it off as the paper's. */
export const LESSON5_CONFIG_NAME = 'the lesson’s, a 4 × 128 GCN, 40 epochs, 8 cells per step for both (the paper’s: 4 × 600, 250 epochs)';

/** Cells per optimizer step, for both predictors (the BRP's model groups). */
const LESSON5_CELLS_PER_STEP = 8;

/**
 * The lesson config of one kind: the paper's 4 layers, 128 wide (4 × 600 answers several times
 * slower), both trained for the same optimizer steps (the regressor on batches of 8 cells, the BRP
 * on all ordered pairs of groups of 8 cells, the fast BRP batching), cosine schedule from 2e-3, the
 * last epoch kept. Equal steps keep the comparison fair: a regressor given fewer steps would lose
 * for want of training. Measurements: bench-results/lesson5-tuning.md.
 */
export function lesson5Config(kind: 'regression' | 'brp', seed: number): PredictorConfig {
  const base = kind === 'brp' ? BRP_FAST_PRESET : { ...ACCURACY_PRESET, restoreBest: 'last-epoch' as const };
  return { ...base, layers: 4, hidden: 128, batchSize: LESSON5_CELLS_PER_STEP, epochs: 40, esPatience: 0, schedule: 'cosine', lr: 2e-3, seed: seed >>> 0 };
}

/** The training cells (both predictors get exactly these) and every other cell with an accuracy, scored afterwards. */
export function lesson5Split(candidates: readonly number[], size: number, seed: number): { train: number[]; test: number[] } {
  const { train, test } = randomSplit(candidates, size, 0, seed >>> 0);
  return { train, test: [...test].sort((a, b) => a - b) };
}

/** The share of the scored cells whose top the lesson counts hits in: the best 1 %, as the Train view's precision. */
const LESSON5_TOP_SHARE = 0.01;

export interface RankingScore {
  /** Kendall τ-b of the scores against the truth over the scored cells. */
  kendall: number;
  /** How many of the truly best k cells are also among the predicted best k. */
  hits: number;
  k: number;
}

/** How well `scores` order the cells (higher = predicted better) against their true accuracy; `k` defaults to the best 1 %. */
export function rankingScore(scores: ArrayLike<number>, truth: ArrayLike<number>, k = Math.max(1, Math.round(truth.length * LESSON5_TOP_SHARE))): RankingScore {
  const kk = Math.min(k, truth.length);
  return { kendall: kendallTauB(scores, truth), hits: Math.round(precisionAtK(scores, truth, kk, true) * kk), k: kk };
}

/** Ordered pairs the BRP learns from n cells: each cell against every other, both ways. */
export function pairCount(n: number): number {
  return n * (n - 1);
}

/** One pair of the pair picture: two cells, which one truly is better, and what the BRP said. */
interface PairExample {
  a: number;
  b: number;
  /** True when cell a's true accuracy is higher. */
  truthABetter: boolean;
  /** True when the BRP scores a above b. */
  predictedABetter: boolean;
}

/**
 * The `which`-th pair of scored cells drawn from `seed`: a deterministic walk, so a link shows the
 * same pair. Positions index into `indices`, `scores` and `truth` (all the same length ≥ 2).
 */
export function pairExample(indices: ArrayLike<number>, scores: ArrayLike<number>, truth: ArrayLike<number>, which: number): PairExample {
  const n = indices.length;
  if (n < 2) throw new Error('pairExample: need at least two scored cells');
  // Two coprime strides walk through distinct positions without a generator to keep in state.
  const i = (which * 7919) % n;
  let j = (which * 104729 + 1) % n;
  if (j === i) j = (i + 1) % n;
  return { a: indices[i], b: indices[j], truthABetter: truth[i] > truth[j], predictedABetter: scores[i] > scores[j] };
}
