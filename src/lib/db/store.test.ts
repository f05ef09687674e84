import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from './errors';
import { MemoryStore } from './memory-store';
import { openStore } from './open';
import { browserEstimate, describeColumn, type DataStore } from './store';
import { fixtureDataset, type DatasetFixture } from './test-fixtures';

const implementations: [string, () => Promise<DataStore>][] = [
  [
    'IdbStore',
    async () => {
      const opened = await openStore(new IDBFactory());
      expect(opened.mode).toBe('indexeddb');
      return opened.store;
    },
  ],
  ['MemoryStore', async () => new MemoryStore()],
];

/** A Float64Array that passes every check but cannot be structured-cloned (a Proxy). */
function uncloneable(values: Float64Array): Float64Array {
  return new Proxy(values, { get: (target, key) => Reflect.get(target, key) });
}

async function expectIntact(store: DataStore, expected: DatasetFixture): Promise<void> {
  expect(await store.getDataset(expected.meta.id)).toEqual(expected.meta);
  const table = await store.loadTable(expected.meta.id);
  expect(table?.columns).toEqual(expected.columns);
  expect(await store.countRows(expected.meta.id)).toBe(expected.meta.rows);
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

describe.each(implementations)('%s', (_name, create) => {
  it('starts empty', async () => {
    const store = await create();
    expect(await store.listDatasets()).toEqual([]);
    expect(await store.getDataset('nb201')).toBeUndefined();
    expect(await store.loadTable('nb201')).toBeUndefined();
    expect(await store.countRows('nb201')).toBeUndefined();
  });

  it('stores a dataset and reads it back whole, NaN included', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    await store.putDataset(v1.meta, v1.columns);
    expect(await store.listDatasets()).toEqual([v1.meta]);
    const table = await store.loadTable('nb201');
    expect(table).toMatchObject({ id: 'nb201', version: v1.meta.version, rows: 5 });
    expect(Object.keys(table!.columns)).toEqual(['index', 'acc', 'lat']);
    expect(table!.columns.lat[1]).toBeNaN();
    expect(table!.columns.acc[4]).toBe(1104);
    await expectIntact(store, v1);
  });

  it('keeps its own copies: mutating the input or a loaded table changes nothing stored', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    const input = fixtureDataset('nb201', 1);
    await store.putDataset(input.meta, input.columns);
    input.columns.acc[0] = -1;
    input.meta.title = 'changed';
    (await store.loadTable('nb201'))!.columns.acc[0] = -2;
    await expectIntact(store, v1);
  });

  it('replaces a dataset whole: columns dropped in the new version are gone', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    const v2 = fixtureDataset('nb201', 2, 7, ['index', 'acc']);
    await store.putDataset(v1.meta, v1.columns);
    await store.putDataset(v2.meta, v2.columns);
    await expectIntact(store, v2);
    expect(Object.keys((await store.loadTable('nb201'))!.columns)).toEqual(['index', 'acc']);
  });

  it('keeps datasets apart, even when one id is a prefix of another', async () => {
    const store = await create();
    const a = fixtureDataset('nb201', 1);
    const b = fixtureDataset('nb201-lat', 2, 3);
    await store.putDataset(a.meta, a.columns);
    await store.putDataset(b.meta, b.columns);
    expect((await store.listDatasets()).map((m) => m.id)).toEqual(['nb201', 'nb201-lat']);
    expect(await store.deleteDataset('nb201')).toBe(true);
    expect(await store.getDataset('nb201')).toBeUndefined();
    expect(await store.loadTable('nb201')).toBeUndefined();
    expect(await store.countRows('nb201')).toBeUndefined();
    await expectIntact(store, b);
    expect(await store.deleteDataset('nb201')).toBe(false);
  });

  it('rejects columns that do not match the metadata, changing nothing', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    await store.putDataset(v1.meta, v1.columns);
    const short = fixtureDataset('nb201', 2);
    short.columns.acc = short.columns.acc.subarray(0, 4);
    expect((await rejection(store.putDataset(short.meta, short.columns))).message).toBe('Could not store dataset "nb201": column "acc" has 4 values, expected 5; nothing was changed');
    const missing = fixtureDataset('nb201', 2);
    delete missing.columns.lat;
    expect((await rejection(store.putDataset(missing.meta, missing.columns))).message).toMatch(/column "lat" has no float64 values/);
    const extra = fixtureDataset('nb201', 2);
    extra.columns.other = new Float64Array(5);
    expect((await rejection(store.putDataset(extra.meta, extra.columns))).kind).toBe('bad-data');
    const wrongType = fixtureDataset('nb201', 2);
    (wrongType.columns as Record<string, unknown>).acc = [1, 2, 3, 4, 5];
    expect((await rejection(store.putDataset(wrongType.meta, wrongType.columns))).kind).toBe('bad-data');
    await expectIntact(store, v1);
  });

  it('leaves the previous version intact when a column fails to store mid-write', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    await store.putDataset(v1.meta, v1.columns);
    const v2 = fixtureDataset('nb201', 2);
    v2.columns.lat = uncloneable(v2.columns.lat); // the last column: index and acc are already written
    const error = await rejection(store.putDataset(v2.meta, v2.columns));
    expect(error.kind).toBe('bad-data');
    expect(error.message).toMatch(/^Could not store dataset "nb201": a value cannot be stored \(.+\); nothing was changed$/);
    await expectIntact(store, v1);
  });

  it('leaves the previous version intact when the metadata (written last) fails to store', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    await store.putDataset(v1.meta, v1.columns);
    const v2 = fixtureDataset('nb201', 2);
    (v2.meta as unknown as { extra: unknown }).extra = () => 'not cloneable';
    expect((await rejection(store.putDataset(v2.meta, v2.columns))).kind).toBe('bad-data');
    await expectIntact(store, v1);
  });

  it('cancels a write when its signal aborts before it commits', async () => {
    const store = await create();
    const v1 = fixtureDataset('nb201', 1);
    await store.putDataset(v1.meta, v1.columns);
    const v2 = fixtureDataset('nb201', 2);
    const controller = new AbortController();
    const pending = store.putDataset(v2.meta, v2.columns, { signal: controller.signal });
    controller.abort();
    const error = await rejection(pending);
    expect(error.kind).toBe('aborted');
    expect(error.message).toBe('Cancelled: could not store dataset "nb201"; nothing was changed');
    await expectIntact(store, v1);
    const early = await rejection(store.putDataset(v2.meta, v2.columns, { signal: AbortSignal.abort() }));
    expect(early.kind).toBe('aborted');
    await expectIntact(store, v1);
  });
});

describe('browserEstimate', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("returns the browser's usage and quota", async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 1_000, quota: 5_000 }) } });
    expect(await browserEstimate()).toEqual({ usage: 1_000, quota: 5_000 });
  });

  it('returns undefined when the browser has no estimate or it fails', async () => {
    vi.stubGlobal('navigator', {});
    expect(await browserEstimate()).toBeUndefined();
    vi.stubGlobal('navigator', {
      storage: {
        estimate: async () => {
          throw new Error('denied');
        },
      },
    });
    expect(await browserEstimate()).toBeUndefined();
  });
});

describe('describeColumn', () => {
  const spec = { name: 'lat', kind: 'latency' as const, unit: 'ms', description: 'latency' };
  it('counts missing values and finds the range of the others', () => {
    expect(describeColumn(spec, Float64Array.from([3, NaN, -1, 7]))).toEqual({ ...spec, nMissing: 1, min: -1, max: 7 });
  });
  it('gives NaN bounds when every value is missing', () => {
    expect(describeColumn(spec, Float64Array.from([NaN, NaN]))).toEqual({ ...spec, nMissing: 2, min: NaN, max: NaN });
  });
});
