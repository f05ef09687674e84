import { describe, expect, it } from 'vitest';
import type { Table } from '../datasets/columns';
import type { DatasetColumnInfo, StoredDataset } from '../db/schema';
import { MemoryCalibratedStore } from '../db/calibrated';
import { sampleCalibrated } from '../latency/calibrated-fixtures';
import { CalibratedState } from './calibrated.svelte';
import { paretoFront } from '../search/pareto';
import { mulberry32 } from '../spaces/rng';
import { axisOptions, CALIBRATED_GROUP, calibratedAxisOptions, ExplorerState, frontCandidates, isCalibratedAxis } from './explorer.svelte';

const N = 15625;
function column(name: string, kind: DatasetColumnInfo['kind'], unit: string, extra: Partial<DatasetColumnInfo> = {}): DatasetColumnInfo {
  return { name, kind, unit, description: name, nMissing: 0, min: 0, max: 1, ...extra };
}
function dataset(id: string, columns: DatasetColumnInfo[], rows = N): StoredDataset {
  return { id, title: id.toUpperCase(), space: 'nb201', version: 'v', sha256: 's', rows, columns, caveats: [], source: '', importedAt: 0, origin: 'bundled', bytes: 0 };
}
const none = { predictors: [] };
const range = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

const datasets = [
  dataset('nb201', [
    column('index', 'key', ''),
    column('connected', 'flag', ''),
    column('c100_test', 'accuracy', '%', { label: 'CIFAR-100 test accuracy' }),
    column('c10_flops', 'flops', 'MFLOPs', { label: 'FLOPs, CIFAR-10' }),
  ]),
  dataset(
    'latbench',
    [
      column('index', 'key', ''),
      column('cpu', 'latency', 'ms', { device: { label: 'Desktop CPU', family: 'cpu' } }),
      column('x_odd', 'latency', 'ms', { device: { label: 'odd', family: 'gpu', notADevice: true } }),
    ],
    3,
  ),
];
const tables: Record<string, Table> = {
  nb201: {
    id: 'nb201',
    version: 'v',
    rows: N,
    columns: { index: range(N, (i) => i), connected: range(N, (i) => (i % 2 ? 1 : 0)), c100_test: range(N, (i) => i / 1000), c10_flops: range(N, (i) => N - i) },
  },
  latbench: { id: 'latbench', version: 'v', rows: 3, columns: { index: Float64Array.from([1, 2, 3]), cpu: Float64Array.from([5, 4, 3]), x_odd: Float64Array.from([1, 1, 1]) } },
};

describe('axisOptions', () => {
  it('offers latency/FLOPs columns with units and hides columns that are not devices', () => {
    const options = axisOptions(datasets, new Set(['latency', 'flops']));
    expect(options.map((o) => [o.id, o.label, o.group])).toEqual([
      ['nb201:c10_flops', 'FLOPs, CIFAR-10 (MFLOPs)', 'NB201'],
      ['latbench:cpu', 'Desktop CPU (ms)', 'LATBENCH'],
    ]);
  });
});

