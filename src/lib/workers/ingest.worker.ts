/**
 * The ingest worker: bundled-dataset ingest and user-table import off the main thread.
 * Create it with `new Worker(new URL('./ingest.worker.ts', import.meta.url), { type: 'module' })`;
 * messages are in `ingest-messages.ts`, the behaviour in `ingest-handler.ts` (tested there).
 * It opens its own store connection and reads the stored tables back for the page.
 */
import { openStore } from '../db/open';
import { createIngestHandler } from './ingest-handler';
import type { IngestWorkerRequest, IngestWorkerResponse } from './ingest-messages';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const handle = createIngestHandler({
  openStore: () => openStore(),
  fetch: fetch.bind(globalThis),
  post: (message: IngestWorkerResponse, transfer: Transferable[] = []) => scope.postMessage(message, transfer),
});

scope.addEventListener('message', (event: MessageEvent<IngestWorkerRequest>) => {
  void handle(event.data);
});
