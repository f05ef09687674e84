/**
 * The benchmark sources the app ships, one `DatasetSource` each: which files, what they must hold
 * (schema, row counts and sanity numbers from their READMEs in shared/datasets/), and how their
 * columns are described in the manifest. Every check fails with a one-line `SourceError`.
 */
import type { ColumnSpec, DatasetEntry } from '../src/lib/datasets/columns';
import { CsvError, splitSimpleCsv, type CsvTable } from '../src/lib/datasets/csv';
import {
  argMax,
  checkClose,
  checkHeader,
  checkRowCount,
  isConnectedCell,
  Nb201KeyRegistry,
  parseStrictNumber,
  permute,
  quote,
  readColumn,
  readNb201Keys,
  SourceError,
  sortOrder,
  summarize,
  valueBreaksRule,
  type Nb201Keys,
  type NumericColumn,
  type ValueRule,
} from '../src/lib/datasets/validate';
import { decimalsOf } from '../src/lib/datasets/columns';
import { digitsToOps, NB201_NUM_CELLS, opsToCode } from '../src/lib/spaces/nb201';

/** A column ready for `encodeColumns`. */
export type EncodableColumn = ColumnSpec & { values: Float64Array; decimals: number };

export interface BuiltDataset {
  rows: number;
  columns: EncodableColumn[];
  /** Per-row string keys (NB101 hashes, DARTS genotypes) that do not fit a numeric column. */
  keys?: string[];
  /** NB201 keys to register for the cross-file check once this dataset is accepted. */
  nb201Keys?: { file: string; keys: Nb201Keys };
}

export interface BuildContext {
  /** Reads a source file (path relative to the source root) as UTF-8; throws a SourceError when absent. */
  read(path: string): string;
  /** arch_str per index as given by the files accepted so far (nb201.csv first). */
  registry: Nb201KeyRegistry;
}

export interface DatasetSource {
  id: string;
  title: string;
  space: DatasetEntry['space'];
  /** Source files, relative to the source root; all are read by `build`. */
  files: string[];
  /** One line: upstream + licence. */
  source: string;
  /** Shown in the UI next to the dataset. */
  caveats: string[];
  build(context: BuildContext): BuiltDataset;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function readCsv(context: BuildContext, file: string): CsvTable {
  const text = context.read(file);
  try {
    return splitSimpleCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new SourceError(file, `line ${err.line}`, err.problem);
    throw err;
  }
}

function readJson(context: BuildContext, file: string): unknown {
  const text = context.read(file);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SourceError(file, null, `is not valid JSON (${(err as Error).message.slice(0, 80)})`);
  }
}

interface ValueColumn extends ColumnSpec {
  rule: ValueRule;
  allowMissing?: boolean;
}

/** A CSV keyed by NB201 index/arch_str/ops: header, row count, keys, cross-file agreement; rows sorted by index. */
function readNb201Csv(context: BuildContext, file: string, valueColumns: readonly ValueColumn[], expectedRows: number) {
  const table = readCsv(context, file);
  const position = checkHeader(file, table.header, ['index', 'arch_str', 'ops', ...valueColumns.map((c) => c.name)]);
  checkRowCount(file, table.rows.length, expectedRows);
  const keys = readNb201Keys(file, table, position);
  context.registry.check(file, table, keys);
  const order = sortOrder(keys.index);
  const connected = keys.opsDigits.map((digits) => isConnectedCell(digitsToOps(digits)));
  const sortedIndex = Float64Array.from(order, (r) => keys.index[r]);
  const values = new Map<string, NumericColumn>();
  const columns: EncodableColumn[] = [indexColumn(sortedIndex)];
  for (const spec of valueColumns) {
    const parsed = readColumn(file, table, position, spec.name, { rule: spec.rule, allowMissing: spec.allowMissing });
    values.set(spec.name, parsed);
    const { rule: _rule, allowMissing: _allowMissing, ...columnSpec } = spec;
    columns.push({ ...columnSpec, values: permute(parsed.values, order), decimals: parsed.decimals });
  }
  /** A value column in sorted (by index) order. */
  const sorted = (name: string) => columns.find((c) => c.name === name)!.values;
  /** Row (in sorted order) of an NB201 index, -1 when absent. */
  const rowOfIndex = (i: number) => sortedIndex.indexOf(i);
  return { table, position, keys, order, connected, sortedIndex, values, columns, sorted, rowOfIndex };
}

function indexColumn(values: Float64Array): EncodableColumn {
  return {
    name: 'index',
    kind: 'key',
    unit: '',
    decimals: 0,
    values,
    description: 'Official NAS-Bench-201 architecture index (0–15,624); rows are sorted by it.',
  };
}

function rowColumn(rows: number, what: string): EncodableColumn {
  return {
    name: 'row',
    kind: 'key',
    unit: '',
    decimals: 0,
    values: Float64Array.from({ length: rows }, (_, i) => i),
    description: `Row number 0..${rows - 1}; keys[row] is the ${what}.`,
  };
}

