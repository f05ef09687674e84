/**
 * `npm run bench:search`: NAS on NAS-Bench-201 by the app's own compute worker in headless
 * Chromium (bench/search-page.ts), per issue 14 §4. Each run reports the test accuracy of the
 * best-valid queried cell, the best test queried, the regret, whether and when the global best was
 * queried, its trace position, the final ranking's Kendall τ, the wall time and the backend.
 * Writes bench-results/search.{json,md} (or BENCH_REPORT).
 *
 * Env vars: BENCH_SEARCH_DATASET (cifar100 | cifar10 | imagenet16-120), BENCH_SEARCH_BUDGET (100),
 * BENCH_SEARCH_SEEDS (e.g. 0-9 or 0,3,5; default 0-9), BENCH_SEARCH_METHODS (method/preset list),
 * BENCH_SEARCH_SLOW_SEEDS (seeds of the faithful presets, default 0), BENCH_SEARCH_LIMIT
 * (device:ms for one latency-limited brp-nas/fast run per seed in BENCH_SEARCH_EXTRA_SEEDS, or none),
 * BENCH_SEARCH_PARETO (device for one Pareto run, or none), BENCH_SEARCH_EXTRA_SEEDS (0),
 * BENCH_SEARCH_MERGE=1 (keep the runs of the previous report that this one does not repeat),
 * BENCH_SEARCH_COLLECT=name,… (run nothing: merge the runs of these reports into BENCH_REPORT, so
 * slow seeds can run as separate processes, one per core, each with its own BENCH_REPORT and BENCH_PORT),
 * BENCH_BACKEND, BENCH_PORT, BENCH_REPORT.
 * Build first: `vite build --config vite.bench.config.ts` (datasets must be built: npm run datasets).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FilterReport, SearchDataset, SearchMethod, SearchMetrics } from '../src/lib/search/types';
import { commitId, launchChromium, machine, median, ROOT, serveDist, writeReport } from './common';
import type { BenchSearchOptions, BenchSearchResult, BenchSearchRun } from './search-page';

const DEFAULT_METHODS = ['brp-nas/fast', 'brp-local/default', 'regression-gcn/fast', 'evolution/default', 'local-search/default', 'random/default', 'brp-nas/faithful-tenth'];
const SLOW = new Set(['brp-nas/faithful', 'brp-nas/faithful-tenth', 'regression-gcn/faithful']);

function seedList(raw: string): number[] {
  return raw.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (!Number.isInteger(from) || (to !== undefined && !Number.isInteger(to))) throw new Error(`bad seed list '${raw}' (e.g. 0-9 or 0,3,5)`);
    return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, k) => from + k);
  });
}

const env = process.env;
const dataset = (env.BENCH_SEARCH_DATASET ?? 'cifar100') as SearchDataset;
const budget = Number(env.BENCH_SEARCH_BUDGET ?? 100);
const seeds = seedList(env.BENCH_SEARCH_SEEDS ?? '0-9');
const slowSeeds = seedList(env.BENCH_SEARCH_SLOW_SEEDS ?? '0');
const extraSeeds = seedList(env.BENCH_SEARCH_EXTRA_SEEDS ?? '0');
const methods = (env.BENCH_SEARCH_METHODS ?? DEFAULT_METHODS.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const limit = env.BENCH_SEARCH_LIMIT ?? 'embedded_tpu_edgetpu_int8:1.0';
const paretoDevice = env.BENCH_SEARCH_PARETO ?? 'embedded_tpu_edgetpu_int8';

const runs: BenchSearchRun[] = [];
for (const which of methods) {
  const [method, config] = which.split('/') as [SearchMethod, string];
  for (const seed of SLOW.has(which) ? slowSeeds : seeds) runs.push({ method, config, seed, constraint: null, paretoDevice: null });
}
if (limit !== 'none') {
  const [device, ms] = limit.split(':');
  for (const seed of extraSeeds) runs.push({ method: 'brp-nas', config: 'fast', seed, constraint: { device, ms: Number(ms) }, paretoDevice: null });
}
if (paretoDevice !== 'none') for (const seed of extraSeeds) runs.push({ method: 'brp-nas', config: 'fast', seed, constraint: null, paretoDevice });
const options: BenchSearchOptions = { backend: env.BENCH_BACKEND as BenchSearchOptions['backend'], dataset, budget, runs };

/** One run as issue 14 §5 lists its fields (the metrics are SearchMetrics, types.ts). */
interface JsonRun extends SearchMetrics {
  method: string;
  config: string;
  dataset: SearchDataset;
  budget: number;
  seed: number;
  wallS: number;
  backend: string;
  constraint: { device: string; ms: number } | null;
  hypervolume?: { queried: number; best: number; ratio: number } | null;
  filter?: FilterReport | null;
  pareto?: string;
  /** The commit that measured this run (runs kept from an earlier report keep theirs). */
  commit: string;
}

