/**
 * Moving float32 values between tfjs tensors and our own WebAssembly memory on the backends whose
 * tensors live in host memory (wasm, cpu), with as few copies as tfjs allows, and what kernels on
 * tfjs-backend-wasm's heap need from it. Here and not in kernels/: it is tfjs glue (the kernels
 * room knows WebAssembly, not tfjs).
 */
import * as tf from '@tensorflow/tfjs-core';
import { simdSupported } from '../kernels/wasm-asm.ts';

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

/** The parts of tfjs-backend-wasm 4.22's BackendWasm that kernels on its heap use. */
interface WasmHeapBackend {
  // asm.memory: the plain build exports its memory; the threaded build creates a shared one in JS
  wasm?: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** The wasm backend's heap memory (plain or shared), or null for any other backend. */
function wasmHeapMemory(backend: unknown): WebAssembly.Memory | null {
  const wasm = (backend as WasmHeapBackend | null)?.wasm;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** A kernel's backend as the heap it works on, and that heap's memory; throws, naming `who`, where there is none. */
export function wasmHeapOf(backend: unknown, who: string): { heap: WasmHeapBackend; memory: WebAssembly.Memory } {
  const memory = wasmHeapMemory(backend);
  if (!memory) throw new Error(`${who}: the wasm backend exposes no memory`);
  return { heap: backend as WasmHeapBackend, memory };
}

/** Whether our SIMD kernels can run on tfjs's heap here: the active backend is wasm, with SIMD and a reachable memory. */
export function heapKernelsAvailable(): boolean {
  return tf.getBackend() === 'wasm' && simdSupported() && wasmHeapMemory(tf.backend()) !== null;
}

/**
 * Byte offset of a tensor's values in the wasm heap. Reading it moves a tensor held by another
 * backend into the heap, which allocates: read every input's offset before using any of them.
 * Allocation never moves existing buffers (the memory only grows), so offsets stay valid.
 */
export function heapOffset(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('a tensor has no data on the wasm backend');
  return data.memoryOffset;
}

/** Registers the kernels that are not registered yet (idempotent; a map lookup per kernel). */
export function registerMissingKernels(configs: readonly tf.KernelConfig[]): void {
  for (const config of configs) if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
}
