// What Node predicts with the installed package: the answer every bundled page must match.
import { trainAndPredict } from './tiny.js';

console.log(JSON.stringify(await trainAndPredict()));
