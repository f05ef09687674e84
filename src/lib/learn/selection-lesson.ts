/**
 * Lesson 6 (iterative data selection): the small search the lesson runs, the loop's phases as the
 * page lights them, and how its best-so-far curve compares with random search on the same seed.
 */
import type { SearchSettings } from '../workers/search-messages';

/** Budgets the lesson offers (queries): small, so one iteration of `brp-nas/fast` takes seconds. */
export const LESSON6_BUDGETS = [20, 30, 40] as const;

export const LESSON6_CONFIG_NAME = 'BRP-NAS, fast preset (the app’s default, not eagle’s epochs), 5 iterations';

/** The search of the lesson: BRP-NAS `fast` on CIFAR-100, no limit. */
export function lesson6Settings(budget: number, seed: number): SearchSettings {
  return { method: 'brp-nas', config: 'fast', dataset: 'cifar100', budget, seed: seed >>> 0, constraint: null, pareto: false };
}

/** The same budget and seed, searched at random (milliseconds). */
export function randomSettings(settings: SearchSettings): SearchSettings {
  return { ...settings, method: 'random', config: 'default' };
}

/** The loop's phases in the order the figure draws them. */
export type LoopPhase = 'select' | 'query' | 'train' | 'rank';
export const LOOP_PHASES: readonly LoopPhase[] = ['select', 'query', 'train', 'rank'];

/** What each phase does, for the figure; `iteration` changes how cells are chosen. */
export function phaseText(phase: LoopPhase, iteration: number): string {
  switch (phase) {
    case 'select':
      return iteration === 0 ? 'pick the first cells at random (nothing is ranked yet)' : `take the predicted best half, sample the rest from the predicted top 1/${2 ** iteration} of the space`;
    case 'query':
      return 'look up their accuracy (the expensive step in real NAS: training each network)';
    case 'train':
      return 'train the binary relation predictor on every cell queried so far';
    case 'rank':
      return 'rank all 15,625 cells with it';
  }
}

/**
 * The worker's progress phase as the figure's phase. The worker looks accuracies up as part of
 * its select phase; the figure shows the lookup apart because that is the cost the loop saves.
 */
export function loopPhaseOf(phase: 'latency' | 'train' | 'rank' | 'select'): LoopPhase | null {
  return phase === 'latency' ? null : phase;
}

/** Slow motion: how long each phase stays lit at least (ms), as GAN Lab's pauses. */
export const SLOW_MOTION_MS = 1200;

/** Phases to light, in order, when the worker jumps from `from` to `to` (the quick ones in between too). */
export function phasesBetween(from: LoopPhase | null, to: LoopPhase): LoopPhase[] {
  if (from === to) return [];
  const start = from === null ? 0 : LOOP_PHASES.indexOf(from) + 1;
  const end = LOOP_PHASES.indexOf(to);
  if (end >= start) return LOOP_PHASES.slice(start, end + 1) as LoopPhase[];
  return [...LOOP_PHASES.slice(start), ...LOOP_PHASES.slice(0, end + 1)];
}

/** The best-so-far after each query of two runs, and how they compare at the end. */
export function curveLead(method: readonly number[], random: readonly number[]): { method: number; random: number; lead: number } | null {
  const n = Math.min(method.length, random.length);
  if (n === 0) return null;
  const a = method[n - 1];
  const b = random[n - 1];
  return Number.isFinite(a) && Number.isFinite(b) ? { method: a, random: b, lead: a - b } : null;
}
