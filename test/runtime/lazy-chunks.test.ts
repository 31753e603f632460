// The built entries (dist/) leave out of what loads before they run, and import on first use,
// the code a first prediction does not need (issue 12): loadModel's model-file reader, the file
// formats, save destinations, fit's epochs and its progress bar. Browsers and workers download
// less; Node compiles less at import. Each Node entry imports one chunk at start (every file
// costs Node a resolve and a load; scripts/bundle.js) and still loads a saved model.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryDownloads, importsOf } from '../../scripts/size/graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A built file's code with esbuild's line continuations (--line-limit splits strings with `\` + newline) joined. */
const text = (file: string) => readFileSync(new URL(`../../dist/${file}`, import.meta.url), 'utf8').replaceAll('\\\n', '');

/** A message only the module named by the key holds (so the test finds where its code went). */
const READER = { 'model-file reader (io/artifacts.ts)': 'must be a relative path of plain names' };
const PROGRESS = { 'progress bar (training/progress.ts)': 'progressLogger has no training params' };
const FIT = { "fit's epochs (training/fit.ts)": 'give validationSplit or validationData, not both' };
const STORAGE = { 'save destinations (io/storage.ts)': 'needs IndexedDB, which this runtime does not have' };
/** Browsers and workers fetch model files with it; the Node entries import it at once (init() reads paths with its urlOf). */
const FETCHING = { 'reading within limits (runtime/location.ts)': 'redirects to a location that is not a URL' };

describe('lazy chunks of the built entries', () => {
  it('reads static and dynamic imports from esbuild output', () => {
    const code = 'import{a as b}from"./seqwasm.chunk-AB.js";import"./seqwasm.chunk-CD.js";let x=()=>import("./seqwasm.progress-EF.js");';
    expect(importsOf(code)).toEqual({ static: ['seqwasm.chunk-AB.js', 'seqwasm.chunk-CD.js'], dynamic: ['seqwasm.progress-EF.js'] });
  });

  const entries: [string, Record<string, string>][] = [
    ['seqwasm.fetch.js', { ...READER, ...FETCHING, ...PROGRESS, ...FIT, ...STORAGE }],
    ['seqwasm.workerd.js', { ...READER, ...FETCHING, ...PROGRESS, ...FIT, ...STORAGE }],
    ['seqwasm.node.js', { ...READER, ...PROGRESS, ...FIT, ...STORAGE }],
    ['seqwasm.inference.node.js', { ...READER, ...STORAGE }],
  ];
  for (const [entry, markers] of entries) {
    it(`${entry} loads these only when first used: ${Object.keys(markers).join(', ')}`, () => {
      const { initial, lazy } = entryDownloads(ROOT, entry, 'seqwasm.wasm');
      const initialJs = initial.filter((f) => f.file.endsWith('.js')).map((f) => text(f.file)).join('\n');
      const lazyJs = lazy.flatMap(({ files }) => files.map((f) => text(f.file))).join('\n');
      expect(initial.map((f) => f.file)).toContain('seqwasm.wasm');
      for (const [what, marker] of Object.entries(markers)) {
        expect(initialJs.includes(marker), `${what} is loaded before ${entry} runs`).toBe(false);
        expect(lazyJs.includes(marker), `${what} is in no chunk that ${entry} imports later`).toBe(true);
      }
    });
  }

  for (const [entry, wasm] of [
    ['seqwasm.node.js', 'seqwasm.wasm'],
    ['seqwasm.inference.node.js', 'seqwasm-inference.wasm'],
  ]) {
    it(`the built ${entry} imports one chunk at start, which imports no other`, () => {
      const { initial } = entryDownloads(ROOT, entry, wasm);
      const chunks = initial.map((f) => f.file).filter((file) => file !== entry && file !== wasm);
      expect(chunks).toEqual([expect.stringMatching(new RegExp(`^${entry.replace(/\.js$/, '').replaceAll('.', '\\.')}-chunk-\\w+\\.js$`))]);
      expect(importsOf(text(chunks[0])).static).toEqual([]);
    });
  }

  it('the built Node entry loads a saved model from disk', async () => {
    const { init, layers, loadModel, sequential } = await import(new URL('../../dist/seqwasm.node.js', import.meta.url).href);
    await init();
    const model = sequential({ seed: 3, layers: [layers.lstm({ units: 3, inputShape: [2, 2] }), layers.dense({ units: 1 })] });
    const x = { shape: [1, 2, 2], data: Float32Array.of(0.1, -0.2, 0.3, 0.4) };
    const dir = mkdtempSync(join(tmpdir(), 'seqwasm-lazy-'));
    try {
      const { modelJSON, weightData } = model.save();
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJSON));
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(weightData));
      const loaded = await loadModel(join(dir, 'model.json'));
      expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(model.predict(x).data));
      loaded.dispose();
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
