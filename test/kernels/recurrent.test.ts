// The whole-layer recurrent kernels (assembly/recurrent through src/kernels/recurrent.ts)
// against the independent float64 reference (test/reference): SimpleRNN, LSTM and GRU (both
// reset variants), forward and backward, on odd shapes and a sampled cover of every option
// (activations, bias, goBackwards, initial states, lengths and masks with holes,
// zeroOutputForMask, dropout masks, maxSteps, sequence and last-step gradients); a direct
// finite-difference check of the float32 Wasm backward; poisoned outputs and guard bands;
// bit-for-bit determinism; and argument errors that leave every output untouched.
import { afterEach, describe, expect, it } from 'vitest';
import type { F32Region } from '../../src/runtime/arena.js';
import { arena } from '../../src/runtime/module.js';
import {
  fixedRecurrentSpec, packRecurrentWeights, recurrentBackward, recurrentPackedSize, recurrentForward, recurrentTapeSize, recurrentWeightShapes,
  type RecurrentActivation, type RecurrentCell, type RecurrentSpec,
} from '../../src/kernels/recurrent.js';
import * as ref from '../reference/index.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

/** An independent random stream per label, so one test replays alone with its seed. */
function streamFor(label: string): () => number {
  let h = seed;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x9e3779b1);
  return rng(h >>> 0);
}

/** Floats of poison on each side of every region the kernels see. */
const GUARD = 8;
const live: { outer: F32Region; inner: F32Region; name: string }[] = [];
afterEach(() => {
  for (const { outer } of live.splice(0)) arena().free(outer);
});

/** A region holding `values` (or `values` floats of NaN), inside NaN guard bands. */
function guarded(name: string, values: ArrayLike<number> | number): F32Region {
  const n = typeof values === 'number' ? values : values.length;
  const outer = arena().allocF32(n + 2 * GUARD);
  outer.view().fill(NaN);
  const inner = outer.sub(GUARD, n);
  if (typeof values !== 'number') inner.set(values);
  live.push({ outer, inner, name });
  return inner;
}

