/**
 * The NB201 space as the search sees it: cells are NB201 *indices* (the table key), not the
 * base-5 op codes of spaces/nb201.ts. The nb201 table's `ops_code` column maps one to the other.
 */
import { codeToOps, NB201_NUM_CELLS, opsToCode, type OpCode, type OpVector } from '../spaces/nb201';
import { randomInt, type Rng } from '../spaces/rng';

/** One-edge moves between NB201 indices. */
export interface SearchSpace {
  /** Number of cells (15,625). */
  readonly size: number;
  /** The 6 op codes of the cell at this index. */
  opsOf(index: number): OpCode[];
  /** The index of the cell with these 6 op codes. */
  indexOfOps(ops: OpVector): number;
  /** The 24 cells that differ in exactly one edge (edge by edge, ops in code order), as indices. */
  neighbours(index: number): number[];
  /** One of the 24 one-edge neighbours, uniformly. */
  mutate(index: number, rng: Rng): number;
}

/** Place value of edge k in the base-5 op code (first edge most significant). */
const EDGE_WEIGHT = [3125, 625, 125, 25, 5, 1];

/**
 * The space from the nb201 table's `ops_code` by index (a permutation of 0..15,624).
 * Throws one message naming the first index that breaks the permutation.
 */
export function searchSpace(opsCode: ArrayLike<number>): SearchSpace {
  if (opsCode.length !== NB201_NUM_CELLS) throw new Error(`opsCode: expected ${NB201_NUM_CELLS} op codes (the nb201 table's ops_code by index), got ${opsCode.length}`);
  const codeOf = new Int32Array(NB201_NUM_CELLS);
  const indexOf = new Int32Array(NB201_NUM_CELLS).fill(-1);
  for (let index = 0; index < NB201_NUM_CELLS; index++) {
    const code = opsCode[index];
    if (!Number.isInteger(code) || code < 0 || code >= NB201_NUM_CELLS) throw new Error(`opsCode[${index}]: ${code} is not an op code 0..15624`);
    if (indexOf[code] !== -1) throw new Error(`opsCode[${index}]: op code ${code} appears twice (not the nb201 ops_code column)`);
    codeOf[index] = code;
    indexOf[code] = index;
  }
  const checkIndex = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= NB201_NUM_CELLS) throw new Error(`NB201 index must be an integer 0..15624, got ${index}`);
  };
  const neighbours = (index: number): number[] => {
    checkIndex(index);
    const code = codeOf[index];
    const result: number[] = [];
    for (let k = 0; k < 6; k++) {
      const w = EDGE_WEIGHT[k];
      const digit = Math.floor(code / w) % 5;
      for (let op = 0; op < 5; op++) if (op !== digit) result.push(indexOf[code + (op - digit) * w]);
    }
    return result;
  };
  return {
    size: NB201_NUM_CELLS,
    opsOf: (index) => (checkIndex(index), codeToOps(codeOf[index])),
    indexOfOps: (ops) => indexOf[opsToCode(ops)],
    neighbours,
    mutate: (index, rng) => neighbours(index)[randomInt(rng, 24)],
  };
}

/** A space whose index is the op code itself (for tests and synthetic oracles). */
export function identitySpace(): SearchSpace {
  return searchSpace(Float64Array.from({ length: NB201_NUM_CELLS }, (_, i) => i));
}

/** Indices whose value is finite, ascending: the default candidates (cells the oracle knows). */
export function finiteIndices(values: ArrayLike<number>): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out.push(i);
  return Int32Array.from(out);
}
