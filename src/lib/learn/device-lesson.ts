/**
 * Lessons 2 and 3 (the benchmark, your device): how well FLOPs rank each known device's latency,
 * the pairs of cells the guessing game offers, and where a few live measurements put this device
 * among the known ones. Everything is computed from the tables and the measurements; nothing is canned.
 */
import { spearman } from '../predictor/metrics';
import { mulberry32 } from '../spaces/rng';

/** A known device's latencies by NB201 index (NaN or ≤ 0 = not measured). */
export interface DeviceSeries {
  key: string;
  label: string;
  values: ArrayLike<number>;
}

interface DeviceRank {
  key: string;
  label: string;
  /** Spearman's ρ between FLOPs and this device's latency over the cells both have. */
  rho: number;
  cells: number;
}

const known = (v: number) => Number.isFinite(v) && v > 0;

/** Spearman's ρ of FLOPs against each device's latency, best-ranked device first. */
export function flopsRankPerDevice(flops: ArrayLike<number>, devices: readonly DeviceSeries[]): DeviceRank[] {
  const out: DeviceRank[] = [];
  for (const d of devices) {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < flops.length; i++) {
      if (known(flops[i]) && known(d.values[i])) {
        a.push(flops[i]);
        b.push(d.values[i]);
      }
    }
    if (a.length >= 10) out.push({ key: d.key, label: d.label, rho: spearman(a, b), cells: a.length });
  }
  return out.sort((x, y) => y.rho - x.rho);
}

/**
 * The `round`-th pair of the guessing game for `seed`: two different cells from `candidates`
 * (the cells the tables time), drawn so that neither is trivially faster: their FLOPs differ by
 * at most a factor of two when such a pair exists among a few tries.
 */
export function gamePair(candidates: readonly number[], flops: ArrayLike<number>, seed: number, round: number): [number, number] {
  if (candidates.length < 2) throw new Error('the game needs at least two cells');
  const rng = mulberry32(((seed >>> 0) * 7919 + round * 104729) >>> 0);
  const pick = () => candidates[Math.floor(rng() * candidates.length)];
  let best: [number, number] = [candidates[0], candidates[1]];
  for (let tries = 0; tries < 50; tries++) {
    const a = pick();
    const b = pick();
    if (a === b) continue;
    best = [a, b];
    const ratio = flops[a] / flops[b];
    if (ratio > 0.5 && ratio < 2) break;
  }
  return best;
}

export interface Placement {
  key: string;
  label: string;
  /** Spearman's ρ between this device's measured latencies and the known device's, over the measured cells. */
  rho: number;
}

/** The known devices ordered by how alike they rank the measured cells (most alike first); needs 3 cells. */
export function placeDevice(measured: ReadonlyMap<number, number>, devices: readonly DeviceSeries[]): Placement[] {
  if (measured.size < 3) return [];
  const out: Placement[] = [];
  for (const d of devices) {
    const cells = [...measured.keys()].filter((i) => known(d.values[i]));
    if (cells.length < 3) continue;
    const rho = spearman(
      cells.map((i) => measured.get(i)!),
      cells.map((i) => d.values[i]),
    );
    if (Number.isFinite(rho)) out.push({ key: d.key, label: d.label, rho });
  }
  return out.sort((x, y) => y.rho - x.rho);
}
