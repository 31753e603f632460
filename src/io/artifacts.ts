// Saved models in the TF.js Layers format: `model.json` (modelTopology + weightsManifest) and
// little-endian float32 weight bytes. writeArtifacts() (save.ts) serialises a Sequential's
// layers (and optimizer state, TF.js's includeOptimizer convention: weights in group
// 'optimizer'); readArtifacts() reads what we, TF.js 4.22 or the Keras converter (Keras 2 and
// 3) wrote; assignWeights() matches saved weights to our layers by name. loadModel() imports
// this module when first called, so pages that never load a model file do not download it.
//
// Nothing read is trusted before it is checked: JSON keys that could pollute prototypes are
// refused and the JSON is copied into fresh plain objects; every manifest entry's name, shape
// and dtype is checked and the byte layout is checked against the buffer before any value is
// decoded; every value must be finite. Each problem is a ModelLoadError naming where it is.
// Every cost is bounded by the input's size and by LIMITS (bytes read, string lengths, nesting,
// counts), and checkDeclaredSizes() compares every size the layers declare with the weights
// in the file before anything is allocated. Messages describe what they found; they quote
// nothing from the file but short names.
import { elementPath } from '../data/validate.js';
import { Bidirectional } from '../layers/bidirectional.js';
import { LayerConfigError, LayerError } from '../layers/errors.js';
import { formatShape, sizeOf, type Layer, type Shape } from '../layers/layer.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import { layerFromConfig } from '../layers/serialization.js';
import { snakeToCamel } from '../layers/options.js';
import { TimeDistributed } from '../layers/time-distributed.js';
import { joinChunks, ReadError, readWithin, urlOf, type ReadLimits } from '../runtime/location.js';
import { describe, ModelLoadError } from '../model/errors.js';
import { InputLayer } from '../model/graph.js';
import { checkedShape } from './save.js';

/**
 * One weight as read from saved artifacts: its saved name, shape and values.
 *
 * @example
 * ```ts
 * const weight: SavedWeight = { name: 'lstm/kernel', shape: [26, 32], data: new Float32Array(26 * 32) };
 * ```
 */
export interface SavedWeight {
  /** The saved name, e.g. 'lstm/kernel' or TF.js's 'lstm_1/lstm_cell/kernel'. */
  name: string;
  /** Keras shape. */
  shape: number[];
  /** The values, row-major, float32. */
  data: Float32Array;
}

/**
 * What model.save() returns: the model.json object and the one weights buffer it names
 * ('weights.bin'). loadModel() takes it back as it is.
 *
 * @example
 * ```ts
 * const { modelJSON, weightData }: SavedModel = model.save();
 * const again = await loadModel({ modelJSON, weightData });
 * ```
 */
export interface SavedModel {
  /** The model.json object: write it with JSON.stringify. */
  modelJSON: ModelJSON;
  /** Every weight (then the optimizer state) as little-endian float32: the 'weights.bin' file. */
  weightData: ArrayBuffer;
}

/**
 * One weight's entry in model.json's weights manifest (TF.js's format).
 *
 * @example
 * ```ts
 * model.save().modelJSON.weightsManifest[0].weights.map((w: ManifestEntry) => w.name);   // ['lstm/kernel', …]
 * ```
 */
export interface ManifestEntry {
  /** The weight's name, e.g. 'lstm/kernel' or 'optimizer/lstm/kernel/m'. */
  name: string;
  /** Its shape. */
  shape: number[];
  /** Always 'float32'. */
  dtype: 'float32';
  /** 'optimizer' for optimizer state, 'model' (or absent) for model weights. */
  group?: 'model' | 'optimizer';
}

/**
 * model.json (a type, not an interface, so that it is a Record<string, unknown>): TF.js
 * Layers' format, which TF.js's loadLayersModel reads too.
 *
 * @example
 * ```ts
 * const { modelJSON } = model.save();
 * modelJSON.format;                          // 'layers-model'
 * modelJSON.weightsManifest[0].paths;        // ['weights.bin']
 * ```
 */
export type ModelJSON = {
  /** Keras's model config: the layers and their options. */
  modelTopology: Record<string, unknown>;
  /** Which weights each file holds, in order. */
  weightsManifest: {
    /** The weight files, relative to model.json. */
    paths: string[];
    /** The weights in those files, in order. */
    weights: ManifestEntry[];
  }[];
  /** Always 'layers-model'. */
  format: 'layers-model';
  /** The writer: 'seqwasm' for files seqwasm saved. */
  generatedBy: string;
  /** Always null (not converted). */
  convertedBy: null;
  /** The compile() arguments (Keras snake_case), present once compiled. */
  trainingConfig?: Record<string, unknown>;
  /** TF.js's place for metadata of the writer's own; seqwasm keeps the model's seed here. */
  userDefinedMetadata?: {
    /** The model's seed. */
    seed?: number;
  };
};

/** A tensor of a saved functional graph: the layer's name, its node (call) index and the tensor index. */
export type TensorRef = readonly [layer: string, node: number, tensor: number];

