/**
 * Lesson 7 (hardware-aware NAS): a latency budget on one device, the best cell within it, and the
 * Pareto fronts (accuracy against latency) of two devices side by side.
 */
import type { CalibrationMethod, CellFeatures } from '../latency/calibration';
import { copiesOfDevice, fewShotOnKnownDevice } from '../latency/known-device';
import { asBasis, chooseReferenceSet, deviceKey, REFERENCE_DATASETS, type DeviceColumn } from '../latency/reference-set';
import { paretoFront } from '../search/pareto';

/** The latency range of a device over the cells both arrays know (ms), for the budget slider. */
export function latencyRange(latency: ArrayLike<number>, accuracy: ArrayLike<number>): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < latency.length; i++) {
    if (!Number.isFinite(latency[i]) || !Number.isFinite(accuracy[i]) || latency[i] <= 0) continue;
    min = Math.min(min, latency[i]);
    max = Math.max(max, latency[i]);
  }
  return min === Infinity ? null : { min, max };
}

/** The slider works on a log scale: position 0..1000 → ms between the range's ends. */
export const SLIDER_STEPS = 1000;
export function budgetAt(position: number, range: { min: number; max: number }): number {
  const t = Math.min(1, Math.max(0, position / SLIDER_STEPS));
  return Math.exp(Math.log(range.min) + t * (Math.log(range.max) - Math.log(range.min)));
}
export function positionOf(ms: number, range: { min: number; max: number }): number {
  if (range.max <= range.min) return SLIDER_STEPS;
  const t = (Math.log(ms) - Math.log(range.min)) / (Math.log(range.max) - Math.log(range.min));
  return Math.round(Math.min(1, Math.max(0, t)) * SLIDER_STEPS);
}

/** The most accurate cell whose latency is within the budget (ties: the faster, then the lower index); null when none is. */
export function bestWithin(latency: ArrayLike<number>, accuracy: ArrayLike<number>, budgetMs: number): number | null {
  let best: number | null = null;
  for (let i = 0; i < latency.length; i++) {
    if (!(latency[i] <= budgetMs) || !Number.isFinite(accuracy[i])) continue;
    if (best === null || accuracy[i] > accuracy[best] || (accuracy[i] === accuracy[best] && latency[i] < latency[best])) best = i;
  }
  return best;
}

/** Cells within the budget (with a known accuracy). */
export function countWithin(latency: ArrayLike<number>, accuracy: ArrayLike<number>, budgetMs: number): number {
  let n = 0;
  for (let i = 0; i < latency.length; i++) if (latency[i] <= budgetMs && Number.isFinite(accuracy[i])) n++;
  return n;
}

interface FrontComparison {
  /** Front cells of each device, by increasing latency. */
  mine: number[];
  theirs: number[];
  /** Cells on both fronts. */
  shared: number;
}

/** Both devices' Pareto fronts of accuracy against latency, over the cells both devices know. */
export function compareFronts(mine: ArrayLike<number>, theirs: ArrayLike<number>, accuracy: ArrayLike<number>): FrontComparison {
  const both: number[] = [];
  for (let i = 0; i < accuracy.length; i++) if (Number.isFinite(mine[i]) && Number.isFinite(theirs[i]) && Number.isFinite(accuracy[i])) both.push(i);
  const a = paretoFront(mine, accuracy, both);
  const b = paretoFront(theirs, accuracy, both);
  const onB = new Set(b);
  return { mine: a, theirs: b, shared: a.filter((i) => onB.has(i)).length };
}

/** What the search knows of a table device in lesson 7: a few-shot calibration from its reference cells. */
interface TableDeviceFewShot {
  /** Predicted latency per NB201 index, ms (NaN where there is none). */
  predictions: Float64Array;
  /** The reference cells whose table latency the calibration was fitted on. */
  reference: number[];
  method: CalibrationMethod;
  /** Share of the device's other connected cells predicted within ±10 %. */
  within10: number;
}

/**
 * A table device treated as the visitor's own would be: the reference set chosen without it (and
 * its copies), its table latency read on those cells only, and the other devices as the basis.
 * So the lesson's search filters by a prediction from a few cells, as on a calibrated device, and
 * the table checks the filter afterwards (the paper trains a latency GCN on 900 cells instead,
 * minutes here).
 */
export function fewShotOnTableDevice(devices: readonly DeviceColumn[], features: CellFeatures, opsCode: Float64Array, key: string): TableDeviceFewShot {
  const basis = asBasis(devices);
  const copies = copiesOfDevice(basis, key, features.connected);
  const pickers = devices.filter((d) => (REFERENCE_DATASETS as readonly string[]).includes(d.datasetId) && !copies.includes(deviceKey(d)));
  const connected = Float64Array.from(features.connected);
  const reference = chooseReferenceSet({ opsCode, connected, devices: pickers }).cells.map((c) => c.index);
  const result = fewShotOnKnownDevice(basis, features, key, reference, { copies });
  return { predictions: result.predictions, reference, method: result.method, within10: result.fewShot.within10 };
}
