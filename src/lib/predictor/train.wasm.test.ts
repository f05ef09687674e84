/**
 * The WASM backend is what browsers without a usable GPU train on; it lacks some kernels the
 * cpu backend has (UnsortedSegmentSum, for one), so the whole training path runs here too.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { batchTensors, defaultAggregationMode } from './batch.ts';
import { BRP_PRESET } from './config.ts';
import { embedBatch } from './gcn.ts';
import { packGraphs } from './graphs.ts';
import { brpLossEmbedOnce, l1SumLoss, regressionOutput, softTarget } from './heads.ts';
import { createModel, disposeModel, modelVariables } from './model.ts';
import { kendallTauB } from './metrics.ts';
import { maxAbsDiff, randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { trainBrp } from './train.ts';
import { AdamW, type AdamWOptions } from './adamw.ts';
import { heapAdamWApplies } from './heap-adamw.ts';
import { SeededRandom } from '../spaces/rng.ts';
import { dropoutMask, normReluDropout, normReluDropoutKernels } from './fused.ts';
import { heapLayerApplies } from './heap-layer.ts';
import { useSharedIdentityOnWasm } from '../compute/wasm-kernels.ts';

const graphs = randomGraphs(7, 10, 9, 6);

/** Loss and gradients of one BRP batch (with dropout) on the active backend. */
function oneStep(): { loss: number; grads: Float32Array[] } {
  const model = createModel('brp', 6, 3, 16, 5);
  const variables = modelVariables(model);
  const first = [0, 1, 2, 3, 4, 5, 6, 7];
  const second = [1, 0, 3, 9, 8, 2, 2, 0];
  const target0 = Float64Array.from(first, (i, p) => softTarget(i / 10, second[p] / 10));
  const { value, grads } = tf.variableGrads(() => {
    const embeddings = embedBatch(model.gcn, batchTensors(packGraphs(graphs)), { rate: 0.3, seed: 42 });
    return brpLossEmbedOnce(model.head, embeddings, first, second, target0);
  }, variables);
  const result = { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads)]);
  disposeModel(model);
  return result;
}

let cpuStep: ReturnType<typeof oneStep>;

