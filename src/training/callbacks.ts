// Training callbacks with TF.js names and Keras 3 semantics. fit() calls every callback's
// hooks in order and awaits each (a hook may return a Promise):
//
//   onTrainBegin → for each epoch: onEpochBegin → (onBatchBegin → onBatchEnd)* → onEpochEnd → onTrainEnd
//
// A callback stops training by setting model.stopTraining: fit checks it after every
// onBatchEnd (the epoch then still ends: validation runs and onEpochEnd is called, as in
// Keras) and after every onEpochEnd; onTrainEnd always runs when training ends normally.
//
// The monitoring callbacks (earlyStopping, modelCheckpoint, reduceLROnPlateau) follow the
// Keras 3 sources (keras/src/callbacks/*.py), including their exact comparisons, so a
// schedule scripted against Keras gives the same stops, saves and learning rates here. Where
// Keras only warns (a monitored key that is not logged) we throw, naming the keys there are.
import { hostTextFiles, type TextFiles } from '../runtime/host-files.js';
import { closestName } from '../layers/errors.js';
import { choice, flag, OptionProblem, type Option, type Settings } from '../layers/options.js';
import { describe, ModelConfigError, ModelStateError } from '../model/errors.js';
import { atLeast, callable, level, optionalNumber, readOptions } from '../model/options.js';

/**
 * What model.save() returns, as modelCheckpoint's `save` receives it: TF.js Layers artifacts.
 *
 * @example
 * ```ts
 * const save = async ({ modelJSON, weightData }: CheckpointArtifacts) => {
 *   await writeFile('ckpt/model.json', JSON.stringify(modelJSON));
 *   await writeFile('ckpt/weights.bin', new Uint8Array(weightData));
 * };
 * ```
 */
export type CheckpointArtifacts = {
  /** The model.json object (a {@link ModelJSON}); its manifest names 'weights.bin'. */
  modelJSON: object;
  /** Every weight as little-endian float32, in the manifest's order. */
  weightData: ArrayBuffer;
};

/**
 * What hooks receive: 'loss', 'accuracy', 'val_loss', …; batch logs add 'batch' and 'size'.
 * evaluate() returns one too.
 *
 * @example
 * ```ts
 * const logs: Logs = model.evaluate(x, y);    // { loss: 0.03, accuracy: 1 }
 * ```
 */
export type Logs = Record<string, number>;

/**
 * What callbacks see of the model (`this.model` in a {@link Callback}; every Model implements it).
 *
 * @example
 * ```ts
 * class StopAt extends Callback {
 *   override onEpochEnd(epoch: number, logs?: Logs) {
 *     if ((logs?.loss ?? Infinity) < 0.01) this.model!.stopTraining = true;
 *   }
 * }
 * ```
 */
export interface CallbackModel {
  /** Set true to end fit() after the current batch/epoch. */
  stopTraining: boolean;
  /** Copies of every weight, in Keras order. */
  getWeights(): {
    /** The weight's Keras shape. */
    shape: readonly number[];
    /** Its values, row-major. */
    data: Float32Array;
  }[];
  /** Replaces every weight, in getWeights() order (all checked first). */
  setWeights(weights: readonly { shape: readonly number[]; data: ArrayLike<number> }[]): void;
  /** TF.js Layers artifacts: the model.json object and the weights it names (checkpoints). */
  save(): CheckpointArtifacts;
  /** The compiled optimizer; learningRate is get/set (reduceLROnPlateau sets it). */
  readonly optimizer: {
    /** The rate the next step uses; settable unless it comes from a schedule. */
    learningRate: number;
  };
}

/**
 * What fit() tells callbacks about the run (`this.params`, History.params).
 *
 * @example
 * ```ts
 * class Progress extends Callback {
 *   override onEpochEnd(epoch: number) {
 *     console.log(`${epoch + 1}/${this.params!.epochs}`);
 *   }
 * }
 * ```
 */
