/**
 * The "Measure this device" view's state: talks to the profiler (a worker, or the same handler on
 * the main thread for comparison), stores every finished cell in IndexedDB per device profile,
 * and derives what the view shows: the per-cell table, FLOPs against latency, the rank
 * correlation with the known devices, the backend comparison and the device's calibrated latency
 * predictor (saved, exported and imported here too). The pure parts are exported functions,
 * tested on their own.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { MeasurementStore, NewMeasurement, ProfileSummary, RunRecord, StoredMeasurement } from '../db/measurements';
import type { StoredDataset } from '../db/schema';
import { MemoryCalibratedStore, openCalibratedStore, type CalibratedStore } from '../db/calibrated';
import { calibratedToFile, MAX_CALIBRATED_FILE_CHARS, parseCalibratedFile, type CalibratedPredictor, type CalibratedSummary } from '../latency/calibrated-predictor';
import { calibrate, cellFeatures, scoreHeldOut, type BasisDevice, type Calibration, type CellFeatures, type HeldOutScore, type MeasuredCell } from '../latency/calibration';
import { countFlops } from '../latency/counts';
import type { MeasurementBackend, MeasurementEnvironment } from '../latency/environment';
import { measurementsToCsv, parseMeasurementsCsv } from '../latency/measurements-csv';
import type { DisturbanceReport, ProfilePhase } from '../latency/profiler-types';
import { chooseReferenceSet, knownDevices, REFERENCE_DATASETS, type DeviceColumn, type ReferenceSet } from '../latency/reference-set';
import { spearman, withinPct } from '../predictor/metrics';
import { mulberry32, sampleWithoutReplacement } from '../spaces/rng';
import { codeToOps, NB201_NUM_CELLS, NB201_OPS, opsToCode, type OpVector } from '../spaces/nb201';
import { DEFAULT_PROFILE_SETTINGS, PROFILE_NETWORK, PROFILER_EVENTS, type BackendAvailability, type ProfileCell, type ProfilerEventType, type ProfilerRequest, type ProfilerResponse, type ProfileSettings } from '../workers/profiler-messages';
import { handlerPort, RpcClient, WorkerRequestError, WorkerStoppedError, type RpcPort } from '../workers/rpc';

export type Thread = 'worker' | 'main';
/** A run record as stored after a profiler run: the summary plus what the probe saw (null without a probe; absent in older records). */
export type RunWithDisturbance = RunRecord & { disturbance?: DisturbanceReport | null };
/** What a "Measure" press times; 'calibrate' = reference set + held-out cells, then the held-out cells again. */
export type CellSet = 'reference' | 'random' | 'calibrate';

/* ------------------------------------------------------------------ pure helpers */

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

/** FLOPs of the network the profiler times (PROFILE_NETWORK), millions. */
export function profiledMflops(ops: OpVector): number {
  return countFlops(ops, PROFILE_NETWORK.classes, PROFILE_NETWORK.inputSize, { prune: PROFILE_NETWORK.prune }) / 1e6;
}

export interface CellRow {
  index: number;
  archStr: string;
  short: string;
  medianMs: number;
  iqrMs: number;
  samples: number;
  k: number;
  coldMs: number | null;
  mflops: number;
}
export type SortKey = 'short' | 'index' | 'medianMs' | 'iqrMs' | 'samples' | 'k' | 'coldMs' | 'mflops';

export function cellRows(entries: readonly StoredMeasurement[]): CellRow[] {
  return latestPerCell(entries).map((e) => ({
    index: e.archIndex, archStr: e.archStr, short: shortArch(e.ops), medianMs: e.medianMs, iqrMs: e.iqrMs,
    samples: e.samples.length, k: e.k, coldMs: e.coldMs, mflops: profiledMflops(e.ops),
  }));
}

/** Sorted copy; missing values (null cold runs) last in either direction. */
export function sortRows(rows: readonly CellRow[], key: SortKey, descending: boolean): CellRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[key], y = b[key];
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

/** FLOPs against median latency of each cell, and their rank correlation. */
export function flopsVsLatency(entries: readonly StoredMeasurement[]): { points: { index: number; archStr: string; mflops: number; ms: number }[]; spearman: number | null } {
  const points = latestPerCell(entries).map((e) => ({ index: e.archIndex, archStr: e.archStr, mflops: profiledMflops(e.ops), ms: e.medianMs }));
  return { points, spearman: rho(points.map((p) => p.mflops), points.map((p) => p.ms)) };
}

export interface HeatmapRow {
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
      rho: pairs.map((shared) => rho(shared.map((e) => e.medianMs), shared.map((e) => device.values[e.archIndex]), minCells)),
      n: pairs.map((shared) => shared.length),
    };
  });
  const key = (row: HeatmapRow) => row.rho[0] ?? -Infinity;
  return rows.sort((a, b) => key(b) - key(a) || a.device.label.localeCompare(b.device.label));
}

export interface ComparisonRow {
  index: number;
  short: string;
  archStr: string;
  /** Median ms per profile column (null: not measured there). */
  ms: (number | null)[];
  /** ms[j] / ms[0] per column (null where either is missing). */
  ratio: (number | null)[];
}

