/**
 * Measures on-device inference latency of NB201 cells, following the protocol of
 * shared/docs/latency-measurement.md §D.6:
 * 1. build each model once; time its first (cold) inference on its own;
 * 2. choose K so one sample (K back-to-back inferences, one read-back) spans ≥ factor timer ticks;
 * 3. warm up until the last few samples agree (or a cap is hit);
 * 4. take samples round-robin over a group of candidates until each has `minSamples` valid ones;
 *    a sample taken while the page was hidden is discarded, and timing waits until it is visible;
 * 5. re-time a fixed reference cell every `referenceEvery` samples (its drift = thermal/DVFS change);
 * 6. report median and IQR per cell, dispose every model and compare tensor counts (leak check);
 * 7. at the end of the pass, read the machine's slow phases from the samples themselves (phases.ts);
 *    with a reference cell, time again the cells with too few samples outside them, in small groups,
 *    each sampled once the reference runs at its fast state again (if it stays slow past the wait
 *    budget, they keep their samples); a run slow as a whole against the reference's fast state from
 *    earlier runs has every cell due; keep each cell's samples from outside slow phases (and any
 *    faster than those), and report the phases, the re-measured cells, those left as timed, and why.
 * Pure logic: the clock, visibility, sleeping and the models come in through `ProfileRequest`.
 */
import { opsToArchStr, type OpVector } from '../spaces/nb201.ts';
import { evenGroupSize, resolveOptions } from './profiler-options.ts';
import { analysePhases, resolvePhaseOptions, type PhaseAnalysis, type PhaseOptions, type RemeasureDecision, type SampleRecord } from './phases.ts';
import { referenceFastMs, slowdownAt, slowRun, type SlowRun } from './reference-speed.ts';
import { disturbanceReport, measurementOf, revisedResults, type Prepared } from './profile-results.ts';
import type { CellMeasurement, DisturbanceReport, ProfileOptions, ProfileOutcome, ProfilePhase, ProfileRequest, ReferenceSeries } from './profiler-types.ts';
import { chooseK, withinPercentOfMedian } from './stats.ts';

/** Between two reference timings while waiting for the reference cell to run fast again, ms. */
const REFERENCE_POLL_MS = 100;
/**
 * Fewest samples per cell for acting on phases (re-measuring, leaving slow samples out): with fewer,
 * one slow sample is a third of a cell, and a quick run would rather stay one result per cell.
 * Phases are still reported.
 */
export const MIN_SAMPLES_TO_REMEASURE = 5;

export type * from './profiler-types.ts';
export { DEFAULT_PROFILE_OPTIONS, DEFAULT_WARMUP, resolveOptions } from './profiler-options.ts';

/** Runs the protocol; resolves with `cancelled: true` (and the finished groups) when the signal aborts. */
export async function profileCells<M>(request: ProfileRequest<M>): Promise<ProfileOutcome> {
  const options = resolveOptions(request.options);
  request.cells.forEach((ops) => opsToArchStr(ops)); // a bad cell fails now, not after measuring the others
  return new ProfileSession(request, options).run();
}

/** Thrown at a checkpoint once the signal aborts; turned into `cancelled: true`. */
class Cancelled extends Error {}

class ProfileSession<M> {
  private readonly start: number;
  private total: number;
  /** Time spent paused or waiting for visibility, ms: left out of the ETA and the warm-up cap. */
  private idleMs = 0;
  private done = 0;
  private current = '';
  private reference: Prepared<M> | null = null;
  private readonly referenceSeries: ReferenceSeries['drift'] = [];
  /** Models not yet disposed, disposed on every way out. */
  private readonly alive = new Set<Prepared<M>>();
  /** Every candidate sample, in the order taken. */
  private readonly records: SampleRecord[] = [];
  private readonly decisions: RemeasureDecision[] = [];
  /** Cells due for re-measuring that were not, because the machine was still slow when the wait budget ran out. */
  private readonly stillSlow: RemeasureDecision[] = [];
  /** The phases read from `records`, and how many records they were read from. */
  private analysed: { records: number; analysis: PhaseAnalysis } | null = null;
  private readonly phaseOptions: PhaseOptions;
  private rounds = 0;
  private waitedMs = 0;
  /** The run as a whole against earlier runs on the backend, read when re-measuring begins (null: not slow, or nothing to compare with). */
  private wholeRunSlow: SlowRun | null = null;
  /** The group being sampled (empty between groups and while re-measuring). */
  private group: Prepared<M>[] = [];

