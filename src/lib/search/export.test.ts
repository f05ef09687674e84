import { describe, expect, it } from 'vitest';
import type { SearchResult } from '../workers/search-messages';
import { exportBaseName, exportFiles, rankPairs, resultJson, traceCsv, traceRows, SEARCH_RESULT_FORMAT } from './export';

const oracle = { valid: Float64Array.from([60, 70, Number.NaN, 65, 72]), test: Float64Array.from([61, 71, Number.NaN, 66, 73.5]) };

function result(patch: Partial<SearchResult> = {}): SearchResult {
  return {
    settings: { method: 'brp-nas', config: 'fast', dataset: 'cifar100', budget: 2, seed: 1, constraint: null, pareto: false },
    queried: [3, 1],
    trace: Int32Array.from([3, 1, 4, 0]),
    scores: Float32Array.from([0.1, 0.5, Number.NaN, 0.25, 0.75]),
    metrics: { testOfBestValid: 71, maxTest: 71, regretValid: 2, foundGlobalBest: false, queriesToGlobalBest: null, tracePositionOfGlobalBest: 3, kendall: 0.6 },
    filter: null,
    hypervolume: null,
    iterations: [],
    wallMs: 10,
    backend: 'wasm',
    ...patch,
  };
}

describe('trace export', () => {
  it('has one row per trace position: queried cells first, in query order', () => {
    const rows = traceRows(result(), oracle, (i) => `arch-${i}`);
    expect(rows.map((r) => [r.position, r.index, r.queried, r.queryOrder])).toEqual([
      [1, 3, true, 1],
      [2, 1, true, 2],
      [3, 4, false, null],
      [4, 0, false, null],
    ]);
    expect(rows[0]).toMatchObject({ arch: 'arch-3', valid: 65, test: 66, score: 0.25 });
  });

  it('writes CSV with a header and units in the names, empty where unknown', () => {
    const csv = traceCsv(traceRows(result({ scores: null }), oracle, (i) => (i === 4 ? 'a,"b"' : `|x~${i}|`)));
    expect(csv.split('\n')).toEqual([
      'position,nb201_index,arch_str,queried,query_order,valid_pct,test_pct,predicted_score',
      '1,3,|x~3|,yes,1,65,66,',
      '2,1,|x~1|,yes,2,70,71,',
      '3,4,"a,""b""",no,,72,73.5,',
      '4,0,|x~0|,no,,60,61,',
      '',
    ]);
  });

  it('writes JSON with the typed arrays as arrays and NaN as null', () => {
    const parsed = JSON.parse(resultJson(result()));
    expect(parsed.format).toBe(SEARCH_RESULT_FORMAT);
    expect(parsed.trace).toEqual([3, 1, 4, 0]);
    expect(parsed.scores[2]).toBeNull();
    expect(parsed.scores[1]).toBeCloseTo(0.5);
    expect(parsed.metrics.kendall).toBe(0.6);
    expect(JSON.parse(resultJson(result({ scores: null }))).scores).toBeNull();
  });

  it('names the files after the settings', () => {
    expect(exportBaseName(result())).toBe('search-brp-nas-fast-cifar100-b2-s1');
    const limited = result();
    limited.settings = { ...limited.settings, constraint: { device: 'Pixel 3', ms: 2.5 } };
    expect(exportBaseName(limited)).toBe('search-brp-nas-fast-cifar100-b2-s1-2.5ms');
  });

  it('exportFiles: the CSV trace and the JSON result with the saved iterations, both named after the settings', () => {
    const iterations = [{ iteration: 0, queried: [1, 2], rankingKendall: 0.5, bestValid: 70, testOfBestValid: 69, ms: 10 }] as unknown as ReturnType<typeof result>['iterations'];
    const files = exportFiles(result(), iterations, oracle, (i) => `arch-${i}`);
    expect([files.csv.fileName, files.json.fileName]).toEqual(['search-brp-nas-fast-cifar100-b2-s1.csv', 'search-brp-nas-fast-cifar100-b2-s1.json']);
    expect(files.csv.text).toBe(traceCsv(traceRows(result(), oracle, (i) => `arch-${i}`)));
    expect(JSON.parse(files.json.text).iterations).toEqual(iterations);
  });
});

describe('rankPairs', () => {
  it('ranks scores and validation accuracy, best = 1, ties share their mean rank, unknown cells left out', () => {
    const { predicted, truth } = rankPairs([0.1, 0.5, 0.9, 0.5], [60, 70, Number.NaN, 70]);
    expect(Array.from(predicted)).toEqual([3, 1.5, 1.5]);
    expect(Array.from(truth)).toEqual([3, 1.5, 1.5]);
  });
});
