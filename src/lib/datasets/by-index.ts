import type { Table } from './columns';

/**
 * A column spread over the whole NB201 space: out[index] = value of the row with that NB201 index,
 * NaN where the table has no row (e.g. LatBench omits the 341 disconnected cells).
 */
export function columnByIndex(table: Table, column: string, spaceSize: number): Float64Array {
  const values = table.columns[column];
  const index = table.columns.index;
  if (!values) throw new Error(`${table.id} has no column '${column}'`);
  if (!index) throw new Error(`${table.id} has no 'index' column`);
  const out = new Float64Array(spaceSize).fill(NaN);
  for (let r = 0; r < table.rows; r++) {
    const i = index[r];
    if (Number.isInteger(i) && i >= 0 && i < spaceSize) out[i] = values[r];
  }
  return out;
}
