import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BRP_PRESET, type PredictorConfig } from './config.ts';
import { packGraphs } from './graphs.ts';
import { createModel, disposeModel, modelVariables } from './model.ts';
import { InProcessPeers, ShardTrainer, addFlatGradient, assignFlat, flatten, shardDropoutSeed, splitBatch, sumResults, type ShardSetup } from './parallel.ts';
import { type Predictor } from './predictor.ts';
import { maxAbsDiff, randomGraphs, synthesiseTarget, useCpuBackend } from './test-helpers.ts';
import { batchLossFor, trainBrp, trainRegressor } from './train.ts';

beforeAll(useCpuBackend);

const tiny: PredictorConfig = {
  ...BRP_PRESET,
  layers: 2,
  hidden: 10,
  dropout: 0,
  lr: 0.01,
  batchSize: 7,
  epochs: 3,
  schedule: 'cosine',
  seed: 5,
};

const graphs = randomGraphs(300, 20, 6, 3);
const targets = graphs.map(synthesiseTarget);

function weightsOf(predictor: Predictor): Float32Array {
  const values = predictor.serialize().weights.flatMap((w) => Array.from(w.values));
  return Float32Array.from(values);
}

describe('splitBatch', () => {
  test('cuts into near-equal consecutive slices, first ones larger, never empty', () => {
    const batch = Uint32Array.from([10, 11, 12, 13, 14, 15, 16]);
    expect(splitBatch(batch, 2).map((s) => Array.from(s))).toEqual([
      [10, 11, 12, 13],
      [14, 15, 16],
    ]);
    expect(splitBatch(batch, 3).map((s) => s.length)).toEqual([3, 2, 2]);
    expect(splitBatch(batch, 1).map((s) => Array.from(s))).toEqual([Array.from(batch)]);
    expect(splitBatch(Uint32Array.from([4]), 3).map((s) => Array.from(s))).toEqual([[4]]);
    expect(() => splitBatch(batch, 0)).toThrow('parts must be a positive integer');
  });

  test('shard 0 keeps the step seed; other shards get distinct ones', () => {
    expect(shardDropoutSeed(1234, 0)).toBe(1234);
    const others = [1, 2, 3].map((k) => shardDropoutSeed(1234, k));
    expect(new Set([1234, ...others]).size).toBe(4);
    expect(shardDropoutSeed(1234, 2)).toBe(others[1]);
  });
});

describe('flat weights and gradients', () => {
  test('flatten → assignFlat round trip; addFlatGradient adds per variable', () => {
    const a = createModel('regression', 3, 2, 4, 1);
    const b = createModel('regression', 3, 2, 4, 2);
    const va = modelVariables(a);
    const vb = modelVariables(b);
    const flatA = flatten(va);
    expect(maxAbsDiff(flatten(vb), flatA)).toBeGreaterThan(0);
    assignFlat(vb, flatA);
    expect(maxAbsDiff(flatten(vb), flatA)).toBe(0);
    expect(() => assignFlat(vb, flatA.subarray(1))).toThrow(`${flatA.length - 1} values for ${flatA.length} weights`);

    const gradients = Object.fromEntries(va.map((v) => [v.name, tf.onesLike(v)]));
    const before = tf.memory().numTensors;
    const summed = addFlatGradient(va, gradients, flatA);
    expect(tf.memory().numTensors).toBe(before + va.length);
    const expected = Float32Array.from(flatA, (x) => x + 1);
    expect(maxAbsDiff(flatten(va.map((v) => summed[v.name])), expected)).toBeLessThan(1e-7);
    tf.dispose([...Object.values(summed), ...Object.values(gradients)]);
    disposeModel(a);
    disposeModel(b);
  });

  test('sumResults adds losses and gradients', () => {
    const r = sumResults(
      [
        { loss: 1, gradient: Float32Array.from([1, 2]) },
        { loss: 2.5, gradient: Float32Array.from([10, 20]) },
      ],
      2,
    );
    expect(r.loss).toBe(3.5);
    expect(Array.from(r.gradient)).toEqual([11, 22]);
    expect(() =>
      sumResults(
        [
          { loss: 0, gradient: new Float32Array(3) },
          { loss: 0, gradient: new Float32Array(2) },
        ],
        2,
      ),
    ).toThrow('3 values for 2 weights');
  });
});