describe('ExplorerState', () => {
  it('reads its settings from the hash and falls back to available columns', () => {
    const state = new ExplorerState({ datasets, tables, calibrated: none }, '#x=latbench%3Amissing&y=nb201%3Ac100_test&pin=7');
    expect(state.xAxis?.id).toBe('nb201:c10_flops');
    expect(state.pinned).toBe(7);
  });

  it('spreads a table over the NB201 indices and masks disconnected cells on request', () => {
    const state = new ExplorerState({ datasets, tables, calibrated: none }, '#x=latbench%3Acpu');
    expect(Array.from(state.xValues!.slice(0, 5))).toEqual([NaN, 5, 4, 3, NaN]);
    state.setCells('connected');
    expect(Array.from(state.xValues!.slice(0, 5))).toEqual([NaN, 5, NaN, 3, NaN]);
    // Lower latency and higher accuracy: cell 3 (3 ms, 0.003 %) and cell 1 (5 ms) lose to nothing faster-and-better.
    expect(state.front).toEqual([3]);
  });

  it('writes only non-default settings to the hash, and a new x resets the zoom', () => {
    const state = new ExplorerState({ datasets, tables, calibrated: none }, '');
    expect(state.hash).toBe('');
    state.setZoom([2, 0.1, 0.2]);
    state.setX('nb201:c10_flops');
    expect(state.settings.zoom).toEqual([]);
    state.pin(42);
    expect(state.hash).toBe('#x=nb201%3Ac10_flops&pin=42');
    state.loadHash('#pin=3');
    expect(state.settings.x).toBe('latbench:desktop_cpu_i7_7820x_fp32');
    expect(state.pinned).toBe(3);
  });

  it('names the datasets it shows from the settings alone, NB201 first, for loading them first', () => {
    expect(new ExplorerState({ datasets: [], tables: {}, calibrated: none }, '').shownDatasets).toEqual(['nb201', 'latbench']);
    expect(new ExplorerState({ datasets: [], tables: {}, calibrated: none }, '#x=help%3Apixel2&y=nb201%3Ac10_test').shownDatasets).toEqual(['nb201', 'help']);
    expect(new ExplorerState({ datasets: [], tables: {}, calibrated: none }, '#x=calibrated%3Ap1&y=user-abc%3Aacc').shownDatasets).toEqual(['nb201', 'user-abc']);
    expect(new ExplorerState({ datasets: [], tables: {}, calibrated: none }, '#x=nocolon').shownDatasets).toEqual(['nb201']);
  });

  it('keeps the same arrays when more tables arrive but the shown ones are the same objects', () => {
    const source = $state({ datasets: datasets.slice(0, 1), tables: { nb201: tables.nb201 } as Record<string, Table>, calibrated: none });
    const state = new ExplorerState(source, '#x=nb201%3Ac10_flops&cells=connected');
    const [x, y, front] = [state.xValues, state.yValues, state.front];
    expect(x![2]).toBeNaN();
    source.datasets = datasets;
    source.tables = { ...tables };
    // The same arrays: in the page, the plot's derived values stop there and nothing is redrawn.
    expect(state.xValues).toBe(x);
    expect(state.yValues).toBe(y);
    expect(state.front).toEqual(front);
    source.tables = { ...tables, nb201: { ...tables.nb201 } };
    expect(state.xValues, 'a table read again is new').not.toBe(x);
  });
});

describe('frontCandidates', () => {
  it('keeps every row of the Pareto front, and the front of the rows it keeps is the whole front', () => {
    const random = mulberry32(3);
    for (const n of [0, 1, 5, 200, 15625]) {
      // Coarse values make ties in x and in y; some NaN rows are not plotted.
      const x = Float64Array.from({ length: n }, (_, i) => (i % 53 === 0 ? NaN : Math.round(random() * 300) / 10));
      const y = Float64Array.from({ length: n }, (_, i) => (i % 71 === 0 ? NaN : Math.round(random() * random() * 1000) / 10));
      const rows = frontCandidates(x, y);
      expect(paretoFront(x, y, rows)).toEqual(paretoFront(x, y));
      if (n === 15625) expect(rows.length).toBeLessThan(n / 10);
    }
    const same = Float64Array.from([2, 2, 2]);
    expect(paretoFront(same, Float64Array.from([1, 3, 2]), frontCandidates(same, Float64Array.from([1, 3, 2])))).toEqual([1]);
  });
});

describe('calibratedAxisOptions', () => {
  it('labels a predictor with its name and ms, says it predicts, and how it was calibrated and validated', () => {
    const [option] = calibratedAxisOptions([sampleCalibrated('p1')]);
    expect(option).toEqual({
      id: 'calibrated:p1',
      predictorId: 'p1',
      name: 'calibrated p1',
      label: 'calibrated p1 (ms)',
      title: 'calibrated p1 (ms), predicted on This laptop · WASM',
      unit: 'ms',
      deviceLabel: 'This laptop · WASM',
      group: CALIBRATED_GROUP,
      caveat: 'Predicted latency, not measured: calibrated on This laptop · WASM from 2 measured cells; held-out Spearman ρ 0.930 on 20 more measured cells.',
    });
  });

  it('says so when a predictor was not checked on held-out cells', () => {
    const unchecked = sampleCalibrated('p2');
    unchecked.validation = { ...unchecked.validation, heldOut: { cells: 0, spearman: NaN, within10: NaN } };
    unchecked.reference = [{ index: 3, ms: 1.5 }];
    expect(calibratedAxisOptions([unchecked])[0].caveat).toBe('Predicted latency, not measured: calibrated on This laptop · WASM from 1 measured cell; not checked on held-out cells.');
  });
});

