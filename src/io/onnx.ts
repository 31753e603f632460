// exportONNX's layers: a built model as an ONNX file (opset 14) that ONNX Runtime (web and
// node) runs with the answers of predict(); onnx-graph.ts walks the model (a sequential chain
// or a functional graph) and calls these. Each layer kind has an emitter in EMITTERS, keyed
// by its class name: it turns the layer's input values into graph nodes and initializers and
// returns its output values, so new kinds (merge and shape layers) plug in by adding an
// entry. Emitters track each value's layout: sequences run time-major [T, B, F] between
// recurrent ops (ONNX's layout 0 — onnxruntime's CPU kernels refuse layout 1), so a
// Transpose is written only where a batch-major value is needed (the graph's ends, Gather).
//
// Keras → ONNX (DESIGN.md §4): kernel (F, gU) → W [dirs, gU, F], recurrent kernel (U, gU) →
// R [dirs, gU, U], gates LSTM i,f,c,o → i,o,f,c, GRU z,r,h (same), one bias (gU) → B
// [dirs, 2gU] = [Wb, Rb = 0], GRU resetAfter (2, gU) = [Wb; Rb] with linear_before_reset = 1.
// goBackwards is direction 'reverse' with its sequence flipped back (Keras returns it
// reversed); Bidirectional is direction 'bidirectional' (ONNX aligns the backward half with
// input time, as Keras's merge does). Masks become sequence_lens (the count of unmasked
// steps): exact when padding trails each sequence (padSequences' padding: 'post'); a pre-padded mask
// has no sequence_lens form and gives different answers.
import { Bidirectional } from '../layers/bidirectional.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import type { Layer } from '../layers/layer.js';
import { Masking } from '../layers/masking.js';
import { GRU, LSTM, RecurrentLayer, SimpleRNN } from '../layers/recurrent.js';
import { TimeDistributed } from '../layers/time-distributed.js';
import { Conv1D } from '../layers/conv.js';
import { SpatialDropout1D } from '../layers/dropout.js';
import { LayerNormalization } from '../layers/normalization.js';
import { GlobalPooling1D, Pooling1D } from '../layers/pooling.js';
import { PositionEmbedding } from '../layers/position-embedding.js';
import { Flatten, Permute, RepeatVector, Reshape } from '../layers/reshape.js';
import { emitConv1D, emitFlatten, emitGlobalPooling1D, emitLayerNormalization, emitPermute, emitPooling1D, emitPositionEmbedding, emitRepeatVector, emitReshape } from './onnx-layers.js';
import type { ActivationName } from '../layers/activations.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, FIELD, floatAttribute, floatsAttribute, floatTensor, int64Tensor, intAttribute, intsAttribute, node, stringAttribute, stringsAttribute, type Attribute } from './onnx-format.js';
import { intField, messageField, stringField, type Message } from './protobuf.js';
import { OnnxExportError } from './interop.js';
import { MERGE_EMITTERS } from './onnx-merge.js';
import { ATTENTION_EMITTERS } from './onnx-attention.js';

const OWNER = 'exportONNX';

// ---- the graph under construction ---------------------------------------------------------

/**
 * A tensor in the graph under construction. `dims` are in the tensor's own axis order
 * (symbolic 'batch' and 'time' for dynamic axes); a time-major sequence is [T, B, …].
 * `sequenceLengths` names the int32 [B] count of unmasked steps when a mask travels with it.
 */
export interface OnnxValue {
  name: string;
  dims: readonly (number | string)[];
  timeMajor: boolean;
  sequenceLengths?: string;
}

/**
 * What an emitter adds to the graph for one layer call: inputs in (a recurrent layer's initial
 * states after its input), output values back (a recurrent layer with returnState: the output,
 * then its final states, as Keras returns them).
 */
export type OnnxEmitter<L extends Layer = Layer> = (layer: L, inputs: readonly OnnxValue[], graph: GraphBuilder, callArgs?: Readonly<Record<string, unknown>>) => OnnxValue | readonly OnnxValue[];

