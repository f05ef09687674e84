/**
 * The held-out scores of a trained predictor, computed once for both places that need them: the
 * compute worker sends them with every trained predictor, and the Train view scores a loaded one
 * (and the FLOPs proxy) on the same cells the same way.
 */
import { kendallTauB, mae, pearson, precisionAtK, rmse, spearman, withinPct } from './metrics';

/** The ±X % bands latency papers report. */
export const LEEWAYS = [1, 5, 10, 20] as const;

/** The ±X % bands of latency papers, fractions 0–1, in both conventions (see metrics.withinPct). */
export interface WithinBands {
  /** Truth within ±X % of the prediction (eagle's `valid()`, comparable with the paper). */
  eagle: { 1: number; 5: number; 10: number; 20: number };
  /** Prediction within ±X % of the truth (the usual reading). */
  truth: { 1: number; 5: number; 10: number; 20: number };
}

export interface RegressionTestMetrics {
  /** Mean absolute error, target units. */
  mae: number;
  rmse: number;
  pearson: number;
  spearman: number;
  /** Kendall τ-b. */
  kendall: number;
  within: WithinBands;
}

export interface BrpTestMetrics {
  spearman: number;
  /** Kendall τ-b. */
  kendall: number;
  /** Share (0–1) of the truly best 1 % of the test cells (at least 1 cell) that the scores also put in their top 1 %. */
  precisionTop1pct: number;
}

/** Errors, correlations (NaN below 2 cells) and ±X % bands of predictions against true values. */
export function regressionTestMetrics(predicted: ArrayLike<number>, truth: ArrayLike<number>): RegressionTestMetrics {
  const band = (convention: 'eagle' | 'truth') => Object.fromEntries(LEEWAYS.map((pct) => [pct, withinPct(predicted, truth, pct, convention)])) as unknown as WithinBands['eagle'];
  const n = truth.length;
  return {
    mae: mae(predicted, truth),
    rmse: rmse(predicted, truth),
    pearson: n >= 2 ? pearson(predicted, truth) : Number.NaN,
    spearman: n >= 2 ? spearman(predicted, truth) : Number.NaN,
    kendall: n >= 2 ? kendallTauB(predicted, truth) : Number.NaN,
    within: { eagle: band('eagle'), truth: band('truth') },
  };
}

/** Rank correlations (NaN below 2 cells) and precision@top-1 % of scores (higher = better) against true values. */
export function rankingTestMetrics(scores: ArrayLike<number>, truth: ArrayLike<number>): BrpTestMetrics {
  const k = Math.max(1, Math.round(truth.length / 100));
  return {
    spearman: truth.length >= 2 ? spearman(scores, truth) : Number.NaN,
    kendall: truth.length >= 2 ? kendallTauB(scores, truth) : Number.NaN,
    precisionTop1pct: precisionAtK(scores, truth, k, true),
  };
}
