// Numeric columns from CSV text (the examples' datasets: CO2 readings, weather series).
// Only the selected columns must be numbers, so date or label columns can simply be left out.
import { type Tensor } from '../tensor.js';
import { DataError, describe } from './errors.js';
import { flag, optionsOf } from './validate.js';

/**
 * Options of {@link parseCsv}.
 *
 * @example
 * ```ts
 * data.parseCsv(text, { delimiter: ';', comment: '#', columns: ['temp'], empty: NaN });
 * ```
 */
export interface CsvOptions {
  /** The first (non-comment) line holds column names. Default true. */
  header?: boolean;
  /** Columns to read, by header name or 0-based index, in the order wanted. Default all. */
  columns?: readonly (string | number)[];
  /** Field separator, one character. Default ','. */
  delimiter?: string;
  /** Lines starting with this are skipped, e.g. '#'. Default none. */
  comment?: string;
  /** Value for empty fields, e.g. NaN. Default: an empty field is an error. */
  empty?: number;
}

/**
 * What parseCsv returns: the selected columns as numbers.
 *
 * @example
 * ```ts
 * const table = data.parseCsv('t,v\n1,2.5\n2,3.5\n');
 * table.names;          // ['t', 'v']
 * table.column('v');    // Float64Array [2.5, 3.5]
 * ```
 */
export interface CsvTable {
  /** Names of the selected columns (their header names, or their indices as strings without a header). */
  readonly names: readonly string[];
  /** The selected columns' values, float64, one array per column. */
  readonly columns: readonly Float64Array[];
  /** Data rows read. */
  readonly rows: number;
  /** One column's values, by name or by position among the selected columns. */
  column(name: string | number): Float64Array;
  /** The selected columns as a float32 tensor [rows, columns], e.g. a series for timeseriesWindows. */
  toTensor(): Tensor;
}

// Decimal numbers as written in data files; also NaN and (±)Infinity/inf.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = new Map([
  ['nan', NaN],
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
]);

/**
 * Parses CSV text into numeric columns. Fields may be double-quoted (with "" for a quote);
 * blank lines are skipped. A field that is not a number is an error naming its line (1-based)
 * and column (0-based, as `columns` counts), e.g. `line 7, column 2 ("temp"): "n/a" is not a number`.
 *
 * @example
 * ```ts
 * const table = data.parseCsv(text, { comment: '#', columns: ['average'] });
 * const series = table.toTensor();              // [rows, 1] float32, ready for timeseriesWindows
 * ```
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  if (typeof text !== 'string') throw new DataError('text', `expected a string, got ${describe(text)}`);
  options = optionsOf(options, 'parseCsv');
  const hasHeader = flag('header', options.header, true);
  const delimiter = options.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new DataError('delimiter', `expected one character other than a quote or a line break, got ${describe(delimiter)}`);
  }
  const comment = options.comment;
  if (comment !== undefined && (typeof comment !== 'string' || comment.length === 0)) throw new DataError('comment', `expected a non-empty string, got ${describe(comment)}`);
  const empty = options.empty;
  if (empty !== undefined && typeof empty !== 'number') throw new DataError('empty', `expected a number (e.g. NaN), got ${describe(empty)}`);

  let header: string[] | undefined;
  let fieldCount = -1;
  let selected: number[] = [];
  let names: string[] = [];
  let values: number[][] = [];
  forEachLine(text, (line, lineNumber) => {
    if (line.trim() === '' || (comment !== undefined && line.startsWith(comment))) return;
    const fields = splitFields(line, delimiter, lineNumber);
    if (fieldCount < 0) {
      fieldCount = fields.length;
      if (hasHeader) header = fields.map((f) => f.trim());
      selected = selectColumns(options.columns, header, fieldCount);
      names = selected.map((c) => (header ? header[c] : String(c)));
      values = selected.map(() => []);
      if (hasHeader) return;
    }
    if (fields.length !== fieldCount) throw new DataError(`line ${lineNumber}`, `has ${fields.length} fields, expected ${fieldCount} (as ${header ? 'the header' : 'the first row'})`);
    selected.forEach((c, k) => values[k].push(parseNumber(fields[c], empty, () => `line ${lineNumber}, column ${c}${header ? ` (${describe(header[c])})` : ''}`)));
  });
  if (fieldCount < 0) throw new DataError('text', 'holds no data lines');

  const columns = values.map((v) => Float64Array.from(v));
  const rows = columns.length > 0 ? columns[0].length : 0;
  return {
    names,
    columns,
    rows,
    column(name: string | number): Float64Array {
      const index = typeof name === 'number' ? name : names.indexOf(name);
      if (!Number.isInteger(index) || index < 0 || index >= columns.length) {
        throw new DataError('name', `${describe(name)} is not one of the columns read: ${names.map((n) => describe(n)).join(', ')}`);
      }
      return columns[index];
    },
    toTensor(): Tensor {
      const data = new Float32Array(rows * columns.length);
      columns.forEach((column, c) => {
        for (let r = 0; r < rows; r++) data[r * columns.length + c] = column[r];
      });
      return { shape: [rows, columns.length], data };
    },
  };
}

/** Calls `visit` with each line (without its line break) and its 1-based number. */
function forEachLine(text: string, visit: (line: string, lineNumber: number) => void): void {
  let lineNumber = 1;
  for (let start = 0; start < text.length; lineNumber++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    visit(text.slice(start, end > start && text[end - 1] === '\r' ? end - 1 : end), lineNumber);
    start = end + 1;
  }
}

