/**
 * The layer op of layer.wat, `ReLU(LayerNorm(in + bias))·scale` forward and backward, as
 * WebAssembly SIMD loops over the rows of a [rows, width] matrix: the builds of the module, its
 * instances on an imported memory, and {@link SimdLayer}, which runs it in a memory of its own.
 *
 * The own-memory form serves the cpu backend (tensors in JS memory) and is the bit-exact reference
 * the heap form is tested against (predictor/train.wasm.test.ts); in WAT it costs one line.
 *
 * Why: on WASM the same work was ≈ 30 tfjs kernels per layer and step, each cheap in arithmetic
 * but with the engine's per-kernel cost (≈ 40 µs measured in a node profile). A plain JS loop was
 * no faster than those kernels (≈ 2 ms per 72×600 layer forward and backward).
 */
import builds from './layer.wat?wasm-bytes';
import { isSharedMemory, type MemoryForm } from './wasm-asm.ts';

/** The module's bytes, built from layer.wat at build time. */
export function layerModuleBytes(memory: MemoryForm = 'own'): Uint8Array<ArrayBuffer> {
  return builds[memory];
}

interface LayerExports {
  memory: WebAssembly.Memory;
  /** forward(in, bias, gain, shift, out, norm, rstd, rows, rowBytes, scale, ε, width): byte offsets, then sizes */
  forward: (...args: number[]) => void;
  /** backward(dy, out, norm, rstd, gain, dIn, dBias, dGain, dShift, rows, rowBytes, scale, width) */
  backward: (...args: number[]) => void;
}

const instances = new WeakMap<WebAssembly.Memory, LayerExports>();

/** The module instantiated on `memory` (plain or shared), once per memory. */
export function layerOn(memory: WebAssembly.Memory): LayerExports {
  let layer = instances.get(memory);
  if (!layer) {
    const module = new WebAssembly.Module(layerModuleBytes(isSharedMemory(memory) ? 'import-shared' : 'import'));
    layer = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LayerExports;
    instances.set(memory, layer);
  }
  return layer;
}

/** What the backward pass needs from the forward pass (copies, kept by the caller). */
interface LayerSaved {
  rows: number;
  width: number;
  scale: number;
  /** The output after the dropout mask: > 0 exactly where the gradient passes. */
  output: Float32Array;
  normalised: Float32Array;
  rstd: Float32Array;
  gain: Float32Array;
}

interface LayerGradients {
  input: Float32Array;
  bias: Float32Array;
  gain: Float32Array;
  shift: Float32Array;
}

const PAGE_BYTES = 65_536;

/** One module instance with its own memory; regions are laid out per call for the call's shape. */
export class SimdLayer {
  private readonly exports: LayerExports;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(layerModuleBytes('own')), {});
    this.exports = instance.exports as unknown as LayerExports;
  }

  /** Byte offsets of 4 matrices, 6 vectors and rstd for [rows, width]; grows the memory. */
  private layout(rows: number, width: number) {
    const matrix = rows * width * 4;
    const vector = width * 4;
    const rowsBytes = Math.ceil(rows / 4) * 16;
    const offsets = {
      a: 0,
      out: matrix,
      norm: 2 * matrix,
      dIn: 3 * matrix,
      bias: 4 * matrix,
      gain: 4 * matrix + vector,
      shift: 4 * matrix + 2 * vector,
      dBias: 4 * matrix + 3 * vector,
      dGain: 4 * matrix + 4 * vector,
      dShift: 4 * matrix + 5 * vector,
      rstd: 4 * matrix + 6 * vector,
    };
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
  forward(
    input: ArrayLike<number>,
    bias: ArrayLike<number>,
    gain: ArrayLike<number>,
    shift: ArrayLike<number>,
    rows: number,
    width: number,
    scale: number,
    epsilon: number,
    dropped: Int32Array,
  ): { output: Float32Array; saved: LayerSaved } {
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
      rows,
      width,
      scale,
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
