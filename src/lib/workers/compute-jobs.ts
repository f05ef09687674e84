/**
 * Checks of what the page sends the compute worker, before any of it is used: a train job (names,
 * target, values, op codes, config, cell lists, worker count) and the nb201 op-code column. Each
 * refusal is one message naming the field.
 */
import { validateConfig, type PredictorConfig } from '../predictor/config';
import { checkIndices } from '../predictor/persist';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { TrainJob } from './compute-messages';

/** Most workers one run spreads its batches over (this one included). */
export const MAX_TRAINING_WORKERS = 4;
const MAX_NAME = 200;

/** Throws one message naming the field when `opsCode` is not the nb201 table's ops_code by index. */
export function checkOpsCode(opsCode: unknown, field = 'opsCode'): Float64Array {
  if (!(opsCode instanceof Float64Array) || opsCode.length !== NB201_NUM_CELLS) {
    throw new Error(`${field}: expected a Float64Array of ${NB201_NUM_CELLS} op codes (the nb201 table's ops_code by index)`);
  }
  const seen = new Uint8Array(NB201_NUM_CELLS);
  for (let index = 0; index < NB201_NUM_CELLS; index++) {
    const code = opsCode[index];
    if (!Number.isInteger(code) || code < 0 || code >= NB201_NUM_CELLS) throw new Error(`${field}[${index}]: ${code} is not an op code 0..${NB201_NUM_CELLS - 1}`);
    if (seen[code]) throw new Error(`${field}[${index}]: op code ${code} appears twice (not the nb201 ops_code column)`);
    seen[code] = 1;
  }
  return opsCode;
}

export function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_NAME) throw new Error(`${field}: a name must be 1-${MAX_NAME} characters`);
  return name.trim();
}

interface CheckedJob {
  job: TrainJob;
  config: PredictorConfig;
  opsCode: Float64Array;
}

/** Checks a train job from the page; one message naming the first problem. */
export function checkTrainJob(job: TrainJob): CheckedJob {
  if (typeof job !== 'object' || job === null) throw new Error('train: expected a job object');
  const name = checkName(job.name, 'job.name');
  if (job.kind !== 'regression' && job.kind !== 'brp') throw new Error(`job.kind: must be 'regression' or 'brp', got ${JSON.stringify(job.kind)?.slice(0, 20)}`);
  const t = job.target;
  if (!t || typeof t.datasetId !== 'string' || typeof t.column !== 'string' || typeof t.label !== 'string' || typeof t.unit !== 'string' || typeof t.datasetVersion !== 'string') {
    throw new Error('job.target: expected { datasetId, column, label, unit, datasetVersion } strings');
  }
  if (!(job.values instanceof Float64Array) || job.values.length !== NB201_NUM_CELLS) {
    throw new Error(`job.values: expected a Float64Array of ${NB201_NUM_CELLS} values (one per NB201 index)`);
  }
  const opsCode = checkOpsCode(job.opsCode, 'job.opsCode');
  const config = validateConfig(job.config, 'job.config');
  const lists = {
    trainIndices: checkIndices('job', 'trainIndices', job.trainIndices),
    valIndices: checkIndices('job', 'valIndices', job.valIndices),
    testIndices: checkIndices('job', 'testIndices', job.testIndices),
  };
  for (const [field, indices] of Object.entries(lists)) {
    indices.forEach((index, k) => {
      if (!Number.isFinite(job.values[index])) throw new Error(`job.${field}[${k}]: NB201 cell ${index} has no known ${t.column} value`);
    });
  }
  if (lists.trainIndices.length < (job.kind === 'brp' ? 2 : 1)) throw new Error(`job.trainIndices: a ${job.kind} predictor needs at least ${job.kind === 'brp' ? 2 : 1} training cells`);
  if (job.kind === 'brp' && lists.valIndices.length > 0) throw new Error('job.valIndices: must be empty for a binary relation predictor (it validates on its training pairs)');
  if (job.workers !== undefined && (!Number.isInteger(job.workers) || job.workers < 1 || job.workers > MAX_TRAINING_WORKERS)) {
    throw new Error(`job.workers: must be an integer 1..${MAX_TRAINING_WORKERS} (or absent: chosen from the backend and the cores), got ${JSON.stringify(job.workers)?.slice(0, 20)}`);
  }
  const seen = new Set([...lists.trainIndices, ...lists.valIndices]);
  const leak = lists.testIndices.find((index) => seen.has(index));
  if (leak !== undefined) throw new Error(`job.testIndices: NB201 cell ${leak} is also a training or validation cell`);
  return { job: { ...job, name, ...lists }, config, opsCode };
}
