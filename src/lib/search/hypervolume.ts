/**
 * 2-D hypervolume for Pareto mode: the area that a set of (latency, accuracy) points dominates
 * (lower latency and higher accuracy are better) inside the box bounded by a reference point.
 */
import { paretoFront } from './pareto';

/** The worst corner of the box: areas are measured from here. */
interface HypervolumeRef {
  /** Latency at or beyond which a point counts for nothing (ms), e.g. the slowest cell's. */
  latency: number;
  /** Accuracy at or below which a point counts for nothing (%), e.g. the worst cell's. */
  accuracy: number;
}

/**
 * The area (ms × pp) dominated by the `indices` rows of (latency, accuracy) and bounded by
 * `ref`. Rows outside the box or with a NaN add nothing.
 */
export function paretoHypervolume(latency: ArrayLike<number>, accuracy: ArrayLike<number>, indices: ArrayLike<number>, ref: HypervolumeRef): number {
  const inside: number[] = [];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (latency[i] < ref.latency && accuracy[i] > ref.accuracy) inside.push(i);
  }
  // The front runs fastest first with accuracy rising, so each point owns the strip up to the next one's latency.
  const front = paretoFront(latency, accuracy, inside);
  let area = 0;
  for (let k = 0; k < front.length; k++) {
    const right = k + 1 < front.length ? latency[front[k + 1]] : ref.latency;
    area += (right - latency[front[k]]) * (accuracy[front[k]] - ref.accuracy);
  }
  return area;
}

/** The reference point of a set of cells: its slowest latency and its worst accuracy. */
export function worstCorner(latency: ArrayLike<number>, accuracy: ArrayLike<number>, indices: ArrayLike<number>): HypervolumeRef {
  let slowest = -Infinity;
  let worst = Infinity;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isFinite(latency[i]) || !Number.isFinite(accuracy[i])) continue;
    slowest = Math.max(slowest, latency[i]);
    worst = Math.min(worst, accuracy[i]);
  }
  return { latency: slowest, accuracy: worst };
}

interface HypervolumeReport {
  /** Hypervolume of the queried cells that are eligible. */
  queried: number;
  /** Hypervolume of all eligible cells: the best a search can reach. */
  best: number;
  /** queried / best (NaN when best is 0). */
  ratio: number;
}

/**
 * How much of the reachable hypervolume a search covered. Pass the TRUE latency and the test
 * accuracy: the report judges the cells, not the predictor. Queried cells outside `eligible`
 * (truly too slow, or unknown) count for nothing; `ref` defaults to the eligible cells' worst corner.
 */
export function hypervolumeReport(
  latency: ArrayLike<number>,
  accuracy: ArrayLike<number>,
  queried: ArrayLike<number>,
  eligible: ArrayLike<number>,
  ref: HypervolumeRef = worstCorner(latency, accuracy, eligible),
): HypervolumeReport {
  const allowed = new Set(Array.from(eligible));
  const mine = Array.from(queried).filter((i) => allowed.has(i));
  const queriedArea = paretoHypervolume(latency, accuracy, mine, ref);
  const best = paretoHypervolume(latency, accuracy, eligible, ref);
  return { queried: queriedArea, best, ratio: best > 0 ? queriedArea / best : Number.NaN };
}
