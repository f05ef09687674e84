import type { Predictor } from '../predictor/predictor';
import { describe, expect, test } from 'vitest';
import { checkSearchSettings, plannedIterations, runSearch, type SearchRunHost } from './run-search';
import type { SearchJob, SearchSettings } from '../workers/search-messages';

const settings: SearchSettings = { method: 'random', config: 'default', dataset: 'cifar100', budget: 100, seed: 1, constraint: null, pareto: false };
const latency = { predicted: new Float64Array(15625).fill(1), truth: null, predictor: 'test' };

describe('checkSearchSettings', () => {
  test.each([
    [{ budget: 0 }, /Budget: a whole number of queries from 1 to 15,625/],
    [{ budget: 15626 }, /Budget/],
    [{ budget: 2.5 }, /Budget/],
    [{ seed: -1 }, /Seed/],
    [{ method: 'nope' }, /Method: choose one of/],
    [{ method: 'brp-nas', config: 'default' }, /Preset: brp-nas offers fast, faithful-tenth, faithful/],
    [{ method: 'brp-nas', config: 'fast', budget: 8 }, /at least 10/],
    [{ dataset: 'mnist' }, /Dataset/],
  ])('refuses %j with one message', (patch, message) => {
    expect(() => checkSearchSettings({ ...settings, ...patch } as SearchSettings, null)).toThrow(message);
  });

  test('a limit or Pareto mode needs a latency source; Pareto mode needs a method that trades the two off', () => {
    expect(() => checkSearchSettings({ ...settings, constraint: { device: 'x', ms: 1 } }, null)).toThrow(/no latency source/);
    expect(() => checkSearchSettings({ ...settings, pareto: true }, null)).toThrow(/no latency source/);
    expect(() => checkSearchSettings({ ...settings, method: 'local-search', pareto: true }, latency)).toThrow(/one objective/);
    expect(() => checkSearchSettings({ ...settings, pareto: true, constraint: { device: 'x', ms: 1 } }, latency)).toThrow(/one or the other/);
    expect(() => checkSearchSettings({ ...settings, pareto: true }, latency)).not.toThrow();
  });

  test('plans the iterations a run reports progress against', () => {
    expect(plannedIterations({ ...settings, method: 'brp-nas', config: 'faithful' })).toBe(5);
    expect(plannedIterations({ ...settings, method: 'brp-local', config: 'default' })).toBe(1 + 18);
    expect(plannedIterations(settings)).toBe(1);
  });
});

