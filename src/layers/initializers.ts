// Weight initializers: Keras's set, semantics and saved form, drawn from seqwasm's seeded
// Prng so that a seed gives the same weights, bit for bit, in every runtime. Values are
// computed in float64 from uniform draws (Prng.float) and polar-method normal draws, in Wasm
// (kernels/random.ts), using only + − × ÷, sqrt and our log, then rounded once to float32.
//
// Each initializer samples from the stream the layer hands it (the model derives one per
// weight), or, when created with `seed`, from its own generator: like Keras, the same
// seeded initializer then gives the same values every time.
import { orthonormalColumns } from '../kernels/linalg.js';
import { randomNormal, randomUniform, standardNormal64 } from '../kernels/random.js';
import { Prng } from '../util/prng.js';
import { closestName, describe } from './errors.js';
import { camelToSnake, choice, finiteNumber, OptionProblem, readSettings, reportingTo, seed, settingsToJSON, snakeToCamel, type Option, type OptionTable, type Settings } from './options.js';

/**
 * What a saved config holds for an initializer (Keras JSON); an initializer option accepts it.
 *
 * @example
 * ```ts
 * const spec: layers.InitializerJSON = { class_name: 'RandomNormal', config: { mean: 0, stddev: 0.1, seed: null } };
 * layers.dense({ units: 4, kernelInitializer: spec });
 * ```
 */
export interface InitializerJSON {
  /** Keras class name, e.g. 'GlorotUniform'. */
  class_name: string;
  /** The options in snake_case, e.g. { seed: null }. */
  config: Record<string, unknown>;
}

/**
 * What an initializer option accepts: a name ('glorotUniform', 'glorot_uniform', 'GlorotUniform'), an Initializer, or its saved JSON.
 * An unknown name is a LayerConfigError with a "did you mean" hint.
 *
 * @example
 * ```ts
 * layers.lstm({ units: 8, kernelInitializer: 'heNormal', recurrentInitializer: { className: 'Orthogonal', config: { gain: 2 } } });
 * ```
 */
export type InitializerSpec =
  | string
  | Initializer
  | InitializerJSON
  | {
      /** Keras or TF.js class name, e.g. 'GlorotUniform'. */
      className: string;
      /** The options, camelCase or snake_case. */
      config?: Record<string, unknown>;
    };

interface Kind<S extends OptionTable> {
  /** The Keras class name, also its saved name. */
  readonly className: string;
  readonly options: S;
  /** Cross-option checks, after each option parsed. */
  check?(settings: Settings<S>): void;
  /** Writes values for a weight of `shape` (row-major) into `out`. */
  fill(settings: Settings<S>, shape: readonly number[], rng: Prng, out: Float32Array): void;
}

/**
 * A weight initializer with Keras's semantics and saved form, drawing from seqwasm's seeded
 * Prng so that a seed gives the same weights in every runtime. Make one with the
 * `layers.initializers.*` factories (or name it in a layer option).
 *
 * @example
 * ```ts
 * const init = layers.initializers.glorotUniform({ seed: 1 });
 * init.sample([3, 4], prng(0));      // 12 values, the same on every call (seeded)
 * init.toJSON();                     // { class_name: 'GlorotUniform', config: { seed: 1 } }
 * ```
 */
export class Initializer {
  /** @internal use the initializers.* factories or an initializer option */
  constructor(
    private readonly kind: Kind<OptionTable>,
    /** The settings, camelCase (seed null when none). */
    readonly config: Readonly<Record<string, unknown>>,
  ) {}

  /** The Keras class name, e.g. 'GlorotUniform'. */
  get className(): string {
    return this.kind.className;
  }

  /**
   * Values for a weight of `shape`, row-major: drawn from `rng`, or from this initializer's
   * own seed when it was given one. The draws run in Wasm, so init() must have run. Throws
   * OptionProblem for a shape it cannot fill.
   */
  sample(shape: readonly number[], rng: Prng): Float32Array {
    const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const own = this.config.seed;
    this.kind.fill(this.config as Settings<OptionTable>, shape, typeof own === 'number' ? new Prng(own) : rng, out);
    return out;
  }

  /** The Keras JSON a model saves for this initializer. */
  toJSON(): InitializerJSON {
    return { class_name: this.kind.className, config: settingsToJSON(this.kind.options, this.config as Settings<OptionTable>) };
  }
}

// ---- sampling --------------------------------------------------------------------------
// Uniform and normal draws run in Wasm (kernels/random.ts), one call per weight: the same bits
// as Prng.float() and the polar method in JS (test/reference/random.ts), without thousands of
// JS calls running cold in the engine's interpreter the first time a model is built.

