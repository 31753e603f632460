// Rebuilds dist/ when a source is newer than its output, so `npm test`, benches, the demo and
// `npm pack` (prepack) always use the code in the tree. package.json and scripts/bundle.js count as
// sources of the bundle (they shape it), asconfig.json as one of the .wasm (its optimizer
// settings). A plain `npm run build` does the same unconditionally.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function newestMtime(dir) {
  if (statSync(join(root, dir)).isFile()) return statSync(join(root, dir)).mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function outdated(output, ...sources) {
  const out = join(root, output);
  if (!existsSync(out)) return true;
  const built = statSync(out).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

if (['seqwasm', 'seqwasm-threads', 'seqwasm-relaxed', 'seqwasm-inference'].some((name) => outdated(`dist/${name}.wasm`, 'assembly', 'asconfig.json'))) execSync('npm run build:wasm', { cwd: root, stdio: 'inherit' });
if (outdated('dist/index.js', 'src') || outdated('dist/seqwasm.fetch.js', 'src', 'package.json', 'scripts/bundle.js')) execSync('npm run build:ts', { cwd: root, stdio: 'inherit' });
