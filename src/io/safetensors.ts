// The safetensors format (Hugging Face; what PyTorch users save state dicts in): an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
// then the raw little-endian bytes. The file is untrusted: every length, offset and shape is
// checked against the bytes that are there before anything is decoded, the ranges must tile
// the data exactly (as the format requires), and no value is read twice.
import { ModelInputError, ModelLoadError, describe } from '../model/errors.js';
import type { Tensor } from '../tensor.js';
import { checkReadOptions, readSource, type ReadSourceOptions } from './source.js';

/** The dtypes read, with their byte widths. Integers become float32 only when exact. */
const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;
type Dtype = keyof typeof DTYPE_BYTES;

export const SAFETENSORS_LIMITS = {
  /** The format's own bound on the JSON header. */
  headerBytes: 100 << 20,
  /** Tensors in one file. */
  tensors: 65536,
  /** Rank of one tensor. */
  rank: 8,
  /** Bytes of the file, read from a path or URL or given in memory. */
  maxBytes: 2 ** 30,
} as const;

const OWNER = 'loadSafetensors';
/** float32 holds every integer up to 2^24 exactly. */
const EXACT_INTEGER = 2 ** 24;

/** Options of {@link loadSafetensors}. */
export type SafetensorsOptions = ReadSourceOptions;

/** {@link loadSafetensors} (the public one loads this module on first use). */
export async function loadSafetensors(source: string | URL | ArrayBuffer | ArrayBufferView, options: SafetensorsOptions = {}): Promise<Record<string, Tensor>> {
  checkReadOptions(OWNER, options, SAFETENSORS_LIMITS.maxBytes);
  const bytes = await readSource(OWNER, source, options, SAFETENSORS_LIMITS.maxBytes);
  return parseSafetensors(bytes);
}

/** The tensors of safetensors bytes (see {@link loadSafetensors}). */
export function parseSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) throw fault('file', `a safetensors file starts with an 8-byte header length; the file has ${bytes.byteLength} bytes`);
  const headerBytes = view.getBigUint64(0, true);
  if (headerBytes > BigInt(Math.min(SAFETENSORS_LIMITS.headerBytes, bytes.byteLength - 8))) {
    throw fault('header', `the header length is ${headerBytes} bytes, but ${bytes.byteLength - 8} bytes follow it (and at most ${SAFETENSORS_LIMITS.headerBytes} are allowed)`);
  }
  const dataStart = 8 + Number(headerBytes);
  const header = parseHeader(bytes.subarray(8, dataStart));
  const data = bytes.subarray(dataStart);
  const entries = Object.entries(header).filter(([name]) => name !== '__metadata__');
  if (entries.length > SAFETENSORS_LIMITS.tensors) throw fault('header', `the header lists ${entries.length} tensors; at most ${SAFETENSORS_LIMITS.tensors} are read`);
  checkMetadata(header.__metadata__);
  const specs = entries.map(([name, entry]) => tensorSpec(name, entry, data.byteLength));
  checkTiling(specs, data.byteLength);
  return Object.fromEntries(specs.map((spec) => [spec.name, { shape: spec.shape, data: decode(spec, data) }]));
}

