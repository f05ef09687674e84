/**
 * Predictor-based search with eagle's iterative data selection (spec 5.1): iteration 0 queries
 * random cells, each later one ranks every candidate with the predictor trained so far and
 * queries half top-ranked, half random from the top 1/2, 1/4, 1/8, 1/16; the predictor is then
 * trained on all queried cells, warm-started from the last iteration's weights with a fresh
 * optimizer and schedule. BRP-NAS and the regression-GCN baseline both run here.
 */
import { deriveSeed } from '../spaces/rng';
import type { GraphEncoding } from '../predictor/graphs';
import type { Predictor } from '../predictor/predictor';
import type { TrainingHooks } from '../predictor/loop';
import { rankingKendall } from './metrics';
import { mulberry32 } from '../spaces/rng';
import { iterationConfig, type PredictorSearchPreset } from './presets';
import { initialSample, iterationPlan, selectNext } from './selection';
import type { SearchOracle } from './types';
import type { PackedPredictor } from '../predictor/persist';

/** What the engine needs from its host (the compute worker, or a test). */
export interface PredictorSearchHost {
  /** Encodings of NB201 indices. */
  graphs(indices: readonly number[]): GraphEncoding[];
  /** Trains the preset's predictor kind; `init` warm-starts (and is not disposed by the callee). */
  train(kind: 'brp' | 'regression', input: { graphs: GraphEncoding[]; targets: Float64Array; config: PredictorSearchPreset['config']; init?: Predictor } & TrainingHooks): Promise<Predictor>;
  /**
   * Per-NB201-index scores of every cell, higher = predicted better (BRP: `ranking` decides how).
   * Asynchronous, so a host can read GPU results with `await data()` (never a synchronous read).
   */
  scoreAll(predictor: Predictor, ranking: PredictorSearchPreset['ranking']): Promise<Float64Array> | Float64Array;
  /** Scores of a few cells (BRP: the antisymmetric score), in the order given. */
  scoreCells(predictor: Predictor, indices: readonly number[]): Promise<Float64Array> | Float64Array;
  /** Packs a predictor for a checkpoint (reading its weights asynchronously), and restores one. */
  pack(predictor: Predictor): Promise<PackedPredictor> | PackedPredictor;
  unpack(packed: PackedPredictor): Predictor;
  /** Training hooks (pause, cancel, yield) and per-epoch progress. */
  hooks: TrainingHooks;
  onPhase(phase: 'train' | 'rank' | 'select', iteration: number, epoch?: number, epochs?: number): void;
  /** Called after each finished iteration; the search waits for it (a step pauses here). */
  onIteration(done: IterationDone): Promise<void> | void;
}

export interface IterationDone {
  iteration: number;
  iterations: number;
  /** Cells queried in this iteration. */
  added: number[];
  /** All queried cells so far, in order. */
  queried: number[];
  /** The predictor after this iteration (owned by the engine: pack it now if it must be kept). */
  predictor: Predictor;
  /** Scores of every cell by that predictor (per NB201 index). */
  scores: Float64Array;
  rankingKendall: number;
  ms: number;
}

interface PredictorSearchInput {
  preset: PredictorSearchPreset;
  oracle: SearchOracle;
  /** Indices the search may query (all cells, or those a latency filter admits). */
  candidates: Int32Array;
  budget: number;
  seed: number;
  host: PredictorSearchHost;
  /** Iteration 0 starts from this predictor's GCN with a head warm-up (the preset's `transfer`); owned by the caller. */
  transfer?: { from: Predictor; warmupEpochs: number };
  /** Resume after this many finished iterations, with these queries and that predictor. */
  resume?: { iteration: number; queried: number[]; predictor: PackedPredictor | null };
}

interface PredictorSearchOutput {
  queried: number[];
  /** Final scores per NB201 index (higher = better). */
  scores: Float64Array;
}

export async function runPredictorSearch(input: PredictorSearchInput): Promise<PredictorSearchOutput> {
  const { preset, oracle, candidates, budget, seed, host } = input;
  const plan = iterationPlan({ budget, iterations: preset.iterations, batchSize: preset.config.batchSize, epochs: preset.config.epochs });
  const queried = input.resume ? [...input.resume.queried] : [];
  const seen = new Set(queried);
  let predictor: Predictor | null = input.resume?.predictor ? host.unpack(input.resume.predictor) : null;
  let scores: Float64Array | null = predictor ? await host.scoreAll(predictor, preset.ranking) : null;
  try {
    for (let iteration = input.resume?.iteration ?? 0; iteration < plan.length; iteration++) {
      const started = performance.now();
      const rng = mulberry32(deriveSeed(seed, 0x5e1ec7, iteration));
      host.onPhase('select', iteration);
      const count = Math.min(plan[iteration].modelsToAdd, candidates.length - queried.length);
      const added =
        iteration === 0 || !scores
          ? initialSample(
              candidates.filter((c) => !seen.has(c)),
              count,
              rng,
            )
          : selectNext({ candidates, scores: Float64Array.from(candidates, (c) => scores![c]), seen, iteration, count, rng });
      for (const index of added) {
        queried.push(index);
        seen.add(index);
      }
      const config = iterationConfig(preset, plan[iteration], deriveSeed(seed, 0x7a1e, iteration));
      const targets = Float64Array.from(queried, (index) => oracle.valid[index] * preset.accuracyScale);
      host.onPhase('train', iteration, 0, config.epochs);
      const start = predictor ? { init: predictor } : input.transfer ? { init: input.transfer.from, warmupEpochs: input.transfer.warmupEpochs } : {};
      const trained = await host.train(preset.kind, {
        graphs: host.graphs(queried),
        targets,
        config,
        ...start,
        ...host.hooks,
        validate: preset.validate,
        // Warm-up epochs count as the start of the iteration's training.
        onEpoch: (record) => host.onPhase('train', iteration, record.warmup ? 0 : record.epoch + 1, config.epochs),
      });
      predictor?.dispose();
      predictor = trained;
      host.onPhase('rank', iteration);
      scores = await host.scoreAll(predictor, preset.ranking);
      await host.onIteration({
        iteration,
        iterations: plan.length,
        added,
        queried: [...queried],
        predictor,
        scores,
        rankingKendall: rankingKendall(scores, oracle.valid),
        ms: performance.now() - started,
      });
    }
    if (!scores) throw new Error('the search ran no iteration');
    return { queried, scores };
  } finally {
    predictor?.dispose();
  }
}

/**
 * Eagle's BRP ranking (spec 5.2): Python's `sorted` over all cells in index order with the
 * comparator d(a, b) = s[a] + t[b] + c, ascending (position 0 = predicted worst). Returns each
 * cell's position, so higher = better. The comparator is not antisymmetric; V8's sort is TimSort
 * like CPython's, so the order matches eagle's up to TimSort implementation details.
 */
export function comparatorPositions(s: ArrayLike<number>, t: ArrayLike<number>, c: number): Float64Array {
  const order = Array.from({ length: s.length }, (_, i) => i);
  order.sort((a, b) => s[a] + t[b] + c);
  const position = new Float64Array(s.length);
  order.forEach((cell, k) => (position[cell] = k));
  return position;
}
