/**
 * Types of the latency profiler (profiler.ts): what it needs injected and what it returns.
 * All times are milliseconds of the injected clock.
 */
import type { OpCode, OpVector } from '../spaces/nb201.ts';
import type { PhaseOptions, RemeasureDecision, SlowPhase } from './phases.ts';
import type { SlowRun } from './reference-speed.ts';

/** Builds, runs and frees models of one backend; tfjs-runner.ts is the real one. */
export interface ModelRunner<M> {
  /** Backend name stored with the results, e.g. 'webgpu'. */
  readonly backend: string;
  build(ops: OpVector): Promise<M>;
  /** Runs `k` inferences back to back and resolves after one read-back of the last output. */
  run(model: M, k: number): Promise<void>;
  dispose(model: M): void;
}

/** Time and page state, injected so the profiler runs (and is tested) anywhere. */
export interface ProfilerClock {
  /** Monotonic time, ms (`performance.now`). */
  now(): number;
  /** True while the page is hidden: hidden tabs get throttled, so no timing is taken then. */
  isHidden(): boolean;
  /**
   * Count of visibility changes so far (bumped on every `visibilitychange`). When given, a sample
   * during which the count moved is discarded even if the page is visible again at its end.
   */
  visibilityChanges?(): number;
  sleep(ms: number): Promise<void>;
}

export interface WarmupOptions {
  /** At least this many timed warm-up samples. Default 5. */
  minRuns: number;
  /** At most this many. Default 50. */
  maxRuns: number;
  /** Warm when the last `stableRuns` samples are within ±this % of their median. Default 5. */
  stableWithinPct: number;
  /** Default 3. */
  stableRuns: number;
  /** Stop warming after this long even if not yet stable, ms. Default 2000. */
  maxMs: number;
}

export interface ProfileOptions {
  /** Valid samples per cell. Default 15. */
  minSamples: number;
  /** A sample must span at least this many timer ticks. Default 20. */
  targetSampleSpanFactor: number;
  /**
   * …and at least this long, ms (K grows until it does). Default 0. Longer samples average out
   * scheduler and read-back jitter, which on a busy 2-core machine dwarfs the timer's 5 µs.
   */
  minSampleMs: number;
  /** Clock resolution, ms (stats.ts `detectTimerResolution`). Required. */
  timerResolutionMs: number;
  /** Upper bound on back-to-back inferences per sample. Default 1000. */
  maxK: number;
  warmup: WarmupOptions;
  /** A fixed cell re-timed throughout, whose drift shows thermal/DVFS change. Default null (none). */
  referenceCell: OpVector | null;
  /** One reference sample after every this many candidate samples. Default 10. */
  referenceEvery: number;
  /**
   * Candidates built and interleaved round-robin at once (bounds memory). Default 64: a pass of up to
   * 64 cells (50 cells and the 8 level anchors) spreads every cell's samples over the whole pass, so a
   * slow stretch of a few seconds touches only a few of each cell's samples, and all cells of a pass
   * share one level (issue 18; groups of 8 put all of a group's samples in one stretch, and 50 + 8
   * cells in two groups of 29 gave the two halves of a pass two levels).
   */
  groupSize: number;
  /** Pause before every sample, ms; 0 still yields to the event loop so pause/cancel messages get through. Default 0. */
  gapMs: number;
  /** Poll interval while waiting for the page to become visible, ms. Default 250. */
  visibilityPollMs: number;
  /** Give up on a cell after this many discarded samples. Default 4 × minSamples. */
  maxDiscardedPerCell: number;
  /**
   * Rounds of re-measuring the cells timed in a slow phase, at the end of the pass (needs a
   * `referenceCell`, the gauge of when the machine is fast again); 0 turns re-measuring off. Default 2.
   */
  remeasureRounds: number;
  /**
   * Cells re-measured together, each group built first and sampled once the reference cell runs
   * fast. Default 16: a group samples for about 10 s, so it fits a quiet stretch between slow ones,
   * where a whole pass re-timed at once (about 45 s) ran into the next one (issue 18).
   */
  remeasureGroupSize: number;
  /**
   * Before sampling a group of cells again, wait for the machine to leave its slow phase (the
   * reference cell back at its fast state), at most this long in all over the run (every group and
   * round together), ms.
   * Cells still due once it is spent keep their samples (`DisturbanceReport.stillSlow`): timed
   * again in the same slow phase they would come out no better. Default 30,000.
   */
  maxWaitForFastMs: number;
  /** The reference cell (smoothed over its nearest points) is slow above its fast state by more than this fraction. Default 0.2. */
  slowReferenceThreshold: number;
  /**
   * The reference cell's fast-state time known from earlier runs on this backend, ms (null: none):
   * a run that starts inside a slow phase compares with it instead of taking the phase for the fast state.
   */
  referenceFastMs: number | null;
}

/**
 * prepare = build, cold run, choosing K, warm-up; hidden = waiting for the page to be visible again;
 * remeasure = timing again the cells first timed in a slow phase of the machine.
 */
