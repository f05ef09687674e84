/**
 * Messages between the page and the compute worker (`compute.worker.ts`, behaviour in
 * `compute-handler.ts`). Every request but `init` carries a `requestId` chosen by the page; every
 * answer to it echoes that id. `pause`, `resume` and `cancel` name the `requestId` of the `train`
 * request they act on, and are ignored when that job is no longer running (it just finished).
 *
 * Cells are NB201 indices (0..15,624), the key of every NB201 table. The worker encodes a cell
 * from its op code, which is NOT its index: the page sends the `nb201` table's `ops_code` column
 * spread by index (`opsCode[index]`), once with each `train` job (and with `predict-all` when no
 * job has sent it yet). The worker keeps the last one it received.
 */
import type { BackendName, BackendReport } from '../compute/backend';
import type { PredictorSummary } from '../db/predictors';
import type { PredictorConfig } from '../predictor/config';
import type { ValidationMetrics } from '../predictor/loop';
import type { PredictionTarget } from '../predictor/persist';
import type { BrpTestMetrics, RegressionTestMetrics } from '../predictor/test-metrics';
import type { SearchRequest, SearchResponse } from './search-messages';

export type { PredictorSummary } from '../db/predictors';
export type { PredictionTarget, PredictorProvenance } from '../predictor/persist';
export type { BrpTestMetrics, RegressionTestMetrics, WithinBands } from '../predictor/test-metrics';

/** One training run, as the Train view starts it. */
export interface TrainJob {
  /** Name shown in lists and stored with the predictor. */
  name: string;
  /** 'regression': predicts the target's value; 'brp': learns which of two cells scores higher. */
  kind: 'regression' | 'brp';
  /** The column trained on, and the stored dataset's `version` it was read from. */
  target: PredictionTarget & { datasetVersion: string };
  /** Target value per NB201 index (15,625 entries, NaN = unknown). BRP: higher = better. */
  values: Float64Array;
  /** The `nb201` table's `ops_code` per NB201 index (15,625 entries, a permutation of 0..15,624). */
  opsCode: Float64Array;
  /** NB201 indices to train on; every one needs a known value. */
  trainIndices: number[];
  /**
   * Regression: cells whose L1 sum picks the best epoch and drives the LR plateau and early
   * stopping; empty = the training cells (as eagle's `--iter`). BRP: must be empty (it validates
   * on its training pairs, as eagle does).
   */
  valIndices: number[];
  /** Cells the finished predictor is scored on (may be empty); must not overlap the training cells. */
  testIndices: number[];
  /** Architecture and optimisation; `config.seed` seeds weights, shuffling and dropout. */
  config: PredictorConfig;
  /**
   * Workers that compute each batch, the compute worker included (1..4; data-parallel training,
   * see predictor/parallel.ts). Absent: chosen from the backend and the cores
   * (`autoTrainingWorkers`). Results are reproducible for a given seed and worker count.
   */
  workers?: number;
}

export interface TrainResult {
  /** Training wall time without pauses (ms), encoding and test scoring excluded. */
  wallMs: number;
  backend: BackendName;
  /** Workers that computed each batch (1 = the compute worker alone). */
  workers: number;
  epochsRun: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  /** null when `testIndices` was empty. */
  test:
    | { kind: 'regression'; indices: Int32Array; predicted: Float32Array; truth: Float64Array; metrics: RegressionTestMetrics }
    | { kind: 'brp'; indices: Int32Array; /** rank score r per test cell, higher = predicted better */ scores: Float32Array; truth: Float64Array; metrics: BrpTestMetrics }
    | null;
}