export interface TrainingParams {
  /** The epoch index training ends before (Keras: fit(epochs) counts from 0 even when resuming). */
  epochs: number;
  /** The epoch training starts at (fit's initialEpoch). */
  initialEpoch: number;
  /** Batches per epoch, NaN when unknown (an iterable of batches). */
  steps: number;
  /** Training samples, NaN when unknown. */
  samples: number;
  /** fit's batchSize (an iterable's batches are used whole whatever it says). */
  batchSize: number;
  /** Every key the epoch logs may hold: loss, accuracy, val_loss, … */
  metrics: string[];
  /** fit's verbose: 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose: 0 | 1 | 2;
}

/**
 * The base of every callback: subclass it and override the hooks you need (each may return
 * a Promise, which fit awaits). fit calls setModel and setParams before onTrainBegin. A
 * plain object of hooks ({@link CallbackHooks}) works too.
 *
 * @example
 * ```ts
 * class PrintLoss extends Callback {
 *   override onEpochEnd(epoch: number, logs?: Logs) {
 *     console.log(`epoch ${epoch}: loss ${logs?.loss}`);
 *   }
 * }
 * await model.fit(x, y, { epochs: 5, verbose: 0, callbacks: [new PrintLoss()] });
 * ```
 */
export class Callback {
  /** The model being trained, set by fit() before onTrainBegin (undefined before). */
  model: CallbackModel | undefined = undefined;
  /** The run's parameters, set by fit() before onTrainBegin (undefined before). */
  params: TrainingParams | undefined = undefined;

  /** Called by fit() before onTrainBegin; keeps the model in `this.model`. */
  setModel(model: CallbackModel): void {
    this.model = model;
  }

  /** Called by fit() before onTrainBegin; keeps the parameters in `this.params`. */
  setParams(params: TrainingParams): void {
    this.params = params;
  }

