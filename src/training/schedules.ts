// Learning-rate schedules (Keras 3 names and semantics): an optimizer given a schedule as its
// learningRate evaluates it at its `iterations` (0 for the first step) before every step.
// Powers are computed by the Wasm module (pow64), so a schedule gives the same bits in
// every JS engine.
import { pow64 } from '../kernels/optimizers.js';
import { flag, OptionProblem, readSettings, snakeToCamel, type Option } from '../layers/options.js';
import { closestName } from '../layers/errors.js';
import { describe, ModelConfigError } from '../model/errors.js';
import { asConfigError, nameOption, positiveNumber } from '../model/options.js';

/**
 * A learning rate that depends on the optimizer step; `toJSON` is how a saved model stores it.
 * Pass one as any optimizer's learningRate: the built-in ones from {@link schedules}, or any
 * object with at() and toJSON().
 *
 * @example
 * ```ts
 * const warmup: LearningRateSchedule = {
 *   at: (step) => (step < 100 ? 0.001 * (step + 1) / 100 : 0.001),
 *   toJSON: () => ({ class_name: 'Warmup', config: {} }),
 * };
 * optimizers.adam({ learningRate: warmup });
 * ```
 */
export interface LearningRateSchedule {
  /** The learning rate for the step taken when the optimizer has already taken `step` steps. */
  at(step: number): number;
  /** The Keras form a saved model stores: { class_name, config }. */
  toJSON(): {
    /** Keras class name, e.g. 'ExponentialDecay'. */
    class_name: string;
    /** The options in snake_case. */
    config: Record<string, unknown>;
  };
}

/**
 * Options of {@link schedules.exponentialDecay}.
 *
 * @example
 * ```ts
 * schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.5, staircase: true });
 * ```
 */
export interface ExponentialDecayOptions {
  /** The rate at step 0 (> 0). Required. */
  initialLearningRate: number;
  /** Steps per decay by decayRate (> 0; need not be an integer). */
  decaySteps: number;
  /** Factor per decaySteps steps (> 0). */
  decayRate: number;
  /** Decay in whole periods: the exponent ⌊step / decaySteps⌋. Default false. */
  staircase?: boolean;
  /** Keras's name for the schedule; default 'ExponentialDecay'. */
  name?: string;
}

/**
 * Options of {@link schedules.piecewiseConstantDecay}.
 *
 * @example
 * ```ts
 * schedules.piecewiseConstantDecay({ boundaries: [500], values: [0.01, 0.001] });
 * ```
 */
export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing steps. */
  boundaries: readonly number[];
  /** One more than boundaries: values[0] while step <= boundaries[0], values[i] while boundaries[i−1] < step <= boundaries[i], the last after. */
  values: readonly number[];
  /** Keras's name for the schedule; default 'PiecewiseConstant'. */
  name?: string;
}

/** A non-empty list of numbers, each checked by `each`. */
function numberList(each: (value: unknown) => number): Option<number[]> {
  return {
    parse(value) {
      if (value === undefined) throw new OptionProblem('is required');
      if (!Array.isArray(value) || value.length === 0) throw new OptionProblem(`must be a non-empty array of numbers, got ${describe(value)}`);
      return value.map((item: unknown, i) => {
        try {
          return each(item);
        } catch (error) {
          throw error instanceof OptionProblem ? new OptionProblem(error.problem, `[${i}]`) : error;
        }
      });
    },
  };
}

const finite = (value: unknown): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionProblem(`must be a finite number, got ${describe(value)}`);
  return value;
};

/** The step must be a count of steps already taken. */
function checkStep(owner: string, step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new ModelConfigError(owner, 'step', `at(step) needs an integer >= 0, got ${describe(step)}`);
}

const EXPONENTIAL_OPTIONS = {
  initialLearningRate: positiveNumber(),
  decaySteps: positiveNumber(),
  decayRate: positiveNumber(),
  staircase: flag(false),
  name: nameOption('ExponentialDecay'),
};

/**
 * initialLearningRate · decayRate^(step / decaySteps), the exponent floored when staircase.
 * Made by {@link schedules.exponentialDecay}.
 *
 * @example
 * ```ts
 * const schedule = schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps: 1000, decayRate: 0.9 });
 * schedule.at(2000);        // 0.01 · 0.9² = 0.0081
 * ```
 */
export class ExponentialDecay implements LearningRateSchedule {
  /** The rate at step 0. */
  readonly initialLearningRate: number;
  /** Steps per decay by decayRate. */
  readonly decaySteps: number;
  /** Factor per decaySteps steps. */
  readonly decayRate: number;
  /** Whether the exponent is floored (decay in whole periods). */
  readonly staircase: boolean;
  /** Keras's name for the schedule. */
  readonly name: string;

  constructor(options: ExponentialDecayOptions) {
    const s = asConfigError('exponentialDecay', () => readSettings(options, EXPONENTIAL_OPTIONS));
    this.initialLearningRate = s.initialLearningRate;
    this.decaySteps = s.decaySteps;
    this.decayRate = s.decayRate;
    this.staircase = s.staircase;
    this.name = s.name;
  }

  at(step: number): number {
    checkStep('exponentialDecay', step);
    const p = step / this.decaySteps;
    return this.initialLearningRate * pow64(this.decayRate, this.staircase ? Math.floor(p) : p);
  }

