// The losses a model can be compiled with, Keras 3 semantics: a per-row loss over the last
// axis (mean for mse/mae/huber/binary CE, sum for categorical CE), then the mean over all rows
// (every leading axis: B·T rows for a sequence output, Keras 'sum_over_batch_size'; with a
// mask, the mean over the valid rows as Keras's apply_mask). The
// numbers come from the Wasm kernels (src/kernels/losses.ts, assembly/losses.ts); this file
// holds the names, the options, the saved form and the target checks.
import * as kernels from '../kernels/losses.js';
import { closestName } from '../layers/errors.js';
import type { F32Region } from '../runtime/arena.js';
import { describe, ModelConfigError, ModelInputError } from '../model/errors.js';

/**
 * seqwasm's own name of each loss (what {@link Loss.name} holds); compile() also takes the
 * Keras spellings ({@link LossIdentifier}).
 *
 * @example
 * ```ts
 * const name: LossName = 'sparseCategoricalCrossentropy';
 * model.compile({ optimizer: 'adam', loss: name, metrics: ['accuracy'] });
 * ```
 */
export type LossName = 'meanSquaredError' | 'meanAbsoluteError' | 'huber' | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

interface Kind {
  /** Keras's function name: what model.json holds for the default options. */
  readonly keras: string;
  /** Keras's class name and the `name` in its config. */
  readonly className: string;
  readonly configName: string;
  /** Keras spellings accepted besides the LossName and the two above. */
  readonly aliases: readonly string[];
  readonly crossentropy: boolean;
}

/** @internal every loss's Keras names (LossIdentifier is derived from it). */
const KINDS = {
  meanSquaredError: { keras: 'mean_squared_error', className: 'MeanSquaredError', configName: 'mean_squared_error', aliases: ['mse', 'MSE'], crossentropy: false },
  meanAbsoluteError: { keras: 'mean_absolute_error', className: 'MeanAbsoluteError', configName: 'mean_absolute_error', aliases: ['mae', 'MAE'], crossentropy: false },
  huber: { keras: 'huber', className: 'Huber', configName: 'huber_loss', aliases: [], crossentropy: false },
  binaryCrossentropy: { keras: 'binary_crossentropy', className: 'BinaryCrossentropy', configName: 'binary_crossentropy', aliases: [], crossentropy: true },
  categoricalCrossentropy: { keras: 'categorical_crossentropy', className: 'CategoricalCrossentropy', configName: 'categorical_crossentropy', aliases: [], crossentropy: true },
  sparseCategoricalCrossentropy: { keras: 'sparse_categorical_crossentropy', className: 'SparseCategoricalCrossentropy', configName: 'sparse_categorical_crossentropy', aliases: [], crossentropy: true },
} as const satisfies Record<LossName, Kind>;

/**
 * Every name compile() takes for a loss: the LossName, Keras's function and class names, and
 * 'mse'/'mae' — e.g. 'categoricalCrossentropy', 'categorical_crossentropy',
 * 'CategoricalCrossentropy', 'huber_loss', 'MSE'. A misspelling is a type error.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });   // Keras's spelling works too
 * ```
 */
export type LossIdentifier = { [N in LossName]: N | (typeof KINDS)[N]['keras' | 'className' | 'configName'] | (typeof KINDS)[N]['aliases'][number] }[LossName];

const LOSS_NAMES = Object.keys(KINDS) as LossName[];

/** Every string lossFrom() accepts, to its loss. */
const BY_NAME = new Map<string, LossName>();
for (const name of LOSS_NAMES) {
  const kind = KINDS[name];
  for (const alias of [name, kind.keras, kind.className, kind.configName, ...kind.aliases]) BY_NAME.set(alias, name);
}
const BY_CLASS = new Map<string, LossName>(LOSS_NAMES.map((name) => [KINDS[name].className, name]));

/** The activation each cross-entropy fuses with (its gradient is then taken at the logits). */
const FUSES_WITH: Partial<Record<LossName, string>> = { binaryCrossentropy: 'sigmoid', categoricalCrossentropy: 'softmax', sparseCategoricalCrossentropy: 'softmax' };

/**
 * Options of the crossentropy losses ({@link losses}).
 *
 * @example
 * ```ts
 * losses.binaryCrossentropy({ fromLogits: true });   // the last dense has no sigmoid
 * ```
 */
export interface CrossentropyOptions {
  /** Whether predictions are logits rather than probabilities (default false). */
  fromLogits?: boolean;
}

/**
 * Options of {@link losses.huber}.
 *
 * @example
 * ```ts
 * losses.huber({ delta: 2 });
 * ```
 */