/** How a saved functional model's layers connect (parsed.layers[i]'s calls are nodes[i]). */
export interface ParsedGraph {
  /** Per layer (in parsed.layers order), each call's inbound tensors; a recurrent layer's initial states follow its input. */
  nodes: TensorRef[][][];
  /** Per layer and call, the call's keyword arguments that are not tensors (camelCase; {} for most calls). */
  callArgs: Record<string, unknown>[][];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

export interface ParsedModel {
  name: string;
  /** A functional model's connections (class Model / Functional); absent for a Sequential. */
  graph?: ParsedGraph;
  /** The seed the model was saved with (userDefinedMetadata.seed), when it was saved by seqwasm. */
  seed?: number;
  /** Layer JSON {class_name, config} in order, ready for layerFromConfig; Keras InputLayer entries folded into the next layer's batch_input_shape. */
  layers: Record<string, unknown>[];
  trainingConfig?: Record<string, unknown>;
  /** The model's weights in saved order (group 'model' or none). */
  weights: SavedWeight[];
  /** Group 'optimizer' (and Keras 3 'optimizer/…' paths) in saved order; TF.js's int32 'iter' is read as the float 'iteration'. */
  optimizerWeights: SavedWeight[];
}

const OWNER = 'loadModel';
const loadError = (argument: string, problem: string) => new ModelLoadError(OWNER, argument, problem);

/**
 * What an untrusted model may hold. Real TF.js / Keras Layers files are far inside these:
 * model.json is a few KB per layer, names are tens of characters, a deep Keras config nests
 * about 10 levels, and a recurrent model has a few weights per layer. The size caps keep
 * every buffer inside Wasm32 memory (4 GiB, with gradients and optimizer slots beside the
 * weights) and every index inside 32 bits.
 */
export const LIMITS = {
  /** Bytes read from a path or URL (model.json and its weight files) or given as weight data; loadModel's maxBytes option. */
  maxBytes: 2 ** 30,
  /** model.json itself (the text): parsing it stays well under a second. */
  modelJsonBytes: 4 * 2 ** 20,
  /** Characters of any string (or key) in model.json. */
  stringLength: 4096,
  /** Values (objects, arrays, strings, numbers …) in model.json. */
  jsonValues: 2 ** 18,
  /** Nesting of arrays and objects. */
  depth: 64,
  /** Layers of the model (a wrapper and what it wraps count as one). */
  layers: 1024,
  /** Calls of layers in a functional model (inbound nodes, all layers together): loading orders them in time quadratic in this. */
  calls: 4096,
  /** Entries of the weights manifest, model and optimizer weights together. */
  weights: 16384,
  /** Weight files the manifest names. */
  weightFiles: 4096,
  /** Any dimension a layer declares or computes: units, features, vocabulary, sequence length, batch. */
  dimension: 2 ** 24,
  /** Rank of an input or output shape. */
  rank: 8,
  /** Weight values all layers declare together (float32: 1 GiB). */
  parameters: 2 ** 28,
} as const;

export interface ReadOptions {
  /** The byte cap for model.json and its weight files together (and for weight data given in memory). */
  maxBytes?: number;
  /** Aborts reading a path or URL. */
  signal?: AbortSignal;
}

// ---- reading ---------------------------------------------------------------------------

/**
 * Reads and validates a saved model from: our SavedModel ({ modelJSON, weightData }; modelJSON
 * may be the text of model.json, weightData an ArrayBuffer, a view or a list of buffers);
 * TF.js's io.ModelArtifacts ({ modelTopology, weightSpecs, weightData }); or a path or URL of
 * model.json, whose weight files (weightsManifest paths, relative to it) are read and joined
 * in order. Throws ModelLoadError('loadModel', argument, …) naming what is wrong.
 */
export async function readArtifacts(source: unknown, options: ReadOptions = {}): Promise<ParsedModel> {
  const maxBytes = options.maxBytes ?? LIMITS.maxBytes;
  if (typeof source === 'string' || source instanceof URL) return readLocation(source, maxBytes, options.signal);
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw loadError('artifacts', `expected a saved model { modelJSON, weightData }, TF.js model artifacts { modelTopology, weightSpecs, weightData }, or a path or URL of model.json, got ${describe(source)}`);
  }
  const given = source as Record<string, unknown>;
  if ('modelJSON' in given) {
    const modelJSON = typeof given.modelJSON === 'string' ? parseJson(given.modelJSON, 'modelJSON') : plainJson(given.modelJSON, 'modelJSON');
    return parseModel(record(modelJSON, 'modelJSON'), 'modelJSON', joinBuffers(given.weightData, 'weightData', maxBytes));
  }
  if ('modelTopology' in given) {
    const { modelTopology, weightSpecs, weightsManifest, trainingConfig, format, userDefinedMetadata } = given;
    const json = plainJson({ modelTopology, weightSpecs, weightsManifest, trainingConfig, format, userDefinedMetadata }, 'artifacts');
    return parseModel(record(json, 'artifacts'), 'artifacts', joinBuffers(given.weightData, 'weightData', maxBytes));
  }
  throw loadError('artifacts', `expected a saved model { modelJSON, weightData } or TF.js model artifacts { modelTopology, weightSpecs, weightData }, got an object with keys ${Object.keys(given).join(', ') || '(none)'}`);
}

/**
 * model.json at a path or URL, then its weight files one after another, all within maxBytes
 * together. Weight files at a URL follow redirects only within model.json's origin.
 */
async function readLocation(location: string | URL, maxBytes: number, signal: AbortSignal | undefined): Promise<ParsedModel> {
  const json = await read(location, 'path', { maxBytes: Math.min(maxBytes, LIMITS.modelJsonBytes), signal });
  const modelJSON = record(parseJson(decodeText(json, String(location)), String(location)), String(location));
  const topology = parseTopology(modelJSON, 'modelJSON');
  const groups = manifestGroups(modelJSON, 'modelJSON');
  const paths = groups.flatMap((group, g) => {
    const list = group.paths;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) throw loadError(`modelJSON.weightsManifest[${g}].paths`, `expected an array of file names, got ${describe(list)}`);
    return (list as string[]).map((path, i): [string | URL, string] => {
      const argument = `modelJSON.weightsManifest[${g}].paths[${i}]`;
      return [weightLocation(location, path, argument), argument];
    });
  });
  if (paths.length > LIMITS.weightFiles) throw loadError('modelJSON.weightsManifest', `the manifest names ${paths.length} weight files; at most ${LIMITS.weightFiles} are read`);
  const origin = originOf(location);
  const sameOrigin = origin === undefined || origin === 'null' ? undefined : origin;
  const shards: Uint8Array[] = [];
  let left = maxBytes - json.byteLength;
  for (const [path, argument] of paths) {
    const shard = await read(path, argument, { maxBytes: left, signal, sameOrigin });
    left -= shard.byteLength;
    shards.push(shard);
  }
  return withWeights(topology, joinBuffers(shards, 'weight files', maxBytes));
}

async function read(location: string | URL, argument: string, limits: ReadLimits): Promise<Uint8Array> {
  try {
    return await readWithin(location, limits);
  } catch (error) {
    // save('file://dir') writes a folder; TF.js and seqwasm load its model.json.
    const hint = argument === 'path' && error instanceof ReadError && error.isDirectory ? `; a model saved with save('file://…') loads from its model.json: '${String(location).replace(/\/*$/, '/model.json')}'` : '';
    throw loadError(argument, `could not read ${String(location)}: ${(error as Error).message}${hint}`);
  }
}

/** The origin a location is fetched from: its own, or in a page the page's for a relative path; undefined for a file path in Node. */
function originOf(location: string | URL): string | undefined {
  if (location instanceof URL) return location.origin;
  const url = urlOf(location);
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  if (url || typeof page !== 'string') return url?.origin;
  try {
    return new URL(location, page).origin;
  } catch {
    return undefined;
  }
}

