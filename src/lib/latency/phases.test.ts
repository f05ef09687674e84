/**
 * The phase logic on synthetic timings: a run of 48 cells in groups of 8 (15 samples each,
 * round-robin, one every 250 ms), on a machine that drifts 20 % slower over the run and has a
 * 1.7× slow phase from 60 s to 105 s. Probe and samples slow down together, with ±3 % noise.
 */
import { describe, expect, it } from 'vitest';
import { analysePhases, describeDisturbance, fastProbeMs, keptSamples, probeWorkload, quietBurst, resolvePhaseOptions, type SampleRecord } from './phases.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

interface Machine {
  speed(atMs: number): number;
}

const drift = (atMs: number) => 1 + 0.2 * (atMs / 180_000);
const phased: Machine = { speed: (t) => drift(t) * (t >= 60_000 && t < 105_000 ? 1.7 : 1) };
const driftOnly: Machine = { speed: drift };

const cellMs = (c: number) => 1 + c * 0.1;

function simulate(machine: Machine, seed = 1, cells = 48, groupSize = 8, samples = 15): SampleRecord[] {
  const noise = lcg(seed);
  const jitter = () => 1 + 0.06 * (noise() - 0.5);
  const records: SampleRecord[] = [];
  let t = 0;
  for (let first = 0; first < cells; first += groupSize) {
    for (let s = 0; s < samples; s++) {
      for (let c = first; c < Math.min(cells, first + groupSize); c++) {
        const speed = machine.speed(t);
        records.push({ cell: `c${c}`, atMs: t, sampleMs: cellMs(c) * speed * jitter(), probeMs: 2 * speed * jitter() });
        t += 250;
      }
    }
  }
  return records;
}

