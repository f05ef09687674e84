import { describe, expect, it } from 'vitest';
import { allCells, archStrToOps, cellEdges, codeToOps, isConnected, mutateCell, NB201_NUM_CELLS, neighbours, opsToCode, randomCell, type OpCode, type OpVector } from './nb201.ts';
import { mulberry32 } from './rng.ts';

const differingEdges = (a: OpVector, b: OpVector) => a.reduce<number>((n, op, k) => n + (op !== b[k] ? 1 : 0), 0);

describe('allCells', () => {
  it('lists all 15,625 cells in base-5 code order', () => {
    const cells = allCells();
    expect(cells).toHaveLength(NB201_NUM_CELLS);
    cells.forEach((ops, code) => {
      if (opsToCode(ops) !== code) throw new Error(`cell ${code} has code ${opsToCode(ops)}`);
    });
    expect(cells[0]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(cells[NB201_NUM_CELLS - 1]).toEqual([4, 4, 4, 4, 4, 4]);
    expect(allCells()).toBe(cells); // cached
  });

  it('is frozen, so the shared cache cannot be corrupted', () => {
    const cells = allCells();
    expect(Object.isFrozen(cells)).toBe(true);
    expect(() => {
      (cells[5] as OpCode[])[0] = 4;
    }).toThrow(TypeError);
    expect(cells[5]).toEqual(codeToOps(5));
  });
});

describe('isConnected', () => {
  it('counts 341 disconnected cells and 15,284 connected ones', () => {
    const connected = allCells().filter(isConnected).length;
    expect(connected).toBe(15284);
    expect(NB201_NUM_CELLS - connected).toBe(341);
  });

  it('follows paths, not just edges touching the output', () => {
    expect(isConnected([0, 0, 0, 1, 0, 0])).toBe(true); // direct 0→3 skip
    expect(isConnected([2, 0, 0, 0, 2, 0])).toBe(true); // 0→1→3
    expect(isConnected([2, 0, 3, 0, 0, 4])).toBe(true); // 0→1→2→3
    expect(isConnected([0, 0, 3, 0, 2, 4])).toBe(false); // nothing leaves the input
    expect(isConnected([2, 3, 0, 0, 0, 0])).toBe(false); // nothing reaches the output
    expect(isConnected([0, 2, 3, 0, 3, 0])).toBe(false); // 1→3 exists but node 1 is unreachable
  });
});

describe('cellEdges', () => {
  it('pairs each edge with its op in arch-string order', () => {
    const ops = archStrToOps('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|');
    expect(cellEdges(ops)).toEqual([
      { from: 0, to: 1, op: 'nor_conv_3x3' },
      { from: 0, to: 2, op: 'nor_conv_3x3' },
      { from: 1, to: 2, op: 'avg_pool_3x3' },
      { from: 0, to: 3, op: 'skip_connect' },
      { from: 1, to: 3, op: 'none' },
      { from: 2, to: 3, op: 'nor_conv_1x1' },
    ]);
    expect(() => cellEdges([1, 2])).toThrow(/6 op codes/);
  });
});

describe('randomCell', () => {
  it('is deterministic under a seed and varies between seeds', () => {
    const draw = (seed: number) => {
      const rng = mulberry32(seed);
      return Array.from({ length: 20 }, () => randomCell(rng));
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('reaches disconnected cells by default and never with connectedOnly', () => {
    const rng = mulberry32(17);
    const plain = Array.from({ length: 3000 }, () => randomCell(rng));
    // 341/15,625 ≈ 2.2 %: about 65 of 3,000 draws.
    const disconnected = plain.filter((ops) => !isConnected(ops)).length;
    expect(disconnected).toBeGreaterThan(30);
    expect(disconnected).toBeLessThan(110);
    const connected = Array.from({ length: 3000 }, () => randomCell(rng, { connectedOnly: true }));
    expect(connected.every(isConnected)).toBe(true);
  });

  it('spreads draws over each edge op about evenly', () => {
    const rng = mulberry32(5);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 10_000; i++) for (const op of randomCell(rng)) counts[op]++;
    // 60,000 op draws: 12,000 per op; 4 degrees of freedom, 99.9th percentile 18.47.
    const chi2 = counts.reduce((s, c) => s + (c - 12_000) ** 2 / 12_000, 0);
    expect(chi2).toBeLessThan(18.47);
  });
});

describe('neighbours', () => {
  it('lists 24 distinct cells, each one edge away, in a fixed order', () => {
    const ops: OpCode[] = [3, 3, 4, 1, 3, 1];
    const list = neighbours(ops);
    expect(list).toHaveLength(24);
    expect(new Set(list.map(opsToCode)).size).toBe(24);
    expect(list.every((n) => differingEdges(n, ops) === 1)).toBe(true);
    expect(list.slice(0, 5)).toEqual([
      [0, 3, 4, 1, 3, 1],
      [1, 3, 4, 1, 3, 1],
      [2, 3, 4, 1, 3, 1],
      [4, 3, 4, 1, 3, 1],
      [3, 0, 4, 1, 3, 1],
    ]);
    expect(neighbours(ops)).toEqual(list);
    expect(ops).toEqual([3, 3, 4, 1, 3, 1]); // input untouched
  });

  it('is symmetric: b is a neighbour of a exactly when a is a neighbour of b', () => {
    const a: OpCode[] = [0, 1, 2, 3, 4, 0];
    for (const b of neighbours(a)) expect(neighbours(b).map(opsToCode)).toContain(opsToCode(a));
  });
});

describe('mutateCell', () => {
  it('changes exactly one edge to a different op', () => {
    const rng = mulberry32(9);
    let ops: OpCode[] = [2, 2, 2, 2, 2, 2];
    for (let i = 0; i < 500; i++) {
      const next = mutateCell(rng, ops);
      expect(differingEdges(next, ops)).toBe(1);
      ops = next;
    }
  });

  it('reaches all 24 neighbours', () => {
    const rng = mulberry32(10);
    const ops: OpCode[] = [1, 2, 3, 4, 0, 1];
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(opsToCode(mutateCell(rng, ops)));
    expect([...seen].sort((a, b) => a - b)).toEqual(
      neighbours(ops)
        .map(opsToCode)
        .sort((a, b) => a - b),
    );
  });

  it('respects connectedOnly, even from a disconnected cell', () => {
    const rng = mulberry32(12);
    // Only 0→1 and 1→2 are set; 12 of the 24 neighbours are connected (any op on 0→3, 1→3 or 2→3).
    const start: OpCode[] = [2, 0, 2, 0, 0, 0];
    expect(isConnected(start)).toBe(false);
    const results = Array.from({ length: 300 }, () => mutateCell(rng, start, { connectedOnly: true }));
    expect(results.every(isConnected)).toBe(true);
    expect(new Set(results.map(opsToCode)).size).toBe(12);
    expect(results.every((r) => differingEdges(r, start) === 1)).toBe(true);
    expect(Array.from({ length: 300 }, () => mutateCell(rng, start)).some((r) => !isConnected(r))).toBe(true);
  });

  it('is deterministic under a seed', () => {
    const walk = (seed: number) => {
      const rng = mulberry32(seed);
      let ops: OpCode[] = [3, 3, 3, 3, 3, 3];
      const path: number[] = [];
      for (let i = 0; i < 30; i++) path.push(opsToCode((ops = mutateCell(rng, ops, { connectedOnly: true }))));
      return path;
    };
    expect(walk(3)).toEqual(walk(3));
    expect(walk(3)).not.toEqual(walk(4));
  });
});
