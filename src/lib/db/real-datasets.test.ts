/**
 * The ingest and the user import on the real build output (`public/datasets/`, written by
 * `npm run datasets` from ../shared/datasets). Skipped, with a note, when it has not been built.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithData } from '../../test-support/real-data';
import { ingestBundled } from './ingest';
import { openStore } from './open';
import { importUserTable, loadNb201Lookup } from './user-import';

const DIR = fileURLToPath(new URL('../../../public/datasets/', import.meta.url));
const built = existsSync(`${DIR}manifest.json`);
if (!built) console.warn(`real-datasets.test: ${DIR}manifest.json not found (run npm run datasets); skipping`);

/** Serves public/datasets/ from disk as https://lab.test/datasets/. */
const diskFetch = (async (input: RequestInfo | URL) => {
  const path = new URL(String(input)).pathname.replace(/^\/datasets\//, '');
  if (!/^[\w.-]+$/.test(path) || !existsSync(DIR + path)) return new Response(null, { status: 404 });
  return new Response(readFileSync(DIR + path));
}) as typeof fetch;

describeWithData(built, `${DIR}manifest.json (npm run datasets)`, 'real build output', () => {
  it('imports every dataset, then skips them all, and maps user arch strings to official indices', async () => {
    const { store } = await openStore(new IDBFactory());
    const options = { manifestUrl: 'https://lab.test/datasets/manifest.json', fetch: diskFetch, store, onProgress: () => {} };
    const first = await ingestBundled(options);
    expect(first.error).toBeUndefined();
    expect(first.datasets.filter((d) => d.status !== 'imported')).toEqual([]);
    expect(first.datasets.slice(0, 4).every((d) => d.space === 'nb201')).toBe(true);

    const nb201 = (await store.loadTable('nb201'))!;
    expect(await store.countRows('nb201')).toBe(15625);
    const best = nb201.columns.c10_test.reduce((b, v, r, all) => (v > all[b] ? r : b), 0);
    expect(nb201.columns.index[best]).toBe(6111);
    expect(nb201.columns.c10_test[best]).toBeCloseTo(94.373333, 6);

    const second = await ingestBundled(options);
    expect(second.datasets.map((d) => d.status).every((s) => s === 'skipped')).toBe(true);

    // First rows of shared/datasets/nb201/nb201.csv: index 0 and 1.
    const csv = 'arch_str,latency_ms\n' + '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,4.5\n';
    const result = await importUserTable(store, { name: 'mine.csv', bytes: new TextEncoder().encode(csv) }, await loadNb201Lookup(store));
    expect(result.ok).toBe(true);
    const mine = (await store.loadTable('user:mine'))!;
    expect(mine.columns.latency_ms[0]).toBe(4.5);
    expect(mine.columns.latency_ms.filter((v) => !Number.isNaN(v))).toHaveLength(1);
  }, 60_000);
});
