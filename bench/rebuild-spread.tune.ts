/**
 * Does a cell's speed depend on the build (where its tensors land in the WASM heap)? Builds each
 * cell several times, interleaved, and times each build's fast state (10 % quantile of 15 samples).
 * Node + tfjs WASM, one thread. Usage: npx tsx bench/rebuild-spread.tune.ts [builds]
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { archStrToOps } from '../src/lib/spaces/nb201.ts';
import { createTfjsRunner } from '../src/lib/latency/tfjs-runner.ts';
import { quantileSorted } from '../src/lib/latency/stats.ts';

const cells = [
  '|skip_connect~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|none~1|skip_connect~2|',
  ...(process.argv.slice(3)),
];
async function main() {
  setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  await tf.setBackend('wasm');
  const runner = createTfjsRunner();
  const builds = Number(process.argv[2] ?? 6);
  const ballast: tf.Tensor[] = [];
  for (let b = 0; b < builds; b++) {
    for (const cell of cells) {
      const model = await runner.build(archStrToOps(cell));
      for (let i = 0; i < 5; i++) await runner.run(model, 2);
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        await runner.run(model, 2);
        times.push((performance.now() - t0) / 2);
      }
      console.log(`build ${b} ${cell.slice(0, 40)} q10 ${quantileSorted([...times].sort((a, b) => a - b), 0.1).toFixed(2)} med ${quantileSorted([...times].sort((a, b) => a - b), 0.5).toFixed(2)}`);
      runner.dispose(model);
      ballast.push(tf.zeros([1 + Math.floor(Math.random() * 5000)]));
    }
  }
}
main();
