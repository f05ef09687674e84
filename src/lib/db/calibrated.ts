/**
 * Saved calibrated latency predictors, in the existing `predictors` object store (keyPath `id`)
 * under keys `calibrated:<id>`, one record each (its predictions are only 62 KB). Like the GCN
 * predictors next to them, this needs no schema change. Records read back are checked.
 */
import { checkCalibrated, summarise, type CalibratedPredictor, type CalibratedSummary } from '../latency/calibrated-predictor';
import { Connection } from './connection';
import { toStoreError } from './errors';
import { openOrMemory } from './open';
import type { KeyedRecord, LabDatabase, Migration } from './schema';

const PREFIX = 'calibrated:';
const RANGE = () => IDBKeyRange.bound(PREFIX, `${PREFIX}\uffff`);

interface CalibratedRecord extends KeyedRecord {
  predictor: CalibratedPredictor;
}

export interface CalibratedStore {
  readonly mode: 'indexeddb' | 'memory';
  save(predictor: CalibratedPredictor): Promise<void>;
  /** Newest first; records that fail their checks are skipped and named in `problems`. */
  list(): Promise<{ summaries: CalibratedSummary[]; problems: string[] }>;
  load(id: string): Promise<CalibratedPredictor | undefined>;
  delete(id: string): Promise<boolean>;
  close(): void;
}

const newestFirst = (a: CalibratedSummary, b: CalibratedSummary) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1);

export class IdbCalibratedStore implements CalibratedStore {
  readonly mode = 'indexeddb';
  readonly #conn: Connection;

  constructor(db: LabDatabase) {
    this.#conn = new Connection(db);
  }

  async save(predictor: CalibratedPredictor): Promise<void> {
    const clean = checkCalibrated(predictor, 'calibrated predictor to save');
    try {
      const record: CalibratedRecord = { id: PREFIX + clean.id, predictor: clean };
      await this.#conn.get().put('predictors', record);
    } catch (error) {
      throw toStoreError(error, { action: `save calibrated predictor "${clean.name}"`, write: true });
    }
  }

  async list(): Promise<{ summaries: CalibratedSummary[]; problems: string[] }> {
    let records: KeyedRecord[];
    try {
      records = await this.#conn.get().getAll('predictors', RANGE());
    } catch (error) {
      throw toStoreError(error, { action: 'list the calibrated predictors', write: false });
    }
    const summaries: CalibratedSummary[] = [];
    const problems: string[] = [];
    for (const record of records) {
      try {
        summaries.push(summarise(checkCalibrated((record as CalibratedRecord).predictor, `saved calibrated predictor ${record.id.slice(PREFIX.length, 60)}`)));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return { summaries: summaries.sort(newestFirst), problems };
  }

  async load(id: string): Promise<CalibratedPredictor | undefined> {
    let record: KeyedRecord | undefined;
    try {
      record = await this.#conn.get().get('predictors', PREFIX + id);
    } catch (error) {
      throw toStoreError(error, { action: `read calibrated predictor ${id}`, write: false });
    }
    return record ? checkCalibrated((record as CalibratedRecord).predictor, `saved calibrated predictor ${id}`) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    try {
      const tx = this.#conn.get().transaction('predictors', 'readwrite');
      const [key] = await Promise.all([tx.store.getKey(PREFIX + id), tx.store.delete(PREFIX + id), tx.done]);
      return key !== undefined;
    } catch (error) {
      throw toStoreError(error, { action: `delete calibrated predictor ${id}`, write: true });
    }
  }

  close(): void {
    this.#conn.close('The calibrated predictor store was closed');
  }
}

/** Same behaviour for a tab without IndexedDB. */
export class MemoryCalibratedStore implements CalibratedStore {
  readonly mode = 'memory';
  readonly #records = new Map<string, CalibratedPredictor>();

  async save(predictor: CalibratedPredictor): Promise<void> {
    const clean = checkCalibrated(predictor, 'calibrated predictor to save');
    this.#records.set(clean.id, clean);
  }

  async list(): Promise<{ summaries: CalibratedSummary[]; problems: string[] }> {
    return { summaries: [...this.#records.values()].map(summarise).sort(newestFirst), problems: [] };
  }

  async load(id: string): Promise<CalibratedPredictor | undefined> {
    const stored = this.#records.get(id);
    return stored && checkCalibrated(stored, `calibrated predictor ${id}`);
  }

  async delete(id: string): Promise<boolean> {
    return this.#records.delete(id);
  }

  close(): void {}
}

/** Opens the store on IndexedDB, or in memory with a notice; never throws. */
export function openCalibratedStore(factory?: IDBFactory | null, options: { migrations?: readonly Migration[]; timeoutMs?: number } = {}): Promise<{ store: CalibratedStore; notice?: string }> {
  return openOrMemory<CalibratedStore>(
    'Calibrated predictors are kept',
    (db) => new IdbCalibratedStore(db),
    () => new MemoryCalibratedStore(),
    factory,
    options,
  );
}
