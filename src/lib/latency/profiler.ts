/**
 * Measures on-device inference latency of NB201 cells, following the protocol of
 * shared/docs/latency-measurement.md §D.6:
 * 1. build each model once; time its first (cold) inference on its own;
 * 2. choose K so one sample (K back-to-back inferences, one read-back) spans ≥ factor timer ticks;
 * 3. warm up until the last few samples agree (or a cap is hit);
 * 4. take samples round-robin over a group of candidates until each has `minSamples` valid ones;
 *    a sample taken while the page was hidden is discarded, and timing waits until it is visible;
 * 5. re-time a fixed reference cell every `referenceEvery` samples (its drift = thermal/DVFS change);
 * 6. report median and IQR per cell, dispose every model and compare tensor counts (leak check).
 * Pure logic: the clock, visibility, sleeping and the models come in through `ProfileRequest`.
 */
import { opsToArchStr, type OpCode, type OpVector } from '../spaces/nb201.ts';
import { resolveOptions } from './profiler-options.ts';
import type { CellMeasurement, ProfileOptions, ProfileOutcome, ProfilePhase, ProfileRequest, ReferenceSeries } from './profiler-types.ts';
import { chooseK, quartiles, withinPercentOfMedian } from './stats.ts';

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

interface Prepared<M> {
  ops: OpCode[];
  archStr: string;
  model: M;
  buildMs: number;
  coldMs: number;
  k: number;
  warmupRuns: number;
  warmupStable: boolean;
  samples: number[];
  discarded: number;
}

class ProfileSession<M> {
  private readonly start: number;
  private readonly total: number;
  /** Time spent paused or waiting for visibility, ms: left out of the ETA and the warm-up cap. */
  private idleMs = 0;
  private done = 0;
  private current = '';
  private reference: Prepared<M> | null = null;
  private readonly referenceSeries: ReferenceSeries['drift'] = [];
  /** Models not yet disposed, disposed on every way out. */
  private readonly alive = new Set<Prepared<M>>();

  constructor(private readonly request: ProfileRequest<M>, private readonly options: ProfileOptions) {
    this.start = request.clock.now();
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
      for (let first = 0; first < cells.length; first += this.options.groupSize) {
        const group: Prepared<M>[] = [];
        for (const ops of cells.slice(first, first + this.options.groupSize)) group.push(await this.prepare(ops));
        await this.sampleRoundRobin(group);
        for (const cell of group) {
          const result = this.finish(cell);
          results.push(result);
          this.request.onResult?.(result);
        }
      }
      if (this.reference) await this.referenceSample();
    } catch (err) {
      if (!(err instanceof Cancelled)) throw err;
      cancelled = true;
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
    };
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
      ops: opsIn.slice(), archStr, model, buildMs: clock.now() - t0, coldMs: NaN, k: 1,
      warmupRuns: 0, warmupStable: false, samples: [], discarded: 0,
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
    const begin = this.request.clock.now();
    const idleBefore = this.idleMs;
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
      if (this.request.clock.now() - begin - (this.idleMs - idleBefore) >= maxMs) return;
    }
  }

  private async sampleRoundRobin(group: Prepared<M>[]): Promise<void> {
    const { minSamples, referenceEvery, maxDiscardedPerCell } = this.options;
    while (group.some((cell) => cell.samples.length < minSamples)) {
      for (const cell of group) {
        if (cell.samples.length >= minSamples) continue;
        this.current = cell.archStr;
        await this.checkpoint();
        const { ms, valid } = await this.timed(cell, cell.k);
        if (!valid) {
          if (++cell.discarded > maxDiscardedPerCell) {
            throw new Error(`${cell.archStr}: ${cell.discarded} samples were taken while the page was hidden; keep the tab visible while measuring`);
          }
          continue;
        }
        cell.samples.push(ms / cell.k);
        this.done++;
        this.report('sample');
        if (this.reference && this.done % referenceEvery === 0) await this.referenceSample();
      }
    }
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

  private finish(cell: Prepared<M>): CellMeasurement {
    this.request.runner.dispose(cell.model);
    this.alive.delete(cell);
    const { q1, median, q3, iqr } = quartiles(cell.samples);
    return {
      ops: cell.ops, archStr: cell.archStr, backend: this.request.runner.backend,
      buildMs: cell.buildMs, coldMs: cell.coldMs, k: cell.k, warmupRuns: cell.warmupRuns, warmupStable: cell.warmupStable,
      samples: cell.samples, medianMs: median, q1Ms: q1, q3Ms: q3, iqrMs: iqr, discardedHidden: cell.discarded,
    };
  }
}
