import { describe, expect, it, vi } from 'vitest';
import type { Table } from '../datasets/columns';
import { MemoryMeasurementStore, type RunRecord, type StoredMeasurement } from '../db/measurements';
import type { DatasetColumnInfo, StoredDataset } from '../db/schema';
import { deviceProfile, type MeasurementBackend, type MeasurementEnvironment } from '../latency/environment';
import type { DeviceColumn } from '../latency/reference-set';
import { codeToOps, digitsToOps, isConnected, NB201_NUM_CELLS, opsToArchStr, opsToCode, opsToDigits, type OpVector } from '../spaces/nb201';
import { createProfilerHandler } from '../workers/profiler-handler';
import type { ProfilerRequest, ProfilerResponse } from '../workers/profiler-messages';
import { CALIBRATED_FILE_FORMAT, parseCalibratedFile } from '../latency/calibrated-predictor';
import { cellFeatures, type BasisDevice, type CellFeatures } from '../latency/calibration';
import {
  backendComparison, calibratedFileName, calibrationReport, cellRows, driftSummary, estimateMs, flopsVsLatency, formatDuration, heldOutCells, latestPerCell,
  medianRatios, profiledMflops, ProfileState, randomCells, rankCorrelations, repeatability, shortArch, sortRows, type ProfilerPort,
} from './profile.svelte';

const N = NB201_NUM_CELLS;

function environment(backend: MeasurementBackend, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0'): MeasurementEnvironment {
  return {
    userAgent, backend, tfjsVersion: '4.22.0', adapterVendor: '', adapterArchitecture: '', adapterDescription: '', powerPreference: '',
    timestampQuery: null, crossOriginIsolated: true, timerResolutionMs: 0.1, visibility: 'visible', hardwareConcurrency: 4, measuredAt: '2026-01-01T00:00:00.000Z',
  };
}

let nextId = 1;
function stored(digits: string, medianMs: number, backend: MeasurementBackend = 'wasm', extra: Partial<StoredMeasurement> = {}): StoredMeasurement {
  const ops = digitsToOps(digits);
  const env = environment(backend);
  const id = nextId++;
  return {
    // Each entry its own run unless told: repeatability counts one measurement per run.
    id, profileId: deviceProfile(env).id, archIndex: opsToCode(ops), runId: `r${id}`, source: 'measured', archStr: opsToArchStr(ops), ops, backend,
    medianMs, iqrMs: 0.1, samples: [medianMs, medianMs, medianMs], k: 2, coldMs: 10, warmupRuns: 5, warmupStable: true, discardedHidden: 0, environment: env, ...extra,
  };
}