/** A weight file named in the manifest, beside model.json. Only plain relative names: nothing that climbs out of the model's folder or points elsewhere. */
function weightLocation(modelLocation: string | URL, path: string, argument: string): string | URL {
  const segments = path.replace(/^\.\//, '').split('/');
  if (segments.some((s) => !/^[\w.-]+$/.test(s) || s === '.' || s === '..')) {
    throw loadError(argument, `weight file ${describe(path)} must be a relative path of plain names (letters, digits, '_', '-', '.'), not reaching outside the model's folder`);
  }
  const base = typeof modelLocation === 'string' ? urlOf(modelLocation) ?? modelLocation : modelLocation;
  if (base instanceof URL) return new URL(segments.join('/'), base);
  const slash = Math.max(base.lastIndexOf('/'), base.lastIndexOf('\\'));
  return base.slice(0, slash + 1) + segments.join('/');
}

function decodeText(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw loadError('path', `${where} is not UTF-8 text`);
  }
}

/** The bytes of one buffer, a view, or a list of them joined in order, at most maxBytes (only read: values are decoded into new arrays). */
function joinBuffers(data: unknown, argument: string, maxBytes: number): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  if (parts.length > LIMITS.weightFiles) throw loadError(argument, `expected at most ${LIMITS.weightFiles} buffers, got ${parts.length}`);
  const bytes = parts.map((part, i) => {
    if (part instanceof ArrayBuffer) return new Uint8Array(part);
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    throw loadError(argument, `expected an ArrayBuffer (or a typed array, or a list of ArrayBuffers), got ${Array.isArray(data) ? `${describe(part)} at [${i}]` : describe(data)}`);
  });
  const total = bytes.reduce((sum, b) => sum + b.length, 0);
  if (total > maxBytes) throw loadError(argument, `the weight data has ${total} bytes, more than the ${maxBytes} allowed (loadModel's maxBytes option)`);
  return joinChunks(bytes, total);
}

// ---- JSON ------------------------------------------------------------------------------

/** Keys that would reach an object's prototype if a later step assigned them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function parseJson(text: string, argument: string): unknown {
  if (text.length > LIMITS.modelJsonBytes) throw loadError(argument, `model.json has ${text.length} characters; at most ${LIMITS.modelJsonBytes} are read`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The engine's message quotes the text; say only what it is.
    throw loadError(argument, `${argument} is not valid JSON (${text.length} characters${/^\s*[[{]/.test(text) ? '' : ', not starting with { or ['})`);
  }
  return plainJson(value, argument);
}

/**
 * A checked copy of JSON data (objects, arrays, strings, finite numbers, booleans, null), in
 * fresh plain objects: forbidden keys are refused before anything is assigned, so the copy
 * can be spread and assigned into safely. Undefined object members are dropped.
 */
function plainJson(value: unknown, path: string): unknown {
  const budget = { values: LIMITS.jsonValues };
  return copyJson(value, path, 0, budget);
}

/** plainJson's walk: `budget.values` counts down every value copied. */
function copyJson(value: unknown, path: string, depth: number, budget: { values: number }): unknown {
  if (--budget.values < 0) throw loadError(path, `model JSON holds more than ${LIMITS.jsonValues} values`);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (value.length > LIMITS.stringLength) throw loadError(path, `${path} is a string of ${value.length} characters; model JSON strings are at most ${LIMITS.stringLength}`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw loadError(path, `${path} is ${value}; model JSON holds finite numbers only`);
    return value;
  }
  if (depth >= LIMITS.depth) throw loadError(path, `${path} nests deeper than ${LIMITS.depth} levels`);
  if (Array.isArray(value)) {
    if (value.length > budget.values) throw loadError(path, `model JSON holds more than ${LIMITS.jsonValues} values (${path} has ${value.length} items)`);
    return value.map((item, i) => copyJson(item, `${path}[${i}]`, depth + 1, budget));
  }
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) throw loadError(path, `${path} must be JSON data, got ${describe(value)}`);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    if (key.length > LIMITS.stringLength) throw loadError(path, `${path} has a key of ${key.length} characters; model JSON keys are at most ${LIMITS.stringLength}`);
    if (FORBIDDEN_KEYS.has(key)) throw loadError(`${path}.${key}`, `${path} has the key '${key}', which a model file must not have (it could pollute object prototypes)`);
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) copy[key] = copyJson(member, `${path}.${key}`, depth + 1, budget);
  }
  return copy;
}

