/**
 * `npm run bench:gpu` (issue 16 §5): in headless Chromium launched with the WebGPU flags, the
 * compute backends this browser offers, the WebGPU adapter (description, fallback or not), the
 * parity of a few training steps and predict-all on WebGPU against WASM, and per backend on real
 * hardware: GCN training throughput (graphs/s and GFLOP/s at the best of the candidate batches),
 * one thorough latency-GCN run (LATENCY_THOROUGH_PRESET, 900 LatBench cells), predict-all of the
 * 8,687 distinct graphs, and the profiler on the 20 reference cells. A software adapter or renderer
 * is never timed: its row is null and the report says "not measured on a real GPU". WASM is the
 * baseline and always measured. Writes bench-results/gpu.json and .md (BENCH_REPORT renames them).
 *
 * Env vars: BENCH_GPU_QUICK=1 (smallest settings: one batch, a few steps, one epoch, 3 profiler
 * samples; to check the machinery, not to report), BENCH_GPU_BATCHES (comma list, default
 * 16,32,64,128,256), BENCH_GPU_STEPS (default 8), BENCH_GPU_BACKENDS (default webgpu,webgl),
 * BENCH_LATENCY_EPOCHS (cut the thorough run), BENCH_PORT (default 4182), BENCH_REPORT, BENCH_DIST
 * (the built bench folder, default dist-bench).
 * Build first: `vite build --config vite.bench.config.ts` (datasets must be built: npm run datasets).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { ACCURACY_PRESET, LATENCY_FAST_PRESET, LATENCY_THOROUGH_PRESET } from '../src/lib/predictor/config';
import type { BackendName } from '../src/lib/compute/backend';
import { DEFAULT_PROFILE_SETTINGS } from '../src/lib/workers/profiler-messages';
import { commitId, machine, ROOT, serveDist, WEBGPU_FLAGS, writeReport } from './common';
import type { GpuBenchOptions, GpuBenchResult } from './gpu-page';

const QUICK = process.env.BENCH_GPU_QUICK === '1';
/** The issue's targets on a real GPU. */
const TARGETS = { wasmGraphsPerS: 615, speedUp: 10, latencyGcnWallS: 30, predictAllMs: 1000 };

