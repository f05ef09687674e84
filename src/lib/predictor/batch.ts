/**
 * Per-batch tensors of packed graphs, including the two graph aggregations the GCN needs:
 * "each node sums its row of A" (middle layers) and "the global node sums row 0" (readout).
 *
 * Two equivalent implementations, chosen by backend:
 * - 'sparse' (WASM, cpu): an edge list summed with SparseSegmentSum. On WASM in node, for 128
 *   NB201 graphs × 600 units: 5 ms vs 29 ms for the batched matMul ([B,N,N]·[B,N,H]), whose small
 *   per-graph products run slowly there.
 * - 'dense' (WebGL, WebGPU): batched matMul with A and a precomputed Aᵀ for the backward pass.
 *   Those backends implement SparseSegmentSum by reading the data back to the CPU.
 * A block-diagonal [B·N, B·N] matMul was not used: B times the arithmetic of the batched one.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type PackedGraphs } from './graphs.ts';

type AggregationMode = 'sparse' | 'dense';

/** output[segments[k]] += input[indices[k]]; `segments` ascending; the output has `rows` rows. */
interface EdgeSum {
  indices: tf.Tensor1D;
  segments: tf.Tensor1D;
  rows: number;
}

/** A linear map from node rows [B·N, H] to output rows [B·R, H] (R = N, or 1 for the readout). */
export type Aggregation = { mode: 'dense'; graphs: number; inRows: number; outRows: number; a: tf.Tensor3D; aT: tf.Tensor3D } | { mode: 'sparse'; forward: EdgeSum; backward: EdgeSum };

/** The tensors one forward pass needs; `disposeBatch` frees them. */
export interface BatchTensors {
  count: number;
  nodes: number;
  /** A·X, [B·N, F]: the first layer's input. */
  aggregatedFeatures: tf.Tensor2D;
  /** Row 0 (global node) of A·X, [B, F]: the whole input of a 1-layer GCN's readout. */
  readoutFeatures: tf.Tensor2D;
  /** Z[i] = Σ_j A[i][j]·H[j] per graph: [B·N, H] → [B·N, H]. */
  neighbours: Aggregation;
  /** Z[g] = Σ_j A[0][j]·H[j] of graph g: [B·N, H] → [B, H]. */
  readout: Aggregation;
}

/** The faster aggregation for the active backend (see the module comment). */
export function defaultAggregationMode(): AggregationMode {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu' ? 'sparse' : 'dense';
}

function edgeSum(indices: number[], segments: number[], rows: number): EdgeSum {
  return { indices: tf.tensor1d(indices, 'int32'), segments: tf.tensor1d(segments, 'int32'), rows };
}

function sparseAggregations(packed: PackedGraphs): { neighbours: Aggregation; readout: Aggregation } {
  const { count, nodes, adjacency } = packed;
  const rowsIn: number[] = [];
  const colsIn: number[] = [];
  const rowsOut: number[] = [];
  const colsOut: number[] = [];
  const readoutNode: number[] = [];
  const readoutGraph: number[] = [];
  for (let g = 0; g < count; g++) {
    const base = g * nodes * nodes;
    const first = g * nodes;
    for (let i = 0; i < nodes; i++) {
      for (let j = 0; j < nodes; j++) {
        // Row-major visit: forward entries sorted by destination row i.
        if (adjacency[base + i * nodes + j]) {
          rowsIn.push(first + i);
          colsIn.push(first + j);
        }
        // Column-major visit (i ↔ j): backward entries sorted by source node.
        if (adjacency[base + j * nodes + i]) {
          rowsOut.push(first + i);
          colsOut.push(first + j);
        }
      }
      if (adjacency[base + i]) {
        readoutNode.push(first + i);
        readoutGraph.push(g);
      }
    }
  }
  const all = count * nodes;
  return {
    neighbours: { mode: 'sparse', forward: edgeSum(colsIn, rowsIn, all), backward: edgeSum(colsOut, rowsOut, all) },
    readout: { mode: 'sparse', forward: edgeSum(readoutNode, readoutGraph, count), backward: edgeSum(readoutGraph, readoutNode, all) },
  };
}

function denseAggregations(packed: PackedGraphs): { neighbours: Aggregation; readout: Aggregation } {
  const { count, nodes, adjacency } = packed;
  const adjacencyT = new Float32Array(count * nodes * nodes);
  const readout = new Float32Array(count * nodes);
  for (let g = 0; g < count; g++) {
    const base = g * nodes * nodes;
    for (let i = 0; i < nodes; i++) {
      for (let j = 0; j < nodes; j++) adjacencyT[base + j * nodes + i] = adjacency[base + i * nodes + j];
    }
    readout.set(adjacency.subarray(base, base + nodes), g * nodes);
  }
  return {
    neighbours: {
      mode: 'dense',
      graphs: count,
      inRows: nodes,
      outRows: nodes,
      a: tf.tensor3d(adjacency, [count, nodes, nodes]),
      aT: tf.tensor3d(adjacencyT, [count, nodes, nodes]),
    },
    readout: {
      mode: 'dense',
      graphs: count,
      inRows: nodes,
      outRows: 1,
      a: tf.tensor3d(readout, [count, 1, nodes]),
      aT: tf.tensor3d(readout, [count, nodes, 1]),
    },
  };
}

export function batchTensors(packed: PackedGraphs, mode: AggregationMode = defaultAggregationMode()): BatchTensors {
  const { count, nodes, features } = packed;
  const readoutFeatures = new Float32Array(count * features);
  for (let g = 0; g < count; g++) {
    readoutFeatures.set(packed.aggregatedFeatures.subarray(g * nodes * features, g * nodes * features + features), g * features);
  }
  return {
    count,
    nodes,
    aggregatedFeatures: tf.tensor2d(packed.aggregatedFeatures, [count * nodes, features]),
    readoutFeatures: tf.tensor2d(readoutFeatures, [count, features]),
    ...(mode === 'sparse' ? sparseAggregations(packed) : denseAggregations(packed)),
  };
}

function aggregationTensors(aggregation: Aggregation): tf.Tensor[] {
  return aggregation.mode === 'dense' ? [aggregation.a, aggregation.aT] : [aggregation.forward.indices, aggregation.forward.segments, aggregation.backward.indices, aggregation.backward.segments];
}

export function disposeBatch(batch: BatchTensors): void {
  tf.dispose([batch.aggregatedFeatures, batch.readoutFeatures, ...aggregationTensors(batch.neighbours), ...aggregationTensors(batch.readout)]);
}
