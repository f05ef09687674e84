import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultLayerPath, droppedIndices, dropoutMask, normReluDropout, normReluDropoutKernels, type DropoutMask } from './fused.ts';
import { createGcn, embedBatch, gcnVariables } from './gcn.ts';
import { batchTensors } from './batch.ts';
import { packGraphs } from './graphs.ts';
import { SeededRandom } from '../spaces/rng.ts';
import { maxAbsDiff, randomGraphs, useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

describe('droppedIndices', () => {
  test('the same seed gives the same drops, another seed others; ascending and in range', () => {
    const a = droppedIndices(50_000, 0.2, 7);
    expect(Array.from(droppedIndices(50_000, 0.2, 7))).toEqual(Array.from(a));
    expect(Array.from(droppedIndices(50_000, 0.2, 8))).not.toEqual(Array.from(a));
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThan(a[i - 1]);
    expect(a[0]).toBeGreaterThanOrEqual(0);
    expect(a[a.length - 1]).toBeLessThan(50_000);
  });

  test.each([0.002, 0.2, 0.5])('drops a share close to rate %f, and after a drop again with probability rate', (rate) => {
    const size = 1_000_000;
    const dropped = droppedIndices(size, rate, 3);
    const sd = Math.sqrt(size * rate * (1 - rate));
    expect(Math.abs(dropped.length - size * rate)).toBeLessThan(5 * sd);
    // A Bernoulli process: after a drop, the next element is dropped with probability `rate` again.
    let pairs = 0;
    for (let i = 1; i < dropped.length; i++) if (dropped[i] === dropped[i - 1] + 1) pairs++;
    const pairSd = Math.sqrt(dropped.length * rate * (1 - rate));
    expect(Math.abs(pairs - dropped.length * rate)).toBeLessThan(5 * pairSd + 1);
  });

  test('the first element is dropped with probability rate, like every other', () => {
    const seeds = 2000;
    let first = 0;
    for (let seed = 0; seed < seeds; seed++) if (droppedIndices(10, 0.2, seed)[0] === 0) first++;
    expect(Math.abs(first - seeds * 0.2)).toBeLessThan(5 * Math.sqrt(seeds * 0.2 * 0.8));
  });

  test('rate 0 drops nothing; a rate outside [0, 1) is refused', () => {
    expect(droppedIndices(1000, 0, 1).length).toBe(0);
    expect(() => droppedIndices(10, 1, 1)).toThrow(/\[0, 1\)/);
    expect(() => droppedIndices(10, -0.1, 1)).toThrow(/\[0, 1\)/);
    expect(() => droppedIndices(10, Number.NaN, 1)).toThrow(/\[0, 1\)/);
  });
});

describe('normReluDropout (fused) against the kernel composition', () => {
  const rows = 7;
  const width = 36;
  const rng = new SeededRandom(5);
  const random = (n: number, spread = 1) => Float32Array.from({ length: n }, () => rng.uniform(-spread, spread));
  const xwValues = random(rows * width, 3);
  const biasValues = random(width, 0.5);
  const gainValues = Float32Array.from(random(width, 0.5), (v) => 1 + v);
  const shiftValues = random(width, 0.3);
  const upstream = random(rows * width);

  function run(path: typeof normReluDropout, mask: DropoutMask | null) {
    const inputs = [tf.tensor2d(xwValues, [rows, width]), tf.tensor1d(biasValues), tf.tensor1d(gainValues), tf.tensor1d(shiftValues)] as const;
    const dy = tf.tensor2d(upstream, [rows, width]);
    const { value, grads } = tf.valueAndGrads((xw: tf.Tensor, b: tf.Tensor, g: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(path(xw as tf.Tensor2D, b as tf.Tensor1D, g as tf.Tensor1D, s as tf.Tensor1D, mask), dy)),
    )([...inputs]);
    const forward = tf.tidy(() => path(inputs[0], inputs[1], inputs[2], inputs[3], mask));
    const result = { output: forward.dataSync().slice(), loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync().slice()) };
    tf.dispose([...inputs, dy, value, forward, ...grads]);
    return result;
  }

  test.each([
    ['no dropout', null],
    ['dropout 0.2', dropoutMask(rows * width, 0.2, 11)],
  ] as const)('%s: same output and the same gradients for xw, bias, gain and shift', (_, mask) => {
    const fused = run(normReluDropout, mask);
    const kernels = run(normReluDropoutKernels, mask);
    expect(maxAbsDiff(fused.output, kernels.output)).toBeLessThan(1e-5);
    expect(fused.loss).toBeCloseTo(kernels.loss, 4);
    fused.grads.forEach((g, i) => expect(maxAbsDiff(g, kernels.grads[i])).toBeLessThan(1e-4));
    // The comparison means something: ReLU and the mask zero a real share of the values.
    const zeros = fused.output.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(rows * width * 0.2);
    expect(zeros).toBeLessThan(rows * width * 0.9);
    if (mask) for (const i of mask.dropped) expect(fused.output[i]).toBe(0);
    expect(fused.grads[0].some((v) => v !== 0)).toBe(true);
  });

  test('kept values are scaled by 1/(1 − rate)', () => {
    const mask = dropoutMask(rows * width, 0.2, 4);
    const plain = run(normReluDropout, null).output;
    const dropped = run(normReluDropout, mask).output;
    const droppedSet = new Set(mask.dropped);
    plain.forEach((v, i) => expect(dropped[i]).toBeCloseTo(droppedSet.has(i) ? 0 : v / 0.8, 5));
  });

  test('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    run(normReluDropout, dropoutMask(rows * width, 0.2, 1));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('embedBatch: fused and kernel layer paths', () => {
  test('the cpu backend defaults to the fused path where the width allows it', () => {
    expect(defaultLayerPath(600)).toBe('fused');
    expect(defaultLayerPath(30)).toBe('kernels');
  });

  test('give the same embeddings and gradients of a 3-layer GCN with dropout', () => {
    const gcn = createGcn(6, 3, 24, new SeededRandom(2));
    const variables = gcnVariables(gcn);
    const packed = packGraphs(randomGraphs(4, 6, 9, 6));
    const step = (path: 'fused' | 'kernels') => {
      const { value, grads } = tf.variableGrads(() => {
        // Built inside variableGrads, so tfjs frees it with the step's other intermediates.
        const embeddings = embedBatch(gcn, batchTensors(packed), { rate: 0.3, seed: 9 }, path);
        return tf.sum(tf.mul(embeddings, tf.reshape(tf.linspace(-1, 1, embeddings.size), embeddings.shape)));
      }, variables);
      const result = { loss: value.dataSync()[0], grads: variables.map((v) => grads[v.name].dataSync().slice()) };
      tf.dispose([value, ...Object.values(grads)]);
      return result;
    };
    const fused = step('fused');
    const kernels = step('kernels');
    expect(fused.loss).not.toBe(0);
    expect(fused.loss).toBeCloseTo(kernels.loss, 4);
    fused.grads.forEach((g, i) => expect(maxAbsDiff(g, kernels.grads[i])).toBeLessThan(1e-4));
    tf.dispose(variables);
  });
});

describe('normReluDropout (the SIMD layer module) at the GCN size', () => {
  test('at the GCN size (72 × 600) with dropout, the gradients equal the kernel path', () => {
    const rows = 72;
    const width = 600;
    const rng = new SeededRandom(12);
    const xw = tf.tensor2d(
      Float32Array.from({ length: rows * width }, () => rng.uniform(-3, 3)),
      [rows, width],
    );
    const vector = (low: number, high: number) => tf.tensor1d(Float32Array.from({ length: width }, () => rng.uniform(low, high)));
    const [bias, gain, shift] = [vector(-0.5, 0.5), vector(0.5, 1.5), vector(-0.3, 0.3)];
    const dy = tf.tensor2d(
      Float32Array.from({ length: rows * width }, () => rng.uniform(-1, 1)),
      [rows, width],
    );
    const mask = dropoutMask(rows * width, 0.2, 3);
    const gradients = (path: typeof normReluDropout) => {
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(path(a as tf.Tensor2D, b as tf.Tensor1D, g as tf.Tensor1D, s as tf.Tensor1D, mask), dy)))([
        xw,
        bias,
        gain,
        shift,
      ]);
      const values = grads.map((t) => t.dataSync().slice());
      tf.dispose(grads);
      return values;
    };
    const fused = gradients(normReluDropout);
    const kernels = gradients(normReluDropoutKernels);
    // Column sums over 72 rows (bias, gain, shift) collect more rounding than the per-element input gradient.
    fused.forEach((g, i) => expect(maxAbsDiff(g, kernels[i])).toBeLessThan(i === 0 ? 1e-5 : 1e-4));
    expect(fused[0].some((v) => v !== 0)).toBe(true);
    tf.dispose([xw, bias, gain, shift, dy]);
  });
});
