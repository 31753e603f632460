// Compute threads over one shared Wasm memory (DESIGN.md §8). The threaded module
// (dist/seqwasm-threads.wasm: the same kernels, memory imported and shared) is instantiated
// once on the calling thread and once per worker, all over the same WebAssembly.Memory. Module
// globals are per instance, so a job is an exported kernel and its arguments, written into a
// control block in the shared memory; only the calling thread allocates (the arena lives there).
//
// Control block (Int32 words at `control`): a generation counter the workers wait on, the count
// of workers done with the current generation, failures, then one 64-byte slot per worker:
// [kernel id, arguments …]. A job starts when the caller bumps the generation and ends when
// every worker has counted itself done.

/** The kernels a worker may run: exported by the threaded module, allocating nothing. */
export const POOL_KERNELS = ['gemm', 'gemmPacked'] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/** One thread's share of a parallel call: a kernel and its (non-negative integer) arguments. */
export interface PoolJob {
  readonly kernel: PoolKernel;
  readonly args: readonly number[];
}

/** What a worker needs to join the pool; structured-cloneable (the memory is shared, not copied). */
export interface PoolWorkerStart {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  readonly control: number;
  /** This worker's slot, 0 … workers − 1. */
  readonly index: number;
  readonly workers: number;
}

/** A spawned worker, as the platform made it. */
export interface PoolWorker {
  terminate(): Promise<unknown> | void;
}

/** In the argv of seqwasm's Node pool workers only: the Node entry file serves the pool when it sees it. */
export const POOL_WORKER_ARG = '--seqwasm-pool-worker';

/** How a platform starts a worker that calls servePool(start, …); resolves once it is ready. */
export type SpawnPoolWorker = (start: PoolWorkerStart) => Promise<PoolWorker>;

const GENERATION = 0;
const DONE = 1;
const FAILED = 2;
const SLOT_WORDS = 16; // one cache line per worker
const FIRST_SLOT = SLOT_WORDS; // the counters get a line of their own
const IDLE = 0;
const QUIT = -1;
/** Loads before sleeping in Atomics.wait: back-to-back jobs (a training step's GEMMs) rarely sleep. */
const SPIN_LOADS = 1 << 14;

/** Bytes of control block for `workers` workers. */
export function controlBytes(workers: number): number {
  return 4 * (FIRST_SLOT + SLOT_WORDS * workers);
}

/** The page size and limit of the threaded module's memory (asconfig.json, target threads). */
const MAXIMUM_PAGES = 65536;

/** A shared memory for the threaded module, or undefined where the runtime has none. */
export function sharedMemory(): WebAssembly.Memory | undefined {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return undefined;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared: true });
    return memory.buffer instanceof SharedArrayBuffer ? memory : undefined;
  } catch {
    return undefined;
  }
}

/** The imports the threaded module needs. */
export function threadedImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return { env: { memory } };
}

type Kernel = (...args: number[]) => void;

/** The workers and the calling thread's side of the control block. */
export class ThreadPool {
  private readonly words: Int32Array;
  private disposed = false;
  /** Calls of run() so far: tells whether a workload's kernels are big enough to split. */
  runs = 0;

  private constructor(
    private readonly exports: Record<string, unknown>,
    memory: WebAssembly.Memory,
    control: number,
    private readonly workers: PoolWorker[],
  ) {
    this.words = new Int32Array(memory.buffer, control, controlBytes(workers.length) / 4);
  }

