import { describe, expect, it } from 'vitest';
import { columnByIndex } from './by-index';

describe('columnByIndex', () => {
  const table = {
    id: 't',
    version: 'v',
    rows: 3,
    columns: { index: new Float64Array([4, 0, 2]), ms: new Float64Array([1.5, 2.5, NaN]) },
  };

  it('places each row at its NB201 index and leaves the rest missing', () => {
    expect(Array.from(columnByIndex(table, 'ms', 5))).toEqual([2.5, NaN, NaN, NaN, 1.5]);
  });

  it('names the missing column', () => {
    expect(() => columnByIndex(table, 'nope', 5)).toThrow(/t has no column 'nope'/);
  });
});