  /** Called once when fit() starts (logs are empty). */
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  /** Called once when fit() ends normally, with the last epoch's logs. */
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  /** Called at the start of every epoch (0-based, counting from initialEpoch). */
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  /** Called after every epoch (and its validation) with the epoch logs: loss, metrics, val_*. */
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  /** Batch logs: { batch, size } (index in the epoch, samples in the batch). */
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  /** Batch logs: { batch, size, loss, <metrics> }, running means over the epoch so far. */
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;
/** @internal the names of the hooks. */
type Hook = (typeof HOOKS)[number];

/**
 * A plain object with any of the hooks (TF.js's CustomCallbackArgs); each is called as a
 * method of that object. A key that is not a hook is a ModelConfigError with a hint.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 10, callbacks: { onEpochEnd: (epoch, logs) => console.log(epoch, logs?.loss) } });
 * ```
 */
export type CallbackHooks = Partial<Pick<Callback, Hook>>;

/** The hooks of a plain object as a Callback; each is called as a method of that object. */
class HooksCallback extends Callback {
  constructor(hooks: CallbackHooks) {
    super();
    for (const name of HOOKS) {
      const hook = hooks[name] as ((...args: unknown[]) => void | Promise<void>) | undefined;
      if (hook) (this as unknown as Record<Hook, unknown>)[name] = (...args: unknown[]) => hook.apply(hooks, args);
    }
  }
}

/**
 * fit()'s `callbacks` option as Callback instances: undefined, a Callback, a plain object of
 * hooks, or an array of these. Anything else is a ModelConfigError('fit', 'callbacks', …).
 */
export function toCallbacks(value: unknown): Callback[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((item, i) => toCallback(item, `callbacks[${i}]`));
  return [toCallback(value, 'callbacks')];
}

function toCallback(value: unknown, path: string): Callback {
  if (value instanceof Callback) return value;
  const fail = (problem: string) => new ModelConfigError('fit', 'callbacks', `${path}${problem}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fail(` must be a Callback or an object of hooks (${HOOKS.join(', ')}), got ${describe(value)}`);
  }
  for (const [key, hook] of Object.entries(value)) {
    if (!(HOOKS as readonly string[]).includes(key)) {
      const hint = closestName(key, HOOKS);
      throw fail(`.${key} is not a callback hook${hint ? ` (did you mean '${hint}'?)` : ''}; the hooks are ${HOOKS.join(', ')}`);
    }
    if (typeof hook !== 'function') throw fail(`.${key} must be a function, got ${describe(hook)}`);
  }
  return new HooksCallback(value as CallbackHooks);
}

// ---- options --------------------------------------------------------------------------

function logKey(fallback: string): Option<string> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      if (typeof value !== 'string' || value === '') throw new OptionProblem(`must be the name of a logged value such as 'val_loss', got ${describe(value)}`);
      return value;
    },
  };
}

const mode = () => choice(['auto', 'min', 'max'] as const, 'auto');

// ---- monitoring -----------------------------------------------------------------------

type Direction = 'min' | 'max';

/**
 * Which way is better for `monitor`. 'auto' maximises accuracy-like keys (accuracy, acc,
 * categoricalAccuracy, auc, precision, recall, f1 …, with or without 'val_') and minimises
 * everything else (loss, mse, mae, crossentropy …), as Keras decides for its metrics.
 */
export function monitorDirection(monitor: string, mode: 'auto' | Direction): Direction {
  if (mode !== 'auto') return mode;
  return /acc|auc|precision|recall|f1/i.test(monitor.replace(/^val_/, '')) ? 'max' : 'min';
}

/**
 * The monitored value of an epoch's logs. undefined when fit logs it only on some epochs (it is
 * in params.metrics: validation skipped this epoch), which skips the epoch as Keras does; an
 * error when it is not logged at all.
 */
function monitored(owner: string, monitor: string, logs: Logs | undefined, params: TrainingParams | undefined): number | undefined {
  const value = logs?.[monitor];
  if (value !== undefined) return value;
  if (params?.metrics.includes(monitor)) return undefined;
  throw notLogged(owner, monitor, Object.keys(logs ?? {}));
}

/** The error for a monitored key that the logs (`keys`) do not hold. */
function notLogged(owner: string, monitor: string, keys: readonly string[]): ModelConfigError {
  const validation = monitor.startsWith('val_') && keys.includes(monitor.slice(4));
  const closest = closestName(monitor, keys);
  const hint = validation ? `; pass validationData or validationSplit to fit() to log '${monitor}'` : closest ? `; did you mean '${closest}'?` : '';
  return new ModelConfigError(owner, 'monitor', `monitor '${monitor}' is not in the logs (${keys.join(', ')})${hint}`);
}

/** What fit() does before onTrainBegin: each callback gets the model and params, monitors are checked, checkpoints learn which callback state to save. */
export function startCallbacks(callbacks: readonly Callback[], model: CallbackModel, params: TrainingParams): void {
  for (const callback of callbacks) {
    callback.setModel(model);
    callback.setParams(params);
  }
  checkMonitors(callbacks, params);
  const plateau = callbacks.find((c) => c instanceof ReduceLROnPlateau);
  for (const callback of callbacks) if (callback instanceof ModelCheckpoint) callback.plateau = plateau;
}

/**
 * Checks, before training starts, that every monitoring callback's key will be in the epoch
 * logs fit writes (params.metrics, and 'learning_rate' after a reduceLROnPlateau), so a typo
 * fails before the first update rather than after an epoch. From the first callback that may
 * add keys of its own (any other onEpochEnd) on, the check is left to the end of each epoch.
 */
function checkMonitors(callbacks: readonly Callback[], params: TrainingParams): void {
  const keys = [...params.metrics];
  for (const callback of callbacks) {
    if (callback instanceof ReduceLROnPlateau) {
      keys.push('learning_rate');
      if (!keys.includes(callback.monitor)) throw notLogged('reduceLROnPlateau', callback.monitor, keys);
    } else if (callback instanceof EarlyStopping || callback instanceof ModelCheckpoint) {
      const owner = callback instanceof EarlyStopping ? 'earlyStopping' : 'modelCheckpoint';
      if (callback.usesMonitor && !keys.includes(callback.monitor)) throw notLogged(owner, callback.monitor, keys);
    } else if (!(callback instanceof TerminateOnNaN)) {
      return;
    }
  }
}

/** Keras's EarlyStopping/ModelCheckpoint test: `current` beats `reference` by more than minDelta (nothing to beat yet: true). */
function improves(current: number, reference: number | undefined, direction: Direction, minDelta: number): boolean {
  if (reference === undefined) return true;
  return direction === 'min' ? current + minDelta < reference : current - minDelta > reference;
}

function modelOf(callback: Callback, owner: string): CallbackModel {
  if (!callback.model) throw new ModelStateError(owner, 'model', `${owner} has no model: fit() calls setModel() before training`);
  return callback.model;
}

type Weights = { shape: readonly number[]; data: Float32Array }[];

/** Copies, since a model may hand out views of weights that training keeps changing. */
const snapshot = (model: CallbackModel): Weights => model.getWeights().map((w) => ({ shape: [...w.shape], data: w.data.slice() }));

// ---- earlyStopping --------------------------------------------------------------------

const EARLY_STOPPING = {
  monitor: logKey('val_loss'),
  minDelta: atLeast(0, 0),
  patience: atLeast(0, 0, true),
  mode: mode(),
  baseline: optionalNumber(),
  restoreBestWeights: flag(false),
  startFromEpoch: atLeast(0, 0, true),
  verbose: level([0, 1] as const),
};
/**
 * Options of {@link callbacks.earlyStopping} (Keras 3 defaults).
 *
 * @example
 * ```ts
 * callbacks.earlyStopping({ monitor: 'val_accuracy', patience: 3, minDelta: 0.001, restoreBestWeights: true });
 * ```
 */
export type EarlyStoppingOptions = {
  /** The logged value to watch. Default 'val_loss'. */
  monitor?: string;
  /** A change of at most this much is no improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before training stops. Default 0. */
  patience?: number;
  /** 'min': lower is better, 'max': higher is better, 'auto' (default): max for accuracy-like keys, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
  /** A value an improvement must also beat. Default none. */
  baseline?: number;
  /** Put back the best epoch's weights when training ends. Default false. */
  restoreBestWeights?: boolean;
  /** Epochs before this one are not monitored (a warm-up). Default 0. */
  startFromEpoch?: number;
  /** 1: print a line when stopping or restoring. Default 0. */
  verbose?: 0 | 1;
};

/**
 * Stops training when `monitor` has not improved (by more than minDelta) for `patience`
 * epochs, as Keras 3's EarlyStopping:
 * - every monitored epoch adds 1 to `wait`; an improvement on the best so far resets it,
 *   unless a `baseline` is set and the value does not beat the baseline too;
 * - training stops when wait >= patience (patience 0: at the first epoch without improvement;
 *   the first monitored epoch always improves on nothing, so it never stops there);
 * - epochs before startFromEpoch are ignored;
 * - restoreBestWeights: the weights of the best epoch (or of the first monitored epoch when
 *   none improves) are put back at onTrainEnd, whether training stopped early or ran out.
 *
 * @example
 * ```ts
 * const stopper = callbacks.earlyStopping({ patience: 5 });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.1, callbacks: [stopper] });
 * stopper.stoppedEpoch;     // 0 when training ran all epochs
 * ```
 */
export class EarlyStopping extends Callback {
  /** The logged value watched. */
  readonly monitor: string;
  /** @internal 'min' or 'max', resolved from mode. */
  readonly direction: Direction;
  /** Epochs since the last improvement (that also beat the baseline). */
  wait = 0;
  /** The epoch training was stopped at, 0 when it was not. */
  stoppedEpoch = 0;
  /** The best monitored value so far (undefined before the first). */
  best: number | undefined = undefined;
  /** The epoch of `best`. */
  bestEpoch = 0;
  private bestWeights: Weights | undefined = undefined;
  private readonly settings: Settings<typeof EARLY_STOPPING>;

  constructor(options?: EarlyStoppingOptions) {
    super();
    this.settings = readOptions('earlyStopping', options, EARLY_STOPPING);
    this.monitor = this.settings.monitor;
    this.direction = monitorDirection(this.monitor, this.settings.mode);
  }

  /** @internal checkMonitors */
  readonly usesMonitor = true;

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = undefined;
    this.bestEpoch = 0;
    this.bestWeights = undefined;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const { minDelta, patience, baseline, restoreBestWeights, startFromEpoch } = this.settings;
    const current = monitored('earlyStopping', this.monitor, logs, this.params);
    if (current === undefined || epoch < startFromEpoch) return;
    const model = modelOf(this, 'earlyStopping');
    if (restoreBestWeights && !this.bestWeights) {
      this.bestWeights = snapshot(model);
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (improves(current, this.best, this.direction, minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (restoreBestWeights) this.bestWeights = snapshot(model);
      if (baseline === undefined || improves(current, baseline, this.direction, minDelta)) this.wait = 0;
      return;
    }
    if (this.wait >= patience) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    const verbose = this.settings.verbose > 0;
    if (this.stoppedEpoch > 0 && verbose) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.settings.restoreBestWeights && this.bestWeights) {
      if (verbose) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      modelOf(this, 'earlyStopping').setWeights(this.bestWeights);
    }
  }
}

export function earlyStopping(options?: EarlyStoppingOptions): EarlyStopping {
  return new EarlyStopping(options);
}

// ---- terminateOnNaN -------------------------------------------------------------------

/**
 * Stops training at the end of a batch whose loss is NaN or ±Infinity (Keras's TerminateOnNaN).
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 100, callbacks: [callbacks.terminateOnNaN()] });
 * ```
 */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      modelOf(this, 'terminateOnNaN').stopTraining = true;
    }
  }
}

