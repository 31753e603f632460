// npm run test:bundlers — the packed package as a user's bundler and browser see it:
//   1. prepack: `npm pack` of a stale dist rebuilds it first;
//   2. errors: an uncaught ModelInputError from the installed package prints short lines and
//      names its class; under `node --enable-source-maps` its stack names src/…ts lines;
//   3. bundlers, each page in Debian's Chromium: Vite (dev server and production build),
//      webpack 5 (a page and a Web Worker), esbuild (the .wasm copied beside the bundle, or
//      its URL passed to init(); with neither, the SeqwasmInitError that names the URL tried
//      and the fix). Every page trains and predicts (test/bundlers/app/tiny.js) and must
//      print exactly what Node prints; a Vite page on 'seqwasm/inference' (serve.html) loads
//      only seqwasm-inference.wasm and predicts what Node predicts with 'seqwasm';
//   4. conditions: wrangler-style esbuild (workerd, worker, browser) takes the workerd entry,
//      webpack's webworker target the fetch entry;
//   5. quiet: no dependency install script left unreviewed, no TF.js banner in a test run.
// The recipes are the README's "Bundlers" section; servers listen on 127.0.0.1 only.
//
//   npm run test:bundlers [-- --json=FILE]    FILE gets { passed, failed, tests } for CI
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import type { Browser } from 'playwright-core';
import { build as viteBuild, createServer as viteServer } from 'vite';
import webpack, { type Configuration, type Stats } from 'webpack';
import { jsonFileArg, Outcomes, ms } from '../outcomes.js';
import { launchChromium, runPage, serve } from '../runtimes/launch.js';
import { installPacked, ROOT } from '../runtimes/package.js';

const PAGE_TIMEOUT_MS = 30_000;
const MAX_LINE = 200;
/** The literal Vite and webpack follow to emit the .wasm; the entries must keep it whole. */
const WASM_URL = 'new URL("./seqwasm.wasm",import.meta.url)';

