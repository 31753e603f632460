// The page: controls, the charts and heatmaps the worker's snapshots fill in, and saving and
// loading (download of model.json + weights.bin, a copy in IndexedDB, files picked back in).
// Nothing here trains: worker.ts does, so the page keeps drawing while it works.
import type { SavedModel } from 'seqwasm';
import { drawHeatmap, lineChart } from './charts.js';
import { TASK_INFO, type CellName, type FromWorker, type Settings, type Snapshot, type TaskName, type ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const controls = {
  task: $<HTMLSelectElement>('task'),
  cell: $<HTMLSelectElement>('cell'),
  units: $<HTMLInputElement>('units'),
  learningRate: $<HTMLInputElement>('learning-rate'),
  pause: $<HTMLButtonElement>('pause'),
  resume: $<HTMLButtonElement>('resume'),
  save: $<HTMLButtonElement>('save'),
};
const status = $('status');

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
/** The task of the session whose snapshots come now: the worker says 'ready' only after the previous session's last snapshot. */
let sessionTask = '';
const send = (message: ToWorker) => worker.postMessage(message);

for (const [name, info] of Object.entries(TASK_INFO)) controls.task.append(new Option(info.title, name));
const showDefaults = () => {
  const info = TASK_INFO[controls.task.value as TaskName];
  controls.units.value = String(info.units);
  controls.learningRate.value = String(info.learningRate);
};
controls.task.addEventListener('change', showDefaults);
showDefaults();

$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  const settings: Settings = {
    task: controls.task.value as TaskName,
    cell: controls.cell.value as CellName,
    units: Math.max(1, Math.min(256, Math.round(Number(controls.units.value)) || 1)),
    learningRate: Number(controls.learningRate.value) || TASK_INFO[controls.task.value as TaskName].learningRate,
  };
  say('Starting…');
  send({ type: 'start', settings });
});
controls.pause.addEventListener('click', () => send({ type: 'pause' }));
controls.resume.addEventListener('click', () => send({ type: 'resume' }));
controls.save.addEventListener('click', () => send({ type: 'save' }));
$('load-stored').addEventListener('click', async () => {
  const model = await storedModel().catch(() => undefined);
  if (model) send({ type: 'load', model });
  else say('Nothing saved in this browser yet: train, then Save.', true);
});
$<HTMLInputElement>('load-files').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement;
  const files = Array.from(input.files ?? []);
  input.value = '';
  const json = files.find((f) => f.name.endsWith('.json'));
  const weights = files.find((f) => f.name.endsWith('.bin'));
  if (!json || !weights) return say('Pick both files a save downloads: model.json and weights.bin.', true);
  try {
    send({ type: 'load', model: { modelJSON: JSON.parse(await json.text()), weightData: await weights.arrayBuffer() } });
  } catch (error) {
    say(`${json.name}: ${(error as Error).message}`, true);
  }
});

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'ready':
      sessionTask = message.settings.task;
      applySettings(message.settings);
      setState('training');
      say(`${message.loaded ? 'Loaded, paused (Resume trains on): ' : ''}${TASK_INFO[message.settings.task].title} — ${cellName(message.settings.cell)}(${message.settings.units}), ${message.parameters} parameters, Adam ${message.settings.learningRate}, ${message.samples} training samples.`);
      return;
    case 'batch':
      $('loss-now').textContent = `epoch ${message.epoch + 1}, batch ${message.batch}/${message.batches}: loss ${message.loss.toFixed(4)}`;
      return;
    case 'snapshot':
      show(message.snapshot);
      return;
    case 'paused':
      setState('paused');
      return;
    case 'resumed':
      setState('training');
      return;
    case 'saved':
      saveModel(message.model).then(
        () => say('Saved: model.json and weights.bin downloaded, and a copy kept in this browser (Load saved).'),
        (error: Error) => say(`Downloaded, but IndexedDB refused the copy: ${error.message}`, true),
      );
      return;
    case 'error':
      say(message.message, true);
      return;
  }
});
worker.addEventListener('error', (event) => say(`worker: ${event.message}`, true));

