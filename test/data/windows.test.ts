import { describe, expect, it } from 'vitest';
import { DataError, slidingWindows, timeseriesWindows, WindowBatches } from '../../src/data/index.js';
import type { Batch, TimeseriesOptions } from '../../src/data/index.js';
import { type Tensor, toNested, toTensor } from '../../src/tensor.js';
import { rng, testSeed } from '../util/random.js';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
/** The windows of a [N, L, 1] x as plain arrays of L numbers. */
const windowsOf = (x: Tensor) => rows3(x).map((w) => w.map((step) => step[0]));
const rows2 = (t: Tensor) => toNested(t) as number[][];
const rows3 = (t: Tensor) => toNested(t) as number[][][];

/**
 * keras.utils.timeseries_dataset_from_array (Keras 3 source), transcribed over plain arrays
 * without batching or shuffling: rows[i] is step i, targets[i] the target of the window
 * starting at step i. One deviation: Keras bounds the window count by len(targets), which for
 * start_index > 0 indexes past targets[start:end] (an error in Keras); bounding by that
 * slice's length is what Keras computes whenever it succeeds.
 */
function kerasWindows(rows: number[][], targets: number[][] | null, L: number, stride: number, rate: number, start = 0, end = rows.length) {
  const steps = rows.slice(start, end);
  const targetSteps = targets?.slice(start, end);
  let numSeqs = end - start - (L - 1) * rate;
  if (targetSteps) numSeqs = Math.min(numSeqs, targetSteps.length);
  const x: number[][][] = [];
  const y: number[][] = [];
  for (let p = 0; p < numSeqs; p += stride) {
    x.push(range(L).map((j) => steps[p + j * rate]));
    if (targetSteps) y.push(targetSteps[p]);
  }
  return { x, y };
}

describe('timeseriesWindows: the Keras docstring examples', () => {
  it('example 1: indices 0…98, sequence_length 10, sampling_rate 2, sequence_stride 3', () => {
    const { x, y } = timeseriesWindows(range(99), { sequenceLength: 10, samplingRate: 2, sequenceStride: 3 });
    expect(y).toBeUndefined();
    expect(x.shape).toEqual([27, 10, 1]);
    const windows = windowsOf(x);
    expect(windows[0]).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(windows[1]).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
    expect(windows[2]).toEqual([6, 8, 10, 12, 14, 16, 18, 20, 22, 24]);
    expect(windows[26]).toEqual([78, 80, 82, 84, 86, 88, 90, 92, 94, 96]);
  });

  it('example 2: input_data = data[:-10], targets = data[10:], sequence_length 10', () => {
    const data = range(30, 100);
    const { x, y } = timeseriesWindows(data.slice(0, -10), { sequenceLength: 10, targets: data.slice(10) });
    // len(input_data) = 20 → 20 − 10 + 1 = 11 windows, starting at 0 … 10.
    expect(x.shape).toEqual([11, 10, 1]);
    expect(windowsOf(x)[0]).toEqual(data.slice(0, 10)); // first sequence: steps 0–9
    expect(y!.shape).toEqual([11]);
    expect(Array.from(y!.data)).toEqual([110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120]); // target of window i: data[i + 10]
    expect(windowsOf(x)[10]).toEqual(data.slice(10, 20));
  });

  it('example 3: many-to-many, X = arange(100), Y = 2X, non-overlapping samples of 20', () => {
    const X = range(100);
    const Y = X.map((v) => 2 * v);
    const inputs = timeseriesWindows(X, { sequenceLength: 20, sequenceStride: 20 }).x;
    const targets = timeseriesWindows(Y, { sequenceLength: 20, sequenceStride: 20 }).x;
    expect(inputs.shape).toEqual([5, 20, 1]);
    expect(windowsOf(inputs)[0]).toEqual(X.slice(0, 20));
    expect(windowsOf(targets)[1]).toEqual(Y.slice(20, 40));
  });

  it('targetOffset d is Keras with targets = series[d:]: example 2 without cutting the data', () => {
    const data = range(30, 100);
    const { x, y } = timeseriesWindows(data, { sequenceLength: 10, targetOffset: 10 });
    // Every window whose target exists: starts 0 … 19 (Keras with data[:-10] stops at 10).
    expect(x.shape).toEqual([20, 10, 1]);
    expect(Array.from(y!.data)).toEqual(range(20, 110));
    expect(windowsOf(x)[19]).toEqual(data.slice(19, 29));
  });

  it("Deep Learning with Python's weather setup: data[:-delay], targets[delay:], sampling_rate", () => {
    // The book uses sampling_rate 6, sequence_length 120, delay = 6·(120 + 24 − 1); scaled down here.
    const [rate, L] = [2, 3];
    const delay = rate * (L + 2 - 1);
    const series = range(30);
    const keras = timeseriesWindows(series.slice(0, -delay), { sequenceLength: L, samplingRate: rate, targets: series.slice(delay) });
    expect(keras.x.shape).toEqual([18, 3, 1]);
    expect(windowsOf(keras.x)[17]).toEqual([17, 19, 21]);
    expect(Array.from(keras.y!.data)).toEqual(range(18, delay));
    // The same targets by offset, plus the windows the cut data could not hold.
    const byOffset = timeseriesWindows(series, { sequenceLength: L, samplingRate: rate, targetOffset: delay });
    expect(byOffset.x.shape).toEqual([22, 3, 1]);
    expect(byOffset.x.data.subarray(0, 18 * 3)).toEqual(keras.x.data);
    expect(byOffset.y!.data.subarray(0, 18)).toEqual(keras.y!.data);
  });
});

