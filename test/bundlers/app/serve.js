// The page on 'seqwasm/inference': prints `seqwasm-result {json}` or `seqwasm-error …`.
import * as seqwasm from 'seqwasm/inference';
import { servePrediction } from './serving.js';

servePrediction(seqwasm).then(
  (page) => console.log(`seqwasm-result ${JSON.stringify({ page })}`),
  (error) => console.error(`seqwasm-error ${error?.name}: ${error?.message}`),
);
