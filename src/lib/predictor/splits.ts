/**
 * The paper's data protocol: random train / validation / test splits of the cells that have a
 * target value (eagle `EagleDataset`, `random` sampling: 900 / 100 / rest for latency).
 */
import { mulberry32, shuffle } from '../spaces/rng';

interface Split {
  train: number[];
  val: number[];
  test: number[];
}

/**
 * Splits `candidates` (NB201 indices) by a seeded shuffle: the first `trainSize` go to training,
 * the next `valSize` to validation, the rest to test. Throws when there are too few candidates.
 */
export function randomSplit(candidates: readonly number[], trainSize: number, valSize: number, seed: number): Split {
  if (trainSize + valSize > candidates.length) {
    throw new Error(`need ${trainSize} + ${valSize} cells with a target value, only ${candidates.length} have one`);
  }
  const order = shuffle(mulberry32(seed), [...candidates]);
  return { train: order.slice(0, trainSize), val: order.slice(trainSize, trainSize + valSize), test: order.slice(trainSize + valSize) };
}

/** Indices whose value is finite (and, if given, whose `keep` flag is 1). */
export function indicesWithValues(values: ArrayLike<number>, keep?: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && (!keep || keep[i] === 1)) out.push(i);
  return out;
}
