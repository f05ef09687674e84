import { describe, expect, it } from 'vitest';
import type { Table } from '../datasets/columns';
import type { DatasetColumnInfo, StoredDataset } from '../db/schema';
import { axisOptions, ExplorerState } from './explorer.svelte';

const N = 15625;
function column(name: string, kind: DatasetColumnInfo['kind'], unit: string, extra: Partial<DatasetColumnInfo> = {}): DatasetColumnInfo {
  return { name, kind, unit, description: name, nMissing: 0, min: 0, max: 1, ...extra };
}
function dataset(id: string, columns: DatasetColumnInfo[], rows = N): StoredDataset {
  return { id, title: id.toUpperCase(), space: 'nb201', version: 'v', sha256: 's', rows, columns, caveats: [], source: '', importedAt: 0, origin: 'bundled', bytes: 0 };
}
const range = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));

const datasets = [
  dataset('nb201', [column('index', 'key', ''), column('connected', 'flag', ''), column('c100_test', 'accuracy', '%', { label: 'CIFAR-100 test accuracy' }), column('c10_flops', 'flops', 'MFLOPs', { label: 'FLOPs, CIFAR-10' })]),
  dataset('latbench', [column('index', 'key', ''), column('cpu', 'latency', 'ms', { device: { label: 'Desktop CPU', family: 'cpu' } }), column('x_odd', 'latency', 'ms', { device: { label: 'odd', family: 'gpu', notADevice: true } })], 3),
];
const tables: Record<string, Table> = {
  nb201: { id: 'nb201', version: 'v', rows: N, columns: { index: range(N, (i) => i), connected: range(N, (i) => (i % 2 ? 1 : 0)), c100_test: range(N, (i) => i / 1000), c10_flops: range(N, (i) => N - i) } },
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
    const state = new ExplorerState({ datasets, tables }, '#x=latbench%3Amissing&y=nb201%3Ac100_test&pin=7');
    expect(state.xAxis?.id).toBe('nb201:c10_flops');
    expect(state.pinned).toBe(7);
  });

  it('spreads a table over the NB201 indices and masks disconnected cells on request', () => {
    const state = new ExplorerState({ datasets, tables }, '#x=latbench%3Acpu');
    expect(Array.from(state.xValues!.slice(0, 5))).toEqual([NaN, 5, 4, 3, NaN]);
    state.setCells('connected');
    expect(Array.from(state.xValues!.slice(0, 5))).toEqual([NaN, 5, NaN, 3, NaN]);
    // Lower latency and higher accuracy: cell 3 (3 ms, 0.003 %) and cell 1 (5 ms) lose to nothing faster-and-better.
    expect(state.front).toEqual([3]);
  });

  it('writes only non-default settings to the hash, and a new x resets the zoom', () => {
    const state = new ExplorerState({ datasets, tables }, '');
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
});