export type ProfilePhase = 'prepare' | 'sample' | 'reference' | 'hidden' | 'remeasure';

export interface ProfileProgress {
  phase: ProfilePhase;
  /** Valid candidate samples taken so far. */
  done: number;
  /** Candidate samples the run takes in all (cells × minSamples). */
  total: number;
  /** Estimated time left, ms (from the pace so far, not counting paused or hidden time); null before the first sample. */
  etaMs: number | null;
  /** Arch string of the cell being worked on. */
  current: string;
}

export interface ProfileRequest<M> {
  cells: readonly OpVector[];
  runner: ModelRunner<M>;
  clock: ProfilerClock;
  options: Partial<Omit<ProfileOptions, 'warmup'>> & { timerResolutionMs: number; warmup?: Partial<WarmupOptions> };
  onProgress?(progress: ProfileProgress): void;
  /** Called as soon as a cell's measurement is final (results are not lost if the run is cancelled later). */
  onResult?(result: CellMeasurement): void;
  signal?: AbortSignal;
  /** Awaited before every timed step; resolves when the user resumes (return at once when not paused). */
  pauseGate?(): Promise<void>;
  /** Live tensor count (`tf.memory().numTensors`) for the leak check. */
  numTensors?(): number;
  /** How phases are detected (phases.ts `DEFAULT_PHASE_OPTIONS`). */
  phases?: Partial<PhaseOptions>;
}

export interface CellMeasurement {
  ops: OpCode[];
  archStr: string;
  backend: string;
  /** Time to build the model, ms. */
  buildMs: number;
  /** First inference on the fresh model (shader compile, JIT), ms; excluded from the statistics. */
  coldMs: number;
  /** Inferences per sample. */
  k: number;
  warmupRuns: number;
  /** False when warm-up hit its cap before settling. */
  warmupStable: boolean;
  /** Per-inference latency (sample time / k), ms, in the order taken. */
  samples: number[];
  medianMs: number;
  q1Ms: number;
  q3Ms: number;
  iqrMs: number;
  /** Samples thrown away because the page was hidden during them. */
  discardedHidden: number;
  /** When each kept sample was taken, ms since the run started (aligned with `samples`). */
  sampleAtMs: number[];
  /** Samples left out because they fell in a slow phase of the machine. */
  slowPhaseSamples: number;
  /** Why the cell was timed again (null when it was not). */
  remeasured: RemeasureDecision | null;
  /** True when this result replaces one sent earlier in the same run (after re-measuring, or once later phases were known). */
  revised: boolean;
}

/** What the samples showed of the machine over a run: its slow phases and the cells re-measured because of them. */
export interface DisturbanceReport {
  /** Slow phases, in time order. */
  phases: SlowPhase[];
  /** Every re-measuring decision, in the order taken (a cell may appear once per round). */
  remeasured: RemeasureDecision[];
  /** Cells due for re-measuring that kept their samples: the machine was still slow when the wait budget ran out. */
  stillSlow: RemeasureDecision[];
  /** Re-measuring rounds run. */
  rounds: number;
  /** Time spent waiting for the machine to leave a slow phase before re-measuring, ms. */
  waitedMs: number;
  /** Time the reference cell ran slow (above `slowReferenceThreshold` of its fast state), ms; 0 without a reference. */
  referenceSlowMs: number;
  /** The reference cell's fast-state time this run compared with, ms (NaN without a reference). */
  referenceFastMs: number;
  /**
   * The run slow as a whole against the reference cell's fast state from earlier runs on the backend
   * (then every cell was due for re-measuring); null when it was not, or with nothing to compare with.
   */
  slowRun: SlowRun | null;
  /** One line for the view, e.g. "1 slow phase (1.7× for 45 s); re-measured 16 cells". */
  summary: string;
  /** Every sample of the run, in the order taken: cell, stamp, per-inference ms, the machine's slowdown beside it, in a slow phase. */
  timeline: { cell: string; atMs: number; sampleMs: number; slowdown: number; slow: boolean }[];
}

export interface DriftPoint {
  /** Time since the run started, ms. */
  atMs: number;
  /** Candidate samples taken before this point. */
  afterSamples: number;
  /** Reference cell per-inference latency, ms. */
  ms: number;
}

export interface ReferenceSeries {
  ops: OpCode[];
  archStr: string;
  k: number;
  coldMs: number;
  drift: DriftPoint[];
}

export interface ProfileOutcome {
  /** Finished cells, in request order (only whole groups when cancelled). */
  results: CellMeasurement[];
  reference: ReferenceSeries | null;
  cancelled: boolean;
  /** Tensors alive after everything was disposed minus before anything was built; 0 unless a runner leaks. Null without `numTensors`. */
  leakedTensors: number | null;
  elapsedMs: number;
  /** The machine's phases and the re-measured cells. */
  disturbance: DisturbanceReport;
}
