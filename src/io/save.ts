// model.save(): a Sequential as TF.js Layers artifacts (model.json and one little-endian
// float32 weights buffer). Reading them back (artifacts.ts) is loaded only by loadModel(), so
// a page that builds, trains and saves models does not download the file checks.
import { elementPath } from '../data/validate.js';
import { sizeOf, type Layer } from '../layers/layer.js';
import type { ManifestEntry, ModelJSON, SavedModel, SavedWeight } from './artifacts.js';
import type { IOHandler, SaveResult } from './storage.js';
import { describe, ModelStateError } from '../model/errors.js';

const WEIGHTS_FILE = 'weights.bin';

/** How a functional model's layers connect, as TF.js and Keras 2 save it. */
export interface SavedGraph {
  /** Each call of `layer`: its inbound tensors, [layer, node, tensor, kwargs] (a recurrent layer's initial states after its input; the call's kwargs on the first). */
  inboundNodes(layer: Layer): (string | number | Record<string, unknown>)[][][];
  inputLayers: (string | number)[][];
  outputLayers: (string | number)[][];
}

/**
 * Serialises a Sequential: topology {class_name: 'Sequential', config: {name, layers}} (the
 * first layer's config carries batch_input_shape, as TF.js writes it), or with `graph` a
 * functional model: {class_name: 'Model', config: {name, layers (each with name and
 * inbound_nodes), input_layers, output_layers}}; then the weights of every layer in order,
 * then the optimizer state as weights of group 'optimizer', all in one little-endian float32
 * buffer. Every layer must be built and every value finite (a file we could not load again is
 * refused here, naming the weight).
 */
export function writeArtifacts(model: { name: string; seed?: number; layers: readonly Layer[]; graph?: SavedGraph; trainingConfig?: Record<string, unknown>; optimizerState?: readonly SavedWeight[] }): SavedModel {
  const owner = model.name;
  const unbuilt = model.layers.find((layer) => !layer.built);
  if (unbuilt) throw new ModelStateError(owner, 'save', `save() needs every layer built; ${unbuilt.name} is not (build the model or fit it first)`);
  const weights: SavedWeight[] = model.layers.flatMap((layer) =>
    layer.weights.map((w) => ({ name: w.name, shape: [...w.shape], data: w.value.view().subarray(0, sizeOf(w.shape)) })),
  );
  const optimizer = (model.optimizerState ?? []).map((w, i) => {
    const argument = `optimizerState[${i}]`;
    const stateError = (at: string, problem: string) => new ModelStateError(owner, at, problem);
    if (typeof w !== 'object' || w === null) throw stateError(argument, `optimizer state must be { name, shape, data }, got ${describe(w)}`);
    const shape = checkedShape(w.shape, `${argument}.shape`, stateError);
    if (typeof w.name !== 'string' || w.name === '' || !(w.data instanceof Float32Array) || w.data.length !== sizeOf(shape)) {
      throw stateError(argument, `optimizer state must be { name, shape, data: Float32Array of ${sizeOf(shape)} values }, got name ${describe(w.name)} and data ${describe(w.data)}`);
    }
    return w;
  });
  const all = [...weights, ...optimizer];
  const total = all.reduce((sum, w) => sum + w.data.length, 0);
  const weightData = new ArrayBuffer(total * 4);
  const out = new DataView(weightData);
  let offset = 0;
  for (const w of all) {
    const bad = w.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelStateError(owner, 'save', `weight '${w.name}'${elementPath(w.shape, bad)} is ${w.data[bad]}; a model with non-finite values cannot be saved`);
    for (let i = 0; i < w.data.length; i++, offset += 4) out.setFloat32(offset, w.data[i], true);
  }
  const graph = model.graph;
  const layers = model.layers.map((layer, i) => {
    const json = layer.toJSON();
    if (graph) return { name: layer.name, ...json, inbound_nodes: graph.inboundNodes(layer) };
    // A model built by fit() or build() may have no declared input shape; the file needs one.
    if (i === 0 && json.config.batch_input_shape === undefined) json.config.batch_input_shape = [...layer.builtInputShape!];
    return json;
  });
  const manifest = (list: readonly SavedWeight[], group: 'model' | 'optimizer') => list.map((w): ManifestEntry => ({ name: w.name, shape: [...w.shape], dtype: 'float32', group }));
  const topology = graph
    ? { class_name: 'Model', config: { name: model.name, layers, input_layers: graph.inputLayers, output_layers: graph.outputLayers } }
    : { class_name: 'Sequential', config: { name: model.name, layers } };
  const modelJSON: ModelJSON = {
    modelTopology: { ...topology, keras_version: 'seqwasm', backend: 'seqwasm' },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: [...manifest(weights, 'model'), ...manifest(optimizer, 'optimizer')] }],
    format: 'layers-model',
    generatedBy: 'seqwasm',
    convertedBy: null,
  };
  if (model.trainingConfig !== undefined) modelJSON.trainingConfig = model.trainingConfig;
  if (model.seed !== undefined) modelJSON.userDefinedMetadata = { seed: model.seed };
  return { modelJSON, weightData };
}

/** Whether model.save(x) names a destination (a string or an object with save()) rather than options. */
export function isDestination(value: unknown): value is string | IOHandler {
  return typeof value === 'string' || (typeof value === 'object' && value !== null && typeof (value as IOHandler).save === 'function');
}

/** Writes saved artifacts to a destination; the storage code is loaded on first use. */
export async function saveToDestination(owner: string, saved: SavedModel, destination: string | IOHandler): Promise<SaveResult> {
  const { saveTo } = await import('./storage.js');
  return saveTo(owner, saved, destination);
}

/** A shape: an array of non-negative safe integers whose product is a safe integer. */
export function checkedShape(shape: unknown, argument: string, error: (argument: string, problem: string) => Error): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Number.isSafeInteger(sizeOf(shape))) {
    throw error(argument, `a shape must be an array of non-negative integers, got ${Array.isArray(shape) ? JSON.stringify(shape) : describe(shape)}`);
  }
  return [...shape];
}
