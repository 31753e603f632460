// What a page that only predicts runs, given either package entry's namespace: an LSTM built
// from a seed, saved and loaded again (the model-file reader is a chunk imported on first
// use), one prediction. 'seqwasm/inference' in the page must give the bits Node gives with
// 'seqwasm' (serve-expected.mjs).
export async function servePrediction({ init, layers, loadModel, sequential }) {
  await init();
  const model = sequential({ seed: 11, layers: [layers.lstm({ units: 5, inputShape: [4, 3] }), layers.dense({ units: 2, activation: 'softmax' })] });
  const loaded = await loadModel(model.save());
  try {
    return Array.from(loaded.predict({ shape: [2, 4, 3], data: Float32Array.from({ length: 24 }, (_, i) => ((i * 5) % 7) / 7) }).data);
  } finally {
    loaded.dispose();
    model.dispose();
  }
}
