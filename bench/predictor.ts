/**
 * `npm run bench:predictor`: the GCN predictors trained in headless Chromium by the app's own
 * compute worker (bench/predictor-page.ts), per issue 3 §6:
 * - latency GCN, paper protocol: 900 train / 100 validation / rest test (random split per seed)
 *   on three LatBench devices: share within ±1/5/10/20 % (both conventions), Spearman, Kendall,
 *   training wall time;
 * - accuracy predictors (regression GCN and BRP) on CIFAR-100 validation from 100 training
 *   models: Kendall τ and precision@top-1 % over all cells;
 * - throughput: training graphs/s and GFLOP/s of the GCN next to a plain matmul on the backend.
 * Writes bench-results/predictor.{json,md}. With BENCH_PREDICTOR_SMOKE=1 it runs a tiny version
 * (one device, one seed, one epoch each) into bench-results/predictor-smoke.{json,md}, to prove the
 * machinery and time one epoch of the paper's latency config.
 *
 * Env vars (comma lists): BENCH_LATENCY_DEVICES, BENCH_SEEDS, BENCH_LATENCY_CONFIG (paper | fast | thorough),
 * BENCH_LATENCY_RESTORE (best-copy | last-epoch: which weights a run keeps),
 * BENCH_LATENCY_EPOCHS, BENCH_LATENCY_BATCH (lr rescaled by √batch), BENCH_ACCURACY_EPOCHS, BENCH_ACCURACY_TRAIN, BENCH_ACCURACY_PREDICTORS
 * (regression,brp), BENCH_SECTIONS (latency,accuracy,throughput), BENCH_BACKEND (webgpu | wasm | webgl | cpu), BENCH_PORT,
 * BENCH_WORKERS (workers per training batch, 1..4; default: the app's automatic choice), BENCH_BRP_EPOCHS (BRP only),
 * BENCH_BRP_CONFIG (paper | fast: BRP_FAST_PRESET, the Train view's fast BRP).
 * Build first: `vite build --config vite.bench.config.ts` (datasets must be built: npm run datasets).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACCURACY_PRESET, BRP_FAST_PRESET, BRP_PRESET, LATENCY_FAST_PRESET, LATENCY_PRESET, LATENCY_THOROUGH_PRESET, latencyWithBatch, type PredictorConfig } from '../src/lib/predictor/config';
import { commitId, launchChromium, machine, ROOT, serveDist, writeReport } from './common';
import type { BenchOptions, BenchPageResult } from './predictor-page';

const SMOKE = process.env.BENCH_PREDICTOR_SMOKE === '1';
const DEVICES = ['desktop_cpu_i7_7820x_fp32', 'embedded_tpu_edgetpu_int8', 'mobile_gpu_sd855_adreno640_int8'];

function list(name: string, fallback: string[]): string[] {
  const raw = process.env[name];
  return raw
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : fallback;
}

function integer(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}

function withEpochs(config: PredictorConfig, epochs: number | undefined): PredictorConfig {
  return epochs === undefined ? { ...config } : { ...config, epochs };
}

const latencyConfigName = process.env.BENCH_LATENCY_CONFIG ?? 'paper';
const LATENCY_PRESETS: Record<string, PredictorConfig> = { paper: LATENCY_PRESET, fast: LATENCY_FAST_PRESET, thorough: LATENCY_THOROUGH_PRESET };
const latencyPreset = LATENCY_PRESETS[latencyConfigName];
if (!latencyPreset) throw new Error(`BENCH_LATENCY_CONFIG must be one of ${Object.keys(LATENCY_PRESETS).join(', ')}, got '${latencyConfigName}'`);
const latencyBatch = integer('BENCH_LATENCY_BATCH', undefined);
/** BENCH_LATENCY_BATCH rescales the paper's lr by √batch, the rule LATENCY_FAST_PRESET uses. */
const latencyScale = process.env.BENCH_LATENCY_SCALE ?? latencyPreset.targetScale;
if (latencyScale !== 'linear' && latencyScale !== 'log') throw new Error(`BENCH_LATENCY_SCALE must be 'linear' or 'log', got '${latencyScale}'`);
const latencyRestore = process.env.BENCH_LATENCY_RESTORE ?? latencyPreset.restoreBest;
if (latencyRestore !== 'best-copy' && latencyRestore !== 'last-epoch') throw new Error(`BENCH_LATENCY_RESTORE must be 'best-copy' or 'last-epoch', got '${latencyRestore}'`);
const latencyBase: PredictorConfig = {
  ...latencyPreset,
  restoreBest: latencyRestore,
  ...(latencyBatch === undefined ? {} : { batchSize: latencyBatch, lr: latencyWithBatch(latencyBatch, latencyPreset.epochs).lr }),
  targetScale: latencyScale,
};
const seeds = list('BENCH_SEEDS', SMOKE ? ['0'] : ['0', '1', '2']).map(Number);
const sections = new Set(list('BENCH_SECTIONS', ['latency', 'accuracy', 'throughput']));
const accuracyEpochs = integer('BENCH_ACCURACY_EPOCHS', SMOKE ? 1 : undefined);
const workers = integer('BENCH_WORKERS', undefined);

