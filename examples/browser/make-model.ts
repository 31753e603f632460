// The model the browser example loads: the alphabet lesson (an LSTM(8) learns the next letter
// after every five-letter window), trained in Node and saved as TF.js Layers files,
// model.json + weights.bin, into examples/browser/public/model/ (or --out=DIR).
//
//   npx tsx examples/browser/make-model.ts [--out=DIR]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { data, init, layers, optimizers, sequential } from '../../dist/node.js';

const outArg = process.argv.slice(2).find((a) => a.startsWith('--out='));
const out = outArg ? outArg.slice('--out='.length) : fileURLToPath(new URL('./public/model', import.meta.url));

await init();
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const vocab = data.vocabulary(alphabet, { level: 'char' });
const { windows, next } = data.slidingWindows(alphabet, 5);
const x = data.oneHot(windows.map((w) => [...vocab.encode(w)]), vocab.size);
const y = data.oneHot([...vocab.encode(next.join(''))], vocab.size);

const model = sequential({ seed: 7 });
model.add(layers.lstm({ units: 8, inputShape: [5, vocab.size] }));
model.add(layers.dense({ units: vocab.size, activation: 'softmax' }));
model.compile({ optimizer: optimizers.rmsprop(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
await model.fit(x, y, { epochs: 50, batchSize: 1, verbose: 0 });
const { accuracy } = model.evaluate(x, y);

// For the page, the weights alone: a model to predict with needs no optimizer state.
const { modelJSON, weightData } = model.save({ includeOptimizer: false });
await mkdir(out, { recursive: true });
await writeFile(join(out, 'model.json'), JSON.stringify(modelJSON));
await writeFile(join(out, 'weights.bin'), new Uint8Array(weightData));
console.log(`alphabet LSTM(8): ${Math.round(accuracy * 21)} of 21 next letters right; saved ${join(out, 'model.json')} and weights.bin (${weightData.byteLength} bytes)`);
