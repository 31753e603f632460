// predict over in-memory data or a Dataset: the network's inference plans, batchSize samples
// at a time, outputs copied out in sample order (any batch size gives the same bits).
import { elementPath } from '../data/validate.js';
import { formatShape } from '../layers/layer.js';
import { concat, type Tensor } from '../tensor.js';
import { ModelInputError, ModelStateError } from './errors.js';
import type { BatchPlan, Network } from './network.js';
import { readOptions } from './options.js';
import { BATCH_OPTIONS, batchSamples, datasetOf, forEachItem, forEachSyncItem, inMemoryBatches, isBatchSource, samplesOf, type PredictOptions, type Samples } from './samples.js';

/** The model's outputs (one tensor per output) for every sample of x (or of every batch of a sync Dataset, joined in order), computed batchSize samples at a time. */
export function predict(network: Network, x: unknown, options: PredictOptions = {}): Tensor[] {
  const { batchSize } = readOptions(network.name, options, BATCH_OPTIONS);
  if (!isBatchSource(x)) return predictSamples(network, samplesOf(network, undefined, x, undefined, 'x', 'y'), batchSize);
  const outputs: Tensor[][] = [];
  forEachSyncItem(network.name, x, 'predict', (item, where) => outputs.push(predictSamples(network, batchSamples(network, undefined, item, where), batchSize)));
  return joinOutputs(network.name, outputs);
}

/** predict() over a Dataset that may be async: the outputs of every batch, joined in order. */
export async function predictDataset(network: Network, dataset: unknown, options: PredictOptions = {}): Promise<Tensor[]> {
  const { batchSize } = readOptions(network.name, options, BATCH_OPTIONS);
  const outputs: Tensor[][] = [];
  await forEachItem(network.name, datasetOf(network.name, dataset), (item, where) => outputs.push(predictSamples(network, batchSamples(network, undefined, item, where), batchSize)));
  return joinOutputs(network.name, outputs);
}

function predictSamples(network: Network, samples: Samples, batchSize: number): Tensor[] {
  let results: Tensor[] | undefined;
  visitBatches(network, samples, batchSize, (plan, start, count) => {
    results ??= plan.outputs.map(({ region, shape }) => ({ shape: [samples.count, ...shape.slice(1)], data: new Float32Array(samples.count * (region.length / count)) }));
    plan.outputs.forEach(({ region }, k) => results![k].data.set(region.view().subarray(0, region.length), start * (region.length / count)));
  });
  for (const result of results!) {
    // Finite weights and inputs can still overflow float32 (a corrupt file's 1e38 weight): say so rather than return it.
    const bad = result.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelStateError(network.name, 'predict', `predict() output${elementPath(result.shape, bad)} is ${result.data[bad]}: the model's weights or the input overflow float32`);
  }
  return results!;
}

function visitBatches(network: Network, samples: Samples, batchSize: number, visit: (plan: BatchPlan, start: number, count: number) => void): void {
  for (const data of inMemoryBatches(samples, batchSize, undefined)) {
    const plan = network.plan(data.shapes, false);
    data.load(plan, undefined);
    plan.forward();
    visit(plan, data.start, data.count);
  }
}

/** The outputs of a Dataset's batches, each output as one tensor, samples in order; their other dimensions must agree. */
function joinOutputs(owner: string, batches: readonly Tensor[][]): Tensor[] {
  return batches[0].map((first, k) => {
    const rest = first.shape.slice(1);
    const parts = batches.map((outputs) => outputs[k]);
    parts.forEach((t, i) => {
      if (t.shape.length !== first.shape.length || rest.some((d, axis) => d !== t.shape[axis + 1])) {
        throw new ModelInputError(owner, 'x', `batch ${i} gives outputs of shape ${formatShape(t.shape)} and batch 0 ${formatShape(first.shape)}; predict() joins the batches along the samples axis, so the other dimensions must agree`);
      }
    });
    return concat(parts);
  });
}
