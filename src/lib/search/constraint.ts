/**
 * Latency-constrained search (spec 5.3): the predictor's latencies decide the candidates, as in
 * eagle; the true latencies, where known, check that filter. Latencies are ms per NB201 index.
 */
import type { FilterReport } from './types';

/**
 * The cells whose predicted latency is at most `limitMs`, ascending. `base` (default every
 * index) is where to look; pass the cells with a finite validation accuracy
 * (space.ts `finiteIndices(oracle.valid)`) so the candidates are cells the oracle knows.
 * A NaN prediction never passes.
 */
export function latencyCandidates(predicted: Float64Array, limitMs: number, base?: ArrayLike<number>): Int32Array {
  const out: number[] = [];
  const n = base ? base.length : predicted.length;
  for (let k = 0; k < n; k++) {
    const i = base ? base[k] : k;
    if (predicted[i] <= limitMs) out.push(i);
  }
  return Int32Array.from(out).sort();
}

/** Whether a cell is within `limitMs` by `latency` (per NB201 index); undefined without a limit or a latency: every cell counts. */
export function withinLimit(limitMs: number | undefined, latency: ArrayLike<number> | null): ((index: number) => boolean) | undefined {
  return limitMs === undefined || !latency ? undefined : (index) => latency[index] <= limitMs;
}

/**
 * How the predicted filter compares with the truth over `universe` (NB201 indices). Cells with
 * an unknown true latency count only as admitted: they can be neither wrongly admitted nor
 * truly within.
 */
export function filterReport(predicted: Float64Array, truth: Float64Array, limitMs: number, universe: ArrayLike<number>, against: FilterReport['against'] = 'table'): FilterReport {
  const report: FilterReport = { admitted: 0, wronglyAdmitted: 0, wronglyDropped: 0, trulyWithin: 0, known: 0, against };
  for (let k = 0; k < universe.length; k++) {
    const i = universe[k];
    const admitted = predicted[i] <= limitMs;
    const known = Number.isFinite(truth[i]);
    const within = known && truth[i] <= limitMs;
    if (admitted) report.admitted++;
    if (known) report.known++;
    if (admitted && known && !within) report.wronglyAdmitted++;
    if (within) report.trulyWithin++;
    if (within && !admitted) report.wronglyDropped++;
  }
  return report;
}

/** Two latencies for a message: 3 significant digits, more where they would read the same. */
function formatPair(a: number, b: number): [string, string] {
  const format = (ms: number, digits: number) => String(Number(ms.toPrecision(digits)));
  let digits = 3;
  while (digits < 17 && format(a, digits) === format(b, digits)) digits++;
  return [format(a, digits), format(b, digits)];
}

/**
 * Throws one sentence when `limitMs` cannot be used on this device: not a positive number, or
 * below its fastest known cell. `latency` is what the device says per NB201 index (truth or
 * prediction, NaN = unknown); `universe` restricts the cells considered.
 */
export function checkLimit(limitMs: number, latency: ArrayLike<number>, deviceLabel: string, universe?: ArrayLike<number>): void {
  if (!Number.isFinite(limitMs) || limitMs <= 0) throw new Error(`Latency limit: a number of ms above 0, e.g. 5 (got "${String(limitMs).slice(0, 20)}")`);
  let fastest = Infinity;
  const n = universe ? universe.length : latency.length;
  for (let k = 0; k < n; k++) {
    const v = latency[universe ? universe[k] : k];
    if (v < fastest) fastest = v;
  }
  if (fastest === Infinity) throw new Error(`Latency: ${deviceLabel} has no latency for any cell`);
  if (limitMs < fastest) {
    const [fast, limit] = formatPair(fastest, limitMs);
    throw new Error(`The fastest cell takes ${fast} ms on ${deviceLabel}; a limit of ${limit} ms admits none`);
  }
}