function record(value: unknown, argument: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw loadError(argument, `${argument} must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

// ---- topology --------------------------------------------------------------------------

/** Everything but the bytes comes from `json` (already a checked copy): topology, training config, manifest. */
function parseModel(json: Record<string, unknown>, where: string, bytes: Uint8Array): ParsedModel {
  return withWeights(parseTopology(json, where), bytes);
}

/** A model.json read but its weights not yet: the model's structure and its weights manifest. */
type ParsedTopology = Omit<ParsedModel, 'weights' | 'optimizerWeights'> & { entries: Entry[] };

function withWeights({ entries, ...topology }: ParsedTopology, bytes: Uint8Array): ParsedModel {
  return { ...topology, ...decodeWeights(entries, bytes) };
}

/** All of model.json checked: a file that is not a loadable model fails before its weight files are read. */
function parseTopology(json: Record<string, unknown>, where: string): ParsedTopology {
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw loadError(`${where}.format`, `format ${describe(json.format)} is not a Layers model ('layers-model'); graph models (tf.loadGraphModel) cannot be loaded`);
  }
  const topology = record(json.modelTopology, `${where}.modelTopology`);
  // Keras-converted files nest the model under model_config, with training_config beside it.
  const nested = topology.model_config !== undefined;
  const modelConfig = nested ? record(topology.model_config, `${where}.modelTopology.model_config`) : topology;
  const at = nested ? `${where}.modelTopology.model_config` : `${where}.modelTopology`;
  const functional = modelConfig.class_name === 'Model' || modelConfig.class_name === 'Functional';
  if (modelConfig.class_name !== 'Sequential' && !functional) {
    throw loadError(`${at}.class_name`, `only Sequential and functional (Model, Functional) models can be loaded, got class_name ${describe(modelConfig.class_name)}`);
  }
  // Keras before 2.2.3 saved a Sequential's config as the bare list of layers.
  const config = Array.isArray(modelConfig.config) ? { layers: modelConfig.config } : record(modelConfig.config, `${at}.config`);
  const name = config.name ?? (functional ? 'model' : 'sequential');
  if (typeof name !== 'string' || name === '') throw loadError(`${at}.config.name`, `the model name must be a non-empty string, got ${describe(name)}`);
  const trainingConfig = json.trainingConfig ?? topology.training_config ?? undefined;
  if (trainingConfig !== undefined && trainingConfig !== null) record(trainingConfig, `${where}.trainingConfig`);
  const metadata = json.userDefinedMetadata === undefined ? {} : record(json.userDefinedMetadata, `${where}.userDefinedMetadata`);
  const seed = metadata.seed;
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw loadError(`${where}.userDefinedMetadata.seed`, `the saved seed must be a safe integer, got ${describe(seed)}`);
  const { layers, graph } = functional ? functionalLayers(config, `${at}.config`) : { layers: layerList(config, `${at}.config`), graph: undefined };
  if (isKeras3(topology.keras_version)) layers.forEach(readHardSigmoidAsKeras3);
  return {
    name,
    ...(graph ? { graph } : {}),
    ...(seed !== undefined ? { seed: seed as number } : {}),
    layers,
    ...(trainingConfig ? { trainingConfig: trainingConfig as Record<string, unknown> } : {}),
    entries: manifestEntries(json, where),
  };
}

/**
 * The layers in order, each { class_name, config }. Keras InputLayer entries become the next
 * layer's batch_input_shape (Keras 3 calls it batch_shape); a Keras 3 model built without one
 * keeps its input shape in build_input_shape or the first layer's build_config.
 */
function layerList(config: Record<string, unknown>, at: string): Record<string, unknown>[] {
  const entries = config.layers;
  if (!Array.isArray(entries)) throw loadError(`${at}.layers`, `expected an array of layers, got ${describe(entries)}`);
  if (entries.length > LIMITS.layers) throw loadError(`${at}.layers`, `the model has ${entries.length} layers; at most ${LIMITS.layers} are loaded`);
  const layers: Record<string, unknown>[] = [];
  let input: { shape: unknown; from: string } | undefined;
  entries.forEach((entry, i) => {
    const argument = `${at}.layers[${i}]`;
    const json = record(entry, argument);
    const layerConfig = json.config === undefined ? {} : record(json.config, `${argument}.config`);
    const { batch_shape: batchShape, ...rest } = layerConfig;
    const shape = rest.batch_input_shape ?? batchShape;
    if (json.class_name === 'InputLayer') {
      if (input) throw loadError(argument, `two InputLayer entries in a row (${input.from} and ${argument})`);
      if (rest.sparse === true || rest.ragged === true) throw loadError(argument, 'sparse and ragged inputs are not supported');
      if (!Array.isArray(shape)) throw loadError(argument, `an InputLayer needs batch_input_shape (or batch_shape), got ${describe(shape)}`);
      input = { shape, from: argument };
      return;
    }
    if (input && shape !== undefined && JSON.stringify(shape) !== JSON.stringify(input.shape)) {
      throw loadError(argument, `batch_input_shape ${JSON.stringify(shape)} differs from the InputLayer's ${JSON.stringify(input.shape)} before it`);
    }
    const inputShape = input?.shape ?? shape;
    layers.push({ ...json, config: inputShape === undefined ? rest : { ...rest, batch_input_shape: inputShape } });
    input = undefined;
  });
  if (input) throw loadError(input.from, 'an InputLayer must be followed by a layer');
  if (layers.length === 0) throw loadError(`${at}.layers`, 'the model has no layers');
  const first = layers[0].config as Record<string, unknown>;
  if (first.batch_input_shape === undefined) {
    const built = config.build_input_shape ?? (layers[0].build_config as { input_shape?: unknown } | undefined)?.input_shape;
    if (Array.isArray(built)) first.batch_input_shape = built;
  }
  return layers;
}

/**
 * A functional model's layers, each { class_name, config } (InputLayer entries kept, their
 * Keras 3 batch_shape read as batch_input_shape), and how they connect: inbound_nodes in
 * TF.js's and Keras 2's form ([[[layer, node, tensor, kwargs], …], …]) or Keras 3's
 * ([{ args, kwargs }] with keras_history in each tensor, initial_state among the kwargs), and
 * input_layers / output_layers. Names must be unique; every reference is checked for form here
 * and resolved by loadModel.
 */
function functionalLayers(config: Record<string, unknown>, at: string): { layers: Record<string, unknown>[]; graph: ParsedGraph } {
  const entries = config.layers;
  if (!Array.isArray(entries)) throw loadError(`${at}.layers`, `expected an array of layers, got ${describe(entries)}`);
  if (entries.length > LIMITS.layers) throw loadError(`${at}.layers`, `the model has ${entries.length} layers; at most ${LIMITS.layers} are loaded`);
  if (entries.length === 0) throw loadError(`${at}.layers`, 'the model has no layers');
  const names = new Set<string>();
  const layers: Record<string, unknown>[] = [];
  const calls = entries.map((entry, i) => {
    const argument = `${at}.layers[${i}]`;
    const json = record(entry, argument);
    const layerConfig = json.config === undefined ? {} : record(json.config, `${argument}.config`);
    const name = json.name ?? layerConfig.name;
    if (typeof name !== 'string' || name === '') throw loadError(`${argument}.name`, `a layer of a functional model needs a name, got ${describe(name)}`);
    if (names.has(name)) throw loadError(`${argument}.name`, `two layers are named ${quoted(name)}`);
    names.add(name);
    const { batch_shape: batchShape, ...rest } = layerConfig;
    const shaped = batchShape !== undefined && rest.batch_input_shape === undefined ? { ...rest, batch_input_shape: batchShape } : rest;
    const { inbound_nodes: inbound, ...envelope } = json;
    delete envelope.name;
    const list = inbound === undefined ? [] : inbound;
    if (!Array.isArray(list)) throw loadError(`${argument}.inbound_nodes`, `inbound_nodes must be an array, got ${describe(list)}`);
    const causal = json.class_name === 'Attention' || json.class_name === 'AdditiveAttention' ? causalMaskOption(list, `${argument}.inbound_nodes`) : {};
    layers.push({ ...envelope, config: { ...shaped, ...causal, name } });
    return list.map((node, n) => {
      if (json.class_name !== 'MultiHeadAttention') return inboundCall(node, `${argument}.inbound_nodes[${n}]`, []);
      const call = inboundCall(node, `${argument}.inbound_nodes[${n}]`, MULTI_HEAD_KEYWORDS);
      return { ...call, tensors: multiHeadInputs(call, `${argument}.inbound_nodes[${n}]`) };
    });
  });
  const nodes = calls.map((list) => list.map((call) => call.tensors));
  const refs = (value: unknown, argument: string): TensorRef[] => {
    // Keras 3 saves a single input or output as one [layer, node, tensor] triple.
    const list = Array.isArray(value) && typeof value[0] === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) throw loadError(argument, `${argument} must be a non-empty array of [layer, node, tensor] entries, got ${describe(value)}`);
    return list.map((ref, i) => tensorRef(ref, `${argument}[${i}]`));
  };
  const count = nodes.reduce((sum, list) => sum + list.length, 0);
  if (count > LIMITS.calls) throw loadError(`${at}.layers`, `the layers are called ${count} times (inbound_nodes); at most ${LIMITS.calls} are loaded`);
  const callArgs = calls.map((list) => list.map((call) => call.callArgs));
  return { layers, graph: { nodes, callArgs, inputs: refs(config.input_layers, `${at}.input_layers`), outputs: refs(config.output_layers, `${at}.output_layers`) } };
}

