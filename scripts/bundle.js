// npm run build:bundle: the entry files dist/seqwasm.{node,fetch,workerd}.js and those of
// 'seqwasm/inference', dist/seqwasm.inference.{node,fetch,workerd}.js, each kind built alike:
//   node            one file, no splitting: at import Node pays for every file it resolves and
//                   loads (more than for parsing the lazy modules inline), and downloads nothing.
//                   Whitespace and syntax minified, names left as written: classes and
//                   functions keep their names (Node prints an uncaught error under its class's
//                   name) without --keep-names, whose name-setting calls and static blocks
//                   cost ~8 ms of CPU at import;
//   fetch, workerd  split into shared and lazy chunks (a page downloads a lazy chunk, such as
//                   loadModel's reader, the progress bar or a file format, only when it is asked
//                   for), fully minified, names kept.
// Bundlers read the unbundled dist/*.js instead (package.json's "module" condition): they
// tree-shake it.
import { build } from 'esbuild';

const shared = {
  bundle: true,
  lineLimit: 80,
  // Maps name the src/ files and lines (for stack traces) without carrying their text: with it
  // they were 5.7 of the package's 8.6 MB unpacked.
  sourcemap: true,
  sourcesContent: false,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*', '*.wasm'],
  outdir: 'dist',
  entryNames: 'seqwasm.[name]',
  chunkNames: 'seqwasm.[name]-[hash]',
  logLevel: 'warning',
};

await Promise.all([
  // esbuild breaks a line only where it can, past the limit: with the Node bundle's longer names
  // 80 left a 220-character line that throws (test:bundlers wants at most 200); 70 leaves none.
  build({ ...shared, entryPoints: ['src/node.ts'], minifyWhitespace: true, minifySyntax: true, lineLimit: 70 }),
  build({ ...shared, entryPoints: ['src/inference.node.ts'], minifyWhitespace: true, minifySyntax: true, lineLimit: 70 }),
  build({ ...shared, entryPoints: ['src/fetch.ts', 'src/workerd.ts'], splitting: true, minify: true, keepNames: true }),
  // Its own run: chunks shared with the training entries would cut 'seqwasm/inference' into more, smaller files.
  build({ ...shared, entryPoints: ['src/inference.fetch.ts', 'src/inference.workerd.ts'], splitting: true, minify: true, keepNames: true }),
]);
