// exportONNX's merge layers (src/layers/merge.ts) as ONNX ops:
//
// Add / Multiply / Maximum   a chain of Add / Mul / Max, left to right (Keras's order of rounding)
// Subtract                   Sub
// Average                    the chained Adds, then Div by the input count (as the Wasm kernel)
// Concatenate(axis)          Concat on the axis as the values lie (time-major: Keras's axis 1 is 0)
// Dot(axes, normalize)       [B, k]·[B, k]: Mul + ReduceSum → [B, 1]; [B, ·, ·]: each input
//                            transposed so its contracted axis is last / first, then MatMul;
//                            normalize: x / Sqrt(Max(ReduceSumSquare(x), 1e-12)) along the axis
//
// Inputs of one shape may arrive in different layouts (an LSTM's time-major sequence, an
// input's batch-major one): they are merged time-major when all are, else batch-major.
// Masks (sequence_lens): the element-wise merges and Concatenate along features AND them,
// which for post-padded sequences is the Min of the lengths; Dot returns none, as Keras.
import { Concatenate, Dot, ElementwiseMergeLayer, type ElementwiseMerge } from '../layers/merge.js';
import { intAttribute, intsAttribute } from './onnx-format.js';
import { OnnxExportError } from './interop.js';
import type { EmitterEntry, GraphBuilder, OnnxValue } from './onnx.js';

const OWNER = 'exportONNX';

/** The merge layers' emitters, by class name (EMITTERS in onnx.ts spreads them in). */
export const MERGE_EMITTERS: Record<string, EmitterEntry> = {
  ...Object.fromEntries((['Add', 'Subtract', 'Multiply', 'Average', 'Maximum'] as const).map((kind) => [kind, { Kind: ElementwiseMergeLayer, emit: (_: ElementwiseMergeLayer, inputs: readonly OnnxValue[], g: GraphBuilder) => emitElementwise(kind, inputs, g) }])),
  Concatenate: { Kind: Concatenate, emit: (layer: Concatenate, inputs: readonly OnnxValue[], g: GraphBuilder) => emitConcatenate(layer, inputs, g) },
  Dot: { Kind: Dot, emit: (layer: Dot, inputs: readonly OnnxValue[], g: GraphBuilder) => emitDot(layer, inputs, g) },
};

const BINARY_OP: Record<ElementwiseMerge, string> = { Add: 'Add', Subtract: 'Sub', Multiply: 'Mul', Average: 'Add', Maximum: 'Max' };

function emitElementwise(kind: ElementwiseMerge, inputs: readonly OnnxValue[], g: GraphBuilder): OnnxValue {
  const values = oneLayout(inputs, g);
  let name = values.slice(1).reduce((sum, x) => g.add(BINARY_OP[kind], [sum, x.name])[0], values[0].name);
  if (kind === 'Average') [name] = g.add('Div', [name, g.weight('count', [], Float32Array.of(inputs.length))]);
  return { name, dims: knownDims(values), timeMajor: values[0].timeMajor, sequenceLengths: values[0].dims.length >= 3 ? jointLengths(values, g) : undefined };
}

function emitConcatenate(layer: Concatenate, inputs: readonly OnnxValue[], g: GraphBuilder): OnnxValue {
  const values = oneLayout(inputs, g);
  const rank = values[0].dims.length;
  const axis = layer.axisFor(rank); // batch-major, ≥ 1
  const ownAxis = values[0].timeMajor ? swapped(axis) : axis;
  if (axis === 1 && rank >= 3 && values.some((x) => x.sequenceLengths !== undefined)) {
    // The joined mask has the first input's padding in its middle: no sequence_lens says that.
    throw new OnnxExportError(OWNER, layer.name, `'${layer.name}' joins masked sequences along time; ONNX's sequence_lens cannot express the joined mask (padding inside the sequence). Join them along the features, or drop the mask first`);
  }
  const [name] = g.add('Concat', values.map((x) => x.name), 1, [intAttribute('axis', ownAxis)]);
  const dims = knownDims(values).map((d, i) => (i === ownAxis ? sumOf(values.map((x) => x.dims[i])) : d));
  return { name, dims, timeMajor: values[0].timeMajor, sequenceLengths: rank >= 3 ? jointLengths(values, g) : undefined };
}