/**
 * Keras passes an Attention / AdditiveAttention layer's use_causal_mask with each call (Keras 3 in the node's
 * kwargs, Keras 2 in each inbound entry's); seqwasm's attention layers take it as an option:
 * { use_causal_mask: true } when every call asks for it, {} when none does.
 */
function causalMaskOption(nodes: readonly unknown[], argument: string): Record<string, unknown> {
  const kwargsOf = (node: unknown): unknown => (Array.isArray(node) ? (Array.isArray(node[0]) ? node[0][3] : undefined) : (node as { kwargs?: unknown } | null)?.kwargs);
  const causal = nodes.map((node) => {
    const kwargs = kwargsOf(node);
    return typeof kwargs === 'object' && kwargs !== null && (kwargs as Record<string, unknown>).use_causal_mask === true;
  });
  if (!causal.some(Boolean)) return {};
  if (!causal.every(Boolean)) throw loadError(argument, 'the calls of this layer differ in use_causal_mask; seqwasm takes it as a layer option, the same for every call');
  return { use_causal_mask: true };
}

/** The call arguments Keras passes MultiHeadAttention's tensors by (Keras 2 always passes value so). */
const MULTI_HEAD_KEYWORDS = ['query', 'value', 'key', 'attention_mask'] as const;

type InboundKeyword = (typeof MULTI_HEAD_KEYWORDS)[number];

interface InboundCall {
  tensors: TensorRef[];
  /** Tensors passed by keyword (Keras 2's [layer, node, tensor] or Keras 3's keras tensors). */
  keywords: Partial<Record<InboundKeyword, TensorRef>>;
  callArgs: Record<string, unknown>;
}

/**
 * One node's inbound tensors, in either saved form (a Keras 3 node's initial_state follows its
 * input), the tensors passed by the keyword arguments `byKeyword`, and its keyword arguments
 * that are not tensors (TF.js's and Keras 2's on the first tensor).
 */
function inboundCall(node: unknown, argument: string, byKeyword: readonly InboundKeyword[]): InboundCall {
  if (Array.isArray(node)) {
    const first: unknown = Array.isArray(node[0]) ? node[0][3] : undefined;
    const kwargs = first === undefined ? {} : record(first, `${argument}[0][3]`);
    const keywords = keywordTensors(kwargs, byKeyword, `${argument}[0][3]`, tensorRef);
    return { tensors: node.map((ref, i) => tensorRef(ref, `${argument}[${i}]`)), keywords, callArgs: plainArgs(kwargs) };
  }
  const call = record(node, argument);
  const args = call.args === undefined ? [] : call.args;
  const kwargs = call.kwargs === undefined ? {} : record(call.kwargs, `${argument}.kwargs`);
  if (!Array.isArray(args)) throw loadError(`${argument}.args`, `args must be an array, got ${describe(args)}`);
  const tensors: TensorRef[] = [];
  const collect = (value: unknown, at: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => collect(v, `${at}[${i}]`));
    else if (isKerasTensor(value)) tensors.push(kerasTensorRef(value, at));
    else if (value !== null && value !== undefined && typeof value !== 'boolean') throw loadError(at, `expected a Keras tensor, got ${describe(value)}`);
  };
  collect(args, `${argument}.args`);
  if (kwargs.initial_state !== undefined) collect(kwargs.initial_state, `${argument}.kwargs.initial_state`);
  return { tensors, keywords: keywordTensors(kwargs, byKeyword, `${argument}.kwargs`, kerasTensorRef), callArgs: plainArgs(kwargs) };
}

function isKerasTensor(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>).class_name === '__keras_tensor__';
}

function kerasTensorRef(value: unknown, at: string): TensorRef {
  return tensorRef(record(record(value, at).config, `${at}.config`).keras_history, `${at}.config.keras_history`);
}

/** The tensors `kwargs` passes by the keywords `byKeyword` (null and absent ones skipped), read by `read`. */
function keywordTensors(kwargs: Record<string, unknown>, byKeyword: readonly InboundKeyword[], at: string, read: (value: unknown, at: string) => TensorRef): InboundCall['keywords'] {
  const found: InboundCall['keywords'] = {};
  for (const key of byKeyword) if (kwargs[key] !== undefined && kwargs[key] !== null) found[key] = read(kwargs[key], `${at}.${key}`);
  return found;
}

/**
 * A MultiHeadAttention call's inputs as seqwasm lists them, [query, value, key, attentionMask?]
 * (key defaulting to value, as Keras's does), from positional tensors and those Keras passes
 * by keyword.
 */
function multiHeadInputs({ tensors, keywords }: InboundCall, argument: string): TensorRef[] {
  const [query = keywords.query, value = keywords.value, key = keywords.key ?? value, mask = keywords.attention_mask] = tensors;
  if (query === undefined || value === undefined) throw loadError(argument, 'a MultiHeadAttention call needs a query and a value tensor (by position or by keyword)');
  return mask === undefined ? [query, value, key!] : [query, value, key!, mask];
}

function plainArgs(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).filter(([, value]) => ['boolean', 'number', 'string'].includes(typeof value)).map(([key, value]) => [snakeToCamel(key), value]));
}

/** [layer name, node index, tensor index] (a fourth entry, Keras 2's kwargs, is ignored). */
function tensorRef(value: unknown, argument: string): TensorRef {
  const [layer, node, tensor] = Array.isArray(value) ? value : [];
  if (typeof layer !== 'string' || !Number.isSafeInteger(node) || (node as number) < 0 || !Number.isSafeInteger(tensor) || (tensor as number) < 0 || (value as unknown[]).length > 4) {
    throw loadError(argument, `expected [layer name, node index, tensor index], got ${describe(value)}`);
  }
  return [layer, node as number, tensor as number];
}

