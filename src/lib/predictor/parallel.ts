/**
 * Data-parallel training: each optimizer step's batch is cut into shards, one per worker; every
 * worker computes the summed loss and gradient of its shard with the same weights, and the
 * coordinator adds them up and takes one AdamW step. The losses are sums over the batch (L1 sum,
 * KL sum), so the sum of the shards' gradients is the gradient of the whole batch: the same
 * optimisation, spread over more cores.
 *
 * Why: tfjs 4.22's WASM backend runs XNNPACK on one thread whatever is asked (see
 * compute/backend.ts), so a second core only helps through a second worker. On WebGPU or WebGL
 * there is one device and nothing to gain.
 *
 * What differs from one worker: dropout masks are drawn per shard (shard 0 keeps the step's seed,
 * shard k > 0 derives its own), and float32 sums run in another order. A run is reproducible for
 * a given seed *and* worker count.
 *
 * The coordinator sends the current weights with every step (weights, not gradients, are the
 * shared state), so helpers can never drift from it; each helper is stateless between steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PredictorConfig } from './config.ts';
import type { PackedGraphs } from './graphs.ts';
import { createModel, disposeModel, modelVariables } from './model.ts';
import { deriveSeed } from '../spaces/rng.ts';

/** What a helper needs to compute any shard of a run: the data and the model's shape. */
export type ShardSetup = {
  features: number;
  config: PredictorConfig;
} & (
  | {
      kind: 'regression';
      train: PackedGraphs;
      /** Training targets on the model's scale (normalised), one per graph. */
      targets: Float32Array;
    }
  | {
      kind: 'brp';
      train: PackedGraphs;
      /** The metric per training graph (higher = better). */
      metric: Float64Array;
    }
);

export interface ShardRequest {
  /** Item indices of this shard (graphs for regression, pair codes i·n + j for BRP). */
  batch: Uint32Array;
  dropoutSeed: number;
}

export interface ShardResult {
  /** Summed loss of the shards. */
  loss: number;
  /** Summed gradient, all variables flattened in `modelVariables` order. */
  gradient: Float32Array;
}

/** Other workers that compute shards of each step (not the coordinator itself). */
export interface GradientPeers {
  /** How many shards the peers take per step (count). */
  readonly count: number;
  /** Hands every peer the data and model shape of a run; called once before its first step. */
  prepare(setup: ShardSetup): Promise<void>;
  /** Loss and gradient of `shards` (at most `count`, one per peer) at `weights`, summed over the shards. */
  gradients(weights: Float32Array, shards: ShardRequest[]): Promise<ShardResult>;
}

/** The summed loss of one batch in training mode, given a model of the run's shape. */
export type BatchLoss = (batch: Uint32Array, dropoutSeed: number) => tf.Scalar;

/** Domain tag of the per-shard dropout seeds (kept apart from STREAM's tags). */
const SHARD_STREAM = 0x5a4d;

/** Shard 0 keeps the step's dropout seed, so one worker trains exactly as without sharding. */
export function shardDropoutSeed(stepSeed: number, shard: number): number {
  return shard === 0 ? stepSeed : deriveSeed(stepSeed, SHARD_STREAM, shard);
}

/**
 * Consecutive slices of `batch`, at most `parts` of them, sizes differing by at most one (the
 * first ones larger); no empty slice, so a batch smaller than `parts` gives fewer slices.
 */
export function splitBatch(batch: Uint32Array, parts: number): Uint32Array[] {
  if (!Number.isInteger(parts) || parts < 1) throw new Error(`splitBatch: parts must be a positive integer, got ${parts}`);
  const count = Math.min(parts, batch.length);
  const slices: Uint32Array[] = [];
  let start = 0;
  for (let k = 0; k < count; k++) {
    const size = Math.floor(batch.length / count) + (k < batch.length % count ? 1 : 0);
    slices.push(batch.subarray(start, start + size));
    start += size;
  }
  return slices;
}

/** Total number of values of `variables`. */
function flatSize(variables: readonly tf.Variable[]): number {
  return variables.reduce((sum, v) => sum + v.size, 0);
}

/** All values of `tensors` in one Float32Array, in order. */
export function flatten(tensors: readonly tf.Tensor[]): Float32Array {
  return concatValues(
    tensors,
    tensors.map((t) => t.dataSync() as Float32Array),
  );
}

