// Windows over sequences. timeseriesWindows follows Keras `timeseries_dataset_from_array`
// exactly in which windows exist and which target goes with which window; slidingWindows
// cuts symbol sequences into (window, next symbol) pairs as the text-generation lessons do.
import { shapeSize, type Tensor, type TensorLike, toTensor } from '../tensor.js';
import { type Batch, BatchIterable, BatchSchedule } from './batching.js';
import { DataError, describe } from './errors.js';
import { assertFinite, flag, integer, optionsOf, rowsOf, zeros } from './validate.js';

/**
 * Options of {@link timeseriesWindows} (Keras `timeseries_dataset_from_array` names, camelCase).
 *
 * @example
 * ```ts
 * data.timeseriesWindows(rows, { sequenceLength: 120, samplingRate: 6, targetOffset: 864, targetColumns: 1 });
 * ```
 */
export interface TimeseriesOptions {
  /** Steps per window, an integer >= 1. Required. */
  sequenceLength: number;
  /** Series steps between the starts of consecutive windows. Default 1. */
  sequenceStride?: number;
  /** Series steps between consecutive steps of one window. Default 1. */
  samplingRate?: number;
  /**
   * Keras's `targets`: one row per series step; `targets[i]` is the target of the window that
   * starts at step i. Must have as many rows as the series. y has shape [N, ...targets row].
   */
  targets?: TensorLike;
  /**
   * Target = the series row `targetOffset` steps after the window's first step, i.e. Keras with
   * `targets = series[targetOffset:]` (every window whose target exists is kept). At
   * samplingRate 1, `targetOffset: sequenceLength` is the step right after the window.
   * y has shape [N] for a 1-D series (or one target column), else [N, columns].
   */
  targetOffset?: number;
  /**
   * Target = the `horizon` steps that continue the window on its own sampling grid: rows
   * start + (sequenceLength + j)·samplingRate for j = 0 … horizon−1, i.e. Keras with
   * `targets[i] = series[i + L·r :: r][:horizon]`. y has shape [N, horizon] for a 1-D series
   * (or one target column), else [N, horizon, columns].
   */
  horizon?: number;
  /** With targetOffset or horizon: which features of a step are the target (a number: y drops that axis). Default all. */
  targetColumns?: number | readonly number[];
  /** First series step windows may use. Default 0. */
  startIndex?: number;
  /** Steps at or after endIndex are not used in windows (exclusive, as in Keras). Default the series length. */
  endIndex?: number;
  /** Windows in a seeded random order rather than chronological. Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /** Fail on NaN or ±Infinity in the series or targets. Default false. */
  checkFinite?: boolean;
  /** Return a lazy re-iterable of batches of this many windows instead of two tensors. */
  batchSize?: number;
  /** With batchSize: skip a last batch smaller than batchSize. Default false. */
  dropRemainder?: boolean;
}

/**
 * All windows at once (timeseriesWindows without batchSize): x, and y when a target option is given.
 *
 * @example
 * ```ts
 * const { x, y }: data.TimeseriesSamples = data.timeseriesWindows(series, { sequenceLength: 24, horizon: 1 });
 * ```
 */
export interface TimeseriesSamples {
  /** The windows, [N, sequenceLength, features]. */
  x: Tensor;
  /** Their targets, when targets, targetOffset or horizon was given. */
  y?: Tensor;
}

/** Where window targets come from: rows `start + offset` of `source`, optionally some columns only. */
interface TargetPlan {
  readonly option: 'targets' | 'targetOffset' | 'horizon';
  readonly source: Float32Array;
  readonly rowSize: number;
  readonly offsets: readonly number[];
  readonly columns: Int32Array | null;
  /** Shape of one window's target. */
  readonly shape: readonly number[];
}

/** Everything needed to copy window k: it starts at series step firstStart + k·stride. */
interface WindowPlan {
  readonly series: Float32Array;
  readonly stepSize: number;
  readonly firstStart: number;
  readonly stride: number;
  readonly rate: number;
  readonly length: number;
  readonly count: number;
  /** Shape of one window: [sequenceLength, ...step shape], a 1-D series getting a feature axis of 1. */
  readonly windowShape: readonly number[];
  readonly target: TargetPlan | undefined;
}

/**
 * The lazy result of timeseriesWindows with batchSize: each `for…of` is one pass over all
 * windows, copied batch by batch, so a long series never has all its windows in memory.
 *
 * @example
 * ```ts
 * const windows = data.timeseriesWindows(bigSeries, { sequenceLength: 48, horizon: 12, batchSize: 256, shuffle: true });
 * windows.windowShape;                       // [48, 1]
 * await model.fit(windows, { epochs: 10 });
 * ```
 */
