// PyTorch weights onto seqwasm layers. A state dict (e.g. from loadSafetensors) names each
// module's tensors; this maps nn.LSTM, nn.GRU, nn.RNN (stacked, bidirectional), nn.Linear and
// nn.Embedding onto the model's layers in order, converting layouts: PyTorch stores
// W_ih as (gates·units, in) where Keras has kernel (in, gates·units); nn.GRU's gates are r, z, n
// where Keras's are z, r, h, and its separate recurrent bias is Keras's resetAfter GRU; nn.LSTM
// and nn.RNN add two biases where Keras has one. Every shape is checked before any weight
// changes, and an error names the module and the layer.
// Layer kinds are told apart by className, not instanceof, so that this lazily loaded module
// does not import the layer modules (which would split the entry's shared chunk).
import type { Bidirectional } from '../layers/bidirectional.js';
import type { Layer } from '../layers/layer.js';
import type { RecurrentLayer } from '../layers/recurrent.js';
import type { TimeDistributed } from '../layers/time-distributed.js';
import { ModelInputError, describe } from '../model/errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { toTensor } from '../tensor.js';

const RECURRENT = ['LSTM', 'GRU', 'SimpleRNN'];

/** Options of {@link fromTorch}. */
export interface FromTorchOptions {
  /**
   * The state dict's module names, in the order of the model's layers that have weights
   * (e.g. ['embedding', 'rnn', 'head']). A multi-layer nn.LSTM / nn.GRU / nn.RNN is named once
   * and fills as many consecutive layers as it has layers. Default: the modules in the order
   * their first tensor appears in the state dict (PyTorch's registration order, which
   * `state_dict()` and safetensors files written from it keep).
   */
  modules?: readonly string[];
}

const OWNER = 'fromTorch';
const RECURRENT_PARAM = /^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$/;

/** A module's tensors by parameter name ('weight', 'weight_ih_l0', …). */
type Module = { name: string; params: Map<string, Tensor> };

/** One seqwasm layer's worth of a module: a Linear / Embedding, or one layer (both directions) of a recurrent module. */
interface Piece {
  module: Module;
  /** The recurrent layer index k of weight_ih_l{k}; undefined for Linear / Embedding. */
  depth?: number;
  bidirectional: boolean;
}

/** {@link fromTorch} (the public one loads this module on first use). */
export function fromTorch<M extends { readonly layers: readonly Layer[] }>(stateDict: Record<string, TensorLike>, model: M, options: FromTorchOptions = {}): M {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) throw fault('stateDict', `expected a state dict { name: tensor } (e.g. from loadSafetensors), got ${describe(stateDict)}`);
  if (typeof model !== 'object' || model === null || !Array.isArray(model.layers)) throw fault('model', `expected a model with layers (e.g. a sequential), got ${describe(model)}`);
  if (typeof options !== 'object' || options === null) throw fault('options', `options must be an object, got ${describe(options)}`);
  const unbuilt = model.layers.find((layer) => !layer.built);
  const targets = model.layers.filter((layer) => layer.weights.length > 0);
  if (unbuilt) throw fault('model', `layer ${unbuilt.name} is not built yet: give the first layer an inputShape (or call build) so its weights exist`);
  const modules = groupModules(stateDict);
  const pieces = orderedModules(modules, options.modules).flatMap(piecesOf);
  if (pieces.length !== targets.length) {
    throw fault('model', `the state dict's modules give ${pieces.length} layers (${pieces.map(pieceName).join(', ') || 'none'}) but the model has ${targets.length} layers with weights (${targets.map((l) => l.name).join(', ') || 'none'})`);
  }
  // Convert everything first: a mismatch anywhere leaves every weight as it was.
  const converted = targets.map((layer, i) => convert(pieces[i], layer));
  targets.forEach((layer, i) => layer.setWeights(converted[i]));
  return model;
}

function groupModules(stateDict: Record<string, TensorLike>): Module[] {
  const modules = new Map<string, Module>();
  for (const [key, value] of Object.entries(stateDict)) {
    const dot = key.lastIndexOf('.');
    const name = dot < 0 ? '' : key.slice(0, dot);
    let tensor: Tensor;
    try {
      tensor = toTensor(value, key);
    } catch (error) {
      throw fault(key, `state dict entry ${JSON.stringify(key)}: ${(error as Error).message}`);
    }
    const bad = tensor.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw fault(key, `state dict entry ${JSON.stringify(key)} holds ${tensor.data[bad]} at index ${bad}; weights must be finite`);
    let module = modules.get(name);
    if (!module) modules.set(name, (module = { name, params: new Map() }));
    module.params.set(key.slice(dot + 1), tensor);
  }
  return [...modules.values()];
}

