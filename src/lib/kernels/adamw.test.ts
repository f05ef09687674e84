/** The AdamW module built from adamw.wat; predictor/adamw.test.ts checks its updates against tfjs's kernels, bit for bit. */
import { describe, expect, test } from 'vitest';
import { adamwModuleBytes } from './adamw.ts';

describe('the AdamW SIMD module', () => {
  test('the SIMD module validates and is small', () => {
    const bytes = adamwModuleBytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(bytes.length).toBeLessThan(400);
  });
});
