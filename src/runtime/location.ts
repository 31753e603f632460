// Telling URLs from file paths in what users pass as a location (init(), loadModel()), and
// reading an untrusted location within limits: a byte cap, an AbortSignal, a timeout, only
// regular files from disk (Node), and for files named by another file (weight shards) only
// redirects that stay on the same origin.

/** A string with a URL scheme (not a Windows drive letter such as C:) as a URL; otherwise undefined: a path. */
export function urlOf(location: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]+:/i.test(location)) return undefined;
  try {
    return new URL(location);
  } catch {
    return undefined;
  }
}

export interface ReadLimits {
  /** Refuse (and stop reading) beyond this many bytes. */
  maxBytes: number;
  /** Aborts the read; a timeout is folded in by the caller. */
  signal?: AbortSignal;
  /** Only follow HTTP redirects within this origin (e.g. 'https://models.example.com'). */
  sameOrigin?: string;
}

/** Reads a path or file: URL from disk within limits (registered by the Node entry). */
export type FileReader = (location: string | URL, limits: ReadLimits) => Promise<Uint8Array>;

/** Thrown for a read that breaks a limit or fails; the message says what happened without quoting the content. */
export class ReadError extends Error {
  override name = 'ReadError';

  constructor(
    message: string,
    /** The location is a folder, not a file (a reader can then say which file to name). */
    readonly isDirectory = false,
  ) {
    super(message);
  }
}

/** Writes named files into a folder (created with its parents), registered by the Node entry. */
export type FileWriter = (folder: string, files: readonly (readonly [string, Uint8Array])[]) => Promise<void>;

let fileReader: FileReader | undefined;
let fileWriter: FileWriter | undefined;

/** @internal called by the Node entry: paths and file: URLs are read from disk there. */
export function registerFileReader(reader: FileReader): void {
  fileReader = reader;
}

/** @internal called by the Node entry: model.save('file://dir') writes there. */
export function registerFileWriter(writer: FileWriter): void {
  fileWriter = writer;
}

/** Writes files into `folder` where the runtime can (Node); elsewhere a `fault` error. */
export async function writeFilesInto(folder: string, files: readonly (readonly [string, Uint8Array])[], fault: (problem: string) => Error): Promise<void> {
  if (!fileWriter) throw fault("'file://' saves to disk in Node only; in browsers save to 'indexeddb://name', 'localstorage://name' or 'downloads://name'");
  try {
    await fileWriter(folder, files);
  } catch (error) {
    throw fault(`could not write ${files.map(([name]) => name).join(' and ')} into ${folder}: ${(error as Error).message}`);
  }
}

/** Redirect hops followed for one file before giving up. */
const MAX_REDIRECTS = 10;

/**
 * The bytes at `location`: from disk when the runtime registered a file reader (Node) and the
 * location is a path or file: URL, otherwise by fetch (a relative string resolves against the
 * page). Throws ReadError for a missing file, an HTTP status that is not ok, a read over
 * `maxBytes`, an abort or a redirect off `sameOrigin`.
 */
export async function readWithin(location: string | URL, limits: ReadLimits): Promise<Uint8Array> {
  const url = typeof location === 'string' ? urlOf(location) : location;
  if (fileReader && (url === undefined || url.protocol === 'file:')) return fileReader(url ?? location, limits);
  const response = await fetchWithin(url ?? (location as string), limits);
  if (!response.ok) {
    await response.body?.cancel();
    throw new ReadError(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }
  return readBody(response, limits);
}

/** fetch, following redirects itself when they must stay on one origin. */
async function fetchWithin(target: string | URL, limits: ReadLimits): Promise<Response> {
  const { signal, sameOrigin } = limits;
  const get = (where: string | URL, redirect: RequestRedirect) => fetchOrFail(where, { signal, redirect });
  if (sameOrigin === undefined) return get(target, 'follow');
  let where = target;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await get(where, 'manual');
    if (response.type === 'opaqueredirect') {
      // A browser hides where a redirect goes: follow it, then refuse what came from elsewhere
      // (the browser's CORS checks already decide what a page may read).
      const followed = await get(where, 'follow');
      if (originOf(followed.url) !== sameOrigin) {
        await followed.body?.cancel();
        throw new ReadError(`was redirected to another origin; files named by a model file follow only redirects within ${sameOrigin}`);
      }
      return followed;
    }
    const next = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || next === null) return response;
    await response.body?.cancel();
    let nextUrl: URL;
    try {
      nextUrl = new URL(next, response.url || String(where));
    } catch {
      throw new ReadError(`HTTP ${response.status} redirects to a location that is not a URL`);
    }
    if (nextUrl.origin !== sameOrigin) throw new ReadError(`HTTP ${response.status} redirects to ${nextUrl.origin}; files named by a model file follow only redirects within ${sameOrigin}`);
    where = nextUrl;
  }
  throw new ReadError(`more than ${MAX_REDIRECTS} redirects`);
}

async function fetchOrFail(where: string | URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(where, init);
  } catch (cause) {
    if (init.signal?.aborted) throw abortError(init.signal);
    const inner = (cause as { cause?: { message?: unknown } }).cause?.message; // fetch's 'fetch failed' keeps the reason here
    throw new ReadError(`${(cause as Error).message}${typeof inner === 'string' ? ` (${inner})` : ''}`);
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The body, refused as soon as it passes maxBytes (a Content-Length over it is refused before reading). */
async function readBody(response: Response, limits: ReadLimits): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel();
    throw tooLarge(limits.maxBytes, `its Content-Length is ${declared}`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) {
        await reader.cancel();
        throw tooLarge(limits.maxBytes, 'the body is longer');
      }
      chunks.push(value);
    }
  } catch (error) {
    if (limits.signal?.aborted) throw abortError(limits.signal);
    throw error instanceof ReadError ? error : new ReadError(`reading the body failed: ${(error as Error).message}`);
  }
  return joinChunks(chunks, total);
}

/** Chunks joined in order into one array of `total` bytes. */
export function joinChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

export function tooLarge(maxBytes: number, detail: string): ReadError {
  return new ReadError(`is larger than the ${maxBytes} bytes allowed (${detail})`);
}

export function abortError(signal: AbortSignal): ReadError {
  const reason = signal.reason as { name?: unknown; message?: unknown } | undefined;
  const why = reason?.name === 'TimeoutError' ? String(reason.message) : 'the read was aborted';
  return new ReadError(why);
}

/**
 * A signal that aborts when `signal` does or after `timeout` ms (a TimeoutError), and the
 * function to call when done with it (clears the timer). Both optional.
 */
export function withTimeout(signal: AbortSignal | undefined, timeout: number | undefined): { signal: AbortSignal | undefined; done: () => void } {
  if (timeout === undefined) return { signal, done: () => {} };
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(timeoutReason(timeout)), timeout);
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function timeoutReason(timeout: number): Error {
  const error = new Error(`timed out after ${timeout} ms`);
  error.name = 'TimeoutError';
  return error;
}
