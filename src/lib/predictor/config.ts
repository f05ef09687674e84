/**
 * Training and architecture settings of the GCN predictors, with the presets of the official
 * BRP-NAS configs (SamsungLabs/eagle `configs/predictors/*.yaml`, spec section 4.1).
 */

export type LrSchedule = 'plateau' | 'cosine';

/**
 * Which weights a finished run keeps.
 * - `best-copy`: a real snapshot of the epoch with the lowest validation loss (what eagle writes
 *   to disk with `--save`, and what the authors evidently meant).
 * - `last-epoch`: the weights after the last epoch run. Eagle keeps `state_dict()` of the best
 *   epoch *by reference*; later optimizer steps update those tensors in place, so the weights it
 *   restores in memory are the last epoch's. Use this to reproduce its behaviour.
 */
export type RestoreBest = 'best-copy' | 'last-epoch';

/**
 * How a BRP batch of pairs is embedded.
 * - `embed-once`: each distinct model of the batch goes through the GCN once and the linear head
 *   is reduced to one logit difference per pair (see heads.ts). Same loss and gradients as
 *   `per-pair` without dropout; with dropout a model shares one dropout mask across its pairs of
 *   the batch (eagle draws one mask per pair occurrence).
 * - `per-pair`: the official behaviour, both models of every pair are embedded (duplicates
 *   included), concatenated and fed to the full 1200→2 head.
 * - `model-groups` (NOT the paper's batching): an epoch shuffles the training *models* into
 *   groups of `batchSize` models, and a step takes **all** ordered pairs of one group, each model
 *   embedded once. A model is embedded once per epoch instead of ≈ 2(n−1)/batch times, so an
 *   epoch costs n embeddings instead of ≈ 2n(n−1); the pairs seen per epoch are those within a
 *   group (n(G−1) of the n(n−1)), a different draw each epoch. The loss of a step is the same
 *   KL sum as `embed-once` on those pairs (tested).
 */
export type PairMode = 'embed-once' | 'per-pair' | 'model-groups';

/**
 * The scale a regressor's targets are min-max normalised and fitted on.
 * - `linear`: the targets themselves (eagle).
 * - `log`: their natural logarithm (NOT a paper setting): the L1 loss then measures relative
 *   error, which is what "within ±X %" counts. Needs positive targets (latencies). It measured
 *   worse than the linear scale on every band (bench-results/latency-budget.md), so no preset uses it.
 */
type TargetScale = 'linear' | 'log';

export interface PredictorConfig {
  /** Number of graph-convolution layers L (count, ≥ 1). */
  layers: number;
  /** Width of every hidden layer and of the embedding (units). */
  hidden: number;
  /** Dropout probability after each layer's ReLU during training (fraction 0–1). */
  dropout: number;
  /** Initial learning rate of AdamW (per step, dimensionless). */
  lr: number;
  /** Decoupled weight decay of AdamW (fraction of the weights removed per step, scaled by lr). */
  weightDecay: number;
  /** Mini-batch size: graphs for regression, ordered pairs for BRP (count); models per group for pair mode `model-groups`. */
  batchSize: number;
  /** Maximum number of epochs (passes over the training graphs or pairs). */
  epochs: number;
  /** Learning-rate schedule: cosine annealing per epoch, or halving on a validation plateau. */
  schedule: LrSchedule;
  /** ReduceLROnPlateau patience (epochs without a 1 % relative improvement before halving). */
  lrPatience: number;
  /** Early-stopping patience (epochs without improvement before stopping; 0 disables). */
  esPatience: number;
  /** Which weights the finished run keeps. */
  restoreBest: RestoreBest;
  /** Seed of the weight init, shuffling and dropout masks (unsigned 32-bit integer). */
  seed: number;
  /** How BRP batches are embedded (ignored by the regressor). */
  pairMode: PairMode;
  /** Scale of the regression targets (ignored by BRP). Absent in files saved before it existed: 'linear'. */
  targetScale: TargetScale;
}

