/**
 * A GCN plus its head, the unit that is trained, queried, saved and restored. Weights have
 * stable names ('gcn.0.weight', …, 'head.bias') for serialisation and warm starts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createGcn, embedBatch, gcnVariables, type Gcn } from './gcn.ts';
import { createLinearHead, type LinearHead } from './heads.ts';
import { batchTensors } from './batch.ts';
import { checkGraph, graphSizes, packGraphs, selectGraphs, type GraphEncoding, type PackedGraphs } from './graphs.ts';
import { SeededRandom, deriveSeed, STREAM } from '../spaces/rng.ts';
import { inferDistinctRows, inferDistinctRowsAsync } from './distinct-rows.ts';

export type PredictorKind = 'regression' | 'brp';

export interface PredictorModel {
  kind: PredictorKind;
  gcn: Gcn;
  head: LinearHead;
}

export function createModel(kind: PredictorKind, features: number, layers: number, hidden: number, seed: number): PredictorModel {
  const rng = new SeededRandom(deriveSeed(seed, STREAM.init));
  const gcn = createGcn(features, layers, hidden, rng);
  const head = kind === 'regression' ? createLinearHead(hidden, 1, rng) : createLinearHead(2 * hidden, 2, rng);
  return { kind, gcn, head };
}

/** Every weight with its stable name, in a fixed order. */
export function namedVariables(model: PredictorModel): [string, tf.Variable][] {
  const named: [string, tf.Variable][] = [];
  model.gcn.layers.forEach((layer, l) => {
    named.push([`gcn.${l}.weight`, layer.weight], [`gcn.${l}.bias`, layer.bias]);
    named.push([`gcn.${l}.normGain`, layer.normGain], [`gcn.${l}.normBias`, layer.normBias]);
  });
  named.push(['head.weight', model.head.weight], ['head.bias', model.head.bias]);
  return named;
}

export function modelVariables(model: PredictorModel): tf.Variable[] {
  return [...gcnVariables(model.gcn), model.head.weight, model.head.bias];
}

export function disposeModel(model: PredictorModel): void {
  tf.dispose(modelVariables(model));
}

/**
 * Overwrites weights from `source` (name → values, e.g. another model's or a stored file's).
 * `only` filters the names (e.g. the GCN part for transfer learning). Shapes must match.
 */
export function loadWeights(
  model: PredictorModel,
  source: ReadonlyMap<string, { shape: readonly number[]; values: tf.Tensor | ArrayLike<number> }>,
  only: (name: string) => boolean = () => true,
  origin = 'weights',
): void {
  for (const [name, variable] of namedVariables(model)) {
    if (!only(name)) continue;
    const entry = source.get(name);
    if (!entry) throw new Error(`${origin}: weight '${name}' is missing`);
    if (entry.shape.length !== variable.shape.length || entry.shape.some((d, i) => d !== variable.shape[i])) {
      throw new Error(`${origin}: weight '${name}' has shape [${entry.shape.join(', ')}], expected [${variable.shape.join(', ')}]`);
    }
    const values = entry.values;
    if (values instanceof tf.Tensor) variable.assign(values);
    else tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(values), variable.shape)));
  }
}

/** How many graphs one forward pass takes at prediction time (bounds activation memory). */
const INFERENCE_CHUNK = 512;

/**
 * From how many distinct graphs inferGraphs computes only the distinct node rows (distinct-rows.ts)
 * when the caller does not say: never. That form's float rounding depends on which other graphs are
 * in the call (their colouring orders the neighbour sums), so a cell's prediction could change in
 * the 7th digit with the company it is scored in; the batched pass gives each graph the same
 * numbers in any call. Callers that always score the same set opt in (`distinctRows: true`): the
 * search ranks all 8,687 NB201 encodings with it, ≈ 0.35 s instead of ≈ 3 s (bench-results/ranking.md).
 */
let distinctRowsFrom = Infinity;

/**
 * Sets from how many distinct graphs `inferGraphs` uses distinct-rows.ts instead of the batched
 * pass (Infinity: never); returns the previous value. For A/B runs and tests.
 */
export function useDistinctRowsFrom(graphs: number): number {
  const previous = distinctRowsFrom;
  distinctRowsFrom = graphs;
  return previous;
}

export interface InferOptions {
  /** Compute each distinct node row once per layer (distinct-rows.ts); default: the batched pass. */
  distinctRows?: boolean;
}

/** A string that is equal for two graphs exactly when their (A, X) are equal. */
function graphKey(graph: GraphEncoding): string {
  return `${graph.nodes}:${Array.prototype.join.call(graph.adjacency, '')}:${Array.prototype.join.call(graph.x, '')}`;
}

/**
 * Runs `readout` on the eval-mode embeddings of all graphs and returns `width` numbers per
 * graph. Identical encodings are embedded once (NB201's 15,625 cells have only 8,687 distinct
 * encodings), in batched chunks of {@link INFERENCE_CHUNK}; with `distinctRows` (or from
 * {@link useDistinctRowsFrom}'s size) each distinct node row once per layer instead
 * (distinct-rows.ts; `readout` must act row by row).
 */
