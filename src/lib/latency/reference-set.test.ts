import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithData } from '../../test-support/real-data';
import type { Table } from '../datasets/columns.ts';
import { spearman } from '../predictor/metrics.ts';
import { codeToOps, isConnected, NB201_NUM_CELLS, opsToArchStr, opsToCode } from '../spaces/nb201.ts';
import { chooseReferenceSet, knownDevices, type DatasetColumnsLike, type DeviceColumn } from './reference-set.ts';

const N = NB201_NUM_CELLS;
/** Index i holds op code i (the real table permutes them; the choice must go through ops_code). */
const identityCodes = Float64Array.from({ length: N }, (_, i) => i);
const connectedOf = (codes: Float64Array) => Float64Array.from(codes, (code) => (isConnected(codeToOps(code)) ? 1 : 0));

/** A device whose latency of cell i is scale · f(i). */
function device(column: string, scale: number, f: (i: number) => number, datasetId = 'latbench'): DeviceColumn {
  return { datasetId, datasetTitle: datasetId, column, label: column, family: 'x', values: Float64Array.from({ length: N }, (_, i) => scale * f(i)) };
}

describe('chooseReferenceSet', () => {
  it('takes the connected cells at evenly spaced quantiles of the median normalised latency, fastest to slowest', () => {
    const connected = connectedOf(identityCodes);
    const set = chooseReferenceSet({ opsCode: identityCodes, connected, devices: [device('a', 1, (i) => 1 + i), device('b', 50, (i) => 1 + i)] });
    expect(set.cells).toHaveLength(20);
    const candidates = [...Array(N).keys()].filter((i) => connected[i] === 1);
    expect(set.candidates).toBe(candidates.length);
    // Latency grows with the index, so the quantile cuts land on these candidates exactly.
    expect(set.cells.map((c) => c.index)).toEqual(Array.from({ length: 20 }, (_, k) => candidates[Math.round((k / 19) * (candidates.length - 1))]));
    expect(set.cells[0].quantile).toBe(0);
    expect(set.cells[19].quantile).toBe(1);
    for (const cell of set.cells) {
      expect(connected[cell.index]).toBe(1);
      expect(cell.archStr).toBe(opsToArchStr(cell.ops));
      expect(opsToCode(cell.ops)).toBe(cell.index);
    }
    expect(new Set(set.cells.map((c) => c.index)).size).toBe(20);
    expect(set.explanation).toMatch(/^The reference set is 20 connected cells/);
    expect(set.explanation).toContain('2 LatBench devices');
  });

  it('weighs devices equally whatever their scale, and never picks a disconnected cell', () => {
    // Device "slow" (1000× slower) ranks cells in reverse; two fast devices rank them forwards.
    const forward = (i: number) => 1 + i;
    const backward = (i: number) => N - i;
    const connected = connectedOf(identityCodes);
    const set = chooseReferenceSet({
      opsCode: identityCodes,
      connected,
      devices: [device('fast1', 1, forward), device('fast2', 2, forward), device('slow', 1000, backward)],
    });
    // The median of three normalised latencies follows the two agreeing devices, not the big one.
    const indices = set.cells.map((c) => c.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    // Disconnected cells carry extreme (tiny) latencies here; they are still never chosen.
    const tiny = device('tiny', 1, (i) => (connected[i] ? 1 + i : 1e-6));
    expect(chooseReferenceSet({ opsCode: identityCodes, connected, devices: [tiny] }).cells.every((c) => connected[c.index] === 1)).toBe(true);
  });

  it('goes through ops_code: a permuted table gives the cells of the same ops', () => {
    const permuted = Float64Array.from({ length: N }, (_, i) => (i * 7919) % N); // 7919 is prime: a permutation
    const latencyOfCode = (code: number) => 1 + ((code * 31) % N); // distinct per cell: no ties to break by index
    const byIndex = (codes: Float64Array) => device('d', 1, (i) => latencyOfCode(codes[i]));
    const plain = chooseReferenceSet({ opsCode: identityCodes, connected: connectedOf(identityCodes), devices: [byIndex(identityCodes)] });
    const other = chooseReferenceSet({ opsCode: permuted, connected: connectedOf(permuted), devices: [byIndex(permuted)] });
    expect(other.cells.map((c) => c.archStr).sort()).toEqual(plain.cells.map((c) => c.archStr).sort());
    expect(other.cells.map((c) => c.score)).toEqual(plain.cells.map((c) => c.score));
  });

  it('needs at least half of the devices on a cell, and is deterministic', () => {
    const connected = connectedOf(identityCodes);
    // Device b lacks every cell above 10,000; device c lacks them too: 1 of 3 is not enough there.
    const partial = (scale: number) => device(`p${scale}`, scale, (i) => (i > 10_000 ? Number.NaN : 1 + i));
    const set = chooseReferenceSet({ opsCode: identityCodes, connected, devices: [device('a', 1, (i) => 1 + i), partial(2), partial(3)] });
    expect(Math.max(...set.cells.map((c) => c.index))).toBeLessThanOrEqual(10_000);
    const again = chooseReferenceSet({ opsCode: identityCodes, connected, devices: [device('a', 1, (i) => 1 + i), partial(2), partial(3)] });
    expect(again).toEqual(set);
  });

  it('refuses inputs it cannot choose from, with a sentence', () => {
    const connected = connectedOf(identityCodes);
    expect(() => chooseReferenceSet({ opsCode: identityCodes, connected, devices: [] })).toThrow(/at least one device latency column/);
    expect(() => chooseReferenceSet({ opsCode: identityCodes.subarray(1), connected, devices: [device('a', 1, (i) => i)] })).toThrow(/all 15625/);
    const sparse = device('s', 1, (i) => (i < 5 ? 1 + i : Number.NaN));
    expect(() => chooseReferenceSet({ opsCode: identityCodes, connected: new Float64Array(N).fill(1), devices: [sparse] })).toThrow(/only 5 connected cells/);
    expect(() => chooseReferenceSet({ opsCode: identityCodes, connected, devices: [device('a', 1, (i) => i)], size: 1 })).toThrow(/at least 2/);
  });
});

describe('knownDevices', () => {
  const table = (id: string, columns: Record<string, number[]>): Table => ({
    id,
    version: 'v',
    rows: 3,
    columns: Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Float64Array.from(v)])),
  });
  const meta = (id: string, columns: DatasetColumnsLike['columns']): DatasetColumnsLike => ({ id, title: id.toUpperCase(), space: 'nb201', columns });

  it('spreads device latency columns over the NB201 indices and lists the excluded non-devices', () => {
    const known = knownDevices(
      [
        meta('latbench', [
          { name: 'index', kind: 'key' },
          { name: 'cpu', kind: 'latency', device: { label: 'Desktop CPU', family: 'desktop CPU' } },
          { name: 'x_large', kind: 'latency', device: { label: 'large', family: 'gpu', caveat: 'undocumented file', notADevice: true } },
        ]),
        meta('nb201', [{ name: 'c10_flops', kind: 'flops' }]),
        meta('other', [{ name: 'lat', kind: 'latency' }]),
        meta('unkeyed', [{ name: 'lat', kind: 'latency' }]),
      ],
      {
        latbench: table('latbench', { index: [4, 0, 9], cpu: [1.5, 2.5, 3.5], x_large: [9, 9, 9] }),
        nb201: table('nb201', { index: [0, 1, 2], c10_flops: [1, 2, 3] }),
        other: table('other', { index: [0, 1, 2], lat: [1, 2, 3] }),
        unkeyed: table('unkeyed', { row: [0, 1, 2], lat: [1, 2, 3] }),
      },
      ['latbench'],
    );
    expect(known.devices.map((d) => [d.datasetId, d.column, d.label])).toEqual([['latbench', 'cpu', 'Desktop CPU']]);
    expect(known.devices[0].values.length).toBe(N);
    expect([known.devices[0].values[4], known.devices[0].values[0], known.devices[0].values[9]]).toEqual([1.5, 2.5, 3.5]);
    expect(Number.isNaN(known.devices[0].values[1])).toBe(true);
    expect(known.excluded).toEqual([{ datasetId: 'latbench', column: 'x_large', label: 'large', reason: 'undocumented file' }]);
    // Without `only`: every NB201 latency column keyed by index, a table without an index column skipped.
    const all = knownDevices([meta('other', [{ name: 'lat', kind: 'latency' }]), meta('unkeyed', [{ name: 'lat', kind: 'latency' }])], {
      other: table('other', { index: [0, 1, 2], lat: [1, 2, 3] }),
      unkeyed: table('unkeyed', { row: [0, 1, 2], lat: [1, 2, 3] }),
    });
    expect(all.devices.map((d) => `${d.datasetId}:${d.column}:${d.label}`)).toEqual(['other:lat:lat']);
  });
});

