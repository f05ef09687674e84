/**
 * The epoch loop shared by the regressor and the BRP trainer, in eagle's order (spec section 4):
 * train all batches → validation sum → best-epoch bookkeeping → LR schedule → early stopping.
 * Plateau and early stopping only look at epochs > 20 (0-based), as in eagle.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from './adamw.ts';
import { type PredictorConfig, type RestoreBest } from './config.ts';
import { addFlatGradient, flattenAsync, shardDropoutSeed, splitBatch, type GradientPeers } from './parallel.ts';
import { deriveSeed, STREAM } from '../spaces/rng.ts';
import { EarlyStopping, ReduceLrOnPlateau, cosineAnnealingLr } from './schedules.ts';

/** Eagle steps plateau LR and early stopping only after this epoch index. */
const SCHEDULE_WARMUP_EPOCHS = 20;

export interface EpochRecord {
  /** Epoch index, 0-based (eagle's `epoch_no`). */
  epoch: number;
  /** Sum of the training-mode batch losses of this epoch (dropout on, weights moving). */
  trainLoss: number;
  /** The spec's validation sum (eval mode) that drives best epoch, plateau LR and early stopping. */
  valLoss: number;
  /** Learning rate used during this epoch. */
  lr: number;
  /** Optimizer steps taken in this epoch (count). */
  steps: number;
  /** Readable quality of this epoch's model (see ValidationMetrics); absent when the trainer gives none. */
  valMetrics?: ValidationMetrics;
  /** True when valLoss is the lowest so far. */
  best: boolean;
  /** Wall-clock time of the epoch, validation included (ms). */
  ms: number;
  /** A warm-up epoch (only the head trained, see `TrainingHooks.warmupEpochs`). */
  warmup?: boolean;
}

export interface TrainingSummary {
  /** Epochs actually run (count). */
  epochsRun: number;
  /** 0-based epoch with the lowest validation sum. */
  bestEpoch: number;
  bestValLoss: number;
  /** True when early stopping ended the run before `config.epochs`. */
  stoppedEarly: boolean;
  /** Which weights were kept. */
  restored: RestoreBest;
  history: EpochRecord[];
}

export interface TrainingHooks {
  /** Called after every epoch; training waits for a returned promise. */
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
  /** Aborting stops between two steps with an AbortError; the caller's model is left as is. */
  signal?: AbortSignal;
  /**
   * Called before every optimizer step; training waits for a returned promise. A pause gate
   * (resolve it to go on), and the place a worker yields to its event loop so that pause and
   * cancel messages get through (tfjs reads on WASM/cpu resolve as microtasks, never a task).
   */
  beforeStep?: () => void | Promise<void>;
  /**
   * Other workers that take a share of every batch (data-parallel, see parallel.ts); absent: this
   * thread computes whole batches. The trainer prepares them before the first step.
   */
  peers?: GradientPeers;
  /**
   * `end`: run the validation pass only after the last epoch (other epochs report NaN). Only for
   * runs that need no per-epoch validation: cosine schedule, no early stopping, last epoch kept.
   * Default `epoch` (eagle).
   */
  validate?: 'epoch' | 'end';
  /**
   * Eagle's `--warmup K` (spec 4): before the first epoch, K epochs that train only
   * `task.headVariables` (AdamW at the config's lr, weight decay 0), then everything as usual.
   * Used after a transfer, whose head is freshly initialised. They report to `onEpoch` with
   * `warmup: true` and a NaN validation sum (nothing reads one) and stay out of the history.
   */
  warmupEpochs?: number;
}

/** What the validation pass says besides its loss sum, for people watching training. */
export interface ValidationMetrics {
  /** Regression: Spearman ρ of the validation predictions against their targets. */
  spearman?: number;
  /** Regression: share (0–1) of validation cells whose truth lies within ±10 % of the prediction (eagle's convention). */
  within10?: number;
  /** BRP: share (0–1) of the training pairs with different values whose order the predictor gets right. */
  pairAccuracy?: number;
}