export interface HuberOptions {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
}

/**
 * A loss with Keras 3 semantics: a per-row loss over the last axis, then the mean over all
 * rows (B·T rows for a sequence output; padded steps of a masked output do not count). The
 * numbers come from Wasm; a final softmax or sigmoid is fused with its crossentropy. Make one
 * with {@link losses} or name it in compile().
 *
 * @example
 * ```ts
 * const loss = losses.categoricalCrossentropy({ fromLogits: true });
 * model.compile({ optimizer: 'adam', loss });
 * model.loss?.name;         // 'categoricalCrossentropy'
 * ```
 */
export class Loss {
  /** Which loss this is. */
  readonly name: LossName;
  /** Crossentropies: the predictions are logits, not probabilities (false for the others). */
  readonly fromLogits: boolean;
  /** Huber's threshold (1 for the other losses, which ignore it). */
  readonly delta: number;

  /** @internal use the `losses` factories or lossFrom(). */
  constructor(name: LossName, fromLogits = false, delta = 1) {
    this.name = name;
    this.fromLogits = fromLogits;
    this.delta = delta;
  }

  /**
   * What model.json's training_config.loss holds: Keras's function name
   * ('categorical_crossentropy') for default options, else Keras's serialised class
   * {class_name, config}, which lossFrom() and Keras both read back.
   */
  toJSON(): unknown {
    const kind = KINDS[this.name];
    if (!this.fromLogits && this.delta === 1) return kind.keras;
    const config: Record<string, unknown> = { name: kind.configName, reduction: 'sum_over_batch_size' };
    if (this.name === 'huber') config.delta = this.delta;
    else {
      config.from_logits = this.fromLogits;
      if (this.name === 'sparseCategoricalCrossentropy') config.ignore_class = null;
      else Object.assign(config, { label_smoothing: 0, axis: -1 });
    }
    return { class_name: kind.className, config };
  }

  /** The target shape for an output shape: the same, or for sparse the output shape without its last axis. */
  targetShape(outputShape: readonly number[]): number[] {
    return this.name === 'sparseCategoricalCrossentropy' ? outputShape.slice(0, -1) : outputShape.slice();
  }

  /** Whether the final layer's activation fuses with this loss (softmax + categorical/sparse CE, sigmoid + binary CE; both only when !fromLogits). */
  fusesWith(activation: string): boolean {
    return !this.fromLogits && FUSES_WITH[this.name] === activation;
  }

  /**
   * Throws ModelInputError(owner, argument, …) if targets are invalid for this loss: sparse ids
   * must be integers in [0, width); other targets must be finite (values outside [0, 1] are
   * allowed, as Keras does) and fill whole rows of `width`.
   */
  checkTargets(targets: Float32Array, width: number, owner: string, argument: string): void {
    if (!Number.isInteger(width) || width < 1) throw new ModelInputError(owner, argument, `${argument}: the output width must be a positive integer, got ${describe(width)}`);
    if (this.name === 'sparseCategoricalCrossentropy') {
      for (let i = 0; i < targets.length; i++) {
        const id = targets[i];
        if (!(Number.isInteger(id) && id >= 0 && id < width)) {
          throw new ModelInputError(owner, argument, `${argument} must hold class ids for sparseCategoricalCrossentropy, integers in [0, ${width}); element ${i} is ${id}`);
        }
      }
      return;
    }
    if (targets.length % width !== 0) {
      throw new ModelInputError(owner, argument, `${argument} must hold whole rows of ${width} values for ${this.name}, got ${targets.length} values`);
    }
    for (let i = 0; i < targets.length; i++) {
      if (!Number.isFinite(targets[i])) {
        throw new ModelInputError(owner, argument, `${argument} must be finite for ${this.name}; element ${i} (row ${Math.floor(i / width)}, column ${i % width}) is ${targets[i]}`);
      }
    }
  }

