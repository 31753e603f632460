// ONNX forms of the milestone-10 single-input layers, for exportONNX's EMITTERS table (onnx.ts).
//
// Conv1D, pooling   ONNX Conv / MaxPool / AveragePool run channels-first [B, C, T]: one
//                   Transpose in and one out, back to the input's layout. Kernel Keras
//                   (k, C, F) → ONNX (F, C, k). Padding 'causal' and 'same' with stride 1 are
//                   constant explicit pads (TensorFlow puts the odd step on the right);
//                   'same' with stride > 1 depends on T: auto_pad SAME_UPPER (the same split;
//                   onnxruntime refuses it with dilation, which Keras forbids with strides).
//                   AveragePool leaves padded steps out of the count (count_include_pad 0), as
//                   predict does. Every one keeps the time axis dynamic.
// Global pooling    ReduceMean / ReduceMax over time; with a mask (the value's sequence
//                   lengths) the steps t ≥ length are left out, and a sample with no step gives
//                   0, as predict does — exact for trailing padding, like the recurrent ops.
// LayerNormalization  opset 14 has no such op (opset 17's computes in float32): Cast to
//                   float64, ReduceMean, Sub, Mul, ReduceMean, Add (epsilon inside the square
//                   root), Sqrt, Div, then Mul by gamma and Add of beta when scale / center are
//                   on, Cast back — seqwasm's order and precision (its row statistics are f64).
//                   In float32 a row of nearly equal features is off by up to ~6e-8/√(var + ε).
// PositionEmbedding the table sliced to the input's own (dynamic) length, added.
// RepeatVector      Unsqueeze + Tile into a time-major sequence (what a recurrent decoder reads).
// Reshape, Flatten, Permute  batch-major row order matters: Reshape [0, …target] / Flatten
//                   axis 1 / one Transpose (composed with the time-major swap when the input
//                   is time-major). They fix the time length (see pinsTimeAxis).
// SpatialDropout1D  identity at inference.
// Masks pass through layer normalization, position embedding and dropout; the other layers
// drop them, as predict does.
import { windowLayout, type Conv1D, type Padding } from '../layers/conv.js';
import type { Layer } from '../layers/layer.js';
import type { LayerNormalization } from '../layers/normalization.js';
import type { GlobalPooling1D, Pooling1D } from '../layers/pooling.js';
import type { PositionEmbedding } from '../layers/position-embedding.js';
import { Flatten, Permute, Reshape, type RepeatVector } from '../layers/reshape.js';
import { DATA_TYPE, int64Tensor, intAttribute, intsAttribute, stringAttribute, type Attribute } from './onnx-format.js';
import type { GraphBuilder, OnnxValue } from './onnx.js';

/**
 * Whether `layer` only works for the time length the model was built for (the row order of a
 * whole sample matters): the exported input then names that length instead of a dynamic axis.
 */
export function pinsTimeAxis(layer: Layer): boolean {
  if (layer instanceof Permute) return layer.settings.dims[0] !== 1;
  return layer instanceof Flatten || layer instanceof Reshape;
}

// ---- convolution and pooling ----------------------------------------------------------------

/** Conv1D: Conv on [B, C, T] with the kernel as (F, C, k), then the activation on [.., F]. */
export function emitConv1D(layer: Conv1D, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const { filters, kernelSize, strides, dilationRate, padding, activation } = layer.settings;
  const [kernel, bias] = layer.getWeights();
  const channels = x.dims[2] as number;
  const onnxKernel = new Float32Array(kernel.data.length);
  for (let j = 0; j < kernelSize; j++) {
    for (let c = 0; c < channels; c++) {
      for (let f = 0; f < filters; f++) onnxKernel[(f * channels + c) * kernelSize + j] = kernel.data[(j * channels + c) * filters + f];
    }
  }
  const weights = [g.weight(`${layer.name}/kernel`, [filters, channels, kernelSize], onnxKernel)];
  if (bias) weights.push(g.weight(`${layer.name}/bias`, bias.shape, bias.data));
  const attributes = [intsAttribute('kernel_shape', [kernelSize]), intsAttribute('strides', [strides]), intsAttribute('dilations', [dilationRate]), ...paddingAttributes(padding, layer.span, strides)];
  const y = channelsFirstOp(layer, 'Conv', x, weights, attributes, filters, layer.span, strides, padding, g);
  return g.activation(y, activation);
}

