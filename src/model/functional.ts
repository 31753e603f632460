// Functional models: any directed acyclic graph of layer calls between input() tensors and
// output tensors, with several inputs and outputs and shared layers, as Keras's functional API.
//
//   const words = input({ shape: [null], name: 'words' });
//   const numbers = input({ shape: [4], name: 'numbers' });
//   const h = layers.lstm({ units: 16 }).apply(layers.embedding({ inputDim: 100, outputDim: 8 }).apply(words));
//   const joined = layers.concatenate().apply([h, numbers]);
//   const category = layers.dense({ units: 3, activation: 'softmax', name: 'category' }).apply(joined);
//   const score = layers.dense({ units: 1, name: 'score' }).apply(joined);
//   const m = model({ inputs: [words, numbers], outputs: [category, score] });
//   m.compile({ optimizer: 'adam', loss: { category: 'sparseCategoricalCrossentropy', score: 'mse' }, lossWeights: { category: 1, score: 0.5 } });
//   await m.fit({ words: ids, numbers: values }, { category: labels, score: targets }, { epochs: 10 });
//
// The layers are built when the model is made (every input declares its shape), each from
// its own stream of the seed, chosen by the layer's position in `layers`. Training, saving
// and loading go through the same loop (training/) and TF.js Layers files (io/) as Sequential.
import { Embedding } from '../layers/embedding.js';
import { camelToSnake } from '../layers/options.js';
import { formatShape, MultiInputLayer, SymbolicTensor, type Layer, type Shape, type SymbolicInput } from '../layers/layer.js';
import type { SavedModel } from '../io/artifacts.js';
import { writeArtifacts } from '../io/save.js';
import type { Tensor } from '../tensor.js';
import { Prng } from '../util/prng.js';
import { describe, ModelConfigError, ModelInputError } from './errors.js';
import { GraphPlan, InputLayer, nodeIndex, propagateShapes, traceGraph, type Graph } from './graph.js';
import { Model, summaryTable, type SaveOptions } from './model.js';
import type { BatchPlan } from './network.js';
import { denseActivation } from './sequential.js';
import { PlanCache } from './stack.js';

/**
 * Options of {@link model}.
 *
 * @example
 * ```ts
 * model({ inputs: [words, numbers], outputs: [category, score], name: 'reviews', seed: 3 });
 * ```
 */
export interface FunctionalOptions {
  /** The input() tensors, one or several (fit's x in this order, or keyed by their names). Required. */
  inputs: SymbolicInput;
  /** The output tensors, one or several (predict's results in this order). Required. */
  outputs: SymbolicInput;
  /** Default 'model', numbered like layer names. */
  name?: string;
  /** Seeds weight initialisation (of layers not built yet), shuffling and dropout. Default 0. */
  seed?: number;
}

/** @internal how loadModel makes a model whose weights arrive next: the layers are built without random initialisation. */
/** @internal The constructor's `build` for loadModel: layers built without random initialisation. */
export const UNINITIALIZED = Symbol('uninitialized');

/**
 * A model over a graph of layer calls (Keras functional API): several inputs and outputs,
 * shared layers, merges. fit/evaluate take x and y as arrays (input and output order) or
 * objects keyed by input and output names; predict returns one tensor per output (the
 * tensor itself for one output). Create one with {@link model}.
 *
 * @example
 * ```ts
 * const x = input({ shape: [8] });
 * const shared = layers.dense({ units: 4, activation: 'tanh' });
 * const m = model({ inputs: x, outputs: layers.add().apply([shared.apply(x), shared.apply(shared.apply(x))]) });
 * ```
 */
export class Functional<Output extends Tensor | Tensor[] = Tensor | Tensor[]> extends Model<Output> {
  /** The input tensors, in order. */
  readonly inputs: readonly SymbolicTensor[];
  /** The output tensors, in order. */
  readonly outputs: readonly SymbolicTensor[];
  private readonly graph: Graph;
  private readonly plans = new PlanCache<GraphPlan>();

