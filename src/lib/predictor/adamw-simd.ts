/**
 * The AdamW update as one WebAssembly SIMD loop (4 float32 lanes), for the WASM and cpu
 * backends, where tensors live in host memory.
 *
 * Why: on WASM the kernel form of the update (adamw.ts) runs 11 element-wise kernels per weight
 * matrix, each with a fresh 1.4 MB buffer, for each of the 4×600 GCN's three 600×600 matrices.
 * A plain JS loop is no faster (≈ 11 ns per value here: the divide and square root do not
 * vectorise). This loop reads and writes every value once, four at a time; what it saves per
 * step is measured in bench-results/adamw-simd.md (≈ 4 ms in Chromium at batch 1 and 8).
 *
 * It computes exactly what the kernels compute, in float32 and in the same order
 * (m = m·β₁ + g·(1−β₁); v = v·β₂ + g²·(1−β₂); w = w·decay − (m / (√v·s + ε))·stepSize), so the
 * two paths agree bit for bit (adamw.test.ts).
 *
 * The module is assembled here from its bytes (listing below) rather than shipped as a file:
 * 280 bytes, no toolchain, and nothing fetched.
 */
import { F32, I32, V128, add, div, get, leb, load, mul, name, section, set, splat, sqrt, store, sub } from './wasm-asm.ts';

/** The scalars of one AdamW step (adamw.ts): moment decays, ε, and the step's bias-corrected factors. */
export interface StepScalars {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr / (1 − β₁ᵗ) */
  stepSize: number;
  /** 1 / √(1 − β₂ᵗ) */
  secondMomentScale: number;
  /** 1 − lr·weightDecay */
  decay: number;
}

/** The module's one function and its memory. */
export interface SimdExports {
  memory: WebAssembly.Memory;
  adamw: (
    w: number, g: number, m: number, v: number, bytes: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    epsilon: number, stepSize: number, secondMomentScale: number, decay: number, wOut: number,
  ) => void;
}

// Parameters 0-13, then locals.
const [W, G, M, V, BYTES, BETA1, ONE_MINUS_BETA1, BETA2, ONE_MINUS_BETA2, EPSILON, STEP_SIZE, SECOND_MOMENT_SCALE, DECAY, W_OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const I = 14; // byte offset of the current 4 lanes
const SPLAT_FIRST = 15; // locals 15-22: the 8 scalar parameters broadcast to 4 lanes
const GI = 23;
const MI = 24;
const VI = 25;
const lanes = (param: number) => SPLAT_FIRST + (param - BETA1);
/** address = base + i */
const at = (base: number) => [...get(base), ...get(I), 0x6a /* i32.add */];

/**
 * (func $adamw (param w g m v bytes i32) (param β₁ 1−β₁ β₂ 1−β₂ ε stepSize s decay f32) (param wOut i32)
 *   broadcast the 8 scalars
 *   (block (loop
 *     (br_if 1 (i >= bytes))
 *     gi = load(g+i)
 *     mi = load(m+i)·β₁ + gi·(1−β₁)          ;; store at m+i
 *     vi = load(v+i)·β₂ + (gi·gi)·(1−β₂)      ;; store at v+i
 *     store(wOut+i, load(w+i)·decay − (mi / (√vi·s + ε))·stepSize)      ;; wOut = w: in place
 *     i += 16
 *     (br 0))))
 */
function adamwBody(): number[] {
  const code: number[] = [];
  for (let p = BETA1; p <= DECAY; p++) code.push(...get(p), ...splat, ...set(lanes(p)));
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop (no result)
  code.push(...get(I), ...get(BYTES), 0x4f /* i32.ge_u */, 0x0d, 1 /* br_if 1 */);
  code.push(...at(G), ...load, ...set(GI));
  code.push(...at(M), ...load, ...get(lanes(BETA1)), ...mul, ...get(GI), ...get(lanes(ONE_MINUS_BETA1)), ...mul, ...add, ...set(MI));
  code.push(...at(V), ...load, ...get(lanes(BETA2)), ...mul, ...get(GI), ...get(GI), ...mul, ...get(lanes(ONE_MINUS_BETA2)), ...mul, ...add, ...set(VI));
  code.push(...at(M), ...get(MI), ...store);
  code.push(...at(V), ...get(VI), ...store);
  code.push(...at(W_OUT));
  code.push(...at(W), ...load, ...get(lanes(DECAY)), ...mul);
  code.push(...get(MI), ...get(VI), ...sqrt, ...get(lanes(SECOND_MOMENT_SCALE)), ...mul, ...get(lanes(EPSILON)), ...add, ...div);
  code.push(...get(lanes(STEP_SIZE)), ...mul, ...sub, ...store);
  code.push(...get(I), 0x41, ...leb(16) /* i32.const 16 */, 0x6a, ...set(I));
  code.push(0x0c, 0 /* br 0 */, 0x0b, 0x0b); // end loop, end block
  code.push(0x0b); // end function
  const locals = [2, ...leb(1), I32, ...leb(11), V128];
  return [...locals, ...code];
}

/**
 * The module's bytes. `memory`: 'own' defines and exports its memory; 'import' and
 * 'import-shared' import `env.memory` (tfjs-backend-wasm's heap, plain or, in the threaded
 * build, shared), so the loop runs on tensors where tfjs keeps them (heap-adamw.ts).
 */
export function adamwModuleBytes(memory: 'own' | 'import' | 'import-shared' = 'own'): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...leb(14), I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, I32, 0];
  const body = adamwBody();
  const own = memory === 'own';
  const memoryLimits = memory === 'import-shared' ? [0x03, 0x00, ...leb(65536)] : [0x00, 0x00]; // shared ones need a maximum
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [1, ...type]), // types
    ...(own ? [] : section(2, [1, ...name('env'), ...name('memory'), 0x02, ...memoryLimits])), // imports
    ...section(3, [1, 0]), // functions: one, of type 0
    ...(own ? section(5, [1, 0x00, ...leb(1)]) : []), // memory: one, at least 1 page, no maximum
    ...section(7, own ? [2, ...name('memory'), 0x02, 0, ...name('adamw'), 0x00, 0] : [1, ...name('adamw'), 0x00, 0]), // exports
    ...section(10, [1, ...leb(body.length), ...body]), // code
  ]);
}

