/**
 * The three matrix products of a dense GCN layer, z = x·w, dx = dz·wᵀ and dw = xᵀ·dz, as
 * hand-assembled WebAssembly SIMD kernels that read and write tfjs-backend-wasm's own heap (the
 * module imports the backend's memory), so no value is copied and no transpose is materialised.
 *
 * Why: on WASM a batch-8 step of the 4×600 GCN spent ≈ 17 ms in XNNPACK matMuls and ≈ 2 ms in the
 * transposes that route every product through XNNPACK's fast path (ops.ts). XNNPACK's WASM SIMD
 * kernels multiply and add separately; where the engine has relaxed SIMD (Chromium ≥ 114) these
 * kernels use `f32x4.relaxed_madd`, one fused multiply-add per 4 lanes. Without it they use
 * mul + add and are built the same way.
 *
 * Kernels (row-major float32, byte offsets into the heap; k = in width, n = out width):
 * - forward(x, w, z, m, k):        z[m×n]  = x[m×k]·w[k×n]   4×8 register blocks: a broadcast
 *                                  x value times two 4-lane rows of w; columns outer so a 8-column
 *                                  panel of w stays in L1 while the rows of x stream past it.
 * - weightGrad(x, dz, dw, k, m):   dw[k×n] = x[m×k]ᵀ·dz[m×n] the same 4×8 blocks, reading x down
 *                                  its columns (xᵀ without a transpose).
 * - inputGrad(dz, w, dx, m):       dx[m×k] = dz[m×n]·w[k×n]ᵀ 2×4 blocks of 4-lane dot products
 *                                  along n, reduced by shuffles; needs k and n multiples of 4.
 * Sums run in another order than XNNPACK's (and fused where relaxed SIMD fuses), so results
 * differ from tf.matMul in the last bits; gemm-simd.test.ts compares with float64 products.
 */
import { END, I32, I32_ADD, I32_MUL, V128, forLoop, get, i32Const, leb, name, section, set, simd } from './wasm-asm.ts';
import { isSharedMemory } from './host-values.ts';

const I32_AND = 0x71;
const I32_NE = 0x47;
const I32_LT_U = 0x49;
const I32_SUB = 0x6b;
const loadV = (offset: number) => [...simd(0x00), 4, ...leb(offset)];
const storeV = (offset: number) => [...simd(0x0b), 4, ...leb(offset)];
const loadSplat = (offset: number) => [...simd(0x09), 2, ...leb(offset)]; // v128.load32_splat
const ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const RELAXED_MADD = simd(0x105); // f32x4.relaxed_madd(a, b, c) = a·b + c
/** i8x16.shuffle picking 32-bit lanes: 0-3 from the first operand, 4-7 from the second. */
const shuffle = (lanes: number[]) => [...simd(0x0d), ...lanes.flatMap((lane) => [0, 1, 2, 3].map((b) => lane * 4 + b))];

/** local = local + delta */
const bump = (local: number, delta: number) => [...get(local), ...i32Const(delta), I32_ADD, ...set(local)];

const loop = forLoop;

/** do { body } while (pointer != end) */
const doWhile = (pointer: number, end: number, body: number[]) => [0x03, 0x40, ...body, ...get(pointer), ...get(end), I32_NE, 0x0d, 0, END];

/** acc = a·b + acc, fused where relaxed SIMD is available. */
const multiplyAdd = (relaxed: boolean, a: number[], b: number[], acc: number) =>
  relaxed ? [...a, ...b, ...get(acc), ...RELAXED_MADD, ...set(acc)] : [...a, ...b, ...F32X4_MUL, ...get(acc), ...F32X4_ADD, ...set(acc)];

/**
 * Rows go in chunks of ROW_CHUNK so that a chunk's share of the row-side operand stays in L2 while
 * every column panel passes over it: without chunks a 576-row product re-read its 1.4 MB row-side
 * matrix from L3 once per 8-column panel.
 */
const ROW_CHUNK = 64;

/** end = min(chunk + ROW_CHUNK, rows); main = chunk + ((end − chunk) & blockMask) */
const chunkBounds = (chunk: number, rows: number, end: number, main: number, blockMask: number) => [
  ...get(chunk), ...i32Const(ROW_CHUNK), I32_ADD, ...get(rows),
  ...get(chunk), ...i32Const(ROW_CHUNK), I32_ADD, ...get(rows), I32_LT_U, 0x1b, ...set(end), // select
  ...get(chunk), ...get(end), ...get(chunk), I32_SUB, ...i32Const(blockMask), I32_AND, I32_ADD, ...set(main),
];

function localDecls(i32s: number, v128s: number): number[] {
  return [2, ...leb(i32s), I32, ...leb(v128s), V128];
}

