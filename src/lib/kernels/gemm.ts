/**
 * The three matrix products of a dense layer, z = x·w, dx = dz·wᵀ and dw = xᵀ·dz, as WebAssembly
 * SIMD kernels that read and write a memory they import (tfjs-backend-wasm's heap, through
 * predictor/heap-gemm.ts), so no value is copied and no transpose is materialised.
 *
 * Why emitted from code rather than written as WebAssembly text like layer.wat and adamw.wat: the
 * widths are baked into the instructions. Every stride and trip count is a constant, so the
 * engine's compiler folds the address arithmetic of the 4×8 register blocks, and each [k → n]
 * layer gets its own small module (a few µs to compile, once per memory and shape).
 *
 * Why these kernels at all: on WASM a batch-8 step of the 4×600 GCN spent ≈ 17 ms in XNNPACK
 * matMuls and ≈ 2 ms in the transposes that route every product through XNNPACK's fast path.
 * XNNPACK's WASM SIMD kernels multiply and add separately; where the engine has relaxed SIMD
 * (Chromium ≥ 114) these kernels use `f32x4.relaxed_madd`, one fused multiply-add per 4 lanes.
 * Without it they use mul + add and are built the same way.
 *
 * Kernels (row-major float32, byte offsets into the memory; k = in width, n = out width):
 * - forward(x, w, z, m, k):        z[m×n]  = x[m×k]·w[k×n]   4×8 register blocks: a broadcast
 *                                  x value times two 4-lane rows of w; columns outer so a 8-column
 *                                  panel of w stays in L1 while the rows of x stream past it.
 * - weightGrad(x, dz, dw, k, m):   dw[k×n] = x[m×k]ᵀ·dz[m×n] the same 4×8 blocks, reading x down
 *                                  its columns (xᵀ without a transpose).
 * - inputGrad(dz, w, dx, m):       dx[m×k] = dz[m×n]·w[k×n]ᵀ 2×4 blocks of 4-lane dot products
 *                                  along n, reduced by shuffles; needs k and n multiples of 4.
 * Sums run in another order than XNNPACK's (and fused where relaxed SIMD fuses), so results
 * differ from tf.matMul in the last bits; gemm.test.ts compares with float64 products.
 */
import {
  I32,
  I32_ADD,
  I32_AND,
  I32_LT_U,
  I32_MUL,
  I32_SUB,
  SELECT,
  V128,
  ZERO_V128,
  add,
  doWhile,
  forLoop,
  get,
  i32Const,
  isSharedMemory,
  loadAt,
  loadSplatAt,
  mul,
  relaxedMadd,
  relaxedSimdSupported,
  set,
  shuffle32,
  storeAt,
  wasmModule,
  type FunctionSpec,
} from './wasm-asm.ts';

/** local = local + delta */
const bump = (local: number, delta: number) => [...get(local), ...i32Const(delta), I32_ADD, ...set(local)];

/** acc = a·b + acc, fused where relaxed SIMD is available. */
const multiplyAdd = (relaxed: boolean, a: number[], b: number[], acc: number) =>
  relaxed ? [...a, ...b, ...get(acc), ...relaxedMadd, ...set(acc)] : [...a, ...b, ...mul, ...get(acc), ...add, ...set(acc)];

/**
 * Rows go in chunks of ROW_CHUNK so that a chunk's share of the row-side operand stays in L2 while
 * every column panel passes over it: without chunks a 576-row product re-read its 1.4 MB row-side
 * matrix from L3 once per 8-column panel.
 */
const ROW_CHUNK = 64;

/** end = min(chunk + ROW_CHUNK, rows); main = chunk + ((end − chunk) & blockMask) */
const chunkBounds = (chunk: number, rows: number, end: number, main: number, blockMask: number) => [
  ...get(chunk),
  ...i32Const(ROW_CHUNK),
  I32_ADD,
  ...get(rows),
  ...get(chunk),
  ...i32Const(ROW_CHUNK),
  I32_ADD,
  ...get(rows),
  I32_LT_U,
  SELECT,
  ...set(end),
  ...get(chunk),
  ...get(end),
  ...get(chunk),
  I32_SUB,
  ...i32Const(blockMask),
  I32_AND,
  I32_ADD,
  ...set(main),
];

/**
 * C[rows×cols] = A·B with C rows in 4×8 blocks: for each of `trip` steps, one value of each of the
 * block's A rows (broadcast) times 8 consecutive values of a B row. Byte strides are constants:
 * aRow between A values of consecutive C rows, aStep between consecutive steps, bStep between B
 * rows, cRow between C rows. Params (a, b, c, rows, trip); trip ≥ 1. cols must be a multiple of 8.
 */
