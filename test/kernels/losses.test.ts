// The loss and metric kernels against the float64 reference (test/reference/losses.ts) on
// fresh random inputs and odd shapes: values to 1e-6, gradients against central differences of
// the reference, the fused softmax/sigmoid gradients against the chain rule, stability at the
// edges (probabilities 0 and 1, logits ±80 and beyond), TF.js 4.22 parity, determinism and
// argument errors.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { F32Region } from '../../src/index.js';
import * as k from '../../src/kernels/index.js';
import type { CrossentropyMode } from '../../src/kernels/index.js';
import * as ref from '../reference/losses.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { GUARD, GUARD_VALUE, regionsFreedAfterEach } from '../util/regions.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const ROWS = [1, 3, 17, 129];
const WIDTHS = [1, 2, 3, 4, 8, 17];
const SHAPES = ROWS.flatMap((rows) => WIDTHS.map((width) => [rows, width] as const));
const VALUE_TOLERANCE = 1e-6;
const GRADIENT_TOLERANCE = 1e-5;
const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

const { region, poisoned } = regionsFreedAfterEach();

const worst = { value: { error: 0, where: '' }, gradient: { error: 0, where: '' }, tfjs: { error: 0, where: '' } };
afterAll(() => {
  const show = (w: { error: number; where: string }) => `${w.error.toExponential(2)} (${w.where})`;
  console.log(`losses (${replay}): worst value error ${show(worst.value)}; worst gradient error ${show(worst.gradient)}; worst TF.js error ${show(worst.tfjs)}`);
});

/** |actual − expected| / max(|expected|, floor) <= tolerance, recording the worst error seen. */
function expectClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, floor: number, track: keyof typeof worst): void {
  const w = worstRelative(actual, expected, 0, floor);
  if (w && w.error > worst[track].error) worst[track] = { error: w.error, where: `${what}[${w.index}]` };
  const bad = worstRelative(actual, expected, tolerance, floor);
  if (bad) expect.fail(`${what}: element ${bad.index} is ${bad.actual}, expected ${bad.expected} (error ${bad.error.toExponential(2)} > ${tolerance}; ${replay})`);
}
/**
 * Gradients are compared relative to their size, and absolutely (to 2e-7 units) where they are
 * smaller than 2e-2 units, the unit being the kernel's scale 1/rows (categorical) or
 * 1/(rows·width) (mean over the row). That absolute part is the float32 resolution the kernels
 * document: a fused p near 1 is known to half an ULP (3e-8), so p − y has that much error, and
 * softmax from logits uses float32 exponentials (<= 1 ULP each, and in their sum), <= 1.2e-7
 * units; central differences add ~1e-9 units of round-off.
 */
const gradientFloor = (unit: number): number => 2e-2 * unit;
/** The floor for TF.js, whose softmax, sigmoid and p − y are all float32: 0.1 units unless told. */
const tfGradientFloor = (unit: number, units = 0.1): number => units * unit;

/** The first n floats of a poisoned region, after checking its guards were not written. */
function written(r: F32Region, n: number, what: string): Float32Array {
  const all = r.toArray();
  expect([...all.subarray(n)], `${what}: wrote past the gradient (${replay})`).toEqual(new Array(GUARD).fill(GUARD_VALUE));
  return all.subarray(0, n);
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** 0/1 targets and soft ones in [0, 1]. */
const binaryTargets = (n: number): Float32Array => f32(Array.from({ length: n }, () => (random() < 0.6 ? (random() < 0.5 ? 0 : 1) : random())));
/** Per row: one-hot (half the rows) or soft, not normalised (Σy ≠ 1 exercises the general gradient). */
function categoricalTargets(rows: number, width: number): Float32Array {
  const y = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    if (random() < 0.5) y[r * width + Math.floor(random() * width)] = 1;
    else for (let j = 0; j < width; j++) y[r * width + j] = random() < 0.3 ? 0 : random();
  }
  return y;
}
const classIds = (rows: number, width: number): Float32Array => f32(Array.from({ length: rows }, () => Math.floor(random() * width)));
/** Positive rows that do not sum to 1 (Keras rescales them), far enough from the clip bounds for differences. */
const probabilityRows = (n: number): Float32Array => uniform(random, n, 0.05, 1);
/** Rows of random logits' softmax: probabilities that sum to 1, as a final softmax gives (and as TF.js's sparse clip-then-rescale needs). */
const softmaxRows = (rows: number, width: number): Float32Array => {
  const p = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) p.set(ref.softmax(Array.from(uniform(random, width, -3, 3))), r * width);
  return p;
};

interface Case {
  name: string;
  sparse?: boolean;
  /** The gradient's unit is 1/rows (categorical) rather than 1/(rows·width). */
  perRow?: boolean;
  kernel(pred: F32Region, target: F32Region, rows: number, width: number, grad?: F32Region, mask?: F32Region): number;
  row: ref.RowLoss;
  pred(rows: number, width: number): Float32Array;
  target(rows: number, width: number, pred: Float32Array): Float32Array;
}

const crossentropies = (mode: 'probabilities' | 'logits'): Case[] => {
  const fromLogits = mode === 'logits';
  const pred = fromLogits ? (rows: number, width: number) => uniform(random, rows * width, -6, 6) : (rows: number, width: number) => probabilityRows(rows * width);
  return [
    {
      name: `binaryCrossentropy ${mode}`,
      kernel: (p, t, rows, width, g, m) => k.binaryCrossentropy(p, t, rows, width, mode, g, m),
      row: ref.rowLosses.binaryCrossentropy(fromLogits),
      pred: fromLogits ? pred : (rows, width) => uniform(random, rows * width, 0.02, 0.98),
      target: (rows, width) => binaryTargets(rows * width),
    },
    {
      name: `categoricalCrossentropy ${mode}`,
      perRow: true,
      kernel: (p, t, rows, width, g, m) => k.categoricalCrossentropy(p, t, rows, width, mode, g, m),
      row: ref.rowLosses.categoricalCrossentropy(fromLogits),
      pred,
      target: categoricalTargets,
    },
    {
      name: `sparseCategoricalCrossentropy ${mode}`,
      sparse: true,
      perRow: true,
      kernel: (p, t, rows, width, g, m) => k.sparseCategoricalCrossentropy(p, t, rows, width, mode, g, m),
      row: ref.rowLosses.sparseCategoricalCrossentropy(fromLogits),
      pred,
      target: classIds,
    },
  ];
};

