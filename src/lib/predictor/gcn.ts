/**
 * The BRP-NAS graph convolutional network (eagle `gcn.py`, spec section 3.1):
 *
 *     Z = A·(H·W_l) + b_l,   H ← Dropout(ReLU(LayerNorm(Z)))   for l = 1..L,   readout = row 0
 *
 * with the un-normalised adjacency A and the global node at row 0.
 *
 * Computed as (A·H)·W_l + b_l, which is the same product regrouped:
 * - layer 1 takes A·X precomputed in JS (graphs.ts), so it is one [B·N, F]·[F, H] matMul;
 * - middle layers aggregate per graph (batch.ts: an edge-list sum or a batched matMul, whichever
 *   is faster on the backend) and transform all nodes of the batch in ONE 2-D matMul
 *   [B·N, H]·[H, H];
 * - the last layer only needs the global node: LayerNorm, ReLU and dropout act per node and the
 *   readout keeps row 0, so it aggregates row 0 of A and transforms [B, H]·[H, H], 1/N of the
 *   work. The other nodes' last-layer values never influence the output, so skipping them
 *   changes neither the result nor the gradients.
 * Float32 throughout (eagle uses float64).
 *
 * With the custom gradients of ops.ts, one training step of 128 NB201 graphs on the 4×600 GCN
 * takes ≈ 0.65 s on WASM in node (2 shared cores, noisy), against 2.1–2.4 s measured for the
 * straightforward formulation (toolchain notes).
 */
import * as tf from '@tensorflow/tfjs-core';
import { aggregate, dense } from './ops.ts';
import { defaultLayerPath, dropoutMask, normReluDropout, normReluDropoutKernels, type LayerPath } from './fused.ts';
import { type BatchTensors } from './batch.ts';
import { deriveSeed, type SeededRandom } from '../spaces/rng.ts';

interface GcnLayer {
  /** [in, H]; in = F for layer 1. */
  weight: tf.Variable;
  /** [H] */
  bias: tf.Variable;
  /** LayerNorm gain and bias, [H]. */
  normGain: tf.Variable;
  normBias: tf.Variable;
}

export interface Gcn {
  features: number;
  hidden: number;
  layers: GcnLayer[];
}

let nextVariableId = 0;

/** tfjs refuses two variables with one name; every model gets fresh names. */
function uniqueVariableName(label: string): string {
  nextVariableId += 1;
  return `brp/${label}#${nextVariableId}`;
}

/** A variable filled with uniform(−bound, bound) values drawn from `rng`. */
export function uniformVariable(shape: number[], bound: number, rng: SeededRandom, label: string): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.uniform(-bound, bound);
  return constantVariable(() => tf.tensor(values, shape), label);
}

/** A trainable variable with a fresh name; the initial tensor is freed (tidy keeps variables). */
function constantVariable(initial: () => tf.Tensor, label: string): tf.Variable {
  return tf.tidy(() => tf.variable(initial(), true, uniqueVariableName(label)));
}

/**
 * Eagle's 'thomas' init: uniform(±1/√d) with d the tensor's last dimension, i.e. ±1/√H for
 * every weight (shape in×H) and bias; LayerNorm starts at gain 1, bias 0.
 */
export function createGcn(features: number, layers: number, hidden: number, rng: SeededRandom): Gcn {
  const bound = 1 / Math.sqrt(hidden);
  const gcnLayers: GcnLayer[] = [];
  for (let l = 0; l < layers; l++) {
    gcnLayers.push({
      weight: uniformVariable([l === 0 ? features : hidden, hidden], bound, rng, `gcn${l}.weight`),
      bias: uniformVariable([hidden], bound, rng, `gcn${l}.bias`),
      normGain: constantVariable(() => tf.ones([hidden]), `gcn${l}.normGain`),
      normBias: constantVariable(() => tf.zeros([hidden]), `gcn${l}.normBias`),
    });
  }
  return { features, hidden, layers: gcnLayers };
}

export function gcnVariables(gcn: Gcn): tf.Variable[] {
  return gcn.layers.flatMap((layer) => [layer.weight, layer.bias, layer.normGain, layer.normBias]);
}

/** Dropout during training: the rate and the seed of this step (masks differ per layer). */
interface DropoutSpec {
  rate: number;
  seed: number;
}

/**
 * Global-node embeddings [B, H] of a batch. Pass `dropout` only in training mode; without it
 * the pass is deterministic (eval mode). `layerPath` picks how each layer's bias, LayerNorm, ReLU
 * and dropout run (fused.ts): the same function and masks, other float rounding.
 */
export function embedBatch(gcn: Gcn, batch: BatchTensors, dropout?: DropoutSpec, layerPath: LayerPath = defaultLayerPath(gcn.hidden)): tf.Tensor2D {
  const last = gcn.layers.length - 1;
  const activate = layerPath === 'fused' ? normReluDropout : normReluDropoutKernels;
  let h: tf.Tensor2D = last === 0 ? batch.readoutFeatures : batch.aggregatedFeatures;
  gcn.layers.forEach((layer, l) => {
    if (l > 0) h = aggregate(h, l === last ? batch.readout : batch.neighbours);
    const xw = dense(h, layer.weight as tf.Tensor2D);
    const mask = dropout && dropout.rate > 0 ? dropoutMask(xw.size, dropout.rate, deriveSeed(dropout.seed, l)) : null;
    h = activate(xw, layer.bias as tf.Tensor1D, layer.normGain as tf.Tensor1D, layer.normBias as tf.Tensor1D, mask);
  });
  return h;
}
