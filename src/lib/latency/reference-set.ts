/**
 * The reference set: a fixed handful of connected NB201 cells that spans the latency range of
 * every known device, measured first on each visitor's device. Because every visitor measures the
 * same cells, their measurements can be compared with each other and with the tables' devices
 * cell by cell (the rank-correlation heat map), and they are the few shots a device-transfer
 * predictor starts from (HELP-style reference archs, latency-measurement.md §D.6 step 4).
 *
 * Choice, deterministic given the tables:
 * 1. Devices: every latency column of LatBench and HELP that is a real device (columns flagged
 *    `notADevice` are left out), each spread over the NB201 indices.
 * 2. Each device's latencies are divided by that device's median over the connected cells, so a
 *    phone (tens of ms) and a GPU (a few ms) weigh the same.
 * 3. A cell's score is the median of its normalised latencies over the devices that measured it
 *    (at least half of them must have; the disconnected cells are never candidates).
 * 4. The candidates sorted by (score, index) are cut at `size` evenly spaced quantiles, from the
 *    fastest (quantile 0) to the slowest (quantile 1), and the cell at each cut is taken.
 */
import { columnByIndex } from '../datasets/by-index.ts';
import type { Table } from '../datasets/columns.ts';
import { codeToOps, NB201_NUM_CELLS, opsToArchStr, type OpCode } from '../spaces/nb201.ts';

/** Datasets whose device columns define the reference set. */
export const REFERENCE_DATASETS = ['latbench', 'help'] as const;
const REFERENCE_SET_SIZE = 20;

/** The parts of a stored dataset's metadata read here (`StoredDataset` qualifies). */
export interface DatasetColumnsLike {
  id: string;
  title: string;
  space: string;
  columns: readonly { name: string; kind: string; label?: string; device?: { label: string; family: string; caveat?: string; notADevice?: boolean } }[];
}

/** One known device's latencies, by NB201 index (NaN = not measured). */
export interface DeviceColumn {
  datasetId: string;
  datasetTitle: string;
  column: string;
  label: string;
  family: string;
  caveat?: string;
  values: Float64Array;
}

/** A device's stable key, e.g. 'latbench:desktop_cpu_i7_7820x_fp32' (calibration.ts `BasisDevice.key`). */
export const deviceKey = (d: Pick<DeviceColumn, 'datasetId' | 'column'>): string => `${d.datasetId}:${d.column}`;

/** The devices as a calibration basis (calibration.ts `BasisDevice`): key, label and latencies. */
export function asBasis(devices: readonly DeviceColumn[]): { key: string; label: string; values: Float64Array }[] {
  return devices.map((d) => ({ key: deviceKey(d), label: d.label, values: d.values }));
}

export interface KnownDevices {
  devices: DeviceColumn[];
  /** Latency columns left out because they are not devices, with the reason. */
  excluded: { datasetId: string; column: string; label: string; reason: string }[];
}

/**
 * Latency columns of the given NB201-space datasets (default: every one that is loaded) that are
 * real devices, spread over the NB201 indices. Columns flagged `notADevice` are listed in `excluded`.
 */
export function knownDevices(datasets: readonly DatasetColumnsLike[], tables: Readonly<Record<string, Table>>, only?: readonly string[]): KnownDevices {
  const devices: DeviceColumn[] = [];
  const excluded: KnownDevices['excluded'] = [];
  for (const dataset of datasets) {
    const table = tables[dataset.id];
    // Only tables keyed by NB201 index can be lined up with the cells.
    if (dataset.space !== 'nb201' || !table?.columns.index || (only && !only.includes(dataset.id))) continue;
    for (const column of dataset.columns) {
      if (column.kind !== 'latency' || !table.columns[column.name]) continue;
      const label = column.device?.label ?? column.label ?? column.name;
      if (column.device?.notADevice) {
        excluded.push({ datasetId: dataset.id, column: column.name, label, reason: column.device.caveat ?? 'not a device' });
        continue;
      }
      devices.push({
        datasetId: dataset.id,
        datasetTitle: dataset.title,
        column: column.name,
        label,
        family: column.device?.family ?? '',
        caveat: column.device?.caveat,
        values: columnByIndex(table, column.name, NB201_NUM_CELLS),
      });
    }
  }
  return { devices, excluded };
}

interface ReferenceCell {
  /** Official NB201 index. */
  index: number;
  ops: OpCode[];
  archStr: string;
  /** Median over devices of latency / that device's median latency (1 = a typical cell). */
  score: number;
  /** Where the cell sits in the score order, 0 (fastest) … 1 (slowest). */
  quantile: number;
}

export interface ReferenceSet {
  cells: ReferenceCell[];
  /** Device columns the scores were computed from. */
  devices: { datasetId: string; column: string; label: string }[];
  /** Connected cells with enough devices to get a score. */
  candidates: number;
  /** One paragraph for the UI: what the set is and how it was chosen. */
  explanation: string;
}

