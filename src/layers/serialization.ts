// Layers from saved configs: the `{ class_name, config }` JSON that getConfig()/toJSON()
// write and that TF.js (model.json) and Keras save. Keys are snake_case there and options
// camelCase here; keys that change nothing in seqwasm (null regularizers and constraints,
// `implementation`, `unroll`, the float32 dtype, Keras 3's dtype policy) are dropped, and
// everything else goes through the same validation as the layer factories.
import { Bidirectional } from './bidirectional.js';
import { Dense } from './dense.js';
import { Dropout, SpatialDropout1D } from './dropout.js';
import { Embedding } from './embedding.js';
import { closestName, describe, LayerConfigError } from './errors.js';
import { Layer } from './layer.js';
import { Masking } from './masking.js';
import { snakeToCamel } from './options.js';
import { GRU, LSTM, RecurrentLayer, SimpleRNN } from './recurrent.js';
import { TimeDistributed } from './time-distributed.js';
import { Conv1D } from './conv.js';
import { GlobalPooling1D, Pooling1D } from './pooling.js';
import { Flatten, Permute, RepeatVector, Reshape } from './reshape.js';
import { LayerNormalization } from './normalization.js';
import { PositionEmbedding } from './position-embedding.js';
import { Concatenate, Dot, ElementwiseMergeLayer } from './merge.js';
import { AdditiveAttention, Attention } from './attention.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { GRUCell, LSTMCell, RNN, RNNCell, SimpleRNNCell, StackedRNNCells, type BuiltInCell, type Cell } from './rnn.js';

type Options = Record<string, unknown>;

/** Each class by its saved name; wrappers also get their wrapped layer, read first. */
const CLASSES: Record<string, (options: Options, wrapped: Layer | undefined) => Layer> = {
  Dense: (o) => new Dense(o as never),
  Embedding: (o) => new Embedding(o as never),
  Dropout: (o) => new Dropout(o as never),
  SpatialDropout1D: (o) => new SpatialDropout1D(o as never),
  Masking: (o) => new Masking(o),
  SimpleRNN: (o) => new SimpleRNN(o as never),
  LSTM: (o) => new LSTM(o as never),
  GRU: (o) => new GRU(o as never),
  TimeDistributed: (o, wrapped) => new TimeDistributed(wrapped!, o),
  Bidirectional: (o, wrapped) => new Bidirectional(wrapped as RecurrentLayer, o),
  Conv1D: (o) => new Conv1D(o as never),
  MaxPooling1D: (o) => new Pooling1D('max', o),
  AveragePooling1D: (o) => new Pooling1D('average', o),
  GlobalMaxPooling1D: (o) => new GlobalPooling1D('max', o),
  GlobalAveragePooling1D: (o) => new GlobalPooling1D('average', o),
  RepeatVector: (o) => new RepeatVector(o as never),
  Reshape: (o) => new Reshape(o as never),
  Flatten: (o) => new Flatten(o),
  Permute: (o) => new Permute(o as never),
  LayerNormalization: (o) => new LayerNormalization(o),
  PositionEmbedding: (o) => new PositionEmbedding(o as never),
  Concatenate: (o) => new Concatenate(o),
  Add: (o) => new ElementwiseMergeLayer('Add', o),
  Subtract: (o) => new ElementwiseMergeLayer('Subtract', o),
  Multiply: (o) => new ElementwiseMergeLayer('Multiply', o),
  Average: (o) => new ElementwiseMergeLayer('Average', o),
  Maximum: (o) => new ElementwiseMergeLayer('Maximum', o),
  Dot: (o) => new Dot(o as never),
  Attention: (o) => new Attention(o),
  AdditiveAttention: (o) => new AdditiveAttention(o),
  MultiHeadAttention: (o) => new MultiHeadAttention(o as never),
};

const WRAPPERS = new Set(['TimeDistributed', 'Bidirectional']);

/** Keys around `config` that Keras 3 and TF.js write and that say nothing about the layer itself. */
const ENVELOPE_KEYS = new Set(['class_name', 'className', 'config', 'module', 'registered_name', 'build_config', 'name', 'inbound_nodes']);

/** Config keys that cannot change what seqwasm computes, whatever their value. */
const INERT_KEYS = new Set([
  'implementation', // TF.js/Keras 2 kernel choice
  'unroll', // a graph-building hint: the same results either way
  'backward_layer', // Keras 3 Bidirectional: rebuilt from `layer` with goBackwards
]);

