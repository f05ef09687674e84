/**
 * Machine phases: a shared machine can run for tens of seconds at 1.5–1.8× its usual speed and then
 * recover (issue 18). A fixed probe workload timed right beside every sample shows the machine's
 * state at that moment. This module reads those probe times, finds the slow phases, and decides
 * which cells were timed in one and must be re-measured. Pure logic, no clock.
 *
 * Speed model: the machine's fast state at time t is a low quantile of the probe times within a
 * wide window around t (wider than a phase, so the quantile sees the fast state; narrow enough to
 * follow slow drift). A sample's slowdown is its probe time, smoothed over its neighbours, over
 * that baseline. A sample is slow when that smoothed slowdown is high (a machine slowed as a
 * whole), or when many probes within a few seconds of it were delayed (a machine shared with
 * other busy threads: a short probe often slips between time slices while a longer sample does
 * not, so one probe says little but the share of delayed ones says much). Slow stretches closer
 * than `mergeGapMs` are one phase; a phase needs `minPhaseSamples` samples and `minPhaseMs`.
 */
import { median, quantileSorted, quartiles } from './stats.ts';

/** One timed sample and the probe timed right beside it. */
export interface SampleRecord {
  /** The cell's key (arch string). */
  cell: string;
  /** When the sample was taken, ms since the run started. */
  atMs: number;
  /** Per-inference latency of the sample, ms. */
  sampleMs: number;
  /** Time of the fixed probe workload beside it, ms. */
  probeMs: number;
  /** 0 for the cell's first timing, n for its n-th re-measurement. Default 0. */
  attempt?: number;
}

export interface PhaseOptions {
  /** Quantile of the probe times that stands for the machine's fast state (0–1). Default 0.1. */
  baselineQuantile: number;
  /** Width of the window (centred on each sample) the baseline quantile is taken over, ms. Default 240,000. */
  baselineWindowMs: number;
  /** A sample is slow when its smoothed probe exceeds the baseline by more than this fraction. Default 0.15. */
  slowThreshold: number;
  /** Probes smoothed by a running median over this many consecutive samples (odd). Default 3. */
  smoothSamples: number;
  /** A slow stretch counts as a phase from this many consecutive samples. Default 3. */
  minPhaseSamples: number;
  /** A probe above its baseline by more than this fraction counts as delayed. Default 0.3. */
  spikeThreshold: number;
  /** Width of the window (centred on each sample) the share of delayed probes is taken over, ms. Default 4,000. */
  busyWindowMs: number;
  /** A sample is slow when more than this share of the probes in its window were delayed. Default 0.1. */
  busyFraction: number;
  /** Slow stretches separated by at most this long are one phase, ms. Default 5,000. */
  mergeGapMs: number;
  /** A phase (after merging) lasts at least this long, ms: shorter stretches are blips, neither reported nor left out. Default 1,000. */
  minPhaseMs: number;
  /** A cell is re-measured while fewer than this many of its samples (all attempts) lie outside slow phases. Default 8. */
  minFastSamples: number;
}

export const DEFAULT_PHASE_OPTIONS: PhaseOptions = {
  baselineQuantile: 0.1,
  baselineWindowMs: 240_000,
  slowThreshold: 0.15,
  smoothSamples: 3,
  minPhaseSamples: 3,
  spikeThreshold: 0.3,
  busyWindowMs: 4_000,
  busyFraction: 0.1,
  mergeGapMs: 5_000,
  minPhaseMs: 1_000,
  minFastSamples: 8,
};

/** A stretch of time the machine ran slow. */
export interface SlowPhase {
  /** First and last sample stamps in the phase, ms since the run started. */
  startMs: number;
  endMs: number;
  /** Samples taken in it. */
  samples: number;
  /** Median probe slowdown over the phase (1.6 = the probe took 1.6× its fast-state time). */
  slowdown: number;
  /** 90th percentile of the single probes' slowdown in it: how slow the delayed ones were. */
  peakSlowdown: number;
  /** Share of its probes that were delayed (above the spike threshold). */
  delayedShare: number;
}