  /** Starts threads − 1 workers over `memory`; `exports` are the calling thread's instance's. */
  static async start(spawn: SpawnPoolWorker, module: WebAssembly.Module, exports: Record<string, unknown>, memory: WebAssembly.Memory, control: number, threads: number): Promise<ThreadPool> {
    const workers = threads - 1;
    new Int32Array(memory.buffer, control, controlBytes(workers) / 4).fill(0);
    const started = await Promise.allSettled(Array.from({ length: workers }, (_, index) => spawn({ module, memory, control, index, workers })));
    const ready = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await Promise.all(ready.map((worker) => worker.terminate()));
      throw (failure as PromiseRejectedResult).reason;
    }
    return new ThreadPool(exports, memory, control, ready);
  }

  /** Threads computing, counting the calling one. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs jobs[0] here and jobs[i] on worker i − 1 (at most `threads` jobs), and returns when all
   * are done. Blocks the calling thread (Atomics.wait), so it must be one that may block.
   */
  run(jobs: readonly PoolJob[]): void {
    const { words, workers } = this;
    if (this.disposed) throw new Error('ThreadPool.run: the pool was disposed');
    if (jobs.length > this.threads) throw new RangeError(`ThreadPool.run: expected at most ${this.threads} jobs, got ${jobs.length}`);
    this.runs++;
    for (let w = 0; w < workers.length; w++) {
      const job = jobs[w + 1];
      const slot = FIRST_SLOT + w * SLOT_WORDS;
      words[slot] = job ? POOL_KERNELS.indexOf(job.kernel) + 1 : IDLE;
      if (job) words.set(job.args, slot + 1);
    }
    Atomics.store(words, DONE, 0);
    Atomics.store(words, FAILED, 0);
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    try {
      if (jobs[0]) (this.exports[jobs[0].kernel] as Kernel)(...jobs[0].args);
    } finally {
      // The workers write into memory this thread may reuse as soon as it returns: wait even on failure.
      awaitValue(words, DONE, workers.length);
    }
    if (Atomics.load(words, FAILED) > 0) throw new Error(`ThreadPool.run: ${Atomics.load(words, FAILED)} worker job(s) failed`);
  }

  /** Stops the workers; the calling thread's instance keeps working alone. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const { words } = this;
    for (let w = 0; w < this.workers.length; w++) words[FIRST_SLOT + w * SLOT_WORDS] = QUIT;
    Atomics.add(words, GENERATION, 1);
    Atomics.notify(words, GENERATION);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/**
 * The worker's side: instantiates the threaded module over the shared memory, calls `ready`
 * (with an error message if that failed), then serves jobs until told to quit. Blocks its
 * thread in Atomics.wait between jobs.
 */
export async function servePool(start: PoolWorkerStart, ready: (error?: string) => void): Promise<void> {
  let exports: Record<string, unknown>;
  try {
    const instance = await WebAssembly.instantiate(start.module, threadedImports(start.memory));
    exports = instance.exports;
  } catch (error) {
    ready(`seqwasm pool worker ${start.index}: ${(error as Error).message}`);
    return;
  }
  const words = new Int32Array(start.memory.buffer, start.control, controlBytes(start.workers) / 4);
  const slot = FIRST_SLOT + start.index * SLOT_WORDS;
  let generation = Atomics.load(words, GENERATION);
  ready();
  for (;;) {
    generation = awaitChange(words, GENERATION, generation);
    const id = words[slot];
    if (id === QUIT) return;
    if (id !== IDLE) {
      const kernel = POOL_KERNELS[id - 1];
      try {
        (exports[kernel] as Kernel)(...words.subarray(slot + 1, slot + SLOT_WORDS));
      } catch {
        Atomics.add(words, FAILED, 1);
      }
    }
    if (Atomics.add(words, DONE, 1) + 1 === start.workers) Atomics.notify(words, DONE);
  }
}

/** Waits until words[index] differs from `seen` (spinning first) and returns the new value. */
function awaitChange(words: Int32Array, index: number, seen: number): number {
  for (let spin = 0; spin < SPIN_LOADS; spin++) {
    const now = Atomics.load(words, index);
    if (now !== seen) return now;
  }
  for (;;) {
    Atomics.wait(words, index, seen);
    const now = Atomics.load(words, index);
    if (now !== seen) return now;
  }
}

/** Waits until words[index] equals `wanted` (spinning first). */
function awaitValue(words: Int32Array, index: number, wanted: number): void {
  let now = Atomics.load(words, index);
  for (let spin = 0; now !== wanted && spin < SPIN_LOADS; spin++) now = Atomics.load(words, index);
  while (now !== wanted) {
    Atomics.wait(words, index, now);
    now = Atomics.load(words, index);
  }
}
