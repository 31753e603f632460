// loadModel: a Sequential from TF.js Layers artifacts (ours, TF.js's, or converted from
// Keras). Everything is read and checked (artifacts.ts) before a layer is created; layers
// are built without random initialisation, since their weights arrive next. A saved
// training config compiles the model, and saved optimizer state restores the optimizer, so
// training resumes where the checkpoint left it.
import { LayerError } from '../layers/errors.js';
import { MultiInputLayer, type Layer, type Shape, type SymbolicTensor } from '../layers/layer.js';
import { describe, ModelError, ModelLoadError } from '../model/errors.js';
import { Functional, UNINITIALIZED } from '../model/functional.js';
import type { CompileOptions, Model } from '../model/model.js';
import { Sequential } from '../model/sequential.js';
import { canTrain } from '../model/trainer.js';
import { checkReadOptions, isStoredSource, withoutFileScheme, type ReadSourceOptions } from './source.js';
import type { ParsedModel, SavedWeight, TensorRef } from './artifacts.js';

/**
 * Options of {@link loadModel}.
 *
 * @example
 * ```ts
 * await loadModel('model/model.json', { compile: false, maxBytes: 100 << 20, timeout: 5000 });
 * ```
 */
export interface LoadOptions extends ReadSourceOptions {
  /** Compile from the saved training config (loss, metrics, optimizer and its state). Default true; 'seqwasm/inference', which cannot train, leaves it out. */
  compile?: boolean;
  /** The seed for further training (shuffles, dropout). Default: the saved model's seed, else 0. */
  seed?: number;
  /** The most bytes read from a path or URL (model.json and its weight files together; model.json itself at most 4 MiB) or given as weight data. Default 1 GiB. */
  maxBytes?: number;
}

const OWNER = 'loadModel';

/**
 * A model from artifacts: model.save()'s result, TF.js io.ModelArtifacts, or a path / URL of a
 * model.json. Nothing is allocated before every size in the file has been checked. Reads
 * seqwasm's, TF.js's and Keras-converted models (Keras 3 GRUs with reset_after too); a saved
 * training config compiles the model and saved optimizer state resumes training. Rejects with
 * a ModelLoadError that names the problem and never quotes the file.
 *
 * @example
 * ```ts
 * const model = await loadModel('model/model.json');                         // a path in Node, a URL anywhere
 * const copy = await loadModel(model.save());                                // in memory
 * const remote = await loadModel('https://example.com/m/model.json', { timeout: 10_000, maxBytes: 50 << 20 });
 * ```
 */
export async function loadModel<M extends Model = Sequential>(source: unknown, options: LoadOptions = {}): Promise<M> {
  // Imported on first use: a page that never loads a model file does not download the reader.
  const [artifacts, { withTimeout }] = await Promise.all([import('./artifacts.js'), import('../runtime/location.js')]);
  const { assignWeights, checkDeclaredSizes, createLayers, LIMITS, readArtifacts } = artifacts;
  checkOptions(options, LIMITS.maxBytes);
  source = withoutFileScheme(source);
  if (isStoredSource(source)) source = await (await import('./storage.js')).loadStored(OWNER, source);
  const reading = withTimeout(options.signal, options.timeout);
  const parsed = await readArtifacts(source, { maxBytes: options.maxBytes, signal: reading.signal }).finally(reading.done);
  const layers = createLayers(parsed);
  const first = layers[0];
  let model: Sequential | Functional | undefined;
  try {
    if (parsed.graph) {
      model = functionalModel(parsed as ParsedModel & { graph: NonNullable<ParsedModel['graph']> }, layers, options.seed ?? parsed.seed, artifacts.checkGraphSizes);
    } else {
      if (!first?.batchInputShape) throw new ModelLoadError(OWNER, 'modelTopology', 'the saved model does not declare its input shape (batch_input_shape or an InputLayer)');
      checkDeclaredSizes(layers, first.batchInputShape, parsed.weights);
      let shape = first.batchInputShape;
      for (const layer of layers) {
        layer.build(shape, null); // no random initialisation: the saved weights come next
        shape = layer.computeOutputShape(shape);
      }
      model = new Sequential({ name: parsed.name, seed: options.seed ?? parsed.seed, layers });
    }
    const values = assignWeights(model.layers, parsed.weights);
    model.layers.forEach((layer, i) => layer.weights.length > 0 && layer.setWeights(values[i].map((data, k) => ({ shape: layer.weights[k].shape, data }))));
    if (parsed.trainingConfig && options.compile !== false && canTrain()) compileSaved(model, parsed.trainingConfig, parsed.optimizerWeights);
  } catch (error) {
    if (model) model.dispose();
    for (const layer of layers) layer.dispose(); // also those the model does not reach
    if (error instanceof ModelLoadError) throw error;
    if (error instanceof ModelError || error instanceof LayerError) throw new ModelLoadError(OWNER, error.argument, error.message);
    throw error;
  }
  return model as unknown as M;
}

type GraphSizeCheck = typeof import('./artifacts.js').checkGraphSizes;

/**
 * A functional model from parsed artifacts: the saved calls replayed with apply() in an order
 * where every tensor exists before it is used (each layer's calls in their saved order), every
 * size checked against LIMITS and the saved weights, then the layers built without
 * initialisation. A reference to a missing layer, node or tensor, or calls that cannot be
 * ordered, is a ModelLoadError naming it.
 */
