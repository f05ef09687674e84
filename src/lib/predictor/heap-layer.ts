/**
 * kernels/layer.wat's forward and backward loops as wasm-backend kernels on tfjs's own heap: the
 * layer's input, parameters and upstream gradient are read where tfjs keeps them, and every
 * result (output, the normalised values and 1/σ per row saved for the backward pass, the four
 * gradients) goes into buffers the backend allocates. The own-memory form (SimdLayer) copied the
 * input and output matrices in and out of the module on every call, and the saved state out and
 * back in again, also when no gradient was taken. Same loops on the same values, so the results
 * are bit for bit the own-memory form's (fused.test.ts).
 *
 * This glue stays in the predictor while the loops live in kernels/: it knows tfjs-backend-wasm's
 * heap layout and registers tfjs kernels for the GCN's layer op, which the kernels room (plain
 * WebAssembly, no tfjs) does not.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layerOn } from '../kernels/layer.ts';
import { heapKernelsAvailable, heapOffset, registerMissingKernels, wasmHeapOf } from './host-values.ts';

const FORWARD = 'BrpNasLayerForward';
const BACKWARD = 'BrpNasLayerBackward';
/** [rows, width] of a float32 matrix whose vectors (bias, gain, …) all have `width` values. */
function checkedShape(matrices: tf.TensorInfo[], vectors: tf.TensorInfo[]): [number, number] {
  const [rows, width] = matrices[0].shape;
  const fits =
    width % 4 === 0 &&
    matrices.every((t) => t.dtype === 'float32' && t.shape.length === 2 && t.shape[0] === rows && t.shape[1] === width) &&
    vectors.every((t) => t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === width);
  // The loops trust their sizes: a mismatch would read other heap data, not fail.
  if (!fits) throw new Error(`heap-layer: [rows, width] matrices and [width] vectors with width a multiple of 4 expected, got ${[...matrices, ...vectors].map((t) => `[${t.shape}]`).join(', ')}`);
  return [rows, width];
}

/** This file's kernels of the wasm backend, registered at first use (registerMissingKernels). */
const KERNELS: tf.KernelConfig[] = [
  // {xw, bias, gain, shift} → [out (dropped entries zeroed), norm, rstd]
  {
    kernelName: FORWARD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { heap, memory } = wasmHeapOf(backend, 'heap-layer');
      const [xw, bias, gain, shift] = (['xw', 'bias', 'gain', 'shift'] as const).map((name) => inputs[name] as tf.TensorInfo);
      const [rows, width] = checkedShape([xw], [bias, gain, shift]);
      const { scale, epsilon, dropped } = attrs as unknown as { scale: number; epsilon: number; dropped: Int32Array };
      const inOffsets = [xw, bias, gain, shift].map((t) => heapOffset(heap, t)); // before allocating (heapOffset's rule)
      const outputs = [heap.makeOutput([rows, width], 'float32'), heap.makeOutput([rows, width], 'float32'), heap.makeOutput([rows], 'float32')];
      const [out, norm, rstd] = outputs.map((t) => heapOffset(heap, t));
      layerOn(memory).forward(inOffsets[0], inOffsets[1], inOffsets[2], inOffsets[3], out, norm, rstd, rows, width * 4, scale, epsilon, width);
      const values = new Float32Array(memory.buffer, out, rows * width);
      for (const i of dropped) values[i] = 0;
      return outputs;
    },
  },
  // {dy, out, norm, rstd, gain} → [dxw, dbias, dgain, dshift]
  {
    kernelName: BACKWARD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { heap, memory } = wasmHeapOf(backend, 'heap-layer');
      const [dy, out, norm, rstd, gain] = (['dy', 'out', 'norm', 'rstd', 'gain'] as const).map((name) => inputs[name] as tf.TensorInfo);
      const [rows, width] = checkedShape([dy, out, norm], [gain]);
      if (rstd.dtype !== 'float32' || rstd.shape.length !== 1 || rstd.shape[0] !== rows) throw new Error(`heap-layer: rstd [${rows}] expected, got [${rstd.shape}]`);
      const { scale } = attrs as unknown as { scale: number };
      const inOffsets = [dy, out, norm, rstd, gain].map((t) => heapOffset(heap, t));
      const outputs = [heap.makeOutput([rows, width], 'float32'), heap.makeOutput([width], 'float32'), heap.makeOutput([width], 'float32'), heap.makeOutput([width], 'float32')];
      const [dIn, dBias, dGain, dShift] = outputs.map((t) => heapOffset(heap, t));
      // The loop accumulates the three vector gradients over rows.
      for (const offset of [dBias, dGain, dShift]) new Float32Array(memory.buffer, offset, width).fill(0);
      layerOn(memory).backward(inOffsets[0], inOffsets[1], inOffsets[2], inOffsets[3], inOffsets[4], dIn, dBias, dGain, dShift, rows, width * 4, scale, width);
      return outputs;
    },
  },
];

/** Whether the layer op runs on the heap here: the wasm backend with SIMD. */
export function heapLayerApplies(): boolean {
  return heapKernelsAvailable();
}

/**
 * `Dropout(ReLU(LayerNorm(xw + b)))·` on the heap, with its gradient; `dropped` are the indices the
 * mask zeroes and `scale` = 1/(1 − rate). The saved state is kept only when a gradient is taken.
 */
export function normReluDropoutOnHeap(xw: tf.Tensor2D, bias: tf.Tensor1D, gain: tf.Tensor1D, shift: tf.Tensor1D, dropped: Int32Array, scale: number, epsilon: number): tf.Tensor2D {
  registerMissingKernels(KERNELS);
  const op = tf.customGrad((xwIn, biasIn, gainIn, shiftIn, save) => {
    const [out, norm, rstd] = tf.engine().runKernel(FORWARD, { xw: xwIn as tf.Tensor, bias: biasIn as tf.Tensor, gain: gainIn as tf.Tensor, shift: shiftIn as tf.Tensor }, {
      scale,
      epsilon,
      dropped,
    } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    (save as tf.GradSaveFunc)([out, norm, rstd, gainIn as tf.Tensor]);
    return {
      value: out as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedOut, savedNorm, savedRstd, savedGain] = saved;
        return tf.engine().runKernel(BACKWARD, { dy, out: savedOut, norm: savedNorm, rstd: savedRstd, gain: savedGain }, { scale }) as tf.Tensor[];
      },
    };
  });
  return op(xw, bias, gain, shift) as tf.Tensor2D;
}
