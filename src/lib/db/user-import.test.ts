import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Table } from '../datasets/columns';
import type { UserTableOk } from '../datasets/user-table';
import * as userTable from '../datasets/user-table';
import { codeToOps, NB201_NUM_CELLS, opsToArchStr } from '../spaces/nb201';
import { MemoryStore } from './memory-store';
import { openStore } from './open';
import type { DataStore } from './store';
import { importUserTable, loadNb201Lookup, nb201Lookup, userColumnKind, userDatasetId } from './user-import';

/** A stand-in NB201 table whose official index is a permutation of the op code, as in the real one. */
function nb201Table(): Table {
  const opsCode = Float64Array.from({ length: NB201_NUM_CELLS }, (_, r) => r);
  const index = Float64Array.from(opsCode, (code) => (code * 7) % NB201_NUM_CELLS);
  return { id: 'nb201', version: 'v', rows: NB201_NUM_CELLS, columns: { index, ops_code: opsCode } };
}
const lookup = nb201Lookup(nb201Table());
const arch = (code: number) => opsToArchStr(codeToOps(code));
const csv = (text: string) => new TextEncoder().encode(text);

async function idbStore(): Promise<DataStore> {
  return (await openStore(new IDBFactory())).store;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('importUserTable', () => {
  it('stores the file spread over the whole NB201 space, NaN where it has no row', async () => {
    const store = await idbStore();
    const file = { name: 'Pixel 7 latency.csv', bytes: csv(`arch_str,latency_ms,top1 (%)\n${arch(10)},1.5,70\n${arch(2000)},2.25,71.5\n`) };
    const result = await importUserTable(store, file, lookup);
    if (!result.ok) throw new Error(result.message);
    expect(result.replaced).toBe(false);
    expect(result.dataset).toMatchObject({
      id: 'user:pixel-7-latency',
      title: 'Pixel 7 latency',
      space: 'nb201',
      rows: 15625,
      origin: 'user',
      fileName: 'Pixel 7 latency.csv',
      bytes: file.bytes.length,
      source: 'Imported from Pixel 7 latency.csv: 2 rows keyed by arch_str',
    });
    expect(result.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.dataset.columns.map((c) => [c.name, c.kind, c.unit, c.nMissing])).toEqual([
      ['index', 'key', '', 0],
      ['latency_ms', 'latency', 'ms', 15623],
      ['top1 (%)', 'accuracy', '%', 15623],
    ]);
    const table = (await store.loadTable('user:pixel-7-latency'))!;
    expect(table.rows).toBe(15625);
    expect(table.columns.index[12345]).toBe(12345);
    const at = (code: number) => (code * 7) % NB201_NUM_CELLS;
    expect(table.columns.latency_ms[at(10)]).toBe(1.5);
    expect(table.columns.latency_ms[at(2000)]).toBe(2.25);
    expect(table.columns['top1 (%)'][at(2000)]).toBe(71.5);
    expect(Number.isNaN(table.columns.latency_ms[0])).toBe(at(10) !== 0 && at(2000) !== 0);
    expect(table.columns.latency_ms.filter((v) => !Number.isNaN(v))).toHaveLength(2);
  });

  it("returns the parser's message and stores nothing when the file is bad", async () => {
    const store = await idbStore();
    const result = await importUserTable(store, { name: 'bad.csv', bytes: csv(`arch_str,latency_ms\n${arch(1)},-3\n`) }, lookup);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(/^bad\.csv line 2, column 'latency_ms': '-3' is not a valid latency/);
    expect(await store.listDatasets()).toEqual([]);
  });

  it('replaces an earlier import of the same name whole', async () => {
    const store = await idbStore();
    await importUserTable(store, { name: 'phone.csv', bytes: csv('index,latency_ms,energy\n0,1,5\n1,2,6\n') }, lookup);
    const second = await importUserTable(store, { name: 'phone.csv', bytes: csv('index,latency_ms\n5,9\n') }, lookup);
    expect(second).toMatchObject({ ok: true, replaced: true });
    const table = (await store.loadTable('user:phone'))!;
    expect(Object.keys(table.columns)).toEqual(['index', 'latency_ms']);
    expect(table.columns.latency_ms[5]).toBe(9);
    expect(table.columns.latency_ms[0]).toBeNaN();
    expect((await store.listDatasets()).map((d) => d.id)).toEqual(['user:phone']);
  });

  it('keeps the earlier import when storing the new one fails', async () => {
    const store = await idbStore();
    await importUserTable(store, { name: 'phone.csv', bytes: csv('index,latency_ms\n0,1\n') }, lookup);
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if ((value as { name?: string }).name === 'latency_ms') throw new DOMException('full', 'QuotaExceededError');
      return put.call(this, value, key);
    });
    const result = await importUserTable(store, { name: 'phone.csv', bytes: csv('index,latency_ms\n0,7\n') }, lookup);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/^Browser storage is full.*nothing was changed$/) });
    vi.restoreAllMocks();
    expect((await store.loadTable('user:phone'))!.columns.latency_ms[0]).toBe(1);
  });

  it('refuses a parsed table whose indices repeat or fall outside the space', async () => {
    const store = new MemoryStore();
    const parsed = (index: number[]): UserTableOk => ({
      ok: true,
      name: 'hand',
      keyColumn: 'index',
      rows: index.length,
      index: Int32Array.from(index),
      columns: [{ name: 'lat_ms', unit: 'ms', values: new Float64Array(index.length).fill(1) }],
      warnings: [],
    });
    vi.spyOn(userTable, 'parseUserTable').mockReturnValueOnce(parsed([3, 3]));
    expect(await importUserTable(store, { name: 'hand.csv', bytes: csv('') }, lookup)).toEqual({ ok: false, message: 'hand.csv: data rows 1 and 2 are both NB201 index 3' });
    vi.spyOn(userTable, 'parseUserTable').mockReturnValueOnce(parsed([0, 15625]));
    expect(await importUserTable(store, { name: 'hand.csv', bytes: csv('') }, lookup)).toEqual({ ok: false, message: 'hand.csv: data row 2 has NB201 index 15625, outside 0..15624' });
    expect(await store.listDatasets()).toEqual([]);
  });
});

