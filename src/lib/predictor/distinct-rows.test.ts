/**
 * distinct-rows.ts against the batched forward pass (model.ts's inferPacked, i.e. gcn.ts's
 * embedBatch): equal up to float32 summation order, on all NB201 encodings and on random graphs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { allCells, distinctEncodings, eagleEncoding } from '../spaces/nb201.ts';
import { embedDistinctRows, inferDistinctRows, inferDistinctRowsAsync, planDistinctRows, type DistinctRowStats } from './distinct-rows.ts';
import { defaultRowSumForm } from './heap-row-sum.ts';
import { rowSumModuleBytes } from '../kernels/row-sum.ts';
import { packGraphs, type GraphEncoding } from './graphs.ts';
import { brpDifferenceHead, regressionOutput } from './heads.ts';
import { createModel, disposeModel, inferGraphs, inferPacked, useDistinctRowsFrom, type PredictorModel } from './model.ts';
import { randomGraphs, useCpuBackend } from './test-helpers.ts';

/** max |a − b| / max |b|: float32 reordering differences are ~1e-7 of the values' scale. */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

const brpReadout = (model: PredictorModel) => (e: tf.Tensor2D) => {
  const { u, v } = brpDifferenceHead(model.head, model.gcn.hidden);
  return tf.concat([tf.matMul(e, u), tf.matMul(e, v)], 1);
};

let nb201: GraphEncoding[];

beforeAll(async () => {
  await useCpuBackend();
  const cells = allCells();
  nb201 = Array.from(distinctEncodings().representative, (code) => eagleEncoding(cells[code]));
});

describe('planDistinctRows', () => {
  test('NB201: 166 / 7,237 / 10,240 / 5,257 rows for 4 layers (instead of 78,183 ×3 + 8,687)', () => {
    expect(nb201).toHaveLength(8687);
    const plan = planDistinctRows(packGraphs(nb201), 4);
    // The last layer: 8,687 distinct encodings but only 5,257 distinct depth-4 colours of the
    // global node, so a 4-layer GCN cannot tell some encodings apart (whatever its weights).
    expect(plan.rows).toEqual([166, 7237, 10240, 5257]);
    expect(new Set(plan.rootOf).size).toBe(5257);
    // one layer: the distinct A·X rows of the global nodes
    const packed = packGraphs(nb201);
    const globalRows = new Set(nb201.map((_, g) => Array.from(packed.aggregatedFeatures.subarray(g * 54, g * 54 + 6)).join()));
    expect(planDistinctRows(packed, 1).rows).toEqual([globalRows.size]);
  });

  test('identical graphs share every row; rows no root depends on are skipped', () => {
    const [g] = randomGraphs(1, 1, 6, 4);
    const plan = planDistinctRows(packGraphs([g, g, g]), 3);
    expect(new Set(plan.rootOf).size).toBe(1);
    expect(plan.rows[2]).toBe(1);
    // a graph whose global node sees only itself and node 1: nodes 2–5 are never computed
    const nodes = 6;
    const adjacency = new Uint8Array(nodes * nodes);
    for (let i = 0; i < nodes; i++) adjacency[i * nodes + i] = 1;
    adjacency[0 * nodes + 1] = 1;
    const x = new Uint8Array(nodes * 4);
    for (let i = 0; i < nodes; i++) x[i * 4 + (i % 4)] = 1;
    const lone = planDistinctRows(packGraphs([{ nodes, features: 4, adjacency, x }]), 3);
    expect(lone.rows).toEqual([2, 2, 1]);
  });
});

