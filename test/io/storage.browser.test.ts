// model.save / loadModel with the browser schemes in Debian's Chromium: 'indexeddb://' and
// 'localstorage://' round trip, TF.js (its dist bundle, cpu backend) loads what seqwasm stored
// there and seqwasm loads what TF.js stored, a missing model is a ModelLoadError, and
// 'downloads://name' downloads name.json and name.weights.bin, which load again from files.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/runtimes/launch.js';
import { loadModel, type Sequential } from '../../src/index.js';

const DIST = new URL('../../dist/', import.meta.url);
const TFJS = new URL('../../node_modules/@tensorflow/tfjs/dist/tf.min.js', import.meta.url);

const PAGE = `<!doctype html><script src="tf.min.js"></script><script type="module">
try {
  const seqwasm = await import('./seqwasm.fetch.js');
  await seqwasm.init();
  await tf.setBackend('cpu');
  const { sequential, layers, loadModel } = seqwasm;
  const x = { shape: [2, 4, 3], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };
  const xs = tf.tensor(Array.from(x.data), x.shape);
  const worst = (a, b) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
  const model = sequential({ seed: 3, layers: [layers.lstm({ units: 4, inputShape: [4, 3] }), layers.dense({ units: 2, activation: 'softmax' })] });
  const ours = model.predict(x).data;
  const result = {};
  for (const url of ['indexeddb://ours', 'localstorage://ours']) {
    const info = await model.save(url);
    const again = await loadModel(url);
    const theirs = await tf.loadLayersModel(url);
    result[url] = { weightDataBytes: info.modelArtifactsInfo.weightDataBytes, reloaded: worst(again.predict(x).data, ours), tfjs: worst(theirs.predict(xs).dataSync(), ours) };
  }
  const theirs = tf.sequential({ layers: [tf.layers.gru({ units: 3, inputShape: [4, 3], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: 2 })] });
  for (const url of ['indexeddb://theirs', 'localstorage://theirs']) {
    await theirs.save(url);
    result['tfjs ' + url] = worst((await loadModel(url)).predict(x).data, theirs.predict(xs).dataSync());
  }
  result.missing = await loadModel('indexeddb://missing').then(() => 'loaded', (e) => e.name + ': ' + e.message);
  result.missingLocal = await loadModel('localstorage://missing').then(() => 'loaded', (e) => e.name + ': ' + e.message);
  await model.save('downloads://my-model');
  result.predictions = Array.from(ours);
  console.log('seqwasm-result ' + JSON.stringify(result));
} catch (error) {
  console.log('seqwasm-error ' + (error.stack || error));
}
</script>`;

function serve(): Promise<Server> {
  const server = createServer(async (request, response) => {
    const file = new URL(request.url ?? '/', 'http://x').pathname.slice(1);
    const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    try {
      const body = file === 'index.html' ? PAGE : file === 'tf.min.js' ? await readFile(TFJS) : await readFile(new URL(file.replace(/[^\w.-]/g, ''), DIST));
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('browser storage in Chromium', () => {
  let server: Server;
  let browser: Browser;
  beforeAll(async () => {
    server = await serve();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('indexeddb://, localstorage:// (both ways with TF.js) and downloads://', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const page = await context.newPage();
      const downloads: { name: string; bytes: Buffer }[] = [];
      const downloaded = new Promise<void>((resolve) => {
        page.on('download', async (download) => {
          downloads.push({ name: download.suggestedFilename(), bytes: await readFile((await download.path())!) });
          if (downloads.length === 2) resolve();
        });
      });
      const printed = new Promise<Record<string, unknown>>((resolve, reject) => {
        page.on('console', (message) => {
          const text = message.text();
          if (text.startsWith('seqwasm-result ')) resolve(JSON.parse(text.slice('seqwasm-result '.length)));
          else if (text.startsWith('seqwasm-error ')) reject(new Error(text));
        });
        page.on('pageerror', (error) => reject(error));
      });
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
      const result = await printed;
      for (const url of ['indexeddb://ours', 'localstorage://ours']) {
        expect(result[url], url).toMatchObject({ weightDataBytes: 4 * (3 * 16 + 4 * 16 + 16 + 4 * 2 + 2), reloaded: 0 });
        expect((result[url] as { tfjs: number }).tfjs, url).toBeLessThan(1e-6);
      }
      for (const url of ['indexeddb://theirs', 'localstorage://theirs']) expect(result[`tfjs ${url}`], `tfjs ${url}`).toBeLessThan(1e-5);
      expect(result.missing).toBe("ModelLoadError: loadModel: IndexedDB has no model named \"missing\"");
      expect(result.missingLocal).toBe("ModelLoadError: loadModel: localStorage has no model named \"missing\"");
      await downloaded;
      const byName = Object.fromEntries(downloads.map((d) => [d.name, d.bytes]));
      expect(Object.keys(byName).sort()).toEqual(['my-model.json', 'my-model.weights.bin']);
      const modelJSON = JSON.parse(byName['my-model.json'].toString('utf8'));
      expect(modelJSON.weightsManifest[0].paths).toEqual(['./my-model.weights.bin']);
      const weights = byName['my-model.weights.bin'];
      const again: Sequential = await loadModel({ modelJSON, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) });
      const x = { shape: [2, 4, 3], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };
      expect(Array.from(again.predict(x).data)).toEqual(result.predictions);
      again.dispose();
    } finally {
      await context.close();
    }
  }, 120_000);
});
