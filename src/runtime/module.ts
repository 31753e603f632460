// Loading and instantiating the seqwasm module in any runtime. The entry files
// (src/node.ts, src/fetch.ts, src/workerd.ts) differ only in the Platform they register:
// where the .wasm comes from by default and how a URL or path is read.
import { Arena, type ArenaUsage } from './arena.js';
import { CONTROL_BYTES, sharedMemory, threadedImports, ThreadPool, type SpawnPoolWorker } from './threads.js';

/**
 * What init() accepts: a compiled module, the bytes, a fetch Response, or where to get it (a
 * URL, or a string that is a URL or, in Node, a file path).
 *
 * @example
 * ```ts
 * const source: WasmSource = new URL('/assets/seqwasm.wasm', location.href);
 * await init(source);
 * ```
 */
export type WasmSource = WebAssembly.Module | BufferSource | Response | URL | string;

export interface Platform {
  /** Where the module comes from when init() is called without an argument. */
  defaultSource(): WasmSource | Promise<WasmSource>;
  /** Reads a URL or path into something instantiable. */
  load(location: URL | string): Promise<BufferSource | Response>;
  /** Where the platform can run compute threads: absent, init({ threads }) stays on one. */
  threads?: {
    /** Where the threaded module (seqwasm-threads.wasm) comes from by default. */
    defaultSource(): WasmSource | Promise<WasmSource>;
    spawn: SpawnPoolWorker;
    /** Why this runtime cannot run the platform's workers, or undefined when it can. */
    unavailable?(): string | undefined;
  };
  /** Where the relaxed-SIMD module (seqwasm-relaxed.wasm) comes from by default; absent: only from init({ relaxedSimdSource }). */
  relaxedSimdSource?(): WasmSource | Promise<WasmSource>;
}

/** Where an entry's modules are (each beside the entry file) and the entry itself. */
export interface EntryFiles {
  /** The module init() loads by default. */
  readonly module: URL;
  /** seqwasm-threads.wasm, for init({ threads }). */
  readonly threads: URL;
  /** seqwasm-relaxed.wasm, for init({ relaxedSimd: true }). */
  readonly relaxedSimd: URL;
  /** The entry file, which pool workers run. */
  readonly entry: URL;
}

/** init()'s options form; init(source) is init({ source }). */
export interface InitOptions {
  /** The single-thread module, as init(source) takes it; omitted: seqwasm.wasm beside the JS. seqwasm-inference.wasm runs every forward pass with the same bits but cannot train (see {@link RuntimeInfo.training}). */
  source?: WasmSource;
  /**
   * Threads to compute with, counting the calling one (default 1). More than one runs worker
   * threads over a shared Wasm memory: in Node, and in a Web Worker of a cross-origin isolated
   * page (a page's main thread may not block). Elsewhere (Deno and Bun for now, workerd, pages
   * without isolation), or when the workers fail to start, seqwasm runs on one thread, silently,
   * and runtimeInfo() says why. Large GEMMs are split by output columns, recurrent layers by
   * samples and gradient columns, so results are bit-identical for every thread count.
   */
  threads?: number;
  /** The threaded module (seqwasm-threads.wasm); omitted: beside the JS. */
  threadsSource?: WasmSource;
  /**
   * Opt in to the relaxed-SIMD module (seqwasm-relaxed.wasm, default false): its GEMM
   * micro-kernels compute each `acc + a·b` as one `relaxed_madd`, which the engine may fuse
   * into a single-rounding FMA, so results are **not bit-identical across machines** (nor to
   * the default module) and are outside the conformance hash. It is used only where
   * `WebAssembly.validate` accepts the module (Chromium ≥ 114, Node 22; Node 20 only with
   * `--experimental-wasm-relaxed-simd`); elsewhere, or when the file cannot be read, seqwasm
   * runs the default module, silently, and runtimeInfo() says why. With threads > 1 the
   * threaded module (plain SIMD) wins: relaxed SIMD applies only when one thread computes.
   */
  relaxedSimd?: boolean;
  /** The relaxed-SIMD module, as init(source) takes it; omitted: seqwasm-relaxed.wasm beside the JS (workerd: none). */
  relaxedSimdSource?: WasmSource;
}

