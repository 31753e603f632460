// A page that loads a saved model and predicts with it. Built by `npm run size` with Vite from
// the packed package.
import { init, loadModel } from 'seqwasm';

await init();
const model = await loadModel('./model/model.json');
console.log(model.predict({ shape: [1, 5, 26], data: new Float32Array(5 * 26) }).data);
