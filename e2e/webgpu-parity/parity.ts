/**
 * Test page of e2e/webgpu-parity.spec.ts (served by a Vite dev server that the spec starts; not
 * part of the app). Runs each op the predictor and the profiler use, a few training steps and
 * evaluations, on WASM and on WebGPU from the same inputs, and returns both sides' values, read
 * with `data()` (tfjs-webgpu's `dataSync` is the bug under test, see model.ts inferPackedAsync).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WASM_PATHS } from '../../src/lib/compute/wasm-paths.ts';
import { probeWebGpuAdapter } from '../../src/lib/compute/backend.ts';
import { aggregate, dense, layerNorm } from '../../src/lib/predictor/ops.ts';
import { dropoutMask, normReluDropoutKernels } from '../../src/lib/predictor/fused.ts';
import { batchTensors, disposeBatch } from '../../src/lib/predictor/batch.ts';
import { embedBatch } from '../../src/lib/predictor/gcn.ts';
import { brpLossEmbedOnce, brpLossPerPair, l1SumLoss, regressionOutput } from '../../src/lib/predictor/heads.ts';
import { AdamW } from '../../src/lib/predictor/adamw.ts';
import { createModel, disposeModel, inferGraphs, inferPackedAsync, modelVariables } from '../../src/lib/predictor/model.ts';
import { graphSizes, packGraphs, selectGraphs } from '../../src/lib/predictor/graphs.ts';
import { randomGraphs, synthesiseTarget } from '../../src/lib/predictor/test-helpers.ts';
import { BRP_PRESET, type PredictorConfig } from '../../src/lib/predictor/config.ts';
import { trainBrp, trainRegressor } from '../../src/lib/predictor/train.ts';
import { modelOf } from '../../src/lib/predictor/predictor.ts';
import { buildNb201Network, randomInput } from '../../src/lib/latency/network.ts';
import { SeededRandom } from '../../src/lib/spaces/rng.ts';

setWasmPaths(WASM_PATHS);

type Backend = 'wasm' | 'webgpu';
/** Named float arrays, one per checked quantity. */
type Values = Record<string, number[]>;

function seeded(seed: number, size: number, scale = 1): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: size }, () => rng.uniform(-scale, scale));
}

async function read(named: Record<string, tf.Tensor>): Promise<Values> {
  const out: Values = {};
  for (const [name, t] of Object.entries(named)) out[name] = Array.from(await t.data());
  tf.dispose(Object.values(named));
  return out;
}

const graphs = randomGraphs(5, 12, 6, 4);
const sizes = graphSizes(graphs, 'parity', { features: 4 });
const packed = packGraphs(graphs, 'parity', sizes);

