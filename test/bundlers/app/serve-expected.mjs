// What Node predicts with the installed package's full entry: the answer the page on
// 'seqwasm/inference' must match.
import * as seqwasm from 'seqwasm';
import { servePrediction } from './serving.js';

console.log(JSON.stringify(await servePrediction(seqwasm)));