/** Nodes and initializers, with fresh names for every tensor and node. */
export class GraphBuilder {
  readonly nodes: Message[] = [];
  readonly initializers: Message[] = [];
  private readonly used = new Set<string>();
  private readonly int64Constants = new Map<string, string>();
  private readonly weights = new Map<string, { name: string; dims: readonly number[]; bits: Uint32Array }[]>();
  /** Each value's Transpose to the other layout, by name: a value several layers read is transposed once. */
  private readonly swapped = new Map<string, string>();

  /** `reserved`: the graph's input and output names, which no tensor or node may take. */
  constructor(...reserved: readonly string[]) {
    for (const name of reserved) this.used.add(name);
  }

  /** A name not used yet, from `base`. */
  fresh(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (fresh ones from the op's name unless given). */
  add(opType: string, inputs: readonly string[], outputs: readonly string[] | number = 1, attributes: readonly Attribute[] = []): string[] {
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : outputs;
    for (const name of names) this.used.add(name);
    this.nodes.push(node(opType, this.fresh(`${opType}_node`), inputs, names, attributes));
    return [...names];
  }

  /** A float32 initializer named after `base`; asked again for the same base, dims and bits (a shared layer's second call), the first one. */
  weight(base: string, dims: readonly number[], values: Float32Array): string {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const earlier = this.weights.get(base) ?? [];
    const same = earlier.find((w) => w.dims.length === dims.length && w.dims.every((d, i) => d === dims[i]) && w.bits.length === bits.length && w.bits.every((b, i) => b === bits[i]));
    if (same) return same.name;
    const name = this.fresh(base);
    this.initializers.push(floatTensor(name, dims, values));
    this.weights.set(base, [...earlier, { name, dims: [...dims], bits: bits.slice() }]);
    return name;
  }

  /** A 1-D int64 initializer (shared between uses of the same values). */
  int64s(values: readonly number[]): string {
    const key = values.join(',');
    let name = this.int64Constants.get(key);
    if (name === undefined) {
      name = this.fresh(`const_${values.map((v) => (v < 0 ? `m${-v}` : v)).join('_')}`);
      this.initializers.push(int64Tensor(name, [values.length], values));
      this.int64Constants.set(key, name);
    }
    return name;
  }

  /** `value` as [T, B, …] (a Transpose when it is batch-major). */
  timeMajor(value: OnnxValue): OnnxValue {
    return value.timeMajor || value.dims.length < 3 ? value : this.swapLeadingAxes(value);
  }

  /** `value` as [B, T, …] (a Transpose when it is time-major). */
  batchMajor(value: OnnxValue): OnnxValue {
    return value.timeMajor ? this.swapLeadingAxes(value) : value;
  }

  private swapLeadingAxes(value: OnnxValue): OnnxValue {
    const perm = value.dims.map((_, i) => (i < 2 ? 1 - i : i));
    let name = this.swapped.get(value.name);
    if (name === undefined) {
      [name] = this.add('Transpose', [value.name], 1, [intsAttribute('perm', perm)]);
      this.swapped.set(value.name, name);
    }
    return { ...value, name, dims: perm.map((i) => value.dims[i]), timeMajor: !value.timeMajor };
  }

  /** `activation` applied to `value` ([…, features]); linear adds nothing. */
  activation(value: OnnxValue, activation: ActivationName): OnnxValue {
    if (activation === 'linear') return value;
    const { op, alpha } = ACTIVATION_OPS[activation];
    const attributes = op === 'Softmax' ? [intAttribute('axis', -1)] : alpha !== undefined ? [floatAttribute('alpha', alpha), floatAttribute('beta', 0.5)] : [];
    const [name] = this.add(op, [value.name], 1, attributes);
    return { ...value, name };
  }
}

// ---- the emitters -------------------------------------------------------------------------

/** An emitter with the class it expects (checked before it runs). */
export interface EmitterEntry {
  Kind: abstract new (...args: never[]) => Layer;
  emit: OnnxEmitter<never>;
}

/** Every layer kind the exporter writes, by class name (a plain object: a bundler working from the sources can drop it, unused). */
const EMITTERS: Record<string, EmitterEntry> = {
  Dense: { Kind: Dense, emit: (layer: Dense, [x], g) => emitDense(layer, x, g) },
  TimeDistributed: { Kind: TimeDistributed, emit: (layer: TimeDistributed, [x], g) => emitTimeDistributed(layer, x, g) },
  Dropout: { Kind: Dropout, emit: (_: Dropout, [x]) => x },
  Embedding: { Kind: Embedding, emit: (layer: Embedding, [x], g) => emitEmbedding(layer, x, g) },
  Masking: { Kind: Masking, emit: (layer: Masking, [x], g) => emitMasking(layer, x, g) },
  SimpleRNN: { Kind: SimpleRNN, emit: (layer: SimpleRNN, [x, ...states], g) => emitRecurrent(layer, x, states, g) },
  LSTM: { Kind: LSTM, emit: (layer: LSTM, [x, ...states], g) => emitRecurrent(layer, x, states, g) },
  GRU: { Kind: GRU, emit: (layer: GRU, [x, ...states], g) => emitRecurrent(layer, x, states, g) },
  Bidirectional: { Kind: Bidirectional, emit: (layer: Bidirectional, [x, ...states], g) => emitBidirectional(layer, x, states, g) },
  ...MERGE_EMITTERS,
  // the milestone-10 single-input layers (onnx-layers.ts)
  Conv1D: { Kind: Conv1D, emit: (layer: Conv1D, [x], g) => emitConv1D(layer, x, g) },
  MaxPooling1D: { Kind: Pooling1D, emit: (layer: Pooling1D, [x], g) => emitPooling1D(layer, x, g) },
  AveragePooling1D: { Kind: Pooling1D, emit: (layer: Pooling1D, [x], g) => emitPooling1D(layer, x, g) },
  GlobalMaxPooling1D: { Kind: GlobalPooling1D, emit: (layer: GlobalPooling1D, [x], g) => emitGlobalPooling1D(layer, x, g) },
  GlobalAveragePooling1D: { Kind: GlobalPooling1D, emit: (layer: GlobalPooling1D, [x], g) => emitGlobalPooling1D(layer, x, g) },
  LayerNormalization: { Kind: LayerNormalization, emit: (layer: LayerNormalization, [x], g) => emitLayerNormalization(layer, x, g) },
  PositionEmbedding: { Kind: PositionEmbedding, emit: (layer: PositionEmbedding, [x], g) => emitPositionEmbedding(layer, x, g) },
  RepeatVector: { Kind: RepeatVector, emit: (layer: RepeatVector, [x], g) => emitRepeatVector(layer, x, g) },
  Reshape: { Kind: Reshape, emit: (layer: Reshape, [x], g) => emitReshape(layer, x, g) },
  Flatten: { Kind: Flatten, emit: (layer: Flatten, [x], g) => emitFlatten(layer, x, g) },
  Permute: { Kind: Permute, emit: (layer: Permute, [x], g) => emitPermute(layer, x, g) },
  SpatialDropout1D: { Kind: SpatialDropout1D, emit: (_: SpatialDropout1D, [x]) => x },
  // the attention layers and rnn(cell) (onnx-attention.ts)
  ...ATTENTION_EMITTERS,
};

/** One call of `layer` on `inputs` (then its initial states), with the call's keyword arguments: its output values, the output first. */
export function emitLayer(layer: Layer, inputs: readonly OnnxValue[], graph: GraphBuilder, callArgs: Readonly<Record<string, unknown>> = {}): readonly OnnxValue[] {
  const { name, className } = layer;
  const entry = Object.hasOwn(EMITTERS, className) ? EMITTERS[className] : undefined;
  if (!entry) throw new OnnxExportError(OWNER, name, `layer '${name}' (${className}) has no ONNX form here; exportable kinds: ${Object.keys(EMITTERS).join(', ')}`);
  if (!(layer instanceof entry.Kind)) throw new OnnxExportError(OWNER, name, `'${name}' says it is a ${className} but is not one`);
  const outputs = entry.emit(layer as never, inputs, graph, callArgs);
  return Array.isArray(outputs) ? outputs : [outputs as OnnxValue];
}

/** Each activation's ONNX op, with HardSigmoid's alpha (beta is 0.5 for both). */
const ACTIVATION_OPS: Record<Exclude<ActivationName, 'linear'>, { op: string; alpha?: number }> = {
  relu: { op: 'Relu' },
  sigmoid: { op: 'Sigmoid' },
  tanh: { op: 'Tanh' },
  hardSigmoid: { op: 'HardSigmoid', alpha: 0.2 },
  hardSigmoidKeras3: { op: 'HardSigmoid', alpha: 1 / 6 },
  softmax: { op: 'Softmax' },
};

/** Dense: Gemm on [B, F]; MatMul + Add on sequences (either layout: the product acts on the last axis). */
function emitDense(layer: Dense, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const { units, useBias, activation } = layer.settings;
  const [kernel, bias] = layer.getWeights();
  const W = g.weight(`${layer.name}/kernel`, kernel.shape, kernel.data);
  const B = bias ? g.weight(`${layer.name}/bias`, bias.shape, bias.data) : undefined;
  let name: string;
  if (x.dims.length === 2) [name] = g.add('Gemm', B ? [x.name, W, B] : [x.name, W]);
  else {
    [name] = g.add('MatMul', [x.name, W]);
    if (useBias) [name] = g.add('Add', [name, B!]);
  }
  return g.activation({ ...x, name, dims: [...x.dims.slice(0, -1), units] }, activation);
}

/**
 * TimeDistributed: a dense acts on the last axis of either layout as it stands. Any other
 * wrapped layer runs as predict() runs it, on the batch and time axes folded into one
 * ([B, T, …] → [B·T, …], a Reshape by the input's own Shape) and unfolded after; the mask
 * passes by, as the wrapper passes it.
 */
function emitTimeDistributed(layer: TimeDistributed, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const inner = layer.layer;
  if (inner instanceof Dense) return emitDense(inner, x, g);
  if (inner instanceof Embedding) throw new OnnxExportError(OWNER, layer.name, `timeDistributed(embedding) '${layer.name}' has no ONNX form here: its ids would arrive as floats; use the embedding directly (it acts on every step)`);
  const sequence = g.batchMajor(x);
  const [shape] = g.add('Shape', [sequence.name]);
  const slice = (from: number, to: number) => g.add('Slice', [shape, g.int64s([from]), g.int64s([to]), g.int64s([0])])[0];
  const [stepsShape] = g.add('Concat', [g.int64s([-1]), slice(2, sequence.dims.length)], 1, [intAttribute('axis', 0)]);
  const [folded] = g.add('Reshape', [sequence.name, stepsShape]);
  const [stepOut] = emitLayer(inner, [{ name: folded, dims: [`${layer.name}_rows`, ...sequence.dims.slice(2)], timeMajor: false }], g);
  const out = g.batchMajor(stepOut);
  const [outShape] = g.add('Shape', [out.name]);
  const [outStepShape] = g.add('Slice', [outShape, g.int64s([1]), g.int64s([out.dims.length]), g.int64s([0])]);
  const [unfoldedShape] = g.add('Concat', [slice(0, 2), outStepShape], 1, [intAttribute('axis', 0)]);
  const [name] = g.add('Reshape', [out.name, unfoldedShape]);
  return { name, dims: [...sequence.dims.slice(0, 2), ...out.dims.slice(1)], timeMajor: false, sequenceLengths: x.sequenceLengths };
}

/** Embedding: Gather rows of the table by int64 ids; maskZero → sequence lengths (ids ≠ 0 counted). */
function emitEmbedding(layer: Embedding, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const [table] = layer.getWeights();
  const E = g.weight(`${layer.name}/embeddings`, table.shape, table.data);
  const [name] = g.add('Gather', [E, x.name], 1, [intAttribute('axis', 0)]);
  const out: OnnxValue = { name, dims: [...x.dims, layer.settings.outputDim], timeMajor: x.timeMajor };
  if (!layer.settings.maskZero) return out;
  const [zero] = g.add('Constant', [], 1, [tensorAttribute('value', int64Tensor('', [], [0]))]);
  const [isPadding] = g.add('Equal', [x.name, zero]);
  const [kept] = g.add('Not', [isPadding]);
  return { ...out, sequenceLengths: countSteps(g, kept, x.timeMajor ? 0 : 1) };
}

/** Masking: steps whose features all equal maskValue become zeros, and the rest are counted as sequence lengths. */
function emitMasking(layer: Masking, x: OnnxValue, g: GraphBuilder): OnnxValue {
  const [maskValue] = g.add('Constant', [], 1, [tensorAttribute('value', floatTensorMessage([], [layer.settings.maskValue]))]);
  const [same] = g.add('Equal', [x.name, maskValue]);
  const [differs] = g.add('Not', [same]);
  const [differsFloat] = g.add('Cast', [differs], 1, [intAttribute('to', DATA_TYPE.float)]);
  const [kept] = g.add('ReduceMax', [differsFloat], 1, [intsAttribute('axes', [-1]), intAttribute('keepdims', 1)]);
  const [name] = g.add('Mul', [x.name, kept]);
  const [keptSteps] = g.add('Squeeze', [kept, g.int64s([-1])]);
  return { ...x, name, sequenceLengths: countSteps(g, keptSteps, x.timeMajor ? 0 : 1) };
}

/** The int32 [B] count of true steps in a boolean or 0/1 float [B, T] (or [T, B]) tensor. */
function countSteps(g: GraphBuilder, kept: string, timeAxis: number): string {
  const [asInt] = g.add('Cast', [kept], 1, [intAttribute('to', DATA_TYPE.int32)]);
  const [count] = g.add('ReduceSum', [asInt, g.int64s([timeAxis])], 1, [intAttribute('keepdims', 0)]);
  return count;
}

export function tensorAttribute(name: string, tensor: Message): Attribute {
  return [stringField(FIELD.attribute.name, name), messageField(FIELD.attribute.t, tensor), intField(FIELD.attribute.type, ATTRIBUTE_TYPE.tensor)];
}

function floatTensorMessage(dims: number[], values: number[]): Message {
  return floatTensor('', dims, Float32Array.from(values));
}

// ---- recurrent layers ---------------------------------------------------------------------

const ONNX_OP = { simpleRNN: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;
/** For each ONNX gate block, the Keras gate block it comes from (LSTM Keras i,f,c,o → ONNX i,o,f,c). */
const GATES_FROM_KERAS = { simpleRNN: [0], lstm: [0, 3, 1, 2], gru: [0, 1, 2] } as const;

/** A recurrent activation as ONNX's RNN ops name it, with its alpha and beta where it takes them. */
function recurrentActivation(layer: RecurrentLayer, activation: ActivationName): { name: string; alpha?: number; beta?: number } {
  switch (activation) {
    case 'sigmoid':
      return { name: 'Sigmoid' };
    case 'tanh':
      return { name: 'Tanh' };
    case 'relu':
      return { name: 'Relu' };
    case 'hardSigmoid':
      return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
    case 'hardSigmoidKeras3':
      return { name: 'HardSigmoid', alpha: 1 / 6, beta: 0.5 };
    case 'linear':
      return { name: 'Affine', alpha: 1, beta: 0 };
    default:
      throw new OnnxExportError(OWNER, layer.name, `'${layer.name}' uses activation ${activation}, which ONNX's recurrent ops do not offer`);
  }
}

/**
 * One ONNX LSTM/GRU/RNN node for one layer (forward or, with goBackwards, reverse) or for
 * the two directions of a Bidirectional ([forward, backward]), started from `initialState`
 * when given (Keras order: each direction's [h] or [h, c], forward first). Returns Y
 * [T, dirs, B, U] (time-major), Y_h [dirs, B, U] and, for an LSTM with returnState, Y_c.
 */
function recurrentNode(directions: readonly RecurrentLayer[], x: OnnxValue, initialState: readonly OnnxValue[], g: GraphBuilder, baseName: string): { sequence: string; final: string; finalCell?: string } {
  const first = directions[0];
  const { cell } = first;
  const { units, useBias, stateful, activation, returnState } = first.settings;
  if (stateful) throw new OnnxExportError(OWNER, first.name, `'${first.name}' is stateful: an ONNX graph keeps no state between runs; export a copy built with stateful: false`);
  const order = GATES_FROM_KERAS[cell];
  const width = order.length * units;
  const input = g.timeMajor(x);
  const features = input.dims[2] as number;
  const resetAfter = cell === 'gru' && first.settings.resetAfter === true;
  const dirs = directions.length;
  const W = new Float32Array(dirs * width * features);
  const R = new Float32Array(dirs * width * units);
  const B = new Float32Array(dirs * 2 * width);
  directions.forEach((layer, d) => {
    const [kernel, recurrentKernel, bias] = layer.getWeights();
    W.set(gateRows(kernel.data, features, units, order, true), d * width * features);
    R.set(gateRows(recurrentKernel.data, units, units, order, true), d * width * units);
    if (bias) {
      B.set(gateRows(bias.data.subarray(0, width), 1, units, order), d * 2 * width);
      if (resetAfter) B.set(gateRows(bias.data.subarray(width), 1, units, order), d * 2 * width + width);
    }
  });
  const activations = directions.flatMap(() => {
    const own = recurrentActivation(first, activation);
    return cell === 'simpleRNN' ? [own] : cell === 'gru' ? [recurrentActivation(first, first.settings.recurrentActivation!), own] : [recurrentActivation(first, first.settings.recurrentActivation!), own, own];
  });
  const attributes: Attribute[] = [
    intAttribute('hidden_size', units),
    stringAttribute('direction', dirs === 2 ? 'bidirectional' : first.settings.goBackwards ? 'reverse' : 'forward'),
    stringsAttribute('activations', activations.map((a) => a.name)),
  ];
  // onnxruntime takes alpha and beta only for the activations that use them, in order.
  const parameterized = activations.filter((a) => a.alpha !== undefined);
  if (parameterized.length > 0) attributes.push(floatsAttribute('activation_alpha', parameterized.map((a) => a.alpha!)), floatsAttribute('activation_beta', parameterized.map((a) => a.beta!)));
  if (cell === 'gru') attributes.push(intAttribute('linear_before_reset', resetAfter ? 1 : 0));
  const inputs = [
    input.name,
    g.weight(`${baseName}/W`, [dirs, width, features], W),
    g.weight(`${baseName}/R`, [dirs, width, units], R),
    useBias ? g.weight(`${baseName}/B`, [dirs, 2 * width], B) : '',
    input.sequenceLengths ?? '',
    ...startingStates(initialState, dirs, g),
  ];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const outputs = [g.fresh(`${baseName}/Y`), g.fresh(`${baseName}/Y_h`), ...(cell === 'lstm' && returnState ? [g.fresh(`${baseName}/Y_c`)] : [])];
  const [sequence, final, finalCell] = g.add(ONNX_OP[cell], inputs, outputs, attributes);
  return { sequence, final, finalCell };
}

/** Keras's initial states ([h] or [h, c] per direction, each [B, U]) as ONNX's initial_h (and initial_c) [dirs, B, U]; none: []. */
function startingStates(states: readonly OnnxValue[], dirs: number, g: GraphBuilder): string[] {
  const perDirection = states.length / dirs;
  return Array.from({ length: perDirection }, (_, k) => {
    const stacked = Array.from({ length: dirs }, (_, d) => g.add('Unsqueeze', [states[d * perDirection + k].name, g.int64s([0])])[0]);
    return dirs === 1 ? stacked[0] : g.add('Concat', stacked, 1, [intAttribute('axis', 0)])[0];
  });
}

/** Y_h or Y_c [dirs, B, U] as Keras's states, one [B, U] per direction. */
function finalStates(final: string, dirs: number, batch: number | string, units: number, g: GraphBuilder): OnnxValue[] {
  const perDirection = dirs === 1 ? [final] : g.add('Split', [final], dirs, [intAttribute('axis', 0)]);
  return perDirection.map((name) => ({ name: g.add('Squeeze', [name, g.int64s([0])])[0], dims: [batch, units], timeMajor: false }));
}

/** The states a layer with returnState returns after its output: each direction's h (and c), forward first. */
function returnedStates(final: string, finalCell: string | undefined, dirs: number, batch: number | string, units: number, g: GraphBuilder): OnnxValue[] {
  const h = finalStates(final, dirs, batch, units, g);
  const c = finalCell === undefined ? undefined : finalStates(finalCell, dirs, batch, units, g);
  return h.flatMap((state, d) => (c ? [state, c[d]] : [state]));
}

/** SimpleRNN / LSTM / GRU (forward, or reverse with goBackwards): the output, then with returnState the final states. */
export function emitRecurrent(layer: RecurrentLayer, x: OnnxValue, initialState: readonly OnnxValue[], g: GraphBuilder): OnnxValue[] {
  const { returnSequences, returnState, goBackwards, units, zeroOutputForMask } = layer.settings;
  const { sequence, final, finalCell } = recurrentNode([layer], x, initialState, g, layer.name);
  const batch = x.dims[x.timeMajor ? 1 : 0];
  const steps = x.dims[x.timeMajor ? 0 : 1];
  let output: OnnxValue;
  let h: OnnxValue | undefined; // the final h [B, U], once made
  if (!returnSequences) {
    const [name] = g.add('Squeeze', [final, g.int64s([0])]);
    output = h = { name, dims: [batch, units], timeMajor: false };
  } else {
    let [name] = g.add('Squeeze', [sequence, g.int64s([1])]);
    // Keras returns a backwards layer's sequence in processing order: flip ONNX's back.
    if (goBackwards) [name] = g.add('Slice', [name, g.int64s([-1]), g.int64s([-(2 ** 53 - 1)]), g.int64s([0]), g.int64s([-1])]);
    // ONNX zeroes the padded steps; Keras (zeroOutputForMask false) carries the output beside
    // them: the final h after a forward pass, the initial state before a backwards one (none: 0).
    const lengths = zeroOutputForMask ? undefined : x.sequenceLengths;
    const carried = lengths === undefined ? undefined : goBackwards ? initialState[0] : (h = finalStates(final, 1, batch, units, g)[0]);
    if (carried) name = carryOverPadding(name, lengths!, carried.name, goBackwards, g);
    output = { name, dims: [steps, batch, units], timeMajor: true, sequenceLengths: x.sequenceLengths };
  }
  if (!returnState) return [output];
  h ??= finalStates(final, 1, batch, units, g)[0];
  return [output, h, ...(finalCell === undefined ? [] : finalStates(finalCell, 1, batch, units, g))];
}

/**
 * A time-major sequence [T, B, U] whose padded steps (beyond `lengths` [B] int32, or before
 * the last `lengths` steps when `leading`) hold `value` [B, U] instead.
 */
function carryOverPadding(sequence: string, lengths: string, value: string, leading: boolean, g: GraphBuilder): string {
  const scalar = (v: number) => g.add('Constant', [], 1, [tensorAttribute('value', int64Tensor('', [], [v]))])[0];
  const [zero, one] = [scalar(0), scalar(1)];
  const [shape] = g.add('Shape', [sequence]);
  const [steps] = g.add('Gather', [shape, zero], 1, [intAttribute('axis', 0)]);
  const [counting] = g.add('Range', [zero, steps, one]);
  const [column] = g.add('Unsqueeze', [counting, g.int64s([1])]); // [T, 1]
  const [real] = g.add('Cast', [lengths], 1, [intAttribute('to', DATA_TYPE.int64)]);
  const [isReal] = leading ? g.add('GreaterOrEqual', [column, g.add('Sub', [steps, real])[0]]) : g.add('Less', [column, real]); // [T, B]
  const [where] = g.add('Unsqueeze', [isReal, g.int64s([2])]);
  return g.add('Where', [where, sequence, value])[0];
}

/** Bidirectional: one bidirectional node; the halves merged by concat (Transpose + Reshape) or a reduction over the direction axis, or (mergeMode null) split into two outputs. */
function emitBidirectional(layer: Bidirectional, x: OnnxValue, initialState: readonly OnnxValue[], g: GraphBuilder): OnnxValue[] {
  const { forwardLayer, backwardLayer } = layer;
  const { returnSequences, returnState, units } = forwardLayer.settings;
  const { mergeMode } = layer.settings;
  const { sequence, final, finalCell } = recurrentNode([forwardLayer, backwardLayer], x, initialState, g, layer.name);
  const batch = x.dims[x.timeMajor ? 1 : 0];
  const steps = x.dims[x.timeMajor ? 0 : 1];
  // Y [T, 2, B, U] or Y_h [2, B, U]: the direction axis is 1 or 0.
  const [source, directionAxis, leading] = returnSequences ? [sequence, 1, [steps, batch]] : [final, 0, [batch]];
  const states = () => (returnState ? returnedStates(final, finalCell, 2, batch, units, g) : []);
  if (mergeMode === null) {
    // Two outputs, forward then backward (ONNX already aligns the backward one with input time).
    const halves = g.add('Split', [source], 2, [intAttribute('axis', directionAxis)]).map((half) => g.add('Squeeze', [half, g.int64s([directionAxis])])[0]);
    const outputs = halves.map((name): OnnxValue => (returnSequences ? { name, dims: [steps, batch, units], timeMajor: true, sequenceLengths: x.sequenceLengths } : { name, dims: [batch, units], timeMajor: false }));
    return [...outputs, ...states()];
  }
  let name: string;
  if (mergeMode === 'concat') {
    const perm = returnSequences ? [0, 2, 1, 3] : [1, 0, 2];
    const [moved] = g.add('Transpose', [source], 1, [intsAttribute('perm', perm)]);
    [name] = g.add('Reshape', [moved, g.int64s([...leading.map(() => 0), 2 * units])]);
  } else if (mergeMode === 'sum') {
    [name] = g.add('ReduceSum', [source, g.int64s([directionAxis])], 1, [intAttribute('keepdims', 0)]);
  } else {
    [name] = g.add(mergeMode === 'mul' ? 'ReduceProd' : 'ReduceMean', [source], 1, [intsAttribute('axes', [directionAxis]), intAttribute('keepdims', 0)]);
  }
  const dims = [...leading, mergeMode === 'concat' ? 2 * units : units];
  const output: OnnxValue = returnSequences ? { name, dims, timeMajor: true, sequenceLengths: x.sequenceLengths } : { name, dims, timeMajor: false };
  return [output, ...states()];
}

/**
 * Keras [rows, gU] (gates in Keras order) → ONNX [gU, rows] when `transpose` (gates in ONNX
 * order), or a bias [gU] reordered when rows is 1 and not transposed.
 */
export function gateRows(keras: Float32Array, rows: number, units: number, order: readonly number[], transpose = false): Float32Array {
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