/** The fields of one line; a quoted field may contain the delimiter and "" for a quote. */
function splitFields(line: string, delimiter: string, lineNumber: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '"') {
      let field = '';
      for (i++; ; i++) {
        if (i >= line.length) throw new DataError(`line ${lineNumber}`, 'has a quoted field without its closing quote');
        if (line[i] === '"') {
          if (line[i + 1] !== '"') break;
          i++;
        }
        field += line[i];
      }
      i++;
      while (line[i] === ' ') i++;
      if (i < line.length && line[i] !== delimiter) throw new DataError(`line ${lineNumber}`, `has text after the closing quote of field ${fields.length}`);
      fields.push(field);
    } else {
      let end = line.indexOf(delimiter, i);
      if (end < 0) end = line.length;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= line.length) return fields;
    i++; // past the delimiter
  }
}

function selectColumns(columns: CsvOptions['columns'], header: string[] | undefined, fieldCount: number): number[] {
  if (columns === undefined) return Array.from({ length: fieldCount }, (_, c) => c);
  if (!Array.isArray(columns) || columns.length === 0) throw new DataError('columns', `expected a non-empty array of names or indices, got ${describe(columns)}`);
  return columns.map((column, k) => {
    if (typeof column === 'number') {
      if (!Number.isInteger(column) || column < 0 || column >= fieldCount) throw new DataError(`columns[${k}]`, `${column} is not a column index in [0, ${fieldCount - 1}]`);
      return column;
    }
    if (!header) throw new DataError(`columns[${k}]`, `selects ${describe(column)} by name, but header is false; use an index`);
    const index = header.indexOf(column);
    if (index < 0) throw new DataError(`columns[${k}]`, `no column is named ${describe(column)}; the header has ${header.map((h) => describe(h)).join(', ')}`);
    return index;
  });
}

function parseNumber(field: string, empty: number | undefined, where: () => string): number {
  const trimmed = field.trim();
  if (trimmed === '') {
    if (empty === undefined) throw new DataError(where(), 'is empty (pass the empty option, e.g. NaN, to accept missing values)');
    return empty;
  }
  if (NUMBER.test(trimmed)) return Number(trimmed);
  const special = SPECIAL.get(trimmed.toLowerCase());
  if (special !== undefined) return special;
  throw new DataError(where(), `${describe(trimmed)} is not a number`);
}