/** MaxPooling1D / AveragePooling1D: MaxPool / AveragePool (padding left out of means) on [B, C, T]. */
export function emitPooling1D(layer: Pooling1D, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const { poolSize } = layer.settings;
  const padding = layer.settings.padding as Padding;
  const stride = layer.stride;
  const attributes = [intsAttribute('kernel_shape', [poolSize]), intsAttribute('strides', [stride]), ...paddingAttributes(padding, poolSize, stride)];
  if (layer.reduction === 'average') attributes.push(intAttribute('count_include_pad', 0));
  const op = layer.reduction === 'max' ? 'MaxPool' : 'AveragePool';
  return channelsFirstOp(layer, op, x, [], attributes, x.dims[2] as number, poolSize, stride, padding, g);
}

/** Pads of a window `span` steps wide as TensorFlow lays them out (see windowLayout). */
function paddingAttributes(padding: Padding, span: number, stride: number): Attribute[] {
  if (padding === 'valid') return [];
  if (padding === 'causal') return [intsAttribute('pads', [span - 1, 0])];
  if (stride > 1) return [stringAttribute('auto_pad', 'SAME_UPPER')];
  const before = Math.floor((span - 1) / 2);
  return [intsAttribute('pads', [before, span - 1 - before])];
}

/**
 * `op` on `x` moved to [B, C, T], its output moved back to x's layout ([B, T', F] or
 * [T', B, F]); T' from windowLayout when T is known, a named dynamic axis otherwise.
 */
function channelsFirstOp(layer: Layer, op: string, x: OnnxValue, weights: string[], attributes: Attribute[], outChannels: number, span: number, stride: number, padding: Padding, g: GraphBuilder): OnnxValue {
  const [batch, steps] = x.timeMajor ? [x.dims[1], x.dims[0]] : [x.dims[0], x.dims[1]];
  const [channelsFirst] = g.add('Transpose', [x.name], 1, [intsAttribute('perm', x.timeMajor ? [1, 2, 0] : [0, 2, 1])]);
  const [result] = g.add(op, [channelsFirst, ...weights], 1, attributes);
  const [name] = g.add('Transpose', [result], 1, [intsAttribute('perm', x.timeMajor ? [2, 0, 1] : [0, 2, 1])]);
  const outSteps = typeof steps === 'number' ? windowLayout(steps, span, stride, padding).outSteps : `${layer.name}_steps`;
  return { name, dims: x.timeMajor ? [outSteps, batch, outChannels] : [batch, outSteps, outChannels], timeMajor: x.timeMajor };
}

/**
 * GlobalAveragePooling1D / GlobalMaxPooling1D: the mean / max over the time axis; with
 * sequence lengths, over the first length steps of each sample (0 for a sample with none).
 */