function emitDot(layer: Dot, inputs: readonly OnnxValue[], g: GraphBuilder): OnnxValue {
  const [x, y] = inputs;
  const rank = x.dims.length;
  const { axes, normalize } = layer.settings;
  const [ax, ay] = (typeof axes === 'number' ? [axes, axes] : axes).map((a) => (a < 0 ? rank + a : a));
  const batch = batchDim(x);
  if (rank === 2) {
    const [a, b] = [x, y].map((v) => (normalize ? l2Normalized(v, 1, g) : v));
    const [product] = g.add('Mul', [a.name, b.name]);
    const [name] = g.add('ReduceSum', [product, g.int64s([1])], 1, [intAttribute('keepdims', 1)]);
    return { name, dims: [batch, 1], timeMajor: false };
  }
  // A [B, m, k] and B [B, k, n], whatever axes were contracted, in batch-major axis numbers.
  let a = arranged(x, ax === 2 ? [0, 1, 2] : [0, 2, 1], g);
  let b = arranged(y, ay === 1 ? [0, 1, 2] : [0, 2, 1], g);
  if (normalize) [a, b] = [l2Normalized(a, 2, g), l2Normalized(b, 1, g)];
  const [name] = g.add('MatMul', [a.name, b.name]);
  return { name, dims: [batch, a.dims[1], b.dims[2]], timeMajor: false };
}

// ---- layouts, dims and masks ------------------------------------------------------------

/** Keras's axis (batch-major) in a time-major value, and back: the two leading axes swap. */
function swapped(axis: number): number {
  return axis < 2 ? 1 - axis : axis;
}

/** `inputs` all time-major when all are, else all batch-major (a Transpose for each that is not). */
function oneLayout(inputs: readonly OnnxValue[], g: GraphBuilder): OnnxValue[] {
  return inputs.every((x) => x.timeMajor) ? [...inputs] : inputs.map((x) => g.batchMajor(x));
}

/** `value` with its axes in batch-major order `perm` (one Transpose, or none when it already lies so). */
function arranged(value: OnnxValue, perm: readonly number[], g: GraphBuilder): OnnxValue {
  const own = perm.map((axis) => (value.timeMajor ? swapped(axis) : axis));
  const dims = own.map((axis) => value.dims[axis]);
  if (own.every((axis, i) => axis === i)) return { ...value, timeMajor: false };
  const [name] = g.add('Transpose', [value.name], 1, [intsAttribute('perm', own)]);
  return { name, dims, timeMajor: false };
}

/** The batch dimension of a value, wherever its layout puts it. */
function batchDim(value: OnnxValue): number | string {
  return value.dims[value.timeMajor ? 1 : 0];
}

/** The values' common dims, a number where any of them knows it. */
function knownDims(values: readonly OnnxValue[]): (number | string)[] {
  return values[0].dims.map((d, i) => values.map((x) => x.dims[i]).find((e) => typeof e === 'number') ?? d);
}

/** The joined length along an axis: a number when every part is known, else a symbolic sum. */
function sumOf(parts: readonly (number | string)[]): number | string {
  return parts.every((d) => typeof d === 'number') ? (parts as number[]).reduce((a, b) => a + b, 0) : parts.join('+');
}

/** The AND of the masks given, as sequence lengths (post-padded masks: the shortest). */
function jointLengths(values: readonly OnnxValue[], g: GraphBuilder): string | undefined {
  const given = values.flatMap((x) => (x.sequenceLengths === undefined ? [] : [x.sequenceLengths]));
  if (given.length <= 1) return given[0];
  return given.slice(1).reduce((shortest, lengths) => g.add('Min', [shortest, lengths])[0], given[0]);
}

/** `value` divided by its L2 norm along `axis` (its own axis number), as Keras: x / sqrt(max(Σx², 1e-12)). */
function l2Normalized(value: OnnxValue, axis: number, g: GraphBuilder): OnnxValue {
  const [squares] = g.add('ReduceSumSquare', [value.name], 1, [intsAttribute('axes', [axis]), intAttribute('keepdims', 1)]);
  const [floored] = g.add('Max', [squares, g.weight('epsilon', [], Float32Array.of(1e-12))]);
  const [norm] = g.add('Sqrt', [floored]);
  const [name] = g.add('Div', [value.name, norm]);
  return { ...value, name };
}
