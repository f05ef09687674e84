/**
 * The neighbour sum of the distinct-row GCN pass (predictor/distinct-rows.ts) as a WebAssembly SIMD
 * loop on an imported memory, the wasm backend's heap: the module's bytes and its instance per
 * memory. predictor/heap-row-sum.ts runs it as a tfjs kernel.
 */
import { END, I32, I32_ADD, I32_MUL, V128, add, forLoop, get, i32Const, isSharedMemory, leb, load, name, section, set, store } from './wasm-asm.ts';

const I32_LOAD = (offset: number) => [0x28, 0x02, ...leb(offset)]; // i32.load, align 4 bytes
const I32_SHL = 0x74;

/**
 * rowSum(x, offsets, neighbours, out, rows, rowBytes): for u < rows, out[u] = Σ x[neighbours[e]]
 * over e in [offsets[u], offsets[u + 1]), added in that order from 0, 4 float32 lanes at a time
 * (rowBytes a multiple of 16). Imports `env.memory`, the wasm backend's heap.
 */
export function rowSumModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const [X, OFFSETS, NEIGHBOURS, OUT, ROWS, ROW_BYTES] = [0, 1, 2, 3, 4, 5];
  const [U, K, E, E_END, OUT_ROW, ENTRY] = [6, 7, 8, 9, 10, 11];
  const [ACC, ZERO] = [12, 13]; // v128 locals start at zero
  const entry = [...get(OFFSETS), ...get(U), ...i32Const(2), I32_SHL, I32_ADD, ...set(ENTRY)];
  // Laid out by hand, one step of the loop a line.
  // prettier-ignore
  const body = [
    2, 6, I32, 2, V128,
    ...forLoop(U, i32Const(0), get(ROWS), 1, [
      ...entry,
      ...get(ENTRY), ...I32_LOAD(0), ...set(E),
      ...get(ENTRY), ...I32_LOAD(4), ...set(E_END),
      ...get(OUT), ...get(U), ...get(ROW_BYTES), I32_MUL, I32_ADD, ...set(OUT_ROW),
      ...forLoop(K, i32Const(0), get(ROW_BYTES), 16, [
        ...get(ZERO), ...set(ACC),
        ...forLoop(ENTRY, get(E), get(E_END), 1, [
          ...get(ACC),
          ...get(X), ...get(NEIGHBOURS), ...get(ENTRY), ...i32Const(2), I32_SHL, I32_ADD, ...I32_LOAD(0), ...get(ROW_BYTES), I32_MUL, I32_ADD, ...get(K), I32_ADD, ...load,
          ...add, ...set(ACC),
        ]),
        ...get(OUT_ROW), ...get(K), I32_ADD, ...get(ACC), ...store,
      ]),
    ]),
    END,
  ];
  const memoryLimits = shared ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00]; // shared ones need a maximum
  // prettier-ignore
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...memoryLimits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('rowSum'), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
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
