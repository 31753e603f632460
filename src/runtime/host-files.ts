// Text files on the host's disk, for callbacks.csvLogger: registered by the Node entry, which
// takes node:fs/promises itself, so that the shared code never names a node: module (webpack
// refuses to bundle one even behind a dynamic import). Elsewhere there are none.

/** The file functions csvLogger needs (node:fs/promises's). */
export interface TextFiles {
  appendFile(path: string, text: string): Promise<void>;
  writeFile(path: string, text: string): Promise<void>;
  stat(path: string): Promise<{ size: number }>;
}

let files: TextFiles | undefined;

/** @internal called by the Node entry. */
export function registerTextFiles(host: TextFiles): void {
  files = host;
}

/** The host's text files, or undefined where the runtime registered none (browsers, workers, workerd, Deno and Bun). */
export function hostTextFiles(): TextFiles | undefined {
  return files;
}
