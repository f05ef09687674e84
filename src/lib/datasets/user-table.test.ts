import { describe, expect, it } from 'vitest';
import { archStrToOps, codeToOps, opsToArchStr, opsToCode } from '../spaces/nb201';
import { looksLikeLatency, parseUserTable, unitOf, USER_TABLE_MAX_BYTES, type UserTableError, type UserTableOk } from './user-table';

/**
 * A stand-in for the app's arch_str → index map. The real one is the official NB201 order from
 * nb201.csv; here index = base-5 op code, which is just as much a bijection for these rules.
 */
const lookup = {
  indexOfArchStr(s: string): number | undefined {
    try {
      return opsToCode(archStrToOps(s));
    } catch {
      return undefined;
    }
  },
  rows: 15625,
};
const arch = (index: number) => opsToArchStr(codeToOps(index));
const digits = (index: number) => codeToOps(index).join('');

const utf8 = (text: string) => new TextEncoder().encode(text);

function parse(text: string | Uint8Array, fileName = 'my-device.csv') {
  return parseUserTable({ fileName, bytes: typeof text === 'string' ? utf8(text) : text }, lookup);
}

function ok(text: string | Uint8Array, fileName?: string): UserTableOk {
  const result = parse(text, fileName);
  if (!result.ok) throw new Error(`expected OK, got: ${result.message}`);
  return result;
}

function error(text: string | Uint8Array, fileName?: string): string {
  const result = parse(text, fileName);
  if (result.ok) throw new Error('expected an error, got OK');
  expect((result as UserTableError).message).not.toMatch(/\n/);
  return result.message;
}

describe('parseUserTable: good files', () => {
  it('reads an arch_str-keyed comma file with BOM and \\r\\n', () => {
    const text = `\uFEFFarch_str,latency_ms,score\r\n${arch(0)},12.5,-3\r\n${arch(1462)},40,0.25\r\n`;
    const table = ok(text, 'pixel7 run.csv');
    expect(table.name).toBe('pixel7 run');
    expect(table.keyColumn).toBe('arch_str');
    expect(table.rows).toBe(2);
    expect(Array.from(table.index)).toEqual([0, 1462]);
    expect(table.columns.map((c) => [c.name, c.unit])).toEqual([
      ['latency_ms', 'ms'],
      ['score', ''],
    ]);
    expect(Array.from(table.columns[0].values)).toEqual([12.5, 40]);
    expect(Array.from(table.columns[1].values)).toEqual([-3, 0.25]);
    expect(table.warnings).toEqual([]);
  });

  it('reads an index-keyed semicolon file', () => {
    const table = ok('index;latency (ms)\n7;1.5\n15624;2\n');
    expect(table.keyColumn).toBe('index');
    expect(Array.from(table.index)).toEqual([7, 15624]);
    expect(table.columns).toEqual([{ name: 'latency (ms)', unit: 'ms', values: new Float64Array([1.5, 2]) }]);
  });

  it('reads a tab-separated file with both keys when they agree', () => {
    const table = ok(`index\tarch_str\tt_us\n42\t${arch(42)}\t900\n`);
    expect(table.keyColumn).toBe('arch_str');
    expect(Array.from(table.index)).toEqual([42]);
    expect(table.columns[0].unit).toBe('us');
  });

  it('reads RFC 4180 quoted fields (quoted header with a comma, quoted keys)', () => {
    const table = ok(`"arch_str","latency, ms","note ""x"""\n"${arch(3)}","1.25","7"\n`);
    expect(table.columns.map((c) => c.name)).toEqual(['latency, ms', 'note "x"']);
    expect(Array.from(table.index)).toEqual([3]);
  });

  it('checks an ops column against the key and does not import it', () => {
    const table = ok(`index,ops,ms\n99,${digits(99)},3\n`);
    expect(table.columns.map((c) => c.name)).toEqual(['ms']);
    expect(table.warnings).toEqual(['The ops column was checked against the key and not imported.']);
  });

  it('drops an unnamed empty trailing column with a warning, and trims spaces', () => {
    const table = ok(' index , ms ,\n 5 , 2.5 ,\n6,3,\n');
    expect(table.columns.map((c) => c.name)).toEqual(['ms']);
    expect(Array.from(table.columns[0].values)).toEqual([2.5, 3]);
    expect(table.warnings).toEqual(['Ignored the empty, unnamed column 3.']);
  });

  it('accepts negative numbers and exponents in non-latency columns', () => {
    expect(Array.from(ok('index,score\n1,-5\n2,1e-3\n3,+.5\n').columns[0].values)).toEqual([-5, 0.001, 0.5]);
  });
});