beforeAll(async () => {
  await useCpuBackend();
  cpuStep = oneStep();
  const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${wasmDist}${path.sep}`);
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
});

afterAll(useCpuBackend);

describe('on the WASM backend', () => {
  test('one training step equals the cpu backend (loss, every gradient, same dropout masks)', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(defaultAggregationMode()).toBe('sparse');
    const wasmStep = oneStep();
    expect(wasmStep.loss).toBeCloseTo(cpuStep.loss, 4);
    wasmStep.grads.forEach((g, i) => expect(maxAbsDiff(g, cpuStep.grads[i])).toBeLessThan(1e-4));
  });

  test('AdamW: the SIMD update equals the wasm kernels bit for bit, and is the default for big tensors here', () => {
    const rng = new SeededRandom(11);
    const shapes = [[600, 600], [600], [1]];
    const initial = shapes.map((shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.05, 0.05)));
    const gradients = Array.from({ length: 5 }, () => initial.map((values) => Float32Array.from(values, () => rng.uniform(-1, 1))));
    const run = (options: Partial<AdamWOptions>) => {
      // In a tidy: tf.variable copies its initial tensor.
      const vars = initial.map((values, i) => tf.tidy(() => tf.variable(tf.tensor(values, shapes[i]), true)));
      const optimizer = new AdamW(vars, { weightDecay: 5e-4, ...options });
      gradients.forEach((grads, step) => tf.tidy(() => optimizer.apply(Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads[i], shapes[i])])), 1e-3 / (1 + step))));
      const paths = optimizer.paths;
      const values = vars.map((v) => Array.from(v.dataSync()));
      optimizer.dispose();
      tf.dispose(vars);
      return { values, paths };
    };
    // [600, 600] and [600] run on the wasm heap (heap-adamw.ts), [1] in the module's own memory.
    expect([360_000, 600, 1].map(heapAdamWApplies)).toEqual([true, true, false]);
    const before = tf.memory().numTensors;
    // The JS loop (small tensors by default) rounds in float64, so both runs use one path each.
    const kernels = run({ jsUpdateLimit: 0, simdUpdate: false });
    const simd = run({ jsUpdateLimit: 0 });
    expect(simd.paths).toEqual({ js: 0, heap: 2, simd: 1, kernels: 0 });
    expect(run({}).paths).toEqual({ js: 2, heap: 1, simd: 0, kernels: 0 });
    expect(simd.values).toEqual(kernels.values);
    expect(maxAbsDiff(simd.values[0], initial[0])).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('the fused layer op reads inputs that still live on the cpu backend (after a backend switch)', async () => {
    await tf.setBackend('cpu');
    const rng = new SeededRandom(6);
    const values = (n: number, low: number, high: number) => Float32Array.from({ length: n }, () => rng.uniform(low, high));
    const xw = tf.tensor2d(values(16 * 600, -2, 2), [16, 600]);
    const [bias, gain, shift] = [tf.tensor1d(values(600, -0.2, 0.2)), tf.tensor1d(values(600, 0.5, 1.5)), tf.tensor1d(values(600, -0.2, 0.2))];
    const expected = tf.tidy(() => normReluDropoutKernels(xw, bias, gain, shift, null).dataSync().slice());
    await tf.setBackend('wasm');
    const fused = normReluDropout(xw, bias, gain, shift, null);
    expect(maxAbsDiff(fused.dataSync(), expected)).toBeLessThan(1e-5);
    tf.dispose([xw, bias, gain, shift, fused]);
  });

  test('the fused layer op on the wasm heap equals the own-memory form on cpu bit for bit, value and 4 gradients, with dropout', async () => {
    const rng = new SeededRandom(8);
    const values = (n: number, low: number, high: number) => Float32Array.from({ length: n }, () => rng.uniform(low, high));
    const inputs = [values(72 * 600, -2, 2), values(600, -0.2, 0.2), values(600, 0.5, 1.5), values(600, -0.2, 0.2)];
    const upstream = values(72 * 600, -1, 1);
    const mask = dropoutMask(72 * 600, 0.2, 5);
    const run = () => {
      const before = tf.memory().numTensors;
      const [xw, bias, gain, shift] = [tf.tensor2d(inputs[0], [72, 600]), tf.tensor1d(inputs[1]), tf.tensor1d(inputs[2]), tf.tensor1d(inputs[3])];
      const u = tf.tensor2d(upstream, [72, 600]);
      const value = tf.tidy(() => normReluDropout(xw, bias, gain, shift, mask).dataSync().slice()); // no tape: nothing saved
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.mul(normReluDropout(a as tf.Tensor2D, b as tf.Tensor1D, g as tf.Tensor1D, s as tf.Tensor1D, mask), u)),
      )([xw, bias, gain, shift]);
      const out = [value, ...grads.map((t) => t.dataSync().slice())];
      tf.dispose([xw, bias, gain, shift, u, ...grads]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    await tf.setBackend('cpu');
    expect(heapLayerApplies()).toBe(false);
    const ownMemory = run();
    await tf.setBackend('wasm');
    expect(heapLayerApplies()).toBe(true);
    const heap = run();
    heap.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(ownMemory[i])));
    expect(heap[0].filter((v) => v === 0).length).toBeGreaterThan(mask.dropped.length); // the mask and ReLU zeros
  });

  test('a BRP trains, ranks, and frees every tensor', async () => {
    const baseline = tf.memory().numTensors;
    const accuracy = graphs.map(synthesiseTarget);
    const predictor = await trainBrp({ graphs, targets: accuracy, config: { ...BRP_PRESET, layers: 2, hidden: 16, dropout: 0.1, lr: 0.01, batchSize: 16, epochs: 25, seed: 3 } });
    expect(kendallTauB(predictor.scoreBrp(graphs).r, accuracy)).toBeGreaterThan(0.6);
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('the zero-copy Identity kernel on WASM', () => {
  afterAll(() => useSharedIdentityOnWasm());

  test('a clone shares its buffer and outlives the original', () => {
    useSharedIdentityOnWasm();
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    useSharedIdentityOnWasm(false);
    const a = tf.tensor1d([5, 6]);
    const b = tf.clone(a);
    expect(b.dataId).not.toBe(a.dataId);
    tf.dispose([a, b]);
  });

  test('training steps give bit-identical weights with the copying and the sharing Identity', () => {
    const train = (shared: boolean) => {
      useSharedIdentityOnWasm(shared);
      const model = createModel('regression', 6, 3, 32, 4);
      const variables = modelVariables(model);
      // Every variable through the SIMD path, which reads gradients straight from the wasm heap.
      const optimizer = new AdamW(variables, { weightDecay: 5e-4, jsUpdateLimit: 0 });
      const packed = packGraphs(graphs);
      const targets = tf.tensor1d(graphs.map(synthesiseTarget));
      expect(optimizer.paths.heap + optimizer.paths.simd).toBe(variables.length);
      for (let step = 0; step < 3; step++) {
        const { value, grads } = tf.variableGrads(() => {
          const embeddings = embedBatch(model.gcn, batchTensors(packed), { rate: 0.2, seed: step });
          return l1SumLoss(regressionOutput(model.head, embeddings), targets);
        }, variables);
        optimizer.apply(grads, 1e-2);
        tf.dispose([value, ...Object.values(grads)]);
      }
      const values = variables.map((v) => Array.from(v.dataSync()));
      optimizer.dispose();
      targets.dispose();
      disposeModel(model);
      return values;
    };
    const before = tf.memory().numTensors;
    const copying = train(false);
    const sharing = train(true);
    expect(sharing).toEqual(copying);
    expect(tf.memory().numTensors).toBe(before);
  });
});
