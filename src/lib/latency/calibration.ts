/**
 * Few-shot latency prediction for a new device: from the latencies of ~20 reference cells measured
 * on it, predict every connected NB201 cell, using what the tables know about 30+ other devices.
 *
 * Why no GCN here: on NB201 the tables already state every known device's latency for every
 * connected cell exactly, so the knowledge a GCN pre-trained on them would distil is available as
 * it is. A new device is then modelled as a combination of the known ones (HELP's idea of a device
 * described by its latencies on reference architectures, with the tables as the basis), fitted on
 * the reference cells. Candidates, all fitted on the same measured cells:
 * - `basis`: log latency = a + Σ w_k · z_k(cell), z_k = the k-th known device's log latency,
 *   standardised over the connected cells; ridge regression, its strength chosen by
 *   leave-one-out on the reference cells.
 * - `ops`: latency (ms) = c₀ + Σ c_op · n_op(cell): a cost per executed op type (3×3 conv, 1×1
 *   conv, pool, skip; after eagle's pruning), ridge as above. This is how a runtime that executes
 *   ops one by one spends time, whatever the tables say.
 * - `basis+ops`: both feature sets in one ridge on log latency.
 * - baselines: `flops` (a line latency ≈ a·FLOPs + b, as reference-numbers.md fits it) and
 *   `nearest` (the known device whose ranking of the reference cells agrees best with the
 *   measurements, scaled by a line in log space).
 * Pick by measurement: every candidate is scored by leave-one-out on the reference cells (nested:
 * a ridge's strength is tuned without the cell being predicted, so a 40-feature fit is not
 * flattered against a 2-parameter line), and the simplest candidate whose error is within one
 * standard error of the best is used (the "one-standard-error rule": with 20 cells, a more
 * complex model must be clearly better to be trusted). The standard error is that of the paired
 * per-cell difference from the best: every candidate misses the same noisy cells, so comparing each
 * one's own spread would let a line that is worse on nearly every cell pass as "within one SE".
 * The error of every candidate, and a sentence on why the chosen one won, are reported.
 * Noisy reference cells (median IQR/median above `noisyRelIqr`, e.g. timed on a machine in slow
 * phases) widen that rule to two standard errors among the fitted models: the leave-one-out errors
 * are then less to be trusted, so the choice falls back from a many-feature fit to the op-cost
 * model, the fit with the fewest free parameters, and `noise` says so. The two baselines are not
 * reached by the wider rule: replayed on recorded noisy runs, falling back to them lost to the
 * op-cost model on the held-out cells every time (bench-results/latency-experiments/README.md).
 * Disconnected cells (341) are not predicted: they compute nothing (chance accuracy) and no table
 * times them all.
 */
import { NB201_NUM_CELLS } from '../spaces/nb201.ts';
import { spearman, withinPct } from '../predictor/metrics.ts';
import { fitRidge } from './ridge.ts';
import { looScore, positive, RidgeLoo, type LooScore, type RidgeSpec } from './ridge-loo.ts';