/** Why a cell is re-measured. */
export interface RemeasureDecision {
  cell: string;
  /**
   * 'slow-phase': too few of its samples lie outside slow phases (it was built and timed again);
   * 'slow-inference': too few were timed while the reference cell ran at its fast state (it got more samples, still built).
   */
  reason: 'slow-phase' | 'slow-inference';
  /** Its samples in a slow phase, and all its samples (every attempt). */
  slowSamples: number;
  samples: number;
  /** Median slowdown of the probe (or, for 'slow-inference', of the reference cell) beside its slow samples. */
  slowdown: number;
}

interface PhaseAnalysis {
  /** Per record, in input order: fast-state probe time, ms. */
  baselineMs: number[];
  /** Per record: smoothed probe / baseline (1 = fast state). */
  slowdown: number[];
  /** Per record: true when the sample lies in a slow phase. */
  inSlowPhase: boolean[];
  /** Per record: sample divided by its slowdown (the sample as if the machine were in its fast state), ms. */
  normalisedMs: number[];
  phases: SlowPhase[];
  /** Cells to re-measure (fewer than `minFastSamples` samples outside slow phases over all attempts), in order of first appearance. */
  remeasure: RemeasureDecision[];
}

/** The probe's fast state over a run's records: their `baselineQuantile`, ms. */
export function fastProbeMs(records: readonly Pick<SampleRecord, 'probeMs'>[], o: Pick<PhaseOptions, 'baselineQuantile'>): number {
  return quantileSorted(
    records.map((r) => r.probeMs).sort((a, b) => a - b),
    o.baselineQuantile,
  );
}

/**
 * Whether a burst of probes timed back to back looks like the machine's fast state, by the rule a
 * phase is judged with: their median within `slowThreshold` of `fastMs`, and no more than
 * `busyFraction` of them delayed past `spikeThreshold`.
 */
export function quietBurst(burst: readonly number[], fastMs: number, o: Pick<PhaseOptions, 'slowThreshold' | 'spikeThreshold' | 'busyFraction'>): boolean {
  return median(burst) <= fastMs * (1 + o.slowThreshold) && burst.filter((p) => p > fastMs * (1 + o.spikeThreshold)).length <= o.busyFraction * burst.length;
}

export function resolvePhaseOptions(options: Partial<PhaseOptions> = {}): PhaseOptions {
  const o = { ...DEFAULT_PHASE_OPTIONS, ...options };
  if (!(o.baselineQuantile >= 0 && o.baselineQuantile <= 1)) throw new Error(`baselineQuantile must lie in 0..1, got ${o.baselineQuantile}`);
  if (!(o.baselineWindowMs > 0)) throw new Error('baselineWindowMs must be positive');
  if (!(o.slowThreshold > 0)) throw new Error('slowThreshold must be positive');
  if (!Number.isInteger(o.smoothSamples) || o.smoothSamples < 1 || o.smoothSamples % 2 === 0) throw new Error(`smoothSamples must be an odd positive integer, got ${o.smoothSamples}`);
  if (!Number.isInteger(o.minPhaseSamples) || o.minPhaseSamples < 1) throw new Error(`minPhaseSamples must be a positive integer, got ${o.minPhaseSamples}`);
  if (!(o.spikeThreshold > 0)) throw new Error('spikeThreshold must be positive');
  if (!(o.busyWindowMs > 0)) throw new Error('busyWindowMs must be positive');
  if (!(o.busyFraction >= 0 && o.busyFraction < 1)) throw new Error(`busyFraction must lie in 0..1, got ${o.busyFraction}`);
  if (!(o.mergeGapMs >= 0)) throw new Error('mergeGapMs must be ≥ 0');
  if (!(o.minPhaseMs >= 0)) throw new Error('minPhaseMs must be ≥ 0');
  if (!Number.isInteger(o.minFastSamples) || o.minFastSamples < 1) throw new Error(`minFastSamples must be a positive integer, got ${o.minFastSamples}`);
  return o;
}

