import { describe, expect, it } from 'vitest';
import { plannedIterations } from '../search/run-search';
import { curveLead, lesson6Settings, loopPhaseOf, phasesBetween, phaseText, randomSettings } from './selection-lesson';

describe('selection lesson', () => {
  it('runs the fast BRP-NAS preset in five iterations, and random search on the same seed and budget', () => {
    const settings = lesson6Settings(30, 4);
    expect(plannedIterations(settings)).toBe(5);
    expect(randomSettings(settings)).toMatchObject({ method: 'random', budget: 30, seed: 4, dataset: 'cifar100' });
  });

  it('lights the quick phases the worker skipped past, in loop order', () => {
    expect(phasesBetween(null, 'select')).toEqual(['select']);
    expect(phasesBetween('select', 'train')).toEqual(['query', 'train']);
    expect(phasesBetween('train', 'rank')).toEqual(['rank']);
    expect(phasesBetween('rank', 'select')).toEqual(['select']);
    expect(phasesBetween('rank', 'train')).toEqual(['select', 'query', 'train']);
    expect(phasesBetween('train', 'train')).toEqual([]);
    expect(loopPhaseOf('latency')).toBeNull();
    expect(loopPhaseOf('rank')).toBe('rank');
  });

  it('describes the first selection as random and the later ones as taken from the top fraction', () => {
    expect(phaseText('select', 0)).toMatch(/random/);
    expect(phaseText('select', 2)).toMatch(/top 1\/4/);
  });

  it('compares the curves at the last query both have', () => {
    expect(curveLead([70, 72, 73], [69, 70])).toEqual({ method: 72, random: 70, lead: 2 });
    expect(curveLead([], [1])).toBeNull();
    expect(curveLead([Number.NaN], [1])).toBeNull();
  });
});
