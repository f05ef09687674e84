/**
 * The pipeline's orchestration (outputs, manifest, skipping bad sources, stamp, budget) on small
 * synthetic sources, then one end-to-end run on the real tables (skipped when absent).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeWithData } from '../src/test-support/real-data';
import { decodeColumns, FORMAT, type DatasetEntry, type Manifest } from '../src/lib/datasets/columns';
import { SourceError } from '../src/lib/datasets/validate';
import { runPipeline, summaryTable, type PipelineOptions } from './pipeline';
import type { DatasetSource } from './sources';

/** A one-column source: one number per line; "bad" anywhere is a SourceError, "boom" an unexpected crash. */
function numbersSource(id: string, space: DatasetSource['space'] = 'nb201'): DatasetSource {
  const file = `${id}/${id}.txt`;
  return {
    id,
    title: `${id} title`,
    space,
    files: [file],
    source: `${id} upstream, MIT`,
    caveats: [`${id} caveat`],
    build(context) {
      const lines = context.read(file).trim().split('\n');
      const values = Float64Array.from(lines, (line, k) => {
        if (line === 'bad') throw new SourceError(file, `line ${k + 1}`, "'bad' is not a finite number");
        if (line === 'boom') return (null as unknown as { x: number }).x;
        return Number(line);
      });
      return {
        rows: values.length,
        columns: [{ name: 'ms', kind: 'latency', unit: 'ms', description: 'd', values, decimals: Math.max(...lines.map((l) => (l.split('.')[1] ?? '').length)) }],
        keys: space === 'nb101' ? lines.map((_, k) => `key${k}`) : undefined,
      };
    },
  };
}

let root: string;
let sourceDir: string;
let outDir: string;
let logged: string[];

function writeSource(id: string, text: string) {
  mkdirSync(join(sourceDir, id), { recursive: true });
  writeFileSync(join(sourceDir, id, `${id}.txt`), text);
}

function run(extra: Partial<PipelineOptions> = {}) {
  logged = [];
  return runPipeline({
    sourceDir,
    outDir,
    sources: [numbersSource('alpha'), numbersSource('beta', 'nb101')],
    log: (line) => logged.push(line),
    ...extra,
  });
}

function manifest(): Manifest {
  return JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
}

