// The option parsers of the model API (optimizers, schedules, losses, callbacks, fit and
// sampling), on top of the layers' option tables (layers/options.ts): one table per options
// object gives validation, defaults and did-you-mean hints for unknown names, and a problem
// becomes a ModelConfigError naming the owner and the option.
import { OptionProblem, readSettings, type Option, type OptionTable, type Settings } from '../layers/options.js';
import { describe, ModelConfigError } from './errors.js';

/** Validates `options` against an option table: unknown names get a did-you-mean hint, bad values a ModelConfigError of `owner`. */
export function readOptions<S extends OptionTable>(owner: string, options: unknown, table: S): Settings<S> {
  return asConfigError(owner, () => readSettings(options, table));
}

/** Runs `read`, turning an OptionProblem into a ModelConfigError of `owner`. */
export function asConfigError<T>(owner: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof OptionProblem)) throw error;
    const argument = error.path === '' ? 'options' : error.path;
    throw new ModelConfigError(owner, argument, `${argument} ${error.problem}`);
  }
}

/** A number >= `min` (an integer when `integer`), `fallback` when omitted. */
export function atLeast(min: number, fallback: number, integer = false): Option<number> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      const ok = typeof value === 'number' && (integer ? Number.isSafeInteger(value) : Number.isFinite(value)) && value >= min;
      if (!ok) throw new OptionProblem(`must be ${integer ? 'an integer' : 'a finite number'} >= ${min}, got ${describe(value)}`);
      return value as number;
    },
  };
}

/** A finite number > 0 (learning rates, decay factors and periods). */
export function positiveNumber(fallback?: number): Option<number> {
  return {
    parse(value) {
      if (value === undefined && fallback !== undefined) return fallback;
      if (value === undefined) throw new OptionProblem('is required');
      if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) throw new OptionProblem(`must be a finite number > 0, got ${describe(value)}`);
      return value;
    },
  };
}

/** A finite number in [min, max]; `fallback` when omitted. */
export function numberIn(fallback: number, min: number, max: number): Option<number> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !(value >= min && value <= max)) throw new OptionProblem(`must be a number in [${min}, ${max}], got ${describe(value)}`);
      return value;
    },
  };
}

/** Unset (undefined or null) or a finite number that `check` accepts. */
export function optional(check: Option<number>): Option<number | null> {
  return { parse: (value) => (value === undefined || value === null ? null : check.parse(value)) };
}

/** A finite number, or undefined when omitted (or null in a saved config). */
export function optionalNumber(): Option<number | undefined> {
  return {
    parse(value) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionProblem(`must be a finite number, got ${describe(value)}`);
      return value;
    },
  };
}

/** A non-empty name, `fallback` when omitted (or null in a saved config). */
export function nameOption(fallback: string): Option<string> {
  return {
    parse(value) {
      if (value === undefined || value === null) return fallback;
      if (typeof value !== 'string' || value === '') throw new OptionProblem(`must be a non-empty string, got ${describe(value)}`);
      return value;
    },
  };
}

/** A function; required unless `optional`. */
export function callable<F extends (...args: never[]) => unknown>(): Option<F>;
export function callable<F extends (...args: never[]) => unknown>(optional: true): Option<F | undefined>;
export function callable<F extends (...args: never[]) => unknown>(optional = false): Option<F | undefined> {
  return {
    parse(value) {
      if (value === undefined && optional) return undefined;
      if (value === undefined) throw new OptionProblem('is required');
      if (typeof value !== 'function') throw new OptionProblem(`must be a function, got ${describe(value)}`);
      return value as F;
    },
  };
}

/** One of the numbers `levels` (verbosity), the first when omitted. */
export function level<L extends number>(levels: readonly L[]): Option<L> {
  return {
    parse(value) {
      if (value === undefined) return levels[0];
      if (!(levels as readonly unknown[]).includes(value)) throw new OptionProblem(`must be ${levels.join(' or ')}, got ${describe(value)}`);
      return value as L;
    },
  };
}
