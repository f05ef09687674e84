import { describe, expect, it } from 'vitest';
import { dataSuiteMode, datasetsRequired } from './real-data';

describe('suites on the real tables', () => {
  it('run with their tables; without them fail under CI and skip elsewhere', () => {
    expect(dataSuiteMode(true, true)).toBe('run');
    expect(dataSuiteMode(true, false)).toBe('run');
    expect(dataSuiteMode(false, true)).toBe('fail');
    expect(dataSuiteMode(false, false)).toBe('skip');
  });

  it('CI is recognised from CI or BRP_REQUIRE_DATASETS', () => {
    expect(datasetsRequired({ CI: 'true' })).toBe(true);
    expect(datasetsRequired({ CI: 'false' })).toBe(false);
    expect(datasetsRequired({ BRP_REQUIRE_DATASETS: '1' })).toBe(true);
    expect(datasetsRequired({})).toBe(false);
  });
});
