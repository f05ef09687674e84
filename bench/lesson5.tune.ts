/**
 * A developer's harness for choosing lesson 5's config (Learn: ranking beats regression): trains
 * the regression GCN and the binary relation predictor on the same random cells, scores every
 * other cell and prints Kendall τ and hits in the best 1 % for each, per seed. Not a benchmark.
 *
 *   TUNE_SIZES=50 TUNE_SEEDS=1,2,3 TUNE_CONFIG='{"layers":2,"hidden":64,"epochs":40}' \
 *     npx vitest run -c vitest.tune.config.ts bench/lesson5.tune.ts
 *
 * TUNE_CONFIG is merged into both lesson configs; TUNE_BRP / TUNE_REGRESSION into one only.
 */
import { test } from 'vitest';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-wasm';
import { codeToOps } from '../src/lib/spaces/nb201';
import { readNb201Cifar100 } from './nb201-csv';
import { eagleEncoding } from '../src/lib/spaces/nb201-encoding';
import { trainBrp, trainRegressor } from '../src/lib/predictor/train';
import { useSharedIdentityOnWasm } from '../src/lib/compute/wasm-kernels';
import { indicesWithValues } from '../src/lib/predictor/splits';
import { lesson5Config, lesson5Split, rankingScore } from '../src/lib/learn/ranking-lesson';

const { valid, opsCode } = readNb201Cifar100();

const encode = (indices: readonly number[]) => indices.map((i) => eagleEncoding(codeToOps(opsCode[i])));

async function main() {
  const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${wasmDist}${path.sep}`);
  await tf.setBackend('wasm');
  useSharedIdentityOnWasm();
  const both = JSON.parse(process.env.TUNE_CONFIG ?? '{}');
  const only = { brp: JSON.parse(process.env.TUNE_BRP ?? '{}'), regression: JSON.parse(process.env.TUNE_REGRESSION ?? '{}') };
  const candidates = indicesWithValues(valid);
  for (const size of (process.env.TUNE_SIZES ?? '50').split(',').map(Number)) {
    for (const seed of (process.env.TUNE_SEEDS ?? '1,2,3').split(',').map(Number)) {
      const split = lesson5Split(candidates, size, seed);
      const trainGraphs = encode(split.train);
      const targets = Float64Array.from(split.train, (i) => valid[i]);
      const testGraphs = encode(split.test);
      const truth = Float64Array.from(split.test, (i) => valid[i]);
      const line: string[] = [];
      for (const kind of ['regression', 'brp'] as const) {
        const config = { ...lesson5Config(kind, seed), ...both, ...only[kind] };
        const started = performance.now();
        const predictor = kind === 'regression' ? await trainRegressor({ graphs: trainGraphs, targets, config }) : await trainBrp({ graphs: trainGraphs, targets, config });
        const ms = performance.now() - started;
        const scores = predictor.kind === 'regression' ? await predictor.predictAsync(testGraphs) : (await predictor.scoreBrpAsync(testGraphs)).r;
        predictor.dispose();
        const score = rankingScore(scores, truth);
        line.push(`${kind} τ ${score.kendall.toFixed(3)} hits ${score.hits}/${score.k} ${(ms / 1000).toFixed(1)} s`);
      }
      console.log(`size ${size} seed ${seed}: ${line.join(' · ')}`);
    }
  }
}

test('lesson 5 tuning', main);
