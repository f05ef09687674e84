/**
 * What the compute worker does with a `search` request (messages: search-messages.ts): it wires
 * the search room (run-search.ts) to tfjs — encodings, training, ranking every cell, packing
 * checkpoints — and reports progress, each finished iteration and the result.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendReport } from '../compute/backend';
import { describeGpuFault, GpuFaultWatch, type GpuDeviceLike } from '../compute/gpu-faults';
import { LATENCY_FAST_PRESET } from '../predictor/config';
import type { GraphEncoding } from '../predictor/graphs';
import type { TrainingHooks } from '../predictor/loop';
import { packPredictorAsync, restorePacked } from '../predictor/persist';
import type { Predictor } from '../predictor/predictor';
import { deriveSeed } from '../spaces/rng';
import { randomSplit, indicesWithValues } from '../predictor/splits';
import { trainBrp, trainRegressor } from '../predictor/train';
import { comparatorPositions } from '../search/predictor-search';
import { plannedIterations, runSearch } from '../search/run-search';
import { distinctEncodings, eagleEncoding, allCells } from '../spaces/nb201';
import type { ComputeResponse } from './compute-messages';
import type { SearchJob, SearchResult } from './search-messages';

/** What the search needs of the running job (the compute worker's job control). */
interface SearchJobControl {
  signal: AbortSignal;
  /** Pause gate and event-loop yield, called before every optimizer step. */
  beforeStep(): void | Promise<void>;
  /** Called after each finished iteration: holds here when a `step` asked for one iteration. */
  iterationDone(): Promise<void>;
  /** Pauses excluded (ms). */
  elapsedMs(): number;
}

interface SearchHandlerDeps {
  post(message: ComputeResponse, transfer?: Transferable[]): void;
  ensureBackend(): Promise<BackendReport>;
}

/** Cells the latency GCN trains on when a limit has no predictor yet (as the paper's 900). */
const LATENCY_TRAIN_CELLS = 900;

/** Every NB201 index's encoding, and its distinct-encoding group (8,687 groups), for one opsCode. */
export function encodings(opsCode: Float64Array): { byIndex: GraphEncoding[]; distinct: GraphEncoding[]; groupOfIndex: Int32Array } {
  const { groupOf, representative } = distinctEncodings();
  const cells = allCells();
  const distinct = Array.from(representative, (code) => eagleEncoding(cells[code]));
  const groupOfIndex = Int32Array.from(opsCode, (code) => groupOf[code]);
  const byIndex = Array.from(groupOfIndex, (group) => distinct[group]);
  return { byIndex, distinct, groupOfIndex };
}

/**
 * How a search scores cells with its predictor. Every read is awaited (`data()`), never a
 * synchronous one, which stalls a GPU and on tfjs-webgpu fails (model.ts inferPackedAsync).
 */
export function searchScoring({ byIndex, distinct, groupOfIndex }: ReturnType<typeof encodings>): {
  scoreAll(predictor: Predictor, ranking: 'comparator' | 'antisymmetric'): Promise<Float64Array>;
  scoreCells(predictor: Predictor, indices: readonly number[]): Promise<Float64Array>;
} {
  const spread = (perGroup: ArrayLike<number>) => Float64Array.from(groupOfIndex, (group) => perGroup[group]);
  return {
    // Always the same 8,687 encodings in the same order: computing each distinct node row once is
    // exact and repeatable here (model.ts InferOptions).
    scoreAll: async (predictor, ranking) => {
      if (predictor.kind === 'regression') return spread(await predictor.predictAsync(distinct, { distinctRows: true }));
      const scores = await predictor.scoreBrpAsync(distinct, { distinctRows: true });
      if (ranking === 'antisymmetric') return spread(scores.r);
      return comparatorPositions(spread(scores.s), spread(scores.t), scores.c);
    },
    scoreCells: async (predictor, indices) => {
      const graphs = indices.map((i) => byIndex[i]);
      return Float64Array.from(predictor.kind === 'regression' ? await predictor.predictAsync(graphs) : (await predictor.scoreBrpAsync(graphs)).r);
    },
  };
}

