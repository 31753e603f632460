// Per-feature scaling as scikit-learn's StandardScaler and MinMaxScaler: fit on the training
// data only, then transform any split and inverseTransform predictions back to data units.
// The feature axis is the last one ([samples, features], [samples, steps, features]); a 1-D
// input is one feature (a univariate series). Statistics are float64, accumulated in a fixed
// order with +, −, ×, ÷ and sqrt only, so they are identical in every JS engine.
import { type Tensor, type TensorLike, toTensor } from '../tensor.js';
import { DataError } from './errors.js';
import { numberArray, readDocument, requiredFlag } from './json.js';
import { assertFinite, flag, optionsOf } from './validate.js';

const EPSILON = Number.EPSILON;

/** Every scaler here is y = (x − center) / scale + offset per feature. */
interface Affine {
  readonly center: Float64Array;
  readonly scale: Float64Array;
  readonly offset: number;
}

abstract class FeatureScaler {
  /** Used in messages, e.g. 'StandardScaler'. */
  protected abstract readonly kind: string;

  /** The fitted transform, or undefined before fit. */
  protected abstract affine(): Affine | undefined;

  /** Learns the statistics of `data` ([rows × features], finite). */
  protected abstract learn(data: Float32Array, features: number): void;

  /** Whether fit() has run (transform and inverseTransform need it). */
  get isFitted(): boolean {
    return this.affine() !== undefined;
  }

  /** Features seen by fit (0 before fit). */
  get numFeatures(): number {
    return this.affine()?.center.length ?? 0;
  }

  /** Learns per-feature statistics from training data (NaN or ±Infinity is an error). */
  fit(x: TensorLike): this {
    const t = toTensor(x, 'x');
    const features = featureCount(t);
    if (t.data.length === 0) throw new DataError('x', `has no samples to fit (shape [${t.shape.join(', ')}])`);
    assertFinite(t, 'x');
    this.learn(t.data, features);
    return this;
  }

  /** x scaled with the fitted statistics, same shape, float32. */
  transform(x: TensorLike): Tensor {
    const { t, center, scale, offset } = this.prepare(x, 'transform');
    const data = t.data;
    const out = new Float32Array(data.length);
    const features = center.length;
    for (let row = 0; row < data.length; row += features) {
      for (let f = 0; f < features; f++) out[row + f] = (data[row + f] - center[f]) / scale[f] + offset;
    }
    return { shape: t.shape, data: out };
  }

  /** Scaled values (e.g. predictions) back in the units of the data fit saw. */
  inverseTransform(x: TensorLike): Tensor {
    const { t, center, scale, offset } = this.prepare(x, 'inverseTransform');
    const data = t.data;
    const out = new Float32Array(data.length);
    const features = center.length;
    for (let row = 0; row < data.length; row += features) {
      for (let f = 0; f < features; f++) out[row + f] = (data[row + f] - offset) * scale[f] + center[f];
    }
    return { shape: t.shape, data: out };
  }

  /** fit(x) then transform(x). */
  fitTransform(x: TensorLike): Tensor {
    return this.fit(x).transform(x);
  }

  private prepare(x: TensorLike, method: string): Affine & { t: Tensor } {
    const affine = this.affine();
    if (!affine) throw new DataError(method, `this ${this.kind} is not fitted; call fit() with the training data first`);
    const t = toTensor(x, 'x');
    const features = featureCount(t);
    if (features !== affine.center.length) throw new DataError('x', `has ${features} features (last axis), but the ${this.kind} was fit on ${affine.center.length}`);
    return { ...affine, t };
  }
}

/**
 * Options of {@link standardScaler}.
 *
 * @example
 * ```ts
 * data.standardScaler({ withMean: false });    // divide by the std only
 * ```
 */
export interface StandardScalerOptions {
  /** Subtract the mean. Default true. */
  withMean?: boolean;
  /** Divide by the standard deviation. Default true. */
  withStd?: boolean;
}

/**
 * What StandardScaler.toJSON() writes and StandardScaler.fromJSON() reads.
 *
 * @example
 * ```ts
 * const json: data.StandardScalerJSON = data.standardScaler().fit(xTrain).toJSON();
 * data.StandardScaler.fromJSON(json);
 * ```
 */
export interface StandardScalerJSON {
  /** Always 'seqwasm.standardScaler'. */
  format: 'seqwasm.standardScaler';
  /** The format version, 1. */
  version: 1;
  /** The withMean option. */
  withMean: boolean;
  /** The withStd option. */
  withStd: boolean;
  /** Per-feature means, or null before fit. */
  mean: number[] | null;
  /** Per-feature population standard deviations (1 for constant features), or null before fit. */
  scale: number[] | null;
}

/**
 * (x − mean) / std per feature, std the population (ddof 0) one; constant features get std 1,
 * as sklearn. The feature axis is the last one; statistics are float64, the same bits in every
 * engine. Make one with {@link standardScaler}.
 *
 * @example
 * ```ts
 * const scaler = data.standardScaler().fit(xTrain);
 * const xs = scaler.transform(xTest);
 * const back = scaler.inverseTransform(predictions);
 * const restored = data.StandardScaler.fromJSON(JSON.stringify(scaler));
 * ```
 */
