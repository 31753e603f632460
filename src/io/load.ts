// loadModel: a Sequential from TF.js Layers artifacts (ours, TF.js's, or converted from
// Keras). Everything is read and checked (artifacts.ts) before a layer is created; layers
// are built without random initialisation, since their weights arrive next. A saved
// training config compiles the model, and saved optimizer state restores the optimizer, so
// training resumes where the checkpoint left it.
import { LayerError } from '../layers/errors.js';
import { describe, ModelError, ModelLoadError } from '../model/errors.js';
import type { CompileOptions } from '../model/model.js';
import { Sequential } from '../model/sequential.js';
import { checkReadOptions, isStoredSource, withoutFileScheme, type ReadSourceOptions } from './source.js';

/**
 * Options of {@link loadModel}.
 *
 * @example
 * ```ts
 * await loadModel('model/model.json', { compile: false, maxBytes: 100 << 20, timeout: 5000 });
 * ```
 */
export interface LoadOptions extends ReadSourceOptions {
  /** Compile from the saved training config (loss, metrics, optimizer and its state). Default true. */
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
export async function loadModel(source: unknown, options: LoadOptions = {}): Promise<Sequential> {
  // Imported on first use: a page that never loads a model file does not download the reader.
  const [{ assignWeights, checkDeclaredSizes, createLayers, LIMITS, readArtifacts }, { withTimeout }] = await Promise.all([
    import('./artifacts.js'),
    import('../runtime/location.js'),
  ]);
  checkOptions(options, LIMITS.maxBytes);
  source = withoutFileScheme(source);
  if (isStoredSource(source)) source = await (await import('./storage.js')).loadStored(OWNER, source);
  const reading = withTimeout(options.signal, options.timeout);
  const parsed = await readArtifacts(source, { maxBytes: options.maxBytes, signal: reading.signal }).finally(reading.done);
  const layers = createLayers(parsed);
  const first = layers[0];
  let model: Sequential | undefined;
  try {
    if (!first?.batchInputShape) throw new ModelLoadError(OWNER, 'modelTopology', 'the saved model does not declare its input shape (batch_input_shape or an InputLayer)');
    checkDeclaredSizes(layers, first.batchInputShape, parsed.weights);
    let shape = first.batchInputShape;
    for (const layer of layers) {
      layer.build(shape, null); // no random initialisation: the saved weights come next
      shape = layer.computeOutputShape(shape);
    }
    model = new Sequential({ name: parsed.name, seed: options.seed ?? parsed.seed, layers });
    const values = assignWeights(model.layers, parsed.weights);
    model.layers.forEach((layer, i) => layer.weights.length > 0 && layer.setWeights(values[i].map((data, k) => ({ shape: layer.weights[k].shape, data }))));
    if (parsed.trainingConfig && options.compile !== false) compileSaved(model, parsed.trainingConfig, parsed.optimizerWeights);
  } catch (error) {
    if (model) model.dispose();
    else for (const layer of layers) layer.dispose();
    if (error instanceof ModelLoadError) throw error;
    if (error instanceof ModelError || error instanceof LayerError) throw new ModelLoadError(OWNER, error.argument, error.message);
    throw error;
  }
  return model;
}

function checkOptions(options: unknown, defaultMaxBytes: number): asserts options is LoadOptions {
  checkReadOptions(OWNER, options, defaultMaxBytes, ['compile', 'seed']);
  const { compile, seed } = options as Record<string, unknown>;
  if (compile !== undefined && typeof compile !== 'boolean') throw new ModelLoadError(OWNER, 'compile', `compile must be true or false, got ${describe(compile)}`);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ModelLoadError(OWNER, 'seed', `seed must be a safe integer, got ${describe(seed)}`);
}

/** compile() from a saved training config (Keras snake_case), then the optimizer's saved state. */
function compileSaved(model: Sequential, config: Record<string, unknown>, optimizerWeights: readonly { name: string; shape: number[]; data: Float32Array }[]): void {
  const metrics = config.metrics ?? [];
  if (!Array.isArray(metrics)) throw new ModelLoadError(OWNER, 'trainingConfig.metrics', `metrics must be an array, got ${describe(metrics)}`);
  try {
    // Keras 2 saves metrics per output ([['accuracy']]); one output here.
    model.compile({ optimizer: config.optimizer_config, loss: config.loss, metrics: metrics.flat() } as CompileOptions);
  } catch (error) {
    if (error instanceof ModelError) throw new ModelLoadError(OWNER, `trainingConfig.${error.argument}`, `${error.message} (in the saved training config; loadModel(source, { compile: false }) loads the model without it)`);
    throw error;
  }
  if (optimizerWeights.length > 0) {
    model.optimizer.build(model.layers.flatMap((layer) => layer.weights));
    model.optimizer.setState(optimizerWeights, OWNER);
  }
}