/** Config keys that change nothing while false (Keras 3 Embedding's sparse gradients, Keras 2's time_major). */
const INERT_WHEN_FALSE = new Set(['sparse', 'time_major']);

/**
 * A layer from `{ class_name, config }` (a saved config); throws LayerConfigError naming the key at fault.
 *
 * @example
 * ```ts
 * const copy = layers.layerFromConfig(lstm.toJSON());     // same options, new weights
 * layers.layerFromConfig({ class_name: 'GRU', config: { units: 8, reset_after: false } });
 * ```
 */
export function layerFromConfig(json: unknown): Layer {
  const what = 'layerFromConfig';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LayerConfigError(what, 'json', `expected { class_name, config }, got ${describe(json)}`);
  const entry = json as Options;
  const unexpected = Object.keys(entry).find((key) => !ENVELOPE_KEYS.has(key));
  if (unexpected !== undefined) throw new LayerConfigError(what, unexpected, `${unexpected} is not a key of a saved layer (expected class_name and config)`);
  const className = entry.class_name ?? entry.className;
  const registeredClass = typeof className === 'string' ? registered.get(className) : undefined;
  const create = typeof className === 'string' && Object.hasOwn(CLASSES, className) ? CLASSES[className] : registeredClass ? (o: Options) => new registeredClass(o as never) : className === 'RNN' ? rnnFromConfig : undefined;
  if (!create) {
    const known = [...Object.keys(CLASSES), 'RNN', ...registered.keys()];
    const hint = typeof className === 'string' ? closestName(className, known) : undefined;
    throw new LayerConfigError(what, 'class_name', `class_name ${describe(className)} is not a layer seqwasm has (${known.join(', ')}) nor one given to layers.registerClass()${hint ? `; did you mean '${hint}'?` : ''}`);
  }
  const config = entry.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new LayerConfigError(what, 'config', `config must be an object, got ${describe(config)}`);
  if (className === 'RNN') return rnnFromConfig(config as Options);
  const { layer: wrappedJson, ...own } = config as Options;
  const wrapped = WRAPPERS.has(className as string) ? layerFromConfig(wrappedJson) : undefined;
  if (!wrapped && wrappedJson !== undefined) own.layer = wrappedJson; // reported as an unknown option
  return create(optionsOf(own), wrapped);
}

/** Config keys whose null is a choice, not the default (Bidirectional's merge_mode: both directions returned). */
const NULL_IS_A_VALUE = new Set(['merge_mode']);

/** Saved config keys → factory options: camelCase, inert and null entries dropped (null means the default). */
function optionsOf(config: Options): Options {
  const options: Options = {};
  for (const [key, value] of Object.entries(config)) {
    if ((value === null && !NULL_IS_A_VALUE.has(key)) || INERT_KEYS.has(key) || (value === false && INERT_WHEN_FALSE.has(key))) continue;
    if (key === 'dtype' && isFloat32Policy(value)) continue;
    options[snakeToCamel(key)] = value;
  }
  return options;
}

/** 'float32', or Keras 3's { class_name: 'DTypePolicy', config: { name: 'float32' } }. */
function isFloat32Policy(value: unknown): boolean {
  if (value === 'float32') return true;
  const policy = value as { config?: { name?: unknown } } | null;
  return typeof policy === 'object' && policy !== null && policy.config?.name === 'float32';
}

// ---- RNN: nested cells -----------------------------------------------------------------

const BUILT_IN_CELLS: Record<string, (options: Options) => BuiltInCell> = {
  SimpleRNNCell: (o) => new SimpleRNNCell(o as never),
  LSTMCell: (o) => new LSTMCell(o as never),
  GRUCell: (o) => new GRUCell(o as never),
};