describe('timeseriesWindows: hand-worked cases', () => {
  it('one-step and multi-step horizons continue the window on its sampling grid', () => {
    const next = timeseriesWindows(range(10), { sequenceLength: 3, horizon: 1 });
    expect(next.y!.shape).toEqual([7, 1]);
    expect(toNested(next.y!)).toEqual(range(7, 3).map((v) => [v]));
    const two = timeseriesWindows(range(10), { sequenceLength: 3, horizon: 2 });
    expect(two.x.shape).toEqual([6, 3, 1]);
    expect(windowsOf(two.x)[5]).toEqual([5, 6, 7]);
    expect(toNested(two.y!)).toEqual(range(6).map((s) => [s + 3, s + 4]));
    const sampled = timeseriesWindows(range(20), { sequenceLength: 3, samplingRate: 2, horizon: 2 });
    expect(sampled.x.shape).toEqual([12, 3, 1]);
    expect(windowsOf(sampled.x)[0]).toEqual([0, 2, 4]);
    expect(rows2(sampled.y!)[0]).toEqual([6, 8]);
    expect(rows2(sampled.y!)[11]).toEqual([17, 19]);
  });

  it('multivariate series: features stay together, targetColumns picks target features', () => {
    const series = range(6).map((t) => [t, 10 + t, 20 + t]); // [6, 3]
    const all = timeseriesWindows(series, { sequenceLength: 2, targetOffset: 2 });
    expect(all.x.shape).toEqual([4, 2, 3]);
    expect(rows3(all.x)[1]).toEqual([
      [1, 11, 21],
      [2, 12, 22],
    ]);
    expect(all.y!.shape).toEqual([4, 3]);
    expect(rows2(all.y!)[1]).toEqual([3, 13, 23]);
    const one = timeseriesWindows({ shape: [6, 3], data: Float32Array.from(series.flat()) }, { sequenceLength: 2, targetOffset: 2, targetColumns: 1 });
    expect(one.y!.shape).toEqual([4]);
    expect(Array.from(one.y!.data)).toEqual([12, 13, 14, 15]);
    const two = timeseriesWindows(series, { sequenceLength: 2, horizon: 2, targetColumns: [2, 0] });
    expect(two.y!.shape).toEqual([3, 2, 2]);
    expect(rows3(two.y!)[0]).toEqual([
      [22, 2],
      [23, 3],
    ]);
  });

  it('startIndex and endIndex bound the steps windows use (endIndex exclusive)', () => {
    const { x, y } = timeseriesWindows(range(20), { sequenceLength: 3, sequenceStride: 2, startIndex: 5, endIndex: 12, targets: range(20, 100) });
    expect(windowsOf(x)).toEqual([
      [5, 6, 7],
      [7, 8, 9],
      [9, 10, 11],
    ]);
    expect(Array.from(y!.data)).toEqual([105, 107, 109]);
  });

  it('accepts nested arrays, typed arrays and { shape, data } alike', () => {
    const a = timeseriesWindows(Float64Array.from(range(8)), { sequenceLength: 4, targetOffset: 4 });
    const b = timeseriesWindows(range(8), { sequenceLength: 4, targetOffset: 4 });
    const c = timeseriesWindows({ shape: [8], data: range(8) }, { sequenceLength: 4, targetOffset: 4 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const d = timeseriesWindows({ shape: [8, 1], data: range(8) }, { sequenceLength: 4, targetOffset: 4 });
    expect(d.x).toEqual(a.x);
    expect(d.y!.shape).toEqual([4, 1]); // a [T, 1] series keeps its feature axis in y
  });

  it('shuffles windows (with their targets) reproducibly per seed', () => {
    const plain = timeseriesWindows(range(40), { sequenceLength: 5, targetOffset: 5 });
    const shuffled = timeseriesWindows(range(40), { sequenceLength: 5, targetOffset: 5, shuffle: true, seed: 11 });
    expect(shuffled).toEqual(timeseriesWindows(range(40), { sequenceLength: 5, targetOffset: 5, shuffle: true, seed: 11 }));
    expect(shuffled.x.data).not.toEqual(plain.x.data);
    const firsts = windowsOf(shuffled.x).map((w) => w[0]);
    expect([...firsts].sort((p, q) => p - q)).toEqual(range(35));
    expect(Array.from(shuffled.y!.data)).toEqual(firsts.map((s) => s + 5));
  });
});

describe('timeseriesWindows: lazy batches', () => {
  const options = { sequenceLength: 4, sequenceStride: 2, targetOffset: 4 } satisfies TimeseriesOptions;
  const concat = (parts: Batch[], key: 'xs' | 'ys') => Float32Array.from(parts.flatMap((b) => Array.from(b[key]!.data)));

  it('batches hold exactly the eager windows, in order, batchSize at a time', () => {
    const eager = timeseriesWindows(range(50), options);
    const lazy = timeseriesWindows(range(50), { ...options, batchSize: 7 });
    expect(lazy).toBeInstanceOf(WindowBatches);
    expect([lazy.size, lazy.length, lazy.batchSize]).toEqual([23, 4, 7]);
    expect(lazy.windowShape).toEqual([4, 1]);
    expect(lazy.targetShape).toEqual([]);
    const parts = [...lazy];
    expect(parts.map((b) => b.xs.shape)).toEqual([
      [7, 4, 1],
      [7, 4, 1],
      [7, 4, 1],
      [2, 4, 1],
    ]);
    expect(concat(parts, 'xs')).toEqual(eager.x.data);
    expect(concat(parts, 'ys')).toEqual(eager.y!.data);
  });

  it('dropRemainder skips the short last batch', () => {
    const lazy = timeseriesWindows(range(50), { ...options, batchSize: 7, dropRemainder: true });
    expect(lazy.length).toBe(3);
    expect([...lazy].map((b) => b.xs.shape[0])).toEqual([7, 7, 7]);
  });

  it('each pass reshuffles; the first pass is the eager shuffled order', () => {
    const lazy = timeseriesWindows(range(50), { ...options, batchSize: 5, shuffle: true, seed: 3 });
    const first = [...lazy];
    const second = [...lazy];
    const eager = timeseriesWindows(range(50), { ...options, shuffle: true, seed: 3 });
    expect(concat(first, 'xs')).toEqual(eager.x.data);
    expect(concat(second, 'xs')).not.toEqual(concat(first, 'xs'));
    expect(concat(second, 'ys').sort()).toEqual(concat(first, 'ys').sort());
    const again = timeseriesWindows(range(50), { ...options, batchSize: 5, shuffle: true, seed: 3 });
    [...again];
    expect(concat([...again], 'xs')).toEqual(concat(second, 'xs'));
  });

  it('never builds the whole window tensor: 10^7 overlapping windows of 100 steps', () => {
    // Eagerly this would be 4 GB; lazily only the batches drawn exist.
    const series = new Float32Array(1e7);
    const lazy = timeseriesWindows(series, { sequenceLength: 100, horizon: 1, batchSize: 64 });
    expect(lazy.size).toBe(1e7 - 100);
    const iterator = lazy[Symbol.iterator]();
    const batch = iterator.next().value as Batch;
    expect(batch.xs.data.length).toBe(64 * 100);
    expect(batch.ys!.shape).toEqual([64, 1]);
  });
});

describe('timeseriesWindows: against a transcription of the Keras source', () => {
  it('matches on random series, strides, rates, bounds and targets', () => {
    const seed = testSeed();
    const random = rng(seed);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    let checked = 0;
    for (let trial = 0; checked < 300 && trial < 3000; trial++) {
      const T = int(1, 60);
      const features = int(0, 3); // 0: a 1-D series
      const rows = range(T).map((t) => range(Math.max(features, 1)).map((f) => t * 4 + f));
      const L = int(1, 8);
      const stride = int(1, 5);
      const rate = int(1, 4);
      const start = int(0, T - 1);
      const end = int(start + 1, T);
      const mode = (['none', 'targets', 'targetOffset', 'horizon'] as const)[int(0, 3)];
      const offset = int(0, 12);
      const horizon = int(1, 3);
      const columns = features > 1 && random() < 0.5 ? [int(0, features - 1)] : undefined;

      let targets: number[][] | null = null;
      if (mode === 'targets') targets = range(T).map((t) => [1000 + t]);
      if (mode === 'targetOffset') targets = rows.slice(offset);
      if (mode === 'horizon') targets = range(Math.max(0, T - (L + horizon - 1) * rate)).map((i) => range(horizon).flatMap((j) => rows[i + (L + j) * rate]));
      const expected = kerasWindows(rows, targets, L, stride, rate, start, end);

      const series = features === 0 ? rows.map((r) => r[0]) : rows;
      const options: TimeseriesOptions & { batchSize?: undefined } = { sequenceLength: L, sequenceStride: stride, samplingRate: rate, startIndex: start, endIndex: end };
      if (mode === 'targets') options.targets = targets!;
      if (mode === 'targetOffset') options.targetOffset = offset;
      if (mode === 'horizon') options.horizon = horizon;
      const context = `seed ${seed}, trial ${trial}: T ${T}, F ${features}, L ${L}, stride ${stride}, rate ${rate}, [${start}, ${end}), ${mode}`;
      if (expected.x.length === 0) {
        expect(() => timeseriesWindows(series, options), context).toThrow(DataError);
        continue;
      }
      const { x, y } = timeseriesWindows(series, options);
      expect(x.shape, context).toEqual([expected.x.length, L, Math.max(features, 1)]);
      expect(Array.from(x.data), context).toEqual(expected.x.flat(2));
      if (mode === 'none') expect(y, context).toBeUndefined();
      else expect(Array.from(y!.data), context).toEqual(expected.y.flat());

      if (columns && (mode === 'targetOffset' || mode === 'horizon')) {
        const picked = timeseriesWindows(series, { ...options, targetColumns: columns });
        const width = Math.max(features, 1);
        expect(Array.from(picked.y!.data), context).toEqual(expected.y.flat().filter((_, i) => i % width === columns[0]));
      }
      checked++;
    }
    expect(checked, `seed ${seed}`).toBe(300);
  });

  it('shuffled, every window appears exactly once with its own target', () => {
    const seed = testSeed();
    const random = rng(seed);
    for (let trial = 0; trial < 50; trial++) {
      const T = 20 + Math.floor(random() * 100);
      const L = 1 + Math.floor(random() * 6);
      const stride = 1 + Math.floor(random() * 3);
      const batchSize = 1 + Math.floor(random() * 9);
      const options = { sequenceLength: L, sequenceStride: stride, targetOffset: L, shuffle: true, seed: trial };
      const seen = new Set<number>();
      for (const { xs: x, ys: y } of timeseriesWindows(range(T), { ...options, batchSize })) {
        for (let k = 0; k < x.shape[0]; k++) {
          const start = x.data[k * L];
          expect(seen.has(start), `seed ${seed}, trial ${trial}`).toBe(false);
          seen.add(start);
          expect(Array.from(x.data.subarray(k * L, (k + 1) * L))).toEqual(range(L, start));
          expect(y!.data[k]).toBe(start + L);
        }
      }
      expect([...seen].sort((a, b) => a - b), `seed ${seed}, trial ${trial}`).toEqual(range(Math.floor((T - L - 1) / stride) + 1).map((k) => k * stride));
    }
  });
});

describe('timeseriesWindows: errors name the argument and the values', () => {
  const series = range(10);
  const fails = (options: Partial<TimeseriesOptions>, message: string, input: unknown = series) =>
    expect(() => timeseriesWindows(input as number[], { sequenceLength: 3, ...options })).toThrow(message);

  it('rejects bad lengths, strides and rates', () => {
    fails({ sequenceLength: 0 }, 'sequenceLength: expected an integer >= 1, got 0');
    fails({ sequenceLength: 2.5 }, 'sequenceLength: expected an integer >= 1, got 2.5');
    fails({ sequenceStride: 0 }, 'sequenceStride: expected an integer >= 1, got 0');
    fails({ sequenceStride: -2 }, 'sequenceStride: expected an integer >= 1, got -2');
    fails({ samplingRate: 1.5 }, 'samplingRate: expected an integer >= 1, got 1.5');
    fails({ samplingRate: NaN }, 'samplingRate: expected an integer >= 1, got NaN');
    fails({ batchSize: 0 }, 'batchSize: expected an integer >= 1, got 0');
    fails({ dropRemainder: true }, 'dropRemainder: only applies with batchSize');
  });

  it('rejects windows longer than the series or than startIndex…endIndex', () => {
    fails({ sequenceLength: 11 }, 'sequenceLength: a window of 11 steps at samplingRate 1 spans 11 series steps, more than the 10 from startIndex 0 to endIndex 10');
    fails({ sequenceLength: 4, samplingRate: 4 }, 'sequenceLength: a window of 4 steps at samplingRate 4 spans 13 series steps');
    expect(() => timeseriesWindows(series, { sequenceLength: 4, samplingRate: 3 })).not.toThrow();
    fails({ startIndex: 5, endIndex: 7 }, 'more than the 2 from startIndex 5 to endIndex 7');
    fails({ horizon: 8 }, 'horizon: the first window starts at step 0 and its target would be at step 10, past the series\' last step 9');
    fails({ targetOffset: 10 }, 'targetOffset: the first window starts at step 0 and its target would be at step 10');
    fails({ startIndex: 10 }, 'startIndex: expected an integer in [0, 9], got 10');
    fails({ startIndex: 4, endIndex: 4 }, 'endIndex: expected an integer in [5, 10], got 4');
    fails({ endIndex: 11 }, 'endIndex: expected an integer in [1, 10], got 11');
    fails({}, 'series: is empty', []);
    fails({}, 'series: expected at least one dimension (samples first), got a scalar', 5);
  });

  it('rejects mismatched or conflicting targets', () => {
    fails({ targets: range(9) }, 'targets: expected 10 rows, one per series step (targets[i] is the target of the window starting at step i), got 9');
    fails({ targets: range(10), horizon: 1 }, 'targets, horizon: give at most one of targets, targetOffset and horizon');
    fails({ targetColumns: 0 }, 'targetColumns: only applies with targetOffset or horizon');
    fails({ targetOffset: -1 }, 'targetOffset: expected an integer >= 0, got -1');
    fails({ horizon: 0 }, 'horizon: expected an integer >= 1, got 0');
    fails({ targetOffset: 3, targetColumns: 1 }, 'targetColumns: expected an integer in [0, 0], got 1');
    fails({ targetOffset: 3, targetColumns: [] }, 'targetColumns: expected a column index or a non-empty array of them');
  });

  it('reports the first NaN or Infinity when checkFinite is set', () => {
    const rows = range(10).map((t) => [t, t]);
    rows[6][1] = NaN;
    expect(() => timeseriesWindows(rows, { sequenceLength: 3 })).not.toThrow();
    expect(() => timeseriesWindows(rows, { sequenceLength: 3, checkFinite: true })).toThrow(new DataError('series[6][1]', 'NaN is not a finite number (checkFinite)'));
    const targets = range(10);
    targets[2] = Infinity;
    expect(() => timeseriesWindows(series, { sequenceLength: 3, targets, checkFinite: true })).toThrow('targets[2]: Infinity is not a finite number (checkFinite)');
  });

  it('throws DataError instances', () => {
    expect(() => timeseriesWindows(series, { sequenceLength: 0 })).toThrow(DataError);
  });
});

describe('slidingWindows', () => {
  it('cuts the alphabet into (window, next letter) pairs as the alphabet lesson', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const one = slidingWindows(alphabet, 1);
    expect(one.windows.length).toBe(25);
    expect([one.windows[0], one.next[0], one.windows[24], one.next[24]]).toEqual(['A', 'B', 'Y', 'Z']);
    const three = slidingWindows(alphabet, 3);
    expect([three.windows[0], three.next[0], three.windows.length]).toEqual(['ABC', 'D', 23]);
  });

  it("steps like the text-generation lesson's range(0, len(text) - maxlen, step)", () => {
    const text = 'the quick brown fox';
    const { windows, next } = slidingWindows(text, 5, { step: 3 });
    const expected = range(Math.ceil((text.length - 5) / 3)).map((k) => k * 3);
    expect(windows).toEqual(expected.map((i) => text.slice(i, i + 5)));
    expect(next).toEqual(expected.map((i) => text[i + 5]));
  });

  it('splits strings by code point', () => {
    expect(slidingWindows('a😀bc', 2)).toEqual({ windows: ['a😀', '😀b'], next: ['b', 'c'] });
  });

  it('gives the same kind of value, plain arrays, for strings, numbers (e.g. token indices) and other symbols', () => {
    const ids = slidingWindows(Int32Array.of(4, 5, 6, 7, 8), 2, { step: 2 });
    expect(ids).toEqual({ windows: [[4, 5], [6, 7]], next: [6, 8] });
    expect(toTensor(ids.windows)).toEqual({ shape: [2, 2], data: Float32Array.of(4, 5, 6, 7) });
    expect(slidingWindows([1, 2, 3], 2)).toEqual({ windows: [[1, 2]], next: [3] });
    const letters = slidingWindows('abc', 2);
    expect([Array.isArray(letters.windows), Array.isArray(letters.next), letters.windows.length, letters.next.length]).toEqual([true, true, 1, 1]);
    const words = slidingWindows(['to', 'be', 'or', 'not'], 2);
    expect(words).toEqual({
      windows: [
        ['to', 'be'],
        ['be', 'or'],
      ],
      next: ['or', 'not'],
    });
  });

  it('rejects a window without a next symbol and bad steps', () => {
    expect(() => slidingWindows('abc', 3)).toThrow(new DataError('length', 'a window of 3 symbols and its next symbol need 4 symbols, but the sequence has 3'));
    expect(() => slidingWindows('abc', 0)).toThrow('length: expected an integer >= 1, got 0');
    expect(() => slidingWindows('abcd', 1, { step: 0 })).toThrow('step: expected an integer >= 1, got 0');
    expect(() => slidingWindows(12345 as never, 1)).toThrow(new DataError('sequence', 'expected a string, an array or a typed array, got 12345'));
  });
});
