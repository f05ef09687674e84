/**
 * `npm run bench:ingest`: cold start of the built app in headless Chromium until every NB201-space
 * table is in IndexedDB and readable and the Explorer's scatter is drawn and hoverable. Each run
 * uses a fresh browser profile (empty IndexedDB). Prints and records both times, bytes transferred
 * and the longest task on the page's main thread (from a Chrome trace: every task, not only those
 * over the 50 ms long-task threshold).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Request } from '@playwright/test';
import { commitId, launchChromium, machine, median, serveDist, writeReport } from './common';
import { isTask, longestMainThreadTask, mainThreadKeys, type TraceEvent } from './trace';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/**
 * BENCH_INGEST_TOP=1 prints each run's 10 longest main-thread tasks with what ran inside them and
 * keeps the traces; BENCH_INGEST_TOP=cpu also samples the JavaScript (for DevTools: it slows the page).
 */
const TOP = process.env.BENCH_INGEST_TOP === '1' || process.env.BENCH_INGEST_TOP === 'cpu';
const TOP_CATEGORIES = ['v8.execute', ...(process.env.BENCH_INGEST_TOP === 'cpu' ? ['disabled-by-default-v8.cpu_profiler'] : [])];
const NB201_SPACE = { nb201: 15625, latbench: 15284, help: 15625, hwnasbench: 15625 } as const;
/** issue 17 item 7: all tables readable, a drawn and hoverable scatter, and no main-thread task over the long-task threshold. */
const TARGETS = { wallMs: 3000, drawnAtMs: 1500, bytesTransferred: 4_000_000, longestMainThreadTaskMs: 50 };

interface Run {
  wallMs: number;
  /** ms from navigation until the Explorer's scatter was painted with its points and answered hover. */
  drawnAtMs: number;
  bytesTransferred: number;
  datasetBytes: number;
  longestMainThreadTaskMs: number;
  /** The same task's thread CPU time: where it is far below the wall time, the thread waited for a core. */
  longestMainThreadTaskCpuMs: number;
  warmReloadMs: number;
  warmDrawnAtMs: number;
  rows: Record<string, number>;
}

