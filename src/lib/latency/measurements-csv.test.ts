import { describe, expect, it } from 'vitest';
import { parseCsv } from '../datasets/csv.ts';
import { SourceError } from '../datasets/validate.ts';
import { digitsToOps, opsToArchStr } from '../spaces/nb201.ts';
import type { MeasurementEnvironment } from './environment.ts';
import { measurementsToCsv, parseMeasurementsCsv, toMeasurementsCsv, type ExportedCell } from './measurements-csv.ts';
import { quartiles } from './stats.ts';

const ENV: MeasurementEnvironment = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 "quoted"',
  backend: 'webgpu',
  tfjsVersion: '4.22.0',
  adapterVendor: 'nvidia',
  adapterArchitecture: 'ampere',
  adapterDescription: '',
  powerPreference: 'high-performance',
  timestampQuery: true,
  crossOriginIsolated: true,
  timerResolutionMs: 0.005,
  visibility: 'visible',
  hardwareConcurrency: 16,
  measuredAt: '2025-05-01T12:00:00.000Z',
};

function cell(digits: string, samples: number[], coldMs: number | null = 12.5): ExportedCell {
  const ops = digitsToOps(digits);
  const q = quartiles(samples);
  return { archStr: opsToArchStr(ops), ops, backend: 'webgpu', medianMs: q.median, iqrMs: q.iqr, samples, k: 7, coldMs };
}

const RESULTS = [cell('421211', [1.234567, 1.3, 1.25, 1.2, 1.31]), cell('333333', [4.0001, 3.9, 4.2, 4.1], null), cell('000100', [0.1234])];

/** The export of RESULTS with the cell in `column` of file line `line` replaced by `value`. */
function withCell(column: string, value: string, line = 2): string {
  const table = parseCsv(toMeasurementsCsv(RESULTS, ENV), ',');
  table.rows[line - 2][table.header.indexOf(column)] = value;
  const field = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  return [table.header, ...table.rows].map((cells) => cells.map(field).join(',')).join('\n');
}

