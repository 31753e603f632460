// The Web Worker: the same training run, its predictions posted to the page.
import { trainAndPredict } from './tiny.js';

trainAndPredict().then(
  (prediction) => postMessage({ prediction }),
  (error) => postMessage({ error: `${error?.name}: ${error?.message}` }),
);
