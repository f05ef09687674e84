/**
 * The app-ready dataset format ("columns@1"): one binary file per dataset holding each column as a
 * typed array, back to back, described by an entry in `manifest.json`. Values are stored exactly:
 * a decimal column with d decimals is stored as integers value·10^d in the narrowest integer type
 * that holds them (divisor = 10^d; dividing by an exact power of ten gives back the parsed double),
 * else as float64. Missing values use a sentinel.
 * Shared by the build pipeline (encode) and the app (decode); pure TS, no DOM.
 */

export const FORMAT = 'brp-nas-lab/columns@1';

type DType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'float64';

/** What a column measures; drives which views offer it. */
export type ColumnKind = 'key' | 'flag' | 'accuracy' | 'latency' | 'flops' | 'params' | 'time' | 'score';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** Unit shown next to every value, e.g. "ms", "%", "MFLOPs", "M params", "s"; "" for keys/flags. */
  unit: string;
  /** One human sentence. */
  description: string;
  /** Short name for pickers and axes (without the unit); the device label or the name when absent. */
  label?: string;
  /** Set for latency columns: which device/setting the values were measured on. */
  device?: { label: string; family: string; caveat?: string; notADevice?: boolean };
}

interface StoredColumn extends ColumnSpec {
  dtype: DType;
  /** value = stored / divisor (a power of ten; 1 for integers and float64). */
  divisor: number;
  /** Stored sentinel meaning "missing" (integer dtypes); float64 uses NaN. */
  missing: number | null;
  byteOffset: number;
  /** Number of missing values. */
  nMissing: number;
  min: number;
  max: number;
}

export interface DatasetEntry {
  id: string;
  title: string;
  space: 'nb201' | 'nb101' | 'darts';
  /** Content version: first 12 hex of sha256 of the file. */
  version: string;
  rows: number;
  file: string;
  /** Bytes of `file` as served (gzip-compressed). */
  bytes: number;
  rawBytes: number;
  sha256: string;
  source: string;
  caveats: string[];
  columns: StoredColumn[];
  /**
   * Per-row string keys for spaces whose architecture id is text (NB101 graph hash, DARTS genotype
   * JSON): keys[row] belongs to row `row`. Absent for NB201 datasets (keyed by the `index` column).
   */
  keys?: string[];
}

export interface MissingSource {
  id: string;
  file: string;
  problem: string;
}

export interface Manifest {
  format: typeof FORMAT;
  generatedAt: string;
  datasets: DatasetEntry[];
  missing: MissingSource[];
}

/** A decoded table: every column as float64 (NaN = missing). Row order = file order. */
export interface Table {
  id: string;
  version: string;
  rows: number;
  columns: Record<string, Float64Array>;
}

const BYTES: Record<DType, number> = { uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, float64: 8 };
const RANGES: [DType, number, number][] = [
  ['uint8', 0, 255],
  ['int8', -128, 127],
  ['uint16', 0, 65535],
  ['int16', -32768, 32767],
  ['int32', -2147483648, 2147483647],
];

function typedArray(dtype: DType, buffer: ArrayBuffer, byteOffset: number, length: number) {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** Number of decimals needed to write x exactly as it was parsed from text (max 9). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0 || /e/i.test(text)) return text.match(/e/i) ? 99 : 0;
  return text.length - dot - 1;
}

/**
 * Picks the storage for one column from its parsed values (NaN = missing) and the most decimals
 * any of its source texts had. Lossless: stored/divisor reproduces every value to its source text.
 */