/** The best value's NB201 index must be the one the README names. */
function checkBest(file: string, built: { sorted(name: string): Float64Array; sortedIndex: Float64Array }, column: string, value: number, index: number) {
  const values = built.sorted(column);
  const best = argMax(values);
  if (best < 0 || built.sortedIndex[best] !== index || Math.abs(values[best] - value) > 5e-7) {
    throw new SourceError(file, null, `sanity check failed: best ${column} is ${values[best]} at index ${built.sortedIndex[best]}, its README says ${value} at index ${index}`);
  }
}

/** Tolerances for README numbers printed with 2 or 3 decimals (half a unit, plus float slack). */
const ROUNDED_TO_2 = 0.005 + 1e-9;
const ROUNDED_TO_3 = 0.0005 + 1e-9;

function checkSummary(file: string, column: string, values: Float64Array, expected: { min?: number; median?: number; max?: number; mean?: number }, tolerance: number) {
  const actual = summarize(values);
  for (const key of ['min', 'median', 'max', 'mean'] as const) {
    const want = expected[key];
    if (want !== undefined) checkClose(file, `${key} of ${column}`, actual[key], want, tolerance);
  }
}

// ---------------------------------------------------------------------------------------------
// nb201: accuracies, FLOPs, params, training times of every cell

const NB201_FILE = 'nb201/nb201.csv';

const DATASET_NAMES = { c10: 'CIFAR-10', c100: 'CIFAR-100', in16: 'ImageNet16-120' } as const;

function accuracyColumn(name: string, label: string, description: string): ValueColumn {
  return { name, label, kind: 'accuracy', unit: '%', rule: 'percent', description };
}

const NB201_COLUMNS: ValueColumn[] = [
  {
    name: 'connected',
    kind: 'flag',
    unit: '',
    rule: 'flag',
    description: '1 if the cell output is reachable from its input through non-none edges; 0 for the 341 disconnected cells.',
  },
  accuracyColumn('c10_test', 'CIFAR-10 test accuracy', 'CIFAR-10 test accuracy (trained on train+valid, 200 epochs), mean over seeds.'),
  accuracyColumn('c100_valid', 'CIFAR-100 valid accuracy', 'CIFAR-100 validation (x-valid) accuracy, 200 epochs, mean over seeds; derived as 2·ori-test − x-test. BRP-NAS trains on this.'),
  accuracyColumn('c100_test', 'CIFAR-100 test accuracy', 'CIFAR-100 test (x-test) accuracy, 200 epochs, mean over seeds.'),
  accuracyColumn('c100_oritest', 'CIFAR-100 full test set accuracy', 'CIFAR-100 accuracy on the full original test set (mean of x-valid and x-test).'),
  accuracyColumn('in16_valid', 'ImageNet16-120 valid accuracy', 'ImageNet16-120 validation (x-valid) accuracy, 200 epochs, mean over seeds; derived as 2·ori-test − x-test.'),
  accuracyColumn('in16_test', 'ImageNet16-120 test accuracy', 'ImageNet16-120 test (x-test) accuracy, 200 epochs, mean over seeds.'),
  accuracyColumn('in16_oritest', 'ImageNet16-120 full test set accuracy', 'ImageNet16-120 accuracy on the full original test set (mean of x-valid and x-test).'),
  ...(['c10', 'c100', 'in16'] as const).map((d): ValueColumn => ({
    name: `${d}_flops`,
    label: `FLOPs, ${DATASET_NAMES[d]}`,
    kind: 'flops',
    unit: 'MFLOPs',
    rule: 'positive',
    description: `Forward multiply-accumulates (conv + linear) at batch 1 on ${DATASET_NAMES[d]} input, millions.`,
  })),
  ...(['c10', 'c100', 'in16'] as const).map((d): ValueColumn => ({
    name: `${d}_params`,
    label: `Params, ${DATASET_NAMES[d]}`,
    kind: 'params',
    unit: 'M params',
    rule: 'positive',
    description: `Trainable parameters with the ${DATASET_NAMES[d]} classifier, millions.`,
  })),
  ...(['c10', 'c100', 'in16'] as const).map((d): ValueColumn => ({
    name: `${d}_train_s`,
    label: `Training time, ${DATASET_NAMES[d]}`,
    kind: 'time',
    unit: 's',
    rule: 'positive',
    description: `Total training time on ${DATASET_NAMES[d]} (200 epochs) as reported by NATS-Bench.`,
  })),
  ...(['c10', 'c100', 'in16'] as const).map((d): ValueColumn => ({
    name: `${d}_epoch_s`,
    label: `Time per epoch, ${DATASET_NAMES[d]}`,
    kind: 'time',
    unit: 's',
    rule: 'positive',
    description: `Training time per epoch on ${DATASET_NAMES[d]} as reported by NATS-Bench.`,
  })),
];