const options: BenchOptions = {
  backend: process.env.BENCH_BACKEND as BenchOptions['backend'],
  latency: {
    devices: sections.has('latency') ? list('BENCH_LATENCY_DEVICES', SMOKE ? DEVICES.slice(0, 1) : DEVICES) : [],
    seeds,
    trainSize: 900,
    valSize: 100,
    config: withEpochs(latencyBase, integer('BENCH_LATENCY_EPOCHS', SMOKE ? 1 : undefined)),
    configName: latencyConfigName,
  },
  accuracy: {
    target: 'nb201:c100_valid',
    seeds: list('BENCH_ACCURACY_SEEDS', seeds.map(String)).map(Number),
    trainSize: integer('BENCH_ACCURACY_TRAIN', SMOKE ? 20 : 100)!,
    predictors: sections.has('accuracy') ? (list('BENCH_ACCURACY_PREDICTORS', ['regression', 'brp']) as ('regression' | 'brp')[]) : [],
    regression: withEpochs(ACCURACY_PRESET, accuracyEpochs),
    // BRP at the paper's 250 epochs takes hours here (9,900 pairs per epoch); BENCH_BRP_EPOCHS cuts it alone.
    brp: withEpochs(process.env.BENCH_BRP_CONFIG === 'fast' ? BRP_FAST_PRESET : BRP_PRESET, integer('BENCH_BRP_EPOCHS', accuracyEpochs)),
  },
  throughput: sections.has('throughput') ? { config: ACCURACY_PRESET, steps: SMOKE ? 3 : 8 } : null,
  stepTimings: !sections.has('throughput')
    ? []
    : [
        { name: 'paper latency config (batch 1)', config: LATENCY_PRESET, steps: SMOKE ? 20 : 50 },
        { name: `LATENCY_THOROUGH_PRESET (batch ${LATENCY_THOROUGH_PRESET.batchSize})`, config: LATENCY_THOROUGH_PRESET, steps: SMOKE ? 5 : 40 },
        ...[1, workers].map((w) => ({ name: 'latency, batch 16', config: { ...LATENCY_FAST_PRESET, batchSize: 16 }, steps: SMOKE ? 5 : 30, workers: w })),
        ...[1, workers].map((w) => ({ name: `LATENCY_FAST_PRESET (batch ${LATENCY_FAST_PRESET.batchSize})`, config: LATENCY_FAST_PRESET, steps: SMOKE ? 5 : 20, workers: w })),
        ...[1, workers].map((w) => ({ name: 'BRP_PRESET-sized regression step (batch 64)', config: { ...ACCURACY_PRESET, batchSize: 64 }, steps: SMOKE ? 3 : 10, workers: w })),
      ],
  workers,
};

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sd = (values: number[]) => (values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean(values)) ** 2, 0) / (values.length - 1)));
const pm = (values: number[], digits = 3) => (values.length > 1 ? `${mean(values).toFixed(digits)} ± ${sd(values).toFixed(digits)}` : mean(values).toFixed(digits));
const pct = (value: number) => `${(100 * value).toFixed(1)}`;
const minutes = (ms: number) => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);

