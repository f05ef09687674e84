import { describe, expect, test } from 'vitest';
import { comparatorPositions, runPredictorSearch, type IterationDone, type PredictorSearchHost } from './predictor-search';
import { SEARCH_PRESETS } from './presets';
import type { Predictor } from '../predictor/predictor';
import type { PackedPredictor } from '../predictor/persist';

describe('comparatorPositions (eagle: sorted() with the pairwise head)', () => {
  test('with an antisymmetric comparator it is the sort by s − t, worst at position 0', () => {
    // d(a, b) = s[a] + t[b] + c with t = −s, c = 0: a is "better" than b when s[a] > s[b]
    const s = [0.3, -1, 2, 0.1];
    const t = s.map((v) => -v);
    expect(Array.from(comparatorPositions(s, t, 0))).toEqual([2, 0, 3, 1]);
  });

  test('keeps input order for a comparator that calls everything equal, and is a permutation otherwise', () => {
    expect(Array.from(comparatorPositions([0, 0, 0], [0, 0, 0], 0))).toEqual([0, 1, 2]);
    const n = 500;
    const s = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 3);
    const t = Array.from({ length: n }, (_, i) => Math.cos(i * 78.233));
    const positions = comparatorPositions(s, t, 0.2);
    expect(new Set(positions).size).toBe(n);
    expect(Math.max(...positions)).toBe(n - 1);
  });
});

/**
 * A stand-in predictor: it "learns" by remembering how many cells it was trained on, and scores a
 * cell by its true validation accuracy plus noise that shrinks as it sees more cells. Enough to
 * check the engine's bookkeeping without tfjs.
 */
function fakeHost(valid: Float64Array, log: { trainedOn: number[]; configs: { batchSize: number; epochs: number; init: boolean }[] }): PredictorSearchHost {
  const make = (seen: number) => ({ kind: 'brp', seen, dispose() {} }) as unknown as Predictor & { seen: number };
  const noise = (i: number, seen: number) => (Math.sin(i * 12.9898 + seen) * 40) / Math.sqrt(seen);
  return {
    graphs: (indices) => indices.map(() => ({ nodes: 1, adjacency: [], features: [] }) as never),
    train: async (_kind, input) => {
      log.trainedOn.push(input.graphs.length);
      log.configs.push({ batchSize: input.config.batchSize, epochs: input.config.epochs, init: input.init !== undefined });
      return make(input.graphs.length);
    },
    scoreAll: (predictor) => Float64Array.from(valid, (v, i) => v + noise(i, (predictor as unknown as { seen: number }).seen)),
    scoreCells: (predictor, indices) => Float64Array.from(indices, (i) => valid[i]),
    pack: (predictor) => ({ seen: (predictor as unknown as { seen: number }).seen }) as unknown as PackedPredictor,
    unpack: (packed) => make((packed as unknown as { seen: number }).seen),
    hooks: {},
    onPhase: () => undefined,
    onIteration: () => undefined,
  };
}