const COMMON = {
  layers: 4,
  hidden: 600,
  weightDecay: 5e-4,
  epochs: 250,
  lrPatience: 10,
  esPatience: 35,
  restoreBest: 'best-copy',
  seed: 0,
  pairMode: 'embed-once',
  targetScale: 'linear',
} as const satisfies Partial<PredictorConfig>;

/**
 * `lat_gcn_nasbench201_desktop.yaml`: latency regressor. Measured (bench-results/latency-budget.md,
 * desktop CPU, seed 0, keeping the last epoch as eagle does, WASM on this 2-core machine, commit
 * 963a282): eagle ±1/5/10/20 % 0.403/0.884/0.974/0.999, Spearman 0.993, Kendall 0.937, early stop
 * at epoch 186, 20.9 min (the official code: 0.364/0.843/0.958/0.997, 0.990, 0.926 in 74 min);
 * EdgeTPU 0.231/0.688/0.895/0.974, 0.979, 0.880, epoch 123, 13.5 min (official: 0.191/0.665/0.872/0.971,
 * 0.975, 0.869 in 36 min). Batch 1 means 900 optimizer steps per epoch: no paper-config run fits in
 * 5 min here, hence {@link LATENCY_THOROUGH_PRESET}.
 */
export const LATENCY_PRESET: Readonly<PredictorConfig> = Object.freeze({
  ...COMMON,
  dropout: 0.002,
  lr: 4e-4,
  batchSize: 1,
  schedule: 'plateau',
});

/**
 * The paper's latency config with `batchSize` graphs per step, the learning rate scaled by
 * √batchSize (the usual rule for Adam-type optimizers) and `epochs` epochs of cosine annealing.
 * NOT a paper config; the named presets below and BENCH_LATENCY_BATCH use it.
 */
export function latencyWithBatch(batchSize: number, epochs: number): Readonly<PredictorConfig> {
  return Object.freeze({ ...LATENCY_PRESET, lr: LATENCY_PRESET.lr * Math.sqrt(batchSize), batchSize, epochs, schedule: 'cosine' as const });
}

/**
 * NOT a paper config: a faster stand-in for {@link LATENCY_PRESET}, whose batch size 1 means
 * 900 optimizer steps per epoch (≈ 250 × 900 steps per run, far above the ≤ 5 min a browser run
 * should take on WASM). Here: batch 32 (29 steps per epoch), the learning rate scaled by √32 (the
 * usual rule for Adam-type optimizers), and a fixed budget of 60 epochs with cosine annealing
 * instead of the plateau schedule (a plateau schedule needs many epochs to act). Whether it
 * reaches the paper config's accuracy must be measured (`BENCH_LATENCY_CONFIG=fast npm run bench:predictor`).
 */
export const LATENCY_FAST_PRESET: Readonly<PredictorConfig> = latencyWithBatch(32, 60);

/**
 * NOT a paper config: batch 8 (113 steps per epoch), the learning rate scaled by √8, 120 epochs
 * with cosine annealing, keeping the last epoch. More, smaller steps are what closes the gap
 * {@link LATENCY_FAST_PRESET} leaves; on every seed and referenced device it reaches the official
 * code's accuracy in under 5 minutes on a 2-core laptop (bench-results/predictor.md,
 * latency-budget.md).
 *
 * It keeps the last epoch's weights (`restoreBest: 'last-epoch'`, what eagle's in-memory restore
 * amounts to): once cosine annealing has brought the learning rate to zero, the last epoch is
 * the settled model, while the epoch with the lowest loss on 100 validation cells is partly
 * chance (keeping the best copy instead measured worse, latency-budget.md).
 */
export const LATENCY_THOROUGH_PRESET: Readonly<PredictorConfig> = Object.freeze({ ...latencyWithBatch(8, 120), restoreBest: 'last-epoch' as const });

/** `acc_gcn_nasbench201.yaml`: accuracy regressor. */
export const ACCURACY_PRESET: Readonly<PredictorConfig> = Object.freeze({
  ...COMMON,
  dropout: 0.2,
  lr: 3.5e-4,
  batchSize: 50,
  schedule: 'cosine',
});

