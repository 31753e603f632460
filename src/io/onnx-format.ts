// The pieces of onnx.proto that seqwasm writes and reads: field numbers, data types and
// attribute types, and builders for the messages the exporter writes (nodes, attributes,
// tensors, value infos). Shared by the exporter (onnx-export.ts) and the reader
// (onnx-import.ts). Field numbers are onnx.proto's (onnx/onnx, IR version 7 and later).
import { bytesField, floatField, intField, messageField, packedIntsField, stringField, type Message } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const DATA_TYPE = { float: 1, int32: 6, int64: 7 } as const;

/** AttributeProto.AttributeType values. */
export const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

/** Field numbers of the messages read and written. */
export const FIELD = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attribute: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, strings: 9, type: 20 },
  tensor: { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dimension: { value: 1, param: 2 },
} as const;

/** One attribute for `node()`: built by the helpers below. */
export type Attribute = Message;

export function node(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly Attribute[] = []): Message {
  const f = FIELD.node;
  return [...inputs.map((input) => stringField(f.input, input)), ...outputs.map((output) => stringField(f.output, output)), stringField(f.name, name), stringField(f.opType, opType), ...attributes.map((a) => messageField(f.attribute, a))];
}

export function intAttribute(name: string, value: number): Attribute {
  return [stringField(FIELD.attribute.name, name), intField(FIELD.attribute.i, value), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.int)];
}

export function floatAttribute(name: string, value: number): Attribute {
  return [stringField(FIELD.attribute.name, name), floatField(FIELD.attribute.f, value), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.float)];
}

export function stringAttribute(name: string, value: string): Attribute {
  return [stringField(FIELD.attribute.name, name), stringField(FIELD.attribute.s, value), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.string)];
}

export function intsAttribute(name: string, values: readonly number[]): Attribute {
  return [stringField(FIELD.attribute.name, name), packedIntsField(FIELD.attribute.ints, values), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.ints)];
}

export function floatsAttribute(name: string, values: readonly number[]): Attribute {
  return [stringField(FIELD.attribute.name, name), ...values.map((v) => floatField(FIELD.attribute.floats, v)), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.floats)];
}

export function stringsAttribute(name: string, values: readonly string[]): Attribute {
  return [stringField(FIELD.attribute.name, name), ...values.map((v) => stringField(FIELD.attribute.strings, v)), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.strings)];
}

/** A float32 tensor, values little-endian in raw_data. */
export function floatTensor(name: string, dims: readonly number[], values: Float32Array): Message {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const f = FIELD.tensor;
  return [packedIntsField(f.dims, dims), intField(f.dataType, DATA_TYPE.float), stringField(f.name, name), bytesField(f.rawData, raw)];
}

/** An int64 tensor (any safe integers), in int64_data; `dims` [] for a scalar. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): Message {
  const f = FIELD.tensor;
  return [packedIntsField(f.dims, dims), intField(f.dataType, DATA_TYPE.int64), packedIntsField(f.int64Data, values), stringField(f.name, name)];
}

/** A graph input or output of element type `dataType`; string dimensions are symbolic (dynamic). */
export function valueInfo(name: string, dataType: number, dims: readonly (number | string)[]): Message {
  const shape: Message = dims.map((d) => messageField(FIELD.shape.dim, [typeof d === 'number' ? intField(FIELD.dimension.value, d) : stringField(FIELD.dimension.param, d)]));
  const tensorType: Message = [intField(FIELD.tensorType.elemType, dataType), messageField(FIELD.tensorType.shape, shape)];
  return [stringField(FIELD.valueInfo.name, name), messageField(FIELD.valueInfo.type, [messageField(FIELD.type.tensorType, tensorType)])];
}
