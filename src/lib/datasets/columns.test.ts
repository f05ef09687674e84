import { describe, expect, it } from 'vitest';
import { chooseStorage, decimalsOf, decodeColumns, encodeColumns, isGzip, type ColumnSpec, type DatasetEntry } from './columns';

type Encodable = ColumnSpec & { values: Float64Array; decimals: number };

/** A column as the pipeline builds it: values parsed from texts, decimals = most any text had. */
function columnFromTexts(name: string, texts: string[]): Encodable {
  return {
    name,
    kind: 'latency',
    unit: 'ms',
    description: name,
    values: Float64Array.from(texts, (t) => (t === '' ? NaN : Number(t))),
    decimals: Math.max(0, ...texts.filter((t) => t !== '').map(decimalsOf)),
  };
}

function roundTrip(columns: Encodable[]) {
  const { buffer, columns: stored } = encodeColumns(columns);
  const entry = { id: 't', version: 'v', rows: columns[0].values.length, columns: stored };
  const table = decodeColumns(entry, buffer.buffer as ArrayBuffer);
  return { buffer, stored, table };
}

/** Deterministic pseudo-random generator so failures reproduce. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('decimalsOf', () => {
  it('counts the digits after the dot, 0 for integers, 99 for exponent notation', () => {
    expect(decimalsOf('12')).toBe(0);
    expect(decimalsOf('1.50')).toBe(2);
    expect(decimalsOf('85.863333')).toBe(6);
    expect(decimalsOf('-0.0033')).toBe(4);
    expect(decimalsOf('5.86202e-07')).toBe(99);
    expect(decimalsOf('1E3')).toBe(99);
  });
});

describe('round trip', () => {
  it('decodes every value to exactly the double parsed from its text (random decimals 0..9)', () => {
    const rand = lcg(42);
    for (let decimals = 0; decimals <= 9; decimals++) {
      const texts = Array.from({ length: 2000 }, () => {
        const magnitude = 10 ** Math.floor(rand() * 4);
        const text = (rand() * magnitude * (rand() < 0.2 ? -1 : 1)).toFixed(decimals);
        return /^-0\.?0*$/.test(text) ? text.slice(1) : text; // -0 has its own test below
      });
      const column = columnFromTexts(`d${decimals}`, texts);
      const { stored, table } = roundTrip([column]);
      // |value| < 1000, so up to 6 decimals fit an integer type; the exactness claim is about those.
      if (decimals <= 6) expect(stored[0].dtype).not.toBe('float64');
      texts.forEach((text, i) => expect(table.columns[`d${decimals}`][i], text).toBe(Number(text)));
    }
  });

  it('is exact for values whose decimal text is not exact in binary (0.1, 0.3, 85.863333, 1.0206)', () => {
    const texts = ['0.1', '0.2', '0.3', '85.863333', '1.0206', '258.05', '94.373333', '0.000001'];
    const { table } = roundTrip([columnFromTexts('x', texts)]);
    expect(Array.from(table.columns.x)).toEqual(texts.map(Number));
    texts.forEach((text, i) => expect(Object.is(table.columns.x[i], Number(text))).toBe(true));
  });

  it('is exact for float64 columns (exponent notation and more than 9 decimals)', () => {
    const texts = ['5.86202e-07', '-1.34611e-05', '94.33027993111271', '3.14159265358979'];
    const { stored, table } = roundTrip([columnFromTexts('f', texts)]);
    expect(stored[0].dtype).toBe('float64');
    expect(Array.from(table.columns.f)).toEqual(texts.map(Number));
  });

  it('keeps several columns apart, each 8-byte aligned', () => {
    const a = columnFromTexts('a', ['1', '2', '3']); // uint8: 3 bytes, padded to 8
    const b = columnFromTexts('b', ['1.5', '-2.25', '3.125']); // int16
    const c = columnFromTexts('c', ['1e-9', '2', '3']); // float64
    const { stored, table, buffer } = roundTrip([a, b, c]);
    expect(stored.map((s) => s.byteOffset)).toEqual([0, 8, 16]);
    expect(stored.every((s) => s.byteOffset % 8 === 0)).toBe(true);
    expect(buffer.byteLength).toBe(16 + 24);
    expect(Array.from(table.columns.a)).toEqual([1, 2, 3]);
    expect(Array.from(table.columns.b)).toEqual([1.5, -2.25, 3.125]);
    expect(Array.from(table.columns.c)).toEqual([1e-9, 2, 3]);
  });

  it('records min, max and the number of missing values', () => {
    const { stored } = roundTrip([columnFromTexts('m', ['4.5', '', '-1.25', '', '9'])]);
    expect(stored[0]).toMatchObject({ min: -1.25, max: 9, nMissing: 2, divisor: 100 });
  });
});

describe('missing values', () => {
  it('round-trip as NaN in an unsigned column (sentinel = type max)', () => {
    const { stored, table } = roundTrip([columnFromTexts('u', ['1', '', '200', ''])]);
    expect(stored[0]).toMatchObject({ dtype: 'uint8', missing: 255, nMissing: 2 });
    expect(Array.from(table.columns.u)).toEqual([1, NaN, 200, NaN]);
  });

  it('round-trip as NaN in a signed column (sentinel = type min)', () => {
    const { stored, table } = roundTrip([columnFromTexts('s', ['-1.5', '', '2.25'])]);
    expect(stored[0]).toMatchObject({ dtype: 'int16', missing: -32768, divisor: 100 });
    expect(Array.from(table.columns.s)).toEqual([-1.5, NaN, 2.25]);
  });

  it('round-trip as NaN in a float64 column', () => {
    const { stored, table } = roundTrip([columnFromTexts('f', ['1e-3', '', '2'])]);
    expect(stored[0]).toMatchObject({ dtype: 'float64', missing: null, nMissing: 1 });
    expect(Array.from(table.columns.f)).toEqual([0.001, NaN, 2]);
  });

  it('does not let a real value collide with the sentinel: 255 plus a gap needs uint16', () => {
    const values = new Float64Array([0, 255, NaN]);
    expect(chooseStorage(values, 0)).toEqual({ dtype: 'uint16', divisor: 1, missing: 65535 });
    const { table } = roundTrip([columnFromTexts('x', ['0', '255', ''])]);
    expect(Array.from(table.columns.x)).toEqual([0, 255, NaN]);
  });

  it('reserves -128 of int8 for missing, so -128 with a gap moves to int16', () => {
    expect(chooseStorage(new Float64Array([-128, 5]), 0).dtype).toBe('int8');
    expect(chooseStorage(new Float64Array([-128, NaN]), 0)).toEqual({ dtype: 'int16', divisor: 1, missing: -32768 });
  });

  it('handles a column with every value missing', () => {
    const { table } = roundTrip([columnFromTexts('e', ['', ''])]);
    expect(Array.from(table.columns.e)).toEqual([NaN, NaN]);
  });
});

describe('chooseStorage picks the narrowest type', () => {
  const pick = (values: number[], decimals: number) => chooseStorage(new Float64Array(values), decimals);
  it.each([
    [[0, 255], 0, 'uint8', 1],
    [[-1, 127], 0, 'int8', 1],
    [[0, 256], 0, 'uint16', 1],
    [[0, 65535], 0, 'uint16', 1],
    [[-1, 32767], 0, 'int16', 1],
    [[0, 65536], 0, 'int32', 1],
    [[1.23, 2.55], 2, 'uint8', 100],
    [[94.373333, 10], 6, 'int32', 1e6],
    [[-2147483648, 2147483647], 0, 'int32', 1],
  ] as const)('%j with %i decimals → %s', (values, decimals, dtype, divisor) => {
    expect(pick([...values], decimals)).toMatchObject({ dtype, divisor, missing: null });
  });

  it('falls back to float64 beyond int32, beyond 9 decimals and for exponent notation', () => {
    expect(pick([0, 2147483648], 0).dtype).toBe('float64');
    expect(pick([13165.383867], 6).dtype).toBe('float64'); // 13,165,383,867 > int32
    expect(pick([0.1], 10).dtype).toBe('float64');
    expect(pick([5.86202e-7], decimalsOf('5.86202e-07')).dtype).toBe('float64');
  });
});

describe('encodeColumns', () => {
  it('refuses columns of different lengths', () => {
    const a = columnFromTexts('a', ['1', '2']);
    const b = columnFromTexts('b', ['1']);
    expect(() => encodeColumns([a, b])).toThrow(/column b has 1 rows, expected 2/);
  });
});

describe('decodeColumns bounds checks', () => {
  const { buffer, columns } = encodeColumns([columnFromTexts('a', ['1', '2', '3']), columnFromTexts('b', ['1.5', '2.5', '1e-9'])]);
  const entry: Pick<DatasetEntry, 'id' | 'version' | 'rows' | 'columns'> = { id: 'demo', version: 'v', rows: 3, columns };

  it('decodes the intact buffer', () => {
    expect(Array.from(decodeColumns(entry, buffer.buffer as ArrayBuffer).columns.b)).toEqual([1.5, 2.5, 1e-9]);
  });

  it('refuses a truncated buffer, naming the dataset and column', () => {
    const truncated = buffer.buffer.slice(0, buffer.byteLength - 1) as ArrayBuffer;
    expect(() => decodeColumns(entry, truncated)).toThrow(/demo: column b lies outside the file \(31 bytes\)/);
    expect(() => decodeColumns(entry, new ArrayBuffer(0))).toThrow(/demo: column a lies outside the file \(0 bytes\)/);
  });

  it('refuses more rows than the buffer holds', () => {
    expect(() => decodeColumns({ ...entry, rows: 4 }, buffer.buffer as ArrayBuffer)).toThrow(/column b lies outside the file/);
  });

  it('refuses misaligned, negative and fractional offsets', () => {
    for (const byteOffset of [4, -8, 8.5]) {
      const bad = { ...entry, columns: [{ ...columns[0], byteOffset }] };
      expect(() => decodeColumns(bad, buffer.buffer as ArrayBuffer)).toThrow(/column a lies outside the file/);
    }
  });

  it('refuses unknown dtypes, including inherited property names', () => {
    for (const dtype of ['float32', 'constructor', 'toString']) {
      const bad = { ...entry, columns: [{ ...columns[0], dtype: dtype as 'uint8' }] };
      expect(() => decodeColumns(bad, buffer.buffer as ArrayBuffer)).toThrow(new RegExp(`unknown dtype ${dtype}`));
    }
  });

  it('refuses a negative or fractional row count', () => {
    expect(() => decodeColumns({ ...entry, rows: -1 }, buffer.buffer as ArrayBuffer)).toThrow(/row count -1/);
    expect(() => decodeColumns({ ...entry, rows: 1.5 }, buffer.buffer as ArrayBuffer)).toThrow(/row count 1.5/);
  });
});

describe('isGzip', () => {
  it('recognises the gzip magic number only', () => {
    expect(isGzip(new Uint8Array([0x1f, 0x8b, 8]))).toBe(true);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
    expect(isGzip(new Uint8Array([0x8b, 0x1f]))).toBe(false);
  });
});

describe('negative zero', () => {
  it('keeps -0 exact by storing the column as float64', () => {
    expect(chooseStorage(new Float64Array([1.5, -0]), 1).dtype).toBe('float64');
    const { table } = roundTrip([columnFromTexts('z', ['-0.0', '1.5'])]);
    expect(Object.is(table.columns.z[0], -0)).toBe(true);
  });
});
