// Compute threads over one shared Wasm memory (DESIGN.md §8). The threaded module
// (dist/seqwasm-threads.wasm: the same kernels, memory imported and shared) is instantiated
// once on the calling thread and once per worker, all over the same WebAssembly.Memory. Module
// globals are per instance, so a job is an exported kernel and its arguments, written into a
// control block in the shared memory; only the calling thread allocates (the arena lives there).
//
// A parallel call is a list of chunks (e.g. runs of GEMM output columns), more than there are
// threads: the calling thread and the workers claim them one at a time until none is left, so
// a worker the OS has descheduled (a busy machine, a background tab) costs a share of the
// work, not a wait. Which thread computes a chunk never changes its bits.
//
// Control block (Int32 words at `control`): STATE = generation << 16 | chunks << 8 | next
// chunk, claimed by compare-and-swap and waited on by idle workers; chunks completed; failures;
// quit; then one 128-byte row per chunk: [kernel id, scratch argument, scratch stride, args …].

/** The kernels a worker may run: exported by the threaded module, allocating nothing. */
export const POOL_KERNELS = ['gemm', 'gemmPacked', 'rnnForwardRows', 'rnnBackwardRows', 'rnnWeightGradients'] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/** One chunk of a parallel call: a kernel and its (non-negative integer) arguments. */
export interface PoolJob {
  readonly kernel: PoolKernel;
  readonly args: readonly number[];
  /**
   * Per-thread workspace: args[scratch.argument] is a byte offset, and the thread numbered t
   * (0 the caller, 1 … the workers) adds t·scratch.stride to it.
   */
  readonly scratch?: { readonly argument: number; readonly stride: number };
}

/** What a worker needs to join the pool; structured-cloneable (the memory is shared, not copied). */
export interface PoolWorkerStart {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  readonly control: number;
  /** This worker's number, 0 … workers − 1. */
  readonly index: number;
}

/** A spawned worker, as the platform made it. */
export interface PoolWorker {
  terminate(): Promise<unknown> | void;
}

/** In the argv of seqwasm's Node pool workers only: the Node entry file serves the pool when it sees it. */
export const POOL_WORKER_ARG = '--seqwasm-pool-worker';

/** How a platform starts a worker that calls servePool(start, …); resolves once it is ready. */
export type SpawnPoolWorker = (start: PoolWorkerStart) => Promise<PoolWorker>;

const STATE = 0;
const COMPLETED = 1;
const FAILED = 2;
const QUIT = 3;
const FIRST_ROW = 16; // the counters get a cache line of their own
const ROW_WORDS = 32; // two cache lines per chunk: rnnBackwardRows takes 25 arguments
const ROW_ARGS = 3; // kernel id, scratch argument, scratch stride
/** Most chunks in one call (the 8 bits of STATE's chunk count allow 255). */
export const MAX_CHUNKS = 64;
/** Loads before sleeping in Atomics.wait: back-to-back jobs (a training step's GEMMs) rarely sleep. */
const SPIN_LOADS = 1 << 14;

/** Bytes of the control block. */
export const CONTROL_BYTES = 4 * (FIRST_ROW + ROW_WORDS * MAX_CHUNKS);