const DATASETS = resolve(import.meta.dirname, '../../../../shared/datasets');
const haveData = ['nb201/nb201.csv', 'latbench/latbench.csv', 'help-latency/help_nb201_latency.csv'].every((f) => existsSync(resolve(DATASETS, f)));
if (!haveData) console.warn(`reference-set.test: real-data checks skipped (no tables under ${DATASETS})`);

/** A source CSV (no quoted fields) as a Table: every column but arch_str parsed as a number, '' = NaN. */
function readTable(id: string, file: string): Table {
  const [header, ...lines] = readFileSync(resolve(DATASETS, file), 'utf8').trim().split('\n');
  const names = header.split(',');
  const columns: Record<string, Float64Array> = Object.fromEntries(names.map((n) => [n, new Float64Array(lines.length)]));
  lines.forEach((line, row) =>
    line.split(',').forEach((cell, c) => {
      if (names[c] !== 'arch_str') columns[names[c]][row] = cell === '' ? Number.NaN : Number(cell);
    }),
  );
  return { id, version: 'csv', rows: lines.length, columns };
}

describeWithData(haveData, `nb201, latbench and HELP tables in ${DATASETS}`, 'the reference set of the real tables', () => {
  it('is 20 distinct connected cells whose order agrees with every family of devices', () => {
    const nb201 = readTable('nb201', 'nb201/nb201.csv');
    // The CSV has `ops` digits; the app's table has `ops_code` (the same cell as a base-5 number).
    const opsCode = new Float64Array(N);
    const connected = new Float64Array(N);
    nb201.columns.ops.forEach((digits, row) => {
      const index = nb201.columns.index[row];
      opsCode[index] = Number.parseInt(String(digits).padStart(6, '0'), 5);
      connected[index] = nb201.columns.connected[row];
    });
    const latbench = readTable('latbench', 'latbench/latbench.csv');
    const help = readTable('help', 'help-latency/help_nb201_latency.csv');
    const latency = (table: Table) =>
      Object.keys(table.columns)
        .filter((c) => !['index', 'arch_str', 'ops'].includes(c))
        .map((name) => ({ name, kind: 'latency', device: { label: name, family: '', notADevice: name.startsWith('x_') } }));
    const known = knownDevices(
      [
        { id: 'latbench', title: 'LatBench', space: 'nb201', columns: latency(latbench) },
        { id: 'help', title: 'HELP', space: 'nb201', columns: latency(help) },
      ],
      { latbench, help },
    );
    expect(known.excluded.map((e) => e.column)).toEqual(['x_desktop_gpu_gtx1080ti_large', 'x_embedded_tpu_edgetpu_large']);
    const set = chooseReferenceSet({ opsCode, connected, devices: known.devices });
    expect(set.devices).toHaveLength(13 + 23);
    expect(set.candidates).toBe(15_284);
    expect(new Set(set.cells.map((c) => c.index)).size).toBe(20);
    expect(set.cells.every((c) => connected[c.index] === 1 && isConnected(c.ops))).toBe(true);
    expect(set.explanation).toContain('13 LatBench devices and 23 HELP devices');
    // The set is ordered by consensus latency: the devices' own latencies follow that order, most of
    // them closely (ρ ≈ 0.9); the outliers are the Edge TPU (0.31) and the Jetson columns (~0.6).
    const order = set.cells.map((_, k) => k);
    const rhos: number[] = [];
    for (const d of known.devices) {
      const values = set.cells.map((c) => d.values[c.index]);
      rhos.push(spearman(order, values));
    }
    rhos.sort((a, b) => a - b);
    expect(rhos[0]).toBeGreaterThan(0.25);
    expect(rhos[rhos.length >> 1]).toBeGreaterThan(0.85);
    // It spans the range: the fastest cell is faster than 95 % of connected cells on the desktop CPU,
    // the slowest slower than 95 %.
    const cpu = known.devices.find((d) => d.column === 'desktop_cpu_i7_7820x_fp32')!.values;
    const all = [...cpu].filter((v, i) => connected[i] === 1 && Number.isFinite(v)).sort((a, b) => a - b);
    expect(cpu[set.cells[0].index]).toBeLessThan(all[Math.floor(0.05 * all.length)]);
    expect(cpu[set.cells[19].index]).toBeGreaterThan(all[Math.floor(0.95 * all.length)]);
  });
});
