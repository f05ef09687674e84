/**
 * Saved search runs: the settings, the status, every finished iteration and the final result in
 * `searchRuns`; the latest checkpoint (its predictor is megabytes of Float32Array weights) apart in
 * `searchCheckpoints` under the run's id, so listing the runs never reads a predictor. A run and
 * its checkpoint are written in one transaction: a reload or a crashed tab finds a checkpoint
 * that matches the stored iterations. Records read back are checked; a bad one is named and skipped.
 */
import type { SearchCheckpoint, SearchIterationRecord, SearchResult, SearchSettings } from '../workers/search-messages';
import { Connection } from './connection';
import { toStoreError } from './errors';
import { openOrMemory } from './open';
import type { KeyedRecord, LabDatabase, Migration } from './schema';

type SearchRunStatus = 'running' | 'paused' | 'finished' | 'cancelled' | 'failed';
const SEARCH_RUN_STATUSES: readonly SearchRunStatus[] = ['running', 'paused', 'finished', 'cancelled', 'failed'];

/** One search as it is kept (everything but its checkpoint). */
export interface SearchRun {
  id: string;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  settings: SearchSettings;
  /** The latency device's id as the page knows it (`<dataset>:<column>` or `calibrated:<id>`); null without one. */
  deviceId: string | null;
  /** `running` is what a run that was interrupted (reload, crashed tab) still says. */
  status: SearchRunStatus;
  /** Why it failed, one sentence (status `failed`); null otherwise. */
  error: string | null;
  /** Iterations the run plans (for "iteration 2 of 5"). */
  plannedIterations: number;
  /** Every finished iteration, in order (a resumed run's earlier ones included). */
  iterations: SearchIterationRecord[];
  /** The baselines' best-so-far curves (test % of the best-valid cell after each query), by method. */
  baselines: Record<string, number[]>;
  /** Set once the run finished. */
  result: SearchResult | null;
}

interface RunRecord extends KeyedRecord {
  run: SearchRun;
}

interface CheckpointRecord extends KeyedRecord {
  checkpoint: SearchCheckpoint;
}

export interface SearchRunStore {
  readonly mode: 'indexeddb' | 'memory';
  /**
   * Writes the run; `checkpoint` replaces its stored checkpoint, `null` deletes it (a finished
   * run needs none), absent leaves it as it is. Run and checkpoint change together or not at all.
   */
  save(run: SearchRun, checkpoint?: SearchCheckpoint | null): Promise<void>;
  /** Newest first; records that fail their checks are skipped and named in `problems`. */
  list(): Promise<{ runs: SearchRun[]; problems: string[] }>;
  load(id: string): Promise<SearchRun | undefined>;
  /** The latest checkpoint of a run; undefined when it has none. */
  checkpoint(id: string): Promise<SearchCheckpoint | undefined>;
  /** Removes the run and its checkpoint; false when there was no such run. */
  delete(id: string): Promise<boolean>;
  close(): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every queried cell of a run in query order (the result's, else its finished iterations'). */
export function queriedOf(run: SearchRun | null): number[] {
  return run ? (run.result?.queried ?? run.iterations.flatMap((r) => r.queried)) : [];
}

/** Checks what a stored (or about to be stored) run must hold; throws one sentence naming the problem. */
function checkRun(value: unknown, where: string): SearchRun {
  if (!isObject(value)) throw new Error(`${where} is not a search run`);
  if (typeof value.id !== 'string' || value.id.length === 0 || value.id.length > 200) throw new Error(`${where}: 'id' must be a string of 1-200 characters`);
  if (!SEARCH_RUN_STATUSES.includes(value.status as SearchRunStatus)) throw new Error(`${where}: 'status' must be one of ${SEARCH_RUN_STATUSES.join(', ')}`);
  const settings = value.settings;
  if (!isObject(settings) || typeof settings.method !== 'string' || typeof settings.dataset !== 'string' || typeof settings.budget !== 'number') {
    throw new Error(`${where}: 'settings' must name a method, a dataset and a budget`);
  }
  if (!Array.isArray(value.iterations)) throw new Error(`${where}: 'iterations' must be an array`);
  for (const key of ['createdAt', 'updatedAt', 'plannedIterations'] as const) {
    if (typeof value[key] !== 'number' || !Number.isFinite(value[key])) throw new Error(`${where}: '${key}' must be a finite number`);
  }
  if (!isObject(value.baselines)) throw new Error(`${where}: 'baselines' must be an object`);
  if (value.result !== null && !(isObject(value.result) && value.result.trace instanceof Int32Array && Array.isArray(value.result.queried))) {
    throw new Error(`${where}: 'result' must be null or a search result with an Int32Array trace`);
  }
  return value as unknown as SearchRun;
}

function checkCheckpoint(value: unknown, where: string): SearchCheckpoint {
  if (!isObject(value) || !Array.isArray(value.queried) || typeof value.iteration !== 'number' || !isObject(value.settings)) {
    throw new Error(`${where} is not a search checkpoint (it needs settings, an iteration and the queried cells)`);
  }
  return value as unknown as SearchCheckpoint;
}

const newestFirst = (a: SearchRun, b: SearchRun) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1);

