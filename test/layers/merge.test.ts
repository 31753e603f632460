// The merge layers (concatenate, add, subtract, multiply, average, maximum, dot): forward and
// backward in Wasm against the float64 reference (test/reference/merge.ts) on odd shapes,
// the reference's gradients against finite differences, the kernels of assembly/merge.ts on
// their own, masks, and the errors for inputs a layer cannot take.
import { afterEach, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import { LayerConfigError, LayerInputError, type MultiInputLayer } from '../../src/layers/index.js';
import { batchMatmul, copyBlocks, divideBy, maximum, routeToMaximum } from '../../src/kernels/merge.js';
import * as ref from '../reference/index.js';
import { expectGradient } from '../reference/gradcheck.js';
import { uniform } from '../util/random.js';
import { expectClose, freeAll, randomFor, region, replay } from './helpers.js';

afterEach(freeAll);

type Kind = ref.merge.MergeKind;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function layerOf(kind: Kind, options: ref.merge.MergeOptions): MultiInputLayer {
  if (kind === 'concatenate') return layers.concatenate({ axis: options.axis });
  if (kind === 'dot') return layers.dot({ axes: options.axes!, normalize: options.normalize });
  return layers[kind]();
}

/** Runs the layer's Wasm forward and backward on random inputs and compares both with the reference. */
function checkAgainstReference(kind: Kind, shapes: number[][], options: ref.merge.MergeOptions = {}, integers = false): void {
  const random = randomFor(`${kind} ${JSON.stringify(shapes)} ${JSON.stringify(options)}`);
  // Small integers make ties for maximum (the first maximal input takes the gradient).
  const inputs = shapes.map((s) => (integers ? Float32Array.from(uniform(random, size(s), -2, 2), Math.round) : uniform(random, size(s), -1.5, 1.5)));
  const layer = layerOf(kind, options);
  layer.buildInputs(shapes.map((s) => [null, ...s.slice(1)]), null);
  const plan = layer.planInputs(shapes, { training: true });
  const expectedShape = ref.merge.outputShape(kind, shapes, options);
  expect(plan.outputShape).toEqual(expectedShape);
  plan.forward(inputs.map(region));
  expectClose(`${kind} forward`, plan.output.toArray(), ref.merge.forward(kind, inputs, shapes, options), 1e-6);
  const dOutput = uniform(random, size(expectedShape));
  plan.backward(region(dOutput));
  const expected = ref.merge.backward(kind, inputs, shapes, dOutput, options);
  plan.dInputs.forEach((dx, i) => expectClose(`${kind} dInputs[${i}]`, dx!.toArray(), expected[i], 1e-6));
  layer.dispose();
}

describe('elementwise merges against the float64 reference', () => {
  for (const kind of ['add', 'subtract', 'multiply', 'average', 'maximum'] as const) {
    const counts = kind === 'subtract' ? [2] : [2, 3];
    for (const count of counts) {
      for (const shape of [[1, 1], [3, 17], [2, 5, 3], [1, 129]]) {
        it(`${kind} of ${count} inputs [${shape}]`, () => checkAgainstReference(kind, Array.from({ length: count }, () => shape)));
      }
    }
  }

  it("maximum gives a tied element's gradient to the first maximal input only", () => {
    checkAgainstReference('maximum', [[4, 9], [4, 9], [4, 9]], {}, true);
  });
});

describe('concatenate and dot against the float64 reference', () => {
  it.each([
    [[[3, 2], [3, 5]], -1],
    [[[1, 4], [1, 1], [1, 3]], 1],
    [[[2, 3, 4], [2, 3, 1]], 2],
    [[[2, 3, 4], [2, 5, 4]], 1],
    [[[3, 2, 5, 2], [3, 2, 3, 2]], 2],
  ])('concatenate %j along axis %i', (shapes, axis) => {
    const rank = shapes[0].length;
    checkAgainstReference('concatenate', shapes, { axis: axis < 0 ? rank + axis : axis });
  });

  it.each([
    [[[3, 17], [3, 17]], [1, 1]],
    [[[2, 3, 5], [2, 4, 5]], [2, 2]],
    [[[2, 7, 3], [2, 7, 4]], [1, 1]],
    [[[3, 3, 5], [3, 5, 2]], [2, 1]],
    [[[1, 5, 3], [1, 4, 5]], [1, 2]],
  ])('dot %j with axes %j', (shapes, axes) => checkAgainstReference('dot', shapes, { axes: axes as [number, number] }));
});

describe('dot with normalize', () => {
  it.each([
    [[[3, 17], [3, 17]], [1, 1]],
    [[[2, 3, 5], [2, 4, 5]], [2, 2]],
    [[[2, 7, 3], [2, 7, 4]], [1, 1]],
    [[[1, 5, 3], [1, 4, 5]], [1, 2]],
  ])('%j with axes %j: forward against the reference, backward against its finite differences', (shapes, axes) => {
    const options = { axes: axes as [number, number], normalize: true };
    const random = randomFor(`dot normalize ${JSON.stringify(shapes)} ${axes}`);
    const inputs = shapes.map((s) => uniform(random, size(s), -1.5, 1.5));
    if (shapes[0].length === 2) inputs[0].fill(0, 0, shapes[0][1]); // a zero row: the norm's floor
    const layer = layerOf('dot', options);
    layer.buildInputs(shapes.map((s) => [null, ...s.slice(1)]), null);
    const plan = layer.planInputs(shapes, { training: true });
    plan.forward(inputs.map(region));
    expectClose('dot normalize forward', plan.output.toArray(), ref.merge.forward('dot', inputs, shapes, options), 1e-5);
    const dOutput = uniform(random, plan.output.length);
    plan.backward(region(dOutput));
    // Central differences of Σ dy·dot(normalize(x), normalize(y)) in float64.
    const points = inputs.map((x) => Float64Array.from(x));
    const loss = () => ref.merge.forward('dot', points, shapes, options).reduce((sum, v, i) => sum + v * dOutput[i], 0);
    points.forEach((x, i) => {
      const analytic = plan.dInputs[i]!.toArray();
      for (let e = 0; e < x.length; e++) {
        const saved = x[e];
        x[e] = saved + 1e-6;
        const up = loss();
        x[e] = saved - 1e-6;
        const down = loss();
        x[e] = saved;
        const numeric = (up - down) / 2e-6;
        // A zero row sits on the norm's floor, where the gradient is dy/sqrt(eps): compare relatively.
        expect(Math.abs(analytic[e] - numeric) / Math.max(1, Math.abs(numeric)), `dInputs[${i}][${e}]: ${analytic[e]} vs ${numeric} (${replay})`).toBeLessThan(1e-3);
      }
    });
    layer.dispose();
  });
});

describe("the reference merges' gradients", () => {
  const cases: [Kind, number[][], ref.merge.MergeOptions][] = [
    ['add', [[2, 3], [2, 3], [2, 3]], {}],
    ['subtract', [[3, 2], [3, 2]], {}],
    ['multiply', [[2, 3], [2, 3], [2, 3]], {}],
    ['average', [[2, 3], [2, 3], [2, 3]], {}],
    ['maximum', [[2, 3], [2, 3]], {}],
    ['concatenate', [[2, 2, 3], [2, 1, 3]], { axis: 1 }],
    ['dot', [[2, 3, 4], [2, 5, 4]], { axes: [2, 2] }],
    ['dot', [[2, 3, 4], [2, 3, 2]], { axes: [1, 1] }],
  ];
  for (const [kind, shapes, options] of cases) {
    it(`${kind} ${JSON.stringify(shapes)} matches finite differences`, () => {
      const random = randomFor(`fd ${kind} ${JSON.stringify(shapes)}`);
      const inputs = shapes.map((s) => Float64Array.from(uniform(random, size(s))));
      const dOutput = Float64Array.from(uniform(random, size(ref.merge.outputShape(kind, shapes, options))));
      const loss = () => ref.merge.forward(kind, inputs, shapes, options).reduce((sum, y, i) => sum + y * dOutput[i], 0);
      const grads = ref.merge.backward(kind, inputs, shapes, dOutput, options);
      inputs.forEach((x, i) => expectGradient(`${kind} dInputs[${i}]`, loss, x, grads[i], replay));
    });
  }
});

describe('merge kernels', () => {
  it('maximum, routeToMaximum and divideBy on odd lengths, with ties and signed zeros', () => {
    for (const n of [1, 3, 17, 129]) {
      const random = randomFor(`kernels ${n}`);
      const a = Float32Array.from(uniform(random, n, -2, 2), Math.round);
      const b = Float32Array.from(uniform(random, n, -2, 2), Math.round);
      if (n > 2) [a[0], b[0]] = [-0, 0];
      const out = region(new Float32Array(n).fill(NaN));
      maximum(region(a), region(b), out);
      const expected = Array.from(a, (v, i) => (v >= b[i] ? v : b[i]));
      expect(Array.from(out.toArray())).toEqual(expected);
      const dy = uniform(random, n);
      const remaining = region(dy);
      const [da, db] = [region(new Float32Array(n).fill(NaN)), region(new Float32Array(n).fill(NaN))];
      routeToMaximum(region(a), out, remaining, da);
      routeToMaximum(region(b), out, remaining, db);
      expect(Array.from(da.toArray())).toEqual(Array.from(a, (v, i) => (v === expected[i] ? dy[i] : 0)));
      expect(Array.from(db.toArray())).toEqual(Array.from(b, (v, i) => (v === expected[i] && a[i] !== expected[i] ? dy[i] : 0)));
      const mean = region(new Float32Array(n));
      divideBy(region(dy), 3, mean);
      expect(Array.from(mean.toArray())).toEqual(Array.from(dy, (v) => Math.fround(v / 3)));
    }
  });

  it('copyBlocks copies strided blocks and refuses regions too small for them', () => {
    const src = region(Float32Array.from({ length: 12 }, (_, i) => i));
    const dst = region(new Float32Array(15).fill(-1));
    copyBlocks({ region: src, offset: 1, stride: 4 }, { region: dst, offset: 2, stride: 5 }, 3, 2);
    expect(Array.from(dst.toArray())).toEqual([-1, -1, 1, 2, -1, -1, -1, 5, 6, -1, -1, -1, 9, 10, -1]);
    expect(() => copyBlocks({ region: src, offset: 1, stride: 4 }, { region: dst, offset: 4, stride: 5 }, 3, 2)).toThrow(RangeError);
  });

  it('batchMatmul sums each element in order, in float32, with every transposition', () => {
    for (const [aT, bT] of [[false, false], [true, false], [false, true], [true, true]]) {
      const random = randomFor(`matmul ${aT} ${bT}`);
      const [batch, m, n, k] = [3, 5, 3, 17];
      const a = uniform(random, batch * m * k);
      const b = uniform(random, batch * k * n);
      const c = region(new Float32Array(batch * m * n));
      batchMatmul(region(a), region(b), c, { batch, m, n, k, aT, bT });
      const expected = new Float32Array(batch * m * n);
      for (let s = 0; s < batch; s++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let sum = Math.fround(0);
        for (let p = 0; p < k; p++) {
          const av = a[s * m * k + (aT ? p * m + i : i * k + p)];
          const bv = b[s * k * n + (bT ? j * k + p : p * n + j)];
          sum = Math.fround(sum + Math.fround(av * bv));
        }
        expected[(s * m + i) * n + j] = sum;
      }
      expect(Array.from(c.toArray())).toEqual(Array.from(expected));
    }
  });
});

describe('masks and errors', () => {
  it('elementwise merges AND the masks of sequence inputs; dot returns none', () => {
    const layer = layers.add();
    layer.buildInputs([[null, 3, 2], [null, 3, 2]], null);
    const plan = layer.planInputs([[2, 3, 2], [2, 3, 2]]);
    const x = region(new Float32Array(12));
    const mask = plan.forward([x, x], { masks: [Uint8Array.of(1, 1, 0, 1, 0, 0), Uint8Array.of(1, 0, 0, 1, 1, 0)] });
    expect(Array.from(mask!)).toEqual([1, 0, 0, 1, 0, 0]);
    expect(plan.forward([x, x], { masks: [undefined, Uint8Array.of(1, 0, 1, 1, 1, 0)] })).toEqual(Uint8Array.of(1, 0, 1, 1, 1, 0));
    expect(plan.forward([x, x])).toBeUndefined();
    const dotLayer = layers.dot({ axes: 2 });
    dotLayer.buildInputs([[null, 3, 2], [null, 3, 2]], null);
    expect(dotLayer.planInputs([[2, 3, 2], [2, 3, 2]]).forward([x, x], { masks: [Uint8Array.of(1, 1, 0, 1, 0, 0), undefined] })).toBeUndefined();
  });

  it('concatenate along time joins the masks (all steps real for an input without one)', () => {
    const layer = layers.concatenate({ axis: 1 });
    layer.buildInputs([[null, 2, 1], [null, 1, 1]], null);
    const plan = layer.planInputs([[2, 2, 1], [2, 1, 1]]);
    const mask = plan.forward([region(new Float32Array(4)), region(new Float32Array(2))], { masks: [Uint8Array.of(1, 0, 1, 1), undefined] });
    expect(Array.from(mask!)).toEqual([1, 0, 1, 1, 1, 1]);
  });

  it('names the layer and what is wrong with the inputs or options', () => {
    expect(() => layers.add().computeOutputShapeOf([[null, 3], [null, 4]])).toThrow(/Add needs inputs of one shape; input 1 has shape \[null, 4\]/);
    expect(() => layers.subtract().computeOutputShapeOf([[null, 3], [null, 3], [null, 3]])).toThrow(/takes a list of 2 inputs, got 3/);
    expect(() => layers.add().computeOutputShapeOf([[null, 3]])).toThrow(LayerInputError);
    expect(() => layers.concatenate().computeOutputShapeOf([[null, 3, 2], [null, 4, 2]])).toThrow(/other dimensions to agree/);
    expect(() => layers.dot({ axes: [2, 2] }).computeOutputShapeOf([[null, 3, 2], [null, 3, 5]])).toThrow(/sizes 2 and 5 differ/);
    expect(() => layers.dot({ axes: 1 }).computeOutputShapeOf([[null, 3, 2], [null, 3]])).toThrow(/two inputs of rank 2 or two of rank 3/);
    expect(() => layers.concatenate({ axis: 0 })).toThrow(LayerConfigError);
    expect(() => layers.add().build([null, 3], null)).toThrow(/takes a list of inputs/);
    const layer = layers.multiply();
    layer.buildInputs([[null, 2], [null, 2]], null);
    const plan = layer.planInputs([[1, 2], [1, 2]], { training: true });
    expect(() => plan.forward([region([1, 2])])).toThrow(/expected 2 input regions/);
    expect(() => plan.forward([region([1, 2]), region([1])])).toThrow(LayerInputError);
    expect(() => plan.backward(region([1, 1]))).toThrow(/needs a forward/);
  });

  it('saves Keras config names and reads them back', () => {
    for (const layer of [layers.concatenate({ axis: 1 }), layers.add(), layers.subtract(), layers.multiply(), layers.average(), layers.maximum(), layers.dot({ axes: [1, 2] })]) {
      const json = layer.toJSON();
      expect(['Concatenate', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Dot']).toContain(json.class_name);
      const copy = layers.layerFromConfig(JSON.parse(JSON.stringify(json)));
      expect(copy.toJSON().config).toEqual({ ...json.config, name: copy.name });
    }
    expect(layers.dot({ axes: [1, 2] }).getConfig()).toMatchObject({ axes: [1, 2], normalize: false });
    expect(layers.concatenate({ axis: 1 }).getConfig()).toMatchObject({ axis: 1 });
  });
});
