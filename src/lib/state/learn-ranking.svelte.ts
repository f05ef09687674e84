/**
 * Lesson 5's runs: a regression GCN and a binary relation predictor trained on the same few cells
 * in the compute worker (small lesson config), both then scored on every other cell, and their
 * rankings compared. The worker's copies are released once the scores are back.
 */
import { columnByIndex } from '../datasets/by-index';
import type { Table } from '../datasets/columns';
import type { StoredDataset } from '../db/schema';
import { LESSON5_CONFIG_NAME, lesson5Config, lesson5Split, rankingScore, type RankingScore } from '../learn/ranking-lesson';
import { indicesWithValues } from '../predictor/splits';
import { NB201_NUM_CELLS } from '../spaces/nb201';
import type { TrainJob } from '../workers/compute-messages';
import type { ComputeClient } from './compute.svelte';

interface LessonSource {
  readonly datasets: StoredDataset[];
  readonly tables: Record<string, Table>;
  readonly compute: ComputeClient;
}

export interface KindResult {
  /** The scored cells (every cell but the training ones), their scores (higher = predicted better) and true accuracy (%). */
  indices: Int32Array;
  scores: Float32Array;
  truth: Float64Array;
  score: RankingScore;
  /** Training wall time (ms). */
  wallMs: number;
}

export interface RankingRun {
  /** The config it was trained with ({@link LESSON5_CONFIG_NAME}): a run kept under another config is not shown as this one's. */
  config: string;
  size: number;
  seed: number;
  train: number[];
  regression: KindResult;
  brp: KindResult;
}

/** Tries of a training (500 ms apart) while the worker ends another job. */
const BUSY_RETRIES = 6;

/** The accuracy both predictors learn. */
const TARGET = { datasetId: 'nb201', column: 'c100_valid', label: 'CIFAR-100 validation accuracy', unit: '%' } as const;

export class RankingLessonState {
  status = $state<'idle' | 'training'>('idle');
  /** Which predictor trains now, and its epoch. */
  training = $state<{ kind: 'regression' | 'brp'; epoch: number; epochs: number } | null>(null);
  run = $state.raw<RankingRun | null>(null);
  message = $state<string | null>(null);

  readonly #source: LessonSource;
  #requestId = 0;
  #cancelled = false;

  constructor(source: LessonSource) {
    this.#source = source;
  }

  /** Trains both predictors on `size` cells drawn with `seed`, then scores every other cell. */
  async start(size: number, seed: number): Promise<void> {
    if (this.status !== 'idle') return;
    const nb201 = this.#source.tables.nb201;
    if (!nb201?.columns[TARGET.column]) return void (this.message = 'The NB201 table is not loaded yet.');
    this.message = null;
    this.#cancelled = false;
    this.status = 'training';
    try {
      const values = columnByIndex(nb201, TARGET.column, NB201_NUM_CELLS);
      const split = lesson5Split(indicesWithValues(values), size, seed);
      const base = {
        target: { ...TARGET, datasetVersion: this.#source.datasets.find((d) => d.id === 'nb201')?.version ?? '' },
        values,
        opsCode: columnByIndex(nb201, 'ops_code', NB201_NUM_CELLS),
        trainIndices: split.train,
        valIndices: [],
        testIndices: split.test,
      };
      const regression = await this.#train({ ...base, name: `Lesson 5 regression · ${size} cells · seed ${seed}`, kind: 'regression', config: lesson5Config('regression', seed) });
      if (!regression) return;
      const brp = await this.#train({ ...base, name: `Lesson 5 BRP · ${size} cells · seed ${seed}`, kind: 'brp', config: lesson5Config('brp', seed) });
      if (!brp) return;
      this.run = { config: LESSON5_CONFIG_NAME, size, seed, train: split.train, regression, brp };
    } catch (error) {
      this.message = (error as Error).message;
    } finally {
      this.status = 'idle';
      this.training = null;
    }
  }

  cancel(): void {
    this.#cancelled = true;
    if (this.#requestId) this.#source.compute.post({ type: 'cancel', requestId: this.#requestId });
  }

  async #train(job: TrainJob): Promise<KindResult | null> {
    if (this.#cancelled) return null;
    const compute = this.#source.compute;
    const requestId = (this.#requestId = compute.newRequestId());
    this.training = { kind: job.kind, epoch: 0, epochs: job.config.epochs };
    const send = () =>
      compute.request(
        { type: 'train', requestId, job },
        {
          expect: ['trained', 'cancelled'],
          onEvent: (event) => {
            if (event.type === 'epoch') this.training = { kind: job.kind, epoch: event.epoch + 1, epochs: event.epochs };
          },
        },
      );
    // The worker runs one job at a time: a lesson left a moment ago may still be ending its own.
    let answer: Awaited<ReturnType<typeof send>> | undefined;
    for (let attempt = 0; !answer; attempt++) {
      try {
        answer = await send();
      } catch (error) {
        if (attempt >= BUSY_RETRIES || compute.crashed || !/already training|search is running/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    this.#requestId = 0;
    if (answer.type === 'cancelled') {
      this.message = 'Training cancelled.';
      return null;
    }
    // The lesson keeps the scores, not the model: free the worker's copy.
    void compute.request({ type: 'release-predictor', predictorId: answer.predictorId }, { expect: 'released' }).catch(() => undefined);
    const test = answer.result.test;
    if (!test) throw new Error('the worker scored no cells');
    const scores = test.kind === 'regression' ? test.predicted : test.scores;
    return { indices: test.indices, scores, truth: test.truth, score: rankingScore(scores, test.truth), wallMs: answer.result.wallMs };
  }
}
