// exportONNX's attention layers and rnn(cell) as ONNX ops, for the EMITTERS table (onnx.ts).
//
// Attention          scores: dot  MatMul(Q, Kᵀ) (· scale with useScale)
//                            concat  ReduceSum(Tanh((q_i + k_j) · scale)) · concat_score_weight
// AdditiveAttention  scores: ReduceSum(scale_d · Tanh(q_i + k_j)) (no Mul without useScale)
//                    masked scores − 1e9 (Where: the value's padded keys, and j > i with
//                    useCausalMask), Softmax over keys, MatMul by V; the query's padded rows
//                    become 0 (Where). Dropout is identity. Output batch-major, the query's mask.
//                    returnAttentionScores: the Softmax is the second output.
// MultiHeadAttention each projection MatMul (kernel as [E, heads·dim]) + Add, Reshape
//                    [B, T, heads, dim], Transpose to [B, heads, T, dim]; Q · 1/√keyDim
//                    (float32, as the layer), MatMul by Kᵀ; where the combined mask forbids
//                    a step (attentionMask input ≠ 0, query / value / key masks, s ≤ t with
//                    useCausalMask) the score becomes −1e9; Softmax; MatMul by V; Transpose +
//                    Reshape to [B, T, heads·valueDim]; the output projection MatMul + Add
//                    (Reshape to outputShape). returnAttentionScores: the Softmax is the second output.
// RNN(cell)          a built-in cell is the same LSTM / GRU / RNN op as its layer; stacked cells
//                    one op per cell, each reading the previous one's output sequence (the
//                    Keras semantics the layer runs). A user-written cell has no ONNX form.
// Masks travel as sequence lengths (trailing padding, like the recurrent ops).
import { AdditiveAttention, Attention, type AttentionLayer } from '../layers/attention.js';
import { MultiHeadAttention } from '../layers/multi-head-attention.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import { RNN } from '../layers/rnn.js';
import { DATA_TYPE, int64Tensor, intAttribute, intsAttribute } from './onnx-format.js';
import { OnnxExportError } from './interop.js';
import { emitRecurrent, tensorAttribute, type EmitterEntry, type GraphBuilder, type OnnxValue } from './onnx.js';

const OWNER = 'exportONNX';
/** The score a masked step gets (Keras: −1e9 added, or set, before the softmax). */
const MASKED = 1e9;

/** The attention layers' and rnn's emitters, by class name (EMITTERS in onnx.ts spreads them in). */
export const ATTENTION_EMITTERS: Record<string, EmitterEntry> = {
  Attention: { Kind: Attention, emit: (layer: Attention, inputs: readonly OnnxValue[], g: GraphBuilder, callArgs: Readonly<Record<string, unknown>> = {}) => emitAttention(layer, inputs, g, callArgs) },
  AdditiveAttention: {
    Kind: AdditiveAttention,
    emit: (layer: AdditiveAttention, inputs: readonly OnnxValue[], g: GraphBuilder, callArgs: Readonly<Record<string, unknown>> = {}) => emitAttention(layer, inputs, g, callArgs),
  },
  MultiHeadAttention: {
    Kind: MultiHeadAttention,
    emit: (layer: MultiHeadAttention, inputs: readonly OnnxValue[], g: GraphBuilder, callArgs: Readonly<Record<string, unknown>> = {}) => emitMultiHeadAttention(layer, inputs, g, callArgs),
  },
  RNN: { Kind: RNN, emit: (layer: RNN, [x, ...states]: readonly OnnxValue[], g: GraphBuilder) => emitRnn(layer, x, states, g) },
};

// ---- masks as boolean tensors ------------------------------------------------------------------

/** Each graph's position ranges, by value name and axis: a value several masks read gets one Range. */
const POSITIONS = new WeakMap<GraphBuilder, Map<string, string>>();

/** int64 [n]: 0 … n−1 for axis `axis` of `value`. */
function positions(value: OnnxValue, axis: number, g: GraphBuilder): string {
  const made = POSITIONS.get(g) ?? new Map<string, string>();
  POSITIONS.set(g, made);
  const key = `${value.name}/${axis}`;
  let range = made.get(key);
  if (range === undefined) made.set(key, (range = positionRange(value, axis, g)));
  return range;
}

function positionRange(value: OnnxValue, axis: number, g: GraphBuilder): string {
  const [shape] = g.add('Shape', [value.name]);
  const [size] = g.add('Gather', [shape, g.int64s([axis])], 1, [intAttribute('axis', 0)]);
  const [count] = g.add('Squeeze', [size, g.int64s([0])]);
  const [zero, one] = [0, 1].map((v) => g.add('Constant', [], 1, [tensorAttribute('value', int64Tensor('', [], [v]))])[0]);
  return g.add('Range', [zero, count, one])[0];
}