/** `acc_gcn_nasbench201_bin.yaml`: the binary relation predictor of the main BRP-NAS run. */
export const BRP_PRESET: Readonly<PredictorConfig> = Object.freeze({
  ...COMMON,
  dropout: 0.2,
  lr: 3.5e-4,
  batchSize: 64,
  schedule: 'cosine',
});

/**
 * NOT a paper config: the binary relation predictor with pair mode `model-groups` (all ordered
 * pairs of groups of 8 models per step, each model embedded once per epoch), 250 epochs of cosine
 * annealing at lr 1e-3, keeping the last epoch. The paper config embeds ≈ 2(n−1)/64 times more per
 * epoch (≈ 95 min for 100 models here). The search's `fast` preset (search/presets.ts) uses the same
 * batching; its measurements are in bench-results/search.md.
 */
export const BRP_FAST_PRESET: Readonly<PredictorConfig> = Object.freeze({
  ...BRP_PRESET,
  pairMode: 'model-groups' as const,
  batchSize: 8,
  lr: 1e-3,
  esPatience: 0,
  restoreBest: 'last-epoch' as const,
});

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isFiniteNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * Checks every field of a config (which may come from a URL or a stored file) and returns it
 * typed; throws one message naming the first bad field.
 */
export function validateConfig(config: unknown, source = 'predictor config'): PredictorConfig {
  if (typeof config !== 'object' || config === null) throw new Error(`${source}: expected an object`);
  const c = config as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new Error(`${source}: '${field}' must be ${expected}, got ${JSON.stringify(c[field])?.slice(0, 40)}`);
  };
  if (!isPositiveInteger(c.layers)) fail('layers', 'a positive integer');
  if (!isPositiveInteger(c.hidden)) fail('hidden', 'a positive integer');
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) fail('dropout', 'a number in [0, 1)');
  if (typeof c.lr !== 'number' || !(c.lr > 0) || !Number.isFinite(c.lr)) fail('lr', 'a positive number');
  if (!isFiniteNonNegative(c.weightDecay)) fail('weightDecay', 'a non-negative number');
  if (!isPositiveInteger(c.batchSize)) fail('batchSize', 'a positive integer');
  if (!isPositiveInteger(c.epochs)) fail('epochs', 'a positive integer');
  if (c.schedule !== 'plateau' && c.schedule !== 'cosine') fail('schedule', "'plateau' or 'cosine'");
  if (!isNonNegativeInteger(c.lrPatience)) fail('lrPatience', 'a non-negative integer');
  if (!isNonNegativeInteger(c.esPatience)) fail('esPatience', 'a non-negative integer');
  if (c.restoreBest !== 'best-copy' && c.restoreBest !== 'last-epoch') fail('restoreBest', "'best-copy' or 'last-epoch'");
  if (!isNonNegativeInteger(c.seed) || (c.seed as number) > 0xffffffff) fail('seed', 'an integer in [0, 2^32)');
  if (c.pairMode !== 'embed-once' && c.pairMode !== 'per-pair' && c.pairMode !== 'model-groups') fail('pairMode', "'embed-once', 'per-pair' or 'model-groups'");
  if (c.pairMode === 'model-groups' && (c.batchSize as number) < 2) fail('batchSize', "at least 2 (models per group) with pairMode 'model-groups'");
  const targetScale = c.targetScale ?? 'linear';
  if (targetScale !== 'linear' && targetScale !== 'log') fail('targetScale', "'linear' or 'log'");
  return {
    layers: c.layers as number,
    hidden: c.hidden as number,
    dropout: c.dropout as number,
    lr: c.lr as number,
    weightDecay: c.weightDecay as number,
    batchSize: c.batchSize as number,
    epochs: c.epochs as number,
    schedule: c.schedule as LrSchedule,
    lrPatience: c.lrPatience as number,
    esPatience: c.esPatience as number,
    restoreBest: c.restoreBest as RestoreBest,
    seed: c.seed as number,
    pairMode: c.pairMode as PairMode,
    targetScale: targetScale as TargetScale,
  };
}
