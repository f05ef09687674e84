/**
 * Training entry points: the GCN regressor (latency or accuracy) and the binary relation
 * predictor (spec sections 3–4). Both return a live predictor (predictor.ts) that records how
 * it was trained; every tensor made along the way is disposed.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { validateConfig, type PredictorConfig } from './config.ts';
import { embedBatch } from './gcn.ts';
import { batchTensors } from './batch.ts';
import { packGraphs, selectGraphs, type GraphEncoding, type PackedGraphs } from './graphs.ts';
import { brpDifferenceHead, brpLossEmbedOnce, brpLossPerPair, l1SumLoss, pairKl, regressionOutput, softTarget } from './heads.ts';
import { runTraining, type TrainingHooks } from './loop.ts';
import { createModel, disposeModel, inferPackedAsync, loadWeights, namedVariables, modelVariables, type PredictorKind, type PredictorModel } from './model.ts';
import { modelOf, restorePredictor, wrapModel, type BrpPredictor, type Normalisation, type Predictor, type RegressionPredictor, type SerializedPredictor } from './predictor.ts';
import { SeededRandom, STREAM, deriveSeed, shuffleInPlace } from '../spaces/rng.ts';
import { spearman, withinPct } from './metrics.ts';
import type { BatchLoss, ShardSetup } from './parallel.ts';

interface CommonInput extends TrainingHooks {
  graphs: readonly GraphEncoding[];
  config: PredictorConfig;
  /**
   * Start from these weights instead of a fresh init: all of them when the kinds match
   * (continuing, e.g. the next iteration of the search), only the GCN otherwise (transfer
   * learning: a latency regressor initialising a BRP, whose head stays freshly initialised).
   */
  init?: Predictor | SerializedPredictor;
}

export interface RegressorInput extends CommonInput {
  /** One target per training graph (e.g. latency in s, accuracy in %). */
  targets: ArrayLike<number>;
  /** Validation graphs and targets; default: the training set (as eagle does with --iter). */
  valGraphs?: readonly GraphEncoding[];
  valTargets?: ArrayLike<number>;
  /**
   * true (default): min-max scale by the training targets; false: raw targets; or explicit
   * constants (e.g. a dataset-wide min and max, as eagle's normalised pickles use).
   */
  normalise?: boolean | Normalisation;
}

export interface BrpInput extends CommonInput {
  /** One metric value per training graph (e.g. validation accuracy); higher = better. */
  targets: ArrayLike<number>;
}

