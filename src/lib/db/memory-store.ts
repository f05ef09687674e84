/**
 * The store used when IndexedDB is unavailable (private mode, blocked, or it failed to open):
 * same behaviour as the IndexedDB store, kept for this tab only. Values are structured-cloned in
 * and out, as IndexedDB does, so callers can neither corrupt stored data nor store what
 * IndexedDB would refuse.
 */
import type { Table } from '../datasets/columns';
import { cancelledError, toStoreError, type StorageUsage } from './errors';
import type { StoredDataset } from './schema';
import { assembleTable, checkDataset, NoticeHub, sharedLength, type DataStore, type PutOptions, type StoreNotice } from './store';

interface Entry {
  meta: StoredDataset;
  columns: Map<string, Float64Array>;
}

export class MemoryStore implements DataStore {
  readonly mode = 'memory';
  readonly #datasets = new Map<string, Entry>();
  readonly #notices = new NoticeHub();

  async listDatasets(): Promise<StoredDataset[]> {
    const ids = [...this.#datasets.keys()].sort();
    return ids.map((id) => structuredClone(this.#datasets.get(id)!.meta));
  }

  async getDataset(id: string): Promise<StoredDataset | undefined> {
    const entry = this.#datasets.get(id);
    return entry && structuredClone(entry.meta);
  }

  async loadTable(id: string): Promise<Table | undefined> {
    const entry = this.#datasets.get(id);
    if (!entry) return undefined;
    const copies = new Map([...entry.columns].map(([name, values]) => [name, values.slice()]));
    return assembleTable(entry.meta, copies);
  }

  async putDataset(meta: StoredDataset, columns: Record<string, Float64Array>, options: PutOptions = {}): Promise<void> {
    const action = `store dataset "${meta?.id}"`;
    checkDataset(meta, columns);
    let entry: Entry;
    try {
      // Cloning everything first is what makes the swap below all-or-nothing.
      entry = {
        meta: structuredClone(meta),
        columns: new Map(meta.columns.map(({ name }) => [name, structuredClone(columns[name])])),
      };
    } catch (error) {
      throw toStoreError(error, { action, write: true });
    }
    // Commit on a later turn, as a transaction would, so an abort right after the call still cancels.
    await Promise.resolve();
    if (options.signal?.aborted) throw cancelledError(action);
    this.#datasets.set(meta.id, entry);
  }

  async deleteDataset(id: string): Promise<boolean> {
    return this.#datasets.delete(id);
  }

  async countRows(id: string): Promise<number | undefined> {
    const entry = this.#datasets.get(id);
    return sharedLength(id, entry ? [...entry.columns.values()].map((values) => values.length) : []);
  }

  async estimate(): Promise<StorageUsage | undefined> {
    // Memory is not browser storage: there is no quota to report.
    return undefined;
  }

  onNotice(listener: (notice: StoreNotice) => void): () => void {
    return this.#notices.subscribe(listener);
  }

  close(): void {
    this.#datasets.clear();
  }
}
