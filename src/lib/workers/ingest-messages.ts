/**
 * Messages between the page and the ingest worker (`ingest.worker.ts`). The worker writes to
 * IndexedDB; the page reads tables from IndexedDB itself, except in memory mode (no IndexedDB),
 * where the worker's store is the only copy and the page asks it with `load-table`.
 */
import type { Table } from '../datasets/columns';
import type { IngestProgress, IngestReport } from '../db/ingest';
import type { StoredDataset } from '../db/schema';
import type { StoreNotice } from '../db/store';
import type { UserImportResult } from '../db/user-import';

/** Page → worker. `requestId` (chosen by the page) is echoed in every answer to that request. */
export type IngestWorkerRequest =
  /**
   * Import the bundled datasets; `manifestUrl` must be absolute (the worker's own URL is no base).
   * `first`: the datasets the page shows first, imported before the others.
   */
  | { type: 'ingest'; requestId: number; manifestUrl: string; only?: string[]; first?: string[] }
  /** Cancel the running ingest; what is already stored stays, nothing is half-written. */
  | { type: 'cancel' }
  /** Parse and store a visitor's table; `bytes` is the file's content (transfer it). */
  | { type: 'import-user-table'; requestId: number; name: string; bytes: ArrayBuffer }
  /**
   * Send one stored table. The page reads every table through the worker, so the main thread never
   * deserialises IndexedDB values (buffers are transferred when they came from IndexedDB).
   */
  | { type: 'load-table'; requestId: number; datasetId: string }
  /** Metadata of every stored dataset (bundled and user imports). */
  | { type: 'list-datasets'; requestId: number }
  /** Remove a stored dataset (e.g. a user import). */
  | { type: 'delete-dataset'; requestId: number; datasetId: string };

/** Worker → page. */
export type IngestWorkerResponse =
  /** Sent once, when the worker's store has opened; `notice` explains memory mode. */
  | { type: 'store'; mode: 'indexeddb' | 'memory'; notice?: string }
  /** The store lost its database (another tab upgraded, or the browser closed it). */
  | { type: 'notice'; notice: StoreNotice }
  | { type: 'progress'; requestId: number; progress: IngestProgress }
  | { type: 'ingest-report'; requestId: number; report: IngestReport }
  | { type: 'user-table-imported'; requestId: number; result: UserImportResult }
  | { type: 'table'; requestId: number; table: Table | undefined; meta: StoredDataset | undefined }
  | { type: 'datasets'; requestId: number; datasets: StoredDataset[] }
  | { type: 'deleted'; requestId: number; deleted: boolean }
  /** A request failed outright (its other answer will not come). */
  | { type: 'error'; requestId?: number; message: string };

/** The answers that are events of a request (it goes on); every other answer carrying its id ends it (rpc.ts). */
export const INGEST_EVENTS = new Set(['progress'] as const satisfies readonly IngestWorkerResponse['type'][]);
export type IngestEventType = typeof INGEST_EVENTS extends Set<infer T> ? T : never;
