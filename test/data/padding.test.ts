import { describe, expect, it } from 'vitest';
import { DataError, padSequences, sequenceMask } from '../../src/data/index.js';
import { toNested } from '../../src/tensor.js';
import { rng, testSeed } from '../util/random.js';

const matrix = (x: { shape: readonly number[]; data: ArrayLike<number> }) => toNested({ shape: x.shape, data: Float32Array.from(x.data) });

describe('padSequences: the Keras docstring examples', () => {
  const sequence = [[1], [2, 3], [4, 5, 6]];

  it('pad_sequences(sequence)', () => {
    expect(matrix(padSequences(sequence).x)).toEqual([
      [0, 0, 1],
      [0, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('pad_sequences(sequence, value=-1)', () => {
    expect(matrix(padSequences(sequence, { value: -1 }).x)).toEqual([
      [-1, -1, 1],
      [-1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("pad_sequences(sequence, padding='post')", () => {
    expect(matrix(padSequences(sequence, { padding: 'post' }).x)).toEqual([
      [1, 0, 0],
      [2, 3, 0],
      [4, 5, 6],
    ]);
  });

  it('pad_sequences(sequence, maxlen=2)', () => {
    expect(matrix(padSequences(sequence, { maxlen: 2 }).x)).toEqual([
      [0, 1],
      [2, 3],
      [5, 6],
    ]);
  });
});

describe('padSequences', () => {
  it("truncating 'post' keeps the first maxlen steps", () => {
    const { x, lengths } = padSequences([[1, 2, 3, 4], [5]], { maxlen: 2, truncating: 'post', padding: 'post' });
    expect(matrix(x)).toEqual([
      [1, 2],
      [5, 0],
    ]);
    expect(Array.from(lengths)).toEqual([2, 1]);
  });

  it('returns the real length of every sample for masking', () => {
    const { lengths } = padSequences([[1], [], [2, 3, 4, 5]], { maxlen: 3 });
    expect(lengths).toEqual(Int32Array.of(1, 0, 3));
  });

  it("dtype 'int32' gives exact Int32Array values; 'float32' (default) a Tensor", () => {
    const big = 2 ** 30 + 1; // not representable in float32
    const ints = padSequences([[big], Int32Array.of(7, 8)], { dtype: 'int32' });
    expect(ints.x.data).toBeInstanceOf(Int32Array);
    expect(Array.from(ints.x.data)).toEqual([0, big, 7, 8]);
    expect(padSequences([[1.5]]).x.data).toBeInstanceOf(Float32Array);
  });

  it('pads sequences of feature vectors on the step axis', () => {
    const { x, lengths } = padSequences(
      [
        [
          [1, 2],
          [3, 4],
        ],
        [[5, 6]],
        [],
      ],
      { padding: 'post' },
    );
    expect(x.shape).toEqual([3, 2, 2]);
    expect(matrix(x)).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [0, 0],
      ],
      [
        [0, 0],
        [0, 0],
      ],
    ]);
    expect(Array.from(lengths)).toEqual([2, 1, 0]);
  });

  it('handles empty input and all-empty sequences', () => {
    expect(padSequences([]).x.shape).toEqual([0, 0]);
    expect(padSequences([[], []]).x.shape).toEqual([2, 0]);
    expect(padSequences([[], []], { maxlen: 2, value: 9 }).x.data).toEqual(Float32Array.of(9, 9, 9, 9));
  });

  it('matches a direct implementation of the Keras rules on random inputs', () => {
    const seed = testSeed();
    const random = rng(seed);
    for (let trial = 0; trial < 200; trial++) {
      const seqs = Array.from({ length: Math.floor(random() * 6) }, () => Array.from({ length: Math.floor(random() * 7) }, () => Math.floor(random() * 100)));
      const maxlen = random() < 0.5 ? undefined : 1 + Math.floor(random() * 6);
      const padding = random() < 0.5 ? 'pre' : 'post';
      const truncating = random() < 0.5 ? 'pre' : 'post';
      const width = maxlen ?? Math.max(0, ...seqs.map((s) => s.length));
      const expected = seqs.map((s) => {
        const kept = truncating === 'pre' ? s.slice(Math.max(0, s.length - width)) : s.slice(0, width);
        const pad = Array<number>(width - kept.length).fill(-7);
        return padding === 'pre' ? [...pad, ...kept] : [...kept, ...pad];
      });
      const { x, lengths } = padSequences(seqs, { maxlen, padding, truncating, value: -7 });
      const context = `seed ${seed}, trial ${trial}`;
      expect(x.shape, context).toEqual([seqs.length, width]);
      expect(Array.from(x.data), context).toEqual(expected.flat());
      expect(Array.from(lengths), context).toEqual(seqs.map((s) => Math.min(s.length, width)));
      // The mask from the lengths marks exactly the non-padding positions.
      const mask = sequenceMask(lengths, width, padding);
      const real = expected.flatMap((row, i) => row.map((_, t) => (padding === 'pre' ? t >= width - lengths[i] : t < lengths[i]) ? 1 : 0));
      expect(Array.from(mask.data), context).toEqual(real);
    }
  });

  it('errors name the argument and the value', () => {
    expect(() => padSequences([[1]], { padding: 'both' as never })).toThrow(new DataError('padding', "expected 'pre' or 'post', got \"both\""));
    expect(() => padSequences([[1]], { truncating: 'mid' as never })).toThrow("truncating: expected 'pre' or 'post', got \"mid\"");
    expect(() => padSequences([[1]], { maxlen: 0 })).toThrow('maxlen: expected an integer >= 1, got 0');
    expect(() => padSequences([[1]], { dtype: 'int8' as never })).toThrow("dtype: expected 'float32' or 'int32', got \"int8\"");
    expect(() => padSequences([[1]], { dtype: 'int32', value: 0.5 })).toThrow('value: expected an int32 integer, got 0.5');
    expect(() => padSequences([[1], [2, 2.5]], { dtype: 'int32' })).toThrow("seqs[1][1]: 2.5 is not an int32 integer (dtype 'int32')");
    expect(() => padSequences([[[1, 2]], [[3]]])).toThrow("seqs[1]: steps have shape [1], but the first non-empty sequence's have [2]");
    expect(() => padSequences([[1], 5] as never)).toThrow('seqs[1]: expected a sequence, got 5');
    expect(() => padSequences('abc' as never)).toThrow('seqs: expected an array of sequences, got "abc"');
  });
});

describe('sequenceMask', () => {
  it('marks real steps with 1 on the padded side given', () => {
    expect(matrix(sequenceMask([1, 3], 3))).toEqual([
      [0, 0, 1],
      [1, 1, 1],
    ]);
    expect(matrix(sequenceMask([1, 0], 2, 'post'))).toEqual([
      [1, 0],
      [0, 0],
    ]);
    expect(() => sequenceMask([4], 3)).toThrow('lengths[0]: expected an integer in [0, 3], got 4');
  });
});
