/**
 * Bundled dataset ingest: manifest → download → verify → decode → check → one atomic write per
 * dataset. Unchanged datasets (same sha256) are skipped; a failing dataset keeps its previous
 * version and does not stop the others.
 */
import { decodeColumns, isGzip, type DatasetEntry, type MissingSource, type Table } from '../datasets/columns';
import { downloadBytes, gunzip, sha256Hex } from './download';
import { parseManifest } from './manifest';
import type { StoredDataset } from './schema';
import { describeColumn, type DataStore } from './store';

export type IngestPhase = 'check' | 'download' | 'decode' | 'store' | 'skip' | 'done' | 'error';

export interface IngestProgress {
  datasetId: string;
  phase: IngestPhase;
  /** Bytes received while downloading; otherwise equal to `total` once the phase is over. */
  loaded: number;
  total: number;
  message?: string;
}

export interface IngestOptions {
  /** Absolute URL of manifest.json (relative ones are resolved against the page or worker location). */
  manifestUrl: string;
  fetch: typeof fetch;
  /** Where the datasets go; a promise lets it open while the manifest downloads. */
  store: DataStore | PromiseLike<DataStore>;
  onProgress(progress: IngestProgress): void;
  signal?: AbortSignal;
  /** Only these dataset ids (default: all). */
  only?: string[];
  /** These dataset ids first, in this order (what the page shows first); then the usual order. */
  first?: readonly string[];
  /**
   * Called with each dataset downloaded, verified and decoded, just before it is stored: the page
   * can show it without waiting for the write and reading it back. The store may still fail; the
   * report then says so. The ingest goes on when the returned promise settles.
   */
  onDecoded?(dataset: StoredDataset, table: Table): void | Promise<void>;
}

export interface DatasetIngestResult {
  id: string;
  title: string;
  space: DatasetEntry['space'] | 'unknown';
  status: 'imported' | 'skipped' | 'failed' | 'cancelled';
  rows: number;
  /** Bytes downloaded (0 when skipped). */
  bytes: number;
  ms: number;
  /** Why it failed or was cancelled, one sentence naming the file. */
  error?: string;
  /** A caveat about an import that succeeded (e.g. the checksum could not be verified). */
  note?: string;
}

export interface IngestReport {
  manifestUrl: string;
  /** When the manifest was built (ISO 8601), as it says. */
  generatedAt: string;
  datasets: DatasetIngestResult[];
  /** Datasets the build could not produce, passed through from the manifest. */
  missing: MissingSource[];
  /** Set when the manifest itself could not be loaded; nothing was imported then. */
  error?: string;
  cancelled: boolean;
  ms: number;
}

export const CANCELLED = 'Cancelled; the previously stored version (if any) is kept';

const isAbort = (error: unknown, signal?: AbortSignal) => signal?.aborted === true || (error as Error)?.name === 'AbortError';

export async function ingestBundled(options: IngestOptions): Promise<IngestReport> {
  const { fetch: fetchFn, signal } = options;
  const started = performance.now();
  const report: IngestReport = { manifestUrl: options.manifestUrl, generatedAt: '', datasets: [], missing: [], cancelled: false, ms: 0 };
  const finish = () => ({ ...report, cancelled: signal?.aborted === true, ms: performance.now() - started });
  let manifestUrl: string;
  let entries: DatasetEntry[];
  try {
    manifestUrl = new URL(options.manifestUrl, (globalThis as { location?: { href: string } }).location?.href).href;
    report.manifestUrl = manifestUrl;
    const response = await fetchFn(manifestUrl, { signal, cache: 'no-cache' });
    if (!response.ok) throw new Error(`the server answered HTTP ${response.status}`);
    const manifest = parseManifest(await response.text());
    report.generatedAt = manifest.generatedAt;
    report.missing = manifest.missing;
    const failed = (id: string, error: string): DatasetIngestResult => ({ id, title: id, space: 'unknown', status: 'failed', rows: 0, bytes: 0, ms: 0, error });
    report.datasets.push(...manifest.rejected.filter((r) => !options.only || options.only.includes(r.id)).map((r) => failed(r.id, r.problem)));
    const listed = new Set([...manifest.datasets.map((e) => e.id), ...manifest.rejected.map((r) => r.id)]);
    for (const id of options.only ?? []) if (!listed.has(id)) report.datasets.push(failed(id, `${id} is not listed in manifest.json`));
    entries = ingestOrder(
      manifest.datasets.filter((e) => !options.only || options.only.includes(e.id)),
      options.first,
    );
  } catch (error) {
    report.error = isAbort(error, signal) ? CANCELLED : `Could not load the dataset list (${options.manifestUrl}): ${(error as Error).message}`;
    return finish();
  }
  const store = await options.store;
  // The page's first datasets are all decoded (and shown, onDecoded) before any of them is stored:
  // the page waits for the last of them, not for the writes in between.
  const leading = entries.filter((e) => options.first?.includes(e.id)).length;
  const prepared: Prepared[] = [];
  for (const entry of entries.slice(0, leading)) prepared.push(await prepareEntry(entry, manifestUrl, store, options));
  for (const p of prepared) report.datasets.push(await finishEntry(p, store, signal));
  for (const entry of entries.slice(leading)) report.datasets.push(await finishEntry(await prepareEntry(entry, manifestUrl, store, options), store, signal));
  return finish();
}

