/**
 * Pair mode `model-groups` (config.ts): a step scores all ordered pairs of a group of models, each
 * model embedded once. Its loss and gradients must equal the official per-pair form on the same
 * pairs (without dropout, where both are the same function), and an epoch must use each model once.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BRP_PRESET, validateConfig, type PredictorConfig } from './config.ts';
import { packGraphs } from './graphs.ts';
import { createModel, disposeModel, modelVariables } from './model.ts';
import { maxAbsDiff, randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { batchLossFor, modelGroupBatches, trainBrp } from './train.ts';
import { kendallTauB } from './metrics.ts';

beforeAll(useCpuBackend);

const config: PredictorConfig = { ...BRP_PRESET, layers: 2, hidden: 12, dropout: 0, batchSize: 5, epochs: 3, seed: 3 };

describe('modelGroupBatches', () => {
  test('covers every model once per epoch, as all ordered pairs within its group', () => {
    const n = 23;
    const batches = modelGroupBatches(n, 5, 7, 0);
    expect(batches.map((b) => b.length)).toEqual([20, 20, 20, 20, 6]); // 5,5,5,5,3 models
    const seen = new Set<number>();
    for (const pairs of batches) {
      const models = new Set<number>();
      for (const code of pairs) {
        const i = Math.floor(code / n);
        const j = code % n;
        expect(i).not.toBe(j);
        models.add(i);
        models.add(j);
      }
      // all ordered pairs of the group, each once
      expect(new Set(pairs).size).toBe(models.size * (models.size - 1));
      for (const m of models) {
        expect(seen.has(m)).toBe(false);
        seen.add(m);
      }
    }
    expect(seen.size).toBe(n);
    // a different grouping next epoch, the same one for the same seed and epoch
    expect(modelGroupBatches(n, 5, 7, 1)).not.toEqual(batches);
    expect(modelGroupBatches(n, 5, 7, 0)).toEqual(batches);
  });

  test('drops a last group of one model (it has no pair)', () => {
    expect(modelGroupBatches(11, 5, 1, 0).map((b) => b.length)).toEqual([20, 20]);
  });

  test('validateConfig refuses groups of fewer than 2 models', () => {
    expect(() => validateConfig({ ...config, pairMode: 'model-groups', batchSize: 1 })).toThrow(/at least 2/);
  });
});

describe('the loss of one group step', () => {
  test('equals the per-pair form on the same pairs, loss and every gradient', () => {
    const graphs = randomGraphs(5, 9, 6, 4);
    const metric = Float64Array.from(graphs, synthesiseTarget);
    const train = packGraphs(graphs);
    const pairs = modelGroupBatches(9, 4, 2, 0)[0];
    const model = createModel('brp', 4, 2, 12, 1);
    const variables = modelVariables(model);
    const run = (pairMode: PredictorConfig['pairMode']) => {
      const loss = batchLossFor(model, { kind: 'brp', features: 4, config: { ...config, pairMode }, train, metric });
      const { value, grads } = tf.variableGrads(() => loss(pairs, 0), variables);
      const out = { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync() as Float32Array) };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const grouped = run('model-groups');
    const perPair = run('per-pair');
    disposeModel(model);
    expect(pairs.length).toBe(12);
    expect(grouped.loss).toBeGreaterThan(0);
    expect(Math.abs(grouped.loss - perPair.loss)).toBeLessThan(1e-4 * perPair.loss);
    grouped.grads.forEach((g, k) => {
      const scale = Math.max(1e-6, ...Array.from(perPair.grads[k], Math.abs));
      expect(maxAbsDiff(g, perPair.grads[k]) / scale).toBeLessThan(1e-4);
    });
  });

  test('trains a ranking and frees every tensor', async () => {
    const graphs = randomGraphs(8, 40, 6, 4);
    const targets = graphs.map(synthesiseTarget);
    const before = tf.memory().numTensors;
    const predictor = await trainBrp({ graphs, targets, config: { ...config, pairMode: 'model-groups', batchSize: 8, epochs: 40, lr: 0.01 } });
    expect(predictor.training!.history[0].steps).toBe(5);
    expect(kendallTauB(predictor.scoreBrp(graphs).r, targets)).toBeGreaterThan(0.5);
    predictor.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("validate: 'end'", () => {
  test('validates only the last epoch, and refuses configs that read every epoch', async () => {
    const graphs = randomGraphs(9, 12, 6, 4);
    const targets = graphs.map(synthesiseTarget);
    const endOnly = { ...config, pairMode: 'model-groups' as const, esPatience: 0, restoreBest: 'last-epoch' as const };
    const predictor = await trainBrp({ graphs, targets, config: endOnly, validate: 'end' });
    const history = predictor.training!.history;
    expect(history.slice(0, -1).every((r) => Number.isNaN(r.valLoss))).toBe(true);
    expect(Number.isFinite(history.at(-1)!.valLoss)).toBe(true);
    predictor.dispose();
    await expect(trainBrp({ graphs, targets, config: { ...endOnly, esPatience: 35 }, validate: 'end' })).rejects.toThrow(/esPatience 0/);
  });
});
