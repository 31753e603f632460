// Compute threads (runtime/threads.ts) as Web Workers, for the fetch entry inside a page's
// worker when the page is cross-origin isolated: module workers running the entry file itself,
// told apart from a user's worker by their name, and sent their start as their first message.
import { servePool, type PoolWorker, type PoolWorkerStart } from './threads.js';

/** The name of seqwasm's pool workers, and of no other worker. */
const POOL_WORKER_NAME = 'seqwasm-pool-worker';

interface Scope {
  name?: string;
  document?: unknown;
  crossOriginIsolated?: boolean;
  Deno?: unknown;
  Bun?: unknown;
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void, options: { once: true }): void;
}

const scope = globalThis as unknown as Scope;

/** Why init({ threads }) stays on one thread here, or undefined when Web Workers can compute. */
export function webWorkersUnavailable(): string | undefined {
  // Their workers start, but Deno's keep the process alive and Bun's stall: not wired up yet.
  if (scope.Deno !== undefined || scope.Bun !== undefined) return 'worker threads are not wired up for Deno and Bun yet';
  if (typeof Worker !== 'function') return 'this runtime has no Web Workers';
  if (scope.document !== undefined) return "a page's main thread may not block (Atomics.wait): call init({ threads }) in a Web Worker";
  if (scope.crossOriginIsolated !== true) return 'the page is not cross-origin isolated (COOP and COEP headers), so it has no shared memory';
  return undefined;
}

/** Starts a worker on `entry` (the entry's own URL) and resolves once it has joined the pool. */
export function spawnWebWorker(entry: URL, start: PoolWorkerStart): Promise<PoolWorker> {
  const worker = new Worker(entry, { type: 'module', name: POOL_WORKER_NAME });
  return new Promise((resolve, reject) => {
    const failed = (message: string) => {
      worker.terminate();
      reject(new Error(`seqwasm: a pool worker failed to start: ${message}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      failed(event.message);
    };
    worker.onmessage = (event: MessageEvent<string | null>) => {
      worker.onmessage = null;
      worker.onerror = null;
      if (event.data) failed(event.data);
      else resolve({ terminate: () => worker.terminate() });
    };
    worker.postMessage(start);
  });
}

/** In a pool worker: serves jobs, from the start in its first message, until the pool stops it. */
export function servePoolWorkerIfAsked(): void {
  if (scope.name !== POOL_WORKER_NAME || typeof scope.addEventListener !== 'function') return;
  scope.addEventListener('message', (event) => void servePool(event.data as PoolWorkerStart, (error) => scope.postMessage(error ?? null)), { once: true });
}