describe('pure helpers', () => {
  it('writes the short arch form node by node', () => {
    expect(shortArch(digitsToOps('301214'))).toBe('c3 | · s | c1 s p');
  });

  it('keeps the latest measurement of each cell, and sorts rows with missing values last', () => {
    const a1 = stored('333333', 5), b = stored('111111', 1, 'wasm', { coldMs: null }), a2 = stored('333333', 6);
    expect(latestPerCell([a2, b, a1]).map((e) => e.medianMs)).toEqual([6, 1]);
    const rows = cellRows([a1, b, a2, stored('222222', 3)]);
    expect(sortRows(rows, 'medianMs', false).map((r) => r.medianMs)).toEqual([1, 3, 6]);
    expect(sortRows(rows, 'medianMs', true).map((r) => r.medianMs)).toEqual([6, 3, 1]);
    expect(sortRows(rows, 'coldMs', true).map((r) => r.coldMs)).toEqual([10, 10, null]);
    expect(sortRows(rows, 'coldMs', false).map((r) => r.coldMs)).toEqual([10, 10, null]);
    expect(sortRows(rows, 'short', false).map((r) => r.short)).toEqual(['c1 | c1 c1 | c1 c1 c1', 'c3 | c3 c3 | c3 c3 c3', 's | s s | s s s']);
  });

  it("counts the FLOPs of the network it times, equal to the dataset's for a cell without dead branches", () => {
    expect(profiledMflops(digitsToOps('333333'))).toBeCloseTo(220.11969, 4); // nb201 c10_flops of index 1462
    const { points, spearman } = flopsVsLatency([stored('333333', 9), stored('222222', 4), stored('111111', 1), stored('000200', 2)]);
    expect(points).toHaveLength(4);
    expect(spearman).toBe(1);
    expect(flopsVsLatency([stored('333333', 9), stored('222222', 4)]).spearman).toBeNull(); // too few cells
  });

  it('correlates each profile with each known device on the shared cells, best first, unknown last', () => {
    const cells = ['333333', '222222', '111111', '444444', '000100', '301214'];
    const entries = cells.map((d, k) => stored(d, k + 1));
    const device = (column: string, f: (k: number) => number, only = cells.length): DeviceColumn => {
      const values = new Float64Array(N).fill(Number.NaN);
      cells.slice(0, only).forEach((d, k) => (values[opsToCode(digitsToOps(d))] = f(k)));
      return { datasetId: 'latbench', datasetTitle: 'LatBench', column, label: column, family: 'x', values };
    };
    const rows = rankCorrelations([{ entries }, { entries: entries.slice(0, 3) }], [
      device('reversed', (k) => 10 - k), device('sparse', (k) => k, 4), device('same', (k) => 2 * k + 1),
    ]);
    expect(rows.map((r) => r.device.column)).toEqual(['same', 'reversed', 'sparse']);
    expect(rows[0].rho[0]).toBeCloseTo(1, 12);
    expect(rows[1].rho[0]).toBeCloseTo(-1, 12);
    expect(rows[2].rho).toEqual([null, null]); // 4 and 3 shared cells: below the 5 needed
    expect(rows[0].n).toEqual([6, 3]);
    expect(rows[0].rho[1]).toBeNull();
  });

  it('puts the same cells side by side per backend with ratios to the first', () => {
    const wasm = [stored('333333', 8), stored('222222', 4), stored('111111', 1)];
    const webgl = [stored('333333', 4, 'webgl'), stored('222222', 2, 'webgl'), stored('444444', 3, 'webgl')];
    const rows = backendComparison([{ entries: wasm }, { entries: webgl }]);
    expect(rows.map((r) => [r.short, r.ms, r.ratio])).toEqual([
      ['s | s s | s s s', [1, null], [1, null]],
      ['c1 | c1 c1 | c1 c1 c1', [4, 2], [1, 0.5]],
      ['c3 | c3 c3 | c3 c3 c3', [8, 4], [1, 0.5]],
      ['p | p p | p p p', [null, 3], [null, null]],
    ]);
    expect(medianRatios(rows, 2)).toEqual([1, 0.5]);
  });

  it('measures repeatability on the cells measured in two runs', () => {
    const first = ['333333', '222222', '111111', '444444'].map((d, k) => stored(d, k + 1, 'wasm', { runId: 'run1' }));
    const second = ['333333', '222222', '111111', '444444'].map((d, k) => stored(d, k + 1.5, 'wasm', { runId: 'run2' }));
    expect(repeatability([...first, ...second])).toEqual({ cells: 4, spearman: 1 });
    expect(repeatability(first)).toEqual({ cells: 0, spearman: null });
    // A revised result of the same run (re-measured after a slow phase) replaces that run's first one.
    const revised = stored('444444', 0.5, 'wasm', { runId: 'run2' });
    expect(repeatability([...first, ...second, revised])).toEqual({ cells: 4, spearman: -0.2 }); // 4 vs 0.5, not 4.5 vs 0.5
    expect(repeatability([...second, revised])).toEqual({ cells: 0, spearman: null });
  });

  it("summarises the reference cell's drift robustly: spread from the IQR, trend from the first and last thirds", () => {
    expect(driftSummary([5, 5])).toBeNull();
    const steady = driftSummary([25, 5, 5, 5, 5, 5, 5, 5, 5]); // one slow outlier at the start
    expect(steady).toEqual({ medianMs: 5, spreadPct: 0, trendPct: 0 });
    const throttling = driftSummary([4, 4, 4, 5, 5, 5, 6, 6, 6])!;
    expect(throttling.trendPct).toBeCloseTo(50, 9);
    expect(throttling.spreadPct).toBeCloseTo(20, 9); // IQR 4..6 → ±1 ms on a 5 ms median
  });

  it('draws the same random connected cells for the same seed', () => {
    const connected = [...Array(N).keys()].filter((i) => isConnected(codeToOps(i)));
    const a = randomCells(7, 50, connected);
    expect(randomCells(7, 50, connected)).toEqual(a);
    expect(randomCells(8, 50, connected)).not.toEqual(a);
    expect(new Set(a).size).toBe(50);
    expect(a.every((i) => connected.includes(i))).toBe(true);
    expect(() => randomCells(1, 0, connected)).toThrow('choose between 1 and 15284 random cells, got 0');
  });

  it('draws held-out cells outside the reference set, the same for the same seed', () => {
    const connected = [...Array(N).keys()].filter((i) => isConnected(codeToOps(i)));
    const reference = connected.slice(0, 200);
    const a = heldOutCells(3, 30, connected, reference);
    expect(heldOutCells(3, 30, connected, reference)).toEqual(a);
    expect(new Set(a).size).toBe(30);
    expect(a.some((i) => reference.includes(i))).toBe(false);
    expect(a.every((i) => connected.includes(i))).toBe(true);
    expect(() => heldOutCells(3, 15_100, connected, reference)).toThrow('choose between 1 and 15084 random cells, got 15100');
  });

  it('names an exported calibrated predictor after it', () => {
    expect(calibratedFileName('wasm · Chrome 126 on X11 calibrated', 'id-1')).toBe('brp-nas-calibrated-wasm-chrome-126-on-x11-calibrated.json');
    expect(calibratedFileName('···', 'id-1')).toBe('brp-nas-calibrated-id-1.json');
  });

  it('formats durations and estimates a run from earlier ones', () => {
    expect([formatDuration(400), formatDuration(12_300), formatDuration(65_000), formatDuration(Number.NaN)]).toEqual(['< 1 s', '12 s', '1 min 05 s', '—']);
    const run = (backend: MeasurementBackend, elapsedMs: number, measured: number): RunRecord => ({
      runId: `${backend}${elapsedMs}`, profileId: 'p', backend, thread: 'worker', wasmThreads: null, set: 'random', startedAt: 0, requested: measured, measured, elapsedMs,
      leakedTensors: 0, cancelled: false, error: null, reference: null, settings: { minSamples: 15, warmupMinRuns: 5, warmupMaxMs: 2000 },
    });
    expect(estimateMs(20, ['wasm'], [run('wasm', 10_000, 20)])).toEqual({ ms: 10_000, fromHistory: true });
    expect(estimateMs(20, ['wasm', 'cpu'], [run('wasm', 10_000, 20)])).toEqual({ ms: 10_000 + 20 * 4000, fromHistory: false });
  });
});

