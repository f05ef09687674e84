/**
 * `ReLU(LayerNorm(xw + b))·scale` of a GCN layer, forward and closed-form backward, as two
 * WebAssembly SIMD loops (4 float32 lanes) over the rows of a [rows, width] matrix; fused.ts
 * wraps them as one tfjs op and applies the dropout mask.
 *
 * Why: on WASM the same work was ≈ 30 tfjs kernels per layer and step, each cheap in arithmetic
 * but with the engine's per-kernel cost (≈ 40 µs measured in a node profile). A plain JS loop was
 * no faster than those kernels (≈ 2 ms per 72×600 layer forward and backward).
 *
 * Float32 arithmetic throughout; row sums are 4 lane-wise partial sums added at the end, so the
 * rounding differs slightly from tfjs's kernels (fused.test.ts compares the two).
 *
 *   forward(in, bias, gain, shift, out, norm, rstd, rows, rowBytes; scale, ε, width)
 *     per row: z = in + bias → out;  mean = Σz / width;  var = Σ(z − mean)² / width
 *              rstd[r] = 1/√(var + ε);  norm = (z − mean)·rstd;  out = max(norm·gain + shift, 0)·scale
 *   backward(dy, out, norm, rstd, gain, dIn, dBias, dGain, dShift, rows, rowBytes; scale, width)
 *     per row: dPre = dy·scale where out > 0, else 0;  dGain += dPre·norm;  dShift += dPre
 *              d = dPre·gain;  dIn = rstd·(d − mean(d) − norm·mean(d·norm));  dBias += dIn
 * dBias, dGain and dShift accumulate over rows: the caller zeroes them first.
 */
import { END, F32, I32, I32_ADD, I32_MUL, V128, add, forLoop, get, i32Const, leb, load, mul, name, section, set, simd, splat, store, sub } from './wasm-asm.ts';

const F32_ADD = 0x92;
const F32_DIV = 0x95;
const F32_SQRT = 0x91;
const F32_LOAD = [0x2a, 0x02, 0x00];
const F32_STORE = [0x38, 0x02, 0x00];
const extractLane = (lane: number) => [...simd(0x1f), lane];
const greaterThan = simd(0x44); // f32x4.gt
const and = simd(0x4e); // v128.and
const max = simd(0xe9); // f32x4.max

/** address = base + offset (two i32 locals). */
const at = (base: number, offset: number) => [...get(base), ...get(offset), I32_ADD];

/** local = base + r · rowBytes */
const rowStart = (local: number, base: number, r: number, rowBytes: number) => [...get(base), ...get(r), ...get(rowBytes), I32_MUL, I32_ADD, ...set(local)];

/** for (counter = 0; counter < limit; counter += step) body, with limit a local */
const loop = (counter: number, limit: number, step: number, body: number[]) => forLoop(counter, i32Const(0), get(limit), step, body);

/** f32: lane0 + lane1 + lane2 + lane3 of a v128 local. */
const laneSum = (v: number) => [...get(v), ...extractLane(0), ...get(v), ...extractLane(1), F32_ADD, ...get(v), ...extractLane(2), F32_ADD, ...get(v), ...extractLane(3), F32_ADD];