  /**
   * Mean loss over `rows` rows of `width` (f64, computed in Wasm). pred: [rows, width] region of
   * predictions (probabilities, or logits when fromLogits); target: [rows, width] region, or [rows]
   * class ids (sparse). When `grad` is given, writes d(mean loss)/d(pred) there — or, with
   * `preActivation` true (the fused path), d(mean loss)/d(logits before the final softmax/sigmoid)
   * where pred holds that layer's output probabilities. `mask` ([rows] floats, 1 = the row
   * counts, 0 = padding; any nonzero counts as 1) makes it the mean over the valid rows only
   * (Keras 3): the gradient is 0 on masked rows and scaled by 1/valid on the others; with no
   * valid row the loss is 0 and the gradient zero. A mask of all ones changes no bit.
   * `weights` ([rows] floats, finite, >= 0: Keras's sample_weight / class_weight) multiply each
   * row's loss and gradient; the divisor stays the (valid) row count, as Keras.
   */
  compute(pred: F32Region, target: F32Region, rows: number, width: number, grad?: F32Region, preActivation = false, mask?: F32Region, weights?: F32Region): number {
    if (preActivation && (FUSES_WITH[this.name] === undefined || this.fromLogits)) {
      throw new ModelConfigError(this.name, 'preActivation', `${this.name}${this.fromLogits ? ' with fromLogits' : ''} has no fused gradient; only softmax + (sparse) categorical cross-entropy and sigmoid + binary cross-entropy on probabilities fuse (see fusesWith)`);
    }
    const mode: kernels.CrossentropyMode = this.fromLogits ? 'logits' : preActivation ? 'fused' : 'probabilities';
    switch (this.name) {
      case 'meanSquaredError':
        return kernels.meanSquaredError(pred, target, rows, width, grad, mask, weights);
      case 'meanAbsoluteError':
        return kernels.meanAbsoluteError(pred, target, rows, width, grad, mask, weights);
      case 'huber':
        return kernels.huber(pred, target, rows, width, this.delta, grad, mask, weights);
      case 'binaryCrossentropy':
        return kernels.binaryCrossentropy(pred, target, rows, width, mode, grad, mask, weights);
      case 'categoricalCrossentropy':
        return kernels.categoricalCrossentropy(pred, target, rows, width, mode, grad, mask, weights);
      case 'sparseCategoricalCrossentropy':
        return kernels.sparseCategoricalCrossentropy(pred, target, rows, width, mode, grad, mask, weights);
    }
  }
}

