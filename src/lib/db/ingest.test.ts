import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CANCELLED, ingestBundled, ingestOrder, tableProblem, type IngestOptions, type IngestProgress } from './ingest';
import { BASE, buildBundle, MANIFEST_URL, nb101Source, nb201Source, testServer, type Bundle, type TestServer } from './ingest-fixtures';
import { openStore } from './open';
import type { DataStore } from './store';

async function setup(bundle: Bundle) {
  const { store } = await openStore(new IDBFactory());
  return { store, server: testServer(bundle) };
}

function run(store: DataStore, server: TestServer, extra: Partial<IngestOptions> = {}) {
  const events: IngestProgress[] = [];
  const report = ingestBundled({ manifestUrl: MANIFEST_URL, fetch: server.fetch, store, onProgress: (p) => events.push(p), ...extra });
  return { report, events };
}

async function expectTable(store: DataStore, bundle: Bundle, id: string) {
  const table = await store.loadTable(id);
  expect(table?.version).toBe(bundle.manifest.datasets.find((d) => d.id === id)!.version);
  expect(table?.columns).toEqual(bundle.expected.get(id));
}

const v1 = () => buildBundle([nb101Source(6), nb201Source('nb201', 40, 1), nb201Source('latbench', 30, 2)], [{ id: 'help', file: 'help-latency/help_nb201_latency.csv', problem: 'not found' }]);

