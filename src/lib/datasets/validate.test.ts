import { describe, expect, it } from 'vitest';
import { codeToOps, NB201_NUM_CELLS, opsToArchStr } from '../spaces/nb201';
import { splitSimpleCsv } from './csv';
import {
  argMax,
  checkClose,
  checkHeader,
  checkRowCount,
  isConnectedCell,
  Nb201KeyRegistry,
  parseStrictNumber,
  permute,
  printable,
  readColumn,
  readNb201Keys,
  SourceError,
  sortOrder,
  summarize,
} from './validate';

const ALL_CONV = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const INDEX0 = '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|';

function sourceError(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error('expected a SourceError');
}

describe('parseStrictNumber', () => {
  it.each(['0', '12', '-3', '+4.5', '1.', '.5', '85.863333', '1e-7', '5.86202e-07', '-1.34611E+05'])('accepts %s', (text) => {
    expect(parseStrictNumber(text)).toBe(Number(text));
  });
  it.each(['', ' 1', '1 ', '1,5', '0x10', 'NaN', 'Infinity', '-inf', '1e999', '=1+2', '1.2.3', 'e5', '.', '-', '1e'])('refuses %j', (text) => {
    expect(parseStrictNumber(text)).toBeNaN();
  });
});

describe('printable', () => {
  it('escapes control and bidi characters', () => {
    expect(printable('a\nb\tc\rd\u0000e\u001bf')).toBe('a\\nb\\tc\\rd\\u0000e\\u001bf');
    expect(printable('evil\u202eexe.csv')).toBe('evil\\u202eexe.csv');
    expect(printable('zero\u200bwidth')).toBe('zero\\u200bwidth');
  });
  it('cuts to 40 characters plus an ellipsis', () => {
    const out = printable('x'.repeat(100));
    expect(out).toBe(`${'x'.repeat(40)}…`);
    expect(printable('\n'.repeat(30)).length).toBeLessThanOrEqual(41);
  });
  it('leaves ordinary text, including non-ASCII letters, alone', () => {
    expect(printable('latency µs (Pixel 7)')).toBe('latency µs (Pixel 7)');
  });
});

describe('checkHeader', () => {
  it('maps names to positions in any order', () => {
    expect(checkHeader('f.csv', ['b', 'a'], ['a', 'b'])).toEqual(
      new Map([
        ['b', 0],
        ['a', 1],
      ]),
    );
  });
  it('names a missing column', () => {
    expect(sourceError(() => checkHeader('f.csv', ['a'], ['a', 'b'])).message).toBe("f.csv line 1: the header lacks the column 'b'");
  });
  it('names an unexpected column', () => {
    expect(sourceError(() => checkHeader('f.csv', ['a', 'b', 'zz'], ['a', 'b'])).message).toBe("f.csv line 1: unexpected column 'zz' in the header");
  });
  it('names a repeated column', () => {
    expect(sourceError(() => checkHeader('f.csv', ['a', 'a'], ['a'])).message).toBe("f.csv line 1: column 'a' appears twice in the header");
  });
});

describe('checkRowCount', () => {
  it('says both counts', () => {
    expect(() => checkRowCount('f.csv', 15625, 15625)).not.toThrow();
    expect(sourceError(() => checkRowCount('f.csv', 15624, 15625)).message).toBe('f.csv: has 15,624 data rows, its README says 15,625');
  });
});

