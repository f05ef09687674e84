import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createGcn, embedBatch, gcnVariables, type Gcn } from './gcn.ts';
import { batchTensors, disposeBatch } from './batch.ts';
import { packGraphs, type GraphEncoding } from './graphs.ts';
import { dense } from './ops.ts';
import { SeededRandom } from '../spaces/rng.ts';
import { maxAbsDiff, randomGraphs, useCpuBackend } from './test-helpers.ts';

beforeAll(useCpuBackend);

interface PlainWeights {
  weight: Float64Array[];
  bias: Float64Array[];
  gain: Float64Array[];
  shift: Float64Array[];
}

function plainWeights(gcn: Gcn): PlainWeights {
  const read = (v: tf.Variable) => Float64Array.from(v.dataSync());
  return {
    weight: gcn.layers.map((l) => read(l.weight)),
    bias: gcn.layers.map((l) => read(l.bias)),
    gain: gcn.layers.map((l) => read(l.normGain)),
    shift: gcn.layers.map((l) => read(l.normBias)),
  };
}

/** Eagle's forward pass written out in float64 over ALL nodes: A·(H·W) + b → LayerNorm → ReLU; row 0. */
function referenceEmbedding(graph: GraphEncoding, w: PlainWeights, hidden: number): Float64Array {
  const n = graph.nodes;
  let h = Float64Array.from(graph.x);
  let width = graph.features;
  for (let l = 0; l < w.weight.length; l++) {
    const hw = new Float64Array(n * hidden);
    for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) for (let o = 0; o < hidden; o++) hw[i * hidden + o] += h[i * width + k] * w.weight[l][k * hidden + o];
    const next = new Float64Array(n * hidden);
    for (let i = 0; i < n; i++) {
      const z = new Float64Array(hidden);
      for (let o = 0; o < hidden; o++) {
        z[o] = w.bias[l][o];
        for (let j = 0; j < n; j++) z[o] += graph.adjacency[i * n + j] * hw[j * hidden + o];
      }
      const mean = z.reduce((a, b) => a + b, 0) / hidden;
      const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / hidden;
      for (let o = 0; o < hidden; o++) {
        const y = ((z[o] - mean) / Math.sqrt(variance + 1e-5)) * w.gain[l][o] + w.shift[l][o];
        next[i * hidden + o] = Math.max(0, y);
      }
    }
    h = next;
    width = hidden;
  }
  return h.slice(0, hidden);
}

function perturbNormParameters(gcn: Gcn, rng: SeededRandom): void {
  // Gain 1 / bias 0 would hide mistakes in how they are applied.
  for (const layer of gcn.layers) {
    for (const v of [layer.normGain, layer.normBias]) {
      v.assign(tf.tensor1d(Float32Array.from({ length: gcn.hidden }, () => rng.uniform(0.5, 1.5))));
    }
  }
}

