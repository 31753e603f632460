import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { argMax, concat, reshape, shapeSize, slice, take, tensor, toNested, toTensor } from '../../src/tensor.js';
import { rng, testSeed } from '../util/random.js';

describe('tensor()', () => {
  it('wraps a Float32Array without copying and freezes a copy of the shape', () => {
    const data = new Float32Array(6);
    const shape = [2, 3];
    const t = tensor(data, shape);
    expect(t.data).toBe(data);
    expect(t.shape).toEqual([2, 3]);
    expect(t.shape).not.toBe(shape);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it('copies other numeric arrays to float32 and defaults to a 1-D shape', () => {
    const t = tensor([0.1, 2, 3]);
    expect(t.shape).toEqual([3]);
    expect(Array.from(t.data)).toEqual([Math.fround(0.1), 2, 3]);
  });

  it('rejects a shape whose size differs from the data, or bad dimensions', () => {
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(new DataError('tensor', 'shape [2, 3] holds 6 values, but data has 5'));
    expect(() => tensor([1, 2], [2.5] as number[])).toThrow(/tensor\.shape: expected an array of integers >= 0, got \[2\.5\]/);
    expect(() => tensor([], [-1, 0])).toThrow(DataError);
    expect(() => toTensor({ shape: [3], data: 'abc' } as never, 'x')).toThrow('x.data: expected a typed array or an array of numbers, got "abc"');
  });
});

describe('toTensor()', () => {
  it('converts nested arrays of any rank, scalars and typed-array rows', () => {
    expect(toTensor(7)).toEqual({ shape: [], data: Float32Array.of(7) });
    expect(toTensor([1, 2, 3])).toEqual({ shape: [3], data: Float32Array.of(1, 2, 3) });
    const t = toTensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
    expect(t.shape).toEqual([2, 3, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(toTensor([Float64Array.of(1, 2), Int32Array.of(3, 4)])).toEqual({ shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    expect(toTensor(Int8Array.of(-1, 5)).data).toEqual(Float32Array.of(-1, 5));
  });

  it('keeps empty dimensions', () => {
    expect(toTensor([]).shape).toEqual([0]);
    expect(toTensor([[], []]).shape).toEqual([2, 0]);
  });

  it('accepts { shape, data } with any numeric data, sharing a Float32Array', () => {
    const data = Float32Array.of(1, 2, 3, 4);
    expect(toTensor({ shape: [2, 2], data }).data).toBe(data);
    expect(toTensor({ shape: [4], data: [1, 2, 3, 4] }).data).toEqual(data);
    expect(() => toTensor({ shape: [3], data }, 'x')).toThrow('x: shape [3] holds 3 values, but data has 4');
  });

  it('names the path of the first ragged or non-numeric element', () => {
    expect(() => toTensor([[1, 2], [3]], 'x')).toThrow(new DataError('x[1]', 'expected an array of length 2 (like x[0]), got an array of length 1'));
    expect(() =>
      toTensor(
        [
          [[1], [2]],
          [[3], [4, 5]],
        ],
        'x',
      ),
    ).toThrow('x[1][1]: expected an array of length 1 (like x[0][0]), got an array of length 2');
    expect(() => toTensor([[1, 2], [3, '4']] as never, 'x')).toThrow('x[1][1]: expected a number, got "4"');
    expect(() => toTensor([1, [2]] as never, 'y')).toThrow('y[1]: expected a number, got an array of length 1');
    expect(() => toTensor([[1], 2] as never, 'y')).toThrow('y[1]: expected an array of length 1 (like y[0]), got 2');
    expect(() => toTensor('abc' as never, 'z')).toThrow('z: expected a number, nested arrays or { shape, data }, got "abc"');
    expect(() => toTensor([BigInt64Array.of(1n)] as never, 'z')).toThrow('z[0]: expected a number, got a BigInt64Array');
  });

  it('round-trips random nested arrays through toNested()', () => {
    const seed = testSeed();
    const random = rng(seed);
    for (let trial = 0; trial < 50; trial++) {
      const shape = Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * 4));
      const t = toTensor({ shape, data: Float32Array.from({ length: shapeSize(shape) }, () => random()) });
      const back = toTensor(toNested(t));
      expect(back.data, `seed ${seed}, shape [${shape}]`).toEqual(t.data);
      expect(back.shape, `seed ${seed}, shape [${shape}]`).toEqual(expressibleShape(shape));
    }
  });
});

/** Nested arrays cannot express dimensions after an empty one: [2, 0, 3] is [[], []], shape [2, 0]. */
function expressibleShape(shape: readonly number[]): readonly number[] {
  return shape.includes(0) ? shape.slice(0, shape.indexOf(0) + 1) : shape;
}

describe('tensor helpers: argMax, slice, take, concat, reshape', () => {
  const random = rng(testSeed() ^ 0x7e45);
  /** A random [rows, ...rest] tensor of small integers (ties happen), and its nested form. */
  const randomTensor = (shape: number[]) => tensor(Array.from({ length: shapeSize(shape) }, () => Math.floor(random() * 5)), shape);

  it('argMax: the index of the largest value along the last axis, the first on ties, NaN wins (as NumPy)', () => {
    for (const shape of [[1, 1], [3, 17], [2, 3, 4], [129]]) {
      const t = randomTensor(shape);
      const rows = toNested(t) as number[][] | number[];
      const expected = (row: number[]) => row.indexOf(Math.max(...row));
      const byRow = (value: unknown): unknown => (Array.isArray(value) && typeof value[0] === 'number' ? expected(value as number[]) : (value as unknown[]).map(byRow));
      expect(toNested(argMax(t))).toEqual(byRow(rows));
      expect(argMax(t).shape).toEqual(shape.slice(0, -1));
    }
    expect(toNested(argMax([[1, NaN, 3], [2, 2, 1], [NaN, 5, 9]]))).toEqual([1, 0, 0]);
    expect(() => argMax(3)).toThrow(new DataError('x', 'expected at least one axis, got a scalar'));
    expect(() => argMax({ shape: [2, 0], data: [] }, 'probs')).toThrow(new DataError('probs', 'the last axis is empty (shape [2, 0])'));
  });

  it('slice: rows start … end − 1 like Array.prototype.slice, copied', () => {
    const t = randomTensor([7, 3]);
    const rows = toNested(t) as number[][];
    for (const [start, end] of [[0, 7], [2, 5], [-3, undefined], [5, 2], [-10, 3], [4, 100], [0, -1]] as [number, number | undefined][]) {
      const part = slice(t, start, end);
      expect(toNested(part), `slice(${start}, ${end})`).toEqual(rows.slice(start, end).length ? rows.slice(start, end) : []);
      expect(part.shape).toEqual([rows.slice(start, end).length, 3]);
    }
    const copy = slice(t, 0, 1);
    copy.data[0] = 99;
    expect(t.data[0]).not.toBe(99);
    expect(() => slice(t, 1.5)).toThrow(new DataError('start', 'expected an integer, got 1.5'));
    expect(() => slice(5, 0)).toThrow(new DataError('x', 'expected at least one axis (rows), got a scalar'));
  });

  it('take: rows at the indices, in that order', () => {
    const t = randomTensor([5, 2, 3]);
    const rows = toNested(t) as number[][][];
    expect(toNested(take(t, [4, 0, 4]))).toEqual([rows[4], rows[0], rows[4]]);
    expect(take(t, []).shape).toEqual([0, 2, 3]);
    expect(() => take(t, [0, 5])).toThrow(new DataError('indices[1]', 'expected a row index, an integer in [0, 5), got 5'));
    expect(() => take(t, 2 as never)).toThrow(new DataError('indices', 'expected an array of row indices, got 2'));
  });

  it('concat: along the samples axis or the last axis', () => {
    const a = randomTensor([2, 3, 2]);
    const b = randomTensor([1, 3, 2]);
    expect(toNested(concat([a, b]))).toEqual([...(toNested(a) as number[][][]), ...(toNested(b) as number[][][])]);
    const c = randomTensor([2, 3, 4]);
    const joined = toNested(concat([a, c], -1)) as number[][][];
    const [na, nc] = [toNested(a) as number[][][], toNested(c) as number[][][]];
    expect(joined).toEqual(na.map((rows, i) => rows.map((row, j) => [...row, ...nc[i][j]])));
    expect(toNested(concat([[1, 2], [3]]))).toEqual([1, 2, 3]);
    expect(() => concat([a, c])).toThrow(new DataError('tensors[1]', 'expected shape [*, 3, 2] (like tensors[0]) to join along axis 0, got [2, 3, 4]'));
    expect(() => concat([])).toThrow(new DataError('tensors', 'expected a non-empty array of tensors, got an array of length 0'));
    expect(() => concat([a], 1 as never)).toThrow(new DataError('axis', 'expected 0 (samples) or -1 (the last axis), got 1'));
  });

  it('reshape: the same values in a new shape, one dimension inferred', () => {
    const t = randomTensor([4, 6]);
    expect(reshape(t, [2, -1, 3])).toEqual({ shape: [2, 4, 3], data: t.data });
    expect(reshape(t, [24]).data).toBe(t.data);
    expect(() => reshape(t, [5, -1])).toThrow(new DataError('shape', '[5, -1] cannot hold the 24 values of x (shape [4, 6])'));
    expect(() => reshape(t, [-1, -1])).toThrow(/shape: expected integers >= 0 with at most one -1/);
  });
});
