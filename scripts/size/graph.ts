// What a page downloads, measured on the packed package: the files each entry loads before
// its first statement runs (the entry, the chunks it imports statically, transitively, and
// seqwasm.wasm, which init() loads), and each chunk loaded later by a dynamic import() (the
// model-file reader of loadModel, fit's progress bar, Node's file reader) or only when init() is
// asked for it (seqwasm-threads.wasm, seqwasm-relaxed.wasm). The same for what a user's Vite
// production build emits. Sizes raw and gzipped at level 9, file by file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as viteBuild, type Rolldown } from 'vite';

export interface SizedFile {
  readonly file: string;
  readonly raw: number;
  readonly gzip: number;
}

/** An entry's downloads: `initial` before it runs, `lazy` per dynamic import (that chunk and what it adds). */
export interface Downloads {
  readonly initial: readonly SizedFile[];
  readonly lazy: readonly { readonly chunk: string; readonly files: readonly SizedFile[] }[];
}

export function sized(file: string, bytes: Uint8Array | string): SizedFile {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return { file, raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

export function total(files: readonly SizedFile[]): { raw: number; gzip: number } {
  return files.reduce((sum, f) => ({ raw: sum.raw + f.raw, gzip: sum.gzip + f.gzip }), { raw: 0, gzip: 0 });
}

/** The relative files an esbuild ESM output imports: `from"./x.js"` / `import"./x.js"`, and `import("./x.js")`. */
export function importsOf(code: string): { static: string[]; dynamic: string[] } {
  const found = (pattern: RegExp) => [...new Set([...code.matchAll(pattern)].map((m) => m[1].slice(2)))];
  return { static: found(/(?:\bfrom|\bimport)\s*"(\.\/[^"]+)"/g), dynamic: found(/\bimport\(\s*"(\.\/[^"]+)"\s*\)/g) };
}

/** A module graph: each file's static and dynamic imports, and its size. */
interface Graph {
  imports(file: string): { static: string[]; dynamic: string[] };
  size(file: string): SizedFile;
}

/** The modules init() loads only when asked: init({ threads }) and init({ relaxedSimd: true }). */
export const OPT_IN_MODULES = ['seqwasm-threads.wasm', 'seqwasm-relaxed.wasm'];

/**
 * Splits the files reachable from `entry` into those loaded before it runs and the lazy chunks.
 * `alwaysLoaded` (the .wasm that init() fetches) counts as initial, `loadedWhenAsked` (the
 * opt-in modules) as lazy.
 */
function downloads(graph: Graph, entry: string, alwaysLoaded: readonly string[], loadedWhenAsked: readonly string[]): Downloads {
  const closure = (start: string, known: ReadonlySet<string>) => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file) || known.has(file)) return;
      seen.add(file);
      for (const next of graph.imports(file).static) visit(next);
    };
    visit(start);
    return seen;
  };
  const initial = closure(entry, new Set());
  for (const file of alwaysLoaded) initial.add(file);
  const lazy: Downloads['lazy'][number][] = [];
  const queued = new Set<string>();
  const queue = [...initial].flatMap((file) => graph.imports(file).dynamic);
  while (queue.length > 0) {
    const chunk = queue.shift()!;
    if (queued.has(chunk) || initial.has(chunk)) continue;
    queued.add(chunk);
    const files = closure(chunk, initial);
    lazy.push({ chunk, files: [...files].map((f) => graph.size(f)) });
    for (const file of files) queue.push(...graph.imports(file).dynamic);
  }
  for (const file of loadedWhenAsked) lazy.push({ chunk: file, files: [graph.size(file)] });
  return { initial: [...initial].map((f) => graph.size(f)), lazy };
}

/** The downloads of one of the package's entry files (dist/seqwasm.<name>.js), as the package ships them; `wasm` is the module its init() loads. */
export function entryDownloads(packageDir: string, entry: string, wasm: string): Downloads {
  const dist = join(packageDir, 'dist');
  const read = (file: string) => readFileSync(join(dist, file));
  const graph: Graph = {
    imports: (file) => (file.endsWith('.js') ? importsOf(read(file).toString('utf8')) : { static: [], dynamic: [] }),
    size: (file) => sized(file, read(file)),
  };
  return downloads(graph, entry, [wasm], OPT_IN_MODULES);
}

/**
 * A Vite production build (defaults, as a user runs `vite build`) of the page script `app`
 * inside `root`, a project with seqwasm installed; its downloads from Vite's chunk graph.
 */
export async function viteDownloads(root: string, app: string): Promise<Downloads> {
  const result = (await viteBuild({ root, configFile: false, logLevel: 'silent', build: { write: false, rollupOptions: { input: join(root, app) } } })) as Rolldown.RolldownOutput;
  const outputs = new Map(result.output.map((o) => [o.fileName, o]));
  const entry = result.output.find((o) => o.type === 'chunk' && o.isEntry)!;
  const wasm = result.output.filter((o) => o.type === 'asset' && o.fileName.endsWith('.wasm'));
  const optIn = (o: (typeof wasm)[number]) => o.type === 'asset' && o.names.some((name) => OPT_IN_MODULES.includes(name));
  const graph: Graph = {
    imports(file) {
      const o = outputs.get(file);
      return o?.type === 'chunk' ? { static: o.imports, dynamic: o.dynamicImports } : { static: [], dynamic: [] };
    },
    size(file) {
      const o = outputs.get(file)!;
      return sized(file, o.type === 'chunk' ? o.code : o.source);
    },
  };
  return downloads(graph, entry.fileName, wasm.filter((o) => !optIn(o)).map((o) => o.fileName), wasm.filter(optIn).map((o) => o.fileName));
}

/** A source map's fields that sourceBytes reads. */
interface SourceMap {
  readonly sources: readonly string[];
  readonly mappings: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Bytes of a generated file per original source, from its source map: each mapped segment
 * counts from its column to the next segment's (or the line's end) toward its source; what no
 * segment covers (esbuild's glue) counts as '(unmapped)'. Columns count UTF-16 units, as
 * source maps do, which equal bytes in esbuild's ASCII output.
 */
export function sourceBytes(code: string, map: SourceMap): Map<string, number> {
  const bytes = new Map<string, number>();
  const add = (source: string, n: number) => bytes.set(source, (bytes.get(source) ?? 0) + n);
  const mappings = map.mappings.split(';');
  let source = 0;
  const lines = code.split('\n');
  lines.forEach((text, i) => {
    const length = text.length + (i + 1 < lines.length ? 1 : 0); // a newline counts with the line it ends
    const line = mappings[i] ?? '';
    const segments = line === '' ? [] : line.split(',').map(decodeVlq);
    let column = 0;
    let covered = 0;
    segments.forEach((segment, s) => {
      column += segment[0];
      if (s === 0) covered = column;
      if (segment.length >= 4) source += segment[1];
      const end = s + 1 < segments.length ? column + segments[s + 1][0] : length;
      add(segment.length >= 4 ? map.sources[source] : '(unmapped)', end - column);
    });
    add('(unmapped)', segments.length ? covered : length);
  });
  return bytes;
}

/** The numbers of one segment of a source map's mappings (base64 VLQ, sign in the lowest bit). */
function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if (digit & 32) continue;
    values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  return values;
}