/** Reads the probe beside every sample: the machine's speed over time, its slow phases, and the cells to re-measure. */
export function analysePhases(records: readonly SampleRecord[], options: Partial<PhaseOptions> = {}): PhaseAnalysis {
  const o = resolvePhaseOptions(options);
  for (const r of records) {
    if (!(r.probeMs > 0) || !Number.isFinite(r.sampleMs) || !Number.isFinite(r.atMs)) throw new Error(`a sample record needs a positive probe time and finite times (${r.cell} at ${r.atMs} ms)`);
  }
  // Records may arrive in any order (a re-measurement appends later samples); work in time order.
  const order = records.map((_, i) => i).sort((a, b) => records[a].atMs - records[b].atMs);
  const n = order.length;
  const at = order.map((i) => records[i].atMs);
  const probe = order.map((i) => records[i].probeMs);

  const baseline = new Array<number>(n);
  let lo = 0;
  let hi = 0;
  const half = o.baselineWindowMs / 2;
  for (let j = 0; j < n; j++) {
    while (at[lo] < at[j] - half) lo++;
    while (hi < n && at[hi] <= at[j] + half) hi++;
    baseline[j] = quantileSorted(
      probe.slice(lo, hi).sort((a, b) => a - b),
      o.baselineQuantile,
    );
  }

  const r = (o.smoothSamples - 1) / 2;
  const slowdown = probe.map((_, j) => {
    const window = probe.slice(Math.max(0, j - r), Math.min(n, j + r + 1)).sort((a, b) => a - b);
    return quantileSorted(window, 0.5) / baseline[j];
  });
  const ratio = probe.map((p, j) => p / baseline[j]);
  const delayed = ratio.map((x) => x > 1 + o.spikeThreshold);
  // Share of delayed probes in the half-windows before and after each sample (prefix counts over
  // the time order). Both halves must be busy, so a phase's edges stay where the delays start and
  // stop; the window must hold at least minPhaseSamples delayed probes, so a lone blip is no phase.
  const prefix = [0];
  delayed.forEach((d, j) => prefix.push(prefix[j] + (d ? 1 : 0)));
  const wHalf = o.busyWindowMs / 2;
  const busy = new Array<boolean>(n);
  let wLo = 0;
  let wHi = 0;
  for (let j = 0; j < n; j++) {
    while (at[wLo] < at[j] - wHalf) wLo++;
    while (wHi < n && at[wHi] <= at[j] + wHalf) wHi++;
    const before = (prefix[j + 1] - prefix[wLo]) / (j + 1 - wLo);
    const after = (prefix[wHi] - prefix[j]) / (wHi - j);
    busy[j] = before > o.busyFraction && after > o.busyFraction && prefix[wHi] - prefix[wLo] >= o.minPhaseSamples;
  }
  const slow = slowdown.map((s, j) => s > 1 + o.slowThreshold || busy[j]);

  // Stretches of slow samples; those closer than mergeGapMs become one.
  const stretches: [number, number][] = [];
  for (let j = 0; j < n;) {
    if (!slow[j]) {
      j++;
      continue;
    }
    let end = j;
    while (end + 1 < n && slow[end + 1]) end++;
    const last = stretches.at(-1);
    if (last && at[j] - at[last[1]] <= o.mergeGapMs) last[1] = end;
    else stretches.push([j, end]);
    j = end + 1;
  }
  const inPhase = new Array<boolean>(n).fill(false);
  const phases: SlowPhase[] = [];
  for (const [j, end] of stretches) {
    if (end - j + 1 < o.minPhaseSamples || at[end] - at[j] < o.minPhaseMs) continue;
    const raw = ratio.slice(j, end + 1);
    const phase: SlowPhase = {
      startMs: at[j],
      endMs: at[end],
      samples: end - j + 1,
      slowdown: quartiles(slowdown.slice(j, end + 1)).median,
      peakSlowdown: quantileSorted(
        [...raw].sort((a, b) => a - b),
        0.9,
      ),
      delayedShare: delayed.slice(j, end + 1).filter(Boolean).length / raw.length,
    };
    // Merged blips that are not slow as a whole (neither slow throughout nor often delayed) are no phase.
    if (phase.slowdown <= 1 + o.slowThreshold && phase.delayedShare <= o.busyFraction) continue;
    for (let m = j; m <= end; m++) inPhase[m] = true;
    phases.push(phase);
  }

  // Back to input order.
  const out = { baselineMs: new Array<number>(n), slowdown: new Array<number>(n), inSlowPhase: new Array<boolean>(n), normalisedMs: new Array<number>(n) };
  order.forEach((i, j) => {
    out.baselineMs[i] = baseline[j];
    out.slowdown[i] = slowdown[j];
    out.inSlowPhase[i] = inPhase[j];
    out.normalisedMs[i] = records[i].sampleMs / Math.max(1, slowdown[j]);
  });

  // A cell is judged on all its samples: a re-measurement adds fast ones until it has enough.
  const perCell = new Map<string, { samples: number; slow: number[] }>();
  records.forEach((rec, i) => {
    const entry = perCell.get(rec.cell) ?? { samples: 0, slow: [] };
    entry.samples++;
    if (out.inSlowPhase[i]) entry.slow.push(out.slowdown[i]);
    perCell.set(rec.cell, entry);
  });
  const remeasure: RemeasureDecision[] = [];
  for (const [cell, { samples, slow: slowOnes }] of perCell) {
    if (slowOnes.length > 0 && samples - slowOnes.length < o.minFastSamples) {
      remeasure.push({ cell, reason: 'slow-phase', slowSamples: slowOnes.length, samples, slowdown: quartiles(slowOnes).median });
    }
  }
  return { ...out, phases, remeasure };
}

