// A safetensors fuzzer: the PyTorch fixtures, mutated in their header (JSON edits: numbers,
// dtypes, shapes and offsets changed; entries dropped or duplicated) and byte by byte (the
// length prefix, the header text, the data), then parsed. Every case must end in tensors that
// match their header or a ModelLoadError, never another error, within a second.
// 2,000 cases in CI, 50,000 with SEQWASM_LONG=1; SEQWASM_TEST_SEED=<seed> replays a run.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../src/model/errors.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { rng, testSeed } from '../util/random.js';

const CASES = process.env.SEQWASM_LONG === '1' ? 50_000 : 2_000;
const seed = testSeed();
const FIXTURES = new URL('../fixtures/torch/', import.meta.url);
const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.safetensors')).map((name) => new Uint8Array(readFileSync(new URL(name, FIXTURES))));

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const ODD_NUMBERS = [-1, 0, 1, 3, 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, Number.MAX_SAFE_INTEGER, 1e308];

function split(bytes: Uint8Array): { header: Record<string, Record<string, unknown>>; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))), data: bytes.subarray(8 + length) };
}

function join(header: unknown, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function mutateHeader(random: Random, header: Record<string, Record<string, unknown>>): void {
  const names = Object.keys(header).filter((n) => n !== '__metadata__');
  const name = pick(random, names);
  const entry = header[name];
  switch (Math.floor(random() * 7)) {
    case 0: entry.dtype = pick(random, ['F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E5M2', '', 7]); break;
    case 1: (entry.shape as unknown[])[Math.floor(random() * Math.max(1, (entry.shape as unknown[]).length))] = pick(random, ODD_NUMBERS); break;
    case 2: (entry.data_offsets as unknown[])[Math.floor(random() * 2)] = pick(random, [...ODD_NUMBERS, (entry.data_offsets as number[])[0] + 4]); break;
    case 3: delete header[name]; break;
    case 4: header[`${name}_copy`] = { ...entry }; break;
    case 5: entry.shape = pick(random, [[], null, 'x', Array(12).fill(1), [2 ** 40, 2 ** 40]]); break;
    default: header.__metadata__ = pick<unknown>(random, [{ a: 1 }, [], null, { format: 'pt' }]) as Record<string, unknown>;
  }
}

function mutateBytes(random: Random, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + Math.floor(random() * 4);
  for (let i = 0; i < flips; i++) {
    const region = random();
    const at = region < 0.2 ? Math.floor(random() * 8) : Math.floor(random() * out.length);
    out[at] = Math.floor(random() * 256);
  }
  return random() < 0.2 ? out.subarray(0, Math.floor(random() * out.length)) : out;
}

describe(`safetensors fuzzing (seed ${seed})`, () => {
  it(`${CASES} mutated files: tensors matching their header, or a ModelLoadError`, () => {
    const outcomes = { parsed: 0, refused: 0 };
    for (let c = 0; c < CASES; c++) {
      const caseSeed = (seed + c * 0x9e3779b9) >>> 0;
      const random = rng(caseSeed);
      const original = pick(random, files);
      let bytes: Uint8Array;
      if (random() < 0.6) {
        const { header, data } = split(original);
        mutateHeader(random, header);
        bytes = join(header, data);
      } else bytes = mutateBytes(random, original);
      const started = performance.now();
      try {
        const tensors = parseSafetensors(bytes);
        for (const { shape, data } of Object.values(tensors)) expect(shape.reduce((a, b) => a * b, 1), `case seed ${caseSeed}`).toBe(data.length);
        outcomes.parsed++;
      } catch (error) {
        if (!(error instanceof ModelLoadError)) throw new Error(`case seed ${caseSeed}: ${(error as Error)?.stack ?? error}`);
        outcomes.refused++;
      }
      expect(performance.now() - started, `case seed ${caseSeed}`).toBeLessThan(1000);
    }
    // Both outcomes occur, or the mutations are not testing anything.
    expect(outcomes.parsed).toBeGreaterThan(CASES / 50);
    expect(outcomes.refused).toBeGreaterThan(CASES / 4);
  });
});
