// npm run bench:runtimes [-- --runs=N] [-- --json]: the package's size and its cold start in
// each runtime, measured on the packed package installed in a throwaway project (the same
// one test:runtimes uses). Reported, never asserted. Goals (issue 6): JS + Wasm under 60 KB
// gzipped (TF.js: tf.min.js 366 KB + its SIMD .wasm 137 KB gzipped); under 20 ms from Node's
// process start to the first prediction of a small LSTM.
//
// Sizes: the tarball; what the fetch entry (browsers, Deno, Bun) loads before it runs, JS
// (the entry and its statically imported chunks) and the .wasm, gzipped (-9) file by file, as
// `npm run size` reports it (scripts/size); the same for 'seqwasm/inference' (its
// seqwasm-inference.wasm); what a page that builds an LSTM and predicts downloads after
// `vite build` (scripts/size/apps/predict.js, from 'seqwasm' and from 'seqwasm/inference');
// and the public API bundled and minified by esbuild, plus the .wasm.
//
// Cold start: predictOnce() in test/runtimes/conformance.ts (LSTM(8) + Dense(26, softmax),
// built from a seed, one prediction of one 5×26 sample), each run a new process (a new
// browser context for Chromium), median of --runs (default 7):
//   since start   performance.now() at the prediction: ms from process start (Node, Deno,
//                 Bun) or navigation start (Chromium: includes fetching the bundle and .wasm)
//   import→pred   from before `await import('seqwasm')` to the prediction (Node, Deno, Bun);
//                 Chromium: from the bundle's first statement, the package already evaluated;
//                 and the same through `import('seqwasm/inference')` (Node, Deno, Bun)
//   CPU time      user + system time of the whole process at the prediction (every thread:
//                 compilers, GC), against an empty script's: steadier than wall time on a
//                 shared machine (Node, Deno, Bun)
//   wall          spawn → exit of the runtime, against an empty script's wall in the same
//                 runtime; workerd (whose clock stands still while a Worker computes) has only this
// In Node, each run also times the peers' cold starts on the same sample (bench/peers/cold-start.mjs):
// onnxruntime-node and onnxruntime-web (1 thread, the same model as ONNX, exported by the
// installed package; their predictions must match seqwasm's) against 'seqwasm/inference', and
// TF.js cpu and wasm (the same layers, TF.js's own initializers) against 'seqwasm'; ratio = the
// median of the per-run ratios, > 1: seqwasm starts faster.
// The runtimes start without this machine's NODE_EXTRA_CA_CERTS (scripts/runtimes/launch.ts).
// Also the "runtimes" suite of npm run bench (--quick: Node only, 3 runs).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { openRuntime, processCommand, runProcess, RUNTIMES, type ProcessRuntime, type RuntimeName } from '../scripts/runtimes/launch.js';
import { prepareProject, ROOT, wasmPath, workerdConfig, type Project } from '../scripts/runtimes/package.js';
import { entryDownloads, total, viteDownloads } from '../scripts/size/graph.js';
import { COLD_START_SHAPE, coldStartInput, coldStartModel, type SeqwasmApi } from '../test/runtimes/conformance.js';
import { isMain, median, report, withPeer, type Row, type SuiteOptions } from './harness.js';

const TFJS_GZIP_KB = 366 + 137;
/** The runtimes whose cold start is also timed through 'seqwasm/inference' (its CLI driver). */
const INFERENCE_RUNTIMES: readonly RuntimeName[] = ['node', 'deno', 'bun'];
const INFERENCE_ROW = "import → first prediction, 'seqwasm/inference'";
const FULL_ROW = 'import → first prediction';

/** The peers whose cold start Node times beside seqwasm's: which of its rows each is set against. */
const COLD_START_PEERS = [
  { peer: 'ort-node 1T', job: 'ort-node', sameWeights: true, against: 'inferenceImportToPrediction' },
  { peer: 'ort-web 1T', job: 'ort-web', sameWeights: true, against: 'inferenceImportToPrediction' },
  { peer: 'tfjs-cpu', job: 'tfjs-cpu', sameWeights: false, against: 'importToPrediction' },
  { peer: 'tfjs-wasm', job: 'tfjs-wasm', sameWeights: false, against: 'importToPrediction' },
] as const;
const PEER_SCRIPT = fileURLToPath(new URL('./peers/cold-start.mjs', import.meta.url));

export interface RuntimeSuiteOptions extends SuiteOptions {
  /** Cold starts per runtime (default 7; --quick 3). */
  runs?: number;
}

