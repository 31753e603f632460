// A user's mistake left uncaught: x has 5 features where the model was built for 4.
import { init, layers, sequential } from 'seqwasm';

await init();
const model = sequential({ seed: 1, layers: [layers.lstm({ units: 2, inputShape: [3, 4] }), layers.dense({ units: 1 })] });
model.predict({ shape: [1, 3, 5], data: new Float32Array(15) });
