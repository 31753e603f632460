// Runs a driver job in each of the five runtimes against a prepared Project (package.ts).
// A runtime that cannot start, exits non-zero, or prints no result is an error carrying
// what it printed: callers report it as a failure, never a skip.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT, workerdConfig, type Project } from './package.js';

export const RUNTIMES = ['node', 'chromium', 'deno', 'bun', 'workerd'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
/** coldstart-inference: the cold start through 'seqwasm/inference' (Node, Deno, Bun and workerd). */
export type Mode = 'conformance' | 'coldstart' | 'coldstart-inference';

/** Debian's Chromium (apt-get install chromium), never a browser downloaded by a test tool. */
export const CHROMIUM = '/usr/bin/chromium';
// Without the networking flags Chromium keeps trying hosts this machine cannot reach.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// The page may run our script and instantiate Wasm, nothing else: proves no eval / new Function.
const CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'";
const TIMEOUT_MS = 120_000;

export interface JobOutput {
  /** What the driver reported (runJob's result in test/runtimes/drivers/job.mjs). */
  readonly result: Record<string, unknown>;
  /** Wall time from starting the runtime (or loading the page) to its result, ms. */
  readonly wallMs: number;
}

export interface RuntimeSession {
  readonly name: RuntimeName;
  /** The command, for reports. */
  readonly command: string;
  run(mode: Mode): Promise<JobOutput>;
  close(): Promise<void>;
}

export type ProcessRuntime = Exclude<RuntimeName, 'chromium'>;

export async function openRuntime(name: RuntimeName, project: Project): Promise<RuntimeSession> {
  if (name === 'chromium') return openChromium(project);
  const { dir } = project;
  // workerd takes its job from the config (a text binding); the others from the command line.
  const workerd = (mode: Mode) => (mode === 'coldstart-inference' ? workerdConfig(dir, mode, 'worker-inference.js', 'seqwasm-inference.wasm') : workerdConfig(dir, mode));
  const command = (mode: Mode) => (name === 'workerd' ? processCommand(name, dir, workerd(mode)) : processCommand(name, dir, 'cli.js', mode));
  const shown = name === 'workerd' ? processCommand(name, dir, 'workerd-<mode>.capnp') : processCommand(name, dir, 'cli.js', '<mode>');
  return {
    name,
    command: shown.join(' ').replaceAll(ROOT, '').replaceAll(dir, '<project>'),
    run: (mode) => runProcess(name, command(mode), dir),
    close: async () => {},
  };
}

/** The command running `script` (for workerd: a capnp config) in `dir` with the runtimes installed as devDependencies. */
export function processCommand(name: ProcessRuntime, dir: string, script: string, ...args: string[]): string[] {
  switch (name) {
    case 'node':
      return [process.execPath, script, ...args];
    case 'deno':
      return [BINARIES.deno, 'run', '--quiet', `--allow-read=${dir}`, script, ...args];
    case 'bun':
      return [BINARIES.bun, script, ...args];
    case 'workerd':
      return [BINARIES.workerd, 'test', script];
  }
}

// The runtimes' own linux-x64 packages, not their wrapper packages (deno, bun, workerd):
// the registry here lacks the wrappers' other-platform optional dependencies, which
// leaves a lockfile that `npm ci` rejects, and the bun wrapper needs its install script.
const BINARIES = {
  deno: join(ROOT, 'node_modules/@deno/linux-x64-glibc/deno'),
  bun: join(ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun'),
  workerd: join(ROOT, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd'),
};

// This machine sets NODE_EXTRA_CA_CERTS, which Node and Deno parse at every start (~80 and
// ~35 ms of CPU here): nothing here uses TLS, and a user's cold start does not pay that.
const RUNTIME_ENV = { ...process.env, NODE_EXTRA_CA_CERTS: undefined };

/** Runs a command to its end; its result is the last `seqwasm-result` line it printed. */
export function runProcess(name: RuntimeName, [file, ...args]: string[], cwd: string): Promise<JobOutput> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd, env: RUNTIME_ENV, stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`${name}: could not start ${file}: ${error.message}`)));
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      const result = parseResult(stdout);
      if (code === 0 && result) resolve({ result, wallMs });
      else reject(new Error(`${name}: ${signal ? `killed by ${signal}` : `exit code ${code}`}${result ? '' : ', no result printed'}\n${tail(stdout + stderr)}`));
    });
  });
}

async function openChromium(project: Project): Promise<RuntimeSession> {
  const server = await serve(project.dir);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    server.close();
    throw error;
  }
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    name: 'chromium',
    command: `playwright-core → ${CHROMIUM} ${CHROMIUM_ARGS.join(' ')} → ${origin}/browser.html?mode=<mode>`,
    run: (mode) => runPage(browser, `${origin}/browser.html?mode=${mode}`),
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** Debian's Chromium, headless, through playwright-core. */
export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: TIMEOUT_MS });
  } catch (error) {
    throw new Error(`chromium: could not start ${CHROMIUM}: ${(error as Error).message}`);
  }
}

/**
 * Opens `url` in a fresh context (empty HTTP cache, like a first visit); its result is the
 * first `seqwasm-result {json}` the page prints. A `seqwasm-error` line, a console error or an
 * uncaught exception is an error carrying that text; Chromium's own line for a failed request
 * is not (the page's code reports that failure in its own words).
 */
export async function runPage(browser: Browser, url: string, timeoutMs = TIMEOUT_MS): Promise<JobOutput> {
  const context = await browser.newContext();
  const messages: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const page = await context.newPage();
    const outcome = new Promise<Record<string, unknown>>((resolve, reject) => {
      page.on('console', (message) => {
        const text = message.text();
        messages.push(text);
        const result = parseResult(text);
        if (result) resolve(result);
        else if (text.startsWith('seqwasm-error') || (message.type() === 'error' && !text.startsWith('Failed to load resource'))) reject(new Error(`chromium: ${text}`));
      });
      page.on('pageerror', (error) => reject(new Error(`chromium: uncaught ${error.stack ?? error.message}`)));
      timer = setTimeout(() => reject(new Error(`chromium: no result after ${timeoutMs} ms\n${tail(messages.join('\n'))}`)), timeoutMs);
    });
    outcome.catch(() => {}); // an error while goto() still waits is awaited below, not unhandled
    const started = performance.now();
    await page.goto(url);
    const result = await outcome;
    return { result, wallMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
    await context.close();
  }
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serves the project directory on a loopback port (any free one unless given), every response under `csp`; a folder's URL serves its index.html. */
export function serve(dir: string, { csp = CSP, port = 0 }: { csp?: string; port?: number } = {}): Promise<Server> {
  const server = createServer(async (request, response) => {
    let path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    if (path.endsWith('/')) path += 'index.html';
    try {
      const body = await readFile(join(dir, path));
      response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', 'content-security-policy': csp, 'cache-control': 'no-store' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The last `seqwasm-result {json}` line in `text`, parsed. */
function parseResult(text: string): Record<string, unknown> | undefined {
  const line = text.split('\n').reverse().find((l) => l.startsWith('seqwasm-result '));
  return line ? (JSON.parse(line.slice('seqwasm-result '.length)) as Record<string, unknown>) : undefined;
}

function tail(text: string, lines = 30): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
