import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from './adamw.ts';
import { useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

describe('AdamW (torch.optim.AdamW semantics)', () => {
  test('two steps match the hand-computed values', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, 'adamw-test-p');
    const optimizer = new AdamW([p], { weightDecay: 0.01 });
    // Step 1, lr 0.1, g = 0.5: p ← 1·(1 − 0.001) = 0.999; m = 0.05, v = 0.00025;
    // m̂/(√v̂ + ε) = 0.5/0.5 = 1 → p = 0.999 − 0.1 = 0.899.
    optimizer.apply({ [p.name]: tf.tensor1d([0.5, 0]) }, 0.1);
    expect(p.dataSync()[0]).toBeCloseTo(0.899, 6);
    // A zero gradient only decays: −2·(1 − 0.001).
    expect(p.dataSync()[1]).toBeCloseTo(-1.998, 6);
    // Step 2, lr 0.05, g = −1: p ← 0.899·0.9995 = 0.8985505; m = −0.055, v = 0.00124975;
    // bias corrections 0.19 and 0.001999 → p = 0.8985505 + (0.05/0.19)·0.055/√(0.00124975/0.001999)
    //                                         = 0.8985505 + 0.0183052 = 0.9168557.
    optimizer.apply({ [p.name]: tf.tensor1d([-1, 0]) }, 0.05);
    expect(p.dataSync()[0]).toBeCloseTo(0.9168557, 6);
    expect(optimizer.step).toBe(2);
    optimizer.dispose();
    p.dispose();
  });

  test('a variable without a gradient is left untouched, decay included', () => {
    const a = tf.variable(tf.scalar(3), true, 'adamw-test-a');
    const b = tf.variable(tf.scalar(3), true, 'adamw-test-b');
    const optimizer = new AdamW([a, b], { weightDecay: 0.1 });
    optimizer.apply({ [a.name]: tf.scalar(1) }, 0.01);
    expect(a.dataSync()[0]).toBeCloseTo(3 * (1 - 0.001) - 0.01, 6);
    expect(b.dataSync()[0]).toBe(3);
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  test('frees its moment estimates', () => {
    const v = tf.variable(tf.zeros([4, 4]), true, 'adamw-test-v');
    const before = tf.memory().numTensors;
    const optimizer = new AdamW([v], { weightDecay: 0 });
    tf.tidy(() => optimizer.apply({ [v.name]: tf.ones([4, 4]) }, 0.1));
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});
