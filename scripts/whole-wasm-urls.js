// After esbuild: puts each `new URL("./seqwasm….wasm",import.meta.url)` of the bundle back on
// one line. esbuild's --line-limit may split the string with a line continuation (`\` and a
// newline), which JS reads as the same string, or break the line between its tokens (the Node
// bundle, whose names are not minified); Vite and webpack recognise neither as an asset URL:
// they would not emit that .wasm (the threaded or relaxed-SIMD module) and
// init({ threads }) / init({ relaxedSimd }) would fall back in every bundled app. The joined
// expression keeps its line; what it took from the following lines becomes spaces there, so
// every other character keeps its line and column and the source map stays valid.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const WASM_URL = /new URL\(\n?"(?:[^"\\\n]|\\\n)*"\n?,\n?import\n?\.\n?meta\n?\.\n?url\n?\)/g;

for (const name of readdirSync(dist).filter((n) => /^seqwasm\..+\.js$/.test(n))) {
  const code = readFileSync(new URL(name, dist), 'utf8');
  const joined = code.replace(WASM_URL, (expression) => {
    if (!expression.includes('\n')) return expression;
    const lines = expression.split('\n');
    const last = lines.at(-1);
    return `${expression.replaceAll('\\\n', '').replaceAll('\n', '')}${'\n'.repeat(lines.length - 1)}${' '.repeat(last.length)}`;
  });
  if (joined !== code) writeFileSync(new URL(name, dist), joined);
}