  /**
   * `build`: UNINITIALIZED (loadModel) builds the layers without random initialisation;
   * `kind` names the model by default ('model', 'model_1', …).
   */
  constructor(options: FunctionalOptions, build: typeof UNINITIALIZED | 'initialize' = 'initialize', kind = 'model') {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ModelConfigError(kind, 'options', `model() takes { inputs, outputs, name, seed }, got ${describe(options)}`);
    const { inputs, outputs, name, seed, ...rest } = options;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new ModelConfigError(kind, unknown, `${unknown} is not an option of model() (inputs, outputs, name, seed)`);
    const inputList = tensorList(kind, inputs, 'inputs');
    const outputList = tensorList(kind, outputs, 'outputs');
    super(kind, name, seed);
    this.inputs = inputList;
    this.outputs = outputList;
    this.graph = traceGraph(this.name, inputList, outputList);
    this.buildLayers(build === 'initialize');
  }

  /** Builds every layer not built yet for the shapes its first call in this graph sees. */
  private buildLayers(initialize: boolean): void {
    const shapes = propagateShapes(this.graph, this.graph.inputs.map((t) => t.shape));
    for (const t of this.graph.inputs) if (!t.sourceLayer.built) t.sourceLayer.build(t.shape, null); // no weights
    for (const node of this.graph.nodes) {
      const layer = node.layer;
      const rng = initialize ? new Prng(this.seed).derive(`layer ${this.graph.layers.indexOf(layer)}`) : null;
      const inputShapes = node.inputs.map((t) => shapes.get(t)!);
      try {
        if (layer instanceof MultiInputLayer) {
          if (!layer.built) layer.buildInputs(inputShapes, rng);
        } else if (!layer.built) layer.build(inputShapes[0], rng);
      } catch (error) {
        if (error instanceof RangeError) throw new ModelConfigError(this.name, layer.name, `cannot build '${layer.name}' for input ${inputShapes.map(formatShape).join(', ')}: its weights do not fit in memory (${error.message})`);
        throw error;
      }
    }
  }

  /** The input layers, then every other layer in the order of its first call (each once, shared or not). */
  get layers(): readonly Layer[] {
    return this.graph.layers;
  }

  get built(): boolean {
    return this.graph.layers.every((layer) => layer.built);
  }

  /**
   * The layer of this name, or at this index of `layers` (Keras's getLayer).
   *
   * @example
   * ```ts
   * m.getLayer('encoder_lstm').trainable = false;
   * ```
   */
  getLayer(nameOrIndex: string | number): Layer {
    this.assertLive();
    const found = typeof nameOrIndex === 'number' ? this.graph.layers[nameOrIndex] : this.graph.layers.find((layer) => layer.name === nameOrIndex);
    if (!found) {
      const names = this.graph.layers.map((layer) => layer.name).join(', ');
      throw new ModelInputError(this.name, 'name', typeof nameOrIndex === 'number' ? `no layer at index ${nameOrIndex}; the model has ${this.graph.layers.length}` : `no layer named ${describe(nameOrIndex)}; the layers are ${names}`);
    }
    return found;
  }

  // ---- Network -------------------------------------------------------------------------

  /** @internal Network */
  inputNames(): readonly string[] {
    return this.inputs.map((t) => t.name);
  }

  /** @internal Network */
  outputNames(): readonly string[] {
    return this.outputs.map((t) => t.name);
  }

  /** @internal Network: the first layer reading each input (embedding ids are checked against it). */
  inputLayers(): readonly (Layer | undefined)[] {
    return this.inputs.map((t) => this.graph.nodes.find((node) => node.inputs.includes(t) && node.layer instanceof Embedding)?.layer ?? this.graph.nodes.find((node) => node.inputs.includes(t))?.layer);
  }

  /** @internal Network */
  inputShapes(): Shape[] {
    return this.inputs.map((t) => t.shape);
  }

  /** @internal Network */
  outputShapes(shapes: readonly Shape[]): Shape[] {
    const known = propagateShapes(this.graph, shapes);
    return this.outputs.map((t) => known.get(t)!);
  }

  /** @internal Network: the layers are built when the model is made. */
  ensureBuilt(): void {}

  /** @internal Network */
  plan(shapes: readonly (readonly number[])[], training: boolean): BatchPlan {
    const batch = shapes[0][0];
    shapes.forEach((shape, i) => {
      if (shape[0] !== batch) throw new ModelInputError(this.name, 'x', `every input needs the same number of samples; input ${i} has ${shape[0]}, input 0 ${batch}`);
    });
    return this.plans.get(`${training ? 't' : 'i'}${shapes.map((s) => s.join('x')).join(',')}`, () => new GraphPlan(this.graph, shapes, training));
  }

