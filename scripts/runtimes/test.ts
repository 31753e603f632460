// npm run test:runtimes — the package as published, in all five runtimes:
//   1. `npm pack`; the tarball holds the Wasm, the JS with its source maps, the types, README,
//      LICENSE and nothing else;
//   2. no eval / new Function in the packed JS;
//   3. installed into a throwaway project, a TypeScript user's import type-checks;
//   4. the conformance suite (test/runtimes/conformance.ts) in Node, Chromium, Deno, Bun and
//      workerd, each importing `seqwasm` by its bare name and getting the entry file that
//      its `exports` condition names; prints `<runtime> <sha256>`.
// Every runtime's hash must equal test/runtimes/expected-hash.txt.
//
//   npm run test:runtimes                     run everything
//   npm run test:runtimes -- --update         write the hash when all five runtimes agree
//   npm run test:runtimes -- --only=node,bun  a subset (no --update)
//   npm run test:runtimes -- --json=FILE      also write { passed, failed, tests } for CI
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Outcomes, ms } from '../outcomes.js';
import { openRuntime, RUNTIMES, type RuntimeName, type RuntimeSession } from './launch.js';
import { prepareProject, ROOT, type Packed, type Project } from './package.js';

const EXPECTED_FILE = join(ROOT, 'test/runtimes/expected-hash.txt');
/** Files every tarball has besides dist JS and declarations. */
const ALWAYS = ['package.json', 'README.md', 'LICENSE', 'dist/seqwasm.wasm', 'dist/seqwasm-threads.wasm', 'dist/seqwasm-relaxed.wasm', 'dist/seqwasm-inference.wasm'];
/** The `exports` condition whose file each runtime must load (DESIGN.md §5); Chromium's page is an esbuild bundle, and bundlers take "module". */
const CONDITION: Record<RuntimeName, string> = { node: 'node', chromium: 'module', deno: 'deno', bun: 'bun', workerd: 'workerd' };
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; types: string; exports: Record<string, unknown> };
const ROOT_EXPORTS = MANIFEST.exports['.'] as Record<string, string>;
/** The package's entry files, as paths inside it (dist/...). */
const entryFile = (condition: string) => ROOT_EXPORTS[condition].replace(/^\.\//, '');
const ENTRY_FILES = new Set(Object.keys(ROOT_EXPORTS).filter((c) => c !== 'types').map(entryFile));
/** The runtimes whose driver also runs 'seqwasm/inference' (Chromium's page bundles 'seqwasm' only; test:bundlers runs a page on it). */
const INFERENCE_RUNTIMES: readonly RuntimeName[] = ['node', 'deno', 'bun', 'workerd'];
const INFERENCE_EXPORTS = MANIFEST.exports['./inference'] as Record<string, string>;

const UPDATE_HINT = 'if the change is intended, run `npm run test:runtimes -- --update` and commit test/runtimes/expected-hash.txt';

const args = parseArgs(process.argv.slice(2));
const outcomes = new Outcomes();
const record = outcomes.record.bind(outcomes);
const check = outcomes.check.bind(outcomes);
const started = performance.now();

const packStarted = performance.now();
const project = await prepareProject().catch((error: Error) => {
  record('pack: install', false, error.stack ?? String(error));
  return undefined;
});
if (project) {
  try {
    const p = project;
    console.log(`packed ${relative(p.dir, p.packed.tarball)} (${p.packed.size} bytes, ${p.packed.files.length} files) and installed it in ${p.dir} in ${ms(packStarted)}`);
    check('pack: files', () => checkFiles(p.packed));
    check('pack: no eval', () => checkNoEval(p.packageDir));
    check('pack: types', () => checkTypes(p));
    console.log(`package checks took ${ms(packStarted)}`);
    await runConformance(p);
  } finally {
    project.dispose();
  }
}

console.log(`\ntest:runtimes took ${ms(started)}`);
process.exit(outcomes.finish('runtimes', args.json));

// ---- conformance ---------------------------------------------------------------------

async function runConformance(p: Project): Promise<void> {
  const hashes = new Map<RuntimeName, string>();
  const errors = new Map<RuntimeName, string>();
  for (const name of args.only) {
    const runStarted = performance.now();
    try {
      const session = await openRuntime(name, p);
      try {
        const { result } = await session.run('conformance');
        if (typeof result.hash !== 'string' || !/^[0-9a-f]{64}$/.test(result.hash)) throw new Error(`${name}: expected a SHA-256 hex hash, got ${JSON.stringify(result)}`);
        const entries = entriesUsed(name, result, p);
        const expectedEntry = entryFile(CONDITION[name]);
        if (entries.join() !== expectedEntry) throw new Error(`${name}: got ${entries.join(' + ') || 'no entry'} from the package's exports, expected ${expectedEntry} (condition "${CONDITION[name]}")`);
        hashes.set(name, result.hash);
        console.log(`${name}: ran ${entries.join()} in ${ms(runStarted)}`);
        if (INFERENCE_RUNTIMES.includes(name)) await checkInference(name, session, p);
      } finally {
        await session.close();
      }
    } catch (error) {
      errors.set(name, (error as Error).message);
      console.log(`${name} FAILED (${ms(runStarted)})\n${indent((error as Error).message)}`);
    }
  }

  console.log();
  for (const [name, hash] of hashes) console.log(`${name} ${hash}`);
  const distinct = new Set(hashes.values());
  if (args.update) {
    if (errors.size === 0 && distinct.size === 1 && args.only.length === RUNTIMES.length) {
      writeFileSync(EXPECTED_FILE, `${[...distinct][0]}\n`);
      console.log(`wrote ${relative(ROOT, EXPECTED_FILE)}`);
    } else {
      console.log('--update: not written; it needs all five runtimes to run and agree');
    }
  }
  const expected = readExpected();
  console.log(`expected ${expected ?? '(none)'}   (${relative(ROOT, EXPECTED_FILE)})\n`);
  for (const name of args.only) {
    const hash = hashes.get(name);
    if (hash === undefined) record(`runtime: ${name}`, false, errors.get(name)!.split('\n')[0]);
    else if (expected === undefined) record(`runtime: ${name}`, false, `${relative(ROOT, EXPECTED_FILE)} is missing; ${UPDATE_HINT}`);
    else if (hash !== expected) {
      const agree = [...hashes].filter(([, h]) => h === hash).map(([n]) => n);
      record(`runtime: ${name}`, false, `hash ${hash} (printed by ${agree.join(', ')}) differs from the expected ${expected}; ${distinct.size > 1 ? 'the runtimes disagree' : UPDATE_HINT}`);
    } else record(`runtime: ${name}`, true, '');
  }
}

/** The package entry files a runtime loaded: what it resolved `seqwasm` to, or what esbuild bundled for it. */
/** 'seqwasm/inference' in `name`: the entry its condition names, and the first prediction's bits equal to 'seqwasm''s. */
async function checkInference(name: RuntimeName, session: RuntimeSession, p: Project): Promise<void> {
  await outcomes.checkAsync(`runtime: ${name}, seqwasm/inference`, async () => {
    const [{ result: full }, { result: inference }] = [await session.run('coldstart'), await session.run('coldstart-inference')];
    const [entry] = name === 'workerd' ? p.bundled.workerInference.filter((file) => /^dist\/seqwasm\.inference\.[a-z]+\.js$/.test(file)) : entriesUsed(name, inference, p);
    const expectedEntry = INFERENCE_EXPORTS[CONDITION[name]].replace(/^\.\//, '');
    if (entry !== expectedEntry) throw new Error(`got ${entry} for 'seqwasm/inference', expected ${expectedEntry} (condition "${CONDITION[name]}")`);
    const bits = (values: unknown) => Buffer.from(Float32Array.from(values as number[]).buffer).toString('hex');
    if (bits(inference.prediction) !== bits(full.prediction)) throw new Error(`its prediction ${JSON.stringify(inference.prediction)} differs from 'seqwasm''s ${JSON.stringify(full.prediction)}`);
    return `${entry}: the same ${(full.prediction as number[]).length} values as 'seqwasm'`;
  });
}

function entriesUsed(name: RuntimeName, result: Record<string, unknown>, p: Project): string[] {
  if (name === 'chromium' || name === 'workerd') return p.bundled[name === 'chromium' ? 'browser' : 'worker'].filter((file) => ENTRY_FILES.has(file));
  const match = /node_modules\/seqwasm\/(.+)$/.exec(String(result.entry));
  return match ? [match[1]] : [`${result.entry} (outside the installed package)`];
}

function readExpected(): string | undefined {
  try {
    return readFileSync(EXPECTED_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
}

// ---- package checks ------------------------------------------------------------------

/**
 * Exactly: package.json, README, LICENSE, the Wasm, the bundled JS, and the unbundled JS (for
 * bundlers) and declarations of the sources in src/; every entry point present.
 */
function checkFiles(packed: Packed): string {
  const paths = new Set(packed.files.map((f) => f.path));
  const problems: string[] = [];
  const compiled = (path: string) => {
    const source = /^dist\/(.+)\.(?:js|js\.map|d\.ts)$/.exec(path)?.[1];
    return source !== undefined && existsSync(join(ROOT, 'src', `${source}.ts`));
  };
  const unexpected = [...paths].filter((path) => !ALWAYS.includes(path) && !/^dist\/seqwasm\.[\w.-]+\.js(\.map)?$/.test(path) && !compiled(path));
  if (unexpected.length) problems.push(`unexpected files: ${unexpected.join(', ')}`);
  const entries = [MANIFEST.main, MANIFEST.types, ...leaves(MANIFEST.exports)].map((p) => String(p).replace(/^\.\//, ''));
  const missing = [...new Set([...ALWAYS, ...entries])].filter((path) => !paths.has(path));
  if (missing.length) problems.push(`missing files: ${missing.join(', ')}`);
  if (problems.length) throw new Error(problems.join('; '));
  const js = [...paths].filter((path) => path.endsWith('.js'));
  const withoutMap = js.filter((path) => !paths.has(`${path}.map`));
  if (withoutMap.length) throw new Error(`no source map for ${withoutMap.join(', ')}`);
  return `${paths.size} files: ${js.join(', ')} with their .map, dist/seqwasm.wasm, ${[...paths].filter((path) => path.endsWith('.d.ts')).length} .d.ts, README.md, LICENSE, package.json`;
}

function leaves(value: unknown): unknown[] {
  return typeof value === 'object' && value !== null ? Object.values(value).flatMap(leaves) : [value];
}

function checkNoEval(packageDir: string): string {
  const files = readdirSync(packageDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  const hits = files.flatMap((file) =>
    readFileSync(join(packageDir, file), 'utf8')
      .split('\n')
      .flatMap((line, i) => (/\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
  if (hits.length) throw new Error(`found eval / Function in the packed JS:\n${hits.join('\n')}`);
  return `${files.length} JS files`;
}

/** A TypeScript user's code, with the strict Node resolution (types through `exports`). */
function checkTypes(p: Project): string {
  writeFileSync(
    join(p.dir, 'consumer.ts'),
    `import { init, layers, prng, type Tensor } from 'seqwasm';
await init();
const lstm: layers.LSTM = layers.lstm({ units: 2 });
lstm.build([null, 3, 4], prng(1));
const weights: Tensor[] = lstm.getWeights();
export const count: number = weights.length;
`,
  );
  writeFileSync(
    join(p.dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], types: [], strict: true, noEmit: true }, files: ['consumer.ts'] }),
  );
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: p.dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    throw new Error(`tsc on a consumer of the installed package failed:\n${(error as { stdout?: string }).stdout ?? (error as Error).message}`);
  }
  return "import { init, layers, ... } from 'seqwasm' type-checks (NodeNext)";
}

// ---- helpers -------------------------------------------------------------------------

function parseArgs(argv: string[]): { update: boolean; only: RuntimeName[]; json?: string } {
  let update = false;
  let only: RuntimeName[] = [...RUNTIMES];
  let json: string | undefined;
  for (const arg of argv) {
    if (arg === '--update') update = true;
    else if (arg.startsWith('--only=')) {
      only = arg.slice('--only='.length).split(',') as RuntimeName[];
      const unknown = only.filter((name) => !RUNTIMES.includes(name));
      if (unknown.length) usage(`unknown runtime ${unknown.join(', ')}; expected some of ${RUNTIMES.join(', ')}`);
    } else if (arg.startsWith('--json=')) json = arg.slice('--json='.length);
    else usage(`unknown argument ${arg}`);
  }
  return { update, only, json };
}

function usage(problem: string): never {
  console.error(`test:runtimes: ${problem}\nusage: npm run test:runtimes [-- --update] [--only=node,chromium,deno,bun,workerd] [--json=FILE]`);
  process.exit(2);
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}
