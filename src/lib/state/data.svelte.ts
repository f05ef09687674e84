/**
 * Dataset state for the whole app: runs the ingest worker (download, verify, decode and store off
 * the main thread), then reads the stored tables from IndexedDB for the views. Also starts the
 * compute worker, which picks the tfjs backend and reports what runs.
 */
import type { Table } from '../datasets/columns';
import type { DatasetIngestResult, IngestProgress, IngestReport } from '../db/ingest';
import type { StoredDataset } from '../db/schema';
import type { UserImportResult } from '../db/user-import';
import { USER_TABLE_MAX_BYTES } from '../datasets/user-table';
import { printable } from '../datasets/validate';
import { CalibratedState } from './calibrated.svelte';
import { ComputeClient } from './compute.svelte';
import { INGEST_EVENTS, type IngestEventType, type IngestWorkerRequest, type IngestWorkerResponse } from '../workers/ingest-messages';
import { RpcClient, WorkerStoppedError, type RpcRequest } from '../workers/rpc';

type DataPhase = 'starting' | 'ingesting' | 'loading' | 'ready' | 'failed';

/** The NB201-space datasets the explorer needs before it can draw. */
const NB201_SPACE = ['nb201', 'latbench', 'help', 'hwnasbench'];

export class DataState {
  phase = $state<DataPhase>('starting');
  /** Latest progress per dataset id. */
  progress = $state<Record<string, IngestProgress>>({});
  report = $state.raw<IngestReport | null>(null);
  datasets = $state.raw<StoredDataset[]>([]);
  /** Decoded tables by dataset id (large typed arrays: never deeply proxied). */
  tables = $state.raw<Record<string, Table>>({});
  storeMode = $state<'indexeddb' | 'memory' | null>(null);
  /** Sentences the user should see (memory mode, another tab upgraded, failures, …). */
  notices = $state<string[]>([]);
  /** The compute worker (tfjs); started once the tables are loaded. */
  readonly compute = new ComputeClient();
  /** The visitor's saved calibrated latency predictors (the Explorer plots them; the Profile view saves them). */
  readonly calibrated = new CalibratedState();
  /** ms from navigation start until every NB201-space table was readable (for the ingest bench). */
  readyAtMs = $state<number | null>(null);
  importing = $state(false);
  lastImport = $state.raw<UserImportResult | null>(null);

  readonly importedResults = $derived<DatasetIngestResult[]>(this.report?.datasets ?? []);
  readonly missing = $derived(this.report?.missing ?? []);
  readonly failed = $derived(this.importedResults.filter((d) => d.status === 'failed'));

