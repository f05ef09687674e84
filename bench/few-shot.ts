/**
 * The few-shot parts of `npm run bench:latency`, on the app's own calibration code
 * (src/lib/latency/calibration.ts) and the built tables (public/datasets/):
 * (c) this machine: calibrate from the measured reference cells, score on measured held-out cells;
 * (d) leave one LatBench device out: treat it as new, calibrate from 20 reference cells of it (the
 *     reference set re-chosen without it), score on its other cells, next to a GCN trained on 900
 *     cells of that device (run by the bench page in Chromium, see bench/latency.ts).
 */
import { columnByIndex } from '../src/lib/datasets/by-index';
import { calibrate, scoreHeldOut, type BasisDevice, type CellFeatures, type MeasuredCell } from '../src/lib/latency/calibration';
import { cellFeatures } from '../src/lib/latency/calibration-features';
import { copiesOfDevice, fewShotOnKnownDevice, type HeldOutDeviceResult } from '../src/lib/latency/known-device';
import { asBasis, chooseReferenceSet, deviceKey } from '../src/lib/latency/reference-set';
import { loadBuiltTables, type BuiltTables } from '../src/lib/latency/test-tables';
import { NB201_NUM_CELLS } from '../src/lib/spaces/nb201';

export interface FewShotWorld {
  built: BuiltTables;
  features: CellFeatures;
  devices: BasisDevice[];
  opsCode: Float64Array;
  connected: Float64Array;
}

export function loadWorld(): FewShotWorld {
  const built = loadBuiltTables();
  if (!built) throw new Error('public/datasets/manifest.json is missing: run `npm run datasets` first');
  const opsCode = columnByIndex(built.tables.nb201, 'ops_code', NB201_NUM_CELLS);
  const connected = columnByIndex(built.tables.nb201, 'connected', NB201_NUM_CELLS);
  const devices = asBasis(built.known.devices);
  return { built, features: cellFeatures(opsCode, connected), devices, opsCode, connected };
}

/** (c): the calibrated predictor of this machine against its baselines, on measured held-out cells. */
export function fewShotHere(world: FewShotWorld, reference: readonly MeasuredCell[], heldOut: readonly MeasuredCell[]) {
  const referenceIndices = new Set(reference.map((c) => c.index));
  const scored = heldOut.filter((c) => !referenceIndices.has(c.index));
  const calibration = calibrate(world.devices, world.features, reference);
  const own = scoreHeldOut(calibration.predictions, scored);
  const flops = scoreHeldOut(calibration.baselines.flops, scored);
  const nearest = scoreHeldOut(calibration.baselines.nearest, scored);
  return {
    nReference: reference.length,
    nHeldOut: own.cells,
    method: calibration.method,
    spearman: own.spearman,
    within10: own.within10,
    baselines: {
      flops: { spearman: flops.spearman, within10: flops.within10 },
      nearestDevice: { spearman: nearest.spearman, within10: nearest.within10, device: calibration.baselines.nearestDevice },
    },
    candidates: calibration.candidates,
    /** How noisy the reference cells were, and the fit the choice fell back from because of it. */
    noise: calibration.noise,
    topBasis: calibration.basis.slice(0, 5),
    reference: reference.map((c) => ({ index: c.index, measuredMs: c.ms })),
    perCell: scored.map((c) => ({
      index: c.index,
      measuredMs: c.ms,
      predictedMs: calibration.predictions[c.index],
      flopsMs: calibration.baselines.flops[c.index],
      nearestMs: calibration.baselines.nearest[c.index],
    })),
  };
}

/** The LatBench columns that are devices (the `x_*` extras are not). */
export function latbenchDevices(world: FewShotWorld): string[] {
  return world.built.known.devices.filter((d) => d.datasetId === 'latbench').map((d) => d.column);
}

/** (d) few-shot half for one LatBench device; `scoreOn` = the GCN's test cells, so both are scored on the same cells. */
export function fewShotHeldOutDevice(world: FewShotWorld, column: string, scoreOn?: readonly number[]): HeldOutDeviceResult & { reference: number[] } {
  const key = `latbench:${column}`;
  const group = copiesOfDevice(world.devices, key, world.features.connected);
  const others = world.built.known.devices.filter((d) => (d.datasetId === 'latbench' || d.datasetId === 'help') && !group.includes(deviceKey(d)));
  const reference = chooseReferenceSet({ opsCode: world.opsCode, connected: world.connected, devices: others }).cells.map((c) => c.index);
  return { ...fewShotOnKnownDevice(world.devices, world.features, key, reference, { scoreOn }), reference };
}
