/**
 * Leave one known device out: a table device treated as new, calibrated from a few of its cells with
 * the other devices as the basis and scored on the rest (bench:latency (d), the Learn lesson on
 * calibration). Near-copies of the device (the GTX 1080 Ti column of the i7) are held out with it.
 */
import { spearman } from '../predictor/metrics.ts';
import { NB201_NUM_CELLS } from '../spaces/nb201.ts';
import {
  calibrate,
  scoreHeldOut,
  type BasisDevice,
  type CalibrateOptions,
  type CalibrationMethod,
  type CandidateReport,
  type CellFeatures,
  type HeldOutScore,
  type MeasuredCell,
} from './calibration.ts';

/** Spearman's ρ at or above which two table columns are treated as one device (LatBench's GTX 1080 Ti copy of the i7). */
const SAME_DEVICE_RHO = 0.995;

/**
 * Keys of the devices that are the same device as `key` (ρ ≥ SAME_DEVICE_RHO over the connected
 * cells both have), `key` included: when a device is held out, its copies must be held out too.
 */
export function copiesOfDevice(devices: readonly BasisDevice[], key: string, connected: ArrayLike<number>): string[] {
  const target = devices.find((d) => d.key === key);
  if (!target) throw new Error(`unknown device ${key}`);
  const same = [key];
  for (const other of devices) {
    if (other.key === key) continue;
    const shared: number[] = [];
    for (let i = 0; i < NB201_NUM_CELLS; i++) if (connected[i] === 1 && target.values[i] > 0 && other.values[i] > 0) shared.push(i);
    if (shared.length < 10) continue;
    const rho = spearman(
      shared.map((i) => target.values[i]),
      shared.map((i) => other.values[i]),
    );
    if (rho >= SAME_DEVICE_RHO) same.push(other.key);
  }
  return same;
}

export interface HeldOutDeviceResult {
  device: string;
  label: string;
  /** Devices held out with it (its copies). */
  heldOutWith: string[];
  method: CalibrationMethod;
  /** The few-shot predictor's latency per NB201 index (ms; NaN where it has none). */
  predictions: Float64Array;
  /** The few-shot predictor on every connected cell of the device except the reference cells. */
  fewShot: HeldOutScore;
  flops: HeldOutScore;
  nearest: HeldOutScore & { device: string };
  candidates: CandidateReport[];
}

/**
 * Treats a known device as new: calibrates from `referenceCells` of it with every other device
 * (its copies excluded) as the basis, and scores on all its other connected cells.
 */
export function fewShotOnKnownDevice(
  devices: readonly BasisDevice[],
  features: CellFeatures,
  key: string,
  referenceCells: readonly number[],
  options: CalibrateOptions & {
    /** Score on these cells only (default: every other connected cell). */ scoreOn?: readonly number[];
    /** The device's copies, `key` included, when the caller has them already (default: `copiesOfDevice`). */ copies?: readonly string[];
  } = {},
): HeldOutDeviceResult {
  const target = devices.find((d) => d.key === key);
  if (!target) throw new Error(`unknown device ${key}`);
  const heldOut = options.copies ?? copiesOfDevice(devices, key, features.connected);
  const others = devices.filter((d) => !heldOut.includes(d.key));
  const reference = referenceCells.filter((i) => target.values[i] > 0).map((index) => ({ index, ms: target.values[index] }));
  const calibration = calibrate(others, features, reference, options);
  const used = new Set(reference.map((c) => c.index));
  const rest: MeasuredCell[] = [];
  const candidates = options.scoreOn ?? Array.from({ length: NB201_NUM_CELLS }, (_, i) => i);
  for (const i of candidates) if (features.connected[i] === 1 && target.values[i] > 0 && !used.has(i)) rest.push({ index: i, ms: target.values[i] });
  return {
    device: key,
    label: target.label,
    heldOutWith: heldOut.filter((k) => k !== key),
    method: calibration.method,
    predictions: calibration.predictions,
    fewShot: scoreHeldOut(calibration.predictions, rest),
    flops: scoreHeldOut(calibration.baselines.flops, rest),
    nearest: { ...scoreHeldOut(calibration.baselines.nearest, rest), device: calibration.baselines.nearestDevice },
    candidates: calibration.candidates,
  };
}