export function emitGlobalPooling1D(layer: GlobalPooling1D, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const timeAxis = x.timeMajor ? 0 : 1;
  const batch = x.dims[1 - timeAxis];
  const channels = x.dims[2];
  const max = layer.reduction === 'max';
  let name: string;
  if (x.sequenceLengths === undefined) {
    [name] = g.add(max ? 'ReduceMax' : 'ReduceMean', [x.name], 1, [intsAttribute('axes', [timeAxis]), intAttribute('keepdims', 0)]);
  } else {
    const { real, lengths } = realSteps(x, x.sequenceLengths, timeAxis, g);
    const [lengthsFloat] = g.add('Cast', [lengths], 1, [intAttribute('to', DATA_TYPE.float)]);
    const [perSample] = g.add('Unsqueeze', [lengthsFloat, g.int64s([1])]);
    const zero = g.weight('zero', [], Float32Array.of(0));
    if (max) {
      const lowest = g.weight('minus_infinity', [], Float32Array.of(-Infinity));
      const [kept] = g.add('Where', [real, x.name, lowest]);
      const [largest] = g.add('ReduceMax', [kept], 1, [intsAttribute('axes', [timeAxis]), intAttribute('keepdims', 0)]);
      const [hasSteps] = g.add('Greater', [perSample, zero]);
      [name] = g.add('Where', [hasSteps, largest, zero]);
    } else {
      const [kept] = g.add('Where', [real, x.name, zero]);
      const [sum] = g.add('ReduceSum', [kept, g.int64s([timeAxis])], 1, [intAttribute('keepdims', 0)]);
      // A sample with no real step has sum 0: dividing by max(count, 1) gives predict's 0.
      const [count] = g.add('Max', [perSample, g.weight('one', [], Float32Array.of(1))]);
      [name] = g.add('Div', [sum, count]);
    }
  }
  if (!layer.settings.keepdims) return { name, dims: [batch, channels], timeMajor: false };
  [name] = g.add('Unsqueeze', [name, g.int64s([timeAxis])]);
  return { name, dims: x.timeMajor ? [1, batch, channels] : [batch, 1, channels], timeMajor: x.timeMajor };
}

/** A boolean [B, T, 1] (or [T, B, 1]) that is true where step t < the sample's length, and the lengths as int64 [B]. */
function realSteps(x: OnnxValue, sequenceLengths: string, timeAxis: number, g: GraphBuilder): { real: string; lengths: string } {
  const [shape] = g.add('Shape', [x.name]);
  const [stepsVector] = g.add('Gather', [shape, g.int64s([timeAxis])], 1, [intAttribute('axis', 0)]);
  const [steps] = g.add('Squeeze', [stepsVector, g.int64s([0])]);
  const [positions] = g.add('Range', [int64Scalar(g, 0), steps, int64Scalar(g, 1)]);
  const [lengths] = g.add('Cast', [sequenceLengths], 1, [intAttribute('to', DATA_TYPE.int64)]);
  // [T] against [B, 1] gives [B, T]; [T, 1] against [B] gives [T, B].
  const [column] = g.add('Unsqueeze', [timeAxis === 0 ? positions : lengths, g.int64s([1])]);
  const [below] = g.add('Less', timeAxis === 0 ? [column, lengths] : [positions, column]);
  const [real] = g.add('Unsqueeze', [below, g.int64s([2])]);
  return { real, lengths };
}

/** A scalar int64 initializer (Range takes scalars). */
function int64Scalar(g: GraphBuilder, value: number): string {
  const name = g.fresh(`int64_${value}`);
  g.initializers.push(int64Tensor(name, [], [value]));
  return name;
}

// ---- normalization and position embedding -----------------------------------------------------

/** ONNX TensorProto.DOUBLE: layer normalization's arithmetic type. */
const FLOAT64 = 11;

/**
 * LayerNormalization over the last axis, decomposed and computed in float64 as seqwasm does:
 * (x − mean) / √(var + ε) · gamma + beta, rounded to float32 once at the end.
 */
