/**
 * The source checks against the real tables in shared/datasets (skipped when absent), and against
 * copies of them with one defect each: every defect must be caught with file, line and problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeWithData } from '../src/test-support/real-data';
import { Nb201KeyRegistry, SourceError } from '../src/lib/datasets/validate';
import { codeToOps, opsToArchStr } from '../src/lib/spaces/nb201';
import { SOURCES, type BuildContext, type BuiltDataset, type DatasetSource } from './sources';

const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/datasets');
const HAVE_DATA = existsSync(join(SHARED, 'nb201/nb201.csv'));
if (!HAVE_DATA) console.warn(`datasets/sources.test.ts: skipped, ${SHARED} not found (the shared benchmark tables are not here)`);

const cache = new Map<string, string>();
function original(path: string): string {
  let text = cache.get(path);
  if (text === undefined) cache.set(path, (text = readFileSync(join(SHARED, path), 'utf8')));
  return text;
}

/** A context that reads the real files, with some replaced (or deleted with null). */
function contextWith(changes: Record<string, string | null> = {}, registry = new Nb201KeyRegistry()): BuildContext {
  return {
    read(path) {
      if (path in changes) {
        const changed = changes[path];
        if (changed === null) throw new SourceError(path, null, 'not found in the test folder');
        return changed;
      }
      try {
        return original(path);
      } catch {
        throw new SourceError(path, null, 'not found');
      }
    },
    registry,
  };
}

const source = (id: string): DatasetSource => SOURCES.find((s) => s.id === id)!;

/** The whole file with line `line` (1-based) rewritten. */
function editLine(path: string, line: number, edit: (text: string) => string): string {
  const lines = original(path).split('\n');
  lines[line - 1] = edit(lines[line - 1]);
  return lines.join('\n');
}

/** Replaces cell `column` (by header name) on line `line`. */
function editCell(path: string, line: number, column: string, value: string): string {
  const header = original(path).slice(0, original(path).indexOf('\n')).split(',');
  const k = header.indexOf(column);
  if (k < 0) throw new Error(`test bug: no column ${column}`);
  return editLine(path, line, (text) => {
    const cells = text.split(',');
    cells[k] = value;
    return cells.join(',');
  });
}

function failure(id: string, changes: Record<string, string | null>, registry?: Nb201KeyRegistry): string {
  try {
    source(id).build(contextWith(changes, registry));
  } catch (err) {
    if (err instanceof SourceError) return err.message;
    throw err;
  }
  throw new Error(`expected ${id} to fail`);
}

/** A registry holding nb201.csv's keys, as the pipeline has when it builds the other files. */
function registryWithNb201(): Nb201KeyRegistry {
  const registry = new Nb201KeyRegistry();
  const built = source('nb201').build(contextWith({}, registry));
  registry.register(built.nb201Keys!.file, built.nb201Keys!.keys);
  return registry;
}

const NB201 = 'nb201/nb201.csv';
const LATBENCH = 'latbench/latbench.csv';
const HELP = 'help-latency/help_nb201_latency.csv';
const HWNAS = 'hw-nas-bench/hwnasbench_nb201_cifar10_latency_partial.csv';
const NB101 = 'nb101/nb101_naslib_zc500.csv';
const DARTS = 'darts/nb301_naslib_zc500.json';

