import { describe, expect, it } from 'vitest';
import {
  describeRunLevel,
  LEVEL_ANCHOR_COUNT,
  levelAnchors,
  MIN_CELLS_FOR_ANCHORS,
  MIN_LEVEL_ANCHORS,
  withAnchors,
  readAtLevel,
  runLevelMs,
  runLevels,
  type RunWithReference,
} from './level-correction';
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
    expect(levels.get('short')).toEqual({ runId: 'short', levelMs: null, baselineMs: null, anchorRatio: null, anchorCount: 0, factor: 1 });
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
    expect(describeRunLevel(levels.get('a'), 'reference')).toMatch(/^×0\.95\d \(0 anchor cells, too few; reference 3\.0\d ms, profile 2\.8\d ms\)$/);
    expect(describeRunLevel(levels.get('a'), 'none')).toMatch(/^as timed \(0 anchor cells, too few; reference 3\.0\d ms/);
    // Asked for anchors that the run lacks: as timed.
    expect(describeRunLevel(levels.get('a'), 'anchors')).toMatch(/^as timed \(0 anchor cells, too few;/);
    expect(describeRunLevel(undefined, 'reference')).toBe('as timed (0 anchor cells, too few; too few reference timings)');
  });
});

describe('level anchors', () => {
  /** A pass over `cells` at a machine level; each cell with its own ±3 % wobble that differs between passes. */
  const timedPass = (runId: string, level: number, cells: readonly number[], seed: number, profileId = 'p') =>
    cells.map((i) => {
      const ms = truth[i] * level * (1 + 0.03 * Math.sin(i * 2.3 + seed * 1.7));
      return { runId, profileId, archIndex: i, medianMs: ms * 1.05, iqrMs: ms * 0.02, samples: [ms, ms * 1.02, ms * 1.05, ms * 1.1, ms * 1.3] };
    });
  const anchors = [1, 5, 9, 13, 17, 21, 25, 29];
  const others = truth.map((_, i) => i).filter((i) => !anchors.includes(i));

  it('join every run of enough cells, spread among its cells, once each', () => {
    const cells = Array.from({ length: 20 }, (_, i) => 1000 + i);
    const run = withAnchors(cells, [7, 8, 1003]);
    expect(run).toHaveLength(22);
    expect(run.filter((i) => i < 1000)).toEqual([7, 8]);
    // Among the cells, not at the end: one in each half.
    expect(run.indexOf(7)).toBeLessThan(11);
    expect(run.indexOf(8)).toBeGreaterThan(11);
    expect(run.filter((i) => i >= 1000)).toEqual(cells);
    // A short run is left as it is.
    expect(withAnchors(cells.slice(0, MIN_CELLS_FOR_ANCHORS - 1), [7, 8])).toEqual(cells.slice(0, MIN_CELLS_FOR_ANCHORS - 1));
  });

  it('are spread evenly over the reference set', () => {
    const reference = Array.from({ length: 20 }, (_, k) => ({ index: 100 + k }));
    expect(levelAnchors(reference)).toEqual([101, 103, 106, 108, 111, 113, 116, 118]);
    expect(levelAnchors(reference)).toHaveLength(LEVEL_ANCHOR_COUNT);
    expect(levelAnchors(reference.slice(0, 3))).toEqual([100, 101, 102]);
  });

  it('read a pass that ran 10 % slow throughout at the level of the others, judged on the cells that are not anchors', () => {
    const runs = [run('one', null), run('two', null), run('three', null)];
    const entries = [...timedPass('one', 1.1, [...anchors, ...others], 1), ...timedPass('two', 1, [...anchors, ...others], 2), ...timedPass('three', 1, anchors, 3)];
    const levels = runLevels(runs, 'anchors', entries, anchors);
    expect(levels.get('one')!.anchorCount).toBe(anchors.length);
    expect(levels.get('one')!.anchorRatio).toBeGreaterThan(1.06);
    expect(levels.get('one')!.factor).toBeCloseTo(1 / levels.get('one')!.anchorRatio!, 12);
    const medianDifference = (read: typeof entries) => {
      const fast = (runId: string, i: number) => read.find((e) => e.runId === runId && e.archIndex === i)!.samples[0];
      const diffs = others.map((i) => Math.abs(fast('one', i) / fast('two', i) - 1)).sort((a, b) => a - b);
      return diffs[diffs.length >> 1];
    };
    expect(medianDifference(entries)).toBeGreaterThan(0.07);
    expect(medianDifference(readAtLevel(entries, levels))).toBeLessThan(0.035);
    // The same entries with `none`: every factor 1, the anchor ratio still reported.
    const none = runLevels(runs, 'none', entries, anchors);
    expect(none.get('one')!.factor).toBe(1);
    expect(none.get('one')!.anchorRatio).toBe(levels.get('one')!.anchorRatio);
    expect(describeRunLevel(levels.get('one'), 'anchors')).toMatch(/^×0\.9\d\d \(8 anchor cells at 1\.\d{3}× the profile's median; too few reference timings\)$/);
  });

  it('read each anchor by the statistic asked for: its fastest sample by default', () => {
    const runs = [run('one', null), run('two', null)];
    // Run one: the same fastest samples as run two, but the rest of each anchor's samples 20 % slower.
    const slowTail = timedPass('one', 1, anchors, 1).map((e) => ({ ...e, medianMs: e.medianMs * 1.2, samples: [e.samples[0], ...e.samples.slice(1).map((ms) => ms * 1.2)] }));
    const entries = [...slowTail, ...timedPass('two', 1, anchors, 1)];
    expect(runLevels(runs, 'anchors', entries, anchors).get('one')!.anchorRatio).toBeCloseTo(1, 12);
    expect(runLevels(runs, 'anchors', entries, anchors, 'fast-state').get('one')!.anchorRatio).toBeGreaterThan(1.01);
    expect(runLevels(runs, 'anchors', entries, anchors, 'median').get('one')!.anchorRatio).toBeGreaterThan(1.05);
  });

  it('need enough anchors timed in another run of the same profile', () => {
    const few = anchors.slice(0, MIN_LEVEL_ANCHORS - 1);
    const runs = [run('a', null), run('b', null), run('c', null, 'q')];
    const entries = [...timedPass('a', 1.2, few, 1), ...timedPass('b', 1, few, 2), ...timedPass('c', 1, anchors, 3, 'q')];
    const levels = runLevels(runs, 'anchors', entries, anchors);
    expect(levels.get('a')).toMatchObject({ anchorRatio: null, anchorCount: MIN_LEVEL_ANCHORS - 1, factor: 1 });
    // Alone in its profile: no other run to compare with.
    expect(levels.get('c')).toMatchObject({ anchorRatio: null, anchorCount: 0, factor: 1 });
    // An entry whose profile is not its run's (an import into another profile) does not count.
    const stray = timedPass('b', 1, anchors, 4, 'other');
    expect(runLevels(runs, 'anchors', [...entries, ...stray], anchors).get('b')!.anchorCount).toBe(MIN_LEVEL_ANCHORS - 1);
  });
});
