/**
 * `npm run bench:latency`: the in-browser latency measurement itself, on WASM in headless
 * Chromium, driven through the app's "Measure this device" view with its default protocol.
 * (a) repeatability: two passes over the same random cells (same seed); Spearman ρ between the
 *     two passes' medians (target ≥ 0.95) and their median relative difference (target ≤ 5 %), in
 *     each of `BENCH_LATENCY_RUNS` (default 3) runs; with `BENCH_LATENCY_BURNER=1`, as many runs
 *     again with a CPU burner on every core, 40 s on / 40 s off (bench/burner.ts), so the machine
 *     runs in phases (issue 18). Each run reports the slow phases the profiler read from the samples, the
 *     cells it re-measured, and every sample's wall-clock stamp (in `<report>-samples.json`).
 * (b) wall time per cell, build + cold run + warm-up + samples + drift reference included (the
 *     profiler's elapsed time over cells measured). Target ≤ 1.5 s.
 * (c) few-shot on this machine, in every run: the 20 reference cells measured too; the app's
 *     calibration fitted on them predicts the 50 cells of (a) (held out), against the FLOPs and
 *     nearest-device baselines. Target Spearman ≥ 0.9 and more cells within ±10 % than FLOPs.
 *     (a) and (c) read the runs with the app's default level correction (level-correction.ts) and
 *     report the same figures read with the other one beside them.
 * (d) leave one LatBench device out (bench/few-shot.ts): few-shot from 20 cells of the device against
 *     a GCN trained on 900 cells of it (LATENCY_FAST_PRESET, seed 0, in the bench page on WASM),
 *     both scored on the GCN's test cells. `BENCH_LOO_DEVICES` picks devices, `BENCH_LOO_GCN=0`
 *     skips the GCNs (few-shot only: seconds instead of about an hour).
 * Plus one short comparison of the same few cells timed in the worker and on the page's main
 * thread. `BENCH_LATENCY_CELLS` (default 50) and `BENCH_LATENCY_COMPARE_CELLS` (default 5) shrink it;
 * `BENCH_REPORT` names the report (default latency); `BENCH_DIST` serves another build of the app
 * than dist/ (for a run beside others who build there). The JSON's top-level fields are the first
 * run's; `runs` lists every run.
 */
import type { Page } from '@playwright/test';
import type { StoredMeasurement } from '../src/lib/db/measurements';
import type { RunWithDisturbance } from '../src/lib/state/profile.svelte';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LATENCY_FAST_PRESET } from '../src/lib/predictor/config';
import { kendallTauB, spearman } from '../src/lib/predictor/metrics';
import { startBurner, type Burner } from './burner';
import { commitId, launchChromium, machine, median, ROOT, serveDist, writeReport } from './common';
import { cellLatencyMs, DEFAULT_CELL_STATISTIC, type CellStatistic } from '../src/lib/latency/stats';
import { DEFAULT_LEVEL_CORRECTION, LEVEL_ANCHOR_COUNT, LEVEL_CORRECTIONS, levelAnchors, readAtLevel, runLevels, type LevelCorrection } from '../src/lib/latency/level-correction';
import { chooseReferenceSet, REFERENCE_DATASETS } from '../src/lib/latency/reference-set';
import { fewShotHere, loadWorld, type FewShotWorld } from './few-shot';
import { LOO_CONFIG, LOO_GCN, LOO_SEED, leaveOneDeviceOutRuns } from './latency-loo';
import { measureRandom, onlyWasm, stored, waitForBackends } from './latency-page';

