// The errors of the model API (sequential models, losses, metrics, optimizers, callbacks,
// saving and loading). Like the layer errors, each names what is at fault first and then the
// argument: `sequential: fit(y) must have 100 samples like x, got 99`.
export { describe } from '../data/errors.js';

/**
 * Base of the model errors: `owner` is the model, optimizer, loss or function at fault;
 * `argument` the option or argument. Catch it to handle any model error.
 *
 * @example
 * ```ts
 * try {
 *   model.predict([[1, 2, 3]]);
 * } catch (error) {
 *   if (error instanceof ModelError) console.log(error.owner, error.argument);   // e.g. 'sequential' 'x'
 * }
 * ```
 */
export class ModelError extends Error {
  /** The class name, shown in printed errors: 'ModelError' or the subclass's. */
  override name = 'ModelError';

  constructor(
    /** The model (its name), optimizer, loss or function at fault, e.g. 'sequential_1' or 'loadModel'. */
    readonly owner: string,
    /** The option or argument at fault, e.g. 'y' or 'optimizer'. */
    readonly argument: string,
    problem: string,
  ) {
    super(`${owner}: ${problem}`);
  }
}

/**
 * A bad option: compile() arguments, optimizer / loss / metric / callback options, an unknown name.
 *
 * @example
 * ```ts
 * model.compile({ optimizer: 'adamm' as never, loss: 'mse' });   // ModelConfigError naming optimizer
 * ```
 */
export class ModelConfigError extends ModelError {
  /** Always `'ModelConfigError'`. */
  override name = 'ModelConfigError';
}

/**
 * Bad data given to fit / evaluate / predict / step: wrong shape, sample counts that differ, non-finite values.
 *
 * @example
 * ```ts
 * await model.fit(x, yWithOneSampleTooFew);   // ModelInputError: y must have … samples like x
 * ```
 */
export class ModelInputError extends ModelError {
  /** Always `'ModelInputError'`. */
  override name = 'ModelInputError';
}

/**
 * A call in the wrong order: fit before compile, predict before the input shape is known, use after dispose.
 *
 * @example
 * ```ts
 * sequential([layers.dense({ units: 1 })]).fit([[1]], [[1]]);   // ModelStateError: compile() first
 * ```
 */
export class ModelStateError extends ModelError {
  /** Always `'ModelStateError'`. */
  override name = 'ModelStateError';
}

/**
 * A saved model that cannot be trusted: bad JSON, unknown layer types, weights whose names, shapes or bytes do not match.
 *
 * @example
 * ```ts
 * await loadModel('model/model.json').catch((error) => error instanceof ModelLoadError && console.error(error.message));
 * ```
 */
export class ModelLoadError extends ModelError {
  /** Always `'ModelLoadError'`. */
  override name = 'ModelLoadError';
}
