/**
 * bench:latency part (d): leave one LatBench device out, the few-shot predictor against a GCN trained
 * on 900 cells of the device (bench/latency.ts runs it and writes the report).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { columnByIndex } from '../src/lib/datasets/by-index';
import { LATENCY_FAST_PRESET } from '../src/lib/predictor/config';
import { indicesWithValues, randomSplit } from '../src/lib/predictor/splits';
import { NB201_NUM_CELLS } from '../src/lib/spaces/nb201';
import { launchChromium, ROOT, serveDist } from './common';
import { fewShotHeldOutDevice, latbenchDevices, type FewShotWorld } from './few-shot';
import type { BenchOptions, BenchPageResult } from './predictor-page';

/** '1' (default) trains the GCN-900s, '0' skips them, 'reuse' takes them from the previous report (they do not depend on the few-shot code). */
const LOO_GCN_MODE = process.env.BENCH_LOO_GCN ?? '1';
if (!['0', '1', 'reuse'].includes(LOO_GCN_MODE)) throw new Error(`BENCH_LOO_GCN must be 0, 1 or reuse, got '${LOO_GCN_MODE}'`);
export const LOO_GCN = LOO_GCN_MODE !== '0';
export const LOO_SEED = 0;
/** `BENCH_LOO_EPOCHS` shortens the GCN-900 runs (smoke tests only; the report says so). */
export const LOO_CONFIG = { ...LATENCY_FAST_PRESET, seed: LOO_SEED, ...(process.env.BENCH_LOO_EPOCHS ? { epochs: Number(process.env.BENCH_LOO_EPOCHS) } : {}) };

/**
 * (d): for each LatBench device, the few-shot predictor (seconds, in Node) and, unless
 * BENCH_LOO_GCN=0, a GCN trained on 900 of its cells in the bench page (the app's compute worker),
 * both scored on the GCN's test cells (the reference cells left out of the few-shot score).
 */
export async function leaveOneDeviceOutRuns(browser: Awaited<ReturnType<typeof launchChromium>>, world: FewShotWorld, report: string) {
  const wanted =
    process.env.BENCH_LOO_DEVICES?.split(',')
      .map((d) => d.trim())
      .filter(Boolean) ?? latbenchDevices(world);
  let gcn: BenchPageResult | null = null;
  let reused: { commit: string; date: string; runs: Map<string, { spearman: number; within10: number; trainWallS: number | null }> } | null = null;
  if (LOO_GCN_MODE === 'reuse') {
    // A report under a new name (BENCH_REPORT) reuses the GCN numbers of the committed one.
    const own = resolve(ROOT, 'bench-results', `${report}.json`);
    const previous = JSON.parse(readFileSync(existsSync(own) ? own : resolve(ROOT, 'bench-results', 'latency.json'), 'utf8'));
    const origin = previous.looGcnFrom ?? { commit: previous.commit, date: previous.date };
    reused = {
      ...origin,
      runs: new Map(
        previous.leaveOneDeviceOut
          .filter((r: { full900Spearman: number | null }) => r.full900Spearman !== null)
          .map((r: { device: string; full900Spearman: number; full900Within10: number; full900TrainWallS: number | null }) => [
            r.device,
            { spearman: r.full900Spearman, within10: r.full900Within10, trainWallS: r.full900TrainWallS },
          ]),
      ),
    };
    console.log(`(d) GCN-900 results reused from commit ${origin.commit} (${origin.date})`);
  } else if (LOO_GCN) {
    if (!existsSync(resolve(ROOT, 'dist-bench/predictor.html'))) throw new Error('dist-bench/predictor.html is missing: run `npx vite build --config vite.bench.config.ts` first');
    const server = await serveDist(4183, 'dist-bench');
    try {
      const page = await browser.newPage();
      const started = Date.now();
      page.on('console', (message) => /epoch \d+\/|backend/.test(message.text()) && console.log(`[gcn ${((Date.now() - started) / 1000).toFixed(0)} s] ${message.text()}`));
      await page.goto(`${server.url}predictor.html`);
      await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60_000 });
      const options: BenchOptions = {
        latency: { devices: wanted, seeds: [LOO_SEED], trainSize: 900, valSize: 100, config: LOO_CONFIG, configName: 'fast' },
        accuracy: { target: 'nb201:c100_valid', seeds: [], trainSize: 100, predictors: [], regression: { ...LATENCY_FAST_PRESET }, brp: { ...LATENCY_FAST_PRESET } },
        throughput: null,
        stepTimings: [],
      };
      gcn = await page.evaluate((opts) => window.benchPredictor(opts), options);
      await page.close();
    } finally {
      await server.close();
    }
  }
  const rows = wanted.map((column) => {
    const values = columnByIndex(world.built.tables.latbench, column, NB201_NUM_CELLS);
    const split = randomSplit(indicesWithValues(values), 900, 100, LOO_SEED);
    const few = fewShotHeldOutDevice(world, column, split.test);
    const trained = gcn?.latency.find((r) => r.device === column);
    const run = trained ? { spearman: trained.spearman, within10: trained.within.eagle['10'], trainWallS: trained.trainWallS } : reused?.runs.get(column);
    console.log(
      `(d) ${column}: few-shot ${few.method} ρ ${few.fewShot.spearman.toFixed(3)} ±10 % ${few.fewShot.within10.toFixed(3)}; GCN-900 ${run ? `ρ ${run.spearman.toFixed(3)} ±10 % ${run.within10.toFixed(3)}` : 'not run'}`,
    );
    return {
      device: column,
      spearman: few.fewShot.spearman,
      within10: few.fewShot.within10,
      full900Spearman: run?.spearman ?? null,
      full900Within10: run?.within10 ?? null,
      method: few.method,
      heldOutWith: few.heldOutWith,
      testCells: few.fewShot.cells,
      baselines: {
        flops: { spearman: few.flops.spearman, within10: few.flops.within10 },
        nearestDevice: { spearman: few.nearest.spearman, within10: few.nearest.within10, device: few.nearest.device },
      },
      full900TrainWallS: run?.trainWallS ?? null,
    };
  });
  return { rows, gcnFrom: reused ? { commit: reused.commit, date: reused.date } : null };
}
