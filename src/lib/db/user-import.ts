/**
 * A visitor's own NB201 table (e.g. latencies measured on their phone) stored as dataset
 * `user:<slug>`: spread over the whole NB201 space (row = NB201 index, NaN where the file has no
 * row) so it lines up with the bundled tables. Importing a file of the same name replaces the
 * earlier import atomically.
 */
import type { ColumnKind, ColumnSpec, Table } from '../datasets/columns';
import { parseUserTable, looksLikeLatency, type ArchLookup, type UserTableOk } from '../datasets/user-table';
import { printable } from '../datasets/validate';
import { archStrToOps, NB201_NUM_CELLS, opsToCode } from '../spaces/nb201';
import { sha256Hex } from './download';
import { StoreError } from './errors';
import type { StoredDataset } from './schema';
import { describeColumn, type DataStore } from './store';

export type UserImportResult =
  { ok: true; dataset: StoredDataset; /** True when an earlier import of the same name was replaced. */ replaced: boolean; warnings: string[] } | { ok: false; message: string };

const USER_PREFIX = 'user:';

/** `user:` + the name in lowercase letters, digits and dashes (at most 48), e.g. `user:pixel-7-latency`. */
export function userDatasetId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${USER_PREFIX}${slug || 'table'}`;
}

/** A guess at what a user column measures, from its name and unit; drives which views offer it. */
export function userColumnKind(name: string, unit: string): ColumnKind {
  if (looksLikeLatency(name, unit)) return 'latency';
  if (unit === '%' || /acc/i.test(name)) return 'accuracy';
  if (/flop/i.test(name)) return 'flops';
  if (/param/i.test(name)) return 'params';
  return 'score';
}

/** Parses `file` and stores it; on any problem returns one message and stores nothing. */
export async function importUserTable(store: DataStore, file: { name: string; bytes: Uint8Array }, lookup: ArchLookup): Promise<UserImportResult> {
  const shownName = printable(file.name || 'the file');
  let parsed;
  try {
    parsed = parseUserTable({ fileName: file.name, bytes: file.bytes }, lookup);
  } catch (error) {
    return { ok: false, message: `${shownName} could not be read (${(error as Error).message})` };
  }
  if (!parsed.ok) return { ok: false, message: parsed.message };
  try {
    const { meta, columns } = await userDataset(parsed, file, shownName);
    const replaced = (await store.getDataset(meta.id)) !== undefined;
    await store.putDataset(meta, columns);
    return { ok: true, dataset: meta, replaced, warnings: parsed.warnings };
  } catch (error) {
    if (error instanceof StoreError || error instanceof UserImportProblem) return { ok: false, message: error.message };
    throw error;
  }
}

class UserImportProblem extends Error {}

async function userDataset(parsed: UserTableOk, file: { name: string; bytes: Uint8Array }, shownName: string) {
  const rows = NB201_NUM_CELLS;
  const index = Float64Array.from({ length: rows }, (_, i) => i);
  const columns: Record<string, Float64Array> = { index };
  const specs: ColumnSpec[] = [{ name: 'index', kind: 'key', unit: '', description: 'NAS-Bench-201 architecture index (0–15,624).' }];
  // The parser already refuses these; checked again because a repeat would silently overwrite a value.
  const rowOfIndex = new Map<number, number>();
  parsed.index.forEach((i, r) => {
    if (!(i >= 0 && i < rows)) throw new UserImportProblem(`${shownName}: data row ${r + 1} has NB201 index ${i}, outside 0..${rows - 1}`);
    if (rowOfIndex.has(i)) throw new UserImportProblem(`${shownName}: data rows ${rowOfIndex.get(i)! + 1} and ${r + 1} are both NB201 index ${i}`);
    rowOfIndex.set(i, r);
  });
  for (const column of parsed.columns) {
    if (column.name === '__proto__' || Object.hasOwn(columns, column.name)) {
      throw new UserImportProblem(`${shownName}: a value column may not be named ${column.name}; rename it`);
    }
    const spread = new Float64Array(rows).fill(NaN);
    parsed.index.forEach((i, r) => {
      spread[i] = column.values[r];
    });
    columns[column.name] = spread;
    specs.push({ name: column.name, kind: userColumnKind(column.name, column.unit), unit: column.unit, description: `From ${shownName}, column ${column.name}.` });
  }
  const importedAt = Date.now();
  const sha256 = (await sha256Hex(new Uint8Array(file.bytes))) ?? '';
  const meta: StoredDataset = {
    id: userDatasetId(parsed.name),
    title: parsed.name,
    space: 'nb201',
    version: sha256 ? sha256.slice(0, 12) : `t${importedAt}`,
    sha256,
    rows,
    columns: specs.map((spec) => describeColumn(spec, columns[spec.name])),
    caveats: parsed.warnings,
    source: `Imported from ${shownName}: ${parsed.rows} rows keyed by ${parsed.keyColumn}`,
    importedAt,
    origin: 'user',
    bytes: file.bytes.byteLength,
    fileName: shownName,
  };
  return { meta, columns };
}

/**
 * An {@link ArchLookup} from the stored NAS-Bench-201 table: its `ops_code` column (base-5 op
 * code) gives each arch string's official `index`. Throws a sentence when the table lacks them.
 */
export function nb201Lookup(table: Table): ArchLookup {
  const { index, ops_code: opsCode } = table.columns;
  if (!index || !opsCode) throw new Error(`The NAS-Bench-201 table (${table.id}) has no index or ops_code column; import it again`);
  const indexOfCode = new Int32Array(NB201_NUM_CELLS).fill(-1);
  for (let r = 0; r < table.rows; r++) {
    const code = opsCode[r];
    if (Number.isInteger(code) && code >= 0 && code < NB201_NUM_CELLS && Number.isInteger(index[r])) indexOfCode[code] = index[r];
  }
  return {
    rows: NB201_NUM_CELLS,
    indexOfArchStr(archStr: string): number | undefined {
      let code: number;
      try {
        code = opsToCode(archStrToOps(archStr));
      } catch {
        return undefined;
      }
      return indexOfCode[code] >= 0 ? indexOfCode[code] : undefined;
    },
  };
}

/** The lookup from the stored `nb201` table; throws a sentence when it is not stored yet. */
export async function loadNb201Lookup(store: DataStore, datasetId = 'nb201'): Promise<ArchLookup> {
  const table = await store.loadTable(datasetId);
  if (!table) throw new Error('Importing a table needs the NAS-Bench-201 table, which is not stored yet; wait until the datasets have loaded, then try again');
  return nb201Lookup(table);
}
