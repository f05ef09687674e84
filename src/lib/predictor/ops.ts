/**
 * The GCN's three heavy primitives with hand-written gradients.
 *
 * Why custom gradients: tfjs's built-in matMul gradient uses transposed matMuls
 * (`matMul(dy, b, false, true)`, `matMul(a, dy, true, false)`). On the WASM backend those take a
 * slow path: measured in node for [1152×600]·[600×600], 39 ms plain vs 590 ms transposed-A and
 * 630 ms transposed-B, while an explicit `tf.transpose` (5 ms) + plain matMul costs 50–70 ms. So
 * every backward product here transposes explicitly. On cpu/WebGL/WebGPU the extra transpose is
 * a cheap copy, so one code path serves all backends.
 */
import * as tf from '@tensorflow/tfjs-core';

/** x·w for x [m, k], w [k, n]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((a, b, save) => {
    const x2 = a as tf.Tensor2D;
    const w2 = b as tf.Tensor2D;
    (save as tf.GradSaveFunc)([x2, w2]);
    return {
      value: tf.matMul(x2, w2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as tf.Tensor2D[];
        const dy2 = dy as tf.Tensor2D;
        return [tf.matMul(dy2, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy2)];
      },
    };
  });
  return op(x, w) as tf.Tensor2D;
}

/**
 * Graph aggregation a·h per graph: a [B, R, N] (the adjacency, or its row 0 for the readout),
 * h [B, N, H] → [B, R, H]. `aT` is a's per-graph transpose, built once in JS, so the backward
 * pass is a plain batched matMul too. `a` is data, not a parameter: it gets no gradient.
 *
 * Measured alternatives on WASM (B = 128, N = 9, H = 600, forward + backward): batched matMul
 * 62 ms; transposed layout (hᵀ·aᵀ) 66 ms; a sum of N broadcast products 223 ms; a
 * block-diagonal [B·N, B·N] matMul would do 128× the arithmetic. Batched matMul is kept.
 */
export function aggregate(h: tf.Tensor3D, a: tf.Tensor3D, aT: tf.Tensor3D): tf.Tensor3D {
  const op = tf.customGrad((input, save) => {
    // Saved, not closed over: tfjs disposes the forward pass's intermediates (a batch built
    // inside tf.variableGrads included) before the backward pass, except saved tensors.
    (save as tf.GradSaveFunc)([aT]);
    return {
      value: tf.matMul(a, input as tf.Tensor3D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.matMul(saved[0] as tf.Tensor3D, dy as tf.Tensor3D),
    };
  });
  return op(h) as tf.Tensor3D;
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
