// npm run test:playground — the playground (playground/) and the browser example
// (examples/browser/) built with Vite and opened in Debian's Chromium:
//   1. the playground trains the names task (LSTM) for a few epochs in its Web Worker: the
//      loss chart drew and the loss fell, predictions and gate heatmaps are shown, and the page
//      stays responsive meanwhile (a 10 ms timer on the page keeps firing, and JavaScript
//      keeps its main thread busy less than 60% of the time);
//   2. pause holds the epoch, resume goes on;
//   3. save downloads model.json + weights.bin and keeps a copy in IndexedDB; after a reload
//      the copy, and in a fresh browser context the downloaded files, load back to the same
//      predictions, and training resumes from them;
//   4. every other task, each with another cell, trains two epochs and draws; Train pressed
//      twice at once leaves one training run;
//   5. the browser example loads a model saved in Node and predicts what Node predicts.
// A screenshot of the trained page goes to test/artifacts/playground.png.
//
//   npm run test:playground [-- --json=FILE]    FILE gets { passed, failed, tests } for CI
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { data, init, loadModel } from '../../dist/node.js';
import { jsonFileArg, Outcomes, ms } from '../outcomes.js';
import { launchChromium } from '../runtimes/launch.js';
import { ROOT } from '../runtimes/package.js';
import { buildBrowserExample, buildPlayground, origin, serveStatic } from './build.js';

const WAIT_MS = 20_000;
const SCREENSHOT = join(ROOT, 'test/artifacts/playground.png');

