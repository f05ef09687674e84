/**
 * kernels/adamw.wat's update loop run on tfjs-backend-wasm's own heap, as a wasm-backend kernel: the
 * gradient and the weights are read where tfjs keeps them, the moments are two heap buffers the
 * optimizer owns and the loop updates in place, and the new weights go into a buffer the backend
 * allocates. The own-memory form copied each big gradient into the module and the new weights
 * back into a new tensor: 2 × 1.44 MB per 600×600 matrix and step. Same arithmetic in the same
 * order, so the results are bit for bit those of the kernels (train.wasm.test.ts).
 *
 * This glue stays in the predictor while the loop lives in kernels/: it knows tfjs-backend-wasm's
 * heap layout and registers a tfjs kernel for the optimizer, which the kernels room (plain
 * WebAssembly, no tfjs) does not.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamwOn, type StepScalars } from '../kernels/adamw.ts';
import { heapKernelsAvailable, heapOffset, registerMissingKernels, wasmHeapOf } from './host-values.ts';

const KERNEL = 'BrpNasAdamW';
/** This file's kernels of the wasm backend, registered at first use (registerMissingKernels). */
const KERNELS: tf.KernelConfig[] = [
  // {w, g, m, v} → new weights; m and v are updated in place (they belong to the optimizer alone)
  {
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { heap, memory } = wasmHeapOf(backend, 'heap-adamw');
      const [w, g, m, v] = (['w', 'g', 'm', 'v'] as const).map((name) => inputs[name] as tf.TensorInfo);
      // The loop trusts its sizes: a mismatch would read or write other heap data, not fail.
      const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
      if ([w, g, m, v].some((t) => t.dtype !== 'float32' || size(t) !== size(w)) || size(w) % 4 !== 0) {
        throw new Error(`heap-adamw: float32 weights, gradient and moments of one size (a multiple of 4) expected, got [${w.shape}], [${g.shape}], [${m.shape}], [${v.shape}]`);
      }
      const offsets = [w, g, m, v].map((t) => heapOffset(heap, t)); // before allocating (heapOffset's rule)
      const out = heap.makeOutput(w.shape, 'float32');
      const s = attrs as unknown as StepScalars;
      const bytes = 4 * w.shape.reduce((a, b) => a * b, 1);
      adamwOn(memory)(offsets[0], offsets[1], offsets[2], offsets[3], bytes, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.epsilon, s.stepSize, s.secondMomentScale, s.decay, heapOffset(heap, out));
      return out;
    },
  },
];

/**
 * Whether a variable of `size` values can be updated on the heap: the wasm backend with SIMD, and
 * a size in whole 4-lane groups (heap buffers are not padded, and the loop covers 4 values at once).
 */
export function heapAdamWApplies(size: number): boolean {
  return size > 0 && size % 4 === 0 && heapKernelsAvailable();
}

/** The two moment buffers of one variable, zero at first; updated in place by {@link heapAdamWStep}. */
export interface HeapMoments {
  m: tf.Tensor;
  v: tf.Tensor;
}

export function createHeapMoments(shape: number[]): HeapMoments {
  // Plain tensors, never passed to another op, so nothing else shares their buffers.
  return { m: tf.keep(tf.zeros(shape)), v: tf.keep(tf.zeros(shape)) };
}

/** One AdamW step of `weights` with `gradient`: the new weights (a new tensor); the moments change in place. */
export function heapAdamWStep(weights: tf.Tensor, gradient: tf.Tensor, moments: HeapMoments, step: StepScalars): tf.Tensor {
  if (tf.getBackend() !== 'wasm') throw new Error(`heap-adamw: the optimizer was built on the wasm backend, the active one is ${tf.getBackend()}`);
  registerMissingKernels(KERNELS);
  const { beta1, beta2, epsilon, stepSize, secondMomentScale, decay } = step;
  return tf
    .engine()
    .runKernel(KERNEL, { w: weights, g: gradient, m: moments.m, v: moments.v }, { beta1, beta2, epsilon, stepSize, secondMomentScale, decay } as unknown as tf.NamedAttrMap) as tf.Tensor;
}
