/**
 * Latency measurements as CSV: export for the visitor to keep or share, import of such a file.
 * One row per measured cell, the environment fingerprint repeated on every row, so one file can
 * hold several device profiles (e.g. WebGPU and WASM side by side). `samples` holds the raw
 * per-inference latencies (ms) separated by spaces. An import is all or nothing: the first bad
 * cell stops it with one message naming the file, the line and the problem.
 */
import { CsvError, detectSeparator, parseCsv } from '../datasets/csv.ts';
import { checkHeader, parseStrictNumber, printable, quote, SourceError } from '../datasets/validate.ts';
import { archStrToOps, opsToArchStr, opsToDigits, type OpCode } from '../spaces/nb201.ts';
import { isMeasurementBackend, MEASUREMENT_BACKENDS, type MeasurementBackend, type MeasurementEnvironment } from './environment.ts';
import type { CellMeasurement } from './profiler-types.ts';
import { quartiles } from './stats.ts';

const MEASUREMENT_COLUMNS = [
  'arch_str',
  'ops',
  'backend',
  'median_ms',
  'iqr_ms',
  'samples',
  'k',
  'cold_ms',
  'user_agent',
  'tfjs_version',
  'adapter_vendor',
  'adapter_architecture',
  'adapter_description',
  'power_preference',
  'timestamp_query',
  'cross_origin_isolated',
  'timer_resolution_ms',
  'visibility',
  'hardware_concurrency',
  'measured_at',
] as const;

interface MeasurementRecord {
  archStr: string;
  ops: OpCode[];
  backend: MeasurementBackend;
  medianMs: number;
  iqrMs: number;
  /** Per-inference latencies, ms; empty when the file carried only the summary. */
  samples: number[];
  k: number;
  coldMs: number | null;
  environment: MeasurementEnvironment;
}

/** What an export needs of a result; profiler results (`CellMeasurement`) qualify. */
export type ExportedCell = Pick<CellMeasurement, 'archStr' | 'ops' | 'backend' | 'medianMs' | 'iqrMs' | 'samples' | 'k'> & { coldMs: number | null };

/** CSV of one profiling run: every result shares `environment`. */
export function toMeasurementsCsv(results: readonly ExportedCell[], environment: MeasurementEnvironment): string {
  return measurementsToCsv(
    results.map((r) => {
      if (r.backend !== environment.backend) throw new Error(`${r.archStr} was measured on ${r.backend}, the environment says ${environment.backend}`);
      if (opsToArchStr(r.ops) !== r.archStr) throw new Error(`ops [${r.ops.join(',')}] do not spell ${r.archStr}`);
      return { ...r, ops: r.ops.slice(), backend: environment.backend, coldMs: r.coldMs, environment };
    }),
  );
}

