import { describe, expect, it } from 'vitest';
import { lesson5Config, lesson5Split, pairCount, pairExample, rankingScore } from './ranking-lesson';

describe('ranking lesson', () => {
  it('trains both kinds on a 4 × 128 GCN for the same steps (8 cells each), 40 epochs, with the given seed', () => {
    for (const kind of ['regression', 'brp'] as const) {
      const config = lesson5Config(kind, 7);
      expect([config.layers, config.hidden, config.epochs, config.batchSize, config.lr, config.seed]).toEqual([4, 128, 40, 8, 2e-3, 7]);
    }
    expect(lesson5Config('regression', 1).pairMode).not.toBe('model-groups');
    expect(lesson5Config('brp', 1).pairMode).toBe('model-groups');
  });

  it('scores every cell the predictors did not train on', () => {
    const candidates = Array.from({ length: 300 }, (_, i) => i * 2);
    const { train, test } = lesson5Split(candidates, 20, 3);
    expect(train).toHaveLength(20);
    expect(test).toHaveLength(280);
    expect(new Set([...train, ...test]).size).toBe(300);
    expect(lesson5Split(candidates, 20, 3).train).toEqual(train);
    expect(lesson5Split(candidates, 20, 4).train).not.toEqual(train);
  });

  it('counts top-k hits and Kendall τ of a ranking', () => {
    const truth = Array.from({ length: 100 }, (_, i) => i);
    expect(rankingScore(truth, truth, 10)).toEqual({ kendall: 1, hits: 10, k: 10 });
    const reversed = truth.map((v) => -v);
    expect(rankingScore(reversed, truth, 10)).toEqual({ kendall: -1, hits: 0, k: 10 });
    // Half of the true top 10 moved to the bottom: 5 hits.
    const half = truth.map((v) => (v >= 95 ? -v : v));
    expect(rankingScore(half, truth, 10).hits).toBe(5);
    expect(rankingScore(truth.slice(0, 5), truth.slice(0, 5), 50).k).toBe(5);
    // By default the best 1 % (at least one cell).
    expect(rankingScore(truth, truth).k).toBe(1);
    expect(
      rankingScore(
        Array.from({ length: 1000 }, (_, i) => i),
        Array.from({ length: 1000 }, (_, i) => i),
      ).k,
    ).toBe(10);
  });

  it('counts ordered pairs and picks distinct, reproducible example pairs', () => {
    expect(pairCount(50)).toBe(2450);
    const indices = [10, 20, 30, 40];
    const scores = [0.1, 0.9, 0.5, 0.3];
    const truth = [70, 72, 71, 60];
    for (let w = 0; w < 10; w++) {
      const p = pairExample(indices, scores, truth, w);
      expect(p.a).not.toBe(p.b);
      const [ia, ib] = [indices.indexOf(p.a), indices.indexOf(p.b)];
      expect(p.truthABetter).toBe(truth[ia] > truth[ib]);
      expect(p.predictedABetter).toBe(scores[ia] > scores[ib]);
      expect(pairExample(indices, scores, truth, w)).toEqual(p);
    }
    expect(() => pairExample([1], [0], [0], 0)).toThrow();
  });
});
