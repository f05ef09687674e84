/**
 * x·w with its two gradients as tfjs kernels of the wasm backend that run kernels/gemm.ts's
 * kernels on the backend's own heap: inputs are read where tfjs keeps them and the output is
 * written into a buffer the backend allocates, so there are no copies and no transposes.
 *
 * This glue stays in the predictor while the kernels live in kernels/: it knows tfjs-backend-wasm's
 * heap layout and registers tfjs kernels for the GCN's dense products, which the kernels room
 * (plain WebAssembly, no tfjs) does not.
 *
 * Measured in node (tfjs 4.22 WASM, one [72×600]·[600×600] product, bench-results/gemm.md):
 * 1.2-2.2 ms with relaxed SIMD and 1.6-2.6 ms without, against 3.7-7.4 ms for the transpose +
 * XNNPACK forms ops.ts used before.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gemmKernels, gemmShapeSupported, inputGradSupported, type GemmKernels } from '../kernels/gemm.ts';
import { heapKernelsAvailable, heapOffset, registerMissingKernels, wasmHeapOf } from './host-values.ts';

const FORWARD = 'BrpNasDenseForward';
const INPUT_GRAD = 'BrpNasDenseInputGrad';
const WEIGHT_GRAD = 'BrpNasDenseWeightGrad';

let enabled = true;

/** Turns the heap kernels off (or back on) for every later dense product; for A/B runs and tests. */
export function useHeapGemmOnWasm(on: boolean): void {
  enabled = on;
}

type Run = (kernels: GemmKernels, inputs: number[], out: number, rows: number, inWidth: number) => void;

/** A kernel computing an [outRows × outCols] float32 result from two 2-D inputs. */
function heapKernel(
  names: [string, string],
  shapeOf: (a: number[], b: number[]) => { rows: number; inWidth: number; outWidth: number; out: [number, number]; agree: boolean },
  run: Run,
): tf.KernelConfig['kernelFunc'] {
  return ({ inputs, backend }) => {
    const [a, b] = names.map((input) => inputs[input] as tf.TensorInfo);
    // The kernels trust their shapes: a mismatch would read other heap data, not fail.
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== 2 || b.shape.length !== 2) {
      throw new Error(`heap-gemm: 2-D float32 inputs expected, got ${a.dtype} [${a.shape}] and ${b.dtype} [${b.shape}]`);
    }
    const { heap, memory } = wasmHeapOf(backend, 'heap-gemm');
    // Offsets before the output is allocated (heapOffset's rule).
    const { rows, inWidth, outWidth, out: outShape, agree } = shapeOf(a.shape, b.shape);
    if (!agree) throw new Error(`heap-gemm: the shapes [${a.shape}] and [${b.shape}] do not fit together`);
    const offsets = [heapOffset(heap, a), heapOffset(heap, b)];
    const out = heap.makeOutput(outShape, 'float32');
    const outOffset = heapOffset(heap, out);
    if (rows === 0) new Float32Array(memory.buffer, outOffset, outShape[0] * outShape[1]).fill(0);
    else run(gemmKernels(memory, inWidth, outWidth), offsets, outOffset, rows, inWidth);
    return out;
  };
}

/** This file's kernels of the wasm backend, registered at first use (registerMissingKernels). */
const KERNELS: tf.KernelConfig[] = [
  // forward {x [m×k], w [k×n]} → [m×n]
  {
    kernelName: FORWARD,
    backendName: 'wasm',
    kernelFunc: heapKernel(
      ['x', 'w'],
      (x, w) => ({ rows: x[0], inWidth: x[1], outWidth: w[1], out: [x[0], w[1]], agree: x[1] === w[0] }),
      (kernels, [x, w], z, m, k) => kernels.forward(x, w, z, m, k),
    ),
  },
  // input gradient {dz [m×n], w [k×n]} → [m×k]
  {
    kernelName: INPUT_GRAD,
    backendName: 'wasm',
    kernelFunc: heapKernel(
      ['dz', 'w'],
      (dz, w) => ({ rows: dz[0], inWidth: w[0], outWidth: w[1], out: [dz[0], w[0]], agree: dz[1] === w[1] }),
      (kernels, [dz, w], dx, m) => kernels.inputGrad!(dz, w, dx, m),
    ),
  },
  // weight gradient {x [m×k], dz [m×n]} → [k×n]; the m = 0 case is the zero fill above
  {
    kernelName: WEIGHT_GRAD,
    backendName: 'wasm',
    kernelFunc: heapKernel(
      ['x', 'dz'],
      (x, dz) => ({ rows: x[0], inWidth: x[1], outWidth: dz[1], out: [x[1], dz[1]], agree: x[0] === dz[0] }),
      (kernels, [x, dz], dw, m, k) => kernels.weightGrad(x, dz, dw, k, m),
    ),
  },
];

/** Whether x [·×inWidth]·w [inWidth×outWidth] runs on the heap kernels on the active backend. */
export function heapGemmApplies(inWidth: number, outWidth: number): boolean {
  return enabled && gemmShapeSupported(inWidth, outWidth) && heapKernelsAvailable();
}

const runKernel = (name: string, inputs: tf.NamedTensorMap) => tf.engine().runKernel(name, inputs, {}) as tf.Tensor2D;

/**
 * x·w on the heap kernels, with its gradient (callers check heapGemmApplies first). The input
 * gradient needs both widths to be multiples of 4 (not so for layer 1, whose input width is the
 * feature count); otherwise it is a tfjs matMul.
 */
export function denseOnHeap(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  registerMissingKernels(KERNELS);
  const op = tf.customGrad((a, b, save) => {
    const x2 = a as tf.Tensor2D;
    const w2 = b as tf.Tensor2D;
    (save as tf.GradSaveFunc)([x2, w2]);
    return {
      value: runKernel(FORWARD, { x: x2, w: w2 }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dz = dy as tf.Tensor2D;
        const dx = inputGradSupported(ws.shape[0], ws.shape[1]) ? runKernel(INPUT_GRAD, { dz, w: ws }) : tf.matMul(dz, tf.transpose(ws));
        return [dx, runKernel(WEIGHT_GRAD, { x: xs, dz })];
      },
    };
  });
  return op(x, w) as tf.Tensor2D;
}
