/**
 * Trained predictors as plain objects: query (`predict`, `embed`, `scoreBrp`), save
 * (`serialize` → JSON-able) and restore (`restorePredictor`, which checks a possibly hostile
 * file field by field). Each owns its tfjs variables until `dispose()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { validateConfig, type PredictorConfig } from './config.ts';
import { type GraphEncoding } from './graphs.ts';
import { brpDifferenceHead, regressionOutput } from './heads.ts';
import { type TrainingSummary } from './loop.ts';
import { createModel, disposeModel, inferGraphs, inferGraphsAsync, loadWeights, namedVariables, type InferOptions, type PredictorKind, type PredictorModel } from './model.ts';

export const SERIALIZED_FORMAT = 'brp-nas-lab/gcn-predictor';
export const SERIALIZED_VERSION = 1;

/** Linear min-max scaling of regression targets: stored = (raw − min) / (max − min). */
export interface Normalisation {
  min: number;
  max: number;
}

export interface SerializedPredictor {
  format: typeof SERIALIZED_FORMAT;
  version: typeof SERIALIZED_VERSION;
  kind: PredictorKind;
  /** Node feature width F the GCN was built for. */
  features: number;
  config: PredictorConfig;
  /** Regression target scaling, null when targets were used raw (and always for BRP). */
  normalisation: Normalisation | null;
  /** Every weight, row-major, in the model's fixed order. */
  weights: { name: string; shape: number[]; values: number[] }[];
}

/** Per-model BRP scalars (spec 12.5): logit difference of pair (i, j) = s[i] + t[j] + c. */
export interface BrpScores {
  /** u·e_i: the model's contribution in the first slot. */
  s: Float32Array;
  /** v·e_i: the model's contribution in the second slot. */
  t: Float32Array;
  /** b₀ − b₁. */
  c: number;
  /** s − t: the antisymmetrised comparator (F(i,j) − F(j,i))/2 ranks exactly by this; higher = better. */
  r: Float32Array;
}

interface PredictorCommon {
  readonly config: PredictorConfig;
  readonly features: number;
  /** How the weights were trained; null for a restored predictor. */
  readonly training: TrainingSummary | null;
  /** Eval-mode global-node embeddings, `config.hidden` numbers per graph, row-major. */
  embed(graphs: readonly GraphEncoding[]): Float32Array;
  serialize(): SerializedPredictor;
  /** {@link serialize} reading the weights with `await data()`: the form for GPU backends. */
  serializeAsync(): Promise<SerializedPredictor>;
  /** Frees the weights; later calls throw. */
  dispose(): void;
}

export interface RegressionPredictor extends PredictorCommon {
  readonly kind: 'regression';
  readonly normalisation: Normalisation | null;
  /** Predicted targets in the original (de-normalised) units. */
  predict(graphs: readonly GraphEncoding[], options?: InferOptions): Float32Array;
  /** {@link predict} reading asynchronously: the form that works on WebGPU (model.ts inferGraphsAsync). */
  predictAsync(graphs: readonly GraphEncoding[], options?: InferOptions): Promise<Float32Array>;
}

export interface BrpPredictor extends PredictorCommon {
  readonly kind: 'brp';
  scoreBrp(graphs: readonly GraphEncoding[], options?: InferOptions): BrpScores;
  /** {@link scoreBrp} reading asynchronously: the form that works on WebGPU (model.ts inferGraphsAsync). */
  scoreBrpAsync(graphs: readonly GraphEncoding[], options?: InferOptions): Promise<BrpScores>;
}

export type Predictor = RegressionPredictor | BrpPredictor;

const models = new WeakMap<Predictor, PredictorModel>();

/** The live model behind a predictor (for warm starts and tests); throws once disposed. */
export function modelOf(predictor: Predictor): PredictorModel {
  const model = models.get(predictor);
  if (!model) throw new Error('this predictor was disposed');
  return model;
}