const nb201: DatasetSource = {
  id: 'nb201',
  title: 'NAS-Bench-201: accuracy, FLOPs, params and training time of all 15,625 cells',
  space: 'nb201',
  files: [NB201_FILE],
  source: 'NAS-Bench-201/NATS-Bench (Dong et al., MIT code) via FreeREA cached metrics (MIT; fracapuano/FreeREA: no licence stated); FLOPs/params recomputed',
  caveats: [
    'CIFAR-100 and ImageNet16-120 validation accuracies are derived as 2·ori-test − x-test (exact per seed; expect ≤ ~0.05 pp noise).',
    'CIFAR-10 validation accuracy (the cifar10-valid setting) is not included.',
    'NATS-Bench reports identical training times for CIFAR-10 and CIFAR-100.',
    'The 341 disconnected cells (connected = 0) score chance accuracy.',
  ],
  build(context) {
    const file = NB201_FILE;
    const t = readNb201Csv(context, file, NB201_COLUMNS, NB201_NUM_CELLS);
    // `connected` must agree with the graph the ops describe.
    const connected = t.values.get('connected')!.values;
    t.keys.opsDigits.forEach((_, r) => {
      if ((connected[r] === 1) !== t.connected[r]) {
        throw new SourceError(file, `line ${t.table.lineOfRow[r]}`, `connected is ${connected[r]} but ops ${t.keys.opsDigits[r]} is ${t.connected[r] ? '' : 'not '}connected`);
      }
    });
    const nConnected = t.connected.filter(Boolean).length;
    if (nConnected !== 15284) throw new SourceError(file, null, `sanity check failed: ${nConnected} connected cells, its README says 15,284`);
    checkBest(file, t, 'c10_test', 94.373333, 6111);
    checkBest(file, t, 'c100_test', 73.513333, 9930);
    checkBest(file, t, 'in16_test', 47.311111, 857);
    checkBest(file, t, 'c100_valid', 73.493333, 9930);
    checkBest(file, t, 'in16_valid', 46.733333, 10676);
    checkSummary(file, 'c10_flops', t.sorted('c10_flops'), { min: 7.78305, max: 220.11969 }, 5e-6);
    checkSummary(file, 'c10_params', t.sorted('c10_params'), { min: 0.073306, max: 1.531546 }, 5e-7);
    checkSummary(file, 'c10_test', t.sorted('c10_test'), { mean: 87.06 }, ROUNDED_TO_2);
    if (t.keys.opsDigits[t.keys.index.indexOf(1462)] !== '333333') {
      throw new SourceError(file, null, 'sanity check failed: index 1462 is not the all-nor_conv_3x3 cell (333333)');
    }

    const opsCode = Float64Array.from(t.order, (r) => opsToCode(digitsToOps(t.keys.opsDigits[r])));
    const [index, ...values] = t.columns;
    const opsColumn: EncodableColumn = {
      name: 'ops_code',
      kind: 'key',
      unit: '',
      decimals: 0,
      values: opsCode,
      description: "The cell's 6 op codes read as a base-5 number, first edge most significant (decode with codeToOps; arch_str via opsToArchStr).",
    };
    return { rows: t.sortedIndex.length, columns: [index, opsColumn, ...values], nb201Keys: { file, keys: t.keys } };
  },
};

// ---------------------------------------------------------------------------------------------
// latbench: BRP-NAS LatBench latencies

const LATBENCH_FILE = 'latbench/latbench.csv';
const LATBENCH_DEVICES_FILE = 'latbench/devices.json';

const DUPLICATE_CAVEAT = '≈ desktop CPU, probably a duplicate upstream (within ±1 % of the desktop CPU column on every cell).';
const JETSON_CAVEAT = 'fp16/fp32 labels inferred by speed (the upstream copies conflict; the faster file is called fp16).';
const UNDOCUMENTED_CAVEAT = 'Not a LatBench device: an undocumented extra upstream file of unknown meaning (possibly larger input or batch).';

function latencyColumn(name: string, label: string, family: string, extra: { caveat?: string; notADevice?: boolean; allowMissing?: boolean; description?: string } = {}): ValueColumn {
  const device: NonNullable<ColumnSpec['device']> = { label, family };
  if (extra.caveat) device.caveat = extra.caveat;
  if (extra.notADevice) device.notADevice = true;
  return {
    name,
    kind: 'latency',
    unit: 'ms',
    rule: 'positive',
    allowMissing: extra.allowMissing,
    device,
    description: extra.description ?? `Measured inference latency on ${label}.`,
  };
}