/**
 * The order datasets are ingested in: those the page shows first (`first`, in its order), then the
 * NB201-space tables (the app's main views need them), then the others, each group in manifest order.
 */
export function ingestOrder<T extends Pick<DatasetEntry, 'id' | 'space'>>(entries: readonly T[], first: readonly string[] = []): T[] {
  const rank = (e: T) => {
    const i = first.indexOf(e.id);
    return i >= 0 ? i : first.length + (e.space === 'nb201' ? 0 : 1);
  };
  return [...entries].sort((a, b) => rank(a) - rank(b));
}

/** One dataset up to its write: checked and, unless unchanged, downloaded, verified, decoded and shown (`onDecoded`). */
interface Prepared {
  result: DatasetIngestResult;
  started: number;
  progress: Progress;
  /** What is left to store (none when unchanged or failed). */
  pending?: { meta: StoredDataset; table: Table };
}

async function prepareEntry(entry: DatasetEntry, manifestUrl: string, store: DataStore, options: IngestOptions): Promise<Prepared> {
  const { signal, onProgress } = options;
  const started = performance.now();
  const result: DatasetIngestResult = { id: entry.id, title: entry.title, space: entry.space, status: 'failed', rows: entry.rows, bytes: 0, ms: 0 };
  const progress: Progress = (phase, loaded, total, message) => onProgress({ datasetId: entry.id, phase, loaded, total, ...(message === undefined ? {} : { message }) });
  const prepared: Prepared = { result, started, progress };
  try {
    signal?.throwIfAborted();
    progress('check', 0, entry.bytes);
    const stored = await store.getDataset(entry.id);
    if (stored?.origin === 'bundled' && stored.sha256 === entry.sha256 && stored.rows === entry.rows) {
      progress('skip', entry.bytes, entry.bytes, 'unchanged (same checksum)');
      result.status = 'skipped';
    } else {
      const { table, bytes, note } = await fetchTable(entry, manifestUrl, options, progress);
      result.bytes = bytes;
      if (note) result.note = note;
      signal?.throwIfAborted();
      const meta = storedMeta(entry, table);
      await options.onDecoded?.(meta, table);
      prepared.pending = { meta, table };
    }
  } catch (error) {
    failed(prepared, error, signal);
  }
  return prepared;
}

/** Stores what `prepareEntry` left, in one atomic write, and closes the dataset's result. */
async function finishEntry(prepared: Prepared, store: DataStore, signal?: AbortSignal): Promise<DatasetIngestResult> {
  const { result, pending, progress } = prepared;
  if (pending) {
    try {
      signal?.throwIfAborted();
      progress('store', 0, result.rows);
      await store.putDataset(pending.meta, pending.table.columns, { signal });
      progress('done', result.rows, result.rows);
      result.status = 'imported';
    } catch (error) {
      failed(prepared, error, signal);
    }
  }
  result.ms = performance.now() - prepared.started;
  return result;
}

function failed({ result, progress }: Prepared, error: unknown, signal?: AbortSignal): void {
  result.status = isAbort(error, signal) ? 'cancelled' : 'failed';
  result.error = result.status === 'cancelled' ? CANCELLED : (error as Error).message;
  progress('error', 0, 0, result.error);
}

