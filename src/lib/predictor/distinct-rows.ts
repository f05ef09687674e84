/**
 * Eval-mode GCN embeddings of many graphs that compute every distinct node row once per layer.
 *
 * Without dropout a node's row after layer l is a function of its depth-l Weisfeiler–Lehman
 * colour: layer 1's row depends only on the node's A·X row, and layer l's on the multiset of its
 * neighbours' layer-(l−1) rows (A is binary, so a colour repeated among the neighbours counts
 * that often). So the nodes are coloured in JS (`planDistinctRows`), and each layer runs its
 * dense product and activation (the same `dense` and bias + LayerNorm + ReLU path as gcn.ts's
 * `embedBatch`) once per colour. The last layer only needs the global node (row 0) of each graph,
 * and every earlier layer only the rows those depend on. A layer transforms the previous layer's
 * rows first, Σ_j (H·W)[j] (gcn.py's order), when those are fewer than its own, else sums first,
 * (Σ_j H[j])·W. The neighbour sums run on the wasm backend's heap (a SIMD kernel, so the rows
 * never leave the heap), elsewhere in JS.
 *
 * Across the 8,687 distinct NB201 encodings (78,183 node rows) a 4-layer GCN has 166, 7,237,
 * 10,240 and 5,257 distinct rows per layer, and its dense products take 166 + 166 + 7,237 +
 * 5,257 rows instead of 78,183 × 3 + 8,687 (distinct-rows.test.ts): on WASM in node, 4×600,
 * ≈ 0.35 s instead of ≈ 3 s (bench-results/ranking.md). The result is embedBatch's up to float32
 * rounding: the neighbours are summed in another order (or after the product), and the matrix
 * kernels may block rows differently.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Gcn } from './gcn.ts';
import { dense } from './ops.ts';
import { defaultLayerPath, normReluDropout, normReluDropoutKernels, type LayerPath } from './fused.ts';
import { type PackedGraphs } from './graphs.ts';
import { defaultRowSumForm, rowSummer, type RowSumForm, type RowSummer } from './heap-row-sum.ts';
import { heapKernelsAvailable } from './host-values.ts';

/**
 * Which rows each layer computes. Layer 0 (the first GCN layer) computes `firstInputs`; layer
 * l ≥ 1 computes row u from the sum of the previous layer's rows
 * `neighbours[l][offsets[l][u] .. offsets[l][u + 1]]`. Graph g's embedding is row `rootOf[g]` of
 * the last layer.
 */
interface DistinctRowPlan {
  count: number;
  layers: number;
  features: number;
  /** Rows computed per layer (the distinct colours of the rows needed there). */
  rows: number[];
  /** [rows[0], features] row-major: the distinct A·X rows needed by layer 0. */
  firstInputs: Float32Array;
  /** Per layer (entry 0 empty): CSR offsets, rows[l] + 1 entries. */
  offsets: Int32Array[];
  /** Per layer (entry 0 empty): previous-layer row ids, one per neighbour (with multiplicity). */
  neighbours: Int32Array[];
  /** Last-layer row of each graph. */
  rootOf: Int32Array;
}

/**
 * Interns integer sequences (A·X rows, sorted colour multisets): equal sequences get one id, ids
 * count up from 0. An open-addressing hash table over the stored sequences; exact (a hash hit is
 * compared value by value).
 */
class SequenceInterner {
  private readonly table: Int32Array;
  private readonly mask: number;
  /** Sequence id → start in `values`; `starts[size]` is the end of the last one. */
  readonly starts: Int32Array;
  readonly values: Int32Array;
  size = 0;

  constructor(maxSequences: number, maxValues: number) {
    let capacity = 16;
    while (capacity < 2 * maxSequences) capacity *= 2;
    this.table = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.starts = new Int32Array(maxSequences + 1);
    this.values = new Int32Array(maxValues);
  }

