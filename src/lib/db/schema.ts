/**
 * The IndexedDB schema of BRP-NAS Lab and its migrations.
 *
 * Migrations are a list: entry k upgrades a database from version k to version k+1, so the
 * current version is the list's length. To change the schema, append a step; never edit a
 * shipped one (browsers that already ran it will not run it again).
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { ColumnSpec, DatasetEntry } from '../datasets/columns';

export const DB_NAME = 'brp-nas-lab';

/** What a stored column looks like once decoded: its spec plus statistics of the stored values. */
export interface DatasetColumnInfo extends ColumnSpec {
  /** Number of missing (NaN) values. */
  nMissing: number;
  /** Smallest non-missing value; NaN when every value is missing. */
  min: number;
  /** Largest non-missing value; NaN when every value is missing. */
  max: number;
}

/** Metadata of one stored dataset (a bundled benchmark table or a user import). */
export interface StoredDataset {
  id: string;
  title: string;
  space: DatasetEntry['space'];
  /** Content version: first 12 hex of `sha256`. */
  version: string;
  /** sha256 (hex) of the file the data came from; the ingest skips a dataset when it is unchanged. */
  sha256: string;
  rows: number;
  /** In column order; every column named here has exactly one record in the `columns` store. */
  columns: DatasetColumnInfo[];
  caveats: string[];
  source: string;
  /** When it was stored, ms since the epoch. */
  importedAt: number;
  origin: 'bundled' | 'user';
  /** Size of the file it came from, bytes. */
  bytes: number;
  /** Name of the user's file (user imports only). */
  fileName?: string;
  /**
   * Per-row text keys for spaces whose architecture id is text (NB101 graph hash, DARTS genotype):
   * keys[row] names row `row`. Absent for NB201 tables (keyed by their `index` column).
   */
  keys?: string[];
}

/**
 * One column of one dataset, decoded to float64 (NaN = missing). Stored decoded rather than in
 * the compact file types: a read is then a plain structured-clone copy with no per-value work,
 * and the extra space (8 bytes a value, ~0.125 MB per 15,625-row column) is small next to quotas.
 */
interface ColumnRecord {
  datasetId: string;
  name: string;
  values: Float64Array;
}

/** A latency measurement taken in this browser (filled in by the profiler). */
export interface MeasurementRow {
  id?: number;
  profileId: string;
  archIndex: number;
}

/** A record keyed by a string id (predictors, search runs, device profiles). */
export interface KeyedRecord {
  id: string;
}

export interface BrpNasLabDB extends DBSchema {
  datasets: { key: string; value: StoredDataset };
  columns: { key: [string, string]; value: ColumnRecord };
  measurements: { key: number; value: MeasurementRow; indexes: { byProfile: string; byArch: number } };
  predictors: { key: string; value: KeyedRecord };
  searchRuns: { key: string; value: KeyedRecord };
  profiles: { key: string; value: KeyedRecord };
  /** v2: the latest checkpoint of each search run, keyed by the run's id (kept apart: a predictor is megabytes). */
  searchCheckpoints: { key: string; value: KeyedRecord };
  /** v3: the Learn view's progress and settings, one record per visitor (learn-progress.ts). */
  learn: { key: string; value: KeyedRecord };
}

export type LabDatabase = IDBPDatabase<BrpNasLabDB>;
export type UpgradeTransaction = IDBPTransaction<BrpNasLabDB, StoreNames<BrpNasLabDB>[], 'versionchange'>;
/** One schema step. `tx` is the upgrade transaction, for steps that must move existing data. */
export type Migration = (db: LabDatabase, tx: UpgradeTransaction) => void;

/** v0 → v1: every store the app uses. */
function createInitialStores(db: LabDatabase): void {
  db.createObjectStore('datasets', { keyPath: 'id' });
  db.createObjectStore('columns', { keyPath: ['datasetId', 'name'] });
  const measurements = db.createObjectStore('measurements', { keyPath: 'id', autoIncrement: true });
  measurements.createIndex('byProfile', 'profileId');
  measurements.createIndex('byArch', 'archIndex');
  db.createObjectStore('predictors', { keyPath: 'id' });
  db.createObjectStore('searchRuns', { keyPath: 'id' });
  db.createObjectStore('profiles', { keyPath: 'id' });
}

/**
 * v1 → v2: search checkpoints get a store of their own, so that listing the runs (in `searchRuns`)
 * never reads the megabytes of predictor weights a checkpoint holds. Existing data is untouched.
 */
function addSearchCheckpoints(db: LabDatabase): void {
  db.createObjectStore('searchCheckpoints', { keyPath: 'id' });
}

/** v2 → v3: a store for the Learn view's progress and settings. Existing data is untouched. */
function addLearn(db: LabDatabase): void {
  db.createObjectStore('learn', { keyPath: 'id' });
}

export const MIGRATIONS: readonly Migration[] = [createInitialStores, addSearchCheckpoints, addLearn];

export const DB_VERSION = MIGRATIONS.length;

/** Runs the steps that take a database from `oldVersion` to `newVersion`, in order. */
export function runMigrations(migrations: readonly Migration[], db: LabDatabase, tx: UpgradeTransaction, oldVersion: number, newVersion: number): void {
  if (newVersion > migrations.length) throw new Error(`no migration to schema version ${newVersion} (the latest is ${migrations.length})`);
  for (let version = oldVersion; version < newVersion; version++) migrations[version](db, tx);
}

/** The key range covering every column record of one dataset ([id, name] for any name). */
export function columnsOf(datasetId: string): IDBKeyRange {
  // Arrays sort after strings in IndexedDB's key order, so [id, []] is above [id, any name].
  return IDBKeyRange.bound([datasetId], [datasetId, []]);
}