export class IdbSearchRunStore implements SearchRunStore {
  readonly mode = 'indexeddb';
  readonly #conn: Connection;

  constructor(db: LabDatabase) {
    this.#conn = new Connection(db);
  }

  async save(run: SearchRun, checkpoint?: SearchCheckpoint | null): Promise<void> {
    const clean = checkRun(run, 'search run to save');
    try {
      const tx = this.#conn.get().transaction(['searchRuns', 'searchCheckpoints'], 'readwrite');
      const runRecord: RunRecord = { id: clean.id, run: clean };
      const writes: Promise<unknown>[] = [tx.objectStore('searchRuns').put(runRecord)];
      if (checkpoint === null) writes.push(tx.objectStore('searchCheckpoints').delete(clean.id));
      else if (checkpoint !== undefined) {
        const checkpointRecord: CheckpointRecord = { id: clean.id, checkpoint };
        writes.push(tx.objectStore('searchCheckpoints').put(checkpointRecord));
      }
      await Promise.all([...writes, tx.done]);
    } catch (error) {
      throw toStoreError(error, { action: 'save the search run', write: true });
    }
  }

  async list(): Promise<{ runs: SearchRun[]; problems: string[] }> {
    let records: KeyedRecord[];
    try {
      records = await this.#conn.get().getAll('searchRuns');
    } catch (error) {
      throw toStoreError(error, { action: 'list the search runs', write: false });
    }
    const runs: SearchRun[] = [];
    const problems: string[] = [];
    for (const record of records) {
      try {
        runs.push(checkRun((record as RunRecord).run, `saved search run ${String(record.id).slice(0, 60)}`));
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    return { runs: runs.sort(newestFirst), problems };
  }

  async load(id: string): Promise<SearchRun | undefined> {
    let record: KeyedRecord | undefined;
    try {
      record = await this.#conn.get().get('searchRuns', id);
    } catch (error) {
      throw toStoreError(error, { action: `read search run ${id}`, write: false });
    }
    return record ? checkRun((record as RunRecord).run, `saved search run ${id}`) : undefined;
  }

  async checkpoint(id: string): Promise<SearchCheckpoint | undefined> {
    let record: KeyedRecord | undefined;
    try {
      record = await this.#conn.get().get('searchCheckpoints', id);
    } catch (error) {
      throw toStoreError(error, { action: `read the checkpoint of search run ${id}`, write: false });
    }
    return record ? checkCheckpoint((record as CheckpointRecord).checkpoint, `the checkpoint of search run ${id}`) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    try {
      const tx = this.#conn.get().transaction(['searchRuns', 'searchCheckpoints'], 'readwrite');
      const runs = tx.objectStore('searchRuns');
      const [key] = await Promise.all([runs.getKey(id), runs.delete(id), tx.objectStore('searchCheckpoints').delete(id), tx.done]);
      return key !== undefined;
    } catch (error) {
      throw toStoreError(error, { action: `delete search run ${id}`, write: true });
    }
  }

  close(): void {
    this.#conn.close('The search run store was closed');
  }
}

/** Same behaviour for a tab without IndexedDB; stores copies, as IndexedDB does. */
export class MemorySearchRunStore implements SearchRunStore {
  readonly mode = 'memory';
  readonly #runs = new Map<string, SearchRun>();
  readonly #checkpoints = new Map<string, SearchCheckpoint>();

  async save(run: SearchRun, checkpoint?: SearchCheckpoint | null): Promise<void> {
    const clean = structuredClone(checkRun(run, 'search run to save'));
    const copy = checkpoint ? structuredClone(checkpoint) : checkpoint;
    this.#runs.set(clean.id, clean);
    if (copy === null) this.#checkpoints.delete(clean.id);
    else if (copy !== undefined) this.#checkpoints.set(clean.id, copy);
  }

  async list(): Promise<{ runs: SearchRun[]; problems: string[] }> {
    return { runs: [...this.#runs.values()].map((run) => structuredClone(run)).sort(newestFirst), problems: [] };
  }

  async load(id: string): Promise<SearchRun | undefined> {
    const run = this.#runs.get(id);
    return run && structuredClone(run);
  }

  async checkpoint(id: string): Promise<SearchCheckpoint | undefined> {
    const checkpoint = this.#checkpoints.get(id);
    return checkpoint && structuredClone(checkpoint);
  }

  async delete(id: string): Promise<boolean> {
    this.#checkpoints.delete(id);
    return this.#runs.delete(id);
  }

  close(): void {}
}

/** Opens the store on IndexedDB, or in memory with a notice; never throws. */
export function openSearchRunStore(factory?: IDBFactory | null, options: { migrations?: readonly Migration[]; timeoutMs?: number } = {}): Promise<{ store: SearchRunStore; notice?: string }> {
  return openOrMemory<SearchRunStore>(
    'Search runs are kept',
    (db) => new IdbSearchRunStore(db),
    () => new MemorySearchRunStore(),
    factory,
    options,
  );
}
