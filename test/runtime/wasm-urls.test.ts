// The built fetch and Node entries name each module as `new URL("./<file>",import.meta.url)` in
// one piece, the pattern by which Vite and webpack emit a .wasm beside the bundle: esbuild's
// --line-limit once split the threaded and relaxed modules' strings (scripts/whole-wasm-urls.js
// joins them), so bundled apps lacked those files and init({ threads }) or
// init({ relaxedSimd: true }) fell back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const MODULES = ['seqwasm.wasm', 'seqwasm-threads.wasm', 'seqwasm-relaxed.wasm'];

describe('module URLs in the built entries', () => {
  for (const entry of ['seqwasm.fetch.js', 'seqwasm.node.js']) {
    it(`${entry} names ${MODULES.join(', ')} each in one piece`, () => {
      const code = readFileSync(new URL(`../../dist/${entry}`, import.meta.url), 'utf8');
      for (const file of MODULES) expect(code).toContain(`new URL("./${file}",import.meta.url)`);
    });
  }
});
