// Node's compute threads (runtime/threads.ts): worker_threads running the Node entry file
// itself, told apart from a user's import by POOL_WORKER_ARG in their argv. node:worker_threads
// loads only when init({ threads }) asks for workers, or inside one (a cold start spares it).
import { POOL_WORKER_ARG, servePool, type PoolWorker, type PoolWorkerStart } from './threads.js';

/** Starts a worker on `entry` (the Node entry's own URL) and resolves once it has joined the pool. */
export async function spawnNodeWorker(entry: URL, start: PoolWorkerStart): Promise<PoolWorker> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(entry, { workerData: start, argv: [POOL_WORKER_ARG] });
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(new Error(`seqwasm: a pool worker failed to start: ${error.message}`, { cause: error }));
    worker.once('error', failed);
    worker.once('exit', (code) => failed(new Error(`it exited with code ${code}`)));
    worker.once('message', (error?: string) => {
      worker.removeAllListeners();
      if (error) {
        void worker.terminate();
        failed(new Error(error));
        return;
      }
      // Blocked in Atomics.wait between jobs, a worker must not keep the process alive.
      worker.unref();
      resolve({ terminate: () => worker.terminate() });
    });
  });
}

/** In a pool worker (POOL_WORKER_ARG in argv): serves jobs until the pool stops it. */
export async function servePoolWorkerIfAsked(): Promise<void> {
  if (!process.argv.includes(POOL_WORKER_ARG)) return;
  const { parentPort, workerData } = await import('node:worker_threads');
  await servePool(workerData as PoolWorkerStart, (error) => parentPort!.postMessage(error));
}
