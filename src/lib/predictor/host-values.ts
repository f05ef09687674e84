/**
 * Moving float32 values between tfjs tensors and our own WebAssembly memory on the backends whose
 * tensors live in host memory (wasm, cpu), with as few copies as tfjs allows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { simdSupported } from './wasm-asm.ts';

interface HeapBackend {
  typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array;
}

/**
 * A float32 tensor's values for reading at once. On wasm a view of the backend's heap (no copy),
 * valid only until tfjs next allocates, so copy it before creating, freeing or reading any other
 * tensor (reading one held by another backend moves it into the heap, which allocates); on other
 * backends `dataSync`.
 */
export function hostValues(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as HeapBackend;
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm' && typeof backend.typedArrayFromHeap === 'function') {
    return backend.typedArrayFromHeap(t);
  }
  return t.dataSync() as Float32Array;
}

/**
 * A tensor holding a copy of `view` (e.g. a view of a module's memory that the next call reuses).
 * The wasm backend copies a new tensor's values into its heap; cpu keeps the array, so copy first.
 */
export function tensorFromView(view: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(tf.getBackend() === 'wasm' ? view : view.slice(), shape, 'float32');
}

/** Whether our SIMD modules can run on the active backend: tensors in host memory (wasm, cpu) and SIMD. */
export function hostSimdAvailable(): boolean {
  const backend = tf.getBackend();
  return (backend === 'wasm' || backend === 'cpu') && simdSupported();
}
