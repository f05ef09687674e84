import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { UPGRADED_ELSEWHERE } from '../db/errors';
import { buildBundle, MANIFEST_URL, nb201Source, testServer, type SourceTable } from '../db/ingest-fixtures';
import { openStore } from '../db/open';
import { DB_NAME, DB_VERSION } from '../db/schema';
import { codeToOps, NB201_NUM_CELLS, opsToArchStr } from '../spaces/nb201';
import { createIngestHandler, INGEST_ALREADY_RUNNING } from './ingest-handler';
import type { IngestWorkerResponse } from './ingest-messages';

/** The NB201 table as the pipeline writes it: every cell, official index a permutation of ops_code. */
function fullNb201(): SourceTable {
  const codes = Array.from({ length: NB201_NUM_CELLS }, (_, r) => r);
  return {
    id: 'nb201',
    space: 'nb201',
    columns: [
      { name: 'index', kind: 'key', unit: '', description: 'index', decimals: 0, values: codes.map((c) => (c * 7) % NB201_NUM_CELLS) },
      { name: 'ops_code', kind: 'key', unit: '', description: 'ops code', decimals: 0, values: codes },
    ],
  };
}

function setup(sources: SourceTable[] = [fullNb201(), nb201Source('latbench', 20, 1)], holdMaxMs?: number) {
  const factory = new IDBFactory();
  const server = testServer(buildBundle(sources));
  const posted: IngestWorkerResponse[] = [];
  const handle = createIngestHandler({ openStore: () => openStore(factory), fetch: server.fetch, post: (m) => posted.push(m), holdMaxMs });
  return { factory, handle, posted, of: <T extends IngestWorkerResponse['type']>(type: T) => posted.filter((m): m is Extract<IngestWorkerResponse, { type: T }> => m.type === type) };
}