const LATBENCH_COLUMNS: ValueColumn[] = [
  latencyColumn('desktop_cpu_i7_7820x_fp32', 'Desktop CPU Intel Core i7-7820X, fp32', 'desktop CPU'),
  latencyColumn('desktop_gpu_gtx1080ti_fp32', 'Desktop GPU NVIDIA GTX 1080 Ti, fp32', 'desktop GPU', { caveat: DUPLICATE_CAVEAT }),
  latencyColumn('embedded_gpu_jetson_nano_fp16', 'NVIDIA Jetson Nano GPU, fp16', 'embedded GPU', { caveat: JETSON_CAVEAT }),
  latencyColumn('embedded_gpu_jetson_nano_fp32', 'NVIDIA Jetson Nano GPU, fp32', 'embedded GPU', { caveat: JETSON_CAVEAT }),
  latencyColumn('embedded_tpu_edgetpu_int8', 'Google Edge TPU, int8', 'edge TPU'),
  latencyColumn('mobile_cpu_sd450_cortex_a53_int8', 'Snapdragon 450 CPU (Cortex-A53), int8', 'mobile CPU', { allowMissing: true }),
  latencyColumn('mobile_cpu_sd675_kryo460_int8', 'Snapdragon 675 CPU (Kryo 460), int8', 'mobile CPU', { allowMissing: true }),
  latencyColumn('mobile_cpu_sd855_kryo485_int8', 'Snapdragon 855 CPU (Kryo 485), int8', 'mobile CPU'),
  latencyColumn('mobile_gpu_sd450_adreno506_int8', 'Snapdragon 450 GPU (Adreno 506), int8', 'mobile GPU', { allowMissing: true }),
  latencyColumn('mobile_gpu_sd675_adreno612_int8', 'Snapdragon 675 GPU (Adreno 612), int8', 'mobile GPU', { allowMissing: true }),
  latencyColumn('mobile_gpu_sd855_adreno640_int8', 'Snapdragon 855 GPU (Adreno 640), int8', 'mobile GPU'),
  latencyColumn('mobile_dsp_sd675_hexagon685_int8', 'Snapdragon 675 DSP (Hexagon 685), int8', 'mobile DSP', { allowMissing: true }),
  latencyColumn('mobile_dsp_sd855_hexagon690_int8', 'Snapdragon 855 DSP (Hexagon 690), int8', 'mobile DSP'),
  latencyColumn('x_desktop_gpu_gtx1080ti_large', 'GTX 1080 Ti "large" variant (undocumented)', 'desktop GPU', {
    caveat: UNDOCUMENTED_CAVEAT,
    notADevice: true,
    description: 'Latency from the undocumented upstream file desktop-gpu-gtx-1080ti-large.pickle; meaning unknown.',
  }),
  latencyColumn('x_embedded_tpu_edgetpu_large', 'Edge TPU "large" variant (undocumented)', 'edge TPU', {
    caveat: UNDOCUMENTED_CAVEAT,
    notADevice: true,
    allowMissing: true,
    description: 'Latency from the undocumented upstream file embedded-tpu-edgetpu-large.pickle; meaning unknown.',
  }),
];

interface DeviceStats {
  column: string;
  n: number;
  min: number;
  median: number;
  max: number;
}

/** devices.json: one entry per latency column with its count and min/median/max (checked against the CSV). */
function readLatbenchDevices(context: BuildContext): Map<string, DeviceStats> {
  const file = LATBENCH_DEVICES_FILE;
  const json = readJson(context, file) as { n_rows?: unknown; devices?: unknown };
  if (json === null || typeof json !== 'object' || !Array.isArray(json.devices)) {
    throw new SourceError(file, null, 'has no "devices" array');
  }
  if (json.n_rows !== 15284) throw new SourceError(file, null, `n_rows is ${String(json.n_rows)}, expected 15284`);
  const stats = new Map<string, DeviceStats>();
  json.devices.forEach((raw: unknown, k: number) => {
    const d = raw as Partial<DeviceStats> | null;
    const where = `device ${k + 1}`;
    if (d === null || typeof d !== 'object' || typeof d.column !== 'string') throw new SourceError(file, where, 'has no "column" name');
    for (const key of ['n', 'min', 'median', 'max'] as const) {
      if (typeof d[key] !== 'number' || !Number.isFinite(d[key])) throw new SourceError(file, where, `${quote(d.column)} has no numeric "${key}"`);
    }
    if (stats.has(d.column)) throw new SourceError(file, where, `column ${quote(d.column)} is listed twice`);
    stats.set(d.column, d as DeviceStats);
  });
  const expected = LATBENCH_COLUMNS.map((c) => c.name);
  for (const name of expected) if (!stats.has(name)) throw new SourceError(file, null, `lists no device for column ${quote(name)}`);
  for (const name of stats.keys()) if (!expected.includes(name)) throw new SourceError(file, null, `lists an unexpected column ${quote(name)}`);
  return stats;
}

const latbench: DatasetSource = {
  id: 'latbench',
  title: 'LatBench (BRP-NAS): latency of every connected NAS-Bench-201 cell on 13 devices',
  space: 'nb201',
  files: [LATBENCH_FILE, LATBENCH_DEVICES_FILE],
  source: 'LatBench (Dudziak et al., NeurIPS 2020; SamsungLabs/eagle, Apache-2.0) via the ZengYuXiang7/NAS-LLM-GNN copy; no separate data licence stated',
  caveats: [
    'Only the 15,284 connected cells: the 341 disconnected ones were not measured.',
    'Desktop GPU ≈ desktop CPU, probably a duplicate upstream: prefer other devices or treat the two as one.',
    'Jetson Nano fp16/fp32: labels inferred by speed (the upstream copies conflict).',
    'The two x_* columns are undocumented extra upstream files, not LatBench devices.',
    'Some devices lack a few cells (empty = not measured).',
  ],
  build(context) {
    const file = LATBENCH_FILE;
    const devices = readLatbenchDevices(context);
    const t = readNb201Csv(context, file, LATBENCH_COLUMNS, 15284);
    // With unique indices and 15,284 rows, "every row connected" means exactly the connected cells.
    t.connected.forEach((connected, r) => {
      if (!connected) {
        throw new SourceError(file, `line ${t.table.lineOfRow[r]}`, `index ${t.keys.index[r]} is a disconnected cell; LatBench holds only connected cells`);
      }
    });
    const allSkip = t.keys.opsDigits.indexOf('111111');
    const allConv = t.keys.opsDigits.indexOf('333333');
    for (const spec of LATBENCH_COLUMNS) {
      const parsed = t.values.get(spec.name)!;
      const stats = devices.get(spec.name)!;
      const present = parsed.values.length - parsed.missing;
      if (present !== stats.n) {
        throw new SourceError(file, null, `column ${spec.name} has ${present} values, ${LATBENCH_DEVICES_FILE} says n = ${stats.n}`);
      }
      // The CSV keeps 5 significant digits, devices.json more.
      const s = summarize(parsed.values);
      checkClose(file, `min of ${spec.name}`, s.min, stats.min, 1e-4 * stats.min);
      checkClose(file, `max of ${spec.name}`, s.max, stats.max, 1e-4 * stats.max);
      // README: the all-skip cell is among the fastest, the all-conv3x3 cell among the slowest, on every device.
      const percentile = (r: number) => parsed.values.filter((v) => v < parsed.values[r]).length / present;
      if (!Number.isNaN(parsed.values[allSkip]) && percentile(allSkip) > 0.15) {
        throw new SourceError(file, null, `sanity check failed: the all-skip cell is not among the fastest 15 % on ${spec.name}`);
      }
      if (!Number.isNaN(parsed.values[allConv]) && percentile(allConv) < 0.7) {
        throw new SourceError(file, null, `sanity check failed: the all-conv3x3 cell is not among the slowest 30 % on ${spec.name}`);
      }
    }
    return { rows: t.sortedIndex.length, columns: t.columns, nb201Keys: { file, keys: t.keys } };
  },
};