/** Keras's compute_fans: (in, out) of a matrix; a vector counts its length both ways; higher ranks multiply the receptive field. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/**
 * The fan a variance-scaling initializer divides by: inputs, outputs or their average.
 *
 * @example
 * ```ts
 * const mode: layers.FanMode = 'fanAvg';
 * layers.initializers.varianceScaling({ mode });
 * ```
 */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/**
 * The distribution a variance-scaling initializer draws from (Keras names; saved 'normal' reads as 'truncatedNormal').
 *
 * @example
 * ```ts
 * const distribution: layers.Distribution = 'uniform';
 * layers.initializers.varianceScaling({ distribution });
 * ```
 */
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

/** Stddev of a standard normal truncated to [−2, 2]: dividing by it keeps the requested variance. */
const TRUNCATED_STDDEV = 0.87962566103423978;

function varianceScaling(scale: number, mode: FanMode, distribution: Distribution, shape: readonly number[], rng: Prng, out: Float32Array): void {
  const { fanIn, fanOut } = fans(shape);
  const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
  const variance = scale / Math.max(1, n);
  if (distribution === 'uniform') {
    const limit = Math.sqrt(3 * variance);
    randomUniform(rng, out, -limit, limit);
  } else if (distribution === 'truncatedNormal') {
    randomNormal(rng, out, 0, Math.sqrt(variance) / TRUNCATED_STDDEV, true);
  } else {
    randomNormal(rng, out, 0, Math.sqrt(variance), false);
  }
}

/**
 * Keras's Orthogonal: the Q of a QR factorisation of a (max(r, c), min(r, c)) standard
 * normal matrix, columns' signs corrected so R has a non-negative diagonal, transposed
 * when the weight is wide (r < c), times gain. r = product of all but the last dimension.
 * The QR runs in Wasm (kernels/linalg.ts): O(r·c·min(r, c)), about 1 s for LSTM(1024)'s
 * (1024, 4096) recurrent kernel.
 */
function orthogonal(gain: number, shape: readonly number[], rng: Prng, out: Float32Array): void {
  if (shape.length < 2) throw new OptionProblem(`needs a weight of rank 2 or more (orthogonal), got shape [${shape.join(', ')}]`);
  const cols = shape[shape.length - 1];
  const rows = out.length / cols;
  const tall = Math.max(rows, cols);
  const narrow = Math.min(rows, cols);
  const a = new Float64Array(tall * narrow);
  standardNormal64(rng, a);
  orthonormalColumns(a, tall, narrow);
  for (let i = 0; i < tall; i++) {
    for (let j = 0; j < narrow; j++) {
      if (rows >= cols) out[i * cols + j] = gain * a[i * narrow + j];
      else out[j * cols + i] = gain * a[i * narrow + j];
    }
  }
}

// ---- the kinds -------------------------------------------------------------------------