/** Page → compute worker. */
export type ComputeRequest =
  /** Choose the tfjs backend (optionally the user's choice); answered by `backend`. Training without it uses the default choice. */
  | { type: 'init'; override?: BackendName }
  /** Train one predictor; answered by `epoch` events, then `trained`, `cancelled` or `error`. One job at a time. */
  | { type: 'train'; requestId: number; job: TrainJob }
  /** Hold the running job before its next optimizer step; answered by `paused`. */
  | { type: 'pause'; requestId: number }
  | { type: 'resume'; requestId: number }
  /** Stop the running job (the half-trained model is freed); the job answers `cancelled`. */
  | { type: 'cancel'; requestId: number }
  /** Value (regression) or rank score r (BRP) of every NB201 cell; answered by `predictions`. */
  | { type: 'predict-all'; requestId: number; predictorId: string; opsCode?: Float64Array }
  /** Store a predictor held in the worker (trained or loaded), optionally renamed; answered by `saved`. */
  | { type: 'save'; requestId: number; predictorId: string; name?: string }
  /** Summaries of the saved predictors; answered by `predictor-list`. */
  | { type: 'list-predictors'; requestId: number }
  /** Bring a saved predictor into the worker's memory; answered by `loaded`. */
  | { type: 'load-predictor'; requestId: number; id: string }
  /** Remove a saved predictor (and the worker's copy); answered by `deleted`. */
  | { type: 'delete-predictor'; requestId: number; id: string }
  /** The export file (JSON text) of a predictor held or saved; answered by `exported`. */
  | { type: 'export-predictor'; requestId: number; id: string }
  /** Check, store and hold a predictor file; answered by `imported` or an `error` naming what is wrong. */
  | { type: 'import-predictor'; requestId: number; text: string }
  /** Free the worker's copy of a predictor (a saved one stays saved); answered by `released`. */
  | { type: 'release-predictor'; requestId: number; predictorId: string }
  | SearchRequest;

/** Compute worker → page. */
export type ComputeResponse =
  | { type: 'backend'; report: BackendReport }
  | {
      type: 'epoch';
      requestId: number;
      /** 0-based epoch index. */
      epoch: number;
      /** The config's maximum. */
      epochs: number;
      trainLoss: number;
      valLoss: number;
      /** Regression: Spearman and ±10 % (eagle) on the validation cells; BRP: pair accuracy on the training pairs. */
      valMetrics?: ValidationMetrics;
      lr: number;
      /** True when valLoss is the lowest so far. */
      best: boolean;
      /** This epoch's wall time (ms). */
      epochMs: number;
      /** Since the job started, pauses excluded (ms). */
      elapsedMs: number;
    }
  | { type: 'paused'; requestId: number }
  | { type: 'resumed'; requestId: number }
  | { type: 'cancelled'; requestId: number }
  /** The predictor is held in the worker under `summary.id` (not yet saved). */
  | { type: 'trained'; requestId: number; predictorId: string; summary: PredictorSummary; result: TrainResult }
  | { type: 'predictions'; requestId: number; predictorId: string; kind: 'regression' | 'brp'; values: Float32Array }
  | { type: 'saved'; requestId: number; summary: PredictorSummary }
  /** `held`: ids the worker has in memory (saved or not). `problems`: unreadable saved records. `notice`: why saving only lasts this tab. */
  | { type: 'predictor-list'; requestId: number; predictors: PredictorSummary[]; held: string[]; problems: string[]; notice?: string }
  | { type: 'loaded'; requestId: number; summary: PredictorSummary }
  | { type: 'deleted'; requestId: number; id: string; deleted: boolean }
  | { type: 'exported'; requestId: number; id: string; fileName: string; text: string }
  | { type: 'imported'; requestId: number; summary: PredictorSummary }
  | { type: 'released'; requestId: number; predictorId: string; released: boolean }
  /** A request failed (its other answer will not come); `init` failures carry no requestId. */
  | { type: 'error'; requestId?: number; message: string }
  | SearchResponse;

/**
 * The answers that are events of a request (it goes on); every other answer carrying the
 * request's id ends it (rpc.ts). The search's `search-progress` and `search-iteration` are
 * events; its `searched` ends it.
 */
export const COMPUTE_EVENTS = new Set(['epoch', 'paused', 'resumed', 'search-progress', 'search-iteration'] as const satisfies readonly ComputeResponse['type'][]);
export type ComputeEventType = typeof COMPUTE_EVENTS extends Set<infer T> ? T : never;