type Progress = (phase: IngestPhase, loaded: number, total: number, message?: string) => void;

/** Downloads, verifies and decodes one dataset; errors name the file. */
async function fetchTable(entry: DatasetEntry, manifestUrl: string, options: IngestOptions, progress: Progress) {
  const { signal } = options;
  const fail = (problem: string) => new Error(`${entry.file}: ${problem}`);
  const url = new URL(entry.file, manifestUrl).href;
  let received: Uint8Array<ArrayBuffer>;
  try {
    received = await downloadBytes(options.fetch, url, {
      signal,
      maxBytes: Math.max(entry.bytes, entry.rawBytes),
      // A server may send the file already decompressed; then the raw size is the total.
      onBytes: (loaded, first) => progress('download', loaded, isGzip(first) ? entry.bytes : entry.rawBytes),
    });
  } catch (error) {
    throw isAbort(error, signal) ? error : fail((error as Error).message);
  }
  let raw: ArrayBuffer;
  let note: string | undefined;
  if (isGzip(received)) {
    if (received.byteLength !== entry.bytes) throw fail(`received ${received.byteLength} bytes, the manifest says ${entry.bytes}`);
    const sha256 = await sha256Hex(received);
    if (sha256 === undefined) note = 'checksum not verified: this page is not a secure context (no crypto.subtle)';
    else if (sha256 !== entry.sha256) throw fail(`checksum mismatch (sha256 ${sha256.slice(0, 12)}…, the manifest says ${entry.sha256.slice(0, 12)}…); the file is corrupt or from another build`);
    progress('decode', 0, entry.rawBytes);
    raw = await gunzip(received).catch((error: Error) => {
      throw fail(error.message);
    });
  } else {
    if (received.byteLength !== entry.rawBytes) throw fail(`received ${received.byteLength} bytes (not gzip), the manifest says ${entry.rawBytes} uncompressed`);
    note = 'the server sent the file already decompressed: its size was checked, its checksum could not be';
    progress('decode', 0, entry.rawBytes);
    raw = received.buffer;
  }
  if (raw.byteLength !== entry.rawBytes) throw fail(`decompressed to ${raw.byteLength} bytes, the manifest says ${entry.rawBytes}`);
  let table: Table;
  try {
    table = decodeColumns(entry, raw);
  } catch (error) {
    throw fail((error as Error).message);
  }
  const problem = tableProblem(entry, table);
  if (problem) throw fail(problem);
  progress('decode', entry.rawBytes, entry.rawBytes);
  return { table, bytes: received.byteLength, note };
}

/** Every column has `rows` values; key columns (index, ops_code, row) are whole, present and unique. */
export function tableProblem(entry: Pick<DatasetEntry, 'rows' | 'columns'>, table: Table): string | undefined {
  for (const column of entry.columns) {
    const values = table.columns[column.name];
    if (!values || values.length !== entry.rows) return `column ${column.name} has ${values?.length ?? 0} values, expected ${entry.rows}`;
    if (column.kind !== 'key') continue;
    const rowOf = new Map<number, number>();
    for (let r = 0; r < values.length; r++) {
      const v = values[r];
      if (!Number.isInteger(v)) return `key column ${column.name} has ${Number.isNaN(v) ? 'a missing value' : `the non-integer ${v}`} in row ${r}`;
      const earlier = rowOf.get(v);
      if (earlier !== undefined) return `key column ${column.name} repeats ${v} (rows ${earlier} and ${r})`;
      rowOf.set(v, r);
    }
  }
  return undefined;
}

function storedMeta(entry: DatasetEntry, table: Table): StoredDataset {
  const meta: StoredDataset = {
    id: entry.id,
    title: entry.title,
    space: entry.space,
    version: entry.version,
    sha256: entry.sha256,
    rows: entry.rows,
    columns: entry.columns.map(({ name, kind, unit, description, label, device }) =>
      describeColumn({ name, kind, unit, description, ...(label ? { label } : {}), ...(device ? { device } : {}) }, table.columns[name]),
    ),
    caveats: entry.caveats,
    source: entry.source,
    importedAt: Date.now(),
    origin: 'bundled',
    bytes: entry.bytes,
  };
  if (entry.keys) meta.keys = entry.keys;
  return meta;
}
