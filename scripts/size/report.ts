// npm run size [-- --json]: what a page downloads from the packed package, raw and gzipped
// (level 9) file by file. Issue 12's budget: JS + Wasm gzipped ≤ 60 KB.
//   entries   each entry file (fetch: browsers, Deno, Bun; node; workerd) with everything it
//             loads before its first statement runs (statically imported chunks) plus
//             seqwasm.wasm, which init() loads; then each chunk loaded only by a dynamic
//             import() (loadModel's model-file reader, fit's epochs and progress bar, the file
//             formats), with the chunks it adds, and the opt-in modules of init({ threads })
//             and init({ relaxedSimd: true }). A node entry imports one chunk (scripts/bundle.js);
//   vite      `vite build` (defaults) of three pages in a project that installed the tarball,
//             from the unbundled dist/*.js that bundlers take (the "module" condition):
//             apps/predict.js (build a model, predict), apps/train.js (compile, fit with the
//             progress bar, predict, save) and apps/load.js (loadModel, predict); the same
//             split into what loads first and what loads later.
// With --sources: what the fetch entry's JS before it runs is made of, by source folder and
// file (from the source maps), raw and gzipped (each file's gzip ratio applied to its share).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPacked, ROOT } from '../runtimes/package.js';
import { entryDownloads, sourceBytes, total, viteDownloads, type Downloads, type SizedFile } from './graph.js';

/** Each entry file and the module its init() loads. */
const ENTRIES: Record<string, string> = {
  'seqwasm.fetch.js': 'seqwasm.wasm',
  'seqwasm.node.js': 'seqwasm.wasm',
  'seqwasm.workerd.js': 'seqwasm.wasm',
  'seqwasm.inference.fetch.js': 'seqwasm-inference.wasm',
  'seqwasm.inference.node.js': 'seqwasm-inference.wasm',
  'seqwasm.inference.workerd.js': 'seqwasm-inference.wasm',
};
const APPS = ['predict.js', 'train.js', 'load.js', 'predict-inference.js', 'load-inference.js'];
const BUDGET_KB = 60;

const dir = mkdtempSync(join(tmpdir(), 'seqwasm-size-'));
try {
  const { packed, packageDir } = installPacked(dir);
  const apps = join(dir, 'apps');
  cpSync(join(ROOT, 'scripts/size/apps'), apps, { recursive: true });
  const report: Record<string, Downloads> = {};
  for (const [entry, wasm] of Object.entries(ENTRIES)) report[`entry ${entry}`] = entryDownloads(packageDir, entry, wasm);
  for (const app of APPS) report[`vite apps/${app}`] = await viteDownloads(apps, app);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ tarball: packed.size, report }, null, 2));
  else print(packed.size, report);
  if (process.argv.includes('--sources')) printSources(join(packageDir, 'dist'), report['entry seqwasm.fetch.js'].initial);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function print(tarball: number, report: Record<string, Downloads>): void {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const sizes = (files: readonly SizedFile[]) => {
    const sum = total(files);
    return `${kb(sum.raw).padStart(9)} raw ${kb(sum.gzip).padStart(9)} gzipped`;
  };
  const row = (label: string, files: readonly SizedFile[]) => console.log(`${label.padEnd(58)}${sizes(files)}`);
  console.log(`npm pack tarball: ${kb(tarball)}\n`);
  for (const [name, { initial, lazy }] of Object.entries(report)) {
    const js = initial.filter((f) => !f.file.endsWith('.wasm'));
    const gzip = total(initial).gzip;
    console.log(`${name}: before it runs, JS + Wasm ${kb(gzip)} gzipped (budget ${BUDGET_KB} KB${gzip > BUDGET_KB * 1024 ? `, ${kb(gzip - BUDGET_KB * 1024)} over` : ''})`);
    for (const file of initial) row(`    ${file.file}`, [file]);
    row(`  JS, ${js.length} files`, js);
    for (const { chunk, files } of lazy) row(`  later: ${chunk}${files.length > 1 ? ` + ${files.length - 1} chunks` : ''}`, files);
    console.log();
  }
}

/** The initial JS files' bytes per source file and folder (src/<folder>), raw and estimated gzipped. */
function printSources(dist: string, initial: readonly SizedFile[]): void {
  const raw = new Map<string, number>();
  const gzip = new Map<string, number>();
  for (const file of initial.filter((f) => f.file.endsWith('.js'))) {
    const code = readFileSync(join(dist, file.file), 'utf8');
    for (const [source, bytes] of sourceBytes(code, JSON.parse(readFileSync(join(dist, `${file.file}.map`), 'utf8')))) {
      const name = source.replace(/^(\.\.\/)+/, '');
      raw.set(name, (raw.get(name) ?? 0) + bytes);
      gzip.set(name, (gzip.get(name) ?? 0) + (bytes * file.gzip) / file.raw);
    }
  }
  const folderOf = (name: string) => name.split('/').slice(0, 2).join('/');
  const folders = new Map<string, { raw: number; gzip: number }>();
  for (const [name, bytes] of raw) {
    const folder = folders.get(folderOf(name)) ?? { raw: 0, gzip: 0 };
    folders.set(folderOf(name), { raw: folder.raw + bytes, gzip: folder.gzip + gzip.get(name)! });
  }
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`.padStart(9);
  console.log('entry seqwasm.fetch.js, JS before it runs, by source (gzipped: estimated from each file\'s ratio):');
  for (const [folder, size] of [...folders].sort((a, b) => b[1].raw - a[1].raw)) {
    console.log(`  ${folder.padEnd(56)}${kb(size.raw)} raw ${kb(size.gzip)} gzipped`);
    const files = [...raw].filter(([name]) => folderOf(name) === folder && name !== folder).sort((a, b) => b[1] - a[1]);
    for (const [name, bytes] of files) console.log(`    ${name.padEnd(54)}${kb(bytes)} raw ${kb(gzip.get(name)!)} gzipped`);
  }
}