// ---------------------------------------------------------------------------------------------
// help: HELP latencies

const HELP_FILE = 'help-latency/help_nb201_latency.csv';
const PHONE_CAVEAT = 'coarse, integer ms';

const GPUS = [
  ['1080ti', 'NVIDIA GTX 1080 Ti'],
  ['2080ti', 'NVIDIA RTX 2080 Ti'],
  ['titanx', 'NVIDIA Titan X'],
  ['titanxp', 'NVIDIA Titan Xp'],
  ['titan_rtx', 'NVIDIA Titan RTX'],
] as const;
const HELP_COLUMNS: ValueColumn[] = [
  ...GPUS.flatMap(([id, name]) =>
    ([1, 32, 256] as const).map((batch) =>
      latencyColumn(`${id}_${batch}`, `${name}, batch ${batch}`, 'desktop GPU', {
        description: `Measured latency of one batch of ${batch} on ${name}.`,
      }),
    ),
  ),
  latencyColumn('silver_4114', 'Intel Xeon Silver 4114', 'server CPU'),
  latencyColumn('silver_4210r', 'Intel Xeon Silver 4210R', 'server CPU'),
  latencyColumn('gold_6226', 'Intel Xeon Gold 6226', 'server CPU'),
  latencyColumn('gold_6240', 'Intel Xeon Gold 6240', 'server CPU'),
  latencyColumn('pixel2', 'Google Pixel 2', 'phone', { caveat: PHONE_CAVEAT }),
  latencyColumn('samsung_a50', 'Samsung Galaxy A50', 'phone', { caveat: PHONE_CAVEAT }),
  latencyColumn('samsung_s7', 'Samsung Galaxy S7', 'phone', { caveat: PHONE_CAVEAT }),
  latencyColumn('essential_ph_1', 'Essential Phone PH-1', 'phone', { caveat: PHONE_CAVEAT }),
];

const help: DatasetSource = {
  id: 'help',
  title: 'HELP: latency of all 15,625 NAS-Bench-201 cells on 23 GPU/CPU/phone settings',
  space: 'nb201',
  files: [HELP_FILE],
  source: 'HELP (Lee et al., NeurIPS 2021), HayeonLee/HELP @ 45f70eb, MIT',
  caveats: [
    'Phone latencies are coarse, integer ms.',
    'Disconnected cells (connected = 0) still have values (the graphs were run as-is); filter by connected.',
    'GPU column suffix _N = batch size N.',
  ],
  build(context) {
    const file = HELP_FILE;
    const t = readNb201Csv(context, file, HELP_COLUMNS, NB201_NUM_CELLS);
    for (const phone of ['pixel2', 'samsung_a50', 'samsung_s7', 'essential_ph_1']) {
      if (t.values.get(phone)!.decimals !== 0) throw new SourceError(file, null, `column ${phone} should hold integer ms (its README says so)`);
    }
    checkSummary(file, '1080ti_1', t.sorted('1080ti_1'), { min: 3.6, median: 9.53, max: 17.09 }, ROUNDED_TO_2);
    checkSummary(file, 'titan_rtx_256', t.sorted('titan_rtx_256'), { min: 5.94, median: 18.06, max: 47.72 }, ROUNDED_TO_2);
    checkSummary(file, 'gold_6226', t.sorted('gold_6226'), { min: 2.66, median: 9.61, max: 20.37 }, ROUNDED_TO_2);
    checkSummary(file, 'silver_4114', t.sorted('silver_4114'), { min: 4.55, median: 18.52, max: 48.08 }, ROUNDED_TO_2);
    checkSummary(file, 'pixel2', t.sorted('pixel2'), { min: 4, median: 15, max: 51 }, 0);
    checkSummary(file, 'samsung_a50', t.sorted('samsung_a50'), { min: 5, median: 21, max: 183 }, 0);
    return { rows: t.sortedIndex.length, columns: t.columns, nb201Keys: { file, keys: t.keys } };
  },
};