/** {@link flatten} reading with `await data()`: a training step's reads stay off the synchronous path. */
export async function flattenAsync(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  return concatValues(tensors, (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[]);
}

function concatValues(tensors: readonly tf.Tensor[], values: readonly Float32Array[]): Float32Array {
  const flat = new Float32Array(tensors.reduce((sum, t) => sum + t.size, 0));
  let offset = 0;
  tensors.forEach((tensor, k) => {
    flat.set(values[k], offset);
    offset += tensor.size;
  });
  return flat;
}

/** Writes `flat` (as `flatten` made it) into `variables`. */
export function assignFlat(variables: readonly tf.Variable[], flat: Float32Array, origin = 'weights'): void {
  if (flat.length !== flatSize(variables)) throw new Error(`${origin}: ${flat.length} values for ${flatSize(variables)} weights`);
  let offset = 0;
  tf.tidy(() => {
    for (const variable of variables) {
      variable.assign(tf.tensor(flat.subarray(offset, offset + variable.size), variable.shape, 'float32'));
      offset += variable.size;
    }
  });
}

/** `gradients` (by variable name) plus the flat `extra` gradient; new tensors, the inputs are kept. */
export function addFlatGradient(variables: readonly tf.Variable[], gradients: tf.NamedTensorMap, extra: Float32Array): tf.NamedTensorMap {
  if (extra.length !== flatSize(variables)) throw new Error(`gradient: ${extra.length} values for ${flatSize(variables)} weights`);
  const summed: tf.NamedTensorMap = {};
  let offset = 0;
  tf.tidy(() => {
    for (const variable of variables) {
      const part = tf.tensor(extra.subarray(offset, offset + variable.size), variable.shape, 'float32');
      const own = gradients[variable.name];
      summed[variable.name] = tf.keep(own ? tf.add(own, part) : part);
      offset += variable.size;
    }
  });
  return summed;
}

/**
 * A helper's side: a model of the run's shape whose weights are overwritten before each shard.
 * `lossFor` builds the run's batch loss for a model (train.ts `batchLossFor`).
 */
export class ShardTrainer {
  readonly #variables: tf.Variable[];
  readonly #loss: BatchLoss;
  readonly #dispose: () => void;

  constructor(setup: ShardSetup, lossFor: (model: ReturnType<typeof createModel>, setup: ShardSetup) => BatchLoss) {
    const model = createModel(setup.kind, setup.features, setup.config.layers, setup.config.hidden, setup.config.seed);
    this.#variables = modelVariables(model);
    this.#loss = lossFor(model, setup);
    this.#dispose = () => disposeModel(model);
  }

  /** Loss and flat gradient of each shard at `weights`, summed; reads with `await data()`. */
  async compute(weights: Float32Array, shards: readonly ShardRequest[]): Promise<ShardResult> {
    assignFlat(this.#variables, weights);
    const gradient = new Float32Array(flatSize(this.#variables));
    let loss = 0;
    for (const shard of shards) {
      const { value, grads } = tf.variableGrads(() => this.#loss(shard.batch, shard.dropoutSeed), this.#variables);
      try {
        let offset = 0;
        for (const variable of this.#variables) {
          const g = grads[variable.name];
          if (g) {
            const values = (await g.data()) as Float32Array;
            for (let i = 0; i < values.length; i++) gradient[offset + i] += values[i];
          }
          offset += variable.size;
        }
        loss += (await value.data())[0];
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    return { loss, gradient };
  }

  dispose(): void {
    this.#dispose();
  }
}

/**
 * Peers in this thread, one model each: the reference the worker pool is tested against, and a
 * way to check sharding itself (same maths, no messages). No speed-up: it runs on the same core.
 */
export class InProcessPeers implements GradientPeers {
  readonly count: number;
  readonly #lossFor: ConstructorParameters<typeof ShardTrainer>[1];
  #trainers: ShardTrainer[] = [];

  constructor(count: number, lossFor: ConstructorParameters<typeof ShardTrainer>[1]) {
    this.count = count;
    this.#lossFor = lossFor;
  }

  async prepare(setup: ShardSetup): Promise<void> {
    this.dispose();
    this.#trainers = Array.from({ length: this.count }, () => new ShardTrainer(setup, this.#lossFor));
  }

  async gradients(weights: Float32Array, shards: ShardRequest[]): Promise<ShardResult> {
    if (shards.length > this.#trainers.length) throw new Error(`gradients: ${shards.length} shards for ${this.#trainers.length} peers (call prepare first)`);
    const results = await Promise.all(shards.map((shard, k) => this.#trainers[k].compute(weights, [shard])));
    return sumResults(results, weights.length);
  }

  dispose(): void {
    for (const trainer of this.#trainers) trainer.dispose();
    this.#trainers = [];
  }
}

/** Adds shard results (loss and gradient). */
export function sumResults(results: readonly ShardResult[], size: number): ShardResult {
  if (results.length === 1) return results[0];
  const gradient = new Float32Array(size);
  let loss = 0;
  for (const result of results) {
    if (result.gradient.length !== size) throw new Error(`gradient: ${result.gradient.length} values for ${size} weights`);
    loss += result.loss;
    for (let i = 0; i < size; i++) gradient[i] += result.gradient[i];
  }
  return { loss, gradient };
}
