import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { SearchCheckpoint, SearchResult, SearchSettings } from '../workers/search-messages';
import { openDatabase } from './open';
import { MIGRATIONS } from './schema';
import { IdbSearchRunStore, MemorySearchRunStore, openSearchRunStore, type SearchRun, type SearchRunStore } from './search-runs';

const SETTINGS: SearchSettings = { method: 'brp-nas', config: 'fast', dataset: 'cifar100', budget: 20, seed: 1, constraint: null, pareto: false };

function run(id: string, createdAt: number, patch: Partial<SearchRun> = {}): SearchRun {
  return {
    id,
    createdAt,
    updatedAt: createdAt,
    settings: SETTINGS,
    deviceId: null,
    status: 'running',
    error: null,
    plannedIterations: 5,
    iterations: [{ iteration: 0, queried: [3, 1, 4, 1], rankingKendall: 0.25, bestValid: 70.1, testOfBestValid: 70.5, ms: 900 }],
    baselines: { random: [50, 60, 70] },
    result: null,
    ...patch,
  };
}

function checkpoint(iteration: number): SearchCheckpoint {
  return {
    settings: SETTINGS,
    iteration,
    queried: [3, 1, 4],
    predictor: { kind: 'brp', features: 8, config: {} as never, normalisation: null, weights: [{ name: 'w', shape: [2], values: new Float32Array([0.5, -1.25]) }] },
    state: { current: 4 },
    elapsedMs: 1234,
  };
}

function result(): SearchResult {
  return {
    settings: SETTINGS,
    queried: [3, 1, 4],
    trace: Int32Array.from([3, 1, 4, 9]),
    scores: new Float32Array([0.1, Number.NaN, 0.3]),
    metrics: { testOfBestValid: 70, maxTest: 71, regretValid: 1, foundGlobalBest: false, queriesToGlobalBest: null, tracePositionOfGlobalBest: 4, kendall: 0.5 },
    filter: null,
    hypervolume: null,
    iterations: [],
    wallMs: 5000,
    backend: 'wasm',
  };
}

function behaviour(make: () => Promise<SearchRunStore>) {
  it('saves, lists newest first, loads, keeps the checkpoint apart and deletes both', async () => {
    const store = await make();
    await store.save(run('a', 1000), checkpoint(1));
    await store.save(run('b', 3000));
    const { runs, problems } = await store.list();
    expect(problems).toEqual([]);
    expect(runs.map((r) => r.id)).toEqual(['b', 'a']);
    expect(runs[1]).toEqual(run('a', 1000));
    expect(await store.load('a')).toEqual(run('a', 1000));
    expect(await store.load('zzz')).toBeUndefined();
    const stored = await store.checkpoint('a');
    expect(stored).toEqual(checkpoint(1));
    expect(stored?.predictor?.weights[0].values).toBeInstanceOf(Float32Array);
    expect(await store.checkpoint('b')).toBeUndefined();
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.checkpoint('a')).toBeUndefined();
    expect((await store.list()).runs.map((r) => r.id)).toEqual(['b']);
  });

  it('replaces the checkpoint with each iteration, keeps it when none is given, drops it on finish', async () => {
    const store = await make();
    await store.save(run('r', 1), checkpoint(1));
    await store.save(run('r', 1, { status: 'paused' }));
    expect((await store.checkpoint('r'))?.iteration).toBe(1);
    await store.save(run('r', 1), checkpoint(2));
    expect((await store.checkpoint('r'))?.iteration).toBe(2);
    await store.save(run('r', 1, { status: 'finished', result: result() }), null);
    expect(await store.checkpoint('r')).toBeUndefined();
    const finished = await store.load('r');
    expect(finished?.status).toBe('finished');
    expect(finished?.result?.trace).toEqual(Int32Array.from([3, 1, 4, 9]));
    expect(finished?.result?.scores?.[1]).toBeNaN();
  });

  it('refuses a broken run and writes nothing, not even its checkpoint', async () => {
    const store = await make();
    await expect(store.save({ ...run('x', 1), status: 'sleeping' as never }, checkpoint(1))).rejects.toThrow(/'status' must be one of/);
    await expect(store.save({ ...run('', 1) }, checkpoint(1))).rejects.toThrow(/'id'/);
    expect((await store.list()).runs).toEqual([]);
    expect(await store.checkpoint('x')).toBeUndefined();
  });

  it('hands out copies: changing what was saved or read changes nothing stored', async () => {
    const store = await make();
    const saved = run('c', 1);
    await store.save(saved);
    saved.iterations.push({ ...saved.iterations[0], iteration: 1 });
    const read = await store.load('c');
    read!.status = 'failed';
    expect((await store.load('c'))?.iterations).toHaveLength(1);
    expect((await store.load('c'))?.status).toBe('running');
  });
}

describe('IdbSearchRunStore', () => {
  behaviour(async () => new IdbSearchRunStore(await openDatabase(new IDBFactory(), MIGRATIONS, 5000)));

  it('names a corrupt record instead of failing the list, and keeps it', async () => {
    const db = await openDatabase(new IDBFactory(), MIGRATIONS, 5000);
    await db.put('searchRuns', { id: 'bad', run: { id: 'bad', status: 'finished' } } as never);
    const store = new IdbSearchRunStore(db);
    await store.save(run('ok', 1));
    const { runs, problems } = await store.list();
    expect(runs.map((r) => r.id)).toEqual(['ok']);
    expect(problems).toEqual([expect.stringMatching(/saved search run bad: 'settings' must name/)]);
    expect(await db.count('searchRuns')).toBe(2);
  });

  it('works on a database upgraded from v1, next to what v1 stored', async () => {
    const factory = new IDBFactory();
    const v1 = await openDatabase(factory, MIGRATIONS.slice(0, 1), 5000);
    await v1.put('predictors', { id: 'calibrated:keep' });
    v1.close();
    const { store, notice } = await openSearchRunStore(factory);
    expect(notice).toBeUndefined();
    expect(store.mode).toBe('indexeddb');
    await store.save(run('new', 1), checkpoint(1));
    expect((await store.checkpoint('new'))?.queried).toEqual([3, 1, 4]);
    store.close();
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    expect(await db.getAllKeys('predictors')).toEqual(['calibrated:keep']);
    db.close();
  });
});

describe('MemorySearchRunStore', () => {
  behaviour(async () => new MemorySearchRunStore());

  it('is what opens without IndexedDB', async () => {
    const { store, notice } = await openSearchRunStore(null);
    expect(store.mode).toBe('memory');
    expect(notice).toBe('Search runs are kept in memory for this tab only: this browser offers no IndexedDB');
  });
});
