// The conformance suite in-process under vitest (src, Node): the fast early warning for
// `npm run test:runtimes`, which runs the same source in all five runtimes from the packed package.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as seqwasm from '../../src/index.js';
import { conformance } from './conformance.js';

const expected = readFileSync(new URL('./expected-hash.txt', import.meta.url), 'utf8').trim();

describe('runtime conformance suite (in Node)', () => {
  it('gives the committed hash every runtime must print (numerics changed on purpose? npm run test:runtimes -- --update)', async () => {
    expect(await conformance(seqwasm)).toBe(expected);
  });

  it('is repeatable in one process and frees every buffer it allocated', async () => {
    const before = seqwasm.arena().bytesInUse;
    expect(await conformance(seqwasm)).toBe(await conformance(seqwasm));
    expect(seqwasm.arena().bytesInUse).toBe(before);
  });
});