/**
 * C[rows×cols] = A·B with C rows in 4×8 blocks: for each of `trip` steps, one value of each of the
 * block's A rows (broadcast) times 8 consecutive values of a B row. Byte strides are constants:
 * aRow between A values of consecutive C rows, aStep between consecutive steps, bStep between B
 * rows, cRow between C rows. Params (a, b, c, rows, trip); trip ≥ 1. cols must be a multiple of 8.
 */
function broadcastKernel(relaxed: boolean, aRow: number, aStep: number, bStep: number, cRow: number, cols: number): number[] {
  const [A, B, C, ROWS, TRIP] = [0, 1, 2, 3, 4];
  const [I, J, PA, PB, PEND, MAIN, CHUNK, CHUNK_END] = [5, 6, 7, 8, 9, 10, 11, 12];
  const ACC = 13; // 8 accumulators: 13..20
  const [B0, B1, X] = [21, 22, 23];

  const block = (rows: number): number[] => {
    const out: number[] = [
      ...get(A), ...get(I), ...i32Const(aRow), I32_MUL, I32_ADD, ...set(PA),
      ...get(B), ...get(J), I32_ADD, ...set(PB),
      ...get(PA), ...get(TRIP), ...i32Const(aStep), I32_MUL, I32_ADD, ...set(PEND),
    ];
    for (let k = 0; k < 2 * rows; k++) out.push(...ZERO, ...set(ACC + k));
    const step: number[] = [...get(PB), ...loadV(0), ...set(B0), ...get(PB), ...loadV(16), ...set(B1)];
    for (let r = 0; r < rows; r++) {
      step.push(...get(PA), ...loadSplat(r * aRow), ...set(X));
      step.push(...multiplyAdd(relaxed, get(X), get(B0), ACC + 2 * r));
      step.push(...multiplyAdd(relaxed, get(X), get(B1), ACC + 2 * r + 1));
    }
    step.push(...bump(PA, aStep), ...bump(PB, bStep));
    out.push(...doWhile(PA, PEND, step));
    // PB is free again: the block's first C address.
    out.push(...get(C), ...get(I), ...i32Const(cRow), I32_MUL, I32_ADD, ...get(J), I32_ADD, ...set(PB));
    for (let r = 0; r < rows; r++) {
      out.push(...get(PB), ...get(ACC + 2 * r), ...storeV(r * cRow));
      out.push(...get(PB), ...get(ACC + 2 * r + 1), ...storeV(r * cRow + 16));
    }
    return out;
  };

  const body = [
    ...loop(CHUNK, i32Const(0), get(ROWS), ROW_CHUNK, [
      ...chunkBounds(CHUNK, ROWS, CHUNK_END, MAIN, -4),
      ...loop(J, i32Const(0), i32Const(cols * 4), 32, [
        ...loop(I, get(CHUNK), get(MAIN), 4, block(4)),
        ...loop(I, get(MAIN), get(CHUNK_END), 1, block(1)),
      ]),
    ]),
    END,
  ];
  return [...localDecls(8, 11), ...body];
}

/**
 * C[rows×cols] = A·Bᵀ for row-major A [rows×len] and B [cols×len], in 2×4 blocks of 4-lane partial
 * dot products along len, reduced by shuffles at the end. Constant byte strides aRow, bRow (rows
 * of A and B) and cRow; len and cols multiples of 4. Params (a, b, c, rows).
 */