describe('readColumn', () => {
  const table = splitSimpleCsv('acc,ms,flag,score\n50.5,1.25,0,-3\n100,0.5,1,2e-3\n');
  const position = checkHeader('t.csv', table.header, ['acc', 'ms', 'flag', 'score']);

  it('parses values and the most decimals any cell used', () => {
    expect(readColumn('t.csv', table, position, 'ms', { rule: 'positive' })).toEqual({ values: new Float64Array([1.25, 0.5]), decimals: 2, missing: 0 });
    expect(readColumn('t.csv', table, position, 'score', { rule: 'finite' }).decimals).toBe(99);
  });

  it.each([
    ['acc,x\n100.5,1\n', 'acc', 'percent', 't.csv line 2: column acc: 100.5 is not an accuracy in 0..100 %'],
    ['acc,x\n-1,1\n', 'acc', 'percent', 't.csv line 2: column acc: -1 is not an accuracy in 0..100 %'],
    ['ms,x\n1,1\n0,1\n', 'ms', 'positive', 't.csv line 3: column ms: 0 is not greater than 0'],
    ['ms,x\n-2.5,1\n', 'ms', 'positive', 't.csv line 2: column ms: -2.5 is not greater than 0'],
    ['flag,x\n2,1\n', 'flag', 'flag', 't.csv line 2: column flag: 2 is not 0 or 1'],
    ['n,x\n2.5,1\n', 'n', 'integer', 't.csv line 2: column n: 2.5 is not an integer'],
    ['ms,x\nabc,1\n', 'ms', 'positive', "t.csv line 2: column ms: 'abc' is not a finite number"],
    ['ms,x\nNaN,1\n', 'ms', 'finite', "t.csv line 2: column ms: 'NaN' is not a finite number"],
    ['ms,x\n1,1\n,1\n', 'ms', 'positive', 't.csv line 3: column ms is empty'],
  ] as const)('%j refuses %s (%s)', (text, name, rule, message) => {
    const t = splitSimpleCsv(text);
    const p = new Map(t.header.map((h, i) => [h, i]));
    expect(sourceError(() => readColumn('t.csv', t, p, name, { rule })).message).toBe(message);
  });

  it('stores empty cells as missing only where allowed', () => {
    const t = splitSimpleCsv('ms,x\n1.5,1\n,1\n');
    const p = new Map(t.header.map((h, i) => [h, i]));
    const column = readColumn('t.csv', t, p, 'ms', { rule: 'positive', allowMissing: true });
    expect(Array.from(column.values)).toEqual([1.5, NaN]);
    expect(column.missing).toBe(1);
  });
});

describe('readNb201Keys', () => {
  const read = (body: string) => {
    const table = splitSimpleCsv(`index,arch_str,ops\n${body}`);
    return readNb201Keys('k.csv', table, new Map(table.header.map((h, i) => [h, i])));
  };

  it('reads consistent keys', () => {
    const keys = read(`0,${INDEX0},421211\n1462,${ALL_CONV},333333\n`);
    expect(Array.from(keys.index)).toEqual([0, 1462]);
    expect(keys.opsDigits).toEqual(['421211', '333333']);
    expect(keys.archStr[1]).toBe(ALL_CONV);
  });

  it.each([
    [`15625,${INDEX0},421211\n`, "k.csv line 2: index '15625' is not an integer 0..15624"],
    [`-1,${INDEX0},421211\n`, "k.csv line 2: index '-1' is not an integer 0..15624"],
    [`1.5,${INDEX0},421211\n`, "k.csv line 2: index '1.5' is not an integer 0..15624"],
    [`0,${INDEX0},421211\n0,${ALL_CONV},333333\n`, 'k.csv line 3: index 0 repeats line 2'],
    ['0,|conv~0|+|x|,421211\n', "k.csv line 2: arch_str '|conv~0|+|x|' is not an NB201 arch string"],
    [`0,${INDEX0},42121\n`, "k.csv line 2: ops '42121' is not 6 digits 0-4"],
    [`0,${INDEX0},421215\n`, "k.csv line 2: ops '421215' is not 6 digits 0-4"],
    [`0,${INDEX0},333333\n`, 'k.csv line 2: ops 333333 disagrees with arch_str (which gives 421211)'],
  ])('refuses %j', (body, message) => {
    expect(sourceError(() => read(body)).message).toBe(message);
  });
});