export class WindowBatches extends BatchIterable<Batch> {
  /** @internal made by timeseriesWindows(). */
  constructor(
    private readonly plan: WindowPlan,
    schedule: BatchSchedule,
  ) {
    super(schedule);
  }

  /** Shape of one window, e.g. [sequenceLength, features]. */
  get windowShape(): readonly number[] {
    return this.plan.windowShape;
  }

  /** Shape of one window's target, or undefined without targets. */
  get targetShape(): readonly number[] | undefined {
    return this.plan.target?.shape;
  }

  protected batch(order: Uint32Array | null, from: number, to: number): Batch {
    const { x, y } = copyWindows(this.plan, order, from, to);
    return y ? { xs: x, ys: y } : { xs: x };
  }
}

/**
 * Windows over a time series (axis 0 = time), as Keras `timeseries_dataset_from_array`:
 * window k holds steps s, s + r, …, s + (L−1)·r with s = startIndex + k·sequenceStride, for
 * every s whose window ends before endIndex and whose target (if any) exists.
 *
 * `series` is [T] (univariate), [T, F] or [T, ...]. Without batchSize, returns x
 * [N, L, F] (a 1-D series gets F = 1: recurrent layers want a feature axis; Keras would give
 * [N, L]) and y when a target option is given. With batchSize, returns a WindowBatches
 * of `{ xs, ys }` batches (what fit() takes) that copies windows batch by batch and never
 * holds all of them. Bad options are a DataError naming the option.
 *
 * @example
 * ```ts
 * const { x, y } = data.timeseriesWindows(series, { sequenceLength: 24, horizon: 1 });   // [T, F] → x [N, 24, F], y [N, 1, F]
 * data.timeseriesWindows(series, { sequenceLength: 10, targets });                       // Keras: targets[i] goes with the window starting at i
 * for (const { xs, ys } of data.timeseriesWindows(bigSeries, { sequenceLength: 48, targetOffset: 48, batchSize: 256 })) {}
 * ```
 */
export function timeseriesWindows(series: TensorLike, options: TimeseriesOptions & { batchSize: number }): WindowBatches;
export function timeseriesWindows(series: TensorLike, options: TimeseriesOptions & { batchSize?: undefined }): TimeseriesSamples;
export function timeseriesWindows(series: TensorLike, options: TimeseriesOptions): TimeseriesSamples | WindowBatches;
export function timeseriesWindows(series: TensorLike, options: TimeseriesOptions): TimeseriesSamples | WindowBatches {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new DataError('options', `timeseriesWindows() takes { sequenceLength, … }, got ${describe(options)}`);
  const plan = planWindows(series, options);
  if (options.batchSize !== undefined) return new WindowBatches(plan, new BatchSchedule(plan.count, options));
  if (options.dropRemainder !== undefined) throw new DataError('dropRemainder', 'only applies with batchSize');
  const order = new BatchSchedule(plan.count, { shuffle: options.shuffle, seed: options.seed }, plan.count).order(0);
  try {
    return copyWindows(plan, order, 0, plan.count);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const values = plan.count * plan.length * plan.stepSize;
    throw new DataError('batchSize', `all ${plan.count} windows would need ${values} floats at once, more than this runtime can allocate; pass batchSize for lazy batches`);
  }
}

function planWindows(seriesInput: TensorLike, options: TimeseriesOptions): WindowPlan {
  const series = toTensor(seriesInput, 'series');
  const { rows: steps, rowSize: stepSize, rowShape: stepShape } = rowsOf(series, 'series');
  if (steps === 0) throw new DataError('series', 'is empty');
  if (stepSize === 0) throw new DataError('series', `each step must hold at least one value, got shape [${series.shape.join(', ')}]`);
  const length = integer('sequenceLength', options.sequenceLength, 1);
  const stride = integer('sequenceStride', options.sequenceStride ?? 1, 1);
  const rate = integer('samplingRate', options.samplingRate ?? 1, 1);
  const startIndex = integer('startIndex', options.startIndex ?? 0, 0, steps - 1);
  const endIndex = integer('endIndex', options.endIndex ?? steps, startIndex + 1, steps);
  const checkFinite = flag('checkFinite', options.checkFinite, false);
  if (checkFinite) assertFinite(series, 'series');
  const target = planTargets(series, options, { steps, stepSize, length, rate, checkFinite });

  const span = (length - 1) * rate + 1;
  const lastByWindow = endIndex - span;
  if (lastByWindow < startIndex) {
    throw new DataError(
      'sequenceLength',
      `a window of ${length} steps at samplingRate ${rate} spans ${span} series steps, more than the ${endIndex - startIndex} from startIndex ${startIndex} to endIndex ${endIndex}`,
    );
  }
  const reach = target ? target.offsets[target.offsets.length - 1] : 0;
  const lastByTarget = steps - 1 - reach;
  if (target && lastByTarget < startIndex) {
    throw new DataError(target.option, `the first window starts at step ${startIndex} and its target would be at step ${startIndex + reach}, past the series' last step ${steps - 1}`);
  }
  return {
    series: series.data,
    stepSize,
    firstStart: startIndex,
    stride,
    rate,
    length,
    count: Math.floor((Math.min(lastByWindow, lastByTarget) - startIndex) / stride) + 1,
    windowShape: series.shape.length === 1 ? [length, 1] : [length, ...stepShape],
    target,
  };
}