export function terminateOnNaN(): TerminateOnNaN {
  return new TerminateOnNaN();
}

// ---- modelCheckpoint ------------------------------------------------------------------

const MODEL_CHECKPOINT = {
  save: callable<(artifacts: CheckpointArtifacts, epoch: number, logs: Logs) => void | Promise<void>>(),
  monitor: logKey('val_loss'),
  saveBestOnly: flag(false),
  mode: mode(),
  saveFreq: choice(['epoch'] as const, 'epoch'),
};
/**
 * Options of {@link callbacks.modelCheckpoint}: `save` is required.
 *
 * @example
 * ```ts
 * callbacks.modelCheckpoint({ save: (artifacts, epoch) => store.put(`epoch-${epoch}`, artifacts), saveBestOnly: true, monitor: 'val_loss' });
 * ```
 */
export type ModelCheckpointOptions = {
  /** Receives model.save()'s artifacts, the 0-based epoch (as onEpochEnd) and its logs; awaited. */
  save: (artifacts: CheckpointArtifacts, epoch: number, logs: Logs) => void | Promise<void>;
  /** The logged value saveBestOnly compares. Default 'val_loss'. */
  monitor?: string;
  /** Save only when `monitor` improved on the best seen. Default false: every epoch. */
  saveBestOnly?: boolean;
  /** 'min': lower is better, 'max': higher is better, 'auto' (default): max for accuracy-like keys, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
  /** Only 'epoch' (the default): save at the end of epochs. */
  saveFreq?: 'epoch';
};

