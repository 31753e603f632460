// The protobuf wire format of src/io/protobuf.ts: varints as protobuf writes them (signed
// int64 as ten bytes of two's complement), fields read back as written, and malformed
// streams (truncated lengths, overlong varints, groups, field 0) refused with WireFormatError.
import { describe, expect, it } from 'vitest';
import { bytesField, concat, floatField, int64Varint, intField, messageField, packedFloats, packedInts, packedIntsField, readFields, repeatedInts, stringField, text, varint, WireFormatError } from '../../src/io/protobuf.js';

describe('protobuf writer', () => {
  it('writes unsigned LEB128 varints and refuses what it cannot write', () => {
    expect([...varint(0)]).toEqual([0]);
    expect([...varint(127)]).toEqual([127]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect([...varint(2 ** 35)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => varint(-1)).toThrow(/non-negative/);
    expect(() => varint(1.5)).toThrow(/non-negative safe integer/);
  });

  it('writes negative int64 as ten bytes of two\'s complement', () => {
    expect([...int64Varint(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...int64Varint(-2)]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => int64Varint(2 ** 60)).toThrow(/safe integer/);
  });
});

describe('protobuf reader', () => {
  it('reads back every kind of field the writer writes', () => {
    const ints = [0, 1, -1, 127, 300, -300, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const message = concat([intField(1, -5), stringField(2, 'héllo'), floatField(3, 0.25), packedIntsField(4, ints), messageField(300, [intField(1, 7)]), bytesField(5, new Uint8Array(0))]);
    const fields = [...readFields(message)];
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([[1, 0], [2, 2], [3, 5], [4, 2], [300, 2], [5, 2]]);
    expect(fields[0].value).toBe(-5);
    expect(text(fields[1])).toBe('héllo');
    expect(fields[2].value).toBe(0.25);
    expect(packedInts(fields[3].bytes)).toEqual(ints);
    const nested = [...readFields(fields[4].bytes)];
    expect(nested[0].value).toBe(7);
    const unpacked: number[] = [];
    for (const f of readFields(concat(ints.map((v) => intField(9, v))))) repeatedInts(f, unpacked);
    expect(unpacked).toEqual(ints);
    expect(packedFloats(new Uint8Array(new Float32Array([1.5, -2]).buffer))).toEqual(new Float32Array([1.5, -2]));
  });

  it('refuses truncated, overlong and unsupported encodings', () => {
    const refuses = (bytes: number[], pattern: RegExp) => {
      expect(() => [...readFields(Uint8Array.from(bytes))]).toThrow(WireFormatError);
      expect(() => [...readFields(Uint8Array.from(bytes))]).toThrow(pattern);
    };
    refuses([0x0a, 0x05, 1, 2], /runs past the end/); // 5 bytes announced, 2 there
    refuses([0x08, 0x80], /varint runs past the end/);
    refuses([0x08, ...Array(11).fill(0x80), 0], /longer than ten bytes/);
    refuses([0x0b], /wire type 3/); // start group
    refuses([0x00, 0x01], /field number 0/);
    refuses([0x0d, 1, 2], /4-byte field runs past/);
    refuses([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], /runs past the end/); // a 4 GiB length
    expect(() => packedFloats(new Uint8Array(3))).toThrow(/not a multiple of 4/);
  });
});
