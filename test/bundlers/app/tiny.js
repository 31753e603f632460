// What every bundled page and worker runs, and Node runs for the expected answer: a tiny GRU
// trained a few seeded steps, saved and loaded again (loadModel's reader is a chunk imported
// on first use, which the bundler must emit and load), then its predictions. Equal numbers
// everywhere mean the bundle loaded the right entry, its lazy chunks and the real
// seqwasm.wasm (seqwasm is bit-identical across runtimes).
import { init, layers, loadModel, sequential } from 'seqwasm';

export async function trainAndPredict() {
  await init();
  const model = sequential({ seed: 7, layers: [layers.gru({ units: 4, inputShape: [3, 2] }), layers.dense({ units: 1 })] });
  try {
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = { shape: [4, 3, 2], data: Float32Array.from({ length: 24 }, (_, i) => ((i * 7) % 10) / 10) };
    const y = { shape: [4, 1], data: Float32Array.of(0, 1, 1, 0) };
    await model.fit(x, y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    const loaded = await loadModel(model.save());
    try {
      return Array.from(loaded.predict(x).data);
    } finally {
      loaded.dispose();
    }
  } finally {
    model.dispose();
  }
}
