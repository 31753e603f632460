// 'seqwasm/inference' (issue 12's size and cold start): the API without the training code. Its
// public names are 'seqwasm''s minus training's; its built entries hold none of the training
// loop, losses, metrics, optimizers or callbacks; and in a fresh process its models predict
// the bits 'seqwasm' predicts, load saved models (a training config left out), save, and refuse
// compile and the methods that train with an error naming 'seqwasm'.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as full from '../../src/index.js';
import * as inference from '../../src/inference.js';
import * as training from '../../src/training/index.js';
import { entryDownloads } from '../../scripts/size/graph.js';

const ROOT = new URL('../..', import.meta.url);
const dist = (file: string) => new URL(`dist/${file}`, ROOT);

/** Messages only training code holds: the loop, fit's epochs, a loss, an optimizer, a callback. */
const TRAINING_MARKERS = [
  'trainOnBatch: the loss is', // training/training.ts
  'give validationSplit or validationData, not both', // training/fit.ts
  'compile() needs an optimizer', // training/compile.ts
  'is not in the logs (', // training/callbacks.ts
];

/** Runs `body` as an ES module in a fresh Node with `api` bound to the built entry `entry`; returns what it prints as JSON. */
function inFreshNode(entry: string, body: string): unknown {
  const script = `const api = await import(${JSON.stringify(dist(entry).href)});\nawait api.init();\n${body}`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe("'seqwasm/inference'", () => {
  it("exports every name of 'seqwasm' except the training API's", () => {
    const trainingNames = Object.keys(training).sort();
    expect(trainingNames).toEqual(expect.arrayContaining(['optimizers', 'losses', 'metrics', 'callbacks', 'History']));
    expect(Object.keys(inference).sort()).toEqual(Object.keys(full).filter((name) => !trainingNames.includes(name)).sort());
  });

  it('its built entries hold no training code; the full ones do', () => {
    const initialJs = (entry: string) =>
      entryDownloads(ROOT.pathname, entry, 'seqwasm.wasm')
        .initial.filter((f) => f.file.endsWith('.js'))
        .map((f) => readFileSync(dist(f.file), 'utf8').replaceAll('\\\n', ''))
        .join('\n');
    const everything = (entry: string, wasm = 'seqwasm-inference.wasm') => {
      const { initial, lazy } = entryDownloads(ROOT.pathname, entry, wasm);
      return [...initial, ...lazy.flatMap(({ files }) => files)].filter((f) => f.file.endsWith('.js')).map((f) => readFileSync(dist(f.file), 'utf8').replaceAll('\\\n', '')).join('\n');
    };
    for (const marker of TRAINING_MARKERS) {
      for (const entry of ['seqwasm.inference.node.js', 'seqwasm.inference.fetch.js', 'seqwasm.inference.workerd.js']) {
        expect(everything(entry).includes(marker), `'${marker}' in ${entry}`).toBe(false);
      }
      expect(everything('seqwasm.node.js', 'seqwasm.wasm').includes(marker), `'${marker}' in seqwasm.node.js`).toBe(true);
    }
    // The full fetch entry loads the loop and compile at once (compile is synchronous) and fit's epochs later.
    expect(initialJs('seqwasm.fetch.js').includes(TRAINING_MARKERS[0])).toBe(true);
  });

  it('predicts the bits of the full entry, saves, loads a compiled save uncompiled, and refuses training by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seqwasm-inference-'));
    try {
      const build = `const model = api.sequential({ seed: 7, layers: [api.layers.lstm({ units: 5, inputShape: [4, 3] }), api.layers.dense({ units: 2, activation: 'softmax' })] });
const x = { shape: [2, 4, 3], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };`;
      const saved = inFreshNode(
        'seqwasm.node.js',
        `${build}
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
await model.save(${JSON.stringify(`file://${dir}`)});
console.log(JSON.stringify(Array.from(model.predict(x).data)));`,
      ) as number[];
      const result = inFreshNode(
        'seqwasm.inference.node.js',
        `${build}
const refusal = (run) => { try { run(); return 'no error'; } catch (error) { return error.name + ': ' + error.message; } };
const loaded = await api.loadModel(${JSON.stringify(`file://${dir}/model.json`)});
let fitError = 'no error';
await model.fit(x, x).catch((error) => (fitError = error.name + ': ' + error.message));
const again = await model.save();
console.log(JSON.stringify({
  predicted: Array.from(model.predict(x).data),
  loaded: Array.from(loaded.predict(x).data),
  loadedCompiled: loaded.loss !== undefined,
  compile: refusal(() => model.compile({ optimizer: 'adam', loss: 'mse' })),
  evaluate: refusal(() => loaded.evaluate(x, x)),
  fit: fitError,
  saved: again.modelJSON.modelTopology !== undefined,
}));`,
      ) as Record<string, unknown>;
      expect(result.predicted).toEqual(saved);
      expect(result.loaded).toEqual(saved);
      expect(result.loadedCompiled).toBe(false);
      expect(result.compile).toMatch(/^ModelStateError: .*compile\(\) trains, and 'seqwasm\/inference' only predicts: import from 'seqwasm'/);
      expect(result.evaluate).toMatch(/^ModelStateError: .*evaluate\(\) trains, and 'seqwasm\/inference' only predicts/);
      expect(result.fit).toMatch(/^ModelStateError: .*fit\(\) trains, and 'seqwasm\/inference' only predicts/);
      expect(result.saved).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
