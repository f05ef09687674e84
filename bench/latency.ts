/**
 * `npm run bench:latency`: the in-browser latency measurement itself, on WASM in headless
 * Chromium, driven through the app's "Measure this device" view with its default protocol.
 * (a) repeatability: two passes over the same random cells (same seed); Spearman ρ between the
 *     two passes' medians. Target ≥ 0.95.
 * (b) wall time per cell, build + cold run + warm-up + samples + drift reference included (the
 *     profiler's elapsed time over cells measured). Target ≤ 1.5 s.
 * Plus one short comparison of the same few cells timed in the worker and on the page's main
 * thread. `BENCH_LATENCY_CELLS` (default 50) and `BENCH_LATENCY_COMPARE_CELLS` (default 5) shrink it.
 */
import type { Page } from '@playwright/test';
import type { RunRecord, StoredMeasurement } from '../src/lib/db/measurements';
import { kendallTauB, spearman } from '../src/lib/predictor/metrics';
import { commitId, launchChromium, machine, median, serveDist, writeReport } from './common';

const CELLS = Number(process.env.BENCH_LATENCY_CELLS ?? 50);
const COMPARE_CELLS = Number(process.env.BENCH_LATENCY_COMPARE_CELLS ?? 5);
const SEED = 2020;
const COMPARE_SEED = 7;
const TARGETS = { repeatabilitySpearman: 0.95, secondsPerCell: 1.5 };

async function setNumber(page: Page, testId: string, value: number): Promise<void> {
  await page.getByTestId(testId).fill(String(value));
  await page.getByTestId(testId).dispatchEvent('change');
}

async function waitForBackends(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const legend = document.querySelector('[data-testid=backends] legend')?.textContent ?? '';
    return document.querySelector('[data-testid=backends] [data-backend=wasm] input') && !legend.includes('detecting');
  }, null, { timeout: 60_000 });
}

/** WASM only, whatever the default. */
async function onlyWasm(page: Page): Promise<void> {
  for (const name of ['webgpu', 'webgl', 'cpu']) {
    const box = page.locator(`[data-testid=backends] [data-backend=${name}] input`);
    if ((await box.count()) && (await box.isChecked())) await box.uncheck();
  }
  await page.locator('[data-testid=backends] [data-backend=wasm] input').check();
}

/** Clicks "Measure N random cells" and waits until the run ended and its cells are stored. */
async function measureRandom(page: Page, cells: number, seed: number): Promise<number> {
  await setNumber(page, 'random-count', cells);
  await setNumber(page, 'seed', seed);
  const started = Date.now();
  await page.getByTestId('measure-random').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=profile-view]')?.getAttribute('data-running') === 'true', null, { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=profile-view]')?.getAttribute('data-running') === 'false', null, { timeout: 3_600_000, polling: 500 });
  const wallMs = Date.now() - started;
  const error = page.getByTestId('profile-error');
  if (await error.count()) throw new Error(`the run failed: ${await error.innerText()}`);
  return wallMs;
}

/** Every stored measurement and run, read straight from IndexedDB (waits until `runs` runs are stored). */
async function stored(page: Page, runs: number): Promise<{ measurements: StoredMeasurement[]; runs: RunRecord[] }> {
  const read = () => page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const request = indexedDB.open('brp-nas-lab');
      request.onsuccess = () => res(request.result);
      request.onerror = () => rej(request.error);
    });
    // No named helper functions in here: tsx would wrap them in a `__name` call the page does not have.
    const [measurements, rows] = await Promise.all(['measurements', 'profiles'].map((store) => new Promise<unknown[]>((res) => {
      const request = db.transaction(store).objectStore(store).getAll();
      request.onsuccess = () => res(request.result);
    })));
    const runs = (rows as { run?: RunRecord }[]).flatMap((row) => (row.run ? [row.run] : []));
    db.close();
    return { measurements: measurements as StoredMeasurement[], runs };
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    const data = await read();
    if (data.runs.length >= runs) return data;
    await page.waitForTimeout(200);
  }
  throw new Error(`expected ${runs} stored runs`);
}

/** Median per cell of one run, by NB201 index. */
function byCell(measurements: readonly StoredMeasurement[], runId: string): Map<number, number> {
  return new Map(measurements.filter((m) => m.runId === runId).map((m) => [m.archIndex, m.medianMs]));
}