function broadcastKernel(relaxed: boolean, aRow: number, aStep: number, bStep: number, cRow: number, cols: number): Omit<FunctionSpec, 'type'> {
  const [A, B, C, ROWS, TRIP] = [0, 1, 2, 3, 4];
  const [I, J, PA, PB, PEND, MAIN, CHUNK, CHUNK_END] = [5, 6, 7, 8, 9, 10, 11, 12];
  const ACC = 13; // 8 accumulators: 13..20
  const [B0, B1, X] = [21, 22, 23];

  const block = (rows: number): number[] => {
    const out: number[] = [
      ...get(A),
      ...get(I),
      ...i32Const(aRow),
      I32_MUL,
      I32_ADD,
      ...set(PA),
      ...get(B),
      ...get(J),
      I32_ADD,
      ...set(PB),
      ...get(PA),
      ...get(TRIP),
      ...i32Const(aStep),
      I32_MUL,
      I32_ADD,
      ...set(PEND),
    ];
    for (let k = 0; k < 2 * rows; k++) out.push(...ZERO_V128, ...set(ACC + k));
    const step: number[] = [...get(PB), ...loadAt(0), ...set(B0), ...get(PB), ...loadAt(16), ...set(B1)];
    for (let r = 0; r < rows; r++) {
      step.push(...get(PA), ...loadSplatAt(r * aRow), ...set(X));
      step.push(...multiplyAdd(relaxed, get(X), get(B0), ACC + 2 * r));
      step.push(...multiplyAdd(relaxed, get(X), get(B1), ACC + 2 * r + 1));
    }
    step.push(...bump(PA, aStep), ...bump(PB, bStep));
    out.push(...doWhile(PA, PEND, step));
    // PB is free again: the block's first C address.
    out.push(...get(C), ...get(I), ...i32Const(cRow), I32_MUL, I32_ADD, ...get(J), I32_ADD, ...set(PB));
    for (let r = 0; r < rows; r++) {
      out.push(...get(PB), ...get(ACC + 2 * r), ...storeAt(r * cRow));
      out.push(...get(PB), ...get(ACC + 2 * r + 1), ...storeAt(r * cRow + 16));
    }
    return out;
  };

  const code = forLoop(CHUNK, i32Const(0), get(ROWS), ROW_CHUNK, [
    ...chunkBounds(CHUNK, ROWS, CHUNK_END, MAIN, -4),
    ...forLoop(J, i32Const(0), i32Const(cols * 4), 32, [...forLoop(I, get(CHUNK), get(MAIN), 4, block(4)), ...forLoop(I, get(MAIN), get(CHUNK_END), 1, block(1))]),
  ]);
  return {
    locals: [
      [8, I32],
      [11, V128],
    ],
    code,
  };
}

/**
 * C[rows×cols] = A·Bᵀ for row-major A [rows×len] and B [cols×len], in 2×4 blocks of 4-lane partial
 * dot products along len, reduced by shuffles at the end. Constant byte strides aRow, bRow (rows
 * of A and B) and cRow; len and cols multiples of 4. Params (a, b, c, rows).
 */
