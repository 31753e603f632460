// A page that loads a saved model (model.json + weights.bin, written by make-model.ts) and
// predicts the next letter after every five-letter window of the alphabet.
import { argMax, data, init, loadModel } from 'seqwasm';

const status = document.getElementById('status');
try {
  await init(); // fetches seqwasm.wasm, which Vite emits beside the bundle
  // loadModel takes the model.json's URL and fetches weights.bin from beside it.
  const model = await loadModel(new URL('./model/model.json', location.href));
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const vocab = data.vocabulary(alphabet, { level: 'char' }); // as in training: 'A' → 0 … 'Z' → 25
  const { windows, next } = data.slidingWindows(alphabet, 5);
  const probs = model.predict(data.oneHot(windows.map((w) => [...vocab.encode(w)]), vocab.size)); // [21, 26]
  const predicted = Array.from(argMax(probs).data, (id) => vocab.tokenAt(id));
  document.getElementById('predictions').append(
    ...windows.map((w, i) => Object.assign(document.createElement('li'), { textContent: `${w} → ${predicted[i]}${predicted[i] === next[i] ? '' : ` (expected ${next[i]})`}` })),
  );
  const right = predicted.filter((p, i) => p === next[i]).length;
  status.textContent = `${right} of ${windows.length} next letters right`;
  console.log(`seqwasm-result ${JSON.stringify({ predicted: predicted.join(''), probs: Array.from(probs.data) })}`); // read by npm run test:playground
} catch (error) {
  status.textContent = `${error.name}: ${error.message}`;
  console.error(`seqwasm-error ${error.name}: ${error.message}`);
}
