/**
 * Source tables → validated, app-ready files: `<id>.bin.gz` (columns@1, gzip level 9) and
 * `manifest.json` in the output folder. A missing or malformed source is reported in one line,
 * skipped and listed in `manifest.missing`; the other datasets still build. A stamp file makes an
 * unchanged rebuild a no-op.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { decodeColumns, encodeColumns, FORMAT, type DatasetEntry, type Manifest, type MissingSource } from '../src/lib/datasets/columns';
import { Nb201KeyRegistry, SourceError } from '../src/lib/datasets/validate';
import { SOURCES, type BuildContext, type DatasetSource } from './sources';

/** Bump when the output changes for a reason the hashed code files below do not capture. */
export const PIPELINE_VERSION = 1;

/** All NB201-space datasets together must stay below this (gzip bytes): they ship with the app. */
export const NB201_SPACE_BUDGET_BYTES = 4_000_000;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The code that determines the output; its content is part of the stamp. */
const PIPELINE_CODE = ['datasets/pipeline.ts', 'datasets/sources.ts', 'src/lib/datasets/columns.ts', 'src/lib/datasets/csv.ts', 'src/lib/datasets/validate.ts', 'src/lib/spaces/nb201.ts'];

const STAMP_FILE = '.stamp.json';
const MANIFEST_FILE = 'manifest.json';

export interface PipelineOptions {
  sourceDir: string;
  outDir: string;
  /** Rebuild even when the stamp says nothing changed. */
  force?: boolean;
  log?: (line: string) => void;
  sources?: readonly DatasetSource[];
  budgetBytes?: number;
}

export interface SummaryRow {
  id: string;
  rows: number;
  columns: number;
  rawBytes: number;
  gzBytes: number;
  ms: number;
}

export interface PipelineResult {
  /** True when the stamp matched and nothing was rebuilt. */
  upToDate: boolean;
  manifest: Manifest;
  summary: SummaryRow[];
  /** Gzip bytes of all NB201-space datasets. */
  nb201SpaceBytes: number;
  /** 0 = fine (missing sources included); 1 = over the size budget. */
  exitCode: 0 | 1;
}

interface Stamp {
  pipeline: string;
  sourceDir: string;
  sources: Record<string, { size: number; mtimeMs: number } | null>;
}

function pipelineFingerprint(): string {
  const hash = createHash('sha256').update(`v${PIPELINE_VERSION}`);
  for (const file of PIPELINE_CODE) hash.update(file).update(readFileSync(join(REPO_ROOT, file)));
  return hash.digest('hex');
}

function currentStamp(sourceDir: string, sources: readonly DatasetSource[]): Stamp {
  const stamp: Stamp = { pipeline: pipelineFingerprint(), sourceDir: resolve(sourceDir), sources: {} };
  for (const source of sources) {
    for (const file of source.files) {
      try {
        const st = statSync(join(sourceDir, file));
        stamp.sources[file] = { size: st.size, mtimeMs: st.mtimeMs };
      } catch {
        stamp.sources[file] = null;
      }
    }
  }
  return stamp;
}

