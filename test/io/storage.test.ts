// model.save(destination) and loadModel(source) with TF.js's URL schemes in Node: 'file://dir'
// (folder created), custom handlers both ways (including TF.js's own artifacts), and the
// browser-only schemes refused with errors that say where they work. The browser stores are
// tested in Chromium (storage.browser.test.ts).
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { layers, loadModel, ModelInputError, ModelLoadError, ModelStateError, sequential, type Sequential } from '../../src/index.js';
import type { IOHandler, ModelArtifacts } from '../../src/io/storage.js';

const dir = mkdtempSync(join(tmpdir(), 'seqwasm-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const models: Sequential[] = [];
afterEach(() => models.splice(0).forEach((m) => m.dispose()));
const keep = <M extends Sequential>(model: M) => (models.push(model), model);

const x = { shape: [2, 4, 3], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };
function trained(): Sequential {
  const model = keep(sequential({ seed: 5, layers: [layers.lstm({ units: 4, inputShape: [4, 3] }), layers.dense({ units: 2, activation: 'softmax' })] }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return model;
}

describe("model.save('file://dir') and loadModel('file://…')", () => {
  it('creates the folder, writes model.json and weights.bin, and loads back bit for bit', async () => {
    const model = trained();
    await model.fit(x, { shape: [2, 2], data: Float32Array.of(1, 0, 0, 1) }, { epochs: 2, verbose: 0 });
    const folder = join(dir, 'nested', 'model');
    const result = await model.save(`file://${folder}`);
    expect(result.modelArtifactsInfo).toMatchObject({ modelTopologyType: 'JSON', weightDataBytes: readFileSync(join(folder, 'weights.bin')).byteLength });
    expect(JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')).weightsManifest[0].paths).toEqual(['weights.bin']);
    for (const source of [`file://${folder}/model.json`, join(folder, 'model.json')]) {
      const again = keep(await loadModel(source));
      expect(again.predict(x).data).toEqual(model.predict(x).data);
      expect(again.optimizer.iterations).toBe(model.optimizer.iterations); // the checkpoint resumes
    }
  });

  it("names the model.json to load when given the folder save('file://dir') wrote", async () => {
    const folder = join(dir, 'saved-folder');
    await trained().save(`file://${folder}`);
    for (const source of [`file://${folder}`, `file://${folder}/`, folder]) {
      await expect(loadModel(source)).rejects.toThrow(`is not a regular file (a directory); only regular files are read; a model saved with save('file://…') loads from its model.json: '${folder}/model.json'`);
    }
    // A missing file gets no such hint.
    await expect(loadModel(`file://${folder}/nothing.json`)).rejects.toThrow(/could not read .*nothing\.json: [^;]*$/);
  });

  it('rejects (never throws) for an unbuilt model and an unwritable folder', async () => {
    const unbuilt = keep(sequential([layers.dense({ units: 1 })]));
    const saving = unbuilt.save(`file://${join(dir, 'never')}`);
    await expect(saving).rejects.toThrow(ModelStateError);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'not a folder');
    await expect(trained().save(`file://${aFile}/model`)).rejects.toThrow(/could not write model.json and weights.bin into .*a-file\/model: .*ENOTDIR|EEXIST/);
  });
});

describe('custom handlers (TF.js io.IOHandler)', () => {
  it("save() receives TF.js artifacts that TF.js loads and predicts the same; load() hands them back", async () => {
    const model = trained();
    let stored: ModelArtifacts | undefined;
    const handler: IOHandler = {
      save: (artifacts) => {
        stored = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: artifacts.weightData.byteLength } };
      },
      load: async () => stored,
    };
    await model.save(handler, { includeOptimizer: false });
    expect(stored!.weightSpecs.map((w) => w.name)).toEqual(['lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias', 'dense/kernel', 'dense/bias'].map((n, i) => model.layers[i < 3 ? 0 : 1].name + n.slice(n.indexOf('/'))));
    const again = keep(await loadModel(handler));
    expect(again.predict(x).data).toEqual(model.predict(x).data);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(stored!));
    const predicted = (theirs.predict(tf.tensor(Array.from(x.data), x.shape)) as tf.Tensor).dataSync();
    expect(Math.max(...Array.from(predicted, (v, i) => Math.abs(v - model.predict(x).data[i])))).toBeLessThan(1e-6);
  });

  it('loads what TF.js saved through its own withSaveHandler', async () => {
    const theirs = tf.sequential({ layers: [tf.layers.gru({ units: 3, inputShape: [4, 3], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 1 })] });
    let saved: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const ours = keep(await loadModel({ load: () => saved }));
    const expected = (theirs.predict(tf.tensor(Array.from(x.data), x.shape)) as tf.Tensor).dataSync();
    expect(Math.max(...Array.from(ours.predict(x).data, (v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
  });

  it('a handler whose load() returns something else is checked like any file', async () => {
    await expect(loadModel({ load: () => 'model.json?' })).rejects.toThrow(ModelLoadError);
    await expect(loadModel({ load: async () => ({ modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(3) }) })).rejects.toThrow(ModelLoadError);
  });
});

describe('browser-only schemes in Node', () => {
  it('are refused with where they work', async () => {
    const model = trained();
    await expect(model.save('indexeddb://m')).rejects.toThrow(/'indexeddb:\/\/' needs IndexedDB/);
    await expect(model.save('localstorage://m')).rejects.toThrow(/'localstorage:\/\/' needs window.localStorage/);
    await expect(model.save('downloads://m')).rejects.toThrow(/in Node save to 'file:\/\/dir'/);
    await expect(model.save('gs://bucket/m')).rejects.toThrow(ModelInputError);
    await expect(model.save('file://')).rejects.toThrow(/names no folder/);
    await expect(loadModel('indexeddb://m')).rejects.toThrow(/needs IndexedDB/);
    await expect(loadModel('downloads://m')).rejects.toThrow(/only saves/);
  });
});