export function inferGraphs(
  model: PredictorModel,
  graphs: readonly GraphEncoding[],
  width: number,
  readout: (embeddings: tf.Tensor2D) => tf.Tensor,
  source = 'graphs',
  options: InferOptions = {},
): Float32Array {
  const unique = uniqueGraphs(model, graphs, source);
  if (!unique) return new Float32Array(0);
  const { packed, representative } = unique;
  const uniqueOut = (options.distinctRows ?? packed.count >= distinctRowsFrom) ? inferDistinctRows(model.gcn, packed, width, readout) : inferPacked(model, packed, width, readout);
  return spreadRows(uniqueOut, representative, width);
}

/**
 * {@link inferGraphs} that reads asynchronously (`await data()`), with the same numbers: the form
 * for every loop that may run on a GPU backend, where a synchronous read stalls the loop, and on
 * tfjs-webgpu fails (inferPackedAsync says why). On GPU backends it ignores `distinctRows`, whose
 * per-layer read-backs would each be a GPU round trip.
 */
export async function inferGraphsAsync(
  model: PredictorModel,
  graphs: readonly GraphEncoding[],
  width: number,
  readout: (embeddings: tf.Tensor2D) => tf.Tensor,
  source = 'graphs',
  options: InferOptions = {},
): Promise<Float32Array> {
  const unique = uniqueGraphs(model, graphs, source);
  if (!unique) return new Float32Array(0);
  const { packed, representative } = unique;
  const onHost = ['wasm', 'cpu'].includes(tf.getBackend());
  const uniqueOut =
    onHost && (options.distinctRows ?? packed.count >= distinctRowsFrom) ? await inferDistinctRowsAsync(model.gcn, packed, width, readout) : await inferPackedAsync(model, packed, width, readout);
  return spreadRows(uniqueOut, representative, width);
}

/** The distinct encodings of `graphs` (validated) packed, and each graph's slot among them; null for none. */
function uniqueGraphs(model: PredictorModel, graphs: readonly GraphEncoding[], source: string): { packed: PackedGraphs; representative: Uint32Array } | null {
  if (!Array.isArray(graphs)) throw new Error(`${source}: expected an array of graphs`);
  if (graphs.length === 0) return null;
  const sizes = graphSizes(graphs, source, { features: model.gcn.features });
  graphs.forEach((graph, i) => checkGraph(graph, `${source}[${i}]`, sizes.nodes, sizes.features));
  const firstOfKey = new Map<string, number>();
  const representative = new Uint32Array(graphs.length);
  const unique: GraphEncoding[] = [];
  graphs.forEach((graph, i) => {
    const key = graphKey(graph);
    let slot = firstOfKey.get(key);
    if (slot === undefined) {
      slot = unique.length;
      firstOfKey.set(key, slot);
      unique.push(graph);
    }
    representative[i] = slot;
  });
  return { packed: packGraphs(unique, source, sizes), representative };
}

/** Row `representative[i]` of `uniqueOut` as row i, `width` numbers per row. */
function spreadRows(uniqueOut: Float32Array, representative: Uint32Array, width: number): Float32Array {
  const out = new Float32Array(representative.length * width);
  representative.forEach((slot, i) => out.set(uniqueOut.subarray(slot * width, (slot + 1) * width), i * width));
  return out;
}

/** {@link inferGraphs} on already packed (validated) graphs, without de-duplication. */
export function inferPacked(model: PredictorModel, packed: PackedGraphs, width: number, readout: (embeddings: tf.Tensor2D) => tf.Tensor): Float32Array {
  const out = new Float32Array(packed.count * width);
  for (let start = 0; start < packed.count; start += INFERENCE_CHUNK) {
    const values = packedChunk(model, packed, start, readout);
    out.set(values.dataSync(), start * width);
    values.dispose();
  }
  return out;
}

/**
 * {@link inferPacked} with asynchronous reads, the form training's validation uses: it works on
 * every backend. tfjs-backend-webgpu 4.22's `dataSync` copies the buffer through an
 * OffscreenCanvas's WebGPU context and a 2-D canvas; on Chromium's software adapter
 * (SwiftShader) that read returns zeros and loses the device, so every later upload fails
 * ("createBuffer failed, size (…) is too large for the implementation when mappedAtCreation ==
 * true", the same symptom as tensorflow/tfjs#7631). Measured in headless Chromium 156 with
 * `--enable-unsafe-webgpu --enable-features=Vulkan`: the batched forward pass of 8 graphs agreed
 * with WASM to 9e-8 when read with `data()`, and read back all zeros with `dataSync()`.
 */
export async function inferPackedAsync(model: PredictorModel, packed: PackedGraphs, width: number, readout: (embeddings: tf.Tensor2D) => tf.Tensor): Promise<Float32Array> {
  const out = new Float32Array(packed.count * width);
  for (let start = 0; start < packed.count; start += INFERENCE_CHUNK) {
    const values = packedChunk(model, packed, start, readout);
    try {
      out.set(await values.data(), start * width);
    } finally {
      values.dispose();
    }
  }
  return out;
}

/** `readout` of the eval-mode embeddings of graphs start .. start + INFERENCE_CHUNK (a tensor the caller frees). */
function packedChunk(model: PredictorModel, packed: PackedGraphs, start: number, readout: (embeddings: tf.Tensor2D) => tf.Tensor): tf.Tensor {
  const end = Math.min(start + INFERENCE_CHUNK, packed.count);
  const indices = Array.from({ length: end - start }, (_, k) => start + k);
  return tf.tidy(() => readout(embedBatch(model.gcn, batchTensors(selectGraphs(packed, indices)))));
}
