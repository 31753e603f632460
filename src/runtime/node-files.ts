// Reading an untrusted path from disk in Node within limits (runtime/location.ts): only a
// regular file (a FIFO would block forever, /dev/zero never ends), its size checked against
// maxBytes before reading, and the read abortable between chunks.
import { fsPromises, nodePath } from './node-builtins.js';
import { abortError, joinChunks, ReadError, tooLarge, type ReadLimits } from './location.js';

const CHUNK = 1 << 20;

export async function readRegularFile(location: string | URL, limits: ReadLimits): Promise<Uint8Array> {
  const { signal, maxBytes } = limits;
  if (signal?.aborted) throw abortError(signal);
  const { constants, open, stat } = await fsPromises();
  await expectRegularFile(() => stat(location), maxBytes);
  // Non-blocking open: a FIFO swapped in after the stat cannot block; fstat checks what was opened.
  const handle = await failing(() => open(location, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)));
  try {
    await expectRegularFile(() => handle.stat(), maxBytes);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const chunk = new Uint8Array(Math.min(CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await failing(() => handle.read(chunk, 0, chunk.length, null));
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(maxBytes, 'it grew while being read');
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return joinChunks(chunks, total);
  } finally {
    await handle.close();
  }
}

async function expectRegularFile(statOf: () => Promise<{ isFile(): boolean; isDirectory(): boolean; size: number }>, maxBytes: number): Promise<void> {
  const info = await failing(statOf);
  if (!info.isFile()) throw new ReadError(`is not a regular file (${info.isDirectory() ? 'a directory' : 'a device, FIFO or socket'}); only regular files are read`, info.isDirectory());
  if (info.size > maxBytes) throw tooLarge(maxBytes, `the file has ${info.size} bytes`);
}

/** Runs an fs call, turning its error into a ReadError with the system's message (which names the path, not the content). */
async function failing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ReadError) throw error;
    throw new ReadError((error as Error).message);
  }
}

/** model.save('file://dir'): the folder and its parents created, each file written whole. */
export async function writeFilesToDisk(folder: string, files: readonly (readonly [string, Uint8Array])[]): Promise<void> {
  const [{ mkdir, writeFile }, { join }] = await Promise.all([fsPromises(), nodePath()]);
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of files) await writeFile(join(folder, name), bytes);
}