describe('parseUserTable: refused files', () => {
  it('refuses files over 50 MB before decoding, saying the size and the limit', () => {
    const message = error(new Uint8Array(USER_TABLE_MAX_BYTES + 200 * 1024));
    expect(message).toMatch(/my-device\.csv is 50\.2 MB; the limit is 50 MB/);
  });

  it('refuses binary files (NUL byte)', () => {
    expect(error(new Uint8Array([0x69, 0x6e, 0x00, 0x01]), 'model.bin')).toMatch(/model\.bin looks like a binary file \(NUL byte at byte 2\)/);
  });

  it('refuses invalid UTF-8', () => {
    expect(error(new Uint8Array([0x69, 0x2c, 0x6d, 0x73, 0x0a, 0x31, 0x2c, 0xc3, 0x28]))).toMatch(/is not UTF-8 text.*CSV UTF-8/);
  });

  it('refuses UTF-16 with a hint', () => {
    expect(error(new Uint8Array([0xff, 0xfe, 0x69, 0x00]))).toMatch(/is UTF-16 text\. Save it as "CSV UTF-8"/);
  });

  it('refuses an empty file and a blank one', () => {
    expect(error('')).toMatch(/my-device\.csv is empty/);
    expect(error(' \n\r\n')).toMatch(/is empty/);
  });

  it('refuses a header without rows', () => {
    expect(error('index,ms\n')).toMatch(/has a header but no data rows/);
  });

  it('refuses a file without separators', () => {
    expect(error('index\n1\n2\n')).toMatch(/line 1: found no separator/);
  });

  it('refuses a file without a key column', () => {
    expect(error('arch,ms\nx,1\n')).toMatch(/line 1: no key column\. Name one column arch_str .* or index \(0\.\.15624\)/);
  });

  it('refuses a file without a value column', () => {
    expect(error(`index,arch_str\n1,${arch(1)}\n`)).toMatch(/line 1: no value column/);
  });

  it('refuses an unnamed column that holds values, naming it', () => {
    expect(error('index,,ms\n1,5,2\n')).toMatch(/line 1: column 2 has no name/);
  });

  it('refuses two columns with the same name', () => {
    expect(error('index,ms,MS\n1,5,2\n')).toMatch(/line 1: columns 2 and 3 are both named 'MS'/);
  });

  it('refuses keys that disagree, naming the line', () => {
    expect(error(`index,arch_str,ms\n1,${arch(1)},2\n2,${arch(3)},2\n`)).toMatch(/line 3: arch_str is NB201 index 3 but the index column says 2/);
  });

  it('refuses duplicate keys, naming both lines', () => {
    expect(error(`arch_str,ms\n${arch(5)},1\n${arch(6)},1\n${arch(5)},2\n`)).toMatch(/lines 2 and 4 are both NB201 index 5\. Keep one row per architecture/);
  });

  it('refuses unknown architectures, naming the line and column', () => {
    const message = error(`arch_str,ms\n${arch(5)},1\n|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n`);
    expect(message).toContain("line 3, column arch_str: '|conv~0|+|none~0|none~1|+|none~0|none~1|…' is not a NAS-Bench-201 architecture");
  });

  it.each(['15625', '-1', '2.5', 'abc', ''])('refuses index %j, naming line and column', (cell) => {
    expect(error(`index,ms\n1,2\n${cell},3\n`)).toMatch(/line 3, column index: '.*' is not an NB201 index\. Use a whole number 0\.\.15624/);
  });

  it('refuses a non-numeric value, naming line and column', () => {
    expect(error('index,ms,score\n1,2,3\n2,3,abc\n')).toMatch(/line 3, column 'score': 'abc' is not a number/);
  });

  it('refuses an empty value cell', () => {
    expect(error('index,ms,score\n1,2,\n')).toMatch(/line 2, column 'score': empty cell/);
  });

  it.each(['NaN', 'Infinity', '-inf', '1e999'])('refuses %s as not finite', (cell) => {
    expect(error(`index,score\n1,${cell}\n`)).toMatch(/line 2, column 'score': '.*' is not a finite number/);
  });

  it.each([
    ['latency_ms', '0'],
    ['latency_ms', '-1.5'],
    ['pixel (ms)', '0'],
    ['gpu latency', '-0.1'],
    ['t_s', '0'],
    ['run ms', '-2'],
  ])('refuses %s = %s (latencies must be > 0)', (column, cell) => {
    expect(error(`index,${column}\n1,1\n2,${cell}\n`)).toMatch(new RegExp(`line 3, column '${column.replace(/[()]/g, '\\$&')}': '${cell}' is not a valid latency; latencies must be > 0`));
  });

  it.each(['=1+2', '+SUM(A1:A2)', '@cmd', '-cmd|calc', '=HYPERLINK("x")'])('refuses formula %j as non-numeric', (cell) => {
    const quoted = `"${cell.replace(/"/g, '""')}"`;
    expect(error(`index,score\n1,${quoted}\n`)).toMatch(/line 2, column 'score': '.*' is not a number \(it looks like a spreadsheet formula\)/);
  });

  it('refuses a decimal comma with a hint', () => {
    expect(error('index;ms\n1;1,5\n')).toMatch(/line 2, column 'ms': '1,5' uses a decimal comma\. Write 1\.5 instead/);
  });

  it('refuses a ragged row, naming the line', () => {
    expect(error('index,ms\n1,2\n2\n')).toMatch(/my-device\.csv line 3: has 1 cells, the header has 2/);
  });

  it('refuses an unterminated quote, naming the line', () => {
    expect(error('index,ms\n1,"2\n')).toMatch(/line 2: a quoted field is never closed/);
  });

  it('refuses an ops column that disagrees with the key', () => {
    expect(error(`index,ops,ms\n99,${digits(98)},3\n`)).toMatch(/line 2, column ops: '.*' is NB201 index 98, the key says 99/);
    expect(error('index,ops,ms\n99,9,3\n')).toMatch(/line 2, column ops: '9' is not 6 op digits 0-4/);
  });

  it('returns nothing partial: one bad row among good ones fails the whole table', () => {
    const rows = Array.from({ length: 100 }, (_, i) => `${i},${i + 1}`);
    rows[73] = '73,oops';
    const result = parse(`index,ms\n${rows.join('\n')}\n`);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/line 75, column 'ms': 'oops'/) });
    expect(Object.keys(result)).toEqual(['ok', 'message']);
  });
});

