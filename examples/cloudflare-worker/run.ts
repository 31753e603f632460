// npm run example:cloudflare-worker [-- --quick] — a Worker serving predictions from a saved
// model, run in workerd (the Cloudflare Workers runtime, from its npm package). The steps a
// deployment takes, on this machine:
//   1. train the alphabet lesson's LSTM in Node and save it (model.json, weights.bin) with
//      its vocabulary;
//   2. bundle worker.ts with the model files the way wrangler does (esbuild, conditions
//      workerd/worker/browser, seqwasm's .wasm left as a module import), in a throwaway
//      project whose node_modules/seqwasm is this repository's package (its `exports` pick
//      the workerd entry; `npm run test:runtimes` checks the packed tarball the same way);
//   3. run it with `workerd test` through scripts/runtimes' launcher: its test() sends every
//      five-letter window of the alphabet to POST /predict, and a bad request;
//   4. check the answers: every next letter right, and every probability the same bits as
//      Node's predict() gives.
// Targets: all 21 next letters right (full: 50 epochs; quick: 20 epochs, ≥ 50%), all 21
// answers equal to Node's bit for bit, and the bad request refused with HTTP 400.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { data, init, layers, optimizers, sequential } from '../../dist/node.js';
import { processCommand, runProcess } from '../../scripts/runtimes/launch.js';
import { ROOT, wasmPath, workerdConfig } from '../../scripts/runtimes/package.js';
import { checkTarget, runWhenStarted, type LessonOptions, type LessonResult } from '../lesson.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const WINDOW = 5;

/** What worker.ts's test() prints. */
interface WorkerAnswers {
  windows: string[];
  predictions: { next: string; probabilities: number[] }[];
  badRequest: { status: number; body: { error: string } };
}

/** The alphabet lesson: LSTM(8) reads five one-hot letters and predicts the sixth. */
async function trainAlphabet(epochs: number) {
  const vocab = data.vocabulary(ALPHABET, { level: 'char' });
  const windows = Array.from({ length: ALPHABET.length - WINDOW }, (_, i) => ALPHABET.slice(i, i + WINDOW));
  const x = data.oneHot(windows.map((w) => Array.from(vocab.encode(w))), vocab.size);
  const y = data.oneHot(windows.map((_, i) => vocab.indexOf(ALPHABET[i + WINDOW])), vocab.size);
  const model = sequential({ seed: 7, layers: [layers.lstm({ units: 8, inputShape: [WINDOW, vocab.size] }), layers.dense({ units: vocab.size, activation: 'softmax' })] });
  model.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(x, y, { epochs, batchSize: 1, verbose: 0 });
  return { model, vocab, windows, x };
}

/** Writes the Worker's project (sources, model files, seqwasm linked) into `dir` and bundles it; returns the capnp config. */
async function buildWorker(dir: string, saved: { modelJSON: unknown; weightData: ArrayBuffer }, vocabularyJSON: unknown): Promise<string> {
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/seqwasm'), 'dir');
  copyFileSync(fileURLToPath(new URL('./worker.ts', import.meta.url)), join(dir, 'worker.ts'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(saved.modelJSON));
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(saved.weightData));
  writeFileSync(join(dir, 'vocabulary.json'), JSON.stringify(vocabularyJSON));
  writeFileSync(
    join(dir, 'saved-model.js'),
    "export { default as modelJSON } from './model.json';\nexport { default as weights } from './weights.bin';\nexport { default as vocabularyJSON } from './vocabulary.json';\n",
  );
  await build({
    entryPoints: [join(dir, 'worker.ts')],
    outfile: join(dir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['*.wasm'],
    loader: { '.bin': 'binary' },
    absWorkingDir: dir,
    logLevel: 'error',
  });
  copyFileSync(wasmPath(ROOT), join(dir, 'seqwasm.wasm'));
  return workerdConfig(dir, 'lesson');
}

export async function main({ quick = false, log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  const epochs = quick ? 20 : 50;
  const { model, vocab, windows, x } = await trainAlphabet(epochs);
  const inNode = model.predict(x).data;
  const dir = mkdtempSync(join(tmpdir(), 'seqwasm-worker-'));
  try {
    const config = await buildWorker(dir, model.save({ includeOptimizer: false }), vocab.toJSON());
    const { result, wallMs } = await runProcess('workerd', processCommand('workerd', dir, config), dir);
    const answers = result as unknown as WorkerAnswers;
    answers.windows.forEach((w, i) => i % 5 === 0 && log(`  POST /predict ${w} → ${answers.predictions[i].next}`));
    log(`  POST /predict ABC → HTTP ${answers.badRequest.status} ${JSON.stringify(answers.badRequest.body)}`);
    log(`workerd answered in ${(wallMs / 1000).toFixed(1)} s (start, load the model, ${windows.length + 1} requests)`);
    const right = answers.predictions.filter((p, i) => p.next === ALPHABET[i + WINDOW]).length / windows.length;
    const sameBits = answers.predictions.filter((p, i) => p.probabilities.every((v, j) => v === inNode[i * vocab.size + j])).length;
    const count = { format: String, compare: '=' } as const;
    const checks = [
      checkTarget('next letters right, served by workerd', right, quick ? 0.5 : 1),
      checkTarget("answers equal to Node's predict(), bit for bit", sameBits, windows.length, count),
      checkTarget('HTTP status of a bad request', answers.badRequest.status, 400, count),
    ];
    return { checks, figures: { right, sameBits, workerdSeconds: wallMs / 1000 } };
  } finally {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await runWhenStarted(import.meta.url, main);
