/**
 * What the profiler (profiler.ts) reports, built from what it timed: a cell's measurement, its
 * revision once the machine's slow phases are known, and the run's disturbance report. Pure logic.
 */
import { describeDisturbance, keptSamples, type PhaseAnalysis, type RemeasureDecision, type SampleRecord } from './phases.ts';
import type { CellMeasurement, DisturbanceReport, DriftPoint } from './profiler-types.ts';
import { describeSlowReference, describeSlowRun, slowReferenceMs, type SlowRun } from './reference-speed.ts';
import { quartiles } from './stats.ts';

/** A cell being measured: its model and everything timed of it so far. */
export interface Prepared<M> extends Pick<CellMeasurement, 'ops' | 'archStr' | 'buildMs' | 'coldMs' | 'k' | 'warmupRuns' | 'warmupStable' | 'samples'> {
  model: M;
  /** Stamp of each sample, ms since the run started. */
  atMs: number[];
  discarded: number;
  /** 0 for the first timing, n for the n-th re-measurement. */
  attempt: number;
}

/** The cell's measurement from all its samples. */
export function measurementOf(cell: Omit<Prepared<unknown>, 'model' | 'attempt'>, backend: string): CellMeasurement {
  const { q1, median, q3, iqr } = quartiles(cell.samples);
  return {
    ops: cell.ops,
    archStr: cell.archStr,
    backend,
    buildMs: cell.buildMs,
    coldMs: cell.coldMs,
    k: cell.k,
    warmupRuns: cell.warmupRuns,
    warmupStable: cell.warmupStable,
    samples: cell.samples,
    medianMs: median,
    q1Ms: q1,
    q3Ms: q3,
    iqrMs: iqr,
    discardedHidden: cell.discarded,
    sampleAtMs: cell.atMs,
    slowPhaseSamples: 0,
    remeasured: null,
    revised: false,
  };
}

/**
 * The results that change once the run's slow phases are known: each cell keeps the samples
 * `keptSamples` gives it (those from outside them, and any faster), and a re-measured cell says why it was.
 */
export function revisedResults(
  results: readonly CellMeasurement[],
  records: readonly SampleRecord[],
  analysis: PhaseAnalysis,
  minFastSamples: number,
  decisions: readonly RemeasureDecision[],
): { index: number; revised: CellMeasurement }[] {
  const lastDecision = new Map(decisions.map((d) => [d.cell, d]));
  return results.flatMap((old, index) => {
    const all = records.filter((r) => r.cell === old.archStr);
    const kept = keptSamples(records, analysis, old.archStr, minFastSamples);
    const rebuilt = lastDecision.get(old.archStr) ?? null;
    if (!rebuilt && kept.length === old.samples.length) return [];
    return [{ index, revised: revisedMeasurement(old, kept, all.length - kept.length, rebuilt ?? old.remeasured) }];
  });
}

/** A measurement again, from the samples it keeps once slow phases are known (`left` were left out). */
function revisedMeasurement(old: CellMeasurement, kept: readonly SampleRecord[], left: number, remeasured: RemeasureDecision | null): CellMeasurement {
  const samples = kept.map((r) => r.sampleMs);
  const { q1, median, q3, iqr } = quartiles(samples);
  return {
    ...old,
    samples,
    sampleAtMs: kept.map((r) => r.atMs),
    medianMs: median,
    q1Ms: q1,
    q3Ms: q3,
    iqrMs: iqr,
    slowPhaseSamples: left,
    remeasured,
    revised: true,
  };
}

interface DisturbanceInput {
  /** Every sample of the run, and the phases read from them. */
  records: readonly SampleRecord[];
  analysis: PhaseAnalysis;
  /** Cells built and timed again because of a slow phase. */
  decisions: readonly RemeasureDecision[];
  /** Cells due for re-measuring that kept their samples: the machine was still slow when the wait budget ran out. */
  stillSlow: readonly RemeasureDecision[];
  rounds: number;
  waitedMs: number;
  /** The reference cell's timings (null without a reference) and its fast-state time, ms. */
  referenceSeries: readonly DriftPoint[] | null;
  referenceFastMs: number;
  slowReferenceThreshold: number;
  /** The run slow as a whole against earlier runs (null: it was not, or nothing to compare with). */
  slowRun: SlowRun | null;
}

/** What the samples and the reference cell showed of the machine over the run, and what the profiler did about it. */
export function disturbanceReport(input: DisturbanceInput): DisturbanceReport {
  const { analysis } = input;
  const rebuilt = new Set(input.decisions.map((d) => d.cell)).size;
  const referenceSlow = input.referenceSeries ? slowReferenceMs(input.referenceSeries, input.referenceFastMs, input.slowReferenceThreshold) : 0;
  const stillSlow = new Set(input.stillSlow.map((d) => d.cell)).size;
  const phases = describeDisturbance(analysis.phases, rebuilt, input.waitedMs, stillSlow);
  const reference = describeSlowReference(referenceSlow, input.slowReferenceThreshold);
  const wholeRun = input.slowRun ? describeSlowRun(input.slowRun) : '';
  // "No slow phases seen" only when nothing else is said.
  const nothingSeen = analysis.phases.length === 0 && rebuilt + stillSlow === 0 && Boolean(wholeRun || reference);
  return {
    phases: analysis.phases,
    remeasured: [...input.decisions],
    stillSlow: [...input.stillSlow],
    rounds: input.rounds,
    waitedMs: input.waitedMs,
    referenceSlowMs: referenceSlow,
    referenceFastMs: input.referenceFastMs,
    slowRun: input.slowRun,
    summary: [wholeRun, nothingSeen ? '' : phases, reference].filter(Boolean).join('; '),
    timeline: input.records.map((r, i) => ({
      cell: r.cell,
      atMs: r.atMs,
      sampleMs: r.sampleMs,
      slowdown: analysis.slowdown[i],
      slow: analysis.inSlowPhase[i],
    })),
  };
}