describe('echoed text is short and printable', () => {
  it('truncates a long bad value to 40 characters and escapes control characters', () => {
    const evil = `abc\u001b[31m\u202e${'x'.repeat(200)}`;
    const message = error(`index,ms\n1,"${evil}"\n`);
    const echoed = /'([^']*)' is not a number/.exec(message)![1];
    expect(echoed.length).toBeLessThanOrEqual(41);
    expect(echoed).toMatch(/^abc\\u001b\[31m\\u202ex+…$/);
    // eslint-disable-next-line no-control-regex -- the point: no control character reaches the message
    expect(message).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
  });

  it('makes file names printable too', () => {
    const message = error('', 'bad\nname\u202e.csv');
    expect(message).toMatch(/^bad\\nname\\u202e\.csv is empty/);
  });

  it('shows a column name with control characters escaped, with a warning', () => {
    const table = ok('index,"lat\tms"\n1,2\n');
    expect(table.columns[0].name).toBe('lat\\tms');
    expect(table.warnings[0]).toMatch(/Column 2 is shown as 'lat\\tms'/);
  });
});

describe('unit and latency detection', () => {
  it.each([
    ['latency (ms)', 'ms'],
    ['latency [µs]', 'µs'],
    ['pixel7_ms', 'ms'],
    ['t_S', 's'],
    ['acc %', '%'],
    ['score', ''],
    ['params', ''],
  ])('unitOf(%j) = %j', (name, unit) => {
    expect(unitOf(name)).toBe(unit);
  });
  it('treats latency, ms and time units as latency, not names that merely contain the letters', () => {
    expect(looksLikeLatency('Latency', '')).toBe(true);
    expect(looksLikeLatency('cpu ms', '')).toBe(true);
    expect(looksLikeLatency('t_s', 's')).toBe(true);
    expect(looksLikeLatency('params', '')).toBe(false);
    expect(looksLikeLatency('norms', '')).toBe(false);
    expect(looksLikeLatency('accuracy', '%')).toBe(false);
  });
});
