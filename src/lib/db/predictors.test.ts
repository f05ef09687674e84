import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { LATENCY_PRESET } from '../predictor/config';
import type { PredictorProvenance } from '../predictor/persist';
import { StoreError, UPGRADED_ELSEWHERE } from './errors';
import { openDatabase } from './open';
import { IdbPredictorStore, MemoryPredictorStore, openPredictorStore, type PredictorStore, type StoredPredictor } from './predictors';
import { DB_NAME, DB_VERSION, MIGRATIONS } from './schema';

function provenance(name: string, createdAt: number): PredictorProvenance {
  return {
    space: 'nb201',
    name,
    kind: 'regression',
    target: { datasetId: 'latbench', column: 'desktop_cpu_i7_7820x_fp32', label: 'desktop CPU', unit: 'ms' },
    datasetVersion: 'v1',
    trainIndices: [1, 2, 3],
    valIndices: [4],
    config: LATENCY_PRESET,
    seed: 0,
    backend: 'wasm',
    wallMs: 1000,
    epochsRun: 5,
    bestEpoch: 3,
    createdAt,
  };
}

function stored(id: string, createdAt = 1000): StoredPredictor {
  return {
    summary: { id, provenance: provenance(`predictor ${id}`, createdAt), kind: 'regression', features: 6, normalisation: { min: 1, max: 9 } },
    predictor: {
      kind: 'regression',
      features: 6,
      config: LATENCY_PRESET,
      normalisation: { min: 1, max: 9 },
      weights: [{ name: 'gcn.0.weight', shape: [2, 2], values: Float32Array.from([1, 2, 3, id.length]) }],
    },
  };
}

async function idbStore(factory = new IDBFactory()): Promise<IdbPredictorStore> {
  return new IdbPredictorStore(await openDatabase(factory, MIGRATIONS, 5000));
}

/** The behaviour both stores share. */
function sharedBehaviour(make: () => Promise<PredictorStore>) {
  it('saves, lists newest first, loads and deletes', async () => {
    const store = await make();
    await store.save(stored('a', 1000));
    await store.save(stored('b', 3000));
    await store.save(stored('c', 2000));
    const { summaries, problems } = await store.list();
    expect(summaries.map((s) => s.id)).toEqual(['b', 'c', 'a']);
    expect(problems).toEqual([]);
    expect(await store.load('c')).toEqual(stored('c', 2000));
    expect(await store.load('missing')).toBeUndefined();
    expect(await store.delete('c')).toBe(true);
    expect(await store.delete('c')).toBe(false);
    expect((await store.list()).summaries.map((s) => s.id)).toEqual(['b', 'a']);
  });

  it('saving under an existing id replaces it', async () => {
    const store = await make();
    await store.save(stored('a'));
    const renamed = stored('a');
    renamed.summary.provenance.name = 'renamed';
    await store.save(renamed);
    expect((await store.list()).summaries.map((s) => s.provenance.name)).toEqual(['renamed']);
  });

  it('hands out copies: editing what was saved or loaded changes nothing stored', async () => {
    const store = await make();
    const record = stored('a');
    await store.save(record);
    record.predictor.weights[0].values[0] = 99;
    const loaded = (await store.load('a'))!;
    expect(loaded.predictor.weights[0].values[0]).toBe(1);
    loaded.predictor.weights[0].values[0] = 77;
    expect((await store.load('a'))!.predictor.weights[0].values[0]).toBe(1);
  });

  it('refuses a record whose weights do not match its summary, or a bad id', async () => {
    const store = await make();
    const mismatched = stored('a');
    mismatched.predictor.features = 7;
    await expect(store.save(mismatched)).rejects.toThrow('predictor to save (a): the weights do not match its summary');
    const plain = stored('a');
    (plain.predictor.weights[0] as { values: unknown }).values = [1, 2, 3, 4];
    await expect(store.save(plain)).rejects.toThrow('predictor to save (a): weights[0] is not a Float32Array');
    const badProvenance = stored('a');
    badProvenance.summary.provenance.trainIndices = [20000];
    await expect(store.save(badProvenance)).rejects.toThrow("predictor to save: provenance: 'trainIndices[0]' must be an NB201 index 0..15624");
    await expect(store.load('')).rejects.toThrow('a predictor id must be a string of 1-100 characters');
    expect((await store.list()).summaries).toEqual([]);
  });
}

describe('IdbPredictorStore', () => {
  sharedBehaviour(() => idbStore());

  it('keeps predictors across connections (a reload), in the existing schema', async () => {
    const factory = new IDBFactory();
    const first = await idbStore(factory);
    await first.save(stored('a'));
    first.close();
    const second = await idbStore(factory);
    expect(await second.load('a')).toEqual(stored('a'));
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    expect(db.version).toBe(DB_VERSION);
    // Two records per predictor, summary and weights, in the `predictors` store.
    expect((await db.getAllKeys('predictors')).sort()).toEqual(['predictor-weights:a', 'predictor:a']);
    db.close();
  });

  it('lists only summaries, names unreadable ones, and calls a half-stored predictor corrupt', async () => {
    const factory = new IDBFactory();
    const store = await idbStore(factory);
    await store.save(stored('a'));
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    await db.put('predictors', { id: 'predictor:broken', summary: { id: 'broken', provenance: { space: 'darts' } } } as never);
    await db.put('predictors', { id: 'predictor:orphan', summary: stored('orphan').summary } as never);
    db.close();
    const { summaries, problems } = await store.list();
    expect(summaries.map((s) => s.id)).toEqual(['a', 'orphan']);
    expect(problems).toEqual(["saved predictor broken: provenance: 'space' must be 'nb201', got \"darts\""]);
    const failure = await store.load('orphan').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).kind).toBe('corrupt');
    expect((failure as StoreError).message).toBe('saved predictor orphan: its weights are missing; delete it');
    expect(await store.delete('orphan')).toBe(true);
  });

  it('lets go when another tab upgrades, then says why it cannot save', async () => {
    const factory = new IDBFactory();
    const store = await idbStore(factory);
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, DB_VERSION + 1);
      request.onblocked = () => reject(new Error('blocked by the predictor store'));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    upgraded.close();
    await expect(store.save(stored('a'))).rejects.toThrow(UPGRADED_ELSEWHERE);
  });
});

describe('MemoryPredictorStore', () => {
  sharedBehaviour(async () => new MemoryPredictorStore());
});

describe('openPredictorStore', () => {
  it('uses IndexedDB when there is one, memory with a notice otherwise', async () => {
    const opened = await openPredictorStore(new IDBFactory());
    expect(opened.store.mode).toBe('indexeddb');
    expect(opened.notice).toBeUndefined();
    const none = await openPredictorStore(null);
    expect(none.store.mode).toBe('memory');
    expect(none.notice).toBe('Saved predictors are kept in memory for this tab only: this browser offers no IndexedDB');
  });
});
