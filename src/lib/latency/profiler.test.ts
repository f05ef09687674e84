/**
 * The profiler on synthetic time (profiler-harness.ts); its re-measuring after slow phases is in
 * profiler-remeasure.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { opsToArchStr, opsToDigits, type OpVector } from '../spaces/nb201.ts';
import { evenGroupSize } from './profiler-options.ts';
import { A, B, C, REF, harness, request, steady, withCold } from './profiler-harness.ts';
import { profileCells, resolveOptions, type ProfileProgress } from './profiler.ts';

describe('evenGroupSize', () => {
  it('splits cells into as few groups as the maximum allows, of sizes within one of each other', () => {
    expect(evenGroupSize(50, 50)).toBe(50);
    expect(evenGroupSize(58, 50)).toBe(29);
    expect(evenGroupSize(101, 50)).toBe(34);
    expect(evenGroupSize(48, 8)).toBe(8);
    expect(evenGroupSize(3, 2)).toBe(2);
    expect(evenGroupSize(0, 50)).toBe(1);
  });
});

describe('profileCells', () => {
  it('grows K until a sample also lasts minSampleMs', async () => {
    const h = harness(withCold);
    const out = await profileCells(request(h, [A, B], { minSampleMs: 10 }));
    const [a, b] = out.results;
    expect(a.k).toBe(34); // ⌈10 ms / 0.3 ms⌉, far above the 20-tick (2 ms) floor
    expect(b.k).toBe(2); // ⌈10 ms / 5 ms⌉
    for (const r of out.results) expect(r.k * r.medianMs).toBeGreaterThanOrEqual(10 - 1e-9);
  });

  it('chooses K per cell so a sample spans ≥ 20 ticks, records cold runs apart, reports median and IQR of per-inference ms', async () => {
    const h = harness(withCold);
    const out = await profileCells(request(h, [A, B, C]));
    const [a, b, c] = out.results;
    expect(a.k).toBe(7); // ⌈2 ms / 0.3 ms⌉
    expect(b.k).toBe(1); // 5 ms already spans 50 ticks
    expect(c.k).toBe(200); // 10 µs reads as 0 at k = 1, then 0.1 ms at k = 10 → ⌈2 / 0.01⌉
    for (const r of out.results) {
      expect(r.samples).toHaveLength(15);
      expect(r.k * r.medianMs).toBeGreaterThanOrEqual(2 - 1e-9);
      expect(r.coldMs).toBeCloseTo((20 * steady[opsToDigits(r.ops)]) / 1000, 1);
      expect(r.archStr).toBe(opsToArchStr(r.ops));
      expect(r.backend).toBe('cpu');
      expect(r.warmupStable).toBe(true);
      expect(r.discardedHidden).toBe(0);
    }
    expect(a.medianMs).toBeCloseTo(0.3, 2);
    expect(a.iqrMs).toBeLessThan(0.02);
    expect(b.medianMs).toBe(5);
    expect(c.medianMs).toBeCloseTo(0.01, 4);
    expect(h.log.filter((e) => e.k === 1 && e.digits === '333333')).toHaveLength(2); // the cold run, then the first calibration run
    expect(out.cancelled).toBe(false);
    expect(out.leakedTensors).toBe(0);
    expect(h.built).toBe(3);
    expect(h.disposed).toBe(3);
  });

  it('warms up until the last samples agree, and stops at the cap when they never do', async () => {
    // Decaying warm-up: 4×, 2.5×, 1.75×, … the steady latency.
    const decaying = harness((d, run) => 1000 * (1 + 3 * 0.5 ** run));
    const warm = (await profileCells(request(decaying, [B]))).results[0];
    expect(warm.warmupStable).toBe(true);
    expect(warm.warmupRuns).toBeGreaterThan(5);
    expect(warm.medianMs).toBeCloseTo(1, 2);

    const jumpy = harness((d, run) => (run % 2 ? 3000 : 4000)); // k = 1, so every sample alternates ±14 %
    const capped = (await profileCells(request(jumpy, [B], { warmup: { maxRuns: 12 } }))).results[0];
    expect(capped.warmupStable).toBe(false);
    expect(capped.warmupRuns).toBe(12);
  });

  it('interleaves the cells of a group round-robin, group after group', async () => {
    const h = harness(withCold);
    await profileCells(request(h, [A, B, C], { groupSize: 2, minSamples: 4, warmup: { minRuns: 3, maxRuns: 3 } }));
    const sampling = (from: number, count: number) => h.log.slice(from, from + count).map((e) => e.digits);
    // Group 1 = A, B: after A's and B's preparation (cold + calibration + 3 warm-ups each) come 8 alternating samples.
    const firstSample = h.log.findIndex((e, i) => i > 0 && e.digits === '333333' && h.log[i - 1].digits === '222222');
    expect(sampling(firstSample, 8)).toEqual(['333333', '222222', '333333', '222222', '333333', '222222', '333333', '222222']);
    expect(h.log.slice(firstSample + 8).every((e) => e.digits === '111111')).toBe(true);
  });

  it('discards samples taken while the page was hidden and waits for it to be visible again', async () => {
    let sampling = false;
    let hiddenAtEnd = 0;
    let hiddenInBetween = 0;
    const h = harness(withCold, 100, (hh, call) => {
      if (!sampling) return;
      if (call % 5 === 0) {
        hh.clock.hidden = true; // hidden at the end of this run
        hh.clock.changes++;
        hiddenAtEnd++;
      } else if (call % 7 === 0) {
        hh.clock.changes += 2; // hidden and back during the run: visible at both ends
        hiddenInBetween++;
      }
    });
    const sleep = h.clock.sleep;
    h.clock.sleep = async (ms) => {
      await sleep(ms);
      if (h.clock.hidden && ms > 0) {
        h.clock.hidden = false; // the visitor comes back after one poll
        h.clock.changes++;
      }
    };
    const progress: ProfileProgress[] = [];
    const out = await profileCells(
      request(
        h,
        [A, B],
        { warmup: { minRuns: 3, maxRuns: 3 } },
        {
          onProgress: (p) => {
            progress.push(p);
            sampling = p.phase === 'sample' || sampling;
          },
        },
      ),
    );
    const discarded = out.results.reduce((n, r) => n + r.discardedHidden, 0);
    expect(hiddenAtEnd).toBeGreaterThan(3);
    expect(hiddenInBetween).toBeGreaterThan(1);
    expect(discarded).toBe(hiddenAtEnd + hiddenInBetween);
    for (const r of out.results) expect(r.samples).toHaveLength(15);
    expect(h.log.every((e) => !e.hiddenAtStart)).toBe(true);
    expect(progress.some((p) => p.phase === 'hidden')).toBe(true);
  });

  it('gives up on a cell when the page keeps being hidden', async () => {
    const h = harness(withCold, 100, (hh) => {
      hh.clock.changes++;
    });
    await expect(profileCells(request(h, [A], { maxDiscardedPerCell: 5 }))).rejects.toThrow(/6 samples were taken while the page was hidden/);
    expect(h.disposed).toBe(h.built);
  });

  it('re-times the reference cell every N candidate samples: a drift series that shows a slowing device', async () => {
    // Thermal throttling: everything slows by 100 % per simulated second (1 µs clock grain).
    const h = harness((d, run, nowUs) => withCold(d, run) * (1 + nowUs / 1_000_000), 1);
    // No extra samples here: on a device that only ever slows down, they would wait for a fast state that never returns.
    const out = await profileCells(request(h, [A, B, C], { referenceCell: REF, referenceEvery: 5, warmup: { minRuns: 3, maxRuns: 3 } }));
    const drift = out.reference!.drift;
    expect(out.reference!.archStr).toBe(opsToArchStr(REF));
    // One point before any candidate, one after each cell is built, one per 5 of the 45 samples, one at the end.
    expect(drift.map((p) => p.afterSamples)).toEqual([0, 0, 0, 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 45]);
    for (let i = 1; i < drift.length; i++) {
      expect(drift[i].atMs).toBeGreaterThan(drift[i - 1].atMs);
      expect(drift[i].ms).toBeGreaterThan(drift[i - 1].ms);
    }
    expect(drift[drift.length - 1].ms).toBeGreaterThan(drift[0].ms);
    expect(out.results.map((r) => r.archStr)).toEqual([A, B, C].map(opsToArchStr)); // the reference is not a result
    expect(h.disposed).toBe(4);
    expect(out.leakedTensors).toBe(0);
  });

  it('cancels at the next checkpoint: finished groups are kept, every model is disposed', async () => {
    const h = harness(withCold);
    const controller = new AbortController();
    const finished: string[] = [];
    const out = await profileCells(
      request(
        h,
        [A, B, C],
        { groupSize: 2, referenceCell: REF },
        {
          signal: controller.signal,
          onResult: (r) => finished.push(r.archStr),
          onProgress: (p) => {
            if (p.current === opsToArchStr(C) && p.phase === 'sample' && p.done === 32) controller.abort();
          },
        },
      ),
    );
    expect(out.cancelled).toBe(true);
    expect(out.results.map((r) => r.archStr)).toEqual([A, B].map(opsToArchStr));
    expect(finished).toEqual([A, B].map(opsToArchStr));
    expect(h.built).toBe(4);
    expect(h.disposed).toBe(4);
    expect(out.leakedTensors).toBe(0);
    const runsAfterAbort = h.log.length;
    expect(h.log[runsAfterAbort - 1].digits).toBe('111111');
  });

  it('on cancel keeps the cells of the group being sampled that have half their samples, and only those', async () => {
    const run = async (abortAt: number) => {
      const h = harness(withCold);
      const controller = new AbortController();
      const out = await profileCells(
        request(
          h,
          [A, B, C],
          {},
          {
            signal: controller.signal,
            onProgress: (p) => {
              if (p.phase === 'sample' && p.done === abortAt) controller.abort();
            },
          },
        ),
      );
      expect(h.disposed).toBe(h.built);
      return out;
    };
    // 3 cells in one group, sampled round-robin: after 25 samples A has 9, B and C 8 each.
    const late = await run(25);
    expect(late.cancelled).toBe(true);
    expect(late.results.map((r) => r.samples.length)).toEqual([9, 8, 8]);
    // After 22 samples A has 8, B and C only 7 of 15.
    const early = await run(22);
    expect(early.results.map((r) => r.archStr)).toEqual([opsToArchStr(A)]);
  });

  it('reports a runner that leaks tensors, and disposes everything when a build fails', async () => {
    const leaky = harness(withCold, 100, undefined, 1);
    expect((await profileCells(request(leaky, [A, B], { minSamples: 2 }))).leakedTensors).toBe(2);

    const h = harness(withCold);
    const build = h.runner.build;
    h.runner.build = async (ops) => {
      if (opsToDigits(ops) === '111111') throw new Error('out of GPU memory');
      return build(ops);
    };
    await expect(profileCells(request(h, [A, B, C], { groupSize: 3, referenceCell: REF }))).rejects.toThrow('out of GPU memory');
    expect(h.built).toBe(3);
    expect(h.disposed).toBe(3);
  });

  it('reports progress with an ETA that leaves paused time out', async () => {
    const h = harness(() => 1000);
    let pauses = 0;
    const progress: ProfileProgress[] = [];
    await profileCells(
      request(
        h,
        [A, B],
        { minSamples: 10 },
        {
          onProgress: (p) => progress.push(p),
          // One long pause (a minute) in the middle of sampling.
          pauseGate: async () => {
            if (progress.filter((p) => p.phase === 'sample').length === 10 && pauses++ === 0) h.clock.advanceUs(60_000_000);
          },
        },
      ),
    );
    const samples = progress.filter((p) => p.phase === 'sample');
    expect(samples.map((p) => p.done)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(samples.every((p) => p.total === 20)).toBe(true);
    expect(samples[samples.length - 1].etaMs).toBe(0);
    expect(progress[0].etaMs).toBeNull();
    // Each remaining sample costs ~2 ms of run time plus preparation overhead; a minute of pause must not show up.
    expect(samples[10].etaMs!).toBeLessThan(1000);
    expect(pauses).toBe(1);
  });

  it('re-measures nothing on a steady machine, and still reports every sample', async () => {
    const h = harness(withCold);
    const steadyRun = await profileCells(request(h, [A, B], { minSamples: 15 }));
    expect(steadyRun.disturbance).toMatchObject({ phases: [], remeasured: [], rounds: 0, waitedMs: 0, summary: 'no slow phases seen' });
    expect(steadyRun.disturbance.timeline).toHaveLength(30);
    expect(steadyRun.results.every((r) => !r.revised && r.remeasured === null && r.slowPhaseSamples === 0)).toBe(true);
  });

  it('validates options', () => {
    expect(() => resolveOptions({ timerResolutionMs: 0 })).toThrow(/timer resolution/);
    expect(() => resolveOptions({ timerResolutionMs: 0.1, minSamples: 0 })).toThrow(/minSamples/);
    expect(() => resolveOptions({ timerResolutionMs: 0.1, warmup: { minRuns: 9, maxRuns: 3 } })).toThrow(/minRuns/);
    expect(() => resolveOptions({ timerResolutionMs: 0.1, gapMs: -1 })).toThrow(/gapMs/);
    expect(resolveOptions({ timerResolutionMs: 0.1, minSamples: 20 }).maxDiscardedPerCell).toBe(80);
  });

  it('refuses a bad cell before measuring anything', async () => {
    const h = harness(withCold);
    await expect(profileCells(request(h, [A, [1, 2, 7] as unknown as OpVector]))).rejects.toThrow(/6 op codes/);
    expect(h.built).toBe(0);
  });
});