describe('runPredictorSearch (eagle --iter 5 --sample_best2)', () => {
  const valid = Float64Array.from({ length: 2000 }, (_, i) => 50 + 20 * Math.sin(i * 0.37) ** 2);
  const oracle = { valid, test: valid };
  const candidates = Int32Array.from({ length: 2000 }, (_, i) => i);

  test("queries budget/T new cells per iteration, never twice, with eagle's batch and epochs", async () => {
    const log = { trainedOn: [] as number[], configs: [] as { batchSize: number; epochs: number; init: boolean }[] };
    const done: IterationDone[] = [];
    const host = { ...fakeHost(valid, log), onIteration: (d: IterationDone) => void done.push(d) };
    const out = await runPredictorSearch({ preset: SEARCH_PRESETS['brp-nas/faithful'], oracle, candidates, budget: 100, seed: 4, host });
    expect(out.queried).toHaveLength(100);
    expect(new Set(out.queried).size).toBe(100);
    expect(log.trainedOn).toEqual([20, 40, 60, 80, 100]);
    expect(log.configs.map((c) => c.batchSize)).toEqual([12, 24, 36, 48, 60]);
    expect(log.configs.map((c) => c.epochs)).toEqual([50, 100, 150, 200, 250]);
    expect(log.configs.map((c) => c.init)).toEqual([false, true, true, true, true]);
    expect(done.map((d) => d.added.length)).toEqual([20, 20, 20, 20, 20]);
    // later iterations exploit the predictor: their picks score far above a random draw
    const meanValid = (cells: number[]) => cells.reduce((a, c) => a + valid[c], 0) / cells.length;
    expect(meanValid(done[4].added)).toBeGreaterThan(meanValid(done[0].added) + 5);
  });

  test('a transfer starts iteration 0 from the latency GCN with the head warm-up; later iterations warm-start from the last predictor', async () => {
    const inits: { init: unknown; warmupEpochs: number | undefined }[] = [];
    const latencyGcn = {
      kind: 'regression',
      dispose: () => {
        throw new Error('the caller owns the latency GCN');
      },
    } as unknown as Predictor;
    const base = fakeHost(valid, { trainedOn: [], configs: [] });
    const host: PredictorSearchHost = {
      ...base,
      train: async (kind, input) => {
        inits.push({ init: input.init, warmupEpochs: input.warmupEpochs });
        return base.train(kind, input);
      },
    };
    await runPredictorSearch({ preset: SEARCH_PRESETS['brp-nas/faithful-tenth'], oracle, candidates, budget: 50, seed: 4, host, transfer: { from: latencyGcn, warmupEpochs: 5 } });
    expect(inits[0]).toEqual({ init: latencyGcn, warmupEpochs: 5 });
    expect(inits.slice(1).every((c) => c.init !== latencyGcn && c.init !== undefined && c.warmupEpochs === undefined)).toBe(true);
  });

  test('the same seed gives the same queries; a resume from a checkpoint continues identically', async () => {
    const run = async (resume?: { iteration: number; queried: number[]; predictor: PackedPredictor | null }, stopAfter = Infinity) => {
      const done: IterationDone[] = [];
      const host = {
        ...fakeHost(valid, { trainedOn: [], configs: [] }),
        onIteration: (d: IterationDone) => {
          done.push(d);
          if (d.iteration + 1 >= stopAfter) throw new Error('tab closed');
        },
      };
      try {
        const out = await runPredictorSearch({ preset: SEARCH_PRESETS['brp-nas/fast'], oracle, candidates, budget: 50, seed: 9, host, ...(resume ? { resume } : {}) });
        return { out, done };
      } catch {
        return { out: null, done };
      }
    };
    const full = await run();
    expect((await run()).out!.queried).toEqual(full.out!.queried);
    const cut = await run(undefined, 2);
    const last = cut.done.at(-1)!;
    const resumed = await run({ iteration: last.iteration + 1, queried: last.queried, predictor: { seen: last.queried.length } as unknown as PackedPredictor });
    expect(resumed.out!.queried).toEqual(full.out!.queried);
    expect(Array.from(resumed.out!.scores)).toEqual(Array.from(full.out!.scores));
    // and another seed differs
    const other = await runPredictorSearch({ preset: SEARCH_PRESETS['brp-nas/fast'], oracle, candidates, budget: 50, seed: 10, host: fakeHost(valid, { trainedOn: [], configs: [] }) });
    expect(other.queried).not.toEqual(full.out!.queried);
  });

  test('only queries candidates (a latency filter)', async () => {
    const allowed = Int32Array.from({ length: 300 }, (_, k) => k * 5);
    const out = await runPredictorSearch({ preset: SEARCH_PRESETS['brp-nas/fast'], oracle, candidates: allowed, budget: 60, seed: 1, host: fakeHost(valid, { trainedOn: [], configs: [] }) });
    expect(out.queried.every((c) => c % 5 === 0)).toBe(true);
  });
});
