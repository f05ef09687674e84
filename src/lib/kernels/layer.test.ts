/** The layer op built from layer.wat, in its own memory (SimdLayer); fused.test.ts checks it against tfjs's kernels. */
import { describe, expect, test } from 'vitest';
import { SimdLayer, layerModuleBytes } from './layer.ts';
import { randomValues } from './test-values.ts';

describe('the SIMD layer module', () => {
  test('validates, stays small, and refuses a width that is not a multiple of 4', () => {
    const bytes = layerModuleBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(1000);
    expect(() => new SimdLayer().forward([1, 2, 3], [0, 0, 0], [1, 1, 1], [0, 0, 0], 1, 3, 1, 1e-5, new Int32Array(0))).toThrow(/multiple of 4/);
  });

  test('at the GCN size (72 × 600), matches PyTorch LayerNorm written out in float64', () => {
    const rows = 72;
    const width = 600;
    const input = randomValues(8, rows * width, 6, 14);
    const bias = randomValues(9, width, -1, 1);
    const gain = randomValues(10, width, 0.5, 1.5);
    const shift = randomValues(11, width, -0.5, 0.5);
    const { output } = new SimdLayer().forward(input, bias, gain, shift, rows, width, 1, 1e-5, new Int32Array(0));
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      const z = Array.from({ length: width }, (_, k) => input[r * width + k] + bias[k]);
      const mean = z.reduce((a, b) => a + b, 0) / width;
      const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / width;
      z.forEach((v, k) => {
        const expected = Math.max(0, ((v - mean) / Math.sqrt(variance + 1e-5)) * gain[k] + shift[k]);
        worst = Math.max(worst, Math.abs(output[r * width + k] - expected));
      });
    }
    expect(worst).toBeLessThan(2e-5);
  });
});
