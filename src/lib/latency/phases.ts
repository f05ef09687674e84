/**
 * Machine phases: a shared machine can run for tens of seconds at 1.5–1.8× its usual speed and then
 * recover (issue 18). A fixed probe workload timed right beside every sample shows the machine's
 * state at that moment. This module reads those probe times, finds the slow phases, and decides
 * which cells were timed in one and must be re-measured. Pure logic, no clock.
 *
 * Speed model: the machine's fast state at time t is a low quantile of the probe times within a
 * wide window around t (wider than a phase, so the quantile sees the fast state; narrow enough to
 * follow slow drift). A sample's slowdown is its probe time, smoothed over its neighbours, over
 * that baseline. A stretch of `minPhaseSamples` or more consecutive slow samples is a phase.
 */
import { quantileSorted, quartiles } from './stats.ts';

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
  /** 0 for the cell's first timing, n for its n-th re-measurement; a cell is judged on its latest. Default 0. */
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
  /** A cell is re-measured when more than this fraction of its samples fell in a slow phase. Default 0.2. */
  maxSlowFraction: number;
}

export const DEFAULT_PHASE_OPTIONS: PhaseOptions = {
  baselineQuantile: 0.1,
  baselineWindowMs: 240_000,
  slowThreshold: 0.15,
  smoothSamples: 3,
  minPhaseSamples: 3,
  maxSlowFraction: 0.2,
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
}

/** Why a cell is re-measured. */
export interface RemeasureDecision {
  cell: string;
  /** 'slow-phase': too many of its samples fell in a slow phase. */
  reason: 'slow-phase';
  /** Its samples in a slow phase, and all its samples. */
  slowSamples: number;
  samples: number;
  /** Median slowdown of the probe beside its slow samples. */
  slowdown: number;
}

export interface PhaseAnalysis {
  /** Per record, in input order: fast-state probe time, ms. */
  baselineMs: number[];
  /** Per record: smoothed probe / baseline (1 = fast state). */
  slowdown: number[];
  /** Per record: true when the sample lies in a slow phase. */
  inSlowPhase: boolean[];
  /** Per record: sample divided by its slowdown (the sample as if the machine were in its fast state), ms. */
  normalisedMs: number[];
  phases: SlowPhase[];
  /** Cells to re-measure (judged on each cell's latest attempt), in order of first appearance. */
  remeasure: RemeasureDecision[];
}

export function resolvePhaseOptions(options: Partial<PhaseOptions> = {}): PhaseOptions {
  const o = { ...DEFAULT_PHASE_OPTIONS, ...options };
  if (!(o.baselineQuantile >= 0 && o.baselineQuantile <= 1)) throw new Error(`baselineQuantile must lie in 0..1, got ${o.baselineQuantile}`);
  if (!(o.baselineWindowMs > 0)) throw new Error('baselineWindowMs must be positive');
  if (!(o.slowThreshold > 0)) throw new Error('slowThreshold must be positive');
  if (!Number.isInteger(o.smoothSamples) || o.smoothSamples < 1 || o.smoothSamples % 2 === 0) throw new Error(`smoothSamples must be an odd positive integer, got ${o.smoothSamples}`);
  if (!Number.isInteger(o.minPhaseSamples) || o.minPhaseSamples < 1) throw new Error(`minPhaseSamples must be a positive integer, got ${o.minPhaseSamples}`);
  if (!(o.maxSlowFraction >= 0 && o.maxSlowFraction < 1)) throw new Error(`maxSlowFraction must lie in 0..1, got ${o.maxSlowFraction}`);
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
    baseline[j] = quantileSorted(probe.slice(lo, hi).sort((a, b) => a - b), o.baselineQuantile);
  }

  const r = (o.smoothSamples - 1) / 2;
  const slowdown = probe.map((_, j) => {
    const window = probe.slice(Math.max(0, j - r), Math.min(n, j + r + 1)).sort((a, b) => a - b);
    return quantileSorted(window, 0.5) / baseline[j];
  });
  const slow = slowdown.map((s) => s > 1 + o.slowThreshold);

  const inPhase = new Array<boolean>(n).fill(false);
  const phases: SlowPhase[] = [];
  for (let j = 0; j < n;) {
    if (!slow[j]) { j++; continue; }
    let end = j;
    while (end + 1 < n && slow[end + 1]) end++;
    if (end - j + 1 >= o.minPhaseSamples) {
      for (let m = j; m <= end; m++) inPhase[m] = true;
      phases.push({ startMs: at[j], endMs: at[end], samples: end - j + 1, slowdown: quartiles(slowdown.slice(j, end + 1)).median });
    }
    j = end + 1;
  }

  // Back to input order.
  const out = { baselineMs: new Array<number>(n), slowdown: new Array<number>(n), inSlowPhase: new Array<boolean>(n), normalisedMs: new Array<number>(n) };
  order.forEach((i, j) => {
    out.baselineMs[i] = baseline[j];
    out.slowdown[i] = slowdown[j];
    out.inSlowPhase[i] = inPhase[j];
    out.normalisedMs[i] = records[i].sampleMs / Math.max(1, slowdown[j]);
  });

  // A cell is judged on its latest attempt: a re-measurement that ran fast clears it.
  const latest = new Map<string, number>();
  for (const rec of records) latest.set(rec.cell, Math.max(latest.get(rec.cell) ?? 0, rec.attempt ?? 0));
  const perCell = new Map<string, { samples: number; slow: number[] }>();
  records.forEach((rec, i) => {
    if ((rec.attempt ?? 0) !== latest.get(rec.cell)) return;
    const entry = perCell.get(rec.cell) ?? { samples: 0, slow: [] };
    entry.samples++;
    if (out.inSlowPhase[i]) entry.slow.push(out.slowdown[i]);
    perCell.set(rec.cell, entry);
  });
  const remeasure: RemeasureDecision[] = [];
  for (const [cell, { samples, slow: slowOnes }] of perCell) {
    if (slowOnes.length > o.maxSlowFraction * samples) {
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

/** One line for the view: "2 slow phases (1.7× for 45 s, …); re-measured 6 cells". */
export function describeDisturbance(phases: readonly SlowPhase[], remeasured: number): string {
  if (phases.length === 0) return 'no slow phases seen';
  const list = phases.slice(0, 3).map((p) => `${p.slowdown.toFixed(1)}× for ${((p.endMs - p.startMs) / 1000).toFixed(0)} s`).join(', ');
  const more = phases.length > 3 ? `, +${phases.length - 3} more` : '';
  const cells = remeasured === 1 ? '1 cell' : `${remeasured} cells`;
  return `${phases.length} slow phase${phases.length === 1 ? '' : 's'} (${list}${more}); re-measured ${cells}`;
}