interface TensorSpec {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(text: Uint8Array): Record<string, unknown> {
  // The format requires the header to be a JSON object, optionally padded with spaces.
  if (text[0] !== 0x7b) throw fault('header', 'the header must be a JSON object starting with {');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (error) {
    throw fault('header', `the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fault('header', `the header must be a JSON object, got ${describe(json)}`);
  return json as Record<string, unknown>;
}

function checkMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  const ok = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && Object.values(metadata).every((v) => typeof v === 'string');
  if (!ok) throw fault('__metadata__', `__metadata__ must map names to strings, got ${describe(metadata)}`);
}

function tensorSpec(name: string, entry: unknown, dataBytes: number): TensorSpec {
  const where = `tensor ${JSON.stringify(name)}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fault(name, `${where} must be { dtype, shape, data_offsets }, got ${describe(entry)}`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw fault(name, `${where} has dtype ${describe(dtype)}; readable dtypes are ${Object.keys(DTYPE_BYTES).join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.length > SAFETENSORS_LIMITS.rank || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fault(name, `${where} must have a shape of at most ${SAFETENSORS_LIMITS.rank} non-negative integers, got ${describe(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1] || offsets[1] > dataBytes) {
    throw fault(name, `${where} must have data_offsets [begin, end] with 0 ≤ begin ≤ end ≤ ${dataBytes} (the data's length), got ${Array.isArray(offsets) ? JSON.stringify(offsets) : describe(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  const width = DTYPE_BYTES[dtype as Dtype];
  // Multiply step by step, stopping while the product is still exact: a hostile shape cannot overflow.
  let bytes = width;
  for (const dim of shape as number[]) {
    bytes *= dim;
    if (bytes > 2 ** 52) break;
  }
  if (bytes !== end - begin) throw fault(name, `${where} of dtype ${dtype} and shape [${(shape as number[]).join(', ')}] needs ${bytes > 2 ** 52 ? 'more than 2^52' : bytes} bytes, but its data_offsets span ${end - begin}`);
  return { name, dtype: dtype as Dtype, shape: shape as number[], begin, end };
}

/** The byte ranges must cover the data end to end with no gap and no overlap (the format's rule; an overlap would alias two tensors). */
function checkTiling(specs: readonly TensorSpec[], dataBytes: number): void {
  let at = 0;
  for (const spec of [...specs].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (spec.begin !== at) {
      throw fault(spec.name, `tensor ${JSON.stringify(spec.name)} starts at byte ${spec.begin} of the data, but the tensors before it end at ${at}: the ranges must cover the data without gaps or overlaps`);
    }
    at = spec.end;
  }
  if (at !== dataBytes) throw fault('data', `the tensors cover ${at} bytes of data, but ${dataBytes} bytes follow the header`);
}

function decode(spec: TensorSpec, data: Uint8Array): Float32Array {
  const count = (spec.end - spec.begin) / DTYPE_BYTES[spec.dtype];
  const view = new DataView(data.buffer, data.byteOffset + spec.begin, spec.end - spec.begin);
  const out = new Float32Array(count);
  const read = READERS[spec.dtype];
  for (let i = 0; i < count; i++) {
    const value = read(view, i);
    if (spec.dtype !== 'F64' && spec.dtype !== 'F32' && spec.dtype !== 'F16' && spec.dtype !== 'BF16' && Math.abs(value) > EXACT_INTEGER) {
      throw fault(spec.name, `tensor ${JSON.stringify(spec.name)} (${spec.dtype}) holds ${value} at index ${i}, which float32 cannot hold exactly (|value| ≤ 2^24)`);
    }
    out[i] = value; // a float64 → float32 store rounds to nearest even, the same on every runtime
  }
  return out;
}

const READERS: Record<Dtype, (view: DataView, i: number) => number> = {
  F64: (v, i) => v.getFloat64(8 * i, true),
  F32: (v, i) => v.getFloat32(4 * i, true),
  F16: (v, i) => halfToNumber(v.getUint16(2 * i, true)),
  BF16: (v, i) => bfloatToNumber(v.getUint16(2 * i, true)),
  I64: (v, i) => clampedBigInt(v.getBigInt64(8 * i, true)),
  I32: (v, i) => v.getInt32(4 * i, true),
  I16: (v, i) => v.getInt16(2 * i, true),
  I8: (v, i) => v.getInt8(i),
  U8: (v, i) => v.getUint8(i),
  BOOL: (v, i) => (v.getUint8(i) === 0 ? 0 : 1),
};

/** An int64 as a number; values past float32's exact range are reported by decode(). */
function clampedBigInt(value: bigint): number {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(value > limit ? limit : value < -limit ? -limit : value);
}

const bits = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
function bfloatToNumber(half: number): number {
  bits.setUint32(0, half << 16);
  return bits.getFloat32(0);
}

/** IEEE half → float32, exactly (every half is a float32), by moving the fields. */
function halfToNumber(half: number): number {
  const sign = (half & 0x8000) << 16;
  let exponent = (half >> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  let word: number;
  if (exponent === 0x1f) word = sign | 0x7f800000 | (mantissa << 13); // Inf / NaN
  else if (exponent !== 0) word = sign | ((exponent + 112) << 23) | (mantissa << 13);
  else if (mantissa === 0) word = sign; // ±0
  else {
    // Subnormal half: normalise it (a normal float32).
    exponent = 113;
    while ((mantissa & 0x400) === 0) {
      mantissa <<= 1;
      exponent--;
    }
    word = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  }
  bits.setUint32(0, word >>> 0);
  return bits.getFloat32(0);
}

/** {@link saveSafetensors} (the public one loads this module on first use). */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    checkMetadata(metadata);
    header.__metadata__ = metadata;
  }
  let at = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new ModelInputError('saveSafetensors', name, 'the name __metadata__ is reserved by the format');
    if (!(data instanceof Float32Array) || shape.reduce((a, b) => a * b, 1) !== data.length) {
      throw new ModelInputError('saveSafetensors', name, `tensor ${JSON.stringify(name)} must be { shape, data: Float32Array } with shape's product of values, got shape [${shape.join(', ')}] and ${describe(data)}`);
    }
    header[name] = { dtype: 'F32', shape: [...shape], data_offsets: [at, at + 4 * data.length] };
    at += 4 * data.length;
  }
  let text = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(text.byteLength / 8) * 8;
  if (padded !== text.byteLength) text = Uint8Array.from({ length: padded }, (_, i) => (i < text.byteLength ? text[i] : 0x20));
  const out = new Uint8Array(8 + padded + at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(text, 8);
  let offset = 8 + padded;
  for (const { data } of Object.values(tensors)) {
    for (let i = 0; i < data.length; i++) view.setFloat32(offset + 4 * i, data[i], true);
    offset += 4 * data.length;
  }
  return out;
}

function fault(argument: string, problem: string): ModelLoadError {
  return new ModelLoadError(OWNER, argument, problem);
}