// ---------------------------------------------------------------------------------------------
// hwnasbench: HW-NAS-Bench, partial

const HWNAS_FILE = 'hw-nas-bench/hwnasbench_nb201_cifar10_latency_partial.csv';
const TINY_CAVEAT = 'values below 1 ms occur only on disconnected cells and are not meaningful; filter by connected.';

const HWNAS_COLUMNS: ValueColumn[] = [
  latencyColumn('eyeriss_latency_ms', 'Eyeriss ASIC (simulated)', 'ASIC', { caveat: 'simulated/estimated, not measured' }),
  latencyColumn('fpga_latency_ms', 'Xilinx ZC706 FPGA (estimated)', 'FPGA', { caveat: 'estimated, not measured' }),
  latencyColumn('pixel3_latency_ms', 'Google Pixel 3', 'phone', { caveat: TINY_CAVEAT }),
  latencyColumn('raspi4_latency_ms', 'Raspberry Pi 4', 'single-board CPU', { caveat: TINY_CAVEAT }),
];

const hwnasbench: DatasetSource = {
  id: 'hwnasbench',
  title: 'HW-NAS-Bench (partial): NAS-Bench-201 latency on Eyeriss, FPGA, Pixel 3 and Raspberry Pi 4',
  space: 'nb201',
  files: [HWNAS_FILE],
  source: 'HW-NAS-Bench (Li et al., ICLR 2021; GATECH-EIC/HW-NAS-Bench, MIT) CIFAR-10 latencies via HayeonLee/HELP @ 45f70eb, MIT',
  caveats: [
    'Partial: 4 of HW-NAS-Bench’s 6 devices (no Edge GPU, no Edge TPU), latency only, CIFAR-10 input size.',
    'Values below 1 ms occur only for disconnected cells (connected = 0); treat them as invalid and filter by connected.',
  ],
  build(context) {
    const file = HWNAS_FILE;
    const t = readNb201Csv(context, file, HWNAS_COLUMNS, NB201_NUM_CELLS);
    for (const spec of HWNAS_COLUMNS) {
      const values = t.values.get(spec.name)!.values;
      values.forEach((v, r) => {
        if (v < 1 && t.connected[r]) {
          throw new SourceError(file, `line ${t.table.lineOfRow[r]}`, `${spec.name} is ${v} ms on a connected cell; its README says values < 1 ms occur only on disconnected cells`);
        }
      });
    }
    // README: index 0 matches HW-NAS-Bench's own example notebook to the last digit.
    const row0 = t.rowOfIndex(0);
    checkClose(file, 'eyeriss_latency_ms of index 0', t.sorted('eyeriss_latency_ms')[row0], 3.64562, 0);
    checkClose(file, 'fpga_latency_ms of index 0', t.sorted('fpga_latency_ms')[row0], 2.57296, 0);
    checkClose(file, 'pixel3_latency_ms of index 0', t.sorted('pixel3_latency_ms')[row0], 3.60585, 0);
    checkSummary(file, 'eyeriss_latency_ms', t.sorted('eyeriss_latency_ms'), { min: 1.68, median: 5.12, max: 10.527 }, ROUNDED_TO_3);
    checkSummary(file, 'fpga_latency_ms', t.sorted('fpga_latency_ms'), { min: 1.133, median: 3.725, max: 8.679 }, ROUNDED_TO_3);
    checkSummary(file, 'pixel3_latency_ms', t.sorted('pixel3_latency_ms'), { min: 0.0033, median: 10.676, max: 36.767 }, ROUNDED_TO_3);
    checkSummary(file, 'raspi4_latency_ms', t.sorted('raspi4_latency_ms'), { min: 0.0113, median: 25.68, max: 98.888 }, ROUNDED_TO_3);
    return { rows: t.sortedIndex.length, columns: t.columns, nb201Keys: { file, keys: t.keys } };
  },
};

// ---------------------------------------------------------------------------------------------
// Zero-cost proxies (NB101 and DARTS samples)

const ZC_PROXIES: [name: string, description: string][] = [
  ['snip', 'SNIP: sum of |gradient × weight| at initialisation.'],
  ['jacov', 'Jacobian covariance of the input gradients at initialisation.'],
  ['grad_norm', 'Sum of gradient norms at initialisation.'],
  ['plain', 'Sum of gradient × weight at initialisation.'],
  ['epe_nas', 'EPE-NAS: per-class correlation of input Jacobians.'],
  ['fisher', 'Fisher-information saliency of the activations.'],
  ['grasp', 'GraSP: gradient-signal preservation.'],
  ['l2_norm', 'Sum of the L2 norms of the initial weights.'],
  ['synflow', 'SynFlow: synaptic flow with an all-ones input.'],
];

function zcColumn(name: string, description: string, values: Float64Array, decimals: number): EncodableColumn {
  return { name, kind: 'score', unit: '', description: `${description} Zero-cost proxy (NAS-Bench-Suite-Zero).`, values, decimals };
}

// ---------------------------------------------------------------------------------------------
// nb101: NASLib's 500-row zero-cost sample

