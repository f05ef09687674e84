/**
 * NAS-Bench-201 cell space: 4 nodes, 6 edges, 5 candidate ops per edge (5^6 = 15,625 cells).
 * Conventions follow eagle (SamsungLabs) and the shared datasets: edge order of the arch string
 * `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, i.e. 0→1, 0→2, 1→2, 0→3, 1→3, 2→3.
 */
import { eagleEncoding, encodingKey } from './nb201-encoding.ts';
import { randomInt, type Rng } from './rng.ts';

export { eagleEncoding, encodingKey, EAGLE_NB201_FEATURES, EAGLE_NB201_NODES, type CellGraph } from './nb201-encoding.ts';

/** Op names by op code (eagle `arch_vector` codes). */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201OpName = (typeof NB201_OPS)[number];
/** Op code 0..4, index into {@link NB201_OPS}. */
export type OpCode = 0 | 1 | 2 | 3 | 4;
/** Six op codes in arch-string edge order. */
export type OpVector = readonly OpCode[];

/** Edges (from, to) in arch-string order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];
export const NB201_NUM_CELLS = 15625;

const OP_CODE_BY_NAME = new Map<string, OpCode>(NB201_OPS.map((name, code) => [name, code as OpCode]));

/** Parses an official arch string into its 6 op codes; throws a readable error on anything else. */
export function archStrToOps(archStr: string): OpCode[] {
  const nodes = archStr.split('+');
  if (nodes.length !== 3) throw new Error(`not an NB201 arch string (expected 3 '+'-separated nodes): ${archStr.slice(0, 80)}`);
  const ops: OpCode[] = [];
  nodes.forEach((node, i) => {
    const m = /^\|(.*)\|$/.exec(node);
    const parts = m ? m[1].split('|') : [];
    if (parts.length !== i + 1) throw new Error(`not an NB201 arch string (node ${i + 1} needs ${i + 1} edges): ${archStr.slice(0, 80)}`);
    parts.forEach((part, from) => {
      const [name, src] = part.split('~');
      const code = OP_CODE_BY_NAME.get(name);
      if (code === undefined) throw new Error(`unknown NB201 op '${name.slice(0, 40)}' in ${archStr.slice(0, 80)}`);
      if (src !== String(from)) throw new Error(`edge source must be ${from}, got '${String(src).slice(0, 10)}' in ${archStr.slice(0, 80)}`);
      ops.push(code);
    });
  });
  return ops;
}

/** Official arch string for 6 op codes. */
export function opsToArchStr(ops: OpVector): string {
  checkOps(ops);
  const name = (k: number, from: number) => `${NB201_OPS[ops[k]]}~${from}`;
  return `|${name(0, 0)}|+|${name(1, 0)}|${name(2, 1)}|+|${name(3, 0)}|${name(4, 1)}|${name(5, 2)}|`;
}

/** The 6-digit string used by the datasets' `ops` column, e.g. "421211". */
export function opsToDigits(ops: OpVector): string {
  checkOps(ops);
  return ops.join('');
}

export function digitsToOps(digits: string): OpCode[] {
  if (!/^[0-4]{6}$/.test(digits)) throw new Error(`ops must be 6 digits 0-4, got '${digits.slice(0, 20)}'`);
  return [...digits].map((d) => Number(d) as OpCode);
}

/** The 6 op codes read as a base-5 number (first edge most significant): a dense id 0..15624. */
export function opsToCode(ops: OpVector): number {
  checkOps(ops);
  return ops.reduce<number>((acc, op) => acc * 5 + op, 0);
}

export function codeToOps(code: number): OpCode[] {
  if (!Number.isInteger(code) || code < 0 || code >= NB201_NUM_CELLS) throw new Error(`ops code must be an integer 0..15624, got ${code}`);
  const ops = new Array<OpCode>(6);
  for (let k = 5; k >= 0; k--) {
    ops[k] = (code % 5) as OpCode;
    code = Math.floor(code / 5);
  }
  return ops;
}

function checkOps(ops: OpVector): void {
  if (ops.length !== 6 || ops.some((op) => !Number.isInteger(op) || op < 0 || op > 4)) {
    throw new Error(`an NB201 cell has 6 op codes 0-4, got [${ops.join(',')}]`);
  }
}