export class StandardScaler extends FeatureScaler {
  protected readonly kind = 'StandardScaler';
  /** Whether the mean is subtracted. */
  readonly withMean: boolean;
  /** Whether values are divided by the standard deviation. */
  readonly withStd: boolean;
  private stats: { mean: Float64Array; scale: Float64Array } | undefined;

  constructor(options: StandardScalerOptions = {}) {
    options = optionsOf(options, 'standardScaler');
    super();
    this.withMean = flag('withMean', options.withMean, true);
    this.withStd = flag('withStd', options.withStd, true);
  }

  /** Per-feature means seen by fit (a copy), undefined before fit. */
  get mean(): Float64Array | undefined {
    return this.stats?.mean.slice();
  }

  /** Per-feature standard deviations used to divide (a copy), undefined before fit. */
  get scale(): Float64Array | undefined {
    return this.stats?.scale.slice();
  }

  protected affine(): Affine | undefined {
    if (!this.stats) return undefined;
    const { mean, scale } = this.stats;
    return { center: this.withMean ? mean : new Float64Array(mean.length), scale: this.withStd ? scale : new Float64Array(scale.length).fill(1), offset: 0 };
  }

  protected learn(data: Float32Array, features: number): void {
    const rows = data.length / features;
    const mean = new Float64Array(features);
    for (let row = 0; row < data.length; row += features) {
      for (let f = 0; f < features; f++) mean[f] += data[row + f];
    }
    for (let f = 0; f < features; f++) mean[f] /= rows;
    const variance = new Float64Array(features);
    for (let row = 0; row < data.length; row += features) {
      for (let f = 0; f < features; f++) {
        const d = data[row + f] - mean[f];
        variance[f] += d * d;
      }
    }
    const scale = new Float64Array(features);
    for (let f = 0; f < features; f++) {
      const v = variance[f] / rows;
      // sklearn's _is_constant_feature: a variance within rounding error of 0 means constant.
      const bound = rows * EPSILON * v + (rows * mean[f] * EPSILON) * (rows * mean[f] * EPSILON);
      scale[f] = v <= bound ? 1 : Math.sqrt(v);
    }
    this.stats = { mean, scale };
  }

  /** The JSON form (JSON.stringify calls it) that fromJSON() restores. */
  toJSON(): StandardScalerJSON {
    return {
      format: 'seqwasm.standardScaler',
      version: 1,
      withMean: this.withMean,
      withStd: this.withStd,
      mean: this.stats ? Array.from(this.stats.mean) : null,
      scale: this.stats ? Array.from(this.stats.scale) : null,
    };
  }

  /** Restores a scaler from toJSON()'s object (or its JSON text), checking every field. */
  static fromJSON(json: unknown): StandardScaler {
    const record = readDocument(json, 'seqwasm.standardScaler');
    const scaler = new StandardScaler({ withMean: requiredFlag(record, 'withMean'), withStd: requiredFlag(record, 'withStd') });
    if (record.mean === null && record.scale === null) return scaler;
    const mean = numberArray(record, 'mean');
    const scale = numberArray(record, 'scale');
    if (scale.length !== mean.length || mean.length === 0) throw new DataError('json.scale', `expected ${mean.length || 'at least 1'} values (one per feature, as mean), got ${scale.length}`);
    scale.forEach((s, i) => {
      if (!(s > 0)) throw new DataError(`json.scale[${i}]`, `expected a positive number, got ${s}`);
    });
    scaler.stats = { mean: Float64Array.from(mean), scale: Float64Array.from(scale) };
    return scaler;
  }
}

/**
 * Options of {@link minMaxScaler}.
 *
 * @example
 * ```ts
 * data.minMaxScaler({ featureRange: [-1, 1] });
 * ```
 */
export interface MinMaxScalerOptions {
  /** [min, max] that each feature's training range maps onto. Default [0, 1]. */
  featureRange?: readonly [number, number];
}

/**
 * What MinMaxScaler.toJSON() writes and MinMaxScaler.fromJSON() reads.
 *
 * @example
 * ```ts
 * const json: data.MinMaxScalerJSON = data.minMaxScaler().fit(xTrain).toJSON();
 * data.MinMaxScaler.fromJSON(json);
 * ```
 */
export interface MinMaxScalerJSON {
  /** Always 'seqwasm.minMaxScaler'. */
  format: 'seqwasm.minMaxScaler';
  /** The format version, 1. */
  version: 1;
  /** The featureRange option. */
  featureRange: [number, number];
  /** Per-feature minimum and maximum seen by fit, or null before fit. */
  dataMin: number[] | null;
  /** Per-feature maximum seen by fit, or null before fit. */
  dataMax: number[] | null;
}

/**
 * Maps each feature's [min, max] seen by fit onto featureRange; a constant feature maps to
 * featureRange[0], as sklearn. Make one with {@link minMaxScaler}.
 *
 * @example
 * ```ts
 * const scaler = data.minMaxScaler({ featureRange: [-1, 1] }).fit(xTrain);
 * scaler.transform(xTest);
 * ```
 */