/** Keras 3 wrote this file ('3.x.y'); TF.js writes 'tfjs-layers …', Keras 2 '2.x.y', seqwasm 'seqwasm'. */
function isKeras3(version: unknown): boolean {
  return typeof version === 'string' && /^3\./.test(version);
}

/**
 * Keras 3 saves its hard_sigmoid, relu6(x + 3)/6, under the name Keras 2 and TF.js use for
 * clip(0.2x + 0.5, 0, 1): in a Keras 3 file the name means hardSigmoidKeras3 (a wrapped layer's too).
 */
function readHardSigmoidAsKeras3(json: Record<string, unknown>): void {
  const config = json.config as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null) return;
  for (const key of ['activation', 'recurrent_activation']) if (config[key] === 'hard_sigmoid') config[key] = 'hardSigmoidKeras3';
  if (typeof config.layer === 'object' && config.layer !== null) readHardSigmoidAsKeras3(config.layer as Record<string, unknown>);
}

/**
 * Our layers for the parsed layer JSON, in order; an unknown class name or a bad option is a
 * ModelLoadError naming the layer's index and name. Nothing is built (no arena memory): build
 * each with build(shape, null) before setting the weights from assignWeights().
 */
export function createLayers(parsed: Pick<ParsedModel, 'layers'>): Layer[] {
  const created: Layer[] = [];
  try {
    parsed.layers.forEach((json, i) => {
      const config = json.config as Record<string, unknown> | undefined;
      const label = `layer ${i}${typeof config?.name === 'string' ? ` (${config.name})` : ''}`;
      let layer: Layer;
      try {
        layer = json.class_name === 'InputLayer' ? inputLayerFrom(config ?? {}) : layerFromConfig(json);
      } catch (error) {
        if (error instanceof LayerConfigError) throw loadError(`layers[${i}]`, `${label}: ${error.message}`);
        throw error;
      }
      created.push(layer);
      const twin = created.find((other) => other !== layer && other.name === layer.name);
      if (twin) throw loadError(`layers[${i}]`, `${label}: two layers are named '${layer.name}'; saved weights are matched by layer name`);
    });
  } catch (error) {
    for (const layer of created) layer.dispose();
    throw error;
  }
  return created;
}

/** A functional model's InputLayer from its saved config (batch_input_shape, dtype, name; sparse and ragged only false). */
function inputLayerFrom(config: Record<string, unknown>): Layer {
  if (config.ragged === true) throw new LayerConfigError('InputLayer', 'ragged', 'ragged inputs are not supported');
  const dtype = config.dtype === null || isFloat32(config.dtype) ? undefined : config.dtype;
  return new InputLayer({ name: config.name, batchInputShape: config.batch_input_shape, dtype, sparse: config.sparse ?? undefined });
}

/** 'float32', or Keras 3's DTypePolicy of it. */
function isFloat32(value: unknown): boolean {
  return value === undefined || value === 'float32' || (typeof value === 'object' && value !== null && (value as { config?: { name?: unknown } }).config?.name === 'float32');
}

/**
 * Every size the layers declare, checked before anything is allocated: the input shape and
 * each layer's output shape stay within LIMITS.rank and LIMITS.dimension, the weights all
 * layers would create stay within LIMITS.parameters, and each of them has a saved weight of
 * its shape in the file not taken by another. A config edited to `units: 5000` is refused
 * here, naming the layer, instead of building gigabytes for weights the file does not have.
 */
export function checkDeclaredSizes(layers: readonly Layer[], inputShape: Shape, saved: readonly SavedWeight[]): void {
  checkDims(inputShape, 'layers[0]', 'its batch_input_shape');
  const budget = new WeightBudget(saved);
  let shape = inputShape;
  layers.forEach((layer, i) => {
    const argument = `layers[${i}]`;
    const layerInput = shape;
    let shapes: (readonly number[])[];
    try {
      shapes = layer.weightShapes(shape);
      shape = layer.computeOutputShape(shape);
    } catch (error) {
      if (error instanceof LayerError) throw loadError(argument, `layer ${i}: ${error.message}`);
      throw error;
    }
    checkDims(shape, argument, `${quoted(layer.name)}'s output shape`);
    budget.take(layer, argument, formatShape(layerInput), shapes);
  });
}

/**
 * checkDeclaredSizes for a functional model, whose calls are already traced (no memory yet):
 * every tensor's shape, and each layer's weights for the input shapes of its first call.
 */
export function checkGraphSizes(layers: readonly { layer: Layer; argument: string; inputShapes: readonly Shape[]; outputShapes: readonly Shape[]; weightShapes: () => (readonly number[])[] }[], saved: readonly SavedWeight[]): void {
  const budget = new WeightBudget(saved);
  for (const { layer, argument, inputShapes, outputShapes, weightShapes } of layers) {
    for (const shape of [...inputShapes, ...outputShapes]) checkDims(shape, argument, `a shape of ${quoted(layer.name)}`);
    let shapes: (readonly number[])[];
    try {
      shapes = weightShapes();
    } catch (error) {
      if (error instanceof LayerError) throw loadError(argument, `${quoted(layer.name)}: ${error.message}`);
      throw error;
    }
    budget.take(layer, argument, inputShapes.map(formatShape).join(', '), shapes);
  }
}

/** The weights layers declare, counted against LIMITS.parameters and matched by shape with the saved weights not yet taken. */
class WeightBudget {
  private readonly unmatched = new Map<string, number>();
  private declared = 0;

  constructor(private readonly saved: readonly SavedWeight[]) {
    for (const w of saved) this.unmatched.set(formatShape(w.shape), (this.unmatched.get(formatShape(w.shape)) ?? 0) + 1);
  }

  take(layer: Layer, argument: string, layerInput: string, shapes: readonly (readonly number[])[]): void {
    for (const weightShape of shapes) {
      this.declared += sizeOf(weightShape);
      if (this.declared > LIMITS.parameters) throw loadError(argument, `the layers up to ${quoted(layer.name)} declare more than ${LIMITS.parameters} weight values`);
      const key = formatShape(weightShape);
      const left = this.unmatched.get(key) ?? 0;
      if (left === 0) {
        const other = this.unmatched.has(key) ? 'other ' : '';
        throw loadError(argument, `${quoted(layer.name)} (input shape ${layerInput}) needs a weight of shape ${key} by its config, but the file has no ${other}saved weight of that shape (its ${this.saved.length} weights hold ${this.saved.reduce((sum, w) => sum + w.data.length, 0)} values)`);
      }
      this.unmatched.set(key, left - 1);
    }
  }
}

