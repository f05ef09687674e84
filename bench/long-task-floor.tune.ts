/**
 * Experiment for issue 17 item 7: the longest main-thread task of a page that runs no script at all,
 * traced as bench/ingest.ts traces the app (fresh context per run, same categories, the page's own
 * renderer only). Chromium's own work for a page (navigation commit, first layout) sets this floor.
 * Run: npx tsx bench/long-task-floor.tune.ts (BENCH_RUNS, default 5)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, median, serveDist } from './common';
import { longestMainThreadTask } from './trace';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'blank-page-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body><p>A page with no script.</p></body></html>');
  const server = await serveDist(4181, dir);
  const browser = await launchChromium();
  const found: { wallMs: number; cpuMs: number }[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      await page.goto(server.url);
      await page.waitForTimeout(1500);
      const trace = await browser.stopTracing();
      if (process.env.BENCH_KEEP) writeFileSync(join(dir, `trace-${r + 1}.json`), trace);
      const longest = longestMainThreadTask(trace);
      found.push(longest);
      console.log(`run ${r + 1}: longest main-thread task ${longest.wallMs.toFixed(1)} ms (${longest.cpuMs.toFixed(1)} ms CPU)`);
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`median of ${RUNS}: ${median(found.map((f) => f.wallMs)).toFixed(1)} ms wall, ${median(found.map((f) => f.cpuMs)).toFixed(1)} ms CPU`);
}

await main();
