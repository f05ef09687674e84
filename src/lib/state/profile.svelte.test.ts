import { describe, expect, it, vi } from 'vitest';
import type { Table } from '../datasets/columns';
import { MemoryCalibratedStore } from '../db/calibrated';
import { MemoryMeasurementStore } from '../db/measurements';
import type { DatasetColumnInfo, StoredDataset } from '../db/schema';
import { CALIBRATED_FILE_FORMAT, parseCalibratedFile } from '../latency/calibrated-predictor';
import { deviceProfile, type MeasurementBackend } from '../latency/environment';
import { profiledMflops } from '../latency/profile-analysis';
import { LEVEL_ANCHOR_COUNT, MIN_CELLS_FOR_ANCHORS } from '../latency/level-correction';
import { cellLatencyMs } from '../latency/stats';
import { environment } from '../latency/profile-fixtures';
import { codeToOps, digitsToOps, isConnected, NB201_NUM_CELLS, opsToDigits, type OpVector } from '../spaces/nb201';
import { createProfilerHandler } from '../workers/profiler-handler';
import { PROFILE_NETWORK, type ProfilerRequest, type ProfilerResponse } from '../workers/profiler-messages';
import { CalibratedState } from './calibrated.svelte';
import { ProfileState, type ProfilerPort } from './profile.svelte';

const N = NB201_NUM_CELLS;

/* ------------------------------------------------------------------ the state, driven by the real handler */

/** µs per inference of a cell on the fake device: grows with its FLOPs; webgl is twice as slow. */
const fakeLatencyUs = (ops: OpVector, backend: string) => (100 + 10 * profiledMflops(ops, PROFILE_NETWORK)) * (backend === 'webgl' ? 2 : 1);
/** How slow the fake machine runs now (1: its usual speed): every inference, the reference cell's too. */
let machineLevel = 1;
/** The fake clock's grain, µs (the 100 µs of a browser without cross-origin isolation unless a test needs finer). */
let clockGrainUs = 100;

/** A port that runs the real profiler handler with a fake runner and clock, answering asynchronously like a worker. */
function fakePort(log: ProfilerRequest[], cancelAfterSamples?: number) {
  return async (): Promise<ProfilerPort> => {
    let us = 0;
    let active: MeasurementBackend = 'cpu';
    let live = 3;
    let cancelled = false;
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
        if (message.type === 'progress' && cancelAfterSamples !== undefined && message.progress.done >= cancelAfterSamples && !cancelled) {
          cancelled = true;
          void handle({ type: 'cancel', requestId: message.requestId });
        }
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
        run: async (model, k) => void (us += k * fakeLatencyUs(digitsToOps(model.digits), active) * machineLevel),
        dispose: () => void (live -= 2),
        numTensors: () => live,
      },
      // Every run starts at its own time, as in a browser.
      environment: async ({ backend }) => ({ ...environment(backend), measuredAt: new Date(Date.UTC(2026, 0, 1) + ++runs * 1000).toISOString() }),
      now: () => (Math.floor(us / clockGrainUs) * clockGrainUs) / 1000,
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
  const column = (name: string, kind: DatasetColumnInfo['kind'], extra: Partial<DatasetColumnInfo> = {}): DatasetColumnInfo => ({
    name,
    kind,
    unit: kind === 'latency' ? 'ms' : '',
    description: name,
    nMissing: 0,
    min: 0,
    max: 1,
    ...extra,
  });
  const dataset = (id: string, columns: DatasetColumnInfo[]): StoredDataset => ({
    id,
    title: id === 'latbench' ? 'LatBench' : id,
    space: 'nb201',
    version: 'v',
    sha256: 's',
    rows: N,
    columns,
    caveats: [],
    source: '',
    importedAt: 0,
    origin: 'bundled',
    bytes: 0,
  });
  const range = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => f(i));
  const cellMs = (i: number) => (isConnected(codeToOps(i)) ? fakeLatencyUs(codeToOps(i), 'wasm') / 1000 : Number.NaN);
  const tables: Record<string, Table> = {
    nb201: { id: 'nb201', version: 'v', rows: N, columns: { index: range((i) => i), ops_code: range((i) => i), connected: range((i) => (isConnected(codeToOps(i)) ? 1 : 0)) } },
    latbench: { id: 'latbench', version: 'v', rows: N, columns: { index: range((i) => i), cpu: range(cellMs), slow: range((i) => 100 - cellMs(i)) } },
  };
  const datasets = [
    dataset('nb201', [column('index', 'key'), column('ops_code', 'key'), column('connected', 'flag')]),
    dataset('latbench', [
      column('index', 'key'),
      column('cpu', 'latency', { device: { label: 'Desktop CPU', family: 'desktop CPU' } }),
      column('slow', 'latency', { device: { label: 'Backwards', family: 'x' } }),
    ]),
  ];
  return { datasets, tables };
}

