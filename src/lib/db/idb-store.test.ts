import 'fake-indexeddb/auto';
import { forceCloseDatabase, IDBFactory } from 'fake-indexeddb';
import { unwrap } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONNECTION_CLOSED, StoreError, UPGRADED_ELSEWHERE } from './errors';
import { IdbStore } from './idb-store';
import { openDatabase, openStore } from './open';
import { DB_NAME, DB_VERSION, MIGRATIONS } from './schema';
import type { StoreNotice } from './store';
import { fixtureDataset } from './test-fixtures';

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

/** Another tab opening a newer schema; rejects if our connection blocks it. */
function upgradeFromAnotherTab(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, DB_VERSION + 1);
    request.onupgradeneeded = () => {};
    request.onblocked = () => reject(new Error('blocked by the first tab'));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('IdbStore', () => {
  it('keeps data across connections (a reload)', async () => {
    const factory = new IDBFactory();
    const first = (await openStore(factory)).store;
    const v1 = fixtureDataset('nb201', 1);
    await first.putDataset(v1.meta, v1.columns);
    first.close();
    const second = (await openStore(factory)).store;
    expect(await second.listDatasets()).toEqual([v1.meta]);
    expect((await second.loadTable('nb201'))?.columns).toEqual(v1.columns);
  });

  it('reports a full quota with the storage estimate and keeps the previous version', async () => {
    const estimate = vi.fn(async () => ({ usage: 49_900_000, quota: 50_000_000 }));
    const store = (await openStore(new IDBFactory(), { estimate })).store;
    const v1 = fixtureDataset('nb201', 1);
    await store.putDataset(v1.meta, v1.columns);
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if ((value as { name?: string }).name === 'lat') throw new DOMException('quota reached', 'QuotaExceededError');
      return put.call(this, value, key);
    });
    const v2 = fixtureDataset('nb201', 2);
    const error = await rejection(store.putDataset(v2.meta, v2.columns));
    expect(error.kind).toBe('quota');
    expect(error.message).toBe('Browser storage is full (49.9 MB used of 50.0 MB): free space or remove imported tables; nothing was changed');
    expect(estimate).toHaveBeenCalled();
    vi.restoreAllMocks();
    expect(await store.getDataset('nb201')).toEqual(v1.meta);
    expect((await store.loadTable('nb201'))?.columns).toEqual(v1.columns);
  });

  it('lets go when another tab upgrades, tells the user, and keeps serving what it has read', async () => {
    const factory = new IDBFactory();
    const store = (await openStore(factory)).store;
    const v1 = fixtureDataset('nb201', 1);
    const other = fixtureDataset('nb201-lat', 1);
    await store.putDataset(v1.meta, v1.columns);
    await store.putDataset(other.meta, other.columns);
    const list = await store.listDatasets();
    const held = await store.loadTable('nb201');
    const notices: StoreNotice[] = [];
    store.onNotice((notice) => notices.push(notice));

    const newerTab = await upgradeFromAnotherTab(factory);
    expect(newerTab.version).toBe(DB_VERSION + 1);
    expect(notices).toEqual([{ kind: 'upgraded-elsewhere', message: UPGRADED_ELSEWHERE }]);

    expect(await store.listDatasets()).toEqual(list);
    expect(await store.getDataset('nb201')).toEqual(v1.meta);
    expect(await store.getDataset('never-stored')).toBeUndefined();
    expect(await store.loadTable('nb201')).toBe(held);
    expect(await store.countRows('nb201')).toBe(5);
    // Never loaded here, so there is nothing to serve it from.
    const unread = await rejection(store.loadTable('nb201-lat'));
    expect(unread.message).toBe(UPGRADED_ELSEWHERE);
    const write = await rejection(store.putDataset(v1.meta, v1.columns));
    expect(write.kind).toBe('upgraded-elsewhere');
    expect(write.message).toBe(UPGRADED_ELSEWHERE);
    expect((await rejection(store.deleteDataset('nb201'))).kind).toBe('upgraded-elsewhere');

    const late: StoreNotice[] = [];
    store.onNotice((notice) => late.push(notice));
    expect(late.map((n) => n.kind)).toEqual(['upgraded-elsewhere']);
    newerTab.close();
  });

  it('tells the user when the browser closes the connection', async () => {
    const db = await openDatabase(new IDBFactory(), MIGRATIONS, 5000);
    const store = new IdbStore(db);
    const notices: StoreNotice[] = [];
    store.onNotice((notice) => notices.push(notice));
    forceCloseDatabase(unwrap(db) as never);
    expect(notices).toEqual([{ kind: 'closed', message: CONNECTION_CLOSED }]);
    const v1 = fixtureDataset('nb201', 1);
    expect((await rejection(store.putDataset(v1.meta, v1.columns))).kind).toBe('closed');
  });
});