/** The previous build is still valid: same stamp, and its manifest and every file it names exist. */
function previousBuild(outDir: string, stamp: Stamp): Manifest | null {
  try {
    const old = JSON.parse(readFileSync(join(outDir, STAMP_FILE), 'utf8')) as Stamp;
    if (JSON.stringify(old) !== JSON.stringify(stamp)) return null;
    const manifest = JSON.parse(readFileSync(join(outDir, MANIFEST_FILE), 'utf8')) as Manifest;
    if (manifest.format !== FORMAT) return null;
    for (const entry of manifest.datasets) {
      if (statSync(join(outDir, entry.file)).size !== entry.bytes) return null;
    }
    return manifest;
  } catch {
    return null;
  }
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Every value must decode to exactly the double the source gave (a format bug otherwise). */
function checkRoundTrip(entry: DatasetEntry, raw: Uint8Array, columns: { name: string; values: Float64Array }[]): void {
  const table = decodeColumns(entry, raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer);
  for (const column of columns) {
    const decoded = table.columns[column.name];
    for (let r = 0; r < entry.rows; r++) {
      if (!Object.is(decoded[r], column.values[r])) {
        throw new Error(`${entry.id}: column ${column.name} row ${r} decodes to ${decoded[r]}, not ${column.values[r]} (columns@1 encoding bug)`);
      }
    }
  }
}

export function runPipeline(options: PipelineOptions): PipelineResult {
  const { sourceDir, outDir, force = false, sources = SOURCES, budgetBytes = NB201_SPACE_BUDGET_BYTES } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const stamp = currentStamp(sourceDir, sources);
  if (!force) {
    const manifest = previousBuild(outDir, stamp);
    if (manifest) {
      log(`datasets: up to date in ${outDir} (${manifest.datasets.length} datasets, ${manifest.missing.length} missing; --force rebuilds)`);
      const nb201SpaceBytes = manifest.datasets.filter((d) => d.space === 'nb201').reduce((sum, d) => sum + d.bytes, 0);
      return { upToDate: true, manifest, summary: [], nb201SpaceBytes, exitCode: 0 };
    }
  }

  mkdirSync(outDir, { recursive: true });
  if (!existsSync(sourceDir)) log(`datasets: source folder ${sourceDir} not found (set BRP_DATASETS_DIR); every dataset is missing`);
  const context: BuildContext = {
    read(path) {
      try {
        return readFileSync(join(sourceDir, path), 'utf8');
      } catch {
        throw new SourceError(path, null, `not found in ${sourceDir}`);
      }
    },
    registry: new Nb201KeyRegistry(),
  };

  const datasets: DatasetEntry[] = [];
  const missing: MissingSource[] = [];
  const summary: SummaryRow[] = [];
  for (const source of sources) {
    const started = performance.now();
    let built;
    try {
      built = source.build(context);
    } catch (err) {
      // Hostile input can also trip an unexpected exception; it is still this source's fault.
      const problem = err instanceof SourceError ? err.message : `${source.files[0]}: ${(err as Error).message}`;
      log(`datasets: SKIP ${source.id}: ${problem.split('\n')[0]}`);
      missing.push({ id: source.id, file: err instanceof SourceError ? err.file : source.files[0], problem: problem.split('\n')[0] });
      continue;
    }
    const { buffer, columns } = encodeColumns(built.columns);
    const gz = gzipSync(buffer, { level: 9 });
    const sha256 = createHash('sha256').update(gz).digest('hex');
    const file = `${source.id}.bin.gz`;
    const entry: DatasetEntry = {
      id: source.id,
      title: source.title,
      space: source.space,
      version: sha256.slice(0, 12),
      rows: built.rows,
      file,
      bytes: gz.byteLength,
      rawBytes: buffer.byteLength,
      sha256,
      source: source.source,
      caveats: source.caveats,
      columns,
    };
    if (built.keys) entry.keys = built.keys;
    checkRoundTrip(entry, buffer, built.columns);
    writeAtomically(join(outDir, file), gz);
    if (built.nb201Keys) context.registry.register(built.nb201Keys.file, built.nb201Keys.keys);
    datasets.push(entry);
    summary.push({ id: source.id, rows: built.rows, columns: columns.length, rawBytes: buffer.byteLength, gzBytes: gz.byteLength, ms: performance.now() - started });
  }

  // Files of datasets that no longer build must not linger next to the manifest.
  const kept = new Set(datasets.map((d) => d.file));
  for (const name of readdirSync(outDir)) {
    if (name.endsWith('.bin.gz') && !kept.has(name)) unlinkSync(join(outDir, name));
  }
  const manifest: Manifest = { format: FORMAT, generatedAt: new Date().toISOString(), datasets, missing };
  writeAtomically(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest)}\n`);

  const nb201SpaceBytes = datasets.filter((d) => d.space === 'nb201').reduce((sum, d) => sum + d.bytes, 0);
  for (const line of summaryTable(summary)) log(line);
  const overBudget = nb201SpaceBytes > budgetBytes;
  log(`datasets: NB201-space total ${formatBytes(nb201SpaceBytes)} gzip (budget ${formatBytes(budgetBytes)})${overBudget ? '  OVER BUDGET' : ''}`);
  if (missing.length > 0) log(`datasets: ${missing.length} missing: ${missing.map((m) => m.id).join(', ')} (the app will say so)`);
  if (overBudget) {
    log(`datasets: ERROR: NB201-space datasets are ${formatBytes(nb201SpaceBytes)} gzip, over the ${formatBytes(budgetBytes)} budget`);
    // No stamp: the next run must fail again instead of reporting "up to date".
    if (existsSync(join(outDir, STAMP_FILE))) unlinkSync(join(outDir, STAMP_FILE));
    return { upToDate: false, manifest, summary, nb201SpaceBytes, exitCode: 1 };
  }
  writeAtomically(join(outDir, STAMP_FILE), JSON.stringify(stamp));
  return { upToDate: false, manifest, summary, nb201SpaceBytes, exitCode: 0 };
}

function formatBytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

export function summaryTable(rows: SummaryRow[]): string[] {
  const header = ['id', 'rows', 'columns', 'raw bytes', 'gz bytes', 'ms'];
  const total: SummaryRow = {
    id: 'total',
    rows: rows.reduce((s, r) => s + r.rows, 0),
    columns: rows.reduce((s, r) => s + r.columns, 0),
    rawBytes: rows.reduce((s, r) => s + r.rawBytes, 0),
    gzBytes: rows.reduce((s, r) => s + r.gzBytes, 0),
    ms: rows.reduce((s, r) => s + r.ms, 0),
  };
  const cells = [...rows, total].map((r) => [r.id, r.rows.toLocaleString('en-US'), String(r.columns), r.rawBytes.toLocaleString('en-US'), r.gzBytes.toLocaleString('en-US'), r.ms.toFixed(0)]);
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((c) => c[k].length)));
  const format = (c: string[]) => c.map((text, k) => (k === 0 ? text.padEnd(widths[k]) : text.padStart(widths[k]))).join('  ');
  return [format(header), ...cells.map(format)];
}
