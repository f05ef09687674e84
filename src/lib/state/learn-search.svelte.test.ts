import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeWithData } from '../../test-support/real-data';
import type { Table } from '../datasets/columns';
import { loadBuiltTables } from '../latency/test-tables';
import { lesson6Settings, SLOW_MOTION_MS } from '../learn/selection-lesson';
import type { ComputeResponse } from '../workers/compute-messages';
import type { SearchJob, SearchResult } from '../workers/search-messages';
import { LessonSearchState } from './learn-search.svelte';
import type { SearchCompute } from './search.svelte';

const ROWS = 40;
function nb201(): Table {
  const col = (f: (r: number) => number) => Float64Array.from({ length: ROWS }, (_, r) => f(r));
  return { id: 'nb201', version: 'v1', rows: ROWS, columns: { index: col((r) => r), ops_code: col((r) => r), c100_valid: col((r) => 50 + r), c100_test: col((r) => 50.5 + r) } };
}

function searched(requestId: number, queried: number[]): ComputeResponse {
  return {
    type: 'searched',
    requestId,
    result: {
      settings: lesson6Settings(queried.length, 0),
      queried,
      trace: Int32Array.from(queried),
      scores: null,
      metrics: { testOfBestValid: 1, maxTest: 1, regretValid: 0, foundGlobalBest: false, queriesToGlobalBest: null, tracePositionOfGlobalBest: null, kendall: null },
      filter: null,
      hypervolume: null,
      iterations: [],
      wallMs: 1,
      backend: 'wasm',
    } satisfies SearchResult,
  };
}

/** The method's search: one iteration (select, train, rank), then it waits for the test to finish it. */
class FakeCompute implements SearchCompute {
  jobs: SearchJob[] = [];
  posted: string[] = [];
  emit: (event: ComputeResponse) => void = () => undefined;
  finish: () => void = () => undefined;
  #next = 1;
  newRequestId() {
    return this.#next++;
  }
  post(message: { type: string }) {
    this.posted.push(message.type);
  }
  request(message: { type: 'search'; requestId: number; job: SearchJob }, options: { onEvent?(event: ComputeResponse): void } = {}): Promise<ComputeResponse> {
    this.jobs.push(message.job);
    const { requestId, job } = message;
    if (job.settings.method === 'random') return Promise.resolve(searched(requestId, [1, 2, 3, 4]));
    this.emit = (event) => options.onEvent?.(event);
    return new Promise((resolve) => (this.finish = () => resolve(searched(requestId, [39, 38, 37, 36]))));
  }
}

function progress(phase: 'select' | 'train' | 'rank', iteration = 0): ComputeResponse {
  return { type: 'search-progress', requestId: 2, iteration, iterations: 5, phase, queried: 0, elapsedMs: 0, etaMs: null };
}

afterEach(() => void vi.useRealTimers());

describe('LessonSearchState', () => {
  it('runs random search on the same seed and budget first, then the method, stepping when asked', async () => {
    const compute = new FakeCompute();
    const state = new LessonSearchState({ datasets: [], tables: { nb201: nb201() }, calibrated: { predictors: [] }, compute });
    const done = state.start(lesson6Settings(20, 3), null, true);
    await vi.waitFor(() => expect(compute.jobs).toHaveLength(2));
    expect(compute.jobs.map((j) => [j.settings.method, j.settings.budget, j.settings.seed])).toEqual([
      ['random', 20, 3],
      ['brp-nas', 20, 3],
    ]);
    expect(compute.posted).toEqual(['step']);
    expect(state.randomQueried).toEqual([1, 2, 3, 4]);
    compute.emit(progress('select'));
    compute.emit(progress('train'));
    expect(state.phase).toBe('train');
    compute.emit({ type: 'paused', requestId: 2 });
    expect(state.status).toBe('paused');
    expect(state.playing).toBe(false);
    compute.finish();
    await done;
    expect(state.status).toBe('idle');
    expect(state.queried).toEqual([39, 38, 37, 36]);
    // Cell r scores 50.5 + r % test: the best so far after each query.
    expect(state.curve(state.queried)).toEqual([89.5, 89.5, 89.5, 89.5]);
    expect(state.curve(state.randomQueried)).toEqual([51.5, 52.5, 53.5, 54.5]);
  });

  it('in slow motion lights each phase for a while, then steps on by itself', async () => {
    vi.useFakeTimers();
    const compute = new FakeCompute();
    const state = new LessonSearchState({ datasets: [], tables: { nb201: nb201() }, calibrated: { predictors: [] }, compute });
    state.setSlow(true);
    void state.start(lesson6Settings(20, 0), null);
    await vi.waitFor(() => expect(compute.jobs).toHaveLength(2));
    expect(compute.posted).toEqual(['step']);
    compute.emit(progress('select'));
    compute.emit(progress('train'));
    compute.emit(progress('rank'));
    compute.emit({ type: 'paused', requestId: 2 });
    const seen = [state.phase];
    for (let k = 0; k < 3; k++) {
      vi.advanceTimersByTime(SLOW_MOTION_MS);
      seen.push(state.phase);
    }
    expect(seen).toEqual(['select', 'query', 'train', 'rank']);
    // Between two iterations slow-motion play still counts as playing (it goes on by itself).
    expect([state.status, state.playing]).toEqual(['paused', true]);
    expect(compute.posted).toEqual(['step']);
    vi.advanceTimersByTime(2 * SLOW_MOTION_MS + 400);
    expect(compute.posted).toEqual(['step', 'step']);
    compute.finish();
  });
});

const built = loadBuiltTables();
describeWithData(built !== null, 'the built tables in public/datasets (npm run datasets)', 'LessonSearchState on the real tables', () => {
  it('filters a table device by its few-shot calibration, fitted once, and checks it on the table', () => {
    const state = new LessonSearchState({ datasets: built!.datasets as never, tables: built!.tables, calibrated: { predictors: [] }, compute: new FakeCompute() });
    const id = 'latbench:mobile_cpu_sd855_kryo485_int8';
    const source = state.filterSourceOf(id)!;
    const table = state.latencyOf(id)!.values;
    expect(Array.from(source.truth!)).toEqual(Array.from(table));
    expect(source.predictor).toMatch(/few-shot calibration \(\w+\) from its 20 reference cells, \d+ % of its other cells within ±10 %$/);
    const differs = Array.from(table).filter((v, i) => v > 0 && Math.abs(source.predicted![i] / v - 1) > 1e-6).length;
    expect(differs).toBeGreaterThan(10_000);
    expect(state.filterSourceOf(id)).toBe(source);
    expect(state.latencyOf(id)!.source).toBeNull();
  });
});
