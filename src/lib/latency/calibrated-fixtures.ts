/** Test fixture: a valid calibrated predictor (tests only). */
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { CalibratedPredictor } from './calibrated-predictor';

export function sampleCalibrated(id = 'c1', createdAt = 1000): CalibratedPredictor {
  const predictions = Float32Array.from({ length: NB201_NUM_CELLS }, (_, i) => (i % 50 === 0 ? Number.NaN : 1 + (i % 97) / 10));
  return {
    id,
    name: `calibrated ${id}`,
    space: 'nb201',
    kind: 'calibrated-latency',
    createdAt,
    device: { profileId: 'p1', label: 'This laptop · WASM', backend: 'wasm', userAgent: 'Chrome/156', tfjsVersion: '4.22.0' },
    method: 'basis',
    candidates: [
      { method: 'basis', looError: 0.05, looWithin10: 0.9, lambda: 0.1 },
      { method: 'nearest', looError: 0.1, looWithin10: 0.6, device: 'Pixel 3' },
    ],
    basis: [{ key: 'latbench:desktop_cpu_i7_7820x_fp32', label: 'Desktop CPU', weight: 0.4 }],
    datasetVersions: { nb201: 'v1', latbench: 'v2' },
    reference: [
      { index: 3, ms: 1.5 },
      { index: 7, ms: 2.5 },
    ],
    validation: {
      heldOut: { cells: 20, spearman: 0.93, within10: 0.7 },
      flops: { cells: 20, spearman: 0.8, within10: 0.4 },
      nearest: { cells: 20, spearman: 0.85, within10: 0.5, device: 'Pixel 3' },
      repeatability: { cells: 20, spearman: null },
    },
    predictions,
  };
}