describe('ingest worker handler', () => {
  it('opens the store once, streams progress and ends with the report', async () => {
    const { handle, of } = setup();
    await handle({ type: 'ingest', requestId: 1, manifestUrl: MANIFEST_URL });
    await handle({ type: 'ingest', requestId: 2, manifestUrl: MANIFEST_URL });
    expect(of('store')).toEqual([{ type: 'store', mode: 'indexeddb' }]);
    expect(
      of('progress')
        .filter((m) => m.requestId === 1)
        .map((m) => m.progress.phase),
    ).toContain('download');
    const reports = of('ingest-report');
    expect(reports.map((r) => [r.requestId, r.report.datasets.map((d) => d.status)])).toEqual([
      [1, ['imported', 'imported']],
      [2, ['skipped', 'skipped']],
    ]);
  });

  it('sends the first tables as soon as they are decoded, before they are stored, and not when unchanged', async () => {
    const { handle, posted, of, factory } = setup();
    await handle({ type: 'ingest', requestId: 1, manifestUrl: MANIFEST_URL, first: ['latbench'] });
    const decoded = of('decoded');
    expect(decoded.map((m) => [m.requestId, m.dataset.id])).toEqual([[1, 'latbench']]);
    // Before the write began: the page does not wait for the store.
    const at = (match: (m: IngestWorkerResponse) => boolean) => posted.findIndex(match);
    expect(at((m) => m.type === 'decoded')).toBeLessThan(at((m) => m.type === 'progress' && m.progress.datasetId === 'latbench' && m.progress.phase === 'store'));
    // The same table and metadata as stored.
    const { store } = await openStore(factory);
    expect(decoded[0].table.columns).toEqual((await store.loadTable('latbench'))!.columns);
    expect(decoded[0].dataset).toEqual(await store.getDataset('latbench'));
    store.close();
    await handle({ type: 'ingest', requestId: 2, manifestUrl: MANIFEST_URL, first: ['latbench'] });
    expect(of('decoded')).toHaveLength(1);
  });

  it('holds after the last first table until the page says continue, storing nothing meanwhile', async () => {
    const { handle, posted, of } = setup(undefined, 60_000);
    const ingest = handle({ type: 'ingest', requestId: 1, manifestUrl: MANIFEST_URL, first: ['latbench', 'nb201'], hold: true });
    await vi.waitFor(() => expect(of('decoded').map((m) => m.dataset.id)).toEqual(['latbench', 'nb201']));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Both decoded and sent, neither stored: the page draws with the CPU to itself.
    expect(of('progress').filter((m) => m.progress.phase === 'store' || m.progress.phase === 'done')).toEqual([]);
    expect(of('ingest-report')).toEqual([]);
    await handle({ type: 'continue' });
    await ingest;
    expect(of('ingest-report')[0].report.datasets.map((d) => [d.id, d.status])).toEqual([
      ['latbench', 'imported'],
      ['nb201', 'imported'],
    ]);
    // Stored in the page's order once released, after every decode.
    const stores = posted.flatMap((m, i) => (m.type === 'progress' && m.progress.phase === 'store' ? [i] : []));
    const lastDecoded = Math.max(...posted.flatMap((m, i) => (m.type === 'decoded' ? [i] : [])));
    expect(stores.every((i) => i > lastDecoded)).toBe(true);
  });

  it('goes on by itself when the page never says continue', async () => {
    const { handle, of } = setup(undefined, 30);
    await handle({ type: 'ingest', requestId: 1, manifestUrl: MANIFEST_URL, first: ['nb201'], hold: true });
    expect(of('ingest-report')[0].report.datasets.every((d) => d.status === 'imported')).toBe(true);
  });

  it('refuses a second ingest while one runs, and cancels on request', async () => {
    const { handle, of } = setup();
    const first = handle({ type: 'ingest', requestId: 1, manifestUrl: MANIFEST_URL });
    await handle({ type: 'ingest', requestId: 2, manifestUrl: MANIFEST_URL });
    expect(of('error')).toEqual([{ type: 'error', requestId: 2, message: INGEST_ALREADY_RUNNING }]);
    await handle({ type: 'cancel' });
    await first;
    const [report] = of('ingest-report');
    expect(report.report.cancelled).toBe(true);
    expect(report.report.datasets.every((d) => d.status === 'cancelled')).toBe(true);
  });

  it('says so when the manifest URL is relative', async () => {
    const { handle, of } = setup();
    await handle({ type: 'ingest', requestId: 3, manifestUrl: 'datasets/manifest.json' });
    expect(of('error')).toEqual([{ type: 'error', requestId: 3, message: 'The manifest URL must be absolute, got datasets/manifest.json' }]);
  });

  it('imports a user table once the NB201 table is stored, and serves tables', async () => {
    const { handle, of } = setup();
    const csv = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;
    const arch = opsToArchStr(codeToOps(10));
    await handle({ type: 'import-user-table', requestId: 4, name: 'phone.csv', bytes: csv(`arch_str,latency_ms\n${arch},3.5\n`) });
    const [early] = of('user-table-imported');
    expect(early.result).toEqual({ ok: false, message: expect.stringMatching(/needs the NAS-Bench-201 table, which is not stored yet/) });

    await handle({ type: 'ingest', requestId: 5, manifestUrl: MANIFEST_URL });
    await handle({ type: 'import-user-table', requestId: 6, name: 'phone.csv', bytes: csv(`arch_str,latency_ms\n${arch},3.5\n`) });
    const imported = of('user-table-imported')[1];
    expect(imported).toMatchObject({ requestId: 6, result: { ok: true, replaced: false, dataset: { id: 'user:phone' } } });

    await handle({ type: 'load-table', requestId: 7, datasetId: 'user:phone' });
    await handle({ type: 'load-table', requestId: 8, datasetId: 'nope' });
    const [table, none] = of('table');
    expect(table.meta?.origin).toBe('user');
    expect(table.table?.columns.latency_ms[70]).toBe(3.5); // index of ops code 10 is 10·7
    expect(none).toEqual({ type: 'table', requestId: 8, table: undefined, meta: undefined });
  });

  it('forwards store notices and reports unknown requests', async () => {
    const { factory, handle, of } = setup();
    await handle({ type: 'load-table', requestId: 1, datasetId: 'nb201' });
    await new Promise<void>((resolve, reject) => {
      const request = factory.open(DB_NAME, DB_VERSION + 1);
      request.onblocked = () => reject(new Error('blocked'));
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
    });
    expect(of('notice')).toEqual([{ type: 'notice', notice: { kind: 'upgraded-elsewhere', message: UPGRADED_ELSEWHERE } }]);
    await handle({ type: 'bogus' } as never);
    expect(of('error')).toEqual([{ type: 'error', message: 'Unknown request "bogus"' }]);
  });
});
