/**
 * BRP local (this app's method, not the paper's): local search whose moves are chosen by the
 * binary relation predictor. Each round ranks the unqueried one-edge neighbours of the best
 * cells queried so far with the predictor and queries the top few; the predictor is then
 * warm-started on everything queried. When the neighbourhood is exhausted, the best-ranked
 * unqueried cell of a full ranking restarts it. The goal is local search's reliability with far
 * fewer queries: the predictor tells which of the 24 moves to try first.
 */
import { deriveSeed } from '../predictor/rng';
import type { Predictor } from '../predictor/predictor';
import type { PackedPredictor } from '../predictor/persist';
import { BRP_PRESET, type PredictorConfig } from '../predictor/config';
import { mulberry32 } from '../spaces/rng';
import type { PredictorSearchHost } from './predictor-search';
import { initialSample } from './selection';
import type { SearchSpace } from './space';
import type { SearchOracle } from './types';
import type { SearchCheckpoint } from '../workers/search-messages';

/** The method's settings (one preset, `default`). */
export const BRP_LOCAL = {
  /** Random cells queried before the first predictor is trained. */
  initial: 10,
  /** Targets in % (see PredictorSearchPreset.accuracyScale). */
  accuracyScale: 1,
  /** Cells queried per round. */
  perRound: 5,
  /** The best queried cells whose neighbourhoods form the pool. */
  beam: 3,
  /** Epochs of the first training, and of each warm-started retraining. */
  firstEpochs: 60,
  roundEpochs: 15,
  config: { ...BRP_PRESET, pairMode: 'model-groups', batchSize: 16, esPatience: 0, restoreBest: 'last-epoch', lr: 1e-3 } satisfies PredictorConfig,
} as const;

export interface BrpLocalRound {
  round: number;
  added: number[];
  queried: number[];
  predictor: Predictor;
  rankingKendall: number | null;
  state: Record<string, unknown> | null;
  ms: number;
}

export interface BrpLocalInput {
  oracle: SearchOracle;
  space: SearchSpace;
  candidates: Int32Array;
  budget: number;
  seed: number;
  host: PredictorSearchHost;
  resume: SearchCheckpoint | null;
  onRound(round: BrpLocalRound): Promise<void> | void;
}

export async function runBrpLocal(input: BrpLocalInput): Promise<{ queried: number[]; scores: Float64Array }> {
  const { oracle, space, candidates, budget, seed, host } = input;
  const allowed = new Set(candidates);
  const queried = input.resume ? [...input.resume.queried] : [];
  const seen = new Set(queried);
  let predictor: Predictor | null = input.resume?.predictor ? host.unpack(input.resume.predictor as PackedPredictor) : null;
  let round = input.resume?.iteration ?? 0;
  try {
    while (queried.length < budget) {
      const started = performance.now();
      const rng = mulberry32(deriveSeed(seed, 0x10ca1, round));
      host.onPhase('select', round);
      const room = Math.min(budget - queried.length, candidates.length - queried.length);
      let added: number[];
      if (!predictor) {
        added = initialSample(candidates.filter((c) => !seen.has(c)), Math.min(BRP_LOCAL.initial, room), rng);
      } else {
        const pool = neighbourPool(queried, oracle, space, allowed, seen);
        const take = Math.min(BRP_LOCAL.perRound, room);
        if (pool.length > 0) {
          const scores = host.scoreCells(predictor, pool);
          added = rankBy(pool, scores).slice(0, take);
        } else {
          host.onPhase('rank', round);
          const all = host.scoreAll(predictor, 'antisymmetric');
          added = rankBy(candidates.filter((c) => !seen.has(c)), Float64Array.from(candidates.filter((c) => !seen.has(c)), (c) => all[c])).slice(0, take);
        }
      }
      if (added.length === 0) break;
      for (const index of added) {
        queried.push(index);
        seen.add(index);
      }
      const epochs = predictor ? BRP_LOCAL.roundEpochs : BRP_LOCAL.firstEpochs;
      const config = { ...BRP_LOCAL.config, epochs, seed: deriveSeed(seed, 0x7a1e, round) };
      host.onPhase('train', round, 0, epochs);
      const trained = await host.train('brp', {
        graphs: host.graphs(queried),
        targets: Float64Array.from(queried, (index) => oracle.valid[index] * BRP_LOCAL.accuracyScale),
        config,
        ...(predictor ? { init: predictor } : {}),
        ...host.hooks,
        validate: 'end',
        onEpoch: (record) => host.onPhase('train', round, record.epoch + 1, epochs),
      });
      predictor?.dispose();
      predictor = trained;
      await input.onRound({ round, added, queried: [...queried], predictor, rankingKendall: null, state: null, ms: performance.now() - started });
      round += 1;
    }
    if (!predictor) throw new Error('the search ran no round');
    host.onPhase('rank', round);
    const scores = host.scoreAll(predictor, 'antisymmetric');
    return { queried, scores };
  } finally {
    predictor?.dispose();
  }
}

/** Unqueried allowed neighbours of the `beam` best queried cells (by validation accuracy). */
function neighbourPool(queried: readonly number[], oracle: SearchOracle, space: SearchSpace, allowed: Set<number>, seen: Set<number>): number[] {
  const best = [...queried].sort((a, b) => oracle.valid[b] - oracle.valid[a] || a - b).slice(0, BRP_LOCAL.beam);
  const pool = new Set<number>();
  for (const cell of best) for (const next of space.neighbours(cell)) if (allowed.has(next) && !seen.has(next)) pool.add(next);
  return [...pool];
}

/** `cells` sorted by score, best first (ties by index). */
function rankBy(cells: readonly number[] | Int32Array, scores: Float64Array): number[] {
  const order = Array.from(cells, (cell, k) => ({ cell, score: scores[k] }));
  order.sort((a, b) => b.score - a.score || a.cell - b.cell);
  return order.map((o) => o.cell);
}
