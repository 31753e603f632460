// The training worker: owns the model, trains it epoch after epoch and posts the loss, the
// predictions and the heatmaps to the page, throttled so that a fast task does not flood it.
// Training runs here, off the page's thread: the page stays responsive whatever the model.
import { init, layers, loadModel, optimizers, sequential, type SavedModel, type Sequential } from 'seqwasm';
import { GateProbe } from './gates.js';
import type { FromWorker, PlaygroundMetadata, Settings, Snapshot, ToWorker } from './protocol.js';
import { TASKS, type Task } from './tasks.js';

const SNAPSHOT_EVERY_MS = 250;
const BATCH_REPORT_EVERY_MS = 100;
const YIELD_EVERY_MS = 15;

interface Session {
  settings: Settings;
  task: Task;
  model: Sequential;
  probe: GateProbe;
  loss: number[];
  metric?: { name: string; values: number[] };
  stopped: boolean;
  /** Resolves when the training loop has ended (after stop()). */
  finished?: Promise<void>;
}

let session: Session | undefined;
let paused = false;
let unpause: (() => void) | undefined;

const post = (message: FromWorker, transfer: Transferable[] = []) => postMessage(message, { transfer });

// One message at a time: a second Train pressed while the first session is being replaced
// must wait for it, or both would take over from the same old session.
let handled = Promise.resolve();
addEventListener('message', (event: MessageEvent<ToWorker>) => {
  handled = handled.then(() => handle(event.data)).catch((error: Error) => post({ type: 'error', message: `${error.name}: ${error.message}` }));
});

async function handle(message: ToWorker): Promise<void> {
  await init();
  switch (message.type) {
    case 'start':
      await replaceSession(() => newSession(message.settings), false);
      return;
    case 'load':
      // A loaded model starts paused: its predictions and heatmaps show, resume trains on.
      await replaceSession(() => loadedSession(message.model), true);
      return;
    case 'pause':
      paused = true;
      return;
    case 'resume':
      paused = false;
      unpause?.();
      post({ type: 'resumed' });
      return;
    case 'save': {
      if (!session) throw new Error('nothing to save: start training first');
      const saved = saveSession(session);
      post({ type: 'saved', model: saved }, [saved.weightData]);
      return;
    }
  }
}

async function replaceSession(create: () => Promise<Session>, startPaused: boolean): Promise<void> {
  const next = await create(); // a bad file fails here and leaves the running session alone
  const previous = session;
  if (previous) {
    previous.stopped = true;
    previous.model.stopTraining = true;
    unpause?.();
    await previous.finished;
    previous.probe.dispose();
    previous.model.dispose();
  }
  session = next;
  paused = startPaused;
  post({ type: 'ready', settings: next.settings, parameters: next.model.countParams(), samples: next.task.train.x.shape[0], loaded: startPaused });
  next.finished = train(next);
}

async function newSession(settings: Settings): Promise<Session> {
  const task = TASKS[settings.task]();
  const [, steps, features] = task.train.x.shape;
  const model = sequential({
    seed: 1,
    layers: [layers[settings.cell]({ units: settings.units, inputShape: [steps, features] }), layers.dense({ units: task.outputs, activation: task.activation })],
  });
  model.compile({ optimizer: optimizers.adam(settings.learningRate), loss: task.loss, metrics: task.metric ? [task.metric] : [] });
  return { settings, task, model, probe: new GateProbe(model), loss: [], metric: task.metric && { name: task.metric, values: [] }, stopped: false };
}

async function loadedSession(saved: SavedModel): Promise<Session> {
  const metadata = (saved.modelJSON.userDefinedMetadata as { playground?: PlaygroundMetadata } | undefined)?.playground;
  if (!metadata || !(metadata.settings?.task in TASKS)) throw new Error('this model.json was not saved by the playground (no userDefinedMetadata.playground)');
  const model = await loadModel(saved);
  const task = TASKS[metadata.settings.task]();
  const features = task.train.x.shape[2];
  if (model.layers[0].builtInputShape?.at(-1) !== features) {
    model.dispose();
    throw new Error(`the saved model reads ${model.layers[0].builtInputShape?.at(-1)} features per step, the ${metadata.settings.task} task ${features}`);
  }
  return { settings: metadata.settings, task, model, probe: new GateProbe(model), loss: [...metadata.loss], metric: metadata.metric && { name: metadata.metric.name, values: [...metadata.metric.values] }, stopped: false };
}

function saveSession(s: Session): SavedModel {
  const saved = s.model.save();
  const playground: PlaygroundMetadata = { settings: s.settings, loss: s.loss, metric: s.metric };
  // model.json's userDefinedMetadata is TF.js's place for a writer's own data; seqwasm keeps its seed there.
  saved.modelJSON.userDefinedMetadata = { ...saved.modelJSON.userDefinedMetadata, playground } as SavedModel['modelJSON']['userDefinedMetadata'];
  return saved;
}

/** Trains one epoch per fit() call until the session is replaced; pauses between batches. */
async function train(s: Session): Promise<void> {
  const { task, model } = s;
  const batches = Math.ceil(task.train.x.shape[0] / task.batchSize);
  let lastSnapshot = performance.now();
  let lastBatchReport = 0;
  let lastYield = performance.now();
  const waitWhilePaused = async () => {
    if (!paused || s.stopped) return;
    post({ type: 'snapshot', snapshot: snapshot(s) });
    post({ type: 'paused' });
    while (paused && !s.stopped) await new Promise<void>((resolve) => (unpause = resolve));
  };
  if (!paused) post({ type: 'snapshot', snapshot: snapshot(s) }); // the untrained model
  await waitWhilePaused();
  while (!s.stopped) {
    const epoch = s.loss.length;
    const history = await model.fit(task.train.x, task.train.y, {
      epochs: epoch + 1,
      initialEpoch: epoch,
      batchSize: task.batchSize,
      verbose: 0,
      callbacks: {
        onBatchEnd: async (batch, logs) => {
          if (performance.now() - lastBatchReport > BATCH_REPORT_EVERY_MS) {
            lastBatchReport = performance.now();
            post({ type: 'batch', epoch, batch: batch + 1, batches, loss: logs?.loss ?? NaN });
          }
          await waitWhilePaused();
        },
      },
    });
    if (s.stopped) return;
    s.loss.push(history.history.loss[0]);
    if (s.metric) s.metric.values.push(history.history[s.metric.name][0]);
    if (performance.now() - lastSnapshot > SNAPSHOT_EVERY_MS || s.loss.length <= 3) {
      post({ type: 'snapshot', snapshot: snapshot(s) });
      lastSnapshot = performance.now();
    }
    // fit() yields to the event loop every ~15 ms; a short epoch may not, and messages must get in.
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
    await waitWhilePaused();
  }
}

function snapshot(s: Session): Snapshot {
  return {
    epoch: s.loss.length,
    loss: s.loss,
    metric: s.metric,
    predictions: s.task.predictions(s.model, s.loss.length),
    probeTitle: s.task.probe.title,
    stepLabels: s.task.probe.labels,
    heatmaps: s.probe.heatmaps(s.task.probe.x),
  };
}
