/**
 * The three predictor-free baselines of the reference table (reference-numbers.md, NB201
 * CIFAR-100, budget 100): random search, regularised evolution and local search. Each is a
 * generator that yields one queried NB201 index per query, so a caller can step it; the plain
 * functions collect the whole run. All randomness comes from `mulberry32(seed)`.
 */
import { mulberry32, randomInt, sampleWithoutReplacement, shuffle, type Rng } from '../spaces/rng';
import { finiteIndices, type SearchSpace } from './space';
import type { SearchOracle } from './types';

export interface BaselineOptions {
  /** The benchmark; a query reads `valid[index]` (only `valid` is used). */
  oracle: Pick<SearchOracle, 'valid'>;
  /** One-edge moves between NB201 indices (local search and evolution). */
  space: SearchSpace;
  /** Number of queries (evolution counts repeats; the others query unique cells). */
  budget: number;
  /** Seed of the run's `mulberry32` stream. */
  seed: number;
  /** The cells a search may query; default every index with a finite `valid`. */
  candidates?: Int32Array;
}

/** Regularised evolution's settings, as the reference table ran it. */
const EVOLUTION_DEFAULTS = { population: 10, tournament: 3 } as const;

interface Prepared {
  valid: Float64Array;
  space: SearchSpace;
  budget: number;
  rng: Rng;
  candidates: Int32Array;
  allowed: Uint8Array;
}

function prepare({ oracle, space, budget, seed, candidates }: BaselineOptions): Prepared {
  if (!Number.isSafeInteger(budget) || budget < 0) throw new Error(`budget must be a whole number of queries, got ${budget}`);
  const cands = candidates ?? finiteIndices(oracle.valid);
  const allowed = new Uint8Array(space.size);
  for (const i of cands) allowed[i] = 1;
  return { valid: oracle.valid, space, budget, rng: mulberry32(seed), candidates: cands, allowed };
}

/** `budget` distinct candidates, uniformly (fewer when there are fewer candidates). */
function* randomSearchSteps(options: BaselineOptions): Generator<number, void> {
  const { rng, candidates, budget } = prepare(options);
  for (const k of sampleWithoutReplacement(rng, candidates.length, Math.min(budget, candidates.length))) yield candidates[k];
}

/**
 * Regularised evolution (Real et al. 2019): `population` random distinct candidates first; then
 * each step samples `tournament` distinct members, mutates the best by `valid` (ties: the first
 * sampled) along one edge, queries the child, appends it and drops the oldest member.
 * Repeats are queried again and count against the budget, as in the reference runs.
 */
export function* evolutionSteps(options: BaselineOptions, settings: { population?: number; tournament?: number } = {}): Generator<number, void> {
  const { valid, space, budget, rng, candidates, allowed } = prepare(options);
  const { population = EVOLUTION_DEFAULTS.population, tournament = EVOLUTION_DEFAULTS.tournament } = settings;
  if (candidates.length === 0) return;
  const members: number[] = [];
  for (const k of sampleWithoutReplacement(rng, candidates.length, Math.min(population, budget, candidates.length))) {
    members.push(candidates[k]);
    yield candidates[k];
  }
  for (let queries = members.length; queries < budget; queries++) {
    let parent = -1;
    for (const k of sampleWithoutReplacement(rng, members.length, Math.min(tournament, members.length))) {
      if (parent < 0 || valid[members[k]] > valid[parent]) parent = members[k];
    }
    const child = mutateWithin(space, parent, allowed, candidates, rng);
    yield child;
    members.push(child);
    if (members.length > population) members.shift();
  }
}

/**
 * A one-edge mutation re-drawn until it lands in the candidates. A parent with no candidate
 * neighbour (possible under a tight latency limit) gets a random candidate instead, so the run
 * never stalls.
 */
function mutateWithin(space: SearchSpace, parent: number, allowed: Uint8Array, candidates: Int32Array, rng: Rng): number {
  for (let draw = 0; draw < 64; draw++) {
    const child = space.mutate(parent, rng);
    if (allowed[child]) return child;
  }
  const inside = space.neighbours(parent).filter((n) => allowed[n]);
  return inside.length > 0 ? inside[randomInt(rng, inside.length)] : candidates[randomInt(rng, candidates.length)];
}

/**
 * Local search with first improvement: walk the 24 one-edge neighbours of the current cell in
 * random order and move to the first with a higher `valid`; at a local optimum restart from a
 * random unqueried candidate. Every query is a new cell: a neighbour queried before costs
 * nothing, but its known value still counts for the move. Neighbours outside the candidates
 * are skipped.
 */
export function* localSearchSteps(options: BaselineOptions): Generator<number, void> {
  const { valid, space, budget, rng, candidates, allowed } = prepare(options);
  const queried = new Uint8Array(space.size);
  let queries = 0;
  let left = candidates.length;
  const restart = (): number => {
    if (left === 0) return -1;
    for (let draw = 0; draw < 64; draw++) {
      const cell = candidates[randomInt(rng, candidates.length)];
      if (!queried[cell]) return cell;
    }
    // Nearly everything is queried: pick among the rest directly.
    const rest = candidates.filter((c) => !queried[c]);
    return rest[randomInt(rng, rest.length)];
  };
  const mark = (cell: number) => {
    queried[cell] = 1;
    queries++;
    left--;
  };
  while (queries < budget) {
    let current = restart();
    if (current < 0) return;
    mark(current);
    yield current;
    for (let moved = true; moved;) {
      moved = false;
      for (const n of shuffle(rng, space.neighbours(current))) {
        if (!allowed[n]) continue;
        if (!queried[n]) {
          if (queries >= budget) return;
          mark(n);
          yield n;
        }
        if (valid[n] > valid[current]) {
          current = n;
          moved = true;
          break;
        }
      }
    }
  }
}

export function randomSearch(options: BaselineOptions): number[] {
  return [...randomSearchSteps(options)];
}

export function regularisedEvolution(options: BaselineOptions): number[] {
  return [...evolutionSteps(options)];
}

export function localSearch(options: BaselineOptions): number[] {
  return [...localSearchSteps(options)];
}
