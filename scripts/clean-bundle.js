// Removes the bundle files of an earlier build before esbuild writes new ones: the names of
// shared and lazily imported chunks carry a content hash, so a rebuild would otherwise leave
// stale chunks in dist/ for npm pack to ship.
import { existsSync, readdirSync, rmSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
if (existsSync(dist)) {
  for (const name of readdirSync(dist)) if (/^seqwasm\..+\.js(\.map)?$/.test(name)) rmSync(new URL(name, dist));
}
