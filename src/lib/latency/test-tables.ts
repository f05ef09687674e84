/**
 * Test helper: the real app-ready tables from the build output (`public/datasets/`, written by
 * `npm run datasets` from ../shared/datasets), decoded in Node. `null` when not built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { decodeColumns, type Table } from '../datasets/columns.ts';
import { parseManifest } from '../db/manifest.ts';
import { knownDevices, type KnownDevices } from './reference-set.ts';

const DIR = fileURLToPath(new URL('../../../public/datasets/', import.meta.url));

export interface BuiltTables {
  tables: Record<string, Table>;
  known: KnownDevices;
  datasets: ReturnType<typeof parseManifest>['datasets'];
}

export function loadBuiltTables(ids: readonly string[] = ['nb201', 'latbench', 'help', 'hwnasbench']): BuiltTables | null {
  if (!existsSync(`${DIR}manifest.json`)) return null;
  const manifest = parseManifest(readFileSync(`${DIR}manifest.json`, 'utf8'));
  const tables: Record<string, Table> = {};
  for (const entry of manifest.datasets) {
    if (!ids.includes(entry.id)) continue;
    const bytes = gunzipSync(readFileSync(DIR + entry.file));
    tables[entry.id] = decodeColumns(entry, Uint8Array.from(bytes).buffer);
  }
  const datasets = manifest.datasets.filter((d) => ids.includes(d.id));
  return { tables, known: knownDevices(datasets as never, tables), datasets };
}