describe('runSearch with a baseline', () => {
  const valid = Float64Array.from({ length: 15625 }, (_, i) => ((i * 7919) % 1000) / 10);
  const opsCode = Float64Array.from({ length: 15625 }, (_, i) => i);
  const host = { onIteration: () => undefined, elapsedMs: () => 0 } as unknown as SearchRunHost;

  test('a latency limit keeps the queries to the predicted-fast cells and reports the filter against the truth', async () => {
    const predicted = Float64Array.from({ length: 15625 }, (_, i) => (i % 10) / 10 + 0.05); // 0.05 … 0.95 ms
    const truth = Float64Array.from(predicted, (p, i) => (i % 7 === 0 ? p + 0.3 : p));
    const job: SearchJob = { settings: { ...settings, constraint: { device: 'dev', ms: 0.5 } }, oracle: { valid, test: valid }, opsCode, latency: { predicted, truth, predictor: 'test' } };
    const result = await runSearch(job, host);
    expect(result.queried).toHaveLength(100);
    expect(result.queried.every((i) => predicted[i] <= 0.5)).toBe(true);
    const admitted = predicted.filter((p) => p <= 0.5).length;
    expect(result.filter).toMatchObject({ admitted });
    expect(result.filter!.wronglyAdmitted).toBeGreaterThan(0); // every 7th cell is truly 0.3 ms slower
    // the best queried cell that truly meets the limit is what is reported
    const eligible = result.queried.filter((i) => truth[i] <= 0.5);
    expect(result.metrics.testOfBestValid).toBe(Math.max(...eligible.map((i) => valid[i])));
  });

  test('a calibrated device (no truth) reports the filter against the measured cells only', async () => {
    const predicted = Float64Array.from({ length: 15625 }, (_, i) => (i % 10) / 10 + 0.05);
    const measured = new Float64Array(15625).fill(Number.NaN);
    measured[3] = 0.7; // predicted 0.35: wrongly admitted
    measured[7] = 0.4; // predicted 0.75: wrongly dropped
    measured[11] = 0.2; // predicted 0.15: rightly admitted
    const job: SearchJob = {
      settings: { ...settings, constraint: { device: 'dev', ms: 0.5 } },
      oracle: { valid, test: valid },
      opsCode,
      latency: { predicted, truth: null, measured, predictor: 'test' },
    };
    const result = await runSearch(job, host);
    expect(result.filter).toEqual({ admitted: predicted.filter((p) => p <= 0.5).length, wronglyAdmitted: 1, wronglyDropped: 1, trulyWithin: 2, known: 3, against: 'measured' });
    const noMeasurements = await runSearch({ ...job, latency: { predicted, truth: null, predictor: 'test' } }, host);
    expect(noMeasurements.filter).toBeNull();
  });

  test("a faithful preset under a limit transfers from the host's latency GCN (reported); the fast preset and an unconstrained run start fresh", async () => {
    const predicted = Float64Array.from({ length: 15625 }, (_, i) => (i % 10) / 10 + 0.05);
    const latencyGcn = { kind: 'regression', dispose() {} } as unknown as Predictor;
    const starts: unknown[] = [];
    const fake = { kind: 'brp', dispose() {} } as unknown as Predictor;
    const predictorHost = {
      ...host,
      latencyPredictor: latencyGcn,
      graphs: (indices: readonly number[]) => indices.map(() => ({}) as never),
      train: async (_kind: string, input: { init?: Predictor; warmupEpochs?: number }) => {
        starts.push(input.init === latencyGcn ? `transfer ${input.warmupEpochs}` : input.init ? 'warm' : 'fresh');
        return fake;
      },
      scoreAll: async () => Float64Array.from(valid),
      scoreCells: async (_p: Predictor, indices: readonly number[]) => Float64Array.from(indices, (i) => valid[i]),
      pack: async () => ({}) as never,
      onPhase: () => undefined,
    } as unknown as SearchRunHost;
    const limited: SearchJob = {
      settings: { ...settings, method: 'brp-nas', config: 'faithful-tenth', budget: 20, constraint: { device: 'dev', ms: 0.5 } },
      oracle: { valid, test: valid },
      opsCode,
      latency: { predicted, truth: predicted, predictor: 'test' },
    };
    expect((await runSearch(limited, predictorHost)).transfer).toEqual({ warmupEpochs: 5 });
    expect(starts).toEqual(['transfer 5', 'warm', 'warm', 'warm', 'warm']);
    starts.length = 0;
    expect((await runSearch({ ...limited, settings: { ...limited.settings, config: 'fast' } }, predictorHost)).transfer).toBeNull();
    expect((await runSearch({ ...limited, settings: { ...limited.settings, constraint: null } }, predictorHost)).transfer).toBeNull();
    expect(starts.filter((s) => s !== 'warm')).toEqual(['fresh', 'fresh']);
  });

  test('refuses a limit that the predictions admit no cell under', async () => {
    const job: SearchJob = {
      settings: { ...settings, constraint: { device: 'dev', ms: 0.5 } },
      oracle: { valid, test: valid },
      opsCode,
      latency: { predicted: new Float64Array(15625).fill(2), truth: null, predictor: 'test' },
    };
    await expect(runSearch(job, host)).rejects.toThrow(/no cell is predicted to take at most 0.5 ms on dev/);
  });
});