describeWithData(HAVE_DATA, `${SHARED}/nb201/nb201.csv`, 'the real sources', () => {
  const built = new Map<string, BuiltDataset>();
  const registry = new Nb201KeyRegistry();

  it('all six build, in order, each checked against the ones before', () => {
    const context = contextWith({}, registry);
    for (const s of SOURCES) {
      const dataset = s.build(context);
      if (dataset.nb201Keys) registry.register(dataset.nb201Keys.file, dataset.nb201Keys.keys);
      built.set(s.id, dataset);
    }
    expect([...built.keys()]).toEqual(['nb201', 'latbench', 'help', 'hwnasbench', 'nb101', 'darts']);
    expect(Object.fromEntries([...built].map(([id, d]) => [id, d.rows]))).toEqual({
      nb201: 15625,
      latbench: 15284,
      help: 15625,
      hwnasbench: 15625,
      nb101: 500,
      darts: 500,
    });
  }, 60_000);

  it('nb201 stores index, ops_code and connected first, and ops_code gives back every arch_str', () => {
    const nb201 = built.get('nb201')!;
    expect(nb201.columns.map((c) => c.name).slice(0, 5)).toEqual(['index', 'ops_code', 'connected', 'c10_test', 'c100_valid']);
    expect(nb201.columns.map((c) => c.name)).not.toContain('arch_str');
    const column = (name: string) => nb201.columns.find((c) => c.name === name)!.values;
    const index = column('index');
    const opsCode = column('ops_code');
    const archByIndex = new Map(
      original(NB201)
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const [i, arch] = line.split(',');
          return [Number(i), arch];
        }),
    );
    for (let r = 0; r < nb201.rows; r++) {
      expect(index[r]).toBe(r); // sorted, no gaps
      if (opsToArchStr(codeToOps(opsCode[r])) !== archByIndex.get(r)) throw new Error(`ops_code of index ${r} does not give its arch_str`);
    }
    const best = column('c10_test').indexOf(Math.max(...column('c10_test')));
    expect([best, column('c10_test')[best]]).toEqual([6111, 94.373333]);
  });

  it('every NB201-space dataset carries index sorted ascending and no arch_str/ops', () => {
    for (const id of ['nb201', 'latbench', 'help', 'hwnasbench']) {
      const d = built.get(id)!;
      const index = d.columns.find((c) => c.name === 'index')!.values;
      for (let r = 1; r < index.length; r++) expect(index[r] > index[r - 1], `${id} row ${r}`).toBe(true);
      expect(d.columns.map((c) => c.name).filter((n) => n === 'arch_str' || n === 'ops')).toEqual([]);
    }
  });

  it('latbench describes every device, marks the x_* columns and carries the caveats', () => {
    const columns = built.get('latbench')!.columns;
    expect(columns).toHaveLength(16);
    const device = (name: string) => columns.find((c) => c.name === name)!.device!;
    expect(device('x_desktop_gpu_gtx1080ti_large').notADevice).toBe(true);
    expect(device('x_embedded_tpu_edgetpu_large').notADevice).toBe(true);
    expect(device('desktop_gpu_gtx1080ti_fp32').caveat).toMatch(/^≈ desktop CPU, probably a duplicate upstream/);
    expect(device('embedded_gpu_jetson_nano_fp16').caveat).toMatch(/labels inferred by speed/);
    expect(columns.filter((c) => c.kind === 'latency').every((c) => c.unit === 'ms' && c.device?.label)).toBe(true);
    const sd450 = columns.find((c) => c.name === 'mobile_cpu_sd450_cortex_a53_int8')!.values;
    expect(sd450.filter(Number.isNaN).length).toBe(15284 - 15252);
  });

  it('help marks the phones as coarse integer ms; nb101 and darts carry their keys', () => {
    const pixel2 = built.get('help')!.columns.find((c) => c.name === 'pixel2')!;
    expect(pixel2.device?.caveat).toBe('coarse, integer ms');
    expect(built.get('help')!.columns).toHaveLength(24);
    expect(built.get('hwnasbench')!.columns).toHaveLength(5);
    const nb101 = built.get('nb101')!;
    expect(nb101.keys).toHaveLength(500);
    expect(nb101.keys![0]).toBe('0011a6a4e759f16e635a3bb83566c2d1');
    expect(nb101.columns.map((c) => c.name)).toEqual(['row', 'val_acc', 'params_m', 'flops_m', 'snip', 'jacov', 'grad_norm', 'plain', 'epe_nas', 'fisher', 'grasp', 'l2_norm', 'synflow']);
    const darts = built.get('darts')!;
    expect(new Set(darts.keys).size).toBe(500);
    expect(JSON.parse(darts.keys![0])[0][0]).toEqual(['avg_pool_3x3', 0]);
  });
});

