// A peer's cold start, the twin of the 'coldstart' job of test/runtimes/drivers/cli.mjs: in a
// new Node process, from before the peer's import to its first prediction of LSTM(8) +
// Dense(26, softmax) on one 5×26 sample. Plain JavaScript, run by node itself, so that no
// loader (tsx) is part of the time. bench/runtimes.ts runs it between seqwasm's cold starts.
//   node bench/peers/cold-start.mjs <peer> <model.onnx> <x.bin>
//   tfjs-cpu, tfjs-wasm   TF.js 4.22 Layers: builds the model as its user writes it (its own
//                         initializers), then predict() and data()
//   ort-node, ort-web     onnxruntime-node, onnxruntime-web (Wasm), 1 thread: reads the ONNX
//                         file seqwasm exported, creates the session and runs it
// Prints `seqwasm-result {"importToPrediction", "cpuMs", "prediction"}`, as the drivers do.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const [peer, modelPath, inputPath] = process.argv.slice(2);
const SHAPE = [1, 5, 26];
const bytes = readFileSync(inputPath);
const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);

async function tfjs(backend) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  const model = tf.sequential({ layers: [tf.layers.lstm({ units: 8, inputShape: SHAPE.slice(1) }), tf.layers.dense({ units: 26, activation: 'softmax' })] });
  return model.predict(tf.tensor3d(x, SHAPE)).data();
}

async function onnxRuntime(ort, options) {
  const session = await ort.InferenceSession.create(await readFile(modelPath), options);
  const outputs = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, SHAPE) });
  return outputs[session.outputNames[0]].data;
}

const PEERS = {
  'tfjs-cpu': () => tfjs('cpu'),
  'tfjs-wasm': () => tfjs('wasm'),
  'ort-node': async () => onnxRuntime(await import('onnxruntime-node'), { intraOpNumThreads: 1, interOpNumThreads: 1 }),
  'ort-web': async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    return onnxRuntime(ort, {});
  },
};

if (!(peer in PEERS)) throw new Error(`unknown peer ${JSON.stringify(peer)}: expected one of ${Object.keys(PEERS).join(', ')}`);
const started = performance.now();
const prediction = await PEERS[peer]();
const importToPrediction = performance.now() - started;
const { user, system } = process.cpuUsage();
console.log(`seqwasm-result ${JSON.stringify({ importToPrediction, cpuMs: (user + system) / 1000, prediction: Array.from(prediction) })}`);
// TF.js and onnxruntime-web may keep handles open; the measurement is done.
process.exit(0);