describe('names and kinds', () => {
  it('makes a stable slug id', () => {
    expect(userDatasetId('Pixel 7 — Latency (ms)')).toBe('user:pixel-7-latency-ms');
    expect(userDatasetId('Café')).toBe('user:cafe');
    expect(userDatasetId('***')).toBe('user:table');
    expect(userDatasetId('a'.repeat(60))).toBe(`user:${'a'.repeat(48)}`);
  });

  it('guesses what a column measures', () => {
    expect(userColumnKind('latency', '')).toBe('latency');
    expect(userColumnKind('t', 'ms')).toBe('latency');
    expect(userColumnKind('val_acc', '')).toBe('accuracy');
    expect(userColumnKind('x', '%')).toBe('accuracy');
    expect(userColumnKind('flops_m', '')).toBe('flops');
    expect(userColumnKind('params', '')).toBe('params');
    expect(userColumnKind('energy', 'mJ')).toBe('score');
  });
});

describe('nb201Lookup', () => {
  it('maps an arch string to its official index through ops_code', () => {
    expect(lookup.rows).toBe(15625);
    expect(lookup.indexOfArchStr(arch(3))).toBe(21);
    expect(lookup.indexOfArchStr('|conv~0|+|x|')).toBeUndefined();
  });

  it('needs the stored NB201 table', async () => {
    const store = new MemoryStore();
    await expect(loadNb201Lookup(store)).rejects.toThrow(/needs the NAS-Bench-201 table, which is not stored yet/);
    const bare = nb201Table();
    delete bare.columns.ops_code;
    expect(() => nb201Lookup(bare)).toThrow('The NAS-Bench-201 table (nb201) has no index or ops_code column; import it again');
  });
});