  constructor(
    private readonly request: ProfileRequest<M>,
    private readonly options: ProfileOptions,
  ) {
    this.start = request.clock.now();
    this.phaseOptions = resolvePhaseOptions(request.phases);
    this.total = request.cells.length * options.minSamples;
  }

  async run(): Promise<ProfileOutcome> {
    const { cells, runner, numTensors } = this.request;
    const tensorsBefore = numTensors?.() ?? null;
    const results: CellMeasurement[] = [];
    let cancelled = false;
    try {
      if (this.options.referenceCell) {
        this.reference = await this.prepare(this.options.referenceCell);
        await this.referenceSample();
      }
      const size = evenGroupSize(cells.length, this.options.groupSize);
      for (let first = 0; first < cells.length; first += size) {
        const group: Prepared<M>[] = [];
        this.group = group;
        for (const ops of cells.slice(first, first + size)) {
          group.push(await this.prepare(ops));
          // The reference's speed over the whole pass, building included, shows its fast state even when sampling starts in a slow phase.
          if (this.reference) await this.referenceSample();
        }
        await this.sampleRoundRobin(group);
        for (const cell of group) this.deliver(cell, results);
        this.group = [];
      }
      await this.remeasure(results);
      if (this.reference) await this.referenceSample();
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err;
      cancelled = true;
      // A group spans most of a pass: its cells with half their samples or more are kept, not thrown away.
      for (const cell of this.group) if (cell.samples.length >= Math.ceil(this.options.minSamples / 2)) this.deliver(cell, results);
    } finally {
      for (const cell of this.alive) runner.dispose(cell.model);
      this.alive.clear();
    }
    const tensorsAfter = numTensors?.() ?? null;
    const ref = this.reference;
    return {
      results,
      reference: ref && { ops: ref.ops, archStr: ref.archStr, k: ref.k, coldMs: ref.coldMs, drift: this.referenceSeries },
      cancelled,
      leakedTensors: tensorsBefore === null || tensorsAfter === null ? null : tensorsAfter - tensorsBefore,
      elapsedMs: this.request.clock.now() - this.start,
      disturbance: this.disturbance(),
    };
  }

  /**
   * Up to `remeasureRounds` rounds (only with a reference cell, the gauge of when the machine is
   * fast again): find the slow phases so far, time again (fresh build, warm-up, the usual samples)
   * the cells with too few samples outside them (every cell, in the first round, when the whole run
   * was slow against earlier runs), then re-read all phases and give every cell its samples from
   * outside them (`revisedResults`); changed ones are sent again.
   */
  private async remeasure(results: CellMeasurement[]): Promise<void> {
    const { remeasureRounds, minSamples, remeasureGroupSize, referenceFastMs: knownFastMs } = this.options;
    // Read before re-measuring: samples timed again at the fast state would hide it.
    this.wholeRunSlow = this.reference ? slowRun(this.referenceSeries, knownFastMs, this.phaseOptions.slowThreshold) : null;
    if (minSamples < MIN_SAMPLES_TO_REMEASURE) return;
    const position = new Map(results.map((r, i) => [r.archStr, i]));
    while (this.reference && this.rounds < remeasureRounds) {
      const inPhases = this.phases().remeasure.filter((d) => position.has(d.cell));
      // A run slow as a whole shows no phase in its own samples: in the first round, every cell is due.
      const wholeRun = this.rounds === 0 && this.wholeRunSlow ? this.slowRunDecisions(results, this.wholeRunSlow, new Set(inPhases.map((d) => d.cell))) : [];
      const todo = [...inPhases, ...wholeRun];
      if (todo.length === 0) break;
      const round = this.rounds + 1;
      const size = evenGroupSize(todo.length, remeasureGroupSize);
      for (let first = 0; first < todo.length; first += size) {
        const due = todo.slice(first, first + size);
        const group: Prepared<M>[] = [];
        for (const d of due) group.push(Object.assign(await this.prepare(results[position.get(d.cell)!].ops), { attempt: round }));
        // Sampled only once the machine is fast again (after building, so the wait ends right before sampling): timed again inside the same slow phase, a cell would come out no better, so it keeps its samples and the report says why.
        if (!(await this.waitForFastReference())) {
          for (const cell of group) this.release(cell);
          this.stillSlow.push(...todo.slice(first));
          break;
        }
        this.rounds = round;
        this.decisions.push(...due);
        this.total += due.length * minSamples;
        await this.sampleRoundRobin(group, 'remeasure');
        for (const cell of group) this.release(cell);
      }
      if (this.stillSlow.length > 0) break;
    }
    for (const { index, revised } of revisedResults(results, this.records, this.phases(), this.phaseOptions.minFastSamples, this.decisions)) {
      results[index] = revised;
      this.request.onResult?.(revised);
    }
  }

