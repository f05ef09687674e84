import { describe, expect, it } from 'vitest';
import { flopsRankPerDevice, gamePair, placeDevice } from './device-lesson';

const flops = Array.from({ length: 40 }, (_, i) => i + 1);

describe('flopsRankPerDevice', () => {
  it('orders devices by how well FLOPs rank their latency, skipping unmeasured cells', () => {
    const follows = { key: 'a', label: 'A', values: flops.map((f) => 2 * f) };
    const reversed = { key: 'b', label: 'B', values: flops.map((f) => 100 - f) };
    const partial = { key: 'c', label: 'C', values: flops.map((f, i) => (i % 2 ? Number.NaN : f * f)) };
    const ranks = flopsRankPerDevice(flops, [reversed, partial, follows]);
    expect(ranks.map((r) => r.key)).toEqual(['c', 'a', 'b']);
    expect(ranks[2].rho).toBeCloseTo(-1);
    expect(ranks[0].cells).toBe(20);
  });
});

describe('gamePair', () => {
  it('draws two different cells, the same for the same seed and round, with FLOPs within a factor of two', () => {
    const cells = flops.map((_, i) => i);
    const pair = gamePair(cells, flops, 3, 0);
    expect(pair[0]).not.toBe(pair[1]);
    expect(gamePair(cells, flops, 3, 0)).toEqual(pair);
    const ratio = flops[pair[0]] / flops[pair[1]];
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    const rounds = new Set(Array.from({ length: 5 }, (_, r) => gamePair(cells, flops, 3, r).join()));
    expect(rounds.size).toBeGreaterThan(1);
  });
});

describe('placeDevice', () => {
  it('needs three cells, then ranks the known devices by rank agreement', () => {
    const same = { key: 'same', label: 'Same', values: flops };
    const opposite = { key: 'opp', label: 'Opposite', values: flops.map((f) => -f + 100) };
    expect(
      placeDevice(
        new Map([
          [1, 1],
          [2, 2],
        ]),
        [same],
      ),
    ).toEqual([]);
    const placed = placeDevice(
      new Map([
        [1, 0.2],
        [5, 0.6],
        [9, 1.1],
      ]),
      [opposite, same],
    );
    expect(placed.map((p) => p.key)).toEqual(['same', 'opp']);
    expect(placed[0].rho).toBeCloseTo(1);
  });
});
