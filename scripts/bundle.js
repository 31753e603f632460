// npm run build:bundle: the entry files dist/seqwasm.{node,fetch,workerd}.js, in two esbuild runs:
//   node            one file, no splitting: at import Node pays for every file it resolves and
//                   loads (more than for parsing the lazy modules inline), and downloads nothing;
//   fetch, workerd  split into shared and lazy chunks: a page downloads a lazy chunk (loadModel's
//                   reader, the progress bar, the file formats) only when it is asked for.
// Names are kept: Node prints an uncaught error under its class's name. Bundlers read the
// unbundled dist/*.js instead (package.json's "module" condition), which they can tree-shake.
import { build } from 'esbuild';

const shared = {
  bundle: true,
  minify: true,
  keepNames: true,
  lineLimit: 80,
  sourcemap: true,
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
  build({ ...shared, entryPoints: ['src/node.ts'] }),
  build({ ...shared, entryPoints: ['src/fetch.ts', 'src/workerd.ts'], splitting: true }),
]);
