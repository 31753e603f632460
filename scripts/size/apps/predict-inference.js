// apps/predict.js on 'seqwasm/inference': the same model and prediction without the training
// code, and with seqwasm-inference.wasm. Built by `npm run size` with Vite from the packed package.
import { init, layers, sequential } from 'seqwasm/inference';

await init();
const model = sequential({ seed: 1, layers: [layers.lstm({ units: 8, inputShape: [5, 26] }), layers.dense({ units: 26, activation: 'softmax' })] });
console.log(model.predict({ shape: [1, 5, 26], data: new Float32Array(5 * 26) }).data);