function checkTargets(targets: ArrayLike<number>, count: number, source: string): Float64Array {
  if (!targets || typeof targets.length !== 'number') throw new Error(`${source}: expected an array of numbers`);
  if (targets.length !== count) throw new Error(`${source}: ${targets.length} targets for ${count} graphs`);
  const out = Float64Array.from(targets);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${source}[${bad}]: ${String(targets[bad]).slice(0, 20)} is not a finite number`);
  return out;
}

function initialModel(kind: PredictorKind, features: number, config: PredictorConfig, init: CommonInput['init']): PredictorModel {
  const model = createModel(kind, features, config.layers, config.hidden, config.seed);
  if (!init) return model;
  const restored = 'format' in init ? restorePredictor(init, 'init') : null;
  try {
    const source = restored ?? (init as Predictor);
    if (source.features !== features) throw new Error(`init: predictor was built for ${source.features} node features, the graphs have ${features}`);
    const weights = new Map(namedVariables(modelOf(source)).map(([name, v]) => [name, { shape: v.shape, values: v as tf.Tensor }]));
    loadWeights(model, weights, (name) => source.kind === kind || name.startsWith('gcn.'), 'init');
    return model;
  } catch (err) {
    disposeModel(model);
    throw err;
  } finally {
    restored?.dispose();
  }
}

/** Consecutive slices of `order` of at most `size` items. */
function chunk(order: Uint32Array, size: number): Uint32Array[] {
  const batches: Uint32Array[] = [];
  for (let start = 0; start < order.length; start += size) batches.push(order.subarray(start, start + size));
  return batches;
}

function shuffledOrder(count: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  shuffleInPlace(order, new SeededRandom(deriveSeed(seed, STREAM.shuffle, epoch)));
  return order;
}

function logOf(v: number): number {
  if (!(v > 0)) throw new Error(`targets: ${v} has no logarithm; targetScale 'log' needs positive targets (latencies)`);
  return Math.log(v);
}

function resolveNormalisation(normalise: RegressorInput['normalise'], targets: Float64Array): Normalisation | null {
  if (normalise === false) return null;
  if (normalise === undefined || normalise === true) {
    let min = Infinity;
    let max = -Infinity;
    for (const v of targets) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    if (!(max > min)) throw new Error(`targets: all equal (${min}); min-max normalisation needs a range (pass normalise: false)`);
    return { min, max };
  }
  if (!Number.isFinite(normalise.min) || !Number.isFinite(normalise.max) || !(normalise.max > normalise.min)) {
    throw new Error(`normalise: needs finite min < max, got ${normalise.min}, ${normalise.max}`);
  }
  return { min: normalise.min, max: normalise.max };
}

/**
 * The summed training-mode loss of one batch for `model`: graph indices → L1 sum (regression),
 * pair codes i·n + j → KL sum (BRP). Shared by the trainers and by data-parallel helpers
 * (parallel.ts), which rebuild it from the same setup.
 */
export function batchLossFor(model: PredictorModel, setup: ShardSetup): BatchLoss {
  const { config, train } = setup;
  if (setup.kind === 'regression') {
    const targets = setup.targets;
    return (indices, seed) => {
      const batch = batchTensors(selectGraphs(train, indices));
      const predictions = regressionOutput(model.head, embedBatch(model.gcn, batch, { rate: config.dropout, seed }));
      return l1SumLoss(predictions, tf.tensor1d(Float32Array.from(indices, (i) => targets[i])));
    };
  }
  const metric = setup.metric;
  const n = train.count;
  return (pairs, seed) => {
    const first = Array.from(pairs, (code) => Math.floor(code / n));
    const second = Array.from(pairs, (code) => code % n);
    const targets = Float64Array.from(pairs, (_, p) => softTarget(metric[first[p]], metric[second[p]]));
    const dropout = { rate: config.dropout, seed };
    if (config.pairMode === 'per-pair') {
      const embeddings = embedBatch(model.gcn, batchTensors(selectGraphs(train, [...first, ...second])), dropout);
      const p = pairs.length;
      const e1 = tf.slice(embeddings, [0, 0], [p, config.hidden]);
      const e2 = tf.slice(embeddings, [p, 0], [p, config.hidden]);
      return brpLossPerPair(model.head, e1, e2, targets);
    }
    const local = new Map<number, number>();
    const distinct: number[] = [];
    const slot = (g: number) => {
      let k = local.get(g);
      if (k === undefined) {
        k = distinct.length;
        local.set(g, k);
        distinct.push(g);
      }
      return k;
    };
    const firstLocal = first.map(slot);
    const secondLocal = second.map(slot);
    const embeddings = embedBatch(model.gcn, batchTensors(selectGraphs(train, distinct)), dropout);
    return brpLossEmbedOnce(model.head, embeddings, firstLocal, secondLocal, targets);
  };
}

export async function trainRegressor(input: RegressorInput): Promise<RegressionPredictor> {
  const config = validateConfig(input.config);
  const train = packGraphs(input.graphs, 'graphs');
  const rawTargets = checkTargets(input.targets, train.count, 'targets');
  const hasValidation = input.valGraphs !== undefined;
  const val = hasValidation ? packGraphs(input.valGraphs!, 'valGraphs', { features: train.features }) : train;
  if (hasValidation && input.valTargets === undefined) throw new Error('valTargets: required when valGraphs are given');
  const rawValTargets = hasValidation ? checkTargets(input.valTargets!, val.count, 'valTargets') : rawTargets;
  // On the log scale the model fits ln(target); normalisation constants are then of ln(target) too.
  const toScale = config.targetScale === 'log' ? logOf : (v: number) => v;
  const normalisation = resolveNormalisation(input.normalise, Float64Array.from(rawTargets, toScale));
  const scale = (v: number) => (normalisation ? (toScale(v) - normalisation.min) / (normalisation.max - normalisation.min) : toScale(v));
  const targets = Float32Array.from(rawTargets, scale);
  const valTargets = Float64Array.from(rawValTargets, scale);
  // Model output → target units, as the finished predictor's predict() does.
  const unscale = (v: number) => {
    const scaled = normalisation ? v * (normalisation.max - normalisation.min) + normalisation.min : v;
    return config.targetScale === 'log' ? Math.exp(scaled) : scaled;
  };

  const setup: ShardSetup = { kind: 'regression', features: train.features, config, train, targets };
  const model = initialModel('regression', train.features, config, input.init);
  try {
    await input.peers?.prepare(setup);
    const training = await runTraining(
      {
        variables: modelVariables(model),
        headVariables: [model.head.weight, model.head.bias],
        batches: (epoch) => chunk(shuffledOrder(train.count, config.seed, epoch), config.batchSize),
        loss: batchLossFor(model, setup),
        validate: async () => {
          const predictions = await inferPackedAsync(model, val, 1, (e) => regressionOutput(model.head, e));
          let sum = 0;
          predictions.forEach((p, i) => (sum += Math.abs(p - valTargets[i])));
          const predicted = Float64Array.from(predictions, unscale);
          const metrics = val.count >= 2 ? { spearman: spearman(predicted, rawValTargets), within10: withinPct(predicted, rawValTargets, 10, 'eagle') } : undefined;
          return { loss: sum, metrics };
        },
      },
      config,
      input,
    );
    return wrapModel(model, config, normalisation, training) as RegressionPredictor;
  } catch (err) {
    disposeModel(model);
    throw err;
  }
}

/**
 * Eval-mode KL sum over all ordered pairs of the training models (eagle's BRP "validation loss"),
 * and the share of pairs with different values that the predictor orders right.
 */
async function brpValidation(model: PredictorModel, packed: PackedGraphs, metric: Float64Array, target0: (i: number, j: number) => number, hidden: number) {
  const st = await inferPackedAsync(model, packed, 2, (e) => {
    const { u, v } = brpDifferenceHead(model.head, hidden);
    return tf.concat([tf.matMul(e, u), tf.matMul(e, v)], 1);
  });
  const cTensor = tf.tidy(() => brpDifferenceHead(model.head, hidden).c);
  const c = (await cTensor.data())[0];
  cTensor.dispose();
  let sum = 0;
  let right = 0;
  let ordered = 0;
  for (let i = 0; i < packed.count; i++) {
    for (let j = 0; j < packed.count; j++) {
      if (i === j) continue;
      // logit difference > 0 ⇔ P(model i is better) > ½.
      const difference = st[2 * i] + st[2 * j + 1] + c;
      sum += pairKl(difference, target0(i, j));
      if (metric[i] !== metric[j]) {
        ordered++;
        if (difference > 0 === metric[i] > metric[j]) right++;
      }
    }
  }
  return { loss: sum, metrics: ordered > 0 ? { pairAccuracy: right / ordered } : undefined };
}

export async function trainBrp(input: BrpInput): Promise<BrpPredictor> {
  const config = validateConfig(input.config);
  const train = packGraphs(input.graphs, 'graphs');
  const metric = checkTargets(input.targets, train.count, 'targets');
  const n = train.count;
  if (n < 2) throw new Error('graphs: a binary relation predictor needs at least 2 models');
  const target0 = (i: number, j: number) => softTarget(metric[i], metric[j]);

  const setup: ShardSetup = { kind: 'brp', features: train.features, config, train, metric };
  const model = initialModel('brp', train.features, config, input.init);
  try {
    await input.peers?.prepare(setup);
    const training = await runTraining(
      {
        variables: modelVariables(model),
        headVariables: [model.head.weight, model.head.bias],
        // A pair (i, j) is coded as i·n + j; all n(n−1) ordered pairs, shuffled per epoch.
        batches: (epoch) => (config.pairMode === 'model-groups' ? modelGroupBatches(n, config.batchSize, config.seed, epoch) : allPairBatches(epoch)),
        loss: batchLossFor(model, setup),
        validate: () => brpValidation(model, train, metric, target0, config.hidden),
      },
      config,
      input,
    );
    return wrapModel(model, config, null, training) as BrpPredictor;
  } catch (err) {
    disposeModel(model);
    throw err;
  }

  function allPairBatches(epoch: number): Uint32Array[] {
    const order = shuffledOrder(n * (n - 1), config.seed, epoch);
    for (let k = 0; k < order.length; k++) {
      const i = Math.floor(order[k] / (n - 1));
      const r = order[k] % (n - 1);
      order[k] = i * n + (r >= i ? r + 1 : r);
    }
    return chunk(order, config.batchSize);
  }
}

/**
 * Pair mode `model-groups`: the models shuffled (per epoch) into groups of `groupSize` (the last
 * group may be smaller; a group of one has no pair and is dropped), each batch all ordered pairs
 * i·n + j of one group.
 */
export function modelGroupBatches(n: number, groupSize: number, seed: number, epoch: number): Uint32Array[] {
  const batches: Uint32Array[] = [];
  for (const group of chunk(shuffledOrder(n, seed, epoch), groupSize)) {
    if (group.length < 2) continue;
    const pairs = new Uint32Array(group.length * (group.length - 1));
    let k = 0;
    for (const i of group) for (const j of group) if (i !== j) pairs[k++] = i * n + j;
    batches.push(pairs);
  }
  return batches;
}
