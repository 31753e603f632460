// Shared by the artifacts tests: loading parsed artifacts into our layers the way loadModel
// does (create, build without initialisation, assign weights), running them, and taking
// TF.js artifacts apart and putting them back together under other weight names.
import * as tf from '@tensorflow/tfjs';
import { assignWeights, createLayers, type ParsedModel } from '../../src/io/artifacts.js';
import type { Layer, Mask, Shape } from '../../src/layers/index.js';
import type { LayerPlan } from '../../src/layers/layer.js';
import { region } from '../layers/helpers.js';

/** Our layers for a parsed model, built for its saved input shape with no initialisation and given the saved weights. */
export function loadLayers(parsed: ParsedModel): Layer[] {
  const layers = createLayers(parsed);
  let shape = layers[0].batchInputShape!;
  for (const layer of layers) {
    layer.build(shape, null);
    shape = layer.computeOutputShape(shape);
  }
  assignWeights(layers, parsed.weights).forEach((values, i) => layers[i].setWeights(values.map((data, j) => ({ shape: layers[i].weights[j].shape, data }))));
  return layers;
}

/** The output of running `layers` on x ([B, ...] values), through each layer's plan with the masks passed along. */
export function predict(layers: readonly Layer[], x: ArrayLike<number>, shape: readonly number[]): Float32Array {
  const plans: LayerPlan[] = [];
  let input = region(x);
  let mask: Mask | undefined;
  let current: readonly number[] = shape;
  try {
    for (const layer of layers) {
      const plan = layer.plan(current);
      plans.push(plan);
      mask = plan.forward(input, { mask });
      input = plan.output;
      current = plan.outputShape;
    }
    return input.toArray();
  } finally {
    for (const plan of plans) plan.dispose();
  }
}

export function disposeAll(layers: readonly Layer[]): void {
  for (const layer of layers) layer.dispose();
}

/** What model.save() hands a TF.js save handler. */
export async function tfjsArtifacts(model: tf.LayersModel, includeOptimizer = false): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer },
  );
  return saved!;
}

export interface Spec {
  name: string;
  shape: number[];
  dtype: string;
  group?: string;
}

/** The weights of TF.js artifacts as separate arrays (float32 only). */
export function splitWeights(artifacts: tf.io.ModelArtifacts): { spec: Spec; data: Float32Array }[] {
  const buffer = artifacts.weightData as ArrayBuffer;
  let offset = 0;
  return (artifacts.weightSpecs as Spec[]).map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = spec.dtype === 'int32' ? Float32Array.from(new Int32Array(buffer, offset, n)) : new Float32Array(buffer.slice(offset, offset + 4 * n));
    offset += 4 * n;
    return { spec: { ...spec, dtype: 'float32' }, data };
  });
}

/** One little-endian float32 buffer of the weights, in order. */
export function joinWeights(weights: readonly { data: Float32Array }[]): ArrayBuffer {
  const out = new Float32Array(weights.reduce((sum, w) => sum + w.data.length, 0));
  let offset = 0;
  for (const w of weights) {
    out.set(w.data, offset);
    offset += w.data.length;
  }
  return out.buffer;
}

/** Shape of the first layer's declared input (batch first). */
export function inputShapeOf(parsed: ParsedModel): Shape {
  return (parsed.layers[0].config as { batch_input_shape: Shape }).batch_input_shape;
}
