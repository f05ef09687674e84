import { describe, expect, test } from 'vitest';
import { SeededRandom, deriveSeed, shuffleInPlace } from './rng.ts';

describe('SeededRandom', () => {
  test('same seed → same stream; other seed → other stream', () => {
    const draw = (seed: number) => Array.from({ length: 8 }, (() => { const r = new SeededRandom(seed); return () => r.next(); })());
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  test('uniform draws stay in range and fill it', () => {
    const rng = new SeededRandom(3);
    const values = Array.from({ length: 4000 }, () => rng.uniform(-0.5, 0.5));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...values)).toBeLessThan(0.5);
    expect(Math.abs(values.reduce((a, b) => a + b, 0) / values.length)).toBeLessThan(0.02);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[rng.int(5)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

describe('deriveSeed and shuffle', () => {
  test('tags separate streams', () => {
    expect(deriveSeed(7, 1, 2)).toBe(deriveSeed(7, 1, 2));
    expect(new Set([deriveSeed(7, 1, 2), deriveSeed(7, 2, 1), deriveSeed(7, 1), deriveSeed(8, 1, 2)]).size).toBe(4);
  });

  test('shuffle is a seeded permutation', () => {
    const a = Uint32Array.from({ length: 50 }, (_, i) => i);
    const b = Uint32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(a, new SeededRandom(4));
    shuffleInPlace(b, new SeededRandom(4));
    expect(a).toEqual(b);
    expect(Array.from(a)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
