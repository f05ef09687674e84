import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, SMALL_VARIABLE_VALUES } from './adamw.ts';
import { SeededRandom } from './rng.ts';
import { maxAbsDiff, useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

describe.each([
  ['kernels', 0],
  ['JS', Infinity],
])('AdamW (torch.optim.AdamW semantics), updates by %s', (label, jsUpdateLimit) => {
  test('two steps match the hand-computed values', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, `adamw-test-p-${label}`);
    const optimizer = new AdamW([p], { weightDecay: 0.01, jsUpdateLimit });
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
    const a = tf.variable(tf.scalar(3), true, `adamw-test-a-${label}`);
    const b = tf.variable(tf.scalar(3), true, `adamw-test-b-${label}`);
    const optimizer = new AdamW([a, b], { weightDecay: 0.1, jsUpdateLimit });
    optimizer.apply({ [a.name]: tf.scalar(1) }, 0.01);
    expect(a.dataSync()[0]).toBeCloseTo(3 * (1 - 0.001) - 0.01, 6);
    expect(b.dataSync()[0]).toBe(3);
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  test('frees its moment estimates', () => {
    const v = tf.variable(tf.zeros([4, 4]), true, `adamw-test-v-${label}`);
    const before = tf.memory().numTensors;
    const optimizer = new AdamW([v], { weightDecay: 0, jsUpdateLimit });
    tf.tidy(() => optimizer.apply({ [v.name]: tf.ones([4, 4]) }, 0.1));
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  test('a clone taken before a step keeps its values', () => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]), true, `adamw-clone-${label}`);
    const snapshot = tf.clone(p);
    const optimizer = new AdamW([p], { weightDecay: 0.01, jsUpdateLimit });
    optimizer.apply({ [p.name]: tf.tensor1d([1, 1, 1]) }, 0.1);
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(p.dataSync()[0]).toBeCloseTo(0.899, 6);
    optimizer.dispose();
    tf.dispose([p, snapshot]);
  });
});

describe('AdamW update paths', () => {
  test('JS updates follow the kernels over 20 steps with decay and a changing learning rate', () => {
    const rng = new SeededRandom(3);
    const shapes = [[5, 4], [4], [1]];
    const sizes = shapes.map((shape) => shape.reduce((x, y) => x * y, 1));
    const initial = sizes.map((size) => Float32Array.from({ length: size }, () => rng.uniform(-1, 1)));
    const make = (label: string) => initial.map((values, i) => tf.variable(tf.tensor(values, shapes[i]), true, `adamw-paths-${label}-${i}`));
    const byKernels = make('kernels');
    const mixed = make('mixed');
    const kernelOptimizer = new AdamW(byKernels, { weightDecay: 5e-4, jsUpdateLimit: 0 });
    // Limit 4: the [4] and [1] tensors in JS, the [5, 4] one by kernels.
    const mixedOptimizer = new AdamW(mixed, { weightDecay: 5e-4, jsUpdateLimit: 4 });
    expect(kernelOptimizer.jsUpdated).toBe(0);
    expect(mixedOptimizer.jsUpdated).toBe(2);
    for (let step = 0; step < 20; step++) {
      const lr = 0.01 * (1 - step / 20);
      const grads = sizes.map((size) => Float32Array.from({ length: size }, () => rng.uniform(-2, 2)));
      const named = (vars: tf.Variable[]) => Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads[i], shapes[i])]));
      tf.tidy(() => kernelOptimizer.apply(named(byKernels), lr));
      tf.tidy(() => mixedOptimizer.apply(named(mixed), lr));
    }
    byKernels.forEach((v, i) => expect(maxAbsDiff(v.dataSync(), mixed[i].dataSync())).toBeLessThan(1e-6));
    // Not trivially equal: every tensor moved.
    mixed.forEach((v, i) => expect(maxAbsDiff(v.dataSync(), initial[i])).toBeGreaterThan(0.01));
    kernelOptimizer.dispose();
    mixedOptimizer.dispose();
    tf.dispose([...byKernels, ...mixed]);
  });

  test('on the cpu backend, tensors up to SMALL_VARIABLE_VALUES values are updated in JS by default', () => {
    const small = tf.variable(tf.zeros([SMALL_VARIABLE_VALUES]), true, 'adamw-default-small');
    const big = tf.variable(tf.zeros([SMALL_VARIABLE_VALUES + 1]), true, 'adamw-default-big');
    const optimizer = new AdamW([small, big], { weightDecay: 0 });
    expect(optimizer.jsUpdated).toBe(1);
    optimizer.dispose();
    tf.dispose([small, big]);
  });
});
