// The protobuf wire format, just enough to write an ONNX model: varints (wire type 0) and
// length-delimited fields (wire type 2: strings, bytes, nested messages, packed repeats).
// A message is built as a list of encoded fields and concatenated once at the end.
import { joinChunks } from '../../src/runtime/location.js';

const VARINT = 0;
const LENGTH_DELIMITED = 2;

export type Message = Uint8Array[];

/** Unsigned LEB128. ONNX's int64 fields here (dims, attributes, versions) are never negative. */
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

const tag = (field: number, wireType: number) => varint((field << 3) | wireType);

export function concat(parts: Uint8Array[]): Uint8Array {
  return joinChunks(parts, parts.reduce((n, p) => n + p.length, 0));
}

export function intField(field: number, value: number): Uint8Array {
  return concat([tag(field, VARINT), varint(value)]);
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
  return bytesField(field, concat(values.map(varint)));
}
