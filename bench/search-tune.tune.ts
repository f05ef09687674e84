/**
 * A developer's harness for tuning search presets in Node (tfjs WASM, the compute worker's own
 * search handler), faster to iterate than the Chromium bench. Not a benchmark: `npm run
 * bench:search` is the one whose numbers are reported.
 *
 *   TUNE=brp-nas/fast TUNE_SEEDS=0,1,2 [TUNE_BUDGET=100] npx vitest run -c vitest.tune.config.ts
 *
 * (Run through Vitest because plain Node cannot resolve tfjs-core's ESM directory imports.)
 */
import { test } from 'vitest';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-wasm';
import { readNb201Cifar100 } from './nb201-csv';
import { createSearchHandler } from '../src/lib/workers/search-handler';
import type { SearchResult, SearchSettings } from '../src/lib/workers/search-messages';
import { useSharedIdentityOnWasm } from '../src/lib/compute/wasm-kernels';
import type { SearchMethod } from '../src/lib/search/types';
import { SEARCH_PRESETS } from '../src/lib/search/presets';

const { valid, test: testAcc, opsCode } = readNb201Cifar100();

async function main() {
  const which = process.env.TUNE ?? 'brp-nas/fast';
  const seedList = process.env.TUNE_SEEDS ?? '0';
  const budget = process.env.TUNE_BUDGET ?? '100';
  const [method, config] = which.split('/') as [SearchMethod, string];
  // TUNE_PRESET: JSON merged into the preset (its `config` merged into the predictor config).
  const override = JSON.parse(process.env.TUNE_PRESET ?? '{}');
  const preset = SEARCH_PRESETS[which];
  if (preset) SEARCH_PRESETS[which] = { ...preset, ...override, config: { ...preset.config, ...(override.config ?? {}) } };
  console.log(JSON.stringify(SEARCH_PRESETS[which] ?? null));
  const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${wasmDist}${path.sep}`);
  await tf.setBackend('wasm');
  useSharedIdentityOnWasm();
  const backend = { name: 'wasm' } as never;
  for (const seed of seedList.split(',').map(Number)) {
    let result: SearchResult | undefined;
    const started = performance.now();
    const handle = createSearchHandler({
      post: (message) => {
        if (message.type === 'search-iteration') {
          const r = message.record;
          console.log(
            `  it ${r.iteration}: +${r.queried.length} best valid ${r.bestValid.toFixed(2)} test ${r.testOfBestValid.toFixed(2)} τ ${r.rankingKendall?.toFixed(3) ?? '-'} ${(r.ms / 1000).toFixed(1)} s`,
          );
        }
        if (message.type === 'searched') result = message.result;
      },
      ensureBackend: async () => backend,
    });
    const settings: SearchSettings = { method, config: config ?? 'default', dataset: 'cifar100', budget: Number(budget), seed, constraint: null, pareto: false };
    await handle(
      1,
      { settings, oracle: { valid, test: testAcc }, opsCode, latency: null },
      {
        signal: new AbortController().signal,
        beforeStep: () => undefined,
        iterationDone: async () => undefined,
        elapsedMs: () => performance.now() - started,
      },
    );
    const m = result!.metrics;
    console.log(
      `${which} seed ${seed}: test ${m.testOfBestValid.toFixed(2)} max ${m.maxTest.toFixed(2)} regret ${m.regretValid.toFixed(2)} found ${m.foundGlobalBest} q ${m.queriesToGlobalBest} pos ${m.tracePositionOfGlobalBest} τ ${m.kendall?.toFixed(3)} ${(result!.wallMs / 1000).toFixed(1)} s`,
    );
  }
}

test('tune', main, 3_600_000);
