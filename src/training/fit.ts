// fit()'s epochs: callbacks, validation, the progress bar. training.ts's fit() loads this file
// with import() on its first call, so a page that only predicts or evaluates does not
// download it (nor the callbacks it drives); each step is the training loop's (training.ts).
import type { LayerWeight } from '../layers/layer.js';
import { flag } from '../layers/options.js';
import { describe, ModelConfigError, ModelInputError, ModelStateError } from '../model/errors.js';
import type { Network } from '../model/network.js';
import { atLeast, level, numberIn, optional, readOptions } from '../model/options.js';
import { startCallbacks, toCallbacks, type Logs, type TrainingParams } from './callbacks.js';
import type { Loss } from './losses.js';
import { BATCH_OPTIONS, batchSamples, inMemoryBatches, noBatches, Samples, samplesOf, unchecked, type Batch, type BatchSource, type Weighting } from '../model/samples.js';
import { datasetArguments, evaluateSamples, fusedActivations, History, logNames, sampleWeightOfBatches, Totals, trainStep, weightingOf, type Compiled, type FitOptions, type Trainable } from './training.js';

const FIT_OPTIONS = {
  ...BATCH_OPTIONS,
  epochs: atLeast(1, 1, true),
  initialEpoch: atLeast(0, 0, true),
  shuffle: flag(true),
  verbose: level([1, 0, 2] as const),
  validationSplit: optional(numberIn(0, 0, 1)),
  validationData: unchecked,
  callbacks: unchecked,
  sampleWeight: unchecked,
  classWeight: unchecked,
};

/** fit() once the model is marked as training (training.ts's fit guards it). */
export async function fitUnguarded(model: Trainable, compiled: Compiled, x: unknown, y: unknown, fitOptions: FitOptions | undefined): Promise<History> {
  const network = model.network;
  const owner = network.name;
  const { source, y: targets, options } = datasetArguments<FitOptions>(network, x, y, fitOptions, 'fit');
  const { epochs, batchSize, initialEpoch, shuffle, verbose, validationSplit: split } = readOptions(owner, options, FIT_OPTIONS);
  if (initialEpoch >= epochs) throw new ModelConfigError(owner, 'initialEpoch', `initialEpoch must be below epochs (${epochs}), got ${initialEpoch}`);
  if (split !== null && options.validationData !== undefined) {
    throw new ModelConfigError(owner, 'validationSplit', 'give validationSplit or validationData, not both');
  }

  let training: Samples | undefined;
  let validation: Samples | undefined;
  const weighting = weightingOf(owner, options);
  if (source) {
    if (split !== null) throw new ModelConfigError(owner, 'validationSplit', 'cannot split an iterable of batches; give validationData');
    if (options.sampleWeight !== undefined) throw sampleWeightOfBatches(owner);
  } else {
    training = samplesOf(network, compiled.losses, x, targets, 'x', 'y', weighting);
    if (split !== null) {
      const cut = Math.floor(training.count * (1 - split));
      if (cut < 1 || cut >= training.count) {
        throw new ModelConfigError(owner, 'validationSplit', `validationSplit ${split} of ${training.count} samples leaves ${cut} for training and ${training.count - cut} for validation; both need at least one`);
      }
      validation = training.slice(cut, training.count);
      // Keras splits sampleWeight with the data; class weights weigh the training part only.
      if (weighting?.classWeight) validation = new Samples(validation.inputs, validation.targets);
      training = training.slice(0, cut);
    }
  }
  if (options.validationData !== undefined) {
    const pair = options.validationData;
    if (!Array.isArray(pair) || (pair.length !== 2 && pair.length !== 3)) throw new ModelInputError(owner, 'validationData', `validationData must be [x, y] or [x, y, sampleWeight], got ${describe(pair)}`);
    const validationWeighting = pair.length === 3 ? { sampleWeight: pair[2], name: 'validationData[2]' } : undefined;
    validation = samplesOf(network, compiled.losses, pair[0], pair[1], 'validationData[0]', 'validationData[1]', validationWeighting);
  }
  // Weights exist once the network is built: from x, or from the first batch of an iterable.
  let weights: readonly LayerWeight[] | undefined;
  const fused = fusedActivations(network, compiled);
  const metricNames = logNames(network, compiled);
  const params: TrainingParams = {
    epochs,
    initialEpoch,
    steps: training ? Math.ceil(training.count / batchSize) : NaN,
    samples: training ? training.count : NaN,
    batchSize,
    metrics: validation ? [...metricNames, ...metricNames.map((n) => `val_${n}`)] : metricNames,
    verbose,
  };
  const callbacks = toCallbacks(options.callbacks);
  const terminal = verbose > 0 ? consoleOutput() : undefined;
  if (terminal) {
    const { progressLogger } = await import('./progress.js'); // imported when first shown: a page that trains silently does not download it
    callbacks.push(progressLogger({ verbose: verbose as 1 | 2, ...terminal }));
  }
  startCallbacks(callbacks, model, params);
  const history = new History(params);
  const pause = eventLoopYielder();
  model.stopTraining = false;

  for (const callback of callbacks) await callback.onTrainBegin({});
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    for (const callback of callbacks) await callback.onEpochBegin(epoch, {});
    const epochRng = model.trainingRng.derive(`epoch ${epoch}`);
    const totals = new Totals(network, compiled);
    const batches = training ? inMemoryBatches(training, batchSize, shuffle ? epochRng.derive('shuffle') : undefined) : sourceBatches(network, compiled.losses, source!, epoch, weighting);
    let batch = 0;
    for await (const data of batches) {
      // Batch logs only for callbacks to see: without any, no logs object nor running means per batch.
      const logs: Logs | undefined = callbacks.length > 0 ? { batch, size: data.count } : undefined;
      if (logs) for (const callback of callbacks) await callback.onBatchBegin(batch, logs);
      if (!weights) {
        weights = network.layers.flatMap((layer) => layer.weights);
        compiled.optimizer.build(weights);
      }
      const result = trainStep(network, compiled, data, epochRng.derive(batch), weights, fused);
      const values = result.values;
      // terminateOnNaN (or any callback) may stop training at a non-finite loss, else fit throws below.
      const finiteLoss = Number.isFinite(values[0]);
      totals.add(result);
      if (logs) {
        Object.assign(logs, totals.means());
        for (const callback of callbacks) await callback.onBatchEnd(batch, logs);
      }
      if (!finiteLoss && !model.stopTraining) {
        throw new ModelStateError(owner, 'loss', `batch ${batch} of epoch ${epoch}: the loss is ${values[0]}, so its update was not applied and the weights are those before this batch; lower the learning rate or clip gradients (terminateOnNaN() stops training here without an error)`);
      }
      batch++;
      if (model.stopTraining) break;
      await pause();
    }
    if (batch === 0) throw noBatches(owner, `epoch ${epoch}`, source !== undefined);
    const logs = totals.means();
    if (validation) {
      for (const [key, value] of Object.entries(evaluateSamples(network, compiled, validation, batchSize))) logs[`val_${key}`] = value;
    }
    // History records last, as Keras's History callback runs last: it sees what callbacks add (learning_rate).
    for (const callback of callbacks) await callback.onEpochEnd(epoch, logs);
    history.record(epoch, logs);
  }
  const last = history.epoch.length - 1;
  const finalLogs: Logs = {};
  if (last >= 0) for (const [key, values] of Object.entries(history.history)) finalLogs[key] = values[last];
  for (const callback of callbacks) await callback.onTrainEnd(finalLogs);
  return history;
}