function markdown(result: ReturnType<typeof toJson>, page: BenchPageResult, machineText: string): string {
  const latencyConfig = options.latency.config;
  const lines = [
    `# bench:predictor${SMOKE ? ' (SMOKE run: tiny settings, not the protocol; numbers prove the machinery only)' : ''}`,
    '',
    `${result.date} · commit ${result.commit} · ${machineText} · backend **${page.backend.name}** (${page.backend.reason})`,
    '',
    `## Latency GCN (LatBench, ${options.latency.trainSize} train / ${options.latency.valSize} validation / rest test per seed)`,
    '',
    ...(!sections.has('latency')
      ? ['Not run this time (BENCH_SECTIONS); report.json carries the previous results over (see the end of this report).', '']
      : [
          `Config: ${{ fast: '`LATENCY_FAST_PRESET`', thorough: '`LATENCY_THOROUGH_PRESET`' }[options.latency.configName] ?? 'paper (`LATENCY_PRESET`)'}${latencyBatch !== undefined || process.env.BENCH_LATENCY_EPOCHS ? ' with BENCH_LATENCY_BATCH/EPOCHS overrides' : ''}: batch ${latencyConfig.batchSize}, lr ${latencyConfig.lr}, ${latencyConfig.epochs} epochs max, ${latencyConfig.schedule}, early-stopping patience ${latencyConfig.esPatience}, keeps the ${latencyConfig.restoreBest === 'best-copy' ? 'best validation epoch' : 'last epoch'}, targets on the ${latencyConfig.targetScale} scale${latencyConfig.targetScale === 'log' ? ' (NOT a paper setting: L1 on ln latency)' : ''}.`,
          "Within ±X %: share of test cells; eagle = truth within ±X % of the prediction (the paper's convention), truth = prediction within ±X % of the truth.",
          '',
          '| device | seed | eagle ±1/5/10/20 % | truth ±1/5/10/20 % | Spearman | Kendall | MAE (ms) | epochs (best) | workers | train wall | s/epoch |',
          '|---|---|---|---|---|---|---|---|---|---|---|',
          ...page.latency.map(
            (r) =>
              `| ${r.device} | ${r.seed} | ${['1', '5', '10', '20'].map((k) => pct(r.within.eagle[k as '1'])).join(' / ')} | ${['1', '5', '10', '20'].map((k) => pct(r.within.truth[k as '1'])).join(' / ')} | ${r.spearman.toFixed(3)} | ${r.kendall.toFixed(3)} | ${r.detail.mae.toFixed(3)} | ${r.detail.epochsRun} (${r.detail.bestEpoch}) | ${r.detail.workers} | ${minutes(r.trainWallS * 1000)} | ${(mean(r.detail.epochMs) / 1000).toFixed(1)} |`,
          ),
          '',
        ]),
  ];
  const devices = [...new Set(page.latency.map((r) => r.device))];
  if (page.latency.length > devices.length) {
    lines.push('Mean ± sd over seeds:', '', '| device | eagle ±5 % | eagle ±10 % | Spearman | Kendall | train wall (s) |', '|---|---|---|---|---|---|');
    for (const device of devices) {
      const runs = page.latency.filter((r) => r.device === device);
      lines.push(
        `| ${device} | ${pm(runs.map((r) => r.within.eagle['5']))} | ${pm(runs.map((r) => r.within.eagle['10']))} | ${pm(runs.map((r) => r.spearman))} | ${pm(runs.map((r) => r.kendall))} | ${pm(
          runs.map((r) => r.trainWallS),
          0,
        )} |`,
      );
    }
    lines.push('');
  }
  lines.push(
    `## Accuracy predictors (${options.accuracy.target}, ${options.accuracy.trainSize} training models, validated on them; metrics over all cells)`,
    '',
    ...(!sections.has('accuracy')
      ? ['Not run this time (BENCH_SECTIONS); report.json carries the previous results over (see the end of this report).']
      : [
          '| predictor | seed | Kendall τ | precision@top-1 % | epochs | workers | train wall | s/epoch |',
          '|---|---|---|---|---|---|---|---|',
          ...page.accuracy.map(
            (r) =>
              `| ${r.predictor} | ${r.seed} | ${r.kendall.toFixed(3)} | ${pct(r.precisionTop1pct)} % | ${r.detail.epochsRun} | ${r.detail.workers} | ${minutes(r.trainWallS * 1000)} | ${(mean(r.detail.epochMs) / 1000).toFixed(1)} |`,
          ),
        ]),
    '',
    '## Throughput',
    '',
    ...(!sections.has('throughput') ? ['Not run this time (BENCH_SECTIONS); report.json carries the previous results over (see the end of this report).', ''] : []),
  );
  for (const t of page.throughput) {
    lines.push(
      `Regression GCN ${ACCURACY_PRESET.layers}×${ACCURACY_PRESET.hidden}, batch ${t.batchSize} (accuracy preset), **${t.workers} worker${t.workers > 1 ? 's' : ''}**, steady-state step ${t.stepMs.toFixed(1)} ms:`,
      `**${t.graphsPerS.toFixed(1)} graphs/s**, **${t.gflops.toFixed(2)} GFLOP/s** (analytic matmul FLOPs: ${(t.stepFlops / 1e9).toFixed(3)} GFLOP per step = forward + 2× backward),`,
      `against the faster plain 1024×${ACCURACY_PRESET.hidden}·${ACCURACY_PRESET.hidden}×${ACCURACY_PRESET.hidden} product at **${t.matmulPeakGflops.toFixed(2)} GFLOP/s** in one worker on the same backend` +
        ` (tfjs matMul ${t.tfjsMatmulGflops.toFixed(2)}, the app's dense kernel ${t.denseMatmulGflops.toFixed(2)} GFLOP/s)` +
        (t.workers > 1
          ? ` (×${t.workers} workers = ${(t.workers * t.matmulPeakGflops).toFixed(2)} GFLOP/s if every worker had a core to itself: ${pct(t.gflops / (t.workers * t.matmulPeakGflops))} % of that).`
          : ` (${pct(t.gflops / t.matmulPeakGflops)} % of it).`),
      '',
    );
  }
  if (page.stepTimings.length > 0)
    lines.push(
      '## Step timings and full-run extrapolations',
      '',
      '| config | batch | workers | ms per step | per epoch (900 train cells, steps only) | epochs | full run (no early stop) |',
      '|---|---|---|---|---|---|---|',
    );
  for (const { name, config, result: t } of page.stepTimings) {
    const epochMs = t.stepMs * Math.ceil(900 / t.batchSize);
    lines.push(`| ${name} | ${t.batchSize} | ${t.workers} | ${t.stepMs.toFixed(1)} | ${(epochMs / 1000).toFixed(1)} s | ${config.epochs} | ${minutes(epochMs * config.epochs)} |`);
  }
  const measured = page.latency.filter((r) => r.detail.epochMs.length > 0);
  if (measured.length > 0) {
    const epochMs = mean(measured.flatMap((r) => r.detail.epochMs));
    const steps = Math.ceil(options.latency.trainSize / latencyConfig.batchSize);
    lines.push(
      '',
      `Measured epoch of the latency runs (${options.latency.configName} config: ${steps} steps of batch ${latencyConfig.batchSize} + validation on ${options.latency.valSize} cells), mean of ${measured.flatMap((r) => r.detail.epochMs).length}: **${(epochMs / 1000).toFixed(1)} s** → ${latencyBase.epochs} epochs ≈ **${minutes(epochMs * latencyBase.epochs)}** per run without early stopping (issue target ≤ 5 min).`,
    );
  }
  lines.push('', `Dataset ingest in the page: ${(page.ingestMs / 1000).toFixed(1)} s.`, '');
  return lines.join('\n');
}

