/**
 * The GCN's three heavy primitives with hand-written gradients.
 *
 * Why custom gradients: tfjs's built-in matMul gradient uses transposed matMuls
 * (`matMul(dy, b, false, true)`, `matMul(a, dy, true, false)`). On the WASM backend those take a
 * slow path: measured in node for [1152×600]·[600×600], 39 ms plain vs 590 ms transposed-A and
 * 630 ms transposed-B, while an explicit `tf.transpose` (5 ms) + plain matMul costs 50–70 ms. So
 * every backward product of the tfjs forms here transposes explicitly. On cpu/WebGL/WebGPU the
 * extra transpose is a cheap copy. On WASM with SIMD, dense() runs neither form but heap-gemm.ts's
 * kernels, which read transposed operands in place (DenseForm below).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Aggregation } from './batch.ts';
import { denseOnHeap, heapGemmApplies } from './heap-gemm.ts';

/**
 * How dense() multiplies:
 * - 'heap' (WASM with SIMD, out width a multiple of 8): heap-gemm.ts's kernels on the backend's
 *   heap, no copies and no transposes; the fastest form on WASM.
 * - 'weight-left' (other WASM widths): the weight goes in as the LEFT operand. tfjs-wasm runs
 *   matMul through XNNPACK's fully-connected operator, which re-packs its right operand whenever
 *   that tensor is new, and caches the packing per tensor. A weight is a new tensor after every
 *   optimizer step, so x·w re-packs a 600×600 matrix in the forward pass and its transpose in the
 *   backward pass, for every layer and step: measured in node (4×600 GCN, one step, WASM), 35–48 ms
 *   for a batch of one graph and 77–90 ms for 16 graphs, against 13–16 ms and 66–70 ms with
 *   z = (wᵀ·xᵀ)ᵀ, dx = (w·dyᵀ)ᵀ, where only the small activation matrices are packed.
 * - 'weight-right' (cpu, WebGL, WebGPU): z = x·w, dx = dy·wᵀ.
 * The products are the same; only the float32 summation order differs.
 */
type DenseForm = 'heap' | 'weight-left' | 'weight-right';

function defaultDenseForm(inWidth: number, outWidth: number): DenseForm {
  if (heapGemmApplies(inWidth, outWidth)) return 'heap';
  return tf.getBackend() === 'wasm' ? 'weight-left' : 'weight-right';
}

/** x·w for x [m, k], w [k, n]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, form: DenseForm = defaultDenseForm(w.shape[0], w.shape[1])): tf.Tensor2D {
  if (form === 'heap') return denseOnHeap(x, w);
  const weightLeft = form === 'weight-left';
  const op = tf.customGrad((a, b, save) => {
    const x2 = a as tf.Tensor2D;
    const w2 = b as tf.Tensor2D;
    (save as tf.GradSaveFunc)([x2, w2]);
    return {
      value: weightLeft ? tf.transpose(tf.matMul(tf.transpose(w2), tf.transpose(x2))) : tf.matMul(x2, w2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dy2 = dy as tf.Tensor2D;
        const dx = weightLeft ? tf.transpose(tf.matMul(ws, tf.transpose(dy2))) : tf.matMul(dy2, tf.transpose(ws));
        // dw = xᵀ·dy in both forms: its right operand dy is small (m rows) and new anyway.
        return [dx, tf.matMul(tf.transpose(xs), dy2)];
      },
    };
  });
  return op(x, w) as tf.Tensor2D;
}

/** Σ of input rows per segment (see EdgeSum), padded with zero rows up to `rows`. */
function edgeSum(input: tf.Tensor2D, indices: tf.Tensor1D, segments: tf.Tensor1D, rows: number): tf.Tensor2D {
  const width = input.shape[1];
  if (indices.size === 0) return tf.zeros([rows, width]);
  const summed = tf.sparse.sparseSegmentSum(input, indices, segments) as tf.Tensor2D;
  // SparseSegmentSum stops at the last segment that has an entry.
  const missing = rows - summed.shape[0];
  return missing > 0 ? tf.concat([summed, tf.zeros([missing, width])], 0) : summed;
}

/**
 * A graph aggregation (batch.ts) of node rows h [B·N, H] → [B·R, H]. The adjacency is data, not
 * a parameter: only h gets a gradient, which is the transposed aggregation, prepared in JS so
 * the backward pass is as cheap as the forward.
 */
export function aggregate(h: tf.Tensor2D, aggregation: Aggregation): tf.Tensor2D {
  const op = tf.customGrad((input, save) => {
    const x = input as tf.Tensor2D;
    const width = x.shape[1];
    // Saved, not closed over: tfjs disposes the forward pass's intermediates (a batch built
    // inside tf.variableGrads included) before the backward pass, except saved tensors.
    if (aggregation.mode === 'dense') {
      const { graphs, inRows, outRows, a, aT } = aggregation;
      (save as tf.GradSaveFunc)([aT]);
      return {
        value: tf.reshape(tf.matMul(a, tf.reshape(x, [graphs, inRows, width]) as tf.Tensor3D), [graphs * outRows, width]),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.reshape(tf.matMul(saved[0] as tf.Tensor3D, tf.reshape(dy, [graphs, outRows, width]) as tf.Tensor3D), [graphs * inRows, width]),
      };
    }
    const { forward, backward } = aggregation;
    (save as tf.GradSaveFunc)([backward.indices, backward.segments]);
    return {
      value: edgeSum(x, forward.indices, forward.segments, forward.rows),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => edgeSum(dy as tf.Tensor2D, saved[0] as tf.Tensor1D, saved[1] as tf.Tensor1D, backward.rows),
    };
  });
  return op(h) as tf.Tensor2D;
}

/**
 * LayerNorm over the last axis of x [M, H] (PyTorch `nn.LayerNorm(H)`: biased variance,
 * eps inside the square root, learnable gain and bias). The backward pass is the closed form,
 * 8 element-wise kernels instead of the ~20 autodiff would record.
 */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, epsilon = 1e-5): tf.Tensor2D {
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const input = xIn as tf.Tensor2D;
    const g = gIn as tf.Tensor1D;
    const b = bIn as tf.Tensor1D;
    const centred = tf.sub(input, tf.mean(input, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), epsilon));
    const normalised = tf.mul(centred, rstd);
    (save as tf.GradSaveFunc)([normalised, rstd, g]);
    return {
      value: tf.add(tf.mul(normalised, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, r, gSaved] = saved;
        const dxHat = tf.mul(dy, gSaved);
        const dx = tf.mul(r, tf.sub(tf.sub(dxHat, tf.mean(dxHat, -1, true)), tf.mul(xHat, tf.mean(tf.mul(dxHat, xHat), -1, true))));
        return [dx, tf.sum(tf.mul(dy, xHat), 0), tf.sum(dy, 0)];
      },
    };
  });
  return op(x, gain, bias) as tf.Tensor2D;
}