function decode(entry: DatasetEntry) {
  const raw = gunzipSync(readFileSync(join(outDir, entry.file)));
  return decodeColumns(entry, raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'brp-datasets-'));
  sourceDir = join(root, 'sources');
  outDir = join(root, 'out');
  writeSource('alpha', '1.5\n2.25\n3\n');
  writeSource('beta', '10\n20\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('runPipeline on synthetic sources', () => {
  it('writes one gzip file per dataset and a manifest describing it exactly', () => {
    const result = run();
    expect(result.exitCode).toBe(0);
    const m = manifest();
    expect(m.format).toBe(FORMAT);
    expect(m.missing).toEqual([]);
    expect(m.datasets.map((d) => d.id)).toEqual(['alpha', 'beta']);
    const alpha = m.datasets[0];
    const gz = readFileSync(join(outDir, 'alpha.bin.gz'));
    const sha = createHash('sha256').update(gz).digest('hex');
    expect(alpha).toMatchObject({
      file: 'alpha.bin.gz',
      rows: 3,
      bytes: gz.byteLength,
      sha256: sha,
      version: sha.slice(0, 12),
      title: 'alpha title',
      space: 'nb201',
      source: 'alpha upstream, MIT',
      caveats: ['alpha caveat'],
    });
    expect(alpha.rawBytes).toBe(gunzipSync(gz).byteLength);
    expect(alpha.keys).toBeUndefined();
    expect(m.datasets[1].keys).toEqual(['key0', 'key1']);
    expect(Array.from(decode(alpha).columns.ms)).toEqual([1.5, 2.25, 3]);
    expect(Array.from(decode(m.datasets[1]).columns.ms)).toEqual([10, 20]);
  });

  it('prints a summary table with sizes and the NB201-space total', () => {
    const result = run();
    expect(logged[0]).toMatch(/^id\s+rows\s+columns\s+raw bytes\s+gz bytes\s+ms$/);
    // alpha: 3 values ×100 in uint16 = 6 bytes, padded to 8; beta: 2 × uint8, padded to 8.
    expect(logged[1]).toMatch(/^alpha\s+3\s+1\s+8\s+\d+\s+\d+$/);
    expect(logged[3]).toMatch(/^total\s+5\s+2\s+16\s+\d+/);
    expect(result.nb201SpaceBytes).toBe(manifest().datasets[0].bytes);
    expect(logged.some((l) => /NB201-space total 0\.00 MB gzip \(budget 4\.00 MB\)$/.test(l))).toBe(true);
  });

  it('skips a missing source, records it and still builds the others (exit code 0)', () => {
    rmSync(join(sourceDir, 'alpha'), { recursive: true });
    const result = run();
    expect(result.exitCode).toBe(0);
    expect(manifest().datasets.map((d) => d.id)).toEqual(['beta']);
    expect(manifest().missing).toEqual([{ id: 'alpha', file: 'alpha/alpha.txt', problem: `alpha/alpha.txt: not found in ${sourceDir}` }]);
    expect(logged).toContain(`datasets: SKIP alpha: alpha/alpha.txt: not found in ${sourceDir}`);
  });

  it('skips a malformed source with its one-line problem, and an unexpected crash too', () => {
    writeSource('alpha', '1\nbad\n');
    writeSource('beta', 'boom\n');
    const result = run();
    expect(result.exitCode).toBe(0);
    expect(manifest().datasets).toEqual([]);
    expect(manifest().missing).toEqual([
      { id: 'alpha', file: 'alpha/alpha.txt', problem: "alpha/alpha.txt line 2: 'bad' is not a finite number" },
      { id: 'beta', file: 'beta/beta.txt', problem: expect.stringMatching(/^beta\/beta\.txt: Cannot read properties of null/) },
    ]);
  });

  it('says every dataset is missing when the source folder does not exist, and still writes a manifest', () => {
    rmSync(sourceDir, { recursive: true });
    const result = run();
    expect(result.exitCode).toBe(0);
    expect(logged[0]).toMatch(/source folder .* not found \(set BRP_DATASETS_DIR\)/);
    expect(manifest().missing.map((m) => m.id)).toEqual(['alpha', 'beta']);
  });

  it('removes the file of a dataset that no longer builds', () => {
    run();
    expect(existsSync(join(outDir, 'alpha.bin.gz'))).toBe(true);
    writeSource('alpha', 'bad\n');
    run();
    expect(readdirSync(outDir).sort()).toEqual(['.stamp.json', 'beta.bin.gz', 'manifest.json']);
  });

  it('does nothing when sources and pipeline are unchanged, and rebuilds when they change or with force', () => {
    expect(run().upToDate).toBe(false);
    const first = readFileSync(join(outDir, 'manifest.json'), 'utf8');
    const again = run();
    expect(again.upToDate).toBe(true);
    expect(again.manifest.datasets.map((d) => d.id)).toEqual(['alpha', 'beta']);
    expect(logged).toEqual([expect.stringMatching(/^datasets: up to date in .* \(2 datasets, 0 missing; --force rebuilds\)$/)]);
    expect(readFileSync(join(outDir, 'manifest.json'), 'utf8')).toBe(first);

    expect(run({ force: true }).upToDate).toBe(false);

    // Same size, new mtime: rebuild.
    const alphaFile = join(sourceDir, 'alpha', 'alpha.txt');
    utimesSync(alphaFile, new Date(), new Date(Date.now() + 5000));
    expect(run().upToDate).toBe(false);
    expect(run().upToDate).toBe(true);

    // An output deleted by hand: rebuild.
    rmSync(join(outDir, 'beta.bin.gz'));
    expect(run().upToDate).toBe(false);
    expect(existsSync(join(outDir, 'beta.bin.gz'))).toBe(true);

    // A source that appears: rebuild.
    rmSync(join(sourceDir, 'alpha'), { recursive: true });
    run();
    expect(run().upToDate).toBe(true);
    writeSource('alpha', '7\n');
    expect(run().upToDate).toBe(false);
    expect(manifest().missing).toEqual([]);
  });

  it('fails loudly (exit code 1, no stamp) when the NB201-space files exceed the budget', () => {
    const result = run({ budgetBytes: 10 });
    expect(result.exitCode).toBe(1);
    expect(logged.some((l) => l.includes('OVER BUDGET'))).toBe(true);
    expect(logged.at(-1)).toMatch(/^datasets: ERROR: NB201-space datasets are 0\.00 MB gzip, over the 0\.00 MB budget$/);
    expect(existsSync(join(outDir, '.stamp.json'))).toBe(false);
    expect(run({ budgetBytes: 10 }).exitCode).toBe(1); // not "up to date"
  });
});

