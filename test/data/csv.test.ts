import { describe, expect, it } from 'vitest';
import { DataError, parseCsv, timeseriesWindows } from '../../src/data/index.js';

// The shape of NOAA's monthly Mauna Loa CO2 file: comment lines, a header, a date column.
const CO2 = `# --------------------------------------------------------------
# Monthly mean CO2 mole fraction, Mauna Loa (excerpt)
year,month,decimal date,average,deseasonalized
1958,3,1958.2027,315.70,314.43\r
1958,4,1958.2877,317.45,315.16\r
1958,5,1958.3699,317.51,314.71\r

1958,6,1958.4548,317.27,315.14
`;

describe('parseCsv', () => {
  it('reads named columns, skipping comments and blank lines, handling CRLF', () => {
    const table = parseCsv(CO2, { comment: '#' });
    expect(table.names).toEqual(['year', 'month', 'decimal date', 'average', 'deseasonalized']);
    expect(table.rows).toBe(4);
    expect(Array.from(table.column('average'))).toEqual([315.7, 317.45, 317.51, 317.27]);
    expect(table.column('decimal date')[0]).toBe(1958.2027); // float64 keeps dates exact
  });

  it('selects columns by name or index, in the order given, ready for windowing', () => {
    const table = parseCsv(CO2, { comment: '#', columns: ['average', 0] });
    expect(table.names).toEqual(['average', 'year']);
    expect(table.column(1)).toEqual(Float64Array.of(1958, 1958, 1958, 1958));
    const t = table.toTensor();
    expect(t.shape).toEqual([4, 2]);
    expect(Array.from(t.data.subarray(0, 2))).toEqual([Math.fround(315.7), 1958]);
    expect(timeseriesWindows(t, { sequenceLength: 2, targetOffset: 2, targetColumns: 0 }).y!.data).toEqual(Float32Array.of(317.51, 317.27));
  });

  it('reads files without a header, other delimiters, quotes, exponents, NaN and Infinity', () => {
    const table = parseCsv('1;"2.5";-3e2\n.5; +4 ;"1e-3"\nNaN;inf;-Infinity\n', { header: false, delimiter: ';' });
    expect(table.names).toEqual(['0', '1', '2']);
    expect(table.columns.map((c) => Array.from(c))).toEqual([
      [1, 0.5, NaN],
      [2.5, 4, Infinity],
      [-300, 0.001, -Infinity],
    ]);
    expect(() => parseCsv('"2,5"\n', { header: false })).toThrow('line 1, column 0: "2,5" is not a number');
  });

  it('unselected columns may hold anything; quoted headers may hold the delimiter', () => {
    const table = parseCsv('"Date Time","T (degC)",label\n01.01.2009 00:10:00,-8.02,"a ""b"""\n', { columns: ['T (degC)'] });
    expect(Array.from(table.column('T (degC)'))).toEqual([-8.02]);
  });

  it('empty fields are errors unless a value is given for them', () => {
    expect(() => parseCsv('a,b\n1,\n')).toThrow(new DataError('line 2, column 1 ("b")', 'is empty (pass the empty option, e.g. NaN, to accept missing values)'));
    expect(Array.from(parseCsv('a,b\n1,\n', { empty: NaN }).column('b'))).toEqual([NaN]);
  });

  it('errors name the line (1-based) and the column (0-based, as `columns`)', () => {
    expect(() => parseCsv('x,temp\n1,2\n2,n/a\n')).toThrow('line 3, column 1 ("temp"): "n/a" is not a number');
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow('line 3: has 1 fields, expected 2 (as the header)');
    expect(() => parseCsv('1,2\n3,4,5\n', { header: false })).toThrow('line 2: has 3 fields, expected 2 (as the first row)');
    expect(() => parseCsv('a,b\n"1,2\n')).toThrow('line 2: has a quoted field without its closing quote');
    expect(() => parseCsv('a\n"1"x\n')).toThrow('line 2: has text after the closing quote of field 0');
    expect(() => parseCsv('a,b\n1,2\n', { columns: ['c'] })).toThrow('columns[0]: no column is named "c"; the header has "a", "b"');
    expect(() => parseCsv('1,2\n', { header: false, columns: ['a'] })).toThrow('columns[0]: selects "a" by name, but header is false; use an index');
    expect(() => parseCsv('1,2\n', { header: false, columns: [2] })).toThrow('columns[0]: 2 is not a column index in [0, 1]');
    expect(() => parseCsv('# only a comment\n', { comment: '#' })).toThrow('text: holds no data lines');
    expect(() => parseCsv('a\n1\n', { delimiter: ',,' })).toThrow('delimiter: expected one character other than a quote or a line break, got ",,"');
    expect(() => parseCsv('a\n1\n').column('b')).toThrow('name: "b" is not one of the columns read: "a"');
  });

  it('a header alone gives empty columns', () => {
    const table = parseCsv('a,b\n');
    expect(table.rows).toBe(0);
    expect(table.toTensor().shape).toEqual([0, 2]);
  });
});
