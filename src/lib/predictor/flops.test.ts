import { describe, expect, test } from 'vitest';
import { regressionStepFlops } from './flops.ts';

describe('regressionStepFlops', () => {
  test('counts forward + 2× backward matmuls of the 4×600 NB201 GCN', () => {
    // Forward MACs per graph: 9·6·600 + 2·9·600² + 600² + 600 = 6,873,000.
    expect(regressionStepFlops({ layers: 4, hidden: 600, nodes: 9, features: 6, batchSize: 1 })).toBe(6 * 6_873_000);
    expect(regressionStepFlops({ layers: 4, hidden: 600, nodes: 9, features: 6, batchSize: 50 })).toBe(50 * 6 * 6_873_000);
  });

  test('a 1-layer GCN only transforms the global node', () => {
    expect(regressionStepFlops({ layers: 1, hidden: 10, nodes: 9, features: 6, batchSize: 2 })).toBe(6 * (2 * 6 * 10 + 2 * 10));
  });

  test('refuses a non-integer size', () => {
    expect(() => regressionStepFlops({ layers: 4, hidden: 0, nodes: 9, features: 6, batchSize: 1 })).toThrow("'hidden' must be a positive integer, got 0");
  });
});