function show(snapshot: Snapshot): void {
  // Both together: a test waiting for a task's epoch never sees the previous task's snapshot.
  document.body.dataset.task = sessionTask;
  document.body.dataset.epoch = String(snapshot.epoch);
  const loss = $<SVGSVGElement & HTMLElement>('loss-chart');
  loss.dataset.loss = JSON.stringify(snapshot.loss);
  lineChart(loss, [{ values: snapshot.loss, className: 'loss', label: 'loss per epoch' }], { xLabel: (i) => `epoch ${i + 1}`, logScale: true });
  const last = snapshot.loss.length - 1;
  const metric = snapshot.metric && last >= 0 ? `, ${snapshot.metric.name} ${snapshot.metric.values[last].toFixed(3)}` : '';
  $('loss-now').textContent = last >= 0 ? `epoch ${snapshot.epoch}: loss ${snapshot.loss[last].toFixed(4)}${metric}` : 'untrained';

  const { predictions } = snapshot;
  const target = $('predictions');
  $('prediction-summary').textContent = `after epoch ${snapshot.epoch}: ${predictions.summary}`;
  if (predictions.kind === 'series') {
    const svg = target.querySelector('svg') ?? target.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'svg'));
    target.replaceChildren(svg);
    svg.setAttribute('class', 'chart');
    // The held-out part, after as many training steps for context.
    const from = Math.max(0, 2 * predictions.trainEnd - predictions.truth.length);
    lineChart(svg, [
      { values: predictions.truth.slice(from), className: 'truth', label: 'truth' },
      { values: predictions.predicted.slice(from), className: 'predicted', label: 'predicted, one step ahead' },
    ], { marker: predictions.trainEnd - from, markerLabel: 'held out →', xLabel: (i) => `step ${i + from}` });
  } else {
    const table = document.createElement('table');
    table.createTHead().insertRow().append(...predictions.header.map((h) => Object.assign(document.createElement('th'), { textContent: h })));
    const body = table.createTBody();
    for (const row of predictions.rows) {
      const tr = body.insertRow();
      for (const value of row) {
        const td = tr.insertCell();
        td.textContent = value;
        if (value === '✓' || value === 'new') td.className = 'right';
        if (value === '✗') td.className = 'wrong';
      }
    }
    target.replaceChildren(table);
  }

  $('probe-note').textContent = `over ${snapshot.probeTitle}`;
  const figures = snapshot.heatmaps.map((map) => {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    drawHeatmap(canvas, map, snapshot.stepLabels);
    figure.append(Object.assign(document.createElement('figcaption'), { textContent: `${map.title} (${map.units} units × ${map.steps} steps)` }), canvas);
    return figure;
  });
  $('heatmaps').replaceChildren(...figures);
}

function applySettings(settings: Settings): void {
  controls.task.value = settings.task;
  controls.cell.value = settings.cell;
  controls.units.value = String(settings.units);
  controls.learningRate.value = String(settings.learningRate);
}

function setState(state: 'training' | 'paused'): void {
  document.body.dataset.state = state;
  controls.pause.disabled = state !== 'training';
  controls.resume.disabled = state !== 'paused';
  controls.save.disabled = false;
}

function say(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

function cellName(cell: CellName): string {
  return { simpleRNN: 'SimpleRNN', lstm: 'LSTM', gru: 'GRU' }[cell];
}

// ---- saving: downloads and IndexedDB -----------------------------------------------------

const DATABASE = 'seqwasm-playground';
const STORE = 'models';
const KEY = 'last';

async function saveModel(model: SavedModel): Promise<void> {
  download('model.json', new Blob([JSON.stringify(model.modelJSON)], { type: 'application/json' }));
  download('weights.bin', new Blob([model.weightData], { type: 'application/octet-stream' }));
  await request((db) => db.transaction(STORE, 'readwrite').objectStore(STORE).put(model, KEY));
}

async function storedModel(): Promise<SavedModel | undefined> {
  return request((db) => db.transaction(STORE).objectStore(STORE).get(KEY)) as Promise<SavedModel | undefined>;
}

function download(name: string, blob: Blob): void {
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** Opens the database (creating the store on first use) and runs one request in it. */
function request(run: (db: IDBDatabase) => IDBRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = run(db);
      // Settled when the transaction is: a put has then reached the disk.
      req.transaction!.oncomplete = () => {
        db.close();
        resolve(req.result);
      };
      req.transaction!.onerror = () => {
        db.close();
        reject(req.error);
      };
    };
  });
}

// ---- heartbeat: frames the page draws while the worker trains ----------------------------

let frames = 0;
let since = performance.now();
const beat = (now: number) => {
  frames++;
  if (now - since >= 1000) {
    $('heartbeat').textContent = `page: ${Math.round((frames * 1000) / (now - since))} frames/s; worker: ${document.body.dataset.state}`;
    [frames, since] = [0, now];
  }
  requestAnimationFrame(beat);
};
requestAnimationFrame(beat);
