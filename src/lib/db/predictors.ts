/**
 * Saved predictors in the `predictors` object store of the existing schema (keyPath `id`).
 *
 * Each predictor is two records, written and deleted in one transaction:
 * - `predictor:<id>`: the summary (provenance, kind, feature width, normalisation): small;
 * - `predictor-weights:<id>`: the weights as Float32Arrays (≈ 4.4 MB for a 4×600 GCN).
 * Listing reads only the key range of the summaries, so it never loads megabytes of weights.
 * This layout needs no schema change (no new store, no version bump that would force other open
 * tabs to reload). Records read back are checked, as anything in IndexedDB may be stale or edited.
 */
import { checkProvenance, type PackedPredictor, type PredictorProvenance } from '../predictor/persist';
import type { Normalisation } from '../predictor/predictor';
import { StoreError, toStoreError } from './errors';
import { Connection } from './connection';
import { openOrMemory } from './open';
import type { KeyedRecord, LabDatabase, Migration } from './schema';

const SUMMARY_PREFIX = 'predictor:';
const WEIGHTS_PREFIX = 'predictor-weights:';
/** Every key that starts with SUMMARY_PREFIX ('-' sorts before ':', so weight keys fall outside). */
const SUMMARY_RANGE = () => IDBKeyRange.bound(SUMMARY_PREFIX, `${SUMMARY_PREFIX}\uffff`);

/** What the UI lists: everything about a saved predictor except its weights. */
export interface PredictorSummary {
  id: string;
  provenance: PredictorProvenance;
  kind: PackedPredictor['kind'];
  /** Node feature width of its GCN. */
  features: number;
  /** Regression target scaling (null for BRP or raw targets). */
  normalisation: Normalisation | null;
}

/** A saved predictor: its summary plus the weights. */
export interface StoredPredictor {
  summary: PredictorSummary;
  predictor: PackedPredictor;
}

interface SummaryRecord extends KeyedRecord {
  summary: PredictorSummary;
}

interface WeightsRecord extends KeyedRecord {
  weights: PackedPredictor['weights'];
}

export interface PredictorStore {
  readonly mode: 'indexeddb' | 'memory';
  /** Saves (or replaces) a predictor under `summary.id`, both records at once. */
  save(stored: StoredPredictor): Promise<void>;
  /** Summaries of every saved predictor, newest first. Records that fail their checks are skipped and named in `problems`. */
  list(): Promise<{ summaries: PredictorSummary[]; problems: string[] }>;
  load(id: string): Promise<StoredPredictor | undefined>;
  /** True when something was deleted. */
  delete(id: string): Promise<boolean>;
  close(): void;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 100) throw new Error(`a predictor id must be a string of 1-100 characters, got ${JSON.stringify(id)?.slice(0, 40)}`);
  return id;
}

/** Checks a summary read back from storage and returns a clean copy. */
function checkSummary(data: unknown, source: string): PredictorSummary {
  const s = data as Partial<PredictorSummary> | null;
  if (typeof s !== 'object' || s === null) throw new Error(`${source}: expected a predictor summary`);
  const id = checkId(s.id);
  const provenance = checkProvenance(s.provenance, `${source}: provenance`);
  if (s.kind !== provenance.kind) throw new Error(`${source}: kind ${String(s.kind)} differs from its provenance (${provenance.kind})`);
  if (typeof s.features !== 'number' || !Number.isInteger(s.features) || s.features < 1) throw new Error(`${source}: 'features' must be a positive integer`);
  const n = s.normalisation;
  if (n !== null && (typeof n !== 'object' || !Number.isFinite(n?.min) || !Number.isFinite(n?.max))) {
    throw new Error(`${source}: 'normalisation' must be null or { min, max }`);
  }
  return { id, provenance, kind: provenance.kind, features: s.features, normalisation: n ? { min: n.min, max: n.max } : null };
}

function checkStored(stored: StoredPredictor): void {
  checkSummary(stored?.summary, 'predictor to save');
  const p = stored.predictor;
  if (!p || p.kind !== stored.summary.kind || p.features !== stored.summary.features || !Array.isArray(p.weights)) {
    throw new Error(`predictor to save (${stored.summary.id}): the weights do not match its summary`);
  }
  p.weights.forEach((w, i) => {
    if (!(w.values instanceof Float32Array)) throw new Error(`predictor to save (${stored.summary.id}): weights[${i}] is not a Float32Array`);
  });
}

function newestFirst(a: PredictorSummary, b: PredictorSummary): number {
  return b.provenance.createdAt - a.provenance.createdAt || (a.id < b.id ? -1 : 1);
}

export class IdbPredictorStore implements PredictorStore {
  readonly mode = 'indexeddb';
  readonly #conn: Connection;

  constructor(db: LabDatabase) {
    this.#conn = new Connection(db);
  }

