// What every driver runs, whichever way it got the package: the conformance hash, or the
// cold-start timing and its prediction ('coldstart-inference': the same through
// 'seqwasm/inference', in the CLI runtimes). `load` returns the seqwasm namespace; `started`
// is performance.now() before it was loaded.
import { conformance, predictOnce } from '../conformance.ts';

export async function runJob(mode, load, started) {
  if (mode === 'conformance') return { hash: await conformance(await load()) };
  if (mode === 'coldstart' || mode === 'coldstart-inference') {
    const prediction = await predictOnce(await load());
    const done = performance.now();
    // sinceOrigin: performance.now() counts from process start (Node, Deno, Bun) or navigation start (browser).
    return { importToPrediction: done - started, sinceOrigin: done, prediction: Array.from(prediction) };
  }
  throw new Error(`unknown mode ${JSON.stringify(mode)}: expected conformance, coldstart or coldstart-inference`);
}