export async function runtimeRows({ quick = false, runs = quick ? 3 : 7 }: RuntimeSuiteOptions = {}): Promise<Row[]> {
  const project = await prepareProject();
  try {
    return [...(await sizeRows(project)), ...(await coldStartRows(project, runs, quick ? ['node'] : RUNTIMES))];
  } finally {
    project.dispose();
  }
}

if (isMain(import.meta.url)) {
  const runsArg = process.argv.find((a) => a.startsWith('--runs='));
  report(await runtimeRows({ quick: process.argv.includes('--quick'), runs: runsArg ? Number(runsArg.slice('--runs='.length)) : undefined }));
}

async function sizeRows(p: Project): Promise<Row[]> {
  const kb = (bytes: number) => bytes / 1024;
  const gzip = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
  const js = entryDownloads(p.packageDir, 'seqwasm.fetch.js', 'seqwasm.wasm').initial.filter((f) => f.file.endsWith('.js'));
  const wasm = readFileSync(wasmPath(p.packageDir));
  const inferenceEntry = total(entryDownloads(p.packageDir, 'seqwasm.inference.fetch.js', 'seqwasm-inference.wasm').initial);
  const apps = join(p.dir, 'apps');
  cpSync(join(ROOT, 'scripts/size/apps'), apps, { recursive: true });
  const page = async (app: string) => total((await viteDownloads(apps, app)).initial);
  const bundle = await build({
    stdin: { contents: "export * from 'seqwasm';", resolveDir: p.dir },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const bundled = bundle.outputFiles[0].contents;
  const { raw: jsRaw, gzip: jsGzip } = total(js);
  return [
    { name: 'size: npm pack tarball', unit: 'KB', value: kb(p.packed.size) },
    { name: 'size: unpacked (JS + .d.ts + Wasm + docs)', unit: 'KB', value: kb(p.packed.unpackedSize) },
    { name: `size: fetch entry's JS before it runs, ${js.length} files`, unit: 'KB', value: kb(jsRaw) },
    { name: "size: fetch entry's JS gzipped file by file", unit: 'KB', value: kb(jsGzip) },
    { name: 'size: seqwasm.wasm', unit: 'KB', value: kb(wasm.length) },
    { name: 'size: seqwasm.wasm gzipped', unit: 'KB', value: kb(gzip(wasm)) },
    withPeer({ name: "size: fetch entry's JS + Wasm gzipped", unit: 'KB', value: kb(jsGzip + gzip(wasm)) }, 'tfjs min.js + wasm', TFJS_GZIP_KB, false),
    withPeer({ name: "size: 'seqwasm/inference' fetch entry's JS + Wasm gzipped", unit: 'KB', value: kb(inferenceEntry.gzip) }, 'tfjs min.js + wasm', TFJS_GZIP_KB, false),
    withPeer({ name: 'size: Vite page that predicts, JS + Wasm gzipped', unit: 'KB', value: kb((await page('predict.js')).gzip) }, 'tfjs min.js + wasm', TFJS_GZIP_KB, false),
    withPeer({ name: "size: Vite page that predicts with 'seqwasm/inference', JS + Wasm gzipped", unit: 'KB', value: kb((await page('predict-inference.js')).gzip) }, 'tfjs min.js + wasm', TFJS_GZIP_KB, false),
    { name: 'size: browser bundle (esbuild --minify) ', unit: 'KB', value: kb(bundled.length) },
    withPeer({ name: 'size: browser bundle + Wasm gzipped', unit: 'KB', value: kb(gzip(bundled) + gzip(wasm)) }, 'tfjs min.js + wasm', TFJS_GZIP_KB, false),
  ];
}

async function coldStartRows(p: Project, runs: number, runtimes: readonly RuntimeName[]): Promise<Row[]> {
  writeFileSync(join(p.dir, 'empty.js'), 'const { user, system } = process.cpuUsage();\nconsole.log(`seqwasm-result ${JSON.stringify({ cpuMs: (user + system) / 1000 })}`);\n');
  writeFileSync(join(p.dir, 'empty-worker.js'), "export default { test() { console.log('seqwasm-result {}'); } };\n");
  const rows: Row[] = [];
  for (const name of runtimes) {
    const session = await openRuntime(name, p);
    process.stderr.write(`${name}: ${session.command}\n`);
    const samples: Record<string, number[]> = { sinceOrigin: [], importToPrediction: [], inferenceImportToPrediction: [], cpu: [], emptyCpu: [], wall: [], emptyWall: [] };
    const inference = INFERENCE_RUNTIMES.includes(name);
    const peers = name === 'node' ? await coldStartPeers(p) : undefined;
    const peerSamples = new Map(COLD_START_PEERS.map(({ peer }) => [peer, [] as number[]]));
    try {
      await session.run('coldstart'); // a first run warms the OS file cache, not the runtime
      if (inference) await session.run('coldstart-inference');
      for (const { job } of peers ? COLD_START_PEERS : []) await peers!.run(job); // and the peers' files
      for (let i = 0; i < runs; i++) {
        if (inference) samples.inferenceImportToPrediction.push(Number((await session.run('coldstart-inference')).result.importToPrediction));
        const { result, wallMs } = await session.run('coldstart');
        if (name !== 'workerd') {
          samples.sinceOrigin.push(Number(result.sinceOrigin));
          samples.importToPrediction.push(Number(result.importToPrediction));
        }
        if (name !== 'chromium') {
          const empty = await runEmpty(name, p);
          samples.wall.push(wallMs);
          samples.emptyWall.push(empty.wallMs);
          if (name !== 'workerd') {
            samples.cpu.push(Number(result.cpuMs));
            samples.emptyCpu.push(Number(empty.result.cpuMs));
          }
        }
        for (const { peer, job } of peers ? COLD_START_PEERS : []) peerSamples.get(peer)!.push(await peers!.run(job));
      }
    } finally {
      await session.close();
    }
    const origin = name === 'chromium' ? 'navigation start' : 'process start';
    const labels: Record<string, string> = {
      sinceOrigin: `${origin} → first prediction`,
      importToPrediction: name === 'chromium' ? 'bundle start → first prediction' : FULL_ROW,
      inferenceImportToPrediction: INFERENCE_ROW,
      cpu: 'CPU time (all threads), process start → first prediction',
      emptyCpu: 'CPU time (all threads), empty script',
      wall: 'spawn → exit, LSTM prediction',
      emptyWall: 'spawn → exit, empty script',
    };
    for (const [key, values] of Object.entries(samples)) {
      if (values.length) rows.push({ name: `cold start ${name}: ${labels[key]}`, unit: 'ms', value: median(values) });
    }
    for (const { peer, against } of peers ? COLD_START_PEERS : []) {
      const ours = samples[against];
      const theirs = peerSamples.get(peer)!;
      rows.push({
        name: `cold start ${name}: ${labels[against]}`,
        unit: 'ms',
        value: median(ours),
        peer,
        peerValue: median(theirs),
        ratio: median(theirs.map((ms, round) => ms / ours[round])),
      });
    }
  }
  return rows;
}

/**
 * Writes the cold-start model as ONNX (exported by the installed package) and its sample for
 * bench/peers/cold-start.mjs; `run` times one peer's cold start in a new Node process, after
 * checking its answer: the ONNX Runtimes' must be seqwasm's prediction, TF.js's (other
 * weights) a probability row.
 */
async function coldStartPeers(p: Project): Promise<{ run(job: string): Promise<number> }> {
  const api = (await import(pathToFileURL(join(p.packageDir, 'dist/seqwasm.node.js')).href)) as SeqwasmApi;
  await api.init();
  const model = coldStartModel(api);
  const x = coldStartInput(api);
  const expected = model.predict({ shape: COLD_START_SHAPE, data: x }).data;
  const modelPath = join(p.dir, 'cold-start.onnx');
  const inputPath = join(p.dir, 'cold-start-x.bin');
  writeFileSync(modelPath, await api.exportONNX(model));
  writeFileSync(inputPath, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  model.dispose();
  return {
    async run(job) {
      const { result } = await runProcess('node', [process.execPath, PEER_SCRIPT, job, modelPath, inputPath], ROOT);
      const prediction = result.prediction as number[];
      const { sameWeights } = COLD_START_PEERS.find((peer) => peer.job === job)!;
      const right = sameWeights ? prediction.every((v, i) => Math.abs(v - expected[i]) <= 1e-5) : Math.abs(prediction.reduce((a, b) => a + b, 0) - 1) <= 1e-4;
      const wrong = prediction.length !== expected.length || !right;
      if (wrong) throw new Error(`cold start ${job}: unexpected prediction [${prediction.slice(0, 4).join(', ')}, …]; seqwasm's: [${Array.from(expected.slice(0, 4)).join(', ')}, …]`);
      return Number(result.importToPrediction);
    },
  };
}

function runEmpty(name: ProcessRuntime, p: Project) {
  const script = name === 'workerd' ? workerdConfig(p.dir, 'empty', 'empty-worker.js', undefined) : 'empty.js';
  return runProcess(name, processCommand(name, p.dir, script), p.dir);
}
