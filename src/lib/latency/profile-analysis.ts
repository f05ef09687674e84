/**
 * What the "Measure this device" view derives from stored measurements, as pure functions: the
 * per-cell table, FLOPs against latency, the rank correlation with known devices, the backend
 * comparison, the measurement's own repeatability, the drift reference's steadiness, which cells a
 * run measures and how long it should take.
 */
import type { RunRecord, StoredMeasurement } from '../db/measurements';
import { spearman } from '../predictor/metrics';
import { mulberry32, sampleWithoutReplacement } from '../spaces/rng';
import { NB201_OPS, type OpVector } from '../spaces/nb201';
import { countFlops } from './counts';
import type { MeasurementBackend, MeasurementEnvironment } from './environment';
import type { DeviceColumn } from './reference-set';
import { cellLatencyMs, quantileSorted } from './stats';

const SHORT_OP: Record<string, string> = { none: '·', skip_connect: 's', nor_conv_1x1: 'c1', nor_conv_3x3: 'c3', avg_pool_3x3: 'p' };
/** Short arch form, node by node: "c3 | c1 s | p · c3" (c3/c1 = 3×3/1×1 conv, p = avg pool, s = skip, · = none). */
export function shortArch(ops: OpVector): string {
  const name = (k: number) => SHORT_OP[NB201_OPS[ops[k]]];
  return `${name(0)} | ${name(1)} ${name(2)} | ${name(3)} ${name(4)} ${name(5)}`;
}

/** The latest measurement of each cell (by storage order), in first-measured order. */
export function latestPerCell(entries: readonly StoredMeasurement[]): StoredMeasurement[] {
  const latest = new Map<number, StoredMeasurement>();
  for (const entry of [...entries].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))) latest.set(entry.archIndex, entry);
  return [...latest.values()];
}

/** The network the profiler times: classes, input side and whether the pruned form is built (profiler-messages.ts's PROFILE_NETWORK). */
interface ProfiledNetwork {
  readonly classes: number;
  readonly inputSize: number;
  readonly prune: boolean;
}

/** FLOPs of `ops` as `network` builds it, millions. */
export function profiledMflops(ops: OpVector, network: ProfiledNetwork): number {
  return countFlops(ops, network.classes, network.inputSize, { prune: network.prune }) / 1e6;
}

interface CellRow {
  index: number;
  archStr: string;
  short: string;
  /** The cell's latency (stats.ts `cellLatencyMs`: the fast state of its kept samples), ms. */
  latencyMs: number;
  medianMs: number;
  iqrMs: number;
  samples: number;
  k: number;
  coldMs: number | null;
  mflops: number;
}
export type SortKey = 'short' | 'index' | 'latencyMs' | 'medianMs' | 'iqrMs' | 'samples' | 'k' | 'coldMs' | 'mflops';

export function cellRows(entries: readonly StoredMeasurement[], network: ProfiledNetwork): CellRow[] {
  return latestPerCell(entries).map((e) => ({
    index: e.archIndex,
    archStr: e.archStr,
    short: shortArch(e.ops),
    latencyMs: cellLatencyMs(e),
    medianMs: e.medianMs,
    iqrMs: e.iqrMs,
    samples: e.samples.length,
    k: e.k,
    coldMs: e.coldMs,
    mflops: profiledMflops(e.ops, network),
  }));
}

/** Sorted copy; missing values (null cold runs) last in either direction. */
export function sortRows(rows: readonly CellRow[], key: SortKey, descending: boolean): CellRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key],
      y = b[key];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return (typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number)) * sign || a.index - b.index;
  });
}

/** Spearman's ρ, or null below `minimum` pairs or when a side is constant. */
function rho(a: number[], b: number[], minimum = 3): number | null {
  if (a.length < minimum) return null;
  const value = spearman(a, b);
  return Number.isFinite(value) ? value : null;
}