interface SeriesFacts {
  steps: number;
  stepSize: number;
  length: number;
  rate: number;
  checkFinite: boolean;
}

function planTargets(series: Tensor, options: TimeseriesOptions, facts: SeriesFacts): TargetPlan | undefined {
  const given = (['targets', 'targetOffset', 'horizon'] as const).filter((key) => options[key] !== undefined);
  if (given.length > 1) throw new DataError(given.join(', '), 'give at most one of targets, targetOffset and horizon');
  const option = given[0];
  if (options.targetColumns !== undefined && option !== 'targetOffset' && option !== 'horizon') {
    throw new DataError('targetColumns', 'only applies with targetOffset or horizon');
  }
  if (option === undefined) return undefined;
  if (option === 'targets') {
    const targets = toTensor(options.targets as TensorLike, 'targets');
    const { rows, rowSize, rowShape } = rowsOf(targets, 'targets');
    if (rows !== facts.steps) {
      throw new DataError('targets', `expected ${facts.steps} rows, one per series step (targets[i] is the target of the window starting at step i), got ${rows}`);
    }
    if (facts.checkFinite) assertFinite(targets, 'targets');
    return { option, source: targets.data, rowSize, offsets: [0], columns: null, shape: rowShape };
  }
  const { columns, shape } = selectColumns(options.targetColumns, series, facts.stepSize);
  const base = { option, source: series.data, rowSize: facts.stepSize, columns };
  if (option === 'targetOffset') return { ...base, offsets: [integer('targetOffset', options.targetOffset, 0)], shape };
  const horizon = integer('horizon', options.horizon, 1);
  const offsets = Array.from({ length: horizon }, (_, j) => (facts.length + j) * facts.rate);
  return { ...base, offsets, shape: [horizon, ...shape] };
}

/** The target columns (null = all) and the shape of one target row. */
function selectColumns(selection: number | readonly number[] | undefined, series: Tensor, stepSize: number): { columns: Int32Array | null; shape: number[] } {
  if (selection === undefined) return { columns: null, shape: series.shape.slice(1) };
  if (typeof selection === 'number') return { columns: Int32Array.of(integer('targetColumns', selection, 0, stepSize - 1)), shape: [] };
  if (!Array.isArray(selection) || selection.length === 0) throw new DataError('targetColumns', 'expected a column index or a non-empty array of them');
  const columns = Int32Array.from(selection, (c, i) => integer(`targetColumns[${i}]`, c, 0, stepSize - 1));
  return { columns, shape: [columns.length] };
}

/** Copies windows order[from] … order[to − 1] (from … to − 1 when order is null) and their targets. */
function copyWindows(plan: WindowPlan, order: Uint32Array | null, from: number, to: number): TimeseriesSamples {
  const { series, stepSize, rate, length, target } = plan;
  const n = to - from;
  const windowSize = length * stepSize;
  const x = zeros(Float32Array, n * windowSize, 'x');
  const y = target ? zeros(Float32Array, n * shapeSize(target.shape), 'y') : undefined;
  let xAt = 0;
  let yAt = 0;
  for (let i = from; i < to; i++) {
    const start = plan.firstStart + (order === null ? i : order[i]) * plan.stride;
    // At rate 1 a window is one contiguous run of the series.
    if (rate === 1) xAt = copy(series, start * stepSize, x, xAt, windowSize);
    else for (let j = 0; j < length; j++) xAt = copy(series, (start + j * rate) * stepSize, x, xAt, stepSize);
    if (target && y) yAt = copyTarget(target, start, y, yAt);
  }
  const xs: Tensor = { shape: [n, ...plan.windowShape], data: x };
  return target && y ? { x: xs, y: { shape: [n, ...target.shape], data: y } } : { x: xs };
}