describe('ingestBundled', () => {
  it('imports every dataset, NB201-space first, with byte progress', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    const { report, events } = run(store, server);
    const done = await report;
    expect(done.error).toBeUndefined();
    expect(done.cancelled).toBe(false);
    expect(done.datasets.map((d) => [d.id, d.status])).toEqual([
      ['nb201', 'imported'],
      ['latbench', 'imported'],
      ['nb101', 'imported'],
    ]);
    expect(done.missing).toEqual([{ id: 'help', file: 'help-latency/help_nb201_latency.csv', problem: 'not found' }]);
    expect(done.generatedAt).toBe('2026-01-01T00:00:00.000Z');
    const nb201 = done.datasets[0];
    expect(nb201).toMatchObject({ rows: 40, bytes: bundle.files.get('nb201.bin.gz')!.length, title: 'Table nb201', space: 'nb201' });
    expect(nb201.note).toBeUndefined();
    for (const id of ['nb201', 'latbench', 'nb101']) await expectTable(store, bundle, id);

    const meta = await store.getDataset('nb201');
    expect(meta).toMatchObject({ origin: 'bundled', sha256: bundle.manifest.datasets[1].sha256, rows: 40, caveats: ['a caveat'], source: 'test source' });
    expect(meta?.columns.map((c) => c.name)).toEqual(['index', 'c10_test', 'lat_ms']);
    expect(meta?.columns[2]).toMatchObject({ unit: 'ms', nMissing: 1, device: { label: 'Test phone', family: 'phone' } });
    expect(meta?.columns[2]).not.toHaveProperty('byteOffset');
    expect((await store.getDataset('nb101'))?.keys).toEqual(['hash0', 'hash1', 'hash2', 'hash3', 'hash4', 'hash5']);

    const nb201Events = events.filter((e) => e.datasetId === 'nb201');
    expect([...new Set(nb201Events.map((e) => e.phase))]).toEqual(['check', 'download', 'decode', 'store', 'done']);
    const downloads = nb201Events.filter((e) => e.phase === 'download');
    expect(downloads.length).toBeGreaterThan(1); // served in 64-byte chunks
    expect(downloads.map((e) => e.loaded)).toEqual([...downloads.map((e) => e.loaded)].sort((a, b) => a - b));
    expect(downloads.at(-1)).toMatchObject({ loaded: nb201.bytes, total: nb201.bytes });
  });

  it('skips unchanged datasets on checksum without downloading them', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    await run(store, server).report;
    server.requested.length = 0;
    const { report, events } = run(store, server);
    const done = await report;
    expect(done.datasets.map((d) => d.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(done.datasets.every((d) => d.bytes === 0)).toBe(true);
    expect(server.requested).toEqual([MANIFEST_URL]);
    expect(events.filter((e) => e.phase === 'skip').map((e) => e.datasetId)).toEqual(['nb201', 'latbench', 'nb101']);
  });

  it('re-imports a dataset whose file changed, and only that one', async () => {
    const { store, server } = await setup(v1());
    await run(store, server).report;
    const v2 = buildBundle([nb101Source(6), nb201Source('nb201', 45, 7), nb201Source('latbench', 30, 2)]);
    server.serve('manifest.json', JSON.stringify(v2.manifest));
    server.serve('nb201.bin.gz', v2.files.get('nb201.bin.gz')!);
    server.requested.length = 0;
    const done = await run(store, server).report;
    expect(done.datasets.map((d) => [d.id, d.status])).toEqual([
      ['nb201', 'imported'],
      ['latbench', 'skipped'],
      ['nb101', 'skipped'],
    ]);
    expect(server.requested).toEqual([MANIFEST_URL, `${BASE}nb201.bin.gz`]);
    await expectTable(store, v2, 'nb201');
    expect(await store.countRows('nb201')).toBe(45);
  });

  it('fails a corrupted file, keeps its previous version, and goes on with the others', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    await run(store, server).report;
    const v2 = buildBundle([nb101Source(6), nb201Source('nb201', 40, 5), nb201Source('latbench', 30, 6)]);
    const corrupt = v2.files.get('nb201.bin.gz')!.slice();
    corrupt[corrupt.length - 12] ^= 0xff;
    server.serve('manifest.json', JSON.stringify(v2.manifest));
    server.serve('nb201.bin.gz', corrupt);
    server.serve('latbench.bin.gz', v2.files.get('latbench.bin.gz')!);
    const { report, events } = run(store, server);
    const done = await report;
    expect(done.datasets.map((d) => d.status)).toEqual(['failed', 'imported', 'skipped']);
    expect(done.datasets[0].error).toMatch(/^nb201\.bin\.gz: checksum mismatch \(sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}…\); the file is corrupt or from another build$/);
    expect(events).toContainEqual(expect.objectContaining({ datasetId: 'nb201', phase: 'error', message: done.datasets[0].error }));
    await expectTable(store, bundle, 'nb201');
    await expectTable(store, v2, 'latbench');
  });

  it('leaves the previous version when cancelled mid-download, and stops there', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    await run(store, server).report;
    const v2 = buildBundle([nb101Source(7), nb201Source('nb201', 40, 9), nb201Source('latbench', 30, 9)]);
    for (const [file, bytes] of v2.files) server.serve(file, bytes);
    server.serve('manifest.json', JSON.stringify(v2.manifest));
    const controller = new AbortController();
    server.requested.length = 0;
    const done = await run(store, server, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.datasetId === 'nb201' && p.phase === 'download') controller.abort();
      },
    }).report;
    expect(done.cancelled).toBe(true);
    expect(done.datasets.map((d) => d.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(done.datasets[0].error).toBe(CANCELLED);
    expect(server.requested).toEqual([MANIFEST_URL, `${BASE}nb201.bin.gz`]);
    for (const id of ['nb201', 'latbench', 'nb101']) await expectTable(store, bundle, id);
  });

  it('leaves the previous version when cancelled while storing', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    await run(store, server).report;
    const v2 = buildBundle([nb201Source('nb201', 40, 9)]);
    server.serve('manifest.json', JSON.stringify(v2.manifest));
    server.serve('nb201.bin.gz', v2.files.get('nb201.bin.gz')!);
    const controller = new AbortController();
    const done = await run(store, server, {
      signal: controller.signal,
      // Abort once the write has started (the store phase is announced just before it).
      onProgress: (p) => {
        if (p.phase === 'store') queueMicrotask(() => controller.abort());
      },
    }).report;
    expect(done.datasets.map((d) => d.status)).toEqual(['cancelled']);
    await expectTable(store, bundle, 'nb201');
    expect(await store.countRows('nb201')).toBe(40);
  });

  it('accepts a file the server already decompressed, checking its size and saying so', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    server.serve('nb201.bin.gz', new Uint8Array(gunzipSync(bundle.files.get('nb201.bin.gz')!)));
    const done = await run(store, server, { only: ['nb201'] }).report;
    expect(done.datasets[0]).toMatchObject({ status: 'imported', note: 'the server sent the file already decompressed: its size was checked, its checksum could not be' });
    await expectTable(store, bundle, 'nb201');
  });

  it('fails files of the wrong size, missing files and duplicate keys, each with its own sentence', async () => {
    const bundle = buildBundle([
      nb201Source('nb201', 40, 1),
      nb201Source('latbench', 30, 2),
      { ...nb201Source('hwnas', 10, 3), columns: nb201Source('hwnas', 10, 3).columns.map((c) => (c.name === 'index' ? { ...c, values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 3] } : c)) },
    ]);
    const { store, server } = await setup(bundle);
    server.serve('nb201.bin.gz', bundle.files.get('nb201.bin.gz')!.subarray(0, 100));
    server.serve('latbench.bin.gz', 404);
    const done = await run(store, server).report;
    expect(done.datasets.map((d) => [d.id, d.status, d.error])).toEqual([
      ['nb201', 'failed', `nb201.bin.gz: received 100 bytes, the manifest says ${bundle.manifest.datasets[0].bytes}`],
      ['latbench', 'failed', 'latbench.bin.gz: the server answered HTTP 404'],
      ['hwnas', 'failed', 'hwnas.bin.gz: key column index repeats 3 (rows 3 and 9)'],
    ]);
    expect(await store.listDatasets()).toEqual([]);
  });

  it('reports an unusable manifest and imports nothing', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    server.serve('manifest.json', 404);
    expect((await run(store, server).report).error).toBe(`Could not load the dataset list (${MANIFEST_URL}): the server answered HTTP 404`);
    server.serve('manifest.json', '{"format":"other"}');
    const wrong = await run(store, server).report;
    expect(wrong.error).toBe(`Could not load the dataset list (${MANIFEST_URL}): manifest.json has format "other"; this app reads "brp-nas-lab/columns@1"`);
    expect(wrong.datasets).toEqual([]);
    expect(await store.listDatasets()).toEqual([]);
  });

  it('imports only the requested datasets and reports malformed or unknown ones', async () => {
    const bundle = v1();
    bundle.manifest.datasets[0] = { ...bundle.manifest.datasets[0], file: '../secret.bin.gz' };
    const { store, server } = await setup(bundle);
    const done = await run(store, server, { only: ['latbench', 'nb101', 'nope'] }).report;
    expect(done.datasets.map((d) => [d.id, d.status, d.error])).toEqual([
      ['nb101', 'failed', 'manifest.json: dataset nb101: file "../secret.bin.gz" is not a plain relative path'],
      ['nope', 'failed', 'nope is not listed in manifest.json'],
      ['latbench', 'imported', undefined],
    ]);
    expect((await store.listDatasets()).map((d) => d.id)).toEqual(['latbench']);
  });

  it('imports first what the page shows first, then the NB201-space tables, then the others', async () => {
    const bundle = v1();
    const { store, server } = await setup(bundle);
    const { report, events } = run(store, server, { first: ['latbench', 'nb201', 'not-listed'] });
    expect((await report).datasets.map((d) => d.id)).toEqual(['latbench', 'nb201', 'nb101']);
    expect([...new Set(events.map((e) => e.datasetId))]).toEqual(['latbench', 'nb201', 'nb101']);
  });
});