  /** Every cell not already due, re-measured because the whole run was slow. */
  private slowRunDecisions(results: readonly CellMeasurement[], run: SlowRun, due: ReadonlySet<string>): RemeasureDecision[] {
    return results.filter((r) => !due.has(r.archStr)).map((r) => ({ cell: r.archStr, reason: 'slow-run', slowSamples: r.samples.length, samples: r.samples.length, slowdown: run.slowdown }));
  }

  /** The reference cell's fast-state time this run compares with, ms. */
  private referenceFast(): number {
    return referenceFastMs(this.referenceSeries, this.options.referenceFastMs);
  }

  /**
   * Times the reference every REFERENCE_POLL_MS: true once its latest points are back within
   * `slowReferenceThreshold` of its fast state, false once the run's wait budget (maxWaitForFastMs,
   * all waits together) is spent and it is still slow.
   */
  private async waitForFastReference(): Promise<boolean> {
    const { clock } = this.request;
    // One budget for the whole run: on a machine that stays loaded, waiting again before every group would not help.
    const budget = this.options.maxWaitForFastMs - this.waitedMs;
    const active = this.activeTimer();
    try {
      await this.referenceSample();
      for (;;) {
        const now = clock.now() - this.start;
        if (slowdownAt(this.referenceSeries, now, this.referenceFast()) <= 1 + this.options.slowReferenceThreshold) return true;
        if (active() >= budget) return false;
        this.report('remeasure');
        await clock.sleep(REFERENCE_POLL_MS);
        await this.referenceSample();
      }
    } finally {
      this.waitedMs += active();
    }
  }

  /** The slow phases read from the samples so far: read again only once there are more (the results and the report read the same ones). */
  private phases(): PhaseAnalysis {
    if (this.analysed?.records !== this.records.length) this.analysed = { records: this.records.length, analysis: analysePhases(this.records, this.phaseOptions) };
    return this.analysed.analysis;
  }

  /** A stopwatch from now of the run's active time: paused time (hidden page, pause) not counted, ms. */
  private activeTimer(): () => number {
    const begin = this.request.clock.now();
    const idleBefore = this.idleMs;
    return () => this.request.clock.now() - begin - (this.idleMs - idleBefore);
  }

  private disturbance(): DisturbanceReport {
    return disturbanceReport({
      records: this.records,
      analysis: this.phases(),
      decisions: this.decisions,
      stillSlow: this.stillSlow,
      rounds: this.rounds,
      waitedMs: this.waitedMs,
      referenceSeries: this.reference ? this.referenceSeries : null,
      referenceFastMs: this.reference ? this.referenceFast() : Number.NaN,
      slowRun: this.wholeRunSlow,
      slowReferenceThreshold: this.options.slowReferenceThreshold,
    });
  }

  /** Build, cold run, K, warm-up. */
  private async prepare(opsIn: OpVector): Promise<Prepared<M>> {
    const { runner, clock } = this.request;
    const archStr = opsToArchStr(opsIn);
    this.current = archStr;
    this.report('prepare');
    await this.checkpoint();
    const t0 = clock.now();
    const model = await runner.build(opsIn);
    const cell: Prepared<M> = {
      ops: opsIn.slice(),
      archStr,
      model,
      buildMs: clock.now() - t0,
      coldMs: NaN,
      k: 1,
      warmupRuns: 0,
      warmupStable: false,
      samples: [],
      atMs: [],
      discarded: 0,
      attempt: 0,
    };
    this.alive.add(cell);
    await this.checkpoint();
    cell.coldMs = (await this.timed(cell, 1)).ms;
    cell.k = await this.calibrateK(cell);
    await this.warmUp(cell);
    return cell;
  }

  /** Grows K until one sample spans the target; the first estimate usually lands at once. */
  private async calibrateK(cell: Prepared<M>): Promise<number> {
    const { timerResolutionMs, targetSampleSpanFactor, minSampleMs, maxK } = this.options;
    const targetMs = Math.max(targetSampleSpanFactor * timerResolutionMs, minSampleMs);
    // chooseK thinks in timer ticks: express the target as a factor of the resolution.
    const factor = targetMs / timerResolutionMs;
    let k = 1;
    for (;;) {
      await this.checkpoint();
      const { ms } = await this.timed(cell, k);
      if (ms >= targetMs || k >= maxK) return k;
      // A run shorter than one tick reads as 0: grow tenfold rather than jump straight to maxK.
      k = ms > 0 ? Math.max(k + 1, chooseK(ms / k, timerResolutionMs, factor, maxK)) : Math.min(maxK, k * 10);
    }
  }

