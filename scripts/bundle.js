// npm run build:bundle: the entry files dist/seqwasm.{node,fetch,workerd}.js and those of
// 'seqwasm/inference', dist/seqwasm.inference.{node,fetch,workerd}.js, each kind built alike:
//   node            the entry and ONE chunk hold all that loads at import; each file format,
//                   save destination and fit's epochs are a lazy chunk, loaded on first use:
//                   inline, they were 30% of the bytes V8 compiled at import (~2.5 of the
//                   ~23 ms from import to first prediction). One chunk, not esbuild's usual
//                   several, as Node pays for every file it resolves and loads (nodeBuild()).
//                   Whitespace and syntax minified, names left as written: classes and
//                   functions keep their names (Node prints an uncaught error under its class's
//                   name) without --keep-names, whose name-setting calls and static blocks
//                   cost ~8 ms of CPU at import; renamed identifiers compiled slower too;
//   fetch, workerd  split into shared and lazy chunks (a page downloads a lazy chunk, such as
//                   loadModel's reader, the progress bar or a file format, only when it is asked
//                   for), fully minified, names kept.
// Bundlers read the unbundled dist/*.js instead (package.json's "module" condition): they
// tree-shake it.
import { resolve } from 'node:path';
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
  nodeBuild('src/node.ts'),
  nodeBuild('src/inference.node.ts'),
  build({ ...shared, entryPoints: ['src/fetch.ts', 'src/workerd.ts'], splitting: true, minify: true, keepNames: true }),
  // Its own run: chunks shared with the training entries would cut 'seqwasm/inference' into more, smaller files.
  build({ ...shared, entryPoints: ['src/inference.fetch.ts', 'src/inference.workerd.ts'], splitting: true, minify: true, keepNames: true }),
]);

/**
 * A Node entry that imports one chunk. esbuild's splitting gives each set of entries and dynamic
 * imports that reach a module its own chunk, so the code the entry shares with different lazy
 * modules came in ~11 chunks, each a file Node resolves and loads at import. Here each dynamic
 * import loads a stand-in module that re-exports its target and also re-exports, as
 * namespaces, what the entry imports: every module the entry needs is then reached by the same
 * set, one chunk. (A bare or unused import would not do: esbuild drops it, the modules having no
 * side effects by package.json's "sideEffects".) Nothing imports a stand-in statically, so no
 * import cycle and no evaluation order changes. The check after the build confirms the chunking.
 */
async function nodeBuild(entry) {
  // esbuild breaks a line only where it can, past the limit: with the Node bundle's longer names
  // 80 left a 220-character line that throws (test:bundlers wants at most 200); 70 leaves none.
  const options = { ...shared, entryPoints: [entry], minifyWhitespace: true, minifySyntax: true, lineLimit: 70 };
  const { metafile } = await build({ ...options, write: false, metafile: true });
  const entryImports = metafile.inputs[entry].imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => resolve(i.path));
  const STAND_IN = 'loads-with-the-entrys-imports';
  const result = await build({
    ...options,
    splitting: true,
    chunkNames: `${entryNameOf(entry)}-[name]-[hash]`,
    metafile: true,
    plugins: [
      {
        name: 'one-chunk-at-import',
        setup(esbuild) {
          esbuild.onResolve({ filter: /^\./ }, async ({ path, kind, resolveDir, importer }) => {
            if (kind !== 'dynamic-import') return undefined;
            const target = await esbuild.resolve(path, { kind: 'import-statement', resolveDir, importer });
            return target.errors.length ? { errors: target.errors } : { path: target.path, namespace: STAND_IN };
          });
          esbuild.onLoad({ filter: /.*/, namespace: STAND_IN }, ({ path }) => ({
            contents: [`export * from ${JSON.stringify(path)};`, ...entryImports.map((file, i) => `export * as entryImport${i} from ${JSON.stringify(file)};`)].join('\n'),
            loader: 'js',
            resolveDir: '.',
          }));
        },
      },
    ],
  });
  const outputs = result.metafile.outputs;
  const staticChunks = (file) => outputs[file].imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => i.path);
  const [entryFile] = Object.keys(outputs).filter((file) => outputs[file].entryPoint === entry);
  const chunks = staticChunks(entryFile);
  if (chunks.length !== 1 || staticChunks(chunks[0]).length !== 0) throw new Error(`${entryFile} imports ${JSON.stringify(chunks)} at start (and they ${JSON.stringify(chunks.flatMap(staticChunks))}): expected one chunk that imports no other`);
}

/** 'src/inference.node.ts' → 'seqwasm.inference.node', as entryNames names its file. */
function entryNameOf(entry) {
  return `seqwasm.${entry.replace(/^src\//, '').replace(/\.ts$/, '')}`;
}
