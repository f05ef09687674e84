/**
 * What the compute worker does with each request, kept apart from the worker global so it can be
 * tested in Node: `compute.worker.ts` only wires `self` to this. Messages: `compute-messages.ts`.
 *
 * The worker holds trained or loaded predictors in memory by id (tfjs variables on the active
 * backend) until they are released or deleted; saving writes a copy to the predictor store.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GpuFaultWatch, type GpuDeviceLike } from '../compute/gpu-faults';
import { JobControl } from './job-control';
import { createSearchHandler } from './search-handler';
import type { BackendName, BackendReport } from '../compute/backend';
import type { PredictorStore, PredictorSummary } from '../db/predictors';
import type { GraphEncoding } from '../predictor/graphs';
import type { EpochRecord, TrainingHooks } from '../predictor/loop';
import { packPredictor, readPredictorFile, restorePacked, writePredictorFile, type PackedPredictor, type PredictorProvenance } from '../predictor/persist';
import type { Predictor } from '../predictor/predictor';
import { rankingTestMetrics, regressionTestMetrics } from '../predictor/test-metrics';
import { trainBrp, trainRegressor } from '../predictor/train';
import { allCells, codeToOps, distinctEncodings, eagleEncoding } from '../spaces/nb201';
import { checkName, checkOpsCode, checkTrainJob, MAX_TRAINING_WORKERS } from './compute-jobs';
import { keptPeers, type HelperPort, type WorkerPeers } from './gradient-pool';
import type { ComputeRequest, ComputeResponse, TrainJob, TrainResult } from './compute-messages';

interface ComputeHandlerDeps {
  post(message: ComputeResponse, transfer?: Transferable[]): void;
  /** Picks and initialises the tfjs backend (the worker: `chooseBackend` with the WASM paths). */
  chooseBackend(override?: BackendName): Promise<BackendReport>;
  /** Opens the predictor store; called once, on first use. */
  openPredictorStore(): Promise<{ store: PredictorStore; notice?: string }>;
  /** Fresh predictor ids; default `crypto.randomUUID()`. */
  newId?(): string;
  /** Wall-clock time for `createdAt` (ms since 1970); default `Date.now()`. */
  now?(): number;
  /** Lets queued messages (pause, cancel) run; default: one macrotask (job-control.ts). */
  yieldToEvents?(): Promise<void>;
  /**
   * Starts one gradient helper (the worker: a `gradient-helper.worker.ts` Worker). Absent: every
   * run uses this worker alone.
   */
  spawnGradientHelper?(): HelperPort;
  /** Logical cores the browser reports (`navigator.hardwareConcurrency`); default 1. */
  cores?: number;
  /** The WebGPU device training runs on, watched for faults that throw nowhere; default: tfjs-webgpu's. */
  gpuDevice?(): GpuDeviceLike | undefined;
}

/** tfjs-webgpu's device, when that is the backend in use. */
function tfjsGpuDevice(): GpuDeviceLike | undefined {
  return tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { device?: GpuDeviceLike }).device : undefined;
}

/**
 * Smallest batch the automatic choice splits over two workers. Around 32 graphs the per-step
 * costs every worker pays anyway (AdamW, messages, weight upload) eat the gain; from about 50 it
 * is 10-25 % on a 2-core machine (bench:predictor step timings, bench-results/predictor.md).
 */
export const PARALLEL_MIN_BATCH = 48;

/**
 * How many workers (this one included) compute each batch when a job does not say. Splitting a
 * batch only pays where each worker has a core of its own: on WASM and the plain CPU backend,
 * one per core not already taken by WASM threads; WebGPU and WebGL share one device, so 1. Small
 * batches stay on one worker (PARALLEL_MIN_BATCH).
 */
export function autoTrainingWorkers(backend: BackendReport, cores: number, batchSize: number): number {
  if (backend.name !== 'wasm' && backend.name !== 'cpu') return 1;
  if (batchSize < PARALLEL_MIN_BATCH) return 1;
  const threadsPerWorker = backend.name === 'wasm' ? Math.max(1, backend.wasmThreads ?? 1) : 1;
  return Math.max(1, Math.min(MAX_TRAINING_WORKERS, batchSize, Math.floor(cores / threadsPerWorker)));
}

const SEARCH_BUSY = 'A predictor is training or a search is running; wait for it, or cancel it first';
export const TRAINING_ALREADY_RUNNING = 'A predictor is already training; wait for it, or cancel it first';

interface Held {
  predictor: Predictor;
  summary: PredictorSummary;
}

