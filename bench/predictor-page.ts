/**
 * The page of `npm run bench:predictor` (built by vite.bench.config.ts, driven by bench/predictor.ts
 * in headless Chromium). It runs the app's own compute worker and dataset ingest, so what is timed
 * is what the Train view runs; step timings and throughput run in the bench's speed worker
 * (speed.ts) on the same backend. Exposes `window.benchPredictor(options)`.
 */
import type { BackendReport } from '../src/lib/compute/backend';
import { columnByIndex } from '../src/lib/datasets/by-index';
import type { PredictorConfig } from '../src/lib/predictor/config';
import { kendallTauB, precisionAtK } from '../src/lib/predictor/metrics';
import { indicesWithValues, randomSplit } from '../src/lib/predictor/splits';
import { NB201_NUM_CELLS } from '../src/lib/spaces/nb201';
import type { TrainJob } from '../src/lib/workers/compute-messages';
import { RpcClient } from '../src/lib/workers/rpc';
import { ComputeClient, loadTables } from './page-client';
import type { SpeedRequest, SpeedResponse, SpeedResult } from './speed';

/** What the driver asks for (see bench/predictor.ts for the defaults and env vars). */
export interface BenchOptions {
  backend?: 'webgpu' | 'wasm' | 'webgl' | 'cpu';
  latency: { devices: string[]; seeds: number[]; trainSize: number; valSize: number; config: PredictorConfig; configName: string };
  accuracy: { target: string; seeds: number[]; trainSize: number; predictors: ('regression' | 'brp')[]; regression: PredictorConfig; brp: PredictorConfig };
  throughput: { config: PredictorConfig; steps: number } | null;
  /** Also time single steps of these configs (e.g. the paper's batch-1 latency config) to extrapolate epochs. */
  stepTimings: { name: string; config: PredictorConfig; steps: number; workers?: number }[];
  /** Workers per training batch (TrainJob.workers); absent: the app's automatic choice. */
  workers?: number;
}

export interface LatencyRun {
  device: string;
  seed: number;
  trainSize: number;
  within: { eagle: Record<'1' | '5' | '10' | '20', number>; truth: Record<'1' | '5' | '10' | '20', number> };
  spearman: number;
  kendall: number;
  trainWallS: number;
  /** Extra detail for the markdown report (not in the JSON schema). */
  detail: { epochsRun: number; bestEpoch: number; stoppedEarly: boolean; epochMs: number[]; testCells: number; mae: number; workers: number };
}

export interface AccuracyRun {
  predictor: 'regression' | 'brp';
  target: string;
  trainSize: number;
  seed: number;
  kendall: number;
  precisionTop1pct: number;
  trainWallS: number;
  detail: { epochsRun: number; epochMs: number[]; cells: number; workers: number };
}

export interface BenchPageResult {
  backend: BackendReport;
  latency: LatencyRun[];
  accuracy: AccuracyRun[];
  /** Single worker, then (when the automatic choice is more) the app's data-parallel default. */
  throughput: SpeedResult[];
  stepTimings: { name: string; config: PredictorConfig; result: SpeedResult }[];
  ingestMs: number;
}

function band(record: Record<number, number>): Record<'1' | '5' | '10' | '20', number> {
  return { '1': record[1], '5': record[5], '10': record[10], '20': record[20] };
}

