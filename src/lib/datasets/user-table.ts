/**
 * A visitor's own table (e.g. latencies measured on their device), keyed by NB201 `arch_str` or
 * `index`, checked in full before anything is used: the result is either the whole table or one
 * error line saying what is wrong, where (line/column) and how to fix it. Every piece of the file
 * echoed into a message is cut short and made printable; the UI shows it as plain text.
 */
import { digitsToOps, opsToArchStr } from '../spaces/nb201';
import { CsvError, detectSeparator, parseCsv } from './csv';
import { parseStrictNumber, printable, quote } from './validate';

export interface UserTableOk {
  ok: true;
  /** Display name: the file name without extension, printable. */
  name: string;
  keyColumn: 'arch_str' | 'index';
  rows: number;
  /** nb201 index per row */
  index: Int32Array;
  columns: { name: string; unit: string; values: Float64Array }[];
  warnings: string[];
}

export interface UserTableError {
  ok: false;
  /** One line: what, where (row/column), how to fix. */
  message: string;
}

export interface ArchLookup {
  indexOfArchStr(s: string): number | undefined;
  /** Number of architectures (15,625 for NB201); valid indices are 0..rows-1. */
  rows: number;
}

/** Larger files are refused before decoding. */
export const USER_TABLE_MAX_BYTES = 50 * 1024 * 1024;

const TIME_UNITS = new Set(['ms', 's', 'us', 'µs', 'ns']);

class UserTableProblem extends Error {}

/** Parses and validates a visitor's CSV; see the module comment. Pure: no DOM, no I/O. */
export function parseUserTable(input: { fileName: string; bytes: Uint8Array }, lookup: ArchLookup): UserTableOk | UserTableError {
  const file = printable(input.fileName || 'the file');
  try {
    return { ...parse(file, input.bytes, lookup), name: printable(baseName(input.fileName || 'table')) };
  } catch (err) {
    if (err instanceof UserTableProblem) return { ok: false, message: err.message };
    throw err;
  }
}

function fail(message: string): never {
  throw new UserTableProblem(message);
}

function parse(file: string, bytes: Uint8Array, lookup: ArchLookup): UserTableOk {
  if (bytes.byteLength > USER_TABLE_MAX_BYTES) {
    const mb = (bytes.byteLength / (1024 * 1024)).toFixed(1);
    fail(`${file} is ${mb} MB; the limit is ${USER_TABLE_MAX_BYTES / (1024 * 1024)} MB. Keep only the key column and the value columns you need.`);
  }
  const text = decodeText(file, bytes);
  if (text.trim() === '') fail(`${file} is empty. Export a CSV with a header row (arch_str or index, then value columns) and one row per architecture.`);

  const separator = detectSeparator(text);
  if (separator === null) {
    fail(`${file} line 1: found no separator (, ; or tab). The header needs a key column (arch_str or index) and at least one value column.`);
  }
  let table;
  try {
    table = parseCsv(text, separator);
  } catch (err) {
    if (err instanceof CsvError) fail(`${file} line ${err.line}: ${err.problem}.`);
    throw err;
  }

  const warnings: string[] = [];
  // Spreadsheets often add trailing separators: an unnamed column with no values is dropped.
  const usable = table.header
    .map((raw, col) => ({ raw: raw.trim(), col }))
    .filter(({ raw, col }) => {
      if (raw !== '') return true;
      if (table.rows.every((row) => row[col].trim() === '')) {
        warnings.push(`Ignored the empty, unnamed column ${col + 1}.`);
        return false;
      }
      fail(`${file} line 1: column ${col + 1} has no name. Give it a name (e.g. latency_ms) or delete it.`);
    });

  const seen = new Map<string, number>();
  for (const { raw, col } of usable) {
    const shown = printable(raw).toLowerCase();
    const earlier = seen.get(shown);
    if (earlier !== undefined) {
      fail(`${file} line 1: columns ${earlier + 1} and ${col + 1} are both named ${quote(raw)}. Rename or delete one.`);
    }
    seen.set(shown, col);
  }

  const find = (name: string) => usable.find(({ raw }) => raw.toLowerCase() === name);
  const archCol = find('arch_str');
  const indexCol = find('index');
  const opsCol = find('ops');
  if (!archCol && !indexCol) {
    fail(`${file} line 1: no key column. Name one column arch_str (e.g. |nor_conv_3x3~0|+|…) or index (0..${lookup.rows - 1}).`);
  }
  const keyCols = new Set([archCol?.col, indexCol?.col, opsCol?.col]);
  const valueCols = usable
    .filter(({ col }) => !keyCols.has(col))
    .map(({ raw, col }) => {
      const name = printable(raw);
      if (name !== raw) warnings.push(`Column ${col + 1} is shown as ${quote(raw)} (its name had control characters or was too long).`);
      const unit = unitOf(raw);
      return { col, name, unit, latencyLike: looksLikeLatency(raw, unit), values: new Float64Array(table.rows.length) };
    });
  if (valueCols.length === 0) fail(`${file} line 1: no value column. Add at least one numeric column next to the key, e.g. latency_ms.`);
  if (opsCol) warnings.push('The ops column was checked against the key and not imported.');
  if (table.rows.length === 0) fail(`${file} has a header but no data rows. Add one row per architecture.`);

  const index = new Int32Array(table.rows.length);
  const lineOfIndex = new Map<number, number>();
  table.rows.forEach((row, r) => {
    const line = table.lineOfRow[r];
    const at = `${file} line ${line}`;
    let i: number | undefined;
    if (indexCol) i = readIndex(at, row[indexCol.col], lookup.rows);
    if (archCol) {
      const fromArch = readArchStr(at, row[archCol.col], lookup);
      if (i !== undefined && i !== fromArch) {
        fail(`${at}: arch_str is NB201 index ${fromArch} but the index column says ${i}. Fix one of them or drop one key column.`);
      }
      i = fromArch;
    }
    if (opsCol) checkOps(at, row[opsCol.col], i!, lookup);
    const earlier = lineOfIndex.get(i!);
    if (earlier !== undefined) {
      fail(`${file} lines ${earlier} and ${line} are both NB201 index ${i}. Keep one row per architecture (average repeats first).`);
    }
    lineOfIndex.set(i!, line);
    index[r] = i!;
    for (const column of valueCols) column.values[r] = readValue(at, column.name, row[column.col], column.latencyLike);
  });

  return {
    ok: true,
    name: file,
    keyColumn: archCol ? 'arch_str' : 'index',
    rows: table.rows.length,
    index,
    columns: valueCols.map(({ name, unit, values }) => ({ name, unit, values })),
    warnings,
  };
}

