import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { deviceProfile, type MeasurementEnvironment } from '../latency/environment';
import { measurementsToCsv, parseMeasurementsCsv } from '../latency/measurements-csv';
import { quartiles } from '../latency/stats';
import { digitsToOps, opsToArchStr, opsToCode } from '../spaces/nb201';
import { StoreError, UPGRADED_ELSEWHERE } from './errors';
import { IdbMeasurementStore, MemoryMeasurementStore, openMeasurementStore, type MeasurementStore, type NewMeasurement, type RunRecord } from './measurements';
import { openDatabase } from './open';
import { DB_NAME, DB_VERSION, MIGRATIONS } from './schema';

function environment(backend: MeasurementEnvironment['backend'], measuredAt = '2026-01-02T03:04:05.000Z'): MeasurementEnvironment {
  return {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    backend,
    tfjsVersion: '4.22.0',
    adapterVendor: '',
    adapterArchitecture: '',
    adapterDescription: '',
    powerPreference: '',
    timestampQuery: null,
    crossOriginIsolated: true,
    timerResolutionMs: 0.005,
    visibility: 'visible',
    hardwareConcurrency: 8,
    measuredAt,
  };
}

function entry(digits: string, samples: number[], env = environment('wasm'), runId = 'run-1'): NewMeasurement {
  const ops = digitsToOps(digits);
  const { median, iqr } = quartiles(samples);
  return {
    // The store takes any NB201 index; the base-5 code stands in for the official index here.
    archIndex: opsToCode(ops),
    runId,
    source: 'measured',
    archStr: opsToArchStr(ops),
    ops,
    backend: env.backend,
    medianMs: median,
    iqrMs: iqr,
    samples,
    k: 3,
    coldMs: 40,
    warmupRuns: 5,
    warmupStable: true,
    discardedHidden: 0,
    environment: env,
  };
}

function run(runId: string, profileId: string, startedAt: number): RunRecord {
  return {
    runId,
    profileId,
    backend: 'wasm',
    thread: 'worker',
    wasmThreads: 2,
    set: 'reference',
    startedAt,
    requested: 2,
    measured: 2,
    elapsedMs: 1234,
    leakedTensors: 0,
    cancelled: false,
    error: null,
    reference: { archStr: opsToArchStr(digitsToOps('333333')), driftMs: [5, 5.1] },
    settings: { minSamples: 15, warmupMinRuns: 5, warmupMaxMs: 2000 },
  };
}

const WASM = deviceProfile(environment('wasm')).id;
const WEBGL = deviceProfile(environment('webgl')).id;

async function idbStore(factory = new IDBFactory(), now?: () => number): Promise<IdbMeasurementStore> {
  return new IdbMeasurementStore(await openDatabase(factory, MIGRATIONS, 5000), now);
}

function sharedBehaviour(make: (now?: () => number) => Promise<MeasurementStore>) {
  it('stores measurements per device profile, lists profiles with counts, reads them back oldest first', async () => {
    let clock = 1000;
    const store = await make(() => clock);
    const first = await store.add([entry('333333', [5, 6, 7]), entry('111111', [1, 1.5, 2])]);
    expect(first.ids).toHaveLength(2);
    expect(first).toMatchObject({ skipped: 0, profileIds: [WASM] });
    clock = 2000;
    await store.add([entry('333333', [2, 2, 3], environment('webgl'))]);
    const { profiles, problems } = await store.listProfiles();
    expect(problems).toEqual([]);
    expect(profiles.map((p) => [p.id, p.backend, p.measurements, p.cells, p.updatedAt])).toEqual([
      [WEBGL, 'webgl', 1, 1, 2000],
      [WASM, 'wasm', 2, 2, 1000],
    ]);
    expect(profiles[1].label).toBe('wasm · Chrome 126 on X11');
    const { entries } = await store.measurements(WASM);
    expect(entries.map((e) => [e.archStr, e.medianMs, e.profileId])).toEqual([
      [opsToArchStr(digitsToOps('333333')), 6, WASM],
      [opsToArchStr(digitsToOps('111111')), 1.5, WASM],
    ]);
    expect(entries[0].samples).toEqual([5, 6, 7]);
    expect(typeof entries[0].id).toBe('number');
    // A later measurement of a known profile updates it, keeping when it was created.
    clock = 3000;
    await store.add([entry('222222', [3, 3, 3], environment('wasm', '2026-02-01T00:00:00.000Z'))]);
    const wasm = (await store.listProfiles()).profiles[0];
    expect([wasm.id, wasm.createdAt, wasm.updatedAt, wasm.measurements]).toEqual([WASM, 1000, 3000, 3]);
  });

  it('skips measurements already stored, also after a CSV round trip (rounded to 9 digits)', async () => {
    const store = await make();
    const samples = [1 / 3, 2 / 3, 0.5];
    await store.add([entry('444444', samples)]);
    expect((await store.add([entry('444444', samples)])).skipped).toBe(1);
    const stored = (await store.measurements(WASM)).entries;
    const reimported = parseMeasurementsCsv(measurementsToCsv(stored), 'mine.csv').map((r) => ({
      ...r,
      archIndex: opsToCode(r.ops),
      runId: 'import-1',
      source: 'imported' as const,
      warmupRuns: null,
      warmupStable: null,
      discardedHidden: null,
    }));
    const again = await store.add([...reimported, entry('000111', [2, 2, 2])]);
    expect([again.skipped, again.ids.length]).toEqual([1, 1]);
    expect((await store.measurements(WASM)).entries).toHaveLength(2);
  });

  it('refuses a bad batch as a whole, naming the entry and the problem', async () => {
    const store = await make();
    const bad: [NewMeasurement, string][] = [
      [{ ...entry('333333', [1, 2, 3]), archIndex: 15625 }, 'archIndex 15625 is not an NB201 index'],
      [{ ...entry('333333', [1, 2, 3]), ops: digitsToOps('333332') }, 'do not spell'],
      [{ ...entry('333333', [1, 2, 3]), backend: 'webgl' }, 'measured on webgl, but its environment says wasm'],
      [{ ...entry('333333', [1, 2, 3]), medianMs: Number.NaN }, 'median NaN ms is not a positive number'],
      [{ ...entry('333333', [1, 2, 3]), samples: [1, -2] }, 'samples must be positive numbers of ms'],
      [{ ...entry('333333', [1, 2, 3]), k: 0.5 }, 'k 0.5 is not a positive whole number'],
      [{ ...entry('333333', [1, 2, 3]), environment: { ...environment('wasm'), extra: () => 1 } as unknown as MeasurementEnvironment }, 'cannot be stored'],
    ];
    for (const [broken, message] of bad) {
      const failure = await store.add([entry('111111', [1, 1, 1]), broken]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure, message).toBeInstanceOf(StoreError);
      expect((failure as StoreError).message, message).toContain(message);
      expect((failure as StoreError).message).toMatch(/^measurement 2 .*nothing was stored$/);
    }
    expect((await store.listProfiles()).profiles).toEqual([]);
  });

  it('keeps run summaries, newest first, and deletes a profile with its measurements and runs', async () => {
    const store = await make();
    await store.add([entry('333333', [1, 2, 3]), entry('111111', [1, 1, 1])]);
    await store.add([entry('333333', [1, 2, 3], environment('webgl'))]);
    await store.saveRun(run('a', WASM, 10));
    await store.saveRun(run('b', WASM, 20));
    await store.saveRun(run('c', WEBGL, 15));
    expect((await store.runs()).map((r) => r.runId)).toEqual(['b', 'c', 'a']);
    expect((await store.runs(WASM)).map((r) => r.runId)).toEqual(['b', 'a']);
    expect(await store.deleteProfile(WASM)).toBe(2);
    expect((await store.listProfiles()).profiles.map((p) => p.id)).toEqual([WEBGL]);
    expect((await store.measurements(WASM)).entries).toEqual([]);
    expect((await store.runs()).map((r) => r.runId)).toEqual(['c']);
    expect(await store.deleteProfile(WASM)).toBe(0);
    await expect(store.saveRun({ ...run('x', WASM, 1), runId: '' })).rejects.toThrow('a run record needs a runId and a profileId');
  });

  it('hands out copies: editing what was added or read changes nothing stored', async () => {
    const store = await make();
    const original = entry('333333', [1, 2, 3]);
    await store.add([original]);
    original.samples[0] = 99;
    const read = (await store.measurements(WASM)).entries[0];
    expect(read.samples).toEqual([1, 2, 3]);
    read.samples[0] = 77;
    expect((await store.measurements(WASM)).entries[0].samples).toEqual([1, 2, 3]);
  });
}