  intern(source: ArrayLike<number>, from: number, length: number): number {
    let h = 0x811c9dc5 ^ length;
    for (let k = 0; k < length; k++) h = Math.imul(h ^ source[from + k], 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
    const { table, mask, starts, values } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot];
      if (entry === 0) break;
      const id = entry - 1;
      const start = starts[id];
      if (starts[id + 1] - start !== length) continue;
      let k = 0;
      while (k < length && values[start + k] === source[from + k]) k++;
      if (k === length) return id;
    }
    const id = this.size++;
    const start = starts[id];
    for (let k = 0; k < length; k++) values[start + k] = source[from + k];
    starts[id + 1] = start + length;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      if (table[slot] === 0) {
        table[slot] = id + 1;
        return id;
      }
    }
  }
}

/**
 * Colours the node rows of `packed` for a GCN of `layers` layers (pure JS, no tensors). Layer 0
 * groups rows by their A·X content (integer counts); layer l ≥ 1 by the sorted multiset of their
 * neighbours' layer-(l−1) colours. Only rows that a global node's last-layer row depends on count.
 */
export function planDistinctRows(packed: PackedGraphs, layers: number): DistinctRowPlan {
  if (!(Number.isInteger(layers) && layers >= 1)) throw new Error(`a GCN has at least one layer, got ${layers}`);
  const { count, nodes, features, adjacency, aggregatedFeatures } = packed;
  const total = count * nodes;
  const last = layers - 1;

  // needed[l][row]: the row's layer-l value is used (by the readout or by a needed row of layer l + 1).
  const needed: Uint8Array[] = Array.from({ length: layers }, () => new Uint8Array(total));
  const neededCount = new Array<number>(layers).fill(0);
  for (let g = 0; g < count; g++) needed[last][g * nodes] = 1;
  neededCount[last] = count;
  for (let l = last; l > 0; l--) {
    const here = needed[l];
    const below = needed[l - 1];
    for (let row = 0; row < total; row++) {
      if (!here[row]) continue;
      const first = row - (row % nodes);
      const base = row * nodes; // graph g's A starts at g·N·N, its row i at g·N·N + i·N
      for (let j = 0; j < nodes; j++) if (adjacency[base + j]) below[first + j] = 1;
    }
    for (let row = 0; row < total; row++) neededCount[l - 1] += below[row];
  }

  // Layer 0: by A·X content (integers 0..N, exact in float32).
  let colour = new Int32Array(total).fill(-1);
  const firstRows = new SequenceInterner(neededCount[0], neededCount[0] * features);
  for (let row = 0; row < total; row++) if (needed[0][row]) colour[row] = firstRows.intern(aggregatedFeatures, row * features, features);
  const firstInputs = Float32Array.from(firstRows.values.subarray(0, firstRows.size * features));

  const rows = [firstRows.size];
  const offsets: Int32Array[] = [new Int32Array(0)];
  const neighbourLists: Int32Array[] = [new Int32Array(0)];
  const multiset = new Int32Array(nodes);
  for (let l = 1; l < layers; l++) {
    const next = new Int32Array(total).fill(-1);
    const colours = new SequenceInterner(neededCount[l], neededCount[l] * nodes);
    for (let row = 0; row < total; row++) {
      if (!needed[l][row]) continue;
      const first = row - (row % nodes);
      const base = row * nodes;
      // insertion sort: at most N entries
      let k = 0;
      for (let j = 0; j < nodes; j++) {
        if (!adjacency[base + j]) continue;
        const c = colour[first + j];
        let m = k++;
        while (m > 0 && multiset[m - 1] > c) {
          multiset[m] = multiset[m - 1];
          m--;
        }
        multiset[m] = c;
      }
      next[row] = colours.intern(multiset, 0, k);
    }
    colour = next;
    rows.push(colours.size);
    offsets.push(colours.starts.slice(0, colours.size + 1));
    neighbourLists.push(colours.values.slice(0, colours.starts[colours.size]));
  }
  const rootOf = new Int32Array(count);
  for (let g = 0; g < count; g++) rootOf[g] = colour[g * nodes];
  return { count, layers, features, rows, firstInputs, offsets, neighbours: neighbourLists, rootOf };
}

