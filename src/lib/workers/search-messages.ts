/**
 * Search messages between the page and the compute worker (behaviour in `search-handler.ts`).
 * They are part of `ComputeRequest` / `ComputeResponse`: the search runs in the compute worker
 * beside the predictors. `pause`, `resume`, `cancel` (compute-messages.ts) and `step` name the
 * `requestId` of the running search.
 */
import type { BackendName } from '../compute/backend';
import type { PackedPredictor } from '../predictor/persist';
import type { FilterReport, LatencyConstraint, LatencySource, SearchDataset, SearchMethod, SearchMetrics, SearchOracle } from '../search/types';

/** What the user chose; together with the tables it fixes the whole run (same settings, same trace). */
export interface SearchSettings {
  method: SearchMethod;
  /**
   * The method's preset (search/presets.ts): brp-nas `faithful` (eagle's epochs), `faithful-tenth`
   * (eagle's schedule at 1/10 of the epochs, as the official reference runs) or `fast` (the app's
   * default); regression-gcn `faithful` or `fast`; the others `default`.
   */
  config: string;
  dataset: SearchDataset;
  /** Queries (unique cells whose accuracy the search reads), 1..15,625. */
  budget: number;
  /** Unsigned 32-bit integer. */
  seed: number;
  /** Latency limit; null = none. Needs `SearchJob.latency`. */
  constraint: LatencyConstraint | null;
  /** Pareto mode: accuracy against latency, reported as hypervolume. Needs `SearchJob.latency`. */
  pareto: boolean;
}

/** One search, as the Search view (or the bench) starts it. */
export interface SearchJob {
  settings: SearchSettings;
  /** The dataset's columns spread by NB201 index (DATASET_COLUMNS). */
  oracle: SearchOracle;
  /** The nb201 table's `ops_code` per NB201 index (as TrainJob.opsCode). */
  opsCode: Float64Array;
  /** Required with a constraint or Pareto mode; null otherwise. */
  latency: LatencySource | null;
  /** Go on from the last finished iteration of an earlier run of these same settings. */
  resume?: SearchCheckpoint;
}

/** Everything needed to go on after the iteration `iteration` finished (stored in IndexedDB). */
export interface SearchCheckpoint {
  settings: SearchSettings;
  /** Iterations finished (count); the next one to run has this index. */
  iteration: number;
  /** Cells queried so far, in query order. */
  queried: number[];
  /** The predictor after that iteration (predictor-based methods), to warm-start the next one. */
  predictor: PackedPredictor | null;
  /** Method state the next iteration needs besides the above (e.g. local search's current cell), JSON-able. */
  state: Record<string, unknown> | null;
  /** Search wall time so far, pauses excluded (ms). */
  elapsedMs: number;
  /**
   * The predicted latency per NB201 index (ms) that filtered this run's candidates, when the worker
   * trained the latency GCN itself: send it back on resume so it is not trained again.
   */
  latencyPredicted?: Float64Array;
}

/** What one finished iteration did (for the live view and the report). */
export interface SearchIterationRecord {
  iteration: number;
  /** Cells this iteration queried, in order. */
  queried: number[];
  /** Kendall τ-b of the predictor's ranking of all cells against the oracle after this iteration; null without a predictor. */
  rankingKendall: number | null;
  /** Best validation accuracy queried so far (%), and that cell's test accuracy (%). */
  bestValid: number;
  testOfBestValid: number;
  /** Wall time of this iteration (ms). */
  ms: number;
  /** Wall time of the last ranking of every cell in this iteration (ms); absent when none ran. */
  rankMs?: number;
}

export interface SearchResult {
  settings: SearchSettings;
  /** Every query in order (unique cells). */
  queried: number[];
  /**
   * The search trace: the queried cells in order, then every other candidate in predicted order
   * (best first); for methods without a predictor, the queried cells alone.
   */
  trace: Int32Array;
  /** The final predictor's score per NB201 index (higher = predicted better); null without a predictor. */
  scores: Float32Array | null;
  metrics: SearchMetrics;
  /** The latency filter against the truth; null without a constraint (or without a truth). */
  filter: FilterReport | null;
  /** Pareto mode: hypervolume of the queried cells' true front and of the true front of the space. */
  hypervolume: { queried: number; best: number; ratio: number } | null;
  /** Iteration 0's predictor started from the latency GCN with this head warm-up (spec 5.3); null: a fresh start. Absent in runs saved before it existed. */
  transfer?: { warmupEpochs: number } | null;
  iterations: SearchIterationRecord[];
  /** Search wall time, pauses excluded (ms). */
  wallMs: number;
  backend: BackendName;
}

/** Page → compute worker. */
export type SearchRequest =
  /** Run a search; answered by `search-progress` and `search-iteration` events, then `searched`, `cancelled` or `error`. One job at a time (shared with training). */
  | { type: 'search'; requestId: number; job: SearchJob }
  /** Run the paused search until its next iteration ends, then pause again (answered by `resumed`, later `paused`). */
  | { type: 'step'; requestId: number };

/** Compute worker → page. */
export type SearchResponse =
  | {
      type: 'search-progress';
      requestId: number;
      iteration: number;
      iterations: number;
      /** What the search is doing now. */
      phase: 'latency' | 'train' | 'rank' | 'select';
      /** Training epoch within the phase (0-based) and the phase's epochs, when training. */
      epoch?: number;
      epochs?: number;
      /** Queries so far. */
      queried: number;
      elapsedMs: number;
      /** Estimated time left (ms), null until it can be told. */
      etaMs: number | null;
    }
  | { type: 'search-iteration'; requestId: number; record: SearchIterationRecord; checkpoint: SearchCheckpoint }
  | { type: 'searched'; requestId: number; result: SearchResult };