  /** The Keras form a saved model stores (snake_case keys). */
  toJSON() {
    return {
      /** Always 'ExponentialDecay'. */
      class_name: 'ExponentialDecay',
      /** The options, as Keras names them. */
      config: {
        /** initialLearningRate. */
        initial_learning_rate: this.initialLearningRate,
        /** decaySteps. */
        decay_steps: this.decaySteps,
        /** decayRate. */
        decay_rate: this.decayRate,
        /** staircase. */
        staircase: this.staircase,
        /** name. */
        name: this.name,
      },
    };
  }
}

const PIECEWISE_OPTIONS = {
  boundaries: numberList(finite),
  values: numberList((v) => positiveNumber().parse(v)),
  name: nameOption('PiecewiseConstant'),
};

/** The piecewise options, checked as a whole; throws OptionProblem. */
function readPiecewise(options: unknown) {
  const s = readSettings(options, PIECEWISE_OPTIONS);
  s.boundaries.forEach((b, i) => {
    if (i > 0 && !(b > s.boundaries[i - 1])) throw new OptionProblem(`must increase strictly, got ${s.boundaries[i - 1]} then ${b}`, `boundaries[${i}]`);
  });
  if (s.values.length !== s.boundaries.length + 1) {
    throw new OptionProblem(`must have one more element than boundaries (${s.boundaries.length + 1}), got ${s.values.length}`, 'values');
  }
  return s;
}

/**
 * A constant learning rate per range of steps, the ranges closed on the right (Keras). Made by
 * {@link schedules.piecewiseConstantDecay}.
 *
 * @example
 * ```ts
 * const schedule = schedules.piecewiseConstantDecay({ boundaries: [100, 200], values: [0.01, 0.005, 0.001] });
 * schedule.at(150);         // 0.005
 * ```
 */
export class PiecewiseConstantDecay implements LearningRateSchedule {
  /** Strictly increasing steps where the rate changes. */
  readonly boundaries: readonly number[];
  /** The rates, one more than boundaries. */
  readonly values: readonly number[];
  /** Keras's name for the schedule. */
  readonly name: string;

  constructor(options: PiecewiseConstantDecayOptions) {
    const s = asConfigError('piecewiseConstantDecay', () => readPiecewise(options));
    this.boundaries = Object.freeze(s.boundaries);
    this.values = Object.freeze(s.values);
    this.name = s.name;
  }

  at(step: number): number {
    checkStep('piecewiseConstantDecay', step);
    let i = 0;
    while (i < this.boundaries.length && step > this.boundaries[i]) i++;
    return this.values[i];
  }

  /** The Keras form a saved model stores. */
  toJSON() {
    return {
      /** Always 'PiecewiseConstantDecay'. */
      class_name: 'PiecewiseConstantDecay',
      /** The options, as Keras names them. */
      config: {
        /** A copy of boundaries. */
        boundaries: [...this.boundaries],
        /** A copy of values. */
        values: [...this.values],
        /** name. */
        name: this.name,
      },
    };
  }
}

/** An exponentially decaying learning rate (Keras `ExponentialDecay`). */
export function exponentialDecay(options: ExponentialDecayOptions): ExponentialDecay {
  return new ExponentialDecay(options);
}

/** A step schedule (Keras `PiecewiseConstantDecay`). */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): PiecewiseConstantDecay {
  return new PiecewiseConstantDecay(options);
}

/** Whether `value` can serve as a schedule (the built-in ones, or any object with at() and toJSON()). */
export function isSchedule(value: unknown): value is LearningRateSchedule {
  return typeof value === 'object' && value !== null && typeof (value as LearningRateSchedule).at === 'function' && typeof (value as LearningRateSchedule).toJSON === 'function';
}

/**
 * A schedule from its saved form {class_name, config} (snake_case keys, as toJSON writes
 * them; Keras's `module` and `registered_name` beside them are ignored). Throws OptionProblem.
 */
export function readSchedule(json: Record<string, unknown>): LearningRateSchedule {
  const readers: Record<string, [(options: unknown) => unknown, (options: never) => LearningRateSchedule]> = {
    ExponentialDecay: [(o) => readSettings(o, EXPONENTIAL_OPTIONS), (o: ExponentialDecayOptions) => new ExponentialDecay(o)],
    PiecewiseConstantDecay: [readPiecewise, (o: PiecewiseConstantDecayOptions) => new PiecewiseConstantDecay(o)],
  };
  const className = json.class_name;
  if (typeof className !== 'string' || !Object.hasOwn(readers, className)) {
    const hint = typeof className === 'string' ? closestName(className, Object.keys(readers)) : undefined;
    throw new OptionProblem(`must be one of ${Object.keys(readers).map((k) => `'${k}'`).join(', ')}, got ${describe(className)}${hint ? ` (did you mean '${hint}'?)` : ''}`, 'class_name');
  }
  const config = json.config;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new OptionProblem(`must be an object, got ${describe(config)}`, 'config');
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) options[snakeToCamel(key)] = value;
  const [check, create] = readers[className];
  try {
    check(options);
  } catch (error) {
    throw error instanceof OptionProblem ? error.within('config') : error;
  }
  return create(options as never);
}
