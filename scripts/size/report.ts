// npm run size [-- --json]: what a page downloads from the packed package, raw and gzipped
// (level 9) file by file. Issue 12's budget: JS + Wasm gzipped ≤ 60 KB.
//   entries   each entry file (fetch: browsers, Deno, Bun; node; workerd) with everything it
//             loads before its first statement runs (statically imported chunks) plus
//             seqwasm.wasm, which init() loads; then each chunk loaded only by a dynamic
//             import() (loadModel's model-file reader, fit's progress bar, Node's file
//             reader), with the chunks it adds;
//   vite      `vite build` (defaults) of three pages in a project that installed the tarball:
//             apps/predict.js (build a model, predict), apps/train.js (compile, fit with the
//             progress bar, predict, save) and apps/load.js (loadModel, predict); the same
//             split into what loads first and what loads later.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPacked, ROOT } from '../runtimes/package.js';
import { entryDownloads, total, viteDownloads, type Downloads, type SizedFile } from './graph.js';

const ENTRIES = ['seqwasm.fetch.js', 'seqwasm.node.js', 'seqwasm.workerd.js'];
const APPS = ['predict.js', 'train.js', 'load.js'];
const BUDGET_KB = 60;

const dir = mkdtempSync(join(tmpdir(), 'seqwasm-size-'));
try {
  const { packed, packageDir } = installPacked(dir);
  const apps = join(dir, 'apps');
  cpSync(join(ROOT, 'scripts/size/apps'), apps, { recursive: true });
  const report: Record<string, Downloads> = {};
  for (const entry of ENTRIES) report[`entry ${entry}`] = entryDownloads(packageDir, entry);
  for (const app of APPS) report[`vite apps/${app}`] = await viteDownloads(apps, app);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ tarball: packed.size, report }, null, 2));
  else print(packed.size, report);
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
