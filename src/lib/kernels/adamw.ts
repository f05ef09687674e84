/**
 * The AdamW update of adamw.wat, one WebAssembly SIMD loop (4 float32 lanes): the builds of the
 * module, its instances on an imported memory, and {@link SimdAdamW}, which keeps a list of
 * variables in a memory of its own.
 *
 * The own-memory form serves the cpu backend and variables the heap loop does not take (sizes not
 * in whole 4-lane groups); in WAT it costs one line.
 *
 * Why: on WASM the kernel form of the update runs 11 element-wise kernels per weight matrix,
 * each with a fresh 1.4 MB buffer, for each of the 4×600 GCN's three 600×600 matrices. A plain JS
 * loop is no faster (≈ 11 ns per value: the divide and square root do not vectorise). This loop
 * reads and writes every value once, four at a time; what it saves per step is measured in
 * bench-results/adamw-simd.md. It computes exactly what tfjs's kernels compute, in float32 and in
 * the same order, so the two agree bit for bit (predictor/adamw.test.ts).
 */
import builds from './adamw.wat?wasm-bytes';
import { isSharedMemory, type MemoryForm } from './wasm-asm.ts';

/** The scalars of one AdamW step: moment decays, ε, and the step's bias-corrected factors. */
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
interface SimdExports {
  memory: WebAssembly.Memory;
  adamw: (
    w: number,
    g: number,
    m: number,
    v: number,
    bytes: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    epsilon: number,
    stepSize: number,
    secondMomentScale: number,
    decay: number,
    wOut: number,
  ) => void;
}

/** The module's bytes, built from adamw.wat at build time. */
export function adamwModuleBytes(memory: MemoryForm = 'own'): Uint8Array<ArrayBuffer> {
  return builds[memory];
}

const instances = new WeakMap<WebAssembly.Memory, SimdExports['adamw']>();

/** The update loop instantiated on `memory` (plain or shared), once per memory. */
export function adamwOn(memory: WebAssembly.Memory): SimdExports['adamw'] {
  let adamw = instances.get(memory);
  if (!adamw) {
    const module = new WebAssembly.Module(adamwModuleBytes(isSharedMemory(memory) ? 'import-shared' : 'import'));
    adamw = (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdExports).adamw;
    instances.set(memory, adamw);
  }
  return adamw;
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
    const instance = new WebAssembly.Instance(new WebAssembly.Module(adamwModuleBytes('own')), {});
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
