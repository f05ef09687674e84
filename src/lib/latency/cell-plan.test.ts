import { describe, expect, it } from 'vitest';
import { allCells, digitsToOps, isConnected, NB201_EDGES, type OpVector } from '../spaces/nb201.ts';
import { planCell } from './cell-plan.ts';

/** The four input→output paths of the cell, as edge indices: an independent statement of "live". */
const PATHS = [[3], [0, 4], [1, 5], [0, 2, 5]];

function liveByPaths(ops: OpVector): number[] {
  const live = new Set<number>();
  for (const path of PATHS) if (path.every((k) => ops[k] !== 0)) path.forEach((k) => live.add(k));
  return [...live].sort((a, b) => a - b);
}

describe('planCell', () => {
  it('without pruning executes exactly the non-none edges of every cell', () => {
    for (const ops of allCells()) {
      const plan = planCell(ops, false);
      expect(plan.edges.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5].filter((k) => ops[k] !== 0));
      expect(plan.prunedEdges).toEqual([]);
    }
  });

  it('with pruning keeps exactly the edges on some all-non-none input→output path (all connected cells)', () => {
    let pruned = 0;
    for (const ops of allCells()) {
      if (!isConnected(ops)) continue;
      const plan = planCell(ops, true);
      expect(plan.edges.map((e) => e.index)).toEqual(liveByPaths(ops));
      expect(plan.zeroNodes).toEqual([false, false, false, false]);
      if (plan.prunedEdges.length > 0) pruned++;
    }
    expect(pruned).toBeGreaterThan(1000);
  });

  it('refuses to prune a cell with no input→output path', () => {
    expect(() => planCell(digitsToOps('000000'), true)).toThrow(/no input→output path/);
    expect(() => planCell(digitsToOps('303000'), true)).toThrow(/no input→output path/); // 0→1→2, nothing into 3
  });

  it('marks zero maps only where an unpruned network reads them', () => {
    // 0→1 none but 1→3 conv: node 1 is a zero map the conv still reads.
    const readsZero = planCell(digitsToOps('000030'), false);
    expect(readsZero.zeroNodes).toEqual([false, true, false, false]);
    expect(planCell(digitsToOps('000030'), false).edges.map((e) => e.op)).toEqual(['nor_conv_3x3']);
    // All none: the cell output itself is a zero map; nodes 1 and 2 are read by nobody.
    expect(planCell(digitsToOps('000000'), false).zeroNodes).toEqual([false, false, false, true]);
    // Dead end: 0→1 conv whose node 1 feeds nothing is computed unpruned and dropped pruned.
    const deadEnd = digitsToOps('300100');
    expect(planCell(deadEnd, false).edges.map((e) => e.index)).toEqual([0, 3]);
    expect(planCell(deadEnd, true).edges.map((e) => e.index)).toEqual([3]);
    expect(planCell(deadEnd, true).prunedEdges).toEqual([0]);
  });

  it('keeps the edge order of the arch string', () => {
    const plan = planCell(digitsToOps('123412'), false);
    expect(plan.edges.map((e) => [e.from, e.to])).toEqual(NB201_EDGES.map(([f, t]) => [f, t]));
    expect(plan.edges.map((e) => e.op)).toEqual(['skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3', 'skip_connect', 'nor_conv_1x1']);
  });
});