const fanMode = choice<FanMode>(['fanIn', 'fanOut', 'fanAvg'], 'fanIn', { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' }, camelToSnake);
const distribution = choice<Distribution>(
  ['truncatedNormal', 'untruncatedNormal', 'uniform'],
  'truncatedNormal',
  { normal: 'truncatedNormal', truncated_normal: 'truncatedNormal', untruncated_normal: 'untruncatedNormal' },
  camelToSnake,
);

/** Type-checks a kind against its own option table, then forgets the table's type for the registry. */
const kind = <S extends OptionTable>(k: Kind<S>): Kind<OptionTable> => k as unknown as Kind<OptionTable>;

/** A fixed variance-scaling recipe under its own Keras name (GlorotUniform = VarianceScaling(1, fan_avg, uniform)). */
const preset = (className: string, scale: number, mode: FanMode, dist: Distribution) =>
  kind({ className, options: { seed: seed() }, fill: (_, shape, rng, out) => varianceScaling(scale, mode, dist, shape, rng, out) });

const meanStddev = { mean: finiteNumber(0), stddev: finiteNumber(0.05, 0), seed: seed() };

const KINDS: readonly Kind<OptionTable>[] = [
  kind({ className: 'Zeros', options: {}, fill: (_, __, ___, out) => out.fill(0) }),
  kind({ className: 'Ones', options: {}, fill: (_, __, ___, out) => out.fill(1) }),
  kind({ className: 'Constant', options: { value: finiteNumber(0) }, fill: (s, _, __, out) => out.fill(s.value) }),
  kind({
    className: 'RandomUniform',
    options: { minval: finiteNumber(-0.05), maxval: finiteNumber(0.05), seed: seed() },
    check: (s) => {
      if (!(s.minval <= s.maxval)) throw new OptionProblem(`must be >= minval (${s.minval}), got ${s.maxval}`, 'maxval');
    },
    fill: (s, _, rng, out) => randomUniform(rng, out, s.minval, s.maxval),
  }),
  kind({ className: 'RandomNormal', options: meanStddev, fill: (s, _, rng, out) => randomNormal(rng, out, s.mean, s.stddev, false) }),
  kind({ className: 'TruncatedNormal', options: meanStddev, fill: (s, _, rng, out) => randomNormal(rng, out, s.mean, s.stddev, true) }),
  kind({
    className: 'VarianceScaling',
    options: { scale: finiteNumber(1, 0), mode: fanMode, distribution, seed: seed() },
    fill: (s, shape, rng, out) => varianceScaling(s.scale, s.mode, s.distribution, shape, rng, out),
  }),
  preset('GlorotUniform', 1, 'fanAvg', 'uniform'),
  preset('GlorotNormal', 1, 'fanAvg', 'truncatedNormal'),
  preset('HeUniform', 2, 'fanIn', 'uniform'),
  preset('HeNormal', 2, 'fanIn', 'truncatedNormal'),
  preset('LecunUniform', 1, 'fanIn', 'uniform'),
  preset('LecunNormal', 1, 'fanIn', 'truncatedNormal'),
  kind({ className: 'Orthogonal', options: { gain: finiteNumber(1), seed: seed() }, fill: (s, shape, rng, out) => orthogonal(s.gain, shape, rng, out) }),
];

/** camelCase name ('glorotUniform'), as TF.js spells it. */
const camelName = (className: string): string => className[0].toLowerCase() + className.slice(1);

/** Every accepted spelling → kind: 'GlorotUniform', 'glorotUniform', 'glorot_uniform'. */
const BY_NAME = new Map<string, Kind<OptionTable>>(
  KINDS.flatMap((k) => [k.className, camelName(k.className), camelToSnake(camelName(k.className))].map((name) => [name, k] as const)),
);

function kindNamed(name: unknown): Kind<OptionTable> {
  const found = typeof name === 'string' ? BY_NAME.get(name) : undefined;
  if (found) return found;
  const hint = typeof name === 'string' ? closestName(name, KINDS.map((k) => camelName(k.className))) : undefined;
  throw new OptionProblem(`must name an initializer (${KINDS.map((k) => camelName(k.className)).join(', ')}), got ${describe(name)}${hint ? ` (did you mean '${hint}'?)` : ''}`);
}

function create(k: Kind<OptionTable>, config: unknown): Initializer {
  const settings = readSettings(config, k.options);
  k.check?.(settings);
  return new Initializer(k, Object.freeze({ ...settings }));
}

/** An Initializer from any InitializerSpec; throws OptionProblem. */
export function parseInitializer(spec: unknown): Initializer {
  if (spec instanceof Initializer) return spec;
  if (typeof spec === 'string') return create(kindNamed(spec), {});
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new OptionProblem(`must be an initializer name, an Initializer or { className, config }, got ${describe(spec)}`);
  }
  const { class_name: pythonName, className, config = {}, module: _module, registered_name: _registered, ...rest } = spec as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new OptionProblem('is not a known key of an initializer (expected className and config)', extra);
  const k = kindNamed(className ?? pythonName);
  if (typeof config !== 'object' || config === null) throw new OptionProblem(`must be an object, got ${describe(config)}`, 'config');
  // A saved config spells its keys in snake_case; the options are camelCase.
  const camel = Object.fromEntries(Object.entries(config).map(([key, value]) => [snakeToCamel(key), value]));
  try {
    return create(k, camel);
  } catch (error) {
    throw error instanceof OptionProblem ? error.within('config') : error;
  }
}

/** A layer option holding an initializer, `fallback` when omitted; saved as Keras JSON. */
export function initializerOption(fallback: string): Option<Initializer> {
  return {
    parse: (value) => parseInitializer(value === undefined ? fallback : value),
    toJSON: (value) => value.toJSON(),
  };
}

/** A factory of the public `initializers` namespace: validates its options like a layer does. */
function factory(className: string) {
  const k = BY_NAME.get(className)!;
  return (options: Record<string, unknown> = {}): Initializer => reportingTo(`initializers.${camelName(className)}`, () => create(k, options));
}

/**
 * The option every random initializer takes: a seed of its own makes it give the same values
 * on every call, as in Keras.
 *
 * @example
 * ```ts
 * const options: layers.SeedOption = { seed: 42 };
 * layers.initializers.heNormal(options);
 * ```
 */
export interface SeedOption {
  /** Draw from a generator of this seed instead of the model's stream. */
  seed?: number | null;
}

/**
 * The `initializers` namespace, TF.js names: `initializers.randomNormal({ mean: 0, stddev: 0.1 })`.
 * Each factory validates its options like a layer does (a LayerConfigError names the option).
 *
 * @namespace
 *
 * @example
 * ```ts
 * layers.dense({ units: 8, kernelInitializer: layers.initializers.randomNormal({ mean: 0, stddev: 0.1, seed: 1 }) });
 * ```
 */
export const initializers = {
  /**
   * All zeros (the default bias initializer).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.zeros() });
   * ```
   */
  zeros: factory('Zeros') as () => Initializer,
  /**
   * All ones.
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, biasInitializer: layers.initializers.ones() });
   * ```
   */
  ones: factory('Ones') as () => Initializer,
  /**
   * Every value `value` (a finite number; default 0).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, biasInitializer: layers.initializers.constant({ value: 0.1 }) });
   * ```
   */
  constant: factory('Constant') as (options: { value: number }) => Initializer,
  /**
   * Uniform in [minval, maxval) (defaults ±0.05; the embedding default).
   *
   * @example
   * ```ts
   * layers.embedding({ inputDim: 100, outputDim: 8, embeddingsInitializer: layers.initializers.randomUniform({ minval: -0.1, maxval: 0.1 }) });
   * ```
   */
  randomUniform: factory('RandomUniform') as (options?: { minval?: number; maxval?: number } & SeedOption) => Initializer,
  /**
   * Normal with `mean` (default 0) and `stddev` (default 0.05).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.randomNormal({ stddev: 0.1, seed: 3 }) });
   * ```
   */
  randomNormal: factory('RandomNormal') as (options?: { mean?: number; stddev?: number } & SeedOption) => Initializer,
  /**
   * Normal with `mean` and `stddev` (defaults 0, 0.05), draws beyond two standard deviations redrawn (Keras).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.truncatedNormal({ stddev: 0.02 }) });
   * ```
   */
  truncatedNormal: factory('TruncatedNormal') as (options?: { mean?: number; stddev?: number } & SeedOption) => Initializer,
  /**
   * Variance `scale`/n with n the fan in, out or their average (`mode`, default 'fanIn'), drawn from `distribution` (default 'truncatedNormal'); the general form of the Glorot, He and LeCun presets.
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'uniform' }) });
   * ```
   */
  varianceScaling: factory('VarianceScaling') as (options?: { scale?: number; mode?: FanMode; distribution?: Distribution } & SeedOption) => Initializer,
  /**
   * Glorot (Xavier) uniform: varianceScaling(1, fanAvg, uniform); the default kernel initializer.
   *
   * @example
   * ```ts
   * layers.lstm({ units: 8, kernelInitializer: layers.initializers.glorotUniform({ seed: 1 }) });
   * ```
   */
  glorotUniform: factory('GlorotUniform') as (options?: SeedOption) => Initializer,
  /**
   * Glorot normal: varianceScaling(1, fanAvg, truncatedNormal).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.glorotNormal() });
   * ```
   */
  glorotNormal: factory('GlorotNormal') as (options?: SeedOption) => Initializer,
  /**
   * He uniform: varianceScaling(2, fanIn, uniform), for relu layers.
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, activation: 'relu', kernelInitializer: layers.initializers.heUniform() });
   * ```
   */
  heUniform: factory('HeUniform') as (options?: SeedOption) => Initializer,
  /**
   * He normal: varianceScaling(2, fanIn, truncatedNormal), for relu layers.
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, activation: 'relu', kernelInitializer: layers.initializers.heNormal() });
   * ```
   */
  heNormal: factory('HeNormal') as (options?: SeedOption) => Initializer,
  /**
   * LeCun uniform: varianceScaling(1, fanIn, uniform).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.lecunUniform() });
   * ```
   */
  lecunUniform: factory('LecunUniform') as (options?: SeedOption) => Initializer,
  /**
   * LeCun normal: varianceScaling(1, fanIn, truncatedNormal).
   *
   * @example
   * ```ts
   * layers.dense({ units: 4, kernelInitializer: layers.initializers.lecunNormal() });
   * ```
   */
  lecunNormal: factory('LecunNormal') as (options?: SeedOption) => Initializer,
  /**
   * Keras's Orthogonal, times `gain` (default 1): the default recurrent-kernel initializer. Needs a weight of rank 2 or more; the QR runs in Wasm.
   *
   * @example
   * ```ts
   * layers.gru({ units: 16, recurrentInitializer: layers.initializers.orthogonal({ gain: 1.5 }) });
   * ```
   */
  orthogonal: factory('Orthogonal') as (options?: { gain?: number } & SeedOption) => Initializer,
};