describe('IdbMeasurementStore', () => {
  sharedBehaviour((now) => idbStore(new IDBFactory(), now));

  it('keeps measurements across connections (a reload), in the existing schema v1 stores', async () => {
    const factory = new IDBFactory();
    const first = await idbStore(factory);
    await first.add([entry('333333', [1, 2, 3])]);
    await first.saveRun(run('r1', WASM, 5));
    first.close();
    const second = await idbStore(factory);
    expect((await second.measurements(WASM)).entries.map((e) => e.medianMs)).toEqual([2]);
    expect((await second.runs()).map((r) => r.runId)).toEqual(['r1']);
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    expect(db.version).toBe(DB_VERSION);
    expect((await db.getAllKeys('profiles')).sort()).toEqual([`device:${WASM}`, 'run:r1']);
    expect(await db.countFromIndex('measurements', 'byArch', opsToCode(digitsToOps('333333')))).toBe(1);
    db.close();
  });

  it('skips unreadable stored records and names them', async () => {
    const factory = new IDBFactory();
    const store = await idbStore(factory);
    await store.add([entry('333333', [1, 2, 3])]);
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    await db.add('measurements', { profileId: WASM, archIndex: 3, archStr: 'nonsense' } as never);
    await db.add('measurements', { ...entry('111111', [1, 1, 1]), profileId: WASM, medianMs: -1 } as never);
    await db.put('profiles', { id: 'device:broken', device: { id: 'broken', backend: 'tpu' } } as never);
    db.close();
    const { entries, problems } = await store.measurements(WASM);
    expect(entries).toHaveLength(1);
    expect(problems).toEqual(["stored measurement 2: 'nonsense' is not an NB201 arch string", 'stored measurement 3: median -1 ms is not a positive number']);
    expect((await store.listProfiles()).problems).toEqual(['stored device profile broken is unreadable; delete it']);
  });

  it('lets go when another tab upgrades, then says why it cannot store', async () => {
    const factory = new IDBFactory();
    const store = await idbStore(factory);
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, DB_VERSION + 1);
      request.onblocked = () => reject(new Error('blocked by the measurement store'));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    upgraded.close();
    await expect(store.add([entry('333333', [1, 2, 3])])).rejects.toThrow(UPGRADED_ELSEWHERE);
  });
});

describe('MemoryMeasurementStore', () => {
  sharedBehaviour(async (now) => new MemoryMeasurementStore(now));
});

describe('openMeasurementStore', () => {
  it('uses IndexedDB when there is one, memory with a notice when not', async () => {
    expect((await openMeasurementStore(new IDBFactory())).store.mode).toBe('indexeddb');
    const memory = await openMeasurementStore(null);
    expect(memory.store.mode).toBe('memory');
    expect(memory.notice).toBe('Latency measurements are kept in memory for this tab only: this browser offers no IndexedDB');
  });
});