describe('measurements CSV', () => {
  it('round-trips results and their environment (quotes and commas in the user agent included)', () => {
    const text = toMeasurementsCsv(RESULTS, ENV);
    expect(text.split('\n')[0]).toBe(
      'arch_str,ops,backend,median_ms,iqr_ms,samples,k,cold_ms,user_agent,tfjs_version,adapter_vendor,adapter_architecture,adapter_description,power_preference,timestamp_query,cross_origin_isolated,timer_resolution_ms,visibility,hardware_concurrency,measured_at',
    );
    const parsed = parseMeasurementsCsv(text, 'mine.csv');
    // Numbers are written to 9 significant digits.
    const written = (x: number) => Number(x.toPrecision(9));
    expect(parsed).toEqual(RESULTS.map((r) => ({ ...r, medianMs: written(r.medianMs), iqrMs: written(r.iqrMs), environment: ENV })));
    expect(measurementsToCsv(parsed)).toBe(text);
  });

  it('keeps several environments apart in one file', () => {
    const wasm: MeasurementEnvironment = { ...ENV, backend: 'wasm', adapterVendor: '', adapterArchitecture: '', powerPreference: '', timestampQuery: null, hardwareConcurrency: null };
    const records = [
      ...parseMeasurementsCsv(toMeasurementsCsv(RESULTS, ENV)),
      ...parseMeasurementsCsv(
        toMeasurementsCsv(
          RESULTS.map((r) => ({ ...r, backend: 'wasm' })),
          wasm,
        ),
      ),
    ];
    const again = parseMeasurementsCsv(measurementsToCsv(records));
    expect(again.map((r) => r.environment.backend)).toEqual(['webgpu', 'webgpu', 'webgpu', 'wasm', 'wasm', 'wasm']);
    expect(again[3].environment).toEqual(wasm);
  });

  it('reads a copy a spreadsheet re-saved: semicolons, CRLF, a BOM, TRUE/FALSE', () => {
    const text = toMeasurementsCsv(RESULTS, { ...ENV, userAgent: 'plain agent' })
      .replaceAll(',', ';')
      .replaceAll('\n', '\r\n')
      .replaceAll(';true;', ';TRUE;');
    const parsed = parseMeasurementsCsv(`\uFEFF${text}`);
    expect(parsed).toHaveLength(3);
    expect(parsed[0].environment.crossOriginIsolated).toBe(true);
    expect(parsed[0].environment.timestampQuery).toBe(true);
  });

  it('refuses a bad file with one message naming file, line and problem', () => {
    const bad: [string, RegExp][] = [
      [toMeasurementsCsv(RESULTS, ENV).replace(',k,', ',K,'), /^x\.csv line 1: the header lacks the column 'k'$/],
      [toMeasurementsCsv(RESULTS, ENV).replace('measured_at', 'measured_at,extra').replace(/Z\n/g, 'Z,1\n'), /line 1: unexpected column 'extra'/],
      [withCell('median_ms', '-1.2'), /^x\.csv line 2: column median_ms: -1\.2 must be greater than 0$/],
      [withCell('median_ms', 'NaN'), /line 2: column median_ms: 'NaN' is not a finite number/],
      [withCell('median_ms', '1.3', 3), /line 3: column median_ms: 1\.3 is not the median of the row's samples \(4\.05005\)/],
      [withCell('iqr_ms', '-0.1'), /line 2: column iqr_ms: -0\.1 must be zero or more/],
      [withCell('iqr_ms', '0.5'), /line 2: column iqr_ms: 0\.5 is not the interquartile range/],
      [withCell('samples', '1.2 -1 1.3'), /line 2: column samples: sample 2 \('-1'\) is not a positive number of ms/],
      [withCell('samples', '1.2 NaN'), /column samples: sample 2 \('NaN'\)/],
      [
        withCell('arch_str', '|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|'),
        /line 2: column arch_str: '\|conv_5x5~0\|\+\|none~0\|none~1\|\+\|none~0\|none~1\|none~2\|' is not an NB201 arch string/,
      ],
      [withCell('ops', '421212'), /column ops: '421212' does not match arch_str \(its ops are 421211\)/],
      [withCell('backend', 'tpu'), /column backend: 'tpu' is not one of webgpu, webgl, wasm, cpu/],
      [withCell('k', '2.5'), /column k: 2\.5 is not a whole number of inferences/],
      [withCell('cold_ms', '0', 4), /line 4: column cold_ms: 0 must be greater than 0/],
      [withCell('visibility', 'gone'), /column visibility: 'gone' is not one of visible, hidden/],
      [withCell('measured_at', 'yesterday'), /column measured_at: 'yesterday' is not an ISO 8601 time/],
      [toMeasurementsCsv([], ENV), /^x\.csv: holds no measurements/],
      [toMeasurementsCsv(RESULTS, ENV).replace('"Mozilla', 'Mozilla'), /^x\.csv line 2: a quote inside an unquoted field/],
    ];
    for (const [text, message] of bad) {
      let thrown: unknown;
      let returned: unknown;
      try {
        returned = parseMeasurementsCsv(text, 'x.csv');
      } catch (err) {
        thrown = err;
      }
      expect(returned, String(message)).toBeUndefined();
      expect(thrown, String(message)).toBeInstanceOf(SourceError);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('refuses to write results that do not belong to the environment or are not numbers', () => {
    expect(() => toMeasurementsCsv([{ ...RESULTS[0], backend: 'wasm' }], ENV)).toThrow(/measured on wasm, the environment says webgpu/);
    expect(() => toMeasurementsCsv([{ ...RESULTS[0], medianMs: NaN }], ENV)).toThrow(/cannot write NaN/);
    expect(() => toMeasurementsCsv([{ ...RESULTS[0], archStr: RESULTS[1].archStr }], ENV)).toThrow(/do not spell/);
  });
});