describe('inferDistinctRows equals the batched pass (cpu backend)', () => {
  test('NB201, 4 × 32: embeddings, BRP scores and regression outputs of all 8,687 encodings; every tensor freed', () => {
    const baseline = tf.memory().numTensors;
    const brp = createModel('brp', 6, 4, 32, 11);
    const regression = createModel('regression', 6, 4, 32, 12);
    const packed = packGraphs(nb201);
    const stats: DistinctRowStats = { rows: [], denseRows: [] };
    const diffs = [
      relativeDiff(
        embedDistinctRows(brp.gcn, packed, { stats }),
        inferPacked(brp, packed, 32, (e) => e),
      ),
      relativeDiff(inferDistinctRows(brp.gcn, packed, 2, brpReadout(brp)), inferPacked(brp, packed, 2, brpReadout(brp))),
      relativeDiff(
        inferDistinctRows(regression.gcn, packed, 1, (e) => regressionOutput(regression.head, e)),
        inferPacked(regression, packed, 1, (e) => regressionOutput(regression.head, e)),
      ),
    ];
    console.log(`NB201 4×32 cpu, max relative differences (embeddings, BRP s/t, regression): ${diffs.map((d) => d.toExponential(2)).join(', ')}`);
    diffs.forEach((d) => expect(d).toBeLessThan(1e-4));
    // layers 2 and 3 transform the previous layer's fewer rows first
    expect(stats).toEqual({ rows: [166, 7237, 10240, 5257], denseRows: [166, 166, 7237, 5257] });
    // small chunks give the same values
    expect(relativeDiff(inferDistinctRows(brp.gcn, packed, 2, brpReadout(brp), { chunkRows: 1000 }), inferDistinctRows(brp.gcn, packed, 2, brpReadout(brp)))).toBe(0);
    disposeModel(brp);
    disposeModel(regression);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);

  test('inferGraphs over all 15,625 cells (duplicates included) with distinctRows equals the batched pass, its default', () => {
    const baseline = tf.memory().numTensors;
    const model = createModel('brp', 6, 4, 32, 21);
    const cells = allCells().map((ops) => eagleEncoding(ops));
    const scores = inferGraphs(model, cells, 2, brpReadout(model), 'graphs', { distinctRows: true });
    const batched = inferGraphs(model, cells, 2, brpReadout(model));
    expect(useDistinctRowsFrom(Infinity)).toBe(Infinity); // the default: a cell's numbers never depend on the others in the call
    const subset = cells.slice(0, 700);
    expect(Array.from(inferGraphs(model, subset, 2, brpReadout(model)))).toEqual(Array.from(batched.subarray(0, 1400)));
    expect(relativeDiff(scores, batched)).toBeLessThan(1e-4);
    // cells sharing an encoding share their scores bit for bit
    const { groupOf, representative } = distinctEncodings();
    expect(cells.every((_, code) => scores[2 * code] === scores[2 * representative[groupOf[code]]])).toBe(true);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);

  test.each([
    { layers: 1, hidden: 16, nodes: 9, features: 6, multiHot: false },
    { layers: 2, hidden: 24, nodes: 7, features: 5, multiHot: true },
    { layers: 3, hidden: 12, nodes: 11, features: 3, multiHot: true },
    { layers: 4, hidden: 32, nodes: 5, features: 8, multiHot: true },
  ])('random graphs: $layers layers × $hidden, $nodes nodes, $features features, multi-hot $multiHot', ({ layers, hidden, nodes, features, multiHot }) => {
    const baseline = tf.memory().numTensors;
    const graphs = randomGraphs(layers * 100 + nodes, 600, nodes, features, multiHot);
    const packed = packGraphs(graphs);
    const model = createModel('regression', features, layers, hidden, layers);
    expect(
      relativeDiff(
        embedDistinctRows(model.gcn, packed),
        inferPacked(model, packed, hidden, (e) => e),
      ),
    ).toBeLessThan(1e-4);
    expect(
      relativeDiff(
        inferDistinctRows(model.gcn, packed, 1, (e) => regressionOutput(model.head, e), { layerPath: 'kernels', chunkRows: 97 }),
        inferPacked(model, packed, 1, (e) => regressionOutput(model.head, e)),
      ),
    ).toBeLessThan(1e-4);
    const plan = planDistinctRows(packed, layers);
    expect(plan.rows[layers - 1]).toBeLessThanOrEqual(graphs.length);
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  test('no graphs, and a feature width the GCN was not built for', () => {
    const model = createModel('regression', 6, 2, 8, 1);
    const none = { count: 0, nodes: 9, features: 6, aggregatedFeatures: new Float32Array(0), adjacency: new Float32Array(0) };
    expect(inferDistinctRows(model.gcn, none, 1, (e) => regressionOutput(model.head, e))).toHaveLength(0);
    expect(() => embedDistinctRows(model.gcn, packGraphs(randomGraphs(1, 2, 9, 5)))).toThrow(/5 features, the GCN takes 6/);
    disposeModel(model);
  });
});

describe('on the WASM backend', () => {
  beforeAll(async () => {
    const wasmDist = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    setWasmPaths(`${wasmDist}${path.sep}`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
  });
  afterAll(useCpuBackend);

  test('the row-sum module validates (plain and shared memory)', () => {
    expect(WebAssembly.validate(rowSumModuleBytes(false))).toBe(true);
    expect(WebAssembly.validate(rowSumModuleBytes(true))).toBe(true);
  });

  test('random multi-hot graphs, 3 layers × 12 and 2 layers × 10 (no heap kernel for that width)', () => {
    const baseline = tf.memory().numTensors;
    for (const [layers, hidden] of [
      [3, 12],
      [2, 10],
    ]) {
      const graphs = randomGraphs(40 + layers, 400, 7, 5, true);
      const packed = packGraphs(graphs);
      const model = createModel('regression', 5, layers, hidden, 9);
      expect(defaultRowSumForm(hidden)).toBe(hidden % 4 === 0 ? 'heap' : 'js');
      const expected = inferPacked(model, packed, hidden, (e) => e);
      expect(relativeDiff(embedDistinctRows(model.gcn, packed, { chunkRows: 50 }), expected)).toBeLessThan(1e-4);
      disposeModel(model);
    }
    expect(tf.memory().numTensors).toBe(baseline);
  });

  test('NB201, 4 × 32: BRP scores equal the batched pass; every tensor freed', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const baseline = tf.memory().numTensors;
    const model = createModel('brp', 6, 4, 32, 31);
    const packed = packGraphs(nb201);
    const heapStats: DistinctRowStats = { rows: [], denseRows: [] };
    const heap = inferDistinctRows(model.gcn, packed, 2, brpReadout(model), { stats: heapStats, chunkRows: 3000 });
    const d = relativeDiff(heap, inferPacked(model, packed, 2, brpReadout(model)));
    console.log(`NB201 4×32 wasm, max relative difference of BRP s/t: ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    expect(heapStats.denseRows).toEqual([166, 166, 7237, 5257]);
    // the heap kernel adds the same numbers in the same order as the JS loop
    expect(defaultRowSumForm(32)).toBe('heap');
    expect(Array.from(inferDistinctRows(model.gcn, packed, 2, brpReadout(model), { rowSum: 'js' }))).toEqual(Array.from(heap));
    // the asynchronous reads (the search's ranking) give the same bits, with either row-sum form
    expect(Array.from(await inferDistinctRowsAsync(model.gcn, packed, 2, brpReadout(model), { chunkRows: 3000 }))).toEqual(Array.from(heap));
    expect(Array.from(await inferDistinctRowsAsync(model.gcn, packed, 2, brpReadout(model), { rowSum: 'js' }))).toEqual(Array.from(heap));
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(baseline);
  }, 120_000);
});
