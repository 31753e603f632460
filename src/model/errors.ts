// The errors of the model API (sequential models, losses, metrics, optimizers, callbacks,
// saving and loading). Like the layer errors, each names what is at fault first and then the
// argument: `sequential: fit(y) must have 100 samples like x, got 99`.
export { describe } from '../data/errors.js';

/** Base of the model errors: `owner` is the model, optimizer, loss or function at fault; `argument` the option or argument. */
export class ModelError extends Error {
  override name = 'ModelError';

  constructor(
    readonly owner: string,
    readonly argument: string,
    problem: string,
  ) {
    super(`${owner}: ${problem}`);
  }
}

/** A bad option: compile() arguments, optimizer / loss / metric / callback options, an unknown name. */
export class ModelConfigError extends ModelError {
  override name = 'ModelConfigError';
}

/** Bad data given to fit / evaluate / predict / step: wrong shape, sample counts that differ, non-finite values. */
export class ModelInputError extends ModelError {
  override name = 'ModelInputError';
}

/** A call in the wrong order: fit before compile, predict before the input shape is known, use after dispose. */
export class ModelStateError extends ModelError {
  override name = 'ModelStateError';
}

/** A saved model that cannot be trusted: bad JSON, unknown layer types, weights whose names, shapes or bytes do not match. */
export class ModelLoadError extends ModelError {
  override name = 'ModelLoadError';
}