/** How seqwasm runs here, after init(). */
export interface RuntimeInfo {
  /** Threads computing, counting the calling one: 1 unless init({ threads }) could start workers. */
  readonly threads: number;
  /** What init() asked for (1 when it did not ask). */
  readonly threadsRequested: number;
  /** Whether the running module's memory is shared (the threaded module). */
  readonly sharedMemory: boolean;
  /** Always true: seqwasm's module needs Wasm SIMD (init() fails without it). */
  readonly simd: boolean;
  /** Why fewer threads than requested run, when they do. */
  readonly threadsFallback?: string;
  /** Kernel calls split across the threads so far (large GEMMs and recurrent layers at batch ≥ 2). */
  readonly threadedCalls: number;
  /** Whether the relaxed-SIMD module runs (init({ relaxedSimd: true }) and the engine accepted it): results may differ by machine. */
  readonly relaxedSimd: boolean;
  /** Why the default module runs although init({ relaxedSimd: true }) asked for the relaxed one. */
  readonly relaxedSimdFallback?: string;
  /**
   * Whether the running module can train: false for seqwasm-inference.wasm, which has only the
   * forward kernels (predict, step, building and loading layers), so fit, trainOnBatch and
   * evaluate throw an InferenceOnlyError naming the kernel; true for every other module.
   */
  readonly training: boolean;
}

/** Most threads init({ threads }) accepts. */
const MAX_THREADS = 64;

/** The module's exports. Kernel wrappers in src/kernels read their functions from here. */
export interface SeqwasmExports {
  readonly memory: WebAssembly.Memory;
  abiVersion(): number;
  heapBase(): number;
  readonly [kernel: string]: unknown;
}

/** Must equal abiVersion() in assembly/abi.ts (every module's). */
const ABI_VERSION = 8;

/**
 * Thrown (as a rejection) by {@link init} when the module cannot be loaded: a bad argument, a
 * missing file, an HTTP status that is not ok (the message names the URL tried and the fix),
 * or a `.wasm` from another build (refused by its ABI version).
 *
 * @example
 * ```ts
 * try {
 *   await init('/assets/seqwasm.wasm');
 * } catch (error) {
 *   if (error instanceof SeqwasmInitError) console.error(error.message);   // what was tried and how to fix it
 * }
 * ```
 */
export class SeqwasmInitError extends Error {
  /** Always `'SeqwasmInitError'`, so the class shows in printed errors and stack traces. */
  override name = 'SeqwasmInitError';
}

/**
 * Thrown by anything that needs the Wasm module (models, layers, kernels, {@link arena})
 * when it is called before `await init()` has finished. The message names the caller.
 *
 * @example
 * ```ts
 * if (!isInitialized()) await init();   // avoids NotInitializedError
 * ```
 */
export class NotInitializedError extends Error {
  /** Always `'NotInitializedError'`. */
  override name = 'NotInitializedError';
  constructor(what: string) {
    super(`${what}: seqwasm is not initialised; call and await init() first`);
  }
}

/**
 * Thrown when code calls a Wasm kernel that the running module lacks: under
 * seqwasm-inference.wasm, which only predicts, any training kernel (backward passes, losses,
 * metrics, optimizer updates, gradient clipping). Nothing has run when it is thrown: the
 * arguments were checked, no kernel wrote anything. The fix is the full module.
 *
 * @example
 * ```ts
 * try {
 *   model.trainOnBatch(x, y);
 * } catch (error) {
 *   if (error instanceof InferenceOnlyError) console.error(error.kernel);   // e.g. 'lossCategoricalCrossentropy'
 * }
 * ```
 */
export class InferenceOnlyError extends Error {
  /** Always `'InferenceOnlyError'`. */
  override name = 'InferenceOnlyError';
  /** The Wasm export that was asked for. */
  readonly kernel: string;
  constructor(kernel: string) {
    super(`the Wasm kernel ${kernel} is not in seqwasm-inference.wasm, which only predicts (no backward passes, losses, metrics or optimizers); to train, import from 'seqwasm', whose init() loads the full seqwasm.wasm`);
    this.kernel = kernel;
  }
}

