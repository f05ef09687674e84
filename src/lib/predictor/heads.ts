/**
 * Heads and losses on top of the global-node embeddings (spec sections 3.2, 3.3, 12.4, 12.5).
 *
 * Regression: Linear(H→1), L1 loss with reduction 'sum'.
 *
 * BRP: Linear(2H→2) on concat(e_i, e_j) → log-softmax, KL(target ‖ prediction) with the soft
 * target softmax([a_i, a_j]) and reduction 'sum'. The head is linear, so the logit difference is
 *     d = logit₀ − logit₁ = u·e_i + v·e_j + c,   u, v = the two halves of W[:,0] − W[:,1],  c = b₀ − b₁,
 * and log-softmax of two logits is (log σ(d), log σ(−d)). The loss therefore only needs d, and
 * d only needs the per-model scalars s = u·e and t = v·e: a batch of pairs embeds each distinct
 * model once (pair mode 'embed-once'). Weights are stored [in, out] (PyTorch stores [out, in]).
 */
import * as tf from '@tensorflow/tfjs-core';
import { dense } from './ops.ts';
import { uniformVariable } from './gcn.ts';
import { type SeededRandom } from '../spaces/rng.ts';

export interface LinearHead {
  /** [in, out] */
  weight: tf.Variable;
  /** [out] */
  bias: tf.Variable;
}

/** PyTorch's default nn.Linear init: weight and bias uniform(±1/√fan_in). */
export function createLinearHead(inputs: number, outputs: number, rng: SeededRandom): LinearHead {
  const bound = 1 / Math.sqrt(inputs);
  return {
    weight: uniformVariable([inputs, outputs], bound, rng, 'head.weight'),
    bias: uniformVariable([outputs], bound, rng, 'head.bias'),
  };
}

/** Regression outputs [B] of embeddings [B, H]. */
export function regressionOutput(head: LinearHead, embeddings: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.add(dense(embeddings, head.weight as tf.Tensor2D), head.bias), [-1]) as tf.Tensor1D;
}

export function l1SumLoss(predictions: tf.Tensor1D, targets: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.abs(tf.sub(predictions, targets)));
}

/** softmax([a1, a2])[0], the soft target "model 1 is better", in float64. */
export function softTarget(a1: number, a2: number): number {
  return 1 / (1 + Math.exp(a2 - a1));
}

/** t·log t with 0·log 0 = 0 (PyTorch's KLDivLoss uses xlogy). */
function xlogx(t: number): number {
  return t > 0 ? t * Math.log(t) : 0;
}

/** Σ over pairs of the target entropy term Σ_k t_k log t_k: the constant part of the KL sum. */
function targetEntropyTerm(target0: Float64Array): number {
  let sum = 0;
  for (const t of target0) sum += xlogx(t) + xlogx(1 - t);
  return sum;
}

/** log σ(x) without overflow, in float64. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

/** KL(target ‖ σ(±d)) of one pair, in float64 (used for the eval-mode loss sums). */
export function pairKl(d: number, target0: number): number {
  return xlogx(target0) + xlogx(1 - target0) - target0 * logSigmoid(d) - (1 - target0) * logSigmoid(-d);
}

/** 'per-pair' BRP loss: full 2-way head on concat(e1, e2) [P, 2H]; target0 [P]. */
export function brpLossPerPair(head: LinearHead, e1: tf.Tensor2D, e2: tf.Tensor2D, target0: Float64Array): tf.Scalar {
  const logits = tf.add(dense(tf.concat([e1, e2], 1), head.weight as tf.Tensor2D), head.bias);
  const logProbabilities = tf.logSoftmax(logits);
  const targets = new Float32Array(target0.length * 2);
  target0.forEach((t, p) => {
    targets[2 * p] = t;
    targets[2 * p + 1] = 1 - t;
  });
  const crossTerm = tf.sum(tf.mul(tf.tensor2d(targets, [target0.length, 2]), logProbabilities));
  return tf.sub(tf.scalar(targetEntropyTerm(target0)), crossTerm);
}

/** The reduced head: u, v as [H, 1] columns and c as a scalar, differentiable w.r.t. W and b. */
export function brpDifferenceHead(head: LinearHead, hidden: number): { u: tf.Tensor2D; v: tf.Tensor2D; c: tf.Scalar } {
  const w = head.weight as tf.Tensor2D;
  const diff = tf.sub(tf.slice(w, [0, 0], [2 * hidden, 1]), tf.slice(w, [0, 1], [2 * hidden, 1])) as tf.Tensor2D;
  const bias = head.bias as tf.Tensor1D;
  return {
    u: tf.slice(diff, [0, 0], [hidden, 1]),
    v: tf.slice(diff, [hidden, 0], [hidden, 1]),
    c: tf.reshape(tf.sub(tf.slice(bias, [0], [1]), tf.slice(bias, [1], [1])), []) as tf.Scalar,
  };
}

/**
 * 'embed-once' BRP loss. `embeddings` [M, H] holds each distinct model of the batch once;
 * pair p compares models first[p] and second[p] (row indices into embeddings).
 */
export function brpLossEmbedOnce(head: LinearHead, embeddings: tf.Tensor2D, first: ArrayLike<number>, second: ArrayLike<number>, target0: Float64Array): tf.Scalar {
  const [models, hidden] = embeddings.shape;
  const pairs = target0.length;
  const { u, v, c } = brpDifferenceHead(head, hidden);
  // One-hot selections as matMuls, not gathers: a gather's gradient needs UnsortedSegmentSum,
  // which the WASM backend lacks.
  const pickFirst = new Float32Array(pairs * models);
  const pickSecond = new Float32Array(pairs * models);
  for (let p = 0; p < pairs; p++) {
    pickFirst[p * models + first[p]] = 1;
    pickSecond[p * models + second[p]] = 1;
  }
  const s = dense(embeddings, u);
  const t = dense(embeddings, v);
  const d = tf.add(tf.add(dense(tf.tensor2d(pickFirst, [pairs, models]), s), dense(tf.tensor2d(pickSecond, [pairs, models]), t)), c);
  const targets = tf.tensor2d(Float32Array.from(target0), [pairs, 1]);
  // log σ(x) = −softplus(−x). Not tf.logSigmoid: its gradient closes over its input instead of
  // saving it, and tfjs disposes that input before the backward pass inside tf.variableGrads.
  const logP0 = tf.neg(tf.softplus(tf.neg(d)));
  const logP1 = tf.neg(tf.softplus(d));
  const crossTerm = tf.sum(tf.add(tf.mul(targets, logP0), tf.mul(tf.sub(1, targets), logP1)));
  return tf.sub(tf.scalar(targetEntropyTerm(target0)), crossTerm);
}
