// Optimizers with Keras 3 defaults, semantics and saved configs, under TF.js's camelCase
// option names. The life of one (the model does this in fit()):
//
//   const opt = optimizers.adam({ learningRate: 0.01, clipnorm: 1 });
//   opt.build(weights);          // slots (m, v, …) in the arena for the trainable weights
//   ...backward fills every weight's grad region...
//   opt.apply(weights);          // clip the grads in place, update every weight in Wasm, iterations += 1
//
// Each step: the learning rate (a schedule evaluated at `iterations`), then gradient clipping
// (at most one of clipnorm per tensor, globalClipnorm over all tensors, clipvalue), then per
// weight tensor one Wasm call that applies Keras 3's decoupled weight decay and the update
// (src/kernels/optimizers.ts). Where Keras 3 and TF.js 4.22 differ, the kernels say which
// formula they follow and why (Adam's ε placement, RMSprop's centered ε, SGD's velocity).
import { clip, fill, firstNonFinite, scale, sumSquares } from '../kernels/elementwise.js';
import { adagradUpdater, adamUpdater, rmspropUpdater, sgdUpdater } from '../kernels/optimizers.js';
import { closestName } from '../layers/errors.js';
import type { LayerWeight } from '../layers/layer.js';
import { flag, OptionProblem, rate, readSettings, snakeToCamel, type Option, type OptionTable, type Settings } from '../layers/options.js';
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { describe, ModelConfigError, ModelInputError, ModelLoadError, ModelStateError } from '../model/errors.js';
import { asConfigError, atLeast, nameOption, numberIn, optional, positiveNumber } from '../model/options.js';
import { isSchedule, readSchedule, type LearningRateSchedule } from './schedules.js';

/**
 * The optimizers compile() knows by name (Keras's class names work too, see {@link OptimizerIdentifier}).
 *
 * @example
 * ```ts
 * const name: OptimizerName = 'adamw';
 * model.compile({ optimizer: name, loss: 'mse' });
 * ```
 */
export type OptimizerName = 'sgd' | 'rmsprop' | 'adam' | 'adamw' | 'adagrad';

/**
 * Options every optimizer takes (Keras 3's base optimizer arguments, camelCase).
 *
 * @example
 * ```ts
 * optimizers.rmsprop({ learningRate: 0.01, globalClipnorm: 5, name: 'rms' });
 * ```
 */
export interface OptimizerOptions {
  /** A number > 0, or a schedule evaluated at `iterations` before each step. */
  learningRate?: number | LearningRateSchedule;
  /** Clip each weight tensor's gradient to this L2 norm. */
  clipnorm?: number | null;
  /** Clip every gradient element to [−clipvalue, clipvalue]. */
  clipvalue?: number | null;
  /** Clip all gradients together to this L2 norm (over every trainable weight). */
  globalClipnorm?: number | null;
  /** Decoupled weight decay: w ← w − learningRate·weightDecay·w before each update (Keras 3). */
  weightDecay?: number | null;
  /** Keras's name of the optimizer, kept in saved configs. */
  name?: string;
}

/**
 * Options of {@link optimizers.sgd}.
 *
 * @example
 * ```ts
 * optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * ```
 */
export interface SgdOptions extends OptimizerOptions {
  /** Default 0.01. */
  learningRate?: number | LearningRateSchedule;
  /** In [0, 1]; default 0 (plain gradient descent). */
  momentum?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
}

/**
 * Options of {@link optimizers.rmsprop} (learningRate default 0.001).
 *
 * @example
 * ```ts
 * optimizers.rmsprop({ learningRate: 0.001, rho: 0.95, centered: true });
 * ```
 */
export interface RmspropOptions extends OptimizerOptions {
  /** Discount of the mean square, in [0, 1); default 0.9. */
  rho?: number;
  /** In [0, 1]; default 0. */
  momentum?: number;
  /** > 0; default 1e-7. */
  epsilon?: number;
  /** Divide by the estimated variance instead of the mean square; default false. */
  centered?: boolean;
}

/**
 * Options of {@link optimizers.adam} (learningRate default 0.001).
 *
 * @example
 * ```ts
 * optimizers.adam({ learningRate: 0.001, beta1: 0.9, beta2: 0.98, epsilon: 1e-9 });
 * ```
 */
export interface AdamOptions extends OptimizerOptions {
  /** In [0, 1); default 0.9. */
  beta1?: number;
  /** In [0, 1); default 0.999. */
  beta2?: number;
  /** > 0; default 1e-7. */
  epsilon?: number;
  /** The AMSGrad variant (the maximum of past second moments); default false. */
  amsgrad?: boolean;
}

/**
 * Options of {@link optimizers.adamw}: Adam's, with decoupled weight decay on by default.
 *
 * @example
 * ```ts
 * optimizers.adamw({ learningRate: 0.001, weightDecay: 0.01 });
 * ```
 */
export interface AdamwOptions extends AdamOptions {
  /** Default 0.004. */
  weightDecay?: number;
}

/**
 * Options of {@link optimizers.adagrad} (learningRate default 0.001).
 *
 * @example
 * ```ts
 * optimizers.adagrad({ learningRate: 0.01, initialAccumulatorValue: 0.1 });
 * ```
 */