function list(name: string, fallback: string[]): string[] {
  const raw = process.env[name];
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : fallback;
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

const latencyEpochs = positive('BENCH_LATENCY_EPOCHS', QUICK ? 1 : LATENCY_THOROUGH_PRESET.epochs);
const options: GpuBenchOptions = {
  throughputConfig: { ...ACCURACY_PRESET },
  batches: list('BENCH_GPU_BATCHES', QUICK ? ['32'] : ['16', '32', '64', '128', '256']).map(Number),
  steps: positive('BENCH_GPU_STEPS', QUICK ? 3 : 8),
  latencyConfig: { ...LATENCY_THOROUGH_PRESET, epochs: latencyEpochs },
  latencyDevice: 'desktop_cpu_i7_7820x_fp32',
  // Dropout off: the comparison is of the arithmetic, not of two mask streams.
  parityConfig: { ...LATENCY_FAST_PRESET, epochs: QUICK ? 1 : 2, dropout: 0 },
  parityConfigSoftware: { ...LATENCY_FAST_PRESET, layers: 2, hidden: 64, epochs: 1, dropout: 0 },
  parityTrain: QUICK ? 32 : 64,
  profileSettings: QUICK ? { minSamples: 3, warmupMinRuns: 1, warmupMaxMs: 200, minSampleMs: 10 } : { ...DEFAULT_PROFILE_SETTINGS },
  backends: list('BENCH_GPU_BACKENDS', ['webgpu', 'webgl']) as BackendName[],
};
for (const batch of options.batches) if (!Number.isInteger(batch) || batch < 1) throw new Error(`BENCH_GPU_BATCHES: '${batch}' is not a positive integer`);

const fixed = (value: number | null, digits: number) => (value === null ? '—' : value.toFixed(digits));

function toJson(page: GpuBenchResult, machineText: string) {
  return {
    commit: commitId(),
    date: new Date().toISOString(),
    machine: machineText,
    adapter: page.adapter,
    parity: page.parity,
    backends: page.rows.map(({ name, batch, trainGraphsPerS, gflops, latencyGcnWallS, predictAllMs, profiler20CellsS }) => ({
      name,
      batch,
      trainGraphsPerS,
      gflops,
      latencyGcnWallS,
      predictAllMs,
      profiler20CellsS,
    })),
  };
}

function markdown(json: ReturnType<typeof toJson>, page: GpuBenchResult): string {
  const realGpu = page.rows.find((r) => r.name === 'webgpu' && r.trainGraphsPerS !== null);
  const wasm = page.rows.find((r) => r.name === 'wasm');
  const lines = [
    `# bench:gpu${QUICK ? ' (QUICK run: smallest settings, to check the machinery; not numbers to report)' : ''}`,
    '',
    `${json.date} · commit ${json.commit} · ${json.machine}`,
    '',
    '## Backends this Chromium offers',
    '',
    '| backend | offered | detail |',
    '|---|---|---|',
    ...page.offered.map((b) => `| ${b.name} | ${b.available ? (b.software ? 'software only' : 'yes') : 'no'} | ${b.detail} |`),
    '',
    `WebGPU adapter: ${page.adapter ? `'${page.adapter.description || 'no description'}', isFallbackAdapter ${page.adapter.isFallbackAdapter}` : 'none'}.`,
    '',
    '## Parity (WebGPU against WASM)',
    '',
    page.parity
      ? `The same small regression (seed, cells and config) trained on both, ${page.parity.steps} optimizer steps, then predict-all: max |Δ training loss| per epoch **${page.parity.maxAbsLossDiff.toExponential(2)}**, max relative prediction difference **${page.parity.maxRelPredictionDiff.toExponential(2)}** (${page.parityNote}).`
      : `Not measured: ${page.parityNote}.`,
    '',
    '## Per backend',
    '',
    `Throughput: regression GCN ${options.throughputConfig.layers}×${options.throughputConfig.hidden}, one worker, ${options.steps} steps at each batch of ${options.batches.join(', ')}, the best kept. Latency GCN: LATENCY_THOROUGH_PRESET (batch ${options.latencyConfig.batchSize}, ${options.latencyConfig.epochs} epochs${options.latencyConfig.epochs !== LATENCY_THOROUGH_PRESET.epochs ? ` — CUT from ${LATENCY_THOROUGH_PRESET.epochs}, not the protocol` : ''}), ${options.latencyDevice}, 900 train / 100 validation cells, wall time of training. Predict-all: the 8,687 distinct NB201 encodings, median of 3 requests. Profiler: the 20 reference cells, ${options.profileSettings.minSamples} samples each, wall time of the run.`,
    '',
    '| backend | best batch | graphs/s | GFLOP/s | latency GCN (s) | predict-all (ms) | profiler, 20 cells (s) | note |',
    '|---|---|---|---|---|---|---|---|',
    ...page.rows.map(
      (r) =>
        `| ${r.name} | ${r.batch ?? '—'} | ${fixed(r.trainGraphsPerS, 1)} | ${fixed(r.gflops, 2)} | ${fixed(r.latencyGcnWallS, 1)} | ${fixed(r.predictAllMs, 0)} | ${fixed(r.profiler20CellsS, 1)} | ${r.note} |`,
    ),
    '',
    ...page.rows
      .filter((r) => r.tried.length > 1)
      .flatMap((r) => [`${r.name}, every batch: ${r.tried.map((t) => `${t.batch}: ${t.graphsPerS.toFixed(1)} graphs/s (${t.gflops.toFixed(2)} GFLOP/s)`).join(' · ')}.`, '']),
    '## Targets on a real GPU',
    '',
  ];
  if (!realGpu) {
    const note = page.rows.find((r) => r.name === 'webgpu')?.note;
    lines.push(note?.startsWith('not measured on a real GPU') ? `${note[0].toUpperCase()}${note.slice(1)}.` : `Not measured on a real GPU (${note ?? 'WebGPU was not asked for'}).`);
  } else {
    const check = (ok: boolean) => (ok ? 'met' : 'missed');
    lines.push(
      `- training throughput ≥ ${TARGETS.speedUp}× WASM's ${TARGETS.wasmGraphsPerS} graphs/s: ${realGpu.trainGraphsPerS!.toFixed(0)} graphs/s (×${(realGpu.trainGraphsPerS! / TARGETS.wasmGraphsPerS).toFixed(1)}; this run's WASM: ${fixed(wasm?.trainGraphsPerS ?? null, 0)}): ${check(realGpu.trainGraphsPerS! >= TARGETS.speedUp * TARGETS.wasmGraphsPerS)}`,
      `- one thorough latency-GCN run ≤ ${TARGETS.latencyGcnWallS} s: ${fixed(realGpu.latencyGcnWallS, 1)} s: ${realGpu.latencyGcnWallS === null ? 'not measured' : check(realGpu.latencyGcnWallS <= TARGETS.latencyGcnWallS)}`,
      `- predict-all ≤ ${TARGETS.predictAllMs / 1000} s: ${fixed(realGpu.predictAllMs, 0)} ms: ${realGpu.predictAllMs === null ? 'not measured' : check(realGpu.predictAllMs <= TARGETS.predictAllMs)}`,
    );
  }
  lines.push('', `Dataset ingest in the page: ${(page.ingestMs / 1000).toFixed(1)} s.`, '');
  return lines.join('\n');
}

async function main() {
  const dist = process.env.BENCH_DIST ?? 'dist-bench';
  if (!existsSync(resolve(ROOT, dist, 'gpu.html'))) throw new Error(`${dist}/gpu.html is missing: run \`npx vite build --config vite.bench.config.ts\` first`);
  if (!existsSync(resolve(ROOT, dist, 'datasets/manifest.json'))) throw new Error(`${dist} has no datasets: run \`npm run datasets\`, then build the bench again`);
  const server = await serveDist(Number(process.env.BENCH_PORT ?? 4182), dist);
  // Always with the WebGPU flags: without them Chromium offers no adapter at all.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...WEBGPU_FLAGS],
  });
  const started = Date.now();
  try {
    const page = await browser.newPage();
    page.on('console', (message) => console.log(`[page ${((Date.now() - started) / 1000).toFixed(0)} s] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
    await page.goto(`${server.url}gpu.html`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60_000 });
    const result = await page.evaluate((opts) => window.benchGpu(opts), options);
    const json = toJson(result, machine(browser));
    const md = markdown(json, result);
    console.log(md);
    writeReport(process.env.BENCH_REPORT ?? (QUICK ? 'gpu-quick' : 'gpu'), json, md);
    console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