function toJson(page: BenchPageResult) {
  return {
    commit: commitId(),
    date: new Date().toISOString(),
    backend: page.backend.name,
    latency: page.latency.map(({ detail: _detail, ...run }) => run),
    accuracy: page.accuracy.map(({ detail: _detail, ...run }) => run),
    // The issue's schema: one worker; `parallel` adds the data-parallel default where it differs.
    throughput:
      page.throughput.length > 0
        ? {
            graphsPerS: page.throughput[0].graphsPerS,
            gflops: page.throughput[0].gflops,
            matmulPeakGflops: page.throughput[0].matmulPeakGflops,
            tfjsMatmulGflops: page.throughput[0].tfjsMatmulGflops,
            denseMatmulGflops: page.throughput[0].denseMatmulGflops,
            ...(page.throughput[1] ? { parallel: { workers: page.throughput[1].workers, graphsPerS: page.throughput[1].graphsPerS, gflops: page.throughput[1].gflops } } : {}),
          }
        : null,
  };
}

/**
 * Sections not run this time (BENCH_SECTIONS) keep the previous report's results, marked with the
 * commit and date that measured them, so a partial rerun does not erase them.
 */
function carryOver(json: ReturnType<typeof toJson>, reportName: string) {
  const carriedOver: Record<string, { commit: string; date: string }> = {};
  const path = resolve(ROOT, 'bench-results', `${reportName}.json`);
  if (!existsSync(path)) return { ...json, carriedOver };
  const previous = JSON.parse(readFileSync(path, 'utf8')) as ReturnType<typeof toJson> & { carriedOver?: Record<string, { commit: string; date: string }> };
  const origin = (section: string) => previous.carriedOver?.[section] ?? { commit: previous.commit, date: previous.date };
  const out = { ...json };
  if (!sections.has('latency') && previous.latency?.length) [out.latency, carriedOver.latency] = [previous.latency, origin('latency')];
  if (!sections.has('accuracy') && previous.accuracy?.length) [out.accuracy, carriedOver.accuracy] = [previous.accuracy, origin('accuracy')];
  if (!sections.has('throughput') && previous.throughput) [out.throughput, carriedOver.throughput] = [previous.throughput, origin('throughput')];
  return { ...out, carriedOver };
}

