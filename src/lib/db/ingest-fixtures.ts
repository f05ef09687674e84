/**
 * Test helpers for the ingest (not used by the app): a small manifest with gzip'd columns built
 * by the real encoder, and a fetch that serves it in chunks and records what was asked.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { encodeColumns, FORMAT, type ColumnSpec, type DatasetEntry, type Manifest } from '../datasets/columns';

export const BASE = 'https://lab.test/datasets/';
export const MANIFEST_URL = `${BASE}manifest.json`;

export interface SourceTable {
  id: string;
  space: DatasetEntry['space'];
  columns: (ColumnSpec & { values: number[]; decimals: number })[];
  keys?: string[];
}

/** An NB201-style table of `rows` cells whose values depend on `seed`. */
export function nb201Source(id: string, rows: number, seed: number): SourceTable {
  const acc = Array.from({ length: rows }, (_, r) => Math.round((50 + ((r * 7 + seed * 13) % 400) / 10) * 1000) / 1000);
  return {
    id,
    space: 'nb201',
    columns: [
      { name: 'index', kind: 'key', unit: '', description: 'NB201 index', decimals: 0, values: Array.from({ length: rows }, (_, r) => r * 3) },
      { name: 'c10_test', kind: 'accuracy', unit: '%', description: 'CIFAR-10 test accuracy', decimals: 3, values: acc },
      {
        name: 'lat_ms',
        kind: 'latency',
        unit: 'ms',
        description: 'latency',
        decimals: 2,
        values: Array.from({ length: rows }, (_, r) => (r === 2 ? NaN : 1 + seed + r / 4)),
        device: { label: 'Test phone', family: 'phone' },
      },
    ],
  };
}

export function nb101Source(rows: number): SourceTable {
  return {
    id: 'nb101',
    space: 'nb101',
    columns: [
      { name: 'row', kind: 'key', unit: '', description: 'row', decimals: 0, values: Array.from({ length: rows }, (_, r) => r) },
      { name: 'val_acc', kind: 'accuracy', unit: '%', description: 'validation accuracy', decimals: 1, values: Array.from({ length: rows }, (_, r) => 90 + r / 10) },
    ],
    keys: Array.from({ length: rows }, (_, r) => `hash${r}`),
  };
}

export interface Bundle {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
  /** Each table's expected decoded columns. */
  expected: Map<string, Record<string, Float64Array>>;
}

export function buildBundle(sources: SourceTable[], missing: Manifest['missing'] = []): Bundle {
  const files = new Map<string, Uint8Array>();
  const expected = new Map<string, Record<string, Float64Array>>();
  const datasets = sources.map((source): DatasetEntry => {
    const specs = source.columns.map((c) => ({ ...c, values: Float64Array.from(c.values) }));
    const { buffer, columns } = encodeColumns(specs);
    const gz = new Uint8Array(gzipSync(buffer));
    const sha256 = createHash('sha256').update(gz).digest('hex');
    const file = `${source.id}.bin.gz`;
    files.set(file, gz);
    expected.set(source.id, Object.fromEntries(specs.map((c) => [c.name, c.values])));
    const entry: DatasetEntry = {
      id: source.id,
      title: `Table ${source.id}`,
      space: source.space,
      version: sha256.slice(0, 12),
      rows: specs[0].values.length,
      file,
      bytes: gz.byteLength,
      rawBytes: buffer.byteLength,
      sha256,
      source: 'test source',
      caveats: ['a caveat'],
      columns,
    };
    if (source.keys) entry.keys = source.keys;
    return entry;
  });
  return { manifest: { format: FORMAT, generatedAt: '2026-01-01T00:00:00.000Z', datasets, missing }, files, expected };
}

export interface TestServer {
  fetch: typeof fetch;
  /** URLs requested, in order. */
  requested: string[];
  /** Replace what a path serves (bytes, or an HTTP status). */
  serve(path: string, body: Uint8Array | string | number): void;
}

/** Serves `bundle` under {@link BASE}, 64-byte chunks, honouring the abort signal like fetch does. */
export function testServer(bundle: Bundle): TestServer {
  const routes = new Map<string, Uint8Array | string | number>([['manifest.json', JSON.stringify(bundle.manifest)], ...bundle.files]);
  const requested: string[] = [];
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requested.push(url);
    init?.signal?.throwIfAborted();
    const body = url.startsWith(BASE) ? routes.get(url.slice(BASE.length)) : undefined;
    if (body === undefined || typeof body === 'number') return new Response(null, { status: body ?? 404 });
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    let offset = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 64));
        offset += 64;
      },
    });
    return new Response(stream, { status: 200 });
  };
  return {
    fetch: fetchFn as typeof fetch,
    requested,
    serve: (path, body) => routes.set(path, body),
  };
}
