/**
 * Checks for benchmark source tables, shared by the dataset pipeline (and usable by anything else
 * that reads the same files). Every check fails with a `SourceError`: one line naming the file,
 * where in it (line or record) and the problem, with any echoed cell text made short and printable.
 */
import { archStrToOps, digitsToOps, NB201_EDGES, NB201_NUM_CELLS, type OpVector } from '../spaces/nb201';
import { decimalsOf } from './columns';
import type { CsvTable } from './csv';

export class SourceError extends Error {
  readonly file: string;
  /** e.g. "line 12" or "record 3"; null when the problem concerns the whole file. */
  readonly where: string | null;
  readonly problem: string;
  constructor(file: string, where: string | null, problem: string) {
    super(`${file}${where ? ` ${where}` : ''}: ${problem}`);
    this.name = 'SourceError';
    this.file = file;
    this.where = where;
    this.problem = problem;
  }
}

/** Plain decimal or scientific notation; no spaces, hex, thousands separators, Infinity or NaN. */
const NUMBER_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a cell spells, or NaN when it is not strictly a finite decimal number. */
export function parseStrictNumber(text: string): number {
  if (!NUMBER_SYNTAX.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

/**
 * Text from a file made safe to show inside a one-line message: control, bidi-override and other
 * invisible format characters are escaped (\n, \t, \u202e…) and the result is cut to `max` characters.
 */
export function printable(text: string, max = 40): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    let piece = ch;
    if (ch === '\n') piece = '\\n';
    else if (ch === '\r') piece = '\\r';
    else if (ch === '\t') piece = '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || /\p{Cf}|\p{Zl}|\p{Zp}/u.test(ch)) {
      piece = `\\u${code.toString(16).padStart(4, '0')}`;
    }
    if (out.length + piece.length > max) return `${out}…`;
    out += piece;
  }
  return out;
}

/** Quoted, printable, truncated echo of a cell for messages. */
export function quote(text: string): string {
  return `'${printable(text)}'`;
}

/**
 * The header must hold exactly the expected column names (any order): names each missing,
 * unexpected or repeated column. Returns the position of every column by name.
 */
export function checkHeader(file: string, header: readonly string[], expected: readonly string[]): Map<string, number> {
  const position = new Map<string, number>();
  header.forEach((name, i) => {
    if (position.has(name)) throw new SourceError(file, 'line 1', `column ${quote(name)} appears twice in the header`);
    position.set(name, i);
  });
  for (const name of expected) {
    if (!position.has(name)) throw new SourceError(file, 'line 1', `the header lacks the column ${quote(name)}`);
  }
  const wanted = new Set(expected);
  for (const name of header) {
    if (!wanted.has(name)) throw new SourceError(file, 'line 1', `unexpected column ${quote(name)} in the header`);
  }
  return position;
}

export function checkRowCount(file: string, rows: number, expected: number): void {
  if (rows !== expected) {
    throw new SourceError(file, null, `has ${rows.toLocaleString('en-US')} data rows, its README says ${expected.toLocaleString('en-US')}`);
  }
}

/** What values a numeric column may hold. */
export type ValueRule =
  | 'percent' // 0..100
  | 'positive' // > 0 (latencies, FLOPs, params, times)
  | 'flag' // exactly 0 or 1
  | 'finite' // any finite number (zero-cost proxy scores may be negative)
  | 'integer'; // any finite integer

interface ColumnRule {
  rule: ValueRule;
  /** Empty cells allowed (stored as missing); only where a README says values may be absent. */
  allowMissing?: boolean;
}

export interface NumericColumn {
  values: Float64Array;
  /** Most decimals any cell was written with (99 for scientific notation): drives lossless storage. */
  decimals: number;
  missing: number;
}

const RULE_TEXT: Record<ValueRule, string> = {
  percent: 'an accuracy in 0..100 %',
  positive: 'greater than 0',
  flag: '0 or 1',
  finite: 'a finite number',
  integer: 'an integer',
};

export function valueBreaksRule(value: number, rule: ValueRule): boolean {
  switch (rule) {
    case 'percent':
      return value < 0 || value > 100;
    case 'positive':
      return !(value > 0);
    case 'flag':
      return value !== 0 && value !== 1;
    case 'finite':
      return false;
    case 'integer':
      return !Number.isInteger(value);
  }
}

/** Parses one column of a CSV table under a rule; the first bad cell fails with its line. */
export function readColumn(file: string, table: CsvTable, position: Map<string, number>, name: string, rule: ColumnRule): NumericColumn {
  const col = position.get(name);
  if (col === undefined) throw new SourceError(file, 'line 1', `the header lacks the column ${quote(name)}`);
  const values = new Float64Array(table.rows.length);
  let decimals = 0;
  let missing = 0;
  for (let r = 0; r < table.rows.length; r++) {
    const text = table.rows[r][col];
    if (text === '') {
      if (!rule.allowMissing) throw new SourceError(file, `line ${table.lineOfRow[r]}`, `column ${name} is empty`);
      values[r] = NaN;
      missing++;
      continue;
    }
    const value = parseStrictNumber(text);
    if (Number.isNaN(value)) {
      throw new SourceError(file, `line ${table.lineOfRow[r]}`, `column ${name}: ${quote(text)} is not a finite number`);
    }
    if (valueBreaksRule(value, rule.rule)) {
      throw new SourceError(file, `line ${table.lineOfRow[r]}`, `column ${name}: ${text} is not ${RULE_TEXT[rule.rule]}`);
    }
    values[r] = value;
    const d = decimalsOf(text);
    if (d > decimals) decimals = d;
  }
  return { values, decimals, missing };
}

