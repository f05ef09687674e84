/**
 * The calibration's cell features from the nb201 table (calibration.ts `CellFeatures`): executed op
 * counts per type after pruning and the FLOPs of the network the profiler times.
 */
import { codeToOps, NB201_NUM_CELLS } from '../spaces/nb201.ts';
import type { CellFeatures } from './calibration.ts';
import { planCell } from './cell-plan.ts';
import { countFlops } from './counts.ts';

/** Op types counted by the op-cost model, in `CellFeatures.opCounts` order. */
const COUNTED_OPS = ['nor_conv_3x3', 'nor_conv_1x1', 'avg_pool_3x3', 'skip_connect'] as const;

/**
 * Executed edges per counted op type in one (pruned) cell; zeros for a disconnected cell. (Adding
 * the number of additions and the cell depth as features was tried on the 13 LatBench devices,
 * leave-one-device-out: mean Spearman 0.943 either way, ±10 % 0.713 against 0.728 without.)
 */
export function executedOpCounts(ops: Parameters<typeof planCell>[0]): number[] {
  const counts = COUNTED_OPS.map(() => 0);
  let edges;
  try {
    edges = planCell(ops, true).edges;
  } catch {
    return counts;
  }
  for (const edge of edges) counts[COUNTED_OPS.indexOf(edge.op as (typeof COUNTED_OPS)[number])]++;
  return counts;
}

/**
 * Calibration features of every NB201 index from the nb201 table's `ops_code` and `connected`
 * columns (by index), for the network the profiler times (`classes`, `inputSize`, pruned).
 */
export function cellFeatures(opsCode: ArrayLike<number>, connected: ArrayLike<number>, classes = 10, inputSize = 32): CellFeatures {
  const mflops = new Float64Array(NB201_NUM_CELLS).fill(Number.NaN);
  const opCounts: number[][] = [];
  const flags = new Uint8Array(NB201_NUM_CELLS);
  for (let i = 0; i < NB201_NUM_CELLS; i++) {
    const ops = codeToOps(opsCode[i]);
    flags[i] = connected[i] === 1 ? 1 : 0;
    opCounts.push(executedOpCounts(ops));
    if (flags[i]) mflops[i] = countFlops(ops, classes, inputSize, { prune: true }) / 1e6;
  }
  return { connected: flags, mflops, opCounts };
}
