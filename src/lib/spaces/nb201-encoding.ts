/**
 * The graph encoding eagle (BRP-NAS's official code) feeds its GCN for an NB201 cell,
 * reproduced bit for bit: `get_matrix_and_ops(g, prune=True, keep_dims=True)` followed by
 * `get_adjacency_and_features` in `eagle/models/nasbench201/utils.py` (spec section 2.1).
 *
 * Edge ops become nodes (line graph): 0 input, 1..6 the six edges in arch-string order,
 * 7 output; a global node is then prepended, giving 9 nodes with 6 one-hot features.
 */
import type { OpVector } from './nb201.ts';

/** A cell's graph as the GCN consumes it (eagle's encoding, as bytes); the predictor reads it as its `GraphEncoding`. */
export interface CellGraph {
  nodes: number;
  features: number;
  /** Row-major nodes×nodes; `adjacency[src * nodes + dst] = 1` for an edge src→dst, self-loops included. */
  adjacency: Uint8Array;
  /** Row-major nodes×features; one-hot rows, or all zero for skip/none/pruned nodes. */
  x: Uint8Array;
}

/** Feature columns of the eagle NB201 encoding. */
export const EAGLE_NB201_FEATURES = ['conv1x1', 'conv3x3', 'avgpool', 'input', 'output', 'global'] as const;
/** Node names of the eagle NB201 encoding, by index. */
export const EAGLE_NB201_NODES = ['global', 'input', 'e01', 'e02', 'e12', 'e03', 'e13', 'e23', 'output'] as const;

const NODES = 9;
const FEATURES = 6;
const INPUT_FEATURE = 3;
const OUTPUT_FEATURE = 4;
const GLOBAL_FEATURE = 5;

/**
 * Successor bitmasks of the 8-node line graph before ops are applied (eagle's fixed wiring):
 * input→{1,2,4}; 1→{3,5}; 2→6; 3→6; {4,5,6}→output. Bit j of entry i means an edge i→j.
 */
const LINE_GRAPH_SUCCESSORS: readonly number[] = [bits(1, 2, 4), bits(3, 5), bits(6), bits(6), bits(7), bits(7), bits(7), 0];

function bits(...indices: number[]): number {
  return indices.reduce((mask, i) => mask | (1 << i), 0);
}

/** The eagle-exact NB201 encoding of a cell (9 nodes, 6 features). */
export function eagleEncoding(ops: OpVector): CellGraph {
  if (ops.length !== 6 || ops.some((op) => !Number.isInteger(op) || op < 0 || op > 4)) {
    throw new Error(`an NB201 cell has 6 op codes 0-4, got [${ops.join(',')}]`);
  }
  const succ = LINE_GRAPH_SUCCESSORS.slice();
  for (let k = 0; k < 6; k++) {
    const node = k + 1;
    const nodeBit = 1 << node;
    if (ops[k] === 0) {
      // none: the op-node loses every in- and out-edge.
      succ[node] = 0;
      for (let other = 0; other < 8; other++) succ[other] &= ~nodeBit;
    } else if (ops[k] === 1) {
      // skip: predecessors connect straight to successors. Nodes are visited in topological
      // order, so chains of skips collapse. Like eagle, edges are only rewired when the node has
      // both a predecessor and a successor; otherwise they stay and pruning removes the node.
      if (succ[node] === 0) continue;
      let hasPredecessor = false;
      for (let other = 0; other < 8; other++) {
        if (succ[other] & nodeBit) {
          succ[other] = (succ[other] | succ[node]) & ~nodeBit;
          hasPredecessor = true;
        }
      }
      if (hasPredecessor) succ[node] = 0;
    }
  }

  // Keep only nodes on an input→output path. Every edge goes from a lower to a higher index,
  // so one pass in each direction equals eagle's two BFS runs.
  let fromInput = 1;
  for (let i = 0; i < 8; i++) if (fromInput & (1 << i)) fromInput |= succ[i];
  let toOutput = 1 << 7;
  for (let i = 7; i >= 0; i--) if (succ[i] & toOutput) toOutput |= 1 << i;
  const onPath = fromInput & toOutput;

  const adjacency = new Uint8Array(NODES * NODES);
  const x = new Uint8Array(NODES * FEATURES);
  adjacency.fill(1, 0, NODES); // global node → every node (and itself)
  for (let i = 0; i < NODES; i++) adjacency[i * NODES + i] = 1;
  for (let i = 0; i < 8; i++) {
    if (!(onPath & (1 << i))) continue;
    const kept = succ[i] & onPath;
    for (let j = 0; j < 8; j++) if (kept & (1 << j)) adjacency[(i + 1) * NODES + j + 1] = 1;
  }
  x[0 * FEATURES + GLOBAL_FEATURE] = 1;
  // eagle sets input and output labels unconditionally, even when pruning cleared them.
  x[1 * FEATURES + INPUT_FEATURE] = 1;
  x[8 * FEATURES + OUTPUT_FEATURE] = 1;
  for (let k = 0; k < 6; k++) {
    const op = ops[k];
    if (op >= 2 && onPath & (1 << (k + 1))) x[(k + 2) * FEATURES + op - 2] = 1;
  }
  return { nodes: NODES, features: FEATURES, adjacency, x };
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A compact string equal for two encodings exactly when their sizes and A and X bytes are equal
 * (entries must be 0/1, as every encoding here is). Bits of A then X are packed 6 per character,
 * e.g. 23 characters after the `9x6:` prefix for NB201.
 */
export function encodingKey(enc: CellGraph): string {
  const { nodes, features, adjacency, x } = enc;
  if (adjacency.length !== nodes * nodes || x.length !== nodes * features) {
    throw new Error(`graph encoding of ${nodes} nodes × ${features} features has ${adjacency.length} adjacency and ${x.length} feature entries`);
  }
  const total = adjacency.length + x.length;
  let key = `${nodes}x${features}:`;
  for (let start = 0; start < total; start += 6) {
    let chunk = 0;
    for (let b = start; b < Math.min(start + 6, total); b++) {
      const bit = b < adjacency.length ? adjacency[b] : x[b - adjacency.length];
      if (bit > 1) throw new Error(`graph encoding entries must be 0 or 1, found ${bit}`);
      chunk |= bit << (b - start);
    }
    key += KEY_ALPHABET[chunk];
  }
  return key;
}
