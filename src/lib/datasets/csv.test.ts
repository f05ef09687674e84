import { describe, expect, it } from 'vitest';
import { CsvError, detectSeparator, parseCsv, splitSimpleCsv } from './csv';

function errorOf(fn: () => unknown): CsvError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('expected a CsvError');
}

describe('splitSimpleCsv', () => {
  it('splits header and rows, with or without a trailing newline', () => {
    for (const text of ['a,b\n1,2\n3,4\n', 'a,b\n1,2\n3,4']) {
      expect(splitSimpleCsv(text)).toEqual({
        header: ['a', 'b'],
        rows: [
          ['1', '2'],
          ['3', '4'],
        ],
        lineOfRow: [2, 3],
      });
    }
  });

  it('accepts \\r\\n line ends and keeps empty cells', () => {
    expect(splitSimpleCsv('a,b\r\n1,\r\n,4\r\n').rows).toEqual([
      ['1', ''],
      ['', '4'],
    ]);
  });

  it('names the line of a row with the wrong number of cells', () => {
    const err = errorOf(() => splitSimpleCsv('a,b\n1,2\n1,2,3\n'));
    expect(err.line).toBe(3);
    expect(err.message).toBe('line 3: has 3 cells, the header has 2');
  });

  it('refuses a blank line inside the table', () => {
    expect(errorOf(() => splitSimpleCsv('a,b\n1,2\n\n3,4\n')).message).toBe('line 3: blank line inside the table');
  });

  it('refuses quotes (the source format has none), naming the line', () => {
    expect(errorOf(() => splitSimpleCsv('a,b\n1,2\n"3",4\n')).message).toMatch(/^line 3: contains a quote character/);
  });

  it('refuses an empty file', () => {
    expect(errorOf(() => splitSimpleCsv('')).message).toMatch(/line 1: the file is empty/);
    expect(errorOf(() => splitSimpleCsv('\n')).message).toMatch(/line 1: the file is empty/);
  });

  it('splits a header-only file into no rows', () => {
    expect(splitSimpleCsv('a,b\n').rows).toEqual([]);
  });
});

describe('detectSeparator', () => {
  it('picks the most frequent of , ; tab in the first line', () => {
    expect(detectSeparator('a,b,c\n1;2;3;4;5\n')).toBe(',');
    expect(detectSeparator('a;b;c\n1,5;2,5;3\n')).toBe(';');
    expect(detectSeparator('a\tb\n1\t2\n')).toBe('\t');
  });

  it('ignores separators inside quotes', () => {
    expect(detectSeparator('"a,b,c";d;e\n')).toBe(';');
  });

  it('looks past leading blank lines', () => {
    expect(detectSeparator('\r\n\nindex;ms\n')).toBe(';');
  });

  it('returns null for a one-column file', () => {
    expect(detectSeparator('index\n1\n')).toBeNull();
  });
});

describe('parseCsv (RFC 4180)', () => {
  it('parses quoted fields with separators, escaped quotes and line breaks', () => {
    const text = 'name,note\r\n"a,b","say ""hi"""\r\n"multi\nline",x\r\nplain,"" \n';
    expect(() => parseCsv(text, ',')).toThrow(/line 5: unexpected text after a closing quote/);
    const ok = 'name,note\r\n"a,b","say ""hi"""\r\n"multi\nline",x\r\nplain,""\r\n';
    expect(parseCsv(ok, ',')).toEqual({
      header: ['name', 'note'],
      rows: [
        ['a,b', 'say "hi"'],
        ['multi\nline', 'x'],
        ['plain', ''],
      ],
      lineOfRow: [2, 3, 5],
    });
  });

  it('counts lines after a multi-line quoted field, so later errors name the right line', () => {
    const err = errorOf(() => parseCsv('a,b\n"x\ny\nz",1\n2\n', ','));
    expect(err.message).toBe('line 5: has 1 cells, the header has 2');
  });

  it('accepts \\n, \\r\\n and lone \\r line ends', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      expect(parseCsv(`a;b${eol}1;2${eol}3;4`, ';')).toEqual({
        header: ['a', 'b'],
        rows: [
          ['1', '2'],
          ['3', '4'],
        ],
        lineOfRow: [2, 3],
      });
    }
  });

  it('skips blank lines but keeps the real line numbers', () => {
    expect(parseCsv('a\tb\n\n1\t2\n\n\n3\t4\n\n', '\t')).toEqual({
      header: ['a', 'b'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
      lineOfRow: [3, 6],
    });
  });

  it('keeps empty cells, including a trailing one', () => {
    expect(parseCsv('a,b,c\n1,,\n', ',').rows).toEqual([['1', '', '']]);
  });

  it('keeps a row that is a single quoted empty field (it is not a blank line)', () => {
    expect(parseCsv('a\n""\n', ',').rows).toEqual([['']]);
  });

  it('refuses an unterminated quote, naming the line where it opened', () => {
    expect(errorOf(() => parseCsv('a,b\n1,2\n3,"open\nstill open\n', ',')).message).toBe('line 3: a quoted field is never closed (missing ")');
  });

  it('refuses text after a closing quote', () => {
    expect(errorOf(() => parseCsv('a,b\n"x"y,2\n', ',')).message).toMatch(/^line 2: unexpected text after a closing quote/);
  });

  it('refuses a quote inside an unquoted field', () => {
    expect(errorOf(() => parseCsv('a,b\n1,2"\n', ',')).message).toMatch(/^line 2: a quote inside an unquoted field/);
  });

  it('refuses rows with the wrong number of cells', () => {
    expect(errorOf(() => parseCsv('a,b\n1,2\n3\n', ',')).message).toBe('line 3: has 1 cells, the header has 2');
  });

  it('refuses an empty text', () => {
    expect(errorOf(() => parseCsv('\n\n', ',')).message).toMatch(/line 1: the file is empty/);
  });

  it('agrees with splitSimpleCsv on a simple table', () => {
    const text = 'index,arch_str,ms\n0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1.5\n1,x,2\n';
    expect(parseCsv(text, ',')).toEqual(splitSimpleCsv(text));
  });
});
