/** The tfjs kernels built on kernels/gemm.ts (heap-gemm.ts) on the WASM backend, against the transpose form and float64 products. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { heapGemmApplies, useHeapGemmOnWasm } from './heap-gemm.ts';
import { createHeapMoments, heapAdamWStep } from './heap-adamw.ts';
import { dense } from './ops.ts';
import { SeededRandom } from '../spaces/rng.ts';
import { useCpuBackend } from './test-helpers.ts';
import { product, relativeError } from '../kernels/test-values.ts';

function randomMatrix(rng: SeededRandom, rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: rows * cols }, () => rng.uniform(-1, 1));
}

describe('heap kernels on the WASM backend', () => {
  beforeAll(async () => {
    const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(`${wasmDist}${path.sep}`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
  });
  afterAll(async () => {
    useHeapGemmOnWasm(true);
    await useCpuBackend();
  });

  test('apply to widths the kernels support, and can be turned off', () => {
    expect(heapGemmApplies(600, 600)).toBe(true);
    expect(heapGemmApplies(6, 600)).toBe(true);
    expect(heapGemmApplies(600, 1)).toBe(false);
    useHeapGemmOnWasm(false);
    expect(heapGemmApplies(600, 600)).toBe(false);
    useHeapGemmOnWasm(true);
  });

  test.each([
    [9, 12, 16],
    [13, 6, 8],
    [72, 600, 600],
  ])('dense on the heap, m=%i k=%i n=%i: value and both gradients as the transpose form, no leaked tensors', (m, k, n) => {
    const rng = new SeededRandom(m + k + n);
    const x = tf.tensor2d(randomMatrix(rng, m, k), [m, k]);
    const w = tf.tensor2d(randomMatrix(rng, k, n), [k, n]);
    const upstream = tf.tensor2d(randomMatrix(rng, m, n), [m, n]);
    const before = tf.memory().numTensors;
    const run = (form: 'heap' | 'weight-left') => {
      const value = dense(x, w, form);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, b as tf.Tensor2D, form), upstream)))([x, w]);
      const out = [value, gx, gw].map((t) => t.dataSync().slice());
      tf.dispose([value, gx, gw]);
      return out;
    };
    const heap = run('heap');
    const reference = run('weight-left');
    expect(tf.memory().numTensors).toBe(before);
    const want = [product(x.dataSync() as Float32Array, w.dataSync() as Float32Array, m, k, n)];
    expect(relativeError(heap[0], want[0])).toBeLessThan(1e-6);
    for (let i = 0; i < 3; i++) expect(relativeError(heap[i], reference[i])).toBeLessThan(1e-5);
    tf.dispose([x, w, upstream]);
  });

  test('an input still held by the cpu backend is moved into the heap first', async () => {
    await useCpuBackend();
    const rng = new SeededRandom(5);
    const x = tf.tensor2d(randomMatrix(rng, 5, 8), [5, 8]);
    const w = tf.tensor2d(randomMatrix(rng, 8, 16), [8, 16]);
    const want = product(x.dataSync() as Float32Array, w.dataSync() as Float32Array, 5, 8, 16);
    await tf.setBackend('wasm');
    const z = dense(x, w, 'heap');
    expect(relativeError(z.dataSync(), want)).toBeLessThan(1e-6);
    tf.dispose([x, w, z]);
  });

  test('shapes that do not fit are refused, not read past', () => {
    const x = tf.ones([3, 8]) as tf.Tensor2D;
    const w = tf.ones([9, 8]) as tf.Tensor2D;
    expect(() => dense(x, w, 'heap')).toThrow(/do not fit together/);
    const weights = tf.ones([8]);
    const moments = createHeapMoments([8]);
    const step = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 1e-3, secondMomentScale: 1, decay: 1 };
    const gradient = tf.ones([4]);
    expect(() => heapAdamWStep(weights, gradient, moments, step)).toThrow(/of one size/);
    tf.dispose([x, w, weights, gradient, moments.m, moments.v]);
  });

  test('zero rows give an empty product and a zero weight gradient', () => {
    const x = tf.zeros([0, 8]) as tf.Tensor2D;
    const w = tf.ones([8, 8]) as tf.Tensor2D;
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(dense(a as tf.Tensor2D, b as tf.Tensor2D, 'heap')))([x, w]);
    expect(gx.shape).toEqual([0, 8]);
    expect(Array.from(gw.dataSync())).toEqual(new Array(64).fill(0));
    tf.dispose([x, w, gx, gw]);
  });
});
