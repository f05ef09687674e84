import { describe, expect, it } from 'vitest';
import { LATENCY_PRESET } from '../predictor/config';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import { checkOpsCode, checkTrainJob, MAX_TRAINING_WORKERS } from './compute-jobs';
import type { TrainJob } from './compute-messages';

const opsCode = Float64Array.from({ length: NB201_NUM_CELLS }, (_, index) => (index * 7 + 3) % NB201_NUM_CELLS);
const values = Float64Array.from({ length: NB201_NUM_CELLS }, (_, index) => 1 + (index % 13));

function job(overrides: Partial<TrainJob> = {}): TrainJob {
  return {
    name: '  latency  ',
    kind: 'regression',
    target: { datasetId: 'synthetic', column: 'cost', label: 'op cost', unit: 'ms', datasetVersion: 'v1' },
    values,
    opsCode,
    trainIndices: [1, 2, 3],
    valIndices: [4],
    testIndices: [5, 6],
    config: LATENCY_PRESET,
    ...overrides,
  };
}

describe('checkOpsCode', () => {
  it('accepts the nb201 op-code column and names what is wrong with anything else', () => {
    expect(checkOpsCode(opsCode)).toBe(opsCode);
    expect(() => checkOpsCode(new Float64Array(3))).toThrow('opsCode: expected a Float64Array of 15625 op codes');
    const outOfRange = opsCode.slice();
    outOfRange[2] = NB201_NUM_CELLS;
    expect(() => checkOpsCode(outOfRange, 'job.opsCode')).toThrow(`job.opsCode[2]: ${NB201_NUM_CELLS} is not an op code 0..15624`);
  });
});

describe('checkTrainJob', () => {
  it('returns the job with its name trimmed, the checked config and the op codes', () => {
    const checked = checkTrainJob(job());
    expect(checked.job.name).toBe('latency');
    expect(checked.job.trainIndices).toEqual([1, 2, 3]);
    expect(checked.config).toEqual(LATENCY_PRESET);
    expect(checked.opsCode).toBe(opsCode);
  });

  it('refuses a bad name, kind, target, training size or worker count with one message naming the field', () => {
    expect(() => checkTrainJob(job({ name: ' ' }))).toThrow('job.name: a name must be 1-200 characters');
    expect(() => checkTrainJob(job({ kind: 'gcn' as TrainJob['kind'] }))).toThrow(`job.kind: must be 'regression' or 'brp', got "gcn"`);
    expect(() => checkTrainJob(job({ target: { ...job().target, unit: 3 as unknown as string } }))).toThrow('job.target: expected { datasetId, column, label, unit, datasetVersion } strings');
    expect(() => checkTrainJob(job({ kind: 'brp', valIndices: [], trainIndices: [1] }))).toThrow('job.trainIndices: a brp predictor needs at least 2 training cells');
    expect(() => checkTrainJob(job({ workers: MAX_TRAINING_WORKERS + 1 }))).toThrow(/^job.workers: must be an integer 1..4/);
    expect(checkTrainJob(job({ workers: MAX_TRAINING_WORKERS })).job.workers).toBe(MAX_TRAINING_WORKERS);
  });
});
