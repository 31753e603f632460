// The protobuf wire format, just what ONNX files need: a writer that builds a message as a list
// of encoded fields joined once at the end, and a bounded reader that walks one message's
// fields. Our own rather than protobufjs or onnx-proto: ONNX uses five wire features (varints,
// little-endian fixed32/fixed64, length-delimited bytes, packed repeats), so ~200 lines cover
// it with no runtime dependency, nothing generated from onnx.proto and a few KB in the bundle
// (protobufjs's minimal runtime alone is ~20 KB minified, before any generated schema code).
//
// The reader trusts nothing: every length is checked against the bytes that remain before it
// is used, varints longer than ten bytes and unknown wire types (including groups) are
// refused, and each problem is a WireFormatError saying where (the caller names the message).
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** An encoded message under construction: its fields, each already encoded. */
export type Message = Uint8Array[];

/** A malformed protobuf byte stream; `offset` is where in the message the reader stopped. */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`${problem} (at byte ${offset})`);
  }
}

// ---- writing ------------------------------------------------------------------------------

/** Unsigned LEB128 of a non-negative safe integer (dims, counts, versions, enum values). */
export function varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint: expected a non-negative safe integer, got ${value}`);
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return Uint8Array.from(bytes);
}

/** An int64 as protobuf writes it: non-negative as varint(), negative as ten bytes of two's complement. */
export function int64Varint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64Varint: expected a safe integer, got ${value}`);
  if (value >= 0) return varint(value);
  let bits = BigInt.asUintN(64, BigInt(value));
  const bytes = new Uint8Array(10);
  for (let i = 0; i < 10; i++) {
    bytes[i] = Number(bits & 0x7fn) | (i < 9 ? 0x80 : 0);
    bits >>= 7n;
  }
  return bytes;
}

const tag = (field: number, wireType: number) => varint(field * 8 + wireType);

/** The parts joined in order. (Not runtime/location's joinChunks: the exporter is in every entry, and location.ts loads only when a file is read.) */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, part) => (joined.set(part, offset), offset + part.length), 0);
  return joined;
}

/** An int32/int64/enum field (negative values as ten-byte two's complement). */
export function intField(field: number, value: number): Uint8Array {
  return concat([tag(field, VARINT), int64Varint(value)]);
}

/** A float field (fixed32, little-endian). */
export function floatField(field: number, value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return concat([tag(field, FIXED32), bytes]);
}

export function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return concat([tag(field, LENGTH_DELIMITED), varint(bytes.length), bytes]);
}

export function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, new TextEncoder().encode(text));
}

export function messageField(field: number, message: Message): Uint8Array {
  return bytesField(field, concat(message));
}

/** A repeated integer field in packed form (proto3's default; ONNX readers accept both). */
export function packedIntsField(field: number, values: readonly number[]): Uint8Array {
  return bytesField(field, concat(values.map(int64Varint)));
}

// ---- reading ------------------------------------------------------------------------------

/** One field as read: varints and fixed-width numbers in `value`, length-delimited contents in `bytes`. */
export interface WireField {
  field: number;
  wireType: number;
  /** Varint (as a signed int64, rounded to a double beyond 2^53), fixed32 as float32, fixed64 as float64. */
  value: number;
  /** Length-delimited fields: a view of the contents (not a copy). */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * The fields of one message, in order. Each length is checked against what remains; a field
 * number of 0, a wire type other than 0, 1, 2 or 5, or a varint of more than ten bytes is
 * refused.
 */
export function* readFields(bytes: Uint8Array): Generator<WireField> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = { offset: 0 };
  while (at.offset < bytes.length) {
    const start = at.offset;
    const key = readVarint(bytes, at);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field < 1 || field > 2 ** 29 - 1) throw new WireFormatError(start, `field number ${field} is out of range`);
    if (wireType === VARINT) {
      yield { field, wireType, value: readVarint(bytes, at), bytes: EMPTY };
    } else if (wireType === FIXED32 || wireType === FIXED64) {
      const width = wireType === FIXED32 ? 4 : 8;
      if (at.offset + width > bytes.length) throw new WireFormatError(at.offset, `a ${width}-byte field runs past the end of the message`);
      const value = width === 4 ? view.getFloat32(at.offset, true) : view.getFloat64(at.offset, true);
      at.offset += width;
      yield { field, wireType, value, bytes: EMPTY };
    } else if (wireType === LENGTH_DELIMITED) {
      const length = readVarint(bytes, at);
      if (length < 0 || length > bytes.length - at.offset) throw new WireFormatError(at.offset, `a field of ${length} bytes runs past the end of the message (${bytes.length - at.offset} left)`);
      yield { field, wireType, value: length, bytes: bytes.subarray(at.offset, at.offset + length) };
      at.offset += length;
    } else {
      throw new WireFormatError(start, `wire type ${wireType} is not supported (groups and unknown types)`);
    }
  }
}

/** A varint at `at.offset` as a signed int64 (two's complement), advancing the offset. */
function readVarint(bytes: Uint8Array, at: { offset: number }): number {
  let low = 0; // bits 0..27
  let high = 0; // bits 28..63
  for (let i = 0; i < 10; i++) {
    if (at.offset >= bytes.length) throw new WireFormatError(at.offset, 'a varint runs past the end of the message');
    const byte = bytes[at.offset++];
    if (i < 4) low += (byte & 0x7f) * 2 ** (7 * i);
    else high += (byte & 0x7f) * 2 ** (7 * i - 28);
    if (byte < 0x80) {
      // Bit 63 set: negative. high holds bits 28..63 (36 bits), so subtract 2^36 from it.
      if (high >= 2 ** 35) high -= 2 ** 36;
      return high * 2 ** 28 + low;
    }
  }
  throw new WireFormatError(at.offset, 'a varint is longer than ten bytes');
}

/** A packed repeated varint field's values (ONNX also writes them unpacked: see `repeatedInts`). */
export function packedInts(bytes: Uint8Array): number[] {
  const values: number[] = [];
  const at = { offset: 0 };
  while (at.offset < bytes.length) values.push(readVarint(bytes, at));
  return values;
}

/** A packed repeated float field's values (little-endian float32). */
export function packedFloats(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new WireFormatError(0, `packed floats of ${bytes.length} bytes, not a multiple of 4`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

/** Adds a repeated integer field's values to `into`, whether written packed or one by one. */
export function repeatedInts(field: WireField, into: number[]): void {
  if (field.wireType === VARINT) into.push(field.value);
  else if (field.wireType === LENGTH_DELIMITED) for (const value of packedInts(field.bytes)) into.push(value);
  else throw new WireFormatError(0, `field ${field.field} should hold integers, has wire type ${field.wireType}`);
}

/** UTF-8 text of a length-delimited field. */
export function text(field: WireField): string {
  if (field.wireType !== LENGTH_DELIMITED) throw new WireFormatError(0, `field ${field.field} should hold text, has wire type ${field.wireType}`);
  return new TextDecoder().decode(field.bytes);
}
