/** Small datasets for the store, ingest and import tests (not used by the app). */
import type { ColumnSpec } from '../datasets/columns';
import type { StoredDataset } from './schema';
import { describeColumn } from './store';

export interface DatasetFixture {
  meta: StoredDataset;
  columns: Record<string, Float64Array>;
}

const SPECS: Record<string, ColumnSpec> = {
  index: { name: 'index', kind: 'key', unit: '', description: 'NB201 index' },
  acc: { name: 'acc', kind: 'accuracy', unit: '%', description: 'test accuracy' },
  lat: { name: 'lat', kind: 'latency', unit: 'ms', description: 'latency' },
};

/**
 * A dataset whose values encode its version, so a test can tell versions apart and see a mix:
 * column c, row r holds `version·1000 + c·100 + r` (row 1 of `lat` is missing).
 */
export function fixtureDataset(id: string, version: number, rows = 5, names = ['index', 'acc', 'lat']): DatasetFixture {
  const columns: Record<string, Float64Array> = {};
  names.forEach((name, c) => {
    const values = Float64Array.from({ length: rows }, (_, r) => (name === 'index' ? r : version * 1000 + c * 100 + r));
    if (name === 'lat' && rows > 1) values[1] = NaN;
    columns[name] = values;
  });
  const meta: StoredDataset = {
    id,
    title: `Dataset ${id} v${version}`,
    space: 'nb201',
    version: `v${version}`.padEnd(12, '0'),
    sha256: String(version).repeat(64).slice(0, 64),
    rows,
    columns: names.map((name) => describeColumn(SPECS[name] ?? { ...SPECS.acc, name }, columns[name])),
    caveats: [],
    source: 'test',
    importedAt: 1_700_000_000_000 + version,
    origin: 'bundled',
    bytes: 100 * version,
  };
  return { meta, columns };
}
