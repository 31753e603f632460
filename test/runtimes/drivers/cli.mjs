// Node, Deno and Bun driver: imports `seqwasm` by its bare name, as a user's script would
// (the runtime picks the entry through the package's `exports`), and runs one job.
// scripts/runtimes bundles this file with the conformance source, `seqwasm` left external.
//   <runtime> cli.js conformance   prints the conformance hash
//   <runtime> cli.js coldstart     times import → first prediction of a small LSTM
//   <runtime> cli.js coldstart-inference   the same through 'seqwasm/inference'
import { runJob } from './job.mjs';

const mode = globalThis.Deno ? globalThis.Deno.args[0] : process.argv[2];
const specifier = mode === 'coldstart-inference' ? 'seqwasm/inference' : 'seqwasm';
const started = performance.now();
try {
  const result = await runJob(mode, () => import(specifier), started);
  // CPU time of the whole process so far, every thread (compilers, GC): steadier than
  // wall time on a shared machine. Deno and Bun provide process.cpuUsage too.
  const { user, system } = process.cpuUsage();
  result.cpuMs = (user + system) / 1000;
  // Which file the runtime picked from the package's `exports`, for the runner to check.
  result.entry = import.meta.resolve(specifier);
  console.log(`seqwasm-result ${JSON.stringify(result)}`);
} catch (error) {
  console.error(error?.stack ?? String(error));
  // Deno and Bun have process too, but only as a compatibility layer: exit the portable way.
  if (globalThis.Deno) globalThis.Deno.exit(1);
  else process.exit(1);
}
