/**
 * Machine phases: a shared machine can run for tens of seconds at 1.5–1.8× its usual speed and then
 * recover (issue 18). This module reads the machine's speed over a run from the samples themselves,
 * finds the slow phases, and decides which cells were timed in one and must be re-measured. Pure
 * logic, no clock.
 *
 * Speed model: a sample's log time is its cell's level plus the machine's (log) slowdown at that
 * moment. Cells are sampled round-robin, so every stretch of a few seconds holds samples of many
 * cells, and a two-way polish separates the two: each cell's level is its fastest sample less the
 * slowdown (the fastest, so that a cell with most samples in a slow phase still gets its fast
 * level), the slowdown a running median over consecutive samples of their time less their cell's
 * level. Only a phase that leaves cells fast samples elsewhere in the run shows: one over a whole
 * run (or a whole group of cells) is for the reference cell against earlier runs (profiler.ts) and
 * the level anchors (level-correction.ts). The machine's fast state is a low quantile of that
 * slowdown within a wide window. The networks measure the machine themselves: a separate probe workload read a different
 * slowdown than they felt (bench-results/latency-experiments/README.md, session 17). Slow stretches
 * closer than `mergeGapMs` are one phase; a phase needs `minPhaseSamples` samples and `minPhaseMs`.
 */
import { quantileSorted, quartiles } from './stats.ts';

/** One timed sample of a cell. */
export interface SampleRecord {
  /** The cell's key (arch string). */
  cell: string;
  /** When the sample was taken, ms since the run started. */
  atMs: number;
  /** Per-inference latency of the sample, ms. */
  sampleMs: number;
  /** 0 for the cell's first timing, n for its n-th re-measurement. Default 0. */
  attempt?: number;
}

export interface PhaseOptions {
  /** Quantile of the machine's slowdown over the window that stands for its fast state (0–1). Default 0.1. */
  baselineQuantile: number;
  /** Width of the window (centred on each sample) the baseline quantile is taken over, ms. Default 240,000. */
  baselineWindowMs: number;
  /** A sample is slow when the machine's slowdown beside it exceeds the fast state by more than this fraction. Default 0.25. */
  slowThreshold: number;
  /** The slowdown is a running median over this many consecutive samples (odd). Default 15. */
  smoothSamples: number;
  /** A slow stretch counts as a phase from this many consecutive samples. Default 3. */
  minPhaseSamples: number;
  /** Slow stretches separated by at most this long are one phase, ms. Default 2,000. */
  mergeGapMs: number;
  /** A phase (after merging) lasts at least this long, ms: shorter stretches are blips, neither reported nor left out. Default 1,000. */
  minPhaseMs: number;
  /**
   * A cell is re-measured while fewer than this many of its samples (all attempts) lie outside slow
   * phases. Default 3: a cell's latency is a low quantile of its samples, which a few samples at the
   * fast state already give.
   */
  minFastSamples: number;
}

export const DEFAULT_PHASE_OPTIONS: PhaseOptions = {
  baselineQuantile: 0.1,
  baselineWindowMs: 240_000,
  slowThreshold: 0.25,
  smoothSamples: 15,
  minPhaseSamples: 3,
  mergeGapMs: 2_000,
  minPhaseMs: 1_000,
  minFastSamples: 3,
};

/** Rounds of the polish: the levels and the slowdown settle after two or three. */
const POLISH_ROUNDS = 3;
/** Samples that share one reading of the fast state. */
const BASELINE_STRIDE = 32;

/** A stretch of time the machine ran slow. */
export interface SlowPhase {
  /** First and last sample stamps in the phase, ms since the run started. */
  startMs: number;
  endMs: number;
  /** Samples taken in it. */
  samples: number;
  /** Median slowdown of the machine over the phase (1.6 = the networks took 1.6× their fast-state time). */
  slowdown: number;
  /** 90th percentile of the single samples' slowdown in it (a sample over its cell's level): how slow the slowest were. */
  peakSlowdown: number;
}

/** Why a cell is re-measured. */
export interface RemeasureDecision {
  cell: string;
  /**
   * 'slow-phase': too few of its samples lie outside slow phases; 'slow-run': the whole run was
   * slow against the fast state of earlier runs (profiler.ts), which its samples alone cannot show.
   */
  reason: 'slow-phase' | 'slow-run';
  /** Its samples in a slow phase, and all its samples (every attempt). */
  slowSamples: number;
  samples: number;
  /** Median slowdown of the machine beside its slow samples. */
  slowdown: number;
}

export interface PhaseAnalysis {
  /** Per record, in input order: the machine's slowdown beside it (1 = fast state). */
  slowdown: number[];
  /** Per record: true when the sample lies in a slow phase. */
  inSlowPhase: boolean[];
  phases: SlowPhase[];
  /** Cells to re-measure (fewer than `minFastSamples` samples outside slow phases over all attempts), in order of first appearance. */
  remeasure: RemeasureDecision[];
}