/** Rows per tfjs call: bounds the temporaries alive at once (≈ 20 MB for H = 600). */
const ROW_CHUNK = 8192;

/** What {@link inferDistinctRows} computed, per layer. */
export interface DistinctRowStats {
  /** Distinct rows (colours) per layer: the rows that are activated. */
  rows: number[];
  /** Rows of each layer's dense product (fewer than `rows` where it transforms first). */
  denseRows: number[];
}

interface DistinctRowOptions {
  /** How bias, LayerNorm and ReLU run (fused.ts); embedBatch's default. */
  layerPath?: LayerPath;
  /** How the neighbour sums run; {@link defaultRowSumForm} by default. */
  rowSum?: RowSumForm;
  /** Rows per tfjs call; {@link ROW_CHUNK} by default. */
  chunkRows?: number;
  /** Filled with what was computed (for tests and benchmarks). */
  stats?: DistinctRowStats;
}

/** `rowsOf` over [0, rows) in chunks, as one tensor (the chunks concatenated). */
function allRows(rows: number, chunk: number, rowsOf: (start: number, end: number) => tf.Tensor2D): tf.Tensor2D {
  const pieces: tf.Tensor2D[] = [];
  try {
    for (let start = 0; start < rows; start += chunk) pieces.push(tf.tidy(() => rowsOf(start, Math.min(start + chunk, rows))));
    if (pieces.length === 1) return pieces.pop()!;
    return tf.concat(pieces, 0);
  } finally {
    tf.dispose(pieces);
  }
}

/**
 * The forward pass as steps: it yields each tensor whose values it needs on the host and is
 * resumed with them, so one body serves the synchronous form (`dataSync`) and the asynchronous one
 * (`await data()`, the read that works on GPU backends) with the same arithmetic. It frees every
 * tensor it makes, also when the driver throws into it.
 */
function* distinctRowSteps(
  gcn: Gcn,
  packed: PackedGraphs,
  width: number,
  readout: (embeddings: tf.Tensor2D) => tf.Tensor,
  options: DistinctRowOptions,
): Generator<tf.Tensor, Float32Array, Float32Array> {
  const out = new Float32Array(packed.count * width);
  if (packed.count === 0) return out;
  if (packed.features !== gcn.features) throw new Error(`graphs have ${packed.features} features, the GCN takes ${gcn.features}`);
  const plan = planDistinctRows(packed, gcn.layers.length);
  const last = plan.layers - 1;
  const hidden = gcn.hidden;
  const chunk = Math.max(1, Math.floor(options.chunkRows ?? ROW_CHUNK));
  const form = options.rowSum ?? defaultRowSumForm(hidden);
  if (form === 'heap' && !(hidden % 4 === 0 && heapKernelsAvailable())) throw new Error(`row sums on the wasm heap need the wasm backend with SIMD and a width that is a multiple of 4 (${hidden})`);
  const activateWith = (options.layerPath ?? defaultLayerPath(hidden)) === 'fused' ? normReluDropout : normReluDropoutKernels;
  const denseRows: number[] = [];
  const values = new Float32Array(plan.rows[last] * width);
  let h: tf.Tensor2D | null = null; // the previous layer's rows, [plan.rows[l − 1], H]
  try {
    for (let l = 0; l <= last; l++) {
      const layer = gcn.layers[l];
      const weight = layer.weight as tf.Tensor2D;
      const activate = (xw: tf.Tensor2D) => activateWith(xw, layer.bias as tf.Tensor1D, layer.normGain as tf.Tensor1D, layer.normBias as tf.Tensor1D, null);
      const rows = plan.rows[l];
      let rowsOf: (start: number, end: number) => tf.Tensor2D;
      let transformed: tf.Tensor2D | null = null;
      let summer: RowSummer | null = null;
      try {
        if (l === 0) {
          denseRows.push(rows);
          const f = plan.features;
          rowsOf = (start, end) => activate(dense(tf.tensor2d(plan.firstInputs.subarray(start * f, end * f), [end - start, f]), weight));
        } else {
          const previousRows = plan.rows[l - 1];
          const transformFirst = previousRows < rows;
          denseRows.push(transformFirst ? previousRows : rows);
          if (transformFirst) transformed = tf.tidy(() => dense(h!, weight));
          const source = transformed ?? h!;
          const previous = form === 'js' ? yield source : null;
          const sums = (summer = rowSummer(source, previous, plan.offsets[l], plan.neighbours[l], form));
          rowsOf = transformFirst ? (start, end) => activate(sums.sum(start, end)) : (start, end) => activate(dense(sums.sum(start, end), weight));
        }
        if (l < last) {
          const next = allRows(rows, chunk, rowsOf);
          h?.dispose();
          h = next;
        } else {
          for (let start = 0; start < rows; start += chunk) {
            const end = Math.min(start + chunk, rows);
            const r = tf.tidy(() => readout(rowsOf(start, end)));
            try {
              if (r.size !== (end - start) * width) throw new Error(`the readout gave ${r.size} values for ${end - start} rows, expected ${width} per row`);
              values.set(yield r, start * width);
            } finally {
              r.dispose();
            }
          }
        }
      } finally {
        summer?.dispose();
        transformed?.dispose();
      }
    }
  } finally {
    h?.dispose();
  }
  if (options.stats) {
    options.stats.rows = [...plan.rows];
    options.stats.denseRows = denseRows;
  }
  plan.rootOf.forEach((u, g) => out.set(values.subarray(u * width, (u + 1) * width), g * width));
  return out;
}

