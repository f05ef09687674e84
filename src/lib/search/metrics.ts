/**
 * What a finished search reports (SearchMetrics in types.ts), the search trace of a
 * predictor-guided run (spec 5.2) and the best-so-far curve for plots. Cells are NB201 indices.
 */
import { kendallTauB } from '../predictor/metrics';
import type { SearchMetrics, SearchOracle } from './types';

interface RunMetricsInput {
  /** The benchmark the search queried. */
  oracle: SearchOracle;
  /** Every query in order (evolution may repeat cells; each repeat is a query). */
  queried: ArrayLike<number>;
  /** The search trace (spec 5.2), if the method has one. */
  trace?: ArrayLike<number> | null;
  /** The predictor's final score per NB201 index (higher = better), if the method has one. */
  scores?: ArrayLike<number> | null;
  /** Cells that truly meet the latency limit; default every cell. Cells without a finite `valid` never count. */
  eligible?: (index: number) => boolean;
}

/**
 * The run's metrics over the eligible cells: a queried cell that truly breaks the limit is
 * ignored, as eagle drops false positives when it walks the trace. Several cells tied for the
 * best validation accuracy all count as "the global best". With no eligible cell queried,
 * the accuracies and the regret are NaN.
 */
export function runMetrics({ oracle, queried, trace = null, scores = null, eligible }: RunMetricsInput): SearchMetrics {
  const { valid, test } = oracle;
  const counts = (i: number) => Number.isFinite(valid[i]) && (eligible ? eligible(i) : true);
  let bestValid = -Infinity;
  for (let i = 0; i < valid.length; i++) if (counts(i) && valid[i] > bestValid) bestValid = valid[i];
  const isGlobalBest = (i: number) => counts(i) && valid[i] === bestValid;

  let best = -1;
  let maxTest = -Infinity;
  let queriesToGlobalBest: number | null = null;
  for (let q = 0; q < queried.length; q++) {
    const i = queried[q];
    if (!counts(i)) continue;
    if (best < 0 || valid[i] > valid[best]) best = i;
    if (test[i] > maxTest) maxTest = test[i];
    if (queriesToGlobalBest === null && isGlobalBest(i)) queriesToGlobalBest = q + 1;
  }
  let tracePositionOfGlobalBest: number | null = null;
  if (trace) {
    for (let t = 0; t < trace.length; t++) {
      if (isGlobalBest(trace[t])) {
        tracePositionOfGlobalBest = t + 1;
        break;
      }
    }
  }
  return {
    testOfBestValid: best < 0 ? Number.NaN : test[best],
    maxTest: best < 0 ? Number.NaN : maxTest,
    regretValid: best < 0 || bestValid === -Infinity ? Number.NaN : bestValid - valid[best],
    foundGlobalBest: queriesToGlobalBest !== null,
    queriesToGlobalBest,
    tracePositionOfGlobalBest,
    kendall: scores ? rankingKendall(scores, valid) : null,
  };
}

/** Kendall τ-b of the scores against `valid` over every cell where both are finite. */
export function rankingKendall(scores: ArrayLike<number>, valid: ArrayLike<number>): number {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < valid.length; i++) {
    if (Number.isFinite(valid[i]) && Number.isFinite(scores[i])) {
      a.push(scores[i]);
      b.push(valid[i]);
    }
  }
  return a.length < 2 ? Number.NaN : kendallTauB(a, b);
}

/**
 * The search trace (spec 5.2): the queried cells in query order (a repeat keeps its first
 * place), then the other candidates by score, best first; ties by index, non-finite scores last.
 */
export function buildTrace(queried: ArrayLike<number>, scores: ArrayLike<number>, candidates: ArrayLike<number>): Int32Array {
  const seen = new Set<number>();
  const trace: number[] = [];
  for (let q = 0; q < queried.length; q++) {
    if (!seen.has(queried[q])) {
      seen.add(queried[q]);
      trace.push(queried[q]);
    }
  }
  const score = (i: number) => (Number.isFinite(scores[i]) ? scores[i] : -Infinity);
  const rest = Array.from(candidates).filter((i) => !seen.has(i));
  rest.sort((i, j) => score(j) - score(i) || i - j);
  for (const i of rest) {
    if (seen.has(i)) continue; // a candidate listed twice
    seen.add(i);
    trace.push(i);
  }
  return Int32Array.from(trace);
}

/**
 * After each query, the test accuracy of the best-valid cell queried so far (ties: the first
 * queried); NaN until a countable cell is queried. The realistic curve; spec 5.2's eagle plots
 * use the max test accuracy instead.
 */
export function bestSoFarCurve(oracle: SearchOracle, queried: ArrayLike<number>, eligible?: (index: number) => boolean): Float64Array {
  const curve = new Float64Array(queried.length);
  let best = -1;
  for (let q = 0; q < queried.length; q++) {
    const i = queried[q];
    if (Number.isFinite(oracle.valid[i]) && (!eligible || eligible(i)) && (best < 0 || oracle.valid[i] > oracle.valid[best])) best = i;
    curve[q] = best < 0 ? Number.NaN : oracle.test[best];
  }
  return curve;
}
