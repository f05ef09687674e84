/** The emitted GEMM kernels (gemm.ts) against float64 products, in both flavours, on plain and shared memory. */
import { describe, expect, test } from 'vitest';
import { gemmKernels, gemmModuleBytes, gemmShapeSupported, inputGradSupported } from './gemm.ts';
import { relaxedSimdSupported } from './wasm-asm.ts';
import { product, randomValues, relativeError } from './test-values.ts';

function randomMatrix(seed: number, rows: number, cols: number): Float32Array {
  return randomValues(seed, rows * cols, -1, 1);
}

/** A scratch memory laid out as consecutive float32 arrays; returns their byte offsets. */
function layout(memory: WebAssembly.Memory, arrays: (Float32Array | number)[]): number[] {
  const offsets: number[] = [];
  let offset = 64; // not 0, so an address bug reading from 0 shows
  const bytes = arrays.reduce<number>((sum, a) => sum + 4 * (typeof a === 'number' ? a : a.length) + 64, offset);
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  for (const a of arrays) {
    offsets.push(offset);
    const length = typeof a === 'number' ? a : a.length;
    const view = new Float32Array(memory.buffer, offset, length);
    if (typeof a === 'number')
      view.fill(Number.NaN); // outputs must be fully written
    else view.set(a);
    offset += 4 * length + 64;
  }
  return offsets;
}

const flavours = relaxedSimdSupported() ? [false, true] : [false];

describe('gemm kernels', () => {
  test('the engine running the tests has relaxed SIMD (vite.config.ts passes the flag), so both flavours are checked', () => {
    expect(flavours).toEqual([false, true]);
  });

  test('shape support: out width a multiple of 8; the input gradient needs both widths multiples of 4', () => {
    expect(gemmShapeSupported(600, 600)).toBe(true);
    expect(gemmShapeSupported(6, 600)).toBe(true);
    expect(gemmShapeSupported(600, 1)).toBe(false);
    expect(gemmShapeSupported(600, 12)).toBe(false);
    expect(inputGradSupported(600, 600)).toBe(true);
    expect(inputGradSupported(6, 600)).toBe(false);
    expect(() => gemmModuleBytes(600, 2, false)).toThrow(/multiple of 8/);
    expect(WebAssembly.validate(gemmModuleBytes(6, 600, false))).toBe(true);
  });

  // Row counts cover the 4-row (2-row) blocks, the remainders 1-3 (1) of both block sizes and the
  // 64-row chunks; widths cover layer 1 (k = 6).
  describe.each(flavours)('relaxed SIMD %s', (relaxed) => {
    test.each([
      [1, 8, 8],
      [3, 6, 16],
      [7, 12, 24],
      [9, 20, 40],
      [72, 64, 600],
      [131, 70, 16], // rows in chunks of 64 with remainders, for every kernel
      [6, 7, 8], // forward rows 4 + 2, weightGrad rows 4 + 3
      [130, 65, 16], // forward rows 64 + 64 + 2, weightGrad rows 64 + 1
    ])('m=%i, k=%i, n=%i: forward, weight and input gradients match float64 products, on plain and shared memory', (m, k, n) => {
      for (const shared of [false, true]) {
        const seed = m * 1000 + k * 10 + n;
        const x = randomMatrix(seed, m, k);
        const w = randomMatrix(seed + 1, k, n);
        const dz = randomMatrix(seed + 2, m, n);
        // tfjs's threaded build (cross-origin isolated pages) keeps its heap in a shared memory
        const memory = shared ? new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true }) : new WebAssembly.Memory({ initial: 1 });
        expect(memory.buffer instanceof SharedArrayBuffer).toBe(shared);
        const [xo, wo, dzo, zo, dwo, dxo] = layout(memory, [x, w, dz, m * n, k * n, m * k]);
        const kernels = gemmKernels(memory, k, n, relaxed);
        kernels.forward(xo, wo, zo, m, k);
        kernels.weightGrad(xo, dzo, dwo, k, m);
        const view = (offset: number, length: number) => new Float32Array(memory.buffer, offset, length);
        expect(relativeError(view(zo, m * n), product(x, w, m, k, n))).toBeLessThan(1e-6);
        expect(relativeError(view(dwo, k * n), product(x, dz, k, m, n, true))).toBeLessThan(1e-6);
        if (inputGradSupported(k, n)) {
          kernels.inputGrad!(dzo, wo, dxo, m);
          expect(relativeError(view(dxo, m * k), product(dz, w, m, n, k, false, true))).toBeLessThan(1e-6);
        } else {
          expect(kernels.inputGrad).toBeUndefined();
        }
        // The inputs are read only.
        expect(Array.from(view(xo, x.length))).toEqual(Array.from(x));
        expect(Array.from(view(wo, w.length))).toEqual(Array.from(w));
      }
    });
  });

  test('one compiled module per memory, widths and flavour', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    expect(gemmKernels(memory, 8, 8, false)).toBe(gemmKernels(memory, 8, 8, false));
    expect(gemmKernels(memory, 8, 8, false)).not.toBe(gemmKernels(memory, 8, 16, false));
    expect(gemmKernels(memory, 8, 8, false)).not.toBe(gemmKernels(new WebAssembly.Memory({ initial: 1 }), 8, 8, false));
  });
});