export interface AdagradOptions extends OptimizerOptions {
  /** >= 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** > 0; default 1e-7. */
  epsilon?: number;
}

/**
 * One piece of an optimizer's state as getState() gives it and setState() takes it.
 *
 * @example
 * ```ts
 * const [iteration, ...slots]: OptimizerStateEntry[] = model.optimizer.getState();
 * iteration.data[0];        // steps taken
 * ```
 */
export interface OptimizerStateEntry {
  /** 'iteration', or '<weight name>/<slot>' such as 'lstm/kernel/m'. */
  name: string;
  /** [] for the iteration, else the weight's shape. */
  shape: number[];
  /** The values (a copy), float32. */
  data: Float32Array;
}

// ---- option parsers ----------------------------------------------------------------------

/** A number > 0, a schedule object, or a saved schedule {class_name, config}. */
function learningRateOption(fallback: number): Option<number | LearningRateSchedule> {
  const constant = positiveNumber(fallback);
  return {
    parse(value) {
      if (isSchedule(value)) return value;
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'class_name' in value) return readSchedule(value as Record<string, unknown>);
      if (typeof value === 'object' && value !== null) throw new OptionProblem(`must be a number > 0 or a learning-rate schedule (an object with at() and toJSON()), got ${describe(value)}`);
      return constant.parse(value);
    },
  };
}

/** The options of Keras 3's base optimizer, with one optimizer's defaults. */
function commonOptions(name: string, learningRate: number, weightDecay: Option<number | null>) {
  return {
    learningRate: learningRateOption(learningRate),
    weightDecay,
    clipnorm: optional(positiveNumber()),
    clipvalue: optional(positiveNumber()),
    globalClipnorm: optional(positiveNumber()),
    name: nameOption(name),
  };
}

type CommonSettings = Settings<ReturnType<typeof commonOptions>>;

/** Validates `options` against `table` (ModelConfigError naming `owner` and the option), then the clipping options together. */
function settingsOf<S extends OptionTable>(owner: string, options: unknown, table: S): Settings<S> & CommonSettings {
  const settings = asConfigError(owner, () => readSettings(options, table)) as Settings<S> & CommonSettings;
  const clips = (['clipnorm', 'clipvalue', 'globalClipnorm'] as const).filter((key) => settings[key] !== null);
  if (clips.length > 1) {
    throw new ModelConfigError(owner, clips[1], `only one of clipnorm, clipvalue and globalClipnorm can be set, got ${clips.map((key) => `${key}=${settings[key]}`).join(', ')}`);
  }
  return settings;
}

// ---- the optimizer -----------------------------------------------------------------------

interface Built {
  /** The trainable weights, in the order they were given. */
  readonly weights: readonly LayerWeight[];
  /** slots[s][i]: slot s of weight i. */
  readonly slots: readonly (readonly F32Region[])[];
  /** Per weight, its update with the regions checked (made by the first apply, so a bad region fails there as before). */
  updates?: readonly Update[];
}

/** One weight's update for a step: its learning rate and step number (1 for the first). */
type Update = (learningRate: number, step: number) => void;

const MAX_ITERATIONS = 2 ** 24; // saved as float32, which holds every integer up to here

/**
 * An optimizer with Keras 3's defaults, semantics and saved config; every update runs in
 * Wasm. Make one with the {@link optimizers} factories (or name it in compile()); a model
 * builds and applies it in fit(). Use it directly to train layers by hand.
 *
 * @example
 * ```ts
 * const opt = optimizers.adam({ learningRate: 0.01, clipnorm: 1 });
 * opt.build(lstm.weights);          // slots (m, v) in the arena
 * // … forward and backward fill every weight's grad …
 * opt.apply(lstm.weights);          // clip, update every weight, iterations += 1
 * lstm.weightsChanged();
 * ```
 */
export abstract class Optimizer {
  /** Keras class name: 'SGD', 'RMSprop', 'Adam', 'AdamW', 'Adagrad'. */
  readonly className: string;
  /** Keras's name of this optimizer (default 'SGD', 'rmsprop', 'adam', 'adamw', 'adagrad'). */
  readonly name: string;
  /** Decoupled weight decay factor, null when off. */
  readonly weightDecay: number | null;
  /** Per-tensor gradient norm clip, null when off. */
  readonly clipnorm: number | null;
  /** Gradient element clip, null when off. */
  readonly clipvalue: number | null;
  /** Global gradient norm clip, null when off. */
  readonly globalClipnorm: number | null;
  private rate: number | LearningRateSchedule;
  private steps = 0;
  private built: Built | undefined;

  protected constructor(className: string, settings: CommonSettings) {
    this.className = className;
    this.name = settings.name;
    this.rate = settings.learningRate;
    this.weightDecay = settings.weightDecay;
    this.clipnorm = settings.clipnorm;
    this.clipvalue = settings.clipvalue;
    this.globalClipnorm = settings.globalClipnorm;
  }

  /** Names of the slots each trainable weight gets, e.g. ['m', 'v'] (TF.js's names). */
  protected abstract slotNames(): readonly string[];

  /** The value a slot starts from. */
  protected initialSlotValue(slot: string): number {
    void slot;
    return 0;
  }