/** The batches of one pass over a source, each checked like fit's x and y. */
async function* sourceBatches(network: Network, losses: readonly Loss[], source: BatchSource, epoch: number, weighting: Weighting | undefined): AsyncGenerator<Batch> {
  let index = 0;
  for await (const item of source as AsyncIterable<unknown>) {
    const samples = batchSamples(network, losses, item, `batch ${index} of epoch ${epoch}`, weighting);
    yield* inMemoryBatches(samples, samples.count, undefined);
    index++;
  }
}

/** Node's stdout (progress bars), or undefined where there is none (browsers, workers: callbacks only). */
function consoleOutput(): { write: (text: string) => void; isTTY: boolean; columns?: number } | undefined {
  const stdout = (globalThis as { process?: { stdout?: { write?: unknown; isTTY?: boolean; columns?: number } } }).process?.stdout;
  if (!stdout || typeof stdout.write !== 'function') return undefined;
  // A terminal that reports no width (0 columns, as some CI pseudo-terminals do) cannot be redrawn in: one line per epoch.
  const columns = stdout.columns;
  const width = Number.isSafeInteger(columns) && columns! > 0 ? columns : undefined;
  const isTTY = stdout.isTTY === true && (columns === undefined || width !== undefined);
  return { write: (text) => (stdout.write as (t: string) => void).call(stdout, text), isTTY, columns: width };
}

/**
 * A pause that lets the event loop run (a page repaint, a message) between batches, taken
 * only when ~15 ms have passed since the last one, so fast batches are not slowed by it.
 */
function eventLoopYielder(): () => Promise<void> | undefined {
  const hostYield = macrotask();
  let last = performance.now();
  return () => {
    if (performance.now() - last < 15) return undefined;
    return hostYield().then(() => {
      last = performance.now();
    });
  };
}

/** The cheapest macrotask the host has: setImmediate (Node, Bun), a MessageChannel (browsers, Deno, workers), else setTimeout. */
function macrotask(): () => Promise<void> {
  const host = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof host.setImmediate === 'function') return () => new Promise((resolve) => host.setImmediate!(resolve));
  if (typeof MessageChannel === 'function') {
    // A channel per pause, closed after its message, so no open port keeps the process alive (Deno).
    return () =>
      new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(0);
      });
  }
  return () => new Promise((resolve) => setTimeout(resolve, 0));
}