export const CALIBRATION_METHODS = ['basis', 'ops', 'basis+ops', 'nearest', 'flops'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export const CALIBRATION_METHOD_LABELS: Record<CalibrationMethod, string> = {
  basis: "known-device basis (ridge on the tables' devices)",
  ops: 'op-cost model (ridge on executed op counts)',
  'basis+ops': 'known-device basis + op costs',
  nearest: 'most similar known device (baseline)',
  flops: 'FLOPs line (baseline)',
};

/** Candidates from the simplest (fewest fitted parameters) to the most complex: the order of the one-standard-error rule. */
const SIMPLEST_FIRST: readonly CalibrationMethod[] = ['flops', 'nearest', 'ops', 'basis', 'basis+ops'];
/** The models fitted to the reference cells; the other two candidates are the baselines they must beat. */
const FITTED: ReadonlySet<CalibrationMethod> = new Set(['ops', 'basis', 'basis+ops']);

/** A known device's latencies by NB201 index (NaN or ≤ 0 = not measured). */
export interface BasisDevice {
  /** Stable id, e.g. 'latbench:desktop_cpu_i7_7820x_fp32'. */
  key: string;
  label: string;
  values: ArrayLike<number>;
}

/** What a calibration needs to know about the cells, by NB201 index. */
export interface CellFeatures {
  /** 1 for connected cells (the ones predicted). */
  connected: ArrayLike<number>;
  /** FLOPs of the timed network, millions. */
  mflops: ArrayLike<number>;
  /** Executed ops per type [3×3 conv, 1×1 conv, pool, skip], one row per index (pruned network). */
  opCounts: ArrayLike<ArrayLike<number>>;
}

export interface MeasuredCell {
  index: number;
  ms: number;
  /** Spread of the measurement (IQR of its samples), ms; when given, it tells noisy reference cells apart. */
  iqrMs?: number;
}

export interface CandidateReport {
  method: CalibrationMethod;
  /** Leave-one-out mean |ln(predicted / measured)| on the reference cells (≈ relative error). */
  looError: number;
  /** Standard error of that mean (sd of the per-cell errors / √n); absent in files saved before it existed. */
  looSe?: number;
  /** Per reference cell (in `Calibration.reference` order), the leave-one-out |ln(predicted / measured)|; absent in older files. */
  looErrors?: number[];
  /** Leave-one-out share of reference cells whose measurement lies within ±10 % of the prediction. */
  looWithin10: number;
  /** Ridge strength used (relative), where the method has one. */
  lambda?: number;
  /** `nearest` only: the device used. */
  device?: string;
}

export interface Calibration {
  method: CalibrationMethod;
  /** Predicted ms by NB201 index; NaN for cells not predicted (disconnected). */
  predictions: Float64Array;
  /** Every candidate, the chosen one included, best first. */
  candidates: CandidateReport[];
  /** Predictions of the two baselines by NB201 index (for the comparison in the UI). */
  baselines: { flops: Float64Array; nearest: Float64Array; nearestDevice: string };
  /** Known devices used as the basis, and those left out with why. */
  basis: { key: string; label: string; weight: number }[];
  leftOut: { key: string; label: string; reason: string }[];
  /** Fitted on these cells. */
  reference: MeasuredCell[];
  /** How noisy the reference cells were, and the fit the choice fell back from because of it. */
  noise: CalibrationNoise;
}

interface CalibrationNoise {
  /** Median over the reference cells of IQR / median latency; null when no cell gave its IQR. */
  medianRelIqr: number | null;
  /** True when `medianRelIqr` exceeds the threshold: the choice used two standard errors, not one. */
  noisy: boolean;
  /** The threshold, a fraction (0.1 = 10 %). */
  threshold: number;
  /** The method the one-standard-error rule would have chosen, when the noisy rule chose another; else null. */
  fallbackFrom: CalibrationMethod | null;
  /** One sentence for the view: why the chosen method won (and what it fell back from); absent in older files. */
  reason?: string;
}

export interface CalibrateOptions {
  /** Use only these methods as candidates (default: all). Baselines are always computed. */
  methods?: readonly CalibrationMethod[];
  /** Reference cells are noisy above this median IQR / median (a fraction). Default 0.1. */
  noisyRelIqr?: number;
}

const DEFAULT_NOISY_REL_IQR = 0.1;

/** Median IQR / median over the cells that give an IQR; null when none does. */
function medianRelativeIqr(cells: readonly MeasuredCell[]): number | null {
  const rel = cells
    .filter((c) => c.iqrMs !== undefined && Number.isFinite(c.iqrMs) && c.ms > 0)
    .map((c) => c.iqrMs! / c.ms)
    .sort((a, b) => a - b);
  if (rel.length === 0) return null;
  const mid = rel.length >> 1;
  return rel.length % 2 ? rel[mid] : (rel[mid - 1] + rel[mid]) / 2;
}

/* ------------------------------------------------------------------ features */

/** Devices usable as a basis: measured on every connected cell; the others with the reason. */
function usableBasis(devices: readonly BasisDevice[], connected: ArrayLike<number>): { usable: BasisDevice[]; leftOut: { key: string; label: string; reason: string }[] } {
  const usable: BasisDevice[] = [];
  const leftOut: { key: string; label: string; reason: string }[] = [];
  for (const device of devices) {
    let missing = 0;
    for (let i = 0; i < NB201_NUM_CELLS; i++) if (connected[i] === 1 && !(device.values[i] > 0)) missing++;
    if (missing) leftOut.push({ key: device.key, label: device.label, reason: `misses ${missing} connected cell${missing === 1 ? '' : 's'}` });
    else usable.push(device);
  }
  return { usable, leftOut };
}

/** Standardised columns already computed, per table column (the same arrays come back on every calibration). */
const standardisedCache = new WeakMap<object, { connected: ArrayLike<number>; column: Float64Array }>();

/** Log latency standardised over the connected cells, by index (NaN elsewhere); cached per column. */
function standardisedLog(values: ArrayLike<number>, connected: ArrayLike<number>): Float64Array {
  const cached = standardisedCache.get(values as object);
  if (cached?.connected === connected) return cached.column;
  const column = computeStandardisedLog(values, connected);
  standardisedCache.set(values as object, { connected, column });
  return column;
}

function computeStandardisedLog(values: ArrayLike<number>, connected: ArrayLike<number>): Float64Array {
  return standardised((i) => Math.log(values[i]), connected);
}

/** Op counts standardised over the connected cells, one Float64Array per op type. */
function standardisedCounts(features: CellFeatures): Float64Array[] {
  const types = features.opCounts[0]?.length ?? 0;
  return Array.from({ length: types }, (_, t) => standardised((i) => features.opCounts[i][t], features.connected));
}

/** `value(i)` of every connected cell, scaled to mean 0 and standard deviation 1 over them; NaN elsewhere. */
function standardised(value: (index: number) => number, connected: ArrayLike<number>): Float64Array {
  const out = new Float64Array(NB201_NUM_CELLS).fill(Number.NaN);
  let n = 0,
    sum = 0,
    sumSq = 0;
  for (let i = 0; i < NB201_NUM_CELLS; i++) {
    if (connected[i] !== 1) continue;
    const v = value(i);
    out[i] = v;
    n++;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(sumSq / n - mean * mean, 1e-24));
  for (let i = 0; i < NB201_NUM_CELLS; i++) if (connected[i] === 1) out[i] = (out[i] - mean) / sd;
  return out;
}

/* ------------------------------------------------------------------ candidates */

/** A fitted model: predicts the measured quantity of a cell by index, in ms. */
type Model = (index: number) => number;
/** Fits a model on the given measured cells. */
type Fitter = (cells: readonly MeasuredCell[]) => Model;

function ridgeFitter(spec: RidgeSpec, lambda: number): Fitter {
  return (cells) => {
    const rows = cells.map((c) => spec.columns.map((col) => col[c.index]));
    const fit = fitRidge(
      rows,
      cells.map((c) => (spec.logTarget ? Math.log(c.ms) : c.ms)),
      lambda,
    );
    return (index) => {
      let value = fit.intercept;
      for (let j = 0; j < spec.columns.length; j++) value += fit.weights[j] * spec.columns[j][index];
      return spec.logTarget ? Math.exp(value) : value;
    };
  };
}

/** Leave-one-out over the cells with a fixed fitter. */
function leaveOneOut(fitter: Fitter, cells: readonly MeasuredCell[], floor: number): LooScore {
  return looScore(cells.map((cell, k) => ({ predicted: positive(fitter(cells.filter((_, j) => j !== k))(cell.index), floor), ms: cell.ms })));
}

/** The known device whose latencies rank the cells most like the measurements (ties: the first). */
function nearestDevice(devices: readonly BasisDevice[], cells: readonly MeasuredCell[]): number {
  let best = -1;
  let bestRho = -Infinity;
  const measured = cells.map((c) => c.ms);
  devices.forEach((device, d) => {
    const rho = spearman(
      cells.map((c) => device.values[c.index]),
      measured,
    );
    if (Number.isFinite(rho) && rho > bestRho) {
      bestRho = rho;
      best = d;
    }
  });
  return best;
}

function nearestFitter(devices: readonly BasisDevice[]): Fitter {
  const logs = new Map<number, Float64Array>();
  return (cells) => {
    const d = Math.max(0, nearestDevice(devices, cells));
    if (!logs.has(d))
      logs.set(
        d,
        Float64Array.from({ length: NB201_NUM_CELLS }, (_, i) => Math.log(devices[d].values[i])),
      );
    const column = logs.get(d)!;
    const fit = fitRidge(
      cells.map((c) => [column[c.index]]),
      cells.map((c) => Math.log(c.ms)),
      0,
    );
    return (index) => Math.exp(fit.intercept + fit.weights[0] * column[index]);
  };
}

function flopsFitter(mflops: ArrayLike<number>): Fitter {
  return (cells) => {
    const fit = fitRidge(
      cells.map((c) => [mflops[c.index]]),
      cells.map((c) => c.ms),
      0,
    );
    return (index) => fit.intercept + fit.weights[0] * mflops[index];
  };
}

function predictAll(model: Model, connected: ArrayLike<number>, floor: number): Float64Array {
  const out = new Float64Array(NB201_NUM_CELLS).fill(Number.NaN);
  for (let i = 0; i < NB201_NUM_CELLS; i++) if (connected[i] === 1) out[i] = positive(model(i), floor);
  return out;
}

/**
 * Calibrates a latency predictor for a device from its measured reference cells (see the file
 * comment). Throws a sentence when the input cannot give one.
 */
export function calibrate(devices: readonly BasisDevice[], features: CellFeatures, reference: readonly MeasuredCell[], options: CalibrateOptions = {}): Calibration {
  const cells = dedupeCells(reference);
  if (cells.length < 5) throw new Error(`calibration needs at least 5 measured connected cells, got ${cells.length}`);
  for (const c of cells) {
    if (features.connected[c.index] !== 1) throw new Error(`cell #${c.index} is not connected; only connected cells can calibrate`);
    if (!(c.ms > 0) || !Number.isFinite(c.ms)) throw new Error(`cell #${c.index}: a latency must be a positive number of ms, got ${c.ms}`);
  }
  const { usable, leftOut } = usableBasis(devices, features.connected);
  if (usable.length === 0) throw new Error('calibration needs at least one known device measured on every connected cell (load LatBench, HELP or HW-NAS-Bench)');
  // Predictions are floored at a tenth of the fastest measurement: a line may cross zero far out.
  const floor = Math.min(...cells.map((c) => c.ms)) / 10;
  const basisColumns = usable.map((d) => standardisedLog(d.values, features.connected));
  const countColumns = standardisedCounts(features);
  const specs: Partial<Record<CalibrationMethod, RidgeSpec>> = {
    basis: { columns: basisColumns, logTarget: true },
    ops: { columns: countColumns, logTarget: false },
    'basis+ops': { columns: [...basisColumns, ...countColumns], logTarget: true },
  };
  const wanted = new Set(options.methods ?? CALIBRATION_METHODS);
  const candidates: (CandidateReport & { fitter: Fitter })[] = [];
  for (const method of ['basis', 'ops', 'basis+ops'] as const) {
    if (!wanted.has(method) || specs[method]!.columns.length === 0) continue;
    const loo = new RidgeLoo(specs[method]!, cells, floor);
    const score = loo.nested();
    const lambda = loo.tune(cells.map((_, k) => k));
    candidates.push({ method, looError: score.error, looSe: score.se, looErrors: score.errors, looWithin10: score.within10, lambda, fitter: ridgeFitter(specs[method]!, lambda) });
  }
  const nearest = nearestFitter(usable);
  const flops = flopsFitter(features.mflops);
  const nearestIndex = nearestDevice(usable, cells);
  const nearestName = usable[Math.max(0, nearestIndex)].label;
  for (const [method, fitter] of [
    ['nearest', nearest],
    ['flops', flops],
  ] as const) {
    const score = leaveOneOut(fitter, cells, floor);
    candidates.push({ method, looError: score.error, looSe: score.se, looErrors: score.errors, looWithin10: score.within10, fitter, ...(method === 'nearest' ? { device: nearestName } : {}) });
  }
  candidates.sort((a, b) => a.looError - b.looError);
  const pool = candidates.filter((c) => wanted.has(c.method)).length ? candidates.filter((c) => wanted.has(c.method)) : candidates;
  const threshold = options.noisyRelIqr ?? DEFAULT_NOISY_REL_IQR;
  const medianRelIqr = medianRelativeIqr(cells);
  const noisy = medianRelIqr !== null && medianRelIqr > threshold;
  const usual = oneStandardError(pool);
  const chosen = noisy ? noisyChoice(pool, usual) : usual;
  const fallbackFrom = chosen.method === usual.method ? null : usual.method;
  const noise: CalibrationNoise = {
    medianRelIqr,
    noisy,
    threshold,
    fallbackFrom,
    reason: choiceReason(pool[0], chosen, noisy && FITTED.has(usual.method) ? 2 : 1, noisy ? { medianRelIqr: medianRelIqr!, threshold, fallbackFrom } : null),
  };
  const predictions = predictAll(chosen.fitter(cells), features.connected, floor);

  // Weights of the basis devices in the chosen model's log-space fit (for "which devices is it like").
  let basisWeights: { key: string; label: string; weight: number }[] = [];
  if (chosen.method === 'basis' || chosen.method === 'basis+ops') {
    const spec = specs[chosen.method]!;
    const fit = fitRidge(
      cells.map((c) => spec.columns.map((col) => col[c.index])),
      cells.map((c) => Math.log(c.ms)),
      chosen.lambda!,
    );
    basisWeights = usable.map((d, k) => ({ key: d.key, label: d.label, weight: fit.weights[k] })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  }
  return {
    method: chosen.method,
    predictions,
    candidates: candidates.map(({ fitter: _fitter, ...report }) => report),
    baselines: { flops: predictAll(flops(cells), features.connected, floor), nearest: predictAll(nearest(cells), features.connected, floor), nearestDevice: nearestName },
    basis: basisWeights.length ? basisWeights : usable.map((d) => ({ key: d.key, label: d.label, weight: 0 })),
    leftOut,
    reference: cells,
    noise,
  };
}

/**
 * The simplest candidate whose error is within `k` (default one) standard errors of the best one's
 * (candidates sorted best first). With per-cell errors on both, the standard error is the paired
 * one, of the per-cell difference from the best; without them, the best's own.
 */
export function oneStandardError<C extends Pick<CandidateReport, 'method' | 'looError' | 'looSe' | 'looErrors'>>(sorted: readonly C[], k = 1): C {
  const best = sorted[0];
  const near = sorted.filter((c) => c === best || c.looError <= best.looError + k * standardErrorFromBest(best, c));
  return near.sort((a, b) => SIMPLEST_FIRST.indexOf(a.method) - SIMPLEST_FIRST.indexOf(b.method))[0];
}

/**
 * The choice for noisy reference cells: where the one-SE rule chose a fitted model, the simplest
 * fitted model within two standard errors of the best; a baseline it chose stays.
 */
export function noisyChoice<C extends Pick<CandidateReport, 'method' | 'looError' | 'looSe' | 'looErrors'>>(sorted: readonly C[], usual: C): C {
  return FITTED.has(usual.method)
    ? oneStandardError(
        sorted.filter((c) => FITTED.has(c.method)),
        2,
      )
    : usual;
}

/** Standard error of `c`'s error minus the best's: paired over the cells when both carry per-cell errors. */
function standardErrorFromBest(best: Pick<CandidateReport, 'looSe' | 'looErrors'>, c: Pick<CandidateReport, 'looErrors'>): number {
  const a = best.looErrors;
  const b = c.looErrors;
  if (!a || !b || a.length !== b.length || a.length < 2) return best.looSe ?? 0;
  const d = b.map((e, i) => e - a[i]);
  const mean = d.reduce((sum, x) => sum + x, 0) / d.length;
  const sd = Math.sqrt(d.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (d.length - 1));
  return sd / Math.sqrt(d.length);
}

const pctText = (v: number) => `${(v * 100).toFixed(1)} %`;

/** Why `chosen` won, in one sentence for the view. */
function choiceReason(best: CandidateReport, chosen: CandidateReport, k: number, noisy: { medianRelIqr: number; threshold: number; fallbackFrom: CalibrationMethod | null } | null): string {
  const se = k === 1 ? 'one standard error' : `${k} standard errors`;
  const why =
    chosen.method === best.method
      ? `${CALIBRATION_METHOD_LABELS[chosen.method]}: the lowest leave-one-out error (${pctText(chosen.looError)}), and no simpler fit within ${se} of it`
      : `${CALIBRATION_METHOD_LABELS[chosen.method]}: simpler, and within ${se} of the best, ${CALIBRATION_METHOD_LABELS[best.method]} (leave-one-out ${pctText(chosen.looError)} against ${pctText(best.looError)})`;
  if (!noisy) return `${why}.`;
  const fell = noisy.fallbackFrom ? `, so it replaces ${CALIBRATION_METHOD_LABELS[noisy.fallbackFrom]}` : '';
  const allowed = k === 1 ? 'a baseline is chosen by one standard error, as usual' : `${se} allowed among the fitted models${fell}`;
  return `The reference cells are noisy (median spread ${pctText(noisy.medianRelIqr)}, above ${pctText(noisy.threshold)}): ${allowed}. ${why}.`;
}

/** One entry per cell (the last one given wins), connected or not. */
function dedupeCells(cells: readonly MeasuredCell[]): MeasuredCell[] {
  const byIndex = new Map<number, MeasuredCell>();
  for (const c of cells) byIndex.set(c.index, c.iqrMs === undefined ? { index: c.index, ms: c.ms } : { index: c.index, ms: c.ms, iqrMs: c.iqrMs });
  return [...byIndex.values()];
}

/* ------------------------------------------------------------------ validation */

export interface HeldOutScore {
  cells: number;
  spearman: number;
  /** Share of held-out cells whose measurement lies within ±10 % of the prediction (eagle's convention). */
  within10: number;
}

/** Predictions against measured cells not used for fitting. */
export function scoreHeldOut(predictions: ArrayLike<number>, heldOut: readonly MeasuredCell[]): HeldOutScore {
  const usable = heldOut.filter((c) => Number.isFinite(predictions[c.index]) && c.ms > 0);
  if (usable.length < 3) return { cells: usable.length, spearman: Number.NaN, within10: Number.NaN };
  const predicted = usable.map((c) => predictions[c.index]);
  const measured = usable.map((c) => c.ms);
  return { cells: usable.length, spearman: spearman(predicted, measured), within10: withinPct(predicted, measured, 10, 'eagle') };
}
