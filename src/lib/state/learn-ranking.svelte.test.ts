import { describe, expect, it } from 'vitest';
import type { Table } from '../datasets/columns';
import type { ComputeResponse, TrainJob } from '../workers/compute-messages';
import type { ComputeClient } from './compute.svelte';
import { LESSON5_CONFIG_NAME } from '../learn/ranking-lesson';
import { RankingLessonState } from './learn-ranking.svelte';

const ROWS = 300;
function nb201(): Table {
  const col = (f: (r: number) => number) => Float64Array.from({ length: ROWS }, (_, r) => f(r));
  // Cell 7 has no accuracy: it is never trained on nor scored.
  return { id: 'nb201', version: 'v1', rows: ROWS, columns: { index: col((r) => r), ops_code: col((r) => r), c100_valid: col((r) => (r === 7 ? Number.NaN : 40 + (r % 50))) } };
}

/** Trains instantly: the regressor predicts the truth, the BRP its reverse; the first request finds the worker busy. */
class FakeCompute {
  jobs: TrainJob[] = [];
  released: string[] = [];
  busyOnce = true;
  crashed = null;
  #next = 1;
  newRequestId() {
    return this.#next++;
  }
  post() {}
  async request(message: { type: string; job?: TrainJob; predictorId?: string }, options: { onEvent?(event: ComputeResponse): void } = {}): Promise<unknown> {
    if (message.type === 'release-predictor') {
      this.released.push(message.predictorId!);
      return { type: 'released' };
    }
    if (this.busyOnce) {
      this.busyOnce = false;
      throw new Error('A predictor is training or a search is running; wait for it, or cancel it first');
    }
    const job = message.job!;
    this.jobs.push(job);
    options.onEvent?.({ type: 'epoch', requestId: 1, epoch: 0, epochs: job.config.epochs, trainLoss: 1, valLoss: 1, lr: 1, best: true, epochMs: 1, elapsedMs: 1 });
    const indices = Int32Array.from(job.testIndices);
    const truth = Float64Array.from(indices, (i) => job.values[i]);
    const predicted = Float32Array.from(truth, (v) => (job.kind === 'regression' ? v : -v));
    const test = job.kind === 'regression' ? { kind: 'regression', indices, predicted, truth, metrics: {} } : { kind: 'brp', indices, scores: predicted, truth, metrics: {} };
    return { type: 'trained', predictorId: `p-${job.kind}`, summary: {}, result: { wallMs: 5, test } };
  }
}

describe('RankingLessonState', () => {
  it('trains both kinds on the same cells, scores every other cell, and frees both predictors', async () => {
    const compute = new FakeCompute();
    const lesson = new RankingLessonState({ datasets: [], tables: { nb201: nb201() }, compute: compute as unknown as ComputeClient });
    await lesson.start(20, 5);
    expect(lesson.message).toBeNull();
    expect(compute.jobs.map((j) => j.kind)).toEqual(['regression', 'brp']);
    const [reg, brp] = compute.jobs;
    expect(reg.trainIndices).toHaveLength(20);
    expect(brp.trainIndices).toEqual(reg.trainIndices);
    expect(reg.testIndices).toHaveLength(ROWS - 1 - 20);
    expect(reg.testIndices).not.toContain(7);
    expect(reg.config.hidden).toBe(128);
    expect(compute.released).toEqual(['p-regression', 'p-brp']);
    const run = lesson.run!;
    expect([run.size, run.seed]).toEqual([20, 5]);
    // Tagged with its config, so a run kept under another config is not shown as this one's.
    expect(run.config).toBe(LESSON5_CONFIG_NAME);
    expect(run.regression.score.kendall).toBeCloseTo(1);
    expect(run.brp.score.kendall).toBeCloseTo(-1);
    expect(run.regression.score.hits).toBe(run.regression.score.k);
    expect(lesson.status).toBe('idle');
  });
});