/** Every op of the GCN (forward, backward), both heads, AdamW, predict-all and an NB201 network, on one backend. */
async function ops(): Promise<Values> {
  const out: Values = {};
  const add = async (named: Record<string, tf.Tensor>) => Object.assign(out, await read(named));
  const x = tf.tensor2d(seeded(1, 72 * 16), [72, 16]);
  const w = tf.tensor2d(seeded(2, 16 * 8), [16, 8]);
  const dy = tf.tensor2d(seeded(3, 72 * 8), [72, 8]);
  await add({
    matMul: tf.matMul(x, w),
    'matMul transposeA': tf.matMul(x, tf.tensor2d(seeded(4, 72 * 8), [72, 8]), true, false),
    'matMul transposeB': tf.matMul(dy, w, false, true),
    transpose: tf.transpose(x),
  });
  for (const form of ['weight-left', 'weight-right'] as const) {
    const [dx, dw] = tf.grads((a, b) => tf.mul(dense(a as tf.Tensor2D, b as tf.Tensor2D, form), dy))([x, w]);
    await add({ [`dense ${form}`]: dense(x, w, form), [`dense ${form} dx`]: dx, [`dense ${form} dw`]: dw });
  }
  const h = tf.tensor2d(seeded(5, 12 * 6 * 8), [72, 8]);
  // Only the dense aggregation: the GCN uses it on WebGPU (batch.ts). tfjs-webgpu's SparseSegmentSum
  // reads its inputs synchronously (dataSync), the read this file's module comment is about.
  for (const mode of ['dense'] as const) {
    const batch = batchTensors(packed, mode);
    const up = tf.tensor2d(seeded(6, 72 * 8), [72, 8]);
    const upReadout = tf.tensor2d(seeded(7, 12 * 8), [12, 8]);
    await add({
      [`aggregate ${mode} neighbours`]: aggregate(h, batch.neighbours),
      [`aggregate ${mode} neighbours grad`]: tf.grad((a) => tf.mul(aggregate(a as tf.Tensor2D, batch.neighbours), up))(h),
      [`aggregate ${mode} readout`]: aggregate(h, batch.readout),
      [`aggregate ${mode} readout grad`]: tf.grad((a) => tf.mul(aggregate(a as tf.Tensor2D, batch.readout), upReadout))(h),
    });
    disposeBatch(batch);
  }
  const bias = tf.tensor1d(seeded(8, 8));
  const gain = tf.tensor1d(seeded(9, 8, 0.5).map((v) => 1 + v));
  const shift = tf.tensor1d(seeded(10, 8, 0.1));
  const [lx, lg, lb] = tf.grads((a, g, b) => tf.mul(layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), dy))([dense(x, w), gain, shift]);
  await add({ layerNorm: layerNorm(dense(x, w), gain, shift), 'layerNorm dx': lx, 'layerNorm dgain': lg, 'layerNorm dshift': lb });
  const mask = dropoutMask(72 * 8, 0.3, 12);
  const layerGrads = tf.grads((a, b, g, s) => tf.mul(normReluDropoutKernels(a as tf.Tensor2D, b as tf.Tensor1D, g as tf.Tensor1D, s as tf.Tensor1D, mask), dy))([dense(x, w), bias, gain, shift]);
  await add({
    'bias+LayerNorm+ReLU+dropout': normReluDropoutKernels(dense(x, w), bias, gain, shift, mask),
    ...Object.fromEntries(layerGrads.map((g, i) => [`bias+LayerNorm+ReLU+dropout grad ${i}`, g])),
  });

  // The GCN forward (training mode, dropout) and backward, through both heads.
  const model = createModel('regression', 4, 3, 8, 21);
  const brp = createModel('brp', 4, 3, 8, 22);
  const batch = batchTensors(packed);
  const targets = tf.tensor1d(graphs.map(synthesiseTarget).map((t) => t / 40));
  const regression = tf.variableGrads(() => l1SumLoss(regressionOutput(model.head, embedBatch(model.gcn, batch, { rate: 0.2, seed: 3 })), targets), modelVariables(model));
  await add({
    'regression loss': tf.clone(regression.value),
    ...Object.fromEntries(Object.entries(regression.grads).map(([k, g], i) => [`regression grad ${i} ${k.replace(/#\d+$/, '')}`, tf.clone(g)])),
  });
  const target0 = Float64Array.from({ length: 6 }, (_, p) => (p % 3) / 2);
  const first = [0, 1, 2, 3, 4, 5];
  const second = [6, 7, 8, 9, 10, 11];
  const embedOnce = tf.variableGrads(() => brpLossEmbedOnce(brp.head, embedBatch(brp.gcn, batch, { rate: 0.2, seed: 4 }), first, second, target0), modelVariables(brp));
  await add({
    'brp embed-once loss': tf.clone(embedOnce.value),
    ...Object.fromEntries(Object.entries(embedOnce.grads).map(([k, g], i) => [`brp embed-once grad ${i} ${k.replace(/#\d+$/, '')}`, tf.clone(g)])),
  });
  const firstBatch = batchTensors(selectGraphs(packed, first));
  const secondBatch = batchTensors(selectGraphs(packed, second));
  const perPair = tf.variableGrads(() => brpLossPerPair(brp.head, embedBatch(brp.gcn, firstBatch), embedBatch(brp.gcn, secondBatch), target0), modelVariables(brp));
  await add({
    'brp per-pair loss': tf.clone(perPair.value),
    ...Object.fromEntries(Object.entries(perPair.grads).map(([k, g], i) => [`brp per-pair grad ${i} ${k.replace(/#\d+$/, '')}`, tf.clone(g)])),
  });
  [firstBatch, secondBatch].forEach(disposeBatch);

  // AdamW: two steps (kernels on WebGPU, JS/SIMD on WASM: the same update).
  const optimizer = new AdamW(modelVariables(model), { weightDecay: 5e-4 });
  optimizer.apply(regression.grads, 0.01);
  optimizer.apply(regression.grads, 0.01);
  await add(Object.fromEntries(modelVariables(model).map((v, i) => [`AdamW weights ${i}`, tf.clone(v)])));
  optimizer.dispose();
  tf.dispose([regression.value, embedOnce.value, perPair.value, ...Object.values(regression.grads), ...Object.values(embedOnce.grads), ...Object.values(perPair.grads), targets]);
  disposeBatch(batch);

  // Predict-all's batched evaluation, read asynchronously.
  out['predict-all regression (inferPackedAsync)'] = Array.from(await inferPackedAsync(model, packed, 1, (e) => regressionOutput(model.head, e)));
  out['predict-all embeddings (inferPackedAsync)'] = Array.from(await inferPackedAsync(brp, packed, 8, (e) => e));
  disposeModel(model);
  disposeModel(brp);

  // The profiler's NB201 network: conv2d, BatchNorm, ReLU, avgPool, addN, mean, matMul.
  out['NB201 forward'] = await nb201();
  tf.dispose([x, w, dy, h, bias, gain, shift]);
  return out;
}