/** CSV of records that may come from several environments (e.g. after merging imports). */
export function measurementsToCsv(records: readonly MeasurementRecord[]): string {
  const lines = [MEASUREMENT_COLUMNS.join(',')];
  for (const r of records) {
    const e = r.environment;
    const cells = [
      r.archStr,
      opsToDigits(r.ops),
      r.backend,
      num(r.medianMs),
      num(r.iqrMs),
      r.samples.map(num).join(' '),
      String(r.k),
      r.coldMs === null ? '' : num(r.coldMs),
      e.userAgent,
      e.tfjsVersion,
      e.adapterVendor,
      e.adapterArchitecture,
      e.adapterDescription,
      e.powerPreference,
      e.timestampQuery === null ? '' : String(e.timestampQuery),
      String(e.crossOriginIsolated),
      num(e.timerResolutionMs),
      e.visibility,
      e.hardwareConcurrency === null ? '' : String(e.hardwareConcurrency),
      e.measuredAt,
    ];
    lines.push(cells.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Parses an exported file; throws a `SourceError` on the first problem and returns nothing partial. */
export function parseMeasurementsCsv(text: string, fileName = 'measurements.csv'): MeasurementRecord[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let table;
  try {
    table = parseCsv(body, detectSeparator(body) ?? ',');
  } catch (err) {
    if (err instanceof CsvError) throw new SourceError(fileName, `line ${err.line}`, err.problem);
    throw err;
  }
  const position = checkHeader(fileName, table.header, MEASUREMENT_COLUMNS);
  if (table.rows.length === 0) throw new SourceError(fileName, null, 'holds no measurements (only a header row)');
  return table.rows.map((row, r) => {
    const where = `line ${table.lineOfRow[r]}`;
    const cell = (name: (typeof MEASUREMENT_COLUMNS)[number]) => row[position.get(name)!];
    const fail = (name: string, problem: string): never => {
      throw new SourceError(fileName, where, `column ${name}: ${problem}`);
    };
    const number = (name: (typeof MEASUREMENT_COLUMNS)[number], allowZero: boolean): number => {
      const value = parseStrictNumber(cell(name));
      if (Number.isNaN(value)) fail(name, `${quote(cell(name))} is not a finite number`);
      if (value < 0 || (!allowZero && value === 0)) fail(name, `${cell(name)} must be ${allowZero ? 'zero or more' : 'greater than 0'}`);
      return value;
    };
    const oneOf = <T extends string>(name: (typeof MEASUREMENT_COLUMNS)[number], allowed: readonly T[]): T => {
      const value = cell(name).toLowerCase(); // spreadsheets rewrite true as TRUE
      if (!(allowed as readonly string[]).includes(value)) fail(name, `${quote(cell(name))} is not one of ${allowed.map((a) => a || "''").join(', ')}`);
      return value as T;
    };

    let ops: OpCode[] = [];
    try {
      ops = archStrToOps(cell('arch_str'));
    } catch {
      // Arch strings run to ~90 characters: echo the whole of one, not the default 40.
      fail('arch_str', `'${printable(cell('arch_str'), 120)}' is not an NB201 arch string`);
    }
    if (cell('ops') !== opsToDigits(ops)) fail('ops', `${quote(cell('ops'))} does not match arch_str (its ops are ${opsToDigits(ops)})`);
    const backend = cell('backend');
    if (!isMeasurementBackend(backend)) fail('backend', `${quote(backend)} is not one of ${MEASUREMENT_BACKENDS.join(', ')}`);
    const medianMs = number('median_ms', false);
    const iqrMs = number('iqr_ms', true);
    const samples = cell('samples')
      .split(' ')
      .filter(Boolean)
      .map((text, i) => {
        const value = parseStrictNumber(text);
        if (!(value > 0)) fail('samples', `sample ${i + 1} (${quote(text)}) is not a positive number of ms`);
        return value;
      });
    // Written values are rounded to 9 significant digits; anything beyond rounding means a corrupted row.
    if (samples.length > 0) {
      const fromSamples = quartiles(samples);
      const tolerance = 1e-6 * Math.max(...samples);
      if (Math.abs(fromSamples.median - medianMs) > tolerance) {
        fail('median_ms', `${cell('median_ms')} is not the median of the row's samples (${num(fromSamples.median)})`);
      }
      if (Math.abs(fromSamples.iqr - iqrMs) > tolerance) {
        fail('iqr_ms', `${cell('iqr_ms')} is not the interquartile range of the row's samples (${num(fromSamples.iqr)})`);
      }
    }
    const k = number('k', false);
    if (!Number.isInteger(k)) fail('k', `${cell('k')} is not a whole number of inferences`);
    const coldMs = cell('cold_ms') === '' ? null : number('cold_ms', false);
    const timestamp = oneOf('timestamp_query', ['', 'true', 'false'] as const);
    const cores = cell('hardware_concurrency') === '' ? null : number('hardware_concurrency', false);
    if (cores !== null && !Number.isInteger(cores)) fail('hardware_concurrency', `${cell('hardware_concurrency')} is not a whole number`);
    const measuredAt = cell('measured_at');
    if (!/^\d{4}-\d\d-\d\dT/.test(measuredAt) || Number.isNaN(Date.parse(measuredAt))) fail('measured_at', `${quote(measuredAt)} is not an ISO 8601 time`);
    const environment: MeasurementEnvironment = {
      userAgent: cell('user_agent'),
      backend: backend as MeasurementBackend,
      tfjsVersion: cell('tfjs_version'),
      adapterVendor: cell('adapter_vendor'),
      adapterArchitecture: cell('adapter_architecture'),
      adapterDescription: cell('adapter_description'),
      powerPreference: oneOf('power_preference', ['', 'high-performance', 'low-power'] as const),
      timestampQuery: timestamp === '' ? null : timestamp === 'true',
      crossOriginIsolated: oneOf('cross_origin_isolated', ['true', 'false'] as const) === 'true',
      timerResolutionMs: number('timer_resolution_ms', false),
      visibility: oneOf('visibility', ['visible', 'hidden'] as const),
      hardwareConcurrency: cores,
      measuredAt,
    };
    return { archStr: opsToArchStr(ops), ops, backend: backend as MeasurementBackend, medianMs, iqrMs, samples, k, coldMs, environment };
  });
}

/** 9 significant digits: sub-nanosecond for any latency in ms, and short. */
function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a measurement`);
  return String(Number(value.toPrecision(9)));
}

/** RFC 4180 quoting, only where needed (user agents contain commas and semicolons). */
function csvField(text: string): string {
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