/** What a task's children are called in the report, with the detail the trace gives (script, function, event). */
function describe(e: TraceEvent): string {
  const d = e.args?.data ?? {};
  const url = typeof d.url === 'string' ? d.url.replace(/^https?:\/\/[^/]+\//, '') : '';
  const detail = [d.functionName, url && `${url}${d.lineNumber !== undefined ? `:${d.lineNumber}` : ''}`, d.type].filter((v) => typeof v === 'string' && v !== '').join(' ');
  return detail ? `${e.name} (${detail})` : e.name;
}

/** Wall time and, where the trace has it, the thread's CPU time (on a busy machine the two differ). */
const ms = (e: TraceEvent) => `${((e.dur ?? 0) / 1000).toFixed(1)} ms${e.tdur === undefined ? '' : ` (${(e.tdur / 1000).toFixed(1)} ms CPU)`}`;

/**
 * BENCH_INGEST_TOP=1: the `count` longest main-thread tasks of one run, each with the trace
 * events that ran inside it (nested, ≥ 1 ms), to find what makes a task long.
 */
function topTasks(trace: Buffer, count = 10): string {
  const events: TraceEvent[] = JSON.parse(trace.toString()).traceEvents;
  const mainThreads = mainThreadKeys(events);
  const onMain = events.filter((e) => e.ph === 'X' && mainThreads.has(`${e.pid}:${e.tid}`)).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const navigation = events.find((e) => e.name === 'navigationStart' && mainThreads.has(`${e.pid}:${e.tid}`))?.ts ?? onMain[0]?.ts ?? 0;
  const tasks = onMain
    .filter(isTask)
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
    .slice(0, count);
  const lines: string[] = [];
  for (const task of tasks) {
    const end = task.ts + (task.dur ?? 0);
    lines.push(`${ms(task)} task at ${((task.ts - navigation) / 1000).toFixed(0)} ms`);
    const inside = onMain.filter((e) => e !== task && !isTask(e) && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end && (e.dur ?? 0) >= 1000);
    const stack: number[] = [];
    for (const e of inside) {
      while (stack.length && e.ts >= stack[stack.length - 1]) stack.pop();
      if (stack.length < 6) lines.push(`${'  '.repeat(stack.length + 1)}${ms(e)} ${describe(e)}`);
      stack.push(e.ts + (e.dur ?? 0));
    }
  }
  return lines.join('\n');
}

/**
 * Waits until the page sets both timestamps (ms since navigation) on its elements and returns them.
 * Polled over CDP with a plain expression: Playwright's waitForFunction would first evaluate its
 * own injected script in the page, a main-thread task of the benchmark's, not the app's.
 */
async function startTimes(cdp: CDPSession): Promise<{ readyAtMs: number; drawnAtMs: number }> {
  const expression = `[document.documentElement.dataset.readyAtMs, document.querySelector('[data-testid=scatter]')?.dataset.drawnAtMs].join(',')`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const answer = await cdp.send('Runtime.evaluate', { expression, returnByValue: true }).catch(() => undefined);
    const [ready, drawn] = String(answer?.result.value ?? ',').split(',');
    if (ready && drawn) return { readyAtMs: Number(ready), drawnAtMs: Number(drawn) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the page set no data-ready-at-ms and data-drawn-at-ms within 60 s');
}

async function main() {
  // BENCH_PORT and BENCH_DIST let a second build be measured beside the default one.
  const server = await serveDist(Number(process.env.BENCH_PORT ?? 4180), process.env.BENCH_DIST ?? 'dist');
  const browser = await launchChromium();
  const runs: Run[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const finished: Request[] = [];
      page.on('requestfinished', (request) => finished.push(request));
      const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline', ...(TOP ? TOP_CATEGORIES : [])];
      const cdp = await context.newCDPSession(page);
      await browser.startTracing(page, { categories });
      await page.goto(server.url);
      const { readyAtMs: wallMs, drawnAtMs } = await startTimes(cdp);
      // Count the requests that finished before the tables were ready and the scatter drawn, not
      // the compute worker's later downloads (it starts only then).
      let bytes = 0,
        datasetBytes = 0;
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
            const request = db
              .transaction('columns')
              .objectStore('columns')
              .getAll(IDBKeyRange.bound([id], [id, []]));
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
      const warm = await startTimes(cdp);
      const longest = longestMainThreadTask(trace);
      const run = {
        wallMs,
        drawnAtMs,
        bytesTransferred: bytes,
        datasetBytes,
        longestMainThreadTaskMs: longest.wallMs,
        longestMainThreadTaskCpuMs: longest.cpuMs,
        warmReloadMs: warm.readyAtMs,
        warmDrawnAtMs: warm.drawnAtMs,
        rows,
      };
      if (TOP) {
        // The whole trace too, for DevTools' Performance panel.
        const file = join(tmpdir(), `bench-ingest-trace-${r + 1}.json`);
        writeFileSync(file, trace);
        console.log(`run ${r + 1}: the 10 longest main-thread tasks (trace: ${file})\n${topTasks(trace)}`);
      }
      console.log(
        `run ${r + 1}/${RUNS}: cold ${wallMs.toFixed(0)} ms (scatter drawn ${drawnAtMs.toFixed(0)} ms), ${(bytes / 1e6).toFixed(2)} MB transferred (datasets ${(datasetBytes / 1e6).toFixed(2)} MB), longest main-thread task ${run.longestMainThreadTaskMs.toFixed(1)} ms (${run.longestMainThreadTaskCpuMs.toFixed(1)} ms CPU), warm reload ${run.warmReloadMs.toFixed(0)} ms (drawn ${run.warmDrawnAtMs.toFixed(0)} ms)`,
      );
      runs.push(run);
      await context.close();
    }
    const result = {
      commit: commitId(),
      date: new Date().toISOString(),
      machine: machine(browser),
      runs: runs.length,
      wallMs: Math.round(median(runs.map((r) => r.wallMs))),
      drawnAtMs: Math.round(median(runs.map((r) => r.drawnAtMs))),
      drawnAtMsMax: Math.round(Math.max(...runs.map((r) => r.drawnAtMs))),
      bytesTransferred: Math.round(median(runs.map((r) => r.bytesTransferred))),
      datasetBytesTransferred: Math.round(median(runs.map((r) => r.datasetBytes))),
      longestMainThreadTaskMs: Number(median(runs.map((r) => r.longestMainThreadTaskMs)).toFixed(1)),
      longestMainThreadTaskMsMax: Number(Math.max(...runs.map((r) => r.longestMainThreadTaskMs)).toFixed(1)),
      longestMainThreadTaskCpuMs: Number(median(runs.map((r) => r.longestMainThreadTaskCpuMs)).toFixed(1)),
      warmReloadMs: Math.round(median(runs.map((r) => r.warmReloadMs))),
      warmDrawnAtMs: Math.round(median(runs.map((r) => r.warmDrawnAtMs))),
      rows: runs[0].rows,
      perRun: runs.map(({ rows: _rows, ...r }) => r),
      targets: TARGETS,
    };
    const ok = (v: number, max: number) => (v <= max ? 'meets' : '**misses**');
    const md = `# bench:ingest — cold start to all NB201-space tables in IndexedDB

${result.date} · commit ${result.commit} · ${result.machine} · median of ${result.runs} cold runs (fresh profile each)

| metric | median | target | |
|---|---|---|---|
| wall time, navigation → tables readable | ${result.wallMs} ms | ≤ ${TARGETS.wallMs} ms | ${ok(result.wallMs, TARGETS.wallMs)} |
| navigation → scatter drawn and hoverable | ${result.drawnAtMs} ms (worst run ${result.drawnAtMsMax} ms) | ≤ ${TARGETS.drawnAtMs} ms | ${ok(result.drawnAtMs, TARGETS.drawnAtMs)} |
| bytes transferred (all requests until ready) | ${(result.bytesTransferred / 1e6).toFixed(2)} MB | ≤ 4 MB | ${ok(result.bytesTransferred, TARGETS.bytesTransferred)} |
| of which dataset files | ${(result.datasetBytesTransferred / 1e6).toFixed(2)} MB | | |
| longest main-thread task (the page's renderer) | ${result.longestMainThreadTaskMs} ms (worst run ${result.longestMainThreadTaskMsMax} ms; CPU time of the longest, median ${result.longestMainThreadTaskCpuMs} ms) | ≤ ${TARGETS.longestMainThreadTaskMs} ms | ${ok(result.longestMainThreadTaskMs, TARGETS.longestMainThreadTaskMs)} |
| warm reload (checksum hit, nothing downloaded) | ${result.warmReloadMs} ms (scatter drawn ${result.warmDrawnAtMs} ms) | | |

Rows in IndexedDB: ${Object.entries(result.rows)
      .map(([id, n]) => `${id} ${n.toLocaleString('en-US')}`)
      .join(', ')}.
`;
    console.log(md);
    // A diagnostic run (BENCH_INGEST_TOP) traces more categories, which slows the page: not a result.
    if (!TOP) writeReport('ingest', result, md);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
