import { describe, expect, it } from 'vitest';
import { checkLimit, filterReport, latencyCandidates, withinLimit } from './constraint';

//                            0    1    2    3    4    5    6
const predicted = Float64Array.from([1.0, 2.5, 3.0, NaN, 2.0, 4.0, 3.1]);
const truth = Float64Array.from([1.1, 3.2, 2.9, 1.0, NaN, 2.0, 3.0]);

describe('latencyCandidates', () => {
  it('keeps the cells predicted within the limit (inclusive), never a NaN prediction', () => {
    expect([...latencyCandidates(predicted, 3.0)]).toEqual([0, 1, 2, 4]);
    expect([...latencyCandidates(predicted, 0.5)]).toEqual([]);
  });

  it('looks only at the base cells, returning them ascending', () => {
    expect([...latencyCandidates(predicted, 3.0, Int32Array.from([4, 2, 5, 3]))]).toEqual([2, 4]);
  });
});

describe('filterReport', () => {
  it('counts admitted, wrongly admitted, wrongly dropped and truly within', () => {
    // limit 3: admitted 0,1,2,4; truth within: 0,2,3,5,6 (4 unknown).
    expect(filterReport(predicted, truth, 3.0, [0, 1, 2, 3, 4, 5, 6])).toEqual({
      admitted: 4,
      wronglyAdmitted: 1, // cell 1: predicted 2.5, truly 3.2
      wronglyDropped: 3, // cells 3 (no prediction), 5 and 6
      trulyWithin: 5,
      known: 6,
      against: 'table',
    });
    expect(filterReport(predicted, truth, 3.0, [1, 4], 'measured')).toEqual({ admitted: 2, wronglyAdmitted: 1, wronglyDropped: 0, trulyWithin: 0, known: 1, against: 'measured' });
  });
});

describe('withinLimit', () => {
  it('counts every cell without a limit or a latency; with both, the cells at most the limit (inclusive)', () => {
    expect(withinLimit(undefined, truth)).toBeUndefined();
    expect(withinLimit(3, null)).toBeUndefined();
    const within = withinLimit(3, truth)!;
    expect([0, 1, 2, 3, 4, 5, 6].filter(within)).toEqual([0, 2, 3, 5, 6]);
  });
});

describe('checkLimit', () => {
  it('accepts a limit at or above the fastest cell', () => {
    expect(() => checkLimit(1.0, predicted, 'desktop_cpu')).not.toThrow();
    expect(() => checkLimit(2.0, predicted, 'desktop_cpu', [4, 5])).not.toThrow();
  });

  it('explains a limit below the fastest cell in one sentence', () => {
    expect(() => checkLimit(0.5, predicted, 'desktop_cpu_i7_7820x_fp32')).toThrow('The fastest cell takes 1 ms on desktop_cpu_i7_7820x_fp32; a limit of 0.5 ms admits none');
    expect(() => checkLimit(1.9, predicted, 'edge', [4, 5])).toThrow('The fastest cell takes 2 ms on edge; a limit of 1.9 ms admits none');
    expect(() => checkLimit(1, [5, Number.NaN, 1.234, 9], 'Pixel 3')).toThrow('The fastest cell takes 1.23 ms on Pixel 3; a limit of 1 ms admits none');
    // Digits grow until the two numbers differ.
    expect(() => checkLimit(1.23449, [1.2345], 'x')).toThrow('The fastest cell takes 1.2345 ms on x; a limit of 1.23449 ms admits none');
  });

  it('rejects a limit that is not a positive finite number, and a device with no latency', () => {
    for (const bad of [0, -1, NaN, Infinity]) expect(() => checkLimit(bad, predicted, 'x')).toThrow(`Latency limit: a number of ms above 0, e.g. 5 (got "${bad}")`);
    expect(() => checkLimit(5, [NaN, NaN], 'phone')).toThrow('Latency: phone has no latency for any cell');
  });
});