/** UTF-8 only (a BOM is dropped); binary and UTF-16 files are refused with a hint. */
function decodeText(file: string, bytes: Uint8Array): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    fail(`${file} is UTF-16 text. Save it as "CSV UTF-8" (comma or semicolon separated) and import again.`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail(`${file} looks like a binary file (NUL byte at byte ${nul}), not CSV text. Export your table as CSV (UTF-8).`);
  try {
    // ignoreBOM false (the default) strips a leading UTF-8 BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(`${file} is not UTF-8 text (invalid byte sequence). Save it as "CSV UTF-8" and import again.`);
  }
}

function readIndex(at: string, cell: string, rows: number): number {
  const text = cell.trim();
  const value = parseStrictNumber(text);
  if (!Number.isInteger(value) || value < 0 || value >= rows) {
    fail(`${at}, column index: ${quote(text)} is not an NB201 index. Use a whole number 0..${rows - 1}.`);
  }
  return value;
}

function readArchStr(at: string, cell: string, lookup: ArchLookup): number {
  const text = cell.trim();
  const i = lookup.indexOfArchStr(text);
  if (i === undefined) {
    fail(`${at}, column arch_str: ${quote(text)} is not a NAS-Bench-201 architecture. Use the official string, e.g. |nor_conv_3x3~0|+|skip_connect~0|none~1|+|…|.`);
  }
  return i;
}

function checkOps(at: string, cell: string, index: number, lookup: ArchLookup): void {
  const text = cell.trim();
  let fromOps: number | undefined;
  try {
    fromOps = lookup.indexOfArchStr(opsToArchStr(digitsToOps(text)));
  } catch {
    fail(`${at}, column ops: ${quote(text)} is not 6 op digits 0-4. Fix it or delete the ops column.`);
  }
  if (fromOps !== index) {
    fail(`${at}, column ops: ${quote(text)} is NB201 index ${String(fromOps)}, the key says ${index}. Fix it or delete the ops column.`);
  }
}

/**
 * A formula-looking cell (= or @ anywhere first, + or - followed by a non-digit) is refused as
 * non-numeric: it must never be passed on to a spreadsheet as a formula (CSV injection).
 */
const FORMULA = /^(?:[=@]|[+-](?![0-9.]))/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

function readValue(at: string, column: string, cell: string, latencyLike: boolean): number {
  const where = `${at}, column ${quote(column)}`;
  const text = cell.trim();
  if (text === '') fail(`${where}: empty cell. Every row needs a number in every value column; fill it in or delete the row.`);
  const value = parseStrictNumber(text);
  if (Number.isNaN(value)) {
    if (NON_FINITE.test(text) || /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) {
      fail(`${where}: ${quote(text)} is not a finite number. Re-measure or delete the row.`);
    }
    if (FORMULA.test(text)) {
      fail(`${where}: ${quote(text)} is not a number (it looks like a spreadsheet formula). Export values, not formulas.`);
    }
    if (DECIMAL_COMMA.test(text)) fail(`${where}: ${quote(text)} uses a decimal comma. Write ${text.replace(',', '.')} instead.`);
    fail(`${where}: ${quote(text)} is not a number. Use digits with a dot for decimals, e.g. 12.5.`);
  }
  if (latencyLike && !(value > 0)) {
    fail(`${where}: ${quote(text)} is not a valid latency; latencies must be > 0. Re-measure or delete the row.`);
  }
  return value;
}

/** Unit from "name (ms)", "name [ms]" or a suffix "name_ms"; "" when none. */
export function unitOf(name: string): string {
  const bracket = /[([]\s*([^()[\]]{1,12}?)\s*[)\]]\s*$/.exec(name);
  if (bracket) return bracket[1];
  const suffix = /[_\s-](ms|s|us|µs|ns|%)$/i.exec(name);
  return suffix ? suffix[1].toLowerCase() : '';
}

/** Latency-like columns (name mentions latency or ms, or a time unit) must hold values > 0. */
export function looksLikeLatency(name: string, unit: string): boolean {
  return /latency/i.test(name) || /(^|[^a-z])ms([^a-z]|$)/i.test(name) || TIME_UNITS.has(unit.toLowerCase());
}

function baseName(file: string): string {
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(0, dot) : file;
}