const NB101_FILE = 'nb101/nb101_naslib_zc500.csv';
const NB101_LABELS = new Set(['in', 'c3', 'c1', 'mp', 'out']);

/** A row-major upper-triangular 0/1 matrix of n×n chars (NB101 graphs are DAGs in topological order). */
function isUpperTriangular(matrix: string, n: number): boolean {
  if (matrix.length !== n * n || !/^[01]*$/.test(matrix)) return false;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) if (matrix[i * n + j] !== '0') return false;
  return true;
}

function isNb101OpList(ops: string, n: number): boolean {
  const labels = ops.split('-');
  return labels.length === n && labels[0] === 'in' && labels[n - 1] === 'out' && labels.slice(1, -1).every((l) => NB101_LABELS.has(l) && l !== 'in' && l !== 'out');
}

const nb101: DatasetSource = {
  id: 'nb101',
  title: 'NAS-Bench-101 sample: 500 cells with validation accuracy and zero-cost proxies',
  space: 'nb101',
  files: [NB101_FILE],
  source: 'NAS-Bench-101 (Ying et al., ICML 2019) sample from automl/NASLib zc_nasbench101.json @ 0b11600, Apache-2.0',
  caveats: [
    'A 500-row sample (292 distinct graphs): the full 423,624-cell NAS-Bench-101 table is not available.',
    'val_acc is a single training run (one of 3 seeds), so repeated graphs can show different values.',
    "params_m and flops_m are computed by NASLib on the unpruned network, not NAS-Bench-101's trainable_parameters.",
    'keys[row] is the NAS-Bench-101 graph hash of the row.',
  ],
  build(context) {
    const file = NB101_FILE;
    const table = readCsv(context, file);
    const position = checkHeader(file, table.header, ['hash', 'n_vertices', 'matrix', 'ops', 'raw_matrix7', 'raw_ops7', 'val_acc', 'params_m', 'flops_m', ...ZC_PROXIES.map(([name]) => name)]);
    checkRowCount(file, table.rows.length, 500);
    const col = (name: string) => position.get(name)!;
    const hashes = table.rows.map((row, r) => {
      const where = `line ${table.lineOfRow[r]}`;
      const hash = row[col('hash')];
      if (!/^[0-9a-f]{32}$/.test(hash)) throw new SourceError(file, where, `hash ${quote(hash)} is not 32 lowercase hex digits`);
      const n = parseStrictNumber(row[col('n_vertices')]);
      if (!Number.isInteger(n) || n < 2 || n > 7) throw new SourceError(file, where, `n_vertices ${quote(row[col('n_vertices')])} is not an integer 2..7`);
      if (!isUpperTriangular(row[col('matrix')], n)) throw new SourceError(file, where, `matrix is not an upper-triangular ${n}×${n} 0/1 matrix`);
      if (!isNb101OpList(row[col('ops')], n)) throw new SourceError(file, where, `ops ${quote(row[col('ops')])} is not ${n} labels in-…-out`);
      if (!isUpperTriangular(row[col('raw_matrix7')], 7)) throw new SourceError(file, where, 'raw_matrix7 is not an upper-triangular 7×7 0/1 matrix');
      if (!isNb101OpList(row[col('raw_ops7')], 7)) throw new SourceError(file, where, `raw_ops7 ${quote(row[col('raw_ops7')])} is not 7 labels in-…-out`);
      return hash;
    });
    const distinct = new Set(hashes).size;
    if (distinct !== 292) throw new SourceError(file, null, `sanity check failed: ${distinct} distinct hashes, its README says 292`);

    const read = (name: string, rule: ValueRule) => {
      const { values, decimals } = readColumn(file, table, position, name, { rule });
      return { values, decimals };
    };
    const valAcc = read('val_acc', 'percent');
    checkSummary(file, 'val_acc', valAcc.values, { min: 73.38, max: 94.71, mean: 89.58 }, ROUNDED_TO_2);
    const params = read('params_m', 'positive');
    const flops = read('flops_m', 'positive');
    const columns: EncodableColumn[] = [
      rowColumn(500, 'NAS-Bench-101 graph hash'),
      { name: 'val_acc', kind: 'accuracy', unit: '%', description: 'CIFAR-10 validation accuracy at 108 epochs, one training run.', ...valAcc },
      { name: 'params_m', kind: 'params', unit: 'M params', description: 'Parameters of the unpruned network as computed by NASLib, millions.', ...params },
      { name: 'flops_m', kind: 'flops', unit: 'MFLOPs', description: 'FLOPs of the unpruned network as computed by NASLib, millions.', ...flops },
      ...ZC_PROXIES.map(([name, description]) => {
        const parsed = read(name, 'finite');
        return zcColumn(name, description, parsed.values, parsed.decimals);
      }),
    ];
    return { rows: 500, columns, keys: hashes };
  },
};

// ---------------------------------------------------------------------------------------------
// darts: NASLib's 500-row NAS-Bench-301 sample

const DARTS_FILE = 'darts/nb301_naslib_zc500.json';
const DARTS_OPS = new Set(['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']);

