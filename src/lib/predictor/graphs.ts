/**
 * Graph input of the GCN: validation and packing into flat typed arrays (batch.ts makes tensors).
 *
 * The first GCN layer computes A·(X·W₁). We precompute A·X once per graph in JS (small integer
 * counts, N×F) and the layer becomes one 2-D matMul (A·X)·W₁ over all nodes of the batch. That is
 * exact (matrix products associate), handles one-hot, multi-hot and all-zero rows alike, and
 * removes one graph aggregation per step. A gather of W₁ rows by op index would also be exact
 * for one-hot rows, but its gradient needs the UnsortedSegmentSum kernel, which the WASM
 * backend (the fast one without a GPU) does not have, so it could not train there.
 */

/**
 * One cell graph (same shape as the search spaces' encodings, e.g. `eagleEncoding` of NB201:
 * 9 nodes, 6 features, global node at row 0).
 */
export interface GraphEncoding {
  /** Number of nodes N, global node included. */
  nodes: number;
  /** Feature width F of each node's (one-hot) label. */
  features: number;
  /** Binary adjacency, N×N row-major, `A[src*N + dst] = 1` for an edge src→dst (self-loops included). */
  adjacency: ArrayLike<number>;
  /** Binary node features, N×F row-major. */
  x: ArrayLike<number>;
}

/** Many graphs of one size in flat arrays. */
export interface PackedGraphs {
  count: number;
  nodes: number;
  features: number;
  /** A·X of every graph, [count·N, F] row-major: the first layer's aggregated input. */
  aggregatedFeatures: Float32Array;
  /** A of every graph, [count, N, N] row-major. */
  adjacency: Float32Array;
}

function checkBinary(values: ArrayLike<number>, expectedLength: number, where: string, what: string): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new Error(`${where}: ${what} is missing or not an array`);
  }
  if (values.length !== expectedLength) {
    throw new Error(`${where}: ${what} has ${values.length} entries, expected ${expectedLength}`);
  }
  for (let i = 0; i < expectedLength; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw new Error(`${where}: ${what}[${i}] is ${String(v).slice(0, 20)}, expected 0 or 1`);
  }
}

/** Throws one clear message if `graph` is not a binary N-node, F-feature encoding. */
export function checkGraph(graph: GraphEncoding, where: string, nodes: number, features: number): void {
  if (graph === null || typeof graph !== 'object') throw new Error(`${where}: not a graph object`);
  if (graph.nodes !== nodes || graph.features !== features) {
    throw new Error(`${where}: size ${String(graph.nodes)}×${String(graph.features)} (nodes×features) differs from the expected ${nodes}×${features}`);
  }
  checkBinary(graph.adjacency, nodes * nodes, where, 'adjacency');
  checkBinary(graph.x, nodes * features, where, 'x');
}

/** N and F shared by all graphs: `expected` when given, else the first graph's. */
export function graphSizes(graphs: readonly GraphEncoding[], source: string, expected?: { nodes?: number; features?: number }): { nodes: number; features: number } {
  if (!Array.isArray(graphs) || graphs.length === 0) throw new Error(`${source}: expected a non-empty array of graphs`);
  const first = graphs[0] as GraphEncoding | null | undefined;
  const nodes = expected?.nodes ?? first?.nodes;
  const features = expected?.features ?? first?.features;
  if (typeof nodes !== 'number' || !Number.isInteger(nodes) || nodes < 1) {
    throw new Error(`${source}[0]: 'nodes' must be a positive integer, got ${String(nodes).slice(0, 20)}`);
  }
  if (typeof features !== 'number' || !Number.isInteger(features) || features < 1) {
    throw new Error(`${source}[0]: 'features' must be a positive integer, got ${String(features).slice(0, 20)}`);
  }
  return { nodes, features };
}

/**
 * Checks every graph (hostile input: stored files, other modules) and packs them. All graphs
 * must share N and F, and `expected` (e.g. a trained predictor's feature width) when given.
 */
export function packGraphs(graphs: readonly GraphEncoding[], source = 'graphs', expected?: { nodes?: number; features?: number }): PackedGraphs {
  const { nodes, features } = graphSizes(graphs, source, expected);
  const count = graphs.length;
  const aggregatedFeatures = new Float32Array(count * nodes * features);
  const adjacency = new Float32Array(count * nodes * nodes);
  graphs.forEach((graph, g) => {
    checkGraph(graph, `${source}[${g}]`, nodes, features);
    adjacency.set(Float32Array.from(graph.adjacency), g * nodes * nodes);
    const out = g * nodes * features;
    for (let i = 0; i < nodes; i++) {
      for (let j = 0; j < nodes; j++) {
        if (graph.adjacency[i * nodes + j] === 0) continue;
        for (let f = 0; f < features; f++) aggregatedFeatures[out + i * features + f] += graph.x[j * features + f];
      }
    }
  });
  return { count, nodes, features, aggregatedFeatures, adjacency };
}

/** The graphs at `indices` (repeats allowed), as a new pack. */
export function selectGraphs(packed: PackedGraphs, indices: ArrayLike<number>): PackedGraphs {
  const { nodes, features } = packed;
  const count = indices.length;
  const featureBlock = nodes * features;
  const adjacencyBlock = nodes * nodes;
  const aggregatedFeatures = new Float32Array(count * featureBlock);
  const adjacency = new Float32Array(count * adjacencyBlock);
  for (let k = 0; k < count; k++) {
    const g = indices[k];
    if (!(g >= 0 && g < packed.count)) throw new Error(`graph index ${g} out of range 0..${packed.count - 1}`);
    aggregatedFeatures.set(packed.aggregatedFeatures.subarray(g * featureBlock, (g + 1) * featureBlock), k * featureBlock);
    adjacency.set(packed.adjacency.subarray(g * adjacencyBlock, (g + 1) * adjacencyBlock), k * adjacencyBlock);
  }
  return { count, nodes, features, aggregatedFeatures, adjacency };
}
