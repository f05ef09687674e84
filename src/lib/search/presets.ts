/**
 * The named settings of the predictor-based searches. `faithful` is eagle's
 * `--iter 5 --sample_best2` run with `acc_gcn_nasbench201_bin.yaml` (spec 4.1, 4.2, 5.1); every
 * other preset is a named deviation, measured against it by `npm run bench:search`.
 */
import { ACCURACY_PRESET, BRP_PRESET, type PredictorConfig } from '../predictor/config';
import type { IterationStep } from './selection';
import type { SearchMethod } from './types';

export interface PredictorSearchPreset {
  /** The predictor trained on the queried cells. */
  kind: 'brp' | 'regression';
  /** Iterations T; each queries budget/T new cells (spec 4.2). */
  iterations: number;
  /**
   * The predictor config. With `schedule: 'eagle'`, `batchSize` and `epochs` are the config's
   * totals that iteration i scales as ⌊batch/T⌋·(i+1) and ⌊epochs/T⌋·(i+1) (spec 4.2).
   */
  config: PredictorConfig;
  /** `eagle`: batch and epochs grow with the iteration (spec 4.2); `constant`: every iteration uses `config` as is. */
  schedule: 'eagle' | 'constant';
  /** Per-epoch validation pass (eagle), or only after the last epoch (nothing reads the others). */
  validate: 'epoch' | 'end';
  /**
   * How cells are ranked (BRP): `comparator` sorts with the pairwise head as eagle does (an
   * inconsistent comparator, TimSort in both CPython and V8); `antisymmetric` ranks by the
   * per-cell score r = s − t, which is exactly the sort by (F(i,j) − F(j,i))/2 (spec 12.5).
   */
  ranking: 'comparator' | 'antisymmetric';
  /**
   * The predictor's targets are the validation accuracies (%) times this: 0.01 turns them into
   * fractions like eagle's normalised pickles (spec 3.3: BRP's soft targets softmax([a, b]) stay
   * near ½); 1 keeps percentages, whose soft targets are far sharper (1 pp apart → 0.73).
   */
  accuracyScale: number;
  /**
   * With a latency limit, iteration 0's predictor starts from the latency GCN that filtered the
   * candidates (all but its final layer) and first trains its fresh head alone for `warmupEpochs`
   * (eagle's `--transfer` with `--warmup`, spec 4 and 5.3); null: a fresh start, also under a limit.
   * A calibrated device has no latency GCN, so its searches always start fresh.
   */
  transfer: { warmupEpochs: number } | null;
  /** One line for people: what this preset is and how it deviates. */
  description: string;
}

/** Eagle's "normalised" accuracy pickles, as fractions (spec 3.3, 13: the exact normalisation is not public). */
const FRACTIONS = 0.01;

/** Eagle keeps the last epoch in memory (its best-epoch restore is by reference, spec 4). */
const EAGLE_BRP: PredictorConfig = { ...BRP_PRESET, restoreBest: 'last-epoch', pairMode: 'per-pair' };

/** The app's default BRP-NAS preset; `lesson` is the same on a narrower GCN. */
const BRP_NAS_FAST: PredictorSearchPreset = {
  kind: 'brp',
  iterations: 5,
  config: { ...BRP_PRESET, pairMode: 'model-groups', batchSize: 8, epochs: 60, esPatience: 0, restoreBest: 'last-epoch', lr: 1e-3 },
  schedule: 'constant',
  validate: 'end',
  ranking: 'antisymmetric',
  accuracyScale: 1,
  transfer: null,
  description: 'the app default: all pairs of groups of 8 models per step (each model embedded once per epoch), 60 warm-started epochs per iteration, targets in %, ranked by the antisymmetric score',
};

export const SEARCH_PRESETS: Record<string, PredictorSearchPreset> = {
  'brp-nas/faithful': {
    kind: 'brp',
    iterations: 5,
    config: EAGLE_BRP,
    schedule: 'eagle',
    validate: 'epoch',
    ranking: 'comparator',
    accuracyScale: FRACTIONS,
    transfer: { warmupEpochs: 50 },
    description: "eagle's --iter 5 --sample_best2 exactly: 250 epochs split 50/100/…/250, batch 12/24/…/60 pairs, every pair embedded (≈ 3 h on a 2-core laptop)",
  },
  'brp-nas/faithful-tenth': {
    kind: 'brp',
    iterations: 5,
    config: { ...EAGLE_BRP, epochs: 25 },
    schedule: 'eagle',
    validate: 'epoch',
    ranking: 'comparator',
    accuracyScale: FRACTIONS,
    transfer: { warmupEpochs: 5 },
    description: "eagle's run with the epochs cut to 1/10 (5/10/…/25), as the official reference runs of reference-numbers.md",
  },
  'brp-nas/fast': BRP_NAS_FAST,
  'brp-nas/lesson': { ...BRP_NAS_FAST, config: { ...BRP_NAS_FAST.config, hidden: 128 }, description: 'the fast preset on a 4 × 128 GCN instead of 4 × 600, so that a lesson answers in seconds' },
  'regression-gcn/faithful': {
    kind: 'regression',
    iterations: 5,
    config: { ...ACCURACY_PRESET, restoreBest: 'last-epoch' },
    schedule: 'eagle',
    validate: 'epoch',
    ranking: 'antisymmetric',
    accuracyScale: FRACTIONS,
    transfer: { warmupEpochs: 50 },
    description: "eagle's accuracy regressor (acc_gcn_nasbench201.yaml) with the same --iter 5 --sample_best2 schedule",
  },
  'regression-gcn/fast': {
    kind: 'regression',
    iterations: 5,
    config: { ...ACCURACY_PRESET, batchSize: 16, epochs: 60, esPatience: 0, restoreBest: 'last-epoch', lr: 1e-3 },
    schedule: 'constant',
    validate: 'end',
    ranking: 'antisymmetric',
    accuracyScale: 1,
    transfer: null,
    description: 'the regressor with the fast BRP schedule: batch 16, 60 warm-started epochs per iteration',
  },
};

/** The presets each method offers, default first. */
export const METHOD_PRESETS: Record<SearchMethod, string[]> = {
  'brp-nas': ['fast', 'faithful-tenth', 'faithful', 'lesson'],
  'regression-gcn': ['fast', 'faithful'],
  'brp-local': ['default'],
  evolution: ['default'],
  'local-search': ['default'],
  random: ['default'],
};

/** The predictor config of one iteration: eagle's schedule scales batch and epochs with it (selection.ts `iterationPlan`). */
export function iterationConfig(preset: PredictorSearchPreset, step: IterationStep, seed: number): PredictorConfig {
  return { ...preset.config, ...(preset.schedule === 'eagle' ? { batchSize: step.batchSize, epochs: step.epochs } : {}), seed };
}