describe('ingestOrder', () => {
  const entries = [
    { id: 'nb101', space: 'nb101' },
    { id: 'nb201', space: 'nb201' },
    { id: 'darts', space: 'darts' },
    { id: 'help', space: 'nb201' },
    { id: 'latbench', space: 'nb201' },
  ] as const;
  it('puts NB201-space tables first, each group in manifest order', () => {
    expect(ingestOrder(entries).map((e) => e.id)).toEqual(['nb201', 'help', 'latbench', 'nb101', 'darts']);
  });
  it('puts the given ones before them, in the given order, whatever their space', () => {
    expect(ingestOrder(entries, ['latbench', 'darts', 'nb201']).map((e) => e.id)).toEqual(['latbench', 'darts', 'nb201', 'help', 'nb101']);
  });
});

describe('tableProblem', () => {
  const entry = {
    rows: 3,
    columns: [
      { name: 'index', kind: 'key' as const },
      { name: 'acc', kind: 'accuracy' as const },
    ],
  };
  const problem = (index: number[], acc = [1, NaN, 3]) => tableProblem(entry as never, { id: 't', version: 'v', rows: 3, columns: { index: Float64Array.from(index), acc: Float64Array.from(acc) } });
  it('accepts whole unique keys and missing values elsewhere', () => expect(problem([2, 0, 1])).toBeUndefined());
  it('rejects missing, fractional and short key columns', () => {
    expect(problem([0, NaN, 1])).toBe('key column index has a missing value in row 1');
    expect(problem([0, 1.5, 2])).toBe('key column index has the non-integer 1.5 in row 1');
    expect(problem([0, 1, 2], [1, 2])).toBe('column acc has 2 values, expected 3');
  });
});