function checkDims(shape: Shape, argument: string, what: string): void {
  if (shape.length > LIMITS.rank) throw loadError(argument, `${what} ${formatShape(shape)} has rank ${shape.length}; at most ${LIMITS.rank}`);
  const big = shape.find((d) => d !== null && d > LIMITS.dimension);
  if (big !== undefined) throw loadError(argument, `${what} ${formatShape(shape)} has a dimension of ${big}; at most ${LIMITS.dimension}`);
}

/** A name from the file for a message: quoted, cut short. */
function quoted(name: string): string {
  return `'${name.length > 80 ? `${name.slice(0, 80)}…` : name}'`;
}

// ---- weights ---------------------------------------------------------------------------

interface Entry {
  name: string;
  shape: number[];
  argument: string;
  /** How the bytes hold the values. */
  encoding: 'float32' | 'int32' | 'float16' | 'uint8' | 'uint16';
  /** uint8/uint16 quantization: value = q·scale + min. */
  scale: number;
  min: number;
  optimizer: boolean;
}

const BYTES: Record<Entry['encoding'], number> = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 };

function manifestGroups(json: Record<string, unknown>, where: string): Record<string, unknown>[] {
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw loadError(`${where}.weightsManifest`, `${where}.weightsManifest must be an array of { paths, weights } groups, got ${describe(manifest)}`);
  return manifest.map((group, g) => record(group, `${where}.weightsManifest[${g}]`));
}

/** The manifest's entries in order (TF.js artifacts list them in weightSpecs), each checked. */
function manifestEntries(json: Record<string, unknown>, where: string): Entry[] {
  const specs: [unknown, string][] =
    json.weightSpecs !== undefined && json.weightsManifest === undefined
      ? listOf(json.weightSpecs, `${where}.weightSpecs`).map((spec, i) => [spec, `${where}.weightSpecs[${i}]`])
      : manifestGroups(json, where).flatMap((group, g) => listOf(group.weights, `${where}.weightsManifest[${g}].weights`).map((spec, i): [unknown, string] => [spec, `${where}.weightsManifest[${g}].weights[${i}]`]));
  if (specs.length > LIMITS.weights) throw loadError(`${where}.weightsManifest`, `the manifest lists ${specs.length} weights; at most ${LIMITS.weights} are loaded`);
  const seen = new Set<string>();
  return specs.map(([spec, argument]) => {
    const entry = manifestEntry(record(spec, argument), argument);
    if (seen.has(entry.name)) throw loadError(argument, `two saved weights are named ${quoted(entry.name)}`);
    seen.add(entry.name);
    return entry;
  });
}

function listOf(value: unknown, argument: string): unknown[] {
  if (!Array.isArray(value)) throw loadError(argument, `expected an array of weight entries { name, shape, dtype }, got ${describe(value)}`);
  return value;
}

function manifestEntry(spec: Record<string, unknown>, argument: string): Entry {
  const { name, dtype, group, quantization } = spec;
  if (typeof name !== 'string' || name === '') throw loadError(`${argument}.name`, `a weight's name must be a non-empty string, got ${describe(name)}`);
  const shape = checkedShape(spec.shape, `${argument}.shape`, loadError);
  if (group !== undefined && group !== 'model' && group !== 'optimizer') throw loadError(`${argument}.group`, `weight '${name}' has group ${describe(group)}; expected 'model' or 'optimizer'`);
  // Keras 3 files converted by tensorflowjs keep the optimizer's variables under optimizer/.
  const optimizer = group === 'optimizer' || name.startsWith('optimizer/');
  const entry: Entry = { name, shape, argument, encoding: 'float32', scale: 1, min: 0, optimizer };
  if (dtype === 'int32' && optimizer && quantization === undefined) return { ...entry, encoding: 'int32' }; // TF.js's iteration count
  if (dtype !== 'float32') throw loadError(`${argument}.dtype`, `weight '${name}' has dtype ${describe(dtype)}; seqwasm loads float32 weights only`);
  if (quantization === undefined) return entry;
  const q = record(quantization, `${argument}.quantization`);
  if (q.dtype === 'float16') return { ...entry, encoding: 'float16' };
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (typeof q.scale !== 'number' || typeof q.min !== 'number') throw loadError(`${argument}.quantization`, `weight '${name}' is quantized to ${q.dtype} without a numeric scale and min`);
    return { ...entry, encoding: q.dtype, scale: q.scale, min: q.min };
  }
  throw loadError(`${argument}.quantization`, `weight '${name}' is quantized to ${describe(q.dtype)}; seqwasm reads float16, uint8 and uint16 quantization`);
}

/**
 * The values of every entry, laid out back to back in `bytes`. The layout is checked against
 * the buffer's length before anything is allocated, then every value must be finite.
 */
function decodeWeights(entries: Entry[], bytes: Uint8Array): { weights: SavedWeight[]; optimizerWeights: SavedWeight[] } {
  let needed = 0;
  for (const entry of entries) {
    needed += sizeOf(entry.shape) * BYTES[entry.encoding];
    if (needed > bytes.length) {
      throw loadError('weightData', `the weights manifest needs more bytes than the weight data holds: weight '${entry.name}' ends at byte ${needed}, the data has ${bytes.length} bytes (truncated or mismatched weight files?)`);
    }
  }
  if (needed !== bytes.length) throw loadError('weightData', `the weight data has ${bytes.length} bytes but the weights manifest describes ${needed}; ${bytes.length - needed} bytes are not accounted for`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const weights: SavedWeight[] = [];
  const optimizerWeights: SavedWeight[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = decodeValues(entry, view, offset);
    offset += data.length * BYTES[entry.encoding];
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw loadError(entry.argument, `weight '${entry.name}'${elementPath(entry.shape, bad)} is ${data[bad]}; saved weights must be finite`);
    if (!entry.optimizer) weights.push({ name: entry.name, shape: entry.shape, data });
    // TF.js's int32 'iter' under our name ('iteration', Keras 3's too).
    else optimizerWeights.push({ name: entry.name === 'iter' && entry.encoding === 'int32' ? 'iteration' : entry.name, shape: entry.shape, data });
  }
  return { weights, optimizerWeights };
}

function decodeValues(entry: Entry, view: DataView, offset: number): Float32Array {
  const n = sizeOf(entry.shape);
  const data = new Float32Array(n);
  switch (entry.encoding) {
    case 'float32':
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(offset + 4 * i, true);
      break;
    case 'int32':
      for (let i = 0; i < n; i++) {
        const v = view.getInt32(offset + 4 * i, true);
        if (Math.abs(v) > 16777216) throw loadError(entry.argument, `int32 weight '${entry.name}'${elementPath(entry.shape, i)} is ${v}, beyond what float32 holds exactly`);
        data[i] = v;
      }
      break;
    case 'float16': {
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++) bits[i] = halfToSingleBits(view.getUint16(offset + 2 * i, true));
      break;
    }
    case 'uint8':
      for (let i = 0; i < n; i++) data[i] = view.getUint8(offset + i) * entry.scale + entry.min;
      break;
    case 'uint16':
      for (let i = 0; i < n; i++) data[i] = view.getUint16(offset + 2 * i, true) * entry.scale + entry.min;
      break;
  }
  return data;
}

