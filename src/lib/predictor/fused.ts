/**
 * The element-wise half of a GCN layer, `Dropout(ReLU(LayerNorm(xw + b)))`, and its dropout masks.
 *
 * Why fused: on WASM, after the matMuls, one training step of batch 8 was ≈ 285 tfjs kernels,
 * ~120 of them the bias add, LayerNorm, ReLU and dropout of the four layers forward and backward
 * (each a few µs of arithmetic on 72×600 values plus the engine's per-kernel cost), and the
 * dropout mask was drawn one tfjs `randomUniform` value per element in JS. `normReluDropout` does
 * a layer's element-wise work as ONE custom op whose forward and closed-form backward are
 * WebAssembly SIMD loops (kernels/layer.wat; plain JS loops were measured no faster than the
 * kernels). It reads its input on the host, free on WASM and cpu but a pipeline stall on
 * WebGL/WebGPU, so it is the default only on WASM and cpu (`defaultLayerPath`); the GPU backends
 * keep the kernels.
 *
 * Masks: `droppedIndices` draws the positions of the dropped elements by geometric gaps, so the
 * cost is proportional to the number dropped (≈ 0.2 % of them for the latency predictor). Both
 * paths use the same mask, so a seed gives the same training run on every backend up to float
 * rounding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerNorm } from './ops.ts';
import { SeededRandom } from '../spaces/rng.ts';
import { hostSimdAvailable, hostValues, tensorFromView } from './host-values.ts';
import { heapLayerApplies, normReluDropoutOnHeap } from './heap-layer.ts';
import { SimdLayer } from '../kernels/layer.ts';

/** How a layer's bias, LayerNorm, ReLU and dropout are computed (same function, other rounding). */
export type LayerPath = 'fused' | 'kernels';

const NO_DROPS = new Int32Array(0);

/** The faster path for the active backend and a layer `width` (see the module comment). */
export function defaultLayerPath(width: number): LayerPath {
  return hostSimdAvailable() && width % 4 === 0 ? 'fused' : 'kernels';
}

/**
 * Ascending indices in [0, size) of the elements to drop, each independently with probability
 * `rate` (a Bernoulli process): the gap before the next drop is Geometric(rate), drawn as
 * ⌊ln U / ln(1 − rate)⌋ with U uniform in (0, 1] from a seeded sfc32 stream.
 */
export function droppedIndices(size: number, rate: number, seed: number): Int32Array {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  if (rate === 0 || size === 0) return new Int32Array(0);
  const rng = new SeededRandom(seed);
  const logKeep = Math.log1p(-rate);
  const dropped: number[] = [];
  for (let i = -1; ;) {
    i += 1 + Math.floor(Math.log(1 - rng.next()) / logKeep);
    if (i >= size) break;
    dropped.push(i);
  }
  return Int32Array.from(dropped);
}

/** A dropout mask drawn once and applied by either path: kept values are scaled by 1/(1 − rate). */
export interface DropoutMask {
  rate: number;
  /** Ascending flat indices of the dropped elements. */
  dropped: Int32Array;
}

export function dropoutMask(size: number, rate: number, seed: number): DropoutMask {
  return { rate, dropped: droppedIndices(size, rate, seed) };
}

/** The mask as a dense tensor of 0 and 1/(1 − rate), for the kernel path. */
function maskTensor(mask: DropoutMask, shape: [number, number]): tf.Tensor2D {
  const values = new Float32Array(shape[0] * shape[1]).fill(1 / (1 - mask.rate));
  for (const i of mask.dropped) values[i] = 0;
  return tf.tensor2d(values, shape);
}

/** `Dropout(ReLU(LayerNorm(xw + b)))` with tfjs kernels (any backend). */
export function normReluDropoutKernels(xw: tf.Tensor2D, bias: tf.Tensor1D, gain: tf.Tensor1D, shift: tf.Tensor1D, mask: DropoutMask | null, epsilon = 1e-5): tf.Tensor2D {
  const activated = tf.relu(layerNorm(tf.add(xw, bias) as tf.Tensor2D, gain, shift, epsilon));
  return mask && mask.rate > 0 ? tf.mul(activated, maskTensor(mask, xw.shape)) : activated;
}

let simdLayer: SimdLayer | null = null;

/**
 * `Dropout(ReLU(LayerNorm(xw + b)))` as one custom op (kernels/layer.wat), LayerNorm as PyTorch's
 * (biased variance, ε inside the square root, gain and shift). Gradients to xw, b, gain and shift;
 * the ReLU's gradient at exactly 0 is 0, as tfjs's and PyTorch's. Needs WebAssembly SIMD and a
 * width that is a multiple of 4 (`defaultLayerPath` checks both). One difference from the kernel
 * path: where the input is NaN, the gradient is 0 here (the loss is NaN in both). On WASM the
 * loops run on tfjs's heap (heap-layer.ts, no copies); elsewhere in the module's own memory.
 */
export function normReluDropout(xw: tf.Tensor2D, bias: tf.Tensor1D, gain: tf.Tensor1D, shift: tf.Tensor1D, mask: DropoutMask | null, epsilon = 1e-5): tf.Tensor2D {
  if (heapLayerApplies()) return normReluDropoutOnHeap(xw, bias, gain, shift, mask ? mask.dropped : NO_DROPS, mask ? 1 / (1 - mask.rate) : 1, epsilon);
  const [rows, width] = xw.shape;
  const kernels = (simdLayer ??= new SimdLayer());
  const op = tf.customGrad((xwIn, biasIn, gainIn, shiftIn) => {
    const scale = mask ? 1 / (1 - mask.rate) : 1;
    const dropped = mask ? mask.dropped : NO_DROPS;
    // The small vectors are copied first: reading a tensor may move it from another backend,
    // which allocates and would detach a heap view taken earlier. The matrix view is taken last
    // and copied into the module at once (hostValues' rule).
    const b = (biasIn as tf.Tensor).dataSync() as Float32Array;
    const g = (gainIn as tf.Tensor).dataSync() as Float32Array;
    const s = (shiftIn as tf.Tensor).dataSync() as Float32Array;
    const { output, saved } = kernels.forward(hostValues(xwIn as tf.Tensor), b, g, s, rows, width, scale, epsilon, dropped);
    return {
      value: tensorFromView(output, [rows, width]) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor) => {
        const grads = kernels.backward(hostValues(dy), saved);
        return [tensorFromView(grads.input, [rows, width]), tensorFromView(grads.bias, [width]), tensorFromView(grads.gain, [width]), tensorFromView(grads.shift, [width])];
      },
    };
  });
  return op(xw, bias, gain, shift) as tf.Tensor2D;
}
