import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, SMALL_VARIABLE_VALUES, type AdamWOptions } from './adamw.ts';
import { simdSupported } from '../kernels/wasm-asm.ts';
import { SeededRandom } from '../spaces/rng.ts';
import { maxAbsDiff, useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

describe.each<[string, Pick<AdamWOptions, 'jsUpdateLimit' | 'simdUpdate'>]>([
  ['kernels', { jsUpdateLimit: 0, simdUpdate: false }],
  ['JS', { jsUpdateLimit: Infinity }],
  ['WebAssembly SIMD', { jsUpdateLimit: 0, simdUpdate: true }],
])('AdamW (torch.optim.AdamW semantics), updates by %s', (label, paths) => {
  test('two steps match the hand-computed values', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, `adamw-test-p-${label}`);
    const optimizer = new AdamW([p], { weightDecay: 0.01, ...paths });
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
    const optimizer = new AdamW([a, b], { weightDecay: 0.1, ...paths });
    optimizer.apply({ [a.name]: tf.scalar(1) }, 0.01);
    expect(a.dataSync()[0]).toBeCloseTo(3 * (1 - 0.001) - 0.01, 6);
    expect(b.dataSync()[0]).toBe(3);
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  test('frees its moment estimates', () => {
    const v = tf.variable(tf.zeros([4, 4]), true, `adamw-test-v-${label}`);
    const before = tf.memory().numTensors;
    const optimizer = new AdamW([v], { weightDecay: 0, ...paths });
    tf.tidy(() => optimizer.apply({ [v.name]: tf.ones([4, 4]) }, 0.1));
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });

  test('a clone taken before a step keeps its values', () => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]), true, `adamw-clone-${label}`);
    const snapshot = tf.clone(p);
    const optimizer = new AdamW([p], { weightDecay: 0.01, ...paths });
    optimizer.apply({ [p.name]: tf.tensor1d([1, 1, 1]) }, 0.1);
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(p.dataSync()[0]).toBeCloseTo(0.899, 6);
    optimizer.dispose();
    tf.dispose([p, snapshot]);
  });
});

describe('AdamW update paths', () => {
  const rng = new SeededRandom(3);
  // Sizes 20, 4, 1 and 7: the SIMD loop pads to whole 4-lane groups.
  const shapes = [[5, 4], [4], [1], [7]];
  const sizes = shapes.map((shape) => shape.reduce((x, y) => x * y, 1));
  const initial = sizes.map((size) => Float32Array.from({ length: size }, () => rng.uniform(-1, 1)));
  const gradients = Array.from({ length: 20 }, () => sizes.map((size) => Float32Array.from({ length: size }, () => rng.uniform(-2, 2))));

  /** The variables after 20 steps with decay and a falling learning rate; `meddle` may act before a step. */
  function train(label: string, options: Partial<AdamWOptions>, meddle?: (step: number, vars: tf.Variable[]) => void) {
    const vars = initial.map((values, i) => tf.variable(tf.tensor(values, shapes[i]), true, `adamw-paths-${label}-${i}`));
    const optimizer = new AdamW(vars, { weightDecay: 5e-4, ...options });
    gradients.forEach((grads, step) => {
      meddle?.(step, vars);
      tf.tidy(() => optimizer.apply(Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(grads[i], shapes[i])])), 0.01 * (1 - step / 20)));
    });
    const values = vars.map((v) => Float32Array.from(v.dataSync()));
    const paths = optimizer.paths;
    optimizer.dispose();
    tf.dispose(vars);
    return { values, paths };
  }

  const kernels = () => train('kernels', { jsUpdateLimit: 0, simdUpdate: false });

  test('JS updates follow the kernels over 20 steps', () => {
    const reference = kernels();
    // Limit 7: every tensor but the [5, 4] one in JS.
    const mixed = train('mixed', { jsUpdateLimit: 7, simdUpdate: false });
    expect(reference.paths).toEqual({ js: 0, heap: 0, simd: 0, kernels: 4 });
    expect(mixed.paths).toEqual({ js: 3, heap: 0, simd: 0, kernels: 1 });
    reference.values.forEach((values, i) => expect(maxAbsDiff(values, mixed.values[i])).toBeLessThan(1e-6));
    // Not trivially equal: every tensor moved.
    mixed.values.forEach((values, i) => expect(maxAbsDiff(values, initial[i])).toBeGreaterThan(0.01));
  });

  test('WebAssembly SIMD updates equal the kernels bit for bit (same float32 operations, same order)', () => {
    expect(simdSupported()).toBe(true);
    const reference = kernels();
    const simd = train('simd', { jsUpdateLimit: 0, simdUpdate: true });
    expect(simd.paths).toEqual({ js: 0, heap: 0, simd: 4, kernels: 0 });
    simd.values.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(reference.values[i])));
    simd.values.forEach((values, i) => expect(maxAbsDiff(values, initial[i])).toBeGreaterThan(0.01));
  });

  test('SIMD: weights assigned from outside between steps are picked up', () => {
    const reset = (step: number, vars: tf.Variable[]) => {
      if (step === 10) vars.forEach((v, i) => v.assign(tf.tensor(initial[i], shapes[i])));
    };
    const reference = train('reset-kernels', { jsUpdateLimit: 0, simdUpdate: false }, reset);
    const simd = train('reset-simd', { jsUpdateLimit: 0, simdUpdate: true }, reset);
    simd.values.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(reference.values[i])));
  });

  test('on the cpu backend: small tensors in JS, bigger ones by SIMD, by default', () => {
    const small = tf.variable(tf.zeros([SMALL_VARIABLE_VALUES]), true, 'adamw-default-small');
    const big = tf.variable(tf.zeros([SMALL_VARIABLE_VALUES + 1]), true, 'adamw-default-big');
    const optimizer = new AdamW([small, big], { weightDecay: 0 });
    expect(optimizer.paths).toEqual({ js: 1, heap: 0, simd: 1, kernels: 0 });
    optimizer.dispose();
    tf.dispose([small, big]);
  });
});
