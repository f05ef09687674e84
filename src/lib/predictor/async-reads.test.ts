/**
 * Training, predict-all and saving read tensors only with `await data()`: a synchronous read
 * (`dataSync`, `arraySync`) stalls a GPU and on tfjs-webgpu returns zeros (model.ts
 * inferPackedAsync). The guard makes any such read outside the host-memory kernels throw. Also:
 * tfjs's tensor count and bytes stay flat over epochs and come back to where they started.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BRP_PRESET, type PredictorConfig } from './config.ts';
import { createModel, disposeModel, inferGraphs } from './model.ts';
import { InProcessPeers } from './parallel.ts';
import { packPredictorAsync, packPredictor } from './persist.ts';
import { forbidSyncReads, randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { batchLossFor, trainBrp, trainRegressor } from './train.ts';
import { allCells, eagleEncoding } from '../spaces/nb201.ts';

beforeAll(useCpuBackend);

const config: PredictorConfig = { ...BRP_PRESET, layers: 2, hidden: 8, dropout: 0.1, lr: 0.01, weightDecay: 5e-4, batchSize: 4, epochs: 4, schedule: 'cosine', seed: 5 };
const graphs = randomGraphs(11, 16, 5, 3);
const targets = graphs.map(synthesiseTarget);
let allow: (() => void) | null = null;
afterEach(() => {
  allow?.();
  allow = null;
});

describe('no synchronous read', () => {
  test('the guard catches a synchronous read in code under test', () => {
    allow = forbidSyncReads();
    const t = tf.tensor1d([1, 2]);
    expect(() => t.dataSync()).toThrow(/synchronous dataSync/);
    expect(() => t.arraySync()).toThrow(/synchronous arraySync/);
    const model = createModel('regression', 3, 2, 8, 1);
    expect(() => inferGraphs(model, graphs, 8, (e) => e)).toThrow(/synchronous dataSync .*model\.ts/);
    expect(() => inferGraphs(model, graphs, 8, (e) => e, 'g', { distinctRows: true })).toThrow(/synchronous dataSync .*distinct-rows\.ts/);
    disposeModel(model);
    allow();
    allow = null;
    expect(Array.from(t.dataSync())).toEqual([1, 2]);
    t.dispose();
  });

  test("training (one worker and data-parallel), predict-all and packing read asynchronously, with the synchronous forms' numbers", async () => {
    allow = forbidSyncReads();
    const regressor = await trainRegressor({ graphs, targets, config });
    const brp = await trainBrp({ graphs, targets, config: { ...config, epochs: 2 } });
    const peers = new InProcessPeers(1, batchLossFor);
    const sharded = await trainRegressor({ graphs, targets, config: { ...config, epochs: 2 }, peers });
    peers.dispose();
    const cells = allCells().map((cell) => eagleEncoding(cell));
    // 6 features, 9 nodes: a small NB201 regressor scored on all 15,625 cells, both inference forms.
    const nb201 = await trainRegressor({ graphs: cells.slice(0, 12), targets: cells.slice(0, 12).map((_, i) => i), config: { ...config, epochs: 1 } });
    const predictedAll = await nb201.predictAsync(cells);
    const predictedDistinct = await nb201.predictAsync(cells, { distinctRows: true });
    const scores = await brp.scoreBrpAsync(graphs, { distinctRows: true });
    const packed = await packPredictorAsync(regressor);
    allow();
    allow = null;
    expect(predictedAll).toEqual(nb201.predict(cells));
    expect(predictedDistinct).toEqual(nb201.predict(cells, { distinctRows: true }));
    expect(scores).toEqual(brp.scoreBrp(graphs, { distinctRows: true }));
    expect(packed).toEqual(packPredictor(regressor.serialize()));
    expect(Number.isFinite(sharded.training!.history.at(-1)!.trainLoss)).toBe(true);
    for (const p of [regressor, brp, sharded, nb201]) p.dispose();
  });
});

describe('tensors stay flat', () => {
  test('over N epochs of training: the same count and bytes after every epoch, and all freed with the predictor', async () => {
    const before = tf.memory();
    const perEpoch: { numTensors: number; numBytes: number }[] = [];
    const onEpoch = () => {
      const { numTensors, numBytes } = tf.memory();
      perEpoch.push({ numTensors, numBytes });
    };
    const regressor = await trainRegressor({ graphs, targets, config: { ...config, epochs: 6 }, onEpoch });
    const brp = await trainBrp({ graphs, targets, config: { ...config, epochs: 6, seed: 9 }, onEpoch: () => undefined });
    expect(perEpoch).toHaveLength(6);
    // from the first epoch on, nothing accumulates (epoch 0 allocates AdamW's moments and the kept best weights)
    for (const m of perEpoch.slice(1)) expect(m).toEqual(perEpoch[1]);
    regressor.dispose();
    brp.dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});