async function main() {
  const server = await serveDist(4182);
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}#view=profile`);
    await page.waitForFunction(() => document.documentElement.dataset.readyAtMs, null, { timeout: 60_000 });
    await waitForBackends(page);
    await onlyWasm(page);

    // (a) + (b): two passes over the same random cells, default protocol, in the worker.
    const passWallMs: number[] = [];
    for (let pass = 1; pass <= 2; pass++) {
      passWallMs.push(await measureRandom(page, CELLS, SEED));
      console.log(`pass ${pass}: ${CELLS} cells in ${(passWallMs.at(-1)! / 1000).toFixed(1)} s`);
    }
    const afterPasses = await stored(page, 2);
    const passes = [...afterPasses.runs].sort((a, b) => a.startedAt - b.startedAt);
    if (passes.some((r) => r.measured !== CELLS || r.backend !== 'wasm')) throw new Error(`a pass did not measure ${CELLS} cells on wasm: ${JSON.stringify(passes.map((r) => [r.backend, r.measured]))}`);
    const [first, second] = passes.map((r) => byCell(afterPasses.measurements, r.runId));
    const cells = [...first.keys()].filter((index) => second.has(index));
    const a = cells.map((i) => first.get(i)!);
    const b = cells.map((i) => second.get(i)!);
    const repeatabilitySpearman = spearman(a, b);
    const secondsPerCell = median(passes.map((r) => r.elapsedMs / r.measured / 1000));
    const relativeDifference = median(cells.map((_, k) => Math.abs(b[k] / a[k] - 1)));

    // Worker against main thread: the same few cells, once each.
    await page.getByText('Protocol settings').click();
    await page.getByTestId('thread').selectOption('main');
    await waitForBackends(page);
    await onlyWasm(page);
    await measureRandom(page, COMPARE_CELLS, COMPARE_SEED);
    await page.getByTestId('thread').selectOption('worker');
    await waitForBackends(page);
    await onlyWasm(page);
    await measureRandom(page, COMPARE_CELLS, COMPARE_SEED);
    const all = await stored(page, 4);
    const mainRun = all.runs.find((r) => r.thread === 'main')!;
    const workerRun = [...all.runs].filter((r) => r.thread === 'worker').sort((x, y) => y.startedAt - x.startedAt)[0];
    const onMain = byCell(all.measurements, mainRun.runId);
    const onWorker = byCell(all.measurements, workerRun.runId);
    const compared = [...onMain.keys()].filter((i) => onWorker.has(i));
    const ratios = compared.map((i) => onMain.get(i)! / onWorker.get(i)!);
    const workerVsMain = {
      cells: compared.length,
      medianRatioMainOverWorker: Number(median(ratios).toFixed(3)),
      spearman: compared.length >= 2 ? Number(spearman(compared.map((i) => onMain.get(i)!), compared.map((i) => onWorker.get(i)!)).toFixed(3)) : null,
      perCell: compared.map((i) => ({ index: i, mainMs: Number(onMain.get(i)!.toFixed(3)), workerMs: Number(onWorker.get(i)!.toFixed(3)) })),
      secondsPerCell: { main: Number((mainRun.elapsedMs / mainRun.measured / 1000).toFixed(3)), worker: Number((workerRun.elapsedMs / workerRun.measured / 1000).toFixed(3)) },
    };

    const result = {
      commit: commitId(),
      date: new Date().toISOString(),
      machine: machine(browser),
      backend: 'wasm',
      wasmThreads: passes[0].wasmThreads,
      crossOriginIsolated: afterPasses.measurements[0].environment.crossOriginIsolated,
      timerResolutionMs: afterPasses.measurements[0].environment.timerResolutionMs,
      cells: CELLS,
      seed: SEED,
      samplesPerCell: passes[0].settings.minSamples,
      repeatabilitySpearman: Number(repeatabilitySpearman.toFixed(4)),
      repeatabilityKendall: Number(kendallTauB(a, b).toFixed(4)),
      medianRelativeDifferenceBetweenPasses: Number(relativeDifference.toFixed(4)),
      secondsPerCell: Number(secondsPerCell.toFixed(3)),
      wallSecondsPerCellFromClick: Number((median(passWallMs) / CELLS / 1000).toFixed(3)),
      passes: passes.map((r) => ({ elapsedMs: Math.round(r.elapsedMs), measured: r.measured, leakedTensors: r.leakedTensors })),
      perCell: cells.map((index, k) => ({ index, firstMs: Number(a[k].toFixed(4)), secondMs: Number(b[k].toFixed(4)) })),
      workerVsMain,
      targets: TARGETS,
    };
    const ok = (pass: boolean) => (pass ? 'meets' : '**misses**');
    const md = `# bench:latency — in-browser latency measurement (WASM, headless Chromium)

${result.date} · commit ${result.commit} · ${result.machine} · WASM ${result.wasmThreads ?? '?'} thread(s), cross-origin isolated: ${result.crossOriginIsolated}, timer ${(result.timerResolutionMs * 1000).toFixed(0)} µs · ${CELLS} random connected cells (seed ${SEED}), ${result.samplesPerCell} samples per cell (the app's default protocol), timed in the worker

| metric | value | target | |
|---|---|---|---|
| (a) repeatability: Spearman ρ between two passes | ${result.repeatabilitySpearman} | ≥ ${TARGETS.repeatabilitySpearman} | ${ok(result.repeatabilitySpearman >= TARGETS.repeatabilitySpearman)} |
| Kendall τ between the passes | ${result.repeatabilityKendall} | | |
| median per-cell difference between passes | ${(result.medianRelativeDifferenceBetweenPasses * 100).toFixed(1)} % | | |
| (b) wall time per cell, warm-up included | ${result.secondsPerCell} s | ≤ ${TARGETS.secondsPerCell} s | ${ok(result.secondsPerCell <= TARGETS.secondsPerCell)} |
| wall time per cell, from the click | ${result.wallSecondsPerCellFromClick} s | | |
| leaked tensors per pass | ${result.passes.map((p) => p.leakedTensors).join(', ')} | 0 | ${ok(result.passes.every((p) => p.leakedTensors === 0))} |

## Worker against main thread (one quick run of ${workerVsMain.cells} cells each, WASM)

Median ratio main / worker of the per-cell medians: **${workerVsMain.medianRatioMainOverWorker}** (Spearman between the two: ${workerVsMain.spearman ?? '—'}); seconds per cell: main ${workerVsMain.secondsPerCell.main}, worker ${workerVsMain.secondsPerCell.worker}.

| NB201 index | main thread ms | worker ms |
|---|---|---|
${workerVsMain.perCell.map((c) => `| ${c.index} | ${c.mainMs} | ${c.workerMs} |`).join('\n')}

One run each on an idle page, so only a large ratio would mean anything; the worker stays the default because on a page in use nothing else shares its thread.
`;
    console.log(md);
    writeReport('latency', result, md);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