/**
 * Saves the model at the end of every epoch, or with saveBestOnly only when `monitor`
 * improved on the best value seen by this callback (Keras's ModelCheckpoint: the best starts
 * at ±Infinity and is kept across fit() calls, so a resumed run only saves real improvements;
 * a NaN never improves). An epoch without the monitored value (validation skipped) saves
 * nothing under saveBestOnly, where Keras would warn and save.
 *
 * @example
 * ```ts
 * const checkpoint = callbacks.modelCheckpoint({ save: (artifacts) => saveSomewhere(artifacts), saveBestOnly: true });
 * checkpoint.best;          // the best val_loss saved so far
 * ```
 */
export class ModelCheckpoint extends Callback {
  /** The logged value saveBestOnly compares. */
  readonly monitor: string;
  /** @internal 'min' or 'max', resolved from mode. */
  readonly direction: Direction;
  /** The best monitored value saved so far (±Infinity before the first), kept across fit() calls. */
  best: number;
  /** @internal startCallbacks: the fit's reduceLROnPlateau, whose state each checkpoint carries. */
  plateau: ReduceLROnPlateau | undefined = undefined;
  private readonly settings: Settings<typeof MODEL_CHECKPOINT>;

  constructor(options: ModelCheckpointOptions) {
    super();
    this.settings = readOptions('modelCheckpoint', options, MODEL_CHECKPOINT);
    this.monitor = this.settings.monitor;
    this.direction = monitorDirection(this.monitor, this.settings.mode);
    this.best = this.direction === 'min' ? Infinity : -Infinity;
  }

  /** @internal checkMonitors: only saveBestOnly reads the monitored value. */
  get usesMonitor(): boolean {
    return this.settings.saveBestOnly;
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    if (this.settings.saveBestOnly) {
      const current = monitored('modelCheckpoint', this.monitor, logs, this.params);
      if (current === undefined || !improves(current, this.best, this.direction, 0)) return;
      this.best = current;
    }
    const artifacts = modelOf(this, 'modelCheckpoint').save();
    if (this.plateau) {
      const json = artifacts.modelJSON as { userDefinedMetadata?: Record<string, unknown> };
      json.userDefinedMetadata = { ...json.userDefinedMetadata, reduceLROnPlateau: this.plateau.getState() };
    }
    await this.settings.save(artifacts, epoch, logs ?? {});
  }
}

