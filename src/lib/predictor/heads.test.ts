import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { embedBatch } from './gcn.ts';
import { batchTensors } from './batch.ts';
import { packGraphs, selectGraphs } from './graphs.ts';
import { brpLossEmbedOnce, brpLossPerPair, l1SumLoss, logSigmoid, pairKl, softTarget } from './heads.ts';
import { createModel, disposeModel, modelVariables } from './model.ts';
import { maxAbsDiff, randomGraphs, useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

describe('scalar helpers', () => {
  test('softTarget is softmax([a1, a2])[0]', () => {
    expect(softTarget(0.7, 0.2)).toBeCloseTo(Math.exp(0.7) / (Math.exp(0.7) + Math.exp(0.2)), 12);
    expect(softTarget(3, 3)).toBe(0.5);
  });

  test('logSigmoid is stable for large |x|', () => {
    expect(logSigmoid(0)).toBeCloseTo(Math.log(0.5), 12);
    expect(logSigmoid(800)).toBe(-0);
    expect(logSigmoid(-800)).toBeCloseTo(-800, 9);
  });

  test('pairKl is KL(t ‖ softmax) written out, and 0 when prediction = target', () => {
    const d = 0.8;
    const t = 0.3;
    const p0 = 1 / (1 + Math.exp(-d));
    expect(pairKl(d, t)).toBeCloseTo(t * Math.log(t / p0) + (1 - t) * Math.log((1 - t) / (1 - p0)), 12);
    expect(pairKl(Math.log(0.3 / 0.7), 0.3)).toBeCloseTo(0, 12);
    expect(pairKl(2, 1)).toBeCloseTo(-logSigmoid(2), 12);
  });
});

describe('L1 sum loss', () => {
  test('sums absolute errors', () => {
    const loss = l1SumLoss(tf.tensor1d([1, 2, 3]), tf.tensor1d([1.5, 2, 1]));
    expect(loss.dataSync()[0]).toBeCloseTo(2.5, 6);
  });
});

describe("BRP pair trick: 'embed-once' ≡ 'per-pair' (dropout off)", () => {
  test('same loss and the same gradient for every variable', () => {
    const hidden = 6;
    const graphs = randomGraphs(31, 5, 6, 3);
    const packed = packGraphs(graphs);
    const model = createModel('brp', 3, 2, hidden, 12);
    const variables = modelVariables(model);
    // Repeated models, both orders, and a model against several others, as a shuffled batch has.
    const first = [0, 1, 3, 3, 4, 2, 1];
    const second = [1, 0, 2, 4, 3, 0, 4];
    const accuracy = [0.61, 0.72, 0.55, 0.9, 0.68];
    const target0 = Float64Array.from(first, (i, p) => softTarget(accuracy[i], accuracy[second[p]]));

    const perPair = tf.variableGrads(() => {
      const embeddings = embedBatch(model.gcn, batchTensors(selectGraphs(packed, [...first, ...second])));
      const p = first.length;
      return brpLossPerPair(model.head, tf.slice(embeddings, [0, 0], [p, hidden]), tf.slice(embeddings, [p, 0], [p, hidden]), target0);
    }, variables);
    const embedOnce = tf.variableGrads(() => {
      const embeddings = embedBatch(model.gcn, batchTensors(packed));
      return brpLossEmbedOnce(model.head, embeddings, first, second, target0);
    }, variables);

    const lossPerPair = perPair.value.dataSync()[0];
    expect(lossPerPair).toBeGreaterThan(0);
    expect(embedOnce.value.dataSync()[0]).toBeCloseTo(lossPerPair, 5);
    // The loss really is the KL sum: recompute it from the per-pair logits.
    const logits = tf.tidy(() => {
      const e = embedBatch(model.gcn, batchTensors(packed));
      return tf.add(tf.matMul(tf.concat([tf.gather(e, first), tf.gather(e, second)], 1), model.head.weight as tf.Tensor2D), model.head.bias).arraySync() as number[][];
    });
    const klByHand = logits.reduce((sum, [l0, l1], p) => sum + pairKl(l0 - l1, target0[p]), 0);
    expect(lossPerPair).toBeCloseTo(klByHand, 4);

    for (const v of variables) {
      const a = perPair.grads[v.name].dataSync();
      const b = embedOnce.grads[v.name].dataSync();
      const scale = Math.max(...a.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5 * Math.max(1, scale));
    }
    tf.dispose([perPair.value, embedOnce.value, ...Object.values(perPair.grads), ...Object.values(embedOnce.grads)]);
    disposeModel(model);
  });
});
