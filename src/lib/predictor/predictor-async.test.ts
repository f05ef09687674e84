/**
 * The asynchronous reads (predictAsync, scoreBrpAsync, model.ts inferGraphsAsync) give the
 * synchronous ones' numbers: on cpu/WASM they are the same path; on GPU backends the batched pass
 * read with data() (e2e/webgpu-parity.spec.ts checks that one against WASM on WebGPU).
 */
import { beforeAll, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BRP_PRESET, type PredictorConfig } from './config.ts';
import { createModel, disposeModel, inferGraphs, inferGraphsAsync, inferPacked, inferPackedAsync } from './model.ts';
import { graphSizes, packGraphs } from './graphs.ts';
import { randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { trainBrp, trainRegressor } from './train.ts';

beforeAll(useCpuBackend);

const config: PredictorConfig = { ...BRP_PRESET, layers: 2, hidden: 8, dropout: 0, lr: 0.01, weightDecay: 5e-4, batchSize: 4, epochs: 2, schedule: 'cosine', seed: 3 };
const graphs = randomGraphs(7, 10, 5, 3);
const repeated = [...graphs, graphs[2], graphs[0]];

test('inferPackedAsync and inferGraphsAsync equal their synchronous forms, duplicates included', async () => {
  const model = createModel('regression', 3, 2, 8, 1);
  const packed = packGraphs(graphs, 'g', graphSizes(graphs, 'g', { features: 3 }));
  expect(await inferPackedAsync(model, packed, 8, (e) => e)).toEqual(inferPacked(model, packed, 8, (e) => e));
  expect(await inferGraphsAsync(model, repeated, 8, (e) => e)).toEqual(inferGraphs(model, repeated, 8, (e) => e));
  expect(await inferGraphsAsync(model, [], 8, (e) => e)).toHaveLength(0);
  disposeModel(model);
});

test('predictAsync and scoreBrpAsync equal predict and scoreBrp, and free their tensors', async () => {
  const regressor = await trainRegressor({ graphs, targets: graphs.map(synthesiseTarget), config });
  const brp = await trainBrp({ graphs, targets: graphs.map(synthesiseTarget), config: { ...config, epochs: 1 } });
  const before = tf.memory().numTensors;
  expect(await regressor.predictAsync(repeated)).toEqual(regressor.predict(repeated));
  expect(await brp.scoreBrpAsync(repeated)).toEqual(brp.scoreBrp(repeated));
  expect(tf.memory().numTensors).toBe(before);
  regressor.dispose();
  brp.dispose();
});
