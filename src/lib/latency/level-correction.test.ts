import { describe, expect, it } from 'vitest';
import { describeRunLevel, readAtLevel, runLevelMs, runLevels, type RunWithReference } from './level-correction';
import { MIN_FAST_STATE_POINTS } from './reference-speed';
import { spearman } from '../predictor/metrics';

/** Reference timings of a run at `levelMs`: mostly at the level, a slow tail above it. */
const drift = (levelMs: number, n = 60) => Array.from({ length: n }, (_, i) => levelMs * (i % 5 === 0 ? 1.4 : 1 + (i % 7) * 0.002));
const run = (runId: string, levelMs: number | null, profileId = 'p', archStr = 'ref'): RunWithReference => ({
  runId,
  profileId,
  reference: levelMs === null ? null : { archStr, driftMs: drift(levelMs) },
});

/** The cells' true times and a pass of them at a machine level, with ±1 % noise that is the same in every pass. */
const truth = Array.from({ length: 40 }, (_, i) => 2 + ((i * 37) % 40) * 0.25);
const pass = (runId: string, level: number) =>
  truth.map((ms, i) => {
    const timed = ms * level * (1 + 0.01 * Math.sin(i * 3.1));
    return { runId, archIndex: i, medianMs: timed * 1.05, iqrMs: timed * 0.02, samples: [timed, timed * 1.05, timed * 1.3] };
  });

describe('runLevelMs', () => {
  it('is the fast state of the reference timings, and null with too few of them', () => {
    expect(runLevelMs(run('a', 3))).toBeCloseTo(3, 1);
    expect(runLevelMs({ reference: { archStr: 'ref', driftMs: drift(3, MIN_FAST_STATE_POINTS - 1) } })).toBeNull();
    expect(runLevelMs({ reference: null })).toBeNull();
    // A non-finite timing is not counted.
    expect(runLevelMs({ reference: { archStr: 'ref', driftMs: [...drift(3, MIN_FAST_STATE_POINTS - 1), Number.NaN] } })).toBeNull();
  });
});

describe('runLevels and readAtLevel', () => {
  it('reads a pass that ran 8 % slow throughout at the level of the others, so the passes agree', () => {
    const runs = [run('one', 2.96), run('two', 2.74), run('three', 2.75)];
    const levels = runLevels(runs, 'reference');
    expect(levels.get('three')!.baselineMs).toBeCloseTo(2.75, 1);
    expect(levels.get('one')!.factor).toBeCloseTo(2.75 / 2.96, 2);
    const entries = [...pass('one', 2.96 / 2.75), ...pass('two', 2.74 / 2.75)];
    const medianDifference = (read: typeof entries) => {
      const diffs = truth.map((_, i) => Math.abs(read[truth.length + i].samples[0] / read[i].samples[0] - 1)).sort((a, b) => a - b);
      return diffs[diffs.length >> 1];
    };
    expect(medianDifference(entries)).toBeGreaterThan(0.07);
    const read = readAtLevel(entries, levels);
    expect(medianDifference(read)).toBeLessThan(0.01);
    // Median, IQR and every sample are scaled by the same factor; the ranking within a pass is untouched.
    const f = levels.get('one')!.factor;
    expect(read[0].medianMs).toBeCloseTo(entries[0].medianMs * f, 12);
    expect(read[0].iqrMs).toBeCloseTo(entries[0].iqrMs * f, 12);
    expect(
      spearman(
        read.slice(0, 40).map((e) => e.medianMs),
        truth,
      ),
    ).toBeCloseTo(
      spearman(
        entries.slice(0, 40).map((e) => e.medianMs),
        truth,
      ),
      12,
    );
  });

  it('leaves every cell as timed with `none`, and runs without a level or another reference cell or profile apart', () => {
    const runs = [run('a', 3), run('b', 2.7), run('short', null), { ...run('c', 4, 'p', 'other-ref') }, run('d', 6, 'webgl-profile')];
    const none = runLevels(runs, 'none');
    expect([...none.values()].every((l) => l.factor === 1)).toBe(true);
    expect(none.get('a')!.levelMs).toBeCloseTo(3, 1);
    const levels = runLevels(runs, 'reference');
    expect(levels.get('short')).toEqual({ runId: 'short', levelMs: null, baselineMs: null, factor: 1 });
    // Alone in their group (another reference cell, another profile): the run is its own baseline.
    expect(levels.get('c')!.factor).toBe(1);
    expect(levels.get('d')!.factor).toBe(1);
    expect(levels.get('a')!.factor).toBeCloseTo(2.85 / 3, 2);
    // An import has no run record: read as stored, the same object.
    const imported = { runId: 'import-1', medianMs: 5, iqrMs: 1, samples: [] };
    expect(readAtLevel([imported], levels)[0]).toBe(imported);
  });

  it('describes how each run was read', () => {
    const levels = runLevels([run('a', 3), run('b', 2.7)], 'reference');
    expect(describeRunLevel(levels.get('a'), 'reference')).toMatch(/^×0\.95\d \(reference 3\.0\d ms, profile 2\.8\d ms\)$/);
    expect(describeRunLevel(levels.get('a'), 'none')).toMatch(/^as timed \(reference 3\.0\d ms/);
    expect(describeRunLevel(undefined, 'reference')).toBe('as timed (too few reference timings)');
  });
});