  /** @internal Network: a loss fuses with an output's Dense activation only when no other layer reads that output. */
  finalActivations(): (string | undefined)[] {
    return this.outputs.map((t) => {
      const readElsewhere = this.graph.nodes.some((node) => node.inputs.includes(t) || node.initialState.includes(t));
      return t.outputIndex === 0 && !readElsewhere ? denseActivation(t.sourceLayer) : undefined;
    });
  }

  // ---- inspection and saving -----------------------------------------------------------

  /**
   * Keras's summary table with the "Connected to" column (each call's inputs as
   * layer[node][tensor]); printed line by line through printFn and returned.
   *
   * @example
   * ```ts
   * m.summary();
   * ```
   */
  summary(printFn: (line: string) => void = console.log): string {
    this.assertBuilt('summary');
    const shapes = propagateShapes(this.graph, this.graph.inputs.map((t) => t.shape));
    const show = (shape: Shape) => `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
    const rows = this.graph.layers.map((layer) => {
      const nodes = layer instanceof InputLayer ? [] : this.graph.nodes.filter((node) => node.layer === layer);
      const outputs = layer instanceof InputLayer ? [`[${show(layer.batchInputShape!)}]`] : nodes[0].outputs.map((t) => show(shapes.get(t)!));
      const connected = nodes.flatMap((node) => [...node.inputs, ...node.initialState].map((t) => `'${t.sourceLayer.name}[${nodeIndex(this.graph, t.node)}][${t.outputIndex}]'`));
      return { layer, cells: [`${layer.name} (${layer.className})`, outputs.length === 1 ? outputs[0] : `[${outputs.join(', ')}]`, undefined, `[${connected.join(', ')}]`] };
    });
    const lines = summaryTable(this.name, ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'], [32, 24, 12, 40], rows);
    for (const line of lines) printFn(line);
    return lines.join('\n');
  }

  /**
   * A functional topology (class 'Model': every layer with its inbound_nodes, input_layers and
   * output_layers), which loadModel and TF.js's loadLayersModel read back; the weights and
   * optimizer state as Sequential saves them.
   */
  protected artifacts(options: SaveOptions): SavedModel {
    const at = (t: SymbolicTensor) => [t.sourceLayer.name, nodeIndex(this.graph, t.node), t.outputIndex];
    const graph = {
      // A call's keyword arguments ride on its first tensor, as TF.js and Keras 2 save them.
      inboundNodes: (layer: Layer) => this.graph.nodes.filter((node) => node.layer === layer).map((node) => [...node.inputs, ...node.initialState].map((t, i) => [...at(t), i === 0 ? callKwargs(node.callArgs) : {}])),
      inputLayers: this.inputs.map(at),
      outputLayers: this.outputs.map(at),
    };
    return writeArtifacts({ name: this.name, layers: this.graph.layers, seed: this.seed, graph, ...this.trainingState(options) });
  }

  protected release(): void {
    this.releasePlans();
  }

  /** @internal frees the plans (a model sharing these layers is about to free them). */
  releasePlans(): void {
    this.plans.clear();
  }
}

/** A node's call arguments as Keras's snake_case kwargs. */
function callKwargs(callArgs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(callArgs).map(([key, value]) => [camelToSnake(key), value]));
}

/** One symbolic tensor or a non-empty array of them, or a ModelConfigError naming the argument. */
function tensorList(owner: string, value: unknown, argument: string): SymbolicTensor[] {
  const list = (Array.isArray(value) ? value : [value]).map((t: unknown) => (Array.isArray(t) && t.length === 1 ? t[0] : t));
  if (list.length === 0 || !list.every((t) => t instanceof SymbolicTensor)) {
    throw new ModelConfigError(owner, argument, `${argument} must be a symbolic tensor (from input() or a layer's apply()) or a non-empty array of them, got ${describe(value)}`);
  }
  return list as SymbolicTensor[];
}

/**
 * A functional model from its inputs and outputs (Keras `Model(inputs, outputs)`, TF.js
 * `tf.model`). A tensor the outputs need that does not come from the inputs is a
 * ModelConfigError naming it.
 *
 * @example
 * ```ts
 * const x = input({ shape: [10, 3] });
 * const m = model({ inputs: x, outputs: layers.dense({ units: 1 }).apply(layers.lstm({ units: 8 }).apply(x)) });
 * ```
 */
export function model(options: FunctionalOptions): Functional {
  return new Functional(options);
}
