/**
 * A finished search as files, and as the rows its views plot: the trace as CSV (one row per trace
 * position) and the whole result as JSON (typed arrays written as arrays, NaN as null).
 */
import type { SearchResult } from '../workers/search-messages';
import type { SearchOracle } from './types';

export const SEARCH_RESULT_FORMAT = 'brp-nas-lab/search-result';
const SEARCH_RESULT_VERSION = 1;

/** One position of the search trace. */
interface TraceRow {
  /** 1-based position in the trace. */
  position: number;
  /** NB201 index. */
  index: number;
  /** The cell's arch string; '' when not known. */
  arch: string;
  queried: boolean;
  /** 1-based query at which it was first queried; null when it was not. */
  queryOrder: number | null;
  /** Validation accuracy (%). */
  valid: number;
  /** Test accuracy (%). */
  test: number;
  /** The final predictor's score (higher = predicted better); NaN without a predictor. */
  score: number;
}

/** Every trace position: the queried cells in query order first, then the rest in predicted order. */
export function traceRows(result: SearchResult, oracle: SearchOracle, archOf?: (index: number) => string): TraceRow[] {
  const order = new Map<number, number>();
  result.queried.forEach((index, q) => {
    if (!order.has(index)) order.set(index, q + 1);
  });
  return Array.from(result.trace, (index, t) => {
    const queryOrder = order.get(index) ?? null;
    return {
      position: t + 1,
      index,
      arch: archOf?.(index) ?? '',
      queried: queryOrder !== null,
      queryOrder,
      valid: oracle.valid[index],
      test: oracle.test[index],
      score: result.scores ? result.scores[index] : Number.NaN,
    };
  });
}

const CSV_HEADER = ['position', 'nb201_index', 'arch_str', 'queried', 'query_order', 'valid_pct', 'test_pct', 'predicted_score'];

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : '');

/** The trace as CSV text: a header, then one line per trace position (empty = not known). */
export function traceCsv(rows: readonly TraceRow[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows) {
    lines.push([String(r.position), String(r.index), csvField(r.arch), r.queried ? 'yes' : 'no', r.queryOrder === null ? '' : String(r.queryOrder), num(r.valid), num(r.test), num(r.score)].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The result as JSON text: the SearchResult with a format line, typed arrays as arrays, NaN as null. */
export function resultJson(result: SearchResult): string {
  return JSON.stringify(
    {
      format: SEARCH_RESULT_FORMAT,
      version: SEARCH_RESULT_VERSION,
      ...result,
      trace: Array.from(result.trace),
      scores: result.scores ? Array.from(result.scores) : null,
    },
    null,
    1,
  );
}

/** The file name both exports share, e.g. `search-brp-nas-fast-cifar100-b20-s1`. */
export function exportBaseName(result: SearchResult): string {
  const s = result.settings;
  const limit = s.constraint ? `-${Number(s.constraint.ms.toPrecision(4))}ms` : s.pareto ? '-pareto' : '';
  return `search-${s.method}-${s.config}-${s.dataset}-b${s.budget}-s${s.seed}${limit}`.replace(/[^A-Za-z0-9._-]+/g, '-');
}

export interface ExportFile {
  fileName: string;
  text: string;
}

/** Both exports of a finished run: the trace as CSV, the result (with `iterations`, those of the saved run) as JSON. */
export function exportFiles(result: SearchResult, iterations: SearchResult['iterations'], oracle: SearchOracle, archOf?: (index: number) => string): { csv: ExportFile; json: ExportFile } {
  const base = exportBaseName(result);
  return {
    csv: { fileName: `${base}.csv`, text: traceCsv(traceRows(result, oracle, archOf)) },
    json: { fileName: `${base}.json`, text: resultJson({ ...result, iterations }) },
  };
}

/**
 * Predicted rank against true rank (1 = best) over the cells where the score and the validation
 * accuracy are both known, for the final ranking's scatter; ties share their mean rank.
 */
export function rankPairs(scores: ArrayLike<number>, valid: ArrayLike<number>): { predicted: Float64Array; truth: Float64Array } {
  const cells: number[] = [];
  for (let i = 0; i < valid.length; i++) if (Number.isFinite(valid[i]) && Number.isFinite(scores[i])) cells.push(i);
  return { predicted: descendingRanks(cells, scores), truth: descendingRanks(cells, valid) };
}

function descendingRanks(cells: readonly number[], values: ArrayLike<number>): Float64Array {
  const order = cells.map((_, k) => k).sort((a, b) => values[cells[b]] - values[cells[a]]);
  const ranks = new Float64Array(cells.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[cells[order[end]]] === values[cells[order[start]]]) end++;
    const mean = (start + end + 1) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = mean;
    start = end;
  }
  return ranks;
}