function encodeCells(opsCode: Float64Array, indices: readonly number[]): GraphEncoding[] {
  return indices.map((index) => eagleEncoding(codeToOps(opsCode[index])));
}

let distinctGraphs: GraphEncoding[] | undefined;

/**
 * What predict-all feeds the predictor: one encoding per distinct encoding group (8,687 for NB201),
 * and the group of every NB201 index, so each group is embedded exactly once.
 */
export function nb201PredictionInputs(opsCode: Float64Array): { graphs: GraphEncoding[]; groupOfIndex: Int32Array } {
  const { groupOf, representative } = distinctEncodings();
  const cells = allCells();
  distinctGraphs ??= Array.from(representative, (code) => eagleEncoding(cells[code]));
  const groupOfIndex = Int32Array.from(opsCode, (code) => groupOf[code]);
  return { graphs: distinctGraphs, groupOfIndex };
}

function slug(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'predictor'
  );
}

function summaryOf(id: string, predictor: Predictor, provenance: PredictorProvenance): PredictorSummary {
  return { id, provenance, kind: predictor.kind, features: predictor.features, normalisation: predictor.kind === 'regression' ? predictor.normalisation : null };
}

/** Returns the request handler. */
export function createComputeHandler(deps: ComputeHandlerDeps): (request: ComputeRequest) => Promise<void> {
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const now = deps.now ?? (() => Date.now());
  const held = new Map<string, Held>();
  let backend: Promise<BackendReport> | undefined;
  let opened: Promise<{ store: PredictorStore; notice?: string }> | undefined;
  // The one long job (training; a search shares it): pause, resume, cancel and step act on it.
  const jobs = new JobControl({ post: deps.post, busy: TRAINING_ALREADY_RUNNING, yieldToEvents: deps.yieldToEvents });
  let lastOpsCode: Float64Array | undefined;

  const ensureBackend = () => (backend ??= deps.chooseBackend());
  const runSearch = createSearchHandler({ post: deps.post, ensureBackend });
  const predictorStore = () => (opened ??= deps.openPredictorStore());

  const heldPredictor = (id: string): Held => {
    const entry = held.get(id);
    if (!entry) throw new Error(`Predictor ${String(id).slice(0, 60)} is not loaded in the worker (train, load or import it first)`);
    return entry;
  };

  const release = (id: string): boolean => {
    const entry = held.get(id);
    if (!entry) return false;
    entry.predictor.dispose();
    held.delete(id);
    return true;
  };

  const hold = (id: string, predictor: Predictor, provenance: PredictorProvenance): PredictorSummary => {
    release(id);
    const summary = summaryOf(id, predictor, provenance);
    held.set(id, { predictor, summary });
    return summary;
  };

  const trainingPeers = keptPeers(deps.spawnGradientHelper?.bind(deps), (report: BackendReport, batchSize) => autoTrainingWorkers(report, deps.cores ?? 1, batchSize));

  async function train(requestId: number, rawJob: TrainJob): Promise<void> {
    if (jobs.running) throw new Error(TRAINING_ALREADY_RUNNING);
    const { job, config, opsCode } = checkTrainJob(rawJob);
    // "paused" is answered once training actually holds (the step in flight has finished).
    const running = jobs.begin(requestId);
    const { signal, gate } = running;
    let helpersInUse: WorkerPeers | undefined;
    try {
      const report = await ensureBackend();
      // On WebGPU a lost device or a failed allocation throws nowhere: stop at the next step with its message.
      const device = report.name === 'webgpu' ? (deps.gpuDevice ?? tfjsGpuDevice)() : undefined;
      const watch = device ? new GpuFaultWatch(device) : null;
      const { workers, peers } = await trainingPeers(job.workers, report, config.batchSize);
      helpersInUse = peers;
      lastOpsCode = opsCode;
      const trainGraphs = encodeCells(opsCode, job.trainIndices);
      const trainTargets = Float64Array.from(job.trainIndices, (index) => job.values[index]);
      const started = performance.now();
      const elapsed = () => performance.now() - started - gate.pausedMs();
      const hooks: TrainingHooks = {
        signal,
        beforeStep: () => {
          watch?.throwIfFaulted();
          return running.beforeStep();
        },
        onEpoch: (record: EpochRecord) => {
          deps.post({
            type: 'epoch',
            requestId,
            epoch: record.epoch,
            epochs: config.epochs,
            trainLoss: record.trainLoss,
            valLoss: record.valLoss,
            ...(record.valMetrics ? { valMetrics: record.valMetrics } : {}),
            lr: record.lr,
            best: record.best,
            epochMs: record.ms,
            elapsedMs: elapsed(),
          });
        },
      };
      const predictor: Predictor =
        job.kind === 'regression'
          ? await trainRegressor({
              graphs: trainGraphs,
              targets: trainTargets,
              config,
              ...(job.valIndices.length > 0 ? { valGraphs: encodeCells(opsCode, job.valIndices), valTargets: Float64Array.from(job.valIndices, (index) => job.values[index]) } : {}),
              ...hooks,
              peers,
            })
          : await trainBrp({ graphs: trainGraphs, targets: trainTargets, config, ...hooks, peers });
      const wallMs = elapsed();
      const training = predictor.training!;
      let test: TrainResult['test'] = null;
      try {
        if (job.testIndices.length > 0) {
          const indices = Int32Array.from(job.testIndices);
          const truth = Float64Array.from(job.testIndices, (index) => job.values[index]);
          const testGraphs = encodeCells(opsCode, job.testIndices);
          if (predictor.kind === 'regression') {
            const predicted = await predictor.predictAsync(testGraphs);
            test = { kind: 'regression', indices, predicted, truth, metrics: regressionTestMetrics(predicted, truth) };
          } else {
            const scores = (await predictor.scoreBrpAsync(testGraphs)).r;
            test = { kind: 'brp', indices, scores, truth, metrics: rankingTestMetrics(scores, truth) };
          }
        }
      } catch (error) {
        predictor.dispose();
        throw error;
      }
      const provenance: PredictorProvenance = {
        space: 'nb201',
        name: job.name,
        kind: job.kind,
        target: { datasetId: job.target.datasetId, column: job.target.column, label: job.target.label, unit: job.target.unit },
        datasetVersion: job.target.datasetVersion,
        trainIndices: job.trainIndices,
        valIndices: job.valIndices,
        config,
        seed: config.seed,
        backend: report.name,
        workers,
        wallMs,
        epochsRun: training.epochsRun,
        bestEpoch: training.bestEpoch,
        createdAt: now(),
      };
      const predictorId = newId();
      const summary = hold(predictorId, predictor, provenance);
      const result: TrainResult = { wallMs, backend: report.name, workers, epochsRun: training.epochsRun, bestEpoch: training.bestEpoch, stoppedEarly: training.stoppedEarly, test };
      const transfer = test ? [test.indices.buffer, test.truth.buffer, (test.kind === 'regression' ? test.predicted : test.scores).buffer] : [];
      deps.post({ type: 'trained', requestId, predictorId, summary, result }, transfer);
    } catch (error) {
      if (signal.aborted) {
        deps.post({ type: 'cancelled', requestId });
        return;
      }
      throw error;
    } finally {
      running.end();
      // Frees the helpers' copy of the model; they stay started for the next run.
      await helpersInUse?.release().catch(() => undefined);
    }
  }

  async function predictAll(requestId: number, predictorId: string, opsCode: Float64Array | undefined): Promise<void> {
    if (opsCode !== undefined) lastOpsCode = checkOpsCode(opsCode, 'opsCode');
    if (!lastOpsCode) throw new Error("predict-all: send opsCode (the nb201 table's ops_code by index) with the first request");
    const { predictor } = heldPredictor(predictorId);
    const { graphs, groupOfIndex } = nb201PredictionInputs(lastOpsCode);
    // Asynchronous reads: tfjs-webgpu's dataSync is unreliable (model.ts inferPackedAsync).
    const perGroup = predictor.kind === 'regression' ? await predictor.predictAsync(graphs) : (await predictor.scoreBrpAsync(graphs)).r;
    const values = Float32Array.from(groupOfIndex, (group) => perGroup[group]);
    deps.post({ type: 'predictions', requestId, predictorId, kind: predictor.kind, values }, [values.buffer]);
  }

  async function exportText(id: string): Promise<{ text: string; name: string }> {
    const entry = held.get(id);
    if (entry) return { text: writePredictorFile(await entry.predictor.serializeAsync(), entry.summary.provenance), name: entry.summary.provenance.name };
    const stored = await (await predictorStore()).store.load(id);
    if (!stored) throw new Error(`There is no predictor ${String(id).slice(0, 60)} to export`);
    return { text: writePredictorFile(stored.predictor, stored.summary.provenance), name: stored.summary.provenance.name };
  }

  async function importText(text: string): Promise<PredictorSummary> {
    const content = readPredictorFile(text, 'predictor file');
    const predictor = restorePacked(content.predictor, 'predictor file');
    const id = newId();
    const summary = summaryOf(id, predictor, content.provenance);
    try {
      // The file's weights are already Float32Arrays and passed restorePacked's checks: store them as read.
      await (await predictorStore()).store.save({ summary, predictor: { ...content.predictor, normalisation: summary.normalisation } });
    } catch (error) {
      predictor.dispose();
      throw error;
    }
    return hold(id, predictor, content.provenance);
  }

  async function save(predictorId: string, name: string | undefined): Promise<PredictorSummary> {
    const entry = heldPredictor(predictorId);
    const provenance = name === undefined ? entry.summary.provenance : { ...entry.summary.provenance, name: checkName(name, 'save: name') };
    const summary = summaryOf(predictorId, entry.predictor, provenance);
    const packed: PackedPredictor = packPredictor(await entry.predictor.serializeAsync());
    await (await predictorStore()).store.save({ summary, predictor: packed });
    entry.summary = summary;
    return summary;
  }

  async function load(id: string): Promise<PredictorSummary> {
    const entry = held.get(id);
    if (entry) return entry.summary;
    const stored = await (await predictorStore()).store.load(id);
    if (!stored) throw new Error(`There is no saved predictor ${String(id).slice(0, 60)}`);
    const predictor = restorePacked(stored.predictor, `saved predictor "${stored.summary.provenance.name}"`);
    return hold(id, predictor, stored.summary.provenance);
  }

  /** Requests that create tensors: they wait for the backend even when `init` has not come yet. */
  const NEEDS_TFJS = new Set<ComputeRequest['type']>(['predict-all', 'load-predictor', 'import-predictor', 'export-predictor', 'save']);

  return async (request) => {
    const requestId = 'requestId' in request ? request.requestId : undefined;
    try {
      if (NEEDS_TFJS.has(request.type)) await ensureBackend();
      switch (request.type) {
        case 'init':
          // Only an override changes the backend; a plain init (a view opening mid-run) just reads it.
          if (jobs.running && request.override) throw new Error('The backend cannot change while a predictor is training');
          try {
            // Without an override, reuse a choice already under way (a request may have needed tfjs first).
            backend = request.override ? deps.chooseBackend(request.override) : ensureBackend();
            deps.post({ type: 'backend', report: await backend });
          } catch (error) {
            backend = undefined;
            throw error;
          }
          return;
        case 'train':
          await train(request.requestId, request.job);
          return;
        case 'search': {
          const job = jobs.begin(request.requestId, { busy: SEARCH_BUSY });
          try {
            await runSearch(request.requestId, request.job, { signal: job.signal, beforeStep: job.beforeStep, iterationDone: job.checkpointReached, elapsedMs: job.elapsedMs });
          } catch (error) {
            if (job.signal.aborted) {
              deps.post({ type: 'cancelled', requestId: request.requestId });
              return;
            }
            throw error;
          } finally {
            job.end();
          }
          return;
        }
        case 'pause':
        case 'resume':
        case 'cancel':
        case 'step':
          jobs.control(request); // ignored when that job finished meanwhile
          return;
        case 'predict-all':
          await predictAll(request.requestId, request.predictorId, request.opsCode);
          return;
        case 'save':
          deps.post({ type: 'saved', requestId: request.requestId, summary: await save(request.predictorId, request.name) });
          return;
        case 'list-predictors': {
          const { store, notice } = await predictorStore();
          const { summaries, problems } = await store.list();
          deps.post({ type: 'predictor-list', requestId: request.requestId, predictors: summaries, held: [...held.keys()], problems, ...(notice ? { notice } : {}) });
          return;
        }
        case 'load-predictor':
          deps.post({ type: 'loaded', requestId: request.requestId, summary: await load(request.id) });
          return;
        case 'delete-predictor': {
          const deleted = await (await predictorStore()).store.delete(request.id);
          const released = release(request.id);
          deps.post({ type: 'deleted', requestId: request.requestId, id: request.id, deleted: deleted || released });
          return;
        }
        case 'export-predictor': {
          const { text, name } = await exportText(request.id);
          deps.post({ type: 'exported', requestId: request.requestId, id: request.id, fileName: `${slug(name)}.brp-predictor.json`, text });
          return;
        }
        case 'import-predictor':
          deps.post({ type: 'imported', requestId: request.requestId, summary: await importText(request.text) });
          return;
        case 'release-predictor':
          deps.post({ type: 'released', requestId: request.requestId, predictorId: request.predictorId, released: release(request.predictorId) });
          return;
        default:
          throw new Error(`Unknown request ${JSON.stringify((request as { type?: unknown }).type)}`);
      }
    } catch (error) {
      deps.post({ type: 'error', ...(requestId === undefined ? {} : { requestId }), message: error instanceof Error ? error.message : String(error) });
    }
  };
}
