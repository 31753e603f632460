// What every driver runs, whichever way it got the package: the conformance hash, or the
// cold-start timing. `load` returns the seqwasm namespace; `started` is performance.now()
// before it was loaded.
import { conformance, predictOnce } from '../conformance.ts';

export async function runJob(mode, load, started) {
  if (mode === 'conformance') return { hash: await conformance(await load()) };
  if (mode === 'coldstart') {
    const prediction = await predictOnce(await load());
    const done = performance.now();
    // sinceOrigin: performance.now() counts from process start (Node, Deno, Bun) or navigation start (browser).
    return { importToPrediction: done - started, sinceOrigin: done, checksum: prediction.reduce((a, b) => a + b, 0) };
  }
  throw new Error(`unknown mode ${JSON.stringify(mode)}: expected conformance or coldstart`);
}
