/**
 * Reading every run of a device profile at one machine level (issue 18).
 *
 * A shared machine or a laptop can run a whole pass 5-15 % slower than the next (a power state, a
 * neighbour on the host): too long for the profiler's extra samples, too mild for its 20 % slow
 * threshold, and every cell of the run moves by about the same factor. Two estimates of a run's level:
 * - `reference`: the drift reference cell, timed throughout each run; its fast state (the 10 %
 *   quantile of those timings) against the profile's median of it.
 * - `anchors`: a few fixed cells (`levelAnchors`, from the reference set) that every run times like
 *   its other cells; the run's level is the median over them of the cell's latency in this run over
 *   its median in the profile's runs. Several cells of different op mixes move with the machine
 *   where one cell alone moves by a few per cent on its own.
 * Each run's cells are then read as if the machine had run at the profile's median level: cell ÷
 * the run's level. It is done when results are read, not in the worker, because a later run can show
 * that an earlier one was slow throughout. Stored measurements and exports stay as timed.
 * Pure logic.
 */
import { MIN_FAST_STATE_POINTS, referenceFastMs } from './reference-speed';
import { cellLatencyMs, DEFAULT_CELL_STATISTIC, median, type CellStatistic } from './stats';

/**
 * `none`: every cell as timed (latency-measurement.md D.6). `reference` and `anchors`: measured
 * deviations from it, each run of bench:latency read all three ways (bench-results/latency.md and
 * latency-experiments/README.md). One reference cell moves by a few per cent on its own, so it
 * corrects a pass that ran slow throughout but adds noise where passes agree; the anchors met the
 * targets in runs where the other two did not, so they are the default.
 */
export const LEVEL_CORRECTIONS = ['anchors', 'reference', 'none'] as const;
export type LevelCorrection = (typeof LEVEL_CORRECTIONS)[number];
export const DEFAULT_LEVEL_CORRECTION: LevelCorrection = 'anchors';
export const LEVEL_CORRECTION_LABELS: Record<LevelCorrection, string> = {
  anchors: "at the profile's level, by its anchor cells",
  reference: "at the profile's level, by the reference network",
  none: 'as timed',
};

/** How many reference-set cells every run times as level anchors. */
export const LEVEL_ANCHOR_COUNT = 8;
/** A run needs this many anchor cells, each also timed in another run of its profile, for a level. */
export const MIN_LEVEL_ANCHORS = 4;

/** Runs of fewer cells time no anchors: eight more would double a short run's time. */
export const MIN_CELLS_FOR_ANCHORS = 16;

/**
 * A run's cells (NB201 indices) with the anchors it lacks, spread evenly among them: at the end they
 * would be sampled together, where one slow stretch covers them all. Runs under
 * `MIN_CELLS_FOR_ANCHORS` cells stay as they are.
 */
export function withAnchors(cells: readonly number[], anchors: readonly number[]): number[] {
  if (cells.length < MIN_CELLS_FOR_ANCHORS) return [...cells];
  const missing = anchors.filter((a) => !cells.includes(a));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i <= cells.length; i++) {
    while (k < missing.length && Math.floor(((k + 0.5) * cells.length) / missing.length) === i) out.push(missing[k++]);
    if (i < cells.length) out.push(cells[i]);
  }
  return out;
}

/** The level anchors: `count` cells spread evenly over the reference set's order (NB201 indices). */
export function levelAnchors(referenceCells: readonly { index: number }[], count = LEVEL_ANCHOR_COUNT): number[] {
  const n = Math.min(count, referenceCells.length);
  return Array.from({ length: n }, (_, k) => referenceCells[Math.floor(((k + 0.5) * referenceCells.length) / n)].index);
}

/** What a run needs for its level: its profile and the drift reference cell's timings, ms. */
export interface RunWithReference {
  runId: string;
  profileId: string;
  reference: { archStr: string; driftMs: readonly number[] } | null;
}

/** How one run is read. */
interface RunLevel {
  runId: string;
  /** The run's reference fast state, ms (null: too few reference timings). */
  levelMs: number | null;
  /** The profile's median level for the same reference cell, ms (null when the run has no level). */
  baselineMs: number | null;
  /** Median over the run's anchor cells of their latency here over their profile median (null: too few anchors). */
  anchorRatio: number | null;
  /** Anchor cells that gave the ratio. */
  anchorCount: number;
  /** What the run's latencies are multiplied by (1: read as timed). */
  factor: number;
}

/** A stored cell measurement, as far as a level needs it. */
interface AnchorTiming {
  runId: string;
  profileId: string;
  archIndex: number;
  medianMs: number;
  samples: readonly number[];
}

/** A run's level: its reference cell's fast state (reference-speed.ts), ms, or null with too few timings. */
export function runLevelMs(run: Pick<RunWithReference, 'reference'>): number | null {
  const drift = run.reference?.driftMs.filter((ms) => Number.isFinite(ms) && ms > 0) ?? [];
  if (drift.length < MIN_FAST_STATE_POINTS) return null;
  return referenceFastMs(drift.map((ms) => ({ ms })));
}