/**
 * The records a cell keeps once phases are known: those outside slow phases, when at least
 * `minKeep` of them exist; otherwise all of them (a cell timed wholly in a slow phase still gets a number).
 */
export function keptSamples<R extends SampleRecord>(records: readonly R[], analysis: Pick<PhaseAnalysis, 'inSlowPhase'>, cell: string, minKeep: number): R[] {
  const mine = records.map((r, i) => ({ r, slow: analysis.inSlowPhase[i] })).filter(({ r }) => r.cell === cell);
  const fast = mine.filter(({ slow }) => !slow).map(({ r }) => r);
  return fast.length >= minKeep ? fast : mine.map(({ r }) => r);
}

/**
 * The fixed probe workload: integer mixing in a plain loop, no allocation, about 2–4 ms in V8 at
 * the default size. Returns a checksum so the loop cannot be optimised away.
 */
export function probeWorkload(iterations = 1_000_000): number {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/**
 * One line for the view, the phases summarised rather than listed: "the machine ran slow for 41 s
 * in 2 stretches (probes 1.7× slower, up to 1.9×); re-measured 14 cells, after waiting 12 s for it
 * to settle", or, on a machine shared with busy threads, "(31 % of probes delayed, up to 4.0×)";
 * with `stillSlow` cells left as timed, "; 9 cells not re-measured: the machine was still slow
 * after waiting 30 s".
 */
export function describeDisturbance(phases: readonly SlowPhase[], remeasured: number, waitedMs = 0, slowThreshold = DEFAULT_PHASE_OPTIONS.slowThreshold, stillSlow = 0): string {
  if (phases.length === 0) return 'no slow phases seen';
  const seconds = phases.reduce((sum, p) => sum + (p.endMs - p.startMs), 0) / 1000;
  const peak = Math.max(...phases.map((p) => p.peakSlowdown));
  const samples = phases.reduce((sum, p) => sum + p.samples, 0);
  const typical = phases.reduce((sum, p) => sum + p.slowdown * p.samples, 0) / samples;
  const share = phases.reduce((sum, p) => sum + p.delayedShare * p.samples, 0) / samples;
  const how = typical > 1 + slowThreshold ? `probes ${typical.toFixed(1)}× slower, up to ${peak.toFixed(1)}×` : `${(share * 100).toFixed(0)} % of probes delayed, up to ${peak.toFixed(1)}×`;
  const stretches = phases.length === 1 ? '1 stretch' : `${phases.length} stretches`;
  const cells = (n: number) => (n === 1 ? '1 cell' : `${n} cells`);
  const waitedS = `${(waitedMs / 1000).toFixed(0)} s`;
  const waited = remeasured > 0 && waitedMs >= 1000 ? `, after waiting ${waitedS} for it to settle` : '';
  const done = remeasured > 0 || stillSlow === 0 ? `re-measured ${cells(remeasured)}${waited}` : '';
  const left = stillSlow > 0 ? `${cells(stillSlow)} not re-measured: the machine was still slow${waitedMs >= 1000 ? ` after waiting ${waitedS}` : ''}` : '';
  return `the machine ran slow for ${seconds.toFixed(0)} s in ${stretches} (${how}); ${[done, left].filter(Boolean).join('; ')}`;
}
