// Loading and instantiating the seqwasm module in any runtime. The entry files
// (src/node.ts, src/fetch.ts, src/workerd.ts) differ only in the Platform they register:
// where the .wasm comes from by default and how a URL or path is read.
import { Arena } from './arena.js';

/** What init() accepts: a compiled module, the bytes, a fetch Response, or where to get it. */
export type WasmSource = WebAssembly.Module | BufferSource | Response | URL | string;

export interface Platform {
  /** Where the module comes from when init() is called without an argument. */
  defaultSource(): WasmSource | Promise<WasmSource>;
  /** Reads a URL or path into something instantiable. */
  load(location: URL | string): Promise<BufferSource | Response>;
}

/** The module's exports. Kernel wrappers in src/kernels read their functions from here. */
export interface SeqwasmExports {
  readonly memory: WebAssembly.Memory;
  abiVersion(): number;
  heapBase(): number;
  readonly [kernel: string]: unknown;
}

/** Must equal abiVersion() in assembly/index.ts. */
const ABI_VERSION = 4;

export class SeqwasmInitError extends Error {
  override name = 'SeqwasmInitError';
}

export class NotInitializedError extends Error {
  override name = 'NotInitializedError';
  constructor(what: string) {
    super(`${what}: seqwasm is not initialised; call and await init() first`);
  }
}

interface Runtime {
  readonly exports: SeqwasmExports;
  readonly arena: Arena;
}

let platform: Platform | undefined;
let pending: Promise<void> | undefined;
let current: Runtime | undefined;

/** @internal called once by each entry file. */
export function registerPlatform(p: Platform): void {
  platform = p;
}

/**
 * Loads and instantiates the Wasm module. Idempotent: later calls return the first call's
 * promise (after a failure, a later call tries again).
 */
export function init(input?: WasmSource): Promise<void> {
  if (!pending) {
    pending = instantiate(input).then(
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

/** True once init() has finished. */
export function isInitialized(): boolean {
  return current !== undefined;
}

/** @internal the instantiated module; throws a clear error before init(). */
export function wasm(what = 'seqwasm'): SeqwasmExports {
  if (!current) throw new NotInitializedError(what);
  return current.exports;
}

/** The arena over the module's memory; throws a clear error before init(). */
export function arena(what = 'seqwasm'): Arena {
  if (!current) throw new NotInitializedError(what);
  return current.arena;
}

async function instantiate(input: WasmSource | undefined): Promise<Runtime> {
  if (!platform) throw new SeqwasmInitError('init(): no platform registered; import seqwasm through its package entry');
  let source: WasmSource = input ?? (await platform.defaultSource());
  if (typeof source === 'string' || source instanceof URL) source = await platform.load(source);
  const instance = await instantiateSource(source);
  const exports = instance.exports as unknown as SeqwasmExports;
  if (!(exports.memory instanceof WebAssembly.Memory) || typeof exports.abiVersion !== 'function' || typeof exports.heapBase !== 'function') {
    throw new SeqwasmInitError('init(input): the module is not a seqwasm module (it lacks memory, abiVersion or heapBase exports)');
  }
  const version = exports.abiVersion();
  if (version !== ABI_VERSION) {
    throw new SeqwasmInitError(`init(input): the module has ABI version ${version} but this seqwasm build expects ${ABI_VERSION}; rebuild or load the matching seqwasm.wasm`);
  }
  return { exports, arena: new Arena(exports.memory, exports.heapBase()) };
}

async function instantiateSource(source: Exclude<WasmSource, URL | string>): Promise<WebAssembly.Instance> {
  try {
    if (source instanceof WebAssembly.Module) return await WebAssembly.instantiate(source, {});
    // Bytes before Response: in Node 20 the first touch of the global Response loads its
    // fetch implementation (undici), ~10 ms of a cold start that reads the file.
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
      return (await WebAssembly.instantiate(source, {})).instance;
    }
    if (isResponse(source)) {
      if (!source.ok) throw new SeqwasmInitError(`init(input): fetching ${source.url || 'the module'} failed with HTTP ${source.status}`);
      const bytes = await source.arrayBuffer();
      return (await WebAssembly.instantiate(bytes, {})).instance;
    }
  } catch (cause) {
    if (cause instanceof SeqwasmInitError) throw cause;
    throw new SeqwasmInitError(`init(input): could not instantiate the module: ${(cause as Error).message}`, { cause });
  }
  throw new SeqwasmInitError(
    `init(input): expected a WebAssembly.Module, BufferSource, Response, URL or string, got ${describeInput(source)}`,
  );
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
    const inner = (cause as { cause?: { message?: unknown } }).cause?.message; // fetch's 'fetch failed' keeps the reason here
    throw new Error(`${what}: could not read ${where}: ${(cause as Error).message}${typeof inner === 'string' ? ` (${inner})` : ''}`, { cause });
  }
  if (source instanceof ArrayBuffer) return source;
  const bytes = source as ArrayBufferView; // a Node Buffer may share a larger pooled buffer: copy its own bytes
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice().buffer;
}
