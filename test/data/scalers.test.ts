import { describe, expect, it } from 'vitest';
import { DataError, MinMaxScaler, minMaxScaler, StandardScaler, standardScaler } from '../../src/data/index.js';
import { toNested } from '../../src/tensor.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';

describe('standardScaler', () => {
  it('the scikit-learn StandardScaler docstring example', () => {
    const scaler = standardScaler().fit([
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(Array.from(scaler.mean!)).toEqual([0.5, 0.5]);
    expect(toNested(scaler.transform([[0, 0], [0, 0], [1, 1], [1, 1]]))).toEqual([
      [-1, -1],
      [-1, -1],
      [1, 1],
      [1, 1],
    ]);
    expect(toNested(scaler.transform([[2, 2]]))).toEqual([[3, 3]]);
  });

  it('uses the population standard deviation per feature; constant features get scale 1', () => {
    const scaler = standardScaler().fit([
      [0, 10, 0.1],
      [2, 10, 0.1],
      [4, 10, 0.1],
    ]);
    expect(Array.from(scaler.scale!)).toEqual([Math.sqrt(8 / 3), 1, 1]);
    const [row] = toNested(scaler.transform([[4, 10, 0.1]])) as number[][];
    expect(row[0]).toBe(Math.fround(2 / Math.sqrt(8 / 3)));
    expect(row.slice(1)).toEqual([0, 0]);
  });

  it('treats the last axis as features for [samples, steps, features] and 1-D input as one feature', () => {
    const seq = standardScaler().fit({ shape: [2, 2, 2], data: [1, 100, 3, 100, 5, 300, 7, 300] });
    expect(Array.from(seq.mean!)).toEqual([4, 200]);
    expect(seq.numFeatures).toBe(2);
    const series = standardScaler().fit(Float32Array.of(1, 2, 3, 4));
    expect(series.numFeatures).toBe(1);
    expect(series.transform([1, 4]).shape).toEqual([2]);
  });

  it('withMean / withStd turn centring and scaling off', () => {
    const data = [[1], [3]];
    expect(Array.from(standardScaler({ withMean: false }).fit(data).transform(data).data)).toEqual([1, 3]);
    expect(Array.from(standardScaler({ withStd: false }).fit(data).transform(data).data)).toEqual([-1, 1]);
  });

  it('toJSON / fromJSON restore the fitted statistics exactly', () => {
    const seed = testSeed();
    const random = rng(seed);
    const x = { shape: [50, 3], data: uniform(random, 150, -5, 20) };
    const scaler = standardScaler().fit(x);
    const restored = StandardScaler.fromJSON(JSON.stringify(scaler));
    expect(restored.transform(x), `seed ${seed}`).toEqual(scaler.transform(x));
    expect(restored.toJSON()).toEqual(scaler.toJSON());
    expect(StandardScaler.fromJSON(standardScaler({ withStd: false }).toJSON()).isFitted).toBe(false);
  });
});

describe('minMaxScaler', () => {
  it('the scikit-learn MinMaxScaler docstring example', () => {
    const scaler = minMaxScaler().fit([
      [-1, 2],
      [-0.5, 6],
      [0, 10],
      [1, 18],
    ]);
    expect(Array.from(scaler.dataMax!)).toEqual([1, 18]);
    expect(toNested(scaler.transform([[-1, 2], [-0.5, 6], [0, 10], [1, 18]]))).toEqual([
      [0, 0],
      [0.25, 0.25],
      [0.5, 0.5],
      [1, 1],
    ]);
    expect(toNested(scaler.transform([[2, 2]]))).toEqual([[1.5, 0]]);
  });

  it('maps onto featureRange; a constant feature maps to its lower end', () => {
    const scaler = minMaxScaler({ featureRange: [-1, 1] }).fit([
      [0, 5],
      [10, 5],
    ]);
    expect(toNested(scaler.transform([[0, 5], [5, 5], [10, 7]]))).toEqual([
      [-1, -1],
      [0, -1],
      [1, 1],
    ]);
    expect(MinMaxScaler.fromJSON(scaler.toJSON()).transform([[5, 5]])).toEqual(scaler.transform([[5, 5]]));
  });
});

describe('scalers: properties and errors', () => {
  it('inverseTransform undoes transform (float32 round-off only) on random data', () => {
    const seed = testSeed();
    const random = rng(seed);
    for (let trial = 0; trial < 20; trial++) {
      const features = 1 + Math.floor(random() * 4);
      const rows = 2 + Math.floor(random() * 50);
      const x = { shape: [rows, features], data: uniform(random, rows * features, -1000 * random(), 1000 * random()) };
      // Scaled values are float32, so the round trip is exact to float32 precision of the data's magnitude.
      const magnitude = x.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (const scaler of [standardScaler(), minMaxScaler({ featureRange: [-2, 3] })]) {
        const back = scaler.inverseTransform(scaler.fitTransform(x));
        expect(worstRelative(back.data, x.data, 1e-6, magnitude), `seed ${seed}, trial ${trial}`).toBeUndefined();
      }
      // Standardized training data has mean 0 and variance 1 per feature.
      const z = standardScaler().fitTransform(x).data;
      for (let f = 0; f < features; f++) {
        let mean = 0;
        let square = 0;
        for (let r = 0; r < rows; r++) mean += z[r * features + f] / rows;
        for (let r = 0; r < rows; r++) square += (z[r * features + f] - mean) ** 2 / rows;
        expect(Math.abs(mean), `seed ${seed}`).toBeLessThan(1e-5);
        expect(Math.abs(square - 1), `seed ${seed}`).toBeLessThan(1e-4);
      }
    }
  });

  it('transform before fit, feature mismatches and non-finite training data are errors', () => {
    expect(() => standardScaler().transform([[1]])).toThrow(new DataError('transform', 'this StandardScaler is not fitted; call fit() with the training data first'));
    expect(() => minMaxScaler().inverseTransform([[1]])).toThrow('inverseTransform: this MinMaxScaler is not fitted; call fit() with the training data first');
    const scaler = standardScaler().fit([
      [1, 2],
      [3, 4],
    ]);
    expect(() => scaler.transform([[1, 2, 3]])).toThrow('x: has 3 features (last axis), but the StandardScaler was fit on 2');
    expect(() => standardScaler().fit([[1, NaN]])).toThrow('x[0][1]: NaN is not a finite number (checkFinite)');
    expect(() => standardScaler().fit([])).toThrow('x: has no samples to fit (shape [0])');
    expect(() => standardScaler().fit(3)).toThrow('x: expected at least one dimension, got a scalar');
    expect(() => minMaxScaler({ featureRange: [1, 1] })).toThrow('featureRange: expected [min, max] with finite min < max, got [1,1]');
    expect(() => standardScaler({ withMean: 1 as never })).toThrow('withMean: expected true or false, got 1');
  });

  it('fromJSON names the bad field', () => {
    const json = standardScaler().fit([[1], [3]]).toJSON();
    expect(() => StandardScaler.fromJSON({ ...json, format: 'seqwasm.minMaxScaler' })).toThrow("json: expected format 'seqwasm.standardScaler' version 1");
    expect(() => StandardScaler.fromJSON({ ...json, mean: [1, null] })).toThrow('json.mean[1]: expected a finite number, got null');
    expect(() => StandardScaler.fromJSON({ ...json, scale: [0] })).toThrow('json.scale[0]: expected a positive number, got 0');
    expect(() => StandardScaler.fromJSON({ ...json, scale: [1, 2] })).toThrow('json.scale: expected 1 values (one per feature, as mean), got 2');
    expect(() => StandardScaler.fromJSON({ ...json, withStd: undefined })).toThrow('json.withStd: expected true or false, got undefined');
    const minMax = minMaxScaler().fit([[1], [3]]).toJSON();
    expect(() => MinMaxScaler.fromJSON({ ...minMax, dataMin: [4] })).toThrow('json.dataMax[0]: 3 is below dataMin[0] = 4');
    expect(() => MinMaxScaler.fromJSON({ ...minMax, featureRange: [0] })).toThrow('json.featureRange: expected [min, max], got 1 numbers');
  });
});