const LANE_BYTES = 16;
const PAGE_BYTES = 65_536;

/** Where one variable's four arrays live in the module's memory (byte offsets). */
interface Region {
  values: number;
  w: number;
  g: number;
  m: number;
  v: number;
  /** Bytes the loop covers: the value count rounded up to whole lanes. */
  bytes: number;
}

/**
 * AdamW state of a fixed list of variable sizes in one module instance: weights, gradient
 * scratch, m and v per variable, each padded to whole 4-lane groups with zeros (a zero pad stays
 * zero: zero gradient, zero moments, zero weight).
 */
export class SimdAdamW {
  private readonly exports: SimdExports;
  private readonly regions: Region[];

  constructor(sizes: readonly number[]) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(adamwModuleBytes()), {});
    this.exports = instance.exports as unknown as SimdExports;
    let next = 0;
    this.regions = sizes.map((values) => {
      const bytes = Math.ceil((values * 4) / LANE_BYTES) * LANE_BYTES;
      const region = { values, w: next, g: next + bytes, m: next + 2 * bytes, v: next + 3 * bytes, bytes };
      next += 4 * bytes;
      return region;
    });
    const have = this.exports.memory.buffer.byteLength;
    if (next > have) this.exports.memory.grow(Math.ceil((next - have) / PAGE_BYTES));
  }

  private view(offset: number, values: number): Float32Array {
    // Views are made per call: growing the memory detaches earlier ones.
    return new Float32Array(this.exports.memory.buffer, offset, values);
  }

  /** Variable k's weights as the module holds them (a live view: copy before keeping it). */
  weights(k: number): Float32Array {
    const r = this.regions[k];
    return this.view(r.w, r.values);
  }

  /** Overwrites variable k's weights (e.g. after someone else assigned the variable). */
  setWeights(k: number, values: ArrayLike<number>): void {
    this.weights(k).set(values);
  }

  /** One update of variable k with `gradient`; the new weights are then in {@link weights}. */
  update(k: number, gradient: ArrayLike<number>, step: StepScalars): void {
    const r = this.regions[k];
    this.view(r.g, r.values).set(gradient);
    const { beta1, beta2 } = step;
    this.exports.adamw(r.w, r.g, r.m, r.v, r.bytes, beta1, 1 - beta1, beta2, 1 - beta2, step.epsilon, step.stepSize, step.secondMomentScale, step.decay, r.w);
  }
}
