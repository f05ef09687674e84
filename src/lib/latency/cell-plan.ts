/**
 * Which edges of an NB201 cell the latency network executes, with and without eagle's pruning.
 *
 * What NB201 itself runs (AutoDL-Projects `InferCell.forward`): every node j is
 * `sum(op(node i) for each edge i→j)`, and every op runs, `none` included (its `Zero` module
 * computes `x.mul(0.)`). So a conv behind an all-`none` node still convolves a zero map, and a
 * branch that never reaches the output is still computed. Its parameter and FLOP counts (the
 * dataset's `c10_params`, `c10_flops`) cover every non-`none` op.
 *
 * Our two modes:
 * - `prune: false` (NB201 as trained): every non-`none` edge executes. A node whose incoming
 *   edges are all `none` is a constant zero map (allocated once per stage), and the ops that read
 *   it still run. The `none` edges themselves run no kernel: multiplying by zero and adding the
 *   result changes no value and has no parameters, it is only how PyTorch spells "nothing".
 * - `prune: true` (default; what eagle timed for LatBench, `get_matrix_and_ops(prune=True)`): an
 *   edge executes only when it lies on an input→output path of non-`none` edges, i.e. its source
 *   is reachable from node 0 and its target reaches node 3. Dead branches and ops on zero maps are
 *   dropped, so such cells have fewer parameters and FLOPs than the dataset lists. A cell with no
 *   input→output path has no pruned network (eagle stores it as "invalid"); building one throws.
 */
import { isConnected, NB201_EDGES, NB201_OPS, opsToArchStr, type Nb201OpName, type OpVector } from '../spaces/nb201.ts';

/** One edge the network executes. */
interface ExecutedEdge {
  /** Position in arch-string order (0..5). */
  index: number;
  from: number;
  to: number;
  op: Exclude<Nb201OpName, 'none'>;
}

export interface CellPlan {
  /** Executed edges, in arch-string order (every edge's source node is computed before it is read). */
  edges: ExecutedEdge[];
  /**
   * `zeroNodes[j]`: node j (1..3) has no executed incoming edge yet its value is used (an executed
   * edge reads it, or it is the cell output), so it is a constant zero map. Only without pruning.
   */
  zeroNodes: boolean[];
  /** Non-`none` edges that pruning removed (always empty without pruning). */
  prunedEdges: number[];
}

/** The edges executed for `ops`. Throws for an unconnected cell when pruning. */
export function planCell(ops: OpVector, prune: boolean): CellPlan {
  const archStr = opsToArchStr(ops); // validates ops
  const active = ops.map((op) => op !== 0);
  let live = active;
  if (prune) {
    if (!isConnected(ops)) {
      throw new Error(`${archStr} has no input→output path: a pruned network does not exist (eagle drops it as invalid)`);
    }
    const fromInput = reachable(active, 0, 'forward');
    const toOutput = reachable(active, 3, 'backward');
    live = active.map((on, k) => on && fromInput[NB201_EDGES[k][0]] && toOutput[NB201_EDGES[k][1]]);
  }
  const edges: ExecutedEdge[] = [];
  const prunedEdges: number[] = [];
  NB201_EDGES.forEach(([from, to], index) => {
    if (live[index]) edges.push({ index, from, to, op: NB201_OPS[ops[index]] as ExecutedEdge['op'] });
    else if (active[index]) prunedEdges.push(index);
  });
  const used = (node: number) => node === 3 || edges.some((e) => e.from === node);
  const zeroNodes = [0, 1, 2, 3].map((node) => node > 0 && used(node) && !edges.some((e) => e.to === node));
  return { edges, zeroNodes, prunedEdges };
}

/** Nodes reachable from `start` along active edges, following them forwards or backwards. */
function reachable(active: readonly boolean[], start: number, direction: 'forward' | 'backward'): boolean[] {
  const seen = [false, false, false, false];
  seen[start] = true;
  // Edges are ordered by target node, so one pass (forward) or one reversed pass (backward) suffices.
  const order = direction === 'forward' ? [0, 1, 2, 3, 4, 5] : [5, 4, 3, 2, 1, 0];
  for (const k of order) {
    const [from, to] = NB201_EDGES[k];
    if (!active[k]) continue;
    if (direction === 'forward' && seen[from]) seen[to] = true;
    if (direction === 'backward' && seen[to]) seen[from] = true;
  }
  return seen;
}