describe('summaryTable', () => {
  it('right-aligns numbers under their headers and adds a total', () => {
    const lines = summaryTable([
      { id: 'nb201', rows: 15625, columns: 22, rawBytes: 1453208, gzBytes: 908336, ms: 844.4 },
      { id: 'darts', rows: 500, columns: 13, rawBytes: 45000, gzBytes: 32299, ms: 40 },
    ]);
    expect(lines).toEqual([
      'id       rows  columns  raw bytes  gz bytes   ms',
      'nb201  15,625       22  1,453,208   908,336  844',
      'darts     500       13     45,000    32,299   40',
      'total  16,125       35  1,498,208   940,635  884',
    ]);
  });
});

const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/datasets');
const HAVE_DATA = existsSync(join(SHARED, 'nb201/nb201.csv'));
if (!HAVE_DATA) console.warn(`datasets/pipeline.test.ts: real-data run skipped, ${SHARED} not found`);

describeWithData(HAVE_DATA, `${SHARED}/nb201/nb201.csv`, 'runPipeline on the real tables', () => {
  it('builds all six within the budget, and every file decodes to the source numbers', () => {
    logged = [];
    const result = runPipeline({ sourceDir: SHARED, outDir, log: (line) => logged.push(line) });
    expect(result.exitCode).toBe(0);
    const m = manifest();
    expect(m.missing).toEqual([]);
    expect(m.datasets.map((d) => [d.id, d.rows])).toEqual([
      ['nb201', 15625],
      ['latbench', 15284],
      ['help', 15625],
      ['hwnasbench', 15625],
      ['nb101', 500],
      ['darts', 500],
    ]);
    expect(result.nb201SpaceBytes).toBeLessThanOrEqual(4_000_000);
    const nb201 = decode(m.datasets[0]);
    expect(nb201.columns.c100_valid[9930]).toBe(73.493333);
    expect(nb201.columns.c10_test[6111]).toBe(94.373333);
    expect(nb201.columns.c10_flops[1462]).toBe(220.11969);
    expect(nb201.columns.connected.reduce((a, b) => a + b, 0)).toBe(15284);
    const latbench = decode(m.datasets[1]);
    expect([latbench.columns.index[0], latbench.columns.desktop_cpu_i7_7820x_fp32[0]]).toEqual([0, 3.8967]);
    const hw = decode(m.datasets[3]);
    expect(hw.columns.eyeriss_latency_ms[0]).toBe(3.64562);
    expect(m.datasets[5].keys).toHaveLength(500);
  }, 120_000);

  it('skips only the dataset whose source is broken', () => {
    // A source folder of links to the real tables, except a corrupted HELP file.
    const mixed = join(root, 'mixed');
    mkdirSync(join(mixed, 'help-latency'), { recursive: true });
    for (const folder of ['nb201', 'latbench', 'hw-nas-bench', 'nb101', 'darts']) symlinkSync(join(SHARED, folder), join(mixed, folder));
    const help = readFileSync(join(SHARED, 'help-latency/help_nb201_latency.csv'), 'utf8').split('\n');
    help[101] = help[101].replace(/,(\d+)$/, ',-$1');
    writeFileSync(join(mixed, 'help-latency/help_nb201_latency.csv'), help.join('\n'));
    logged = [];
    const result = runPipeline({ sourceDir: mixed, outDir, log: (line) => logged.push(line) });
    expect(result.exitCode).toBe(0);
    expect(manifest().datasets.map((d) => d.id)).toEqual(['nb201', 'latbench', 'hwnasbench', 'nb101', 'darts']);
    expect(manifest().missing).toEqual([
      {
        id: 'help',
        file: 'help-latency/help_nb201_latency.csv',
        problem: expect.stringMatching(/^help-latency\/help_nb201_latency\.csv line 102: column essential_ph_1: -\d+ is not greater than 0$/),
      },
    ]);
  }, 120_000);
});
