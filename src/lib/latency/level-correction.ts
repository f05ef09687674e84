/**
 * Reading every run of a device profile at one machine level (issue 18).
 *
 * A shared machine or a laptop can run a whole pass 5-10 % slower than the next (a power state, a
 * neighbour on the host): too long for the profiler's extra samples, too mild for its 20 % slow
 * threshold, and every cell of the run moves by the same factor. Each run times one drift reference
 * cell throughout, so its fast state (the 10 % quantile of those timings) is the run's level. With
 * `reference`, each run's cells are read as if the machine had run at the profile's median level:
 * cell × median level / run level. It is done when results are read, not in the worker, because a
 * later run can show that an earlier one was slow throughout. Stored measurements and exports stay
 * as timed.
 * Pure logic.
 */
import { MIN_FAST_STATE_POINTS, referenceFastMs } from './reference-speed';
import { median } from './stats';

/**
 * `none` (the default): every cell as timed. `reference` (a measured deviation from
 * latency-measurement.md D.6): each run is read at the profile's median level of the drift reference
 * cell. Measured on this machine (bench-results/latency-experiments/README.md), it rescued a pass that
 * ran 15 % slow throughout but added 2-4 points of difference where the passes already agreed: one
 * cell's level moves by a few per cent with no change in the others, so it is an option, not the default.
 */
export type LevelCorrection = 'reference' | 'none';
export const DEFAULT_LEVEL_CORRECTION: LevelCorrection = 'none';

/** What a run needs for its level: its profile and the drift reference cell's timings, ms. */
export interface RunWithReference {
  runId: string;
  profileId: string;
  reference: { archStr: string; driftMs: readonly number[] } | null;
}

/** How one run is read. */
interface RunLevel {
  runId: string;
  /** The run's reference fast state, ms (null: too few reference timings, read as timed). */
  levelMs: number | null;
  /** The profile's median level for the same reference cell, ms (null when the run has no level). */
  baselineMs: number | null;
  /** What the run's latencies are multiplied by (1: read as timed). */
  factor: number;
}

/** A run's level: its reference cell's fast state (reference-speed.ts), ms, or null with too few timings. */
export function runLevelMs(run: Pick<RunWithReference, 'reference'>): number | null {
  const drift = run.reference?.driftMs.filter((ms) => Number.isFinite(ms) && ms > 0) ?? [];
  if (drift.length < MIN_FAST_STATE_POINTS) return null;
  return referenceFastMs(drift.map((ms) => ({ ms })));
}

/**
 * Every run's level and factor, by run id. Runs are compared only within one profile (a backend on
 * a machine) and one reference cell; with `none` every factor is 1.
 */
export function runLevels(runs: readonly RunWithReference[], correction: LevelCorrection = DEFAULT_LEVEL_CORRECTION): Map<string, RunLevel> {
  const levels = new Map<string, RunLevel>();
  const groups = new Map<string, { runId: string; levelMs: number }[]>();
  for (const run of runs) {
    const levelMs = runLevelMs(run);
    levels.set(run.runId, { runId: run.runId, levelMs, baselineMs: null, factor: 1 });
    if (levelMs === null) continue;
    const key = `${run.profileId} ${run.reference!.archStr}`;
    groups.set(key, [...(groups.get(key) ?? []), { runId: run.runId, levelMs }]);
  }
  for (const group of groups.values()) {
    const baselineMs = median(group.map((g) => g.levelMs));
    for (const { runId, levelMs } of group) {
      levels.set(runId, { runId, levelMs, baselineMs, factor: correction === 'reference' ? baselineMs / levelMs : 1 });
    }
  }
  return levels;
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

/** How a run was read, for the runs table: "×0.93 (reference 2.96 ms, profile 2.75 ms)", "as timed" or "too few reference timings". */
export function describeRunLevel(level: RunLevel | undefined, correction: LevelCorrection): string {
  if (!level || level.levelMs === null) return 'as timed (too few reference timings)';
  const where = `reference ${level.levelMs.toFixed(2)} ms, profile ${level.baselineMs!.toFixed(2)} ms`;
  return correction === 'none' ? `as timed (${where})` : `×${level.factor.toFixed(3)} (${where})`;
}