/** The modules with weights that map onto layers (num_batches_tracked-style buffers would not), in the order asked for. */
function orderedModules(modules: Module[], names: readonly string[] | undefined): Module[] {
  if (names === undefined) return modules;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw fault('options.modules', `modules must be an array of module names, got ${describe(names)}`);
  return names.map((name) => {
    const module = modules.find((m) => m.name === name);
    if (!module) throw fault('options.modules', `the state dict has no module ${JSON.stringify(name)}; its modules: ${modules.map((m) => JSON.stringify(m.name)).join(', ')}`);
    return module;
  });
}

function piecesOf(module: Module): Piece[] {
  const keys = [...module.params.keys()];
  const recurrent = keys.map((key) => RECURRENT_PARAM.exec(key));
  if (recurrent.every((match) => match !== null)) {
    const depths = new Set(recurrent.map((match) => Number(match![2])));
    const bidirectional = recurrent.some((match) => match![3] !== undefined);
    const count = Math.max(...depths) + 1;
    for (let k = 0; k < count; k++) {
      for (const suffix of bidirectional ? ['', '_reverse'] : ['']) {
        for (const param of ['weight_ih', 'weight_hh']) {
          if (!module.params.has(`${param}_l${k}${suffix}`)) throw fault(module.name, `recurrent module ${JSON.stringify(module.name)} lacks ${param}_l${k}${suffix}`);
        }
      }
    }
    return Array.from({ length: count }, (_, depth) => ({ module, depth, bidirectional }));
  }
  const unknown = keys.filter((key) => key !== 'weight' && key !== 'bias');
  if (unknown.length > 0 || !module.params.has('weight')) {
    throw fault(module.name, `module ${JSON.stringify(module.name)} has parameters ${keys.join(', ')}: not nn.LSTM / nn.GRU / nn.RNN (weight_ih_l0 …), nn.Linear (weight, bias) or nn.Embedding (weight); list the modules to map in options.modules`);
  }
  return [{ module, bidirectional: false }];
}

function pieceName(piece: Piece): string {
  const name = JSON.stringify(piece.module.name);
  return piece.depth === undefined ? name : `${name} layer ${piece.depth}${piece.bidirectional ? ' (bidirectional)' : ''}`;
}

function convert(piece: Piece, layer: Layer): Tensor[] {
  const inner = layer.className === 'TimeDistributed' ? (layer as TimeDistributed).layer : layer;
  if (layer.className === 'Bidirectional' || RECURRENT.includes(inner.className)) {
    if (piece.depth === undefined) throw mismatch(piece, layer, 'a recurrent module (weight_ih_l0 …)');
    if (layer.className === 'Bidirectional') {
      if (!piece.bidirectional) throw mismatch(piece, layer, 'a bidirectional module (…_reverse tensors)');
      const { forwardLayer, backwardLayer } = layer as Bidirectional;
      return [...recurrentWeights(piece, forwardLayer, ''), ...recurrentWeights(piece, backwardLayer, '_reverse')];
    }
    if (piece.bidirectional) throw mismatch(piece, layer, 'a one-direction module (a bidirectional one maps onto layers.bidirectional)');
    return recurrentWeights(piece, inner as RecurrentLayer, '');
  }
  if (piece.depth !== undefined) throw mismatch(piece, layer, 'nn.Linear or nn.Embedding');
  const weight = piece.module.params.get('weight')!;
  const bias = piece.module.params.get('bias');
  const [kernelShape, biasShape] = layer.weights.map((w) => w.shape);
  if (inner.className === 'Embedding') {
    expectShape(piece, 'weight', weight, kernelShape, layer);
    if (bias) throw mismatch(piece, layer, 'nn.Embedding (a weight, no bias)');
    return [weight];
  }
  if (inner.className !== 'Dense') throw fault(layer.name, `layer ${layer.name} (${layer.className}) has no PyTorch counterpart that fromTorch maps (lstm, gru, simpleRNN, bidirectional, dense, timeDistributed(dense), embedding)`);
  const [input, output] = kernelShape;
  expectShape(piece, 'weight', weight, [output, input], layer);
  if ((bias === undefined) !== (biasShape === undefined)) throw mismatch(piece, layer, bias ? 'no bias, but nn.Linear has one: create the dense layer with useBias: true' : 'a bias, but nn.Linear(bias=False) has none: create the dense layer with useBias: false');
  if (bias) expectShape(piece, 'bias', bias, biasShape, layer);
  return bias ? [transpose(weight), bias] : [transpose(weight)];
}