  /**
   * What is wrong with one weight's saved slots (by slot name; finite values of the right shape),
   * or undefined when the update can take them: a mean square or accumulator below zero would
   * make every weight NaN at the next step. Subclasses add their own conditions.
   */
  protected slotProblem(slots: ReadonlyMap<string, ArrayLike<number>>): string | undefined {
    for (const slot of ['rms', 'v', 'vhat', 'accumulator']) {
      const values = slots.get(slot);
      if (values === undefined) continue;
      for (let k = 0; k < values.length; k++) {
        if (values[k] < 0) return `'${slot}' holds ${values[k]} at index ${k}; it is a sum of squares and cannot be negative`;
      }
    }
    return undefined;
  }

  /** The update of `weight` from its grad with its slots (in slotNames() order), checked once here and then called every step. */
  protected abstract updater(weight: LayerWeight, slots: readonly F32Region[]): Update;

  /** This optimizer's own hyper-parameters for getConfig(), snake_case. */
  protected abstract ownConfig(): Record<string, unknown>;

  /** The learning rate for the next step (a schedule evaluated at `iterations`). Setting it replaces a constant rate; with a schedule it throws ModelStateError. */
  get learningRate(): number {
    if (!isSchedule(this.rate)) return this.rate;
    const value = this.rate.at(this.steps);
    if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) {
      throw new ModelConfigError(this.name, 'learningRate', `the learning-rate schedule gave ${describe(value)} at step ${this.steps}; learning rates must be finite numbers > 0`);
    }
    return value;
  }

  /** Sets a constant rate for the next steps (a number > 0); throws ModelStateError when the rate comes from a schedule. */
  set learningRate(value: number) {
    if (isSchedule(this.rate)) {
      throw new ModelStateError(this.name, 'learningRate', `the learning rate comes from a ${this.rate.toJSON().class_name} schedule and cannot be set; create the optimizer with a number to change it during training`);
    }
    this.rate = asConfigError(this.name, () => readSettings({ learningRate: value }, { learningRate: positiveNumber() }).learningRate);
  }

  /** Steps applied so far. */
  get iterations(): number {
    return this.steps;
  }

  /**
   * Allocates the slots for the trainable weights in `weights`, initialised. Building again
   * with the same weights does nothing; other weights throw ModelStateError (an optimizer
   * belongs to one model).
   */
  build(weights: readonly LayerWeight[]): void {
    const trainable = this.trainableOf(weights, 'build');
    if (this.built) {
      this.assertSameWeights(trainable, 'build');
      return;
    }
    const memory = arena('optimizer');
    const names = new Set<string>();
    trainable.forEach((w, i) => {
      if (names.has(w.name)) throw new ModelInputError(this.name, `weights[${i}]`, `build() got two trainable weights named '${w.name}'; their optimizer state would share a name`);
      names.add(w.name);
    });
    const slots: F32Region[][] = [];
    try {
      for (const slot of this.slotNames()) {
        const regions: F32Region[] = [];
        slots.push(regions);
        for (const w of trainable) {
          const region = memory.allocF32(w.value.length);
          regions.push(region);
          fill(region, this.initialSlotValue(slot));
        }
      }
    } catch (error) {
      for (const region of slots.flat()) memory.free(region);
      throw error;
    }
    this.built = { weights: trainable, slots };
  }

  /**
   * One update of every trainable weight from its grad region (clipped first, in place in the
   * grads), then iterations += 1. The caller zeroes the grads and tells layers weightsChanged().
   * A non-finite gradient (after clipping) refuses the step before any weight or slot changes;
   * a weight that the update leaves non-finite (an overflow) is reported after the step. Both
   * are a ModelStateError naming the weight, so NaN never spreads through a model unnoticed.
   */
  apply(weights: readonly LayerWeight[]): void {
    const built = this.assertBuilt('apply');
    this.assertSameWeights(this.trainableOf(weights, 'apply'), 'apply');
    const learningRate = this.learningRate;
    if (this.steps >= MAX_ITERATIONS) throw new ModelStateError(this.name, 'iterations', `apply(): ${MAX_ITERATIONS} steps is the most an optimizer counts (its state is saved as float32)`);
    this.clipGradients(built.weights);
    const step = this.steps + 1;
    this.assertFinite(built.weights, 'grad', (w, at) => `step ${step} refused: the gradient of '${w.name}' is ${at}; no weight was changed (lower the learning rate, clip gradients, or look for data the loss cannot take)`);
    built.updates ??= built.weights.map((w, i) => this.updater(w, built.slots.map((s) => s[i])));
    for (const update of built.updates) update(learningRate, step);
    this.steps++;
    this.assertFinite(built.weights, 'value', (w, at) => `step ${step} left weight '${w.name}' ${at}: the update overflowed (learning rate ${learningRate}); restore the weights from a checkpoint and lower the learning rate`);
  }

  /** A ModelStateError naming the first weight whose grad or value holds a NaN or ±Infinity (one Wasm scan per tensor). */
  private assertFinite(weights: readonly LayerWeight[], part: 'grad' | 'value', problem: (w: LayerWeight, at: string) => string): void {
    for (const w of weights) {
      const index = firstNonFinite(w[part]);
      if (index >= 0) throw new ModelStateError(this.name, w.name, problem(w, `${w[part].view()[index]} at index ${index}`));
    }
  }

  /** Keras 3's clipping: per-tensor norm, global norm or value, in place in the grads; norms summed in float64 in Wasm. */
  private clipGradients(weights: readonly LayerWeight[]): void {
    if (this.clipnorm !== null) {
      // Keras: g·c / max(‖g‖, c); a gradient already within the norm is left exactly as it is.
      const c = this.clipnorm;
      for (const w of weights) {
        const norm = Math.sqrt(sumSquares(w.grad));
        if (!(norm <= c)) scale(c / norm, w.grad);
      }
    } else if (this.globalClipnorm !== null) {
      // Keras: g·c·min(1/‖G‖, 1/c), and NaN everywhere when ‖G‖ is not finite.
      const c = this.globalClipnorm;
      let total = 0;
      for (const w of weights) total += sumSquares(w.grad);
      const norm = Math.sqrt(total);
      if (!(norm <= c)) {
        const factor = Number.isFinite(norm) ? c / norm : NaN;
        for (const w of weights) scale(factor, w.grad);
      }
    } else if (this.clipvalue !== null) {
      for (const w of weights) clip(w.grad, -this.clipvalue, this.clipvalue);
    }
  }

  /** Keras config in snake_case for model.json; a schedule is saved as its {class_name, config}. */
  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      learning_rate: isSchedule(this.rate) ? this.rate.toJSON() : this.rate,
      weight_decay: this.weightDecay,
      clipnorm: this.clipnorm,
      global_clipnorm: this.globalClipnorm,
      clipvalue: this.clipvalue,
      // Keras 3 base-optimizer features this package does not have, at their off values.
      use_ema: false,
      ema_momentum: 0.99,
      ema_overwrite_frequency: null,
      loss_scale_factor: null,
      gradient_accumulation_steps: null,
      ...this.ownConfig(),
    };
  }

  /**
   * The state for checkpoints: {name: 'iteration', shape: [], data}, then every slot as
   * '<weight name>/<slot>', slot by slot (all m, then all v, as TF.js and Keras order them);
   * copies, float32. setState() of this and apply() continue with the same bits as never
   * having stopped (nothing else is carried between steps).
   */
  getState(): OptimizerStateEntry[] {
    const built = this.assertBuilt('getState');
    const state: OptimizerStateEntry[] = [{ name: 'iteration', shape: [], data: Float32Array.of(this.steps) }];
    this.slotNames().forEach((slot, s) => {
      built.weights.forEach((w, i) => state.push({ name: `${w.name}/${slot}`, shape: [...w.shape], data: built.slots[s][i].toArray() }));
    });
    return state;
  }

  /**
   * Restores getState() output after build(). Checked whole first (every name present once,
   * shapes, finite values, an integer iteration); on any error nothing changes and a
   * ModelLoadError names `owner` ('setState', or 'loadModel' when a model is loading).
   */
  setState(state: readonly { name: string; shape: readonly number[]; data: ArrayLike<number> }[], owner = 'setState'): void {
    const built = this.assertBuilt('setState');
    const fail = (argument: string, problem: string) => new ModelLoadError(owner, argument, problem);
    const expected = new Map<string, readonly number[]>([['iteration', []]]);
    const slotNames = this.slotNames();
    for (const slot of slotNames) for (const w of built.weights) expected.set(`${w.name}/${slot}`, w.shape);
    if (!Array.isArray(state)) throw fail('state', `the optimizer state must be an array of { name, shape, data }, got ${describe(state)}`);
    const given = new Map<string, ArrayLike<number>>();
    state.forEach((entry: unknown, i) => {
      const argument = `state[${i}]`;
      if (typeof entry !== 'object' || entry === null) throw fail(argument, `${argument} must be { name, shape, data }, got ${describe(entry)}`);
      const { name, shape, data } = entry as Record<string, unknown>;
      if (typeof name !== 'string' || !expected.has(name)) {
        const hint = typeof name === 'string' ? closestName(name, expected.keys()) : undefined;
        throw fail(argument, `${argument} is named ${describe(name)}, which is not part of this ${this.className} optimizer's state${hint ? ` (did you mean '${hint}'?)` : ''}`);
      }
      if (given.has(name)) throw fail(argument, `${argument}: '${name}' appears twice in the optimizer state`);
      const want = expected.get(name)!;
      if (!Array.isArray(shape) || shape.length !== want.length || shape.some((d, k) => d !== want[k])) {
        throw fail(argument, `optimizer state '${name}' must have shape [${want.join(', ')}], got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : describe(shape)}`);
      }
      const size = want.reduce((a, b) => a * b, 1);
      if (!(Array.isArray(data) || ArrayBuffer.isView(data)) || (data as ArrayLike<number>).length !== size) {
        throw fail(argument, `optimizer state '${name}' must have ${size} values, got ${describe(data)}`);
      }
      const values = data as ArrayLike<number>;
      for (let k = 0; k < size; k++) {
        if (typeof values[k] !== 'number' || !Number.isFinite(values[k])) throw fail(argument, `optimizer state '${name}' has a non-finite value at index ${k}: ${describe(values[k])}`);
      }
      given.set(name, values);
    });
    const missing = [...expected.keys()].filter((name) => !given.has(name));
    if (missing.length > 0) throw fail('state', `the optimizer state lacks ${missing.length} of ${expected.size} entries: ${missing.slice(0, 3).map((n) => `'${n}'`).join(', ')}${missing.length > 3 ? ', …' : ''}`);
    const iteration = given.get('iteration')![0];
    if (!Number.isInteger(iteration) || iteration < 0 || iteration > MAX_ITERATIONS) {
      throw fail('iteration', `optimizer state 'iteration' must be an integer in [0, ${MAX_ITERATIONS}], got ${iteration}`);
    }
    for (const w of built.weights) {
      const problem = this.slotProblem(new Map(slotNames.map((slot) => [slot, given.get(`${w.name}/${slot}`)!])));
      if (problem !== undefined) throw fail(w.name, `optimizer state of '${w.name}': ${problem}`);
    }
    slotNames.forEach((slot, s) => built.weights.forEach((w, i) => built.slots[s][i].set(given.get(`${w.name}/${slot}`)!)));
    this.steps = iteration;
  }

  /** Frees the slots; the optimizer is unbuilt again (iterations back to 0) and may be built anew. */
  dispose(): void {
    if (!this.built) return;
    const memory = arena('optimizer');
    for (const region of this.built.slots.flat()) memory.free(region);
    this.built = undefined;
    this.steps = 0;
  }

  private assertBuilt(what: string): Built {
    if (!this.built) throw new ModelStateError(this.name, what, `${what}() needs the optimizer built for the model's weights; call build(weights) first`);
    return this.built;
  }

  /** The trainable weights of `weights`, each checked to be a weight whose value and grad hold its shape. */
  private trainableOf(weights: readonly LayerWeight[], what: string): LayerWeight[] {
    if (!Array.isArray(weights)) throw new ModelInputError(this.name, 'weights', `${what}() takes an array of layer weights, got ${describe(weights)}`);
    const memory = arena('optimizer');
    const trainable: LayerWeight[] = [];
    weights.forEach((w: LayerWeight, i) => {
      const argument = `weights[${i}]`;
      if (typeof w !== 'object' || w === null || typeof w.name !== 'string' || !Array.isArray(w.shape)) {
        throw new ModelInputError(this.name, argument, `${what}() takes layer weights { name, shape, value, grad, trainable }, got ${describe(w)} at ${argument}`);
      }
      if (!w.trainable) return;
      const size = w.shape.reduce((a, b) => a * b, 1);
      memory.check(`${this.name}: ${argument}.value (${w.name})`, w.value, size);
      memory.check(`${this.name}: ${argument}.grad (${w.name})`, w.grad, size);
      if (w.value.length !== size || w.grad.length !== size) {
        throw new ModelInputError(this.name, argument, `weight '${w.name}' of shape [${w.shape.join(', ')}] needs value and grad of ${size} floats, got ${w.value.length} and ${w.grad.length}`);
      }
      trainable.push(w);
    });
    return trainable;
  }

  private assertSameWeights(trainable: readonly LayerWeight[], what: string): void {
    const mine = this.built!.weights;
    const same = trainable.length === mine.length && trainable.every((w, i) => w.name === mine[i].name && w.value === mine[i].value && w.grad === mine[i].grad);
    if (!same) {
      throw new ModelStateError(this.name, 'weights', `${what}() got other trainable weights (${trainable.length}) than the optimizer was built for (${mine.length}); an optimizer belongs to one model — create a new one for another`);
    }
  }
}

