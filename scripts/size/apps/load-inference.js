// apps/load.js on 'seqwasm/inference': a saved model loaded and run without the training code.
// Built by `npm run size` with Vite from the packed package.
import { init, loadModel } from 'seqwasm/inference';

await init();
const model = await loadModel('./model/model.json');
console.log(model.predict({ shape: [1, 5, 26], data: new Float32Array(5 * 26) }).data);
