/**
 * Ranking all NB201 cells with a 4×600 BRP predictor in Node on tfjs WASM: the batched forward
 * pass (model.ts inferPacked) against distinct node rows (distinct-rows.ts), both through
 * `predictor.scoreBrp` (model.ts useDistinctRowsFrom picks the form). The forms alternate in
 * each repeat; results go to bench-results/ranking.md by hand.
 *
 *   npx vitest run -c vitest.tune.config.ts bench/ranking-speed.tune.ts
 *
 * RANK_REPEATS (default 5) runs per form; RANK_SIZES (default 1,16,256,1024) also times that many
 * distinct encodings per form, for the switch-over size.
 */
import { test } from 'vitest';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-wasm';
import { allCells, distinctEncodings, eagleEncoding } from '../src/lib/spaces/nb201';
import { useSharedIdentityOnWasm } from '../src/lib/compute/wasm-kernels';
import { BRP_PRESET } from '../src/lib/predictor/config';
import { createModel, useDistinctRowsFrom } from '../src/lib/predictor/model';
import { wrapModel, type BrpPredictor } from '../src/lib/predictor/predictor';
import type { GraphEncoding } from '../src/lib/predictor/graphs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(predictor: BrpPredictor, graphs: GraphEncoding[], threshold: number): { ms: number; r: Float32Array } {
  const previous = useDistinctRowsFrom(threshold);
  const started = performance.now();
  const { r } = predictor.scoreBrp(graphs);
  const ms = performance.now() - started;
  useDistinctRowsFrom(previous);
  return { ms, r };
}

async function main() {
  const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${wasmDist}${path.sep}`);
  if (!(await tf.setBackend('wasm'))) throw new Error('no wasm backend');
  useSharedIdentityOnWasm();
  const repeats = Number(process.env.RANK_REPEATS ?? 5);
  const cells = allCells();
  const distinct = Array.from(distinctEncodings().representative, (code) => eagleEncoding(cells[code]));
  const all = cells.map((ops) => eagleEncoding(ops));
  const config = { ...BRP_PRESET, layers: 4, hidden: 600, seed: 1 };
  const predictor = wrapModel(createModel('brp', 6, config.layers, config.hidden, config.seed), config, null, null) as BrpPredictor;
  const baseline = tf.memory().numTensors;
  const forms = { batched: Infinity, distinct: 1 } as const;
  const report = (label: string, graphs: GraphEncoding[], reps: number) => {
    const times: Record<string, number[]> = { batched: [], distinct: [] };
    let maxRel = 0;
    for (let k = 0; k < reps; k++) {
      // alternate the order so that drift on the shared machine hits both forms alike
      const order = k % 2 === 0 ? (['batched', 'distinct'] as const) : (['distinct', 'batched'] as const);
      const results: Record<string, Float32Array> = {};
      for (const form of order) {
        const { ms, r } = time(predictor, graphs, forms[form]);
        times[form].push(ms);
        results[form] = r;
      }
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < results.batched.length; i++) {
        diff = Math.max(diff, Math.abs(results.batched[i] - results.distinct[i]));
        scale = Math.max(scale, Math.abs(results.batched[i]));
      }
      maxRel = Math.max(maxRel, diff / scale);
    }
    const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
    console.log(`${label}: batched ${fmt(times.batched)}; distinct rows ${fmt(times.distinct)}; max |Δr|/max|r| ${maxRel.toExponential(2)}`);
  };
  // warm-up: kernels registered, modules compiled, the wasm heap grown to its peak
  time(predictor, distinct, 1);
  time(predictor, distinct, Infinity);
  report('8,687 distinct encodings', distinct, repeats);
  report('all 15,625 cells', all, Math.min(repeats, 3));
  for (const size of (process.env.RANK_SIZES ?? '1,16,256,1024').split(',').filter(Boolean).map(Number)) {
    report(`${size} distinct encodings`, distinct.slice(0, size), repeats);
  }
  if (tf.memory().numTensors !== baseline) throw new Error(`tensors leaked: ${tf.memory().numTensors - baseline}`);
  predictor.dispose();
}

test('ranking speed', main, 3_600_000);