async function benchPredictor(options: BenchOptions): Promise<BenchPageResult> {
  const { tables, ms: ingestMs } = await loadTables(['nb201', 'latbench']);
  const client = new ComputeClient();
  const backend = await client.init(options.backend);
  console.log(`backend: ${backend.name} (${backend.reason})`);
  const opsCode = columnByIndex(tables.nb201, 'ops_code', NB201_NUM_CELLS);
  const version = (id: string) => tables[id].version;

  const train = async (job: TrainJob, label: string) => {
    const epochMs: number[] = [];
    const trained = await client.request(
      { type: 'train', job },
      {
        expect: 'trained',
        onEvent: (event) => {
          if (event.type !== 'epoch') return;
          epochMs.push(event.epochMs);
          console.log(
            `${label}: epoch ${event.epoch + 1}/${event.epochs} train ${event.trainLoss.toFixed(3)} val ${event.valLoss.toFixed(3)} lr ${event.lr.toExponential(2)} ${(event.epochMs / 1000).toFixed(1)} s`,
          );
        },
      },
    );
    return { trained, epochMs };
  };
  const release = (predictorId: string) => client.request({ type: 'release-predictor', predictorId }, { expect: 'released' });
  // The speed worker chooses the backend the compute worker was asked for (the app's choice when none).
  const speedWorker = new RpcClient<SpeedRequest, SpeedResponse>(() => new Worker(new URL('./speed.worker.ts', import.meta.url), { type: 'module' }), { name: 'speed worker', events: new Set() });
  const measureSpeed = async (config: PredictorConfig, steps: number, workers?: number) =>
    (await speedWorker.request({ type: 'measure-speed', backend: options.backend, config, steps, workers }, { expect: 'speed' })).result;

  const stepTimings: BenchPageResult['stepTimings'] = [];
  for (const timing of options.stepTimings) {
    const result = await measureSpeed(timing.config, timing.steps, timing.workers);
    console.log(`step timing ${timing.name}: ${result.stepMs.toFixed(1)} ms per step of ${result.batchSize} on ${result.workers} worker(s)`);
    stepTimings.push({ name: timing.name, config: timing.config, result });
  }

  const latency: LatencyRun[] = [];
  const { trainSize, valSize } = options.latency;
  for (const device of options.latency.devices) {
    const values = columnByIndex(tables.latbench, device, NB201_NUM_CELLS);
    for (const seed of options.latency.seeds) {
      // The Train view's split (predictor/splits.ts): same seed, same cells.
      const split = randomSplit(indicesWithValues(values), trainSize, valSize, seed);
      const job: TrainJob = {
        name: `${device} seed ${seed}`,
        kind: 'regression',
        target: { datasetId: 'latbench', column: device, label: device, unit: 'ms', datasetVersion: version('latbench') },
        values,
        opsCode,
        trainIndices: split.train,
        valIndices: split.val,
        testIndices: split.test,
        config: { ...options.latency.config, seed },
        workers: options.workers,
      };
      const { trained, epochMs } = await train(job, `latency ${device} seed ${seed}`);
      const test = trained.result.test;
      if (test?.kind !== 'regression') throw new Error('the latency run returned no regression test metrics');
      latency.push({
        device,
        seed,
        trainSize,
        within: { eagle: band(test.metrics.within.eagle), truth: band(test.metrics.within.truth) },
        spearman: test.metrics.spearman,
        kendall: test.metrics.kendall,
        trainWallS: trained.result.wallMs / 1000,
        detail: {
          epochsRun: trained.result.epochsRun,
          bestEpoch: trained.result.bestEpoch,
          stoppedEarly: trained.result.stoppedEarly,
          epochMs,
          testCells: test.indices.length,
          mae: test.metrics.mae,
          workers: trained.result.workers,
        },
      });
      await release(trained.predictorId);
    }
  }

  const accuracy: AccuracyRun[] = [];
  const [datasetId, column] = options.accuracy.target.split(':');
  const truth = columnByIndex(tables[datasetId], column, NB201_NUM_CELLS);
  for (const seed of options.accuracy.seeds) {
    const split = randomSplit(indicesWithValues(truth), options.accuracy.trainSize, 0, seed);
    for (const kind of options.accuracy.predictors) {
      const job: TrainJob = {
        name: `${kind} ${options.accuracy.target} seed ${seed}`,
        kind,
        target: { datasetId, column, label: column, unit: '%', datasetVersion: version(datasetId) },
        values: truth,
        opsCode,
        // Both predictors see the same 100 queried models and validate on them (eagle's --iter).
        trainIndices: split.train,
        valIndices: [],
        testIndices: [],
        config: { ...(kind === 'brp' ? options.accuracy.brp : options.accuracy.regression), seed },
        workers: options.workers,
      };
      const { trained, epochMs } = await train(job, `accuracy ${kind} seed ${seed}`);
      const { values: predicted } = await client.request({ type: 'predict-all', predictorId: trained.predictorId }, { expect: 'predictions' });
      const cells = Array.from({ length: NB201_NUM_CELLS }, (_, i) => i).filter((i) => Number.isFinite(truth[i]));
      const p = Float64Array.from(cells, (i) => predicted[i]);
      const t = Float64Array.from(cells, (i) => truth[i]);
      accuracy.push({
        predictor: kind,
        target: options.accuracy.target,
        trainSize: options.accuracy.trainSize,
        seed,
        kendall: kendallTauB(p, t),
        precisionTop1pct: precisionAtK(p, t, Math.max(1, Math.round(cells.length / 100)), true),
        trainWallS: trained.result.wallMs / 1000,
        detail: { epochsRun: trained.result.epochsRun, epochMs, cells: cells.length, workers: trained.result.workers },
      });
      await release(trained.predictorId);
    }
  }

  const throughput: SpeedResult[] = [];
  if (options.throughput) {
    const speed = (workers?: number) => measureSpeed(options.throughput!.config, options.throughput!.steps, workers);
    throughput.push(await speed(1));
    const parallel = await speed(options.workers);
    if (parallel.workers > 1) throughput.push(parallel);
  }
  speedWorker.terminate();
  return { backend, latency, accuracy, throughput, stepTimings, ingestMs };
}

declare global {
  interface Window {
    benchPredictor: typeof benchPredictor;
  }
}

window.benchPredictor = benchPredictor;
document.body.dataset.ready = '1';
