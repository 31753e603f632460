// Mini-batches: which samples go into which batch, pass after pass (epochs), in order or in
// a seeded shuffle. timeseriesWindows' lazy batches and batches() share this; each only
// says how to build one batch from a run of sample indices.
import { shapeSize, type Tensor, type TensorLike, toTensor } from '../tensor.js';
import { DEFAULT_SEED, Prng } from '../util/prng.js';
import { DataError } from './errors.js';
import { flag, integer, rowsOf, seedOption } from './validate.js';

/**
 * Options of {@link batches}.
 *
 * @example
 * ```ts
 * data.batches(x, y, { batchSize: 64, shuffle: true, seed: 3, dropRemainder: true });
 * ```
 */
export interface BatchOptions {
  /** Samples per batch (the last batch may be smaller unless dropRemainder). Default 32. */
  batchSize?: number;
  /** Visit samples in a fresh seeded random order on every pass. Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle (any safe integer). Default 0. */
  seed?: number;
  /** Skip a last batch smaller than batchSize. Default false. */
  dropRemainder?: boolean;
}

/**
 * One mini-batch as TF.js datasets yield it, the form fit() takes an iterable of; `ys` is absent when there are no targets.
 *
 * @example
 * ```ts
 * const [first]: data.Batch[] = [...data.batches(x, y, { batchSize: 32 })];
 * first.xs.shape;          // [32, …]
 * ```
 */
export interface Batch {
  /** The batch's inputs, [batchSize, …] (the last batch may be smaller). */
  xs: Tensor;
  /** The batch's targets, when there are any. */
  ys?: Tensor;
}

/** @internal The order and grouping of `count` samples into batches. */
export class BatchSchedule {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropRemainder: boolean;

  constructor(
    readonly count: number,
    options: BatchOptions,
    defaultBatchSize = 32,
  ) {
    this.batchSize = integer('batchSize', options.batchSize ?? defaultBatchSize, 1);
    this.shuffle = flag('shuffle', options.shuffle, false);
    this.seed = seedOption(options.seed, DEFAULT_SEED);
    this.dropRemainder = flag('dropRemainder', options.dropRemainder, false);
  }

  /** Batches per pass. */
  get length(): number {
    return this.dropRemainder ? Math.floor(this.count / this.batchSize) : Math.ceil(this.count / this.batchSize);
  }

  /**
   * The sample order of pass `pass` (0, 1, …): when shuffling, a permutation drawn from
   * `new Prng(seed).derive(pass)`, so every pass differs and each is reproducible; otherwise
   * null, meaning 0, 1, 2, … (no index array is allocated for the natural order).
   */
  order(pass: number): Uint32Array | null {
    return this.shuffle ? new Prng(this.seed).derive(pass).permutation(this.count) : null;
  }
}

/**
 * A re-iterable source of batches: every `for…of` is one pass over all samples (an epoch),
 * reshuffled when shuffling, so a training loop can simply iterate it once per epoch.
 *
 * @example
 * ```ts
 * const epochs: data.BatchIterable<data.Batch> = data.batches(x, y, { batchSize: 16, shuffle: true });
 * epochs.length;                           // batches per epoch
 * for (const batch of epochs) {}           // epoch 1; iterating again is epoch 2, reshuffled
 * ```
 */
export abstract class BatchIterable<B> implements Iterable<B> {
  private passes = 0;

  /** @internal made by batches() and timeseriesWindows(). */
  constructor(protected readonly schedule: BatchSchedule) {}

  /** Batches per pass. */
  get length(): number {
    return this.schedule.length;
  }

  /** Samples per pass, before dropRemainder. */
  get size(): number {
    return this.schedule.count;
  }

  /** Samples per batch (the last may be smaller unless dropRemainder). */
  get batchSize(): number {
    return this.schedule.batchSize;
  }

  /** One pass (epoch) over all samples, in a new seeded order when shuffling. */
  [Symbol.iterator](): Iterator<B> {
    return this.pass(this.schedule.order(this.passes++));
  }

  /** Builds the batch of samples order[from] … order[to − 1] (or from … to − 1 when order is null). */
  protected abstract batch(order: Uint32Array | null, from: number, to: number): B;

  private *pass(order: Uint32Array | null): Generator<B, void, undefined> {
    const { count, batchSize } = this.schedule;
    for (let b = 0; b < this.length; b++) {
      const from = b * batchSize;
      yield this.batch(order, from, Math.min(from + batchSize, count));
    }
  }
}

/** Rows order[from] … order[to − 1] of `t` (rows from … to − 1 when order is null), copied. */
export function gatherRows(t: Tensor, order: ArrayLike<number> | null, from: number, to: number): Tensor {
  const [, ...rowShape] = t.shape;
  const rowSize = shapeSize(rowShape);
  if (order === null) return { shape: [to - from, ...rowShape], data: t.data.slice(from * rowSize, to * rowSize) };
  const out = new Float32Array((to - from) * rowSize);
  const src = t.data;
  for (let i = from, o = 0; i < to; i++) {
    for (let s = order[i] * rowSize, end = s + rowSize; s < end; s++) out[o++] = src[s];
  }
  return { shape: [to - from, ...rowShape], data: out };
}

/** x (and y) with the same number of samples along axis 0, as tensors. */
export function pairedSamples(x: TensorLike, y: TensorLike | null | undefined): { x: Tensor; y: Tensor | undefined; count: number } {
  const xs = toTensor(x, 'x');
  const count = rowsOf(xs, 'x').rows;
  if (y === undefined || y === null) return { x: xs, y: undefined, count };
  const ys = toTensor(y, 'y');
  const yRows = rowsOf(ys, 'y').rows;
  if (yRows !== count) throw new DataError('y', `expected ${count} samples (as many as x), got ${yRows}`);
  return { x: xs, y: ys, count };
}

/**
 * The batches of batches(): rows of x and y gathered into fresh tensors.
 *
 * @example
 * ```ts
 * const batches: data.Batches = data.batches(x, y, { batchSize: 32 });
 * await model.fit(batches, { epochs: 5 });
 * ```
 */
export class Batches extends BatchIterable<Batch> {
  /** @internal made by batches(). */
  constructor(
    private readonly x: Tensor,
    private readonly y: Tensor | undefined,
    schedule: BatchSchedule,
  ) {
    super(schedule);
  }

  protected batch(order: Uint32Array | null, from: number, to: number): Batch {
    const xs = gatherRows(this.x, order, from, to);
    return this.y ? { xs, ys: gatherRows(this.y, order, from, to) } : { xs };
  }
}

/**
 * Mini-batches `{ xs, ys }` of (x, y) along axis 0, as a re-iterable that fit(), evaluate()
 * and predict() take: each `for…of` is one epoch, in a new seeded order when `shuffle` is set.
 * Batches are fresh copies, safe to keep. x and y must have the same number of samples (a
 * DataError otherwise); y may be omitted (batches without ys, for predict).
 *
 * @example
 * ```ts
 * for (const { xs, ys } of data.batches(x, y, { batchSize: 32, shuffle: true, seed: 1 })) {}
 * await model.fit(data.batches(x, y), { epochs: 5 });
 * ```
 */
export function batches(x: TensorLike, y?: TensorLike | null, options: BatchOptions = {}): Batches {
  const samples = pairedSamples(x, y);
  return new Batches(samples.x, samples.y, new BatchSchedule(samples.count, options));
}