export function chooseStorage(values: Float64Array, decimals: number): { dtype: DType; divisor: number; missing: number | null } {
  if (decimals <= 9) {
    const factor = 10 ** decimals;
    let lo = Infinity,
      hi = -Infinity,
      hasMissing = false;
    let negativeZero = false;
    for (const v of values) {
      if (Number.isNaN(v)) {
        hasMissing = true;
        continue;
      }
      // An integer array cannot hold -0 (text "-0.0"), so such a column stays float64 to stay exact.
      if (v === 0 && 1 / v < 0) {
        negativeZero = true;
        break;
      }
      const s = Math.round(v * factor);
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    if (lo === Infinity) {
      lo = 0;
      hi = 0;
    }
    for (const [dtype, min, max] of negativeZero ? [] : RANGES) {
      // Reserve the type's minimum as the missing sentinel (or max for unsigned types).
      const unsigned = min === 0;
      const usableMin = hasMissing && !unsigned ? min + 1 : min;
      const usableMax = hasMissing && unsigned ? max - 1 : max;
      if (lo >= usableMin && hi <= usableMax) {
        return { dtype, divisor: factor, missing: hasMissing ? (unsigned ? max : min) : null };
      }
    }
  }
  return { dtype: 'float64', divisor: 1, missing: null };
}

/** Packs columns (already chosen storage) into one buffer with 8-byte aligned columns. */
export function encodeColumns(specs: (ColumnSpec & { values: Float64Array; decimals: number })[]): { buffer: Uint8Array; columns: StoredColumn[] } {
  const rows = specs[0]?.values.length ?? 0;
  let offset = 0;
  const layout = specs.map((spec) => {
    if (spec.values.length !== rows) throw new Error(`column ${spec.name} has ${spec.values.length} rows, expected ${rows}`);
    const storage = chooseStorage(spec.values, spec.decimals);
    const byteOffset = offset;
    offset += Math.ceil((BYTES[storage.dtype] * rows) / 8) * 8;
    return { spec, storage, byteOffset };
  });
  const buffer = new ArrayBuffer(offset);
  const columns = layout.map(({ spec, storage, byteOffset }) => {
    const out = typedArray(storage.dtype, buffer, byteOffset, rows);
    let nMissing = 0,
      min = Infinity,
      max = -Infinity;
    spec.values.forEach((v, i) => {
      if (Number.isNaN(v)) {
        nMissing++;
        out[i] = storage.missing ?? NaN;
        return;
      }
      out[i] = storage.dtype === 'float64' ? v : Math.round(v * storage.divisor);
      if (v < min) min = v;
      if (v > max) max = v;
    });
    const { values: _values, decimals: _decimals, ...columnSpec } = spec;
    return { ...columnSpec, ...storage, byteOffset, nMissing, min, max } satisfies StoredColumn;
  });
  return { buffer: new Uint8Array(buffer), columns };
}

/** Decodes a dataset's (already decompressed) bytes into float64 columns, checking every bound. */
export function decodeColumns(entry: Pick<DatasetEntry, 'id' | 'version' | 'rows' | 'columns'>, bytes: ArrayBuffer): Table {
  if (!Number.isInteger(entry.rows) || entry.rows < 0) throw new Error(`${entry.id}: row count ${String(entry.rows)} is not a whole number`);
  const columns: Record<string, Float64Array> = {};
  for (const col of entry.columns) {
    if (!Object.hasOwn(BYTES, col.dtype)) throw new Error(`${entry.id}: column ${col.name} has unknown dtype ${String(col.dtype)}`);
    const width = BYTES[col.dtype];
    if (!Number.isInteger(col.byteOffset) || col.byteOffset < 0 || col.byteOffset % 8 !== 0 || col.byteOffset + width * entry.rows > bytes.byteLength) {
      throw new Error(`${entry.id}: column ${col.name} lies outside the file (${bytes.byteLength} bytes)`);
    }
    const stored = typedArray(col.dtype, bytes, col.byteOffset, entry.rows);
    const out = new Float64Array(entry.rows);
    const divisor = col.divisor || 1;
    for (let i = 0; i < entry.rows; i++) {
      const s = stored[i];
      out[i] = s === col.missing || Number.isNaN(s) ? NaN : s / divisor;
    }
    columns[col.name] = out;
  }
  return { id: entry.id, version: entry.version, rows: entry.rows, columns };
}

/** True when the bytes start with the gzip magic number (a server may already have decoded them). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
