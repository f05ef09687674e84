import { describe, expect, test } from 'vitest';
import { BRP_LOCAL, runBrpLocal, type BrpLocalRound } from './brp-local';
import { identitySpace } from './space';
import { codeToOps } from '../spaces/nb201';
import type { Predictor } from '../predictor/predictor';
import type { PackedPredictor } from '../predictor/persist';
import type { PredictorSearchHost } from './predictor-search';

// A synthetic NB201 landscape on the identity space: each op is worth a fixed amount per edge, so
// the optimum is all conv3x3 (code 3 on every edge, index 3·(5^6−1)/4 = 11718).
const worth = [0, 2, 3, 5, 1];
const valid = Float64Array.from({ length: 15625 }, (_, code) => codeToOps(code).reduce((sum: number, op, edge) => sum + worth[op] * (1 + edge / 10), 0));
const optimum = valid.indexOf(Math.max(...valid));
const oracle = { valid, test: valid };

/** A predictor that knows the landscape up to noise that shrinks with the cells it was trained on. */
function host(log: { trainedOn: number[] }): PredictorSearchHost {
  const make = (seen: number) => ({ kind: 'brp', seen, dispose() {} }) as unknown as Predictor;
  const score = (i: number, seen: number) => valid[i] + (Math.sin(i * 7.77) * 20) / seen;
  return {
    graphs: (indices) => indices.map(() => ({}) as never),
    train: async (_kind, input) => {
      log.trainedOn.push(input.graphs.length);
      return make(input.graphs.length);
    },
    scoreAll: (p) => Float64Array.from(valid, (_, i) => score(i, (p as unknown as { seen: number }).seen)),
    scoreCells: (p, indices) => Float64Array.from(indices, (i) => score(i, (p as unknown as { seen: number }).seen)),
    pack: (p) => ({ seen: (p as unknown as { seen: number }).seen }) as unknown as PackedPredictor,
    unpack: (packed) => make((packed as unknown as { seen: number }).seen),
    hooks: {},
    onPhase: () => undefined,
    onIteration: () => undefined,
  };
}

describe('runBrpLocal', () => {
  test('random start, one global jump, then predictor-chosen neighbours of the best cell; reaches the optimum', async () => {
    const space = identitySpace();
    const log = { trainedOn: [] as number[] };
    const rounds: BrpLocalRound[] = [];
    const candidates = Int32Array.from({ length: 15625 }, (_, i) => i);
    const out = await runBrpLocal({ oracle, space, candidates, budget: 60, seed: 3, host: host(log), resume: null, onRound: (r) => void rounds.push(r) });
    expect(out.queried).toHaveLength(60);
    expect(new Set(out.queried).size).toBe(60);
    expect(rounds[0].added).toHaveLength(BRP_LOCAL.initial);
    expect(rounds.slice(1).every((r) => r.added.length === BRP_LOCAL.perRound)).toBe(true);
    expect(log.trainedOn).toEqual(rounds.map((r) => r.queried.length));
    // from round 2 on, every query is a one-edge neighbour of a cell queried before it
    const before = new Set(rounds[1].queried);
    for (const round of rounds.slice(2)) {
      for (const cell of round.added) {
        expect([...before].some((q) => space.neighbours(q).includes(cell))).toBe(true);
        before.add(cell);
      }
    }
    expect(out.queried).toContain(optimum);
  });

  test('keeps to the candidates and is reproduced by its seed', async () => {
    const space = identitySpace();
    const candidates = Int32Array.from({ length: 15625 }, (_, i) => i).filter((i) => i % 3 !== 0);
    const run = () => runBrpLocal({ oracle, space, candidates, budget: 40, seed: 8, host: host({ trainedOn: [] }), resume: null, onRound: () => undefined });
    const a = await run();
    expect(a.queried.every((i) => i % 3 !== 0)).toBe(true);
    expect((await run()).queried).toEqual(a.queried);
  });
});