/** An RNN's own config keys (TF.js also copies its cell's config beside `cell`: those copies are dropped). */
const RNN_KEYS = new Set(['name', 'trainable', 'dtype', 'batch_input_shape', 'input_shape', 'batch_size', 'return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'zero_output_for_mask']);

/** An RNN from its config: `cell` read first (nested built-in, stacked or registered cells). */
function rnnFromConfig(config: Options): Layer {
  const { cell: cellJson, ...rest } = config;
  const cell = cellFromConfig(cellJson, 'cell');
  const copied = new Set(['cells', ...Object.keys(((cellJson as Options).config ?? {}) as Options)]);
  const own = Object.fromEntries(Object.entries(rest).filter(([key]) => RNN_KEYS.has(key) || !copied.has(key)));
  return new RNN({ ...(optionsOf(own) as object), cell } as never);
}

/** A cell from `{ class_name, config }`: a built-in cell, StackedRNNCells or a registered RNNCell class. */
function cellFromConfig(json: unknown, key: string): Cell {
  const what = 'layerFromConfig';
  const entry = json as Options;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LayerConfigError(what, key, `${key} must be a saved cell { class_name, config }, got ${describe(json)}`);
  const className = entry.class_name ?? entry.className;
  const config = entry.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new LayerConfigError(what, `${key}.config`, `${key}.config must be an object, got ${describe(config)}`);
  if (className === 'StackedRNNCells') {
    const { cells, name } = config as Options;
    if (!Array.isArray(cells)) throw new LayerConfigError(what, `${key}.config.cells`, `${key}.config.cells must be an array of saved cells, got ${describe(cells)}`);
    return new StackedRNNCells({ name: name as string | undefined, cells: cells.map((c, i) => cellFromConfig(c, `${key}.config.cells[${i}]`) as BuiltInCell | RNNCell) });
  }
  const builtIn = typeof className === 'string' && Object.hasOwn(BUILT_IN_CELLS, className) ? BUILT_IN_CELLS[className] : undefined;
  if (builtIn) return builtIn(optionsOf(config as Options));
  const registeredClass = typeof className === 'string' ? registered.get(className) : undefined;
  if (registeredClass && registeredClass.prototype instanceof RNNCell) return new registeredClass(optionsOf(config as Options) as never) as RNNCell;
  const known = [...Object.keys(BUILT_IN_CELLS), 'StackedRNNCells', ...[...registered].filter(([, c]) => c.prototype instanceof RNNCell).map(([name]) => name)];
  throw new LayerConfigError(what, `${key}.class_name`, `${key}.class_name ${describe(className)} is not a cell seqwasm has (${known.join(', ')}) nor an RNNCell given to layers.registerClass()`);
}

// ---- your own layers and cells ---------------------------------------------------------

/**
 * A layer or cell class {@link registerClass} takes: a static `className` (the name its
 * configs are saved under) and a constructor taking its options (camelCase, as getConfig()
 * writes them in snake_case).
 */
export interface SerializableLayerClass {
  /** The saved class name, e.g. 'ScaleShift'. */
  readonly className: string;
  /** Creates the layer from options: the saved config's keys in camelCase. */
  new (options: never): Layer;
  /** The class's prototype (a Layer's). */
  readonly prototype: Layer;
}

const registered = new Map<string, SerializableLayerClass>();

/**
 * Makes a class of your own loadable: {@link layerFromConfig} and `loadModel` create it when a
 * saved config names its `className` (like TF.js's `tf.serialization.registerClass`). Give the
 * class a static `className` equal to the one its instances save (the `className` of its
 * LayerKind). A name seqwasm's own layers use, or one already registered for another class,
 * is refused.
 *
 * @example
 * ```ts
 * class ScaleShift extends layers.Layer { static readonly className = 'ScaleShift'; … }
 * layers.registerClass(ScaleShift);
 * const model = await loadModel('file://saved/model.json');   // its ScaleShift layers come back
 * ```
 */
export function registerClass(cls: SerializableLayerClass): void {
  const name = typeof cls === 'function' ? cls.className : undefined;
  if (typeof name !== 'string' || name === '') throw new LayerConfigError('registerClass', 'cls', `expected a layer class with a static className, got ${describe(cls)}`);
  if (!((cls.prototype as unknown) instanceof Layer)) throw new LayerConfigError('registerClass', 'cls', `${name} must extend layers.Layer (or layers.RNNCell)`);
  if (Object.hasOwn(CLASSES, name) || Object.hasOwn(BUILT_IN_CELLS, name) || name === 'RNN' || name === 'StackedRNNCells') {
    throw new LayerConfigError('registerClass', 'cls', `className '${name}' is one of seqwasm's own layers; give your class another name`);
  }
  const before = registered.get(name);
  if (before !== undefined && before !== cls) throw new LayerConfigError('registerClass', 'cls', `className '${name}' is already registered for another class`);
  registered.set(name, cls);
}
