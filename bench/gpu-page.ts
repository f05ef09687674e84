/**
 * The page of `npm run bench:gpu` (built by vite.bench.config.ts, driven by bench/gpu.ts in
 * headless Chromium): which compute backends this browser offers, the WebGPU adapter, a parity
 * check of WebGPU against WASM, and per backend the GCN's training throughput, one thorough
 * latency-GCN run, predict-all and the profiler on the 20 reference cells. It runs the app's own
 * workers (compute, profiler) and the bench's speed worker. Exposes `window.benchGpu(options)`.
 *
 * A software adapter or renderer (SwiftShader) is never used for the timed work: its rows stay
 * null. The parity check runs on it (a correctness check of a few steps, as the e2e parity spec).
 */
import type { BackendName } from '../src/lib/compute/backend';
import { columnByIndex } from '../src/lib/datasets/by-index';
import type { Table } from '../src/lib/datasets/columns';
import type { StoredDataset } from '../src/lib/db/schema';
import { ingestBundled } from '../src/lib/db/ingest';
import { MemoryStore } from '../src/lib/db/memory-store';
import type { MeasurementBackend } from '../src/lib/latency/environment';
import { chooseReferenceSet, knownDevices, REFERENCE_DATASETS } from '../src/lib/latency/reference-set';
import type { PredictorConfig } from '../src/lib/predictor/config';
import { indicesWithValues, randomSplit } from '../src/lib/predictor/splits';
import { NB201_NUM_CELLS } from '../src/lib/spaces/nb201';
import type { TrainJob } from '../src/lib/workers/compute-messages';
import { PROFILER_EVENTS, type BackendAvailability, type ProfileSettings, type ProfilerEventType, type ProfilerRequest, type ProfilerResponse } from '../src/lib/workers/profiler-messages';
import { RpcClient } from '../src/lib/workers/rpc';
import { ComputeClient } from './page-client';
import type { SpeedRequest, SpeedResponse, SpeedResult } from './speed';

/** What the driver asks for (bench/gpu.ts sets the sizes from its env vars). */
export interface GpuBenchOptions {
  /** Regression config whose training steps are timed (4 × 600, the accuracy preset). */
  throughputConfig: PredictorConfig;
  /** Batch sizes tried per backend; the best graphs/s is kept. */
  batches: number[];
  steps: number;
  /** The thorough latency run: its config (epochs may be cut for a quick run) and LatBench device. */
  latencyConfig: PredictorConfig;
  latencyDevice: string;
  /** Parity: a regression trained on WebGPU and WASM with the same seed (on a real adapter). */
  parityConfig: PredictorConfig;
  /** The parity config on a software adapter, where a 4 × 600 predict-all takes many minutes. */
  parityConfigSoftware: PredictorConfig;
  parityTrain: number;
  profileSettings: ProfileSettings;
  /** Backends to run the timed work on, when offered on real hardware (WASM always runs). */
  backends: BackendName[];
}

export interface BackendRow {
  name: BackendName;
  /** Batch with the best training throughput, null when not measured. */
  batch: number | null;
  trainGraphsPerS: number | null;
  gflops: number | null;
  latencyGcnWallS: number | null;
  predictAllMs: number | null;
  profiler20CellsS: number | null;
  /** Why a row has nulls, or what it ran on. */
  note: string;
  /** Every batch tried (graphs/s), for the report. */
  tried: { batch: number; graphsPerS: number; gflops: number; workers: number }[];
}

export interface GpuBenchResult {
  offered: BackendAvailability[];
  adapter: { description: string; isFallbackAdapter: boolean } | null;
  parity: { backend: string; maxAbsLossDiff: number; maxRelPredictionDiff: number; steps: number } | null;
  parityNote: string;
  rows: BackendRow[];
  ingestMs: number;
}

async function loadTables(ids: string[]): Promise<{ tables: Record<string, Table>; datasets: StoredDataset[]; ms: number }> {
  const started = performance.now();
  const store = new MemoryStore();
  const report = await ingestBundled({ manifestUrl: new URL('datasets/manifest.json', location.href).href, fetch: fetch.bind(globalThis), store, onProgress: () => {}, only: ids });
  const tables: Record<string, Table> = {};
  for (const id of ids) {
    const result = report.datasets.find((d) => d.id === id);
    if (result?.status !== 'imported') throw new Error(`dataset ${id} did not load: ${result?.error ?? report.error ?? 'not in the manifest'}`);
    tables[id] = (await store.loadTable(id))!;
  }
  return { tables, datasets: await store.listDatasets(), ms: performance.now() - started };
}

