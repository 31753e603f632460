// The Node built-ins of the Node entries, taken without an ES-module import: for each
// `import … from 'node:…'` Node builds an ES-module view of the built-in, reading every export
// (~1 ms of a cold start each; node:fs's view even loads its streams), whereas
// process.getBuiltinModule (Node 20.16+) hands over the module as it is. Earlier Node 20
// releases import it.
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';

/** node:fs/promises. */
export function fsPromises(): Promise<typeof FsPromises> {
  return builtin('node:fs/promises', () => import('node:fs/promises'));
}

/** node:path. */
export function nodePath(): Promise<typeof Path> {
  return builtin('node:path', () => import('node:path'));
}

function builtin<T>(id: 'node:fs/promises' | 'node:path', load: () => Promise<T>): Promise<T> {
  return typeof process.getBuiltinModule === 'function' ? Promise.resolve(process.getBuiltinModule(id) as T) : load();
}
