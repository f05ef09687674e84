/**
 * The data store the app reads benchmark tables from: one interface, two implementations
 * (IndexedDB in `idb-store.ts`, memory in `memory-store.ts`) with the same behaviour.
 */
import type { ColumnSpec, Table } from '../datasets/columns';
import { StoreError, type StorageUsage } from './errors';
import type { DatasetColumnInfo, StoredDataset } from './schema';

/** Something the user should know about the store after it opened (shown as a banner). */
export interface StoreNotice {
  kind: 'upgraded-elsewhere' | 'closed';
  message: string;
}

export interface PutOptions {
  /** Aborting it before the write commits cancels the write; the previous version stays. */
  signal?: AbortSignal;
}

export interface DataStore {
  readonly mode: 'indexeddb' | 'memory';
  /** Metadata of every stored dataset, by id. */
  listDatasets(): Promise<StoredDataset[]>;
  getDataset(id: string): Promise<StoredDataset | undefined>;
  /** Every column of a dataset as float64 (NaN = missing), in metadata order; undefined if absent. */
  loadTable(id: string): Promise<Table | undefined>;
  /**
   * Stores a dataset atomically: replaces its metadata and all its columns, or, when anything
   * fails, changes nothing (the previous version stays complete). Rejects with a {@link StoreError}.
   * `columns` must hold exactly the columns named in `meta.columns`, each with `meta.rows` values.
   */
  putDataset(meta: StoredDataset, columns: Record<string, Float64Array>, options?: PutOptions): Promise<void>;
  /** Removes a dataset and its columns atomically; false when there was none. */
  deleteDataset(id: string): Promise<boolean>;
  /** Rows actually stored (the length shared by the stored columns); undefined with no columns. */
  countRows(id: string): Promise<number | undefined>;
  /** Storage used and available to this site, when the browser tells. */
  estimate(): Promise<StorageUsage | undefined>;
  /** Calls `listener` with each later notice; returns a function that stops it. */
  onNotice(listener: (notice: StoreNotice) => void): () => void;
  close(): void;
}

/** The browser's storage estimate, when it offers one (window and worker alike). */
export async function browserEstimate(): Promise<StorageUsage | undefined> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (typeof storage?.estimate !== 'function') return undefined;
  try {
    const { usage, quota } = await storage.estimate();
    return usage === undefined || quota === undefined ? undefined : { usage, quota };
  } catch {
    return undefined;
  }
}

/** A column's spec plus statistics computed from its values (NaN = missing). */
export function describeColumn(spec: ColumnSpec, values: Float64Array): DatasetColumnInfo {
  let nMissing = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) nMissing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (nMissing === values.length) min = max = NaN;
  return { ...spec, nMissing, min, max };
}

/** Throws a `bad-data` {@link StoreError} unless `columns` matches `meta` exactly. */
export function checkDataset(meta: StoredDataset, columns: Record<string, Float64Array>): void {
  const fail = (problem: string) => {
    throw new StoreError('bad-data', `Could not store dataset "${String(meta?.id)}": ${problem}; nothing was changed`);
  };
  if (typeof meta?.id !== 'string' || meta.id === '') fail('it has no id');
  if (!Number.isInteger(meta.rows) || meta.rows < 0) fail(`rows must be a whole number, got ${String(meta.rows)}`);
  if (!Array.isArray(meta.columns)) fail('its metadata lists no columns');
  const named = new Set<string>();
  for (const { name } of meta.columns) {
    if (typeof name !== 'string' || name === '') fail('a column has no name');
    if (named.has(name)) fail(`column "${name}" is listed twice`);
    named.add(name);
    const values = Object.hasOwn(columns, name) ? columns[name] : undefined;
    if (!(values instanceof Float64Array)) fail(`column "${name}" has no float64 values`);
    else if (values.length !== meta.rows) fail(`column "${name}" has ${values.length} values, expected ${meta.rows}`);
  }
  const extra = Object.keys(columns).find((name) => !named.has(name));
  if (extra !== undefined) fail(`column "${extra}" is not listed in its metadata`);
  if (meta.keys !== undefined && !(Array.isArray(meta.keys) && meta.keys.length === meta.rows && meta.keys.every((k) => typeof k === 'string'))) {
    fail(`its keys must be ${meta.rows} strings, one per row`);
  }
}

/** Assembles a {@link Table} from metadata and column values, checking nothing is missing. */
export function assembleTable(meta: StoredDataset, stored: Map<string, Float64Array>): Table {
  const columns: Record<string, Float64Array> = {};
  for (const { name } of meta.columns) {
    const values = stored.get(name);
    if (!values || values.length !== meta.rows) {
      const problem = values ? `has ${values.length} values, expected ${meta.rows}` : 'is missing';
      throw new StoreError('corrupt', `Stored dataset "${meta.id}" is incomplete (column "${name}" ${problem}); import it again`);
    }
    columns[name] = values;
  }
  return { id: meta.id, version: meta.version, rows: meta.rows, columns };
}

/** The row count shared by stored columns; throws `corrupt` when they disagree. */
export function sharedLength(datasetId: string, lengths: number[]): number | undefined {
  if (lengths.length === 0) return undefined;
  if (lengths.some((n) => n !== lengths[0])) {
    throw new StoreError('corrupt', `Stored dataset "${datasetId}" has columns of different lengths (${[...new Set(lengths)].join(', ')}); import it again`);
  }
  return lengths[0];
}

/**
 * Keeps the listeners of {@link DataStore.onNotice}. A late subscriber is told the latest notice
 * at once, so a banner shows even when the event happened before the UI subscribed.
 */
export class NoticeHub {
  readonly #listeners = new Set<(notice: StoreNotice) => void>();
  #latest: StoreNotice | undefined;
  subscribe(listener: (notice: StoreNotice) => void): () => void {
    this.#listeners.add(listener);
    if (this.#latest) listener(this.#latest);
    return () => this.#listeners.delete(listener);
  }
  emit(notice: StoreNotice): void {
    this.#latest = notice;
    for (const listener of this.#listeners) listener(notice);
  }
}