/** The same cells on several profiles (backends), side by side, relative to the first. */
export function backendComparison(profiles: readonly { entries: readonly StoredMeasurement[] }[]): ComparisonRow[] {
  const byProfile = profiles.map((p) => new Map(latestPerCell(p.entries).map((e) => [e.archIndex, e])));
  const cells = new Map<number, StoredMeasurement>();
  for (const map of byProfile) for (const [index, entry] of map) if (!cells.has(index)) cells.set(index, entry);
  return [...cells.values()].map((cell) => {
    const ms = byProfile.map((map) => map.get(cell.archIndex)?.medianMs ?? null);
    return { index: cell.archIndex, short: shortArch(cell.ops), archStr: cell.archStr, ms, ratio: ms.map((v) => (v !== null && ms[0] !== null ? v / ms[0] : null)) };
  }).sort((a, b) => (a.ms[0] ?? Infinity) - (b.ms[0] ?? Infinity) || a.index - b.index);
}

/** Median of per-cell ratios against the first column (the typical speed-up), per column. */
export function medianRatios(rows: readonly ComparisonRow[], columns: number): (number | null)[] {
  return Array.from({ length: columns }, (_, j) => {
    const values = rows.map((r) => r.ratio[j]).filter((v): v is number => v !== null).sort((a, b) => a - b);
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
  return { cells: repeated.length, spearman: rho(repeated.map((l) => l.at(-2)!.medianMs), repeated.map((l) => l.at(-1)!.medianMs)) };
}

/**
 * How steady the drift reference cell stayed over a run: its median latency, the spread (half its
 * IQR, % of the median; robust to the odd slow sample) and the trend (median of the last third
 * against the first third, %; thermal throttling shows as a positive trend). Null below 3 points.
 */
export function driftSummary(ms: readonly number[]): { medianMs: number; spreadPct: number; trendPct: number } | null {
  if (ms.length < 3) return null;
  const quantile = (values: readonly number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)]) - sorted[lo]);
  };
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
  return randomCells(seed, count, connectedIndices.filter((index) => !reference.has(index)));
}

/** A measured cell as the calibration scatter draws it. */
export interface CalibrationPoint {
  index: number;
  archStr: string;
  measuredMs: number;
  predictedMs: number;
  /** 'reference': fitted on it; 'held-out': not seen by the fit. */
  kind: 'reference' | 'held-out';
}

export interface CalibrationReport {
  calibration: Calibration;
  /** Latest measurement of each reference-set cell (the cells fitted on). */
  reference: MeasuredCell[];
  /** Latest measurement of every other measured cell. */
  heldOut: MeasuredCell[];
  /** The chosen method and both baselines on the held-out cells. */
  scores: { calibrated: HeldOutScore; flops: HeldOutScore; nearest: HeldOutScore & { device: string } };
  /**
   * The device against itself: Spearman between the last two measurements of the cells measured
   * twice, and the share whose last measurement lies within ±10 % of the one before (null below
   * 3 cells): no predictor can do much better than this noise floor.
   */
  repeatability: { cells: number; spearman: number | null; within10: number | null };
  points: CalibrationPoint[];
}

/** Fewest measured reference cells a calibration is fitted on. */
export const MIN_CALIBRATION_CELLS = 5;

/**
 * The calibration of one device profile: fits on the latest measurement of each reference-set
 * cell, scores the chosen method and the baselines on every other measured cell. `features` is
 * called only when there is enough to fit (building them takes a while). Returns the reason as
 * a sentence when no calibration can be made.
 */
export function calibrationReport(input: {
  devices: readonly BasisDevice[];
  features: () => CellFeatures;
  referenceIndices: readonly number[];
  entries: readonly StoredMeasurement[];
}): CalibrationReport | string {
  const inReference = new Set(input.referenceIndices);
  const latest = latestPerCell(input.entries);
  const referenceEntries = latest.filter((e) => inReference.has(e.archIndex));
  const heldOutEntries = latest.filter((e) => !inReference.has(e.archIndex));
  if (referenceEntries.length < MIN_CALIBRATION_CELLS) {
    return `A calibration needs at least ${MIN_CALIBRATION_CELLS} measured reference cells; this profile has ${referenceEntries.length} of the ${inReference.size}. Press "Calibrate this device" (or "Measure reference set").`;
  }
  // The spread goes along: noisy reference cells make the calibration fall back to a simpler fit.
  const reference = referenceEntries.map((e) => ({ index: e.archIndex, ms: e.medianMs, iqrMs: e.iqrMs }));
  const heldOut = heldOutEntries.map((e) => ({ index: e.archIndex, ms: e.medianMs }));
  let calibration: Calibration;
  try {
    calibration = calibrate(input.devices, input.features(), reference);
  } catch (error) {
    const message = (error as Error).message;
    return `No calibration: ${message}${message.endsWith('.') ? '' : '.'}`;
  }
  const point = (e: StoredMeasurement, kind: CalibrationPoint['kind']): CalibrationPoint =>
    ({ index: e.archIndex, archStr: e.archStr, measuredMs: e.medianMs, predictedMs: calibration.predictions[e.archIndex], kind });
  const points = [...referenceEntries.map((e) => point(e, 'reference')), ...heldOutEntries.map((e) => point(e, 'held-out'))]
    .filter((p) => Number.isFinite(p.predictedMs));
  return {
    calibration,
    reference,
    heldOut,
    scores: {
      calibrated: scoreHeldOut(calibration.predictions, heldOut),
      flops: scoreHeldOut(calibration.baselines.flops, heldOut),
      nearest: { ...scoreHeldOut(calibration.baselines.nearest, heldOut), device: calibration.baselines.nearestDevice },
    },
    repeatability: repeatabilityWithin(input.entries),
    points,
  };
}