async function main() {
  if (!existsSync(resolve(ROOT, 'dist-bench/predictor.html'))) throw new Error('dist-bench/predictor.html is missing: run `npx vite build --config vite.bench.config.ts` first');
  if (!existsSync(resolve(ROOT, 'dist-bench/datasets/manifest.json'))) throw new Error('dist-bench has no datasets: run `npm run datasets`, then build the bench again');
  const server = await serveDist(Number(process.env.BENCH_PORT ?? 4181), 'dist-bench');
  const browser = await launchChromium();
  const started = Date.now();
  try {
    const page = await browser.newPage();
    page.on('console', (message) => console.log(`[page ${((Date.now() - started) / 1000).toFixed(0)} s] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
    page.on('response', (response) => response.status() >= 400 && console.warn(`[page] HTTP ${response.status()} for ${response.url()}`));
    await page.goto(`${server.url}predictor.html`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60_000 });
    const isolated = await page.evaluate(() => crossOriginIsolated);
    if (!isolated) console.warn('warning: the bench page is not cross-origin isolated (no WASM threads)');
    const result = await page.evaluate((opts) => window.benchPredictor(opts), options);
    const reportName = process.env.BENCH_REPORT ?? (SMOKE ? 'predictor-smoke' : 'predictor');
    const json = carryOver(toJson(result), reportName);
    let md = markdown(json, result, machine(browser));
    for (const [section, from] of Object.entries(json.carriedOver)) {
      md += `\nThe ${section} section was not run this time (BENCH_SECTIONS); report.json carries it over from commit ${from.commit} (${from.date}).\n`;
    }
    console.log(md);
    writeReport(reportName, json, md);
    console.log(`total ${minutes(Date.now() - started)}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