async function nb201(): Promise<number[]> {
  const network = buildNb201Network([3, 2, 4, 1, 3, 2], { classes: 10, inputSize: 32, seed: 3 });
  const input = randomInput(32);
  const logits = network.predict(input);
  const values = Array.from(await logits.data());
  tf.dispose([input, logits]);
  network.dispose();
  return values;
}

const tiny: PredictorConfig = { ...BRP_PRESET, layers: 2, hidden: 12, dropout: 0.1, lr: 0.01, weightDecay: 5e-4, batchSize: 4, epochs: 2, schedule: 'cosine', seed: 11 };

/** A few epochs of a small regressor and of a BRP predictor; their losses and (async) predictions. */
async function training(): Promise<Values> {
  const train = randomGraphs(100, 12, 6, 3);
  const val = randomGraphs(200, 6, 6, 3);
  const regressor = await trainRegressor({ graphs: train, targets: train.map(synthesiseTarget), valGraphs: val, valTargets: val.map(synthesiseTarget), config: tiny });
  const valPacked = packGraphs(val, 'val', graphSizes(val, 'val', { features: 3 }));
  const out: Values = {
    'regression train loss': regressor.training!.history.map((r) => r.trainLoss),
    'regression validation loss': regressor.training!.history.map((r) => r.valLoss),
    'regression predictions (predictAsync)': Array.from(await regressor.predictAsync(val)),
    'regression outputs (inferPackedAsync)': Array.from(await inferPackedAsync(modelOf(regressor), valPacked, 1, (e) => regressionOutput(modelOf(regressor).head, e))),
  };
  regressor.dispose();
  const brp = await trainBrp({ graphs: train, targets: train.map(synthesiseTarget), config: { ...tiny, epochs: 1 } });
  out['BRP train loss'] = brp.training!.history.map((r) => r.trainLoss);
  out['BRP validation loss'] = brp.training!.history.map((r) => r.valLoss);
  out['BRP embeddings'] = Array.from(await inferPackedAsync(modelOf(brp), valPacked, tiny.hidden, (e) => e));
  const scores = await brp.scoreBrpAsync([...val, val[0]]);
  out['BRP scores s, t (scoreBrpAsync)'] = [...scores.s, ...scores.t];
  out['BRP scores r (scoreBrpAsync)'] = Array.from(scores.r);
  brp.dispose();
  return out;
}

/** The app's synchronous predict-all (inferGraphs: dedup, distinct rows, dataSync reads). */
async function predictAllSync(): Promise<Values> {
  const model = createModel('regression', 4, 3, 8, 21);
  const values = { 'inferGraphs regression': Array.from(inferGraphs(model, graphs, 1, (e) => regressionOutput(model.head, e))) };
  disposeModel(model);
  return values;
}

const checks = { ops, training, nb201: async () => ({ 'NB201 forward': await nb201() }), predictAllSync };

/** Runs one check on WASM, then on WebGPU; both sides' values. */
async function compare(check: keyof typeof checks): Promise<Record<Backend, Values>> {
  const result = {} as Record<Backend, Values>;
  for (const backend of ['wasm', 'webgpu'] as const) {
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not initialise '${backend}'`);
    result[backend] = await checks[check]();
  }
  return result;
}

Object.assign(globalThis, {
  parity: {
    /** The WebGPU adapter Chromium offers (facts), or why there is none. */
    adapter: () => probeWebGpuAdapter((navigator as unknown as { gpu?: Parameters<typeof probeWebGpuAdapter>[0] }).gpu),
    compare,
  },
});
document.documentElement.dataset.ready = 'true';