function dotKernel(relaxed: boolean, aRow: number, bRow: number, cRow: number, len: number, cols: number): Omit<FunctionSpec, 'type'> {
  const [A, B, C, ROWS] = [0, 1, 2, 3];
  const [Q, I, PA, PB, PEND, MAIN, CADDR, CHUNK, CHUNK_END] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
  const ACC = 13; // 8 accumulators: 13..20, acc[r][s] = ACC + 4r + s
  const [AV, BV, T0, T1] = [21, 23, 24, 25]; // AV: 21, 22

  /** [Σ v0, Σ v1, Σ v2, Σ v3] of four accumulators, left on the stack. */
  const reduce = (v: number) => [
    ...get(v),
    ...get(v + 1),
    ...shuffle32([0, 4, 1, 5]),
    ...get(v),
    ...get(v + 1),
    ...shuffle32([2, 6, 3, 7]),
    ...add,
    ...set(T0),
    ...get(v + 2),
    ...get(v + 3),
    ...shuffle32([0, 4, 1, 5]),
    ...get(v + 2),
    ...get(v + 3),
    ...shuffle32([2, 6, 3, 7]),
    ...add,
    ...set(T1),
    ...get(T0),
    ...get(T1),
    ...shuffle32([0, 1, 4, 5]),
    ...get(T0),
    ...get(T1),
    ...shuffle32([2, 3, 6, 7]),
    ...add,
  ];

  const block = (rows: number): number[] => {
    const out: number[] = [
      ...get(A),
      ...get(I),
      ...i32Const(aRow),
      I32_MUL,
      I32_ADD,
      ...set(PA),
      ...get(B),
      ...get(Q),
      ...i32Const(bRow),
      I32_MUL,
      I32_ADD,
      ...set(PB),
      ...get(PA),
      ...i32Const(len * 4),
      I32_ADD,
      ...set(PEND),
    ];
    for (let k = 0; k < 4 * rows; k++) out.push(...ZERO_V128, ...set(ACC + k));
    const step: number[] = [];
    for (let r = 0; r < rows; r++) step.push(...get(PA), ...loadAt(r * aRow), ...set(AV + r));
    for (let s = 0; s < 4; s++) {
      step.push(...get(PB), ...loadAt(s * bRow), ...set(BV));
      for (let r = 0; r < rows; r++) step.push(...multiplyAdd(relaxed, get(AV + r), get(BV), ACC + 4 * r + s));
    }
    step.push(...bump(PA, 16), ...bump(PB, 16));
    out.push(...doWhile(PA, PEND, step));
    out.push(...get(C), ...get(I), ...i32Const(cRow), I32_MUL, I32_ADD, ...get(Q), ...i32Const(4), I32_MUL, I32_ADD, ...set(CADDR));
    for (let r = 0; r < rows; r++) out.push(...get(CADDR), ...reduce(ACC + 4 * r), ...storeAt(r * cRow));
    return out;
  };

  const code = forLoop(CHUNK, i32Const(0), get(ROWS), ROW_CHUNK, [
    ...chunkBounds(CHUNK, ROWS, CHUNK_END, MAIN, -2),
    ...forLoop(Q, i32Const(0), i32Const(cols), 4, [...forLoop(I, get(CHUNK), get(MAIN), 2, block(2)), ...forLoop(I, get(MAIN), get(CHUNK_END), 1, block(1))]),
  ]);
  return {
    locals: [
      [9, I32],
      [13, V128],
    ],
    code,
  };
}

/** Whether a dense layer of these widths can use the kernels: out width a multiple of 8. */
export function gemmShapeSupported(inWidth: number, outWidth: number): boolean {
  return inWidth >= 1 && outWidth >= 8 && outWidth % 8 === 0;
}

/** Whether inputGrad exists for these widths (both multiples of 4). */
export function inputGradSupported(inWidth: number, outWidth: number): boolean {
  return inWidth % 4 === 0 && outWidth % 4 === 0;
}

/**
 * The module for a dense layer [k → n], importing `env.memory`. inputGrad is exported only when
 * inputGradSupported(k, n). `sharedMemory`: the import is a shared memory (tfjs's threaded
 * build, used when the page is cross-origin isolated).
 */
export function gemmModuleBytes(inWidth: number, outWidth: number, relaxed: boolean, sharedMemory = false): Uint8Array<ArrayBuffer> {
  if (!gemmShapeSupported(inWidth, outWidth)) throw new Error(`gemm kernels need an out width that is a multiple of 8, got ${inWidth}→${outWidth}`);
  const k = inWidth;
  const n = outWidth;
  const functions: FunctionSpec[] = [
    { type: 0, export: 'forward', ...broadcastKernel(relaxed, k * 4, 4, n * 4, n * 4, n) }, // rows m, trip k
    { type: 0, export: 'weightGrad', ...broadcastKernel(relaxed, 4, k * 4, n * 4, n * 4, n) }, // rows k, trip m
  ];
  if (inputGradSupported(k, n)) functions.push({ type: 1, export: 'inputGrad', ...dotKernel(relaxed, n * 4, n * 4, k * 4, n, k) });
  const [fiveI32, fourI32] = [new Array<number>(5).fill(I32), new Array<number>(4).fill(I32)];
  return wasmModule([fiveI32, fourI32], functions, sharedMemory ? 'import-shared' : 'import');
}

/** The exported kernels; every argument is a byte offset into the memory, or a row count. */
export interface GemmKernels {
  forward(x: number, w: number, z: number, m: number, k: number): void;
  weightGrad(x: number, dz: number, dw: number, k: number, m: number): void;
  inputGrad?: (dz: number, w: number, dx: number, m: number) => void;
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, GemmKernels>>();

/** The kernels for [k → n] on `memory` (plain or shared), compiled once per memory, widths and flavour. */
export function gemmKernels(memory: WebAssembly.Memory, inWidth: number, outWidth: number, relaxed = relaxedSimdSupported()): GemmKernels {
  let cache = instances.get(memory);
  if (!cache) instances.set(memory, (cache = new Map()));
  const key = `${inWidth}x${outWidth}${relaxed ? 'r' : ''}`;
  let kernels = cache.get(key);
  if (!kernels) {
    const module = new WebAssembly.Module(gemmModuleBytes(inWidth, outWidth, relaxed, isSharedMemory(memory)));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmKernels;
    cache.set(key, kernels);
  }
  return kernels;
}
