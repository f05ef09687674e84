/**
 * BRP local (this app's method, not the paper's): local search whose moves the binary relation
 * predictor chooses. After a first predictor on a few random cells, one jump queries the cells it
 * ranks best over the whole space; from then on each query is the unqueried one-edge neighbour of
 * the best cell found so far that the predictor ranks first (so a better cell becomes the centre
 * at once, as in first-improvement local search), and the predictor is warm-started on everything
 * queried after every few queries. A centre whose 24 neighbours are all queried hands over to the
 * next best cell; when none is left, the best-ranked unqueried cell of a full ranking is queried.
 */
import { deriveSeed } from '../spaces/rng';
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
  /** Cells queried per round (between two trainings). */
  perRound: 5,
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

interface BrpLocalInput {
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
        added = initialSample(
          candidates.filter((c) => !seen.has(c)),
          Math.min(BRP_LOCAL.initial, room),
          rng,
        );
      } else if (round === 1) {
        host.onPhase('rank', round);
        added = bestRanked(await host.scoreAll(predictor, 'antisymmetric'), candidates, seen, Math.min(BRP_LOCAL.perRound, room));
      } else {
        added = [];
        for (let k = 0; k < Math.min(BRP_LOCAL.perRound, room); k++) {
          const next = (await bestNeighbour(predictor, host, queried, oracle, space, allowed, seen)) ?? bestRanked(await host.scoreAll(predictor, 'antisymmetric'), candidates, seen, 1)[0];
          if (next === undefined) break;
          added.push(next);
          queried.push(next);
          seen.add(next);
        }
        queried.splice(queried.length - added.length, added.length);
        added.forEach((cell) => seen.delete(cell));
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
    const scores = await host.scoreAll(predictor, 'antisymmetric');
    return { queried, scores };
  } finally {
    predictor?.dispose();
  }
}

/**
 * The predictor's favourite among the unqueried allowed neighbours of the best queried cell (by
 * validation accuracy), or of the next best when a centre has none left; undefined when no
 * queried cell has an unqueried neighbour.
 */
async function bestNeighbour(
  predictor: Predictor,
  host: PredictorSearchHost,
  queried: readonly number[],
  oracle: SearchOracle,
  space: SearchSpace,
  allowed: Set<number>,
  seen: Set<number>,
): Promise<number | undefined> {
  const centres = [...queried].sort((a, b) => oracle.valid[b] - oracle.valid[a] || a - b);
  for (const centre of centres) {
    const pool = space.neighbours(centre).filter((next) => allowed.has(next) && !seen.has(next));
    if (pool.length > 0) return rankBy(pool, await host.scoreCells(predictor, pool))[0];
  }
  return undefined;
}

/** The `count` best-scored unqueried candidates. */
function bestRanked(scores: Float64Array, candidates: Int32Array, seen: Set<number>, count: number): number[] {
  const open = Array.from(candidates).filter((c) => !seen.has(c));
  return rankBy(
    open,
    Float64Array.from(open, (c) => scores[c]),
  ).slice(0, count);
}

/** `cells` sorted by score, best first (ties by index). */
function rankBy(cells: readonly number[] | Int32Array, scores: Float64Array): number[] {
  const order = Array.from(cells, (cell, k) => ({ cell, score: scores[k] }));
  order.sort((a, b) => b.score - a.score || a.cell - b.cell);
  return order.map((o) => o.cell);
}