  /** The ingest worker (started by the first request; after a crash, the next request starts a fresh one). */
  readonly #ingest = new RpcClient<IngestWorkerRequest, IngestWorkerResponse, IngestEventType>(() => new Worker(new URL('../workers/ingest.worker.ts', import.meta.url), { type: 'module' }), {
    name: 'dataset worker',
    events: INGEST_EVENTS,
    hint: 'The next import or reload starts it again.',
    onUnsolicited: (message) => this.#onUnsolicited(message),
    onCrash: (error) => this.#notice(error.message),
  });

  /**
   * Starts both workers and the ingest; resolves when the tables are loaded (or failed). `first`:
   * the datasets the opening view shows. They are ingested first and loaded as soon as they are
   * stored, so the view draws while the other tables still arrive.
   */
  async start(first: readonly string[] = ['nb201'], manifestUrl = new URL('datasets/manifest.json', document.baseURI).href): Promise<void> {
    this.phase = 'ingesting';
    const firstStored = firstTablesStored(first);
    let early: Promise<void> | undefined;
    try {
      const answer = await this.#request({ type: 'ingest', manifestUrl, first: [...first] }, 'ingest-report', [], (progress) => {
        if (!early && firstStored(progress)) {
          early = this.#load(new Set(first)).catch((err: unknown) => this.#notice(`Could not read the stored tables: ${messageOf(err)}`));
        }
      });
      this.report = answer.report;
      if (answer.report.error) this.#notice(answer.report.error);
      for (const d of answer.report.datasets) if (d.status === 'failed' && d.error) this.#notice(d.error);
    } catch (err) {
      this.#notice(messageOf(err));
      this.phase = 'failed';
      return;
    }
    await early;
    // The rest, after the first paint: only the tables not loaded yet.
    this.phase = 'loading';
    try {
      await this.#load();
      this.phase = 'ready';
    } catch (err) {
      this.#notice(`Could not read the stored tables: ${messageOf(err)}`);
      this.phase = 'failed';
    }
    // Start tfjs only now: compiling its 2.5 MB bundle would compete with the ingest for the CPU.
    this.compute.start();
    // The saved predictors are only plotted against the tables, so they are read after them.
    void this.calibrated.refresh();
  }

  cancelIngest(): void {
    this.#ingest.post({ type: 'cancel' });
  }

  /**
   * Re-reads every stored dataset (after an ingest or an import) through the worker: it reads
   * IndexedDB off the main thread and transfers the columns, so the page never blocks on them.
   */
  async reload(): Promise<void> {
    this.phase = 'loading';
    try {
      await this.#load(undefined, true);
      this.phase = 'ready';
    } catch (err) {
      this.#notice(`Could not read the stored tables: ${messageOf(err)}`);
      this.phase = 'failed';
    }
  }

  /**
   * Reads stored tables through the worker, one message per table: `only` these ids, or every
   * stored one not loaded yet, or (`fresh`) every stored one again.
   */
  async #load(only?: ReadonlySet<string>, fresh = false): Promise<void> {
    const listed = await this.#request({ type: 'list-datasets' }, 'datasets');
    const datasets = [...listed.datasets].sort((a, b) => order(a) - order(b) || a.id.localeCompare(b.id));
    const tables: Record<string, Table> = fresh ? {} : { ...this.tables };
    const wanted = datasets.filter((d) => (only ? only.has(d.id) : !tables[d.id]));
    // All requests at once (the worker reads while the page waits), each table its own message.
    const answers = wanted.map((d) => this.#request({ type: 'load-table', datasetId: d.id }, 'table').catch((err: unknown) => (err instanceof WorkerStoppedError ? err : messageOf(err))));
    for (const [i, d] of wanted.entries()) {
      const answer = await answers[i];
      if (answer instanceof WorkerStoppedError) throw answer;
      if (typeof answer === 'object' && answer.table) tables[d.id] = answer.table;
      else this.#notice(`Could not read the stored table ${d.title}${typeof answer === 'string' ? `: ${answer}` : ''}`);
    }
    // Two steps, two tasks: the header and pickers render first, the plot on the next task, so
    // no single main-thread task has to build the whole page.
    this.datasets = datasets.filter((d) => tables[d.id]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.tables = tables;
    if (this.readyAtMs === null && NB201_SPACE.every((id) => tables[id] || this.missing.some((m) => m.id === id))) {
      this.readyAtMs = performance.now();
    }
  }

  /** Imports a visitor's CSV in the worker; nothing is stored when it is refused. */
  async importFile(file: File): Promise<UserImportResult> {
    this.importing = true;
    try {
      // Refuse huge files before reading them into memory (the parser re-checks the size).
      if (file.size > USER_TABLE_MAX_BYTES) {
        const result: UserImportResult = {
          ok: false,
          message: `${printable(file.name)} is ${(file.size / 1024 / 1024).toFixed(0)} MB; the limit is ${USER_TABLE_MAX_BYTES / 1024 / 1024} MB. Nothing was stored.`,
        };
        this.lastImport = result;
        return result;
      }
      const bytes = await file.arrayBuffer();
      const result: UserImportResult = await this.#request({ type: 'import-user-table', name: file.name, bytes }, 'user-table-imported', [bytes]).then(
        (answer) => answer.result,
        (err: unknown) => ({ ok: false, message: messageOf(err) }),
      );
      this.lastImport = result;
      if (result.ok) await this.reload();
      return result;
    } finally {
      this.importing = false;
    }
  }

  async deleteDataset(id: string): Promise<void> {
    try {
      await this.#request({ type: 'delete-dataset', datasetId: id }, 'deleted');
    } catch (err) {
      this.#notice(messageOf(err));
    }
    await this.reload();
  }

  /** One request to the ingest worker (a fresh one if the last crashed); progress events update `progress`. */
  #request<T extends 'ingest-report' | 'user-table-imported' | 'table' | 'datasets' | 'deleted'>(
    message: RpcRequest<IngestWorkerRequest>,
    expect: T,
    transfer: Transferable[] = [],
    onProgress?: (progress: IngestProgress) => void,
  ) {
    if (this.#ingest.crashed) this.#ingest.restart();
    return this.#ingest.request(message, {
      expect,
      transfer,
      onEvent: (event) => {
        this.progress = { ...this.progress, [event.progress.datasetId]: event.progress };
        onProgress?.(event.progress);
      },
    });
  }

  #onUnsolicited(message: IngestWorkerResponse): void {
    if (message.type === 'store') {
      this.storeMode = message.mode;
      if (message.notice) this.#notice(message.notice);
    } else if (message.type === 'notice') this.#notice(message.notice.message);
    else if (message.type === 'error') this.#notice(message.message);
  }

  #notice(text: string): void {
    if (!this.notices.includes(text)) this.notices = [...this.notices, text];
  }
}

/**
 * Follows the ingest's progress and says (true) once the datasets `first` names are stored: each
 * of them stored, unchanged or failed, or the ingest already at another dataset (it takes them
 * first, so one it has not reached is not in the manifest: a visitor's table, stored already).
 */
export function firstTablesStored(first: readonly string[]): (progress: IngestProgress) => boolean {
  const settled = new Set<string>();
  return (progress) => {
    if (!first.includes(progress.datasetId)) return true;
    if (progress.phase === 'done' || progress.phase === 'skip' || progress.phase === 'error') settled.add(progress.datasetId);
    return first.every((id) => settled.has(id));
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function order(d: StoredDataset): number {
  const i = NB201_SPACE.indexOf(d.id);
  return d.origin === 'user' ? 100 : i >= 0 ? i : 50;
}