/** Boolean [B, n]: step s of a batch-major sequence `value` is real (s < its length). */
function realSteps(value: OnnxValue, g: GraphBuilder): string {
  const [lengths] = g.add('Cast', [value.sequenceLengths!], 1, [intAttribute('to', DATA_TYPE.int64)]);
  const [column] = g.add('Unsqueeze', [lengths, g.int64s([1])]);
  return g.add('Less', [positions(value, 1, g), column])[0];
}

/** Boolean [Tq, Tk]: key step s may be seen from query step t (s ≤ t). */
function causalSteps(query: OnnxValue, key: OnnxValue, g: GraphBuilder): string {
  const [column] = g.add('Unsqueeze', [positions(query, 1, g), g.int64s([1])]);
  return g.add('LessOrEqual', [positions(key, 1, g), column])[0];
}

/** The AND of the boolean masks (undefined when there are none). */
function allOf(masks: readonly (string | undefined)[], g: GraphBuilder): string | undefined {
  const given = masks.filter((m): m is string => m !== undefined);
  return given.length === 0 ? undefined : given.slice(1).reduce((all, m) => g.add('And', [all, m])[0], given[0]);
}

// ---- Attention, AdditiveAttention ---------------------------------------------------------------

function emitAttention(layer: AttentionLayer, inputs: readonly OnnxValue[], g: GraphBuilder, callArgs: Readonly<Record<string, unknown>>): OnnxValue[] {
  const [query, value, key = value] = inputs.map((x) => g.batchMajor(x));
  const weights = layer.getWeights();
  const scalar = (base: string) => g.weight(`${layer.name}/${base}`, [], weights.shift()!.data);
  let scores: string;
  if (layer instanceof Attention && layer.settings.scoreMode === 'dot') {
    const [keyT] = g.add('Transpose', [key.name], 1, [intsAttribute('perm', [0, 2, 1])]);
    [scores] = g.add('MatMul', [query.name, keyT]);
    if (layer.settings.useScale) [scores] = g.add('Mul', [scores, scalar('scale')]);
  } else {
    const [q] = g.add('Unsqueeze', [query.name, g.int64s([2])]); // [B, Tq, 1, D]
    const [k] = g.add('Unsqueeze', [key.name, g.int64s([1])]); // [B, 1, Tv, D]
    let [sum] = g.add('Add', [q, k]);
    const concat = layer instanceof Attention;
    if (concat && layer.settings.useScale) [sum] = g.add('Mul', [sum, scalar('scale')]);
    let [tanh] = g.add('Tanh', [sum]);
    if (!concat && layer.settings.useScale) [tanh] = g.add('Mul', [tanh, g.weight(`${layer.name}/scale`, weights[0].shape, weights[0].data)]);
    [scores] = g.add('ReduceSum', [tanh, g.int64s([-1])], 1, [intAttribute('keepdims', 0)]);
    if (concat) [scores] = g.add('Mul', [scores, scalar('concat_score_weight')]);
  }
  const causal = (layer.settings as { useCausalMask: boolean }).useCausalMask;
  const keys = value.sequenceLengths === undefined ? undefined : g.add('Unsqueeze', [realSteps(value, g), g.int64s([1])])[0]; // [B, 1, Tv]
  const keep = allOf([keys, causal ? causalSteps(query, key, g) : undefined], g);
  if (keep !== undefined) {
    const [lowered] = g.add('Sub', [scores, g.weight('masked_score', [], Float32Array.of(MASKED))]);
    [scores] = g.add('Where', [keep, scores, lowered]);
  }
  const [attention] = g.add('Softmax', [scores], 1, [intAttribute('axis', -1)]);
  let [name] = g.add('MatMul', [attention, value.name]);
  if (query.sequenceLengths !== undefined) {
    const [rows] = g.add('Unsqueeze', [realSteps(query, g), g.int64s([2])]); // [B, Tq, 1]
    [name] = g.add('Where', [rows, name, g.weight('zero', [], Float32Array.of(0))]);
  }
  const output: OnnxValue = { name, dims: [query.dims[0], query.dims[1], value.dims[2]], timeMajor: false, sequenceLengths: query.sequenceLengths };
  if (!layer.returnsScores(callArgs)) return [output];
  return [output, { name: attention, dims: [query.dims[0], query.dims[1], value.dims[1]], timeMajor: false }];
}

// ---- MultiHeadAttention ----------------------------------------------------------------------------

