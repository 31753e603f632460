// After esbuild: ends the import statements at the top of each bundle file with a newline.
// esbuild writes the imports of other chunks and of node: modules before the code and counts
// --line-limit from where the code starts, so a file with many imports got a first code line
// of 260+ characters (Node prints the whole line of a throw there). The source map moves
// with the code: the mappings after the break go to a new line, their columns shifted.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The import statements at the top of an esbuild ESM file (esbuild breaks long lists across lines). */
const IMPORTS = /^(?:\n?import\s*(?:[^;"]*?from\s*)?"[^"]*";)+/;

for (const name of readdirSync(dist).filter((n) => /^seqwasm\..+\.js$/.test(n))) {
  const code = readFileSync(new URL(name, dist), 'utf8');
  const end = IMPORTS.exec(code)?.[0].length;
  if (end === undefined || code[end] === '\n') continue;
  const line = code.slice(0, end).split('\n').length - 1;
  const column = end - (code.lastIndexOf('\n', end - 1) + 1);
  writeFileSync(new URL(name, dist), `${code.slice(0, end)}\n${code.slice(end)}`);
  const mapUrl = new URL(`${name}.map`, dist);
  const map = JSON.parse(readFileSync(mapUrl, 'utf8'));
  const lines = map.mappings.split(';');
  if (line >= lines.length) continue; // nothing mapped from the break on (a Node entry's few lines of its own)
  lines.splice(line, 1, ...splitLine(lines[line], column));
  map.mappings = lines.join(';');
  writeFileSync(mapUrl, JSON.stringify(map));
}

/** One line of mappings cut at generated `column`: the segments before it, and those from it on (columns now from 0). */
function splitLine(segments, column) {
  const parsed = segments === '' ? [] : segments.split(',').map(decode);
  let absolute = 0;
  const cut = parsed.findIndex((fields) => (absolute += fields[0]) >= column);
  if (cut === -1) return [segments, ''];
  const before = parsed.slice(0, cut);
  const after = parsed.slice(cut);
  // The first segment of a line holds its absolute column; the rest stay relative to it.
  after[0] = [absolute - column, ...after[0].slice(1)];
  return [before.map(encode).join(','), after.map(encode).join(',')];
}

/** A segment's base64 VLQ fields. */
function decode(segment) {
  const fields = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}

function encode(fields) {
  let out = '';
  for (const field of fields) {
    let value = field < 0 ? (-field << 1) | 1 : field << 1;
    do {
      const digit = value & 31;
      value >>>= 5;
      out += BASE64[value > 0 ? digit | 32 : digit];
    } while (value > 0);
  }
  return out;
}
