import { describe, expect, it } from 'vitest';
import { hypervolumeReport, paretoHypervolume, worstCorner } from './hypervolume';

//                          0   1   2   3   4    5    6
const latency = Float64Array.from([1, 2, 3, 4, 2.5, NaN, 5]);
const accuracy = Float64Array.from([60, 70, 80, 75, 65, 99, 50]);
const ref = { latency: 5, accuracy: 50 };

describe('paretoHypervolume', () => {
  it('one point: the rectangle to the reference', () => {
    expect(paretoHypervolume(latency, accuracy, [1], ref)).toBe((5 - 2) * (70 - 50));
  });

  it('a staircase of front points, dominated points adding nothing', () => {
    // Front 0, 1, 2: strips [1,2)×10 + [2,3)×20 + [3,5)×30 = 10 + 20 + 60.
    expect(paretoHypervolume(latency, accuracy, [0, 1, 2], ref)).toBe(90);
    expect(paretoHypervolume(latency, accuracy, [0, 1, 2, 3, 4], ref)).toBe(90);
    // Without 2, point 3 joins the front: [1,2)×10 + [2,4)×20 + [4,5)×25 = 10 + 40 + 25.
    expect(paretoHypervolume(latency, accuracy, [0, 1, 3, 4], ref)).toBe(75);
  });

  it('ignores NaN rows and points on or outside the box', () => {
    expect(paretoHypervolume(latency, accuracy, [5, 6], ref)).toBe(0);
    expect(paretoHypervolume(latency, accuracy, [], ref)).toBe(0);
    expect(paretoHypervolume(latency, accuracy, [2], { latency: 2.5, accuracy: 50 })).toBe(0);
  });
});

describe('hypervolumeReport', () => {
  it('compares the queried cells with all eligible cells against their worst corner', () => {
    const eligible = [0, 1, 2, 3, 4, 6];
    expect(worstCorner(latency, accuracy, eligible)).toEqual({ latency: 5, accuracy: 50 });
    expect(hypervolumeReport(latency, accuracy, [1, 4], eligible)).toEqual({ queried: 60, best: 90, ratio: 60 / 90 });
  });

  it('drops queried cells that are not eligible', () => {
    const eligible = [0, 1, 3, 6];
    const report = hypervolumeReport(latency, accuracy, [2, 0], eligible);
    expect(report.queried).toBe((5 - 1) * 10); // cell 2 is not eligible
    expect(report.best).toBe(75);
    expect(report.ratio).toBeCloseTo(40 / 75, 12);
    expect(hypervolumeReport(latency, accuracy, [0], [6]).ratio).toBeNaN();
  });
});