/** What a trainer supplies to the loop. A batch is a list of item indices (graphs or pair codes). */
interface TrainingTask {
  variables: tf.Variable[];
  /** The final linear layer's weight and bias: what a warm-up trains alone. */
  headVariables?: tf.Variable[];
  /** The batches of one epoch, already shuffled. */
  batches(epoch: number): Uint32Array[];
  /** The summed loss of one batch in training mode; runs inside `tf.variableGrads`. */
  loss(batch: Uint32Array, dropoutSeed: number): tf.Scalar;
  /** The eval-mode validation sum, and optionally readable metrics from the same pass. */
  validate(): { loss: number; metrics?: ValidationMetrics } | Promise<{ loss: number; metrics?: ValidationMetrics }>;
}

/** One optimizer step on this thread over `variables` (default all the task's); returns the batch loss, unread. */
function localStep(task: TrainingTask, optimizer: AdamW, batch: Uint32Array, dropoutSeed: number, lr: number, variables = task.variables): tf.Scalar {
  const { value, grads } = tf.variableGrads(() => task.loss(batch, dropoutSeed), variables);
  optimizer.apply(grads, lr);
  tf.dispose(grads);
  return value;
}

/**
 * The batch losses of one epoch, read once at its end: a read after every step would make a GPU
 * finish each step before the next is queued. The float32 losses are added in step order, so the
 * sum is the one per-step reads gave.
 */
class EpochLosses {
  #losses: (number | tf.Scalar)[] = [];

  add(loss: number | tf.Scalar): void {
    this.#losses.push(loss);
  }

  /** The sum (one asynchronous read); frees the held losses. */
  async sum(): Promise<number> {
    const tensors = this.#losses.filter((loss): loss is tf.Scalar => typeof loss !== 'number');
    let values: ArrayLike<number> = [];
    if (tensors.length > 0) {
      const stacked = tf.stack(tensors);
      try {
        values = await stacked.data();
      } finally {
        stacked.dispose();
      }
    }
    let sum = 0;
    let k = 0;
    for (const loss of this.#losses) sum += typeof loss === 'number' ? loss : values[k++];
    this.dispose();
    return sum;
  }

  dispose(): void {
    tf.dispose(this.#losses.filter((loss): loss is tf.Scalar => typeof loss !== 'number'));
    this.#losses = [];
  }
}

/**
 * One optimizer step with the batch cut into shards: the peers get the current weights and
 * shards 1.., this thread computes shard 0 meanwhile; the summed gradient takes one step.
 */
async function shardedStep(task: TrainingTask, peers: GradientPeers, optimizer: AdamW, batch: Uint32Array, dropoutSeed: number, lr: number): Promise<number> {
  const shards = splitBatch(batch, 1 + peers.count);
  // The weights are read before this thread's shard starts, so the peers work meanwhile.
  const weights = shards.length > 1 ? await flattenAsync(task.variables) : null;
  const remote = weights
    ? peers.gradients(
        weights,
        shards.slice(1).map((shard, k) => ({ batch: shard, dropoutSeed: shardDropoutSeed(dropoutSeed, k + 1) })),
      )
    : null;
  // If this thread's shard throws first, the peers' answer is never awaited: keep its failure handled.
  remote?.catch(() => undefined);
  const { value, grads } = tf.variableGrads(() => task.loss(shards[0], dropoutSeed), task.variables);
  let loss: number;
  try {
    loss = (await value.data())[0];
    const other = remote ? await remote : null;
    if (other) {
      const summed = addFlatGradient(task.variables, grads, other.gradient);
      optimizer.apply(summed, lr);
      tf.dispose(summed);
      loss += other.loss;
    } else {
      optimizer.apply(grads, lr);
    }
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
  return loss;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('training aborted', 'AbortError');
}

/** The warm-up epochs of `hooks.warmupEpochs` (see there); returns the optimizer steps taken. */
async function warmUpHead(task: TrainingTask, config: PredictorConfig, hooks: TrainingHooks): Promise<number> {
  const epochs = hooks.warmupEpochs ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`warmupEpochs: a whole number ≥ 0, got ${epochs}`);
  if (epochs === 0) return 0;
  const head = task.headVariables;
  if (!head?.length) throw new Error('warmupEpochs: the task names no head variables to warm up');
  const optimizer = new AdamW(head, { weightDecay: 0 });
  const losses = new EpochLosses();
  let globalStep = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      let steps = 0;
      for (const batch of task.batches(epoch)) {
        const gate = hooks.beforeStep?.();
        if (gate) await gate;
        throwIfAborted(hooks.signal);
        losses.add(localStep(task, optimizer, batch, deriveSeed(config.seed, STREAM.dropout, globalStep), config.lr, head));
        steps += 1;
        globalStep += 1;
      }
      const trainLoss = await losses.sum();
      await hooks.onEpoch?.({ epoch, trainLoss, valLoss: Number.NaN, lr: config.lr, steps, best: false, ms: performance.now() - started, warmup: true });
    }
  } finally {
    losses.dispose();
    optimizer.dispose();
  }
  return globalStep;
}

