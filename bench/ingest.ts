/**
 * `npm run bench:ingest`: cold start of the built app in headless Chromium until every NB201-space
 * table is in IndexedDB and readable. Each run uses a fresh browser profile (empty IndexedDB).
 * Prints and records the wall time, bytes transferred and the longest main-thread task (from a
 * Chrome trace: every task, not only those over the 50 ms long-task threshold).
 */
import type { Request } from '@playwright/test';
import { commitId, launchChromium, machine, median, serveDist, writeReport } from './common';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const NB201_SPACE = { nb201: 15625, latbench: 15284, help: 15625, hwnasbench: 15625 } as const;

interface Run {
  wallMs: number;
  bytesTransferred: number;
  datasetBytes: number;
  longestMainThreadTaskMs: number;
  warmReloadMs: number;
  rows: Record<string, number>;
}

interface TraceEvent { name: string; ph: string; dur?: number; tid: number; pid: number; args?: { name?: string } }

/** Longest task on the page's renderer main thread, ms, from a devtools.timeline trace. */
function longestMainThreadTask(trace: Buffer): number {
  const events: TraceEvent[] = JSON.parse(trace.toString()).traceEvents;
  const mainThreads = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  let longest = 0;
  for (const e of events) {
    if (e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && mainThreads.has(`${e.pid}:${e.tid}`)) {
      longest = Math.max(longest, (e.dur ?? 0) / 1000);
    }
  }
  return longest;
}

async function main() {
  const server = await serveDist();
  const browser = await launchChromium();
  const runs: Run[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const finished: Request[] = [];
      page.on('requestfinished', (request) => finished.push(request));
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      await page.goto(server.url);
      await page.waitForFunction(() => document.documentElement.dataset.readyAtMs, null, { timeout: 60_000 });
      const wallMs = Number(await page.evaluate(() => document.documentElement.dataset.readyAtMs));
      // Count the requests that finished before the tables were ready, not the compute worker's
      // later downloads (it starts only then).
      let bytes = 0, datasetBytes = 0;
      for (const request of [...finished]) {
        const sizes = await request.sizes().catch(() => undefined);
        if (!sizes) continue;
        const transferred = sizes.responseBodySize + sizes.responseHeadersSize;
        bytes += transferred;
        if (/\/datasets\//.test(request.url())) datasetBytes += transferred;
      }
      const trace = await browser.stopTracing();
      const rows = await page.evaluate(async (ids) => {
        const db = await new Promise<IDBDatabase>((res, rej) => {
          const request = indexedDB.open('brp-nas-lab');
          request.onsuccess = () => res(request.result);
          request.onerror = () => rej(request.error);
        });
        const out: Record<string, number> = {};
        for (const id of ids) {
          const records = await new Promise<{ values: Float64Array }[]>((res) => {
            const request = db.transaction('columns').objectStore('columns').getAll(IDBKeyRange.bound([id], [id, []]));
            request.onsuccess = () => res(request.result);
          });
          const lengths = new Set(records.map((c) => c.values.length));
          out[id] = lengths.size === 1 ? [...lengths][0] : -1;
        }
        db.close();
        return out;
      }, Object.keys(NB201_SPACE));
      for (const [id, expected] of Object.entries(NB201_SPACE)) {
        if (rows[id] !== expected) throw new Error(`run ${r + 1}: ${id} has ${rows[id]} rows in IndexedDB, expected ${expected}`);
      }
      // Warm start: same profile, checksum hit, nothing downloaded again.
      await page.reload();
      await page.waitForFunction(() => document.documentElement.dataset.readyAtMs, null, { timeout: 60_000 });
      const warmReloadMs = Number(await page.evaluate(() => document.documentElement.dataset.readyAtMs));
      const run = { wallMs, bytesTransferred: bytes, datasetBytes, longestMainThreadTaskMs: longestMainThreadTask(trace), warmReloadMs, rows };
      console.log(`run ${r + 1}/${RUNS}: cold ${wallMs.toFixed(0)} ms, ${(bytes / 1e6).toFixed(2)} MB transferred (datasets ${(datasetBytes / 1e6).toFixed(2)} MB), longest main-thread task ${run.longestMainThreadTaskMs.toFixed(1)} ms, warm reload ${warmReloadMs.toFixed(0)} ms`);
      runs.push(run);
      await context.close();
    }
    const result = {
      commit: commitId(),
      date: new Date().toISOString(),
      machine: machine(browser),
      runs: runs.length,
      wallMs: Math.round(median(runs.map((r) => r.wallMs))),
      bytesTransferred: Math.round(median(runs.map((r) => r.bytesTransferred))),
      datasetBytesTransferred: Math.round(median(runs.map((r) => r.datasetBytes))),
      longestMainThreadTaskMs: Number(median(runs.map((r) => r.longestMainThreadTaskMs)).toFixed(1)),
      longestMainThreadTaskMsMax: Number(Math.max(...runs.map((r) => r.longestMainThreadTaskMs)).toFixed(1)),
      warmReloadMs: Math.round(median(runs.map((r) => r.warmReloadMs))),
      rows: runs[0].rows,
      perRun: runs.map(({ rows: _rows, ...r }) => r),
      targets: { wallMs: 3000, bytesTransferred: 4_000_000, longestMainThreadTaskMs: 200 },
    };
    const ok = (v: number, max: number) => (v <= max ? 'meets' : '**misses**');
    const md = `# bench:ingest — cold start to all NB201-space tables in IndexedDB

${result.date} · commit ${result.commit} · ${result.machine} · median of ${result.runs} cold runs (fresh profile each)

| metric | median | target | |
|---|---|---|---|
| wall time, navigation → tables readable | ${result.wallMs} ms | ≤ 3000 ms | ${ok(result.wallMs, 3000)} |
| bytes transferred (all requests until ready) | ${(result.bytesTransferred / 1e6).toFixed(2)} MB | ≤ 4 MB | ${ok(result.bytesTransferred, 4e6)} |
| of which dataset files | ${(result.datasetBytesTransferred / 1e6).toFixed(2)} MB | | |
| longest main-thread task | ${result.longestMainThreadTaskMs} ms (worst run ${result.longestMainThreadTaskMsMax} ms) | ≤ 200 ms | ${ok(result.longestMainThreadTaskMsMax, 200)} |
| warm reload (checksum hit, nothing downloaded) | ${result.warmReloadMs} ms | | |

Rows in IndexedDB: ${Object.entries(result.rows).map(([id, n]) => `${id} ${n.toLocaleString('en-US')}`).join(', ')}.
`;
    console.log(md);
    writeReport('ingest', result, md);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
