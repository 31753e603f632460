// The package as a user gets it: `npm pack`, the tarball's file list checked, installed
// into a throwaway project, and the runtime drivers (test/runtimes/drivers) built there the
// way a user's project would build them. test.ts and bench/runtimes.ts share this.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface Packed {
  /** The tarball's path. */
  readonly tarball: string;
  /** Its size in bytes, as npm pack reports it. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

/** A throwaway project with the packed seqwasm installed and the drivers built in it. */
export interface Project {
  readonly dir: string;
  readonly packed: Packed;
  /** Where the installed package lives (dir/node_modules/seqwasm). */
  readonly packageDir: string;
  /** The package files esbuild bundled into browser.js, worker.js and worker-inference.js (paths inside the package). */
  readonly bundled: { readonly browser: readonly string[]; readonly worker: readonly string[]; readonly workerInference: readonly string[] };
  dispose(): void;
}

/** Packs the repo, installs the tarball into a new temporary project and builds every driver there. */
export async function prepareProject(): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), 'seqwasm-user-'));
  try {
    const { packed, packageDir } = installPacked(dir);
    const bundled = await buildDrivers(dir, packageDir);
    return { dir, packed, packageDir, bundled, dispose: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Packs the repo into `dir`, a new user project there, and installs the tarball in it. */
export function installPacked(dir: string): { packed: Packed; packageDir: string } {
  const packed = pack(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'seqwasm-user', private: true, type: 'module' }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', packed.tarball], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return { packed, packageDir: join(dir, 'node_modules/seqwasm') };
}

function pack(destination: string): Packed {
  const out = execFileSync('npm', ['pack', '--json', '--loglevel=error', '--pack-destination', destination], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
  return { tarball: join(destination, info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files };
}

/**
 * The drivers as a user's build would make them, all from the package's own `exports`:
 * - cli.js (Node, Deno, Bun): `seqwasm` left as a bare import for the runtime to resolve;
 * - browser.js: one esbuild bundle for the browser, the .wasm copied beside it (esbuild
 *   does not follow `new URL('./seqwasm.wasm', import.meta.url)`; users copy it likewise);
 * - worker.js: esbuild --conditions=workerd,worker,browser (as wrangler bundles), the .wasm
 *   import left for workerd, which loads it as a module named seqwasm.wasm (see workerdConfig);
 *   worker-inference.js: the same through 'seqwasm/inference' and seqwasm-inference.wasm.
 */
async function buildDrivers(dir: string, packageDir: string): Promise<Project['bundled']> {
  // Sources are copied into the project first, so that `seqwasm` resolves from its
  // node_modules and never to the repo itself (which a package can import by its own name).
  const sources = join(dir, 'src');
  cpSync(join(ROOT, 'test/runtimes'), sources, { recursive: true, filter: (path) => !path.endsWith('.test.ts') });
  const common = { bundle: true, format: 'esm', logLevel: 'silent', absWorkingDir: dir, metafile: true } as const;
  await build({ ...common, entryPoints: [join(sources, 'drivers/cli.mjs')], outfile: join(dir, 'cli.js'), platform: 'neutral', external: ['seqwasm'] });
  const browser = await build({ ...common, entryPoints: [join(sources, 'drivers/browser.mjs')], outfile: join(dir, 'browser.js'), platform: 'browser' });
  const workerBuild = (name: string) =>
    build({
      ...common,
      entryPoints: [join(sources, `drivers/${name}.mjs`)],
      outfile: join(dir, `${name}.js`),
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['module', 'main'],
      external: ['*.wasm'],
    });
  const [worker, workerInference] = [await workerBuild('worker'), await workerBuild('worker-inference')];
  copyFileSync(join(sources, 'drivers/browser.html'), join(dir, 'browser.html'));
  copyFileSync(wasmPath(packageDir), join(dir, 'seqwasm.wasm'));
  copyFileSync(wasmPath(packageDir, 'seqwasm-inference.wasm'), join(dir, 'seqwasm-inference.wasm'));
  const fromPackage = (result: Metafile) => Object.keys(result.metafile.inputs).flatMap((input) => (input.startsWith('node_modules/seqwasm/') ? [input.slice('node_modules/seqwasm/'.length)] : []));
  return { browser: fromPackage(browser), worker: fromPackage(worker), workerInference: fromPackage(workerInference) };
}

type Metafile = { metafile: { inputs: Record<string, unknown> } };

/** One of the installed package's modules (default seqwasm.wasm), found through its `./<file>` export. */
export function wasmPath(packageDir: string, file = 'seqwasm.wasm'): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const target = manifest.exports[`./${file}`];
  if (typeof target !== 'string') throw new Error(`package.json exports['./${file}'] must be a path, got ${JSON.stringify(target)}`);
  return join(packageDir, target);
}

/**
 * Writes a capnp config that runs `worker`'s test() with env.MODE = mode, the package's
 * .wasm beside it as the module `wasm` names (seqwasm.wasm; none for an empty baseline worker).
 */
export function workerdConfig(dir: string, mode: string, worker = 'worker.js', wasmFile: string | undefined = 'seqwasm.wasm'): string {
  const path = join(dir, `workerd-${mode}.capnp`);
  const wasm = wasmFile ? `\n    (name = ${JSON.stringify(wasmFile)}, wasm = embed ${JSON.stringify(wasmFile)}),` : '';
  writeFileSync(
    path,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "seqwasm", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed ${JSON.stringify(worker)}),${wasm}
  ],
  bindings = [(name = "MODE", text = ${JSON.stringify(mode)})],
  compatibilityDate = "2026-01-01",
);
`,
  );
  return path;
}
