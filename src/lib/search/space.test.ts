import { describe, expect, it } from 'vitest';
import { codeToOps, neighbours as opNeighbours, NB201_NUM_CELLS, opsToCode } from '../spaces/nb201';
import { mulberry32, shuffle } from '../spaces/rng';
import { finiteIndices, identitySpace, searchSpace } from './space';

/** A shuffled ops_code column: index i holds op code perm[i]. */
function shuffledCodes(seed: number): Float64Array {
  return Float64Array.from(
    shuffle(
      mulberry32(seed),
      Array.from({ length: NB201_NUM_CELLS }, (_, i) => i),
    ),
  );
}

describe('searchSpace', () => {
  it('maps indices to ops and back through the ops_code column', () => {
    const codes = shuffledCodes(1);
    const space = searchSpace(codes);
    for (const index of [0, 1, 777, 9930, 15624]) {
      expect(opsToCode(space.opsOf(index))).toBe(codes[index]);
      expect(space.indexOfOps(space.opsOf(index))).toBe(index);
    }
  });

  it('gives the 24 one-edge neighbours as indices, in nb201.neighbours order', () => {
    const codes = shuffledCodes(2);
    const space = searchSpace(codes);
    for (const index of [0, 42, 9930, 15624]) {
      const got = space.neighbours(index);
      expect(got).toHaveLength(24);
      expect(new Set(got).size).toBe(24);
      expect(got).toEqual(opNeighbours(space.opsOf(index)).map((ops) => space.indexOfOps(ops)));
      for (const n of got) {
        const diff = space.opsOf(n).filter((op, k) => op !== space.opsOf(index)[k]);
        expect(diff).toHaveLength(1);
      }
    }
  });

  it('identity space: index = op code', () => {
    const space = identitySpace();
    expect(space.opsOf(6)).toEqual(codeToOps(6));
    expect(space.neighbours(0).slice(0, 4)).toEqual([3125, 6250, 9375, 12500]);
  });

  it('mutates to a uniformly chosen neighbour, reproducibly by seed', () => {
    const space = identitySpace();
    const counts = new Map<number, number>();
    const rng = mulberry32(3);
    for (let t = 0; t < 4800; t++) {
      const child = space.mutate(100, rng);
      counts.set(child, (counts.get(child) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(space.neighbours(100).sort((a, b) => a - b));
    for (const c of counts.values()) expect(c).toBeGreaterThan(130); // 200 expected each
    const a = mulberry32(9);
    const b = mulberry32(9);
    expect(Array.from({ length: 20 }, () => space.mutate(5, a))).toEqual(Array.from({ length: 20 }, () => space.mutate(5, b)));
  });

  it('rejects a column that is not a permutation, naming the index', () => {
    const codes = shuffledCodes(4);
    codes[7] = codes[3];
    expect(() => searchSpace(codes)).toThrow(/opsCode\[(3|7)\]: op code \d+ appears twice/);
    expect(() => searchSpace(new Float64Array(10))).toThrow('expected 15625 op codes');
    expect(() => identitySpace().neighbours(15625)).toThrow('NB201 index must be an integer 0..15624, got 15625');
  });

  it('finiteIndices keeps the known cells', () => {
    expect([...finiteIndices([1, NaN, 3, Infinity, 0])]).toEqual([0, 2, 4]);
  });
});
