import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { shapeSize, tensor, toNested, toTensor } from '../../src/tensor.js';
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