export class MinMaxScaler extends FeatureScaler {
  protected readonly kind = 'MinMaxScaler';
  /** The [min, max] each feature maps onto. */
  readonly featureRange: readonly [number, number];
  private stats: { dataMin: Float64Array; dataMax: Float64Array } | undefined;

  constructor(options: MinMaxScalerOptions = {}) {
    options = optionsOf(options, 'minMaxScaler');
    super();
    const range = options.featureRange ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[0] < range[1])) {
      throw new DataError('featureRange', `expected [min, max] with finite min < max, got ${JSON.stringify(range)}`);
    }
    this.featureRange = Object.freeze([range[0], range[1]] as [number, number]);
  }

  /** Per-feature minimum seen by fit (a copy), undefined before fit. */
  get dataMin(): Float64Array | undefined {
    return this.stats?.dataMin.slice();
  }

  /** Per-feature maximum seen by fit (a copy), undefined before fit. */
  get dataMax(): Float64Array | undefined {
    return this.stats?.dataMax.slice();
  }

  protected affine(): Affine | undefined {
    if (!this.stats) return undefined;
    const { dataMin, dataMax } = this.stats;
    const [low, high] = this.featureRange;
    const scale = dataMin.map((min, f) => {
      const range = dataMax[f] - min;
      // sklearn's _handle_zeros_in_scale: a range below 10 ε counts as zero, and scales by 1.
      return range < 10 * EPSILON ? 1 : range / (high - low);
    });
    return { center: dataMin, scale, offset: low };
  }

  protected learn(data: Float32Array, features: number): void {
    const dataMin = new Float64Array(features).fill(Infinity);
    const dataMax = new Float64Array(features).fill(-Infinity);
    for (let row = 0; row < data.length; row += features) {
      for (let f = 0; f < features; f++) {
        const v = data[row + f];
        if (v < dataMin[f]) dataMin[f] = v;
        if (v > dataMax[f]) dataMax[f] = v;
      }
    }
    this.stats = { dataMin, dataMax };
  }

  /** The JSON form (JSON.stringify calls it) that fromJSON() restores. */
  toJSON(): MinMaxScalerJSON {
    return {
      format: 'seqwasm.minMaxScaler',
      version: 1,
      featureRange: [this.featureRange[0], this.featureRange[1]],
      dataMin: this.stats ? Array.from(this.stats.dataMin) : null,
      dataMax: this.stats ? Array.from(this.stats.dataMax) : null,
    };
  }

  /** Restores a scaler from toJSON()'s object (or its JSON text), checking every field. */
  static fromJSON(json: unknown): MinMaxScaler {
    const record = readDocument(json, 'seqwasm.minMaxScaler');
    const range = numberArray(record, 'featureRange');
    if (range.length !== 2) throw new DataError('json.featureRange', `expected [min, max], got ${range.length} numbers`);
    const scaler = new MinMaxScaler({ featureRange: [range[0], range[1]] });
    if (record.dataMin === null && record.dataMax === null) return scaler;
    const dataMin = numberArray(record, 'dataMin');
    const dataMax = numberArray(record, 'dataMax');
    if (dataMax.length !== dataMin.length || dataMin.length === 0) throw new DataError('json.dataMax', `expected ${dataMin.length || 'at least 1'} values (one per feature, as dataMin), got ${dataMax.length}`);
    dataMin.forEach((min, i) => {
      if (!(min <= dataMax[i])) throw new DataError(`json.dataMax[${i}]`, `${dataMax[i]} is below dataMin[${i}] = ${min}`);
    });
    scaler.stats = { dataMin: Float64Array.from(dataMin), dataMax: Float64Array.from(dataMax) };
    return scaler;
  }
}

/**
 * sklearn-style StandardScaler: `const s = standardScaler().fit(xTrain); s.transform(xTest)`.
 * Fit it on the training data only.
 *
 * @example
 * ```ts
 * const scaler = data.standardScaler().fit(xTrain);
 * const [train, test] = [scaler.transform(xTrain), scaler.transform(xTest)];
 * ```
 */
export function standardScaler(options?: StandardScalerOptions): StandardScaler {
  return new StandardScaler(options);
}

/**
 * sklearn-style MinMaxScaler onto featureRange (default [0, 1]).
 *
 * @example
 * ```ts
 * const scaled = data.minMaxScaler({ featureRange: [-1, 1] }).fitTransform(series);
 * ```
 */
export function minMaxScaler(options?: MinMaxScalerOptions): MinMaxScaler {
  return new MinMaxScaler(options);
}

/** Size of the feature (last) axis; a 1-D tensor is a single feature. */
function featureCount(t: Tensor): number {
  if (t.shape.length === 0) throw new DataError('x', 'expected at least one dimension, got a scalar');
  const features = t.shape.length === 1 ? 1 : t.shape[t.shape.length - 1];
  if (features === 0) throw new DataError('x', `has no features (shape [${t.shape.join(', ')}])`);
  return features;
}
