// Where the io readers get their bytes: given in memory, or read from a path (Node) or URL
// within a byte cap, an AbortSignal and a timeout. Shared by loadModel and the other formats'
// loaders, so every reader takes the same options and refuses them the same way.
import { closestName } from '../layers/errors.js';
import { ModelLoadError, describe } from '../model/errors.js';
import type { IOHandler } from './storage.js';

/** How a path or URL is read: the options every loader takes. */
export interface ReadSourceOptions {
  /** The most bytes read from a path or URL or accepted in memory. The default is each format's. */
  maxBytes?: number;
  /** Aborts reading a path or URL. */
  signal?: AbortSignal;
  /** Milliseconds allowed for reading a path or URL. Default: no limit. */
  timeout?: number;
}

const READ_OPTIONS = ['maxBytes', 'signal', 'timeout'];

/**
 * Checks a loader's options object: only `READ_OPTIONS` and the loader's `own` names, each of
 * the right kind (the loader checks its own). A ModelLoadError names the option at fault.
 */
export function checkReadOptions(owner: string, options: unknown, defaultMaxBytes: number, own: readonly string[] = []): asserts options is ReadSourceOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ModelLoadError(owner, 'options', `options must be an object, got ${describe(options)}`);
  const names = [...own, ...READ_OPTIONS];
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) {
      const hint = closestName(key, names);
      throw new ModelLoadError(owner, key, `${describe(key)} is not an option of ${owner} (${names.join(', ')})${hint ? `; did you mean '${hint}'?` : ''}`);
    }
  }
  const { maxBytes, signal, timeout } = options as Record<string, unknown>;
  const wrong = (key: string, expected: string, value: unknown) => new ModelLoadError(owner, key, `${key} must be ${expected}, got ${describe(value)}`);
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && (maxBytes as number) >= 1)) throw wrong('maxBytes', `a positive integer (default ${defaultMaxBytes})`, maxBytes);
  if (signal !== undefined && !(typeof AbortSignal !== 'undefined' && signal instanceof AbortSignal)) throw wrong('signal', 'an AbortSignal', signal);
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout > 0)) throw wrong('timeout', 'a positive number of milliseconds', timeout);
}

/** The bytes of `source`: a buffer or view as it is (not copied), or a path / URL read within the options' limits. */
export async function readSource(owner: string, source: unknown, options: ReadSourceOptions, defaultMaxBytes: number): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  let bytes: Uint8Array;
  if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (ArrayBuffer.isView(source)) bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  else if (typeof source === 'string' || source instanceof URL) {
    const location = withoutFileScheme(source);
    // Imported on first use, as loadModel does: a page that never reads a file does not download the reader.
    const { readWithin, withTimeout } = await import('../runtime/location.js');
    const reading = withTimeout(options.signal, options.timeout);
    try {
      return await readWithin(location, { maxBytes, signal: reading.signal });
    } catch (error) {
      throw new ModelLoadError(owner, 'source', `could not read ${String(source)}: ${(error as Error).message}`);
    } finally {
      reading.done();
    }
  } else throw new ModelLoadError(owner, 'source', `expected the file's bytes (an ArrayBuffer or a view), a path or a URL, got ${describe(source)}`);
  if (bytes.byteLength > maxBytes) throw new ModelLoadError(owner, 'source', `the file has ${bytes.byteLength} bytes, more than maxBytes (${maxBytes})`);
  return bytes;
}

/** Whether loadModel(source) reads a browser store or a handler (storage.ts) rather than a path, URL or artifacts. */
export function isStoredSource(source: unknown): source is string | IOHandler {
  if (typeof source === 'string') return /^(indexeddb|localstorage|downloads):\/\//.test(source);
  return typeof source === 'object' && source !== null && typeof (source as IOHandler).load === 'function';
}

/**
 * TF.js's 'file://' prefix (Node) as the path after it: 'file://model/model.json' is the
 * relative path model/model.json, 'file:///srv/m.json' the absolute one. A URL object is a URL.
 */
export function withoutFileScheme<T>(source: T): T {
  return (typeof source === 'string' && source.startsWith('file://') ? source.slice('file://'.length) : source) as T;
}
