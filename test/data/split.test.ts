import { describe, expect, it } from 'vitest';
import { batches, DataError, shuffle, trainTestSplit } from '../../src/data/index.js';
import { toNested } from '../../src/tensor.js';
import { rng, testSeed } from '../util/random.js';

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
/** Samples whose x row is [i, 100 + i] and y is 1000 + i, so pairing is checkable. */
const samples = (n: number) => ({ x: range(n).map((i) => [i, 100 + i]), y: range(n, 1000) });
const ids = (x: { data: Float32Array; shape: readonly number[] }) => Array.from(x.data).filter((_, k) => k % x.shape[1] === 0);

describe('trainTestSplit', () => {
  it('without shuffling, train is the first samples and test the last', () => {
    const { x, y } = samples(10);
    const split = trainTestSplit(x, y, { testSize: 0.3, shuffle: false });
    expect(ids(split.xTrain)).toEqual(range(7));
    expect(ids(split.xTest)).toEqual([7, 8, 9]);
    expect(Array.from(split.yTest.data)).toEqual([1007, 1008, 1009]);
    expect(split.xTrain.shape).toEqual([7, 2]);
  });

  it('rounds a fraction up for the test part (as sklearn) and takes counts as they are', () => {
    const { x } = samples(10);
    expect(trainTestSplit(x, null, { testSize: 0.25 }).xTest.shape[0]).toBe(3);
    expect(trainTestSplit(x).xTest.shape[0]).toBe(3); // default 0.25
    expect(trainTestSplit(x, null, { testSize: 4 }).xTest.shape[0]).toBe(4);
    expect(trainTestSplit(x, null, { testSize: 1 }).xTest.shape[0]).toBe(1);
  });

  it('shuffled: x and y stay paired, parts are disjoint and cover every sample, same seed same split', () => {
    const seed = testSeed();
    const random = rng(seed);
    for (let trial = 0; trial < 30; trial++) {
      const n = 2 + Math.floor(random() * 60);
      const { x, y } = samples(n);
      const options = { testSize: 1 + Math.floor(random() * (n - 1)), seed: trial };
      const split = trainTestSplit(x, y, options);
      const context = `seed ${seed}, trial ${trial}`;
      const train = ids(split.xTrain);
      const test = ids(split.xTest);
      expect(test.length, context).toBe(options.testSize);
      expect([...train, ...test].sort((a, b) => a - b), context).toEqual(range(n));
      expect(Array.from(split.yTrain.data), context).toEqual(train.map((i) => 1000 + i));
      expect(Array.from(split.xTest.data).filter((_, k) => k % 2 === 1), context).toEqual(test.map((i) => 100 + i));
      expect(trainTestSplit(x, y, options), context).toEqual(split);
    }
  });

  it('rejects bad test sizes and mismatched x and y', () => {
    const { x, y } = samples(4);
    expect(() => trainTestSplit(x, y, { testSize: 0 })).toThrow(new DataError('testSize', 'expected a fraction in (0, 1) or a whole number of samples >= 1, got 0'));
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow('testSize: expected a fraction in (0, 1) or a whole number of samples >= 1, got 1.5');
    expect(() => trainTestSplit(x, y, { testSize: 4 })).toThrow('testSize: 4 of 4 samples leaves 0 for training; at least one train and one test sample are needed');
    expect(() => trainTestSplit(x, y.slice(1))).toThrow('y: expected 4 samples (as many as x), got 3');
    expect(() => trainTestSplit(x, y, { seed: 0.5 })).toThrow('seed: expected a safe integer, got 0.5');
  });
});

describe('shuffle', () => {
  it('permutes x and y together, reproducibly per seed, leaving the inputs alone', () => {
    const { x, y } = samples(20);
    const a = shuffle(x, y, { seed: 5 });
    expect(a).toEqual(shuffle(x, y, { seed: 5 }));
    expect(a).not.toEqual(shuffle(x, y, { seed: 6 }));
    const order = ids(a.x);
    expect([...order].sort((p, q) => p - q)).toEqual(range(20));
    expect(Array.from(a.y.data)).toEqual(order.map((i) => 1000 + i));
    expect(x[0]).toEqual([0, 100]);
    expect(shuffle(x).x.shape).toEqual([20, 2]);
  });
});

describe('batches', () => {
  it('cuts samples into batches in order, the last one shorter', () => {
    const { x, y } = samples(10);
    const it = batches(x, y, { batchSize: 4 });
    expect([it.length, it.size, it.batchSize]).toEqual([3, 10, 4]);
    const parts = [...it];
    expect(parts.map((b) => b.xs.shape)).toEqual([
      [4, 2],
      [4, 2],
      [2, 2],
    ]);
    expect(toNested(parts[2].xs)).toEqual([
      [8, 108],
      [9, 109],
    ]);
    expect(Array.from(parts[2].ys!.data)).toEqual([1008, 1009]);
  });

  it('defaults to batches of 32 and no y', () => {
    const parts = [...batches(range(70))];
    expect(parts.map((b) => b.xs.shape[0])).toEqual([32, 32, 6]);
    expect(parts[0].ys).toBeUndefined();
  });

  it('dropRemainder keeps only full batches', () => {
    expect([...batches(range(10), null, { batchSize: 4, dropRemainder: true })].map((b) => b.xs.shape[0])).toEqual([4, 4]);
  });

  it('shuffled: each pass is a new permutation, reproducible per seed, pairs intact', () => {
    const seed = testSeed();
    const { x, y } = samples(25);
    const it = batches(x, y, { batchSize: 6, shuffle: true, seed });
    const epoch = () => [...it].flatMap((b) => ids(b.xs));
    const first = epoch();
    const second = epoch();
    expect(first.slice().sort((a, b) => a - b), `seed ${seed}`).toEqual(range(25));
    expect(second.slice().sort((a, b) => a - b), `seed ${seed}`).toEqual(range(25));
    expect(second, `seed ${seed}`).not.toEqual(first);
    const replay = batches(x, y, { batchSize: 6, shuffle: true, seed });
    expect([...replay].flatMap((b) => ids(b.xs))).toEqual(first);
    for (const b of batches(x, y, { batchSize: 6, shuffle: true, seed })) expect(Array.from(b.ys!.data)).toEqual(ids(b.xs).map((i) => 1000 + i));
  });

  it('batches are copies, safe to keep and modify', () => {
    const data = Float32Array.from(range(8));
    const [first] = batches({ shape: [8], data }, null, { batchSize: 4 });
    first.xs.data[0] = 99;
    expect(data[0]).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => batches(range(4), null, { batchSize: 0 })).toThrow('batchSize: expected an integer >= 1, got 0');
    expect(() => batches(range(4), null, { shuffle: 'yes' as never })).toThrow('shuffle: expected true or false, got "yes"');
    expect(() => batches(range(4), range(3))).toThrow('y: expected 4 samples (as many as x), got 3');
  });
});