describe('analysePhases', () => {
  it('finds one slow phase at 60–105 s, about 1.7×, and nothing in the drift around it', () => {
    const records = simulate(phased);
    const a = analysePhases(records);
    expect(a.phases).toHaveLength(1);
    const [p] = a.phases;
    expect(p.startMs).toBeGreaterThanOrEqual(59_000);
    expect(p.startMs).toBeLessThanOrEqual(61_000);
    expect(p.endMs).toBeGreaterThanOrEqual(104_000);
    expect(p.endMs).toBeLessThanOrEqual(106_000);
    expect(p.slowdown).toBeGreaterThan(1.55);
    expect(p.slowdown).toBeLessThan(1.85);
    records.forEach((r, i) => {
      if (r.atMs < 59_000 || r.atMs > 106_000) expect(a.inSlowPhase[i]).toBe(false);
      if (r.atMs > 61_000 && r.atMs < 104_000) expect(a.inSlowPhase[i]).toBe(true);
    });
  });

  it('re-measures exactly the cells left with fewer than 8 samples outside the slow phase, and says why', () => {
    const records = simulate(phased);
    const a = analysePhases(records);
    const fastSamples = (cell: string) => records.filter((r, i) => r.cell === cell && !a.inSlowPhase[i]).length;
    const cells = Array.from({ length: 48 }, (_, i) => `c${i}`);
    // Groups of 8 cells take 30 s: cells 16–23 (60–90 s) wholly in the phase, cells 24–31 (90–120 s) half.
    expect(a.remeasure.map((d) => d.cell)).toEqual(cells.filter((c) => fastSamples(c) < 8));
    for (let c = 16; c < 24; c++) expect(a.remeasure.map((d) => d.cell)).toContain(`c${c}`);
    expect(a.remeasure.some((d) => Number(d.cell.slice(1)) < 16 || Number(d.cell.slice(1)) >= 32)).toBe(false);
    for (const d of a.remeasure) {
      expect(d.reason).toBe('slow-phase');
      expect(d.samples).toBe(15);
      expect(d.slowSamples).toBeGreaterThan(7);
      expect(d.slowdown).toBeGreaterThan(1.5);
    }
    expect(describeDisturbance(a.phases, a.remeasure.length)).toMatch(
      new RegExp(`^the machine ran slow for 4[45] s in 1 stretch \\(probes 1\\.[6-8]× slower, up to 1\\.[7-9]×\\); re-measured ${a.remeasure.length} cells$`),
    );
  });

  it('follows slow drift without calling it a phase, and normalises samples to the fast state', () => {
    const records = simulate(driftOnly, 7);
    const a = analysePhases(records);
    expect(a.phases).toEqual([]);
    expect(a.remeasure).toEqual([]);
    expect(describeDisturbance(a.phases, 0)).toBe('no slow phases seen');
    // The baseline follows the drift: late baselines are higher than early ones.
    const early = a.baselineMs[records.findIndex((r) => r.atMs >= 10_000)];
    const late = a.baselineMs[records.findIndex((r) => r.atMs >= 170_000)];
    expect(late / early).toBeGreaterThan(1.03); // the 10 % quantile of 0–130 s vs of 50–180 s
  });

  it('normalising by the probe brings phase samples back near their fast-state times', () => {
    const records = simulate(phased, 3);
    const a = analysePhases(records);
    records.forEach((r, i) => {
      if (!a.inSlowPhase[i]) return;
      const c = Number(r.cell.slice(1));
      const fast = cellMs(c) * drift(r.atMs);
      expect(Math.abs(a.normalisedMs[i] / fast - 1)).toBeLessThan(0.15); // probe and sample jitter ±3 % each, a baseline at the 10 % quantile
    });
  });

  it("keeps a re-measured cell's fast samples, and all of them when too few are fast", () => {
    const records = simulate(phased);
    const a = analysePhases(records);
    const half = keptSamples(records, a, 'c28', 5).map((r) => r.sampleMs); // 90–120 s: about half its samples are fast
    expect(half.length).toBeGreaterThanOrEqual(5);
    expect(half.length).toBeLessThan(15);
    expect(keptSamples(records, a, 'c20', 5)).toHaveLength(15); // wholly slow: keeps all
    expect(keptSamples(records, a, 'c0', 5)).toHaveLength(15);
  });

  it('reads records in any order (a re-measurement appends later ones) and clears a re-timed cell', () => {
    const records = simulate(phased);
    const redo = records.filter((r) => r.cell === 'c20').map((r, s) => ({ ...r, atMs: 200_000 + s * 250, sampleMs: cellMs(20) * drift(200_000), probeMs: 2 * drift(200_000), attempt: 1 }));
    const shuffled = [...redo, ...records].reverse();
    const a = analysePhases(shuffled);
    expect(a.phases).toHaveLength(1);
    // Judged on its latest attempt, c20 is done; the other cells of the phase still wait.
    expect(a.remeasure.map((d) => d.cell)).not.toContain('c20');
    expect(a.remeasure).toHaveLength(analysePhases(records).remeasure.length - 1);
    // A cell is judged on all its samples: a re-measurement in the slow phase leaves it short of fast ones.
    const slowRedo = analysePhases([...records, ...redo.map((r) => ({ ...r, atMs: r.atMs - 130_000, probeMs: 4 }))]);
    expect(slowRedo.remeasure.find((d) => d.cell === 'c20')).toMatchObject({ samples: 30, slowSamples: 30 });
    const keep = keptSamples(shuffled, a, 'c20', 5).map((r) => r.sampleMs);
    expect(keep).toHaveLength(15);
    for (const ms of keep) expect(ms).toBeCloseTo(cellMs(20) * drift(200_000), 9);
  });

  it('a machine shared with busy threads: one stretch, not dozens of blips, though most single probes look fast', () => {
    // 20 % drift over the run; 40–80 s another process shares the cores: each (long) sample runs
    // 1.3–1.6× slower, but a (short) probe is delayed 2–6× only one time in three. Outside it, one
    // probe in fifty is delayed (ordinary noise).
    const noise = lcg(11);
    const shared = (t: number) => t >= 40_000 && t < 80_000;
    const records: SampleRecord[] = [];
    let t = 0;
    for (let first = 0; first < 48; first += 8) {
      for (let s = 0; s < 15; s++) {
        for (let c = first; c < first + 8; c++) {
          const d = drift(t);
          const busy = shared(t);
          const delayed = noise() < (busy ? 1 / 3 : 1 / 50);
          records.push({ cell: `c${c}`, atMs: t, sampleMs: cellMs(c) * d * (busy ? 1.3 + 0.3 * noise() : 1 + 0.03 * noise()), probeMs: 2 * d * (delayed ? 2 + 4 * noise() : 1 + 0.03 * noise()) });
          t += 250;
        }
      }
    }
    const a = analysePhases(records);
    expect(a.phases).toHaveLength(1);
    expect(a.phases[0].startMs).toBeGreaterThan(38_000);
    expect(a.phases[0].startMs).toBeLessThan(42_000);
    expect(a.phases[0].endMs).toBeGreaterThan(78_000);
    expect(a.phases[0].endMs).toBeLessThan(82_000);
    expect(a.phases[0].peakSlowdown).toBeGreaterThan(2.5);
    expect(a.phases[0].delayedShare).toBeGreaterThan(0.2);
    // Samples of the stretch whose own probe was fast are still left out: their sample was not.
    const fastProbeInStretch = records.map((r, i) => i).filter((i) => records[i].atMs > 42_000 && records[i].atMs < 78_000 && a.slowdown[i] < 1.1);
    expect(fastProbeInStretch.length).toBeGreaterThan(0);
    for (const i of fastProbeInStretch) expect(a.inSlowPhase[i]).toBe(true);
    // Cells 8–15 (30–60 s) have 5 samples before the stretch (< 8), cells 16–23 (60–90 s) 7 after
    // it (< 8): both groups are re-measured, the others not.
    expect(a.remeasure.map((d) => d.cell)).toEqual(Array.from({ length: 16 }, (_, i) => `c${8 + i}`));
    // The cells kept from outside it are close to their fast-state latency.
    for (const c of [0, 30, 47]) {
      const kept = keptSamples(records, a, `c${c}`, 8);
      expect(kept).toHaveLength(15);
      for (const r of kept) expect(r.sampleMs / (cellMs(c) * drift(r.atMs))).toBeLessThan(1.04);
    }
    expect(describeDisturbance(a.phases, a.remeasure.length, 12_400)).toMatch(
      /^the machine ran slow for (39|4\d) s in 1 stretch \((2\d|3\d) % of probes delayed, up to [2-6]\.\d×\); re-measured 16 cells, after waiting 12 s for it to settle$/,
    );
    // Cells left as timed because the machine was still slow are named apart from those re-measured.
    expect(describeDisturbance(a.phases, 8, 30_000, undefined, 8)).toMatch(
      /; re-measured 8 cells, after waiting 30 s for it to settle; 8 cells not re-measured: the machine was still slow after waiting 30 s$/,
    );
    expect(describeDisturbance(a.phases, 0, 30_000, undefined, 1)).toMatch(/×\); 1 cell not re-measured: the machine was still slow after waiting 30 s$/);
  });

  it('a quiet machine whose probes are now and then delayed (one in fifty, up to 3×) has no phase', () => {
    const noise = lcg(21);
    // Real spacing: a sample and its probe every 32 ms, 50 cells × 15 samples.
    const records: SampleRecord[] = Array.from({ length: 750 }, (_, i) => ({
      cell: `c${Math.floor(i / 15)}`,
      atMs: i * 32,
      sampleMs: 1 + 0.03 * noise(),
      probeMs: 1.7 * (noise() < 1 / 50 ? 1.3 + 1.7 * noise() : 1 + 0.03 * noise()),
    }));
    const a = analysePhases(records);
    expect(a.phases).toEqual([]);
    expect(a.remeasure).toEqual([]);
    // A real disturbance on the same machine, 8 s of every third probe delayed, is one phase.
    const disturbed = records.map((r, i) => (r.atMs >= 10_000 && r.atMs < 18_000 && i % 3 === 0 ? { ...r, probeMs: r.probeMs * 3 } : r));
    const b = analysePhases(disturbed);
    expect(b.phases).toHaveLength(1);
    expect(b.phases[0].endMs - b.phases[0].startMs).toBeGreaterThan(7_000);
  });

  it('merges slow stretches closer than mergeGapMs into one phase', () => {
    const records = simulate(driftOnly, 9);
    const slowAt = (t: number) => (t >= 30_000 && t < 40_000) || (t >= 45_000 && t < 55_000);
    const bumped = records.map((r) => (slowAt(r.atMs) ? { ...r, probeMs: r.probeMs * 1.8 } : r));
    expect(analysePhases(bumped).phases).toHaveLength(2);
    const merged = analysePhases(bumped, { mergeGapMs: 6_000 });
    expect(merged.phases).toHaveLength(1);
    expect(merged.phases[0].startMs).toBeLessThan(31_000);
    expect(merged.phases[0].endMs).toBeGreaterThan(54_000);
  });

  it('the probe workload is deterministic', () => {
    expect(probeWorkload(1000)).toBe(probeWorkload(1000));
  });

  it('ignores a short blip below minPhaseSamples', () => {
    const records = simulate(driftOnly, 5);
    for (const i of [100, 101]) records[i] = { ...records[i], probeMs: records[i].probeMs * 3 };
    expect(analysePhases(records, { smoothSamples: 1 }).phases).toEqual([]);
  });

  it('validates options and records', () => {
    expect(() => resolvePhaseOptions({ smoothSamples: 2 })).toThrow(/odd/);
    expect(() => resolvePhaseOptions({ baselineQuantile: 2 })).toThrow(/baselineQuantile/);
    expect(() => resolvePhaseOptions({ busyFraction: 1 })).toThrow(/busyFraction/);
    expect(() => resolvePhaseOptions({ minPhaseMs: -1 })).toThrow(/minPhaseMs/);
    expect(() => resolvePhaseOptions({ minFastSamples: 0 })).toThrow(/minFastSamples/);
    expect(() => analysePhases([{ cell: 'x', atMs: 0, sampleMs: 1, probeMs: 0 }])).toThrow(/probe/);
    expect(analysePhases([]).phases).toEqual([]);
  });
});

describe('quietBurst', () => {
  const o = resolvePhaseOptions();
  it("compares with the fast state of the run's probes, their low quantile", () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ probeMs: i < 50 ? 1 + i / 1000 : 2 }));
    expect(fastProbeMs(records, o)).toBeCloseTo(1.0099, 4);
  });
  it('is quiet when the median is near the fast state and few probes are delayed', () => {
    expect(quietBurst([1, 1.02, 0.99, 1.05, 1, 1.01, 1, 1.03, 0.98, 1], 1, o)).toBe(true);
    // One delayed probe in ten is within the busy share.
    expect(quietBurst([1, 1.02, 0.99, 2, 1, 1.01, 1, 1.03, 0.98, 1], 1, o)).toBe(true);
  });
  it('is not quiet when the machine is slow as a whole, or busy threads delay several probes', () => {
    expect(quietBurst([1.5, 1.52, 1.49, 1.55, 1.5, 1.51, 1.5, 1.53, 1.48, 1.5], 1, o)).toBe(false);
    expect(quietBurst([1, 2, 0.99, 2, 1, 2.5, 1, 1.03, 0.98, 1], 1, o)).toBe(false);
  });
});
