// A minimal one-graph ONNX writer for the benchmark's peers (onnxruntime-web and -node): a
// recurrent layer (LSTM or GRU, Keras weight layout) on its final state, then Dense with
// softmax — the inference workload of npm run bench. Opset 14, batch axis dynamic. Milestone
// 11 replaces it with a full exporter in src/io.
//
//   X [batch, steps, features] → Transpose → LSTM|GRU (Y_h [1, batch, units]) → Squeeze
//     → Gemm → Softmax → Y [batch, classes]
//
// The input is transposed to time-major because onnxruntime's CPU kernels reject the
// batch-first layout (layout 1) of opset 14.
//
// Keras → ONNX (DESIGN.md §4): Keras keeps kernel (features, gU) with gates LSTM i,f,c,o and
// GRU z,r,h, and one bias (gU) — GRU resetAfter (2, gU) = [input; recurrent]. ONNX wants
// W [1, gU, features] and R [1, gU, units], gates LSTM i,o,f,c and GRU z,r,h, and
// B [1, 2gU] = [Wb, Rb]; GRU's linear_before_reset = resetAfter.
import { bytesField, concat, intField, messageField, packedIntsField, stringField, type Message } from './protobuf.js';

export interface RecurrentClassifier {
  cell: 'lstm' | 'gru';
  units: number;
  features: number;
  classes: number;
  /** GRU only: Keras 3's default true (bias [2, 3U]). */
  resetAfter?: boolean;
  /** Keras layout: kernel [features, gU], recurrentKernel [units, gU], bias [gU] or GRU resetAfter [2, gU]. */
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
  /** Dense kernel [units, classes] and bias [classes]. */
  denseKernel: Float32Array;
  denseBias: Float32Array;
}

export const INPUT_NAME = 'x';
export const OUTPUT_NAME = 'y';
const OPSET = 14;
/** IR version 7 is the first that carries opset 14. */
const IR_VERSION = 7;
const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

/** For each ONNX gate block, the Keras gate block it comes from. */
const GATES_FROM_KERAS = { lstm: [0, 3, 1, 2], gru: [0, 1, 2] } as const;

/** The model file's bytes. */
export function recurrentClassifierOnnx(m: RecurrentClassifier): Uint8Array {
  const order = GATES_FROM_KERAS[m.cell];
  const width = order.length * m.units;
  const expect = (name: string, values: Float32Array, length: number) => {
    if (values.length !== length) throw new RangeError(`recurrentClassifierOnnx: ${name} has ${values.length} values, expected ${length}`);
  };
  const resetAfter = m.cell === 'gru' && (m.resetAfter ?? true);
  expect('kernel', m.kernel, m.features * width);
  expect('recurrentKernel', m.recurrentKernel, m.units * width);
  expect('bias', m.bias, resetAfter ? 2 * width : width);
  expect('denseKernel', m.denseKernel, m.units * m.classes);
  expect('denseBias', m.denseBias, m.classes);

  // Keras bias: [input] or, for GRU resetAfter, [input; recurrent]; ONNX B = [Wb, Rb].
  const inputBias = m.bias.subarray(0, width);
  const recurrentBias = resetAfter ? m.bias.subarray(width) : new Float32Array(width);
  const bias = new Float32Array(2 * width);
  bias.set(gateRows(inputBias, 1, m.units, order));
  bias.set(gateRows(recurrentBias, 1, m.units, order), width);
  const op = m.cell === 'lstm' ? 'LSTM' : 'GRU';
  const recurrentAttributes = [intAttribute('hidden_size', m.units)];
  if (m.cell === 'gru') recurrentAttributes.push(intAttribute('linear_before_reset', resetAfter ? 1 : 0));

  const graph: Message = [
    messageField(1, node('Transpose', [INPUT_NAME], ['time_major'], [intsAttribute('perm', [1, 0, 2])])),
    messageField(1, node(op, ['time_major', 'W', 'R', 'B'], ['', 'final_state'], recurrentAttributes)),
    messageField(1, node('Squeeze', ['final_state', 'direction_axis'], ['h'], [])),
    messageField(1, node('Gemm', ['h', 'dense_kernel', 'dense_bias'], ['logits'], [])),
    messageField(1, node('Softmax', ['logits'], [OUTPUT_NAME], [intAttribute('axis', 1)])),
    stringField(2, 'seqwasm_bench'),
    messageField(5, tensor('W', [1, width, m.features], gateRows(m.kernel, m.features, m.units, order, true))),
    messageField(5, tensor('R', [1, width, m.units], gateRows(m.recurrentKernel, m.units, m.units, order, true))),
    messageField(5, tensor('B', [1, 2 * width], bias)),
    messageField(5, tensor('dense_kernel', [m.units, m.classes], m.denseKernel)),
    messageField(5, tensor('dense_bias', [m.classes], m.denseBias)),
    messageField(5, int64Tensor('direction_axis', [0])),
    messageField(11, valueInfo(INPUT_NAME, ['batch', 'steps', m.features])),
    messageField(12, valueInfo(OUTPUT_NAME, ['batch', m.classes])),
  ];
  const model: Message = [
    intField(1, IR_VERSION),
    stringField(2, 'seqwasm-bench'),
    messageField(7, graph),
    messageField(8, [stringField(1, ''), intField(2, OPSET)]),
  ];
  return concat(model);
}

/**
 * Keras [rows, gU] (gates in Keras order) → ONNX [gU, rows] when `transpose` (gates in ONNX
 * order), or a bias [gU] reordered when rows is 1 and not transposed.
 */
function gateRows(keras: Float32Array, rows: number, units: number, order: readonly number[], transpose = false): Float32Array {
  const width = order.length * units;
  const out = new Float32Array(rows * width);
  order.forEach((kerasGate, onnxGate) => {
    for (let j = 0; j < units; j++) {
      const from = kerasGate * units + j;
      const to = onnxGate * units + j;
      for (let r = 0; r < rows; r++) out[transpose ? to * rows + r : r * width + to] = keras[r * width + from];
    }
  });
  return out;
}

// ---- ONNX messages (field numbers from onnx.proto) ---------------------------------------

function node(opType: string, inputs: string[], outputs: string[], attributes: Message[]): Message {
  return [
    ...inputs.map((name) => stringField(1, name)),
    ...outputs.map((name) => stringField(2, name)),
    stringField(3, `${opType.toLowerCase()}_0`),
    stringField(4, opType),
    ...attributes.map((a) => messageField(5, a)),
  ];
}

function intAttribute(name: string, value: number): Message {
  return [stringField(1, name), intField(3, value), intField(20, ATTRIBUTE_INT)];
}

function intsAttribute(name: string, values: number[]): Message {
  return [stringField(1, name), packedIntsField(8, values), intField(20, ATTRIBUTE_INTS)];
}

/** A one-dimensional int64 initializer (non-negative values), in int64_data. */
function int64Tensor(name: string, values: number[]): Message {
  return [packedIntsField(1, [values.length]), intField(2, INT64), packedIntsField(7, values), stringField(8, name)];
}

/** A float32 initializer, values little-endian in raw_data. */
function tensor(name: string, dims: number[], values: Float32Array): Message {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return [packedIntsField(1, dims), intField(2, FLOAT), stringField(8, name), bytesField(9, raw)];
}

/** A float32 graph input or output; string dimensions are symbolic (dynamic). */
function valueInfo(name: string, dims: (number | string)[]): Message {
  const shape: Message = dims.map((d) => messageField(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]));
  const tensorType: Message = [intField(1, FLOAT), messageField(2, shape)];
  return [stringField(1, name), messageField(2, [messageField(1, tensorType)])];
}