export function emitLayerNormalization(layer: LayerNormalization, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const { epsilon, scale, center } = layer.settings;
  const weights = layer.getWeights();
  const toFloat64 = (name: string) => g.add('Cast', [name], 1, [intAttribute('to', FLOAT64)])[0];
  const parameter = (base: string, dims: readonly number[], values: Float32Array) => toFloat64(g.weight(`${layer.name}/${base}`, dims, values));
  const lastAxis = [intsAttribute('axes', [-1]), intAttribute('keepdims', 1)];
  const x64 = toFloat64(x.name);
  const [mean] = g.add('ReduceMean', [x64], 1, lastAxis);
  const [centred] = g.add('Sub', [x64, mean]);
  const [squares] = g.add('Mul', [centred, centred]);
  const [variance] = g.add('ReduceMean', [squares], 1, lastAxis);
  const [shifted] = g.add('Add', [variance, parameter('epsilon', [], Float32Array.of(epsilon))]);
  const [deviation] = g.add('Sqrt', [shifted]);
  let [y] = g.add('Div', [centred, deviation]);
  if (scale) {
    const gamma = weights.shift()!;
    [y] = g.add('Mul', [y, parameter('gamma', gamma.shape, gamma.data)]);
  }
  if (center) {
    const beta = weights.shift()!;
    [y] = g.add('Add', [y, parameter('beta', beta.shape, beta.data)]);
  }
  const [name] = g.add('Cast', [y], 1, [intAttribute('to', DATA_TYPE.float)]);
  return { ...x, name };
}

/** PositionEmbedding: x + the table's first T rows (T read from x; [T, 1, F] rows for a time-major x). */
export function emitPositionEmbedding(layer: PositionEmbedding, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const [table] = layer.getWeights();
  const [rows, features] = table.shape;
  const E = g.weight(`${layer.name}/embeddings`, x.timeMajor ? [rows, 1, features] : [rows, features], table.data);
  const timeAxis = x.timeMajor ? 0 : 1;
  const [shape] = g.add('Shape', [x.name]);
  const [steps] = g.add('Slice', [shape, g.int64s([timeAxis]), g.int64s([timeAxis + 1])]);
  const [positions] = g.add('Slice', [E, g.int64s([0]), steps, g.int64s([0])]);
  const [name] = g.add('Add', [x.name, positions]);
  return { ...x, name };
}

// ---- rearrangements ---------------------------------------------------------------------------

/** RepeatVector: [B, F] → time-major [n, B, F]. */
export function emitRepeatVector(layer: RepeatVector, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const { n } = layer.settings;
  const [once] = g.add('Unsqueeze', [x.name, g.int64s([0])]);
  const [name] = g.add('Tile', [once, g.int64s([n, 1, 1])]);
  return { name, dims: [n, x.dims[0], x.dims[1]], timeMajor: true };
}

/** Reshape: Reshape to [batch, …targetShape] (0 keeps the batch axis, −1 as Keras). */
export function emitReshape(layer: Reshape, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const input = g.batchMajor(x);
  const [name] = g.add('Reshape', [input.name, g.int64s([0, ...layer.settings.targetShape])]);
  return { name, dims: sampleDims(layer, input), timeMajor: false };
}

/** Flatten: ONNX Flatten at axis 1 ([B, …] → [B, Π …]). */
export function emitFlatten(layer: Flatten, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const input = g.batchMajor(x);
  const [name] = g.add('Flatten', [input.name], 1, [intAttribute('axis', 1)]);
  return { name, dims: sampleDims(layer, input), timeMajor: false };
}

/** Permute: one Transpose to batch-major [B, …dims order], from either layout. */
export function emitPermute(layer: Permute, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const batchMajorPerm = [0, ...layer.settings.dims];
  // A time-major input holds batch-major axis 0 at 1 and axis 1 at 0.
  const perm = x.timeMajor ? batchMajorPerm.map((axis) => (axis < 2 ? 1 - axis : axis)) : batchMajorPerm;
  const [name] = g.add('Transpose', [x.name], 1, [intsAttribute('perm', perm)]);
  return { name, dims: batchMajorPerm.map((axis) => (x.timeMajor && axis < 2 ? x.dims[1 - axis] : x.dims[axis])), timeMajor: false };
}

/** The layer's output dims for a batch-major input: the input's batch axis, then its computed sample shape (open axes named). */
function sampleDims(layer: Layer, input: OnnxValue): (number | string)[] {
  const shape = layer.computeOutputShape(layer.builtInputShape!);
  return shape.map((d, axis) => (axis === 0 ? input.dims[0] : (d ?? `${layer.name}_${axis}`)));
}