export function resolvePhaseOptions(options: Partial<PhaseOptions> = {}): PhaseOptions {
  const o = { ...DEFAULT_PHASE_OPTIONS, ...options };
  if (!(o.baselineQuantile >= 0 && o.baselineQuantile <= 1)) throw new Error(`baselineQuantile must lie in 0..1, got ${o.baselineQuantile}`);
  if (!(o.baselineWindowMs > 0)) throw new Error('baselineWindowMs must be positive');
  if (!(o.slowThreshold > 0)) throw new Error('slowThreshold must be positive');
  if (!Number.isInteger(o.smoothSamples) || o.smoothSamples < 1 || o.smoothSamples % 2 === 0) throw new Error(`smoothSamples must be an odd positive integer, got ${o.smoothSamples}`);
  if (!Number.isInteger(o.minPhaseSamples) || o.minPhaseSamples < 1) throw new Error(`minPhaseSamples must be a positive integer, got ${o.minPhaseSamples}`);
  if (!(o.mergeGapMs >= 0)) throw new Error('mergeGapMs must be ≥ 0');
  if (!(o.minPhaseMs >= 0)) throw new Error('minPhaseMs must be ≥ 0');
  if (!Number.isInteger(o.minFastSamples) || o.minFastSamples < 1) throw new Error(`minFastSamples must be a positive integer, got ${o.minFastSamples}`);
  return o;
}

const medianOf = (values: number[]) =>
  quantileSorted(
    values.sort((a, b) => a - b),
    0.5,
  );

/**
 * The machine's log slowdown beside each sample (time order) by a polish over cells and time,
 * and each sample's own log excess over its cell's level, both before the fast state is taken out.
 */
function polish(cells: readonly string[], logMs: readonly number[], smoothSamples: number): { speed: number[]; excess: number[] } {
  const n = logMs.length;
  const r = (smoothSamples - 1) / 2;
  let speed = new Array<number>(n).fill(0);
  let excess = new Array<number>(n).fill(0);
  for (let round = 0; round < POLISH_ROUNDS; round++) {
    const perCell = new Map<string, number[]>();
    cells.forEach((c, j) => {
      const mine = perCell.get(c) ?? [];
      mine.push(logMs[j] - speed[j]);
      perCell.set(c, mine);
    });
    const level = new Map([...perCell].map(([c, v]) => [c, Math.min(...v)]));
    excess = logMs.map((l, j) => l - level.get(cells[j])!);
    speed = excess.map((_, j) => medianOf(excess.slice(Math.max(0, j - r), Math.min(n, j + r + 1))));
  }
  return { speed, excess };
}