describe('first layer: (A·X)·W equals A·(X·W)', () => {
  test('same values and same gradient w.r.t. W, with multi-hot and empty rows', () => {
    const graphs = randomGraphs(3, 5, 7, 4, true);
    const packed = packGraphs(graphs);
    const rowSums = graphs.flatMap((g) =>
      Array.from({ length: g.nodes }, (_, i) =>
        Array.from(g.x)
          .slice(i * 4, i * 4 + 4)
          .reduce((a, b) => a + b, 0),
      ),
    );
    const emptyRows = rowSums.filter((sum) => sum === 0).length;
    const multiRows = rowSums.filter((sum) => sum > 1).length;
    expect(emptyRows).toBeGreaterThan(0);
    expect(multiRows).toBeGreaterThan(0);
    const rng = new SeededRandom(9);
    const w = tf.tensor2d(
      Float32Array.from({ length: 4 * 6 }, () => rng.uniform(-1, 1)),
      [4, 6],
    );
    const upstream = tf.tensor2d(
      Float32Array.from({ length: 5 * 7 * 6 }, () => rng.uniform(-1, 1)),
      [35, 6],
    );
    const batch = batchTensors(packed);
    const x = tf.tensor3d(Float32Array.from(graphs.flatMap((g) => Array.from(g.x))), [5, 7, 4]);
    const adjacency = tf.tensor3d(packed.adjacency, [5, 7, 7]);
    const naive = (wt: tf.Tensor) => tf.reshape(tf.matMul(adjacency, tf.matMul(x, tf.stack([wt, wt, wt, wt, wt]) as tf.Tensor3D)), [35, 6]);
    const fast = (wt: tf.Tensor) => dense(batch.aggregatedFeatures, wt as tf.Tensor2D);
    expect(maxAbsDiff(fast(w).dataSync(), naive(w).dataSync())).toBeLessThan(1e-5);
    const gradNaive = tf.grad((wt: tf.Tensor) => tf.sum(tf.mul(naive(wt), upstream)))(w);
    const gradFast = tf.grad((wt: tf.Tensor) => tf.sum(tf.mul(fast(wt), upstream)))(w);
    expect(maxAbsDiff(gradFast.dataSync(), gradNaive.dataSync())).toBeLessThan(1e-5);
    disposeBatch(batch);
  });
});

describe('dense: weight as left or right matMul operand (WASM without the heap kernels uses the left form)', () => {
  test('same value and gradients for x and w', () => {
    const rng = new SeededRandom(21);
    const x = tf.tensor2d(
      Float32Array.from({ length: 13 * 5 }, () => rng.uniform(-1, 1)),
      [13, 5],
    );
    const w = tf.tensor2d(
      Float32Array.from({ length: 5 * 7 }, () => rng.uniform(-1, 1)),
      [5, 7],
    );
    const upstream = tf.tensor2d(
      Float32Array.from({ length: 13 * 7 }, () => rng.uniform(-1, 1)),
      [13, 7],
    );
    const reference = tf.matMul(x, w);
    for (const form of ['weight-left', 'weight-right'] as const) {
      expect(maxAbsDiff(dense(x, w, form).dataSync(), reference.dataSync())).toBeLessThan(1e-6);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, b as tf.Tensor2D, form), upstream)))([x, w]);
      // d/dx Σ(u ∘ xw) = u·wᵀ, d/dw = xᵀ·u.
      expect(maxAbsDiff(gx.dataSync(), tf.matMul(upstream, w, false, true).dataSync())).toBeLessThan(1e-5);
      expect(maxAbsDiff(gw.dataSync(), tf.matMul(x, upstream, true, false).dataSync())).toBeLessThan(1e-5);
    }
  });
});