/** Gate blocks of PyTorch's rows in Keras's order: nn.GRU's r, z, n → z, r, h; LSTM and RNN keep theirs. */
function gateOrder(layer: RecurrentLayer): number[] {
  return layer.className === 'GRU' ? [1, 0, 2] : layer.className === 'LSTM' ? [0, 1, 2, 3] : [0];
}

function recurrentWeights(piece: Piece, layer: RecurrentLayer, suffix: string): Tensor[] {
  const { activation, useBias, recurrentActivation, resetAfter } = layer.settings as typeof layer.settings & { recurrentActivation?: string; resetAfter?: boolean };
  const simple = layer.className === 'SimpleRNN';
  if (simple ? activation !== 'tanh' && activation !== 'relu' : activation !== 'tanh' || recurrentActivation !== 'sigmoid') {
    throw mismatch(piece, layer, simple ? 'nn.RNN: activation tanh or relu' : "PyTorch's gates: activation 'tanh' and recurrentActivation 'sigmoid'");
  }
  if (layer.className === 'GRU' && !resetAfter) throw mismatch(piece, layer, 'nn.GRU applies the reset gate after the recurrent product: create the gru with resetAfter: true');
  const k = piece.depth!;
  const param = (name: string) => piece.module.params.get(`${name}_l${k}${suffix}`);
  const order = gateOrder(layer);
  const units = layer.units;
  const rows = order.length * units;
  const [kernelShape] = layer.weights.map((w) => w.shape);
  const inputFeatures = kernelShape[0];
  const weightIh = param('weight_ih')!, weightHh = param('weight_hh')!;
  const biasIh = param('bias_ih'), biasHh = param('bias_hh');
  expectShape(piece, `weight_ih_l${k}${suffix}`, weightIh, [rows, inputFeatures], layer);
  expectShape(piece, `weight_hh_l${k}${suffix}`, weightHh, [rows, units], layer);
  for (const [name, bias] of [[`bias_ih_l${k}${suffix}`, biasIh], [`bias_hh_l${k}${suffix}`, biasHh]] as const) if (bias) expectShape(piece, name, bias, [rows], layer);
  if ((biasIh === undefined) !== (biasHh === undefined)) throw mismatch(piece, layer, 'both bias_ih and bias_hh, or neither');
  if (useBias !== (biasIh !== undefined)) throw mismatch(piece, layer, biasIh ? 'a layer with useBias: true' : `bias=False in PyTorch: create the ${layer.className} with useBias: false`);
  const weights = [transpose(reorderRows(weightIh, order, units)), transpose(reorderRows(weightHh, order, units))];
  if (!biasIh || !biasHh) return weights;
  const inputBias = reorderRows(biasIh, order, units), recurrentBias = reorderRows(biasHh, order, units);
  if (layer.className === 'GRU') return [...weights, { shape: [2, rows], data: concatData(inputBias.data, recurrentBias.data) }];
  // One Keras bias: the float32 sum of PyTorch's two, as PyTorch's kernels add them.
  return [...weights, { shape: [rows], data: inputBias.data.map((x, i) => x + recurrentBias.data[i]) }];
}

/** Rows of a (gates·units, …) tensor with the gate blocks put in `order`. */
function reorderRows(tensor: Tensor, order: readonly number[], units: number): Tensor {
  const width = tensor.data.length / (order.length * units);
  const block = units * width;
  const data = new Float32Array(tensor.data.length);
  order.forEach((from, to) => data.set(tensor.data.subarray(from * block, (from + 1) * block), to * block));
  return { shape: tensor.shape, data };
}

function transpose(tensor: Tensor): Tensor {
  const [rows, columns] = tensor.shape;
  const data = new Float32Array(tensor.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) data[c * rows + r] = tensor.data[r * columns + c];
  return { shape: [columns, rows], data };
}

function concatData(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function expectShape(piece: Piece, param: string, tensor: Tensor, shape: readonly number[], layer: Layer): void {
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw fault(`${piece.module.name}.${param}`, `${piece.module.name ? `${piece.module.name}.` : ''}${param} has shape [${tensor.shape.join(', ')}] but layer ${layer.name} (${layer.className}) needs [${shape.join(', ')}] in PyTorch's layout`);
  }
}

function mismatch(piece: Piece, layer: Layer, expected: string): ModelInputError {
  return fault(piece.module.name, `module ${pieceName(piece)} does not fit layer ${layer.name} (${layer.className}): expected ${expected}`);
}

function fault(argument: string, problem: string): ModelInputError {
  return new ModelInputError(OWNER, argument, problem);
}
