/**
 * The calibration of one measured device profile (calibration.ts's fit on its reference cells),
 * scored on its other measured cells against the FLOPs and nearest-device baselines and against
 * the measurement's own repeatability: what the Profile view shows and saves.
 */
import type { StoredMeasurement } from '../db/measurements';
import { withinPct } from '../predictor/metrics';
import { calibrate, scoreHeldOut, type BasisDevice, type Calibration, type CellFeatures, type HeldOutScore, type MeasuredCell } from './calibration';
import { latestPerCell, repeatability } from './profile-analysis';
import { cellLatencyMs } from './stats';

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
const MIN_CALIBRATION_CELLS = 5;

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
  const reference = referenceEntries.map((e) => ({ index: e.archIndex, ms: cellLatencyMs(e), iqrMs: e.iqrMs }));
  const heldOut = heldOutEntries.map((e) => ({ index: e.archIndex, ms: cellLatencyMs(e) }));
  let calibration: Calibration;
  try {
    calibration = calibrate(input.devices, input.features(), reference);
  } catch (error) {
    const message = (error as Error).message;
    return `No calibration: ${message}${message.endsWith('.') ? '' : '.'}`;
  }
  const point = (e: StoredMeasurement, kind: CalibrationPoint['kind']): CalibrationPoint => ({
    index: e.archIndex,
    archStr: e.archStr,
    measuredMs: cellLatencyMs(e),
    predictedMs: calibration.predictions[e.archIndex],
    kind,
  });
  const points = [...referenceEntries.map((e) => point(e, 'reference')), ...heldOutEntries.map((e) => point(e, 'held-out'))].filter((p) => Number.isFinite(p.predictedMs));
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
  for (const entry of [...entries].sort((a, b) => (a.id ?? 0) - (b.id ?? 0))) byCell.set(entry.archIndex, [...(byCell.get(entry.archIndex) ?? []), cellLatencyMs(entry)]);
  const repeated = [...byCell.values()].filter((ms) => ms.length >= 2);
  const within10 =
    repeated.length >= 3
      ? withinPct(
          repeated.map((ms) => ms.at(-2)!),
          repeated.map((ms) => ms.at(-1)!),
          10,
          'eagle',
        )
      : null;
  return { cells, spearman: rhoValue, within10 };
}