/** Reads the machine's speed over a run from its samples: its slow phases, and the cells to re-measure. */
export function analysePhases(records: readonly SampleRecord[], options: Partial<PhaseOptions> = {}): PhaseAnalysis {
  const o = resolvePhaseOptions(options);
  for (const r of records) {
    if (!(r.sampleMs > 0) || !Number.isFinite(r.sampleMs) || !Number.isFinite(r.atMs)) throw new Error(`a sample record needs a positive time and a finite stamp (${r.cell} at ${r.atMs} ms)`);
  }
  // Records may arrive in any order (a re-measurement appends later samples); work in time order.
  const order = records.map((_, i) => i).sort((a, b) => records[a].atMs - records[b].atMs);
  const n = order.length;
  const at = order.map((i) => records[i].atMs);
  const { speed, excess } = polish(
    order.map((i) => records[i].cell),
    order.map((i) => Math.log(records[i].sampleMs)),
    o.smoothSamples,
  );

  // The fast state around each sample: a low quantile of the speed within the wide window. It moves
  // slowly, so it is taken afresh every BASELINE_STRIDE samples (a long run stays linear-ish).
  const baseline = new Array<number>(n);
  let lo = 0;
  let hi = 0;
  const half = o.baselineWindowMs / 2;
  for (let j = 0; j < n; j++) {
    if (j % BASELINE_STRIDE !== 0) {
      baseline[j] = baseline[j - 1];
      continue;
    }
    while (at[lo] < at[j] - half) lo++;
    while (hi < n && at[hi] <= at[j] + half) hi++;
    baseline[j] = quantileSorted(
      speed.slice(lo, hi).sort((a, b) => a - b),
      o.baselineQuantile,
    );
  }
  const slowdown = speed.map((s, j) => Math.exp(s - baseline[j]));
  const ratio = excess.map((e, j) => Math.exp(e - baseline[j]));
  const slow = slowdown.map((s) => s > 1 + o.slowThreshold);

  // Stretches of slow samples; those closer than mergeGapMs become one.
  const stretches: [number, number][] = [];
  for (let j = 0; j < n;) {
    if (!slow[j]) {
      j++;
      continue;
    }
    let end = j;
    while (end + 1 < n && slow[end + 1]) end++;
    stretches.push([j, end]);
    j = end + 1;
  }
  const merged: [number, number][][] = [];
  for (const stretch of stretches) {
    const last = merged.at(-1);
    if (last && at[stretch[0]] - at[last.at(-1)![1]] <= o.mergeGapMs) last.push(stretch);
    else merged.push([stretch]);
  }
  const inPhase = new Array<boolean>(n).fill(false);
  const phases: SlowPhase[] = [];
  /** The stretch from sample j to end as a phase, or null when it is too short or not slow as a whole. */
  const asPhase = (j: number, end: number): SlowPhase | null => {
    if (end - j + 1 < o.minPhaseSamples || at[end] - at[j] < o.minPhaseMs) return null;
    const phase: SlowPhase = {
      startMs: at[j],
      endMs: at[end],
      samples: end - j + 1,
      slowdown: quartiles(slowdown.slice(j, end + 1)).median,
      peakSlowdown: quantileSorted(
        ratio.slice(j, end + 1).sort((a, b) => a - b),
        0.9,
      ),
    };
    return phase.slowdown > 1 + o.slowThreshold ? phase : null;
  };
  for (const group of merged) {
    const first = group[0][0];
    const last = group.at(-1)![1];
    const whole = asPhase(first, last);
    // Blips chained across a quiet stretch are not slow as a whole; a real phase among them still counts on its own.
    const found = whole
      ? [{ j: first, end: last, phase: whole }]
      : group.flatMap(([j, end]) => {
          const phase = asPhase(j, end);
          return phase ? [{ j, end, phase }] : [];
        });
    for (const { j, end, phase } of found) {
      for (let m = j; m <= end; m++) inPhase[m] = true;
      phases.push(phase);
    }
  }

  // Back to input order.
  const out = { slowdown: new Array<number>(n), inSlowPhase: new Array<boolean>(n) };
  order.forEach((i, j) => {
    out.slowdown[i] = slowdown[j];
    out.inSlowPhase[i] = inPhase[j];
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
 * The records a cell keeps once phases are known: those outside slow phases, and any faster than
 * all of those (a slow phase only adds time, so such a sample was timed in a fast moment that the
 * running median smoothed over; the cell's fastest sample is its latency, stats.ts). With fewer than
 * `minKeep` outside slow phases, all of them: a cell timed wholly in a slow phase still gets a number.
 */
export function keptSamples<R extends SampleRecord>(records: readonly R[], analysis: Pick<PhaseAnalysis, 'inSlowPhase'>, cell: string, minKeep: number): R[] {
  const mine = records.map((r, i) => ({ r, slow: analysis.inSlowPhase[i] })).filter(({ r }) => r.cell === cell);
  const fast = mine.filter(({ slow }) => !slow);
  if (fast.length < minKeep) return mine.map(({ r }) => r);
  const fastestOutside = Math.min(...fast.map(({ r }) => r.sampleMs));
  return mine.filter(({ r, slow }) => !slow || r.sampleMs < fastestOutside).map(({ r }) => r);
}

/**
 * One line for the view, the phases summarised rather than listed: "the machine ran slow for 41 s
 * in 2 stretches (networks 1.7× slower, up to 2.9×); re-measured 14 cells, after waiting 12 s for
 * it to settle" (or "no cell needed re-measuring", every cell kept enough samples outside them);
 * with `stillSlow` cells left as timed, "; 9 cells not re-measured: the machine was still slow
 * after waiting 30 s".
 */
export function describeDisturbance(phases: readonly SlowPhase[], remeasured: number, waitedMs = 0, stillSlow = 0): string {
  if (phases.length === 0 && remeasured + stillSlow === 0) return 'no slow phases seen';
  const cells = (n: number) => (n === 1 ? '1 cell' : `${n} cells`);
  const waitedS = `${(waitedMs / 1000).toFixed(0)} s`;
  const waited = remeasured > 0 && waitedMs >= 1000 ? `, after waiting ${waitedS} for it to settle` : '';
  const done = remeasured > 0 ? `re-measured ${cells(remeasured)}${waited}` : stillSlow === 0 ? 'no cell needed re-measuring' : '';
  const left = stillSlow > 0 ? `${cells(stillSlow)} not re-measured: the machine was still slow${waitedMs >= 1000 ? ` after waiting ${waitedS}` : ''}` : '';
  const actions = [done, left].filter(Boolean).join('; ');
  // Cells due although the samples show no phase: the whole run was slow (profiler.ts says so beside this).
  if (phases.length === 0) return actions;
  const seconds = phases.reduce((sum, p) => sum + (p.endMs - p.startMs), 0) / 1000;
  const peak = Math.max(...phases.map((p) => p.peakSlowdown));
  const samples = phases.reduce((sum, p) => sum + p.samples, 0);
  const typical = phases.reduce((sum, p) => sum + p.slowdown * p.samples, 0) / samples;
  const stretches = phases.length === 1 ? '1 stretch' : `${phases.length} stretches`;
  return `the machine ran slow for ${seconds.toFixed(0)} s in ${stretches} (networks ${typical.toFixed(1)}× slower, up to ${peak.toFixed(1)}×); ${actions}`;
}
