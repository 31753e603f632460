// The Node entries take node:fs/promises and node:path from process.getBuiltinModule (Node
// 20.16+), without the ES-module view an import builds, and import them on older Node 20.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsPromises, nodePath } from '../../src/runtime/node-builtins.js';

const getBuiltinModule = process.getBuiltinModule;

describe('Node built-ins of the Node entries', () => {
  afterEach(() => {
    process.getBuiltinModule = getBuiltinModule;
  });

  it('come from process.getBuiltinModule where Node has it', async () => {
    const asked: string[] = [];
    process.getBuiltinModule = ((id: string) => (asked.push(id), getBuiltinModule(id))) as typeof getBuiltinModule;
    expect((await fsPromises()).readFile).toBe(readFile);
    expect((await nodePath()).join).toBe(join);
    expect(asked).toEqual(['node:fs/promises', 'node:path']);
  });

  it('are imported where it is missing (Node 20 before 20.16)', async () => {
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    expect((await fsPromises()).readFile).toBe(readFile);
    expect((await nodePath()).join).toBe(join);
  });
});
