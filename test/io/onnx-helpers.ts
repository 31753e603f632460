// Shared by the exportONNX tests: a built model with random weights, and one run of exported
// bytes in onnxruntime-node or onnxruntime-web (the same API: input 'x', output 'y').
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { Prng, sequential, type Sequential } from '../../src/node.js';
import type { Layer } from '../../src/layers/layer.js';

/** A built sequential model of `layers` with every weight (biases, gamma, beta too) uniform in [−0.5, 0.5), drawn from `seed`. */
export function randomlyWeighted(layers: Layer[], seed: number): Sequential {
  const m = sequential({ seed: 1, layers });
  m.build();
  return withRandomWeights(m, seed);
}

/** `m` (built) with every weight set uniform in [−0.5, 0.5), drawn from `seed`. */
export function withRandomWeights<M extends Pick<Sequential, 'getWeights' | 'setWeights'>>(m: M, seed: number): M {
  const prng = new Prng(seed);
  m.setWeights(m.getWeights().map((w) => ({ shape: w.shape, data: w.data.map(() => prng.float() - 0.5) })));
  return m;
}

export type Ort = typeof ortNode | typeof ortWeb;

/** The two engines that judge exported files, by package name. */
export const ENGINES: [string, Ort][] = [
  ['onnxruntime-node', ortNode],
  ['onnxruntime-web', ortWeb],
];

/** Output 'y' of one session on input 'x' (int64 ids or float32 features), the session released after. */
export async function runExported(ort: Ort, bytes: Uint8Array, x: { shape: number[]; data: Float32Array }, ids: boolean): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const tensor = ids ? new ort.Tensor('int64', BigInt64Array.from(x.data, (v) => BigInt(v)), x.shape) : new ort.Tensor('float32', x.data, x.shape);
    const { y } = await session.run({ x: tensor } as never);
    return { dims: y.dims, data: y.data as Float32Array };
  } finally {
    await session.release();
  }
}

/** One feed per graph input, in the graph's order: int64 ids or float32 features. */
export type Feeds = readonly { tensor: { shape: readonly number[]; data: Float32Array | number[] | ArrayLike<number> }; ids: boolean }[];

/** Every output of one session fed by the graph's own input names in order (the session released after). */
export async function runFeeds(ort: Ort, bytes: Uint8Array, x: Feeds): Promise<{ inputNames: readonly string[]; outputs: { name: string; dims: readonly number[]; data: Float32Array }[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = Object.fromEntries(session.inputNames.map((inputName, i) => {
      const { tensor, ids } = x[i];
      const shape = [...tensor.shape];
      return [inputName, ids ? new ort.Tensor('int64', BigInt64Array.from(tensor.data as ArrayLike<number>, (v) => BigInt(v)), shape) : new ort.Tensor('float32', tensor.data as Float32Array, shape)];
    }));
    const results = await session.run(feeds as never);
    return { inputNames: session.inputNames, outputs: session.outputNames.map((outputName) => ({ name: outputName, dims: results[outputName].dims, data: results[outputName].data as Float32Array })) };
  } finally {
    await session.release();
  }
}