describeWithData(HAVE_DATA, `${SHARED}/nb201/nb201.csv`, 'defects in copies of the real sources', () => {
  it.each([
    ['a non-number', NB201, () => editCell(NB201, 5, 'c10_test', 'abc'), "nb201/nb201.csv line 5: column c10_test: 'abc' is not a finite number"],
    ['an accuracy above 100', NB201, () => editCell(NB201, 7, 'c100_test', '100.5'), 'nb201/nb201.csv line 7: column c100_test: 100.5 is not an accuracy in 0..100 %'],
    ['zero FLOPs', NB201, () => editCell(NB201, 9, 'in16_flops', '0'), 'nb201/nb201.csv line 9: column in16_flops: 0 is not greater than 0'],
    ['a wrong connected flag', NB201, () => editCell(NB201, 12, 'connected', '1'), 'nb201/nb201.csv line 12: connected is 1 but ops 333000 is not connected'],
    ['connected = 2', NB201, () => editCell(NB201, 12, 'connected', '2'), 'nb201/nb201.csv line 12: column connected: 2 is not 0 or 1'],
    ['ops disagreeing with arch_str', NB201, () => editCell(NB201, 2, 'ops', '421212'), 'nb201/nb201.csv line 2: ops 421212 disagrees with arch_str (which gives 421211)'],
    ['a lost row', NB201, () => editLine(NB201, 100, () => '').replace('\n\n', '\n'), 'nb201/nb201.csv: has 15,624 data rows, its README says 15,625'],
    ['an extra column', NB201, () => original(NB201).replace('\n', ',extra\n'), 'nb201/nb201.csv line 2: has 23 cells, the header has 24'],
    ['a renamed column', NB201, () => original(NB201).replace('c10_test', 'c10_tst'), "nb201/nb201.csv line 1: the header lacks the column 'c10_test'"],
    [
      'a changed best accuracy (canary)',
      NB201,
      () => editCell(NB201, 6113, 'c10_test', '94.273333'),
      'nb201/nb201.csv: sanity check failed: best c10_test is 94.373333 at index 13714, its README says 94.373333 at index 6111',
    ],
    ['a garbled header name', NB201, () => original(NB201).replace('index', 'ïndex'), "nb201/nb201.csv line 1: the header lacks the column 'index'"],
  ])(
    'nb201: %s',
    (_what, path, edit, message) => {
      expect(failure('nb201', { [path]: edit() })).toBe(message);
    },
    30_000,
  );

  it('nb201: a missing file', () => {
    expect(failure('nb201', { [NB201]: null })).toBe('nb201/nb201.csv: not found in the test folder');
  });

  it('latbench: an arch_str that disagrees with nb201.csv (ops still consistent within the row)', () => {
    // Line 2 is index 0 (421211); give it index 1's arch and ops.
    const line3 = original(LATBENCH).split('\n')[2].split(',');
    const changed = editLine(LATBENCH, 2, (text) => ['0', line3[1], line3[2], ...text.split(',').slice(3)].join(','));
    expect(failure('latbench', { [LATBENCH]: changed }, registryWithNb201())).toBe(
      "latbench/latbench.csv line 2: index 0 has arch_str '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_poo…' here but '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_co…' in nb201/nb201.csv",
    );
  }, 30_000);

  it('latbench: a disconnected cell among its rows', () => {
    // Replace index 0's keys by the disconnected cell 10 (333000).
    const arch10 = opsToArchStr([3, 3, 3, 0, 0, 0]);
    const changed = editLine(LATBENCH, 2, (text) => ['10', arch10, '333000', ...text.split(',').slice(3)].join(','));
    expect(failure('latbench', { [LATBENCH]: changed })).toBe('latbench/latbench.csv line 2: index 10 is a disconnected cell; LatBench holds only connected cells');
  });

  it('latbench: an empty cell where devices.json counts every cell', () => {
    expect(failure('latbench', { [LATBENCH]: editCell(LATBENCH, 20, 'desktop_cpu_i7_7820x_fp32', '') })).toBe('latbench/latbench.csv line 20: column desktop_cpu_i7_7820x_fp32 is empty');
    expect(failure('latbench', { [LATBENCH]: editCell(LATBENCH, 20, 'mobile_cpu_sd450_cortex_a53_int8', '') })).toBe(
      'latbench/latbench.csv: column mobile_cpu_sd450_cortex_a53_int8 has 15251 values, latbench/devices.json says n = 15252',
    );
  });

  it('latbench: a negative latency and a bad devices.json', () => {
    expect(failure('latbench', { [LATBENCH]: editCell(LATBENCH, 30, 'embedded_tpu_edgetpu_int8', '-0.5') })).toBe(
      'latbench/latbench.csv line 30: column embedded_tpu_edgetpu_int8: -0.5 is not greater than 0',
    );
    expect(failure('latbench', { 'latbench/devices.json': '{"devices": [' })).toMatch(/^latbench\/devices\.json: is not valid JSON/);
    expect(failure('latbench', { 'latbench/devices.json': null })).toBe('latbench/devices.json: not found in the test folder');
  });

  it('help: a repeated index, and a phone value with decimals', () => {
    const line3 = original(HELP).split('\n')[2];
    expect(failure('help', { [HELP]: editLine(HELP, 4, () => line3) })).toBe('help-latency/help_nb201_latency.csv line 4: index 1 repeats line 3');
    expect(failure('help', { [HELP]: editCell(HELP, 8, 'pixel2', '9.5') })).toBe('help-latency/help_nb201_latency.csv: column pixel2 should hold integer ms (its README says so)');
  });

  it('hwnasbench: a sub-millisecond value on a connected cell, and a non-finite one', () => {
    expect(failure('hwnasbench', { [HWNAS]: editCell(HWNAS, 3, 'pixel3_latency_ms', '0.5') })).toBe(
      'hw-nas-bench/hwnasbench_nb201_cifar10_latency_partial.csv line 3: pixel3_latency_ms is 0.5 ms on a connected cell; its README says values < 1 ms occur only on disconnected cells',
    );
    expect(failure('hwnasbench', { [HWNAS]: editCell(HWNAS, 4, 'fpga_latency_ms', 'inf') })).toBe(
      "hw-nas-bench/hwnasbench_nb201_cifar10_latency_partial.csv line 4: column fpga_latency_ms: 'inf' is not a finite number",
    );
  });

  it('nb101: a bad hash, a non-triangular matrix, a bad op label', () => {
    expect(failure('nb101', { [NB101]: editCell(NB101, 2, 'hash', 'XYZ') })).toBe("nb101/nb101_naslib_zc500.csv line 2: hash 'XYZ' is not 32 lowercase hex digits");
    expect(failure('nb101', { [NB101]: editCell(NB101, 2, 'matrix', '1'.repeat(36)) })).toBe('nb101/nb101_naslib_zc500.csv line 2: matrix is not an upper-triangular 6×6 0/1 matrix');
    expect(failure('nb101', { [NB101]: editCell(NB101, 3, 'ops', 'in-c5-c3-out') })).toBe("nb101/nb101_naslib_zc500.csv line 3: ops 'in-c5-c3-out' is not 4 labels in-…-out");
  });

  it('darts: an unknown op, an impossible input, a repeated genotype, broken JSON', () => {
    const json = () => JSON.parse(original(DARTS)) as { archs: { normal: [string, number][]; reduce: [string, number][] }[] };
    const badOp = json();
    badOp.archs[4].normal[0][0] = 'conv_9x9';
    expect(failure('darts', { [DARTS]: JSON.stringify(badOp) })).toBe("darts/nb301_naslib_zc500.json record 5: normal pair 1 has unknown op 'conv_9x9'");
    const badInput = json();
    badInput.archs[0].reduce[3][1] = 3;
    expect(failure('darts', { [DARTS]: JSON.stringify(badInput) })).toBe('darts/nb301_naslib_zc500.json record 1: reduce pair 4 feeds node 3 from 3, which must be 0..2');
    const repeated = json();
    repeated.archs[9].normal = repeated.archs[8].normal;
    repeated.archs[9].reduce = repeated.archs[8].reduce;
    expect(failure('darts', { [DARTS]: JSON.stringify(repeated) })).toBe('darts/nb301_naslib_zc500.json record 10: repeats the genotype of record 9');
    expect(failure('darts', { [DARTS]: original(DARTS).slice(0, 1000) })).toMatch(/^darts\/nb301_naslib_zc500\.json: is not valid JSON/);
  });
});