function forwardBody(): number[] {
  const [IN, BIAS, GAIN, SHIFT, OUT, NORM, RSTD, ROWS, ROW_BYTES, SCALE, EPSILON, WIDTH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [R, K, ROW_IN, ROW_OUT, ROW_NORM] = [12, 13, 14, 15, 16];
  const [MEAN, INV] = [17, 18];
  const [ACC, Z, MEAN_V, INV_V, SCALE_V, ZERO_V] = [19, 20, 21, 22, 23, 24];
  const row = [
    ...rowStart(ROW_IN, IN, R, ROW_BYTES), ...rowStart(ROW_OUT, OUT, R, ROW_BYTES), ...rowStart(ROW_NORM, NORM, R, ROW_BYTES),
    ...get(ZERO_V), ...set(ACC),
    ...loop(K, ROW_BYTES, 16, [
      ...at(ROW_IN, K), ...load, ...at(BIAS, K), ...load, ...add, ...set(Z),
      ...at(ROW_OUT, K), ...get(Z), ...store,
      ...get(ACC), ...get(Z), ...add, ...set(ACC),
    ]),
    ...laneSum(ACC), ...get(WIDTH), F32_DIV, ...set(MEAN),
    ...get(MEAN), ...splat, ...set(MEAN_V),
    ...get(ZERO_V), ...set(ACC),
    ...loop(K, ROW_BYTES, 16, [
      ...at(ROW_OUT, K), ...load, ...get(MEAN_V), ...sub, ...set(Z),
      ...get(ACC), ...get(Z), ...get(Z), ...mul, ...add, ...set(ACC),
    ]),
    0x43, ...f32Bytes(1), ...laneSum(ACC), ...get(WIDTH), F32_DIV, ...get(EPSILON), F32_ADD, F32_SQRT, F32_DIV, ...set(INV),
    ...get(RSTD), ...get(R), ...i32Const(4), I32_MUL, I32_ADD, ...get(INV), ...F32_STORE,
    ...get(INV), ...splat, ...set(INV_V),
    ...loop(K, ROW_BYTES, 16, [
      ...at(ROW_OUT, K), ...load, ...get(MEAN_V), ...sub, ...get(INV_V), ...mul, ...set(Z),
      ...at(ROW_NORM, K), ...get(Z), ...store,
      ...at(ROW_OUT, K),
      ...get(Z), ...at(GAIN, K), ...load, ...mul, ...at(SHIFT, K), ...load, ...add, ...get(ZERO_V), ...max, ...get(SCALE_V), ...mul,
      ...store,
    ]),
  ];
  const code = [...get(SCALE), ...splat, ...set(SCALE_V), ...loop(R, ROWS, 1, row), END];
  return [3, 5, I32, 2, F32, 6, V128, ...code];
}

function backwardBody(): number[] {
  const [DY, OUT, NORM, RSTD, GAIN, D_IN, D_BIAS, D_GAIN, D_SHIFT, ROWS, ROW_BYTES, SCALE, WIDTH] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [R, K, ROW_DY, ROW_OUT, ROW_NORM, ROW_D_IN] = [13, 14, 15, 16, 17, 18];
  const [ACC_D, ACC_DX, D_PRE, X_HAT, D, MEAN_D_V, MEAN_DX_V, INV_V, SCALE_V, ZERO_V] = [19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
  const accumulate = (base: number, value: number[]) => [...at(base, K), ...at(base, K), ...load, ...value, ...add, ...store];
  const row = [
    ...rowStart(ROW_DY, DY, R, ROW_BYTES), ...rowStart(ROW_OUT, OUT, R, ROW_BYTES),
    ...rowStart(ROW_NORM, NORM, R, ROW_BYTES), ...rowStart(ROW_D_IN, D_IN, R, ROW_BYTES),
    ...get(ZERO_V), ...set(ACC_D), ...get(ZERO_V), ...set(ACC_DX),
    ...loop(K, ROW_BYTES, 16, [
      ...at(ROW_DY, K), ...load, ...get(SCALE_V), ...mul, ...at(ROW_OUT, K), ...load, ...get(ZERO_V), ...greaterThan, ...and, ...set(D_PRE),
      ...at(ROW_NORM, K), ...load, ...set(X_HAT),
      ...accumulate(D_GAIN, [...get(D_PRE), ...get(X_HAT), ...mul]),
      ...accumulate(D_SHIFT, get(D_PRE)),
      ...get(D_PRE), ...at(GAIN, K), ...load, ...mul, ...set(D),
      ...at(ROW_D_IN, K), ...get(D), ...store,
      ...get(ACC_D), ...get(D), ...add, ...set(ACC_D),
      ...get(ACC_DX), ...get(D), ...get(X_HAT), ...mul, ...add, ...set(ACC_DX),
    ]),
    ...laneSum(ACC_D), ...get(WIDTH), F32_DIV, ...splat, ...set(MEAN_D_V),
    ...laneSum(ACC_DX), ...get(WIDTH), F32_DIV, ...splat, ...set(MEAN_DX_V),
    ...get(RSTD), ...get(R), ...i32Const(4), I32_MUL, I32_ADD, ...F32_LOAD, ...splat, ...set(INV_V),
    ...loop(K, ROW_BYTES, 16, [
      ...get(INV_V), ...at(ROW_D_IN, K), ...load, ...get(MEAN_D_V), ...sub, ...at(ROW_NORM, K), ...load, ...get(MEAN_DX_V), ...mul, ...sub, ...mul, ...set(D),
      ...at(ROW_D_IN, K), ...get(D), ...store,
      ...accumulate(D_BIAS, get(D)),
    ]),
  ];
  const code = [...get(SCALE), ...splat, ...set(SCALE_V), ...loop(R, ROWS, 1, row), END];
  return [2, 6, I32, 10, V128, ...code];
}

function f32Bytes(value: number): number[] {
  return Array.from(new Uint8Array(new Float32Array([value]).buffer));
}

/** The module's bytes: memory, forward (type 0) and backward (type 1). */
/**
 * The module's bytes. `memory`: 'own' defines and exports its memory; 'import' and
 * 'import-shared' import `env.memory` (tfjs-backend-wasm's heap, plain or shared), for heap-layer.ts.
 */
export function layerModuleBytes(memory: 'own' | 'import' | 'import-shared' = 'own'): Uint8Array<ArrayBuffer> {
  const own = memory === 'own';
  const memoryLimits = memory === 'import-shared' ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00]; // shared ones need a maximum
  const forwardType = [0x60, ...leb(12), ...Array(9).fill(I32), F32, F32, F32, 0];
  const backwardType = [0x60, ...leb(13), ...Array(11).fill(I32), F32, F32, 0];
  const bodies = [forwardBody(), backwardBody()];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [2, ...forwardType, ...backwardType]),
    ...(own ? [] : section(2, [1, ...name('env'), ...name('memory'), 0x02, ...memoryLimits])),
    ...section(3, [2, 0, 1]),
    ...(own ? section(5, [1, 0x00, ...leb(1)]) : []), // one memory, at least 1 page, no maximum
    ...section(7, own
      ? [3, ...name('memory'), 0x02, 0, ...name('forward'), 0x00, 0, ...name('backward'), 0x00, 1]
      : [2, ...name('forward'), 0x00, 0, ...name('backward'), 0x00, 1]),
    ...section(10, [2, ...bodies.flatMap((body) => [...leb(body.length), ...body])]),
  ]);
}