/** FLOPs (as `network` is built) against the latency of each cell, and their rank correlation. */
export function flopsVsLatency(entries: readonly StoredMeasurement[], network: ProfiledNetwork): { points: { index: number; archStr: string; mflops: number; ms: number }[]; spearman: number | null } {
  const points = latestPerCell(entries).map((e) => ({ index: e.archIndex, archStr: e.archStr, mflops: profiledMflops(e.ops, network), ms: cellLatencyMs(e) }));
  return {
    points,
    spearman: rho(
      points.map((p) => p.mflops),
      points.map((p) => p.ms),
    ),
  };
}

interface HeatmapRow {
  device: Pick<DeviceColumn, 'datasetId' | 'datasetTitle' | 'column' | 'label' | 'family' | 'caveat'>;
  /** ρ per profile column (null: fewer than `minCells` shared cells), and the shared cell counts. */
  rho: (number | null)[];
  n: number[];
}

/**
 * Spearman's ρ between each measured profile's latencies and each known device's on the cells
 * both have; rows sorted by ρ with the first profile (highest first, unknown last).
 */
export function rankCorrelations(profiles: readonly { entries: readonly StoredMeasurement[] }[], devices: readonly DeviceColumn[], minCells = 5): HeatmapRow[] {
  const latest = profiles.map((p) => latestPerCell(p.entries));
  const rows = devices.map((device) => {
    const pairs = latest.map((entries) => entries.filter((e) => device.values[e.archIndex] > 0));
    return {
      device: { datasetId: device.datasetId, datasetTitle: device.datasetTitle, column: device.column, label: device.label, family: device.family, caveat: device.caveat },
      rho: pairs.map((shared) =>
        rho(
          shared.map((e) => cellLatencyMs(e)),
          shared.map((e) => device.values[e.archIndex]),
          minCells,
        ),
      ),
      n: pairs.map((shared) => shared.length),
    };
  });
  const key = (row: HeatmapRow) => row.rho[0] ?? -Infinity;
  return rows.sort((a, b) => key(b) - key(a) || a.device.label.localeCompare(b.device.label));
}

interface ComparisonRow {
  index: number;
  short: string;
  archStr: string;
  /** Latency (`cellLatencyMs`), ms, per profile column (null: not measured there). */
  ms: (number | null)[];
  /** ms[j] / ms[0] per column (null where either is missing). */
  ratio: (number | null)[];
}

/** The same cells on several profiles (backends), side by side, relative to the first. */
export function backendComparison(profiles: readonly { entries: readonly StoredMeasurement[] }[]): ComparisonRow[] {
  const byProfile = profiles.map((p) => new Map(latestPerCell(p.entries).map((e) => [e.archIndex, e])));
  const cells = new Map<number, StoredMeasurement>();
  for (const map of byProfile) for (const [index, entry] of map) if (!cells.has(index)) cells.set(index, entry);
  return [...cells.values()]
    .map((cell) => {
      const ms = byProfile.map((map) => {
        const entry = map.get(cell.archIndex);
        return entry ? cellLatencyMs(entry) : null;
      });
      return { index: cell.archIndex, short: shortArch(cell.ops), archStr: cell.archStr, ms, ratio: ms.map((v) => (v !== null && ms[0] !== null ? v / ms[0] : null)) };
    })
    .sort((a, b) => (a.ms[0] ?? Infinity) - (b.ms[0] ?? Infinity) || a.index - b.index);
}

/** Median of per-cell ratios against the first column (the typical speed-up), per column. */
export function medianRatios(rows: readonly ComparisonRow[], columns: number): (number | null)[] {
  return Array.from({ length: columns }, (_, j) => {
    const values = rows
      .map((r) => r.ratio[j])
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    if (values.length === 0) return null;
    const mid = values.length >> 1;
    return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  });
}

