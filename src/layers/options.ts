// Reading user options (TF.js-Layers camelCase objects) into validated settings. Each layer
// declares a table of options: how each one is parsed (with its default) and how it is
// written back into a saved Keras config. One table per layer gives validation, defaults,
// unknown-option hints and getConfig() without a second list of names to keep in step.
import { closestName, describe, LayerConfigError, MAX_HINT_LENGTH } from './errors.js';

/**
 * Thrown by an option parser. `problem` reads after the option's path: "must be a positive
 * integer, got 0"; `path` names the option, nested with dots and indices
 * ("kernelInitializer.stddev", "inputShape[1]").
 */
export class OptionProblem extends Error {
  constructor(
    /** What is wrong, read after the option's path: "must be a positive integer, got 0". */
    readonly problem: string,
    /** The option at fault, nested with dots and indices; '' for the option being parsed. */
    readonly path = '',
  ) {
    super(path ? `${path} ${problem}` : problem);
  }

  /** The same problem seen from one level up, under option `key`. */
  within(key: string): OptionProblem {
    return new OptionProblem(this.problem, this.path === '' || this.path.startsWith('[') ? key + this.path : `${key}.${this.path}`);
  }
}

/**
 * How one option is read: `parse` turns the user's value (undefined when omitted) into the
 * setting or throws {@link OptionProblem}; `toJSON` writes it into a saved config.
 *
 * @example
 * ```ts
 * const odd: layers.Option<number> = { parse: (v) => { if (typeof v !== 'number' || v % 2 !== 1) throw new layers.OptionProblem(`must be odd, got ${v}`); return v; } };
 * ```
 */
export interface Option<T> {
  /** The setting for a user value (undefined when the option is omitted); throws OptionProblem. */
  parse(value: unknown): T;
  /** How the setting appears in a saved config (Keras JSON); omitted: as it is. */
  toJSON?(value: T): unknown;
}

/** A layer kind's options, each with its parser: a layer of your own declares its options this way (see {@link Layer}). */
export type OptionTable = Record<string, Option<unknown>>;

/** The settings an option table yields: a layer's validated options with defaults filled in (`layer.settings`). */
export type Settings<S extends OptionTable> = { readonly [K in keyof S]: S[K] extends Option<infer T> ? T : never };

/**
 * Validates `options` against `table`: an unknown name is an error that suggests the
 * closest known one, and every value is parsed (omitted ones take their defaults). Pure:
 * it throws a LayerConfigError naming `owner` and the option before anything is created.
 */
export function parseOptions<S extends OptionTable>(owner: string, options: unknown, table: S): Settings<S> {
  return reportingTo(owner, () => readSettings(options, table));
}

/** Runs `read`, turning an OptionProblem into a LayerConfigError of `owner`. */
export function reportingTo<T>(owner: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof OptionProblem)) throw error;
    const problem = error.path === '' ? error.within('options') : error;
    throw new LayerConfigError(owner, problem.path, problem.message);
  }
}