async function benchGpu(options: GpuBenchOptions): Promise<GpuBenchResult> {
  const { tables, datasets, ms: ingestMs } = await loadTables(['nb201', 'latbench', 'help']);
  const opsCode = columnByIndex(tables.nb201, 'ops_code', NB201_NUM_CELLS);
  const connected = columnByIndex(tables.nb201, 'connected', NB201_NUM_CELLS);
  const latencyValues = columnByIndex(tables.latbench, options.latencyDevice, NB201_NUM_CELLS);
  const split = randomSplit(indicesWithValues(latencyValues), 900, 100, 0);
  const latencyJob = (config: PredictorConfig, trainIndices = split.train, testIndices = split.test): TrainJob => ({
    name: `bench:gpu ${options.latencyDevice}`,
    kind: 'regression',
    target: { datasetId: 'latbench', column: options.latencyDevice, label: options.latencyDevice, unit: 'ms', datasetVersion: tables.latbench.version },
    values: latencyValues,
    opsCode,
    trainIndices,
    valIndices: split.val,
    testIndices,
    config,
    workers: 1,
  });

  // The profiler tells what this browser offers, and which adapters and renderers are software.
  const profiler = new RpcClient<ProfilerRequest, ProfilerResponse, ProfilerEventType>(() => new Worker(new URL('../src/lib/workers/profiler.worker.ts', import.meta.url), { type: 'module' }), {
    name: 'profiler worker',
    events: PROFILER_EVENTS,
  });
  let profilerRequest = 1;
  const detected = await profiler.request({ type: 'detect', requestId: profilerRequest++ }, { expect: 'detected' });
  const offered = detected.backends;
  console.log(`offered: ${offered.map((b) => `${b.name} ${b.available ? 'yes' : 'no'} (${b.detail})`).join('; ')}`);

  // The compute worker's own backend report holds the adapter's facts.
  const probe = new ComputeClient();
  const report = await probe.init('wasm');
  const adapter = report.adapter
    ? { description: report.adapter.description || [report.adapter.vendor, report.adapter.architecture].filter(Boolean).join(' '), isFallbackAdapter: report.adapter.isFallbackAdapter }
    : null;
  probe.terminate();
  const webgpu = offered.find((b) => b.name === 'webgpu');

  // Parity: the same small regression on WebGPU (software or not) and WASM, losses and predictions compared.
  let parity: GpuBenchResult['parity'] = null;
  let parityNote = 'no WebGPU adapter: not run';
  if (webgpu?.available) {
    const parityConfig = adapter?.isFallbackAdapter === false ? options.parityConfig : options.parityConfigSoftware;
    const job = latencyJob(parityConfig, split.train.slice(0, options.parityTrain), []);
    const run = async (backend: BackendName) => {
      const client = new ComputeClient();
      try {
        const chosen = await client.init(backend);
        if (chosen.name !== backend) throw new Error(`${backend} did not initialise: ${chosen.attempts.map((a) => a.note).join('; ')}`);
        const losses: number[] = [];
        const trained = await client.request({ type: 'train', job }, { expect: 'trained', onEvent: (e) => e.type === 'epoch' && losses.push(e.trainLoss) });
        const { values } = await client.request({ type: 'predict-all', predictorId: trained.predictorId }, { expect: 'predictions' });
        return { losses, values };
      } finally {
        client.terminate();
      }
    };
    try {
      const gpu = await run('webgpu');
      const wasm = await run('wasm');
      let maxAbsLossDiff = 0;
      gpu.losses.forEach((loss, k) => (maxAbsLossDiff = Math.max(maxAbsLossDiff, Math.abs(loss - wasm.losses[k]))));
      let maxRelPredictionDiff = 0;
      gpu.values.forEach((v, i) => {
        if (Number.isFinite(wasm.values[i]) && wasm.values[i] !== 0) maxRelPredictionDiff = Math.max(maxRelPredictionDiff, Math.abs(v - wasm.values[i]) / Math.abs(wasm.values[i]));
      });
      const steps = parityConfig.epochs * Math.ceil(options.parityTrain / parityConfig.batchSize);
      parity = { backend: 'webgpu', maxAbsLossDiff, maxRelPredictionDiff, steps };
      parityNote = `${parityConfig.layers} × ${parityConfig.hidden} GCN on ${adapter?.isFallbackAdapter === false ? 'the adapter' : 'the software adapter'} '${adapter?.description ?? webgpu.detail}'`;
      console.log(`parity: max |Δloss| ${maxAbsLossDiff.toExponential(2)}, max relative prediction difference ${maxRelPredictionDiff.toExponential(2)} over ${steps} steps (${parityNote})`);
    } catch (error) {
      parityNote = `failed: ${(error as Error).message}`;
      console.error(`parity ${parityNote}`);
    }
  }

  const devices = knownDevices(datasets, tables).devices.filter((d) => (REFERENCE_DATASETS as readonly string[]).includes(d.datasetId));
  const reference = chooseReferenceSet({ opsCode, connected, devices });
  const cells = reference.cells.map((c) => ({ index: c.index, ops: c.ops }));

  const rows: BackendRow[] = [];
  for (const name of ['wasm', ...options.backends.filter((b) => b !== 'wasm')] as BackendName[]) {
    const availability = offered.find((b) => b.name === name);
    const empty: BackendRow = { name, batch: null, trainGraphsPerS: null, gflops: null, latencyGcnWallS: null, predictAllMs: null, profiler20CellsS: null, note: '', tried: [] };
    if (!availability?.available) {
      rows.push({ ...empty, note: `not offered: ${availability?.detail ?? 'unknown backend'}` });
      continue;
    }
    if (availability.software || (name === 'webgpu' && adapter?.isFallbackAdapter !== false)) {
      const what = name === 'webgpu' ? `adapter: ${adapter?.description || availability.detail}` : `renderer: ${availability.detail}`;
      rows.push({ ...empty, note: `not measured on a real GPU (only a software ${what})` });
      continue;
    }
    const row: BackendRow = { ...empty, note: availability.detail };
    try {
      // Throughput: one worker (a GPU is one device), each candidate batch; the best is kept.
      const speed = new RpcClient<SpeedRequest, SpeedResponse>(() => new Worker(new URL('./speed.worker.ts', import.meta.url), { type: 'module' }), { name: 'speed worker', events: new Set() });
      try {
        for (const batch of options.batches) {
          const result: SpeedResult = (
            await speed.request({ type: 'measure-speed', backend: name, config: { ...options.throughputConfig, batchSize: batch }, steps: options.steps, workers: 1 }, { expect: 'speed' })
          ).result;
          if (result.backend !== name) throw new Error(`the speed worker ran on ${result.backend}, not ${name}`);
          row.tried.push({ batch, graphsPerS: result.graphsPerS, gflops: result.gflops, workers: result.workers });
          console.log(`${name}: batch ${batch}: ${result.graphsPerS.toFixed(1)} graphs/s, ${result.gflops.toFixed(2)} GFLOP/s`);
        }
      } finally {
        speed.terminate();
      }
      const best = row.tried.reduce((a, b) => (b.graphsPerS > a.graphsPerS ? b : a));
      [row.batch, row.trainGraphsPerS, row.gflops] = [best.batch, best.graphsPerS, best.gflops];

      // One thorough latency-GCN run, then predict-all of its predictor (8,687 distinct graphs).
      const client = new ComputeClient();
      try {
        const chosen = await client.init(name);
        if (chosen.name !== name) throw new Error(`${name} did not initialise in the compute worker`);
        const trained = await client.request(
          { type: 'train', job: latencyJob(options.latencyConfig) },
          {
            expect: 'trained',
            onEvent: (e) => e.type === 'epoch' && console.log(`${name}: latency GCN epoch ${e.epoch + 1}/${e.epochs} ${(e.epochMs / 1000).toFixed(1)} s`),
          },
        );
        row.latencyGcnWallS = trained.result.wallMs / 1000;
        const times: number[] = [];
        for (let k = 0; k < 3; k++) {
          const started = performance.now();
          await client.request({ type: 'predict-all', predictorId: trained.predictorId }, { expect: 'predictions' });
          times.push(performance.now() - started);
        }
        row.predictAllMs = times.sort((a, b) => a - b)[1]; // median of 3, the first includes shader compilation
        console.log(`${name}: latency GCN ${row.latencyGcnWallS.toFixed(1)} s, predict-all ${row.predictAllMs.toFixed(0)} ms`);
      } finally {
        client.terminate();
      }

      // The profiler on the 20 reference cells.
      const started = performance.now();
      const profiled = await profiler.request(
        { type: 'profile', requestId: profilerRequest++, backends: [name as MeasurementBackend], cells, referenceCell: null, settings: options.profileSettings, hidden: false },
        { expect: 'profiled' },
      );
      if (profiled.cancelled) throw new Error('the profiler run was cancelled');
      row.profiler20CellsS = (performance.now() - started) / 1000;
      console.log(`${name}: profiler on ${cells.length} reference cells ${row.profiler20CellsS.toFixed(1)} s`);
    } catch (error) {
      row.note = `${row.note}; stopped: ${(error as Error).message}`;
      console.error(`${name}: ${(error as Error).message}`);
    }
    rows.push(row);
  }
  profiler.terminate();
  return { offered, adapter, parity, parityNote, rows, ingestMs };
}

declare global {
  interface Window {
    benchGpu: typeof benchGpu;
  }
}

window.benchGpu = benchGpu;
document.body.dataset.ready = '1';
