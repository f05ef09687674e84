/**
 * The {@link DataStore} on IndexedDB (via idb). Each write is one transaction over `datasets` and
 * `columns`, so a dataset is replaced whole or not at all.
 *
 * When another tab upgrades the schema (`versionchange`) or the browser closes the connection,
 * the store lets go of the database at once (holding on would block the other tab), raises a
 * notice, and keeps answering reads from what this tab already read: the dataset list it last
 * saw and any table the app still holds (weakly referenced, so nothing extra is kept alive).
 */
import type { Table } from '../datasets/columns';
import { cancelledError, CONNECTION_CLOSED, StoreError, toStoreError, UPGRADED_ELSEWHERE, type StorageUsage } from './errors';
import { columnsOf, type LabDatabase, type StoredDataset } from './schema';
import { assembleTable, browserEstimate, checkDataset, NoticeHub, sharedLength, type DataStore, type PutOptions, type StoreNotice } from './store';

interface IdbStoreOptions {
  /** Storage estimate for quota messages; defaults to `navigator.storage.estimate()`. */
  estimate?: () => Promise<StorageUsage | undefined>;
}

export class IdbStore implements DataStore {
  readonly mode = 'indexeddb';
  #db: LabDatabase | undefined;
  #lost: StoreNotice | undefined;
  readonly #notices = new NoticeHub();
  readonly #estimate: () => Promise<StorageUsage | undefined>;
  // What this tab has read, to keep serving reads after the connection is lost.
  readonly #seenMeta = new Map<string, StoredDataset>();
  #seenAll = false;
  readonly #seenTables = new Map<string, WeakRef<Table>>();

  constructor(db: LabDatabase, options: IdbStoreOptions = {}) {
    this.#db = db;
    this.#estimate = options.estimate ?? browserEstimate;
    db.addEventListener('versionchange', () => this.#lose({ kind: 'upgraded-elsewhere', message: UPGRADED_ELSEWHERE }));
    db.addEventListener('close', () => this.#lose({ kind: 'closed', message: CONNECTION_CLOSED }));
  }

  #lose(notice: StoreNotice): void {
    if (this.#lost) return;
    this.#lost = notice;
    this.#db?.close();
    this.#db = undefined;
    this.#notices.emit(notice);
  }

  /** The open database, or the reason it is gone as an error. */
  #connection(): LabDatabase {
    if (this.#db) return this.#db;
    const lost = this.#lost ?? { kind: 'closed', message: CONNECTION_CLOSED };
    throw new StoreError(lost.kind, lost.message);
  }

  async listDatasets(): Promise<StoredDataset[]> {
    if (!this.#db && this.#seenAll) return [...this.#seenMeta.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const all = await this.#read('list the stored datasets', (db) => db.getAll('datasets'));
    this.#seenMeta.clear();
    for (const meta of all) this.#seenMeta.set(meta.id, meta);
    this.#seenAll = true;
    return all;
  }

  async getDataset(id: string): Promise<StoredDataset | undefined> {
    if (!this.#db && (this.#seenMeta.has(id) || this.#seenAll)) return this.#seenMeta.get(id);
    const meta = await this.#read(`read dataset "${id}"`, (db) => db.get('datasets', id));
    if (meta) this.#seenMeta.set(id, meta);
    return meta;
  }

  async loadTable(id: string): Promise<Table | undefined> {
    const held = this.#db ? undefined : this.#seenTables.get(id)?.deref();
    if (held) return held;
    const table = await this.#read(`read dataset "${id}"`, async (db) => {
      const tx = db.transaction(['datasets', 'columns'], 'readonly');
      const [meta, records] = await Promise.all([tx.objectStore('datasets').get(id), tx.objectStore('columns').getAll(columnsOf(id)), tx.done]);
      return meta && assembleTable(meta, new Map(records.map((r) => [r.name, r.values])));
    });
    if (table) this.#seenTables.set(id, new WeakRef(table));
    return table;
  }

  async countRows(id: string): Promise<number | undefined> {
    const held = this.#db ? undefined : this.#seenTables.get(id)?.deref();
    if (held)
      return sharedLength(
        id,
        Object.values(held.columns).map((values) => values.length),
      );
    const records = await this.#read(`read dataset "${id}"`, (db) => db.getAll('columns', columnsOf(id)));
    return sharedLength(
      id,
      records.map((r) => r.values.length),
    );
  }

  async putDataset(meta: StoredDataset, columns: Record<string, Float64Array>, { signal }: PutOptions = {}): Promise<void> {
    const action = `store dataset "${meta?.id}"`;
    checkDataset(meta, columns);
    const db = this.#connection();
    if (signal?.aborted) throw cancelledError(action);
    const tx = db.transaction(['datasets', 'columns'], 'readwrite');
    const abort = () => abortQuietly(tx);
    signal?.addEventListener('abort', abort);
    const requests: Promise<unknown>[] = [tx.done];
    let thrown: unknown;
    try {
      const columnStore = tx.objectStore('columns');
      requests.push(columnStore.delete(columnsOf(meta.id)));
      for (const { name } of meta.columns) requests.push(columnStore.put({ datasetId: meta.id, name, values: columns[name] }));
      requests.push(tx.objectStore('datasets').put(meta));
    } catch (error) {
      // A put that throws (e.g. DataCloneError) leaves the transaction open: abort it, rolling back the delete.
      thrown = error;
      abort();
    }
    try {
      await Promise.all(requests);
    } catch (error) {
      throw await this.#writeError(thrown ?? tx.error ?? error, action);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    this.#seenMeta.set(meta.id, meta);
    this.#seenTables.delete(meta.id);
  }

  async deleteDataset(id: string): Promise<boolean> {
    const action = `remove dataset "${id}"`;
    const tx = this.#connection().transaction(['datasets', 'columns'], 'readwrite');
    try {
      const [existed] = await Promise.all([tx.objectStore('datasets').getKey(id), tx.objectStore('datasets').delete(id), tx.objectStore('columns').delete(columnsOf(id)), tx.done]);
      this.#seenMeta.delete(id);
      this.#seenTables.delete(id);
      return existed !== undefined;
    } catch (error) {
      throw await this.#writeError(tx.error ?? error, action);
    }
  }

  estimate(): Promise<StorageUsage | undefined> {
    return this.#estimate();
  }

  onNotice(listener: (notice: StoreNotice) => void): () => void {
    return this.#notices.subscribe(listener);
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
    this.#lost ??= { kind: 'closed', message: 'The store was closed' };
  }

  async #read<T>(action: string, run: (db: LabDatabase) => Promise<T>): Promise<T> {
    try {
      return await run(this.#connection());
    } catch (error) {
      throw toStoreError(error, { action, write: false });
    }
  }

  async #writeError(error: unknown, action: string): Promise<StoreError> {
    const storeError = toStoreError(error, { action, write: true });
    if (storeError.kind !== 'quota') return storeError;
    return toStoreError(error, { action, write: true, usage: await this.#estimate().catch(() => undefined) });
  }
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted: nothing left to undo.
  }
}