/** `repeatability` plus the eagle ±10 % share of the last measurement against the one before. */
function repeatabilityWithin(entries: readonly StoredMeasurement[]): CalibrationReport['repeatability'] {
  const { cells, spearman: rhoValue } = repeatability(entries);
  const byCell = new Map<number, number[]>();
  for (const entry of [...entries].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))) byCell.set(entry.archIndex, [...(byCell.get(entry.archIndex) ?? []), entry.medianMs]);
  const repeated = [...byCell.values()].filter((ms) => ms.length >= 2);
  const within10 = repeated.length >= 3 ? withinPct(repeated.map((ms) => ms.at(-2)!), repeated.map((ms) => ms.at(-1)!), 10, 'eagle') : null;
  return { cells, spearman: rhoValue, within10 };
}

/** A file name made of the predictor's name: "brp-nas-calibrated-wasm-chrome-126.json". */
export function calibratedFileName(name: string, id: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
  return `brp-nas-calibrated-${slug || id}.json`;
}

/** "1 min 05 s", "12 s", "< 1 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return '< 1 s';
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
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

/* ------------------------------------------------------------------ the state */

/** The page's end of the profiler: a worker, or the handler on this thread (`handlerPort`). */
export type ProfilerPort = RpcPort<ProfilerRequest, ProfilerResponse>;
type ProfilerClient = RpcClient<ProfilerRequest, ProfilerResponse, ProfilerEventType>;

export interface ProfileSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
}

export interface ProfileDeps {
  openStore(): Promise<{ store: MeasurementStore; notice?: string }>;
  /** Where calibrated predictors are kept (default: in memory, for this state only). */
  openCalibratedStore?(): Promise<{ store: CalibratedStore; notice?: string }>;
  /** Called after a calibrated predictor was saved, imported or deleted: other views list them too. */
  onCalibratedChange?(): void;
  /** Starts the profiler where `thread` says; the state talks to it through the app's worker client (rpc.ts). */
  createPort(thread: Thread): Promise<ProfilerPort>;
  newId?(): string;
  now?(): number;
  /** This browser's user agent (default `navigator.userAgent`): which stored runs are this browser's. */
  userAgent?: string;
}

export interface RunProgress {
  requestId: number;
  set: CellSet;
  backends: MeasurementBackend[];
  cells: number;
  /** A calibration is two requests: pass 1 (reference + held-out cells), pass 2 (the held-out cells again). */
  pass: number;
  passes: number;
  backendIndex: number;
  backend: MeasurementBackend | null;
  phase: ProfilePhase | 'starting';
  done: number;
  total: number;
  etaMs: number | null;
  current: string;
  paused: boolean;
  cancelling: boolean;
}

interface BackendRun {
  runId: string;
  profileId: string;
  startedAt: number;
  measured: number;
}

export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

export class ProfileState {
  backends = $state.raw<BackendAvailability[]>([]);
  defaultBackend = $state<MeasurementBackend | null>(null);
  defaultReason = $state('');
  timerResolutionMs = $state<number | null>(null);
  isolated = $state<boolean | null>(null);
  detecting = $state(false);
  selected = $state<MeasurementBackend[]>([]);

  randomCount = $state(20);
  /** Random connected cells outside the reference set that "Calibrate this device" measures (twice) to validate on. */
  heldOutCount = $state(20);
  seed = $state(1);
  settings = $state<ProfileSettings>({ ...DEFAULT_PROFILE_SETTINGS });
  thread = $state<Thread>('worker');

  run = $state<RunProgress | null>(null);
  /** Summaries of the runs of the last request (leak check, drift). */
  lastRuns = $state.raw<RunRecord[]>([]);
  /** What the probe saw in each of the last runs (by run id): slow phases, re-measured cells and why; null without a probe. */
  disturbances = $state.raw<Record<string, Omit<DisturbanceReport, 'timeline'> | null>>({});
  error = $state<string | null>(null);
  /** Why the profiler stopped (it crashed), or null while it runs; `restart()` starts a fresh one. */
  crashed = $state<string | null>(null);

  storeMode = $state<'indexeddb' | 'memory' | null>(null);
  storeNotice = $state<string | null>(null);
  profiles = $state.raw<ProfileSummary[]>([]);
  runs = $state.raw<RunRecord[]>([]);
  measurements = $state.raw<Record<string, StoredMeasurement[]>>({});
  problems = $state.raw<string[]>([]);
  activeProfileId = $state<string | null>(null);
  importResult = $state.raw<{ ok: boolean; text: string } | null>(null);
  sortKey = $state<SortKey>('medianMs');
  sortDescending = $state(false);

  /** Saved calibrated predictors, newest first. */
  calibrated = $state.raw<CalibratedSummary[]>([]);
  calibratedProblems = $state.raw<string[]>([]);
  calibratedNotice = $state<string | null>(null);
  /** The last save, import, export or delete of a calibrated predictor that failed. */
  calibratedError = $state<string | null>(null);
  /** What the last save or import did. */
  calibratedStatus = $state<string | null>(null);

  readonly #source: ProfileSource;
  readonly #deps: ProfileDeps;
  #store: MeasurementStore | null = null;
  #calibratedStore: CalibratedStore | null = null;
  /** Cells of the pass still to come in a calibration (its held-out cells), null otherwise. */
  #nextPass: number[] | null = null;
  #client: ProfilerClient | null = null;
  #portThread: Thread | null = null;
  #nextRequest = 1;
  #backendRuns = new Map<MeasurementBackend, BackendRun>();
  /** Environment of each backend of the running request (from `backend-started`). */
  #environments = new Map<MeasurementBackend, MeasurementEnvironment>();
  #writes: Promise<void> = Promise.resolve();
  #hidden = false;

  constructor(source: ProfileSource, deps: ProfileDeps) {
    this.#source = source;
    this.#deps = deps;
  }

  /* ---------------------------------------------------------------- derived */

