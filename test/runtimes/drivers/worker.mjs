// workerd driver: bundled by esbuild with --conditions=workerd,worker,browser and the .wasm
// left as an import, which workerd provides as a compiled module (it cannot compile bytes).
// `workerd test` calls test(); the job comes from the MODE text binding.
import * as seqwasm from 'seqwasm';
import { runJob } from './job.mjs';

export default {
  async test(_controller, env) {
    // performance.now() does not advance while a Worker computes: time workerd from outside.
    const result = await runJob(env.MODE, async () => seqwasm, performance.now());
    console.log(`seqwasm-result ${JSON.stringify(result)}`);
  },
};