/**
 * `readout` of the eval-mode global-node embeddings of every graph in `packed`, `width` numbers
 * per graph (as model.ts's `inferPacked`), computing each distinct node row once per layer.
 * `readout` must act row by row (it gets the distinct last-layer rows, in chunks). Synchronous
 * reads (a copy on WASM and cpu); frees every tensor it makes.
 *
 * A layer l ≥ 1 computes Σ_j (H·W)[j] (transform first, gcn.py's order) when the previous layer
 * has fewer distinct rows than this one, else (Σ_j H[j])·W: the same sum, fewer product rows.
 * For NB201's 4 layers that is 166 + 166 + 7,237 + 5,257 rows of dense products.
 */
export function inferDistinctRows(gcn: Gcn, packed: PackedGraphs, width: number, readout: (embeddings: tf.Tensor2D) => tf.Tensor, options: DistinctRowOptions = {}): Float32Array {
  const steps = distinctRowSteps(gcn, packed, width, readout, options);
  let step = steps.next();
  while (!step.done) {
    let read: Float32Array;
    try {
      read = step.value.dataSync() as Float32Array;
    } catch (err) {
      step = steps.throw(err);
      continue;
    }
    step = steps.next(read);
  }
  return step.value;
}

/** {@link inferDistinctRows} reading with `await data()`: the same numbers, no synchronous read. */
export async function inferDistinctRowsAsync(gcn: Gcn, packed: PackedGraphs, width: number, readout: (embeddings: tf.Tensor2D) => tf.Tensor, options: DistinctRowOptions = {}): Promise<Float32Array> {
  const steps = distinctRowSteps(gcn, packed, width, readout, options);
  let step = steps.next();
  while (!step.done) {
    let read: Float32Array;
    try {
      read = (await step.value.data()) as Float32Array;
    } catch (err) {
      step = steps.throw(err);
      continue;
    }
    step = steps.next(read);
  }
  return step.value;
}

/** Eval-mode global-node embeddings [count, H] of every graph in `packed`, row-major. */
export function embedDistinctRows(gcn: Gcn, packed: PackedGraphs, options: DistinctRowOptions = {}): Float32Array {
  return inferDistinctRows(gcn, packed, gcn.hidden, (e) => e, options);
}