/** The key columns every NAS-Bench-201 file carries, validated. Row order = file order. */
export interface Nb201Keys {
  index: Int32Array;
  archStr: string[];
  /** The 6-digit `ops` strings, e.g. "421211". */
  opsDigits: string[];
}

/**
 * Reads `index`, `arch_str` and `ops`: index an integer 0..15624 and unique, ops 6 digits 0-4,
 * arch_str an official string whose op codes equal ops.
 */
export function readNb201Keys(file: string, table: CsvTable, position: Map<string, number>): Nb201Keys {
  const [ci, ca, co] = ['index', 'arch_str', 'ops'].map((name) => {
    const col = position.get(name);
    if (col === undefined) throw new SourceError(file, 'line 1', `the header lacks the column ${quote(name)}`);
    return col;
  });
  const rows = table.rows.length;
  const index = new Int32Array(rows);
  const archStr: string[] = new Array(rows);
  const opsDigits: string[] = new Array(rows);
  const lineOfIndex = new Map<number, number>();
  for (let r = 0; r < rows; r++) {
    const row = table.rows[r];
    const where = `line ${table.lineOfRow[r]}`;
    const i = parseStrictNumber(row[ci]);
    if (!Number.isInteger(i) || i < 0 || i >= NB201_NUM_CELLS) {
      throw new SourceError(file, where, `index ${quote(row[ci])} is not an integer 0..${NB201_NUM_CELLS - 1}`);
    }
    const earlier = lineOfIndex.get(i);
    if (earlier !== undefined) throw new SourceError(file, where, `index ${i} repeats line ${earlier}`);
    lineOfIndex.set(i, table.lineOfRow[r]);
    let fromArch: string;
    try {
      fromArch = archStrToOps(row[ca]).join('');
    } catch {
      throw new SourceError(file, where, `arch_str ${quote(row[ca])} is not an NB201 arch string`);
    }
    try {
      digitsToOps(row[co]);
    } catch {
      throw new SourceError(file, where, `ops ${quote(row[co])} is not 6 digits 0-4`);
    }
    if (fromArch !== row[co]) {
      throw new SourceError(file, where, `ops ${row[co]} disagrees with arch_str (which gives ${fromArch})`);
    }
    index[r] = i;
    archStr[r] = row[ca];
    opsDigits[r] = row[co];
  }
  return { index, archStr, opsDigits };
}

/**
 * True when the cell's output (node 3) is reachable from its input (node 0) through edges whose op
 * is not `none` (code 0). The 341 cells where it is not are the "disconnected" ones.
 */
export function isConnectedCell(ops: OpVector): boolean {
  const reached = [true, false, false, false];
  // NB201_EDGES is in arch-string order, which is also topological (edges into node k come after node k's inputs).
  NB201_EDGES.forEach(([from, to], k) => {
    if (ops[k] !== 0 && reached[from]) reached[to] = true;
  });
  return reached[3];
}

/**
 * Remembers which arch_str each NB201 index has, across files, so that every file is checked
 * against the first one registered (nb201.csv when it is available).
 */
export class Nb201KeyRegistry {
  private readonly archStrByIndex: (string | undefined)[] = new Array(NB201_NUM_CELLS);
  private readonly fileByIndex: (string | undefined)[] = new Array(NB201_NUM_CELLS);

  /** Fails on the first row whose arch_str differs from what an earlier file said for that index. */
  check(file: string, table: CsvTable, keys: Nb201Keys): void {
    for (let r = 0; r < keys.index.length; r++) {
      const i = keys.index[r];
      const known = this.archStrByIndex[i];
      if (known !== undefined && known !== keys.archStr[r]) {
        throw new SourceError(file, `line ${table.lineOfRow[r]}`, `index ${i} has arch_str ${quote(keys.archStr[r])} here but ${quote(known)} in ${this.fileByIndex[i]}`);
      }
    }
  }

  /** Adds a file's keys once it has passed every check. */
  register(file: string, keys: Nb201Keys): void {
    for (let r = 0; r < keys.index.length; r++) {
      const i = keys.index[r];
      if (this.archStrByIndex[i] === undefined) {
        this.archStrByIndex[i] = keys.archStr[r];
        this.fileByIndex[i] = file;
      }
    }
  }
}

/** Row order that sorts the rows by `index` ascending (a stable permutation). */
export function sortOrder(index: Int32Array): Int32Array {
  const order = Int32Array.from(index.keys());
  order.sort((a, b) => index[a] - index[b]);
  return order;
}

export function permute(values: Float64Array, order: Int32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = values[order[k]];
  return out;
}

/** Position of the largest non-missing value (first on ties); -1 when all are missing. */
export function argMax(values: Float64Array): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i]) && (best < 0 || values[i] > values[best])) best = i;
  }
  return best;
}

/** Min, median (lower middle for even counts) and max of the non-missing values. */
export function summarize(values: Float64Array): { min: number; median: number; max: number; mean: number; n: number } {
  const present = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const n = present.length;
  let sum = 0;
  for (const v of present) sum += v;
  return { min: present[0], median: present[(n - 1) >> 1], max: present[n - 1], mean: sum / n, n };
}

/** A canary: fails with what the README says versus what the file holds. */
export function checkClose(file: string, what: string, actual: number, expected: number, tolerance: number): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new SourceError(file, null, `sanity check failed: ${what} is ${actual}, its README says ${expected}`);
  }
}
