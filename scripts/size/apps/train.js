// A page that trains: compile, fit with the progress bar, predict, save. Built by
// `npm run size` with Vite from the packed package.
import { init, layers, sequential } from 'seqwasm';

await init();
const model = sequential({ seed: 1, layers: [layers.gru({ units: 4, inputShape: [3, 2] }), layers.dense({ units: 1 })] });
model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
const x = { shape: [4, 3, 2], data: new Float32Array(24).fill(0.5) };
await model.fit(x, { shape: [4, 1], data: Float32Array.of(0, 1, 1, 0) }, { epochs: 2, verbose: 1 });
console.log(model.predict(x).data, model.save());