function toRuns(page: BenchSearchResult, commit: string): JsonRun[] {
  return page.results.map(({ run, result }) => ({
    method: run.method,
    config: run.config,
    dataset,
    budget,
    seed: run.seed,
    ...result.metrics,
    wallS: result.wallMs / 1000,
    backend: result.backend,
    constraint: run.constraint,
    ...(run.constraint ? { filter: result.filter } : {}),
    ...(run.paretoDevice ? { pareto: run.paretoDevice, hypervolume: result.hypervolume } : {}),
    commit,
  }));
}

const key = (r: JsonRun) => JSON.stringify([r.method, r.config, r.dataset, r.budget, r.seed, r.constraint, r.pareto ?? null]);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sd = (values: number[]) => (values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean(values)) ** 2, 0) / (values.length - 1)));
const f2 = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(2));

/** How long ranking every cell took inside the searches of this report (each iteration ranks once). */
interface Ranking {
  medianMs: number;
  maxMs: number;
  rankings: number;
  commit: string;
}

function markdown(json: { commit: string; date: string; backend: string; machine: string; ranking: Ranking | null; runs: JsonRun[] }): string {
  const plain = json.runs.filter((r) => !r.constraint && !r.pareto);
  const groups = [...new Set(plain.map((r) => `${r.method}/${r.config}`))];
  const lines = [
    '# bench:search',
    '',
    `${json.date} · commit ${json.commit} · ${json.machine} · backend **${json.backend}** · NB201 ${dataset}, budget ${budget} queries`,
    '',
    'Test accuracy (%) of the best-validation queried cell; "found" = the global best by validation accuracy was queried within the budget; queries to it and its position in the search trace are medians over the seeds that reach it.',
    '',
    '| method / preset | seeds | test of best valid (mean ± sd) | max test queried | regret (valid, pp) | found | median queries to global best | median trace position | Kendall τ (final ranking) | wall (median) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const group of groups) {
    const rs = plain.filter((r) => `${r.method}/${r.config}` === group);
    const found = rs.filter((r) => r.foundGlobalBest);
    const positions = rs.map((r) => r.tracePositionOfGlobalBest).filter((p): p is number => p !== null);
    const taus = rs.map((r) => r.kendall).filter((k): k is number => k !== null);
    lines.push(
      `| ${group} | ${rs.length} | **${mean(rs.map((r) => r.testOfBestValid)).toFixed(2)} ± ${sd(rs.map((r) => r.testOfBestValid)).toFixed(2)}** | ${mean(rs.map((r) => r.maxTest)).toFixed(2)} | ${mean(rs.map((r) => r.regretValid)).toFixed(2)} | ${found.length}/${rs.length} | ${found.length ? median(found.map((r) => r.queriesToGlobalBest!)) : '—'} | ${positions.length ? median(positions) : '—'} | ${taus.length ? mean(taus).toFixed(3) : '—'} | ${median(rs.map((r) => r.wallS)).toFixed(1)} s |`,
    );
  }
  lines.push(
    '',
    'Reference (reference-numbers.md, the official code and baselines on this machine): eagle BRP-NAS at 1/10 epochs 73.11 ± 0.70 (3 seeds, 38-51 min each); regularised evolution 72.48 ± 0.81; local search 73.35 ± 0.62, global best in 90/100; random 71.67 ± 0.85.',
    '',
  );
  lines.push(
    '## Every run',
    '',
    '| method / preset | seed | test of best valid | max test | regret | found (queries) | trace position | τ | wall | commit |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of plain)
    lines.push(
      `| ${r.method}/${r.config} | ${r.seed} | ${f2(r.testOfBestValid)} | ${f2(r.maxTest)} | ${f2(r.regretValid)} | ${r.foundGlobalBest ? `yes (${r.queriesToGlobalBest})` : 'no'} | ${r.tracePositionOfGlobalBest ?? '—'} | ${r.kendall === null ? '—' : r.kendall.toFixed(3)} | ${r.wallS.toFixed(1)} s | ${r.commit} |`,
    );
  if (json.ranking)
    lines.push(
      '',
      `Ranking all 15,625 cells with the trained 4×600 predictor inside the searches (one ranking per iteration, BRP and regression): **${json.ranking.medianMs.toFixed(0)} ms** median, ${json.ranking.maxMs.toFixed(0)} ms at most, over ${json.ranking.rankings} rankings (commit ${json.ranking.commit}).`,
    );
  const limited = json.runs.filter((r) => r.constraint);
  if (limited.length) {
    lines.push(
      '',
      '## Latency-limited',
      '',
      'The candidates are the cells a latency GCN (fast preset, 900 random cells of the device) predicts within the limit, as the paper does; metrics use the true latency (a queried cell over the limit does not count).',
      '',
      '| method | device ≤ ms | seed | test of best valid | found (queries) | admitted | wrongly admitted | wrongly dropped | truly within | wall |',
      '|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of limited)
      lines.push(
        `| ${r.method}/${r.config} | ${r.constraint!.device} ≤ ${r.constraint!.ms} | ${r.seed} | ${f2(r.testOfBestValid)} | ${r.foundGlobalBest ? `yes (${r.queriesToGlobalBest})` : 'no'} | ${r.filter?.admitted ?? '—'} | ${r.filter?.wronglyAdmitted ?? '—'} | ${r.filter?.wronglyDropped ?? '—'} | ${r.filter?.trulyWithin ?? '—'} | ${r.wallS.toFixed(1)} s |`,
      );
  }
  const pareto = json.runs.filter((r) => r.pareto);
  if (pareto.length) {
    lines.push(
      '',
      '## Pareto mode',
      '',
      "Hypervolume of the queried cells' true front (true latency in ms against test accuracy in %, reference point: the slowest latency and the worst accuracy of the space) as a share of the true front's.",
      '',
      '| method | device | seed | hypervolume ratio | queried HV | true HV | wall |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of pareto)
      lines.push(
        `| ${r.method}/${r.config} | ${r.pareto} | ${r.seed} | **${f2(r.hypervolume?.ratio ?? null)}** | ${f2(r.hypervolume?.queried ?? null)} | ${f2(r.hypervolume?.best ?? null)} | ${r.wallS.toFixed(1)} s |`,
      );
  }
  lines.push('');
  return lines.join('\n');
}

/** BENCH_SEARCH_COLLECT: the runs of other reports replace the same runs of this one; nothing is run. */
function collect(reportName: string, names: string[]): void {
  const read = (name: string) => JSON.parse(readFileSync(resolve(ROOT, 'bench-results', `${name}.json`), 'utf8')) as { machine: string; backend: string; ranking?: Ranking | null; runs: JsonRun[] };
  const target = read(reportName);
  let runs = target.runs;
  for (const name of names) {
    const fresh = read(name).runs;
    const keys = new Set(fresh.map(key));
    runs = [...runs.filter((r) => !keys.has(key(r))), ...fresh];
  }
  const json = { commit: commitId(), date: new Date().toISOString(), backend: target.backend, machine: target.machine, ranking: target.ranking ?? null, runs };
  const md = markdown(json);
  console.log(md);
  writeReport(reportName, json, md);
}

async function main() {
  if (env.BENCH_SEARCH_COLLECT)
    return collect(
      env.BENCH_REPORT ?? 'search',
      env.BENCH_SEARCH_COLLECT.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  // The commit of the code about to be measured: edits made while a long run goes on are not in it.
  const commit = commitId();
  if (!existsSync(resolve(ROOT, 'dist-bench/search.html'))) throw new Error('dist-bench/search.html is missing: run `npx vite build --config vite.bench.config.ts` first');
  const server = await serveDist(Number(env.BENCH_PORT ?? 4182), 'dist-bench');
  const browser = await launchChromium();
  const started = Date.now();
  try {
    const page = await browser.newPage();
    page.on('console', (message) => console.log(`[page ${((Date.now() - started) / 1000).toFixed(0)} s] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
    await page.goto(`${server.url}search.html`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60_000 });
    if (!(await page.evaluate(() => crossOriginIsolated))) console.warn('warning: the bench page is not cross-origin isolated (no WASM threads)');
    const result = await page.evaluate((opts) => window.benchSearch(opts), options);
    let runs = toRuns(result, commit);
    const rankMs = result.results.flatMap((r) => r.rankMs);
    let ranking: Ranking | null = rankMs.length ? { medianMs: median(rankMs), maxMs: Math.max(...rankMs), rankings: rankMs.length, commit } : null;
    const reportName = env.BENCH_REPORT ?? 'search';
    const path = resolve(ROOT, 'bench-results', `${reportName}.json`);
    if (env.BENCH_SEARCH_MERGE === '1' && existsSync(path)) {
      const fresh = new Set(runs.map(key));
      const previous = JSON.parse(readFileSync(path, 'utf8')) as { runs: JsonRun[]; ranking?: Ranking | null };
      runs = [...previous.runs.filter((r) => !fresh.has(key(r))), ...runs];
      ranking ??= previous.ranking ?? null;
    }
    const json = { commit, date: new Date().toISOString(), backend: result.backend.name, machine: machine(browser), ranking, runs };
    const md = markdown(json);
    console.log(md);
    writeReport(reportName, json, md);
    console.log(`total ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