async function started(log: ProfilerRequest[] = [], cancelAfterSamples?: number, store = new MemoryMeasurementStore()) {
  let id = 0;
  // The app's one list of calibrated predictors, here in memory.
  const calibrated = new CalibratedState(async () => ({ store: new MemoryCalibratedStore() }));
  /** Re-reads of that list: each save, import or delete that changed the store. */
  const refreshes = vi.spyOn(calibrated, 'refresh');
  const calibratedChanges = {
    get count() {
      return refreshes.mock.calls.length;
    },
  };
  const state = new ProfileState(source(), {
    openStore: async () => ({ store }),
    createPort: fakePort(log, cancelAfterSamples),
    newId: () => `id-${++id}`,
    userAgent: environment('wasm').userAgent,
    calibrated,
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
    expect(state.backends.map((b) => [b.name, b.available])).toEqual([
      ['webgpu', false],
      ['webgl', true],
      ['wasm', true],
      ['cpu', true],
    ]);
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
    expect(state.rows.map((r) => r.latencyMs)).toEqual([...state.rows.map((r) => r.latencyMs)].sort((a, b) => a - b));
    expect(state.flops.spearman).toBeGreaterThan(0.99); // the 100 µs timer grain may swap near-equal cells
    // The LatBench device follows FLOPs like this fake device; "Backwards" is reversed.
    expect(state.heatmap.map((r) => [r.device.label, r.rho[0] === null ? null : Math.round(r.rho[0] * 100) / 100])).toEqual([
      ['Desktop CPU', 1],
      ['Backwards', -1],
    ]);
    const [run] = state.runs;
    expect(run).toMatchObject({ profileId, backend: 'wasm', thread: 'worker', set: 'reference', requested: 20, measured: 20, leakedTensors: 0, cancelled: false, error: null });
    expect(run.reference?.archStr).toBe(reference.cells[10].archStr);
    expect(state.lastRuns).toEqual([run]);
  });

  it('compares backends on the same random cells, and measures again reproducibly', async () => {
    const { state, log } = await started();
    state.toggleBackend('webgl', true);
    state.randomCount = 6;
    // Six cells of distinct latency on the fake device (seed 42 drew two pairs of equal ones, whose order ρ would toss).
    state.seed = 7;
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

  it('reads a run the machine ran 8 % slow throughout at the profile level; exports keep the times as measured', async () => {
    // A 1 µs clock: at 100 µs the reference cell's 0.6 ms would read in steps of 4 %.
    clockGrainUs = 1;
    const { state, store, log } = await started();
    state.randomCount = MIN_CELLS_FOR_ANCHORS;
    state.seed = 7;
    await state.measure('random');
    await finished(state);
    machineLevel = 1.08;
    try {
      await state.measure('random');
      await finished(state);
    } finally {
      machineLevel = 1;
      clockGrainUs = 100;
    }
    // Each run also timed the level anchors, spread among its random cells.
    const requests = log.filter((r): r is Extract<ProfilerRequest, { type: 'profile' }> => r.type === 'profile');
    const anchors = state.anchors;
    expect(anchors).toHaveLength(LEVEL_ANCHOR_COUNT);
    for (const request of requests) {
      const cells = request.cells.map((c) => c.index);
      expect(cells.filter((i) => anchors.includes(i)).sort()).toEqual([...anchors].sort());
      expect(new Set(cells).size).toBe(cells.length);
      expect(cells.length).toBeGreaterThanOrEqual(MIN_CELLS_FOR_ANCHORS);
      expect(cells.length).toBeLessThanOrEqual(MIN_CELLS_FOR_ANCHORS + LEVEL_ANCHOR_COUNT);
      // Not all at the end: some among the first half.
      expect(cells.slice(0, cells.length >> 1).some((i) => anchors.includes(i))).toBe(true);
    }
    expect(requests[1].cells).toEqual(requests[0].cells);
    const [first, second] = [...state.activeRuns].sort((a, b) => a.startedAt - b.startedAt).map((r) => r.runId);
    const perRun = (runId: string) => new Map(state.activeEntries.filter((e) => e.runId === runId && !anchors.includes(e.archIndex)).map((e) => [e.archIndex, cellLatencyMs(e)]));
    const ratio = () => {
      const [a, b] = [perRun(first), perRun(second)];
      const ratios = [...a.keys()].map((i) => b.get(i)! / a.get(i)!).sort((x, y) => x - y);
      return ratios[ratios.length >> 1];
    };
    // By default each run is read at the profile's level by its anchors, judged here on the other cells.
    expect(state.levelCorrection).toBe('anchors');
    expect(state.runLevels.get(second)!.anchorRatio! / state.runLevels.get(first)!.anchorRatio!).toBeCloseTo(1.08, 2);
    expect(Math.abs(ratio() - 1)).toBeLessThan(0.01);
    // As timed, the second run is 8 % slower.
    state.levelCorrection = 'none';
    expect(ratio()).toBeCloseTo(1.08, 2);
    // `reference` reads each run at the profile's median level of the reference network.
    state.levelCorrection = 'reference';
    expect(state.runLevels.get(second)!.levelMs! / state.runLevels.get(first)!.levelMs!).toBeCloseTo(1.08, 2);
    expect(Math.abs(ratio() - 1)).toBeLessThan(0.01);
    // The store and the export keep every time as measured.
    state.levelCorrection = 'anchors';
    const profileId = state.activeProfileId!;
    const storedSecond = (await store.measurements(profileId)).entries.filter((e) => e.runId === second);
    const read = state.activeEntries.filter((e) => e.runId === second);
    expect(read[0].medianMs).toBeCloseTo(storedSecond[0].medianMs * state.runLevels.get(second)!.factor, 9);
    // Two runs: the profile level is halfway between them.
    expect(state.runLevels.get(second)!.factor).toBeCloseTo(2 / 2.08, 2);
    const exported = state.exportCsv()!.text;
    const csvNumber = (ms: number) => `,${Number(ms.toPrecision(9))},`; // the CSV's 9 significant digits
    expect(exported).toContain(csvNumber(storedSecond[0].medianMs));
    expect(exported).not.toContain(csvNumber(read[0].medianMs));
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
    // 12 cells in one group, 3 samples each: cancelled in the second round, the cells with 2 samples are kept.
    const { state } = await started([], 15);
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
      for (const r of requests)
        if (r.type === 'profile') seen.push({ run: state.run && { set: state.run.set, pass: state.run.pass, passes: state.run.passes, cells: state.run.cells }, reason: state.calibrationReason });
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
    expect(state.runs.map((r) => [r.set, r.requested, r.measured, r.cancelled]).sort()).toEqual([
      ['calibrate', 26, 26, false],
      ['calibrate', 6, 6, false],
    ]);
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
      name: 'My laptop',
      method: report.calibration.method,
      datasetVersions: { nb201: 'v', latbench: 'v' },
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

  it('passes the page visibility on to the profiler until disposed, then removes its listener and stops the profiler', async () => {
    const { state, log } = await started();
    const listeners = new Set<() => void>();
    const page = {
      visibilityState: 'visible' as DocumentVisibilityState,
      addEventListener: (_type: 'visibilitychange', listener: () => void) => void listeners.add(listener),
      removeEventListener: (_type: 'visibilitychange', listener: () => void) => void listeners.delete(listener),
    };
    const visibility = () => log.filter((m) => m.type === 'visibility').map((m) => (m as { hidden: boolean }).hidden);
    const before = visibility().length;
    state.watchVisibility(page);
    expect(listeners.size).toBe(1);
    page.visibilityState = 'hidden';
    for (const listener of listeners) listener();
    expect(visibility().slice(before)).toEqual([false, true]);
    state.dispose();
    expect(listeners.size).toBe(0);
    // The profiler is stopped: a message now reaches no one, and the next request starts a fresh profiler.
    state.setHidden(false);
    expect(visibility().slice(before)).toEqual([false, true]);
    await state.detect();
    expect(state.error).toBeNull();
    expect(visibility().slice(before)).toEqual([false, true, false]);
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
