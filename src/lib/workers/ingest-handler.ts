/**
 * What the ingest worker does with each request, kept apart from the worker global so it can be
 * tested in Node: the worker file only wires `self` to this.
 */
import { ingestBundled } from '../db/ingest';
import type { OpenedStore } from '../db/open';
import { importUserTable, loadNb201Lookup } from '../db/user-import';
import type { IngestWorkerRequest, IngestWorkerResponse } from './ingest-messages';

interface IngestHandlerDeps {
  openStore(): Promise<OpenedStore>;
  fetch: typeof fetch;
  post(message: IngestWorkerResponse, transfer?: Transferable[]): void;
  /** How long an ingest holds for `continue` at most, ms (default INGEST_HOLD_MAX_MS). */
  holdMaxMs?: number;
}

export const INGEST_ALREADY_RUNNING = 'A dataset import is already running; wait for it or cancel it first';
/** The longest an ingest holds for the page's `continue`: a page that never sends it only slows the import. */
const INGEST_HOLD_MAX_MS = 2000;

/** Returns the request handler; the store opens on the first request and is reused. */
export function createIngestHandler(deps: IngestHandlerDeps): (request: IngestWorkerRequest) => Promise<void> {
  let opened: Promise<OpenedStore> | undefined;
  let running: AbortController | undefined;
  /** Ends the running ingest's hold (a `continue` from the page); a no-op when none holds. */
  let release = () => {};

  const store = async () => {
    opened ??= deps.openStore().then((result) => {
      deps.post({ type: 'store', mode: result.mode, ...(result.notice ? { notice: result.notice } : {}) });
      result.store.onNotice((notice) => deps.post({ type: 'notice', notice }));
      return result;
    });
    return (await opened).store;
  };

  return async (request) => {
    const requestId = 'requestId' in request ? request.requestId : undefined;
    try {
      switch (request.type) {
        case 'cancel':
          running?.abort();
          release();
          return;
        case 'continue':
          release();
          return;
        case 'ingest': {
          if (running) throw new Error(INGEST_ALREADY_RUNNING);
          if (!isAbsoluteUrl(request.manifestUrl)) throw new Error(`The manifest URL must be absolute, got ${request.manifestUrl}`);
          running = new AbortController();
          const opening = store();
          opening.catch(() => {}); // awaited by the ingest unless the manifest already failed
          const sent = new Set<string>();
          const holdUntilContinued = () =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => release(), deps.holdMaxMs ?? INGEST_HOLD_MAX_MS);
              release = () => {
                clearTimeout(timer);
                release = () => {};
                resolve();
              };
            });
          try {
            const report = await ingestBundled({
              manifestUrl: request.manifestUrl,
              only: request.only,
              first: request.first,
              fetch: deps.fetch,
              // Opens while the manifest downloads; a failure to open reaches the ingest, which reports it.
              store: opening,
              signal: running.signal,
              onProgress: (progress) => deps.post({ type: 'progress', requestId: request.requestId, progress }),
              // The tables the page shows first go to it as soon as they are decoded (copied: the store still needs them).
              onDecoded: (dataset, table) => {
                if (!request.first?.includes(dataset.id)) return;
                deps.post({ type: 'decoded', requestId: request.requestId, dataset, table });
                sent.add(dataset.id);
                if (request.hold && request.first.every((id) => sent.has(id))) return holdUntilContinued();
              },
            });
            deps.post({ type: 'ingest-report', requestId: request.requestId, report });
          } finally {
            running = undefined;
            release = () => {};
          }
          return;
        }
        case 'import-user-table': {
          const target = await store();
          let lookup;
          try {
            lookup = await loadNb201Lookup(target);
          } catch (error) {
            deps.post({ type: 'user-table-imported', requestId: request.requestId, result: { ok: false, message: (error as Error).message } });
            return;
          }
          const result = await importUserTable(target, { name: request.name, bytes: new Uint8Array(request.bytes) }, lookup);
          deps.post({ type: 'user-table-imported', requestId: request.requestId, result });
          return;
        }
        case 'load-table': {
          const target = await store();
          const [table, meta] = await Promise.all([target.loadTable(request.datasetId), target.getDataset(request.datasetId)]);
          // A table read from IndexedDB is a fresh copy: transfer its buffers (no copy, nothing for
          // the page's main thread to deserialise). A memory store hands out arrays it still holds:
          // copy those.
          const transfer = table && target.mode === 'indexeddb' ? Object.values(table.columns).map((c) => c.buffer) : [];
          deps.post({ type: 'table', requestId: request.requestId, table, meta }, transfer);
          return;
        }
        case 'list-datasets': {
          deps.post({ type: 'datasets', requestId: request.requestId, datasets: await (await store()).listDatasets() });
          return;
        }
        case 'delete-dataset': {
          deps.post({ type: 'deleted', requestId: request.requestId, deleted: await (await store()).deleteDataset(request.datasetId) });
          return;
        }
        default:
          throw new Error(`Unknown request ${JSON.stringify((request as { type?: unknown }).type)}`);
      }
    } catch (error) {
      deps.post({ type: 'error', ...(requestId === undefined ? {} : { requestId }), message: (error as Error).message });
    }
  };
}

function isAbsoluteUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
