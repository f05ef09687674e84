import { describe, expect, it } from 'vitest';
import { evaluatePredictions } from './evaluation';
import { rankingTestMetrics, regressionTestMetrics } from './test-metrics';

// 12 cells: latency = 0.5 + flops/10 exactly on even cells, 20 % slower on odd ones.
const flops = Float64Array.from({ length: 12 }, (_, i) => 10 + 3 * i);
const values = Float64Array.from(flops, (f, i) => (0.5 + f / 10) * (i % 2 ? 1.2 : 1));
const indices = Int32Array.from([6, 7, 8, 9, 10, 11]);
const predicted = Float32Array.from(indices, (i) => values[i] * 1.05);

describe('evaluatePredictions', () => {
  it('a latency regressor against a FLOPs line fitted on its training cells', () => {
    const e = evaluatePredictions({ predictorId: 'p', kind: 'regression', target: { label: 'desktop', unit: 'ms' }, trainIndices: [0, 1, 2, 3, 4, 5], indices, predicted, values, flops });
    expect(Array.from(e.truth)).toEqual(Array.from(indices, (i) => values[i]));
    const gcn = regressionTestMetrics(predicted, e.truth);
    expect(e.gcn).toMatchObject({ spearman: gcn.spearman, mae: gcn.mae, withinEagle: [gcn.within.eagle[1], gcn.within.eagle[5], gcn.within.eagle[10], gcn.within.eagle[20]] });
    expect(e.gcn.withinEagle![2]).toBe(1); // 5 % over: every truth within ±10 % of its prediction
    expect(e.flops.mae).toBeGreaterThan(0); // the line cannot follow the odd cells' 20 %
    expect(e.flops.withinEagle![2]).toBeLessThan(1);
    expect(e.checksum).toBe(predicted.reduce((a, v) => a + v, 0).toFixed(4));
  });

  it('an accuracy target or a BRP is compared with the FLOPs ranking', () => {
    const e = evaluatePredictions({ predictorId: 'p', kind: 'brp', target: { label: 'CIFAR-100 valid', unit: '%' }, trainIndices: [0, 1], indices, predicted, values, flops });
    expect(e.flops).toEqual(
      rankingTestMetrics(
        Array.from(indices, (i) => flops[i]),
        e.truth,
      ),
    );
    expect(e.gcn).toEqual(rankingTestMetrics(predicted, e.truth));
  });
});
