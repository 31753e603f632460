// ONNX Runtime as an inference peer: onnxruntime-node (native, in this process, one session
// per thread count) and onnxruntime-web (its Wasm build, in a worker thread per thread count,
// see ort-web-worker.ts). Each takes the model's bytes from exportONNX.
import { Worker } from 'node:worker_threads';
import * as ortNode from 'onnxruntime-node';
import { medianCallMs } from '../harness.js';
import type { OrtWebRequest } from './ort-web-worker.js';

/** A loaded model: its answer for a batch (to check it), and the median ms of a call on it. */
export interface OnnxPeer {
  label: string;
  predict(x: Float32Array, shape: number[]): Promise<Float32Array>;
  inferMs(x: Float32Array, shape: number[], budgetMs: number): Promise<number>;
  close(): Promise<void>;
}

export async function ortNodePeer(model: Uint8Array, threads: number): Promise<OnnxPeer> {
  const session = await ortNode.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const run = async (x: Float32Array, shape: number[]) => (await session.run({ [session.inputNames[0]]: new ortNode.Tensor('float32', x, shape) }))[session.outputNames[0]].data as Float32Array;
  return {
    label: `ort-node ${threads}T`,
    predict: run,
    inferMs: (x, shape, budgetMs) => medianCallMs(() => run(x, shape), budgetMs),
    close: () => session.release(),
  };
}

export async function ortWebPeer(model: Uint8Array, threads: number): Promise<OnnxPeer> {
  // tsx's loader does not reach worker threads on Node 20: the worker registers it itself.
  const url = new URL('./ort-web-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { threads } });
  // One request at a time: the answer to the pending one is the next message.
  let pending: { resolve(answer: Record<string, unknown>): void; reject(error: unknown): void } | undefined;
  worker.on('message', (answer: Record<string, unknown>) => {
    const waiting = pending!;
    pending = undefined;
    if (typeof answer.error === 'string') waiting.reject(new Error(`onnxruntime-web: ${answer.error}`));
    else waiting.resolve(answer);
  });
  worker.on('error', (error) => pending?.reject(error));
  const ask = (request: OrtWebRequest) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage(request);
    });
  await ask({ cmd: 'load', model });
  return {
    label: `ort-web ${threads}T`,
    predict: async (x, shape) => (await ask({ cmd: 'predict', x, shape })).output as Float32Array,
    inferMs: async (x, shape, ms) => (await ask({ cmd: 'infer', x, shape, ms })).value as number,
    close: async () => void (await worker.terminate()),
  };
}