  readonly #nb201 = $derived.by(() => {
    const table = this.#source.tables.nb201;
    if (!table) return null;
    const opsCode = columnByIndex(table, 'ops_code', NB201_NUM_CELLS);
    const connected = columnByIndex(table, 'connected', NB201_NUM_CELLS);
    const indexOfCode = new Int32Array(NB201_NUM_CELLS).fill(-1);
    opsCode.forEach((code, index) => {
      if (Number.isInteger(code)) indexOfCode[code] = index;
    });
    const connectedIndices: number[] = [];
    connected.forEach((flag, index) => flag === 1 && connectedIndices.push(index));
    return { opsCode, connected, indexOfCode, connectedIndices };
  });

  /** Latency columns of every loaded NB201 table that are real devices (LatBench, HELP, HW-NAS-Bench, the visitor's). */
  readonly known = $derived.by(() => knownDevices(this.#source.datasets, this.#source.tables));

  readonly referenceSet = $derived.by((): ReferenceSet | string | null => {
    const nb201 = this.#nb201;
    if (!nb201) return null;
    try {
      const devices = this.known.devices.filter((d) => (REFERENCE_DATASETS as readonly string[]).includes(d.datasetId));
      return chooseReferenceSet({ opsCode: nb201.opsCode, connected: nb201.connected, devices });
    } catch (error) {
      return (error as Error).message;
    }
  });

  readonly activeProfile = $derived(this.profiles.find((p) => p.id === this.activeProfileId) ?? null);
  readonly activeEntries = $derived(this.activeProfileId ? this.measurements[this.activeProfileId] ?? [] : []);
  readonly rows = $derived(sortRows(cellRows(this.activeEntries), this.sortKey, this.sortDescending));
  readonly flops = $derived(flopsVsLatency(this.activeEntries));
  readonly repeat = $derived(repeatability(this.activeEntries));
  /** Profiles of the same browser and machine as the active one (its backends), the active one first. */
  readonly siblings = $derived.by(() => {
    const active = this.activeProfile;
    if (!active) return [];
    return [active, ...this.profiles.filter((p) => p.id !== active.id && sameDevice(p.environment, active.environment))];
  });
  readonly heatmap = $derived(rankCorrelations(this.siblings.map((p) => ({ entries: this.measurements[p.id] ?? [] })), this.known.devices));
  readonly comparison = $derived(backendComparison(this.siblings.map((p) => ({ entries: this.measurements[p.id] ?? [] }))));
  readonly activeRuns = $derived(this.runs.filter((r) => r.profileId === this.activeProfileId));
  readonly running = $derived(this.run !== null);

  /** Calibration features of every cell: built once, and only when a calibration is first needed (≈ 0.5 s). */
  readonly #features = $derived.by(() => {
    const nb201 = this.#nb201;
    return nb201 ? cellFeatures(nb201.opsCode, nb201.connected, PROFILE_NETWORK.classes, PROFILE_NETWORK.inputSize) : null;
  });

  /** Every known device as a calibration basis. */
  readonly #basis = $derived(this.known.devices.map((d): BasisDevice => ({ key: `${d.datasetId}:${d.column}`, label: d.label, values: d.values })));

  readonly #calibrationOutcome = $derived.by((): CalibrationReport | string => {
    const reference = this.referenceSet;
    if (!this.#nb201 || reference === null) return 'The NAS-Bench-201 tables are not loaded yet.';
    if (typeof reference === 'string') return reference;
    // Not while timing: a refit per finished cell would only compete with the measurement.
    if (this.running) return 'Measuring… the calibration is fitted when the run ends.';
    if (!this.activeProfile) return 'Nothing measured yet: press "Calibrate this device".';
    return calibrationReport({
      devices: this.#basis,
      features: () => this.#features!,
      referenceIndices: reference.cells.map((c) => c.index),
      entries: this.activeEntries,
    });
  });

  /** The active profile's calibration, or null (`calibrationReason` says why). */
  get calibration(): CalibrationReport | null {
    const outcome = this.#calibrationOutcome;
    return typeof outcome === 'string' ? null : outcome;
  }

  get calibrationReason(): string | null {
    const outcome = this.#calibrationOutcome;
    return typeof outcome === 'string' ? outcome : null;
  }

  /** Cells a "Measure" press will time, and how long it should take (from this browser's earlier runs where there are some). */
  plan(set: CellSet): { cells: number; ms: number; fromHistory: boolean } {
    const reference = this.referenceSet;
    const referenceCells = reference && typeof reference === 'object' ? reference.cells.length : 0;
    // A calibration times the held-out cells twice (the second pass measures repeatability).
    const cells = set === 'reference' ? referenceCells : set === 'calibrate' ? referenceCells + 2 * this.heldOutCount : this.randomCount;
    const userAgent = this.#deps.userAgent ?? globalThis.navigator?.userAgent ?? '';
    const mine = new Set(this.profiles.filter((p) => p.environment.userAgent === userAgent).map((p) => p.id));
    return { cells, ...estimateMs(cells, this.selected, this.runs.filter((r) => mine.has(r.profileId))) };
  }

  /* ---------------------------------------------------------------- lifecycle */

  /** Opens the store, lists what is stored, starts the profiler and detects the backends. */
  async start(): Promise<void> {
    const { store, notice } = await this.#deps.openStore();
    this.#store = store;
    this.storeMode = store.mode;
    this.storeNotice = notice ?? null;
    const calibrated = await (this.#deps.openCalibratedStore?.() ?? Promise.resolve({ store: new MemoryCalibratedStore() as CalibratedStore, notice: undefined }));
    this.#calibratedStore = calibrated.store;
    this.calibratedNotice = calibrated.notice ?? null;
    await this.refresh();
    await this.refreshCalibrated();
    await this.detect();
  }

  /** Re-reads the stored profiles, runs and measurements. */
  async refresh(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    try {
      const { profiles, problems } = await store.listProfiles();
      const measurements: Record<string, StoredMeasurement[]> = {};
      const allProblems = [...problems];
      for (const p of profiles) {
        const read = await store.measurements(p.id);
        measurements[p.id] = read.entries;
        allProblems.push(...read.problems);
      }
      this.runs = await store.runs();
      this.measurements = measurements;
      this.profiles = profiles;
      this.problems = allProblems;
      if (!profiles.some((p) => p.id === this.activeProfileId)) this.activeProfileId = profiles[0]?.id ?? null;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** Where the timing runs; switching re-detects the backends there. */
  async setThread(thread: Thread): Promise<void> {
    if (this.running || thread === this.thread) return;
    this.thread = thread;
    await this.detect();
  }

  async detect(): Promise<void> {
    this.detecting = true;
    this.error = null;
    let client: ProfilerClient | null = null;
    try {
      client = await this.#clientFor(this.thread);
      this.#detected(await client.request({ type: 'detect', requestId: this.#nextRequest++ }, { expect: 'detected' }));
    } catch (error) {
      if (client && client !== this.#client) return; // replaced meanwhile (another thread): its detection no longer counts
      const message = (error as Error).message;
      this.error = error instanceof WorkerRequestError || error instanceof WorkerStoppedError ? message : `The profiler could not start: ${message}`;
    } finally {
      if (!client || client === this.#client) this.detecting = false;
    }
  }

  /** Starts a fresh profiler after a crash and detects the backends again. */
  async restart(): Promise<void> {
    this.crashed = null;
    this.error = null;
    await this.detect();
  }

  /** The page's visibility, passed on to the profiler (hidden-tab samples are discarded). */
  setHidden(hidden: boolean): void {
    this.#hidden = hidden;
    this.#client?.post({ type: 'visibility', hidden });
  }

  /** Resolves once every result received so far is stored. */
  settled(): Promise<void> {
    return this.#writes;
  }

  /** The profiler on `thread`: the current one, or a fresh one (another thread, or the last one crashed). */
  async #clientFor(thread: Thread): Promise<ProfilerClient> {
    if (this.#client && this.#portThread === thread && !this.#client.crashed) return this.#client;
    const previous = this.#client;
    this.#client = null;
    previous?.terminate();
    const port = await this.#deps.createPort(thread);
    const client: ProfilerClient = new RpcClient(() => port, {
      name: thread === 'worker' ? 'profiler worker' : 'profiler',
      events: PROFILER_EVENTS,
      // Only a profiler that could not start answers without a request id: it is of no use then.
      onUnsolicited: (message) => {
        if (message.type === 'error') client.terminate(message.message);
      },
      onCrash: (error) => {
        if (client === this.#client) this.crashed = error.message;
      },
    });
    this.#client = client;
    this.#portThread = thread;
    this.crashed = null;
    client.post({ type: 'visibility', hidden: this.#hidden });
    return client;
  }

  #detected(message: Extract<ProfilerResponse, { type: 'detected' }>): void {
    this.backends = message.backends;
    this.defaultBackend = message.defaultBackend;
    this.defaultReason = message.reason;
    this.timerResolutionMs = message.timerResolutionMs;
    this.isolated = message.crossOriginIsolated;
    const offered = new Set(message.backends.filter((b) => b.available).map((b) => b.name));
    const kept = this.selected.filter((name) => offered.has(name));
    this.selected = kept.length ? kept : [message.defaultBackend];
  }

  /* ---------------------------------------------------------------- measuring */

  toggleBackend(name: MeasurementBackend, on: boolean): void {
    const next = new Set(this.selected);
    if (on) next.add(name);
    else next.delete(name);
    // Keep the offered order (WebGPU, WebGL, WASM, CPU) so runs and columns are predictable.
    this.selected = this.backends.map((b) => b.name).filter((n) => next.has(n));
  }

  /**
   * Measures the reference set, `randomCount` random connected cells drawn with `seed`, or (for
   * 'calibrate') the reference set plus `heldOutCount` held-out cells drawn with `seed`, followed
   * by a second pass over the held-out cells.
   */
  async measure(set: CellSet): Promise<void> {
    if (this.running) return;
    this.error = null;
    const nb201 = this.#nb201;
    const reference = this.referenceSet;
    if (!nb201 || !reference || typeof reference === 'string') {
      this.error = typeof reference === 'string' ? reference : 'The NAS-Bench-201 tables are not loaded yet';
      return;
    }
    if (this.selected.length === 0) {
      this.error = 'Choose at least one backend';
      return;
    }
    const referenceIndices = reference.cells.map((c) => c.index);
    let indices: number[];
    let heldOut: number[] | null = null;
    try {
      if (set === 'reference') indices = referenceIndices;
      else if (set === 'random') indices = randomCells(this.seed, this.randomCount, nb201.connectedIndices);
      else {
        heldOut = heldOutCells(this.seed, this.heldOutCount, nb201.connectedIndices, referenceIndices);
        indices = [...referenceIndices, ...heldOut];
      }
    } catch (error) {
      this.error = (error as Error).message;
      return;
    }
    this.lastRuns = [];
    this.disturbances = {};
    await this.#request(set, indices, [...this.selected], { pass: 1, passes: heldOut ? 2 : 1 }, heldOut);
  }

  /** Sends one profile request; `next` is the cells of the pass to run after it, if it ends normally. */
  async #request(set: CellSet, indices: number[], backends: MeasurementBackend[], passes: { pass: number; passes: number }, next: number[] | null): Promise<void> {
    const nb201 = this.#nb201!;
    const reference = this.referenceSet as ReferenceSet;
    const cellOf = (index: number): ProfileCell => ({ index, ops: codeToOps(nb201.opsCode[index]) });
    const drift = reference.cells[reference.cells.length >> 1];
    const requestId = this.#nextRequest++;
    this.#backendRuns.clear();
    this.#environments.clear();
    this.#nextPass = next;
    this.run = {
      requestId, set, backends, cells: indices.length, ...passes, backendIndex: 0, backend: null, phase: 'starting',
      done: 0, total: indices.length * this.settings.minSamples, etaMs: null, current: '', paused: false, cancelling: false,
    };
    let client: ProfilerClient;
    try {
      client = await this.#clientFor(this.thread);
    } catch (error) {
      this.run = null;
      this.#nextPass = null;
      this.error = `The profiler could not start: ${(error as Error).message}`;
      return;
    }
    // Events and the final answer go to #receive; a failure (error answer, crash) arrives there as an 'error'.
    const request = { type: 'profile', requestId, backends, cells: indices.map(cellOf), referenceCell: cellOf(drift.index), settings: { ...this.settings }, hidden: this.#hidden } as const;
    void client.request(request, { onEvent: (event) => this.#receive(event) }).then(
      (answer) => this.#receive(answer),
      (error: Error) => this.#receive({ type: 'error', requestId, message: error.message }),
    );
  }

  /* ---------------------------------------------------------------- stored data */

  /** CSV of the given profiles' measurements (default: the active one), or null when there is nothing. */
  exportCsv(profileIds: readonly string[] = this.activeProfileId ? [this.activeProfileId] : []): { fileName: string; text: string } | null {
    const records = profileIds.flatMap((id) => this.measurements[id] ?? []);
    if (records.length === 0) return null;
    const label = profileIds.length === 1 ? this.profiles.find((p) => p.id === profileIds[0])?.id ?? 'profile' : `${profileIds.length}-profiles`;
    return { fileName: `brp-nas-latency-${label}.csv`, text: measurementsToCsv(records) };
  }

  /** Imports an exported CSV: checked whole first, nothing stored on any error; duplicates of stored rows are skipped. */
  async importCsv(file: { name: string; size: number; text(): Promise<string> }): Promise<void> {
    this.importResult = null;
    const fail = (text: string) => {
      this.importResult = { ok: false, text: `${text} Nothing was stored.` };
    };
    if (!this.#store) return fail('The measurement store is not open yet.');
    const nb201 = this.#nb201;
    if (!nb201) return fail('Importing needs the NAS-Bench-201 table, which is not loaded yet.');
    if (file.size > IMPORT_MAX_BYTES) return fail(`${file.name} is ${(file.size / 1024 / 1024).toFixed(0)} MB; the limit is ${IMPORT_MAX_BYTES / 1024 / 1024} MB.`);
    let entries: NewMeasurement[];
    try {
      const runId = `import-${this.#deps.newId?.() ?? crypto.randomUUID()}`;
      entries = parseMeasurementsCsv(await file.text(), file.name).map((record) => ({
        ...record, archIndex: nb201.indexOfCode[opsToCode(record.ops)], runId, source: 'imported',
        warmupRuns: null, warmupStable: null, discardedHidden: null,
      }));
      const result = await this.#store.add(entries);
      await this.refresh();
      const added = result.ids.length;
      this.importResult = {
        ok: true,
        text: `Imported ${added} measurement${added === 1 ? '' : 's'} from ${file.name} into ${result.profileIds.length} device profile${result.profileIds.length === 1 ? '' : 's'}` +
          `${result.skipped ? ` (${result.skipped} already stored, skipped)` : ''}.`,
      };
      if (added > 0) this.activeProfileId = result.profileIds[0];
    } catch (error) {
      fail((error as Error).message.endsWith('.') ? (error as Error).message : `${(error as Error).message}.`);
    }
  }

  async deleteProfile(profileId: string): Promise<void> {
    if (!this.#store) return;
    try {
      await this.#store.deleteProfile(profileId);
    } catch (error) {
      this.error = (error as Error).message;
    }
    await this.refresh();
  }

  /* ---------------------------------------------------------------- calibrated predictors */

  /** Re-reads the saved calibrated predictors. */
  async refreshCalibrated(): Promise<void> {
    const store = this.#calibratedStore;
    if (!store) return;
    try {
      const { summaries, problems } = await store.list();
      this.calibrated = summaries;
      this.calibratedProblems = problems;
    } catch (error) {
      this.calibratedError = (error as Error).message;
    }
  }

  /** Saves the active profile's calibration under `name`; returns whether it was saved. */
  async saveCalibration(name: string): Promise<boolean> {
    this.calibratedError = null;
    this.calibratedStatus = null;
    const report = this.calibration;
    const profile = this.activeProfile;
    const trimmed = name.trim();
    if (!this.#calibratedStore) this.calibratedError = 'The calibrated predictor store is not open yet.';
    else if (!report || !profile) this.calibratedError = `Nothing to save: ${this.calibrationReason ?? 'no calibration'}`;
    else if (trimmed.length === 0 || trimmed.length > 300) this.calibratedError = 'Give the calibrated predictor a name of 1-300 characters.';
    if (this.calibratedError) return false;
    const { calibration, scores } = report!;
    // Versions of the tables the basis came from (and nb201, whose cells it predicts), so a saved predictor says what it was fitted with.
    const basisDatasets = new Set(['nb201', ...calibration.basis.map((b) => b.key.slice(0, b.key.indexOf(':')))]);
    const datasetVersions = Object.fromEntries(this.#source.datasets.filter((d) => basisDatasets.has(d.id)).map((d) => [d.id, d.version]));
    const predictor: CalibratedPredictor = {
      id: this.#deps.newId?.() ?? crypto.randomUUID(),
      name: trimmed,
      space: 'nb201',
      kind: 'calibrated-latency',
      createdAt: this.#now(),
      device: { profileId: profile!.id, label: profile!.label, backend: profile!.backend, userAgent: profile!.environment.userAgent, tfjsVersion: profile!.environment.tfjsVersion },
      method: calibration.method,
      candidates: calibration.candidates,
      basis: calibration.basis,
      datasetVersions,
      reference: calibration.reference,
      validation: {
        heldOut: scores.calibrated, flops: scores.flops, nearest: scores.nearest,
        repeatability: { cells: report!.repeatability.cells, spearman: report!.repeatability.spearman },
      },
      predictions: Float32Array.from(calibration.predictions),
    };
    try {
      await this.#calibratedStore!.save(predictor);
    } catch (error) {
      this.calibratedError = `Not saved: ${(error as Error).message}`;
      return false;
    }
    this.calibratedStatus = `Saved “${trimmed}”.`;
    await this.refreshCalibrated();
    this.#deps.onCalibratedChange?.();
    return true;
  }

  async deleteCalibrated(id: string): Promise<void> {
    this.calibratedError = null;
    this.calibratedStatus = null;
    try {
      if (await this.#calibratedStore?.delete(id)) this.#deps.onCalibratedChange?.();
    } catch (error) {
      this.calibratedError = (error as Error).message;
    }
    await this.refreshCalibrated();
  }

  /** The export file of a saved calibrated predictor, or null (with `calibratedError`) when it cannot be read. */
  async exportCalibrated(id: string): Promise<{ fileName: string; text: string } | null> {
    this.calibratedError = null;
    try {
      const predictor = await this.#calibratedStore?.load(id);
      if (!predictor) {
        this.calibratedError = `Calibrated predictor ${id} is not stored (any more).`;
        return null;
      }
      return { fileName: calibratedFileName(predictor.name, predictor.id), text: calibratedToFile(predictor) };
    } catch (error) {
      this.calibratedError = (error as Error).message;
      return null;
    }
  }

  /** Imports an exported calibrated predictor: checked whole first, nothing stored on any error; the same id replaces the stored copy. */
  async importCalibrated(file: { name: string; size: number; text(): Promise<string> }): Promise<void> {
    this.calibratedError = null;
    this.calibratedStatus = null;
    const store = this.#calibratedStore;
    if (!store) {
      this.calibratedError = 'The calibrated predictor store is not open yet. Nothing was stored.';
      return;
    }
    try {
      if (file.size > MAX_CALIBRATED_FILE_CHARS) throw new Error(`${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; a calibrated predictor file is at most ${MAX_CALIBRATED_FILE_CHARS / 1024 / 1024} MB`);
      const predictor = parseCalibratedFile(await file.text(), file.name);
      const replaced = this.calibrated.some((c) => c.id === predictor.id);
      await store.save(predictor);
      this.calibratedStatus = `Imported “${predictor.name}” from ${file.name}${replaced ? ' (replacing the stored copy with the same id)' : ''}.`;
      this.#deps.onCalibratedChange?.();
    } catch (error) {
      const message = (error as Error).message;
      this.calibratedError = `${message}${message.endsWith('.') ? '' : '.'} Nothing was stored.`;
    }
    await this.refreshCalibrated();
  }

  pause(): void {
    if (this.run && !this.run.paused) this.#client?.post({ type: 'pause', requestId: this.run.requestId });
  }

  resume(): void {
    if (this.run?.paused) this.#client?.post({ type: 'resume', requestId: this.run.requestId });
  }

  cancel(): void {
    if (!this.run) return;
    this.run = { ...this.run, cancelling: true };
    this.#client?.post({ type: 'cancel', requestId: this.run.requestId });
  }

  /** The answers of the running profile request (its failure, crash included, as an 'error'). */
  #receive(message: ProfilerResponse): void {
    const run = this.run;
    if (!run || message.type === 'detected' || message.requestId !== run.requestId) return;
    switch (message.type) {
      case 'backend-started':
        this.#backendRuns.set(message.backend, { runId: this.#deps.newId?.() ?? crypto.randomUUID(), profileId: message.profile.id, startedAt: this.#now(), measured: 0 });
        this.run = { ...run, backendIndex: message.backendIndex, backend: message.backend, phase: 'prepare', done: 0 };
        this.#environments.set(message.backend, message.environment);
        // Show the default backend's results (the usual baseline), else the first backend's.
        if (message.backend === this.defaultBackend || (message.backendIndex === 0 && !run.backends.includes(this.defaultBackend!))) {
          this.activeProfileId = message.profile.id;
        }
        return;
      case 'progress':
        this.run = { ...run, phase: message.progress.phase, done: message.progress.done, total: message.progress.total, etaMs: message.etaMs, current: message.progress.current };
        return;
      case 'result': {
        const meta = this.#backendRuns.get(message.backend)!;
        const r = message.result;
        // A revised result (re-measured after a slow phase) supersedes the stored one: the latest per cell counts.
        if (!r.revised) meta.measured++;
        const environment = this.#environments.get(message.backend);
        if (!environment) return;
        const entry: NewMeasurement = {
          archIndex: message.index, runId: meta.runId, source: 'measured', archStr: r.archStr, ops: r.ops, backend: message.backend,
          medianMs: r.medianMs, iqrMs: r.iqrMs, samples: r.samples, k: r.k, coldMs: r.coldMs, warmupRuns: r.warmupRuns,
          warmupStable: r.warmupStable, discardedHidden: r.discardedHidden, environment,
        };
        this.#enqueue(async () => {
          await this.#store!.add([entry]);
          const { entries } = await this.#store!.measurements(meta.profileId);
          this.measurements = { ...this.measurements, [meta.profileId]: entries };
          const known = this.profiles.find((p) => p.id === meta.profileId);
          if (!known) this.profiles = (await this.#store!.listProfiles()).profiles;
          else {
            const updated = { ...known, measurements: entries.length, cells: new Set(entries.map((e) => e.archIndex)).size, updatedAt: this.#now() };
            this.profiles = [updated, ...this.profiles.filter((p) => p !== known)];
          }
        });
        return;
      }
      case 'backend-finished': {
        const s = message.summary;
        const meta = this.#backendRuns.get(s.backend)!;
        const record = this.#runRecord(s.backend, meta, {
          measured: s.measured, elapsedMs: s.elapsedMs, leakedTensors: s.leakedTensors, cancelled: s.cancelled, error: null, wasmThreads: s.wasmThreads,
          reference: s.reference && { archStr: s.reference.archStr, driftMs: s.reference.drift.map((d) => d.ms) },
        });
        const d = s.disturbance ?? null;
        // With a probe, the stored run keeps the whole disturbance report, per-sample stamps and probe times included (bench:latency reads it).
        const stored: RunWithDisturbance = d ? { ...record, disturbance: d } : record;
        this.lastRuns = [...this.lastRuns, stored];
        this.disturbances = { ...this.disturbances, [meta.runId]: d && { phases: d.phases, remeasured: d.remeasured, rounds: d.rounds, waitedMs: d.waitedMs, summary: d.summary } };
        this.#enqueue(() => this.#store!.saveRun(stored));
        return;
      }
      case 'paused':
      case 'resumed':
        this.run = { ...run, paused: message.type === 'paused' };
        return;
      case 'profiled':
        // The run ends for the page once everything it produced is stored (or the next pass starts).
        this.#enqueue(() => this.#finish(true));
        return;
      case 'error': {
        this.error = message.message;
        const meta = run.backend ? this.#backendRuns.get(run.backend) : undefined;
        if (run.backend && meta && !this.lastRuns.some((r) => r.runId === meta.runId)) {
          const record = this.#runRecord(run.backend, meta, {
            measured: meta.measured, elapsedMs: this.#now() - meta.startedAt, leakedTensors: null, cancelled: false, error: message.message, reference: null, wasmThreads: null,
          });
          this.lastRuns = [...this.lastRuns, record];
          this.#enqueue(() => this.#store!.saveRun(record));
        }
        this.#enqueue(() => this.#finish(false));
        return;
      }
    }
  }

  #runRecord(backend: MeasurementBackend, meta: BackendRun, outcome: Pick<RunRecord, 'measured' | 'elapsedMs' | 'leakedTensors' | 'cancelled' | 'error' | 'reference' | 'wasmThreads'>): RunRecord {
    const run = this.run!;
    return {
      runId: meta.runId, profileId: meta.profileId, backend, thread: this.#portThread ?? this.thread, set: run.set, startedAt: meta.startedAt,
      requested: run.cells, ...outcome, settings: { minSamples: this.settings.minSamples, warmupMinRuns: this.settings.warmupMinRuns, warmupMaxMs: this.settings.warmupMaxMs },
    };
  }

  /**
   * Ends a request; a calibration's first pass goes on to its second unless it was cancelled or
   * failed (`completed` false, or a backend stopped early). The run stays set in between, so the
   * chain reads as one run.
   */
  async #finish(completed: boolean): Promise<void> {
    const run = this.run;
    const next = this.#nextPass;
    this.#nextPass = null;
    let chained = false;
    try {
      await this.refresh();
      const thisRequest = new Set([...this.#backendRuns.values()].map((meta) => meta.runId));
      const clean = completed && !this.run?.cancelling && this.lastRuns.filter((r) => thisRequest.has(r.runId)).every((r) => !r.cancelled && !r.error);
      if (run && next && clean && this.run === run) {
        chained = true;
        // A plain copy: `run` is reactive state, which a worker message cannot carry.
        await this.#request(run.set, next, [...run.backends], { pass: run.pass + 1, passes: run.passes }, null);
      }
    } finally {
      if (!chained) this.run = null;
    }
  }

  #enqueue(write: () => Promise<void>): void {
    this.#writes = this.#writes.then(write).catch((error: unknown) => {
      this.error = (error as Error).message;
    });
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }
}

/** The real dependencies: IndexedDB, and the profiler in a module worker or on this thread. */
export function browserProfileDeps(openStore: ProfileDeps['openStore'], openCalibrated: NonNullable<ProfileDeps['openCalibratedStore']> = () => openCalibratedStore()): ProfileDeps {
  return {
    openStore,
    openCalibratedStore: openCalibrated,
    async createPort(thread) {
      if (thread === 'worker') return new Worker(new URL('../workers/profiler.worker.ts', import.meta.url), { type: 'module' });
      // The same handler on the page's main thread (loads tfjs into the page): for comparison only.
      const { browserProfilerDeps, createProfilerHandler } = await import('../workers/profiler-handler');
      return handlerPort<ProfilerRequest, ProfilerResponse>(async (post) => createProfilerHandler(await browserProfilerDeps(post)));
    },
  };
}
