// Removes what an earlier build left in dist/ for npm pack to ship: the bundle files, before
// esbuild writes new ones (the names of shared and lazily imported chunks carry a content
// hash, so a rebuild would otherwise leave stale chunks), and tsc's output (.js, .js.map,
// .d.ts) of sources that no longer exist (a file moved or removed in src/).
import { existsSync, readdirSync, rmSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const src = new URL('../src/', import.meta.url);
if (existsSync(dist)) {
  for (const name of readdirSync(dist)) if (/^seqwasm\..+\.js(\.map)?$/.test(name)) rmSync(new URL(name, dist));
  for (const name of readdirSync(dist, { recursive: true })) {
    const compiled = /^(.+)\.(?:js|js\.map|d\.ts)$/.exec(name);
    if (compiled && !/^seqwasm[.-]/.test(name) && !existsSync(new URL(`${compiled[1]}.ts`, src))) rmSync(new URL(name, dist));
  }
}