/** IEEE half → single precision, exactly (by bits, no float math). */
function halfToSingleBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  let exponent = (h >> 10) & 0x1f;
  let fraction = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (fraction << 13)) >>> 0;
  if (exponent === 0) {
    if (fraction === 0) return sign >>> 0;
    exponent = 1; // subnormal: normalise
    while ((fraction & 0x400) === 0) {
      fraction <<= 1;
      exponent--;
    }
    fraction &= 0x3ff;
  }
  return (sign | ((exponent + 112) << 23) | (fraction << 13)) >>> 0;
}

// ---- matching saved weights to layers --------------------------------------------------

/**
 * For each layer (built, in order), the saved values of its weights in Keras order
 * (layer.weights). A layer weight such as 'lstm_1/kernel' takes the saved weight of that
 * name, or one whose name is the same once a ':0' suffix and RNN cell segments are dropped
 * ('lstm_1/lstm_cell_1/kernel', 'bidirectional/forward_lstm/lstm_cell/kernel:0'), or, inside
 * TimeDistributed, 'time_distributed/dense/kernel', or its Keras 3 path
 * ('layers/lstm/cell/vars/0': layers numbered by class within the model). Every layer weight
 * needs exactly one saved weight of its shape and every saved weight must be used.
 */
export function assignWeights(layers: readonly Layer[], saved: readonly SavedWeight[]): Float32Array[][] {
  const byKey = new Map<string, number[]>();
  const add = (key: string, index: number) => {
    const list = byKey.get(key) ?? [];
    list.push(index);
    byKey.set(key, list);
  };
  saved.forEach((w, i) => {
    add(w.name, i);
    const short = withoutCells(w.name);
    if (short !== w.name) add(short, i);
  });
  const used = new Map<number, string>();
  const counts = new Map<string, number>();
  const values = layers.map((layer) => {
    if (!layer.built) throw loadError('layers', `${layer.name} must be built before its weights are assigned`);
    const prefix = snakeCase(layer.className);
    const count = counts.get(prefix) ?? 0;
    counts.set(prefix, count + 1);
    const keras3 = keras3Paths(layer, `layers/${count === 0 ? prefix : `${prefix}_${count}`}`);
    const scoped = scopedNames(layer);
    return layer.weights.map((target, j) => {
      const keys = [target.name, scoped[j], keras3[j]];
      const exact = byKey.get(target.name)?.filter((i) => saved[i].name === target.name) ?? [];
      const found = exact.length > 0 ? exact : [...new Set(keys.flatMap((key) => (key === undefined ? [] : byKey.get(key) ?? [])))];
      if (found.length === 0) {
        const unused = saved.filter((_, i) => !used.has(i));
        throw loadError('weights', `no saved weight for ${layer.name}'s ${target.name} (shape ${formatShape(target.shape)}); saved weights not yet matched: ${list(unused)}`);
      }
      if (found.length > 1) throw loadError('weights', `saved weights ${list(found.map((i) => saved[i]))} all match ${target.name}; which one is meant is unclear`);
      const index = found[0];
      if (used.has(index)) throw loadError('weights', `saved weight '${saved[index].name}' matches both ${used.get(index)} and ${target.name}`);
      const source = saved[index];
      if (source.shape.length !== target.shape.length || source.shape.some((d, axis) => d !== target.shape[axis])) {
        throw loadError('weights', `saved weight '${source.name}' has shape ${formatShape(source.shape)}, but ${layer.name} expects ${formatShape(target.shape)} for ${target.name}`);
      }
      used.set(index, target.name);
      return source.data;
    });
  });
  const extra = saved.filter((_, i) => !used.has(i));
  if (extra.length > 0) throw loadError('weights', `saved weights that no layer of the model has: ${list(extra, true)}`);
  return values;
}

/** Keras/TF.js variants of a saved name reduced to ours: no ':0' output slot, no RNN cell segment. */
function withoutCells(name: string): string {
  return name
    .replace(/:\d+$/, '')
    .split('/')
    .filter((segment) => !/^(simple_rnn|lstm|gru)_cell(_\d+)?$/.test(segment))
    .join('/');
}

/** Names with the wrapped layer's name under a TimeDistributed ('time_distributed/dense/kernel', as tf.keras 2 names them); undefined elsewhere. */
function scopedNames(layer: Layer): (string | undefined)[] {
  if (!(layer instanceof TimeDistributed)) return layer.weights.map(() => undefined);
  return layer.weights.map((w) => `${layer.name}/${layer.layer.name}/${w.name.slice(layer.name.length + 1)}`);
}

/** Keras 3 weight paths: a layer's variables are vars/0, vars/1, … under the path of the object holding them. */
function keras3Paths(layer: Layer, base: string): string[] {
  if (layer instanceof Bidirectional) return [...keras3Paths(layer.forwardLayer, `${base}/forward_layer`), ...keras3Paths(layer.backwardLayer, `${base}/backward_layer`)];
  if (layer instanceof TimeDistributed) return keras3Paths(layer.layer, `${base}/layer`);
  const owner = layer instanceof RecurrentLayer ? `${base}/cell` : base;
  return layer.weights.map((_, i) => `${owner}/vars/${i}`);
}

/** Keras's to_snake_case of a class name: 'SimpleRNN' → 'simple_rnn', 'TimeDistributed' → 'time_distributed'. */
function snakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Saved weights for a message: 'name' (and shape), at most 8 of them. */
function list(weights: readonly SavedWeight[], withShape = false): string {
  if (weights.length === 0) return '(none)';
  const shown = weights.slice(0, 8).map((w) => `${quoted(w.name)}${withShape ? ` ${formatShape(w.shape)}` : ''}`);
  return weights.length > 8 ? `${shown.join(', ')} and ${weights.length - 8} more` : shown.join(', ');
}