/** The six edges of the cell (cell-node indices 0..3) with their ops, in arch-string order. */
export function cellEdges(ops: OpVector): { from: number; to: number; op: Nb201OpName }[] {
  checkOps(ops);
  return NB201_EDGES.map(([from, to], k) => ({ from, to, op: NB201_OPS[ops[k]] }));
}

/**
 * True when some path of non-`none` edges leads from the cell's input (node 0) to its output
 * (node 3). The 341 cells without one compute nothing from their input; eagle's latency datasets
 * leave them out (15,284 connected cells).
 */
export function isConnected(ops: OpVector): boolean {
  checkOps(ops);
  const [e01, e02, e12, e03, e13, e23] = ops.map((op) => op !== 0);
  const reaches1 = e01;
  const reaches2 = e02 || (reaches1 && e12);
  return e03 || (reaches1 && e13) || (reaches2 && e23);
}

let cellsCache: readonly OpVector[] | undefined;

/** All 15,625 cells, index = base-5 code ({@link opsToCode}). Shared and frozen: do not mutate. */
export function allCells(): readonly OpVector[] {
  cellsCache ??= Object.freeze(Array.from({ length: NB201_NUM_CELLS }, (_, code) => Object.freeze(codeToOps(code))));
  return cellsCache;
}

/** Cells grouped by identical eagle encoding; see {@link distinctEncodings}. */
interface DistinctEncodings {
  /** `keys[g]` = {@link encodingKey} of group g. Groups are numbered by their lowest code. */
  keys: string[];
  /** `groupOf[code]` = group id of that cell. */
  groupOf: Int32Array;
  /** `representative[g]` = the lowest code in group g. */
  representative: Int32Array;
}

let distinctCache: DistinctEncodings | undefined;

/**
 * The 8,687 distinct eagle encodings over all cells (computed once, then shared: do not mutate).
 * A GCN gives identical outputs for cells with the same encoding, so each group is embedded once.
 */
export function distinctEncodings(): DistinctEncodings {
  if (distinctCache) return distinctCache;
  const groupByKey = new Map<string, number>();
  const groupOf = new Int32Array(NB201_NUM_CELLS);
  const representatives: number[] = [];
  allCells().forEach((ops, code) => {
    const key = encodingKey(eagleEncoding(ops));
    let group = groupByKey.get(key);
    if (group === undefined) {
      group = representatives.length;
      groupByKey.set(key, group);
      representatives.push(code);
    }
    groupOf[code] = group;
  });
  distinctCache = { keys: [...groupByKey.keys()], groupOf, representative: Int32Array.from(representatives) };
  return distinctCache;
}

/** Options for sampling and mutation. */
interface CellSamplingOptions {
  /** Only return cells with an input→output path ({@link isConnected}). Default false. */
  connectedOnly?: boolean;
}

/** A cell drawn uniformly from all cells, or from the connected ones. */
export function randomCell(rng: Rng, { connectedOnly = false }: CellSamplingOptions = {}): OpCode[] {
  // Rejection keeps the draw uniform over connected cells; only 341 of 15,625 are rejected.
  for (;;) {
    const ops = codeToOps(randomInt(rng, NB201_NUM_CELLS));
    if (!connectedOnly || isConnected(ops)) return ops;
  }
}

/** All 24 cells that differ from `ops` in exactly one edge: edge by edge, ops in code order. */
export function neighbours(ops: OpVector): OpCode[][] {
  checkOps(ops);
  const result: OpCode[][] = [];
  for (let k = 0; k < 6; k++) {
    for (let op = 0; op <= 4; op++) {
      if (op === ops[k]) continue;
      const next = ops.slice();
      next[k] = op as OpCode;
      result.push(next);
    }
  }
  return result;
}

/**
 * A uniformly chosen single-edge mutation of `ops` (one edge gets a different op). With
 * `connectedOnly`, uniform over the connected neighbours; there is always at least one, since
 * a non-`none` op on the direct edge 0→3 connects any cell.
 */
export function mutateCell(rng: Rng, ops: OpVector, { connectedOnly = false }: CellSamplingOptions = {}): OpCode[] {
  const candidates = connectedOnly ? neighbours(ops).filter(isConnected) : neighbours(ops);
  return candidates[randomInt(rng, candidates.length)];
}