const CELLS = Number(process.env.BENCH_LATENCY_CELLS ?? 50);
const COMPARE_CELLS = Number(process.env.BENCH_LATENCY_COMPARE_CELLS ?? 5);
const SEED = 2020;
const COMPARE_SEED = 7;
const RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 3);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_LATENCY_RUNS must be a positive integer, got '${process.env.BENCH_LATENCY_RUNS}'`);
const BURNER = process.env.BENCH_LATENCY_BURNER === '1';
const BURNER_ON_MS = 40_000;
const BURNER_OFF_MS = 40_000;
const TARGETS = { repeatabilitySpearman: 0.95, medianRelativeDifference: 0.05, secondsPerCell: 1.5, fewShotSpearman: 0.9 };
const REPORT = process.env.BENCH_REPORT ?? 'latency';
/** The readings reported beside the app's default, on the same measurements. */
const OTHER_LEVEL_CORRECTIONS = LEVEL_CORRECTIONS.filter((c) => c !== DEFAULT_LEVEL_CORRECTION);
const pctOf = (fraction: number) => `${(100 * fraction).toFixed(1)} %`;
const meanOf = (values: number[]) => values.reduce((a, v) => a + v, 0) / values.length;

/**
 * One statistic per cell of one run, by NB201 index (a cell re-measured in the run: its revised,
 * later entry): DEFAULT_CELL_STATISTIC is the app's latency (stats.ts `cellLatencyMs`); `median`
 * (the protocol's) and `fast-state` (the 10 % quantile, the app's default before) are measured against it.
 */
function byCell(measurements: readonly StoredMeasurement[], runId: string, statistic: CellStatistic): Map<number, number> {
  return new Map(measurements.filter((m) => m.runId === runId).map((m) => [m.archIndex, cellLatencyMs(m, statistic)]));
}

/** IQR per cell of one run, ms, by NB201 index (latest entry per cell). */
function iqrByCell(measurements: readonly StoredMeasurement[], runId: string): Map<number, number> {
  return new Map(measurements.filter((m) => m.runId === runId).map((m) => [m.archIndex, m.iqrMs]));
}

const round = (v: number, digits = 4) => Number(v.toFixed(digits));

/** The anchor cells every run times (the app's reference set, level-correction.ts `levelAnchors`). */
function appAnchors(world: FewShotWorld): number[] {
  const devices = world.built.known.devices.filter((d) => (REFERENCE_DATASETS as readonly string[]).includes(d.datasetId));
  return levelAnchors(chooseReferenceSet({ opsCode: world.opsCode, connected: world.connected, devices }).cells);
}

/**
 * The two passes' latencies per cell and the few-shot fit from the reference-set run, on one reading
 * of the measurements. The passes' cells that are reference cells (the level anchors every run
 * times, and any random cell that is one) are left out: a level read from them must not be judged on them.
 */
function figures(
  world: FewShotWorld,
  measurements: readonly StoredMeasurement[],
  passes: readonly RunWithDisturbance[],
  referenceRun: RunWithDisturbance,
  statistic: CellStatistic = DEFAULT_CELL_STATISTIC,
) {
  const [first, second] = passes.map((r) => byCell(measurements, r.runId, statistic));
  const referenceIndices = new Set(measurements.filter((m) => m.runId === referenceRun.runId).map((m) => m.archIndex));
  const cells = [...first.keys()].filter((index) => second.has(index) && !referenceIndices.has(index));
  const a = cells.map((i) => first.get(i)!);
  const b = cells.map((i) => second.get(i)!);
  const relDiff = cells.map((_, k) => Math.abs(b[k] / a[k] - 1));
  // The reference cells carry their spread, as in the app: noisy ones make the calibration fall back to a simpler fit.
  // One per cell: a cell given more samples in the run is stored again, revised, and its later entry wins (as in byCell).
  const referenceCells = [
    ...new Map(measurements.filter((m) => m.runId === referenceRun.runId).map((m) => [m.archIndex, { index: m.archIndex, ms: cellLatencyMs(m, statistic), iqrMs: m.iqrMs }])).values(),
  ];
  const fewShot = fewShotHere(
    world,
    referenceCells,
    cells.map((index, k) => ({ index, ms: b[k] })),
  );
  return { cells, a, b, relDiff, fewShot };
}

/**
 * One run: two passes over the same random cells, then the reference set, then the few-shot
 * calibration from it scored on the second pass. `before`: runs stored before this one.
 */
async function benchRun(page: Page, world: FewShotWorld, disturbed: boolean, before: number, burner: Burner | null) {
  const passWallMs: number[] = [];
  for (let pass = 1; pass <= 2; pass++) {
    passWallMs.push(await measureRandom(page, CELLS, SEED));
    console.log(`${disturbed ? 'burner ' : ''}pass ${pass}: ${CELLS} cells in ${(passWallMs.at(-1)! / 1000).toFixed(1)} s`);
  }
  const afterPasses = await stored(page, before + 2);
  const passes = [...afterPasses.runs].sort((a, b) => a.startedAt - b.startedAt).slice(-2);
  if (passes.some((r) => r.measured < CELLS || r.backend !== 'wasm')) throw new Error(`a pass did not measure ${CELLS} cells on wasm: ${JSON.stringify(passes.map((r) => [r.backend, r.measured]))}`);
  await measureRandom(page, CELLS, SEED, 'measure-reference');
  const afterReference = await stored(page, before + 3);
  const referenceRun = [...afterReference.runs].sort((x, y) => y.startedAt - x.startedAt)[0];

  // The app's reading (DEFAULT_LEVEL_CORRECTION) and the others (level-correction.ts), on the same measurements.
  const anchors = appAnchors(world);
  const referenceCells = new Set(afterReference.measurements.filter((m) => m.runId === referenceRun.runId).map((m) => m.archIndex));
  if (anchors.some((i) => !referenceCells.has(i))) throw new Error(`the bench's level anchors ${anchors.join(', ')} are not all in the app's reference set`);
  const levelsBy = (correction: LevelCorrection, statistic: CellStatistic = DEFAULT_CELL_STATISTIC) => runLevels(afterReference.runs, correction, afterReference.measurements, anchors, statistic);
  const readWith = (correction: LevelCorrection, statistic: CellStatistic = DEFAULT_CELL_STATISTIC) =>
    figures(world, readAtLevel(afterReference.measurements, levelsBy(correction, statistic)), passes, referenceRun, statistic);
  const { cells, a, b, relDiff, fewShot } = readWith(DEFAULT_LEVEL_CORRECTION);
  const others = OTHER_LEVEL_CORRECTIONS.map((correction) => ({ correction, ...readWith(correction) }));
  // The 10 % quantile, the app's statistic before, read the same way: what the fastest sample is measured against.
  const quantile = readWith(DEFAULT_LEVEL_CORRECTION, 'fast-state');
  const levels = levelsBy('reference');
  const [firstIqr, secondIqr] = passes.map((r) => iqrByCell(afterReference.measurements, r.runId));
  const [firstMedian, secondMedian] = passes.map((r) => byCell(afterReference.measurements, r.runId, 'median'));
  const ma = cells.map((i) => firstMedian.get(i)!);
  const mb = cells.map((i) => secondMedian.get(i)!);
  const relIqr = (iqr: Map<number, number>, ms: number[]) => median(cells.map((i, k) => iqr.get(i)! / ms[k]));
  const describeFewShot = (f: typeof fewShot) =>
    `${f.method}, Spearman ${f.spearman.toFixed(3)}, ±10 % ${f.within10.toFixed(3)} (FLOPs ${f.baselines.flops.spearman.toFixed(3)} / ${f.baselines.flops.within10.toFixed(3)})`;
  console.log(
    `${disturbed ? 'burner ' : ''}passes: ρ ${spearman(a, b).toFixed(3)}, ${pctOf(median(relDiff))}; ${others.map((o) => `'${o.correction}' ρ ${spearman(o.a, o.b).toFixed(3)}, ${pctOf(median(o.relDiff))}`).join('; ')}`,
  );
  console.log(`${disturbed ? 'burner ' : ''}few-shot: ${describeFewShot(fewShot)}; ${others.map((o) => `'${o.correction}': ${describeFewShot(o.fewShot)}`).join('; ')}`);

  const disturbances = [...passes, referenceRun].map((r) => r.disturbance ?? null);
  const remeasured = (d: RunWithDisturbance['disturbance']) => new Set(d?.remeasured.map((x) => x.cell) ?? []).size;
  const bursts = burner?.bursts() ?? [];
  const summary = {
    disturbed,
    repeatabilitySpearman: round(spearman(a, b)),
    repeatabilityKendall: round(kendallTauB(a, b)),
    medianRelativeDifferenceBetweenPasses: round(median(relDiff)),
    /** The statistic: each cell's latency as the app reads it (stats.ts DEFAULT_CELL_STATISTIC). */
    statistic: DEFAULT_CELL_STATISTIC,
    /** The same figures on the 10 % quantile of each cell's kept samples (the app's statistic before), with the default level correction. */
    fastState: {
      repeatabilitySpearman: round(spearman(quantile.a, quantile.b)),
      medianRelativeDifferenceBetweenPasses: round(median(quantile.relDiff)),
      fewShot: { method: quantile.fewShot.method, spearman: round(quantile.fewShot.spearman), within10: round(quantile.fewShot.within10) },
    },
    /** How runs are read, as the app does by default (level-correction.ts). */
    levelCorrection: DEFAULT_LEVEL_CORRECTION,
    /** The same figures read with the other level corrections, measured against the default. */
    otherLevelCorrections: others.map((o) => ({
      levelCorrection: o.correction,
      repeatabilitySpearman: round(spearman(o.a, o.b)),
      medianRelativeDifferenceBetweenPasses: round(median(o.relDiff)),
      fewShot: {
        method: o.fewShot.method,
        spearman: round(o.fewShot.spearman),
        within10: round(o.fewShot.within10),
        baselines: { flops: { spearman: round(o.fewShot.baselines.flops.spearman), within10: round(o.fewShot.baselines.flops.within10) } },
      },
    })),
    /** The cells repeatability is judged on (the passes' cells less the reference cells, level anchors included). */
    judgedCells: cells.length,
    /**
     * Per pass and the reference set: the run's reference level, ms, and the factor 'reference' reads
     * its cells with; its anchor ratio (latency over the profile's median, over the anchor cells) and
     * the factor 'anchors' reads them with.
     */
    levels: [...passes, referenceRun].map((r) => {
      const level = levels.get(r.runId);
      return {
        levelMs: level?.levelMs == null ? null : round(level.levelMs),
        factor: round(level?.factor ?? 1),
        anchorRatio: level?.anchorRatio == null ? null : round(level.anchorRatio),
        anchorCount: level?.anchorCount ?? 0,
      };
    }),
    /** The same two figures on each cell's median (latency-measurement.md D.6), the baseline of the fast state. */
    median: { spearman: round(spearman(ma, mb)), medianRelativeDifference: round(median(cells.map((_, k) => Math.abs(mb[k] / ma[k] - 1)))) },
    /** Distinct cells re-measured, summed over the two passes. */
    remeasuredCells: remeasured(disturbances[0]) + remeasured(disturbances[1]),
    fewShot: {
      method: fewShot.method,
      spearman: round(fewShot.spearman),
      within10: round(fewShot.within10),
      noisyReference: fewShot.noise.noisy,
      fallbackFrom: fewShot.noise.fallbackFrom,
      reason: fewShot.noise.reason ?? null,
      baselines: { flops: { spearman: round(fewShot.baselines.flops.spearman), within10: round(fewShot.baselines.flops.within10) } },
    },
    secondsPerCell: round(median(passes.map((r) => r.elapsedMs / r.measured / 1000)), 3),
    /** Median over cells of IQR / median, per pass: the per-cell spread. */
    medianRelativeIqr: [round(relIqr(firstIqr, ma)), round(relIqr(secondIqr, mb))],
    /** Per pass and for the reference set: the slow phases the samples showed and the cells re-measured, with why. */
    phases: disturbances.map((d, k) => ({
      run: ['pass 1', 'pass 2', 'reference set'][k],
      summary: d?.summary ?? 'no report',
      rounds: d?.rounds ?? 0,
      waitedS: round((d?.waitedMs ?? 0) / 1000, 1),
      phases:
        d?.phases.map((p) => ({
          startS: round(p.startMs / 1000, 1),
          endS: round(p.endMs / 1000, 1),
          samples: p.samples,
          slowdown: round(p.slowdown, 3),
          peakSlowdown: round(p.peakSlowdown, 3),
        })) ?? [],
      remeasured: d?.remeasured.map((x) => ({ cell: x.cell, reason: x.reason, slowSamples: x.slowSamples, samples: x.samples, slowdown: round(x.slowdown, 3) })) ?? [],
    })),
  };
  const detail = {
    passes: passes.map((r) => ({ elapsedMs: Math.round(r.elapsedMs), measured: r.measured, leakedTensors: r.leakedTensors })),
    perCell: cells.map((index, k) => ({
      index,
      firstMs: round(a[k]),
      secondMs: round(b[k]),
      firstIqrMs: round(firstIqr.get(index)!),
      secondIqrMs: round(secondIqr.get(index)!),
      relativeDifference: round(relDiff[k]),
    })),
    passWallMs,
    fewShot,
    wasmThreads: passes[0].wasmThreads,
    settings: passes[0].settings,
    environment: afterPasses.measurements.find((m) => m.runId === passes[0].runId)!.environment,
  };
  // Item 1 of issue 18: every sample's wall-clock stamp, so the machine's phases can be seen.
  const samples = [...passes, referenceRun].map((r, k) => ({
    run: ['pass 1', 'pass 2', 'reference set'][k],
    startedAt: r.startedAt,
    burnerBursts: bursts.map((x) => ({ fromS: round((x.fromMs - r.startedAt) / 1000, 1), toS: round((x.toMs - r.startedAt) / 1000, 1) })).filter((x) => x.toS > 0 && x.fromS < r.elapsedMs / 1000),
    /** The drift reference cell, one timing after every 10 samples (ms per inference). */
    driftMs: (r.reference?.driftMs ?? []).map((ms) => round(ms)),
    timeline: (r.disturbance?.timeline ?? []).map((t) => ({
      cell: t.cell,
      atS: round(t.atMs / 1000, 3),
      sampleMs: round(t.sampleMs),
      slowdown: round(t.slowdown, 3),
      slow: t.slow,
    })),
  }));
  return { summary, detail, samples };
}

async function main() {
  const server = await serveDist(4182, process.env.BENCH_DIST ?? 'dist');
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}#view=profile`);
    await page.waitForFunction(() => document.documentElement.dataset.readyAtMs, null, { timeout: 60_000 });
    await waitForBackends(page);
    await onlyWasm(page);

    // (a), (b), (c) in each run: quiet runs first, then (BENCH_LATENCY_BURNER=1) as many with the burner.
    const world = loadWorld();
    const runs: Awaited<ReturnType<typeof benchRun>>[] = [];
    for (let k = 0; k < RUNS; k++) runs.push(await benchRun(page, world, false, 3 * runs.length, null));
    let burnerThreads: number | null = null;
    if (BURNER) {
      const burner = startBurner({ onMs: BURNER_ON_MS, offMs: BURNER_OFF_MS });
      burnerThreads = burner.threads;
      console.log(`burner: ${burner.threads} threads, ${BURNER_ON_MS / 1000} s on / ${BURNER_OFF_MS / 1000} s off`);
      try {
        for (let k = 0; k < RUNS; k++) runs.push(await benchRun(page, world, true, 3 * runs.length, burner));
      } finally {
        await burner.stop();
      }
    }
    const firstRun = runs[0];
    const passes = firstRun.detail.passes;
    const fewShot = firstRun.detail.fewShot;
    const storedRuns = 3 * runs.length;

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
    const all = await stored(page, storedRuns + 2);
    const mainRun = all.runs.find((r) => r.thread === 'main')!;
    const workerRun = [...all.runs].filter((r) => r.thread === 'worker').sort((x, y) => y.startedAt - x.startedAt)[0];
    const onMain = byCell(all.measurements, mainRun.runId, DEFAULT_CELL_STATISTIC);
    const onWorker = byCell(all.measurements, workerRun.runId, DEFAULT_CELL_STATISTIC);
    const compared = [...onMain.keys()].filter((i) => onWorker.has(i));
    const ratios = compared.map((i) => onMain.get(i)! / onWorker.get(i)!);
    const workerVsMain = {
      cells: compared.length,
      medianRatioMainOverWorker: Number(median(ratios).toFixed(3)),
      spearman:
        compared.length >= 2
          ? Number(
              spearman(
                compared.map((i) => onMain.get(i)!),
                compared.map((i) => onWorker.get(i)!),
              ).toFixed(3),
            )
          : null,
      perCell: compared.map((i) => ({ index: i, mainMs: Number(onMain.get(i)!.toFixed(3)), workerMs: Number(onWorker.get(i)!.toFixed(3)) })),
      secondsPerCell: { main: Number((mainRun.elapsedMs / mainRun.measured / 1000).toFixed(3)), worker: Number((workerRun.elapsedMs / workerRun.measured / 1000).toFixed(3)) },
    };

    const { rows: leaveOneDeviceOut, gcnFrom } = await leaveOneDeviceOutRuns(browser, world, REPORT);

    const env = firstRun.detail.environment;
    const result = {
      commit: commitId(),
      date: new Date().toISOString(),
      machine: machine(browser),
      backend: 'wasm',
      wasmThreads: firstRun.detail.wasmThreads,
      crossOriginIsolated: env.crossOriginIsolated,
      timerResolutionMs: env.timerResolutionMs,
      cells: CELLS,
      seed: SEED,
      samplesPerCell: firstRun.detail.settings.minSamples,
      repeatabilitySpearman: firstRun.summary.repeatabilitySpearman,
      repeatabilityKendall: firstRun.summary.repeatabilityKendall,
      medianRelativeDifferenceBetweenPasses: firstRun.summary.medianRelativeDifferenceBetweenPasses,
      secondsPerCell: firstRun.summary.secondsPerCell,
      wallSecondsPerCellFromClick: Number((median(firstRun.detail.passWallMs) / CELLS / 1000).toFixed(3)),
      passes,
      perCell: firstRun.detail.perCell,
      workerVsMain,
      fewShot,
      leaveOneDeviceOut,
      looGcnConfig: LOO_GCN ? LOO_CONFIG : null,
      /** Where the GCN-900 numbers were measured, when carried over from an earlier run (BENCH_LOO_GCN=reuse). */
      looGcnFrom: gcnFrom,
      targets: TARGETS,
      /** Every run (the first is the one above): two passes, the reference set and the few-shot fit each. */
      runs: runs.map((r) => r.summary),
      burner: BURNER ? { onMs: BURNER_ON_MS, offMs: BURNER_OFF_MS, threads: burnerThreads } : null,
    };
    const samplesFile = resolve(ROOT, 'bench-results', `${REPORT}-samples.json`);
    writeFileSync(samplesFile, `${JSON.stringify({ commit: result.commit, date: result.date, runs: runs.map((r, k) => ({ run: k + 1, disturbed: r.summary.disturbed, passes: r.samples })) })}\n`);
    const runOk = (r: (typeof result.runs)[number]) =>
      r.repeatabilitySpearman >= TARGETS.repeatabilitySpearman &&
      r.medianRelativeDifferenceBetweenPasses <= TARGETS.medianRelativeDifference &&
      r.fewShot.spearman >= TARGETS.fewShotSpearman &&
      r.fewShot.within10 > r.fewShot.baselines.flops.within10;
    const ok = (pass: boolean) => (pass ? 'meets' : '**misses**');
    const md = `# bench:latency — in-browser latency measurement (WASM, headless Chromium)

${result.date} · commit ${result.commit} · ${result.machine} · WASM ${result.wasmThreads ?? '?'} thread(s), cross-origin isolated: ${result.crossOriginIsolated}, timer ${(result.timerResolutionMs * 1000).toFixed(0)} µs · ${CELLS} random connected cells (seed ${SEED}), ${result.samplesPerCell} samples per cell (the app's default protocol), timed in the worker

| metric | value | target | |
|---|---|---|---|
| (a) repeatability: Spearman ρ between two passes (run 1) | ${result.repeatabilitySpearman} | ≥ ${TARGETS.repeatabilitySpearman} | ${ok(result.repeatabilitySpearman >= TARGETS.repeatabilitySpearman)} |
| Kendall τ between the passes | ${result.repeatabilityKendall} | | |
| median per-cell difference between passes | ${(result.medianRelativeDifferenceBetweenPasses * 100).toFixed(1)} % | ≤ ${pctOf(TARGETS.medianRelativeDifference)} | ${ok(result.medianRelativeDifferenceBetweenPasses <= TARGETS.medianRelativeDifference)} |
| (b) wall time per cell, warm-up included | ${result.secondsPerCell} s | ≤ ${TARGETS.secondsPerCell} s | ${ok(result.secondsPerCell <= TARGETS.secondsPerCell)} |
| wall time per cell, from the click | ${result.wallSecondsPerCellFromClick} s | | |
| leaked tensors per pass | ${result.passes.map((p) => p.leakedTensors).join(', ')} | 0 | ${ok(result.passes.every((p) => p.leakedTensors === 0))} |

## Repeatability and few-shot over ${result.runs.length} runs${BURNER ? ` (the last ${RUNS} with a CPU burner on every core, ${BURNER_ON_MS / 1000} s on / ${BURNER_OFF_MS / 1000} s off)` : ' (no burner: BENCH_LATENCY_BURNER=1 adds as many with one)'}

Each run: two passes over the same ${CELLS} cells, then the reference set; the few-shot fit from that reference set is scored on the second pass. Targets in every run: ρ ≥ ${TARGETS.repeatabilitySpearman}, median difference ≤ ${pctOf(TARGETS.medianRelativeDifference)}, few-shot ρ ≥ ${TARGETS.fewShotSpearman} and more cells within ±10 % than the FLOPs line. Spread: median over cells of IQR / median, pass 1 / pass 2.

| run | burner | ρ between passes | median difference | ${OTHER_LEVEL_CORRECTIONS.map((c) => `'${c}': ρ / difference`).join(' | ')} | on the 10 % quantile: ρ / difference / few-shot ±10 % | on medians: ρ / difference | levels, pass 1 · pass 2 · reference: anchor ratio; reference-network factor | spread | re-measured cells | slow phases seen (pass 1 · pass 2 · reference) | few-shot | few-shot ρ / ±10 % | ${OTHER_LEVEL_CORRECTIONS.map((c) => `'${c}': few-shot ±10 %`).join(' | ')} | FLOPs ρ / ±10 % | |
|---|---|---|---|${OTHER_LEVEL_CORRECTIONS.map(() => '---|').join('')}---|---|---|---|---|---|---|---|${OTHER_LEVEL_CORRECTIONS.map(() => '---|').join('')}---|---|
${result.runs.map((r, k) => `| ${k + 1} | ${r.disturbed ? 'on' : 'off'} | ${r.repeatabilitySpearman} | ${pctOf(r.medianRelativeDifferenceBetweenPasses)} | ${r.otherLevelCorrections.map((o) => `${o.repeatabilitySpearman} / ${pctOf(o.medianRelativeDifferenceBetweenPasses)}`).join(' | ')} | ${r.fastState.repeatabilitySpearman} / ${pctOf(r.fastState.medianRelativeDifferenceBetweenPasses)} / ${pctOf(r.fastState.fewShot.within10)} | ${r.median.spearman} / ${pctOf(r.median.medianRelativeDifference)} | ${r.levels.map((l) => `${l.anchorRatio === null ? '—' : `${l.anchorRatio.toFixed(3)}×`}; ×${l.factor.toFixed(3)}`).join(' · ')} | ${r.medianRelativeIqr.map(pctOf).join(' / ')} | ${r.remeasuredCells} | ${r.phases.map((p) => p.summary).join(' · ')} | ${r.fewShot.method} | ${r.fewShot.spearman.toFixed(3)} / ${pctOf(r.fewShot.within10)} | ${r.otherLevelCorrections.map((o) => pctOf(o.fewShot.within10)).join(' | ')} | ${r.fewShot.baselines.flops.spearman.toFixed(3)} / ${pctOf(r.fewShot.baselines.flops.within10)} | ${ok(runOk(r))} |`).join('\n')}

Each cell's latency is its fast state, the fastest of its kept samples (stats.ts \`cellLatencyMs\`), read with level correction '${DEFAULT_LEVEL_CORRECTION}' as the app does by default; the ${OTHER_LEVEL_CORRECTIONS.map((c) => `'${c}'`).join(' and ')} columns read the same measurements the other ways (level-correction.ts: 'anchors' divides a run's times by its anchor ratio, the median over the ${LEVEL_ANCHOR_COUNT} anchor cells every run times of their latency in the run over their median in the profile; 'reference' multiplies them by the profile's median reference-cell level over the run's; 'none' reads them as timed). Repeatability is judged on the passes' cells less the reference cells (the anchors among them); "on the 10 % quantile" reads the same runs by each cell's 10 % quantile (the app's statistic until session 18), with the same level correction; "on medians" gives the two figures on the cells' medians as timed (latency-measurement.md D.6, the statistic the app used first; bench-results/latency-replay.md). Why each run's few-shot method was chosen: \`runs[].fewShot.reason\` in the JSON.

Every sample's wall-clock stamp, per-inference time and the machine's slowdown beside it: \`bench-results/${REPORT}-samples.json\`.

## Worker against main thread (one quick run of ${workerVsMain.cells} cells each, WASM)

Median ratio main / worker of the per-cell latencies (fast state): **${workerVsMain.medianRatioMainOverWorker}** (Spearman between the two: ${workerVsMain.spearman ?? '—'}); seconds per cell: main ${workerVsMain.secondsPerCell.main}, worker ${workerVsMain.secondsPerCell.worker}.

| NB201 index | main thread ms | worker ms |
|---|---|---|
${workerVsMain.perCell.map((c) => `| ${c.index} | ${c.mainMs} | ${c.workerMs} |`).join('\n')}

One run each on an idle page, so only a large ratio would mean anything; the worker stays the default because on a page in use nothing else shares its thread.

## (c) Few-shot latency predictor for this machine

Fitted on the ${fewShot.nReference} reference cells measured here; scored on ${fewShot.nHeldOut} held-out measured cells (the second pass of (a)). ±10 %: measured within ±10 % of the prediction (eagle's convention). Chosen by leave-one-out on the reference cells: **${fewShot.method}**.

| predictor | Spearman | within ±10 % | target |
|---|---|---|---|
| calibrated (${fewShot.method}) | **${fewShot.spearman.toFixed(3)}** | ${pctOf(fewShot.within10)} | Spearman ≥ ${TARGETS.fewShotSpearman}: ${ok(fewShot.spearman >= TARGETS.fewShotSpearman)} |
| FLOPs line | ${fewShot.baselines.flops.spearman.toFixed(3)} | ${pctOf(fewShot.baselines.flops.within10)} | |
| nearest known device (${fewShot.baselines.nearestDevice.device}) | ${fewShot.baselines.nearestDevice.spearman.toFixed(3)} | ${pctOf(fewShot.baselines.nearestDevice.within10)} | |
| this machine's repeatability (two passes) | ${result.repeatabilitySpearman} | | |

Leave-one-out error on the reference cells (mean |ln(pred/measured)|): ${fewShot.candidates.map((c) => `${c.method} ${(100 * c.looError).toFixed(1)} %`).join(', ')}.

## (d) Leave one LatBench device out

Few-shot: the device's 20 reference cells (the set re-chosen without it), the other devices of LatBench, HELP and HW-NAS-Bench as the basis (its near-copies held out with it). GCN-900: ${LOO_GCN ? `LATENCY_FAST_PRESET (batch ${LOO_CONFIG.batchSize}, ${LOO_CONFIG.epochs} epochs${LOO_CONFIG.epochs !== LATENCY_FAST_PRESET.epochs ? ' — SHORTENED by BENCH_LOO_EPOCHS, not the protocol' : ''}, ${LOO_CONFIG.targetScale} targets), seed ${LOO_SEED}, 900 train / 100 validation cells of the device${gcnFrom ? ` — trained at commit ${gcnFrom.commit} (${gcnFrom.date}) and carried over: the GCN code has not changed since` : ''}` : 'not run (BENCH_LOO_GCN=0)'}. Both scored on the GCN's test cells (reference cells excluded from the few-shot score). ±10 %: eagle's convention.

| device | few-shot method | few-shot Spearman | few-shot ±10 % | GCN-900 Spearman | GCN-900 ±10 % | FLOPs Spearman / ±10 % | nearest device Spearman / ±10 % | held out with it |
|---|---|---|---|---|---|---|---|---|
${leaveOneDeviceOut.map((r) => `| ${r.device} | ${r.method} | ${r.spearman.toFixed(3)} | ${pctOf(r.within10)} | ${r.full900Spearman?.toFixed(3) ?? '—'} | ${r.full900Within10 === null ? '—' : pctOf(r.full900Within10)} | ${r.baselines.flops.spearman.toFixed(3)} / ${pctOf(r.baselines.flops.within10)} | ${r.baselines.nearestDevice.spearman.toFixed(3)} / ${pctOf(r.baselines.nearestDevice.within10)} (${r.baselines.nearestDevice.device}) | ${r.heldOutWith.join(', ') || '—'} |`).join('\n')}
| **mean** | | **${meanOf(leaveOneDeviceOut.map((r) => r.spearman)).toFixed(3)}** | ${pctOf(meanOf(leaveOneDeviceOut.map((r) => r.within10)))} | ${LOO_GCN ? meanOf(leaveOneDeviceOut.map((r) => r.full900Spearman ?? Number.NaN)).toFixed(3) : '—'} | ${LOO_GCN ? pctOf(meanOf(leaveOneDeviceOut.map((r) => r.full900Within10 ?? Number.NaN))) : '—'} | ${meanOf(leaveOneDeviceOut.map((r) => r.baselines.flops.spearman)).toFixed(3)} | ${meanOf(leaveOneDeviceOut.map((r) => r.baselines.nearestDevice.spearman)).toFixed(3)} | |
`;
    console.log(md);
    writeReport(REPORT, result, md);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
