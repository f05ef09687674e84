/** The profiler's re-measuring of cells timed in a slow phase, on synthetic time (profiler-harness.ts). */
import { describe, expect, it } from 'vitest';
import { digitsToOps, opsToArchStr, opsToDigits } from '../spaces/nb201.ts';
import { REF, harness, request, type FakeModel } from './profiler-harness.ts';
import { profileCells, type ProfileRequest } from './profiler.ts';
import { cellLatencyMs } from './stats.ts';

describe('profileCells after a slow phase', () => {
  /**
   * 16 cells in one group with the reference cell. Once every model is built and two rounds of
   * samples are taken, the machine runs 1.7× slower, so each cell has two fast samples of 12. It
   * recovers once the reference cell is timed `recoverAfter` times in a row (only a profiler that
   * waits on it sees that), or never.
   */
  async function slowAfterTwoRounds(options: Partial<ProfileRequest<FakeModel>['options']>, recoverAfter = 3, minSamples = 12, onProgress?: ProfileRequest<FakeModel>['onProgress']) {
    const cells = Array.from({ length: 16 }, (_, i) => digitsToOps(`${i % 5}${Math.floor(i / 5)}3333`));
    const baseUs = (digits: string) => (digits === '444444' ? 1000 : 200 + 40 * Number(digits[0]) + 200 * Number(digits[1]));
    let sampled = 0;
    let streak = 0;
    let recovered = false;
    // Counted from the last model's build: its cold run, two runs choosing K and five warm-up runs come first.
    const twoRounds = 8 + 2 * 16;
    const slow = () => (sampled >= twoRounds && !recovered ? 1.7 : 1);
    const h = harness(
      (digits, run) => (run === 0 ? 20 : 1) * baseUs(digits) * slow(),
      100,
      (self, call) => {
        const { digits } = self.log[call];
        if (digits === '444444') {
          if (++streak >= recoverAfter && sampled >= twoRounds) recovered = true;
          return;
        }
        streak = 0;
        if (self.built >= 17) sampled++;
      },
    );
    const results: { archStr: string; revised: boolean }[] = [];
    const totals: number[] = [];
    const out = await profileCells(request(h, cells, { referenceCell: REF, minSamples, ...options }, { onResult: (r) => results.push(r), onProgress: (p) => (totals.push(p.total), onProgress?.(p)) }));
    return { out, h, cells, baseUs, results, totals };
  }

  it('reads a slow phase from the samples, waits for the reference to run fast, re-measures the cells caught in it and reports why', async () => {
    const { out, h, cells, baseUs, results, totals } = await slowAfterTwoRounds({});
    const d = out.disturbance;
    expect(d.phases).toHaveLength(1);
    expect(d.phases[0].slowdown).toBeCloseTo(1.7, 1);
    const all = cells.map(opsToArchStr);
    expect(d.remeasured.map((x) => x.cell)).toEqual(all);
    for (const x of d.remeasured) {
      expect(x).toMatchObject({ reason: 'slow-phase', samples: 12 });
      expect(x.slowSamples).toBeGreaterThanOrEqual(10);
    }
    expect(d.rounds).toBe(1);
    expect(d.waitedMs).toBeGreaterThan(0);
    expect(d.stillSlow).toEqual([]);
    expect(d.summary).toMatch(/^the machine ran slow for \d+ s in 1 stretch \(networks 1\.7× slower, up to 1\.\d×\); re-measured 16 cells/);
    expect(d.timeline).toHaveLength(2 * 16 * 12);
    expect(Math.max(...totals)).toBe(2 * 16 * 12);
    // 16 first results, then the 16 re-measured ones again, revised, at their fast-state latency.
    expect(results).toHaveLength(32);
    expect(results.slice(16).map((r) => r.archStr)).toEqual(all);
    expect(results.slice(16).every((r) => r.revised)).toBe(true);
    for (const r of out.results) {
      expect(cellLatencyMs(r) / (baseUs(opsToDigits(r.ops)) / 1000)).toBeLessThan(1.05);
      expect(r.sampleAtMs).toHaveLength(r.samples.length);
      expect(r.remeasured).toMatchObject({ reason: 'slow-phase' });
      expect(r.slowPhaseSamples).toBeGreaterThanOrEqual(10);
    }
    expect(h.disposed).toBe(h.built);
  });

  it('re-measures in groups of remeasureGroupSize, each built first and sampled once the reference runs fast', async () => {
    const progress: { phase: string; done: number }[] = [];
    const { out, h } = await slowAfterTwoRounds({ remeasureGroupSize: 8 }, 3, 12, (p) => progress.push(p));
    const d = out.disturbance;
    expect(d.remeasured).toHaveLength(16);
    expect(h.built).toBe(17 + 16);
    // The re-measured samples come in two stretches of 8 cells each, one after the other.
    const again = d.timeline.slice(16 * 12);
    const first = new Set(again.slice(0, 8 * 12).map((r) => r.cell));
    const second = new Set(again.slice(8 * 12).map((r) => r.cell));
    expect(first.size).toBe(8);
    expect(second.size).toBe(8);
    expect([...first].some((c) => second.has(c))).toBe(false);
    // Each group: its builds, then the reference timed (the wait), then its first sample.
    const afterPass = progress.slice(progress.findIndex((p) => p.done === 16 * 12) + 1);
    const blocks = afterPass.flatMap((p, i) => (p.phase === 'prepare' && afterPass[i + 1]?.phase !== 'prepare' ? [i] : []));
    expect(blocks).toHaveLength(2);
    for (const end of blocks) {
      const rest = afterPass.slice(end + 1);
      const firstSample = rest.findIndex((p) => p.done > afterPass[end].done);
      expect(rest.slice(0, firstSample).some((p) => p.phase === 'reference')).toBe(true);
    }
  });

  it('on a machine that stays slow, waits once within the budget, then keeps the samples rather than re-measure inside the slow phase', async () => {
    const { out, h, cells, baseUs } = await slowAfterTwoRounds({ maxWaitForFastMs: 5_000 }, Infinity);
    const d = out.disturbance;
    expect(d.rounds).toBe(0);
    expect(d.remeasured).toEqual([]);
    expect(d.stillSlow.map((x) => x.cell)).toEqual(cells.map(opsToArchStr));
    expect(d.waitedMs).toBeGreaterThanOrEqual(5_000);
    expect(d.waitedMs).toBeLessThan(6_000);
    expect(d.summary).toMatch(/\); 16 cells not re-measured: the machine was still slow after waiting 5 s; the reference network ran over 20 % slow for \d+ s$/);
    // The first group of re-measured cells was built, then released unsampled when the wait ran out.
    expect(h.built).toBe(17 + 16);
    expect(h.disposed).toBe(h.built);
    // They keep every sample, and the fast state of most still comes from their fast ones.
    for (const r of out.results) {
      expect(r.samples).toHaveLength(12);
      expect(r.remeasured).toBeNull();
    }
    expect(out.results.filter((r) => cellLatencyMs(r) / (baseUs(opsToDigits(r.ops)) / 1000) < 1.2).length).toBeGreaterThan(12);
    // With no time to wait at all, the same.
    const hasty = (await slowAfterTwoRounds({ maxWaitForFastMs: 0 })).out.disturbance;
    expect(hasty.rounds).toBe(0);
    expect(hasty.stillSlow).toHaveLength(16);
  });

  it('without a reference cell to wait on, reports the phase and re-measures nothing', async () => {
    const cells = Array.from({ length: 16 }, (_, i) => digitsToOps(`${i % 5}${Math.floor(i / 5)}3333`));
    let runs = 0;
    const h = harness(
      (digits, run) => (run === 0 ? 20 : 1) * 300 * (runs > 16 * 10 + 32 ? 1.7 : 1),
      100,
      (self) => {
        if (self.built >= 16) runs++;
      },
    );
    const out = await profileCells(request(h, cells));
    expect(out.disturbance.phases).toHaveLength(1);
    expect(out.disturbance.remeasured).toEqual([]);
    expect(out.disturbance.rounds).toBe(0);
    expect(h.built).toBe(16);
  });

  it('only reports phases, re-measuring nothing, when a quick protocol takes fewer than 5 samples per cell', async () => {
    const { out, results } = await slowAfterTwoRounds({}, 3, 4);
    expect(out.disturbance.phases).toHaveLength(1);
    expect(out.disturbance.remeasured).toEqual([]);
    expect(results).toHaveLength(16);
    expect(out.results.every((r) => r.samples.length === 4 && !r.revised)).toBe(true);
  });

  /**
   * 16 cells on a machine 1.7× slow from the start, the reference cell included, until the reference
   * is timed 3 times in a row (the wait): the samples alone show no phase. `knownFastMs`: the
   * reference's fast state from earlier runs (its steady time is 1 ms).
   */
  async function slowThroughout(knownFastMs: number | null) {
    const cells = Array.from({ length: 16 }, (_, i) => digitsToOps(`${i % 5}${Math.floor(i / 5)}3333`));
    const baseUs = (digits: string) => (digits === '444444' ? 1000 : 200 + 40 * Number(digits[0]) + 200 * Number(digits[1]));
    let streak = 0;
    let recovered = false;
    const h = harness(
      (digits, run) => (run === 0 ? 20 : 1) * baseUs(digits) * (recovered ? 1 : 1.7),
      100,
      (self, call) => {
        if (self.log[call].digits !== '444444') streak = 0;
        // Counted once every cell is built: the reference's own warm-up runs come in a row too.
        else if (++streak >= 3 && self.built >= 17) recovered = true;
      },
    );
    const out = await profileCells(request(h, cells, { referenceCell: REF, minSamples: 12, referenceFastMs: knownFastMs }));
    return { out, h, cells, baseUs };
  }

  it('re-measures every cell of a run slow as a whole against the fast state of earlier runs, and says so', async () => {
    const { out, h, cells, baseUs } = await slowThroughout(1.0);
    const d = out.disturbance;
    expect(d.slowRun).toMatchObject({ knownFastMs: 1 });
    expect(d.slowRun!.slowdown).toBeCloseTo(1.7, 1);
    expect(d.remeasured.map((x) => x.cell)).toEqual(cells.map(opsToArchStr));
    expect(d.remeasured.every((x) => x.reason === 'slow-run')).toBe(true);
    expect(d.summary).toMatch(/^the whole run ran 1\.7× slower than earlier runs on this backend \(the reference network 1\.70 ms against 1\.00 ms\); .*re-measured 16 cells/);
    expect(h.built).toBe(17 + 16);
    // Re-timed at the fast state, every cell reads its own latency, not 1.7× it.
    for (const r of out.results) expect(cellLatencyMs(r) / (baseUs(opsToDigits(r.ops)) / 1000)).toBeLessThan(1.05);
    expect(h.disposed).toBe(h.built);
  });

  it('cannot see a run slow as a whole without earlier runs to compare with', async () => {
    const { out, h } = await slowThroughout(null);
    expect(out.disturbance).toMatchObject({ slowRun: null, remeasured: [], phases: [] });
    expect(h.built).toBe(17);
  });
});
