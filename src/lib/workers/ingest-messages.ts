/**
 * Messages between the page and the ingest worker (`ingest.worker.ts`). The worker writes to
 * IndexedDB and reads tables back for the page (`load-table`), so the main thread never
 * deserialises IndexedDB values; the tables the page shows first it also sends as soon as they are
 * decoded (`decoded`), before they are stored.
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
   * `first`: the datasets the page shows first, imported before the others and sent as soon as
   * they are decoded (`decoded`). `hold`: after the last of them is sent, wait for `continue` (at
   * most 2 s, ingest-handler.ts) before storing it and going on, so the page draws them with the CPU
   * to itself.
   */
  | { type: 'ingest'; requestId: number; manifestUrl: string; only?: string[]; first?: string[]; hold?: boolean }
  /** Cancel the running ingest; what is already stored stays, nothing is half-written. */
  | { type: 'cancel' }
  /** The page has drawn the `first` tables it was sent: the ingest, holding since, goes on. */
  | { type: 'continue' }
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
  /** One of the ingest's `first` datasets, decoded and about to be stored (a copy: the worker still writes it). */
  | { type: 'decoded'; requestId: number; dataset: StoredDataset; table: Table }
  | { type: 'ingest-report'; requestId: number; report: IngestReport }
  | { type: 'user-table-imported'; requestId: number; result: UserImportResult }
  | { type: 'table'; requestId: number; table: Table | undefined; meta: StoredDataset | undefined }
  | { type: 'datasets'; requestId: number; datasets: StoredDataset[] }
  | { type: 'deleted'; requestId: number; deleted: boolean }
  /** A request failed outright (its other answer will not come). */
  | { type: 'error'; requestId?: number; message: string };

/** The answers that are events of a request (it goes on); every other answer carrying its id ends it (rpc.ts). */
export const INGEST_EVENTS = new Set(['progress', 'decoded'] as const satisfies readonly IngestWorkerResponse['type'][]);
export type IngestEventType = typeof INGEST_EVENTS extends Set<infer T> ? T : never;