/** The options object of a factory: undefined or a plain object whose keys are all known. */
function optionsOf(owner: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ModelConfigError(owner, 'options', `options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const hint = closestName(key, known);
      throw new ModelConfigError(owner, key, `${key} is not an option of ${owner}${known.length ? ` (${known.join(', ')})` : ''}${hint ? `; did you mean '${hint}'?` : ''}`);
    }
  }
  return options as Record<string, unknown>;
}

function fromLogitsOption(owner: string, value: unknown, argument = 'fromLogits'): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ModelConfigError(owner, argument, `${argument} must be a boolean, got ${describe(value)}`);
  return value;
}

function deltaOption(owner: string, value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ModelConfigError(owner, 'delta', `delta must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

function crossentropy(name: LossName, options?: CrossentropyOptions): Loss {
  const o = optionsOf(name, options, ['fromLogits']);
  return new Loss(name, fromLogitsOption(name, o.fromLogits));
}

/**
 * Loss factories, named as in TF.js (`losses.categoricalCrossentropy({ fromLogits: true })`).
 * Without options, naming the loss in compile() is the same. Bad options are a
 * ModelConfigError.
 *
 * @namespace
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adam', loss: losses.huber({ delta: 0.5 }) });
 * ```
 */
export const losses = {
  /**
   * Mean squared error (mean over the last axis): regression, forecasting.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: losses.meanSquaredError() });   // same as loss: 'mse'
   * ```
   */
  meanSquaredError(): Loss {
    return new Loss('meanSquaredError');
  },
  /**
   * Mean absolute error (mean over the last axis): regression less swayed by outliers.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: losses.meanAbsoluteError() });   // same as loss: 'mae'
   * ```
   */
  meanAbsoluteError(): Loss {
    return new Loss('meanAbsoluteError');
  },
  /**
   * Huber loss: quadratic within `delta` (default 1), linear beyond, so outliers weigh less than under mse.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: losses.huber({ delta: 0.5 }) });
   * ```
   */
  huber(options?: HuberOptions): Loss {
    const o = optionsOf('huber', options, ['delta']);
    return new Loss('huber', false, deltaOption('huber', o.delta));
  },
  /**
   * Binary crossentropy for 0/1 targets (one or more independent labels); targets [N] and
   * [N, 1] both work. Fused with a final sigmoid unless fromLogits.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: losses.binaryCrossentropy(), metrics: ['accuracy'] });
   * ```
   */
  binaryCrossentropy(options?: CrossentropyOptions): Loss {
    return crossentropy('binaryCrossentropy', options);
  },
  /**
   * Categorical crossentropy for one-hot targets (see data.oneHot). Fused with a final softmax
   * unless fromLogits.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: losses.categoricalCrossentropy({ fromLogits: true }) });   // last dense without softmax
   * ```
   */
  categoricalCrossentropy(options?: CrossentropyOptions): Loss {
    return crossentropy('categoricalCrossentropy', options);
  },
  /**
   * Categorical crossentropy for integer class ids (targets [N] or [N, 1], ids in [0, classes)),
   * no one-hot needed. Fused with a final softmax unless fromLogits.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: losses.sparseCategoricalCrossentropy(), metrics: ['accuracy'] });
   * ```
   */
  sparseCategoricalCrossentropy(options?: CrossentropyOptions): Loss {
    return crossentropy('sparseCategoricalCrossentropy', options);
  },
};

/** Keras config keys that may appear with the value they must have (seqwasm has one reduction, no smoothing). */
const FIXED_CONFIG: Record<string, readonly unknown[]> = {
  reduction: [undefined, null, 'auto', 'sum_over_batch_size'],
  label_smoothing: [undefined, null, 0],
  axis: [undefined, null, -1],
  ignore_class: [undefined, null],
};
/** Keys read for their value or ignored (a saved name, dtype or wrapped function does not change the loss). */
const FREE_CONFIG = ['name', 'dtype', 'fn', 'from_logits', 'delta'];

/** A Keras-serialised loss class: {class_name: 'CategoricalCrossentropy', config: {from_logits: true, …}}. */
function fromKerasClass(owner: string, argument: string, name: LossName, config: unknown): Loss {
  const className = KINDS[name].className;
  if (config === undefined || config === null) return new Loss(name);
  if (typeof config !== 'object' || Array.isArray(config)) {
    throw new ModelConfigError(owner, argument, `${argument}.config of ${className} must be an object, got ${describe(config)}`);
  }
  const c = config as Record<string, unknown>;
  const known = [...Object.keys(FIXED_CONFIG), ...FREE_CONFIG];
  for (const key of Object.keys(c)) {
    const where = `${argument}.config.${key}`;
    const allowed = FIXED_CONFIG[key];
    if (allowed && !allowed.includes(c[key])) {
      throw new ModelConfigError(owner, argument, `${where} of ${className} must be ${allowed.filter((v) => v !== undefined).map((v) => JSON.stringify(v)).join(' or ')} in seqwasm, got ${describe(c[key])}`);
    }
    const forOtherLoss = (key === 'delta' && name !== 'huber') || (key === 'from_logits' && !KINDS[name].crossentropy);
    if (!known.includes(key) || forOtherLoss) {
      const hint = forOtherLoss ? undefined : closestName(key, known);
      throw new ModelConfigError(owner, argument, `${where} is not an option of ${className}${hint ? `; did you mean '${hint}'?` : ''}`);
    }
  }
  if (name === 'huber') return new Loss(name, false, deltaOption(owner, c.delta));
  return new Loss(name, fromLogitsOption(owner, c.from_logits, `${argument}.config.from_logits`));
}

/**
 * A Loss from what compile() was given: a LossName, a Keras alias ('mse', 'mae',
 * 'mean_squared_error', 'categorical_crossentropy', 'CategoricalCrossentropy', …), a saved
 * {class_name, config} (also Keras 3's {class_name: 'function', config: 'mse'}), or a Loss.
 * Anything else is a ModelConfigError('compile', argument, …) with a did-you-mean hint.
 */
export function lossFrom(spec: unknown, argument = 'loss'): Loss {
  const owner = 'compile';
  if (spec instanceof Loss) return spec;
  if (typeof spec === 'string') {
    const name = BY_NAME.get(spec);
    if (name) return new Loss(name);
    const hint = closestName(spec, BY_NAME.keys());
    throw new ModelConfigError(owner, argument, `${argument} ${describe(spec)} is not a loss seqwasm has (${LOSS_NAMES.join(', ')})${hint ? `; did you mean '${hint}'?` : ''}`);
  }
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec) && 'class_name' in spec) {
    const { class_name: className, config } = spec as { class_name: unknown; config?: unknown };
    if (className === 'function' && typeof config === 'string') return lossFrom(config, argument);
    const name = typeof className === 'string' ? BY_CLASS.get(className) : undefined;
    if (name) return fromKerasClass(owner, argument, name, config);
    const hint = typeof className === 'string' ? closestName(className, BY_CLASS.keys()) : undefined;
    throw new ModelConfigError(owner, argument, `${argument}.class_name ${describe(className)} is not a loss seqwasm has (${[...BY_CLASS.keys()].join(', ')})${hint ? `; did you mean '${hint}'?` : ''}`);
  }
  throw new ModelConfigError(owner, argument, `${argument} must be a loss name (${LOSS_NAMES.join(', ')}), a {class_name, config} object or a Loss, got ${describe(spec)}`);
}
