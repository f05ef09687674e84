/** Seeded inputs and float64 references for the kernel tests: a generator of their own, so this room imports nothing of ours. */
import { expect } from 'vitest';

/** `length` float32 values in [low, high) from an xorshift32 stream seeded with `seed`. */
export function randomValues(seed: number, length: number, low: number, high: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return low + ((s >>> 8) / 2 ** 24) * (high - low);
  });
}

/** float64 a·b for row-major a [m×k], b [k×n]; `transposeA`: a is stored [k×m]; `transposeB`: b is [n×k]. */
export function product(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transposeA = false, transposeB = false): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (transposeA ? a[p * m + i] : a[i * k + p]) * (transposeB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** Largest |got − want| relative to the largest |want|. */
export function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let error = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    error = Math.max(error, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return error / scale;
}