/* ------------------------------------------------------------------ calibration of a profile */

describe('calibrationReport', () => {
  const connected = [...Array(N).keys()].filter((i) => isConnected(codeToOps(i)));
  let features: CellFeatures | null = null;
  const lazyFeatures = vi.fn(() => (features ??= cellFeatures(Float64Array.from({ length: N }, (_, i) => i), Float64Array.from({ length: N }, (_, i) => (isConnected(codeToOps(i)) ? 1 : 0)))));
  const values = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => (isConnected(codeToOps(i)) ? f(i) : Number.NaN));
  // "Phone" grows with FLOPs; "Pools" is slow on pooling cells, whatever their FLOPs.
  const phone = values((i) => 2 + 0.05 * profiledMflops(codeToOps(i)));
  const devices: BasisDevice[] = [
    { key: 'latbench:phone', label: 'Phone', values: phone },
    { key: 'latbench:pools', label: 'Pools', values: values((i) => 1 + codeToOps(i).filter((op) => op === 2).length) },
  ];
  /** The measured device: 3× the phone, so a calibration can match it exactly. */
  const deviceMs = (index: number) => 3 * phone[index];
  const reference = connected.filter((_, k) => k % 700 === 0).slice(0, 20);
  const heldOut = connected.filter((_, k) => k % 700 === 350).slice(0, 8);
  const measured = (index: number, ms = deviceMs(index)) => stored(opsToDigits(codeToOps(index)), ms);

  it('gives the reason, without building the features, below 5 measured reference cells', () => {
    lazyFeatures.mockClear();
    const entries = [...reference.slice(0, 4), ...heldOut].map((i) => measured(i));
    expect(calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries }))
      .toBe('A calibration needs at least 5 measured reference cells; this profile has 4 of the 20. Press "Calibrate this device" (or "Measure reference set").');
    expect(lazyFeatures).not.toHaveBeenCalled();
  });

  it("passes the reference cells' spread on, so noisy ones make the calibration fall back and say so", () => {
    const noisy = (i: number) => stored(opsToDigits(codeToOps(i)), deviceMs(i), 'wasm', { iqrMs: 0.3 * deviceMs(i) });
    const report = calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries: reference.map(noisy) });
    if (typeof report === 'string') throw new Error(report);
    expect(report.reference[0].iqrMs).toBeCloseTo(0.3 * deviceMs(reference[0]), 9);
    expect(report.calibration.noise).toMatchObject({ noisy: true, threshold: 0.1 });
    expect(report.calibration.noise.medianRelIqr).toBeCloseTo(0.3, 9);
    const calm = calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries: reference.map((i) => measured(i)) });
    if (typeof calm === 'string') throw new Error(calm);
    expect(calm.calibration.noise.noisy).toBe(false);
  });

  it('fits on the latest reference measurements and scores the method and the baselines on every other measured cell', () => {
    const stale = measured(heldOut[0], 1000); // an earlier, wrong measurement of a held-out cell: the later one counts
    const entries = [stale, ...reference.map((i) => measured(i)), ...heldOut.map((i) => measured(i))];
    // A second pass over the held-out cells, 1-3 % apart: repeatable within ±10 %.
    entries.push(...heldOut.map((i, k) => measured(i, deviceMs(i) * (1.01 + 0.0025 * k))));
    const report = calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries });
    if (typeof report === 'string') throw new Error(report);
    expect(report.reference.map((c) => c.index)).toEqual(reference);
    expect(report.heldOut.map((c) => c.index).sort((a, b) => a - b)).toEqual([...heldOut].sort((a, b) => a - b));
    expect(report.heldOut.every((c) => Math.abs(c.ms / deviceMs(c.index) - 1) < 0.03)).toBe(true);
    expect(report.scores.calibrated.cells).toBe(8);
    expect(report.scores.calibrated.spearman).toBeGreaterThan(0.97);
    expect(report.scores.calibrated.within10).toBe(1);
    expect(report.scores.nearest.device).toBe('Phone');
    expect(report.scores.flops.cells).toBe(8);
    expect(report.repeatability).toEqual({ cells: 8, spearman: expect.any(Number), within10: 1 });
    expect(report.repeatability.spearman!).toBeGreaterThan(0.95);
    expect(report.points).toHaveLength(28);
    expect(report.points.filter((p) => p.kind === 'reference').map((p) => p.index)).toEqual(reference);
    expect(report.points.every((p) => p.predictedMs > 0 && p.archStr.startsWith('|'))).toBe(true);
    expect(report.calibration.candidates.map((c) => c.method).sort()).toEqual(['basis', 'basis+ops', 'flops', 'nearest', 'ops']);
  });

  it('explains a calibration that cannot be made', () => {
    const entries = reference.map((i) => measured(i));
    const sparse: BasisDevice[] = [{ key: 'x:y', label: 'Half', values: phone.map((v, i) => (i % 2 ? v : Number.NaN)) }];
    const report = calibrationReport({ devices: sparse, features: lazyFeatures, referenceIndices: reference, entries });
    expect(report).toBe('No calibration: calibration needs at least one known device measured on every connected cell (load LatBench, HELP or HW-NAS-Bench).');
  });
});