const regression = (rows: number, width: number) => uniform(random, rows * width, -2.5, 2.5);
const CASES: Case[] = [
  { name: 'meanSquaredError', kernel: k.meanSquaredError, row: ref.rowLosses.meanSquaredError, pred: regression, target: regression },
  // |p − y| >= 1e-3: a central difference straddling the kink at p = y would be wrong (Huber is C¹, so its kinks are harmless).
  { name: 'meanAbsoluteError', kernel: k.meanAbsoluteError, row: ref.rowLosses.meanAbsoluteError, pred: regression, target: (_rows, _width, pred) => f32(Array.from(pred, (v) => v + (random() < 0.5 ? -1 : 1) * (1e-3 + 2 * random()))) },
  { name: 'huber delta=1', kernel: (p, t, rows, width, g, m) => k.huber(p, t, rows, width, 1, g, m), row: ref.rowLosses.huber(1), pred: regression, target: regression },
  { name: 'huber delta=0.375', kernel: (p, t, rows, width, g, m) => k.huber(p, t, rows, width, 0.375, g, m), row: ref.rowLosses.huber(0.375), pred: regression, target: regression },
  ...crossentropies('probabilities'),
  ...crossentropies('logits'),
];

// ---------------------------------------------------------------------------------------------

describe(`loss kernels vs the float64 reference (${replay})`, () => {
  describe.each(CASES)('$name', (c) => {
    it.each(SHAPES)('rows=%i width=%i: value, and gradient vs central differences', (rows, width) => {
      const pred = c.pred(rows, width);
      const target = c.target(rows, width, pred);
      const n = rows * width;
      const grad = poisoned(n);
      const value = c.kernel(region(pred), region(target), rows, width, grad);
      const expected = ref.mean(c.row, pred, target, rows, width, c.sparse);
      expectClose(`${c.name} [${rows}, ${width}] value`, [value], [expected], VALUE_TOLERANCE, 1e-3, 'value');
      // The loss alone (no gradient) is the same number.
      expect(c.kernel(region(pred), region(target), rows, width)).toBe(value);
      const numeric = ref.finiteDifference(c.row, pred, target, rows, width, c.sparse);
      expectClose(`${c.name} [${rows}, ${width}] gradient`, written(grad, n, c.name), numeric, GRADIENT_TOLERANCE, gradientFloor(c.perRow ? 1 / rows : 1 / n), 'gradient');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Masks: a sequence output of padded input. Keras 3 weighs a masked row 0 and averages over the
// valid rows, so the masked loss must be the unmasked loss of the valid rows alone.

/** Losses given the output of a final softmax / sigmoid; their gradient is w.r.t. its logits. */
const FUSED_CASES: (Case & { fused: true })[] = [
  {
    name: 'categoricalCrossentropy fused',
    perRow: true,
    fused: true,
    kernel: (p, t, rows, width, g, m) => k.categoricalCrossentropy(p, t, rows, width, 'fused', g, m),
    row: ref.rowLosses.categoricalCrossentropy(false),
    pred: softmaxRows,
    target: categoricalTargets,
  },
  {
    name: 'sparseCategoricalCrossentropy fused',
    sparse: true,
    perRow: true,
    fused: true,
    kernel: (p, t, rows, width, g, m) => k.sparseCategoricalCrossentropy(p, t, rows, width, 'fused', g, m),
    row: ref.rowLosses.sparseCategoricalCrossentropy(false),
    pred: softmaxRows,
    target: classIds,
  },
  {
    name: 'binaryCrossentropy fused',
    fused: true,
    kernel: (p, t, rows, width, g, m) => k.binaryCrossentropy(p, t, rows, width, 'fused', g, m),
    row: ref.rowLosses.binaryCrossentropy(false),
    pred: (rows, width) => f32(Array.from(uniform(random, rows * width, -6, 6), ref.sigmoid)),
    target: (rows, width) => binaryTargets(rows * width),
  },
];
const MASK_CASES: (Case & { fused?: true })[] = [...CASES, ...FUSED_CASES];
const MASK_SHAPES = [1, 3, 17, 129].flatMap((rows) => [1, 3, 17].map((width) => [rows, width] as const));

/** A random 0/1 row mask with at least one valid row and, from two rows on, at least one masked. */
function randomMask(rows: number): Float32Array {
  const mask = f32(Array.from({ length: rows }, () => (random() < 0.6 ? 1 : 0)));
  const on = Math.floor(random() * rows);
  mask[on] = 1;
  if (rows > 1) mask[(on + 1 + Math.floor(random() * (rows - 1))) % rows] = 0;
  return mask;
}
const countValid = (mask: ArrayLike<number>): number => Array.prototype.filter.call(mask, (m: number) => m !== 0).length;
/** A copy of row-major values with the masked rows set to NaN: a kernel that read them would give NaN. */
function poisonMasked(values: Float32Array, mask: ArrayLike<number>, width: number): Float32Array {
  const out = values.slice();
  for (let r = 0; r < mask.length; r++) if (mask[r] === 0) out.fill(NaN, r * width, (r + 1) * width);
  return out;
}
const bits = (a: ArrayLike<number>): number[] => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const bits64 = (v: number): number[] => Array.from(new Uint32Array(Float64Array.of(v).buffer));
/** Whether every element is +0 (what a masked row's gradient must be). */
const allPositiveZero = (a: ArrayLike<number>): boolean => Array.prototype.every.call(a, (v: number) => Object.is(v, 0));

describe(`masked losses: the mean over the valid rows, as Keras 3's apply_mask (${replay})`, () => {
  describe.each(MASK_CASES)('$name', (c) => {
    it.each(MASK_SHAPES)('rows=%i width=%i: the valid rows alone, unmasked; masked rows not read, gradient 0', (rows, width) => {
      const pred = c.pred(rows, width);
      const target = c.target(rows, width, pred);
      const mask = randomMask(rows);
      const valid = countValid(mask);
      const targetWidth = c.sparse ? 1 : width;
      const n = rows * width;
      const grad = poisoned(n);
      const value = c.kernel(region(poisonMasked(pred, mask, width)), region(c.sparse ? target : poisonMasked(target, mask, width)), rows, width, grad, region(mask));
      const what = `${c.name} [${rows}, ${width}] masked (${valid} valid)`;
      const validPred = ref.validRows(pred, mask, width);
      const validTarget = ref.validRows(target, mask, targetWidth);
      expectClose(`${what} value`, [value], [ref.mean(c.row, validPred, validTarget, valid, width, c.sparse)], VALUE_TOLERANCE, 1e-3, 'value');
      // The same arithmetic in the same order as the kernel on the valid rows alone: the same bits.
      const alone = poisoned(valid * width);
      expect(bits64(value), `${what}: value vs the valid rows alone (${replay})`).toEqual(bits64(c.kernel(region(validPred), region(validTarget), valid, width, alone)));
      const g = written(grad, n, what);
      const aloneGrad = written(alone, valid * width, `${what} alone`);
      expect(bits(ref.validRows(g, mask, width)), `${what}: gradient of the valid rows vs the valid rows alone (${replay})`).toEqual(bits(aloneGrad));
      for (let r = 0; r < rows; r++) {
        if (mask[r] === 0) expect(allPositiveZero(g.subarray(r * width, (r + 1) * width)), `${what}: gradient row ${r} is masked (${replay})`).toBe(true);
      }
      // The fused gradients are w.r.t. the logits, checked against differences by the fused tests above.
      if (!c.fused) {
        const numeric = ref.finiteDifference(c.row, validPred, validTarget, valid, width, c.sparse);
        expectClose(`${what} gradient`, aloneGrad, numeric, GRADIENT_TOLERANCE, gradientFloor(c.perRow ? 1 / valid : 1 / (valid * width)), 'gradient');
      }
    });

    it.each([[1, 1], [17, 3]])('rows=%i width=%i, every row masked: loss 0 and an all-zero gradient, nothing read (Keras: divide_no_nan)', (rows, width) => {
      const n = rows * width;
      const target = c.sparse ? classIds(rows, width) : new Float32Array(n).fill(NaN);
      const grad = poisoned(n);
      const value = c.kernel(region(new Float32Array(n).fill(NaN)), region(target), rows, width, grad, region(new Float32Array(rows)));
      expect(bits64(value), `${c.name}: ${value}`).toEqual(bits64(0));
      expect(allPositiveZero(written(grad, n, c.name)), c.name).toBe(true);
    });

    it.each([[3, 1], [129, 17]])('rows=%i width=%i, every row valid (any nonzero counts, NaN too): the bits of no mask', (rows, width) => {
      const pred = c.pred(rows, width);
      const target = c.target(rows, width, pred);
      const n = rows * width;
      const mask = f32(Array.from({ length: rows }, (_, r) => [1, 1, 2, -0.5, 1e-30, NaN][r % 6]));
      const [withMask, withOnes, without] = [poisoned(n), poisoned(n), poisoned(n)];
      const v0 = c.kernel(region(pred), region(target), rows, width, without);
      expect(bits64(c.kernel(region(pred), region(target), rows, width, withMask, region(mask))), `${c.name} value (${replay})`).toEqual(bits64(v0));
      expect(bits64(c.kernel(region(pred), region(target), rows, width, withOnes, region(new Float32Array(rows).fill(1)))), `${c.name} value (${replay})`).toEqual(bits64(v0));
      expect(bits(withMask.toArray()), `${c.name} gradient (${replay})`).toEqual(bits(without.toArray()));
      expect(bits(withOnes.toArray()), `${c.name} gradient (${replay})`).toEqual(bits(without.toArray()));
      // Without a gradient, the same value.
      expect(bits64(c.kernel(region(pred), region(target), rows, width, undefined, region(mask))), c.name).toEqual(bits64(v0));
    });
  });
});

describe(`masked metrics: sums over the valid rows (${replay})`, () => {
  type MetricRun = (pred: F32Region, target: F32Region, rows: number, width: number, mask?: F32Region) => number;
  const metricCases = (rows: number, width: number): [string, MetricRun, Float32Array, boolean, (p: ArrayLike<number>, t: ArrayLike<number>, rows: number) => number][] => {
    const yCat = categoricalTargets(rows, width);
    const ids = classIds(rows, width);
    const y01 = f32(Array.from({ length: rows * width }, () => (random() < 0.9 ? (random() < 0.5 ? 0 : 1) : random())));
    const y = regression(rows, width);
    return [
      ['categoricalAccuracy', k.categoricalAccuracySum, yCat, false, (p, t, r) => ref.metricSums.categoricalAccuracy(p, t, r, width)],
      ['sparseCategoricalAccuracy', k.sparseCategoricalAccuracySum, ids, true, (p, t, r) => ref.metricSums.sparseCategoricalAccuracy(p, t, r, width)],
      ['binaryAccuracy 0.25', (p, t, r, w, m) => k.binaryAccuracySum(p, t, r, w, 0.25, m), y01, false, (p, t, r) => ref.metricSums.binaryAccuracy(p, t, r, width, 0.25)],
      ['meanAbsoluteError', k.meanAbsoluteErrorSum, y, false, (p, t, r) => ref.metricSums.meanAbsoluteError(p, t, r, width)],
      ['meanSquaredError', k.meanSquaredErrorSum, y, false, (p, t, r) => ref.metricSums.meanSquaredError(p, t, r, width)],
    ];
  };
  // Quantised predictions: ties (the first maximum wins) and values at the thresholds.
  const quantised = (n: number) => f32(Array.from({ length: n }, () => Math.floor(random() * 5) / 4 - 0.25));

  it.each(MASK_SHAPES)('rows=%i width=%i: the valid rows alone; masked rows not read', (rows, width) => {
    const pred = quantised(rows * width);
    const mask = randomMask(rows);
    const valid = countValid(mask);
    const validPred = ref.validRows(pred, mask, width);
    for (const [name, run, target, sparse, reference] of metricCases(rows, width)) {
      const what = `${name} [${rows}, ${width}] masked (${valid} valid)`;
      const validTarget = ref.validRows(target, mask, sparse ? 1 : width);
      // Only pred is poisoned: a NaN target would make a wrongly counted row a miss for the accuracies.
      const value = run(region(poisonMasked(pred, mask, width)), region(target), rows, width, region(mask));
      expect(bits64(value), `${what} vs the valid rows alone (${replay})`).toEqual(bits64(run(region(validPred), region(validTarget), valid, width)));
      expectClose(what, [value], [reference(validPred, validTarget, valid)], 1e-12, 1e-3, 'value');
    }
  });

  it('every row masked gives 0; every row valid gives the bits of no mask', () => {
    const rows = 17, width = 5;
    const pred = quantised(rows * width);
    for (const [name, run, target] of metricCases(rows, width)) {
      expect(run(region(pred), region(target), rows, width, region(new Float32Array(rows))), name).toBe(0);
      expect(bits64(run(region(pred), region(target), rows, width, region(new Float32Array(rows).fill(1)))), name).toEqual(bits64(run(region(pred), region(target), rows, width)));
    }
  });
});

describe(`fused gradients: the chain rule through the final softmax / sigmoid (${replay})`, () => {
  const FUSED_SHAPES = SHAPES.filter(([, width]) => width > 1);

  it.each(FUSED_SHAPES)('softmax + categoricalCrossentropy rows=%i width=%i', (rows, width) => {
    for (const sparse of [false, true]) {
      const z = uniform(random, rows * width, -4, 4);
      const p = new Float32Array(rows * width);
      for (let r = 0; r < rows; r++) p.set(ref.softmax(ref.row(z, r, width)), r * width);
      const target = sparse ? classIds(rows, width) : categoricalTargets(rows, width);
      const run = (mode: CrossentropyMode, grad: F32Region) =>
        (sparse ? k.sparseCategoricalCrossentropy : k.categoricalCrossentropy)(region(p), region(target), rows, width, mode, grad);
      const fused = poisoned(rows * width);
      const value = run('fused', fused);
      const dp = poisoned(rows * width);
      expect(value, 'the fused loss is the probabilities loss').toBe(run('probabilities', dp));
      const dz = written(fused, rows * width, 'fused');
      const what = `${sparse ? 'sparse ' : ''}fused [${rows}, ${width}]`;
      // Independently: differences of the loss of softmax(z) w.r.t. z.
      const probabilityRow = (sparse ? ref.rowLosses.sparseCategoricalCrossentropy : ref.rowLosses.categoricalCrossentropy)(false);
      const numeric = ref.finiteDifference((zr, y) => probabilityRow(ref.softmax(zr), y), z, target, rows, width, sparse);
      expectClose(`${what} vs differences through softmax`, dz, numeric, GRADIENT_TOLERANCE, gradientFloor(1 / rows), 'gradient');
      // The chain rule applied to the kernel's own probability gradient: dz = p ⊙ (dp − ⟨dp, p⟩).
      const g = written(dp, rows * width, 'probabilities');
      const chained = new Float64Array(rows * width);
      for (let r = 0; r < rows; r++) {
        let dot = 0;
        for (let j = 0; j < width; j++) dot += g[r * width + j] * p[r * width + j];
        for (let j = 0; j < width; j++) chained[r * width + j] = p[r * width + j] * (g[r * width + j] - dot);
      }
      expectClose(`${what} vs Jᵀ·(probability gradient)`, dz, chained, GRADIENT_TOLERANCE, gradientFloor(1 / rows), 'gradient');
    }
  });

  it.each(SHAPES)('sigmoid + binaryCrossentropy rows=%i width=%i', (rows, width) => {
    const n = rows * width;
    const z = uniform(random, n, -6, 6);
    const p = f32(Array.from(z, ref.sigmoid));
    const target = binaryTargets(n);
    const fused = poisoned(n);
    const dp = poisoned(n);
    const value = k.binaryCrossentropy(region(p), region(target), rows, width, 'fused', fused);
    expect(value).toBe(k.binaryCrossentropy(region(p), region(target), rows, width, 'probabilities', dp));
    const dz = written(fused, n, 'fused');
    const bce = ref.rowLosses.binaryCrossentropy(false);
    const numeric = ref.finiteDifference((zr, y) => bce(Array.from(zr, ref.sigmoid), y), z, target, rows, width);
    expectClose(`sigmoid fused [${rows}, ${width}] vs differences`, dz, numeric, GRADIENT_TOLERANCE, gradientFloor(1 / n), 'gradient');
    const g = written(dp, n, 'probabilities');
    const chained = Float64Array.from(g, (v, i) => v * p[i] * (1 - p[i]));
    expectClose(`sigmoid fused [${rows}, ${width}] vs dp·σ'`, dz, chained, GRADIENT_TOLERANCE, gradientFloor(1 / n), 'gradient');
    // Exactly (p − y)/(rows·width), rounded once.
    expect([...dz]).toEqual([...p].map((v, i) => Math.fround((v - target[i]) / n)));
  });

  it('one-hot softmax gradients are exactly (p − y)/rows, and sparse ids give the same bits as one-hot rows', () => {
    const rows = 17, width = 17;
    const p = probabilityRows(rows * width);
    const ids = classIds(rows, width);
    const oneHot = new Float32Array(rows * width);
    ids.forEach((id, r) => (oneHot[r * width + id] = 1));
    for (const mode of ['fused', 'logits'] as const) {
      const dense = poisoned(rows * width);
      const sparse = poisoned(rows * width);
      const a = k.categoricalCrossentropy(region(p), region(oneHot), rows, width, mode, dense);
      const b = k.sparseCategoricalCrossentropy(region(p), region(ids), rows, width, mode, sparse);
      expect(b, mode).toBe(a);
      expect(new Uint32Array(written(sparse, rows * width, mode).slice().buffer), mode).toEqual(new Uint32Array(written(dense, rows * width, mode).slice().buffer));
    }
    const g = poisoned(rows * width);
    k.categoricalCrossentropy(region(p), region(oneHot), rows, width, 'fused', g);
    expect([...written(g, rows * width, 'fused')]).toEqual([...p].map((v, i) => Math.fround((v - oneHot[i]) / rows)));
  });
});

describe(`stability at the edges (${replay})`, () => {
  const EDGES = [0, 1e-30, 1e-12, 1e-7, 5e-7, 0.5, 1 - 1e-7, 1 - 1e-8, 1];

  it('binary cross-entropy on probabilities 0 … 1: clipped like Keras, gradient 0 where clipped, fused finite', () => {
    const p = f32(EDGES.flatMap((v) => [v, v]));
    const y = f32(EDGES.flatMap(() => [0, 1]));
    const rows = p.length, width = 1;
    const grad = poisoned(rows);
    const value = k.binaryCrossentropy(region(p), region(y), rows, width, 'probabilities', grad);
    expectClose('edge BCE value', [value], [ref.mean(ref.rowLosses.binaryCrossentropy(false), p, y, rows, width)], VALUE_TOLERANCE, 1e-3, 'value');
    const g = written(grad, rows, 'edge BCE');
    p.forEach((v, i) => {
      if (v < ref.EPSILON || v > ref.ONE_MINUS_EPSILON) expect(g[i], `p=${v}: clipped, no gradient`).toBe(0);
      else expect(Number.isFinite(g[i]), `p=${v}`).toBe(true);
    });
    const fused = poisoned(rows);
    k.binaryCrossentropy(region(p), region(y), rows, width, 'fused', fused);
    expect([...written(fused, rows, 'edge fused')]).toEqual([...p].map((v, i) => Math.fround((v - y[i]) / rows)));
  });

  it('categorical cross-entropy on rows with exact zeros and ones: −log ε, finite gradients', () => {
    const width = 3;
    const p = f32([1, 0, 0, 0, 1, 0, 0.5, 0.5, 0, 1e-12, 1 - 1e-7, 0]);
    const y = f32([0, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]);
    const rows = 4;
    for (const mode of ['probabilities', 'fused'] as const) {
      const grad = poisoned(rows * width);
      const value = k.categoricalCrossentropy(region(p), region(y), rows, width, mode, grad);
      expectClose(`edge CCE ${mode}`, [value], [ref.mean(ref.rowLosses.categoricalCrossentropy(false), p, y, rows, width)], VALUE_TOLERANCE, 1e-3, 'value');
      expect(value).toBeCloseTo((-Math.log(ref.EPSILON) * 3 - Math.log(ref.ONE_MINUS_EPSILON)) / 4, 6);
      expect(written(grad, rows * width, mode).every(Number.isFinite), mode).toBe(true);
    }
  });

  it.each([80, 100, 1000, 1e30])('logits of magnitude %d: no NaN/Inf, values and gradients match the stable reference', (scale) => {
    const rows = 17, width = 5, n = rows * width;
    const z = f32(Array.from({ length: n }, () => (random() < 0.5 ? -scale : scale) * (random() < 0.3 ? 1 : random())));
    const cases = [
      { name: 'binary', run: (g: F32Region) => k.binaryCrossentropy(region(z), region(y01), rows, width, 'logits', g), row: ref.rowLosses.binaryCrossentropy(true), target: () => y01, sparse: false },
      { name: 'categorical', run: (g: F32Region) => k.categoricalCrossentropy(region(z), region(yCat), rows, width, 'logits', g), row: ref.rowLosses.categoricalCrossentropy(true), target: () => yCat, sparse: false },
      { name: 'sparse', run: (g: F32Region) => k.sparseCategoricalCrossentropy(region(z), region(ids), rows, width, 'logits', g), row: ref.rowLosses.sparseCategoricalCrossentropy(true), target: () => ids, sparse: true },
    ];
    const y01 = f32(Array.from({ length: n }, () => (random() < 0.5 ? 0 : 1)));
    const yCat = categoricalTargets(rows, width);
    const ids = classIds(rows, width);
    for (const c of cases) {
      const grad = poisoned(n);
      const value = c.run(grad);
      const g = written(grad, n, c.name);
      expect(Number.isFinite(value), `${c.name} ±${scale}: loss ${value}`).toBe(true);
      expect(g.every(Number.isFinite), `${c.name} ±${scale}: gradient finite`).toBe(true);
      expectClose(`${c.name} ±${scale} value`, [value], [ref.mean(c.row, z, c.target(), rows, width, c.sparse)], VALUE_TOLERANCE, 1e-3, 'value');
      // Analytic: (σ(z) − y)/(rows·width) and (softmax(z)·Σy − y)/rows.
      const expected = new Float64Array(n);
      for (let r = 0; r < rows; r++) {
        const zr = ref.row(z, r, width);
        const yr = c.sparse ? ref.oneHot(ids[r], width) : ref.row(c.target(), r, width);
        if (c.name === 'binary') for (let j = 0; j < width; j++) expected[r * width + j] = (ref.sigmoid(zr[j]) - yr[j]) / n;
        else {
          const s = ref.softmax(zr);
          let sy = 0;
          for (let j = 0; j < width; j++) sy += yr[j];
          for (let j = 0; j < width; j++) expected[r * width + j] = (s[j] * sy - yr[j]) / rows;
        }
      }
      expectClose(`${c.name} ±${scale} gradient`, g, expected, GRADIENT_TOLERANCE, gradientFloor(c.name === 'binary' ? 1 / n : 1 / rows), 'gradient');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe(`TF.js 4.22 parity (${replay})`, () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const TF_TOLERANCE = 1e-5;
  /**
   * Values below 0.1 are compared absolutely (to 1e-6): TF.js works in float32, e.g. its
   * logSumExp(z) − z_c for logits up to ±8 has ~5e-7 of absolute error.
   */
  const TF_VALUE_FLOOR = 0.1;

  /** TF.js value and gradient of lossFn(target, pred) w.r.t. pred. */
  function tfLoss(lossFn: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor, pred: Float32Array, target: Float32Array, shape: number[]): { value: number; grad: Float32Array } {
    return tf.tidy(() => {
      const y = tf.tensor(target, shape);
      const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => lossFn(y, p) as tf.Scalar)(tf.tensor(pred, shape));
      return { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
    });
  }
  const meanOf = (f: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor) => (y: tf.Tensor, p: tf.Tensor) => tf.mean(f(y, p));
  const oneHotOf = (ids: Float32Array, width: number) => {
    const y = new Float32Array(ids.length * width);
    ids.forEach((id, r) => (y[r * width + id] = 1));
    return y;
  };
  interface TfCase {
    name: string;
    tf: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor;
    ours: (p: F32Region, t: F32Region, rows: number, width: number, g: F32Region) => number;
    inputs: (rows: number, width: number) => [Float32Array, Float32Array, Float32Array?];
    perRow?: boolean;
    /** TF.js's binary cross-entropy differentiates through σ(log(p/(1 − p))) in float32: a coarser absolute floor. */
    floorUnits?: number;
  }
  const TF_CASES: TfCase[] = [
    { name: 'meanSquaredError (tf.losses.meanSquaredError)', tf: (y, p) => tf.losses.meanSquaredError(y, p), ours: k.meanSquaredError, inputs: (r, w) => [regression(r, w), regression(r, w)] },
    { name: 'meanAbsoluteError (tf.losses.absoluteDifference)', tf: (y, p) => tf.losses.absoluteDifference(y, p), ours: k.meanAbsoluteError, inputs: (r, w) => [regression(r, w), regression(r, w)] },
    { name: 'huber delta=0.5 (tf.losses.huberLoss)', tf: (y, p) => tf.losses.huberLoss(y, p, undefined, 0.5), ours: (p, t, r, w, g) => k.huber(p, t, r, w, 0.5, g), inputs: (r, w) => [regression(r, w), regression(r, w)] },
    { name: 'binaryCrossentropy (tf.metrics.binaryCrossentropy)', floorUnits: 1, tf: meanOf(tf.metrics.binaryCrossentropy), ours: (p, t, r, w, g) => k.binaryCrossentropy(p, t, r, w, 'probabilities', g), inputs: (r, w) => [uniform(random, r * w, 0.01, 0.99), binaryTargets(r * w)] },
    { name: 'binaryCrossentropy fromLogits (tf.losses.sigmoidCrossEntropy)', tf: (y, p) => tf.losses.sigmoidCrossEntropy(y, p), ours: (p, t, r, w, g) => k.binaryCrossentropy(p, t, r, w, 'logits', g), inputs: (r, w) => [uniform(random, r * w, -8, 8), binaryTargets(r * w)] },
    { name: 'categoricalCrossentropy (tf.metrics.categoricalCrossentropy)', perRow: true, tf: meanOf(tf.metrics.categoricalCrossentropy), ours: (p, t, r, w, g) => k.categoricalCrossentropy(p, t, r, w, 'probabilities', g), inputs: (r, w) => [probabilityRows(r * w), categoricalTargets(r, w)] },
    {
      name: 'categoricalCrossentropy fromLogits (tf.losses.softmaxCrossEntropy, one-hot)',
      perRow: true,
      tf: (y, p) => tf.losses.softmaxCrossEntropy(y, p),
      ours: (p, t, r, w, g) => k.categoricalCrossentropy(p, t, r, w, 'logits', g),
      inputs: (r, w) => [uniform(random, r * w, -8, 8), oneHotOf(classIds(r, w), w)],
    },
    {
      name: 'sparseCategoricalCrossentropy (one-hot tf.metrics.categoricalCrossentropy)',
      perRow: true,
      tf: meanOf(tf.metrics.categoricalCrossentropy),
      ours: (p, t, r, w, g) => k.sparseCategoricalCrossentropy(p, t, r, w, 'probabilities', g),
      inputs: (r, w) => {
        const ids = classIds(r, w);
        return [softmaxRows(r, w), oneHotOf(ids, w), ids];
      },
    },
    {
      name: 'sparseCategoricalCrossentropy fromLogits (one-hot tf.losses.softmaxCrossEntropy)',
      perRow: true,
      tf: (y, p) => tf.losses.softmaxCrossEntropy(y, p),
      ours: (p, t, r, w, g) => k.sparseCategoricalCrossentropy(p, t, r, w, 'logits', g),
      inputs: (r, w) => {
        const ids = classIds(r, w);
        return [uniform(random, r * w, -8, 8), oneHotOf(ids, w), ids];
      },
    },
  ];
  const TF_SHAPES = [[1, 2], [3, 1], [17, 3], [129, 17]] as const;

  describe.each(TF_CASES)('$name', (c) => {
    it.each(TF_SHAPES)('[%i, %i]', (rows, width) => {
      const [pred, target, ids] = c.inputs(rows, width);
      const theirs = tfLoss(c.tf, pred, target, [rows, width]);
      const grad = poisoned(rows * width);
      const value = c.ours(region(pred), region(ids ?? target), rows, width, grad);
      expectClose(`${c.name} [${rows}, ${width}] value vs TF.js`, [value], [theirs.value], TF_TOLERANCE, TF_VALUE_FLOOR, 'tfjs');
      expectClose(`${c.name} [${rows}, ${width}] gradient vs TF.js`, written(grad, rows * width, c.name), theirs.grad, TF_TOLERANCE, tfGradientFloor(c.perRow ? 1 / rows : 1 / (rows * width), c.floorUnits), 'tfjs');
    });
  });

  /**
   * Masked: tf.losses.* given the mask as weights, reduced by SUM_BY_NONZERO_WEIGHTS (their
   * default): Σ(loss·w) / (the count of nonzero weights broadcast to the loss's shape), i.e. the
   * mean over the valid rows — for the element-wise losses the weights are [rows, 1], so the
   * count is valid·width. (With no valid row TF.js gives 0/0 = NaN; Keras and seqwasm give 0.)
   */
  interface MaskedTfCase {
    name: string;
    tf: (y: tf.Tensor, p: tf.Tensor, weights: tf.Tensor) => tf.Tensor;
    /** The weights' shape: [rows] for per-row losses, [rows, 1] for element-wise ones. */
    perElement: boolean;
    ours: (p: F32Region, t: F32Region, rows: number, width: number, g: F32Region, m: F32Region) => number;
    inputs: (rows: number, width: number) => [Float32Array, Float32Array, Float32Array?];
    floorUnits?: number;
  }
  const BY_NONZERO = tf.Reduction.SUM_BY_NONZERO_WEIGHTS;
  const MASKED_TF_CASES: MaskedTfCase[] = [
    { name: 'meanSquaredError (tf.losses.meanSquaredError)', perElement: true, tf: (y, p, w) => tf.losses.meanSquaredError(y, p, w, BY_NONZERO), ours: k.meanSquaredError, inputs: (r, w) => [regression(r, w), regression(r, w)] },
    { name: 'meanAbsoluteError (tf.losses.absoluteDifference)', perElement: true, tf: (y, p, w) => tf.losses.absoluteDifference(y, p, w, BY_NONZERO), ours: k.meanAbsoluteError, inputs: (r, w) => [regression(r, w), regression(r, w)] },
    { name: 'huber delta=0.5 (tf.losses.huberLoss)', perElement: true, tf: (y, p, w) => tf.losses.huberLoss(y, p, w, 0.5, BY_NONZERO), ours: (p, t, r, w, g, m) => k.huber(p, t, r, w, 0.5, g, m), inputs: (r, w) => [regression(r, w), regression(r, w)] },
    { name: 'binaryCrossentropy fromLogits (tf.losses.sigmoidCrossEntropy)', perElement: true, tf: (y, p, w) => tf.losses.sigmoidCrossEntropy(y, p, w, 0, BY_NONZERO), ours: (p, t, r, w, g, m) => k.binaryCrossentropy(p, t, r, w, 'logits', g, m), inputs: (r, w) => [uniform(random, r * w, -8, 8), binaryTargets(r * w)] },
    { name: 'binaryCrossentropy (tf.metrics.binaryCrossentropy per row, tf.losses.computeWeightedLoss)', perElement: false, floorUnits: 1, tf: (y, p, w) => tf.losses.computeWeightedLoss(tf.metrics.binaryCrossentropy(y, p), w, BY_NONZERO), ours: (p, t, r, w, g, m) => k.binaryCrossentropy(p, t, r, w, 'probabilities', g, m), inputs: (r, w) => [uniform(random, r * w, 0.01, 0.99), binaryTargets(r * w)] },
    { name: 'categoricalCrossentropy (tf.metrics.categoricalCrossentropy per row, tf.losses.computeWeightedLoss)', perElement: false, tf: (y, p, w) => tf.losses.computeWeightedLoss(tf.metrics.categoricalCrossentropy(y, p), w, BY_NONZERO), ours: (p, t, r, w, g, m) => k.categoricalCrossentropy(p, t, r, w, 'probabilities', g, m), inputs: (r, w) => [probabilityRows(r * w), categoricalTargets(r, w)] },
    // One-hot: TF.js's softmaxCrossEntropy gradient assumes rows of labels that sum to 1.
    { name: 'categoricalCrossentropy fromLogits (tf.losses.softmaxCrossEntropy, one-hot)', perElement: false, tf: (y, p, w) => tf.losses.softmaxCrossEntropy(y, p, w, 0, BY_NONZERO), ours: (p, t, r, w, g, m) => k.categoricalCrossentropy(p, t, r, w, 'logits', g, m), inputs: (r, w) => [uniform(random, r * w, -8, 8), oneHotOf(classIds(r, w), w)] },
    {
      name: 'sparseCategoricalCrossentropy fromLogits (one-hot tf.losses.softmaxCrossEntropy)',
      perElement: false,
      tf: (y, p, w) => tf.losses.softmaxCrossEntropy(y, p, w, 0, BY_NONZERO),
      ours: (p, t, r, w, g, m) => k.sparseCategoricalCrossentropy(p, t, r, w, 'logits', g, m),
      inputs: (r, w) => {
        const ids = classIds(r, w);
        return [uniform(random, r * w, -8, 8), oneHotOf(ids, w), ids];
      },
    },
  ];

  describe.each(MASKED_TF_CASES)('masked $name', (c) => {
    it.each(TF_SHAPES)('[%i, %i] with a random row mask', (rows, width) => {
      const [pred, target, ids] = c.inputs(rows, width);
      const mask = randomMask(rows);
      const valid = countValid(mask);
      const theirs = tfLoss((y, p) => c.tf(y, p, tf.tensor(mask, c.perElement ? [rows, 1] : [rows])), pred, target, [rows, width]);
      const grad = poisoned(rows * width);
      const value = c.ours(region(pred), region(ids ?? target), rows, width, grad, region(mask));
      const what = `masked ${c.name} [${rows}, ${width}] (${valid} valid)`;
      expectClose(`${what} value vs TF.js`, [value], [theirs.value], TF_TOLERANCE, TF_VALUE_FLOOR, 'tfjs');
      expectClose(`${what} gradient vs TF.js`, written(grad, rows * width, c.name), theirs.grad, TF_TOLERANCE, tfGradientFloor(c.perElement ? 1 / (valid * width) : 1 / valid, c.floorUnits), 'tfjs');
    });
  });

  it.each(TF_SHAPES.filter(([, w]) => w > 1))('fused softmax + categoricalCrossentropy [%i, %i] vs tf.grad through tf.softmax', (rows, width) => {
    const z = uniform(random, rows * width, -4, 4);
    const y = categoricalTargets(rows, width);
    const theirs = tfLoss((yt, zt) => tf.mean(tf.metrics.categoricalCrossentropy(yt, tf.softmax(zt))), z, y, [rows, width]);
    const p = tf.tidy(() => tf.softmax(tf.tensor(z, [rows, width])).dataSync() as Float32Array);
    const grad = poisoned(rows * width);
    const value = k.categoricalCrossentropy(region(p), region(y), rows, width, 'fused', grad);
    expectClose('fused softmax value vs TF.js', [value], [theirs.value], TF_TOLERANCE, TF_VALUE_FLOOR, 'tfjs');
    expectClose('fused softmax gradient vs TF.js', written(grad, rows * width, 'fused'), theirs.grad, TF_TOLERANCE, tfGradientFloor(1 / rows), 'tfjs');
  });

  it.each(TF_SHAPES)('fused sigmoid + binaryCrossentropy [%i, %i] vs tf.grad through tf.sigmoid', (rows, width) => {
    const z = uniform(random, rows * width, -6, 6);
    const y = binaryTargets(rows * width);
    const theirs = tfLoss((yt, zt) => tf.mean(tf.metrics.binaryCrossentropy(yt, tf.sigmoid(zt))), z, y, [rows, width]);
    const p = tf.tidy(() => tf.sigmoid(tf.tensor(z, [rows, width])).dataSync() as Float32Array);
    const grad = poisoned(rows * width);
    const value = k.binaryCrossentropy(region(p), region(y), rows, width, 'fused', grad);
    expectClose('fused sigmoid value vs TF.js', [value], [theirs.value], TF_TOLERANCE, TF_VALUE_FLOOR, 'tfjs');
    expectClose('fused sigmoid gradient vs TF.js', written(grad, rows * width, 'fused'), theirs.grad, TF_TOLERANCE, tfGradientFloor(1 / (rows * width)), 'tfjs');
  });

  it.each(TF_SHAPES)('metrics [%i, %i] vs tf.metrics (summed over rows)', (rows, width) => {
    // Quantised predictions so that rows have tied maxima: the first maximum wins in both.
    const pred = f32(Array.from({ length: rows * width }, () => Math.floor(random() * 4) / 4));
    const yCat = categoricalTargets(rows, width);
    const ids = classIds(rows, width);
    const y01 = f32(Array.from({ length: rows * width }, () => (random() < 0.9 ? (random() < 0.5 ? 0 : 1) : 0.5)));
    const y = regression(rows, width);
    const tfSum = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, target: Float32Array, shape: number[]) =>
      tf.tidy(() => tf.sum(f(tf.tensor(target, shape), tf.tensor(pred, [rows, width]))).dataSync()[0]);
    const shape = [rows, width];
    expect(k.categoricalAccuracySum(region(pred), region(yCat), rows, width)).toBe(tfSum(tf.metrics.categoricalAccuracy, yCat, shape));
    expect(k.sparseCategoricalAccuracySum(region(pred), region(ids), rows, width)).toBe(tfSum(tf.metrics.sparseCategoricalAccuracy, ids, [rows]));
    expectClose('binaryAccuracy', [k.binaryAccuracySum(region(pred), region(y01), rows, width)], [tfSum(tf.metrics.binaryAccuracy, y01, shape)], TF_TOLERANCE, 1, 'tfjs');
    expectClose('mae', [k.meanAbsoluteErrorSum(region(pred), region(y), rows, width)], [tfSum(tf.metrics.meanAbsoluteError, y, shape)], TF_TOLERANCE, 1e-3, 'tfjs');
    expectClose('mse', [k.meanSquaredErrorSum(region(pred), region(y), rows, width)], [tfSum(tf.metrics.meanSquaredError, y, shape)], TF_TOLERANCE, 1e-3, 'tfjs');
  });
});

describe(`metric kernels vs the reference (${replay})`, () => {
  it.each(SHAPES)('rows=%i width=%i', (rows, width) => {
    const n = rows * width;
    const pred = f32(Array.from({ length: n }, () => Math.floor(random() * 5) / 4 - 0.25)); // ties, and values at the threshold
    const yCat = categoricalTargets(rows, width);
    const ids = classIds(rows, width);
    const y01 = f32(Array.from({ length: n }, () => (random() < 0.9 ? (random() < 0.5 ? 0 : 1) : random())));
    const y = regression(rows, width);
    expect(k.categoricalAccuracySum(region(pred), region(yCat), rows, width)).toBe(ref.metricSums.categoricalAccuracy(pred, yCat, rows, width));
    expect(k.sparseCategoricalAccuracySum(region(pred), region(ids), rows, width)).toBe(ref.metricSums.sparseCategoricalAccuracy(pred, ids, rows, width));
    for (const threshold of [0.5, 0, 0.25]) {
      expectClose(`binaryAccuracy threshold ${threshold}`, [k.binaryAccuracySum(region(pred), region(y01), rows, width, threshold)], [ref.metricSums.binaryAccuracy(pred, y01, rows, width, threshold)], 1e-12, 1, 'value');
    }
    expectClose('mae', [k.meanAbsoluteErrorSum(region(pred), region(y), rows, width)], [ref.metricSums.meanAbsoluteError(pred, y, rows, width)], 1e-12, 1e-3, 'value');
    expectClose('mse', [k.meanSquaredErrorSum(region(pred), region(y), rows, width)], [ref.metricSums.meanSquaredError(pred, y, rows, width)], 1e-12, 1e-3, 'value');
  });

  it('argmax: the first maximum wins, a NaN wins as in numpy, and zero rows sum to 0', () => {
    const width = 6;
    const pred = f32([1, 3, 3, 0, 0, 3, /**/ -1, -1, -1, -1, -1, -1, /**/ 0, 1, NaN, 2, NaN, 0, /**/ 0, 0, 0, 0, 0, 7]);
    const ids = f32([1, 0, 2, 5]);
    expect(k.sparseCategoricalAccuracySum(region(pred), region(ids), 4, width)).toBe(4);
    expect(k.sparseCategoricalAccuracySum(region(pred), region(ids), 0, width)).toBe(0);
    expect(k.categoricalAccuracySum(region(pred), region(pred), 0, width)).toBe(0);
  });
});

describe(`determinism (${replay})`, () => {
  it.each(CASES)('$name: the same bits twice', (c) => {
    const rows = 129, width = 17, n = rows * width;
    const predValues = c.pred(rows, width);
    const pred = region(predValues);
    const target = region(c.target(rows, width, predValues));
    const g1 = poisoned(n), g2 = poisoned(n);
    const v1 = c.kernel(pred, target, rows, width, g1);
    const v2 = c.kernel(pred, target, rows, width, g2);
    expect(new Uint32Array(Float64Array.of(v2).buffer)).toEqual(new Uint32Array(Float64Array.of(v1).buffer));
    expect(new Uint32Array(g2.toArray().buffer)).toEqual(new Uint32Array(g1.toArray().buffer));
  });
});

describe('argument errors', () => {
  const rows = 3, width = 4, n = rows * width;
  const p = () => region(probabilityRows(n));
  const y = () => region(categoricalTargets(rows, width));

  it('class ids must be integers in [0, width): checked before Wasm, the gradient untouched', () => {
    for (const bad of [1.5, -1, 4, NaN, Infinity]) {
      const grad = poisoned(n);
      expect(() => k.sparseCategoricalCrossentropy(p(), region([0, bad, 2]), rows, width, 'fused', grad)).toThrow(
        new RangeError(`lossSparseCategoricalCrossentropy(target): expected class ids, integers in [0, 4), got target[1] = ${bad}`),
      );
      expect(grad.toArray().subarray(0, n).every(Number.isNaN)).toBe(true);
      expect(() => k.sparseCategoricalAccuracySum(p(), region([0, 1, bad]), rows, width)).toThrow(/metricSparseCategoricalAccuracy\(target\): expected class ids.*target\[2\]/);
    }
  });

  it('sizes: pred, target and grad must hold their floats; rows >= 1 for a loss, width >= 1', () => {
    expect(() => k.meanSquaredError(region(new Float32Array(n - 1)), y(), rows, width)).toThrow(new RangeError(`lossMeanSquaredError(pred): needs ${n} floats but the region holds ${n - 1}`));
    expect(() => k.categoricalCrossentropy(p(), region(new Float32Array(n - 1)), rows, width)).toThrow(/lossCategoricalCrossentropy\(target\): needs 12 floats but the region holds 11/);
    expect(() => k.sparseCategoricalCrossentropy(p(), region([0, 1]), rows, width)).toThrow(/lossSparseCategoricalCrossentropy\(target\): needs 3 floats but the region holds 2/);
    expect(() => k.binaryCrossentropy(p(), y(), rows, width, 'probabilities', region(new Float32Array(n - 1)))).toThrow(/lossBinaryCrossentropy\(grad\): needs 12 floats/);
    expect(() => k.huber(p(), y(), 0, width)).toThrow(new RangeError('lossHuber(rows): expected an integer >= 1, got 0'));
    expect(() => k.meanAbsoluteError(p(), y(), 1.5, width)).toThrow(/lossMeanAbsoluteError\(rows\): expected an integer >= 1, got 1.5/);
    expect(() => k.meanAbsoluteErrorSum(p(), y(), rows, 0)).toThrow(/metricMeanAbsoluteError\(width\): expected an integer >= 1, got 0/);
    expect(k.meanAbsoluteErrorSum(p(), y(), 0, width)).toBe(0);
  });

  it('grad may not overlap pred or target; regions must be live arena regions', () => {
    const pred = p();
    expect(() => k.meanSquaredError(pred, y(), rows, width, pred)).toThrow(/lossMeanSquaredError\(grad\): expected no overlap with pred/);
    const target = y();
    expect(() => k.categoricalCrossentropy(p(), target, rows, width, 'fused', target)).toThrow(/lossCategoricalCrossentropy\(grad\): expected no overlap with target/);
    expect(() => k.meanSquaredError(new Float32Array(n) as unknown as F32Region, y(), rows, width)).toThrow(TypeError);
  });

  it('mask: a live region of rows floats, apart from grad; checked before Wasm, the gradient untouched', () => {
    const grad = poisoned(n);
    expect(() => k.categoricalCrossentropy(p(), y(), rows, width, 'fused', grad, region([1, 0]))).toThrow(new RangeError('lossCategoricalCrossentropy(mask): needs 3 floats but the region holds 2'));
    expect(grad.toArray().subarray(0, n).every(Number.isNaN)).toBe(true);
    expect(() => k.sparseCategoricalAccuracySum(p(), region([0, 1, 2]), rows, width, region([1]))).toThrow(/metricSparseCategoricalAccuracy\(mask\): needs 3 floats but the region holds 1/);
    expect(() => k.huber(p(), y(), rows, width, 1, undefined, Float32Array.of(1, 1, 1) as unknown as F32Region)).toThrow(TypeError);
    // The kernel reads a row's mask after writing earlier rows' gradients: no overlap.
    const shared = region(new Float32Array(n + rows));
    const inside = shared.sub(n - 1, rows);
    expect(() => k.meanSquaredError(p(), y(), rows, width, shared, inside)).toThrow(/lossMeanSquaredError\(grad\): expected no overlap with mask/);
  });

  it('options: mode, delta and threshold', () => {
    expect(() => k.binaryCrossentropy(p(), y(), rows, width, 'logit' as CrossentropyMode)).toThrow(new RangeError('lossBinaryCrossentropy(mode): expected one of probabilities, fused, logits, got logit'));
    for (const delta of [0, -1, NaN, Infinity]) expect(() => k.huber(p(), y(), rows, width, delta)).toThrow(`lossHuber(delta): expected a finite number > 0, got ${delta}`);
    expect(() => k.huber(p(), y(), rows, width, '1' as unknown as number)).toThrow(TypeError);
    expect(() => k.binaryAccuracySum(p(), y(), rows, width, NaN)).toThrow('metricBinaryAccuracy(threshold): expected a finite number, got NaN');
  });
});

describe('speed', () => {
  it('softmax cross-entropy on [100, 10] is far below a millisecond', () => {
    const rows = 100, width = 10, n = rows * width;
    const p = region(probabilityRows(n));
    const z = region(uniform(random, n, -5, 5));
    const ids = region(classIds(rows, width));
    const y = region(categoricalTargets(rows, width));
    const grad = poisoned(n);
    const time = (run: () => void): number => {
      for (let i = 0; i < 200; i++) run(); // past V8's baseline tier
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        run();
        times.push(performance.now() - t0);
      }
      return times.sort((a, b) => a - b)[100];
    };
    const fused = time(() => k.categoricalCrossentropy(p, y, rows, width, 'fused', grad));
    const sparse = time(() => k.sparseCategoricalCrossentropy(p, ids, rows, width, 'fused', grad));
    const logits = time(() => k.categoricalCrossentropy(z, y, rows, width, 'logits', grad));
    const probabilities = time(() => k.categoricalCrossentropy(p, y, rows, width, 'probabilities', grad));
    console.log(`softmax CE [100, 10] median µs: fused ${(fused * 1e3).toFixed(1)}, sparse fused ${(sparse * 1e3).toFixed(1)}, logits ${(logits * 1e3).toFixed(1)}, probabilities ${(probabilities * 1e3).toFixed(1)}`);
    expect(Math.max(fused, sparse, logits, probabilities)).toBeLessThan(1);
  });
});