interface Runtime {
  /** Kept so that reset() can make a fresh instance of the same code. */
  readonly module: WebAssembly.Module;
  readonly exports: SeqwasmExports;
  readonly arena: Arena;
  readonly threads?: Threading;
}

/** The threaded module's extras: its workers (none once disposed) and what it asked for. */
interface Threading {
  pool: ThreadPool | undefined;
  readonly requested: number;
  readonly spawn: SpawnPoolWorker;
  /** Byte offset of the pool's control block, just below the arena. */
  readonly control: number;
}

let platform: Platform | undefined;
let pending: Promise<void> | undefined;
let current: Runtime | undefined;
let requestedThreads = 1;
let threadsFallback: string | undefined;
/** Split calls of pools already stopped (stopThreads, reset). */
let threadedCalls = 0;
let relaxedSimdRunning = false;
let relaxedSimdFallback: string | undefined;

/** @internal called once by each entry file. */
export function registerPlatform(p: Platform): void {
  platform = p;
}

/**
 * Loads and instantiates the Wasm module; everything else in seqwasm needs it first. Without
 * an argument, each package entry finds its `.wasm` by itself (Node reads the file beside
 * it, browsers, Deno and Bun fetch it beside the module, workerd imports it); pass `input`
 * when a bundler or CDN moved it. Idempotent: later calls return the first call's promise
 * (after a failure, a later call tries again). Rejects with a {@link SeqwasmInitError}.
 * `init({ threads: n })` computes large GEMMs on n threads where the runtime allows (see
 * {@link InitOptions} and {@link runtimeInfo}); elsewhere it falls back to one thread, silently.
 * `init({ relaxedSimd: true })` opts in to faster GEMMs whose bits may differ by machine, where
 * the engine supports relaxed SIMD; elsewhere it runs the default module, silently.
 *
 * @param input Where the module comes from (default: beside seqwasm's JS).
 * @example
 * ```ts
 * import { init } from 'seqwasm';
 * await init();                              // or init('/assets/seqwasm.wasm')
 * ```
 */
