/**
 * The Train view's held-out table: a trained predictor's scores on its test cells next to the
 * FLOPs proxy on the same cells, in the form the table shows (bands as lists). Pure, so the
 * state class only gathers the inputs.
 */
import { fitLine, predictLine } from './baselines';
import { LEEWAYS, rankingTestMetrics, regressionTestMetrics } from './test-metrics';

export interface Metrics {
  spearman: number;
  kendall: number;
  mae?: number;
  rmse?: number;
  /** Fractions 0–1 within ±1/5/10/20 %, both conventions (regression only). */
  withinEagle?: number[];
  withinTruth?: number[];
  /** Share of the true top 1 % the scores also rank in their top 1 %. */
  precisionTop1pct?: number;
}

export interface Evaluation {
  predictorId: string;
  kind: 'regression' | 'brp';
  label: string;
  unit: string;
  indices: Int32Array;
  truth: Float64Array;
  predicted: Float32Array;
  gcn: Metrics;
  flops: Metrics;
  /** Sum of the predictions, to tell two evaluations apart at a glance (and in tests). */
  checksum: string;
}

/** The held-out metrics of predictions as the table shows them (the worker's bundle, bands as lists). */
function regressionMetrics(predicted: ArrayLike<number>, truth: ArrayLike<number>): Metrics {
  const m = regressionTestMetrics(predicted, truth);
  return {
    spearman: m.spearman,
    kendall: m.kendall,
    mae: m.mae,
    rmse: m.rmse,
    withinEagle: LEEWAYS.map((p) => m.within.eagle[p]),
    withinTruth: LEEWAYS.map((p) => m.within.truth[p]),
  };
}

interface EvaluationInput {
  predictorId: string;
  kind: 'regression' | 'brp';
  /** The target as the predictor's provenance names it. */
  target: { label: string; unit: string };
  /** Cells the predictor was trained on: the FLOPs line of a latency target is fitted on them. */
  trainIndices: readonly number[];
  /** Test cells (NB201 indices) and the predictor's output on them. */
  indices: Int32Array;
  predicted: Float32Array;
  /** The target and FLOPs per NB201 index. */
  values: ArrayLike<number>;
  flops: ArrayLike<number>;
}

/**
 * The predictor against the FLOPs proxy on its test cells. A latency regressor (ms) is compared
 * with a line fitted from FLOPs on its training cells; anything else with the FLOPs ranking.
 */
export function evaluatePredictions(input: EvaluationInput): Evaluation {
  const { predictorId, kind, target, indices, predicted, values, flops: flopsAll } = input;
  const truth = Float64Array.from(indices, (i) => values[i]);
  const idx = Array.from(indices);
  const flops: Metrics =
    kind === 'regression' && target.unit === 'ms'
      ? regressionMetrics(predictLine(fitLine(flopsAll, values, input.trainIndices), flopsAll, idx), truth)
      : rankingTestMetrics(
          idx.map((i) => flopsAll[i]),
          truth,
        );
  const gcn = kind === 'regression' ? { ...regressionMetrics(predicted, truth), precisionTop1pct: rankingTestMetrics(predicted, truth).precisionTop1pct } : rankingTestMetrics(predicted, truth);
  let sum = 0;
  for (const v of predicted) sum += v;
  return { predictorId, kind, label: target.label, unit: target.unit, indices, truth, predicted, gcn, flops, checksum: sum.toFixed(4) };
}
