/** What the bench pages share: the app's compute worker behind the app's own client, and the tables. */
import type { BackendReport } from '../src/lib/compute/backend';
import type { Table } from '../src/lib/datasets/columns';
import { ingestBundled } from '../src/lib/db/ingest';
import { MemoryStore } from '../src/lib/db/memory-store';
import { COMPUTE_EVENTS, type ComputeEventType, type ComputeRequest, type ComputeResponse } from '../src/lib/workers/compute-messages';
import { RpcClient } from '../src/lib/workers/rpc';

/** The app's compute worker behind the app's own client (src/lib/workers/rpc.ts), as the Train view runs it. */
export class ComputeClient {
  #backend: { resolve(report: BackendReport): void; reject(error: Error): void } | undefined;
  readonly #rpc = new RpcClient<ComputeRequest, ComputeResponse, ComputeEventType>(() => new Worker(new URL('../src/lib/workers/compute.worker.ts', import.meta.url), { type: 'module' }), {
    name: 'compute worker',
    events: COMPUTE_EVENTS,
    onUnsolicited: (message) => {
      if (message.type === 'backend') this.#backend?.resolve(message.report);
      else if (message.type === 'error') this.#backend?.reject(new Error(message.message));
    },
    onCrash: (error) => {
      console.error(error.message);
      this.#backend?.reject(error);
    },
  });
  /** Sends a request; resolves with its final answer, rejects on an error answer or a crash. */
  readonly request = this.#rpc.request.bind(this.#rpc);

  /** Stops the worker (and the tfjs backend it holds). */
  terminate(): void {
    this.#rpc.terminate();
  }

  init(backend?: 'webgpu' | 'wasm' | 'webgl' | 'cpu'): Promise<BackendReport> {
    return new Promise((resolve, reject) => {
      this.#backend = { resolve, reject };
      this.#rpc.post({ type: 'init', override: backend });
    });
  }
}

/** Ingests the bundled tables `ids` into memory, as the app does into IndexedDB. */
export async function loadTables(ids: string[]): Promise<{ tables: Record<string, Table>; ms: number }> {
  const started = performance.now();
  const store = new MemoryStore();
  const report = await ingestBundled({
    manifestUrl: new URL('datasets/manifest.json', location.href).href,
    fetch: fetch.bind(globalThis),
    store,
    onProgress: () => {},
    only: ids,
  });
  const tables: Record<string, Table> = {};
  for (const id of ids) {
    const result = report.datasets.find((d) => d.id === id);
    if (result?.status !== 'imported') throw new Error(`dataset ${id} did not load: ${result?.error ?? report.error ?? 'not in the manifest'}`);
    tables[id] = (await store.loadTable(id))!;
  }
  return { tables, ms: performance.now() - started };
}