export interface LayerExports {
  memory: WebAssembly.Memory;
  forward: (...args: number[]) => void;
  backward: (...args: number[]) => void;
}

/** What the backward pass needs from the forward pass (copies, kept by the caller). */
export interface LayerSaved {
  rows: number;
  width: number;
  scale: number;
  /** The output after the dropout mask: > 0 exactly where the gradient passes. */
  output: Float32Array;
  normalised: Float32Array;
  rstd: Float32Array;
  gain: Float32Array;
}

export interface LayerGradients {
  input: Float32Array;
  bias: Float32Array;
  gain: Float32Array;
  shift: Float32Array;
}

const PAGE_BYTES = 65_536;

/** One module instance; regions are laid out per call for the call's shape. */
export class SimdLayer {
  private readonly exports: LayerExports;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(layerModuleBytes()), {});
    this.exports = instance.exports as unknown as LayerExports;
  }

  /** Byte offsets of 4 matrices, 6 vectors and rstd for [rows, width]; grows the memory. */
  private layout(rows: number, width: number) {
    const matrix = rows * width * 4;
    const vector = width * 4;
    const rowsBytes = Math.ceil(rows / 4) * 16;
    const offsets = { a: 0, out: matrix, norm: 2 * matrix, dIn: 3 * matrix, bias: 4 * matrix, gain: 4 * matrix + vector, shift: 4 * matrix + 2 * vector, dBias: 4 * matrix + 3 * vector, dGain: 4 * matrix + 4 * vector, dShift: 4 * matrix + 5 * vector, rstd: 4 * matrix + 6 * vector };
    const needed = offsets.rstd + rowsBytes;
    const have = this.exports.memory.buffer.byteLength;
    if (needed > have) this.exports.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
    return offsets;
  }

  private view(offset: number, values: number): Float32Array {
    // Made per call: growing the memory detaches earlier views.
    return new Float32Array(this.exports.memory.buffer, offset, values);
  }

  /**
   * Forward pass. Returns a view of the output (valid until the next call; zero `dropped` in it
   * before saving) and writes the saved state. `width` must be a multiple of 4.
   */
  forward(input: ArrayLike<number>, bias: ArrayLike<number>, gain: ArrayLike<number>, shift: ArrayLike<number>, rows: number, width: number, scale: number, epsilon: number, dropped: Int32Array): { output: Float32Array; saved: LayerSaved } {
    if (width % 4 !== 0) throw new Error(`SimdLayer: width ${width} is not a multiple of 4`);
    const o = this.layout(rows, width);
    const size = rows * width;
    this.view(o.a, size).set(input);
    this.view(o.bias, width).set(bias);
    this.view(o.gain, width).set(gain);
    this.view(o.shift, width).set(shift);
    this.exports.forward(o.a, o.bias, o.gain, o.shift, o.out, o.norm, o.rstd, rows, width * 4, scale, epsilon, width);
    const output = this.view(o.out, size);
    for (const i of dropped) output[i] = 0;
    const saved: LayerSaved = {
      rows, width, scale,
      output: output.slice(),
      normalised: this.view(o.norm, size).slice(),
      rstd: this.view(o.rstd, rows).slice(),
      gain: Float32Array.from(gain),
    };
    return { output, saved };
  }

  /** Backward pass for upstream gradient `dy`; views valid until the next call. */
  backward(dy: ArrayLike<number>, saved: LayerSaved): LayerGradients {
    const { rows, width } = saved;
    const o = this.layout(rows, width);
    const size = rows * width;
    this.view(o.a, size).set(dy);
    this.view(o.out, size).set(saved.output);
    this.view(o.norm, size).set(saved.normalised);
    this.view(o.rstd, rows).set(saved.rstd);
    this.view(o.gain, width).set(saved.gain);
    for (const region of [o.dBias, o.dGain, o.dShift]) this.view(region, width).fill(0);
    this.exports.backward(o.a, o.out, o.norm, o.rstd, o.gain, o.dIn, o.dBias, o.dGain, o.dShift, rows, width * 4, saved.scale, width);
    return { input: this.view(o.dIn, size), bias: this.view(o.dBias, width), gain: this.view(o.dGain, width), shift: this.view(o.dShift, width) };
  }
}
