import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { batchTensors, defaultAggregationMode, disposeBatch } from './batch.ts';
import { packGraphs, type GraphEncoding } from './graphs.ts';
import { aggregate } from './ops.ts';
import { maxAbsDiff, randomGraphs, useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

// Graph 0: global→{0,1,2}, 1→2, self-loops on 0..2, node 3 has no edges at all (the edge list
// ends before the last row, which must still come out as zeros). Graph 1: self-loops only.
const lonelyLast: GraphEncoding = {
  nodes: 4,
  features: 1,
  adjacency: Uint8Array.from([1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]),
  x: new Uint8Array(4),
};
const selfOnly: GraphEncoding = { nodes: 4, features: 1, adjacency: Uint8Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), x: new Uint8Array(4) };

describe.each(['sparse', 'dense'] as const)('%s aggregation', (mode) => {
  test('neighbour and readout sums by hand, and their gradients', () => {
    const batch = batchTensors(packGraphs([lonelyLast, selfOnly]), mode);
    // One column per node: h[node] = node index + 1 (8 rows, width 1) and a second column 10×.
    const h = tf.tensor2d([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60, 7, 70, 8, 80], [8, 2]);
    expect(Array.from(aggregate(h, batch.neighbours).dataSync())).toEqual([
      6,
      60,
      5,
      50,
      3,
      30,
      0,
      0, // graph 0: 1+2+3, 2+3, 3, (no edges)
      5,
      50,
      6,
      60,
      7,
      70,
      8,
      80, // graph 1: self only
    ]);
    expect(Array.from(aggregate(h, batch.readout).dataSync())).toEqual([6, 60, 5, 50]);
    // d/dh of Σ aggregate·w with w = 1: how often each node is summed (column sums of A).
    const grad = tf.grad((x: tf.Tensor) => tf.sum(aggregate(x as tf.Tensor2D, batch.neighbours)))(h);
    expect(Array.from(grad.dataSync())).toEqual([1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    const readoutGrad = tf.grad((x: tf.Tensor) => tf.sum(aggregate(x as tf.Tensor2D, batch.readout)))(h);
    expect(Array.from(readoutGrad.dataSync())).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    disposeBatch(batch);
  });

  test('disposeBatch frees every tensor', () => {
    const before = tf.memory().numTensors;
    disposeBatch(batchTensors(packGraphs(randomGraphs(1, 3, 5, 2)), mode));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sparse ≡ dense', () => {
  test('same values and gradients on random graphs', () => {
    const packed = packGraphs(randomGraphs(2, 6, 7, 3));
    const sparse = batchTensors(packed, 'sparse');
    const dense = batchTensors(packed, 'dense');
    const h = tf.randomUniform([42, 5], -1, 1, 'float32', 3) as tf.Tensor2D;
    const weights = tf.randomUniform([42, 5], -1, 1, 'float32', 4);
    for (const key of ['neighbours', 'readout'] as const) {
      expect(maxAbsDiff(aggregate(h, sparse[key]).dataSync(), aggregate(h, dense[key]).dataSync())).toBeLessThan(1e-6);
    }
    const objective = (batch: typeof sparse) => (x: tf.Tensor) => tf.add(tf.sum(tf.mul(aggregate(x as tf.Tensor2D, batch.neighbours), weights)), tf.sum(aggregate(x as tf.Tensor2D, batch.readout)));
    expect(maxAbsDiff(tf.grad(objective(sparse))(h).dataSync(), tf.grad(objective(dense))(h).dataSync())).toBeLessThan(1e-5);
    disposeBatch(sparse);
    disposeBatch(dense);
  });

  test('the cpu backend gets the sparse path', () => {
    expect(defaultAggregationMode()).toBe('sparse');
  });
});
