/**
 * The neighbour sum of the distinct-row GCN pass (predictor/distinct-rows.ts) as a WebAssembly SIMD
 * loop on an imported memory, the wasm backend's heap: row-sum.wat, built at build time, and its
 * instance per memory. predictor/heap-row-sum.ts runs it as a tfjs kernel.
 */
import builds from './row-sum.wat?wasm-bytes';
import { isSharedMemory } from './wasm-asm.ts';

/**
 * rowSum(x, offsets, neighbours, out, rows, rowBytes): for u < rows, out[u] = Σ x[neighbours[e]]
 * over e in [offsets[u], offsets[u + 1]), added in that order from 0, 4 float32 lanes at a time
 * (rowBytes a multiple of 16). Imports `env.memory`, the wasm backend's heap, plain or shared.
 */
export function rowSumModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return builds[shared ? 'import-shared' : 'import'];
}

const rowSumInstances = new WeakMap<WebAssembly.Memory, (...args: number[]) => void>();

/** The loop instantiated on `memory` (plain or shared), once per memory. */
export function rowSumOn(memory: WebAssembly.Memory): (...args: number[]) => void {
  let run = rowSumInstances.get(memory);
  if (!run) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(rowSumModuleBytes(isSharedMemory(memory))), { env: { memory } });
    run = (instance.exports as unknown as { rowSum: (...args: number[]) => void }).rowSum;
    rowSumInstances.set(memory, run);
  }
  return run;
}
