// Splitting and shuffling samples (axis 0) of x and y together, as scikit-learn's
// train_test_split and utils.shuffle, with seqwasm's seeded generator.
import { type Tensor, type TensorLike } from '../tensor.js';
import { DEFAULT_SEED, Prng } from '../util/prng.js';
import { gatherRows, pairedSamples } from './batching.js';
import { DataError, describe } from './errors.js';
import { flag, optionsOf, seedOption } from './validate.js';

/**
 * Options of {@link trainTestSplit}.
 *
 * @example
 * ```ts
 * data.trainTestSplit(x, y, { testSize: 100, shuffle: false });   // the last 100 samples for testing
 * ```
 */
export interface SplitOptions {
  /** A fraction in (0, 1) of the samples (rounded up, as sklearn), or a whole number of samples. Default 0.25. */
  testSize?: number;
  /** Shuffle before splitting. Default true (as sklearn); pass false for time series, where the test part must come last. */
  shuffle?: boolean;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
}

/**
 * What trainTestSplit(x) returns without y.
 *
 * @example
 * ```ts
 * const { xTrain, xTest }: data.Split = data.trainTestSplit(x, null, { testSize: 0.1 });
 * ```
 */
export interface Split {
  /** The training samples of x. */
  xTrain: Tensor;
  /** The test samples of x. */
  xTest: Tensor;
}

/**
 * What trainTestSplit(x, y) returns: x and y split alike.
 *
 * @example
 * ```ts
 * const { xTrain, xTest, yTrain, yTest }: data.SplitXY = data.trainTestSplit(x, y, { seed: 7 });
 * ```
 */
export interface SplitXY extends Split {
  /** The targets of xTrain. */
  yTrain: Tensor;
  /** The targets of xTest. */
  yTest: Tensor;
}

/**
 * Splits samples into train and test parts, x and y alike. Shuffled: the test part is the
 * first testSize samples of a seeded permutation, train the rest (as sklearn's ShuffleSplit).
 * Not shuffled: train is the first samples, test the last.
 *
 * @example
 * ```ts
 * const { xTrain, xTest, yTrain, yTest } = data.trainTestSplit(x, y, { testSize: 0.2, seed: 7 });
 * const { xTrain: past, xTest: recent } = data.trainTestSplit(windows, null, { testSize: 0.1, shuffle: false });
 * ```
 */
export function trainTestSplit(x: TensorLike, y: TensorLike, options?: SplitOptions): SplitXY;
export function trainTestSplit(x: TensorLike, y?: null, options?: SplitOptions): Split;
export function trainTestSplit(x: TensorLike, y?: TensorLike | null, options: SplitOptions = {}): Split | Partial<SplitXY> {
  options = optionsOf(options, 'trainTestSplit');
  const samples = pairedSamples(x, y);
  const { count } = samples;
  const testCount = testSizeOf(options.testSize ?? 0.25, count);
  const trainCount = count - testCount;
  const order = flag('shuffle', options.shuffle, true) ? new Prng(seedOption(options.seed, DEFAULT_SEED)).permutation(count) : null;
  const [testFrom, testTo, trainFrom, trainTo] = order ? [0, testCount, testCount, count] : [trainCount, count, 0, trainCount];
  const part = (t: Tensor, from: number, to: number) => gatherRows(t, order, from, to);
  const split: Split = { xTrain: part(samples.x, trainFrom, trainTo), xTest: part(samples.x, testFrom, testTo) };
  return samples.y ? { ...split, yTrain: part(samples.y, trainFrom, trainTo), yTest: part(samples.y, testFrom, testTo) } : split;
}

/**
 * x and y with their samples in the same seeded random order (sklearn's utils.shuffle);
 * new tensors, the inputs are left as they are. The seed defaults to 0.
 *
 * @example
 * ```ts
 * const shuffled = data.shuffle(x, y, { seed: 1 });   // shuffled.x[i] still goes with shuffled.y[i]
 * ```
 */
export function shuffle(
  x: TensorLike,
  y: TensorLike,
  options?: { seed?: number },
): {
  /** x, samples reordered. */
  x: Tensor;
  /** y, samples reordered the same way. */
  y: Tensor;
};
export function shuffle(
  x: TensorLike,
  y?: null,
  options?: { seed?: number },
): {
  /** x, samples reordered. */
  x: Tensor;
};
export function shuffle(x: TensorLike, y?: TensorLike | null, options: { seed?: number } = {}): { x: Tensor; y?: Tensor } {
  options = optionsOf(options, 'shuffle');
  const samples = pairedSamples(x, y);
  const order = new Prng(seedOption(options.seed, DEFAULT_SEED)).permutation(samples.count);
  const xs = gatherRows(samples.x, order, 0, samples.count);
  return samples.y ? { x: xs, y: gatherRows(samples.y, order, 0, samples.count) } : { x: xs };
}

function testSizeOf(testSize: unknown, count: number): number {
  const isFraction = typeof testSize === 'number' && testSize > 0 && testSize < 1;
  const isCount = typeof testSize === 'number' && Number.isInteger(testSize) && testSize >= 1;
  if (!isFraction && !isCount) throw new DataError('testSize', `expected a fraction in (0, 1) or a whole number of samples >= 1, got ${describe(testSize)}`);
  const testCount = isFraction ? Math.ceil((testSize as number) * count) : (testSize as number);
  if (testCount >= count) {
    throw new DataError('testSize', `${describe(testSize)} of ${count} samples leaves ${count - testCount} for training; at least one train and one test sample are needed`);
  }
  return testCount;
}