/** 8 (op, input) pairs; pairs 2k and 2k+1 feed node k+2, so their input must be < k+2. */
function checkGenotype(file: string, where: string, name: string, cell: unknown): [string, number][] {
  if (!Array.isArray(cell) || cell.length !== 8) throw new SourceError(file, where, `${name} is not a list of 8 (op, input) pairs`);
  return cell.map((pair: unknown, p) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !Number.isInteger(pair[1])) {
      throw new SourceError(file, where, `${name} pair ${p + 1} is not [op, input]`);
    }
    const [op, input] = pair as [string, number];
    if (!DARTS_OPS.has(op)) throw new SourceError(file, where, `${name} pair ${p + 1} has unknown op ${quote(op)}`);
    const node = (p >> 1) + 2;
    if (input < 0 || input >= node) throw new SourceError(file, where, `${name} pair ${p + 1} feeds node ${node} from ${input}, which must be 0..${node - 1}`);
    return [op, input];
  });
}

const darts: DatasetSource = {
  id: 'darts',
  title: 'DARTS space sample: 500 cells with NAS-Bench-301 surrogate accuracy and zero-cost proxies',
  space: 'darts',
  files: [DARTS_FILE],
  source: 'NAS-Bench-301 surrogate (Siems et al.) sample from automl/NASLib zc_nasbench301.json @ 0b11600, Apache-2.0',
  caveats: [
    'val_acc is predicted by the NAS-Bench-301 surrogate model, not measured by training.',
    'Only 500 architectures; no join key to other spaces.',
    'keys[row] is the genotype as JSON [normal, reduce], each 8 [op, input] pairs (DARTS Genotype convention).',
  ],
  build(context) {
    const file = DARTS_FILE;
    const json = readJson(context, file) as { n?: unknown; archs?: unknown };
    if (json === null || typeof json !== 'object' || !Array.isArray(json.archs)) throw new SourceError(file, null, 'has no "archs" array');
    if (json.n !== json.archs.length) throw new SourceError(file, null, `says n = ${String(json.n)} but holds ${json.archs.length} archs`);
    checkRowCount(file, json.archs.length, 500);
    const rows = json.archs.length;
    const numbers = new Map<string, { values: Float64Array; decimals: number }>();
    const number = (name: string) => {
      let column = numbers.get(name);
      if (!column) numbers.set(name, (column = { values: new Float64Array(rows), decimals: 0 }));
      return column;
    };
    const keyOfRecord = new Map<string, number>();
    const keys = json.archs.map((raw: unknown, r: number): string => {
      const where = `record ${r + 1}`;
      if (raw === null || typeof raw !== 'object') throw new SourceError(file, where, 'is not an object');
      const rec = raw as Record<string, unknown>;
      const normal = checkGenotype(file, where, 'normal', rec.normal);
      const reduce = checkGenotype(file, where, 'reduce', rec.reduce);
      const zc = rec.zc as Record<string, unknown> | null;
      if (zc === null || typeof zc !== 'object') throw new SourceError(file, where, 'has no "zc" object');
      const fields: [string, unknown, ValueRule][] = [
        ['val_acc', rec.val_acc, 'percent'],
        ['params_m', rec.params_m, 'positive'],
        ['flops_m', rec.flops_m, 'positive'],
        ...ZC_PROXIES.map(([name]): [string, unknown, ValueRule] => [name, zc[name], 'finite']),
      ];
      for (const [name, value, rule] of fields) {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw new SourceError(file, where, `${name} is not a finite number`);
        if (valueBreaksRule(value, rule)) throw new SourceError(file, where, `${name} ${value} is out of range`);
        const column = number(name);
        column.values[r] = value;
        // String(value) is the shortest text that parses back to the same double.
        column.decimals = Math.max(column.decimals, decimalsOf(String(value)));
      }
      const key = JSON.stringify([normal, reduce]);
      const earlier = keyOfRecord.get(key);
      if (earlier !== undefined) throw new SourceError(file, where, `repeats the genotype of record ${earlier}`);
      keyOfRecord.set(key, r + 1);
      return key;
    });
    const valAcc = number('val_acc').values;
    checkSummary(file, 'val_acc', valAcc, { min: 90.73, max: 94.33, mean: 93.09 }, ROUNDED_TO_2);
    for (let r = 1; r < rows; r++) {
      if (valAcc[r] > valAcc[r - 1]) throw new SourceError(file, `record ${r + 1}`, 'breaks the README order (sorted by val_acc, descending)');
    }
    const columns: EncodableColumn[] = [
      rowColumn(rows, 'genotype JSON'),
      { name: 'val_acc', kind: 'accuracy', unit: '%', description: 'CIFAR-10 validation accuracy predicted by the NAS-Bench-301 surrogate.', ...number('val_acc') },
      { name: 'params_m', kind: 'params', unit: 'M params', description: 'Parameters of the DARTS network as computed by NASLib, millions.', ...number('params_m') },
      { name: 'flops_m', kind: 'flops', unit: 'MFLOPs', description: 'FLOPs of the DARTS network as computed by NASLib, millions.', ...number('flops_m') },
      ...ZC_PROXIES.map(([name, description]) => zcColumn(name, description, number(name).values, number(name).decimals)),
    ];
    return { rows, columns, keys };
  },
};

/** Build order matters: nb201 first, so the other NB201 files are checked against it. */
export const SOURCES: readonly DatasetSource[] = [nb201, latbench, help, hwnasbench, nb101, darts];
