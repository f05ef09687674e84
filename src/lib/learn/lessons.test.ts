import { describe, expect, it } from 'vitest';
import { parseHash, formatHash } from '../state/url-hash';
import { edgesOf, LEARN_PROPS } from './learn-url';
import { lessonById, LESSONS, neighbourLessons } from './lessons';

describe('LESSONS', () => {
  it('lists seven lessons with ids 1..7 and distinct slugs', () => {
    expect(LESSONS.map((l) => l.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(LESSONS.map((l) => l.slug)).size).toBe(7);
    expect(lessonById(4)?.slug).toBe('predicting-latency');
    expect(lessonById(8)).toBeUndefined();
  });

  it('finds the neighbours among the available lessons only', () => {
    expect(neighbourLessons(1, [1, 2, 4])).toEqual({ prev: null, next: 2 });
    expect(neighbourLessons(2, [4, 1, 2])).toEqual({ prev: 1, next: 4 });
    expect(neighbourLessons(4, [1, 2, 4])).toEqual({ prev: 2, next: null });
    expect(neighbourLessons(3, [1, 2, 4])).toEqual({ prev: null, next: 1 });
  });
});

describe('LEARN_PROPS', () => {
  it('round-trips a lesson and its settings through the hash, leaving defaults out', () => {
    const values = { ...parseHash('', LEARN_PROPS), 'l.lesson': 4, 'l.n': 200, 'l.edges': '000000' };
    const hash = formatHash(values, LEARN_PROPS);
    expect(hash).toBe('#l.lesson=4&l.edges=000000&l.n=200');
    expect(parseHash(hash, LEARN_PROPS)).toEqual(values);
  });

  it('falls back to the default cell for malformed edges', () => {
    const props = parseHash('#l.edges=12345x', LEARN_PROPS);
    expect(edgesOf(props)).toBe(LEARN_PROPS['l.edges'].default);
    expect(edgesOf({ ...props, 'l.edges': '444444' })).toBe('444444');
  });
});
