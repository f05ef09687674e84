import { describe, expect, it, vi } from 'vitest';
import { codeToOps, isConnected, NB201_NUM_CELLS, opsToDigits } from '../spaces/nb201';
import { PROFILE_NETWORK } from '../workers/profiler-messages';
import type { BasisDevice, CellFeatures } from './calibration';
import { cellFeatures } from './calibration-features';
import { calibrationReport } from './calibration-report';
import { profiledMflops } from './profile-analysis';
import { stored } from './profile-fixtures';

const N = NB201_NUM_CELLS;

describe('calibrationReport', () => {
  const connected = [...Array(N).keys()].filter((i) => isConnected(codeToOps(i)));
  let features: CellFeatures | null = null;
  const lazyFeatures = vi.fn(
    () =>
      (features ??= cellFeatures(
        Float64Array.from({ length: N }, (_, i) => i),
        Float64Array.from({ length: N }, (_, i) => (isConnected(codeToOps(i)) ? 1 : 0)),
      )),
  );
  const values = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => (isConnected(codeToOps(i)) ? f(i) : Number.NaN));
  // "Phone" grows with FLOPs; "Pools" is slow on pooling cells, whatever their FLOPs.
  const phone = values((i) => 2 + 0.05 * profiledMflops(codeToOps(i), PROFILE_NETWORK));
  const devices: BasisDevice[] = [
    { key: 'latbench:phone', label: 'Phone', values: phone },
    { key: 'latbench:pools', label: 'Pools', values: values((i) => 1 + codeToOps(i).filter((op) => op === 2).length) },
  ];
  /** The measured device: 3× the phone, so a calibration can match it exactly. */
  const deviceMs = (index: number) => 3 * phone[index];
  const reference = connected.filter((_, k) => k % 700 === 0).slice(0, 20);
  const heldOut = connected.filter((_, k) => k % 700 === 350).slice(0, 8);
  const measured = (index: number, ms = deviceMs(index)) => stored(opsToDigits(codeToOps(index)), ms);

  it('gives the reason, without building the features, below 5 measured reference cells', () => {
    lazyFeatures.mockClear();
    const entries = [...reference.slice(0, 4), ...heldOut].map((i) => measured(i));
    expect(calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries })).toBe(
      'A calibration needs at least 5 measured reference cells; this profile has 4 of the 20. Press "Calibrate this device" (or "Measure reference set").',
    );
    expect(lazyFeatures).not.toHaveBeenCalled();
  });

  it("passes the reference cells' spread on, so noisy ones make the calibration fall back and say so", () => {
    const noisy = (i: number) => stored(opsToDigits(codeToOps(i)), deviceMs(i), 'wasm', { iqrMs: 0.3 * deviceMs(i) });
    const report = calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries: reference.map(noisy) });
    if (typeof report === 'string') throw new Error(report);
    expect(report.reference[0].iqrMs).toBeCloseTo(0.3 * deviceMs(reference[0]), 9);
    expect(report.calibration.noise).toMatchObject({ noisy: true, threshold: 0.1 });
    expect(report.calibration.noise.medianRelIqr).toBeCloseTo(0.3, 9);
    const calm = calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries: reference.map((i) => measured(i)) });
    if (typeof calm === 'string') throw new Error(calm);
    expect(calm.calibration.noise.noisy).toBe(false);
  });

  it('fits on the latest reference measurements and scores the method and the baselines on every other measured cell', () => {
    const stale = measured(heldOut[0], 1000); // an earlier, wrong measurement of a held-out cell: the later one counts
    const entries = [stale, ...reference.map((i) => measured(i)), ...heldOut.map((i) => measured(i))];
    // A second pass over the held-out cells, 1-3 % apart: repeatable within ±10 %.
    entries.push(...heldOut.map((i, k) => measured(i, deviceMs(i) * (1.01 + 0.0025 * k))));
    const report = calibrationReport({ devices, features: lazyFeatures, referenceIndices: reference, entries });
    if (typeof report === 'string') throw new Error(report);
    expect(report.reference.map((c) => c.index)).toEqual(reference);
    expect(report.heldOut.map((c) => c.index).sort((a, b) => a - b)).toEqual([...heldOut].sort((a, b) => a - b));
    expect(report.heldOut.every((c) => Math.abs(c.ms / deviceMs(c.index) - 1) < 0.03)).toBe(true);
    expect(report.scores.calibrated.cells).toBe(8);
    expect(report.scores.calibrated.spearman).toBeGreaterThan(0.97);
    expect(report.scores.calibrated.within10).toBe(1);
    expect(report.scores.nearest.device).toBe('Phone');
    expect(report.scores.flops.cells).toBe(8);
    expect(report.repeatability).toEqual({ cells: 8, spearman: expect.any(Number), within10: 1 });
    expect(report.repeatability.spearman!).toBeGreaterThan(0.95);
    expect(report.points).toHaveLength(28);
    expect(report.points.filter((p) => p.kind === 'reference').map((p) => p.index)).toEqual(reference);
    expect(report.points.every((p) => p.predictedMs > 0 && p.archStr.startsWith('|'))).toBe(true);
    expect(report.calibration.candidates.map((c) => c.method).sort()).toEqual(['basis', 'basis+ops', 'flops', 'nearest', 'ops']);
  });

  it('explains a calibration that cannot be made', () => {
    const entries = reference.map((i) => measured(i));
    const sparse: BasisDevice[] = [{ key: 'x:y', label: 'Half', values: phone.map((v, i) => (i % 2 ? v : Number.NaN)) }];
    const report = calibrationReport({ devices: sparse, features: lazyFeatures, referenceIndices: reference, entries });
    expect(report).toBe('No calibration: calibration needs at least one known device measured on every connected cell (load LatBench, HELP or HW-NAS-Bench).');
  });
});