export function createSearchHandler(deps: SearchHandlerDeps): (requestId: number, job: SearchJob, control: SearchJobControl) => Promise<void> {
  let cached: { opsCode: Float64Array; value: ReturnType<typeof encodings> } | undefined;
  const encodingsOf = (opsCode: Float64Array) => {
    // Each request carries its own copy of the column: compare contents, so consecutive searches
    // (a run and its baselines) encode the space once.
    if (!cached || cached.opsCode.length !== opsCode.length || cached.opsCode.some((code, i) => code !== opsCode[i])) cached = { opsCode, value: encodings(opsCode) };
    return cached.value;
  };

  const run = async (requestId: number, job: SearchJob, control: SearchJobControl): Promise<void> => {
    const report = await deps.ensureBackend();
    const { byIndex, distinct, groupOfIndex } = encodingsOf(job.opsCode);
    const spread = (perGroup: ArrayLike<number>) => Float64Array.from(groupOfIndex, (group) => perGroup[group]);
    // On WebGPU a lost device or a failed allocation throws nowhere: stop at the next step with its message.
    const device = report.name === 'webgpu' ? (tf.backend() as unknown as { device?: GpuDeviceLike }).device : undefined;
    const watch = device ? new GpuFaultWatch(device) : null;
    const hooks: TrainingHooks = {
      signal: control.signal,
      beforeStep: () => {
        watch?.throwIfFaulted();
        return control.beforeStep();
      },
    };
    const iterations = plannedIterations(job.settings);
    // A resumed run goes on from its earlier time.
    const elapsedMs = () => (job.resume?.elapsedMs ?? 0) + control.elapsedMs();
    let iteration = 0;
    let queried = job.resume?.queried.length ?? 0;
    let lastProgress = 0;
    const progress = (phase: 'latency' | 'train' | 'rank' | 'select', epoch?: number, epochs?: number, force = false) => {
      const now = performance.now();
      if (!force && now - lastProgress < 100) return;
      lastProgress = now;
      const elapsed = elapsedMs();
      const done = (iteration + (epochs ? (epoch ?? 0) / epochs : 0)) / iterations;
      const etaMs = done > 0.05 ? (elapsed * (1 - done)) / done : null;
      deps.post({ type: 'search-progress', requestId, iteration, iterations, phase, ...(epochs ? { epoch, epochs } : {}), queried, elapsedMs: elapsed, etaMs });
    };

    // A resumed run reuses the latency predictions it trained.
    let latency = job.latency && !job.latency.predicted && job.resume?.latencyPredicted ? { ...job.latency, predicted: job.resume.latencyPredicted } : job.latency;
    let trainedLatency: Float64Array | undefined = job.resume?.latencyPredicted;
    let latencyPredictor: Predictor | null = null;
    if (latency && !latency.predicted && latency.truth) {
      // The paper filters by a latency GCN trained on 900 cells of the device (spec 5.3).
      progress('latency', 0, LATENCY_FAST_PRESET.epochs, true);
      const truth = latency.truth;
      const cells = randomSplit(indicesWithValues(truth), LATENCY_TRAIN_CELLS, 0, deriveSeed(job.settings.seed, 0x1a7)).train;
      const regressor = await trainRegressor({
        graphs: cells.map((i) => byIndex[i]),
        targets: cells.map((i) => truth[i]),
        config: { ...LATENCY_FAST_PRESET, seed: job.settings.seed },
        ...hooks,
        onEpoch: (r) => progress('latency', r.epoch + 1, LATENCY_FAST_PRESET.epochs),
      });
      try {
        if (regressor.kind !== 'regression') throw new Error('latency predictor: expected a regressor');
        trainedLatency = spread(await regressor.predictAsync(distinct));
        latency = { ...latency, predicted: trainedLatency, predictor: `${latency.predictor}: latency GCN (fast preset) on ${cells.length} cells` };
      } catch (err) {
        regressor.dispose();
        throw err;
      }
      // Kept for a preset that transfers from it (spec 5.3); freed when the search ends.
      latencyPredictor = regressor;
    }

    const scoring = searchScoring({ byIndex, distinct, groupOfIndex });
    let rankMs: number | undefined;
    const result = await runSearch(
      { ...job, latency },
      {
        latencyPredictor,
        graphs: (indices) => indices.map((i) => byIndex[i]),
        train: (kind, input) => (kind === 'brp' ? trainBrp(input) : trainRegressor(input)),
        scoreAll: async (predictor: Predictor, ranking) => {
          const started = performance.now();
          const ranked = await scoring.scoreAll(predictor, ranking);
          rankMs = performance.now() - started;
          return ranked;
        },
        scoreCells: scoring.scoreCells,
        pack: (predictor) => packPredictorAsync(predictor),
        unpack: (packed) => restorePacked(packed, 'search checkpoint'),
        hooks,
        onPhase: (phase, at, epoch, epochs) => {
          iteration = at;
          progress(phase, epoch, epochs, phase !== 'train');
        },
        onIteration: async (record, checkpoint) => {
          queried = checkpoint.queried.length;
          deps.post({
            type: 'search-iteration',
            requestId,
            record: rankMs === undefined ? record : { ...record, rankMs },
            checkpoint: trainedLatency ? { ...checkpoint, latencyPredicted: trainedLatency } : checkpoint,
          });
          rankMs = undefined;
          await control.iterationDone();
        },
        elapsedMs,
      },
    ).finally(() => latencyPredictor?.dispose());
    const full: SearchResult = { ...result, backend: report.name };
    const transfer: Transferable[] = [full.trace.buffer];
    if (full.scores) transfer.push(full.scores.buffer);
    deps.post({ type: 'searched', requestId, result: full }, transfer);
  };
  // A GPU fault ends the search with one message (gpu-faults.ts); its checkpoints are already saved.
  return (requestId, job, control) =>
    run(requestId, job, control).catch((error: unknown) => {
      const fault = describeGpuFault(error, tf.getBackend());
      throw fault ? new Error(fault.message) : error;
    });
}
