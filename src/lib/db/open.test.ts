import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { MEMORY_ONLY, UPGRADED_ELSEWHERE } from './errors';
import { BLOCKED_BY_OLDER_TAB, openDatabase, openStore } from './open';
import type { StoreNames } from 'idb';
import { DB_NAME, DB_VERSION, MIGRATIONS, type BrpNasLabDB, type LabDatabase, type Migration } from './schema';
import { fixtureDataset } from './test-fixtures';

/** Every record of each store, in key order. */
async function dump(db: LabDatabase, stores: StoreNames<BrpNasLabDB>[]): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const store of stores) out[store] = await db.getAll(store);
  return out;
}

/** Opens the database without our code, as another tab would (it ignores versionchange). */
function rawOpen(factory: IDBFactory, version: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, version);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

describe('schema v3', () => {
  it('creates every store with its key and indexes', async () => {
    const factory = new IDBFactory();
    const db = await openDatabase(factory, MIGRATIONS, 5000);
    expect(db.version).toBe(DB_VERSION);
    expect(DB_VERSION).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['columns', 'datasets', 'learn', 'measurements', 'predictors', 'profiles', 'searchCheckpoints', 'searchRuns']);
    const tx = db.transaction(['datasets', 'columns', 'measurements', 'predictors', 'searchRuns', 'profiles', 'searchCheckpoints']);
    expect(tx.objectStore('datasets').keyPath).toBe('id');
    expect(tx.objectStore('columns').keyPath).toEqual(['datasetId', 'name']);
    const measurements = tx.objectStore('measurements');
    expect(measurements.keyPath).toBe('id');
    expect(measurements.autoIncrement).toBe(true);
    expect(measurements.index('byProfile').keyPath).toBe('profileId');
    expect(measurements.index('byArch').keyPath).toBe('archIndex');
    for (const name of ['predictors', 'searchRuns', 'profiles', 'searchCheckpoints'] as const) expect(tx.objectStore(name).keyPath).toBe('id');
    db.close();
  });

  it('upgrades a v1 database to the latest (v3) without losing a record of any store', async () => {
    const factory = new IDBFactory();
    const v1db = await openDatabase(factory, MIGRATIONS.slice(0, 1), 5000);
    expect(v1db.version).toBe(1);
    const dataset = fixtureDataset('nb201', 1);
    await v1db.put('datasets', dataset.meta);
    for (const [name, values] of Object.entries(dataset.columns)) await v1db.put('columns', { datasetId: 'nb201', name, values });
    await v1db.add('measurements', { profileId: 'p', archIndex: 7 });
    await v1db.put('predictors', { id: 'calibrated:x', predictor: { weights: new Float32Array([1, 2]) } } as never);
    await v1db.put('searchRuns', { id: 'old-run', note: 'kept' } as never);
    await v1db.put('profiles', { id: 'device:p' });
    const before = await dump(v1db, ['datasets', 'columns', 'measurements', 'predictors', 'searchRuns', 'profiles']);
    v1db.close();

    const db = await openDatabase(factory, MIGRATIONS, 5000);
    expect(db.version).toBe(3);
    expect(await dump(db, ['datasets', 'columns', 'measurements', 'predictors', 'searchRuns', 'profiles'])).toEqual(before);
    expect(await db.count('searchCheckpoints')).toBe(0);
    expect(await db.count('learn')).toBe(0);
    db.close();
  });

  it('runs only the appended steps on upgrade and keeps the data', async () => {
    const factory = new IDBFactory();
    const first = await openStore(factory);
    const v1 = fixtureDataset('nb201', 1);
    await first.store.putDataset(v1.meta, v1.columns);
    first.store.close();

    const shipped = MIGRATIONS.map((step) => vi.fn(step));
    const addNotes: Migration = vi.fn((db) => {
      (db as unknown as IDBDatabase).createObjectStore('notes', { keyPath: 'id' });
    });
    const upgraded = await openStore(factory, { migrations: [...shipped, addNotes] });
    expect(upgraded.mode).toBe('indexeddb');
    for (const step of shipped) expect(step).not.toHaveBeenCalled();
    expect(addNotes).toHaveBeenCalledTimes(1);
    expect((await upgraded.store.loadTable('nb201'))?.columns).toEqual(v1.columns);
    upgraded.store.close();
    const db = await rawOpen(factory, DB_VERSION + 1);
    expect([...db.objectStoreNames]).toContain('notes');
    db.close();
  });

  it('falls back to memory when a migration fails, leaving the old version', async () => {
    const factory = new IDBFactory();
    (await openStore(factory)).store.close();
    const broken: Migration = () => {
      throw new Error(`step ${DB_VERSION + 1} is broken`);
    };
    const opened = await openStore(factory, { migrations: [...MIGRATIONS, broken] });
    expect(opened.mode).toBe('memory');
    expect(opened.notice).toBe(`IndexedDB is unavailable (Error: step ${DB_VERSION + 1} is broken); ${MEMORY_ONLY}`);
    const db = await rawOpen(factory, DB_VERSION);
    expect(db.version).toBe(DB_VERSION);
    db.close();
  });
});

describe('openStore fallbacks', () => {
  it('uses memory when there is no IndexedDB', async () => {
    const opened = await openStore(null);
    expect(opened.mode).toBe('memory');
    expect(opened.store.mode).toBe('memory');
    expect(opened.notice).toBe('IndexedDB is unavailable (this browser does not offer it); data is kept in memory for this tab only');
    const v1 = fixtureDataset('nb201', 1);
    await opened.store.putDataset(v1.meta, v1.columns);
    expect(await opened.store.countRows('nb201')).toBe(5);
  });

  it('uses memory when open() throws', async () => {
    const factory = {
      open: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const opened = await openStore(factory);
    expect(opened.mode).toBe('memory');
    expect(opened.notice).toBe(`IndexedDB is unavailable (SecurityError: The operation is insecure.); ${MEMORY_ONLY}`);
  });

  it('uses memory when the database belongs to a newer version of the app', async () => {
    const factory = new IDBFactory();
    (await rawOpen(factory, DB_VERSION + 1)).close();
    const opened = await openStore(factory);
    expect(opened.mode).toBe('memory');
    expect(opened.notice).toBe(`${UPGRADED_ELSEWHERE} (until then, ${MEMORY_ONLY})`);
  });

  it('uses memory when an older tab blocks the upgrade, and lets go once it closes', async () => {
    const factory = new IDBFactory();
    const olderTab = await rawOpen(factory, 1);
    const twoSteps: Migration[] = [MIGRATIONS[0], () => {}];
    const opened = await openStore(factory, { migrations: twoSteps });
    expect(opened.mode).toBe('memory');
    expect(opened.notice).toBe(`${BLOCKED_BY_OLDER_TAB}; ${MEMORY_ONLY}`);
    olderTab.close();
    // Our abandoned request now completes and must close itself, or this upgrade would block.
    const onBlocked = vi.fn();
    const later = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(DB_NAME, 3);
      request.onupgradeneeded = () => {};
      request.onblocked = onBlocked;
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    expect(later.version).toBe(3);
    expect(onBlocked).not.toHaveBeenCalled();
    later.close();
  });

  it('uses memory when IndexedDB never answers', async () => {
    const silent = { open: () => new EventTarget() } as unknown as IDBFactory;
    const opened = await openStore(silent, { timeoutMs: 20 });
    expect(opened.mode).toBe('memory');
    expect(opened.notice).toBe(`IndexedDB is unavailable (it did not answer within 20 ms); ${MEMORY_ONLY}`);
  });
});