/** Spearman between the last two runs' measurements of the cells measured in at least two runs (the measurement's own repeatability). */
export function repeatability(entries: readonly StoredMeasurement[]): { cells: number; spearman: number | null } {
  const byCell = new Map<number, StoredMeasurement[]>();
  for (const entry of [...entries].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))) {
    const list = byCell.get(entry.archIndex) ?? [];
    // A revised result (re-measured after a slow phase) replaces its run's earlier one: one measurement per
    // profiler run. An import is one "run" of possibly repeated rows, so its rows all count.
    if (entry.source === 'measured' && list.length && list.at(-1)!.runId === entry.runId && list.at(-1)!.source === 'measured') list.pop();
    byCell.set(entry.archIndex, [...list, entry]);
  }
  const repeated = [...byCell.values()].filter((list) => list.length >= 2);
  return {
    cells: repeated.length,
    spearman: rho(
      repeated.map((l) => cellLatencyMs(l.at(-2)!)),
      repeated.map((l) => cellLatencyMs(l.at(-1)!)),
    ),
  };
}

/**
 * How steady the drift reference cell stayed over a run: its median latency, the spread (half its
 * IQR, % of the median; robust to the odd slow sample) and the trend (median of the last third
 * against the first third, %; thermal throttling shows as a positive trend). Null below 3 points.
 */
export function driftSummary(ms: readonly number[]): { medianMs: number; spreadPct: number; trendPct: number } | null {
  if (ms.length < 3) return null;
  const quantile = (values: readonly number[], p: number) =>
    quantileSorted(
      [...values].sort((a, b) => a - b),
      p,
    );
  const medianMs = quantile(ms, 0.5);
  const third = Math.max(1, Math.floor(ms.length / 3));
  const first = quantile(ms.slice(0, third), 0.5);
  const last = quantile(ms.slice(-third), 0.5);
  return { medianMs, spreadPct: ((quantile(ms, 0.75) - quantile(ms, 0.25)) / 2 / medianMs) * 100, trendPct: (last / first - 1) * 100 };
}

/** `count` distinct connected cells drawn with `seed`: the same cells for the same seed. */
export function randomCells(seed: number, count: number, connectedIndices: readonly number[]): number[] {
  if (!Number.isInteger(count) || count < 1 || count > connectedIndices.length) throw new Error(`choose between 1 and ${connectedIndices.length} random cells, got ${count}`);
  return sampleWithoutReplacement(mulberry32(seed), connectedIndices.length, count).map((k) => connectedIndices[k]);
}

/**
 * `count` distinct connected cells outside the reference set, drawn with `seed` (the same cells
 * for the same seed): the held-out cells a calibration is validated on.
 */
export function heldOutCells(seed: number, count: number, connectedIndices: readonly number[], referenceIndices: readonly number[]): number[] {
  const reference = new Set(referenceIndices);
  return randomCells(
    seed,
    count,
    connectedIndices.filter((index) => !reference.has(index)),
  );
}

/** A file name made of the predictor's name: "brp-nas-calibrated-wasm-chrome-126.json". */
export function calibratedFileName(name: string, id: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `brp-nas-calibrated-${slug || id}.json`;
}

/** Rough seconds per cell before this device has been measured (build, cold run, warm-up, 15 samples). */
const FIRST_GUESS_S: Record<MeasurementBackend, number> = { webgpu: 1, webgl: 1, wasm: 1, cpu: 4 };

/** Expected duration of measuring `cells` on `backends`, from this device's earlier runs where there are some. */
export function estimateMs(cells: number, backends: readonly MeasurementBackend[], runs: readonly RunRecord[]): { ms: number; fromHistory: boolean } {
  let ms = 0;
  let fromHistory = backends.length > 0;
  for (const backend of backends) {
    const past = runs.filter((r) => r.backend === backend && r.measured > 0 && !r.error);
    if (past.length === 0) fromHistory = false;
    const perCell = past.length ? past.slice(0, 3).reduce((s, r) => s + r.elapsedMs / r.measured, 0) / Math.min(3, past.length) : FIRST_GUESS_S[backend] * 1000;
    ms += perCell * cells;
  }
  return { ms, fromHistory };
}

/** Two environments of the same browser on the same machine (the backend may differ). */
export function sameDevice(a: MeasurementEnvironment, b: MeasurementEnvironment): boolean {
  return a.userAgent === b.userAgent && a.hardwareConcurrency === b.hardwareConcurrency && a.crossOriginIsolated === b.crossOriginIsolated;
}