/* ------------------------------------------------------------------ the state, driven by the real handler */

/** µs per inference of a cell on the fake device: grows with its FLOPs; webgl is twice as slow. */
const fakeLatencyUs = (ops: OpVector, backend: string) => (100 + 10 * profiledMflops(ops)) * (backend === 'webgl' ? 2 : 1);

/** A port that runs the real profiler handler with a fake runner and clock, answering asynchronously like a worker. */
function fakePort(log: ProfilerRequest[], cancelAfterResults?: number) {
  return async (): Promise<ProfilerPort> => {
    let us = 0;
    let active: MeasurementBackend = 'cpu';
    let live = 3;
    let results = 0;
    let runs = 0;
    let handle: (request: ProfilerRequest) => Promise<void>;
    const port: ProfilerPort = {
      postMessage: (request) => {
        log.push(request);
        void handle(structuredClone(request));
      },
      onmessage: null,
      onerror: null,
      onmessageerror: null,
      terminate: () => {},
    };
    const deliver = (message: ProfilerResponse) => setTimeout(() => port.onmessage?.({ data: structuredClone(message) } as MessageEvent<ProfilerResponse>));
    handle = createProfilerHandler<{ digits: string }>({
      post: (message) => {
        if (message.type === 'result' && ++results === cancelAfterResults) void handle({ type: 'cancel', requestId: message.requestId });
        deliver(message);
      },
      detectBackends: async () => [
        { name: 'webgpu', available: false, detail: 'navigator.gpu is missing' },
        { name: 'webgl', available: true, detail: 'ANGLE' },
        { name: 'wasm', available: true, threads: 4, detail: '4 threads' },
        { name: 'cpu', available: true, detail: 'plain JavaScript (slow)' },
      ],
      chooseDefault: async () => ((active = 'wasm'), { name: 'wasm', reason: 'WASM with SIMD and threads' }),
      useBackend: async (name) => void (active = name),
      runner: {
        get backend() {
          return active;
        },
        build: async (ops) => ((live += 2), { digits: opsToDigits(ops) }),
        run: async (model, k) => void (us += k * fakeLatencyUs(digitsToOps(model.digits), active)),
        dispose: () => void (live -= 2),
        numTensors: () => live,
      },
      // Every run starts at its own time, as in a browser.
      environment: async ({ backend }) => ({ ...environment(backend), measuredAt: new Date(Date.UTC(2026, 0, 1) + ++runs * 1000).toISOString() }),
      now: () => Math.floor(us / 100) / 10,
      sleep: async (ms) => {
        us += ms * 1000;
        await new Promise((resolve) => setImmediate(resolve));
      },
      timerResolutionMs: () => 0.1,
      crossOriginIsolated: true,
    });
    return port;
  };
}

