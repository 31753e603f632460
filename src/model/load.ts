// loadModel: a Sequential from TF.js Layers artifacts (ours, TF.js's, or converted from
// Keras). Everything is read and checked (artifacts.ts) before a layer is created; layers
// are built without random initialisation, since their weights arrive next. A saved
// training config compiles the model, and saved optimizer state restores the optimizer, so
// training resumes where the checkpoint left it.
import { LayerError } from '../layers/errors.js';
import { assignWeights, createLayers, readArtifacts } from './artifacts.js';
import { describe, ModelError, ModelLoadError } from './errors.js';
import type { CompileOptions } from './model.js';
import { Sequential } from './sequential.js';

export interface LoadOptions {
  /** Compile from the saved training config (loss, metrics, optimizer and its state). Default true. */
  compile?: boolean;
  /** The seed for further training (shuffles, dropout). Default: the saved model's seed, else 0. */
  seed?: number;
}

const OWNER = 'loadModel';

/** A model from artifacts: model.save()'s result, TF.js io.ModelArtifacts, or a path / URL of a model.json. */
export async function loadModel(source: unknown, options: LoadOptions = {}): Promise<Sequential> {
  if (typeof options !== 'object' || options === null) throw new ModelLoadError(OWNER, 'options', `options must be an object, got ${describe(options)}`);
  const parsed = await readArtifacts(source);
  const layers = createLayers(parsed);
  const first = layers[0];
  if (!first?.batchInputShape) throw new ModelLoadError(OWNER, 'modelTopology', 'the saved model does not declare its input shape (batch_input_shape or an InputLayer)');
  let model: Sequential | undefined;
  try {
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
