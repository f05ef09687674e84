/**
 * CSV reading, two ways:
 * - `splitSimpleCsv` for the pipeline's own source tables: no quoted fields, comma separator,
 *   `\n` line ends (documented in shared/datasets/README.md), so a plain split is exact and fast.
 * - `parseCsv` for files a visitor brings: RFC 4180 quoting, `,` `;` or tab separator, any line end.
 * Both report problems as a `CsvError` carrying the 1-based line number; callers add the file name.
 */

export class CsvError extends Error {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly problem: string;
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`);
    this.name = 'CsvError';
    this.line = line;
    this.problem = problem;
  }
}

export interface CsvTable {
  header: string[];
  /** Data rows, each with exactly `header.length` cells. */
  rows: string[][];
  /** 1-based line number where each data row starts (blank lines are skipped, so this is not always row + 2). */
  lineOfRow: number[];
}

/**
 * Splits a table with no quoted fields. Accepts a trailing newline and `\r\n`; refuses a quote
 * character (it would mean the file is not the simple format this reader assumes), blank lines
 * inside the table and rows with the wrong number of cells.
 */
export function splitSimpleCsv(text: string): CsvTable {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines[0].trim() === '') throw new CsvError(1, 'the file is empty (no header row)');
  const quote = text.indexOf('"');
  if (quote >= 0) {
    throw new CsvError(lineNumberAt(text, quote), 'contains a quote character; source tables must not use quoted fields');
  }
  const strip = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
  const header = strip(lines[0]).split(',');
  const rows: string[][] = new Array(lines.length - 1);
  const lineOfRow: number[] = new Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) {
    const line = strip(lines[i]);
    if (line === '') throw new CsvError(i + 1, 'blank line inside the table');
    const cells = line.split(',');
    if (cells.length !== header.length) {
      throw new CsvError(i + 1, `has ${cells.length} cells, the header has ${header.length}`);
    }
    rows[i - 1] = cells;
    lineOfRow[i - 1] = i + 1;
  }
  return { header, rows, lineOfRow };
}

type Separator = ',' | ';' | '\t';

/**
 * The separator of a user file, guessed from its first non-blank line: whichever of `,` `;` tab occurs most
 * often outside quotes. Null when none occurs (a one-column file).
 */
export function detectSeparator(text: string): Separator | null {
  const counts: Record<Separator, number> = { ',': 0, ';': 0, '\t': 0 };
  let inQuotes = false;
  let lineHasText = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    // Leading blank lines are skipped, as parseCsv skips them.
    else if (!inQuotes && (c === '\n' || c === '\r')) {
      if (lineHasText) break;
      continue;
    } else if (!inQuotes && (c === ',' || c === ';' || c === '\t')) counts[c]++;
    lineHasText = true;
  }
  let best: Separator | null = null;
  for (const sep of [',', ';', '\t'] as const) {
    if (counts[sep] > 0 && (best === null || counts[sep] > counts[best])) best = sep;
  }
  return best;
}

/**
 * RFC 4180 parser: fields may be quoted with `"`, a quote inside a quoted field is written `""`,
 * quoted fields may hold separators and line breaks. Line ends may be `\r\n`, `\n` or `\r`.
 * Blank lines are skipped. Refuses: an unterminated quote, text after a closing quote, a quote
 * inside an unquoted field, and rows whose cell count differs from the header's.
 */
export function parseCsv(text: string, separator: Separator): CsvTable {
  const records: { cells: string[]; line: number }[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    // One record per iteration; i is at the start of a field.
    const recordLine = line;
    const cells: string[] = [];
    let lastWasQuoted: boolean;
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        const openLine = line;
        let value = '';
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) throw new CsvError(openLine, 'a quoted field is never closed (missing ")');
          value += text.slice(from, q);
          if (text[q + 1] === '"') {
            value += '"';
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        line += countLineBreaks(value);
        field = value;
        lastWasQuoted = true;
        const next = text[i];
        if (i < n && next !== separator && next !== '\n' && next !== '\r') {
          throw new CsvError(line, 'unexpected text after a closing quote (a quote inside a field must be written "")');
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text[j];
          if (c === separator || c === '\n' || c === '\r') break;
          if (c === '"') {
            throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field and write the quote as "")');
          }
          j++;
        }
        field = text.slice(i, j);
        lastWasQuoted = false;
        i = j;
      }
      cells.push(field);
      if (i < n && text[i] === separator) {
        i++;
        continue;
      }
      break; // end of line or end of text
    }
    if (i < n) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    }
    const blank = cells.length === 1 && cells[0] === '' && !lastWasQuoted;
    if (!blank) records.push({ cells, line: recordLine });
  }

  if (records.length === 0) throw new CsvError(1, 'the file is empty (no header row)');
  const [head, ...data] = records;
  const header = head.cells;
  for (const record of data) {
    if (record.cells.length !== header.length) {
      throw new CsvError(record.line, `has ${record.cells.length} cells, the header has ${header.length}`);
    }
  }
  return { header, rows: data.map((r) => r.cells), lineOfRow: data.map((r) => r.line) };
}

/** Line breaks inside a quoted value, counting `\r\n` once. */
function countLineBreaks(value: string): number {
  let count = 0;
  for (let k = 0; k < value.length; k++) {
    const c = value[k];
    if (c === '\n' || (c === '\r' && value[k + 1] !== '\n')) count++;
  }
  return count;
}

function lineNumberAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