/** Synthetic tables: nb201 (index = op code), one LatBench device that follows FLOPs and one reversed. */
function source() {
  const column = (name: string, kind: DatasetColumnInfo['kind'], extra: Partial<DatasetColumnInfo> = {}): DatasetColumnInfo =>
    ({ name, kind, unit: kind === 'latency' ? 'ms' : '', description: name, nMissing: 0, min: 0, max: 1, ...extra });
  const dataset = (id: string, columns: DatasetColumnInfo[]): StoredDataset =>
    ({ id, title: id === 'latbench' ? 'LatBench' : id, space: 'nb201', version: 'v', sha256: 's', rows: N, columns, caveats: [], source: '', importedAt: 0, origin: 'bundled', bytes: 0 });
  const range = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => f(i));
  const cellMs = (i: number) => (isConnected(codeToOps(i)) ? fakeLatencyUs(codeToOps(i), 'wasm') / 1000 : Number.NaN);
  const tables: Record<string, Table> = {
    nb201: { id: 'nb201', version: 'v', rows: N, columns: { index: range((i) => i), ops_code: range((i) => i), connected: range((i) => (isConnected(codeToOps(i)) ? 1 : 0)) } },
    latbench: { id: 'latbench', version: 'v', rows: N, columns: { index: range((i) => i), cpu: range(cellMs), slow: range((i) => 100 - cellMs(i)) } },
  };
  const datasets = [
    dataset('nb201', [column('index', 'key'), column('ops_code', 'key'), column('connected', 'flag')]),
    dataset('latbench', [column('index', 'key'), column('cpu', 'latency', { device: { label: 'Desktop CPU', family: 'desktop CPU' } }), column('slow', 'latency', { device: { label: 'Backwards', family: 'x' } })]),
  ];
  return { datasets, tables };
}

async function started(log: ProfilerRequest[] = [], cancelAfterResults?: number, store = new MemoryMeasurementStore()) {
  let id = 0;
  /** Calls of `onCalibratedChange`: each save, import or delete that changed the store. */
  const calibratedChanges = { count: 0 };
  const state = new ProfileState(source(), {
    openStore: async () => ({ store }), createPort: fakePort(log, cancelAfterResults), newId: () => `id-${++id}`,
    userAgent: environment('wasm').userAgent, onCalibratedChange: () => calibratedChanges.count++,
  });
  await state.start();
  await vi.waitFor(() => expect(state.detecting).toBe(false));
  state.settings = { minSamples: 3, warmupMinRuns: 2, warmupMaxMs: 20, minSampleMs: 0 };
  return { state, store, log, calibratedChanges };
}

async function finished(state: ProfileState) {
  await vi.waitFor(() => expect(state.run).toBeNull(), { timeout: 10_000 });
  await state.settled();
}