/** The threaded module's memory limit in 64 KiB pages: maximumMemory of asconfig.json's target threads. */
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
  private generation = 0;
  /** Calls of run() so far: tells whether a workload's kernels are big enough to split. */
  runs = 0;

  private constructor(
    private readonly exports: Record<string, unknown>,
    memory: WebAssembly.Memory,
    control: number,
    private readonly workers: PoolWorker[],
  ) {
    this.words = controlWords(memory, control);
  }

  /** Starts threads − 1 workers over `memory`; `exports` are the calling thread's instance's. */
  static async start(spawn: SpawnPoolWorker, module: WebAssembly.Module, exports: Record<string, unknown>, memory: WebAssembly.Memory, control: number, threads: number): Promise<ThreadPool> {
    controlWords(memory, control).fill(0);
    const started = await Promise.allSettled(Array.from({ length: threads - 1 }, (_, index) => spawn({ module, memory, control, index })));
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
   * Runs every chunk, on this thread and the workers, and returns when all are done. Blocks
   * the calling thread (Atomics.wait), so it must be one that may block.
   */
  run(chunks: readonly PoolJob[]): void {
    const { words } = this;
    if (this.disposed) throw new Error('ThreadPool.run: the pool was disposed');
    if (chunks.length > MAX_CHUNKS) throw new RangeError(`ThreadPool.run: expected at most ${MAX_CHUNKS} chunks, got ${chunks.length}`);
    const tooLong = chunks.find((chunk) => chunk.args.length > ROW_WORDS - ROW_ARGS);
    if (tooLong) throw new RangeError(`ThreadPool.run: ${tooLong.kernel} chunk has ${tooLong.args.length} arguments, at most ${ROW_WORDS - ROW_ARGS} fit`);
    this.runs++;
    chunks.forEach((chunk, i) => {
      const row = FIRST_ROW + i * ROW_WORDS;
      words[row] = POOL_KERNELS.indexOf(chunk.kernel);
      words[row + 1] = chunk.scratch?.argument ?? 0;
      words[row + 2] = chunk.scratch?.stride ?? 0;
      words.set(chunk.args, row + ROW_ARGS);
    });
    Atomics.store(words, COMPLETED, 0);
    Atomics.store(words, FAILED, 0);
    this.generation = (this.generation + 1) & 0x7fff;
    Atomics.store(words, STATE, (this.generation << 16) | (chunks.length << 8));
    Atomics.notify(words, STATE);
    computeChunks(words, this.exports, 0);
    awaitValue(words, COMPLETED, chunks.length);
    const failed = Atomics.load(words, FAILED);
    if (failed > 0) throw new Error(`ThreadPool.run: ${failed} of ${chunks.length} chunk(s) failed`);
  }

  /** Stops the workers; the calling thread's instance keeps working alone. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const { words } = this;
    Atomics.store(words, QUIT, 1);
    Atomics.add(words, STATE, 1 << 16); // a new generation, with no chunks, wakes every worker
    Atomics.notify(words, STATE);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

function controlWords(memory: WebAssembly.Memory, control: number): Int32Array {
  return new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
}

/**
 * Claims and computes chunks of the current call until none is left; returns the STATE it
 * found exhausted (a worker sleeps until STATE differs from it). `thread` numbers the scratch.
 */
function computeChunks(words: Int32Array, exports: Record<string, unknown>, thread: number): number {
  for (;;) {
    const state = Atomics.load(words, STATE);
    const chunk = state & 0xff;
    if (chunk >= ((state >> 8) & 0xff)) return state;
    if (Atomics.compareExchange(words, STATE, state, state + 1) !== state) continue;
    const row = FIRST_ROW + chunk * ROW_WORDS;
    const args = Array.from(words.subarray(row + ROW_ARGS, row + ROW_WORDS));
    args[words[row + 1]] += thread * words[row + 2];
    try {
      (exports[POOL_KERNELS[words[row]]] as Kernel)(...args);
    } catch {
      Atomics.add(words, FAILED, 1);
    }
    Atomics.add(words, COMPLETED, 1);
    Atomics.notify(words, COMPLETED);
  }
}

/**
 * The worker's side: instantiates the threaded module over the shared memory, calls `ready`
 * (with an error message if that failed), then computes chunks until told to quit. Blocks its
 * thread in Atomics.wait between calls.
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
  const words = controlWords(start.memory, start.control);
  let seen = Atomics.load(words, STATE);
  ready();
  for (;;) {
    awaitChange(words, STATE, seen);
    if (Atomics.load(words, QUIT)) return;
    seen = computeChunks(words, exports, start.index + 1);
  }
}

/** Waits until words[index] differs from `seen` (spinning first). */
function awaitChange(words: Int32Array, index: number, seen: number): void {
  for (let spin = 0; spin < SPIN_LOADS; spin++) {
    if (Atomics.load(words, index) !== seen) return;
  }
  while (Atomics.load(words, index) === seen) Atomics.wait(words, index, seen);
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
