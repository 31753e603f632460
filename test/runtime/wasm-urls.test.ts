// The built fetch and Node entries name each module as `new URL("./<file>",import.meta.url)` in
// one piece, the pattern by which Vite and webpack emit a .wasm beside the bundle: esbuild's
// --line-limit once split the threaded and relaxed modules' strings (scripts/whole-wasm-urls.js
// joins them), so bundled apps lacked those files and init({ threads }) or
// init({ relaxedSimd: true }) fell back.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const OPT_IN = ['seqwasm-threads.wasm', 'seqwasm-relaxed.wasm'];
/** Each built entry and its default module ('seqwasm/inference' loads the forward-only one). */
const ENTRIES: Record<string, string> = {
  'seqwasm.fetch.js': 'seqwasm.wasm',
  'seqwasm.node.js': 'seqwasm.wasm',
  'seqwasm.inference.fetch.js': 'seqwasm-inference.wasm',
  'seqwasm.inference.node.js': 'seqwasm-inference.wasm',
};

describe('module URLs in the built entries', () => {
  for (const [entry, module] of Object.entries(ENTRIES)) {
    const modules = [module, ...OPT_IN];
    it(`${entry} names ${modules.join(', ')} each in one piece`, () => {
      const code = readFileSync(new URL(`../../dist/${entry}`, import.meta.url), 'utf8');
      for (const file of modules) expect(code).toContain(`new URL("./${file}",import.meta.url)`);
    });
  }
});