describe('ExplorerState with calibrated predictors', () => {
  // sampleCalibrated predicts 1 + (i % 97) / 10 ms for cell i, NaN for every 50th cell.
  const calibrated = { predictors: [sampleCalibrated('new', 2000), sampleCalibrated('old', 1000)] };

  it("offers them after the tables' columns, in their own group", () => {
    const state = new ExplorerState({ datasets, tables, calibrated }, '');
    expect(state.xOptions.map((o) => [o.id, o.group])).toEqual([
      ['nb201:c10_flops', 'NB201'],
      ['latbench:cpu', 'LATBENCH'],
      ['calibrated:new', CALIBRATED_GROUP],
      ['calibrated:old', CALIBRATED_GROUP],
    ]);
    // Only x: a prediction of latency is not an accuracy.
    expect(state.yOptions.map((o) => o.id)).toEqual(['nb201:c100_test']);
  });

  it('plots the predictions as x: NaN cells are left out of the values and the front', () => {
    const state = new ExplorerState({ datasets, tables, calibrated }, '#x=calibrated%3Aold');
    expect(state.xAxis?.id).toBe('calibrated:old');
    expect(state.xAxis && isCalibratedAxis(state.xAxis)).toBe(true);
    expect(state.xTitle).toBe('calibrated old (ms), predicted on This laptop · WASM');
    const x = state.xValues!;
    expect(x).toHaveLength(N);
    expect(x[0]).toBeNaN();
    expect(x[50]).toBeNaN();
    expect(x[1]).toBeCloseTo(1.1, 6);
    expect(x[96]).toBeCloseTo(10.6, 5);
    expect(x.filter(Number.isFinite)).toHaveLength(N - Math.ceil(N / 50));
    // The fastest cells, 1.0 ms, are i ≡ 0 (mod 97); the most accurate of them is 15617, and
    // each of the next seven (one 0.1 ms slower, a little more accurate) is on the front too.
    expect(state.front).toEqual([15617, 15618, 15619, 15620, 15621, 15622, 15623, 15624]);
    state.setCells('connected');
    expect(state.xValues![2]).toBeNaN();
    expect(state.xValues![3]).toBeCloseTo(1.3, 6);
    expect(state.front).toEqual([15617, 15619, 15621, 15623]);
    expect(state.hash).toBe('#x=calibrated%3Aold&cells=connected');
  });

  it('falls back like an unknown column when the hash names a predictor this browser lacks, and keeps the hash', () => {
    const state = new ExplorerState({ datasets, tables, calibrated }, '#x=calibrated%3Agone');
    expect(state.xAxis?.id).toBe('nb201:c10_flops');
    expect(state.xTitle).toBe('FLOPs, CIFAR-10 (MFLOPs)');
    expect(state.xValues![5]).toBe(N - 5);
    expect(state.hash).toBe('#x=calibrated%3Agone');
  });

  it('follows the saved predictors: one saved later appears (and the hash picks it up), a deleted one falls back', async () => {
    const store = new MemoryCalibratedStore();
    const saved = new CalibratedState(async () => ({ store }));
    const state = new ExplorerState({ datasets, tables, calibrated: saved }, '#x=calibrated%3Alater');
    await saved.refresh();
    expect(state.xOptions.filter(isCalibratedAxis)).toEqual([]);
    expect(state.xAxis?.id).toBe('nb201:c10_flops');

    await store.save(sampleCalibrated('later'));
    await saved.refresh();
    expect(state.xOptions.filter(isCalibratedAxis).map((o) => o.id)).toEqual(['calibrated:later']);
    expect(state.xAxis?.id).toBe('calibrated:later');
    expect(state.xValues![1]).toBeCloseTo(1.1, 6);

    await store.delete('later');
    await saved.refresh();
    expect(state.xOptions.filter(isCalibratedAxis)).toEqual([]);
    expect(state.xAxis?.id).toBe('nb201:c10_flops');
    expect(state.xValues![5]).toBe(N - 5);
  });
});