describe('embedBatch', () => {
  test.each([
    [1, 'sparse'],
    [2, 'sparse'],
    [3, 'sparse'],
    [3, 'dense'],
  ] as const)('matches the all-nodes float64 reference with %i layer(s), %s aggregation', (layers, mode) => {
    const hidden = 5;
    const graphs = randomGraphs(10 + layers, 4, 6, 3);
    const gcn = createGcn(3, layers, hidden, new SeededRandom(1));
    perturbNormParameters(gcn, new SeededRandom(2));
    const batch = batchTensors(packGraphs(graphs), mode);
    const embeddings = embedBatch(gcn, batch).dataSync();
    const weights = plainWeights(gcn);
    graphs.forEach((g, i) => {
      const reference = referenceEmbedding(g, weights, hidden);
      expect(maxAbsDiff(embeddings.subarray(i * hidden, (i + 1) * hidden), reference)).toBeLessThan(2e-5);
    });
    disposeBatch(batch);
    tf.dispose(gcnVariables(gcn));
  });

  test.each(['sparse', 'dense'] as const)('gradients match central finite differences of the float64 reference (2 layers × 4 hidden, %s)', (mode) => {
    const hidden = 4;
    const graphs = randomGraphs(21, 3, 5, 3);
    const gcn = createGcn(3, 2, hidden, new SeededRandom(4));
    perturbNormParameters(gcn, new SeededRandom(5));
    const upstream = Float64Array.from({ length: 3 * hidden }, (_, k) => Math.sin(k + 1));
    const batch = batchTensors(packGraphs(graphs), mode);
    const variables = gcnVariables(gcn);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(embedBatch(gcn, batch), tf.tensor2d(Float32Array.from(upstream), [3, hidden]))), variables);
    const objective = (w: PlainWeights) => graphs.reduce((sum, g, i) => sum + referenceEmbedding(g, w, hidden).reduce((s, e, o) => s + e * upstream[i * hidden + o], 0), 0);
    const base = plainWeights(gcn);
    const groups: (keyof PlainWeights)[] = ['weight', 'bias', 'gain', 'shift'];
    const step = 1e-6;
    let checked = 0;
    gcn.layers.forEach((layer, l) => {
      groups.forEach((group) => {
        const variable = { weight: layer.weight, bias: layer.bias, gain: layer.normGain, shift: layer.normBias }[group];
        const analytic = grads[variable.name].dataSync();
        for (let k = 0; k < analytic.length; k += 3) {
          const plus = structuredClone(base);
          const minus = structuredClone(base);
          plus[group][l][k] += step;
          minus[group][l][k] -= step;
          const numeric = (objective(plus) - objective(minus)) / (2 * step);
          expect(Math.abs(analytic[k] - numeric)).toBeLessThan(1e-3 * (1 + Math.abs(numeric)));
          checked += 1;
        }
      });
    });
    expect(checked).toBeGreaterThan(20);
    tf.dispose(grads);
    disposeBatch(batch);
    tf.dispose(variables);
  });

  test('dropout: same seed → same output, other seed → other output, eval mode unaffected', () => {
    const graphs = randomGraphs(8, 6, 6, 3);
    const gcn = createGcn(3, 2, 16, new SeededRandom(1));
    const batch = batchTensors(packGraphs(graphs));
    const run = (seed?: number) => tf.tidy(() => embedBatch(gcn, batch, seed === undefined ? undefined : { rate: 0.5, seed }).dataSync());
    expect(run(7)).toEqual(run(7));
    expect(maxAbsDiff(run(7), run(8))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(run(7), run())).toBeGreaterThan(1e-3);
    expect(run()).toEqual(run());
    disposeBatch(batch);
    tf.dispose(gcnVariables(gcn));
  });
});

describe('createGcn', () => {
  test('thomas init: uniform within ±1/√H, reproducible by seed, LayerNorm at 1/0', () => {
    const a = createGcn(6, 2, 100, new SeededRandom(3));
    const b = createGcn(6, 2, 100, new SeededRandom(3));
    const c = createGcn(6, 2, 100, new SeededRandom(4));
    const bound = 1 / Math.sqrt(100);
    for (const [la, lb, lc] of a.layers.map((l, i) => [l, b.layers[i], c.layers[i]] as const)) {
      const wa = la.weight.dataSync();
      expect(Math.max(...wa.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...wa.map(Math.abs))).toBeGreaterThan(0.9 * bound);
      expect(wa).toEqual(lb.weight.dataSync());
      expect(maxAbsDiff(wa, lc.weight.dataSync())).toBeGreaterThan(0.01);
      expect(Math.max(...la.bias.dataSync().map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Array.from(la.normGain.dataSync()).every((v) => v === 1)).toBe(true);
      expect(Array.from(la.normBias.dataSync()).every((v) => v === 0)).toBe(true);
    }
    expect(a.layers[0].weight.shape).toEqual([6, 100]);
    expect(a.layers[1].weight.shape).toEqual([100, 100]);
    tf.dispose([...gcnVariables(a), ...gcnVariables(b), ...gcnVariables(c)]);
  });
});
