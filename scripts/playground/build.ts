// Builds the playground (playground/) and the browser example (examples/browser/) with Vite,
// the bundler README "Bundlers" tests, and serves a built folder on 127.0.0.1. `seqwasm`
// resolves to this repository's dist/seqwasm.fetch.js, the file a user's bundler takes from
// the published package, so a page sees what a user's page sees.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'vite';
import { serve } from '../runtimes/launch.js';
import { ROOT } from '../runtimes/package.js';

export const PLAYGROUND = join(ROOT, 'playground');
export const BROWSER_EXAMPLE = join(ROOT, 'examples/browser');

// No notes on how long plugins took: on a loaded machine they say nothing about the pages.
const QUIET = { checks: { bundlerTimings: false } };

/** The playground built into `outDir`, its datasets bundled (the page fetches nothing from elsewhere). */
export async function buildPlayground(outDir: string): Promise<void> {
  await build({
    root: PLAYGROUND,
    base: './',
    configFile: false,
    logLevel: 'warn',
    resolve: {
      alias: {
        seqwasm: join(ROOT, 'dist/seqwasm.fetch.js'),
        // vega-datasets' package exports hide its data files; the page imports one as text.
        'vega-datasets/data': join(ROOT, 'node_modules/vega-datasets/data'),
      },
    },
    // ES module workers: seqwasm loads parts of itself (the model-file reader) on first use.
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024, rolldownOptions: QUIET },
  });
}

/** The browser example built into `outDir` with its own vite.config.js (the model comes from its public/ folder). */
export async function buildBrowserExample(outDir: string, publicDir: string): Promise<void> {
  await build({ root: BROWSER_EXAMPLE, publicDir, logLevel: 'warn', build: { outDir, emptyOutDir: true, rolldownOptions: QUIET } });
}

// Scripts, workers and Wasm from this origin only, and no eval; styles from files.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:";

/** Serves a built page on 127.0.0.1 (`port` 0: any free port) under that CSP. */
export function serveStatic(dir: string, port = 0): Promise<Server> {
  return serve(dir, { csp: CSP, port });
}

export function origin(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
