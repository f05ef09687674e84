/**
 * The vocabulary of the search room: what a search is asked to do, what it sees (the oracle),
 * and what it returns. Cells are NB201 indices 0..15,624 (the key of every NB201 table).
 */

/** Which NB201 accuracy the oracle serves. CIFAR-10 has no validation split in our tables: it selects on test. */
export type SearchDataset = 'cifar100' | 'cifar10' | 'imagenet16-120';

/** Every method the app can run. `brp-local` is this app's own predictor-guided method (not in the paper). */
export type SearchMethod = 'brp-nas' | 'regression-gcn' | 'evolution' | 'local-search' | 'random' | 'brp-local';

/** The nb201 table columns each dataset reads: what the search sees, and what is reported. */
export const DATASET_COLUMNS: Record<SearchDataset, { valid: string; test: string; label: string }> = {
  cifar100: { valid: 'c100_valid', test: 'c100_test', label: 'CIFAR-100' },
  cifar10: { valid: 'c10_test', test: 'c10_test', label: 'CIFAR-10 (no validation split: selects on test)' },
  'imagenet16-120': { valid: 'in16_valid', test: 'in16_test', label: 'ImageNet16-120' },
};

/**
 * The benchmark as a table lookup. A query returns `valid[index]` (what a search may use); the
 * reported number of a search is `test[index]` of the cell it would return. NaN = not in the space.
 */
export interface SearchOracle {
  /** Validation accuracy per NB201 index (%). */
  valid: Float64Array;
  /** Test accuracy per NB201 index (%). */
  test: Float64Array;
}

/** A latency limit: only cells whose (predicted) latency is at most `ms` are candidates. */
export interface LatencyConstraint {
  /** Table device column or calibrated device id, as shown to the user. */
  device: string;
  /** The limit (ms). */
  ms: number;
}

/**
 * The latencies a constrained or Pareto search uses, per NB201 index (ms, NaN = unknown): the
 * predictor's (what filters candidates, as the paper does) and, where known, the truth (what
 * the report checks the filter against: a table column or the visitor's own measurements).
 */
export interface LatencySource {
  /** null: the compute worker trains a latency GCN on 900 cells of `truth` first (spec 5.3). */
  predicted: Float64Array | null;
  truth: Float64Array | null;
  /**
   * Without a truth, the latencies measured on the device (ms, NaN where not measured): for a
   * calibrated device, the cells the visitor timed. The filter report counts errors on these.
   */
  measured?: Float64Array | null;
  /** What made `predicted`, in words (e.g. "latency GCN, fast preset, 900 cells"). */
  predictor: string;
}

/** What one run reports (accuracies in %, as in the tables). */
export interface SearchMetrics {
  /** Test accuracy of the queried cell with the best validation accuracy (that truly meets the limit). */
  testOfBestValid: number;
  /** Best test accuracy among the queried cells (that truly meet the limit). */
  maxTest: number;
  /** Best validation accuracy of the space (within the true limit) minus the best one queried (pp). */
  regretValid: number;
  /** Whether the cell with the best validation accuracy (within the true limit) was queried. */
  foundGlobalBest: boolean;
  /** 1-based query count at which it was first queried; null if not within the budget. */
  queriesToGlobalBest: number | null;
  /** 1-based position of the global best in the search trace (may lie beyond the budget); null when the trace does not reach it. */
  tracePositionOfGlobalBest: number | null;
  /** Kendall τ-b of the final predicted ranking against the oracle over all cells; null for methods without a predictor. */
  kendall: number | null;
}

/** How well a latency filter matched the truth (counts of cells). */
export interface FilterReport {
  /** Cells the predictor admits (predicted ≤ limit). */
  admitted: number;
  /** Admitted cells whose true latency is above the limit. */
  wronglyAdmitted: number;
  /** Cells truly within the limit that the predictor drops. */
  wronglyDropped: number;
  /** Cells truly within the limit (with a known truth). */
  trulyWithin: number;
  /** Cells whose true latency is known: the whole space for a table, the measured cells for a calibrated device. */
  known: number;
  /** Where the true latencies came from. */
  against: 'table' | 'measured';
}
