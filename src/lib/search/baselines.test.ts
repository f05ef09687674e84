import { describe, expect, it } from 'vitest';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { evolutionSteps, localSearch, localSearchSteps, randomSearch, regularisedEvolution } from './baselines';
import { identitySpace } from './space';

const space = identitySpace();
/** A smooth synthetic benchmark: the sum of the six op codes (best: 15624, all ops 4). */
const digitSum = Float64Array.from({ length: NB201_NUM_CELLS }, (_, i) => space.opsOf(i).reduce<number>((a, b) => a + b, 0));
const smooth = { valid: digitSum };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const bestValid = (q: number[]) => Math.max(...q.map((i) => digitSum[i]));

describe('randomSearch', () => {
  it('queries budget distinct candidates, reproducibly by seed', () => {
    const a = randomSearch({ oracle: smooth, space, budget: 100, seed: 1 });
    expect(a).toHaveLength(100);
    expect(new Set(a).size).toBe(100);
    expect(randomSearch({ oracle: smooth, space, budget: 100, seed: 1 })).toEqual(a);
    expect(randomSearch({ oracle: smooth, space, budget: 100, seed: 2 })).not.toEqual(a);
  });

  it('keeps to the candidates, and to cells with a finite valid by default', () => {
    const valid = digitSum.slice();
    for (let i = 0; i < NB201_NUM_CELLS; i += 2) valid[i] = NaN;
    expect(randomSearch({ oracle: { valid }, space, budget: 300, seed: 3 }).every((i) => i % 2 === 1)).toBe(true);
    const candidates = Int32Array.from([5, 9, 11]);
    expect(randomSearch({ oracle: smooth, space, budget: 10, seed: 3, candidates }).sort((a, b) => a - b)).toEqual([5, 9, 11]);
  });
});

describe('regularisedEvolution', () => {
  it('spends exactly the budget; the first 10 are distinct; each child mutates a member of the last 10 queries', () => {
    const q = regularisedEvolution({ oracle: smooth, space, budget: 200, seed: 4 });
    expect(q).toHaveLength(200);
    expect(new Set(q.slice(0, 10)).size).toBe(10);
    for (let t = 10; t < q.length; t++) {
      const population = q.slice(t - 10, t);
      // The parent won a tournament of 3 distinct members, so at least 2 members are no better.
      const parents = population.filter((p) => space.neighbours(p).includes(q[t]) && population.filter((o) => digitSum[o] <= digitSum[p]).length >= 3);
      expect(parents.length).toBeGreaterThan(0);
    }
  });

  it('climbs a smooth benchmark better than random search', () => {
    const seeds = Array.from({ length: 20 }, (_, s) => s);
    const evo = mean(seeds.map((seed) => bestValid(regularisedEvolution({ oracle: smooth, space, budget: 100, seed }))));
    const rnd = mean(seeds.map((seed) => bestValid(randomSearch({ oracle: smooth, space, budget: 100, seed }))));
    expect(evo).toBeGreaterThan(rnd + 1.5);
  });

  it('counts repeats as queries and re-draws children outside the candidates', () => {
    const candidates = Int32Array.from([0, ...space.neighbours(0)]);
    const allowed = new Set(candidates);
    const q = regularisedEvolution({ oracle: smooth, space, budget: 100, seed: 5, candidates });
    expect(q).toHaveLength(100);
    expect(q.every((i) => allowed.has(i))).toBe(true);
    expect(new Set(q).size).toBeLessThanOrEqual(25);
  });

  it('steps one query at a time, the same run as the whole', () => {
    const steps = evolutionSteps({ oracle: smooth, space, budget: 30, seed: 6 });
    const first = steps.next().value;
    expect([first, ...steps]).toEqual(regularisedEvolution({ oracle: smooth, space, budget: 30, seed: 6 }));
  });
});

describe('localSearch', () => {
  it('queries unique cells and reaches the optimum of a smooth benchmark', () => {
    for (let seed = 0; seed < 10; seed++) {
      const q = localSearch({ oracle: smooth, space, budget: 200, seed });
      expect(q).toHaveLength(200);
      expect(new Set(q).size).toBe(200);
      expect(q).toContain(15624);
    }
  });

  it('first improvement: moves on at the first better neighbour, scans all 24 at an optimum, then restarts', () => {
    const flat = { valid: new Float64Array(NB201_NUM_CELLS).fill(1) };
    const q = localSearch({ oracle: flat, space, budget: 30, seed: 7 });
    expect(q.slice(1, 25).sort((a, b) => a - b)).toEqual(space.neighbours(q[0]).sort((a, b) => a - b));
    expect([q[0], ...space.neighbours(q[0])]).not.toContain(q[25]);

    const climb = localSearch({ oracle: smooth, space, budget: 40, seed: 8 });
    let current = climb[0];
    for (const cell of climb.slice(1)) {
      expect(space.neighbours(current)).toContain(cell); // no restart before the optimum
      if (digitSum[cell] > digitSum[current]) current = cell;
    }
  });

  it('skips neighbours outside the candidates and stops when all are queried', () => {
    const candidates = Int32Array.from([0, 1, 2, 5, 10, 777]);
    const q = localSearch({ oracle: smooth, space, budget: 100, seed: 9, candidates });
    expect([...q].sort((a, b) => a - b)).toEqual([0, 1, 2, 5, 10, 777]);
  });

  it('steps one query at a time', () => {
    const steps = [...localSearchSteps({ oracle: smooth, space, budget: 50, seed: 10 })];
    expect(steps).toEqual(localSearch({ oracle: smooth, space, budget: 50, seed: 10 }));
  });
});
