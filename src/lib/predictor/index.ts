/**
 * The GCN predictors of BRP-NAS: a latency/accuracy regressor and the binary relation
 * predictor, trained in tfjs on any backend, plus the metrics used to judge them.
 * Pure TypeScript: no DOM, no Svelte. The caller picks the tfjs backend.
 */
export { ACCURACY_PRESET, BRP_PRESET, LATENCY_FAST_PRESET, LATENCY_PRESET, LATENCY_THOROUGH_PRESET, validateConfig } from './config.ts';
export type { LrSchedule, PairMode, PredictorConfig, RestoreBest } from './config.ts';
export type { GraphEncoding } from './graphs.ts';
export type { EpochRecord, TrainingHooks, TrainingSummary } from './loop.ts';
export { trainBrp, trainRegressor } from './train.ts';
export type { BrpInput, RegressorInput } from './train.ts';
export { restorePredictor, SERIALIZED_FORMAT, SERIALIZED_VERSION } from './predictor.ts';
export type { BrpPredictor, BrpScores, Normalisation, Predictor, RegressionPredictor, SerializedPredictor } from './predictor.ts';
export { averageRanks, kendallTauB, mae, pearson, precisionAtK, rmse, spearman, withinPct } from './metrics.ts';
export { regressionStepFlops } from './flops.ts';
export {
  base64ToFloat32,
  checkProvenance,
  float32ToBase64,
  MAX_PREDICTOR_FILE_CHARS,
  packPredictor,
  PREDICTOR_FILE_FORMAT,
  PREDICTOR_FILE_VERSION,
  readPredictorFile,
  restoreNb201Predictor,
  restorePacked,
  writePredictorFile,
} from './persist.ts';
export type { PackedPredictor, PredictionTarget, PredictorFileContent, PredictorProvenance } from './persist.ts';