function emitMultiHeadAttention(layer: MultiHeadAttention, inputs: readonly OnnxValue[], g: GraphBuilder, callArgs: Readonly<Record<string, unknown>>): OnnxValue[] {
  const [query, value, key, attentionMask] = inputs.map((x) => g.batchMajor(x));
  const { useCausalMask, returnAttentionScores } = layer.callSettings(callArgs);
  const { numHeads, keyDim } = layer.settings;
  const projections = layer.projections();
  /** x·kernel + bias as [B, heads, T, dim] (Kᵀ: [B, heads, dim, T]). */
  const heads = (x: OnnxValue, i: number, base: string, dim: number, transposed: boolean): string => {
    const { kernel, bias } = projections[i];
    const inputDim = kernel.shape[0];
    let [y] = g.add('MatMul', [x.name, g.weight(`${layer.name}/${base}/kernel`, [inputDim, numHeads * dim], kernel.value.view().slice())]);
    if (bias) [y] = g.add('Add', [y, g.weight(`${layer.name}/${base}/bias`, [numHeads * dim], bias.value.view().slice())]);
    const [split] = g.add('Reshape', [y, g.int64s([0, 0, numHeads, dim])]);
    return g.add('Transpose', [split], 1, [intsAttribute('perm', transposed ? [0, 2, 3, 1] : [0, 2, 1, 3])])[0];
  };
  const [q] = g.add('Mul', [heads(query, 0, 'query', keyDim, false), g.weight(`${layer.name}/query_scale`, [], Float32Array.of(Math.fround(1 / Math.sqrt(keyDim))))]);
  const kT = heads(key, 1, 'key', keyDim, true);
  const v = heads(value, 2, 'value', layer.valueDim, false);
  let [scores] = g.add('MatMul', [q, kT]); // [B, heads, T, S]
  const rows = query.sequenceLengths === undefined ? undefined : g.add('Unsqueeze', [realSteps(query, g), g.int64s([1, 3])])[0]; // [B, 1, T, 1]
  const columns = [value, key].map((x) => (x.sequenceLengths === undefined ? undefined : g.add('Unsqueeze', [realSteps(x, g), g.int64s([1, 2])])[0])); // [B, 1, 1, S]
  let allowed: string | undefined;
  if (attentionMask) {
    const [zero] = g.add('Equal', [attentionMask.name, g.weight('zero', [], Float32Array.of(0))]);
    const [nonZero] = g.add('Not', [zero]);
    [allowed] = g.add('Unsqueeze', [nonZero, g.int64s([1])]);
  }
  const keep = allOf([allowed, rows, ...columns, useCausalMask ? causalSteps(query, key, g) : undefined], g);
  if (keep !== undefined) [scores] = g.add('Where', [keep, scores, g.weight('masked_score_value', [], Float32Array.of(-MASKED))]);
  const [probabilities] = g.add('Softmax', [scores], 1, [intAttribute('axis', -1)]);
  const [attended] = g.add('MatMul', [probabilities, v]); // [B, heads, T, valueDim]
  const [moved] = g.add('Transpose', [attended], 1, [intsAttribute('perm', [0, 2, 1, 3])]);
  const [joined] = g.add('Reshape', [moved, g.int64s([0, 0, numHeads * layer.valueDim])]);
  const { kernel, bias } = projections[3];
  const outputShape = kernel.shape.slice(2);
  const outputSize = outputShape.reduce((a, b) => a * b, 1);
  let [name] = g.add('MatMul', [joined, g.weight(`${layer.name}/attention_output/kernel`, [numHeads * layer.valueDim, outputSize], kernel.value.view().slice())]);
  if (bias) [name] = g.add('Add', [name, g.weight(`${layer.name}/attention_output/bias`, [outputSize], bias.value.view().slice())]);
  if (outputShape.length > 1) [name] = g.add('Reshape', [name, g.int64s([0, 0, ...outputShape])]);
  const [batch, steps] = query.dims;
  const output: OnnxValue = { name, dims: [batch, steps, ...outputShape], timeMajor: false, sequenceLengths: query.sequenceLengths };
  if (!returnAttentionScores) return [output];
  return [output, { name: probabilities, dims: [batch, numHeads, steps, value.dims[1]], timeMajor: false }];
}

// ---- RNN(cell) -----------------------------------------------------------------------------------

/** rnn(cell): each cell's recurrent op on the previous one's output; returns the output, then (returnState) every cell's states in order. */
function emitRnn(layer: RNN, x: OnnxValue, initialState: readonly OnnxValue[], g: GraphBuilder): OnnxValue[] {
  const runs = layer.cellRuns;
  const userCell = runs.find((run) => !(run instanceof RecurrentLayer));
  if (userCell) throw new OnnxExportError(OWNER, layer.name, `rnn '${layer.name}' runs the user-written cell '${userCell.name}' (${userCell.className}), which has no ONNX form; only simpleRNNCell, lstmCell, gruCell and stacks of them export`);
  // goBackwards: the later cells read the first one's reversed output, padding first, which sequence_lens cannot say.
  if (layer.settings.goBackwards && runs.length > 1 && x.sequenceLengths !== undefined) {
    throw new OnnxExportError(OWNER, layer.name, `rnn '${layer.name}' stacks ${runs.length} cells with goBackwards on a masked sequence: its later cells read the padding first, which ONNX's sequence_lens cannot express`);
  }
  let input = x;
  let at = 0;
  const states: OnnxValue[] = [];
  for (const run of runs as readonly RecurrentLayer[]) {
    const count = run.cell === 'lstm' ? 2 : 1;
    const [output, ...finals] = emitRecurrent(run, input, initialState.slice(at, at + count), g);
    at += count;
    states.push(...finals);
    input = output;
  }
  return [input, ...states];
}