// ---- the optimizers ----------------------------------------------------------------------

const SGD_OPTIONS = {
  ...commonOptions('SGD', 0.01, optional(atLeast(0, 0))),
  momentum: numberIn(0, 0, 1),
  nesterov: flag(false),
};

/** Gradient descent, with (Nesterov) momentum when momentum > 0 (Keras 3 `SGD`, TF.js `sgd` / `momentum`). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SgdOptions = {}, owner = 'sgd') {
    const s = settingsOf(owner, options, SGD_OPTIONS);
    super('SGD', s);
    this.momentum = s.momentum;
    this.nesterov = s.nesterov;
  }

  protected slotNames() {
    return this.momentum !== 0 ? ['momentum'] : [];
  }

  protected updater(weight: LayerWeight, slots: readonly F32Region[]): Update {
    return sgdUpdater(weight.value, weight.grad, slots[0], { momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay ?? 0 });
  }

  protected ownConfig() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

const RMSPROP_OPTIONS = {
  ...commonOptions('rmsprop', 0.001, optional(atLeast(0, 0))),
  rho: rate(0.9),
  momentum: numberIn(0, 0, 1),
  epsilon: positiveNumber(1e-7),
  centered: flag(false),
};

/** RMSprop (Keras 3 `RMSprop`, TF.js `rmsprop`). */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RmspropOptions = {}, owner = 'rmsprop') {
    const s = settingsOf(owner, options, RMSPROP_OPTIONS);
    super('RMSprop', s);
    this.rho = s.rho;
    this.momentum = s.momentum;
    this.epsilon = s.epsilon;
    this.centered = s.centered;
  }

  protected slotNames() {
    return ['rms', ...(this.momentum !== 0 ? ['momentum'] : []), ...(this.centered ? ['mg'] : [])];
  }

  /** Centered, the update divides by √(rms − mg² + ε): mg² cannot exceed rms (a mean of squares bounds the squared mean). */
  protected override slotProblem(slots: ReadonlyMap<string, ArrayLike<number>>): string | undefined {
    const problem = super.slotProblem(slots);
    if (problem !== undefined || !this.centered) return problem;
    const rms = slots.get('rms')!;
    const mg = slots.get('mg')!;
    for (let k = 0; k < rms.length; k++) {
      // The slack covers float32 rounding of a state that training produced.
      if (mg[k] * mg[k] > rms[k] * (1 + 1e-5) + this.epsilon) return `'mg' holds ${mg[k]} at index ${k}, whose square exceeds 'rms' ${rms[k]} there (a mean gradient cannot exceed the root mean square)`;
    }
    return undefined;
  }

  protected updater(weight: LayerWeight, slots: readonly F32Region[]): Update {
    const [meanSquare, ...rest] = slots;
    const momentum = this.momentum !== 0 ? rest.shift() : undefined;
    return rmspropUpdater(weight.value, weight.grad, { meanSquare, momentum, meanGrad: rest[0] }, {
      rho: this.rho,
      epsilon: this.epsilon,
      momentum: this.momentum,
      centered: this.centered,
      weightDecay: this.weightDecay ?? 0,
    });
  }

  protected ownConfig() {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

function adamOptions(name: string, weightDecay: Option<number | null>) {
  return {
    ...commonOptions(name, 0.001, weightDecay),
    beta1: rate(0.9),
    beta2: rate(0.999),
    epsilon: positiveNumber(1e-7),
    amsgrad: flag(false),
  };
}

const ADAM_OPTIONS = adamOptions('adam', optional(atLeast(0, 0)));
// Keras 3's AdamW requires a weight decay (it rejects None).
const ADAMW_OPTIONS = adamOptions('adamw', atLeast(0, 0.004));

/** Adam (Keras 3 `Adam`, TF.js `adam`), with the AMSGrad variant. */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(options: AdamOptions = {}, owner = 'adam') {
    const s = settingsOf(owner, options, ADAM_OPTIONS);
    super('Adam', s);
    this.beta1 = s.beta1;
    this.beta2 = s.beta2;
    this.epsilon = s.epsilon;
    this.amsgrad = s.amsgrad;
  }

  protected slotNames() {
    return this.amsgrad ? ['m', 'v', 'vhat'] : ['m', 'v'];
  }

  protected updater(weight: LayerWeight, slots: readonly F32Region[]): Update {
    const [m, v, vhat] = slots;
    return adamUpdater(weight.value, weight.grad, { m, v, vhat }, {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      amsgrad: this.amsgrad,
      weightDecay: this.weightDecay ?? 0,
    });
  }

  protected ownConfig() {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/** Adam with decoupled weight decay, default 0.004 (Keras 3 `AdamW`; TF.js has none). */
export class AdamW extends Adam {
  override readonly className = 'AdamW';

  constructor(options: AdamwOptions = {}, owner = 'adamw') {
    // Checked against AdamW's own table first (its defaults, and no null weightDecay), then
    // given to Adam complete.
    super(settingsOf(owner, options, ADAMW_OPTIONS), owner);
  }
}

const ADAGRAD_OPTIONS = {
  ...commonOptions('adagrad', 0.001, optional(atLeast(0, 0))),
  initialAccumulatorValue: atLeast(0, 0.1),
  epsilon: positiveNumber(1e-7),
};

/** Adagrad (Keras 3 `Adagrad`, TF.js `adagrad`). */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}, owner = 'adagrad') {
    const s = settingsOf(owner, options, ADAGRAD_OPTIONS);
    super('Adagrad', s);
    this.initialAccumulatorValue = s.initialAccumulatorValue;
    this.epsilon = s.epsilon;
  }

  protected slotNames() {
    return ['accumulator'];
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected updater(weight: LayerWeight, slots: readonly F32Region[]): Update {
    return adagradUpdater(weight.value, weight.grad, slots[0], { epsilon: this.epsilon, weightDecay: this.weightDecay ?? 0 });
  }

  protected ownConfig() {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

const TABLES: Record<OptimizerName, OptionTable> = {
  sgd: SGD_OPTIONS,
  rmsprop: RMSPROP_OPTIONS,
  adam: ADAM_OPTIONS,
  adamw: ADAMW_OPTIONS,
  adagrad: ADAGRAD_OPTIONS,
};

const FACTORIES: Record<OptimizerName, (options: unknown, owner?: string) => Optimizer> = {
  sgd: (o, owner) => new SGD(o as SgdOptions, owner),
  rmsprop: (o, owner) => new RMSprop(o as RmspropOptions, owner),
  adam: (o, owner) => new Adam(o as AdamOptions, owner),
  adamw: (o, owner) => new AdamW(o as AdamwOptions, owner),
  adagrad: (o, owner) => new Adagrad(o as AdagradOptions, owner),
};

/**
 * A factory's arguments as options: an options object as it is, or positional values (TF.js's
 * and Keras's order) under `names`, undefined ones left to the defaults.
 */
function positional<O>(owner: string, args: readonly unknown[], names: readonly (keyof O & string)[]): O | undefined {
  const [first, ...rest] = args;
  if (typeof first !== 'number') {
    if (rest.length > 0) throw new ModelConfigError(owner, 'options', `${owner}() takes an options object or positional numbers (${names.join(', ')}), not both`);
    return first as O | undefined;
  }
  if (args.length > names.length) throw new ModelConfigError(owner, 'options', `${owner}() takes at most ${names.length} positional arguments (${names.join(', ')}), got ${args.length}`);
  const options: Record<string, unknown> = {};
  args.forEach((value, i) => {
    if (value !== undefined) options[names[i]] = value;
  });
  return options as O;
}

/** SGD: sgd({ learningRate, momentum, nesterov, … }) or sgd(learningRate, momentum?, nesterov?) (TF.js sgd(lr), Keras SGD's order). */
function sgd(options?: SgdOptions): Optimizer;
function sgd(learningRate: number, momentum?: number, nesterov?: boolean): Optimizer;
function sgd(...args: unknown[]): Optimizer {
  return new SGD(positional<SgdOptions>('sgd', args, ['learningRate', 'momentum', 'nesterov']));
}

/** TF.js's momentum(learningRate, momentum, useNesterov?): SGD with momentum. */
function momentum(learningRate: number, momentum: number, useNesterov?: boolean): Optimizer {
  return new SGD(positional<SgdOptions>('momentum', [learningRate, momentum, useNesterov], ['learningRate', 'momentum', 'nesterov']), 'momentum');
}

/** RMSprop: rmsprop({ … }) or TF.js's rmsprop(learningRate, decay?, momentum?, epsilon?, centered?) (decay is Keras's rho). */
function rmsprop(options?: RmspropOptions): Optimizer;
function rmsprop(learningRate: number, decay?: number, momentum?: number, epsilon?: number, centered?: boolean): Optimizer;
function rmsprop(...args: unknown[]): Optimizer {
  return new RMSprop(positional<RmspropOptions>('rmsprop', args, ['learningRate', 'rho', 'momentum', 'epsilon', 'centered']));
}

/** Adam: adam({ … }) or TF.js's adam(learningRate, beta1?, beta2?, epsilon?). */
function adam(options?: AdamOptions): Optimizer;
function adam(learningRate: number, beta1?: number, beta2?: number, epsilon?: number): Optimizer;
function adam(...args: unknown[]): Optimizer {
  return new Adam(positional<AdamOptions>('adam', args, ['learningRate', 'beta1', 'beta2', 'epsilon']));
}

/** AdamW: adamw({ … }) or adamw(learningRate, weightDecay?, beta1?, beta2?, epsilon?) (Keras AdamW's order). */
function adamw(options?: AdamwOptions): Optimizer;
function adamw(learningRate: number, weightDecay?: number, beta1?: number, beta2?: number, epsilon?: number): Optimizer;
function adamw(...args: unknown[]): Optimizer {
  return new AdamW(positional<AdamwOptions>('adamw', args, ['learningRate', 'weightDecay', 'beta1', 'beta2', 'epsilon']));
}

/** Adagrad: adagrad({ … }) or TF.js's adagrad(learningRate, initialAccumulatorValue?) (Keras adds epsilon third). */
function adagrad(options?: AdagradOptions): Optimizer;
function adagrad(learningRate: number, initialAccumulatorValue?: number, epsilon?: number): Optimizer;
function adagrad(...args: unknown[]): Optimizer {
  return new Adagrad(positional<AdagradOptions>('adagrad', args, ['learningRate', 'initialAccumulatorValue', 'epsilon']));
}

/**
 * The optimizers by name, each with Keras 3's defaults: an options object (TF.js option names)
 * or TF.js's positional arguments, `optimizers.adam(0.01)`, `optimizers.sgd(0.1)`. Every one
 * takes clipnorm, clipvalue or globalClipnorm (at most one), and a learningRate that may be a
 * schedule; bad options are a ModelConfigError naming the option.
 *
 * @namespace
 *
 * @example
 * ```ts
 * model.compile({ optimizer: optimizers.adam(0.01), loss: 'mse' });
 * model.compile({ optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9, clipnorm: 1 }), loss: 'mse' });
 * ```
 */
export const optimizers = {
  /**
   * Stochastic gradient descent, learningRate 0.01 by default: sgd({ learningRate, momentum,
   * nesterov, … }) or sgd(learningRate, momentum?, nesterov?).
   *
   * @example
   * ```ts
   * optimizers.sgd(0.1);
   * optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true });
   * ```
   */
  sgd,
  /**
   * TF.js's momentum(learningRate, momentum, useNesterov?): SGD with momentum.
   *
   * @example
   * ```ts
   * optimizers.momentum(0.01, 0.9);
   * ```
   */
  momentum,
  /**
   * RMSprop, learningRate 0.001 by default: rmsprop({ … }) or TF.js's rmsprop(learningRate,
   * decay?, momentum?, epsilon?, centered?) (decay is Keras's rho).
   *
   * @example
   * ```ts
   * optimizers.rmsprop({ learningRate: 0.02 });
   * optimizers.rmsprop(0.02);
   * ```
   */
  rmsprop,
  /**
   * Adam, learningRate 0.001 by default: adam({ … }) or TF.js's adam(learningRate, beta1?,
   * beta2?, epsilon?).
   *
   * @example
   * ```ts
   * optimizers.adam(0.01);
   * optimizers.adam({ learningRate: 0.001, amsgrad: true, clipnorm: 1 });
   * ```
   */
  adam,
  /**
   * AdamW (Adam with decoupled weight decay, 0.004 by default): adamw({ … }) or
   * adamw(learningRate, weightDecay?, beta1?, beta2?, epsilon?) (Keras AdamW's order).
   *
   * @example
   * ```ts
   * optimizers.adamw({ learningRate: 0.001, weightDecay: 0.01 });
   * ```
   */
  adamw,
  /**
   * Adagrad, learningRate 0.001 by default: adagrad({ … }) or TF.js's adagrad(learningRate,
   * initialAccumulatorValue?) (Keras adds epsilon third).
   *
   * @example
   * ```ts
   * optimizers.adagrad(0.01);
   * ```
   */
  adagrad,
};

// ---- from compile() arguments and saved configs ------------------------------------------

/** Optimizer names in any case: ours, Keras's class names, TF.js's ('RMSProp', and 'Momentum' for SGD with momentum in saved configs). */
function kindOf(name: string, saved: boolean): OptimizerName | undefined {
  const folded = name.toLowerCase();
  if (Object.hasOwn(FACTORIES, folded)) return folded as OptimizerName;
  return saved && folded === 'momentum' ? 'sgd' : undefined;
}

/**
 * Saved-config keys that are not options: Keras 3 base-optimizer features at their off values
 * (anything else is refused), and bookkeeping of older Keras versions.
 */
const IGNORED_WHEN: Record<string, (value: unknown) => boolean> = {
  use_ema: (v) => v === false,
  ema_momentum: () => true,
  ema_overwrite_frequency: (v) => v === null,
  loss_scale_factor: (v) => v === null,
  gradient_accumulation_steps: (v) => v === null,
  jit_compile: () => true,
  is_legacy_optimizer: () => true,
  decay: (v) => v === 0 || v === null, // Keras 2's learning-rate decay (Keras 3 ignores it; we refuse a non-zero one)
};

/** TF.js's saved option names that differ from ours, per TF.js class name. */
const TFJS_ALIASES: Record<string, Record<string, string>> = {
  RMSProp: { decay: 'rho' },
  Momentum: { useNesterov: 'nesterov' },
};

/** The options in a saved config (Keras snake_case or TF.js camelCase keys) in our option names. */
function optionsFromConfig(className: string, config: Record<string, unknown>): Record<string, unknown> {
  const aliases = TFJS_ALIASES[className] ?? {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (Object.hasOwn(aliases, key)) options[aliases[key]] = value;
    else if (Object.hasOwn(IGNORED_WHEN, key)) {
      if (!IGNORED_WHEN[key](value)) throw new OptionProblem(`is not supported by seqwasm optimizers, got ${describe(value)}`, key);
    } else options[snakeToCamel(key)] = value;
  }
  return options;
}

const NAMES = Object.keys(FACTORIES) as OptimizerName[];
const EXPECTED = `${NAMES.map((n) => `'${n}'`).join(', ')}, an optimizer from optimizers, or a saved { class_name, config }`;

/**
 * The optimizer compile() was given: an OptimizerName (any case, so also Keras class names
 * 'Adam', 'SGD', 'RMSprop'…) with Keras 3 defaults, an Optimizer (passed through), or a saved
 * {class_name, config} (Keras snake_case keys as getConfig() writes them; TF.js's saved
 * optimizer configs are read too). A bad one is a ModelConfigError of `owner` naming `argument`.
 */
export function optimizerFrom(spec: unknown, argument = 'optimizer', owner = 'compile'): Optimizer {
  if (spec instanceof Optimizer) return spec;
  if (typeof spec === 'string') {
    const kind = kindOf(spec, false);
    if (kind) return FACTORIES[kind]({}, owner);
    const hint = closestName(spec, NAMES);
    throw new ModelConfigError(owner, argument, `${argument} ${describe(spec)} is not a known optimizer${hint ? ` (did you mean '${hint}'?)` : ''}; expected ${EXPECTED}`);
  }
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec) && 'class_name' in spec) {
    const { class_name: className, config = {} } = spec as { class_name: unknown; config?: unknown };
    const kind = typeof className === 'string' ? kindOf(className, true) : undefined;
    if (!kind) {
      const hint = typeof className === 'string' ? closestName(className, ['SGD', 'RMSprop', 'Adam', 'AdamW', 'Adagrad']) : undefined;
      throw new ModelConfigError(owner, `${argument}.class_name`, `${argument}.class_name ${describe(className)} is not a known optimizer${hint ? ` (did you mean '${hint}'?)` : ''}; expected 'SGD', 'RMSprop', 'Adam', 'AdamW' or 'Adagrad'`);
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new ModelConfigError(owner, `${argument}.config`, `${argument}.config must be an object, got ${describe(config)}`);
    }
    // Read and checked here so that a bad option is named by its path in the saved config.
    const options = asConfigError(owner, () => {
      try {
        const options = optionsFromConfig(className as string, config as Record<string, unknown>);
        readSettings(options, TABLES[kind]);
        return options;
      } catch (error) {
        throw error instanceof OptionProblem ? error.within(`${argument}.config`) : error;
      }
    });
    return FACTORIES[kind](options, owner);
  }
  throw new ModelConfigError(owner, argument, `${argument} must be ${EXPECTED}, got ${describe(spec)}`);
}