export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}

// ---- reduceLROnPlateau ----------------------------------------------------------------

const REDUCE_LR = {
  monitor: logKey('val_loss'),
  factor: {
    parse(value: unknown): number {
      if (value === undefined) return 0.1;
      if (typeof value !== 'number' || !(value > 0 && value < 1)) throw new OptionProblem(`must be a number in (0, 1) (new rate = rate · factor), got ${describe(value)}`);
      return value;
    },
  },
  patience: atLeast(0, 10, true),
  minDelta: atLeast(0, 1e-4),
  cooldown: atLeast(0, 0, true),
  minLr: atLeast(0, 0),
  mode: mode(),
  verbose: level([0, 1] as const),
};
/**
 * reduceLROnPlateau's state between epochs, as a checkpoint carries it.
 *
 * @example
 * ```ts
 * const plateau = callbacks.reduceLROnPlateau({ patience: 3 });
 * plateau.setState(savedJSON.userDefinedMetadata.reduceLROnPlateau as ReduceLROnPlateauState);
 * ```
 */
export type ReduceLROnPlateauState = {
  /** The monitored key the state belongs to (setState refuses another). */
  monitor: string;
  /** The best value seen, null while nothing was seen. */
  best: number | null;
  /** Epochs since the last improvement. */
  wait: number;
  /** Epochs of cooldown still to run. */
  cooldownCounter: number;
};
/**
 * Options of {@link callbacks.reduceLROnPlateau} (Keras 3 defaults).
 *
 * @example
 * ```ts
 * callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.2, patience: 5, cooldown: 2, minLr: 1e-5 });
 * ```
 */
export type ReduceLROnPlateauOptions = {
  /** The logged value to watch. Default 'val_loss'. */
  monitor?: string;
  /** The learning rate is multiplied by this, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  /** An improvement must exceed this. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The rate never goes below this. Default 0. */
  minLr?: number;
  /** 'min': lower is better, 'max': higher is better, 'auto' (default): max for accuracy-like keys, min otherwise. */
  mode?: 'auto' | 'min' | 'max';
  /** 1: print a line at every reduction. Default 0. */
  verbose?: 0 | 1;
};

/**
 * Multiplies the optimizer's learning rate by `factor` (not below minLr) when `monitor` has
 * not improved by more than minDelta for `patience` epochs, then waits `cooldown` epochs
 * before counting again (Keras 3's ReduceLROnPlateau, state reset at every onTrainBegin).
 * Like Keras it also writes the rate the epoch trained with into the epoch logs, as
 * 'learning_rate'.
 *
 * @example
 * ```ts
 * const plateau = callbacks.reduceLROnPlateau({ patience: 3 });
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [plateau] });
 * const state = plateau.getState();   // for a resumed run: callbacks.reduceLROnPlateau({ patience: 3 }).setState(state)
 * ```
 */
export class ReduceLROnPlateau extends Callback {
  /** The logged value watched. */
  readonly monitor: string;
  /** @internal 'min' or 'max', resolved from mode. */
  readonly direction: Direction;
  /** Epochs since the last improvement. */
  wait = 0;
  /** Epochs of cooldown still to run. */
  cooldownCounter = 0;
  /** The best value seen (±Infinity before the first). */
  best: number;
  /** setState() was called: the next onTrainBegin keeps the state. */
  private restored = false;
  private readonly settings: Settings<typeof REDUCE_LR>;

  constructor(options?: ReduceLROnPlateauOptions) {
    super();
    this.settings = readOptions('reduceLROnPlateau', options, REDUCE_LR);
    this.monitor = this.settings.monitor;
    this.direction = monitorDirection(this.monitor, this.settings.mode);
    this.best = this.direction === 'min' ? Infinity : -Infinity;
  }