const json = jsonFileArg('playground', process.argv.slice(2));
const outcomes = new Outcomes();
const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'seqwasm-playground-test-'));
const servers: Server[] = [];
const errors: string[] = [];
let browser: Browser | undefined;
try {
  const built = performance.now();
  await buildPlayground(join(dir, 'playground'));
  const playground = await serveStatic(join(dir, 'playground'));
  servers.push(playground);
  console.log(`built the playground with Vite in ${ms(built)}`);
  browser = await launchChromium();
  const url = `${origin(playground)}/`;

  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1240, height: 900 } });
  const page = await openPage(context, url);
  let savedPredictions = '';
  const files = { json: join(dir, 'model.json'), weights: join(dir, 'weights.bin') };

  await outcomes.checkAsync('trains the names task in a worker: the loss chart drew and the loss fell', async () => {
    await choose(page, 'names', 'lstm');
    const trainStarted = performance.now();
    await page.click('#train');
    await waitForEpoch(page, 4);
    const loss = await lossValues(page);
    const points = (await page.getAttribute('#loss-chart path.loss', 'd'))?.match(/[ML]/g)?.length ?? 0;
    if (points < 4) throw new Error(`the loss chart has ${points} points after ${loss.length} epochs`);
    if (!(loss.at(-1)! < loss[0] * 0.9)) throw new Error(`the loss did not fall by 10%: ${loss.map((l) => l.toFixed(4)).join(' → ')}`);
    return `${loss.length} epochs in ${ms(trainStarted)}, loss ${loss.map((l) => l.toFixed(3)).join(' → ')}, a chart of ${points} points`;
  });

  await outcomes.checkAsync('the page stays responsive while the worker trains: a 10 ms timer keeps firing, the main thread mostly idle', async () => {
    // Performance.getMetrics counts the page's main thread only; the worker runs on its own.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const scriptSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration')!.value;
    const [progressBefore, scriptBefore, since] = [await page.textContent('#loss-now'), await scriptSeconds(), performance.now()];
    const { ticks, maxGapMs } = await page.evaluate(timerGaps, 1500);
    const share = (await scriptSeconds() - scriptBefore) / ((performance.now() - since) / 1000);
    const progressAfter = await page.textContent('#loss-now');
    await cdp.detach();
    const seen = `a 10 ms timer fired ${ticks} times in 1.5 s (longest gap ${maxGapMs.toFixed(0)} ms); JavaScript kept the page's main thread busy ${(100 * share).toFixed(0)}% of the time`;
    if (progressAfter === progressBefore) throw new Error(`training made no progress meanwhile (${progressAfter}): nothing was measured`);
    if (maxGapMs > 400 || ticks < 50 || share > 0.6) throw new Error(seen);
    return `${seen}; training went from "${progressBefore}" to "${progressAfter}"`;
  });

  await outcomes.checkAsync('shows predictions (sampled names) and LSTM heatmaps that are drawn', async () => {
    const rows = await page.locator('#predictions tbody tr').count();
    const maps = await heatmapCaptions(page);
    const want = ['hidden state h', 'cell state c', 'input gate i', 'forget gate f', 'output gate o', 'candidate c̃'];
    if (rows !== 8) throw new Error(`${rows} sampled names, expected 8`);
    if (maps.join() !== want.join()) throw new Error(`heatmaps ${maps.join(', ')}, expected ${want.join(', ')}`);
    const painted = await paintedCanvases(page);
    if (painted !== want.length) throw new Error(`${painted} of ${want.length} heatmap canvases have coloured cells`);
    return `${rows} names (${await page.textContent('#prediction-summary')}); ${maps.length} heatmaps, all painted`;
  });

  await outcomes.checkAsync('pause holds the epoch, resume trains on', async () => {
    await page.click('#pause');
    await page.waitForSelector('body[data-state=paused]', { timeout: WAIT_MS });
    const held = await epoch(page);
    await page.waitForTimeout(700);
    if ((await epoch(page)) !== held) throw new Error(`paused at epoch ${held}, then epoch ${await epoch(page)}`);
    await page.click('#resume');
    await waitForEpoch(page, held + 1);
    await page.click('#pause');
    await page.waitForSelector('body[data-state=paused]', { timeout: WAIT_MS });
    return `held at epoch ${held} for 700 ms, resumed to ${await epoch(page)}`;
  });

  await outcomes.checkAsync('save: downloads model.json and weights.bin, and keeps a copy in IndexedDB', async () => {
    await page.waitForTimeout(300); // the pause's snapshot has arrived
    savedPredictions = await predictionsText(page);
    const downloads: Promise<unknown>[] = [];
    const both = new Promise<void>((resolve) => {
      page.on('download', (download) => {
        downloads.push(download.saveAs(download.suggestedFilename() === 'model.json' ? files.json : files.weights));
        if (downloads.length === 2) resolve();
      });
    });
    await page.click('#save');
    await both;
    await Promise.all(downloads);
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Saved'), null, { timeout: WAIT_MS });
    const modelJSON = JSON.parse(readFileSync(files.json, 'utf8'));
    const bytes = readFileSync(files.weights).byteLength;
    const playground = modelJSON.userDefinedMetadata?.playground;
    if (playground?.settings?.task !== 'names') throw new Error(`model.json lacks the playground's settings: ${JSON.stringify(modelJSON.userDefinedMetadata)}`);
    const declared = modelJSON.weightsManifest[0].weights.reduce((sum: number, w: { shape: number[] }) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    if (declared !== bytes) throw new Error(`weights.bin has ${bytes} bytes, its manifest declares ${declared}`);
    return `model.json (${playground.loss.length} epochs of history) and weights.bin (${bytes} bytes, with the optimizer state)`;
  });

  await outcomes.checkAsync('load from IndexedDB after a reload: the same predictions', async () => {
    await page.reload();
    await page.click('#load-stored');
    await page.waitForSelector('body[data-state=paused]', { timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelectorAll('#predictions tbody tr').length > 0, null, { timeout: WAIT_MS });
    const again = await predictionsText(page);
    if (again !== savedPredictions) throw new Error(`before saving:\n${savedPredictions}\nafter loading:\n${again}`);
    return `task and settings restored (${await page.inputValue('#task')}, ${await page.inputValue('#cell')}), ${await page.textContent('#prediction-summary')}`;
  });

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  await outcomes.checkAsync('load the downloaded files in a fresh browser context: the same predictions, and training resumes', async () => {
    const fresh = await browser!.newContext();
    try {
      const other = await openPage(fresh, url);
      await other.setInputFiles('#load-files', [files.json, files.weights]);
      await other.waitForSelector('body[data-state=paused]', { timeout: WAIT_MS });
      await other.waitForFunction(() => document.querySelectorAll('#predictions tbody tr').length > 0, null, { timeout: WAIT_MS });
      const again = await predictionsText(other);
      if (again !== savedPredictions) throw new Error(`before saving:\n${savedPredictions}\nafter loading the files:\n${again}`);
      const before = await lossValues(other);
      await other.click('#resume');
      await waitForEpoch(other, before.length + 1);
      const after = await lossValues(other);
      if (after.slice(0, before.length).join() !== before.join()) throw new Error('the loss history changed on resuming');
      return `resumed at epoch ${before.length}, loss ${before.at(-1)!.toFixed(4)} → ${after.at(-1)!.toFixed(4)}`;
    } finally {
      await fresh.close();
    }
  });

  const others = [
    { task: 'alphabet', cell: 'gru', maps: 4, prediction: 'table' },
    { task: 'sine', cell: 'simpleRNN', maps: 1, prediction: 'series' },
    { task: 'co2', cell: 'gru', maps: 4, prediction: 'series' },
    { task: 'waves', cell: 'simpleRNN', maps: 1, prediction: 'table' },
  ] as const;
  for (const { task, cell, maps, prediction } of others) {
    await outcomes.checkAsync(`${task} with ${cell}: trains and draws`, async () => {
      await choose(page, task, cell);
      const shown = await epoch(page);
      await page.click('#train');
      // The previous task trains on until the worker starts this one: wait for this task's own epochs.
      await page.waitForFunction(({ before, chosen }) => document.body.dataset.task === chosen && Number(document.body.dataset.epoch) >= 2 && document.body.dataset.epoch !== before, { before: String(shown), chosen: task }, { timeout: WAIT_MS });
      const loss = await lossValues(page);
      const drawn = prediction === 'series' ? await page.locator('#predictions svg path.predicted').count() : await page.locator('#predictions tbody tr').count();
      if (!drawn) throw new Error(`no ${prediction} of predictions`);
      const captions = await heatmapCaptions(page);
      if (captions.length !== maps || (await paintedCanvases(page)) !== maps) throw new Error(`heatmaps: ${captions.join(', ')}, expected ${maps}, all painted`);
      if (!loss.every(Number.isFinite)) throw new Error(`loss ${loss}`);
      return `${await page.textContent('#prediction-summary')}; ${captions.join(', ')}`;
    });
  }
  await outcomes.checkAsync('Train pressed twice at once: the second run replaces the first, never runs beside it', async () => {
    await page.click('#pause'); // the last task's epochs end here
    await page.waitForSelector('body[data-state=paused]', { timeout: WAIT_MS });
    await choose(page, 'alphabet', 'lstm');
    const epochs = page.evaluate(epochsShown, 2500);
    await page.dblclick('#train');
    // Each press starts a run at epoch 0; the second ends the first. Two runs at once would
    // interleave their epochs, and the count would step back within a run.
    const shown = await epochs;
    const runs = shown.filter((e) => e === 0).length;
    const backwards = shown.some((e, i) => i > 0 && e !== 0 && e < shown[i - 1]);
    if (backwards || runs < 1 || runs > 2 || shown.length < 3) throw new Error(`the page showed epochs ${shown.join(', ')}`);
    return `epochs ${shown.slice(0, 10).join(', ')} … ${shown.at(-1)}: ${runs} run(s) one after the other`;
  });
  if (errors.length) outcomes.record('no errors on the page', false, errors.join('\n'));
  else outcomes.record('no errors on the page', true, 'no console error, uncaught exception or error status');
  await context.close();

  await outcomes.checkAsync('examples/browser: a model saved in Node loads in a Vite page and predicts what Node predicts', async () => {
    const modelDir = join(dir, 'browser-public/model');
    const made = execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'examples/browser/make-model.ts'), `--out=${modelDir}`], { encoding: 'utf8' }).trim();
    await buildBrowserExample(join(dir, 'browser'), join(dir, 'browser-public'));
    const server = await serveStatic(join(dir, 'browser'));
    servers.push(server);
    const examplePage = await (await browser!.newContext()).newPage();
    const result = new Promise<{ predicted: string; probs: number[] }>((resolve, reject) => {
      examplePage.on('console', (m) => {
        if (m.text().startsWith('seqwasm-result ')) resolve(JSON.parse(m.text().slice('seqwasm-result '.length)));
        else if (m.type() === 'error') reject(new Error(m.text()));
      });
      setTimeout(() => reject(new Error(`no result after ${WAIT_MS} ms`)), WAIT_MS);
    });
    await examplePage.goto(`${origin(server)}/`);
    const { probs } = await result;
    await init();
    const model = await loadModel(join(modelDir, 'model.json'));
    // The page's windows, encoded as in examples/browser/main.js.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const vocab = data.vocabulary(alphabet, { level: 'char' });
    const nodeProbs = Array.from(model.predict(data.oneHot(data.slidingWindows(alphabet, 5).windows.map((w) => [...vocab.encode(w)]), vocab.size)).data);
    model.dispose();
    if (JSON.stringify(nodeProbs) !== JSON.stringify(probs)) throw new Error('the page predicts other probabilities than Node');
    const shown = await examplePage.locator('#predictions li').count();
    return `${made}; the page lists ${shown} predictions, "${await examplePage.textContent('#status')}", the same ${probs.length} probabilities as Node, to the bit`;
  });
} catch (error) {
  outcomes.record('setup', false, (error as Error).stack ?? String(error));
} finally {
  await browser?.close();
  servers.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\ntest:playground took ${ms(started)}`);
process.exit(outcomes.finish('playground', json));

// ---- helpers -----------------------------------------------------------------------------

/** Opens the playground; console errors, uncaught exceptions and error statuses go to `errors`. */
async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('#task option', { state: 'attached' });
  return page;
}

async function choose(page: Page, task: string, cell: string): Promise<void> {
  await page.selectOption('#task', task);
  await page.selectOption('#cell', cell);
}

async function epoch(page: Page): Promise<number> {
  return Number(await page.getAttribute('body', 'data-epoch'));
}

async function waitForEpoch(page: Page, least: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.dataset.epoch) >= n, least, { timeout: WAIT_MS });
  const status = await page.textContent('#status');
  if (await page.$('#status.error')) throw new Error(`the page reports: ${status}`);
}

async function lossValues(page: Page): Promise<number[]> {
  return JSON.parse((await page.getAttribute('#loss-chart', 'data-loss')) ?? '[]') as number[];
}

async function predictionsText(page: Page): Promise<string> {
  return `${await page.textContent('#prediction-summary')}\n${await page.textContent('#predictions')}`;
}

async function heatmapCaptions(page: Page): Promise<string[]> {
  const captions = await page.locator('#heatmaps figcaption').allTextContents();
  return captions.map((c) => c.replace(/ \(.*\)$/, ''));
}

/** Heatmap canvases with at least one cell that is neither white nor transparent. */
function paintedCanvases(page: Page): Promise<number> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLCanvasElement>('#heatmaps canvas')).filter((canvas) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0 && (pixels[i] < 250 || pixels[i + 1] < 250 || pixels[i + 2] < 250)) return true;
      return false;
    }).length,
  );
}

/** Runs in the page: every epoch the page shows (body[data-epoch]) for `durationMs`. */
function epochsShown(durationMs: number): Promise<number[]> {
  return new Promise((resolve) => {
    const shown: number[] = [];
    const observer = new MutationObserver(() => shown.push(Number(document.body.dataset.epoch)));
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-epoch'] });
    setTimeout(() => {
      observer.disconnect();
      resolve(shown);
    }, durationMs);
  });
}

/** Runs in the page: a 10 ms interval for `durationMs`; how often it fired and its longest gap. */
function timerGaps(durationMs: number): Promise<{ ticks: number; maxGapMs: number }> {
  return new Promise((resolve) => {
    let last = performance.now();
    let ticks = 0;
    let maxGapMs = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      ticks++;
    }, 10);
    setTimeout(() => {
      clearInterval(timer);
      resolve({ ticks, maxGapMs });
    }, durationMs);
  });
}