function copyTarget(target: TargetPlan, start: number, y: Float32Array, at: number): number {
  const { source, rowSize, columns } = target;
  for (const offset of target.offsets) {
    const row = (start + offset) * rowSize;
    if (columns === null) at = copy(source, row, y, at, rowSize);
    else for (let c = 0; c < columns.length; c++) y[at++] = source[row + columns[c]];
  }
  return at;
}

/**
 * dst[at …] = src[from …] for `count` values; returns at + count. Unrolled by 4: V8 does not
 * vectorise this loop, and unrolling makes it 1.3–2× faster. (`dst.set(src.subarray(…))` is
 * faster still for long runs, but allocates a view per window.)
 */
function copy(src: Float32Array, from: number, dst: Float32Array, at: number, count: number): number {
  let k = 0;
  for (; k + 4 <= count; k += 4) {
    dst[at + k] = src[from + k];
    dst[at + k + 1] = src[from + k + 1];
    dst[at + k + 2] = src[from + k + 2];
    dst[at + k + 3] = src[from + k + 3];
  }
  for (; k < count; k++) dst[at + k] = src[from + k];
  return at + count;
}

/**
 * Options of {@link slidingWindows}.
 *
 * @example
 * ```ts
 * data.slidingWindows(text, 40, { step: 3 });   // every third start, as the Keras text-generation lesson
 * ```
 */
export interface SlidingWindowOptions {
  /** Symbols between the starts of consecutive windows. Default 1. */
  step?: number;
}

/**
 * Every window of `length` symbols that has a next symbol, with that next symbol: windows
 * start at 0, step, 2·step, … while start + length < sequence length (as
 * `for i in range(0, len(text) - maxlen, step)` in the Keras lessons). The result is plain
 * arrays whatever the symbols, `windows[i]` followed by `next[i]`:
 * - a string gives string windows and next characters (split by code point);
 * - numbers (e.g. token indices from a vocabulary, also a typed array) give number[] windows
 *   and numbers, which fit(), toTensor() and oneHot() take as they are;
 * - an array of any other symbols gives arrays of them.
 *
 * @example
 * ```ts
 * const { windows, next } = data.slidingWindows('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 3);   // 'ABC' → 'D', …
 * data.slidingWindows([...vocab.encode(text)], 40, { step: 3 });                   // number[] windows of token ids
 * ```
 */
export function slidingWindows(
  sequence: string,
  length: number,
  options?: SlidingWindowOptions,
): {
  /** The windows, `length` characters each. */
  windows: string[];
  /** The character after each window. */
  next: string[];
};
export function slidingWindows(
  sequence: ArrayLike<number>,
  length: number,
  options?: SlidingWindowOptions,
): {
  /** The windows, `length` numbers each. */
  windows: number[][];
  /** The number after each window. */
  next: number[];
};
export function slidingWindows<T>(
  sequence: readonly T[],
  length: number,
  options?: SlidingWindowOptions,
): {
  /** The windows, `length` symbols each. */
  windows: T[][];
  /** The symbol after each window. */
  next: T[];
};
export function slidingWindows(sequence: string | ArrayLike<unknown>, length: number, options: SlidingWindowOptions = {}): { windows: string[] | unknown[][]; next: unknown[] } {
  const windowLength = integer('length', length, 1);
  const step = integer('step', optionsOf(options, 'slidingWindows').step ?? 1, 1);
  if (typeof sequence !== 'string' && !Array.isArray(sequence) && !ArrayBuffer.isView(sequence)) {
    throw new DataError('sequence', `expected a string, an array or a typed array, got ${describe(sequence)}`);
  }
  const symbols = Array.from(sequence as ArrayLike<unknown>);
  if (symbols.length <= windowLength) {
    throw new DataError('length', `a window of ${windowLength} symbols and its next symbol need ${windowLength + 1} symbols, but the sequence has ${symbols.length}`);
  }
  const count = Math.floor((symbols.length - windowLength - 1) / step) + 1;
  const windows = Array.from({ length: count }, (_, i) => symbols.slice(i * step, i * step + windowLength));
  const next = Array.from({ length: count }, (_, i) => symbols[i * step + windowLength]);
  return typeof sequence === 'string' ? { windows: windows.map((w) => w.join('')), next } : { windows, next };
}