/** parseOptions for a nested options object (e.g. an initializer's config): throws OptionProblem. */
export function readSettings<S extends OptionTable>(options: unknown, table: S): Settings<S> {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionProblem(`must be an object, got ${describe(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(table, key)) {
      const hint = closestName(key, Object.keys(table));
      // The path names the key; an absurdly long one is cut short (describe() does the same for values).
      throw new OptionProblem(`is not a known option${hint ? ` (did you mean '${hint}'?)` : ''}`, key.length > MAX_HINT_LENGTH ? `${key.slice(0, MAX_HINT_LENGTH)}…` : key);
    }
  }
  const settings: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(table)) {
    try {
      settings[key] = option.parse(given[key]);
    } catch (error) {
      throw error instanceof OptionProblem ? error.within(key) : error;
    }
  }
  return settings as Settings<S>;
}

/** The Keras-JSON form of settings: snake_case keys, each value through its option's toJSON. */
export function settingsToJSON<S extends OptionTable>(table: S, settings: Settings<S>): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(table)) {
    const value = (settings as Record<string, unknown>)[key];
    json[camelToSnake(key)] = option.toJSON ? option.toJSON(value) : value;
  }
  return json;
}

export const camelToSnake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const snakeToCamel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

// ---- option parsers --------------------------------------------------------------------

/** A required integer >= 1. */
export function positiveInteger(): Option<number> {
  return {
    parse(value) {
      if (value === undefined) throw new OptionProblem('is required');
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new OptionProblem(`must be a positive integer, got ${describe(value)}`);
      return value;
    },
  };
}

/** An optional integer >= 1 (undefined when omitted; null in a saved config means the same). */
export function optionalPositiveInteger(): Option<number | undefined> {
  const required = positiveInteger();
  return {
    parse: (value) => (value === undefined || value === null ? undefined : required.parse(value)),
    toJSON: (value) => value ?? null,
  };
}

/** A boolean, `fallback` when omitted. */
export function flag(fallback: boolean): Option<boolean> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') throw new OptionProblem(`must be true or false, got ${describe(value)}`);
      return value;
    },
  };
}

/** A finite number, `fallback` when omitted; `above` is an exclusive lower bound. */
export function finiteNumber(fallback: number, above = -Infinity): Option<number> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isFinite(value) || !(value > above)) {
        throw new OptionProblem(`must be a finite number${above === -Infinity ? '' : ` > ${above}`}, got ${describe(value)}`);
      }
      return value;
    },
  };
}

/** A dropout rate: a number in [0, 1); `fallback` when omitted, required when there is none. */
export function rate(fallback?: number): Option<number> {
  return {
    parse(value) {
      if (value === undefined && fallback !== undefined) return fallback;
      if (value === undefined) throw new OptionProblem('is required');
      if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new OptionProblem(`must be a number in [0, 1), got ${describe(value)}`);
      return value;
    },
  };
}

/** An optional seed: a safe integer, or null (omitted). */
export function seed(): Option<number | null> {
  return {
    parse(value) {
      if (value === undefined || value === null) return null;
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new OptionProblem(`must be a safe integer or null, got ${describe(value)}`);
      return value;
    },
  };
}

/**
 * One of `names` (camelCase, as TF.js spells them). `aliases` maps other accepted spellings
 * (Keras's snake_case) to a name; `toJSON` maps a name to how Keras saves it.
 */
export function choice<T extends string>(names: readonly T[], fallback: T, aliases: Readonly<Record<string, T>> = {}, toJSON?: (value: T) => unknown): Option<T> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      if (typeof value === 'string') {
        if ((names as readonly string[]).includes(value)) return value as T;
        if (Object.hasOwn(aliases, value)) return aliases[value];
      }
      const hint = typeof value === 'string' ? closestName(value, names) : undefined;
      throw new OptionProblem(`must be one of ${names.map((n) => `'${n}'`).join(', ')}, got ${describe(value)}${hint ? ` (did you mean '${hint}'?)` : ''}`);
    },
    toJSON,
  };
}

/** A shape without its batch dimension: positive integers, or null for a dimension left open (e.g. time). */
export type OpenShape = readonly (number | null)[];

/** An optional list of dimensions, each a positive integer or null. */
export function dims(): Option<OpenShape | undefined> {
  return {
    parse(value) {
      if (value === undefined || value === null) return undefined;
      if (!Array.isArray(value) || value.length === 0) throw new OptionProblem(`must be a non-empty array of positive integers (or null), got ${describe(value)}`);
      value.forEach((d: unknown, i) => {
        if (d !== null && !(typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) {
          throw new OptionProblem(`must be a positive integer or null, got ${describe(d)}`, `[${i}]`);
        }
      });
      return Object.freeze([...(value as (number | null)[])]);
    },
    toJSON: (value) => (value === undefined ? null : [...value]),
  };
}
