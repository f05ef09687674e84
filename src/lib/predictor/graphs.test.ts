import { describe, expect, test } from 'vitest';
import { packGraphs, selectGraphs, type GraphEncoding } from './graphs.ts';

// 3 nodes (global, a, b), 2 features. Edges: global→all, a→b, self-loops. Labels: global = f1,
// a = f0, b = empty.
const tiny: GraphEncoding = {
  nodes: 3,
  features: 2,
  adjacency: Uint8Array.from([1, 1, 1, 0, 1, 1, 0, 0, 1]),
  x: Uint8Array.from([0, 1, 1, 0, 0, 0]),
};

describe('packGraphs', () => {
  test('A·X by hand', () => {
    const packed = packGraphs([tiny]);
    // row global: x_g + x_a + x_b = [1, 1]; row a: x_a + x_b = [1, 0]; row b: x_b = [0, 0].
    expect(Array.from(packed.aggregatedFeatures)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(Array.from(packed.adjacency)).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 1]);
  });

  test('multi-hot rows add up', () => {
    const packed = packGraphs([{ ...tiny, x: Uint8Array.from([1, 1, 1, 0, 0, 1]) }]);
    expect(Array.from(packed.aggregatedFeatures)).toEqual([2, 2, 1, 1, 0, 1]);
  });

  test('hostile input gives one message naming the graph and the problem', () => {
    expect(() => packGraphs([])).toThrow('graphs: expected a non-empty array of graphs');
    expect(() => packGraphs([tiny, { ...tiny, adjacency: new Uint8Array(8) }])).toThrow('graphs[1]: adjacency has 8 entries, expected 9');
    expect(() => packGraphs([tiny, { ...tiny, x: Uint8Array.from([0, 2, 1, 0, 0, 0]) }], 'train')).toThrow('train[1]: x[1] is 2, expected 0 or 1');
    expect(() => packGraphs([tiny, { ...tiny, nodes: 4 }])).toThrow('graphs[1]: size 4×2 (nodes×features) differs from the expected 3×2');
    expect(() => packGraphs([tiny], 'graphs', { features: 6 })).toThrow('graphs[0]: size 3×2 (nodes×features) differs from the expected 3×6');
    expect(() => packGraphs([null as unknown as GraphEncoding])).toThrow("graphs[0]: 'nodes' must be a positive integer");
    expect(() => packGraphs([{ ...tiny, adjacency: undefined as unknown as Uint8Array }])).toThrow('graphs[0]: adjacency is missing or not an array');
  });
});

describe('selectGraphs', () => {
  test('selection with repeats; out-of-range index is named', () => {
    const other: GraphEncoding = { ...tiny, adjacency: Uint8Array.from([1, 1, 1, 0, 1, 0, 0, 1, 1]) };
    const packed = packGraphs([tiny, other]);
    const picked = selectGraphs(packed, [1, 0, 1]);
    expect(picked.count).toBe(3);
    expect(Array.from(picked.adjacency.subarray(0, 9))).toEqual(Array.from(other.adjacency));
    expect(Array.from(picked.adjacency.subarray(9, 18))).toEqual(Array.from(tiny.adjacency));
    expect(Array.from(picked.aggregatedFeatures.subarray(6, 12))).toEqual([1, 1, 1, 0, 0, 0]);
    expect(() => selectGraphs(packed, [2])).toThrow('graph index 2 out of range 0..1');
  });
});