  override onTrainBegin(): void {
    if (this.restored) {
      this.restored = false;
      return;
    }
    this.best = this.direction === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  /** What a resumed run needs to continue as if it never stopped (modelCheckpoint saves it in model.json's userDefinedMetadata.reduceLROnPlateau); best is null while nothing was seen. */
  getState(): ReduceLROnPlateauState {
    return { monitor: this.monitor, best: Number.isFinite(this.best) ? this.best : null, wait: this.wait, cooldownCounter: this.cooldownCounter };
  }

  /** Restores getState() output (e.g. from a checkpoint's model.json) for the next fit(), which then starts from it instead of afresh. */
  setState(state: ReduceLROnPlateauState): void {
    const fail = (argument: string, problem: string) => new ModelConfigError('reduceLROnPlateau', argument, problem);
    if (typeof state !== 'object' || state === null) throw fail('state', `state must be { monitor, best, wait, cooldownCounter } as getState() gives it, got ${describe(state)}`);
    const { monitor, best, wait, cooldownCounter } = state;
    if (monitor !== this.monitor) throw fail('state.monitor', `state.monitor is ${describe(monitor)} but this callback monitors '${this.monitor}'`);
    if (best !== null && !Number.isFinite(best)) throw fail('state.best', `state.best must be a finite number or null, got ${describe(best)}`);
    for (const [key, value] of [['wait', wait], ['cooldownCounter', cooldownCounter]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw fail(`state.${key}`, `state.${key} must be an integer >= 0, got ${describe(value)}`);
    }
    this.best = best ?? (this.direction === 'min' ? Infinity : -Infinity);
    this.wait = wait;
    this.cooldownCounter = cooldownCounter;
    this.restored = true;
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const { factor, patience, minDelta, cooldown, minLr, verbose } = this.settings;
    const optimizer = modelOf(this, 'reduceLROnPlateau').optimizer;
    if (logs) logs.learning_rate = optimizer.learningRate;
    const current = monitored('reduceLROnPlateau', this.monitor, logs, this.params);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    // Keras compares this way round here (current < best − minDelta), unlike EarlyStopping.
    const better = this.direction === 'min' ? current < this.best - minDelta : current > this.best + minDelta;
    if (better) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= patience) {
        const old = optimizer.learningRate;
        // The update kernels take the rate as a float32 (Keras keeps it in one): at minLr there.
        if (Math.fround(old) > Math.fround(minLr)) {
          const rate = Math.max(old * factor, minLr);
          optimizer.learningRate = rate;
          if (verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${rate}.`);
          this.cooldownCounter = cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

export function reduceLROnPlateau(options?: ReduceLROnPlateauOptions): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}

// ---- learningRateScheduler ------------------------------------------------------------

const LR_SCHEDULER = {
  schedule: callable<(epoch: number, learningRate: number) => number>(),
  verbose: level([0, 1] as const),
};
/**
 * Options of {@link callbacks.learningRateScheduler}.
 *
 * @example
 * ```ts
 * callbacks.learningRateScheduler({ schedule: (epoch, lr) => (epoch < 10 ? lr : lr * 0.9), verbose: 1 });
 * ```
 */
export type LearningRateSchedulerOptions = {
  /** (epoch from 0, the current rate) → the rate for this epoch: a finite number > 0. */
  schedule: (epoch: number, learningRate: number) => number;
  /** 1: print a line with the new rate at every epoch. Default 0. */
  verbose?: 0 | 1;
};

/**
 * Sets the optimizer's learning rate at the start of every epoch to schedule(epoch, rate)
 * (Keras 3's LearningRateScheduler), and logs the rate the epoch trained with as
 * 'learning_rate'. A schedule that returns anything but a finite number > 0 stops fit with a
 * ModelStateError; an optimizer whose learningRate is a schedule object cannot be driven.
 *
 * @example
 * ```ts
 * const scheduler = callbacks.learningRateScheduler({ schedule: (epoch, lr) => (epoch < 5 ? lr : lr / 2) });
 * await model.fit(x, y, { epochs: 20, callbacks: [scheduler] });
 * ```
 */
export class LearningRateScheduler extends Callback {
  private readonly settings: Settings<typeof LR_SCHEDULER>;

  constructor(options: LearningRateSchedulerOptions) {
    super();
    this.settings = readOptions('learningRateScheduler', options, LR_SCHEDULER);
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = modelOf(this, 'learningRateScheduler').optimizer;
    const rate: unknown = this.settings.schedule(epoch, optimizer.learningRate);
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new ModelStateError('learningRateScheduler', 'schedule', `schedule(${epoch}, ${optimizer.learningRate}) must return a finite number > 0, got ${describe(rate)}`);
    }
    optimizer.learningRate = rate;
    if (this.settings.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${rate}.`);
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.learning_rate = modelOf(this, 'learningRateScheduler').optimizer.learningRate;
  }
}

export function learningRateScheduler(options: LearningRateSchedulerOptions): LearningRateScheduler {
  return new LearningRateScheduler(options);
}

// ---- csvLogger --------------------------------------------------------------------------

const CSV_LOGGER = {
  filename: {
    parse(value: unknown): string | undefined {
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value === '') throw new OptionProblem(`must be a non-empty path, got ${describe(value)}`);
      return value;
    },
  },
  separator: {
    parse(value: unknown): string {
      if (value === undefined) return ',';
      if (typeof value !== 'string' || value.length !== 1 || value === '"' || value === '\n' || value === '\r') throw new OptionProblem(`must be one character other than a quote or a line break, got ${describe(value)}`);
      return value;
    },
  },
  append: flag(false),
};
/**
 * Options of {@link callbacks.csvLogger} (Keras CSVLogger's, camelCase).
 *
 * @example
 * ```ts
 * callbacks.csvLogger({ filename: 'training.csv', separator: ';', append: true });
 * ```
 */
export type CsvLoggerOptions = {
  /** The file to write in Node (created or truncated at the start of fit, unless append). Without it, or elsewhere, the CSV is kept in `text` only. */
  filename?: string;
  /** The column separator. Default ','. */
  separator?: string;
  /** Keep the file's rows and add to them (the header only when the file is new or empty). Default false. */
  append?: boolean;
};

/**
 * Writes one CSV row per epoch: 'epoch', then every log key in sorted order (Keras 3's
 * CSVLogger: loss, val_loss, accuracy …, numbers as JavaScript prints them). The CSV of the
 * run is always in `text` (also where there is no file system: browsers, workers, where it is
 * the way to get the log); with `filename` it is written there too, line by line as epochs end.
 *
 * @example
 * ```ts
 * const logger = callbacks.csvLogger({ filename: 'log.csv' });
 * await model.fit(x, y, { epochs: 5, callbacks: [logger] });
 * logger.text;   // 'epoch,loss\n0,0.693…\n…'
 * ```
 */
export class CsvLogger extends Callback {
  /** The CSV written by this callback (header and rows) since the last onTrainBegin. */
  text = '';
  private keys: string[] | undefined;
  private files: TextFiles | undefined;
  private readonly settings: Settings<typeof CSV_LOGGER>;

  constructor(options?: CsvLoggerOptions) {
    super();
    this.settings = readOptions('csvLogger', options, CSV_LOGGER);
  }

  override async onTrainBegin(): Promise<void> {
    const { filename, append } = this.settings;
    this.text = '';
    this.keys = undefined;
    this.files = filename === undefined ? undefined : hostTextFiles();
    if (!this.files) return;
    const size = append ? await this.files.stat(filename!).then((s) => s.size, () => 0) : 0;
    if (!append) await this.files.writeFile(filename!, '');
    // Keras writes the header only into a new or empty file.
    if (size > 0) this.keys = [];
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const separator = this.settings.separator;
    let lines = '';
    if (!this.keys || this.keys.length === 0) {
      const header = this.keys === undefined;
      this.keys = Object.keys(logs).sort();
      if (header) lines += ['epoch', ...this.keys].map((cell) => this.quoted(cell)).join(separator) + '\n';
    }
    lines += [String(epoch), ...this.keys.map((key) => (key in logs ? String(logs[key]) : 'NA'))].join(separator) + '\n';
    this.text += lines;
    if (this.files) await this.files.appendFile(this.settings.filename!, lines);
  }

  /** A header cell, quoted when it holds the separator or a quote (as Python's csv module). */
  private quoted(cell: string): string {
    return cell.includes(this.settings.separator) || cell.includes('"') ? `"${cell.replaceAll('"', '""')}"` : cell;
  }
}

export function csvLogger(options?: CsvLoggerOptions): CsvLogger {
  return new CsvLogger(options);
}
