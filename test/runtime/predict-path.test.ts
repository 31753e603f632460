// What a bundler keeps of the package for a page that builds a model and predicts (issue 12's
// size budget): bundlers read the unbundled dist/*.js (package.json's "module" condition) and
// drop what the page never reaches. fit()'s epochs, callbacks and progress bar load on the
// first fit(), loadModel's reader on the first loadModel(), and the layer kinds a model only
// asks about (Embedding, Bidirectional, TimeDistributed, RNN) stay out of a model without them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');

/** The dist/ files of the chunks a Vite production build of `page` loads before it runs, and of those it imports later. */
async function bundledFiles(page: string): Promise<{ initial: Set<string>; lazy: Set<string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'seqwasm-predict-path-'));
  try {
    writeFileSync(join(dir, 'page.js'), page);
    const result = (await build({ root: dir, configFile: false, logLevel: 'silent', build: { write: false, rollupOptions: { input: join(dir, 'page.js') } } })) as Rolldown.RolldownOutput;
    const chunks = new Map(result.output.flatMap((o) => (o.type === 'chunk' ? [[o.fileName, o] as const] : [])));
    const initialChunks = new Set<string>();
    const visit = (name: string) => {
      if (initialChunks.has(name)) return;
      initialChunks.add(name);
      for (const next of chunks.get(name)!.imports) if (chunks.has(next)) visit(next);
    };
    visit([...chunks.values()].find((c) => c.isEntry)!.fileName);
    const files = (names: Iterable<string>) => new Set([...names].flatMap((name) => chunks.get(name)!.moduleIds.filter((id) => id.startsWith(DIST)).map((id) => relative(DIST, id))));
    return { initial: files(initialChunks), lazy: files([...chunks.keys()].filter((name) => !initialChunks.has(name))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('what a bundled page that predicts loads before it runs', () => {
  it('the "module" condition gives bundlers the unbundled fetch entry', () => {
    const exports = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports['.'];
    expect(exports.module).toBe('./dist/fetch.js');
    // After the runtimes' own conditions, before browser/default, so Node, Deno, Bun and workerd keep their bundles.
    expect(Object.keys(exports).slice(Object.keys(exports).indexOf('node'))).toEqual(['node', 'module', 'browser', 'default']);
  });

  it('a page that builds an LSTM and predicts: no fit loop, callbacks, progress bar, model-file reader or unused layer kinds', async () => {
    const { initial, lazy } = await bundledFiles(`
      import { init, layers, sequential } from ${JSON.stringify(join(DIST, 'fetch.js'))};
      await init();
      const model = sequential({ seed: 1, layers: [layers.lstm({ units: 8, inputShape: [5, 26] }), layers.dense({ units: 26, activation: 'softmax' })] });
      console.log(model.predict({ shape: [1, 5, 26], data: new Float32Array(130) }).data);
    `);
    for (const used of ['fetch.js', 'layers/recurrent.js', 'layers/dense.js', 'model/sequential.js', 'kernels/recurrent.js']) expect(initial, used).toContain(used);
    for (const unused of ['training/fit.js', 'training/callbacks.js', 'training/progress.js', 'io/artifacts.js', 'layers/serialization.js', 'layers/bidirectional.js', 'layers/embedding.js', 'layers/time-distributed.js', 'layers/rnn.js', 'layers/conv.js', 'data/csv.js']) {
      expect(initial, `${unused} is loaded before the page runs`).not.toContain(unused);
    }
    // fit() is still there for a page that calls it, one import() away.
    expect(lazy).toContain('training/fit.js');
  });
});
