/** Defaults and validation of the profiler's options (profiler-types.ts documents each one). */
import type { ProfileOptions, ProfileRequest, WarmupOptions } from './profiler-types.ts';

export const DEFAULT_WARMUP: WarmupOptions = { minRuns: 5, maxRuns: 50, stableWithinPct: 5, stableRuns: 3, maxMs: 2000 };

/** Protocol defaults; `timerResolutionMs` has none, it must be measured. */
export const DEFAULT_PROFILE_OPTIONS: Omit<ProfileOptions, 'timerResolutionMs' | 'maxDiscardedPerCell'> = {
  minSamples: 15,
  targetSampleSpanFactor: 20,
  minSampleMs: 0,
  maxK: 1000,
  warmup: DEFAULT_WARMUP,
  referenceCell: null,
  referenceEvery: 10,
  groupSize: 64,
  gapMs: 0,
  visibilityPollMs: 250,
  remeasureRounds: 2,
  remeasureGroupSize: 16,
  maxWaitForFastMs: 30_000,
  slowReferenceThreshold: 0.2,
  referenceFastMs: null,
};

export function resolveOptions(options: ProfileRequest<unknown>['options']): ProfileOptions {
  const merged: ProfileOptions = {
    ...DEFAULT_PROFILE_OPTIONS,
    maxDiscardedPerCell: 4 * (options.minSamples ?? DEFAULT_PROFILE_OPTIONS.minSamples),
    ...options,
    warmup: { ...DEFAULT_WARMUP, ...options.warmup },
  };
  const positiveInts: [string, number][] = [
    ['minSamples', merged.minSamples],
    ['maxK', merged.maxK],
    ['referenceEvery', merged.referenceEvery],
    ['groupSize', merged.groupSize],
    ['remeasureGroupSize', merged.remeasureGroupSize],
    ['warmup.maxRuns', merged.warmup.maxRuns],
    ['warmup.stableRuns', merged.warmup.stableRuns],
  ];
  for (const [name, value] of positiveInts) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`profile option ${name} must be a positive integer, got ${value}`);
  }
  if (!(merged.timerResolutionMs > 0)) throw new Error(`the timer resolution must be positive, got ${merged.timerResolutionMs} ms`);
  if (!(merged.targetSampleSpanFactor > 0)) throw new Error('targetSampleSpanFactor must be positive');
  if (!(merged.minSampleMs >= 0)) throw new Error('minSampleMs must be zero or more');
  if (!(merged.visibilityPollMs > 0)) throw new Error('visibilityPollMs must be positive');
  for (const [name, value] of [
    ['gapMs', merged.gapMs],
    ['maxWaitForFastMs', merged.maxWaitForFastMs],
    ['warmup.maxMs', merged.warmup.maxMs],
    ['maxDiscardedPerCell', merged.maxDiscardedPerCell],
  ] as const) {
    if (!(value >= 0)) throw new Error(`profile option ${name} must be zero or more, got ${value}`);
  }
  if (!Number.isInteger(merged.remeasureRounds) || merged.remeasureRounds < 0) throw new Error(`profile option remeasureRounds must be a whole number ≥ 0, got ${merged.remeasureRounds}`);
  if (!(merged.slowReferenceThreshold > 0)) throw new Error(`profile option slowReferenceThreshold must be positive, got ${merged.slowReferenceThreshold}`);
  if (merged.referenceFastMs !== null && !(merged.referenceFastMs > 0)) throw new Error(`profile option referenceFastMs must be positive or null, got ${merged.referenceFastMs}`);
  if (merged.warmup.minRuns > merged.warmup.maxRuns) throw new Error('warmup.minRuns exceeds warmup.maxRuns');
  return merged;
}

/**
 * The size of groups of at most `max` cells, as even as they can be: 58 cells in groups of 50 would
 * leave 8 cells sampled together in a short stretch at the end, where one slow phase covers them all.
 */
export function evenGroupSize(cells: number, max: number): number {
  return cells <= max ? Math.max(1, cells) : Math.ceil(cells / Math.ceil(cells / max));
}