describe('ShardTrainer', () => {
  test('the shards of a batch sum to the whole batch: loss and gradient (regression and both BRP pair modes)', async () => {
    const packed = packGraphs(graphs, 'graphs');
    const setups: ShardSetup[] = [
      { kind: 'regression', features: 3, config: tiny, train: packed, targets: Float32Array.from(targets, (t) => t / 50) },
      { kind: 'brp', features: 3, config: tiny, train: packed, metric: Float64Array.from(targets, (t) => t / 50) },
      { kind: 'brp', features: 3, config: { ...tiny, pairMode: 'per-pair' }, train: packed, metric: Float64Array.from(targets, (t) => t / 50) },
    ];
    for (const setup of setups) {
      const n = packed.count;
      const batch = setup.kind === 'regression' ? Uint32Array.from([3, 1, 4, 15, 9, 2, 6]) : Uint32Array.from([0 * n + 1, 5 * n + 2, 1 * n + 0, 7 * n + 19, 3 * n + 5, 19 * n + 7]);
      const whole = new ShardTrainer(setup, batchLossFor);
      const source = createModel(setup.kind, 3, tiny.layers, tiny.hidden, 77);
      const weights = flatten(modelVariables(source));
      const reference = await whole.compute(weights, [{ batch, dropoutSeed: 1 }]);
      const baseline = tf.memory().numTensors;
      const sharded = await whole.compute(
        weights,
        splitBatch(batch, 3).map((shard) => ({ batch: shard, dropoutSeed: 1 })),
      );
      expect(tf.memory().numTensors).toBe(baseline);
      expect(Math.abs(sharded.loss - reference.loss)).toBeLessThan(1e-5 * Math.abs(reference.loss));
      const scale = Math.max(...reference.gradient.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expect(maxAbsDiff(sharded.gradient, reference.gradient)).toBeLessThan(1e-5 * scale);
      whole.dispose();
      disposeModel(source);
    }
  });
});

describe('data-parallel training (in-process peers)', () => {
  test('regression: 1 and 2 peers follow the single-thread run (no dropout), and free every tensor', async () => {
    const single = await trainRegressor({ graphs, targets, config: tiny });
    const baseline = tf.memory().numTensors;
    for (const count of [1, 2]) {
      const peers = new InProcessPeers(count, batchLossFor);
      const parallel = await trainRegressor({ graphs, targets, config: tiny, peers });
      expect(parallel.training!.history.map((r) => r.steps)).toEqual(single.training!.history.map((r) => r.steps));
      const a = weightsOf(single);
      const b = weightsOf(parallel);
      expect(maxAbsDiff(a, b)).toBeLessThan(2e-4);
      // Training moved the weights far more than sharding perturbed them.
      const fresh = createModel('regression', 3, tiny.layers, tiny.hidden, tiny.seed);
      expect(maxAbsDiff(flatten(modelVariables(fresh)), a)).toBeGreaterThan(0.01);
      disposeModel(fresh);
      const rel = Math.abs(parallel.training!.history.at(-1)!.trainLoss - single.training!.history.at(-1)!.trainLoss) / single.training!.history.at(-1)!.trainLoss;
      expect(rel).toBeLessThan(1e-3);
      parallel.dispose();
      peers.dispose();
    }
    expect(tf.memory().numTensors).toBe(baseline);
    single.dispose();
  });

  test('BRP: 2 peers follow the single-thread run (no dropout)', async () => {
    const config = { ...tiny, batchSize: 16, epochs: 2 };
    const few = graphs.slice(0, 12);
    const metric = targets.slice(0, 12);
    const single = await trainBrp({ graphs: few, targets: metric, config });
    const peers = new InProcessPeers(2, batchLossFor);
    const parallel = await trainBrp({ graphs: few, targets: metric, config, peers });
    expect(maxAbsDiff(weightsOf(single), weightsOf(parallel))).toBeLessThan(2e-4);
    single.dispose();
    parallel.dispose();
    peers.dispose();
  });

  test('with dropout, shards draw their own masks: same seed and peer count → same weights; other count → different', async () => {
    const config = { ...tiny, dropout: 0.3 };
    const run = async (count: number) => {
      const peers = count > 0 ? new InProcessPeers(count, batchLossFor) : undefined;
      const predictor = await trainRegressor({ graphs, targets, config, peers });
      const weights = weightsOf(predictor);
      predictor.dispose();
      peers?.dispose();
      return weights;
    };
    const none = await run(0);
    const one = await run(1);
    expect(maxAbsDiff(one, await run(1))).toBe(0);
    expect(maxAbsDiff(none, one)).toBeGreaterThan(1e-3);
  });

  test('gradients before prepare are refused', async () => {
    const peers = new InProcessPeers(1, batchLossFor);
    await expect(peers.gradients(new Float32Array(4), [{ batch: Uint32Array.from([0]), dropoutSeed: 0 }])).rejects.toThrow('call prepare first');
  });
});
