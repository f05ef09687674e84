/**
 * eagle's iterative data selection (spec 4.2 and 5.1, `--iter T --sample_best2`): how many cells
 * each iteration adds and with which batch size and epochs the predictor then trains, and which
 * cells it adds (half the predicted best, half random from the predicted top 1/2^i).
 */
import { sampleWithoutReplacement, type Rng } from '../spaces/rng';

interface IterationPlanOptions {
  /** Total cells to query (M, eagle's `training_points`). */
  budget: number;
  /** Number of iterations (T, eagle's `--iter`). */
  iterations: number;
  /** The config's batch size (pairs per step for BRP). */
  batchSize: number;
  /** The config's epochs. */
  epochs: number;
}

export interface IterationStep {
  /** 0-based iteration. */
  iteration: number;
  /** Cells this iteration adds. */
  modelsToAdd: number;
  /** Cells queried once it has added them. */
  modelsTotal: number;
  /** Training batch size this iteration. */
  batchSize: number;
  /** Training epochs this iteration. */
  epochs: number;
}

/**
 * One step per iteration i = 0..T−1: floor(M/T) cells, batch floor(batch/T)·(i+1) and epochs
 * floor(epochs/T)·(i+1), as eagle. Where eagle drops the remainder of M/T, the last iteration
 * takes it, so the total is exactly the budget. Batch and epochs are at least 1 (a config
 * smaller than T would otherwise train with none).
 */
export function iterationPlan({ budget, iterations, batchSize, epochs }: IterationPlanOptions): IterationStep[] {
  for (const [name, value] of [
    ['budget', budget],
    ['iterations', iterations],
    ['batchSize', batchSize],
    ['epochs', epochs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`iterationPlan: ${name} must be a positive integer, got ${value}`);
  }
  if (iterations > budget) throw new Error(`iterationPlan: ${iterations} iterations need a budget of at least ${iterations} cells, got ${budget}`);
  const perIteration = Math.floor(budget / iterations);
  const steps: IterationStep[] = [];
  let total = 0;
  for (let i = 0; i < iterations; i++) {
    const modelsToAdd = i === iterations - 1 ? budget - total : perIteration;
    total += modelsToAdd;
    steps.push({
      iteration: i,
      modelsToAdd,
      modelsTotal: total,
      batchSize: Math.max(1, Math.floor(batchSize / iterations) * (i + 1)),
      epochs: Math.max(1, Math.floor(epochs / iterations) * (i + 1)),
    });
  }
  return steps;
}

/** Iteration 0: `count` distinct candidates, uniformly (all of them when there are fewer). */
export function initialSample(candidates: ArrayLike<number>, count: number, rng: Rng): number[] {
  return sampleWithoutReplacement(rng, candidates.length, Math.min(count, candidates.length)).map((k) => candidates[k]);
}

interface SelectNextOptions {
  /** The cells the search may pick (NB201 indices). */
  candidates: ArrayLike<number>;
  /** The predictor's score per candidate position (higher = better; NaN = worst). */
  scores: ArrayLike<number>;
  /** Cells already queried. */
  seen: ReadonlySet<number>;
  /** The iteration (≥ 1); exploration draws from the predicted top 1/2^iteration. */
  iteration: number;
  /** Cells to add. */
  count: number;
  rng: Rng;
}

/** The cells one iteration adds, and what decided them (for the live view). */
interface Selection {
  /** The picked NB201 indices: the exploited ones first, then the explored ones. */
  picked: number[];
  /** How many of `picked` are the predicted best (the rest are random above the threshold or fill-ins). */
  exploited: number;
  /** The score that exploration must beat: that of R[floor(|R| / 2^iteration)]. */
  threshold: number;
  /** Explored cells that had to come from the best remaining ones because too few were above the threshold. */
  filled: number;
}

/**
 * eagle's `--sample_best2` step: R = candidates by score, best first (ties: lower position
 * first). Take the floor(count/2) best unseen cells of R, then count − floor(count/2) unseen
 * cells at random among those scoring strictly above R[floor(|R|/2^i)]. If fewer qualify, the
 * rest are the best remaining unseen cells, so an iteration still adds `count` cells while
 * enough unseen candidates remain.
 */
export function selectNextDetailed({ candidates, scores, seen, iteration, count, rng }: SelectNextOptions): Selection {
  if (scores.length !== candidates.length) throw new Error(`selectNext: ${scores.length} scores for ${candidates.length} candidates`);
  if (!Number.isSafeInteger(iteration) || iteration < 1) throw new Error(`selectNext: iteration must be an integer ≥ 1 (iteration 0 uses initialSample), got ${iteration}`);
  const score = (k: number) => (Number.isNaN(scores[k]) ? -Infinity : scores[k]);
  const order = Array.from({ length: candidates.length }, (_, k) => k).sort((a, b) => score(b) - score(a) || a - b);
  const threshold = order.length === 0 ? Number.NaN : score(order[Math.floor(order.length / 2 ** iteration)]);
  const taken = new Set<number>();
  const free = (k: number) => !seen.has(candidates[k]) && !taken.has(candidates[k]);

  const exploit = Math.floor(count / 2);
  const picked: number[] = [];
  for (let r = 0; r < order.length && picked.length < exploit; r++) {
    if (free(order[r])) {
      taken.add(candidates[order[r]]);
      picked.push(candidates[order[r]]);
    }
  }
  const exploited = picked.length;
  const explore = count - exploited;
  const above = order.filter((k) => score(k) > threshold && free(k));
  for (const j of sampleWithoutReplacement(rng, above.length, Math.min(explore, above.length))) {
    taken.add(candidates[above[j]]);
    picked.push(candidates[above[j]]);
  }
  let filled = 0;
  for (let r = 0; r < order.length && picked.length < count; r++) {
    if (free(order[r])) {
      taken.add(candidates[order[r]]);
      picked.push(candidates[order[r]]);
      filled++;
    }
  }
  return { picked, exploited, threshold, filled };
}

/** The cells {@link selectNextDetailed} picks. */
export function selectNext(options: SelectNextOptions): number[] {
  return selectNextDetailed(options).picked;
}