export function init(input?: WasmSource | InitOptions): Promise<void> {
  let options: InitOptions;
  try {
    options = initOptions(input);
  } catch (error) {
    return Promise.reject(error);
  }
  if (!pending) {
    pending = start(options).then(
      (runtime) => {
        current = runtime;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
  }
  return pending;
}

/**
 * True once init() has finished, e.g. to skip an `await init()` in a hot path.
 *
 * @example
 * ```ts
 * if (!isInitialized()) await init();
 * ```
 */
export function isInitialized(): boolean {
  return current !== undefined;
}

/** @internal the instantiated module; throws a clear error before init(). */
export function wasm(what = 'seqwasm'): SeqwasmExports {
  if (!current) throw new NotInitializedError(what);
  return current.exports;
}

/** @internal the workers, when more than one thread computes. */
export function threadPool(): ThreadPool | undefined {
  return current?.threads?.pool;
}

/**
 * How seqwasm runs here: the threads computing (1 unless init({ threads }) got its pool),
 * shared memory, SIMD, whether the relaxed-SIMD module runs, and why threads or relaxed SIMD
 * fell back if they did, and whether the module can train. Throws a {@link NotInitializedError} before init().
 *
 * @example
 * ```ts
 * await init({ threads: 2 });
 * runtimeInfo();   // { threads: 2, threadsRequested: 2, sharedMemory: true, simd: true, threadedCalls: 0, relaxedSimd: false, training: true } in Node
 * ```
 */
export function runtimeInfo(): RuntimeInfo {
  if (!current) throw new NotInitializedError('runtimeInfo');
  const threads = current.threads?.pool?.threads ?? 1;
  return {
    threads,
    threadsRequested: requestedThreads,
    sharedMemory: current.threads !== undefined,
    simd: true,
    ...(threads < requestedThreads && { threadsFallback: threadsFallback ?? 'the workers were stopped by stopThreads()' }),
    threadedCalls: threadedCalls + (current.threads?.pool?.runs ?? 0),
    relaxedSimd: relaxedSimdRunning,
    ...(relaxedSimdFallback !== undefined && { relaxedSimdFallback }),
    training: !(INFERENCE_MARK in current.exports),
  };
}

/**
 * Stops the worker threads of init({ threads }); seqwasm continues on the calling thread with
 * the same bits. Workers never keep a Node process alive, so this is only needed to free them early.
 *
 * @example
 * ```ts
 * await stopThreads();
 * runtimeInfo().threads;   // 1
 * ```
 */
export async function stopThreads(): Promise<void> {
  const threading = current?.threads;
  const pool = threading?.pool;
  if (!threading || !pool) return;
  threading.pool = undefined;
  threadedCalls += pool.runs;
  await pool.dispose();
}

/**
 * The arena over the module's memory, where regions for the kernel layer and hand-driven
 * layers come from. Throws a {@link NotInitializedError} before init().
 *
 * @param what The caller's name, used in the error message.
 * @example
 * ```ts
 * const x = arena().fromArray([1, 2, 3]);
 * kernels.scale(2, x);        // x is now [2, 4, 6]
 * arena().free(x);
 * ```
 */
export function arena(what = 'seqwasm'): Arena {
  if (!current) throw new NotInitializedError(what);
  return current.arena;
}

/**
 * How much Wasm memory seqwasm holds and uses, in bytes: what {@link memoryInfo} and
 * {@link reset} return.
 *
 * @example
 * ```ts
 * const { bytesInUse, memoryBytes, bytesReclaimable }: MemoryInfo = memoryInfo();
 * ```
 */
export interface MemoryInfo extends ArenaUsage {
  /** Bytes reserved but not in use: what reset() can give back (memoryBytes − top). */
  readonly bytesReclaimable: number;
}

/**
 * Memory in use (live blocks: weights, plans, optimizer state) against memory reserved (the
 * Wasm memory, which only grows). Blocks of models dropped without dispose() count as in use
 * until the garbage collector has run and the arena has taken them back.
 *
 * @example
 * ```ts
 * const info = memoryInfo();
 * if (info.bytesReclaimable > 64 << 20) await reset();   // more than 64 MiB reserved but unused
 * ```
 */
export function memoryInfo(): MemoryInfo {
  const usage = arena('memoryInfo').usage();
  return { ...usage, bytesReclaimable: usage.memoryBytes - usage.top };
}

const WASM_PAGE = 65536;
let resetting: Promise<MemoryInfo> | undefined;

/**
 * Gives reserved Wasm memory back to the host. A Wasm memory cannot shrink, so this makes a
 * fresh instance of the module, copies the bytes in use (everything below the arena's top)
 * to it at the same offsets and continues there: every model, layer and region stays valid
 * and computes the same bits. What it cannot give back is free space below a block still in
 * use (blocks never move). Safe at any time between calls, including while a fit() awaits
 * between batches; Float32Array views taken before it are detached, as after a memory grow.
 * Resolves to memoryInfo() afterwards.
 *
 * @example
 * ```ts
 * model.predict(longSequences);     // the memory grows to the call's high-water mark
 * const after = await reset();      // after.memoryBytes is back to about after.top
 * ```
 */
export function reset(): Promise<MemoryInfo> {
  resetting ??= swapInstance().finally(() => {
    resetting = undefined;
  });
  return resetting;
}

async function swapInstance(): Promise<MemoryInfo> {
  const runtime = current;
  if (!runtime) throw new NotInitializedError('reset');
  const { threads } = runtime;
  // A threaded instance gets a new shared memory, and its workers must move with it.
  const memory = threads && sharedMemory();
  const instance = await WebAssembly.instantiate(runtime.module, memory ? threadedImports(memory) : {});
  const exports = kernelExports(instance);
  // From here to the first await nothing else runs: the copy sees the memory exactly as it is swapped.
  runtime.arena.dropScratch();
  const { top, memoryBytes } = runtime.arena.usage();
  const needed = Math.max(exports.memory.buffer.byteLength, Math.ceil(top / WASM_PAGE) * WASM_PAGE);
  if (needed < memoryBytes) { // otherwise there is nothing to give back
    const oldPool = threads?.pool;
    threadedCalls += oldPool?.runs ?? 0;
    const stopping = oldPool?.dispose(); // tells the workers to quit before the memory moves
    runtime.arena.moveTo(exports.memory);
    const moved: Runtime = { module: runtime.module, exports, arena: runtime.arena, ...(threads && { threads: { ...threads, pool: undefined } }) };
    current = moved;
    if (stopping && moved.threads) {
      await stopping;
      moved.threads.pool = await ThreadPool.start(moved.threads.spawn, moved.module, exportsRecord(exports), exports.memory, moved.threads.control, moved.threads.requested);
    }
  }
  return memoryInfo();
}

/** Instantiates the threaded module with workers when asked and possible, else the single-thread one. */
async function start(options: InitOptions): Promise<Runtime> {
  requestedThreads = options.threads ?? 1;
  threadsFallback = undefined;
  threadedCalls = 0;
  relaxedSimdRunning = false;
  relaxedSimdFallback = undefined;
  if (requestedThreads > 1) {
    threadsFallback = threadsUnavailable();
    const memory = threadsFallback === undefined ? sharedMemory() : undefined;
    if (threadsFallback === undefined && !memory) {
      threadsFallback = 'shared WebAssembly.Memory is unavailable (a page without cross-origin isolation, or a runtime without SharedArrayBuffer)';
    }
    if (memory) {
      try {
        const threaded = await instantiateThreaded(options, requestedThreads, memory);
        if (options.relaxedSimd) relaxedSimdFallback = 'the threaded module of init({ threads }) runs plain SIMD; relaxed SIMD applies only on one thread';
        return threaded;
      } catch (error) {
        threadsFallback = `the threads could not start: ${(error as Error).message}`;
      }
    }
  }
  if (options.relaxedSimd) {
    const relaxed = await instantiateRelaxed(options.relaxedSimdSource);
    if (typeof relaxed === 'string') relaxedSimdFallback = relaxed;
    else {
      relaxedSimdRunning = true;
      return relaxed;
    }
  }
  return instantiate(options.source);
}

/** The relaxed-SIMD module's runtime, or why it cannot run here (then init() takes the default module). */
async function instantiateRelaxed(input: WasmSource | undefined): Promise<Runtime | string> {
  let source = input ?? (await platform?.relaxedSimdSource?.());
  if (source === undefined) return 'this platform entry has no relaxed-SIMD module; pass init({ relaxedSimd: true, relaxedSimdSource })';
  try {
    if (typeof source === 'string' || source instanceof URL) source = await loadModule(platform!, source, input === undefined, 'seqwasm-relaxed.wasm');
    if (!isBytes(source) && isResponse(source)) source = await source.arrayBuffer(); // validate() takes bytes
    if (isBytes(source) && !WebAssembly.validate(source)) {
      return 'WebAssembly.validate refused seqwasm-relaxed.wasm: this engine lacks relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)';
    }
    const { module, instance } = await instantiateSource(source);
    const exports = checkedExports(instance);
    return { module, exports, arena: new Arena(exports.memory, exports.heapBase()) };
  } catch (error) {
    return `the relaxed-SIMD module could not load: ${(error as Error).message}`;
  }
}

/** Why this platform cannot run worker threads, or undefined when it can. */
function threadsUnavailable(): string | undefined {
  if (!platform?.threads) return 'this platform entry has no worker threads';
  return platform.threads.unavailable?.();
}

async function instantiateThreaded(options: InitOptions, threads: number, memory: WebAssembly.Memory): Promise<Runtime> {
  const threadsPlatform = platform!.threads!;
  let source: WasmSource = options.threadsSource ?? (await threadsPlatform.defaultSource());
  if (typeof source === 'string' || source instanceof URL) source = await loadModule(platform!, source, options.threadsSource === undefined, 'seqwasm-threads.wasm');
  const { module, instance } = await instantiateSource(source, threadedImports(memory));
  const exports = checkedExports(instance);
  // The control block sits between the module's static data and the arena.
  const control = alignUp(exports.heapBase(), 64);
  const arena = new Arena(memory, control + CONTROL_BYTES);
  const pool = await ThreadPool.start(threadsPlatform.spawn, module, exportsRecord(exports), memory, control, threads);
  return { module, exports, arena, threads: { pool, requested: threads, spawn: threadsPlatform.spawn, control } };
}

function exportsRecord(exports: SeqwasmExports): Record<string, unknown> {
  return exports as unknown as Record<string, unknown>;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

const OPTION_NAMES = ['source', 'threads', 'threadsSource', 'relaxedSimd', 'relaxedSimdSource'];

/**
 * init()'s argument as options: an object with keys is the options form, anything else a source
 * (an empty object is refused, as before: it names neither a source nor an option).
 */
function initOptions(input: WasmSource | InitOptions | undefined): InitOptions {
  if (input === undefined || input === null || typeof input !== 'object' || input instanceof WebAssembly.Module || input instanceof URL || isBytes(input) || isResponse(input) || Object.keys(input).length === 0) {
    return { source: input as WasmSource | undefined };
  }
  for (const key of Object.keys(input)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`init(options): unknown option '${key}'; expected ${OPTION_NAMES.slice(0, -1).join(', ')} or ${OPTION_NAMES.at(-1)}`);
  }
  const { threads, relaxedSimd } = input as InitOptions;
  if (relaxedSimd !== undefined && typeof relaxedSimd !== 'boolean') throw new TypeError(`init(options): relaxedSimd: expected true or false, got ${describeInput(relaxedSimd)}`);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new RangeError(`init(options): threads: expected an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  return input as InitOptions;
}

async function instantiate(input: WasmSource | undefined): Promise<Runtime> {
  if (!platform) throw new SeqwasmInitError('init(): no platform registered; import seqwasm through its package entry');
  let source: WasmSource = input ?? (await platform.defaultSource());
  // The entry's default: seqwasm.wasm, or seqwasm-inference.wasm for 'seqwasm/inference'.
  const file = input === undefined && source instanceof URL ? source.pathname.slice(source.pathname.lastIndexOf('/') + 1) : undefined;
  if (typeof source === 'string' || source instanceof URL) source = await loadModule(platform, source, input === undefined, file);
  const { module, instance } = await instantiateSource(source);
  const exports = checkedExports(instance);
  return { module, exports, arena: new Arena(exports.memory, exports.heapBase()) };
}

/** The instance's exports, once they are known to be a seqwasm module of this ABI. */
function checkedExports(instance: WebAssembly.Instance): SeqwasmExports {
  const exports = kernelExports(instance);
  if (!(exports.memory instanceof WebAssembly.Memory) || typeof exports.abiVersion !== 'function' || typeof exports.heapBase !== 'function') {
    throw new SeqwasmInitError('init(input): the module is not a seqwasm module (it lacks memory, abiVersion or heapBase exports)');
  }
  const version = exports.abiVersion();
  if (version !== ABI_VERSION) {
    throw new SeqwasmInitError(`init(input): the module has ABI version ${version} but this seqwasm build expects ${ABI_VERSION}; rebuild or load the matching seqwasm.wasm`);
  }
  return exports;
}

/** The export only seqwasm-inference.wasm has (assembly/inference.ts). */
const INFERENCE_MARK = 'inferenceOnly';

/**
 * The instance's exports; the inference module's get a prototype that throws an
 * InferenceOnlyError for any kernel they lack. Its own kernels stay plain data properties, and
 * the full module's exports are returned as they are, so no kernel call pays for the check.
 */
function kernelExports(instance: WebAssembly.Instance): SeqwasmExports {
  const exports = instance.exports;
  if (!(INFERENCE_MARK in exports)) return exports as unknown as SeqwasmExports;
  const missingKernel = new Proxy(Object.create(null) as object, {
    get(_, name) {
      if (typeof name === 'string') throw new InferenceOnlyError(name);
      return undefined;
    },
  });
  return Object.create(missingKernel, Object.getOwnPropertyDescriptors(exports)) as SeqwasmExports;
}

async function instantiateSource(source: Exclude<WasmSource, URL | string>, imports: WebAssembly.Imports = {}): Promise<WebAssembly.WebAssemblyInstantiatedSource> {
  try {
    if (source instanceof WebAssembly.Module) return { module: source, instance: await WebAssembly.instantiate(source, imports) };
    // Bytes before Response: in Node 20 the first touch of the global Response loads its
    // fetch implementation (undici), ~10 ms of a cold start that reads the file.
    if (isBytes(source)) {
      return await WebAssembly.instantiate(source, imports);
    }
    if (isResponse(source)) {
      if (!source.ok) throw new SeqwasmInitError(`init(input): fetching ${source.url || 'the module'} failed with HTTP ${source.status}`);
      const bytes = await source.arrayBuffer();
      return await WebAssembly.instantiate(bytes, imports);
    }
  } catch (cause) {
    if (cause instanceof SeqwasmInitError) throw cause;
    throw new SeqwasmInitError(`init(input): could not instantiate the module: ${(cause as Error).message}`, { cause });
  }
  throw new SeqwasmInitError(
    `init(input): expected a WebAssembly.Module, BufferSource, Response, URL or string, got ${describeInput(source)}`,
  );
}

/**
 * Reads the module from a path or URL. A missing file, a failed request or an HTTP error
 * names the location tried and the fix: for the default location (beside seqwasm's JS), the
 * usual cause is a bundler that moved the JS without the .wasm.
 */
async function loadModule(platform: Platform, location: URL | string, isDefault: boolean, file = 'seqwasm.wasm'): Promise<BufferSource | Response> {
  const call = isDefault ? 'init()' : 'init(input)';
  const fix = isDefault
    ? `seqwasm loads ${file} from beside its JS; if a bundler moved the JS, copy node_modules/seqwasm/dist/${file} beside the bundle or pass its URL to init(url) (README: Bundlers)`
    : `check that the path or URL points to ${file}`;
  let source: BufferSource | Response;
  try {
    source = await platform.load(location);
  } catch (cause) {
    throw new SeqwasmInitError(`${call}: could not read ${String(location)}: ${failureReason(cause)}; ${fix}`, { cause });
  }
  // isBytes first: it spares Node the cost of touching Response (see instantiateSource).
  if (!isBytes(source) && isResponse(source) && !source.ok) throw new SeqwasmInitError(`${call}: fetching ${source.url || String(location)} failed with HTTP ${source.status}; ${fix}`);
  return source;
}

/** An error's message; fetch's bare 'fetch failed' keeps the reason in its cause. */
function failureReason(cause: unknown): string {
  const inner = (cause as { cause?: { message?: unknown } }).cause?.message;
  return `${(cause as Error).message}${typeof inner === 'string' ? ` (${inner})` : ''}`;
}

function isBytes(value: unknown): value is BufferSource {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function isResponse(value: unknown): value is Response {
  return typeof Response !== 'undefined' && value instanceof Response;
}

function describeInput(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}

/**
 * @internal Reads a path or URL with the registered platform (Node: paths and file: URLs from
 * disk, otherwise fetch), e.g. model.json and its weight files. Errors start with `what` and
 * name the location: a missing file, a failed request, an HTTP status that is not ok.
 */
export async function readBytes(location: URL | string, what: string): Promise<ArrayBuffer> {
  if (!platform) throw new SeqwasmInitError(`${what}: no platform registered; import seqwasm through its package entry`);
  const where = String(location);
  let source: BufferSource | Response;
  try {
    source = await platform.load(location);
    if (isResponse(source)) {
      if (!source.ok) throw new Error(`HTTP ${source.status}${source.statusText ? ` ${source.statusText}` : ''}`);
      return await source.arrayBuffer();
    }
  } catch (cause) {
    throw new Error(`${what}: could not read ${where}: ${failureReason(cause)}`, { cause });
  }
  if (source instanceof ArrayBuffer) return source;
  const bytes = source as ArrayBufferView; // a Node Buffer may share a larger pooled buffer: copy its own bytes
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice().buffer;
}
