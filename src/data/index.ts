/**
 * The `data` namespace: everything between raw series or text and the (x, y) tensors that
 * fit() takes. Topics: windows (time series, symbol sequences), vocabularies and one-hot
 * encoding, padding, scaling, splitting and batching, CSV. Tensors are plain
 * `{ shape, data: Float32Array }`, nested arrays are accepted anywhere, everything random is
 * seeded, and bad input throws a {@link DataError} naming the argument.
 *
 * @example
 * ```ts
 * import { data } from 'seqwasm';
 * const { x, y } = data.timeseriesWindows(series, { sequenceLength: 16, targetOffset: 16 });
 * const { xTrain, xTest, yTrain, yTest } = data.trainTestSplit(x, y!, { testSize: 0.2, seed: 7 });
 * ```
 *
 * @module
 */
export { DataError } from './errors.js';
export { timeseriesWindows, slidingWindows, WindowBatches } from './windows.js';
export type { TimeseriesOptions, TimeseriesSamples, SlidingWindowOptions } from './windows.js';
export { vocabulary, Vocabulary } from './vocabulary.js';
export type { VocabularyOptions, VocabularyJSON, TokenLevel } from './vocabulary.js';
export { oneHot, toCategorical } from './encoding.js';
export { padSequences, sequenceMask } from './padding.js';
export type { PadOptions, PadSide, PaddedSequences, SequenceInput } from './padding.js';
export { standardScaler, minMaxScaler, StandardScaler, MinMaxScaler } from './scalers.js';
export type { StandardScalerOptions, StandardScalerJSON, MinMaxScalerOptions, MinMaxScalerJSON } from './scalers.js';
export { trainTestSplit, shuffle } from './split.js';
export type { SplitOptions, Split, SplitXY } from './split.js';
export { batches, Batches, BatchIterable } from './batching.js';
export type { Batch, BatchOptions } from './batching.js';
export { parseCsv } from './csv.js';
export type { CsvOptions, CsvTable } from './csv.js';