  private async warmUp(cell: Prepared<M>): Promise<void> {
    const { minRuns, maxRuns, stableWithinPct, stableRuns, maxMs } = this.options.warmup;
    const active = this.activeTimer();
    const perInference: number[] = [];
    while (cell.warmupRuns < maxRuns) {
      await this.checkpoint();
      const { ms, valid } = await this.timed(cell, cell.k);
      cell.warmupRuns++;
      if (valid) perInference.push(ms / cell.k);
      if (perInference.length >= Math.max(minRuns, stableRuns) && withinPercentOfMedian(perInference.slice(-stableRuns), stableWithinPct)) {
        cell.warmupStable = true;
        return;
      }
      if (active() >= maxMs) return;
    }
  }

  private async sampleRoundRobin(group: Prepared<M>[], phase: ProfilePhase = 'sample'): Promise<void> {
    const { minSamples } = this.options;
    while (group.some((cell) => cell.samples.length < minSamples)) {
      for (const cell of group) {
        if (cell.samples.length < minSamples) await this.takeSample(cell, phase);
      }
    }
  }

  /** One sample of the cell; false when it was discarded (the page was hidden). */
  private async takeSample(cell: Prepared<M>, phase: ProfilePhase): Promise<boolean> {
    const { referenceEvery, maxDiscardedPerCell } = this.options;
    this.current = cell.archStr;
    await this.checkpoint();
    const atMs = this.request.clock.now() - this.start;
    const { ms, valid } = await this.timed(cell, cell.k);
    if (!valid) {
      if (++cell.discarded > maxDiscardedPerCell) {
        throw new Error(`${cell.archStr}: ${cell.discarded} samples were taken while the page was hidden; keep the tab visible while measuring`);
      }
      return false;
    }
    cell.samples.push(ms / cell.k);
    cell.atMs.push(atMs);
    this.records.push({ cell: cell.archStr, atMs, sampleMs: ms / cell.k, attempt: cell.attempt });
    this.done++;
    this.report(phase);
    if (this.reference && this.done % referenceEvery === 0) await this.referenceSample();
    return true;
  }

  /** One drift point; skipped when the page was hidden during it. */
  private async referenceSample(): Promise<void> {
    const reference = this.reference!;
    await this.checkpoint();
    const { ms, valid } = await this.timed(reference, reference.k);
    if (!valid) return;
    this.referenceSeries.push({ atMs: this.request.clock.now() - this.start, afterSamples: this.done, ms: ms / reference.k });
    this.report('reference', reference.archStr);
  }

  private async timed(cell: Prepared<M>, k: number): Promise<{ ms: number; valid: boolean }> {
    const { clock, runner } = this.request;
    const changesBefore = clock.visibilityChanges?.();
    const t0 = clock.now();
    await runner.run(cell.model, k);
    const ms = clock.now() - t0;
    return { ms, valid: !clock.isHidden() && clock.visibilityChanges?.() === changesBefore };
  }

  /** Before every timed step: cancel, pause, yield (gap), wait while the page is hidden. */
  private async checkpoint(): Promise<void> {
    const { clock, pauseGate, signal } = this.request;
    if (signal?.aborted) throw new Cancelled();
    if (pauseGate) await this.idle(pauseGate);
    if (signal?.aborted) throw new Cancelled();
    await clock.sleep(this.options.gapMs);
    while (clock.isHidden()) {
      this.report('hidden');
      await this.idle(() => clock.sleep(this.options.visibilityPollMs));
      if (signal?.aborted) throw new Cancelled();
    }
  }

  /** Awaits `wait()`, booking the time as idle. */
  private async idle(wait: () => Promise<void>): Promise<void> {
    const t0 = this.request.clock.now();
    await wait();
    this.idleMs += this.request.clock.now() - t0;
  }

  private report(phase: ProfilePhase, current = this.current): void {
    if (!this.request.onProgress) return;
    const activeMs = this.request.clock.now() - this.start - this.idleMs;
    const etaMs = this.done > 0 ? (activeMs / this.done) * (this.total - this.done) : null;
    this.request.onProgress({ phase, done: this.done, total: this.total, etaMs, current });
  }

  private release(cell: Prepared<M>): void {
    this.request.runner.dispose(cell.model);
    this.alive.delete(cell);
  }

  /** Frees the cell's model and sends its measurement. */
  private deliver(cell: Prepared<M>, results: CellMeasurement[]): void {
    this.release(cell);
    const result = measurementOf(cell, this.request.runner.backend);
    results.push(result);
    this.request.onResult?.(result);
  }
}
