// workerd driver for 'seqwasm/inference': worker.mjs's jobs through the inference entry,
// bundled alike; workerd provides seqwasm-inference.wasm as a compiled module.
import * as seqwasm from 'seqwasm/inference';
import { runJob } from './job.mjs';

export default {
  async test(_controller, env) {
    const result = await runJob(env.MODE, async () => seqwasm, performance.now());
    console.log(`seqwasm-result ${JSON.stringify(result)}`);
  },
};