const json = jsonFileArg('bundlers', process.argv.slice(2));
const outcomes = new Outcomes();
const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'seqwasm-bundlers-'));
const app = join(dir, 'app');
let browser: Browser | undefined;
try {
  const packageDir = packStale();
  cpSync(join(ROOT, 'test/bundlers/app'), app, { recursive: true });

  outcomes.check('errors: short lines in the packed JS', () => shortLines(packageDir));
  outcomes.check('errors: an uncaught ModelInputError', () => uncaughtError([]));
  outcomes.check('errors: with --enable-source-maps, src/…ts lines', () => uncaughtError(['--enable-source-maps']));

  const expected = JSON.parse(execFileSync(process.execPath, ['expected.mjs'], { cwd: app, encoding: 'utf8' })) as number[];
  console.log(`Node predicts ${JSON.stringify(expected)}`);
  browser = await launchChromium();
  const pages = browser;
  /** Loads the page; it must predict what Node predicts (in its worker too, with ?worker). */
  const predicts = async (url: string) => {
    const { result, wallMs } = await runPage(pages, url, PAGE_TIMEOUT_MS);
    const want = { page: expected, worker: new URL(url).searchParams.has('worker') ? expected : undefined };
    if (JSON.stringify(result) !== JSON.stringify(want)) throw new Error(`got ${JSON.stringify(result)}, expected ${JSON.stringify(want)} (what Node predicts)`);
    return `${want.worker ? 'page and worker predict' : 'predicts'} what Node does (${wallMs.toFixed(0)} ms)`;
  };

  await outcomes.checkAsync('vite: dev server', async () => {
    const server = await viteServer({ root: app, configFile: false, logLevel: 'silent', server: { host: '127.0.0.1', port: 0, hmr: false, watch: null } });
    try {
      await server.listen();
      return await predicts(`http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}/index.html`);
    } finally {
      await server.close();
    }
  });
  await outcomes.checkAsync('vite: production build', async () => {
    await viteBuild({ root: app, configFile: false, logLevel: 'silent' });
    return onServer(join(app, 'dist'), (origin) => predicts(`${origin}/index.html`));
  });

  await outcomes.checkAsync("vite: production build of a page on 'seqwasm/inference'", async () => {
    const served = execFileSync(process.execPath, ['serve-expected.mjs'], { cwd: app, encoding: 'utf8' }).trim();
    const result = await viteBuild({ root: app, configFile: false, logLevel: 'silent', build: { outDir: 'dist-serve', rollupOptions: { input: join(app, 'serve.html') } } });
    const emitted = (Array.isArray(result) ? result : [result]).flatMap((r) => ('output' in r ? r.output.map((o) => o.fileName) : []));
    if (!emitted.some((f) => /seqwasm-inference-.+\.wasm$/.test(f))) throw new Error(`the build emitted no seqwasm-inference.wasm: ${emitted.join(', ')}`);
    if (emitted.some((f) => /\/seqwasm-[\w-]{8}\.wasm$/.test(f))) throw new Error(`the build emitted the training module seqwasm.wasm too: ${emitted.join(', ')}`);
    return onServer(join(app, 'dist-serve'), async (origin) => {
      const { result: page } = await runPage(pages, `${origin}/serve.html`, PAGE_TIMEOUT_MS);
      if (JSON.stringify(page) !== `{"page":${served}}`) throw new Error(`got ${JSON.stringify(page)}, expected { page: ${served} } (what Node predicts with 'seqwasm')`);
      return "predicts what Node predicts with 'seqwasm', loading seqwasm-inference.wasm only";
    });
  });

  await outcomes.checkAsync('webpack: a page and a Web Worker', async () => {
    const config = (await import(join(app, 'webpack.config.js'))).default as Configuration;
    const entries = seqwasmEntries(await runWebpack(config));
    if (entries.join() !== 'fetch.js') throw new Error(`the page and its worker bundled ${entries.join(' + ') || 'no seqwasm entry'}, expected fetch.js only (the unbundled entry of the "module" condition)`);
    copyFileSync(join(app, 'index.html'), join(app, 'dist/index.html'));
    return onServer(join(app, 'dist'), (origin) => predicts(`${origin}/index.html?worker`));
  });

  const esbuildOut = join(dir, 'esbuild-dist');
  const bundled = esbuild({ entryPoints: [join(app, 'main.js')], bundle: true, format: 'esm', sourcemap: true, outdir: esbuildOut, absWorkingDir: dir, logLevel: 'silent' }).then(() => copyFileSync(join(app, 'index.html'), join(esbuildOut, 'index.html')));
  await outcomes.checkAsync('esbuild: without the .wasm beside the bundle, init() names the URL and the fix', async () => {
    await bundled;
    return onServer(esbuildOut, async (origin) => {
      const error = await runPage(pages, `${origin}/index.html`, PAGE_TIMEOUT_MS).then(
        () => 'a result',
        (e: Error) => e.message,
      );
      const want = `SeqwasmInitError: init(): fetching ${origin}/seqwasm.wasm failed with HTTP 404; seqwasm loads seqwasm.wasm from beside its JS; if a bundler moved the JS, copy node_modules/seqwasm/dist/seqwasm.wasm beside the bundle or pass its URL to init(url)`;
      if (!error.includes(want)) throw new Error(`expected the page to report\n  ${want}\ngot\n  ${error}`);
      return error.slice(error.indexOf('SeqwasmInitError'));
    });
  });
  await outcomes.checkAsync('esbuild: with the .wasm elsewhere, passed to init(url)', async () => {
    await bundled;
    mkdirSync(join(esbuildOut, 'assets'));
    copyFileSync(join(packageDir, 'dist/seqwasm.wasm'), join(esbuildOut, 'assets/seqwasm.wasm'));
    return onServer(esbuildOut, (origin) => predicts(`${origin}/index.html?wasm=/assets/seqwasm.wasm`));
  });
  await outcomes.checkAsync('esbuild: with seqwasm.wasm copied beside the bundle', async () => {
    await bundled;
    copyFileSync(join(packageDir, 'dist/seqwasm.wasm'), join(esbuildOut, 'seqwasm.wasm'));
    return onServer(esbuildOut, (origin) => predicts(`${origin}/index.html`));
  });

  await outcomes.checkAsync("esbuild: --sourcemap maps the bundle into seqwasm's src/…ts (what devtools show)", async () => {
    await bundled;
    const { sources } = JSON.parse(readFileSync(join(esbuildOut, 'main.js.map'), 'utf8')) as { sources: string[] };
    const ours = sources.filter((s) => /node_modules\/seqwasm\/src\/.+\.ts$/.test(s));
    if (!ours.some((s) => s.endsWith('src/training/training.ts'))) throw new Error(`main.js.map names none of seqwasm's src/…ts files; its sources: ${sources.join(', ')}`);
    return `${ours.length} of seqwasm's src/…ts files`;
  });
  await outcomes.checkAsync('conditions: wrangler-style esbuild (workerd, worker, browser) takes the workerd entry', async () => {
    const result = await esbuild({ entryPoints: [join(app, 'worker.js')], bundle: true, write: false, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], external: ['*.wasm'], absWorkingDir: dir, metafile: true, logLevel: 'silent' });
    const entries = Object.keys(result.metafile.inputs).filter(isSeqwasmEntry).map(baseName);
    if (entries.join() !== 'seqwasm.workerd.js') throw new Error(`bundled ${entries.join(' + ') || 'no seqwasm entry'}, expected seqwasm.workerd.js`);
    return entries.join();
  });
  await outcomes.checkAsync("conditions: webpack's webworker target takes the fetch entry", async () => {
    const entries = seqwasmEntries(await runWebpack({ mode: 'production', target: 'webworker', context: app, entry: './worker.js', output: { path: join(dir, 'webworker-dist') } }));
    if (entries.join() !== 'fetch.js') throw new Error(`bundled ${entries.join(' + ') || 'no seqwasm entry'}, expected fetch.js (the unbundled entry of the "module" condition)`);
    return entries.join();
  });

  outcomes.check('quiet: every dependency install script reviewed (package.json allowScripts)', () => {
    const out = execFileSync('npm', ['approve-scripts', '--allow-scripts-pending'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (!out.includes('No packages with unreviewed install scripts')) throw new Error(`npm install and npm ci warn about these:\n${out.trim()}`);
    return 'none pending';
  });
  outcomes.check('quiet: no TF.js banner in a test run', () => {
    // The dot reporter alone: the config's JSON reporter would overwrite .vitest-results.json.
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/layers/tfjs-parity.test.ts', '--reporter=dot'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const output = `${run.stdout}${run.stderr}`;
    if (run.status !== 0) throw new Error(`vitest failed:\n${output.trim().split('\n').slice(-20).join('\n')}`);
    if (/running TensorFlow\.js in Node\.js/.test(output)) throw new Error("TF.js's Node banner is printed");
    return 'test/layers/tfjs-parity.test.ts prints none';
  });
} catch (error) {
  outcomes.record('setup', false, (error as Error).stack ?? String(error));
} finally {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\ntest:bundlers took ${ms(started)}`);
process.exit(outcomes.finish('bundlers', json));

/** Marks dist/ stale, packs (prepack must rebuild it) and installs the tarball; the installed package's folder. */
function packStale(): string {
  const entry = join(ROOT, 'dist/seqwasm.fetch.js');
  const stale = new Date('2020-01-01');
  utimesSync(entry, stale, stale);
  const packStarted = performance.now();
  const { packed, packageDir } = installPacked(dir);
  const rebuilt = statSync(entry).mtimeMs > stale.getTime();
  outcomes.record('prepack: npm pack rebuilds a stale dist', rebuilt, rebuilt ? `packed ${packed.size} bytes and installed it in ${ms(packStarted)}` : 'npm pack shipped dist/ without rebuilding it (scripts.prepack)');
  return packageDir;
}

// ---- checks ------------------------------------------------------------------------------

/** Every JS line that can throw stays readable when Node prints it; the .wasm literal is whole. */
function shortLines(packageDir: string): string {
  // The bundles runtimes load; the unbundled dist/*.js of the "module" condition reach a page only through a bundler.
  const files = readdirSync(join(packageDir, 'dist')).filter((f) => f.startsWith('seqwasm.') && f.endsWith('.js'));
  let longest = 0;
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(packageDir, 'dist', file), 'utf8');
    text.split('\n').forEach((line, i) => {
      longest = Math.max(longest, line.length);
      if (line.length > MAX_LINE && /\bthrow\b/.test(line)) problems.push(`dist/${file}:${i + 1} throws from a line of ${line.length} characters`);
    });
    if ((file === 'seqwasm.fetch.js' || file === 'seqwasm.node.js') && !text.includes(WASM_URL)) problems.push(`dist/${file} lacks ${WASM_URL} in one piece (esbuild's --line-limit split it?); Vite and webpack would not emit the .wasm`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return `${files.length} files, longest line ${longest} characters`;
}

/** Runs a program that calls predict() with the wrong shape and leaves the error uncaught. */
function uncaughtError(nodeOptions: string[]): string {
  const run = spawnSync(process.execPath, [...nodeOptions, 'uncaught.mjs'], { cwd: app, encoding: 'utf8' });
  const lines = run.stderr.split('\n');
  const longest = Math.max(...lines.map((l) => l.length));
  const cut = (line: string) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length} characters)` : line);
  const shown = `\n${lines.map((line) => `    ${cut(line)}`).join('\n').trimEnd()}`;
  if (run.status === 0) throw new Error(`the program did not fail:${shown}`);
  if (longest > MAX_LINE) throw new Error(`the longest line of the printed error has ${longest} characters, over ${MAX_LINE}:${shown}`);
  if (!lines.some((l) => l.startsWith('ModelInputError: sequential: x must have shape'))) throw new Error(`no line starts with the class name ModelInputError:${shown}`);
  if (nodeOptions.length && !/node_modules\/seqwasm\/src\/[\w/-]+\.ts:\d+:\d+/.test(run.stderr)) throw new Error(`the stack names no src/…ts line:${shown}`);
  return `longest line ${longest} characters`;
}

// ---- helpers -----------------------------------------------------------------------------

async function onServer<T>(root: string, body: (origin: string) => Promise<T>): Promise<T> {
  const server = await serve(root);
  try {
    return await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

function runWebpack(config: Configuration): Promise<Stats> {
  return new Promise((resolve, reject) =>
    webpack({ ...config, infrastructureLogging: { level: 'error' } }, (error, stats) => {
      if (error) reject(error);
      else if (!stats || stats.hasErrors()) reject(new Error(`webpack: ${stats?.toString('errors-only') ?? 'no stats'}`));
      else resolve(stats);
    }),
  );
}

/** The seqwasm entry files a webpack build took in, page and workers alike: bundled (seqwasm.fetch.js) or unbundled (fetch.js). */
function seqwasmEntries(stats: Stats): string[] {
  const modules = stats.toJson({ all: false, modules: true, nestedModules: true }).modules ?? [];
  const names = modules.flatMap((m) => [m.name ?? '', ...(m.modules ?? []).map((inner) => inner.name ?? '')]);
  return [...new Set(names.filter(isSeqwasmEntry).map(baseName))].sort();
}

function isSeqwasmEntry(path: string): boolean {
  return /node_modules\/seqwasm\/dist\/(seqwasm\.)?(fetch|node|workerd)\.js$/.test(path);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