  #connection(): LabDatabase {
    return this.#conn.get();
  }

  async save(stored: StoredPredictor): Promise<void> {
    checkStored(stored);
    const { summary, predictor } = stored;
    const action = `save predictor "${summary.provenance.name}"`;
    let tx;
    try {
      tx = this.#connection().transaction('predictors', 'readwrite');
    } catch (error) {
      throw toStoreError(error, { action, write: true });
    }
    const requests: Promise<unknown>[] = [tx.done];
    let thrown: unknown;
    try {
      const store = tx.objectStore('predictors');
      const summaryRecord: SummaryRecord = { id: SUMMARY_PREFIX + summary.id, summary };
      const weightsRecord: WeightsRecord = { id: WEIGHTS_PREFIX + summary.id, weights: predictor.weights };
      requests.push(store.put(summaryRecord), store.put(weightsRecord));
    } catch (error) {
      // A put that throws (e.g. DataCloneError) leaves the transaction open: abort it, so a
      // summary is never stored without its weights.
      thrown = error;
      try {
        tx.abort();
      } catch {
        // Already finished: nothing to undo.
      }
    }
    try {
      await Promise.all(requests);
    } catch (error) {
      throw toStoreError(thrown ?? tx.error ?? error, { action, write: true });
    }
  }

  async list(): Promise<{ summaries: PredictorSummary[]; problems: string[] }> {
    let records: KeyedRecord[];
    try {
      records = await this.#connection().getAll('predictors', SUMMARY_RANGE());
    } catch (error) {
      throw toStoreError(error, { action: 'list the saved predictors', write: false });
    }
    const summaries: PredictorSummary[] = [];
    const problems: string[] = [];
    for (const record of records) {
      try {
        summaries.push(checkSummary((record as SummaryRecord).summary, `saved predictor ${record.id.slice(SUMMARY_PREFIX.length, 60)}`));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return { summaries: summaries.sort(newestFirst), problems };
  }

  async load(id: string): Promise<StoredPredictor | undefined> {
    checkId(id);
    let summaryRecord: KeyedRecord | undefined;
    let weightsRecord: KeyedRecord | undefined;
    try {
      const tx = this.#connection().transaction('predictors', 'readonly');
      const store = tx.objectStore('predictors');
      [summaryRecord, weightsRecord] = await Promise.all([store.get(SUMMARY_PREFIX + id), store.get(WEIGHTS_PREFIX + id), tx.done]);
    } catch (error) {
      throw toStoreError(error, { action: `read predictor ${id}`, write: false });
    }
    return assemble(id, summaryRecord as SummaryRecord | undefined, weightsRecord as WeightsRecord | undefined);
  }

  async delete(id: string): Promise<boolean> {
    checkId(id);
    try {
      const tx = this.#connection().transaction('predictors', 'readwrite');
      const store = tx.objectStore('predictors');
      const [summaryKey, weightsKey] = await Promise.all([
        store.getKey(SUMMARY_PREFIX + id),
        store.getKey(WEIGHTS_PREFIX + id),
        store.delete(SUMMARY_PREFIX + id),
        store.delete(WEIGHTS_PREFIX + id),
        tx.done,
      ]);
      return summaryKey !== undefined || weightsKey !== undefined;
    } catch (error) {
      throw toStoreError(error, { action: `delete predictor ${id}`, write: true });
    }
  }

  close(): void {
    this.#conn.close('The predictor store was closed');
  }
}

function assemble(id: string, summaryRecord: SummaryRecord | undefined, weightsRecord: WeightsRecord | undefined): StoredPredictor | undefined {
  if (!summaryRecord && !weightsRecord) return undefined;
  const source = `saved predictor ${id}`;
  if (!summaryRecord) throw new StoreError('corrupt', `${source}: its summary is missing (only the weights are stored); delete it`);
  if (!weightsRecord || !Array.isArray(weightsRecord.weights)) throw new StoreError('corrupt', `${source}: its weights are missing; delete it`);
  const summary = checkSummary(summaryRecord.summary, source);
  const config = summary.provenance.config;
  return { summary, predictor: { kind: summary.kind, features: summary.features, config, normalisation: summary.normalisation, weights: weightsRecord.weights } };
}

/** Same behaviour for a tab without IndexedDB: values are structured-cloned in and out. */
export class MemoryPredictorStore implements PredictorStore {
  readonly mode = 'memory';
  readonly #records = new Map<string, StoredPredictor>();

  async save(stored: StoredPredictor): Promise<void> {
    checkStored(stored);
    this.#records.set(stored.summary.id, structuredClone(stored));
  }

  async list(): Promise<{ summaries: PredictorSummary[]; problems: string[] }> {
    return { summaries: [...this.#records.values()].map((r) => structuredClone(r.summary)).sort(newestFirst), problems: [] };
  }

  async load(id: string): Promise<StoredPredictor | undefined> {
    const stored = this.#records.get(checkId(id));
    return stored && structuredClone(stored);
  }

  async delete(id: string): Promise<boolean> {
    return this.#records.delete(checkId(id));
  }

  close(): void {}
}

/**
 * Opens the predictor store on IndexedDB (its own connection to the app's database), or in memory
 * with a notice when IndexedDB is missing or refuses; never throws.
 */
export function openPredictorStore(factory?: IDBFactory | null, options: { migrations?: readonly Migration[]; timeoutMs?: number } = {}): Promise<{ store: PredictorStore; notice?: string }> {
  return openOrMemory<PredictorStore>(
    'Saved predictors are kept',
    (db) => new IdbPredictorStore(db),
    () => new MemoryPredictorStore(),
    factory,
    options,
  );
}