/** Every guard band still holds only NaN. */
function expectGuardsIntact(context: string): void {
  for (const { outer, name } of live) {
    const v = outer.view();
    for (const i of [...Array(GUARD).keys(), ...Array.from({ length: GUARD }, (_, k) => v.length - 1 - k)]) {
      if (!Number.isNaN(v[i])) expect.fail(`${context}: a kernel wrote outside ${name} (guard float ${i} = ${v[i]}; ${replay})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One problem, run through the Wasm kernels and through the reference.

interface Problem {
  spec: RecurrentSpec & { activation: RecurrentActivation; recurrentActivation: RecurrentActivation };
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias?: Float32Array;
  h0?: Float32Array;
  c0?: Float32Array;
  lengths?: number[];
  mask?: Float32Array;
  inputDropoutMask?: Float32Array;
  recurrentDropoutMask?: Float32Array;
  /** Upstream gradients. */
  dSequence?: Float32Array;
  dFinalH?: Float32Array;
  dFinalC?: Float32Array;
  /** What the gradient buffers hold before backward (to check accumulation). */
  prior: { dx: Float32Array; dH0: Float32Array; dC0: Float32Array; dKernel: Float32Array; dRecurrentKernel: Float32Array; dBias?: Float32Array };
}

interface Result {
  sequence: Float32Array;
  finalH: Float32Array;
  finalC?: Float32Array;
  dx?: Float32Array;
  dH0?: Float32Array;
  dC0?: Float32Array;
  dKernel?: Float32Array;
  dRecurrentKernel?: Float32Array;
  dBias?: Float32Array;
}

function runWasm(p: Problem, backward = true): Result {
  const { spec } = p;
  const { batch: B, steps: T, units: U } = spec;
  const lstm = spec.cell === 'lstm';
  const weights = {
    kernel: guarded('kernel', p.kernel),
    recurrentKernel: guarded('recurrentKernel', p.recurrentKernel),
    ...(p.bias ? { bias: guarded('bias', p.bias) } : {}),
  };
  const packed = packRecurrentWeights(spec, weights, guarded('packed', recurrentPackedSize(spec)));
  const x = guarded('x', p.x);
  const masks = {
    ...(p.lengths ? { lengths: p.lengths } : {}),
    ...(p.mask ? { mask: guarded('mask', p.mask) } : {}),
    ...(p.inputDropoutMask ? { inputDropoutMask: guarded('inputDropoutMask', p.inputDropoutMask) } : {}),
    ...(p.recurrentDropoutMask ? { recurrentDropoutMask: guarded('recurrentDropoutMask', p.recurrentDropoutMask) } : {}),
  };
  const sequence = guarded('sequence', B * T * U);
  const finalH = guarded('finalH', B * U);
  const finalC = lstm ? guarded('finalC', B * U) : undefined;
  const tape = guarded('tape', recurrentTapeSize(spec));
  recurrentForward(spec, {
    x, packed, ...masks, sequence, finalH, tape,
    ...(p.h0 ? { h0: guarded('h0', p.h0) } : {}),
    ...(lstm && p.c0 ? { c0: guarded('c0', p.c0) } : {}),
    ...(finalC ? { finalC } : {}),
  });
  const result: Result = { sequence: sequence.toArray(), finalH: finalH.toArray(), finalC: finalC?.toArray() };
  if (!backward) return result;
  const grads = {
    dx: guarded('dx', p.prior.dx),
    dH0: guarded('dH0', p.prior.dH0),
    ...(lstm ? { dC0: guarded('dC0', p.prior.dC0) } : {}),
    dKernel: guarded('dKernel', p.prior.dKernel),
    dRecurrentKernel: guarded('dRecurrentKernel', p.prior.dRecurrentKernel),
    ...(p.prior.dBias ? { dBias: guarded('dBias', p.prior.dBias) } : {}),
  };
  recurrentBackward(spec, {
    x, packed, tape, ...masks, ...grads,
    ...(p.dSequence ? { dSequence: guarded('dSequence', p.dSequence) } : {}),
    ...(p.dFinalH ? { dFinalH: guarded('dFinalH', p.dFinalH) } : {}),
    ...(lstm && p.dFinalC ? { dFinalC: guarded('dFinalC', p.dFinalC) } : {}),
  });
  return {
    ...result,
    dx: grads.dx.toArray(),
    dH0: grads.dH0.toArray(),
    dC0: grads.dC0?.toArray(),
    dKernel: grads.dKernel.toArray(),
    dRecurrentKernel: grads.dRecurrentKernel.toArray(),
    dBias: grads.dBias?.toArray(),
  };
}

const layers = { simpleRNN: ref.simpleRNN, lstm: ref.lstm, gru: ref.gru } as Record<RecurrentCell, ref.RecurrentLayer<ref.GruOptions>>;

function refOptions(p: Problem): ref.GruOptions {
  const s = p.spec;
  const initialState = p.h0 ? (s.cell === 'lstm' ? [p.h0, p.c0!] : [p.h0]) : undefined;
  return {
    activation: s.activation,
    recurrentActivation: s.recurrentActivation as ref.GruOptions['recurrentActivation'],
    resetAfter: s.resetAfter ?? true,
    returnSequences: true,
    goBackwards: s.goBackwards ?? false,
    zeroOutputForMask: s.zeroOutputForMask ?? true,
    initialState,
    ...(p.lengths ? { lengths: p.lengths } : {}),
    ...(p.mask ? { mask: p.mask } : {}),
    ...(p.inputDropoutMask ? { inputDropoutMask: p.inputDropoutMask } : {}),
    ...(p.recurrentDropoutMask ? { recurrentDropoutMask: p.recurrentDropoutMask } : {}),
    ...(s.maxSteps !== undefined ? { maxSteps: s.maxSteps } : {}),
  };
}

interface Expected {
  sequence: Float64Array;
  finalH: Float64Array;
  finalC?: Float64Array;
  dx: Float64Array;
  dH0: Float64Array;
  dC0?: Float64Array;
  dKernel: Float64Array;
  dRecurrentKernel: Float64Array;
  dBias?: Float64Array;
}

function runReference(p: Problem): Expected {
  const { batch: B, steps: T, features: F } = p.spec;
  const layer = layers[p.spec.cell];
  const x = { shape: [B, T, F], data: p.x };
  const w = { kernel: p.kernel, recurrentKernel: p.recurrentKernel, ...(p.bias ? { bias: p.bias } : {}) };
  const options = refOptions(p);
  const out = layer.forward(x, w, options);
  const g = layer.backward(x, w, options, { dOutput: p.dSequence, dStates: [p.dFinalH, p.dFinalC] });
  const plus = (prior: ArrayLike<number>, d: ArrayLike<number>) => Float64Array.from(d, (v, i) => prior[i] + v);
  return {
    sequence: out.output.data,
    finalH: out.states[0].data,
    finalC: out.states[1]?.data,
    dx: plus(p.prior.dx, g.dx),
    dH0: plus(p.prior.dH0, g.dInitialState[0]),
    dC0: g.dInitialState[1] && plus(p.prior.dC0, g.dInitialState[1]),
    dKernel: plus(p.prior.dKernel, g.dWeights.kernel),
    dRecurrentKernel: plus(p.prior.dRecurrentKernel, g.dWeights.recurrentKernel),
    dBias: g.dWeights.bias && plus(p.prior.dBias!, g.dWeights.bias),
  };
}

// ---------------------------------------------------------------------------------------------
// Random problems.

type Padding = 'none' | 'lengths' | 'holes';
type Dropout = 'none' | 'input' | 'recurrent' | 'both';
interface Options {
  cell: RecurrentCell;
  batch: number;
  steps: number;
  features: number;
  units: number;
  activation: RecurrentActivation;
  recurrentActivation: RecurrentActivation;
  useBias: boolean;
  resetAfter: boolean;
  goBackwards: boolean;
  zeroOutputForMask: boolean;
  initialState: boolean;
  padding: Padding;
  dropout: Dropout;
  maxSteps?: number;
  /** Which upstream gradients the loss has. */
  upstream: 'sequence' | 'final' | 'both';
}

function problem(random: () => number, o: Options): Problem {
  const { batch: B, steps: T, features: F, units: U } = o;
  const spec = {
    cell: o.cell, batch: B, steps: T, features: F, units: U, activation: o.activation, recurrentActivation: o.recurrentActivation,
    useBias: o.useBias, goBackwards: o.goBackwards, zeroOutputForMask: o.zeroOutputForMask,
    ...(o.cell === 'gru' ? { resetAfter: o.resetAfter } : {}),
    ...(o.maxSteps !== undefined ? { maxSteps: o.maxSteps } : {}),
  };
  const shapes = recurrentWeightShapes(spec);
  const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  // Glorot-like scales keep activations O(1) at every size, wide enough that relu cuts and
  // hardSigmoid clips some units.
  const wScale = Math.sqrt(6 / (F + U)) * 1.2;
  const uScale = Math.sqrt(2 / U); // spectral radius ~0.8: like an orthogonal init, slightly contracting
  const lstm = o.cell === 'lstm';
  const scaled = (n: number, lo: number, hi: number) => uniform(random, n, lo, hi);
  const dropMask = (n: number) => Float32Array.from({ length: n }, () => (random() < 0.25 ? 0 : 1 / 0.75));
  const p: Problem = {
    spec,
    x: scaled(B * T * F, -1, 1),
    kernel: scaled(size(shapes.kernel), -wScale, wScale),
    recurrentKernel: scaled(size(shapes.recurrentKernel), -uScale, uScale),
    bias: shapes.bias && scaled(size(shapes.bias), -0.5, 0.5),
    prior: {
      dx: scaled(B * T * F, -1, 1),
      dH0: scaled(B * U, -1, 1),
      dC0: scaled(B * U, -1, 1),
      dKernel: scaled(size(shapes.kernel), -1, 1),
      dRecurrentKernel: scaled(size(shapes.recurrentKernel), -1, 1),
      dBias: shapes.bias && scaled(size(shapes.bias), -1, 1),
    },
  };
  if (o.initialState) {
    p.h0 = scaled(B * U, -1, 1);
    if (lstm) p.c0 = scaled(B * U, -1, 1);
  }
  if (o.padding === 'lengths') p.lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : b === 1 ? 0 : Math.floor(random() * (T + 1))));
  if (o.padding === 'holes') p.mask = Float32Array.from({ length: B * T }, () => (random() < 0.7 ? 1 : 0));
  if (o.dropout === 'input' || o.dropout === 'both') p.inputDropoutMask = dropMask(B * F);
  if (o.dropout === 'recurrent' || o.dropout === 'both') p.recurrentDropoutMask = dropMask(B * U);
  if (o.upstream !== 'final') p.dSequence = scaled(B * T * U, -1, 1);
  if (o.upstream !== 'sequence') {
    p.dFinalH = scaled(B * U, -1, 1);
    if (lstm) p.dFinalC = scaled(B * U, -1, 1);
  }
  return p;
}

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)];

/** Every cell with every activation pair it is used with, then random shapes and options. */
const VARIANTS: Pick<Options, 'cell' | 'activation' | 'recurrentActivation' | 'resetAfter'>[] = [
  ...(['tanh', 'relu', 'sigmoid', 'linear', 'hardSigmoid'] as const).map((activation) => ({ cell: 'simpleRNN' as const, activation, recurrentActivation: 'sigmoid' as const, resetAfter: false })),
  ...(['tanh', 'relu', 'sigmoid', 'linear'] as const).flatMap((activation) =>
    (['sigmoid', 'hardSigmoid', 'hardSigmoidKeras3'] as const).map((recurrentActivation) => ({ cell: 'lstm' as const, activation, recurrentActivation, resetAfter: false })),
  ),
  ...[true, false].flatMap((resetAfter) =>
    (['tanh', 'relu', 'sigmoid', 'linear'] as const).flatMap((activation) =>
      (['sigmoid', 'hardSigmoid', 'hardSigmoidKeras3'] as const).map((recurrentActivation) => ({ cell: 'gru' as const, activation, recurrentActivation, resetAfter })),
    ),
  ),
];

function randomOptions(random: () => number, variant: (typeof VARIANTS)[number]): Options {
  const steps = pick(random, [1, 2, 7]);
  return {
    ...variant,
    batch: pick(random, [1, 3]),
    steps,
    features: pick(random, [1, 5, 28]),
    units: pick(random, [1, 3, 8, 17]),
    useBias: random() < 0.75,
    goBackwards: random() < 0.5,
    zeroOutputForMask: random() < 0.6,
    initialState: random() < 0.5,
    padding: pick(random, ['none', 'lengths', 'holes'] as const),
    dropout: pick(random, ['none', 'none', 'input', 'recurrent', 'both'] as const),
    maxSteps: random() < 0.3 ? 1 + Math.floor(random() * steps) : undefined,
    upstream: pick(random, ['sequence', 'final', 'both'] as const),
  };
}

// Forward: float32 with ≤ 3-ULP activations and GEMM sums over at most F + U = 45 terms per
// step; errors compound over at most 7 steps of slightly contracting dynamics, so 1e-5 of
// max(|y|, 1) holds with a wide margin (worst seen over many seeds ~1e-6).
const FORWARD_TOLERANCE = 1e-5;
// Backward: gradients are sums over B·T rows and BPTT chains; measured against max(|g|, floor)
// with floor = 5% of the tensor's largest magnitude, at least GRADIENT_FLOOR: an entry much
// smaller than its tensor's largest is a difference of terms of the tensor's size, so its
// absolute error follows that size, not its own (a missing or wrong term is still O(1) off).
// Worst seen over many seeds ~1e-5.
const BACKWARD_TOLERANCE = 1e-4;
const GRADIENT_FLOOR = 1e-2;

const worst = { forward: 0, backward: 0, forwardAt: '', backwardAt: '' };

function compare(label: string, name: string, actual: ArrayLike<number> | undefined, expected: ArrayLike<number> | undefined, tolerance: number, floor: number): number {
  if (expected === undefined) return 0;
  expect(actual, `${label}: ${name} missing`).toBeDefined();
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const f = floor > 0 ? floor : Math.max(scale * 0.05, GRADIENT_FLOOR);
  const bad = worstRelative(actual!, expected, tolerance, f);
  if (bad) expect.fail(`${label}: ${name}[${bad.index}] = ${bad.actual}, expected ${bad.expected} (error ${bad.error.toExponential(2)} > ${tolerance}; ${replay})`);
  const all = worstRelative(actual!, expected, 0, f);
  return all?.error ?? 0;
}

function check(label: string, p: Problem, backward = true): void {
  const actual = runWasm(p, backward);
  expectGuardsIntact(label);
  const expected = runReference(p);
  for (const name of ['sequence', 'finalH', 'finalC'] as const) {
    const error = compare(label, name, actual[name], expected[name], FORWARD_TOLERANCE, 1);
    if (error > worst.forward) Object.assign(worst, { forward: error, forwardAt: `${label} ${name}` });
  }
  if (!backward) return;
  for (const name of ['dx', 'dH0', 'dC0', 'dKernel', 'dRecurrentKernel', 'dBias'] as const) {
    const error = compare(label, name, actual[name], expected[name], BACKWARD_TOLERANCE, 0);
    if (error > worst.backward) Object.assign(worst, { backward: error, backwardAt: `${label} ${name}` });
  }
}

describe('recurrent kernels = float64 reference', () => {
  it.each(VARIANTS.map((v) => ({ ...v, name: `${v.cell}${v.cell === 'gru' ? ` resetAfter=${v.resetAfter}` : ''} ${v.activation}/${v.recurrentActivation}` })))(
    '$name on sampled shapes and options',
    (variant) => {
      const random = streamFor(variant.name);
      for (let k = 0; k < 25; k++) {
        const o = randomOptions(random, variant);
        check(`${variant.name} ${JSON.stringify(o)}`, problem(random, o));
      }
    },
  );

  it('covers every option value for every cell on the full odd-shape grid', () => {
    const random = streamFor('grid');
    let k = 0;
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      for (const batch of [1, 3]) {
        for (const steps of [1, 2, 7]) {
          for (const units of [1, 3, 8, 17]) {
            const features = [1, 5, 28][k % 3];
            k++;
            const o: Options = {
              cell, batch, steps, units, features, activation: 'tanh', recurrentActivation: 'sigmoid',
              useBias: k % 4 !== 0, resetAfter: k % 2 === 0, goBackwards: k % 3 === 0, zeroOutputForMask: k % 5 !== 0,
              initialState: k % 2 === 1, padding: (['none', 'lengths', 'holes'] as const)[k % 3], dropout: (['none', 'input', 'recurrent', 'both'] as const)[k % 4],
              maxSteps: k % 4 === 3 ? 1 + (k % steps) : undefined, upstream: (['sequence', 'final', 'both'] as const)[(k >> 1) % 3],
            };
            check(`grid ${JSON.stringify(o)}`, problem(random, o));
          }
        }
      }
    }
  });

  it('goBackwards with lengths reverses the processing order and the returned sequence', () => {
    const random = streamFor('goBackwards');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      const o: Options = { cell, batch: 3, steps: 7, features: 5, units: 8, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: true, goBackwards: true, zeroOutputForMask: true, initialState: true, padding: 'lengths', dropout: 'none', upstream: 'both' };
      const p = problem(random, o);
      p.lengths = [7, 0, 4];
      check(`goBackwards ${cell}`, p);
      // Processing step s reads input time T−1−s: sample 0's first output uses only x[0][6].
      const forwardOnly = runWasm({ ...p, spec: { ...p.spec, goBackwards: false } }, false);
      expect(Array.from(forwardOnly.sequence.subarray(0, 8))).not.toEqual(Array.from(runWasm(p, false).sequence.subarray(0, 8)));
    }
  });

  it('truncated BPTT (maxSteps) matches the reference definition for every window', () => {
    const random = streamFor('maxSteps');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      for (const maxSteps of [1, 2, 3, 6, 7, 50]) {
        const o: Options = { cell, batch: 3, steps: 7, features: 5, units: 3, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: maxSteps % 2 === 0, goBackwards: maxSteps % 3 === 0, zeroOutputForMask: false, initialState: true, padding: maxSteps < 4 ? 'holes' : 'lengths', dropout: 'both', maxSteps, upstream: 'both' };
        check(`maxSteps ${cell} ${maxSteps}`, problem(random, o));
      }
    }
  });

  it('padding: masked steps keep the state, output 0 (or the carried h) and get no gradient', () => {
    const random = streamFor('padding');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      for (const zeroOutputForMask of [true, false]) {
        const o: Options = { cell, batch: 3, steps: 7, features: 5, units: 8, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: false, goBackwards: false, zeroOutputForMask, initialState: true, padding: 'holes', dropout: 'none', upstream: 'both' };
        const p = problem(random, o);
        // Sample 0 all padding, sample 1 holes in the middle, sample 2 all real; the padded
        // inputs are NaN, which must reach neither outputs nor gradients.
        p.mask = Float32Array.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
        p.mask.forEach((real, i) => real || p.x.fill(NaN, i * 5, (i + 1) * 5));
        check(`padding ${cell} zeroOutputForMask=${zeroOutputForMask}`, p);
        const r = runWasm(p);
        const U = 8;
        // Sample 0: final state = initial state exactly; dx there is exactly the prior.
        expect(Array.from(r.finalH.subarray(0, U))).toEqual(Array.from(p.h0!.subarray(0, U)));
        expect(Array.from(r.dx!.subarray(0, 7 * 5))).toEqual(Array.from(p.prior.dx.subarray(0, 7 * 5)));
        const s0 = r.sequence.subarray(0, 7 * U);
        if (zeroOutputForMask) expect(s0.every((v) => v === 0)).toBe(true);
        else expect(Array.from(s0.subarray(6 * U))).toEqual(Array.from(p.h0!.subarray(0, U)));
      }
    }
  });

  it('a last-step-only output gradient equals dFinalH', () => {
    const random = streamFor('last-step');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      const o: Options = { cell, batch: 3, steps: 7, features: 5, units: 3, activation: 'tanh', recurrentActivation: 'hardSigmoid', useBias: false, resetAfter: true, goBackwards: false, zeroOutputForMask: true, initialState: false, padding: 'lengths', dropout: 'none', upstream: 'final' };
      const p = problem(random, o);
      p.dFinalC = undefined;
      const actual = runWasm(p);
      const layer = layers[cell];
      const x = { shape: [3, 7, 5], data: p.x };
      const w = { kernel: p.kernel, recurrentKernel: p.recurrentKernel };
      const options = { ...refOptions(p), returnSequences: false };
      const out = layer.forward(x, w, options);
      compare(cell, 'last output', actual.finalH, out.output.data, FORWARD_TOLERANCE, 1);
      const g = layer.backward(x, w, options, { dOutput: p.dFinalH });
      compare(cell, 'dx', actual.dx, Float64Array.from(g.dx, (v, i) => v + p.prior.dx[i]), BACKWARD_TOLERANCE, 0);
      compare(cell, 'dKernel', actual.dKernel, Float64Array.from(g.dWeights.kernel, (v, i) => v + p.prior.dKernel[i]), BACKWARD_TOLERANCE, 0);
    }
  });

  it('inference (no tape) gives the same bits as a training forward', () => {
    const random = streamFor('inference');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      for (const resetAfter of cell === 'gru' ? [true, false] : [true]) {
        const o: Options = { cell, batch: 3, steps: 7, features: 5, units: 17, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter, goBackwards: false, zeroOutputForMask: true, initialState: true, padding: 'holes', dropout: 'both', upstream: 'both' };
        const p = problem(random, o);
        const trained = runWasm(p, false);
        const { batch: B, steps: T, units: U } = p.spec;
        const weights = { kernel: guarded('kernel', p.kernel), recurrentKernel: guarded('recurrentKernel', p.recurrentKernel), bias: guarded('bias', p.bias!) };
        const packed = packRecurrentWeights(p.spec, weights, guarded('packed', recurrentPackedSize(p.spec, false)), { withBackward: false });
        const sequence = guarded('sequence', B * T * U), finalH = guarded('finalH', B * U);
        recurrentForward(p.spec, {
          x: guarded('x', p.x), packed, sequence, finalH, h0: guarded('h0', p.h0!), mask: guarded('mask', p.mask!),
          inputDropoutMask: guarded('inputDropoutMask', p.inputDropoutMask!), recurrentDropoutMask: guarded('recurrentDropoutMask', p.recurrentDropoutMask!),
          ...(cell === 'lstm' ? { c0: guarded('c0', p.c0!) } : {}),
        });
        expectGuardsIntact(`inference ${cell}`);
        expect(bits(sequence.toArray()), `${cell} sequence (${replay})`).toEqual(bits(trained.sequence));
        expect(bits(finalH.toArray()), `${cell} finalH (${replay})`).toEqual(bits(trained.finalH));
      }
    }
  });

  it('a stateful call may carry its state in place (h0 = finalH, c0 = finalC)', () => {
    const random = streamFor('stateful');
    const o: Options = { cell: 'lstm', batch: 3, steps: 7, features: 5, units: 8, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: true, goBackwards: false, zeroOutputForMask: true, initialState: true, padding: 'none', dropout: 'none', upstream: 'both' };
    const p = problem(random, o);
    const expected = runWasm(p, false);
    const packed = packRecurrentWeights(p.spec, { kernel: guarded('kernel', p.kernel), recurrentKernel: guarded('recurrentKernel', p.recurrentKernel), bias: guarded('bias', p.bias!) }, guarded('packed', recurrentPackedSize(p.spec)));
    const h = guarded('h', p.h0!), c = guarded('c', p.c0!);
    recurrentForward(p.spec, { x: guarded('x', p.x), packed, h0: h, finalH: h, c0: c, finalC: c });
    expect(bits(h.toArray())).toEqual(bits(expected.finalH));
    expect(bits(c.toArray())).toEqual(bits(expected.finalC!));
  });

  it('only the gradients asked for are written', () => {
    const random = streamFor('partial');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      const o: Options = { cell, batch: 3, steps: 7, features: 5, units: 3, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: true, goBackwards: false, zeroOutputForMask: true, initialState: false, padding: 'lengths', dropout: 'input', upstream: 'sequence' };
      const p = problem(random, o);
      const full = runWasm(p);
      const { spec } = p;
      const packed = packRecurrentWeights(spec, { kernel: guarded('kernel', p.kernel), recurrentKernel: guarded('recurrentKernel', p.recurrentKernel), bias: guarded('bias', p.bias!) }, guarded('packed', recurrentPackedSize(spec)));
      const x = guarded('x', p.x), tape = guarded('tape', recurrentTapeSize(spec));
      const masks = { lengths: p.lengths!, inputDropoutMask: guarded('inputDropoutMask', p.inputDropoutMask!) };
      recurrentForward(spec, { x, packed, tape, ...masks });
      const dx = guarded('dx', p.prior.dx);
      recurrentBackward(spec, { x, packed, tape, ...masks, dSequence: guarded('dSequence', p.dSequence!), dx });
      expectGuardsIntact(`partial ${cell}`);
      expect(bits(dx.toArray()), `${cell} dx alone (${replay})`).toEqual(bits(full.dx!));
    }
  });

  it('reports the worst errors seen', () => {
    console.log(`recurrent kernels vs reference (${replay}):\n  worst forward ${worst.forward.toExponential(2)} at ${worst.forwardAt}\n  worst backward ${worst.backward.toExponential(2)} at ${worst.backwardAt}`);
    expect(worst.forward).toBeLessThanOrEqual(FORWARD_TOLERANCE);
  });
});

/** The bit patterns of float32 values (so -0 and NaN payloads count). */
function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

describe('determinism', () => {
  it('the same inputs give the same bits twice, and again through a fixed spec (as the layers keep theirs)', () => {
    const random = streamFor('determinism');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      const o: Options = { cell, batch: 3, steps: 7, features: 28, units: 17, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: false, goBackwards: true, zeroOutputForMask: true, initialState: true, padding: 'holes', dropout: 'both', maxSteps: 5, upstream: 'both' };
      const p = problem(random, o);
      const first = runWasm(p);
      const second = runWasm(p);
      const fixed = runWasm({ ...p, spec: fixedRecurrentSpec(p.spec, 'test') });
      for (const key of Object.keys(first) as (keyof Result)[]) {
        if (first[key]) expect(bits(second[key]!), `${cell} ${key} (${replay})`).toEqual(bits(first[key]!));
        if (first[key]) expect(bits(fixed[key]!), `${cell} ${key}, fixed spec (${replay})`).toEqual(bits(first[key]!));
      }
    }
  });

  it('a sample gets the same bits alone (batch 1) as inside a batch', () => {
    // Per-sample results (outputs, states, dx, dh0) never mix samples, and every GEMM path
    // (5x8 and 4x8 tiles for a batch, the 1x32 step kernel at batch 1) sums in the same order.
    const random = streamFor('batch-independence');
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      for (const U of [3, 17, 40]) {
        const o: Options = { cell, batch: 3, steps: 7, features: 5, units: U, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: U !== 17, goBackwards: U === 17, zeroOutputForMask: true, initialState: true, padding: 'none', dropout: 'none', upstream: 'both' };
        const p = problem(random, o);
        const batched = runWasm(p);
        const { steps: T, features: F } = p.spec;
        for (let b = 0; b < 3; b++) {
          const row = (a: Float32Array | undefined, n: number) => a && a.slice(b * n, (b + 1) * n);
          const single: Problem = {
            ...p,
            spec: { ...p.spec, batch: 1 },
            x: row(p.x, T * F)!, h0: row(p.h0, U), c0: row(p.c0, U), dSequence: row(p.dSequence, T * U), dFinalH: row(p.dFinalH, U), dFinalC: row(p.dFinalC, U),
            prior: { ...p.prior, dx: row(p.prior.dx, T * F)!, dH0: row(p.prior.dH0, U)!, dC0: row(p.prior.dC0, U)! },
          };
          const alone = runWasm(single);
          const label = `${cell} U=${U} sample ${b} (${replay})`;
          expect(bits(alone.sequence), `${label}: sequence`).toEqual(bits(row(batched.sequence, T * U)!));
          expect(bits(alone.finalH), `${label}: finalH`).toEqual(bits(row(batched.finalH, U)!));
          expect(bits(alone.dx!), `${label}: dx`).toEqual(bits(row(batched.dx, T * F)!));
          expect(bits(alone.dH0!), `${label}: dH0`).toEqual(bits(row(batched.dH0, U)!));
        }
      }
    }
  });
});

describe('fixed specs (checked once, as the layers keep them)', () => {
  it('are frozen copies, checked when made', () => {
    const spec: RecurrentSpec = { cell: 'lstm', units: 3, features: 2, batch: 2, steps: 4 };
    const fixed = fixedRecurrentSpec(spec, 'recurrentForward');
    expect(fixed).toEqual(spec);
    expect(fixed).not.toBe(spec);
    expect(Object.isFrozen(fixed)).toBe(true);
    spec.units = 0; // the caller's object stays its own: the fixed copy keeps the checked value
    expect(recurrentTapeSize(fixed)).toBe(recurrentTapeSize({ ...spec, units: 3 }));
    expect(() => fixedRecurrentSpec({ ...spec, units: 0 }, 'recurrentForward')).toThrow(/recurrentForward\(spec\.units\): expected an integer >= 1, got 0/);
    expect(() => fixedRecurrentSpec({ ...spec, cell: 'rnn' } as never, 'packRecurrentWeights')).toThrow(/packRecurrentWeights\(spec\.cell\)/);
  });
});

describe('finite differences of the float32 Wasm kernels themselves', () => {
  // L = Σ wY·sequence + Σ wH·finalH (+ Σ wC·finalC), summed in float64 from the float32
  // outputs; each parameter moves by ±ε = 1e-2 (dividing by the exact float32 step). Each
  // output carries ≤ ~1e-6 of relative rounding, so a difference of L over its ≤ 30 terms has
  // ≤ ~3e-5 of round-off, ≤ 1.5e-3 after dividing by 2ε; truncation adds ~ε²/6 times the third
  // derivative, ~1e-5 here. Activations are smooth (a step across a relu or hardSigmoid kink
  // is no derivative). So |Wasm − numeric| ≤ 3e-3 + 1e-2·|numeric| holds with margin, while a
  // wrong or missing gradient term is off by O(0.1).
  const EPS = 1e-2;
  const cases: Options[] = (['simpleRNN', 'lstm', 'gru', 'gru'] as const).map((cell, k) => ({
    cell, batch: 2, steps: 3, features: 2, units: 3, activation: k === 0 ? 'sigmoid' : 'tanh', recurrentActivation: 'sigmoid', useBias: true, resetAfter: k !== 3,
    goBackwards: k % 2 === 1, zeroOutputForMask: k !== 2, initialState: true, padding: k === 1 ? 'holes' : 'lengths', dropout: 'both', maxSteps: undefined, upstream: 'both',
  }));
  it.each(cases.map((c) => ({ ...c, name: `${c.cell}${c.cell === 'gru' ? ` resetAfter=${c.resetAfter}` : ''}` })))('$name', (o) => {
    const random = streamFor(`fd ${o.name}`);
    const p = problem(random, o);
    if (p.lengths) p.lengths = [3, 2];
    const lstm = o.cell === 'lstm';
    const loss = (): number => {
      const r = runWasm(p, false);
      for (const { outer } of live.splice(0)) arena().free(outer);
      let sum = 0;
      r.sequence.forEach((v, i) => (sum += v * p.dSequence![i]));
      r.finalH.forEach((v, i) => (sum += v * p.dFinalH![i]));
      if (lstm) r.finalC!.forEach((v, i) => (sum += v * p.dFinalC![i]));
      return sum;
    };
    const zeros = (a: Float32Array) => new Float32Array(a.length);
    const analytic = runWasm({ ...p, prior: { dx: zeros(p.x), dH0: zeros(p.prior.dH0), dC0: zeros(p.prior.dC0), dKernel: zeros(p.kernel), dRecurrentKernel: zeros(p.recurrentKernel), dBias: zeros(p.bias!) } });
    for (const { outer } of live.splice(0)) arena().free(outer);
    const params: [string, Float32Array, Float32Array][] = [
      ['x', p.x, analytic.dx!], ['kernel', p.kernel, analytic.dKernel!], ['recurrentKernel', p.recurrentKernel, analytic.dRecurrentKernel!],
      ['bias', p.bias!, analytic.dBias!], ['h0', p.h0!, analytic.dH0!], ...(lstm ? [['c0', p.c0!, analytic.dC0!] as [string, Float32Array, Float32Array]] : []),
    ];
    let checked = 0;
    for (const [name, values, gradient] of params) {
      for (let i = 0; i < values.length; i++) {
        const saved = values[i];
        values[i] = saved + EPS;
        const up = values[i];
        const lUp = loss();
        values[i] = saved - EPS;
        const down = values[i];
        const lDown = loss();
        values[i] = saved;
        const numeric = (lUp - lDown) / (up - down);
        if (Math.abs(gradient[i] - numeric) > 3e-3 + 1e-2 * Math.abs(numeric)) expect.fail(`${o.name} ${name}[${i}]: Wasm ${gradient[i]} vs finite difference ${numeric} (${replay})`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(36);
  });
});

describe('argument errors', () => {
  const spec: RecurrentSpec = { cell: 'lstm', units: 3, features: 2, batch: 2, steps: 4 };
  function setup() {
    expect(recurrentWeightShapes(spec)).toEqual({ kernel: [2, 12], recurrentKernel: [3, 12], bias: [12] });
    const weights = { kernel: guarded('kernel', new Float32Array(24)), recurrentKernel: guarded('recurrentKernel', new Float32Array(36)), bias: guarded('bias', new Float32Array(12)) };
    const packed = packRecurrentWeights(spec, weights, guarded('packed', recurrentPackedSize(spec)));
    const x = guarded('x', new Float32Array(2 * 4 * 2).fill(0.5));
    const sequence = guarded('sequence', 2 * 4 * 3);
    const tape = guarded('tape', recurrentTapeSize(spec));
    return { weights, packed, x, sequence, tape };
  }

  it('rejects bad specs, naming the argument, before touching any output', () => {
    const { packed, x, sequence } = setup();
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ cell: 'rnn' }, /spec\.cell\): expected one of simpleRNN, lstm, gru, got "rnn"/],
      [{ units: 0 }, /spec\.units\): expected an integer >= 1, got 0/],
      [{ steps: 2.5 }, /spec\.steps\): expected an integer >= 1, got 2\.5/],
      [{ batch: -1 }, /spec\.batch\): expected an integer >= 1, got -1/],
      [{ activation: 'softmax' }, /spec\.activation\): expected one of linear, relu, sigmoid, tanh, hardSigmoid, hardSigmoidKeras3, got "softmax"/],
      [{ recurrentActivation: 'elu' }, /spec\.recurrentActivation\): expected one of .*got "elu"/],
      [{ useBias: 1 }, /spec\.useBias\): expected a boolean, got number 1/],
      [{ goBackwards: 'yes' }, /spec\.goBackwards\): expected a boolean, got "yes"/],
      [{ maxSteps: 0 }, /spec\.maxSteps\): expected an integer >= 1, got 0/],
      [{ unitz: 3 }, /recurrentForward\(spec\): unknown option "unitz"/],
      [{ units: 4 }, /packed\.units\): the weights were packed for units = number 3, but the spec has number 4/],
      [{ cell: 'gru' }, /packed\.cell\): the weights were packed for cell = "lstm", but the spec has "gru"/],
    ];
    for (const [change, message] of bad) {
      expect(() => recurrentForward({ ...spec, ...change } as RecurrentSpec, { x, packed, sequence })).toThrow(message);
    }
    expect(() => recurrentForward(spec, undefined as never)).toThrow(/recurrentForward\(buffers\): expected an object, got undefined/);
    expect(sequence.toArray().every(Number.isNaN)).toBe(true);
  });

  it('rejects bad regions, lengths and overlaps, and misused tapes', () => {
    const { weights, packed, x, sequence, tape } = setup();
    const short = guarded('short', 5);
    const h = guarded('h', 6);
    const gru = { ...spec, cell: 'gru' as const };
    const cases: [() => void, RegExp][] = [
      [() => recurrentForward(spec, { x: short, packed }), /recurrentForward\(x\): needs 16 floats but the region holds 5/],
      [() => recurrentForward(spec, { x, packed, sequence: short }), /recurrentForward\(sequence\): needs 24 floats but the region holds 5/],
      [() => recurrentForward(spec, { x, packed, h0: short }), /recurrentForward\(h0\): needs 6 floats but the region holds 5/],
      [() => recurrentForward(spec, { x, packed, lengths: [4] }), /recurrentForward\(lengths\): expected 2 entries \(one per sample\), got 1/],
      [() => recurrentForward(spec, { x, packed, lengths: [4, 5] }), /recurrentForward\(lengths\[1\]\): expected an integer in \[0, 4\], got number 5/],
      [() => recurrentForward(spec, { x, packed, lengths: [-1, 2] }), /lengths\[0\]\): expected an integer in \[0, 4\], got number -1/],
      [() => recurrentForward(spec, { x, packed, lengths: [1.5, 2] }), /lengths\[0\]\): expected an integer in \[0, 4\], got number 1\.5/],
      [() => recurrentForward(spec, { x, packed, lengths: [1, 2], mask: guarded('m', 8) }), /recurrentForward\(lengths, mask\): give one of them, not both/],
      [() => recurrentForward(spec, { x, packed, mask: short }), /recurrentForward\(mask\): needs 8 floats but the region holds 5/],
      [() => recurrentForward(spec, { x, packed, finalH: x.sub(2, 6) }), /recurrentForward\(finalH\): expected no overlap with x/],
      [() => recurrentForward(spec, { x, packed, sequence, finalH: sequence.sub(3, 6) }), /recurrentForward\(sequence\): expected no overlap with finalH/],
      [() => recurrentForward(spec, { x, packed, h0: h, finalC: h }), /recurrentForward\(finalC\): expected no overlap with h0 \(or the very same region\)/],
      [() => recurrentForward(spec, { x, packed, inputDropoutMask: guarded('d', 3) }), /recurrentForward\(inputDropoutMask\): needs 4 floats but the region holds 3/],
      [() => recurrentForward(gru, { x, packed: packRecurrentWeights(gru, { kernel: guarded('k', 18), recurrentKernel: guarded('r', 27), bias: guarded('b', 18) }, guarded('p', recurrentPackedSize(gru))), c0: h }), /recurrentForward\(c0\): expected undefined since the cell is not an LSTM/],
      [() => recurrentForward(spec, { x, packed, bogus: 1 } as never), /recurrentForward\(buffers\): unknown option "bogus"/],
      [() => recurrentForward(spec, { x: new Float32Array(16) as never, packed }), /recurrentForward\(x\): expected an F32Region of the seqwasm arena, got Float32Array/],
      [() => recurrentForward(spec, { x, packed: {} as never }), /recurrentForward\(packed\): expected the result of packRecurrentWeights, got Object/],
      [() => recurrentBackward(spec, { x, packed, tape }), /recurrentBackward\(tape\): the region was not filled by recurrentForward/],
      [() => recurrentBackward(spec, { x, packed } as never), /recurrentBackward\(tape\): expected the tape region a training forward filled, got undefined/],
      [() => packRecurrentWeights(spec, { kernel: short, recurrentKernel: short, bias: short }), /packRecurrentWeights\(weights\.kernel\): needs 24 floats but the region holds 5/],
      [() => packRecurrentWeights({ ...spec, useBias: false }, weights), /packRecurrentWeights\(weights\.bias\): expected undefined since useBias is false/],
      [() => packRecurrentWeights(spec, { kernel: weights.kernel, recurrentKernel: weights.recurrentKernel }), /packRecurrentWeights\(weights\.bias\): expected 12 floats since useBias is true, got undefined/],
      [() => packRecurrentWeights(spec, weights, weights.kernel), /packRecurrentWeights\(out\): needs \d+ floats but the region holds 24/],
    ];
    for (const [call, message] of cases) expect(call).toThrow(message);
    expect(sequence.toArray().every(Number.isNaN)).toBe(true);

    // A tape filled by another call shape, overlapping gradients, a second backward, and
    // weights packed without the transposes backward needs.
    recurrentForward(spec, { x, packed, tape, lengths: [4, 2] });
    expect(() => recurrentBackward(spec, { x, packed, tape })).toThrow(/recurrentBackward\(tape\): filled by a forward pass of lstm\/2\/4\/2\/3\/tanh\/sigmoid\/true\/false\/false\/true\/lengths\/false\/false, but this call is .*\/none\//);
    const dx = guarded('dx', new Float32Array(16));
    expect(() => recurrentBackward(spec, { x, packed, tape, lengths: [4, 2], dx: x })).toThrow(/recurrentBackward\(dx\): expected no overlap with x/);
    expect(() => recurrentBackward(spec, { x, packed, tape, lengths: [4, 2], dx, dKernel: guarded('k', 6) })).toThrow(/recurrentBackward\(dKernel\): needs 24 floats but the region holds 6/);
    expect(() => recurrentBackward(spec, { x, packed, tape, lengths: [4, 2], dx, dBias: dx.sub(0, 12) })).toThrow(/recurrentBackward\(dx\): expected no overlap with dBias/);
    expect(() => recurrentBackward(spec, { x, packed, tape, lengths: [4, 2], dx, dC0: tape.sub(0, 6) })).toThrow(/recurrentBackward\(dC0\): expected no overlap with tape/);
    recurrentBackward(spec, { x, packed, tape, lengths: [4, 2], dx });
    expect(() => recurrentBackward(spec, { x, packed, tape, lengths: [4, 2], dx })).toThrow(/recurrentBackward\(tape\): the region was not filled by recurrentForward/);
    const forwardOnly = packRecurrentWeights(spec, weights, guarded('forwardOnly', recurrentPackedSize(spec, false)), { withBackward: false });
    recurrentForward(spec, { x, packed: forwardOnly, tape });
    expect(() => recurrentBackward(spec, { x, packed: forwardOnly, tape, dx })).toThrow(/recurrentBackward\(packed\): packed without the transposes backward needs/);
    expectGuardsIntact('argument errors');
  });
});
