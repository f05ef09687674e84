/**
 * The page of `npm run bench:search` (built by vite.bench.config.ts, driven by bench/search.ts in
 * headless Chromium): every run is a `search` request to the app's own compute worker, exactly as
 * the Search view sends it. Exposes `window.benchSearch(options)`.
 */
import type { BackendReport } from '../src/lib/compute/backend';
import { columnByIndex } from '../src/lib/datasets/by-index';
import { DATASET_COLUMNS, type SearchDataset, type SearchMethod } from '../src/lib/search/types';
import { NB201_NUM_CELLS } from '../src/lib/spaces/nb201';
import type { SearchJob, SearchResult } from '../src/lib/workers/search-messages';
import { ComputeClient, loadTables } from './page-client';

export interface BenchSearchRun {
  method: SearchMethod;
  config: string;
  seed: number;
  /** A LatBench device column and a limit in ms; the worker trains the latency GCN that filters. */
  constraint: { device: string; ms: number } | null;
  /** Pareto mode on this LatBench device. */
  paretoDevice: string | null;
}

export interface BenchSearchOptions {
  backend?: 'webgpu' | 'wasm' | 'webgl' | 'cpu';
  dataset: SearchDataset;
  budget: number;
  runs: BenchSearchRun[];
}

export interface BenchSearchResult {
  backend: BackendReport;
  results: { run: BenchSearchRun; result: Omit<SearchResult, 'trace' | 'scores'>; tracePreview: number[]; /** Each iteration's ranking of every cell (ms). */ rankMs: number[] }[];
}

async function benchSearch(options: BenchSearchOptions): Promise<BenchSearchResult> {
  const { tables } = await loadTables(['nb201', 'latbench']);
  const client = new ComputeClient();
  const backend = await client.init(options.backend);
  console.log(`backend: ${backend.name} (${backend.reason})`);
  const columns = DATASET_COLUMNS[options.dataset];
  const oracle = {
    valid: columnByIndex(tables.nb201, columns.valid, NB201_NUM_CELLS),
    test: columnByIndex(tables.nb201, columns.test, NB201_NUM_CELLS),
  };
  const opsCode = columnByIndex(tables.nb201, 'ops_code', NB201_NUM_CELLS);
  const results: BenchSearchResult['results'] = [];
  for (const run of options.runs) {
    const device = run.constraint?.device ?? run.paretoDevice;
    const job: SearchJob = {
      settings: { method: run.method, config: run.config, dataset: options.dataset, budget: options.budget, seed: run.seed, constraint: run.constraint, pareto: run.paretoDevice !== null },
      oracle,
      opsCode,
      latency: device ? { predicted: null, truth: columnByIndex(tables.latbench, device, NB201_NUM_CELLS), predictor: device } : null,
    };
    const label = `${run.method}/${run.config} seed ${run.seed}${run.constraint ? ` ≤ ${run.constraint.ms} ms on ${run.constraint.device}` : ''}${run.paretoDevice ? ` Pareto on ${run.paretoDevice}` : ''}`;
    const rankMs: number[] = [];
    const answer = await client.request(
      { type: 'search', job },
      {
        expect: 'searched',
        onEvent: (event) => {
          if (event.type !== 'search-iteration') return;
          const r = event.record;
          if (r.rankMs !== undefined) rankMs.push(r.rankMs);
          console.log(
            `${label}: iteration ${r.iteration + 1}: +${r.queried.length}, best valid ${r.bestValid.toFixed(2)} % (test ${r.testOfBestValid.toFixed(2)} %), τ ${r.rankingKendall?.toFixed(3) ?? '—'}, ${(r.ms / 1000).toFixed(1)} s`,
          );
        },
      },
    );
    const { trace, scores: _scores, ...result } = answer.result;
    const m = result.metrics;
    console.log(
      `${label}: test of best valid ${m.testOfBestValid.toFixed(2)} %, found ${m.foundGlobalBest} (${m.queriesToGlobalBest ?? '—'}), trace position ${m.tracePositionOfGlobalBest ?? '—'}, τ ${m.kendall?.toFixed(3) ?? '—'}, ${(result.wallMs / 1000).toFixed(1)} s`,
    );
    results.push({ run, result, tracePreview: Array.from(trace.subarray(0, 200)), rankMs });
  }
  return { backend, results };
}

declare global {
  interface Window {
    benchSearch: typeof benchSearch;
  }
}

window.benchSearch = benchSearch;
document.body.dataset.ready = '1';
