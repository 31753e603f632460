// onnxruntime-web in a worker thread: its Wasm backend takes its thread count once per
// instance (env.wasm.numThreads before the first session), so each thread count lives in its
// own worker. Answers the same requests as the PyTorch peer, timing inside the worker so no
// message passing is timed.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-web';
import { medianCallMs } from '../harness.js';

export type OrtWebRequest =
  | { cmd: 'load'; model: Uint8Array }
  | { cmd: 'predict'; x: Float32Array; shape: number[] }
  | { cmd: 'infer'; x: Float32Array; shape: number[]; ms: number };

ort.env.wasm.numThreads = (workerData as { threads: number }).threads;
let session: ort.InferenceSession | undefined;

async function handle(request: OrtWebRequest): Promise<Record<string, unknown>> {
  if (request.cmd === 'load') {
    session = await ort.InferenceSession.create(request.model);
    return {};
  }
  if (!session) throw new Error('no model loaded');
  const loaded = session;
  const feeds = { [loaded.inputNames[0]]: new ort.Tensor('float32', request.x, request.shape) };
  const run = async () => (await loaded.run(feeds))[loaded.outputNames[0]].data as Float32Array;
  if (request.cmd === 'predict') return { output: await run() };
  return { value: await medianCallMs(run, request.ms) };
}

parentPort!.on('message', (request: OrtWebRequest) => {
  handle(request).then(
    (answer) => parentPort!.postMessage(answer),
    (error: unknown) => parentPort!.postMessage({ error: String(error) }),
  );
});