interface ReferenceSetInput {
  /** The nb201 table's `ops_code` by NB201 index (base-5 op code of each index). */
  opsCode: Float64Array;
  /** The nb201 table's `connected` flag by NB201 index. */
  connected: Float64Array;
  devices: readonly Pick<DeviceColumn, 'datasetId' | 'column' | 'label' | 'values'>[];
  size?: number;
}

/** The reference set (see the file comment); throws a sentence when the tables cannot give one. */
export function chooseReferenceSet({ opsCode, connected, devices, size = REFERENCE_SET_SIZE }: ReferenceSetInput): ReferenceSet {
  if (!Number.isInteger(size) || size < 2) throw new Error(`a reference set needs at least 2 cells, got ${size}`);
  if (opsCode.length !== NB201_NUM_CELLS || connected.length !== NB201_NUM_CELLS) throw new Error(`ops codes and connected flags must cover all ${NB201_NUM_CELLS} NB201 indices`);
  if (devices.length === 0) throw new Error('choosing the reference set needs at least one device latency column (LatBench or HELP)');
  const isCandidate = (i: number) => connected[i] === 1 && Number.isInteger(opsCode[i]);
  const column = new Float64Array(NB201_NUM_CELLS);
  const medians = devices.map((device) => {
    let n = 0;
    for (let i = 0; i < NB201_NUM_CELLS; i++) if (isCandidate(i) && device.values[i] > 0) column[n++] = device.values[i];
    return n ? selectMedian(column, n) : Number.NaN;
  });
  const used = devices.filter((_, d) => medians[d] > 0);
  const usedMedians = medians.filter((m) => m > 0);
  const needed = Math.max(1, Math.ceil(used.length / 2));
  const scored: { index: number; score: number }[] = [];
  // One scratch buffer, reused for every cell: ~15k cells × ~36 devices without allocating.
  const normalised = new Float64Array(used.length);
  for (let i = 0; i < NB201_NUM_CELLS; i++) {
    if (!isCandidate(i)) continue;
    let n = 0;
    for (let d = 0; d < used.length; d++) {
      const value = used[d].values[i];
      if (value > 0) normalised[n++] = value / usedMedians[d];
    }
    if (n >= needed) scored.push({ index: i, score: medianOf(normalised, n) });
  }
  if (scored.length < size) throw new Error(`only ${scored.length} connected cells have latencies on enough devices; a reference set of ${size} needs more`);
  scored.sort((a, b) => a.score - b.score || a.index - b.index);
  const cells = Array.from({ length: size }, (_, k) => {
    const quantile = k / (size - 1);
    const { index, score } = scored[Math.round(quantile * (scored.length - 1))];
    const ops = codeToOps(opsCode[index]);
    return { index, ops, archStr: opsToArchStr(ops), score, quantile };
  });
  const byDataset = new Map<string, number>();
  for (const device of used) byDataset.set(device.datasetId, (byDataset.get(device.datasetId) ?? 0) + 1);
  const sources = [...byDataset].map(([id, n]) => `${n} ${id === 'latbench' ? 'LatBench' : id === 'help' ? 'HELP' : id} devices`).join(' and ');
  const explanation =
    `The reference set is ${size} connected cells that every visitor measures, so results from different browsers ` +
    `and devices can be compared cell by cell, with each other and with the known devices. It was chosen from the ` +
    `tables, not by hand: each of the ${sources} has its latencies divided by its own median, so a phone and a GPU ` +
    `weigh the same; a cell's score is the median of those normalised latencies across devices; the ` +
    `${scored.length.toLocaleString('en-US')} connected cells are sorted by score and the cell at each of ${size} evenly ` +
    `spaced quantiles is taken, from the fastest (score ${cells[0].score.toFixed(2)}) to the slowest ` +
    `(${cells[size - 1].score.toFixed(2)}). The set therefore spans the whole latency range of every device family.`;
  return { cells, devices: used.map(({ datasetId, column, label }) => ({ datasetId, column, label })), candidates: scored.length, explanation };
}

/**
 * Median of the first `n` values of a cell (a few dozen): insertion sort in place, faster than a
 * general sort for so few values, and no allocation.
 */
function medianOf(values: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > v) values[j + 1] = values[j--];
    values[j + 1] = v;
  }
  const mid = n >> 1;
  return n % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

/**
 * Median of the first `n` values of a whole column (~15k) in linear time (Hoare's selection),
 * reordering them; a full sort of 36 such columns would block the page for a noticeable moment.
 */
function selectMedian(values: Float64Array, n: number): number {
  const upper = nthSmallest(values, n, n >> 1);
  if (n % 2) return upper;
  // After selection every value left of n/2 is ≤ it: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (values[i] > lower) lower = values[i];
  return (lower + upper) / 2;
}

/** The k-th smallest (0-based) of the first `n` values; partitions them around it. */
function nthSmallest(values: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i++] = values[j];
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k];
}
