import { describe, expect, it, vi } from 'vitest';
import type { ColumnSpec, Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import { MemorySearchRunStore } from '../db/search-runs';
import { describeColumn } from '../db/store';
import { sampleCalibrated } from '../latency/calibrated-fixtures';
import { codeToOps, opsToArchStr } from '../spaces/nb201';
import type { ComputeResponse } from '../workers/compute-messages';
import type { SearchCheckpoint, SearchJob, SearchResult } from '../workers/search-messages';
import { SearchState, type SearchCompute, type SearchSource } from './search.svelte';

const ROWS = 40;

function table(id: string, columns: Record<string, (r: number) => number>): Table {
  const out: Record<string, Float64Array> = { index: Float64Array.from({ length: ROWS }, (_, r) => r) };
  for (const [name, f] of Object.entries(columns)) out[name] = Float64Array.from({ length: ROWS }, (_, r) => f(r));
  return { id, version: 'v1', rows: ROWS, columns: out };
}

function meta(t: Table, specs: ColumnSpec[]): StoredDataset {
  return {
    id: t.id,
    title: t.id,
    space: 'nb201',
    version: 'v1',
    sha256: '0'.repeat(64),
    rows: ROWS,
    caveats: [],
    source: 'test',
    importedAt: 0,
    origin: 'bundled',
    bytes: 0,
    columns: specs.map((spec) => describeColumn(spec, t.columns[spec.name])),
  };
}

/** Cell r: valid 50 + r %, test 50.5 + r %, latency 2 + r ms on the one table device. */
function tables() {
  const nb201 = table('nb201', { ops_code: (r) => r, c100_valid: (r) => 50 + r, c100_test: (r) => 50.5 + r, c100_flops: (r) => 10 + r, c10_test: (r) => 80 + r / 10, c10_flops: (r) => 10 + r });
  const latbench = table('latbench', { pixel: (r) => 2 + r });
  const datasets = [
    meta(nb201, [{ name: 'c100_valid', kind: 'accuracy', unit: '%', description: '' }]),
    meta(latbench, [{ name: 'pixel', kind: 'latency', unit: 'ms', description: '', device: { label: 'Pixel 3', family: 'phone' } }]),
  ];
  return { datasets, tables: { nb201, latbench } };
}

type Main = (job: SearchJob, emit: (event: ComputeResponse) => void, requestId: number) => Promise<ComputeResponse>;

class FakeCompute implements SearchCompute {
  searches: SearchJob[] = [];
  posted: { type: string; requestId: number }[] = [];
  crashed: Error | null = null;
  restart = vi.fn(() => void (this.crashed = null));
  #next = 1;
  constructor(public main: Main) {}

  newRequestId() {
    return this.#next++;
  }
  post(message: { type: 'pause' | 'resume' | 'cancel' | 'step'; requestId: number }) {
    this.posted.push(message);
  }
  async request(message: { type: 'search'; requestId: number; job: SearchJob }, options: { onEvent?(event: ComputeResponse): void } = {}): Promise<ComputeResponse> {
    this.searches.push(message.job);
    if (this.crashed) throw this.crashed;
    const { settings } = message.job;
    if (settings.method !== 'brp-nas') return { type: 'searched', requestId: message.requestId, result: result(Array.from({ length: settings.budget }, (_, q) => (q * 7) % ROWS)) };
    return this.main(message.job, (event) => options.onEvent?.(event), message.requestId);
  }
}

function result(queried: number[]): SearchResult {
  return {
    settings: { method: 'brp-nas', config: 'fast', dataset: 'cifar100', budget: queried.length, seed: 1, constraint: null, pareto: false },
    queried,
    trace: Int32Array.from(queried),
    scores: null,
    metrics: { testOfBestValid: 1, maxTest: 1, regretValid: 0, foundGlobalBest: false, queriesToGlobalBest: null, tracePositionOfGlobalBest: null, kendall: null },
    filter: null,
    hypervolume: null,
    iterations: [],
    wallMs: 1,
    backend: 'wasm',
  };
}

/** A search of 2 iterations × `per` cells; the second iteration can be made to crash the worker. */
function twoIterations(per: number, crashAt?: number): Main {
  return async (job, emit, requestId) => {
    const queried = job.resume ? [...job.resume.queried] : [];
    for (let it = job.resume?.iteration ?? 0; it < 2; it++) {
      emit({ type: 'search-progress', requestId, iteration: it, iterations: 2, phase: 'train', epoch: 3, epochs: 60, queried: queried.length, elapsedMs: 100, etaMs: 70_000 });
      if (it === crashAt) throw new Error('The compute worker stopped unexpectedly: out of memory. Start it again to go on.');
      const added = Array.from({ length: per }, (_, k) => ROWS - 1 - (it * per + k));
      queried.push(...added);
      const checkpoint: SearchCheckpoint = { settings: job.settings, iteration: it + 1, queried: [...queried], predictor: null, state: null, elapsedMs: 10 };
      emit({ type: 'search-iteration', requestId, record: { iteration: it, queried: added, rankingKendall: 0.1 * (it + 1), bestValid: 89, testOfBestValid: 89.5, ms: 5 }, checkpoint });
      await Promise.resolve();
    }
    return { type: 'searched', requestId, result: { ...result(queried), settings: job.settings, iterations: [] } };
  };
}

function setup(main: Main, hash = '#s.budget=10&s.seed=1') {
  const store = new MemorySearchRunStore();
  const compute = new FakeCompute(main);
  const refresh = vi.fn(async () => {});
  const source: SearchSource = { ...tables(), calibrated: { predictors: [], refresh }, compute };
  const state = new SearchState(source, hash, async () => ({ store }));
  return { state, store, compute, refresh, source };
}

describe('SearchState checks before anything runs', () => {
  it('refuses budget 0 with one message; nothing runs, a saved run stays', async () => {
    const { state, store, compute } = setup(twoIterations(2), '#s.budget=0');
    await store.save({ ...(await finishedRun()), id: 'kept' });
    await state.init();
    await state.start();
    expect(state.message).toBe('Budget: a whole number of queries from 1 to 15,625, got 0');
    expect(compute.searches).toEqual([]);
    expect(state.status).toBe('idle');
    expect(state.runs.map((r) => r.id)).toEqual(['kept']);
  });

  it('refuses a budget above the space, a limit below the fastest cell, a missing device', async () => {
    const { state, compute, refresh } = setup(twoIterations(2));
    state.set({ 's.budget': 15626 });
    await state.start();
    expect(state.message).toMatch(/^Budget: a whole number of queries from 1 to 15,625/);
    state.set({ 's.budget': 20, 's.device': 'latbench:pixel', 's.ms': '1.5' });
    await state.start();
    expect(state.message).toBe('The fastest cell takes 2 ms on Pixel 3; a limit of 1.5 ms admits none');
    state.set({ 's.device': 'calibrated:gone' });
    await state.start();
    expect(refresh).toHaveBeenCalled();
    expect(state.message).toMatch(/^The calibrated device no longer exists/);
    state.set({ 's.device': 'latbench:nope' });
    await state.start();
    expect(state.message).toMatch(/^Latency: the device latbench:nope has no latency source/);
    state.set({ 's.device': '', 's.pareto': 1, 's.ms': '' });
    await state.start();
    expect(state.message).toMatch(/^Latency: choose the device/);
    expect(compute.searches).toEqual([]);
  });

  it('builds the latency source: a table device for the worker to learn, a calibrated device as predictions', async () => {
    const { state, compute, source } = setup(twoIterations(2), '#s.budget=20&s.device=latbench%3Apixel&s.ms=10');
    await state.start();
    const job = compute.searches.at(-1)!;
    expect(job.settings.constraint).toEqual({ device: 'Pixel 3', ms: 10 });
    expect(job.latency?.predicted).toBeNull();
    expect(job.latency?.truth?.[5]).toBe(7);
    expect(job.latency?.predictor).toBe('Pixel 3');
    // The baselines filter by the true latency instead of training a latency GCN each.
    expect(compute.searches.slice(0, 3).map((j) => [j.settings.method, j.latency?.predicted?.[5]])).toEqual([
      ['random', 7],
      ['evolution', 7],
      ['local-search', 7],
    ]);

    const calibrated = sampleCalibrated('phone');
    (source.calibrated as { predictors: readonly unknown[] }).predictors = [calibrated];
    const fresh = new SearchState(source, `#s.budget=20&s.device=calibrated%3Aphone&s.ms=50`, async () => ({ store: new MemorySearchRunStore() }));
    await fresh.start();
    const calJob = compute.searches.at(-1)!;
    expect(calJob.latency?.truth).toBeNull();
    expect(calJob.latency?.predicted?.[1]).toBeCloseTo(calibrated.predictions[1], 6);
    expect(calJob.latency?.predictor).toMatch(/^calibrated: /);
    // The cells measured for the calibration (indices 3 and 7 of the fixture) are what its filter is checked against.
    const measured = calJob.latency!.measured!;
    expect([measured[3], measured[7]]).toEqual([1.5, 2.5]);
    expect(measured.filter(Number.isFinite)).toHaveLength(2);
  });
});

async function finishedRun() {
  const { state, store } = setup(twoIterations(2));
  await state.start();
  return (await store.list()).runs[0];
}

describe('SearchState runs', () => {
  it('runs the baselines, then the search; saves each iteration with its checkpoint and the result', async () => {
    const { state, store, compute } = setup(twoIterations(2));
    const saves = vi.spyOn(store, 'save');
    await state.init();
    await state.start();
    expect(compute.searches.map((j) => j.settings.method)).toEqual(['random', 'evolution', 'local-search', 'brp-nas']);
    expect(state.status).toBe('idle');
    expect(state.message).toBeNull();
    const [run] = (await store.list()).runs;
    expect(run.status).toBe('finished');
    expect(run.iterations.map((r) => r.queried)).toEqual([
      [39, 38],
      [37, 36],
    ]);
    expect(run.result?.queried).toEqual([39, 38, 37, 36]);
    expect(run.result?.iterations).toHaveLength(2);
    expect(Object.keys(run.baselines)).toEqual(['random', 'evolution', 'local-search']);
    // Random queried cells 0, 7, 14, …, 35, 2, 9, …: best-so-far test accuracy after each query (%).
    expect(run.baselines.random).toEqual([50.5, 57.5, 64.5, 71.5, 78.5, 85.5, 85.5, 85.5, 85.5, 85.5]);
    expect(await store.checkpoint(run.id)).toBeUndefined();
    expect(saves.mock.calls.filter(([, checkpoint]) => checkpoint).map(([, checkpoint]) => checkpoint!.iteration)).toEqual([1, 2]);
    expect(state.runs.map((r) => r.id)).toEqual([run.id]);
    expect(state.queried).toEqual([39, 38, 37, 36]);
    expect(state.curve).toEqual([89.5, 89.5, 89.5, 89.5]);

    const files = state.exportFiles(run)!;
    expect(files.csv.fileName).toBe('search-brp-nas-fast-cifar100-b10-s1.csv');
    expect(files.csv.text.split('\n')[1]).toBe(`1,39,${opsToArchStr(codeToOps(39))},yes,1,89,89.5,`);
    expect(JSON.parse(files.json.text).queried).toEqual([39, 38, 37, 36]);
  });

  it('shows progress with phase, epoch, queries and ETA', async () => {
    let seen = '';
    const { state } = setup(async (job, emit, requestId) => {
      emit({ type: 'search-progress', requestId, iteration: 1, iterations: 5, phase: 'train', epoch: 30, epochs: 60, queried: 40, elapsedMs: 1, etaMs: 70_000 });
      seen = (await import('../search/search-url')).progressText(state.progress!);
      return twoIterations(2)(job, emit, requestId);
    });
    await state.start();
    expect(seen).toBe('iteration 2 of 5 · training epoch 31/60 · 40 queried · ETA 1 min 10 s');
  });

  it('after a worker crash, shows the error and resumes from the last finished iteration', async () => {
    const { state, store, compute } = setup(twoIterations(2, 1));
    await state.start();
    const [failed] = (await store.list()).runs;
    expect(failed.status).toBe('failed');
    expect(state.message).toMatch(/stopped unexpectedly: out of memory.*after 1 of 5 iterations; Resume goes on from there/);
    expect((await store.checkpoint(failed.id))?.queried).toEqual([39, 38]);

    compute.crashed = new Error('stopped');
    compute.main = twoIterations(2);
    await state.resumeRun(failed.id);
    expect(compute.restart).toHaveBeenCalledTimes(1);
    const resumed = compute.searches.at(-1)!;
    expect(resumed.resume?.iteration).toBe(1);
    const [run] = (await store.list()).runs;
    expect(run.status).toBe('finished');
    expect(run.iterations.map((r) => r.queried)).toEqual([
      [39, 38],
      [37, 36],
    ]);
    expect(compute.searches.filter((j) => j.settings.method === 'random')).toHaveLength(1);
  });

  it('a GPU fault stops the run with one message, keeps its checkpoint, and the next run can take WASM', async () => {
    const lost = "Failed to execute 'mapAsync' on 'GPUBuffer': Device is lost";
    const { state, store, compute } = setup(async (job, emit, requestId) => {
      await twoIterations(2, 1)(job, emit, requestId).catch(() => undefined);
      throw new Error(lost);
    });
    const gpu = Object.assign(compute, { backend: { name: 'webgpu' }, start: vi.fn() });
    await state.start();
    const [failed] = (await store.list()).runs;
    expect(failed.status).toBe('failed');
    expect(state.gpuFault).toBe('device-lost');
    expect(state.message).toBe(`The GPU stopped (device lost): ${lost}. Already trained/saved work is kept. Run again on WASM? The run stopped after 1 of 5 iterations; Resume goes on from there.`);
    expect((await store.checkpoint(failed.id))?.queried).toEqual([39, 38]);
    state.useWasm();
    expect(gpu.start).toHaveBeenCalledWith('wasm');
    expect(state.gpuFault).toBeNull();
    // the same error on WASM is no GPU fault: its own message
    gpu.backend = { name: 'wasm' };
    await state.start();
    expect(state.gpuFault).toBeNull();
    expect(state.message).toMatch(/^Failed to execute 'mapAsync'/);
  });

  it('offers an interrupted run on start-up (a reload mid-run), with its settings', async () => {
    const first = setup(async (job, emit, requestId) => {
      const checkpoint: SearchCheckpoint = { settings: job.settings, iteration: 1, queried: [39, 38], predictor: null, state: null, elapsedMs: 1 };
      emit({ type: 'search-iteration', requestId, record: { iteration: 0, queried: [39, 38], rankingKendall: 0.2, bestValid: 89, testOfBestValid: 89.5, ms: 1 }, checkpoint });
      return new Promise(() => {}); // the tab goes away mid-run
    }, '#s.budget=10&s.seed=9');
    void first.state.start();
    await vi.waitFor(async () => expect((await first.store.list()).runs[0]?.iterations).toHaveLength(1));

    const later = new SearchState({ ...first.source, compute: new FakeCompute(twoIterations(2)) }, '', async () => ({ store: first.store }));
    await later.init();
    expect(later.resumable?.status).toBe('running');
    await later.resumeRun(later.resumable!.id);
    expect(later.settings['s.seed']).toBe(9);
    expect(later.hash).toBe('#s.budget=10&s.seed=9');
    const [run] = (await first.store.list()).runs;
    expect(run.status).toBe('finished');
    expect(run.iterations[0].queried).toEqual([39, 38]);
    expect(later.resumable).toBeNull();
  });

  it('step from idle starts a run that pauses after its first iteration; pause, play and cancel name the request', async () => {
    let release!: () => void;
    const { state, compute, store } = setup(async (job, emit, requestId) => {
      emit({ type: 'paused', requestId });
      await new Promise<void>((resolve) => (release = resolve));
      emit({ type: 'resumed', requestId });
      return { type: 'cancelled', requestId };
    });
    const running = state.start(true);
    await vi.waitFor(() => expect(state.status).toBe('paused'));
    expect(compute.posted.map((m) => m.type)).toEqual(['step']);
    state.resume();
    state.step();
    state.cancel();
    expect(compute.posted.map((m) => m.type)).toEqual(['step', 'resume', 'step', 'cancel']);
    expect(new Set(compute.posted.map((m) => m.requestId)).size).toBe(1);
    release();
    await running;
    expect(compute.searches).toHaveLength(4);
    expect(state.message).toMatch(/^Cancelled; the finished iterations are saved/);
    expect((await store.list()).runs[0].status).toBe('cancelled');
  });
});
