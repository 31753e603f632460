// Embedding: y[b][t] = E[ids[b][t]]. With maskZero, id 0 is padding: it is still looked up
// (Keras does the same) but the mask marks the step as not real for downstream layers.
import { checkLength, type Tensor, type TensorLike } from './tensor.js';

export interface EmbeddingOptions {
  outputDim: number;
  maskZero?: boolean;
}

function checkIds(ids: TensorLike, embeddings: ArrayLike<number>, outputDim: number): number {
  const inputDim = embeddings.length / outputDim;
  if (!Number.isInteger(inputDim)) throw new Error(`embedding: ${embeddings.length} values are not rows of ${outputDim}`);
  for (let i = 0; i < ids.data.length; i++) {
    const id = ids.data[i];
    if (!Number.isInteger(id) || id < 0 || id >= inputDim) throw new Error(`embedding: id ${id} at ${i} not in [0, ${inputDim})`);
  }
  return inputDim;
}

// ids [B][T] (integers), embeddings (inputDim, outputDim) -> y [B][T][outputDim], mask [B][T] when maskZero
export function forward(ids: TensorLike, embeddings: ArrayLike<number>, options: EmbeddingOptions): { output: Tensor; mask?: Uint8Array } {
  const D = options.outputDim;
  checkIds(ids, embeddings, D);
  const data = new Float64Array(ids.data.length * D);
  for (let i = 0; i < ids.data.length; i++) {
    const src = ids.data[i] * D;
    for (let d = 0; d < D; d++) data[i * D + d] = embeddings[src + d];
  }
  const output = { shape: [...ids.shape, D], data };
  return options.maskZero ? { output, mask: Uint8Array.from(ids.data, (id) => (id !== 0 ? 1 : 0)) } : { output };
}

// ids [B][T], dy [B][T][outputDim] -> dEmbeddings (inputDim, outputDim), rows scatter-added
export function backward(ids: TensorLike, embeddings: ArrayLike<number>, options: EmbeddingOptions, dy: ArrayLike<number>): Float64Array {
  const D = options.outputDim;
  checkIds(ids, embeddings, D);
  checkLength('embedding dy', dy, ids.data.length * D);
  const dE = new Float64Array(embeddings.length);
  for (let i = 0; i < ids.data.length; i++) {
    const dst = ids.data[i] * D;
    for (let d = 0; d < D; d++) dE[dst + d] += dy[i * D + d];
  }
  return dE;
}

export function parameterCount(inputDim: number, outputDim: number): number {
  return inputDim * outputDim;
}
