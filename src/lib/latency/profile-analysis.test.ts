import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../db/measurements';
import { codeToOps, digitsToOps, isConnected, NB201_NUM_CELLS, opsToCode } from '../spaces/nb201';
import { PROFILE_NETWORK } from '../workers/profiler-messages';
import type { MeasurementBackend } from './environment';
import {
  backendComparison,
  calibratedFileName,
  cellRows,
  driftSummary,
  estimateMs,
  flopsVsLatency,
  heldOutCells,
  latestPerCell,
  medianRatios,
  profiledMflops,
  randomCells,
  rankCorrelations,
  repeatability,
  shortArch,
  sortRows,
} from './profile-analysis';
import { stored } from './profile-fixtures';
import type { DeviceColumn } from './reference-set';

const N = NB201_NUM_CELLS;

describe('pure helpers', () => {
  it('writes the short arch form node by node', () => {
    expect(shortArch(digitsToOps('301214'))).toBe('c3 | · s | c1 s p');
  });

  it('keeps the latest measurement of each cell, and sorts rows with missing values last', () => {
    const a1 = stored('333333', 5),
      b = stored('111111', 1, 'wasm', { coldMs: null }),
      a2 = stored('333333', 6);
    expect(latestPerCell([a2, b, a1]).map((e) => e.medianMs)).toEqual([6, 1]);
    const rows = cellRows([a1, b, a2, stored('222222', 3)], PROFILE_NETWORK);
    expect(sortRows(rows, 'medianMs', false).map((r) => r.medianMs)).toEqual([1, 3, 6]);
    expect(sortRows(rows, 'medianMs', true).map((r) => r.medianMs)).toEqual([6, 3, 1]);
    expect(sortRows(rows, 'coldMs', true).map((r) => r.coldMs)).toEqual([10, 10, null]);
    expect(sortRows(rows, 'coldMs', false).map((r) => r.coldMs)).toEqual([10, 10, null]);
    expect(sortRows(rows, 'short', false).map((r) => r.short)).toEqual(['c1 | c1 c1 | c1 c1 c1', 'c3 | c3 c3 | c3 c3 c3', 's | s s | s s s']);
  });

  it('ranks, compares and repeats cells by their fast state (the fastest sample), not by a median a slow stretch raised', () => {
    // Cell a: fast state 1 ms, but half its samples fell in a slow stretch (median 2.5 ms); cell b: 2 ms steady.
    const slowTail = [1, 1, 1, 1, 1, 1, 1, 2.5, 3, 3, 3, 3, 3, 3, 3];
    const a = stored('333333', 2.5, 'wasm', { samples: slowTail }),
      b = stored('222222', 2, 'wasm', { samples: Array(15).fill(2) });
    const rows = cellRows([a, b], PROFILE_NETWORK);
    expect(sortRows(rows, 'latencyMs', false).map((r) => [r.short, r.latencyMs, r.medianMs])).toEqual([
      ['c3 | c3 c3 | c3 c3 c3', 1, 2.5],
      ['c1 | c1 c1 | c1 c1 c1', 2, 2],
    ]);
    expect(flopsVsLatency([a, b], PROFILE_NETWORK).points.map((p) => p.ms)).toEqual([1, 2]);
    expect(backendComparison([{ entries: [a, b] }]).map((r) => r.ms[0])).toEqual([1, 2]);
  });

  it("counts the FLOPs of the network it times, equal to the dataset's for a cell without dead branches", () => {
    expect(profiledMflops(digitsToOps('333333'), PROFILE_NETWORK)).toBeCloseTo(220.11969, 4); // nb201 c10_flops of index 1462
    const { points, spearman } = flopsVsLatency([stored('333333', 9), stored('222222', 4), stored('111111', 1), stored('000200', 2)], PROFILE_NETWORK);
    expect(points).toHaveLength(4);
    expect(spearman).toBe(1);
    expect(flopsVsLatency([stored('333333', 9), stored('222222', 4)], PROFILE_NETWORK).spearman).toBeNull(); // too few cells
  });

  it('correlates each profile with each known device on the shared cells, best first, unknown last', () => {
    const cells = ['333333', '222222', '111111', '444444', '000100', '301214'];
    const entries = cells.map((d, k) => stored(d, k + 1));
    const device = (column: string, f: (k: number) => number, only = cells.length): DeviceColumn => {
      const values = new Float64Array(N).fill(Number.NaN);
      cells.slice(0, only).forEach((d, k) => (values[opsToCode(digitsToOps(d))] = f(k)));
      return { datasetId: 'latbench', datasetTitle: 'LatBench', column, label: column, family: 'x', values };
    };
    const rows = rankCorrelations([{ entries }, { entries: entries.slice(0, 3) }], [device('reversed', (k) => 10 - k), device('sparse', (k) => k, 4), device('same', (k) => 2 * k + 1)]);
    expect(rows.map((r) => r.device.column)).toEqual(['same', 'reversed', 'sparse']);
    expect(rows[0].rho[0]).toBeCloseTo(1, 12);
    expect(rows[1].rho[0]).toBeCloseTo(-1, 12);
    expect(rows[2].rho).toEqual([null, null]); // 4 and 3 shared cells: below the 5 needed
    expect(rows[0].n).toEqual([6, 3]);
    expect(rows[0].rho[1]).toBeNull();
  });

  it('puts the same cells side by side per backend with ratios to the first', () => {
    const wasm = [stored('333333', 8), stored('222222', 4), stored('111111', 1)];
    const webgl = [stored('333333', 4, 'webgl'), stored('222222', 2, 'webgl'), stored('444444', 3, 'webgl')];
    const rows = backendComparison([{ entries: wasm }, { entries: webgl }]);
    expect(rows.map((r) => [r.short, r.ms, r.ratio])).toEqual([
      ['s | s s | s s s', [1, null], [1, null]],
      ['c1 | c1 c1 | c1 c1 c1', [4, 2], [1, 0.5]],
      ['c3 | c3 c3 | c3 c3 c3', [8, 4], [1, 0.5]],
      ['p | p p | p p p', [null, 3], [null, null]],
    ]);
    expect(medianRatios(rows, 2)).toEqual([1, 0.5]);
  });

  it('measures repeatability on the cells measured in two runs', () => {
    const first = ['333333', '222222', '111111', '444444'].map((d, k) => stored(d, k + 1, 'wasm', { runId: 'run1' }));
    const second = ['333333', '222222', '111111', '444444'].map((d, k) => stored(d, k + 1.5, 'wasm', { runId: 'run2' }));
    expect(repeatability([...first, ...second])).toEqual({ cells: 4, spearman: 1 });
    expect(repeatability(first)).toEqual({ cells: 0, spearman: null });
    // A revised result of the same run (re-measured after a slow phase) replaces that run's first one.
    const revised = stored('444444', 0.5, 'wasm', { runId: 'run2' });
    expect(repeatability([...first, ...second, revised])).toEqual({ cells: 4, spearman: -0.2 }); // 4 vs 0.5, not 4.5 vs 0.5
    expect(repeatability([...second, revised])).toEqual({ cells: 0, spearman: null });
  });

  it("summarises the reference cell's drift robustly: spread from the IQR, trend from the first and last thirds", () => {
    expect(driftSummary([5, 5])).toBeNull();
    const steady = driftSummary([25, 5, 5, 5, 5, 5, 5, 5, 5]); // one slow outlier at the start
    expect(steady).toEqual({ medianMs: 5, spreadPct: 0, trendPct: 0 });
    const throttling = driftSummary([4, 4, 4, 5, 5, 5, 6, 6, 6])!;
    expect(throttling.trendPct).toBeCloseTo(50, 9);
    expect(throttling.spreadPct).toBeCloseTo(20, 9); // IQR 4..6 → ±1 ms on a 5 ms median
  });

  it('draws the same random connected cells for the same seed', () => {
    const connected = [...Array(N).keys()].filter((i) => isConnected(codeToOps(i)));
    const a = randomCells(7, 50, connected);
    expect(randomCells(7, 50, connected)).toEqual(a);
    expect(randomCells(8, 50, connected)).not.toEqual(a);
    expect(new Set(a).size).toBe(50);
    expect(a.every((i) => connected.includes(i))).toBe(true);
    expect(() => randomCells(1, 0, connected)).toThrow('choose between 1 and 15284 random cells, got 0');
  });

  it('draws held-out cells outside the reference set, the same for the same seed', () => {
    const connected = [...Array(N).keys()].filter((i) => isConnected(codeToOps(i)));
    const reference = connected.slice(0, 200);
    const a = heldOutCells(3, 30, connected, reference);
    expect(heldOutCells(3, 30, connected, reference)).toEqual(a);
    expect(new Set(a).size).toBe(30);
    expect(a.some((i) => reference.includes(i))).toBe(false);
    expect(a.every((i) => connected.includes(i))).toBe(true);
    expect(() => heldOutCells(3, 15_100, connected, reference)).toThrow('choose between 1 and 15084 random cells, got 15100');
  });

  it('names an exported calibrated predictor after it', () => {
    expect(calibratedFileName('wasm · Chrome 126 on X11 calibrated', 'id-1')).toBe('brp-nas-calibrated-wasm-chrome-126-on-x11-calibrated.json');
    expect(calibratedFileName('···', 'id-1')).toBe('brp-nas-calibrated-id-1.json');
  });

  it('estimates a run from earlier ones', () => {
    const run = (backend: MeasurementBackend, elapsedMs: number, measured: number): RunRecord => ({
      runId: `${backend}${elapsedMs}`,
      profileId: 'p',
      backend,
      thread: 'worker',
      wasmThreads: null,
      set: 'random',
      startedAt: 0,
      requested: measured,
      measured,
      elapsedMs,
      leakedTensors: 0,
      cancelled: false,
      error: null,
      reference: null,
      settings: { minSamples: 15, warmupMinRuns: 5, warmupMaxMs: 2000 },
    });
    expect(estimateMs(20, ['wasm'], [run('wasm', 10_000, 20)])).toEqual({ ms: 10_000, fromHistory: true });
    expect(estimateMs(20, ['wasm', 'cpu'], [run('wasm', 10_000, 20)])).toEqual({ ms: 10_000 + 20 * 4000, fromHistory: false });
  });
});
