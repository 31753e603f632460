// loadSafetensors / saveSafetensors: every dtype decoded as PyTorch converts it to float32
// (fixture from scripts/fixtures/torch_safetensors.py), round trips, and hand-made hostile
// files, each refused with a ModelLoadError naming the tensor or field at fault.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelInputError, ModelLoadError } from '../../src/model/errors.js';
import { loadSafetensors, parseSafetensors, saveSafetensors } from '../../src/io/safetensors.js';

const FIXTURES = new URL('../fixtures/torch/', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'seqwasm-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file with the given header object and data bytes, the header padded as `pad` says. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const text = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + text.byteLength + data.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true);
  out.set(text, 8);
  out.set(data, 8 + text.byteLength);
  return out;
}
const f32 = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('loadSafetensors', () => {
  it("decodes F64, F32, F16, BF16, I64, I32 and U8 to PyTorch's float32 values", async () => {
    const tensors = await loadSafetensors(new URL('dtypes.safetensors', FIXTURES));
    const expected = JSON.parse(readFileSync(new URL('dtypes.json', FIXTURES), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
    expect(Object.keys(tensors)).toEqual(Object.keys(expected));
    for (const [name, { shape, data }] of Object.entries(expected)) {
      expect(tensors[name].shape, name).toEqual(shape);
      expect(tensors[name].data, name).toEqual(Float32Array.from(data));
    }
  });

  it('half precision: subnormals, ±0, ±Infinity and NaN', () => {
    const halves = Uint16Array.of(0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3c00, 0xc000);
    const tensors = parseSafetensors(file({ h: { dtype: 'F16', shape: [8], data_offsets: [0, 16] } }, new Uint8Array(halves.buffer)));
    expect(Array.from(tensors.h.data)).toEqual([2 ** -24, 1023 * 2 ** -24, -0, Infinity, -Infinity, NaN, 1, -2]);
  });

  it('round trips saveSafetensors, from bytes, a path and a file: URL', async () => {
    const tensors = { 'rnn.weight_ih_l0': { shape: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => i / 7 - 1) }, 'head.bias': { shape: [1], data: Float32Array.of(-0.25) }, empty: { shape: [0, 5], data: new Float32Array(0) } };
    const bytes = saveSafetensors(tensors, { format: 'pt' });
    expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n);
    expect(parseSafetensors(bytes)).toEqual(tensors);
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, bytes);
    expect(await loadSafetensors(path)).toEqual(tensors);
    expect(await loadSafetensors(new URL(`file://${path}`))).toEqual(tensors);
    expect(await loadSafetensors(bytes.buffer as ArrayBuffer)).toEqual(tensors);
    await expect(loadSafetensors(path, { maxBytes: 64 })).rejects.toThrow(/larger than the 64 bytes allowed/);
    await expect(loadSafetensors(bytes, { maxBytes: 64 })).rejects.toThrow(`the file has ${bytes.byteLength} bytes, more than maxBytes (64)`);
    await expect(loadSafetensors(join(dir, 'missing.safetensors'))).rejects.toThrow(ModelLoadError);
    await expect(loadSafetensors(path, { maxByte: 10 } as never)).rejects.toThrow(`"maxByte" is not an option of loadSafetensors (maxBytes, signal, timeout); did you mean 'maxBytes'?`);
    await expect(loadSafetensors(42 as never)).rejects.toThrow(/expected the file's bytes .* got 42/);
  });

  it('saveSafetensors refuses a reserved name and a shape that does not match the data', () => {
    expect(() => saveSafetensors({ __metadata__: { shape: [1], data: Float32Array.of(1) } })).toThrow(ModelInputError);
    expect(() => saveSafetensors({ w: { shape: [2, 2], data: Float32Array.of(1) } })).toThrow(/shape \[2, 2\]/);
  });

  const hostile: [string, Uint8Array, RegExp][] = [
    ['fewer than 8 bytes', new Uint8Array(5), /8-byte header length; the file has 5 bytes/],
    ['a header length past the end', (() => { const b = file({}); new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true); return b; })(), /header length is 9223372036854775808 bytes, but 2 bytes follow/],
    ['a header that is not an object', file([], undefined, '[1,2]'), /must be a JSON object starting with \{/],
    ['a header that is not JSON', file(null, undefined, '{"a": '), /not valid UTF-8 JSON/],
    ['a header that is not UTF-8', file(null, undefined, '{"\u00ff": 1}').map((b, i, all) => (i === 11 ? 0xff : b) + 0 * all.length), /not valid UTF-8 JSON/],
    ['an unknown dtype', file({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor "w" has dtype "F8_E4M3"; readable dtypes are F64, F32/],
    ['a negative dimension', file({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /tensor "w" must have a shape of at most 8 non-negative integers/],
    ['rank 9', file({ w: { dtype: 'F32', shape: [1, 1, 1, 1, 1, 1, 1, 1, 1], data_offsets: [0, 4] } }, f32(1)), /at most 8 non-negative integers/],
    ['offsets past the data', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), /0 ≤ begin ≤ end ≤ 4 \(the data's length\), got \[0,8\]/],
    ['offsets reversed', file({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }, f32(1)), /got \[4,0\]/],
    ['a shape that overflows', file({ w: { dtype: 'F64', shape: [2 ** 40, 2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs more than 2\^52 bytes, but its data_offsets span 8/],
    ['a byte count that does not match the shape', file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /shape \[3\] needs 12 bytes, but its data_offsets span 8/],
    ['two tensors on the same bytes', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "b" starts at byte 0 of the data, but the tensors before it end at 4/],
    ['a gap', file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), /tensor "a" starts at byte 4 .* end at 0/],
    ['bytes after the last tensor', file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1, 2)), /cover 4 bytes of data, but 8 bytes follow the header/],
    ['an entry that is not an object', file({ a: 'F32' }), /tensor "a" must be \{ dtype, shape, data_offsets \}, got "F32"/],
    ['metadata that is not strings', file({ __metadata__: { epochs: 3 } }), /__metadata__ must map names to strings/],
    ['an int64 float32 cannot hold', file({ n: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(BigInt64Array.of(2n ** 24n + 1n).buffer)), /holds 16777217 at index 0, which float32 cannot hold exactly/],
  ];
  for (const [what, bytes, message] of hostile) {
    it(`refuses ${what}`, () => {
      let error: unknown;
      try {
        parseSafetensors(bytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('a __proto__ tensor name is an ordinary own entry', () => {
    const tensors = parseSafetensors(file(JSON.parse('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}'), f32(3)));
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(tensors, '__proto__')?.value).toEqual({ shape: [1], data: Float32Array.of(3) });
  });
});