describe('isConnectedCell', () => {
  it('finds exactly the 15,284 connected cells of the space (README)', () => {
    let connected = 0;
    for (let code = 0; code < NB201_NUM_CELLS; code++) if (isConnectedCell(codeToOps(code))) connected++;
    expect(connected).toBe(15284);
  });
  it('follows paths through intermediate nodes', () => {
    expect(isConnectedCell([0, 0, 0, 0, 0, 0])).toBe(false);
    expect(isConnectedCell([0, 0, 0, 1, 0, 0])).toBe(true); // 0→3 directly
    expect(isConnectedCell([1, 0, 0, 0, 1, 0])).toBe(true); // 0→1→3
    expect(isConnectedCell([1, 0, 1, 0, 0, 1])).toBe(true); // 0→1→2→3
    expect(isConnectedCell([0, 0, 1, 0, 0, 1])).toBe(false); // 1→2→3 but nothing reaches node 1
    expect(isConnectedCell([1, 1, 0, 0, 0, 0])).toBe(false); // nodes 1, 2 reached, 3 not
  });
});

describe('Nb201KeyRegistry', () => {
  const tableOf = (body: string) => {
    const table = splitSimpleCsv(`index,arch_str,ops\n${body}`);
    return { table, keys: readNb201Keys('x', table, new Map(table.header.map((h, i) => [h, i]))) };
  };

  it('accepts agreement and names the file that disagrees and the reference file', () => {
    const registry = new Nb201KeyRegistry();
    const reference = tableOf(`0,${INDEX0},421211\n`);
    registry.register('nb201/nb201.csv', reference.keys);
    const same = tableOf(`0,${INDEX0},421211\n1462,${ALL_CONV},333333\n`);
    expect(() => registry.check('b.csv', same.table, same.keys)).not.toThrow();
    const other = tableOf(`5,${INDEX0},421211\n0,${ALL_CONV},333333\n`);
    expect(sourceError(() => registry.check('c.csv', other.table, other.keys)).message).toBe(
      `c.csv line 3: index 0 has arch_str '${ALL_CONV.slice(0, 40)}…' here but '${INDEX0.slice(0, 40)}…' in nb201/nb201.csv`,
    );
  });

  it('keeps the first file as the reference for indices it has', () => {
    const registry = new Nb201KeyRegistry();
    registry.register('first.csv', tableOf(`0,${INDEX0},421211\n`).keys);
    registry.register('second.csv', tableOf(`0,${ALL_CONV},333333\n`).keys);
    const probe = tableOf(`0,${ALL_CONV},333333\n`);
    expect(sourceError(() => registry.check('p.csv', probe.table, probe.keys)).message).toMatch(/in first\.csv$/);
  });
});

describe('small helpers', () => {
  it('sortOrder/permute sort rows by index, stably', () => {
    const order = sortOrder(new Int32Array([5, 1, 3]));
    expect(Array.from(order)).toEqual([1, 2, 0]);
    expect(Array.from(permute(new Float64Array([50, 10, 30]), order))).toEqual([10, 30, 50]);
  });
  it('argMax skips missing values and takes the first of ties', () => {
    expect(argMax(new Float64Array([NaN, 2, 7, 7, 1]))).toBe(2);
    expect(argMax(new Float64Array([NaN, NaN]))).toBe(-1);
  });
  it('summarize ignores missing values', () => {
    expect(summarize(new Float64Array([3, NaN, 1, 2, 10]))).toEqual({ min: 1, median: 2, max: 10, mean: 4, n: 4 });
  });
  it('checkClose names what differs', () => {
    expect(() => checkClose('f', 'x', 1.0004, 1, 0.0005)).not.toThrow();
    expect(sourceError(() => checkClose('f', 'best x', 2, 1, 0.5)).message).toBe('f: sanity check failed: best x is 2, its README says 1');
  });
  it('opsToArchStr round-trips through the key reader', () => {
    const arch = opsToArchStr(codeToOps(1234));
    expect(() =>
      readNb201Keys(
        'f',
        splitSimpleCsv(`index,arch_str,ops\n7,${arch},${codeToOps(1234).join('')}\n`),
        new Map([
          ['index', 0],
          ['arch_str', 1],
          ['ops', 2],
        ]),
      ),
    ).not.toThrow();
  });
});