function dotKernel(relaxed: boolean, aRow: number, bRow: number, cRow: number, len: number, cols: number): number[] {
  const [A, B, C, ROWS] = [0, 1, 2, 3];
  const [Q, I, PA, PB, PEND, MAIN, CADDR, CHUNK, CHUNK_END] = [4, 5, 6, 7, 8, 9, 10, 11, 12];
  const ACC = 13; // 8 accumulators: 13..20, acc[r][s] = ACC + 4r + s
  const [AV, BV, T0, T1] = [21, 23, 24, 25]; // AV: 21, 22

  /** [Σ v0, Σ v1, Σ v2, Σ v3] of four accumulators, left on the stack. */
  const reduce = (v: number) => [
    ...get(v), ...get(v + 1), ...shuffle([0, 4, 1, 5]), ...get(v), ...get(v + 1), ...shuffle([2, 6, 3, 7]), ...F32X4_ADD, ...set(T0),
    ...get(v + 2), ...get(v + 3), ...shuffle([0, 4, 1, 5]), ...get(v + 2), ...get(v + 3), ...shuffle([2, 6, 3, 7]), ...F32X4_ADD, ...set(T1),
    ...get(T0), ...get(T1), ...shuffle([0, 1, 4, 5]), ...get(T0), ...get(T1), ...shuffle([2, 3, 6, 7]), ...F32X4_ADD,
  ];

  const block = (rows: number): number[] => {
    const out: number[] = [
      ...get(A), ...get(I), ...i32Const(aRow), I32_MUL, I32_ADD, ...set(PA),
      ...get(B), ...get(Q), ...i32Const(bRow), I32_MUL, I32_ADD, ...set(PB),
      ...get(PA), ...i32Const(len * 4), I32_ADD, ...set(PEND),
    ];
    for (let k = 0; k < 4 * rows; k++) out.push(...ZERO, ...set(ACC + k));
    const step: number[] = [];
    for (let r = 0; r < rows; r++) step.push(...get(PA), ...loadV(r * aRow), ...set(AV + r));
    for (let s = 0; s < 4; s++) {
      step.push(...get(PB), ...loadV(s * bRow), ...set(BV));
      for (let r = 0; r < rows; r++) step.push(...multiplyAdd(relaxed, get(AV + r), get(BV), ACC + 4 * r + s));
    }
    step.push(...bump(PA, 16), ...bump(PB, 16));
    out.push(...doWhile(PA, PEND, step));
    out.push(...get(C), ...get(I), ...i32Const(cRow), I32_MUL, I32_ADD, ...get(Q), ...i32Const(4), I32_MUL, I32_ADD, ...set(CADDR));
    for (let r = 0; r < rows; r++) out.push(...get(CADDR), ...reduce(ACC + 4 * r), ...storeV(r * cRow));
    return out;
  };

  const body = [
    ...loop(CHUNK, i32Const(0), get(ROWS), ROW_CHUNK, [
      ...chunkBounds(CHUNK, ROWS, CHUNK_END, MAIN, -2),
      ...loop(Q, i32Const(0), i32Const(cols), 4, [
        ...loop(I, get(CHUNK), get(MAIN), 2, block(2)),
        ...loop(I, get(MAIN), get(CHUNK_END), 1, block(1)),
      ]),
    ]),
    END,
  ];
  return [...localDecls(9, 13), ...body];
}

/** Whether a dense layer of these widths can use the kernels: out width a multiple of 8. */
export function gemmShapeSupported(inWidth: number, outWidth: number): boolean {
  return inWidth >= 1 && outWidth >= 8 && outWidth % 8 === 0;
}

/** Whether inputGrad exists for these widths (both multiples of 4). */
export function inputGradSupported(inWidth: number, outWidth: number): boolean {
  return inWidth % 4 === 0 && outWidth % 4 === 0;
}

/** The largest memory a 32-bit module can address, in 64 KiB pages. */
const MAX_PAGES = 65536;

/**
 * The module for a dense layer [k → n], importing `env.memory`. inputGrad is exported only when
 * inputGradSupported(k, n). `sharedMemory`: the import is a shared memory (tfjs's threaded
 * build, used when the page is cross-origin isolated), which must declare a maximum.
 */
export function gemmModuleBytes(inWidth: number, outWidth: number, relaxed: boolean, sharedMemory = false): Uint8Array<ArrayBuffer> {
  if (!gemmShapeSupported(inWidth, outWidth)) throw new Error(`gemm kernels need an out width that is a multiple of 8, got ${inWidth}→${outWidth}`);
  const k = inWidth;
  const n = outWidth;
  const withInputGrad = inputGradSupported(k, n);
  const fiveI32 = [0x60, 5, I32, I32, I32, I32, I32, 0];
  const fourI32 = [0x60, 4, I32, I32, I32, I32, 0];
  const bodies = [
    broadcastKernel(relaxed, k * 4, 4, n * 4, n * 4, n), // forward: rows m, trip k
    broadcastKernel(relaxed, 4, k * 4, n * 4, n * 4, n), // weightGrad: rows k, trip m
  ];
  const exportsList = [...name('forward'), 0x00, 0, ...name('weightGrad'), 0x00, 1];
  if (withInputGrad) {
    bodies.push(dotKernel(relaxed, n * 4, n * 4, k * 4, n, k));
    exportsList.push(...name('inputGrad'), 0x00, 2);
  }
  const count = bodies.length;
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, ...fiveI32, ...fourI32]),
    // a memory of at least 0 pages; shared ones with the largest maximum, so any tfjs maximum fits
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...(sharedMemory ? [0x03, 0x00, ...leb(MAX_PAGES)] : [0x00, 0x00])]),
    ...section(3, [count, 0, 0, ...(withInputGrad ? [1] : [])]),
    ...section(7, [count, ...exportsList]),
    ...section(10, [count, ...bodies.flatMap((body) => [...leb(body.length), ...body])]),
  ];
  return new Uint8Array(bytes);
}

let relaxedSupport: boolean | undefined;

/** Whether this engine validates `f32x4.relaxed_madd` (Chromium ≥ 114; node only with a flag). */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupport === undefined) {
    const type = [0x60, 0, 1, V128];
    const body = [0x00, ...ZERO, ...ZERO, ...ZERO, ...RELAXED_MADD, END];
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, [1, ...type]),
      ...section(3, [1, 0]),
      ...section(10, [1, ...leb(body.length), ...body]),
    ]);
    relaxedSupport = typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  }
  return relaxedSupport;
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