describe('ProfileState', () => {
  it('detects the backends and selects the default choice', async () => {
    const { state } = await started();
    expect(state.backends.map((b) => [b.name, b.available])).toEqual([['webgpu', false], ['webgl', true], ['wasm', true], ['cpu', true]]);
    expect(state.defaultBackend).toBe('wasm');
    expect(state.selected).toEqual(['wasm']);
    expect(state.timerResolutionMs).toBe(0.1);
    state.toggleBackend('cpu', true);
    state.toggleBackend('webgl', true);
    expect(state.selected).toEqual(['webgl', 'wasm', 'cpu']); // the offered order
    expect(state.plan('reference')).toEqual({ cells: 20, ms: 20 * (1000 + 1000 + 4000), fromHistory: false });
  });

  it('measures the reference set, stores every cell under its device profile, and derives the views', async () => {
    const { state, store, log } = await started();
    const reference = state.referenceSet;
    if (!reference || typeof reference === 'string') throw new Error(`no reference set: ${reference}`);
    await state.measure('reference');
    await finished(state);
    expect(state.error).toBeNull();
    const request = log.find((r) => r.type === 'profile')!;
    expect(request.type === 'profile' && request.cells.map((c) => c.index)).toEqual(reference.cells.map((c) => c.index));
    const profileId = deviceProfile(environment('wasm')).id;
    expect(state.activeProfileId).toBe(profileId);
    expect(state.profiles.map((p) => [p.id, p.cells])).toEqual([[profileId, 20]]);
    expect((await store.measurements(profileId)).entries).toHaveLength(20);
    expect(state.rows).toHaveLength(20);
    expect(state.rows.map((r) => r.medianMs)).toEqual([...state.rows.map((r) => r.medianMs)].sort((a, b) => a - b));
    expect(state.flops.spearman).toBeGreaterThan(0.99); // the 100 µs timer grain may swap near-equal cells
    // The LatBench device follows FLOPs like this fake device; "Backwards" is reversed.
    expect(state.heatmap.map((r) => [r.device.label, r.rho[0] === null ? null : Math.round(r.rho[0] * 100) / 100])).toEqual([['Desktop CPU', 1], ['Backwards', -1]]);
    const [run] = state.runs;
    expect(run).toMatchObject({ profileId, backend: 'wasm', thread: 'worker', set: 'reference', requested: 20, measured: 20, leakedTensors: 0, cancelled: false, error: null });
    expect(run.reference?.archStr).toBe(reference.cells[10].archStr);
    expect(state.lastRuns).toEqual([run]);
  });

  it('compares backends on the same random cells, and measures again reproducibly', async () => {
    const { state, log } = await started();
    state.toggleBackend('webgl', true);
    state.randomCount = 6;
    state.seed = 42;
    await state.measure('random');
    await finished(state);
    expect(state.profiles).toHaveLength(2);
    // The default backend's profile is shown, the other backend of this browser next to it.
    expect(state.siblings.map((p) => p.backend)).toEqual(['wasm', 'webgl']);
    expect(state.comparison).toHaveLength(6);
    // webgl is twice as slow on the fake device: webgl / wasm = 2 for every cell.
    for (const row of state.comparison) expect(Math.abs(row.ratio[1]! - 2)).toBeLessThan(0.2); // up to the 100 µs grain
    await state.measure('random');
    await finished(state);
    const requests = log.filter((r): r is Extract<ProfilerRequest, { type: 'profile' }> => r.type === 'profile');
    expect(requests[1].cells).toEqual(requests[0].cells);
    expect(state.repeat.cells).toBe(6);
    expect(state.repeat.spearman).toBeGreaterThan(0.95); // same cells, same fake device: only the timer grain differs
  });

  it('a crashed profiler ends the run with a clear message; restart() starts a fresh one', async () => {
    const ports: ProfilerPort[] = [];
    const open = fakePort([]);
    // The first profiler crashes where its first result would have come.
    const createPort = async (): Promise<ProfilerPort> => {
      const inner = await open();
      let crash = ports.length === 0;
      const port: ProfilerPort = {
        postMessage: (message, transfer) => inner.postMessage(message, transfer),
        onmessage: null,
        onerror: null,
        onmessageerror: null,
        terminate: () => inner.terminate(),
      };
      inner.onmessage = (event) => {
        if (crash && event.data.type === 'result') {
          crash = false;
          port.onerror?.({ message: 'Uncaught RangeError: out of memory' } as ErrorEvent);
        } else port.onmessage?.(event);
      };
      ports.push(port);
      return port;
    };
    const state = new ProfileState(source(), { openStore: async () => ({ store: new MemoryMeasurementStore() }), createPort, userAgent: environment('wasm').userAgent });
    await state.start();
    await vi.waitFor(() => expect(state.detecting).toBe(false));
    state.settings = { minSamples: 3, warmupMinRuns: 2, warmupMaxMs: 20, minSampleMs: 0 };
    await state.measure('reference');
    await finished(state);
    const message = 'The profiler worker stopped unexpectedly: Uncaught RangeError: out of memory. Start it again to go on.';
    expect(state.crashed).toBe(message);
    expect(state.error).toBe(message);
    expect(state.lastRuns.map((r) => [r.backend, r.error])).toEqual([['wasm', message]]);
    await state.restart();
    expect(ports).toHaveLength(2);
    expect(state.crashed).toBeNull();
    expect(state.backends.map((b) => b.name)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    state.randomCount = 3;
    await state.measure('random');
    await finished(state);
    expect(state.error).toBeNull();
    expect(state.lastRuns.map((r) => [r.measured, r.error])).toEqual([[3, null]]);
  });

  it('keeps the finished cells of a cancelled run and records the run as cancelled', async () => {
    const { state } = await started([], 3);
    state.randomCount = 12;
    await state.measure('random');
    await finished(state);
    expect(state.rows.length).toBeGreaterThanOrEqual(3);
    expect(state.rows.length).toBeLessThan(12);
    expect(state.runs[0]).toMatchObject({ cancelled: true, leakedTensors: 0, requested: 12 });
  });

  it('passes pause, resume and visibility to the profiler', async () => {
    const { state, log } = await started();
    state.setHidden(true);
    expect(log.at(-1)).toEqual({ type: 'visibility', hidden: true });
    state.setHidden(false);
    state.randomCount = 8;
    await state.measure('random');
    state.pause();
    await vi.waitFor(() => expect(state.run?.paused).toBe(true));
    state.resume();
    await finished(state);
    expect(log.map((r) => r.type)).toEqual(['visibility', 'detect', 'visibility', 'visibility', 'profile', 'pause', 'resume']);
  });

  it('exports CSV, imports it elsewhere (duplicates skipped), and refuses a bad file storing nothing', async () => {
    const { state } = await started();
    state.randomCount = 4;
    await state.measure('random');
    await finished(state);
    const exported = state.exportCsv()!;
    expect(exported.fileName).toBe(`brp-nas-latency-${state.activeProfileId}.csv`);
    expect(exported.text.split('\n')[0]).toMatch(/^arch_str,ops,backend,median_ms,iqr_ms,samples,/);

    const other = (await started()).state;
    const file = (name: string, text: string) => ({ name, size: text.length, text: async () => text });
    await other.importCsv(file('mine.csv', exported.text));
    expect(other.importResult).toEqual({ ok: true, text: 'Imported 4 measurements from mine.csv into 1 device profile.' });
    expect(other.rows.map((r) => r.index).sort()).toEqual(state.rows.map((r) => r.index).sort());
    expect(other.activeProfileId).toBe(state.activeProfileId);
    await other.importCsv(file('mine.csv', exported.text));
    expect(other.importResult?.text).toBe('Imported 0 measurements from mine.csv into 1 device profile (4 already stored, skipped).');

    const broken = exported.text.replace(/,wasm,/, ',tpu,');
    await other.importCsv(file('broken.csv', broken));
    expect(other.importResult?.ok).toBe(false);
    expect(other.importResult?.text).toMatch(/^broken\.csv line 2: column backend: 'tpu' is not one of webgpu, webgl, wasm, cpu\. Nothing was stored\.$/);
    expect(other.profiles[0].measurements).toBe(4);
    await other.importCsv({ name: 'huge.csv', size: 30 * 1024 * 1024, text: async () => '' });
    expect(other.importResult?.text).toBe('huge.csv is 30 MB; the limit is 20 MB. Nothing was stored.');

    await other.deleteProfile(other.activeProfileId!);
    expect(other.profiles).toEqual([]);
    expect(other.activeProfileId).toBeNull();
  });

  it('calibrates: reference and held-out cells, then the held-out cells again, and a calibration of the profile', async () => {
    // What the state says at the moment each profile request goes out.
    const seen: unknown[] = [];
    const log: ProfilerRequest[] = [];
    log.push = (...requests) => {
      for (const r of requests) if (r.type === 'profile') seen.push({ run: state.run && { set: state.run.set, pass: state.run.pass, passes: state.run.passes, cells: state.run.cells }, reason: state.calibrationReason });
      return Array.prototype.push.apply(log, requests);
    };
    const { state } = await started(log);
    const reference = state.referenceSet;
    if (!reference || typeof reference === 'string') throw new Error(`no reference set: ${reference}`);
    expect(state.calibration).toBeNull();
    expect(state.calibrationReason).toBe('Nothing measured yet: press "Calibrate this device".');
    state.heldOutCount = 6;
    state.seed = 5;
    expect(state.plan('calibrate')).toMatchObject({ cells: 20 + 6 + 6 });
    await state.measure('calibrate');
    await finished(state);
    const measuring = 'Measuring… the calibration is fitted when the run ends.';
    expect(seen).toEqual([
      { run: { set: 'calibrate', pass: 1, passes: 2, cells: 26 }, reason: measuring },
      { run: { set: 'calibrate', pass: 2, passes: 2, cells: 6 }, reason: measuring },
    ]);
    expect(state.error).toBeNull();
    const requests = log.filter((r): r is Extract<ProfilerRequest, { type: 'profile' }> => r.type === 'profile');
    expect(requests).toHaveLength(2);
    const referenceIndices = reference.cells.map((c) => c.index);
    const heldOut = requests[1].cells.map((c) => c.index);
    expect(requests[0].cells.map((c) => c.index)).toEqual([...referenceIndices, ...heldOut]);
    expect(heldOut).toHaveLength(6);
    expect(heldOut.some((i) => referenceIndices.includes(i))).toBe(false);
    expect(state.runs.map((r) => [r.set, r.requested, r.measured, r.cancelled]).sort()).toEqual([['calibrate', 26, 26, false], ['calibrate', 6, 6, false]]);
    expect(state.lastRuns).toHaveLength(2);
    expect(state.repeat.cells).toBe(6);

    const report = state.calibration;
    if (!report) throw new Error(state.calibrationReason ?? 'no calibration');
    expect(report.reference).toHaveLength(20);
    expect(report.heldOut.map((c) => c.index).sort((a, b) => a - b)).toEqual([...heldOut].sort((a, b) => a - b));
    // The fake device is the tables' "Desktop CPU" (up to the 100 µs timer grain): its held-out cells rank right.
    expect(report.scores.calibrated.cells).toBe(6);
    expect(report.scores.calibrated.spearman).toBeGreaterThan(0.8);
    expect(report.scores.nearest.device).toBe('Desktop CPU');
    expect(report.repeatability.cells).toBe(6);
    expect(report.points).toHaveLength(26);
  });

  it('stops a calibration after a cancelled first pass: no second pass', async () => {
    const { state, log } = await started([], 3);
    state.heldOutCount = 6;
    await state.measure('calibrate');
    await finished(state);
    expect(log.filter((r) => r.type === 'profile')).toHaveLength(1);
    expect(state.runs).toHaveLength(1);
    expect(state.runs[0]).toMatchObject({ set: 'calibrate', cancelled: true, requested: 26 });
  });

  it('saves, lists, exports, imports and deletes calibrated predictors; a bad file stores nothing', async () => {
    const { state, calibratedChanges } = await started();
    expect(await state.saveCalibration('anything')).toBe(false);
    expect(state.calibratedError).toBe('Nothing to save: Nothing measured yet: press "Calibrate this device".');
    state.heldOutCount = 4;
    await state.measure('calibrate');
    await finished(state);
    expect(await state.saveCalibration('   ')).toBe(false);
    expect(state.calibratedError).toBe('Give the calibrated predictor a name of 1-300 characters.');
    expect(calibratedChanges.count).toBe(0);
    expect(await state.saveCalibration(' My laptop ')).toBe(true);
    expect(calibratedChanges.count).toBe(1);
    expect(state.calibratedError).toBeNull();
    expect(state.calibratedStatus).toBe('Saved “My laptop”.');
    const [summary] = state.calibrated;
    const report = state.calibration!;
    expect(state.calibrated).toHaveLength(1);
    expect(summary).toMatchObject({
      name: 'My laptop', method: report.calibration.method, datasetVersions: { nb201: 'v', latbench: 'v' },
      device: { profileId: state.activeProfileId, label: state.activeProfile!.label, backend: 'wasm', userAgent: environment('wasm').userAgent, tfjsVersion: '4.22.0' },
      validation: { heldOut: report.scores.calibrated, repeatability: { cells: 4 } },
    });
    expect(summary.predictedCells).toBe(15_625 - 341);

    const file = (await state.exportCalibrated(summary.id))!;
    expect(file.fileName).toBe('brp-nas-calibrated-my-laptop.json');
    expect(JSON.parse(file.text).format).toBe(CALIBRATED_FILE_FORMAT);
    const back = parseCalibratedFile(file.text);
    expect(Array.from(back.predictions.slice(0, 50))).toEqual(Array.from(Float32Array.from(report.calibration.predictions.slice(0, 50))));

    const { state: other, calibratedChanges: otherChanges } = await started();
    const upload = (name: string, text: string) => ({ name, size: text.length, text: async () => text });
    await other.importCalibrated(upload('broken.json', file.text.replace('"calibrated-latency"', '"gcn"')));
    expect(other.calibratedError).toBe("broken.json: 'kind' must be 'calibrated-latency'. Nothing was stored.");
    await other.importCalibrated(upload('notes.txt', 'hello'));
    expect(other.calibratedError).toMatch(/^notes\.txt is not JSON \(.+\)\. Nothing was stored\.$/);
    await other.importCalibrated({ name: 'huge.json', size: 5 * 1024 * 1024, text: async () => '' });
    expect(other.calibratedError).toBe('huge.json is 5.0 MB; a calibrated predictor file is at most 4 MB. Nothing was stored.');
    expect(other.calibrated).toEqual([]);
    expect(otherChanges.count).toBe(0);
    await other.importCalibrated(upload(file.fileName, file.text));
    expect(otherChanges.count).toBe(1);
    expect(other.calibratedError).toBeNull();
    expect(other.calibratedStatus).toBe('Imported “My laptop” from brp-nas-calibrated-my-laptop.json.');
    expect(other.calibrated.map((c) => c.id)).toEqual([summary.id]);
    await other.importCalibrated(upload(file.fileName, file.text));
    expect(other.calibratedStatus).toBe('Imported “My laptop” from brp-nas-calibrated-my-laptop.json (replacing the stored copy with the same id).');
    expect(other.calibrated).toHaveLength(1);

    await state.deleteCalibrated(summary.id);
    expect(state.calibrated).toEqual([]);
    expect(calibratedChanges.count).toBe(2);
    // Deleting what is not stored changes nothing.
    await state.deleteCalibrated(summary.id);
    expect(calibratedChanges.count).toBe(2);
    expect(await state.exportCalibrated(summary.id)).toBeNull();
    expect(state.calibratedError).toBe(`Calibrated predictor ${summary.id} is not stored (any more).`);
  });

  it('refuses to measure without a backend, and names the missing tables', async () => {
    const { state } = await started();
    state.toggleBackend('wasm', false);
    await state.measure('reference');
    expect(state.error).toBe('Choose at least one backend');
    const empty = new ProfileState({ datasets: [], tables: {} }, { openStore: async () => ({ store: new MemoryMeasurementStore() }), createPort: fakePort([]) });
    empty.selected = ['wasm'];
    await empty.measure('reference');
    expect(empty.error).toBe('The NAS-Bench-201 tables are not loaded yet');
  });
});