function functionalModel(parsed: ParsedModel & { graph: NonNullable<ParsedModel['graph']> }, layers: readonly Layer[], seed: number | undefined, checkGraphSizes: GraphSizeCheck): Functional {
  const { graph } = parsed;
  const byName = new Map(layers.map((layer) => [layer.name, layer]));
  const resolve = (ref: TensorRef): SymbolicTensor | undefined => byName.get(ref[0])?.inboundNodes[ref[1]]?.outputs[ref[2]];
  const describeRef = (ref: TensorRef) => `[${JSON.stringify(ref[0].slice(0, 80))}, ${ref[1]}, ${ref[2]}]`;
  const pending = graph.nodes.flatMap((calls, i) => calls.map((refs, n) => ({ layer: layers[i], index: i, node: n, refs, callArgs: graph.callArgs[i][n] })));
  for (const ref of [...graph.inputs, ...graph.outputs, ...pending.flatMap((p) => p.refs)]) {
    if (!byName.has(ref[0])) throw new ModelLoadError(OWNER, 'modelTopology', `a saved connection names layer ${describeRef(ref)}, which the model does not have`);
  }
  // Each pass applies every call whose inputs exist; a pass without progress means a reference that never resolves.
  while (pending.length > 0) {
    const ready = pending.filter((p) => p.node === p.layer.inboundNodes.length && p.refs.every((ref) => resolve(ref) !== undefined));
    if (ready.length === 0) {
      const stuck = pending[0];
      throw new ModelLoadError(OWNER, `layers[${stuck.index}].inbound_nodes[${stuck.node}]`, `call ${stuck.node} of ${JSON.stringify(stuck.layer.name.slice(0, 80))} needs tensors ${stuck.refs.map(describeRef).join(', ')}, which no saved call produces (or the calls form a cycle)`);
    }
    for (const call of ready) {
      const tensors = call.refs.map((ref) => resolve(ref)!);
      if (tensors.length === 0) throw new ModelLoadError(OWNER, `layers[${call.index}].inbound_nodes[${call.node}]`, 'a call has no inbound tensors');
      const multi = call.layer instanceof MultiInputLayer;
      try {
        if (multi) call.layer.applyNode(tensors, [], call.callArgs);
        else call.layer.apply(tensors[0], tensors.length === 1 ? {} : { initialState: tensors.slice(1) });
      } catch (error) {
        if (error instanceof LayerError) throw new ModelLoadError(OWNER, `layers[${call.index}]`, `${JSON.stringify(call.layer.name.slice(0, 80))}: ${error.message}`);
        throw error;
      }
      pending.splice(pending.indexOf(call), 1);
    }
  }
  const tensorsOf = (refs: readonly TensorRef[], argument: string) =>
    refs.map((ref) => {
      const t = resolve(ref);
      if (!t) throw new ModelLoadError(OWNER, argument, `${argument} names tensor ${describeRef(ref)}, which no saved call produces`);
      return t;
    });
  const inputs = tensorsOf(graph.inputs, 'input_layers');
  const outputs = tensorsOf(graph.outputs, 'output_layers');
  checkGraphSizes(
    layers.map((layer, i) => {
      const [node] = layer.inboundNodes;
      const inputShapes: Shape[] = node ? node.inputs.map((t) => t.shape) : [];
      return {
        layer,
        argument: `layers[${i}]`,
        inputShapes,
        outputShapes: node ? node.outputs.map((t) => t.shape) : [],
        weightShapes: () => (!node || node.inputs.length === 0 ? [] : layer instanceof MultiInputLayer ? layer.weightShapesOf(inputShapes) : layer.weightShapes(inputShapes[0])),
      };
    }),
    parsed.weights as readonly SavedWeight[],
  );
  return new Functional({ inputs, outputs, name: parsed.name, seed }, UNINITIALIZED);
}

function checkOptions(options: unknown, defaultMaxBytes: number): asserts options is LoadOptions {
  checkReadOptions(OWNER, options, defaultMaxBytes, ['compile', 'seed']);
  const { compile, seed } = options as Record<string, unknown>;
  if (compile !== undefined && typeof compile !== 'boolean') throw new ModelLoadError(OWNER, 'compile', `compile must be true or false, got ${describe(compile)}`);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ModelLoadError(OWNER, 'seed', `seed must be a safe integer, got ${describe(seed)}`);
}

/** compile() from a saved training config (Keras snake_case), then the optimizer's saved state. */
function compileSaved(model: Model, config: Record<string, unknown>, optimizerWeights: readonly { name: string; shape: number[]; data: Float32Array }[]): void {
  const metrics = config.metrics ?? [];
  if (typeof metrics !== 'object' || metrics === null) throw new ModelLoadError(OWNER, 'trainingConfig.metrics', `metrics must be an array, got ${describe(metrics)}`);
  try {
    // Keras 2 saves a one-output model's metrics as [['accuracy']]; several outputs' by output name.
    const outputs = model.outputNames().length;
    const lossWeights = config.loss_weights ?? undefined;
    model.compile({ optimizer: config.optimizer_config, loss: config.loss, metrics: outputs === 1 && Array.isArray(metrics) ? metrics.flat() : metrics, ...(lossWeights !== undefined && lossWeights !== null ? { lossWeights } : {}) } as CompileOptions);
  } catch (error) {
    if (error instanceof ModelError) throw new ModelLoadError(OWNER, `trainingConfig.${error.argument}`, `${error.message} (in the saved training config; loadModel(source, { compile: false }) loads the model without it)`);
    throw error;
  }
  if (optimizerWeights.length > 0) {
    model.optimizer.build(model.layers.flatMap((layer) => layer.weights));
    model.optimizer.setState(optimizerWeights, OWNER);
  }
}