/**
 * Every run's levels and factor, by run id. Runs are compared only within one profile (a backend on
 * a machine), and for `reference` one reference cell; with `none` every factor is 1. `entries` (the
 * stored measurements, as timed) and `anchors` give the anchor levels, each anchor read by `statistic`.
 */
export function runLevels(
  runs: readonly RunWithReference[],
  correction: LevelCorrection = DEFAULT_LEVEL_CORRECTION,
  entries: readonly AnchorTiming[] = [],
  anchors: readonly number[] = [],
  statistic: CellStatistic = DEFAULT_CELL_STATISTIC,
): Map<string, RunLevel> {
  const ratios = anchorRatios(runs, entries, anchors, statistic);
  const levels = new Map<string, RunLevel>();
  const groups = new Map<string, { runId: string; levelMs: number }[]>();
  for (const run of runs) {
    const levelMs = runLevelMs(run);
    const anchor = ratios.get(run.runId) ?? { ratio: null, count: 0 };
    const factor = correction === 'anchors' && anchor.ratio !== null ? 1 / anchor.ratio : 1;
    levels.set(run.runId, { runId: run.runId, levelMs, baselineMs: null, anchorRatio: anchor.ratio, anchorCount: anchor.count, factor });
    if (levelMs === null) continue;
    const key = `${run.profileId} ${run.reference!.archStr}`;
    groups.set(key, [...(groups.get(key) ?? []), { runId: run.runId, levelMs }]);
  }
  for (const group of groups.values()) {
    const baselineMs = median(group.map((g) => g.levelMs));
    for (const { runId, levelMs } of group) {
      const level = levels.get(runId)!;
      levels.set(runId, { ...level, baselineMs, factor: correction === 'reference' ? baselineMs / levelMs : level.factor });
    }
  }
  return levels;
}

/** Per run: the median over its anchor cells of latency here / the cell's median over the profile's runs. */
function anchorRatios(runs: readonly RunWithReference[], entries: readonly AnchorTiming[], anchors: readonly number[], statistic: CellStatistic): Map<string, { ratio: number | null; count: number }> {
  const isAnchor = new Set(anchors);
  const profileOf = new Map(runs.map((r) => [r.runId, r.profileId]));
  // Latency of each anchor cell in each run, by profile and cell (a run's last entry of a cell wins).
  const timed = new Map<string, Map<string, number>>();
  for (const e of entries) {
    if (!isAnchor.has(e.archIndex) || profileOf.get(e.runId) !== e.profileId) continue;
    const key = `${e.profileId} ${e.archIndex}`;
    if (!timed.has(key)) timed.set(key, new Map());
    timed.get(key)!.set(e.runId, cellLatencyMs(e, statistic));
  }
  const perRun = new Map<string, number[]>();
  for (const byRun of timed.values()) {
    if (byRun.size < 2) continue;
    const baseline = median([...byRun.values()]);
    for (const [runId, ms] of byRun) perRun.set(runId, [...(perRun.get(runId) ?? []), ms / baseline]);
  }
  const out = new Map<string, { ratio: number | null; count: number }>();
  for (const [runId, list] of perRun) out.set(runId, { ratio: list.length >= MIN_LEVEL_ANCHORS ? median(list) : null, count: list.length });
  return out;
}

/** A measured cell's timings, the fields a level correction scales. */
interface TimedCell {
  runId: string;
  medianMs: number;
  iqrMs: number;
  samples: readonly number[];
}

/** The entries read at their runs' levels: samples, median and IQR scaled by the run's factor; the others (imports, runs without a level) as they are. */
export function readAtLevel<T extends TimedCell>(entries: readonly T[], levels: ReadonlyMap<string, RunLevel>): T[] {
  return entries.map((entry) => {
    const factor = levels.get(entry.runId)?.factor ?? 1;
    if (factor === 1) return entry;
    return { ...entry, medianMs: entry.medianMs * factor, iqrMs: entry.iqrMs * factor, samples: entry.samples.map((ms) => ms * factor) };
  });
}

/**
 * How a run was read, for the runs table: "×0.930 (8 anchor cells at 1.075× the profile's median;
 * reference 2.96 ms, profile 2.75 ms)", or "as timed (…)" with the same facts.
 */
export function describeRunLevel(level: RunLevel | undefined, correction: LevelCorrection): string {
  const anchors =
    !level || level.anchorRatio === null ? `${level?.anchorCount ?? 0} anchor cells, too few` : `${level.anchorCount} anchor cells at ${level.anchorRatio.toFixed(3)}× the profile's median`;
  const reference = !level || level.levelMs === null ? 'too few reference timings' : `reference ${level.levelMs.toFixed(2)} ms, profile ${level.baselineMs!.toFixed(2)} ms`;
  const facts = `${anchors}; ${reference}`;
  const read = level && ((correction === 'anchors' && level.anchorRatio !== null) || (correction === 'reference' && level.levelMs !== null));
  return read ? `×${level.factor.toFixed(3)} (${facts})` : `as timed (${facts})`;
}