export async function runTraining(task: TrainingTask, config: PredictorConfig, hooks: TrainingHooks = {}): Promise<TrainingSummary> {
  const optimizer = new AdamW(task.variables, { weightDecay: config.weightDecay });
  const plateau = new ReduceLrOnPlateau(config.lr, { patience: config.lrPatience });
  const earlyStopping = new EarlyStopping(config.esPatience);
  const history: EpochRecord[] = [];
  // tfjs never writes a tensor's data in place (assign swaps the buffer), so clones are true
  // snapshots, unlike the state_dict() references eagle keeps.
  let snapshot: tf.Tensor[] | null = null;
  let bestValLoss = Infinity;
  let bestEpoch = -1;
  let stoppedEarly = false;
  const validateAtEndOnly = hooks.validate === 'end';
  if (validateAtEndOnly && (config.schedule !== 'cosine' || config.esPatience !== 0 || config.restoreBest !== 'last-epoch')) {
    throw new Error("validate 'end' needs the cosine schedule, esPatience 0 and restoreBest 'last-epoch' (nothing else reads per-epoch validation)");
  }
  let globalStep: number;
  const losses = new EpochLosses();
  try {
    // The warm-up's steps come first; the main epochs' dropout streams go on after them.
    globalStep = await warmUpHead(task, config, hooks);
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const started = performance.now();
      const lr = config.schedule === 'cosine' ? cosineAnnealingLr(config.lr, epoch, config.epochs) : plateau.lr;
      let steps = 0;
      for (const batch of task.batches(epoch)) {
        const gate = hooks.beforeStep?.();
        if (gate) await gate;
        throwIfAborted(hooks.signal);
        const dropoutSeed = deriveSeed(config.seed, STREAM.dropout, globalStep);
        losses.add(hooks.peers ? await shardedStep(task, hooks.peers, optimizer, batch, dropoutSeed, lr) : localStep(task, optimizer, batch, dropoutSeed, lr));
        steps += 1;
        globalStep += 1;
      }
      const trainLoss = await losses.sum();
      const { loss: valLoss, metrics: valMetrics } = !validateAtEndOnly || epoch === config.epochs - 1 ? await task.validate() : { loss: Number.NaN, metrics: undefined };
      const best = valLoss < bestValLoss;
      if (best) {
        bestValLoss = valLoss;
        bestEpoch = epoch;
        if (config.restoreBest === 'best-copy') {
          if (snapshot) tf.dispose(snapshot);
          snapshot = task.variables.map((variable) => tf.clone(variable));
        }
      }
      const record: EpochRecord = { epoch, trainLoss, valLoss, ...(valMetrics ? { valMetrics } : {}), lr, steps, best, ms: performance.now() - started };
      history.push(record);
      await hooks.onEpoch?.(record);
      if (epoch > SCHEDULE_WARMUP_EPOCHS) {
        if (config.schedule === 'plateau') plateau.step(valLoss);
        if (earlyStopping.step(valLoss)) {
          stoppedEarly = epoch < config.epochs - 1;
          break;
        }
      }
    }
    throwIfAborted(hooks.signal);
    if (snapshot) task.variables.forEach((variable, i) => variable.assign(snapshot![i]));
  } finally {
    losses.dispose();
    if (snapshot) tf.dispose(snapshot);
    optimizer.dispose();
  }
  return { epochsRun: history.length, bestEpoch, bestValLoss, stoppedEarly, restored: config.restoreBest, history };
}