export function wrapModel(model: PredictorModel, config: PredictorConfig, normalisation: Normalisation | null, training: TrainingSummary | null): Predictor {
  const features = model.gcn.features;
  const live = () => modelOf(predictor);
  /** The file form of the weights' values, read in `namedVariables` order. */
  const serialized = (values: ArrayLike<number>[]): SerializedPredictor => ({
    format: SERIALIZED_FORMAT,
    version: SERIALIZED_VERSION,
    kind: model.kind,
    features,
    config: { ...config },
    normalisation: normalisation ? { ...normalisation } : null,
    weights: namedVariables(live()).map(([name, v], k) => ({ name, shape: [...v.shape], values: Array.from(values[k]) })),
  });
  const common = {
    config,
    features,
    training,
    embed: (graphs: readonly GraphEncoding[]) => inferGraphs(live(), graphs, config.hidden, (e) => e),
    serialize: (): SerializedPredictor => serialized(namedVariables(live()).map(([, v]) => v.dataSync())),
    serializeAsync: async (): Promise<SerializedPredictor> => serialized(await Promise.all(namedVariables(live()).map(([, v]) => v.data()))),
    dispose: () => {
      const m = models.get(predictor);
      if (m) disposeModel(m);
      models.delete(predictor);
    },
  };
  const regressionReadout = (e: tf.Tensor2D) => regressionOutput(live().head, e);
  const denormalise = (out: Float32Array): Float32Array => {
    if (normalisation) for (let i = 0; i < out.length; i++) out[i] = out[i] * (normalisation.max - normalisation.min) + normalisation.min;
    if (config.targetScale === 'log') for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
    return out;
  };
  const brpReadout = (m: PredictorModel) => (e: tf.Tensor2D) => {
    const { u, v } = brpDifferenceHead(m.head, config.hidden);
    return tf.concat([tf.matMul(e, u), tf.matMul(e, v)], 1);
  };
  const brpScores = (st: Float32Array, c: number): BrpScores => {
    const n = st.length / 2;
    const s = new Float32Array(n);
    const t = new Float32Array(n);
    const r = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = st[2 * i];
      t[i] = st[2 * i + 1];
      r[i] = s[i] - t[i];
    }
    return { s, t, c, r };
  };
  const predictor: Predictor =
    model.kind === 'regression'
      ? {
          ...common,
          kind: 'regression',
          normalisation,
          predict: (graphs, options) => denormalise(inferGraphs(live(), graphs, 1, regressionReadout, 'graphs', options)),
          predictAsync: async (graphs, options) => denormalise(await inferGraphsAsync(live(), graphs, 1, regressionReadout, 'graphs', options)),
        }
      : {
          ...common,
          kind: 'brp',
          scoreBrp: (graphs, options) => {
            const m = live();
            const c = tf.tidy(() => brpDifferenceHead(m.head, config.hidden).c.dataSync()[0]);
            return brpScores(inferGraphs(m, graphs, 2, brpReadout(m), 'graphs', options), c);
          },
          scoreBrpAsync: async (graphs, options) => {
            const m = live();
            const cTensor = tf.tidy(() => brpDifferenceHead(m.head, config.hidden).c);
            const c = (await cTensor.data())[0];
            cTensor.dispose();
            return brpScores(await inferGraphsAsync(m, graphs, 2, brpReadout(m), 'graphs', options), c);
          },
        };
  models.set(predictor, model);
  return predictor;
}

/** Rebuilds a predictor from `serialize()` output (e.g. parsed JSON from IndexedDB or a file). */
export function restorePredictor(data: unknown, source = 'predictor file'): Predictor {
  if (typeof data !== 'object' || data === null) throw new Error(`${source}: expected an object`);
  const d = data as Record<string, unknown>;
  if (d.format !== SERIALIZED_FORMAT) throw new Error(`${source}: 'format' must be '${SERIALIZED_FORMAT}'`);
  if (d.version !== SERIALIZED_VERSION) throw new Error(`${source}: unsupported version ${String(d.version).slice(0, 20)} (this build reads ${SERIALIZED_VERSION})`);
  if (d.kind !== 'regression' && d.kind !== 'brp') throw new Error(`${source}: 'kind' must be 'regression' or 'brp'`);
  if (typeof d.features !== 'number' || !Number.isInteger(d.features) || d.features < 1) throw new Error(`${source}: 'features' must be a positive integer`);
  const config = validateConfig(d.config, `${source}: config`);
  let normalisation: Normalisation | null = null;
  if (d.normalisation !== null) {
    const n = d.normalisation as Record<string, unknown> | undefined;
    if (!n || typeof n.min !== 'number' || typeof n.max !== 'number' || !Number.isFinite(n.min) || !Number.isFinite(n.max)) {
      throw new Error(`${source}: 'normalisation' must be null or { min, max } with finite numbers`);
    }
    normalisation = { min: n.min, max: n.max };
  }
  if (!Array.isArray(d.weights)) throw new Error(`${source}: 'weights' must be an array`);
  const weights = new Map<string, { shape: number[]; values: number[] }>();
  d.weights.forEach((w: unknown, i: number) => {
    const entry = w as Record<string, unknown> | null;
    const where = `${source}: weights[${i}]`;
    if (!entry || typeof entry.name !== 'string') throw new Error(`${where}: missing 'name'`);
    const shape = entry.shape;
    const values = entry.values;
    if (!Array.isArray(shape) || !shape.every((x) => Number.isInteger(x) && x > 0)) throw new Error(`${where} ('${entry.name}'): bad 'shape'`);
    if (!Array.isArray(values)) throw new Error(`${where} ('${entry.name}'): 'values' must be an array`);
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (values.length !== size) throw new Error(`${where} ('${entry.name}'): ${values.length} values for shape [${shape.join(', ')}]`);
    const bad = values.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${where} ('${entry.name}'): values[${bad}] is not a finite number`);
    weights.set(entry.name, { shape, values });
  });
  const model = createModel(d.kind, d.features, config.layers, config.hidden, config.seed);
  try {
    loadWeights(model, weights, () => true, source);
  } catch (err) {
    disposeModel(model);
    throw err;
  }
  return wrapModel(model, config, d.kind === 'regression' ? normalisation : null, null);
}
