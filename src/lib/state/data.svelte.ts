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
/** What the ingest request sends while it runs: progress, and the first tables once decoded. */
type IngestEvent = Extract<IngestWorkerResponse, { type: IngestEventType }>;

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
    const ready = firstTablesReady(first);
    const decoded = new Map<string, { dataset: StoredDataset; table: Table }>();
    let early: Promise<void> | undefined;
    const onEvent = (event: IngestEvent) => {
      const settled = event.type === 'decoded' ? ready.decoded(event.dataset.id) : ready.progress(event.progress);
      if (event.type === 'decoded') decoded.set(event.dataset.id, event);
      if (!early && settled) {
        early = this.#showFirst(first, decoded)
          .catch((err: unknown) => this.#notice(`Could not read the stored tables: ${messageOf(err)}`))
          // The worker holds its next writes and downloads until the view has drawn them (or 2 s passed).
          .finally(() => this.#ingest.post({ type: 'continue' }));
      }
    };
    try {
      const answer = await this.#request({ type: 'ingest', manifestUrl, first: [...first], hold: true }, 'ingest-report', [], onEvent);
      this.report = answer.report;
      if (answer.report.error) this.#notice(answer.report.error);
      for (const d of answer.report.datasets) if (d.status === 'failed' && d.error) this.#notice(d.error);
      await early;
      // A table shown before it was stored whose write then failed or was cancelled: read what the store kept instead.
      const unstored = answer.report.datasets.filter((d) => decoded.has(d.id) && d.status !== 'imported').map((d) => d.id);
      if (unstored.length) this.tables = Object.fromEntries(Object.entries(this.tables).filter(([id]) => !unstored.includes(id)));
    } catch (err) {
      this.#notice(messageOf(err));
      this.phase = 'failed';
      return;
    }
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
   * The opening view's tables, as soon as each is decoded by the ingest or settled in the store:
   * the decoded ones as the worker sent them, the others (unchanged, so not decoded again) read back.
   */
  async #showFirst(first: readonly string[], decoded: ReadonlyMap<string, { dataset: StoredDataset; table: Table }>): Promise<void> {
    const stored = first.filter((id) => !decoded.has(id));
    if (stored.length) await this.#load(new Set(stored));
    const fresh = first.flatMap((id) => decoded.get(id) ?? []);
    if (fresh.length === 0) return;
    const known = new Set(fresh.map((d) => d.dataset.id));
    await this.#show([...this.datasets.filter((d) => !known.has(d.id)), ...fresh.map((d) => d.dataset)].sort(byOrder), {
      ...this.tables,
      ...Object.fromEntries(fresh.map((d) => [d.dataset.id, d.table])),
    });
    // The view paints them on the next frame and builds its hover index on a task after it; two rounds
    // cover both. A hidden tab gets no frames: the timer goes on without them.
    for (let round = 0; round < 2; round++) {
      await new Promise((resolve) => {
        requestAnimationFrame(resolve);
        setTimeout(resolve, 100);
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /**
   * Reads stored tables through the worker, one message per table: `only` these ids, or every
   * stored one not loaded yet, or (`fresh`) every stored one again.
   */
  async #load(only?: ReadonlySet<string>, fresh = false): Promise<void> {
    const listed = await this.#request({ type: 'list-datasets' }, 'datasets');
    const datasets = [...listed.datasets].sort(byOrder);
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
    await this.#show(
      datasets.filter((d) => tables[d.id]),
      tables,
    );
  }

  /**
   * Shows tables in two steps, two tasks: the header and pickers render first, the plot on the
   * next, so no single main-thread task has to build the whole page.
   */
  async #show(datasets: StoredDataset[], tables: Record<string, Table>): Promise<void> {
    this.datasets = datasets;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.tables = tables;
    this.#markReady();
  }

  /** Notes when every NB201-space table became readable (missing ones aside), once. */
  #markReady(): void {
    if (this.readyAtMs === null && NB201_SPACE.every((id) => this.tables[id] || this.missing.some((m) => m.id === id))) {
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
    onEvent?: (event: IngestEvent) => void,
  ) {
    if (this.#ingest.crashed) this.#ingest.restart();
    return this.#ingest.request(message, {
      expect,
      transfer,
      onEvent: (event) => {
        if (event.type === 'progress') this.progress = { ...this.progress, [event.progress.datasetId]: event.progress };
        onEvent?.(event);
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
 * Follows the ingest and says (true) once every dataset `first` names is ready to show: decoded
 * (the worker sends those), stored, unchanged or failed, or the ingest already at another dataset
 * (it takes them first, so one it has not reached is not in the manifest: a visitor's table,
 * stored already).
 */
export function firstTablesReady(first: readonly string[]): { progress(progress: IngestProgress): boolean; decoded(datasetId: string): boolean } {
  const settled = new Set<string>();
  const all = () => first.every((id) => settled.has(id));
  return {
    progress: (progress) => {
      if (!first.includes(progress.datasetId)) return true;
      if (progress.phase === 'done' || progress.phase === 'skip' || progress.phase === 'error') settled.add(progress.datasetId);
      return all();
    },
    decoded: (datasetId) => {
      settled.add(datasetId);
      return all();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * NB201-space tables first (in NB201_SPACE order), then other bundled ones, visitors' tables last;
 * by id within each, compared as code units: the page's first localeCompare builds a collator, a
 * long step on the landing page's main thread (bench-results/ingest-experiments/long-tasks.md).
 */
const byOrder = (a: StoredDataset, b: StoredDataset) => order(a) - order(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function order(d: StoredDataset): number {
  const i = NB201_SPACE.indexOf(d.id);
  return d.origin === 'user' ? 100 : i >= 0 ? i : 50;
}
