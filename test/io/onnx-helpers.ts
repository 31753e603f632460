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
