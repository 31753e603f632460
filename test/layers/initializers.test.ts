// Initializers: the deterministic log and normal draws they rest on, each initializer's
// statistics and limits (Keras's definitions), orthogonality, seeding and saved forms.
import { describe, expect, it } from 'vitest';
import { initializers, parseInitializer } from '../../src/layers/initializers.js';
import * as layers from '../../src/layers/index.js';
import { LayerConfigError } from '../../src/layers/index.js';
import { NormalSampler } from '../reference/random.js';
import { log } from '../../src/util/detmath.js';
import { Prng } from '../../src/util/prng.js';
import { orthonormalColumns } from '../reference/orthogonal.js';
import { randomFor, replay } from './helpers.js';

/** The distance from x to the next double up: one unit in the last place. */
function ulp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0) - Math.abs(x);
}

function stats(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0, squares = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    squares += values[i] * values[i];
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean), min, max };
}

/** FNV-1a over the float64 bits of `values`: a fingerprint of exact results. */
function fingerprint(values: ArrayLike<number>): string {
  const view = new DataView(new ArrayBuffer(8));
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < values.length; i++) {
    view.setFloat64(0, values[i]);
    hash = ((hash ^ view.getBigUint64(0)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16);
}

describe('deterministic log and normal draws', () => {
  it('log is within 1 ulp of Math.log, exact where it should be', () => {
    const random = randomFor('log');
    let worst = 0;
    const xs = [Number.MIN_VALUE, 2.2250738585072014e-308, 1e-300, 1 - 2 ** -53, 1 + 2 ** -52, Math.SQRT2, Math.SQRT1_2, 1e300, Number.MAX_VALUE];
    for (let i = 0; i < 20000; i++) xs.push(random() ** (1 + 20 * random()), 1 + (random() - 0.5) * 1e-3, Math.exp((random() - 0.5) * 1400));
    for (const x of xs) {
      const expected = Math.log(x);
      worst = Math.max(worst, Math.abs(log(x) - expected) / ulp(expected === 0 ? Number.MIN_VALUE : expected));
    }
    expect(worst, replay).toBeLessThanOrEqual(1);
    expect(log(1)).toBe(0);
    expect(log(2)).toBe(Math.LN2);
    expect(log(0.5)).toBe(-Math.LN2);
    for (const bad of [0, -1, Infinity, NaN]) expect(() => log(bad)).toThrow(RangeError);
  });

  it('draws the same numbers for a seed (pinned: a change of algorithm or a runtime that differs shows here)', () => {
    const sampler = new NormalSampler(new Prng(1));
    const draws = Array.from({ length: 10000 }, () => sampler.next());
    expect(draws.slice(0, 4)).toEqual([-0.31769638969762326, -1.0624814764619268, 1.712940785003619, -0.9666994661982361]);
    expect(fingerprint(draws)).toBe('4da4c4c8522849e7');
    expect(fingerprint(initializers.orthogonal().sample([8, 32], new Prng(1)))).toBe('c41664fbb36bb725');
    expect(fingerprint(initializers.glorotUniform().sample([5, 7], new Prng(1)))).toBe('c32228c7a76ecb37');
    expect(fingerprint(initializers.truncatedNormal().sample([50], new Prng(1)))).toBe('7498da6e931179ad');
  });

  it('draws standard normal numbers', () => {
    const sampler = new NormalSampler(new Prng(Math.floor(randomFor('normal')() * 2 ** 31)));
    const draws = Float64Array.from({ length: 200000 }, () => sampler.next());
    const { mean, std } = stats(draws);
    expect(Math.abs(mean), replay).toBeLessThan(0.01);
    expect(Math.abs(std - 1), replay).toBeLessThan(0.01);
    const within1 = draws.filter((z) => Math.abs(z) < 1).length / draws.length;
    expect(Math.abs(within1 - 0.6827), replay).toBeLessThan(0.005);
  });
});

describe('initializers', () => {
  const rng = () => new Prng(Math.floor(randomFor('initializers')() * 2 ** 31));
  const [fanIn, fanOut] = [200, 300];

  it('variance scaling family: limits and spreads as in Keras', () => {
    const shape = [fanIn, fanOut];
    const glorotLimit = Math.sqrt(6 / (fanIn + fanOut));
    const glorot = stats(initializers.glorotUniform().sample(shape, rng()));
    expect(glorot.min).toBeGreaterThanOrEqual(-glorotLimit);
    expect(glorot.max).toBeLessThanOrEqual(glorotLimit);
    expect(glorot.std / (glorotLimit / Math.sqrt(3))).toBeCloseTo(1, 1);
    const heUniform = stats(initializers.heUniform().sample(shape, rng()));
    expect(heUniform.max).toBeLessThanOrEqual(Math.sqrt(6 / fanIn));
    expect(heUniform.std / Math.sqrt(2 / fanIn)).toBeCloseTo(1, 1);
    // Truncated normals: the requested variance, nothing beyond two (untruncated) deviations.
    for (const [initializer, variance] of [
      [initializers.heNormal(), 2 / fanIn],
      [initializers.lecunNormal(), 1 / fanIn],
      [initializers.glorotNormal(), 2 / (fanIn + fanOut)],
      [initializers.varianceScaling({ scale: 3, mode: 'fanOut', distribution: 'truncatedNormal' }), 3 / fanOut],
    ] as const) {
      const s = stats(initializer.sample(shape, rng()));
      const bound = (2 * Math.sqrt(variance)) / 0.87962566103423978;
      expect(Math.max(-s.min, s.max), initializer.className).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(s.std / Math.sqrt(variance), initializer.className).toBeCloseTo(1, 1);
    }
    const untruncated = stats(initializers.varianceScaling({ scale: 1, mode: 'fanAvg', distribution: 'untruncatedNormal' }).sample(shape, rng()));
    expect(untruncated.std / Math.sqrt(2 / (fanIn + fanOut))).toBeCloseTo(1, 1);
  });

  it('random, constant and fixed initializers', () => {
    const uniform = stats(initializers.randomUniform({ minval: 2, maxval: 3 }).sample([50000], rng()));
    expect(uniform.min).toBeGreaterThanOrEqual(2);
    expect(uniform.max).toBeLessThan(3);
    expect(uniform.mean).toBeCloseTo(2.5, 2);
    const normal = stats(initializers.randomNormal({ mean: 1, stddev: 0.5 }).sample([50000], rng()));
    expect(normal.mean).toBeCloseTo(1, 1);
    expect(normal.std).toBeCloseTo(0.5, 1);
    const truncated = stats(initializers.truncatedNormal({ mean: -1, stddev: 0.5 }).sample([50000], rng()));
    expect(truncated.min).toBeGreaterThanOrEqual(-2);
    expect(truncated.max).toBeLessThanOrEqual(0);
    expect(truncated.std / 0.5).toBeCloseTo(0.8796, 1);
    expect(Array.from(initializers.constant({ value: 0.25 }).sample([3], rng()))).toEqual([0.25, 0.25, 0.25]);
    expect(Array.from(initializers.ones().sample([2], rng()))).toEqual([1, 1]);
    expect(Array.from(initializers.zeros().sample([2], rng()))).toEqual([0, 0]);
    expect(Array.from(layers.initializers.randomUniform().sample([1000], rng())).every((v) => Math.abs(v) <= 0.05)).toBe(true);
  });

  it('randomUniform stays below maxval after rounding to float32', () => {
    // [1, 1 + 2^-20) holds 8 float32 values; 1 in 16 exact draws lies within half an ulp of
    // maxval and would round up to it without the redraw.
    const maxval = 1 + 2 ** -20;
    const values = initializers.randomUniform({ minval: 1, maxval }).sample([4000], rng());
    expect(Math.max(...values)).toBeLessThan(maxval);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(1);
  });

  it('orthogonal: orthonormal rows or columns, Keras sign convention, gain', () => {
    for (const [rows, cols] of [[12, 4], [4, 16], [7, 7]]) {
      const gain = 1.5;
      const q = initializers.orthogonal({ gain }).sample([rows, cols], new Prng(rows * cols));
      // Rows of a wide matrix, columns of a tall one are orthonormal (times gain).
      const n = Math.min(rows, cols);
      const at = (i: number, k: number) => (rows >= cols ? q[k * cols + i] : q[i * cols + k]);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < Math.max(rows, cols); k++) s += at(i, k) * at(j, k);
          expect(Math.abs(s - (i === j ? gain * gain : 0)), `[${rows}, ${cols}] (${i}, ${j})`).toBeLessThan(1e-5);
        }
      }
      // Keras: Q of the QR of a normal matrix with R's diagonal made positive = Gram–Schmidt of its columns.
      const tall = Math.max(rows, cols);
      const sampler = new NormalSampler(new Prng(rows * cols));
      const a = Float64Array.from({ length: tall * n }, () => sampler.next());
      for (let j = 0; j < n; j++) {
        for (let p = 0; p < j; p++) {
          let d = 0;
          for (let k = 0; k < tall; k++) d += a[k * n + j] * a[k * n + p];
          for (let k = 0; k < tall; k++) a[k * n + j] -= d * a[k * n + p];
        }
        let norm = 0;
        for (let k = 0; k < tall; k++) norm += a[k * n + j] ** 2;
        for (let k = 0; k < tall; k++) a[k * n + j] /= Math.sqrt(norm);
      }
      for (let i = 0; i < n; i++) for (let k = 0; k < tall; k++) expect(at(i, k)).toBeCloseTo(gain * a[k * n + i], 5);
    }
    expect(() => initializers.orthogonal().sample([5], new Prng(1))).toThrow(/rank 2 or more/);
  });

  it('orthogonal: the float64 reference bit for bit on odd shapes, tall, wide and rank 3 (gain, then one rounding to float32)', () => {
    for (const shape of [[1, 1], [3, 1], [1, 3], [17, 3], [3, 17], [17, 17], [129, 5], [6, 129], [2, 3, 5], [5, 2, 3], [64, 256]]) {
      const seed = Math.floor(randomFor('orthogonal reference')() * 2 ** 31);
      const gain = 1.25;
      const cols = shape[shape.length - 1];
      const rows = shape.reduce((a, b) => a * b, 1) / cols;
      const [tall, narrow] = [Math.max(rows, cols), Math.min(rows, cols)];
      const sampler = new NormalSampler(new Prng(seed));
      const q = orthonormalColumns(Float64Array.from({ length: tall * narrow }, () => sampler.next()), tall, narrow);
      const expected = new Float32Array(rows * cols);
      for (let i = 0; i < tall; i++) for (let j = 0; j < narrow; j++) expected[rows >= cols ? i * cols + j : j * cols + i] = gain * q[i * narrow + j];
      const actual = initializers.orthogonal({ gain }).sample(shape, new Prng(seed));
      expect(new Uint32Array(actual.buffer), `[${shape}] (${replay})`).toEqual(new Uint32Array(expected.buffer));
    }
  });

  it('same seed, same bits; an initializer given a seed ignores the stream', () => {
    for (const make of [initializers.glorotUniform, initializers.heNormal, initializers.orthogonal, initializers.truncatedNormal]) {
      const a = make().sample([9, 5], new Prng(42));
      expect(make().sample([9, 5], new Prng(42))).toEqual(a);
      expect(make().sample([9, 5], new Prng(43))).not.toEqual(a);
      const seeded = make({ seed: 5 });
      expect(seeded.sample([9, 5], new Prng(1))).toEqual(seeded.sample([9, 5], new Prng(2)));
    }
  });

  it('layers draw each weight from its own stream', () => {
    const weights = (options: layers.LstmOptions, seed: number) => {
      const layer = layers.lstm(options);
      layer.build([null, 3, 4], new Prng(seed));
      const values = layer.getWeights();
      layer.dispose();
      return values;
    };
    const a = weights({ units: 3 }, 7);
    expect(weights({ units: 3 }, 7)).toEqual(a);
    expect(weights({ units: 3 }, 8)[0]).not.toEqual(a[0]);
    const other = weights({ units: 3, biasInitializer: 'ones', recurrentInitializer: 'glorotNormal' }, 7);
    expect(other[0]).toEqual(a[0]); // kernel unchanged by the other weights' initializers
    // unitForgetBias: the forget block starts at 1, the rest from the bias initializer.
    expect(Array.from(a[2].data)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(weights({ units: 2, biasInitializer: 'ones', unitForgetBias: false }, 1)[2].data)).toEqual(new Array(8).fill(1));
  });

  it('reads every spelling and its own saved form', () => {
    for (const name of ['glorotUniform', 'glorot_uniform', 'GlorotUniform']) expect(parseInitializer(name).className).toBe('GlorotUniform');
    const custom = initializers.varianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'uniform', seed: 4 });
    expect(custom.toJSON()).toEqual({ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_avg', distribution: 'uniform', seed: 4 } });
    const again = parseInitializer(JSON.parse(JSON.stringify(custom.toJSON())));
    expect(again.toJSON()).toEqual(custom.toJSON());
    expect(again.sample([3, 3], new Prng(1))).toEqual(custom.sample([3, 3], new Prng(1)));
    expect(parseInitializer({ className: 'VarianceScaling', config: { distribution: 'normal' } }).config.distribution).toBe('truncatedNormal');
  });

  it('validates options like a layer does', () => {
    expect(() => initializers.randomNormal({ stddev: -1 })).toThrow(new LayerConfigError('initializers.randomNormal', 'stddev', 'stddev must be a finite number > 0, got -1'));
    expect(() => initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow(/initializers.randomUniform: maxval must be >= minval \(1\), got 0/);
    expect(() => initializers.orthogonal({ gian: 2 } as never)).toThrow(/gian is not a known option \(did you mean 'gain'\?\)/);
    expect(() => initializers.varianceScaling({ mode: 'fan' as never })).toThrow(/mode must be one of 'fanIn', 'fanOut', 'fanAvg'/);
  });
});
