// SimpleRNN, LSTM, GRU and Bidirectional layers against the float64 reference: outputs,
// final states, and the gradients of every input, initial state and weight, over the
// options of issue 3 (activations, useBias, resetAfter, returnSequences, returnState,
// goBackwards, masks with holes, initialState, dropout, recurrentDropout, maxSteps,
// stateful), plus stacks that pass masks from embedding and masking layers.
import { afterEach, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import { LayerInputError, type LayerPlan, type RecurrentLayer } from '../../src/layers/index.js';
import { fillDropoutMask } from '../../src/layers/dropout.js';
import type { F32Region } from '../../src/runtime/arena.js';
import { Prng } from '../../src/util/prng.js';
import * as ref from '../reference/index.js';
import { uniform } from '../util/random.js';
import { expectClose, freeAll, planned, randomFor, region, weightValues } from './helpers.js';

afterEach(freeAll);

const OUTPUT_TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 5e-5;
const [B, T, F, U] = [4, 6, 3, 5];

type RefLayer = ref.RecurrentLayer<ref.GruOptions>;
/** Every recurrent option but units (the tests choose U). */
type Options = Omit<layers.GruOptions, 'units'>;

interface Variant {
  name: string;
  make: (options: layers.GruOptions) => RecurrentLayer;
  reference: RefLayer;
  options: Options;
}

const variants: Variant[] = [
  ...(['tanh', 'relu', 'sigmoid', 'linear'] as const).map((activation) => ({ name: `simpleRNN ${activation}`, make: layers.simpleRNN, reference: ref.simpleRNN, options: { activation } })),
  { name: 'lstm', make: layers.lstm, reference: ref.lstm, options: {} },
  { name: 'lstm hardSigmoid', make: layers.lstm, reference: ref.lstm, options: { recurrentActivation: 'hardSigmoid' } },
  { name: 'lstm relu, no bias', make: layers.lstm, reference: ref.lstm, options: { activation: 'relu', useBias: false } },
  { name: 'gru', make: layers.gru, reference: ref.gru, options: {} },
  { name: 'gru hardSigmoid', make: layers.gru, reference: ref.gru, options: { recurrentActivation: 'hardSigmoid' } },
  { name: 'gru resetAfter false', make: layers.gru, reference: ref.gru, options: { resetAfter: false } },
  { name: 'gru resetAfter false, no bias', make: layers.gru, reference: ref.gru, options: { resetAfter: false, useBias: false } },
] as Variant[];

interface Case {
  name: string;
  options: Options;
  mask?: 'holes' | 'lengths';
  initialState?: boolean;
  maxSteps?: number;
}

const cases: Case[] = [
  { name: 'last output', options: {} },
  { name: 'sequence, mask with holes', options: { returnSequences: true }, mask: 'holes' },
  { name: 'sequence, mask with holes, zeroOutputForMask', options: { returnSequences: true, zeroOutputForMask: true }, mask: 'holes' },
  { name: 'goBackwards sequence, padded, zeroOutputForMask', options: { returnSequences: true, goBackwards: true, zeroOutputForMask: true }, mask: 'lengths', initialState: true },
  { name: 'goBackwards sequence, padded, initial and returned states', options: { returnSequences: true, goBackwards: true, returnState: true }, mask: 'lengths', initialState: true },
  { name: 'goBackwards last output, returned states', options: { goBackwards: true, returnState: true }, mask: 'holes' },
  { name: 'dropout and recurrentDropout', options: { returnSequences: true, dropout: 0.3, recurrentDropout: 0.4 }, mask: 'lengths' },
  { name: 'truncated BPTT', options: { returnSequences: true, returnState: true }, maxSteps: 2, initialState: true },
];

/** A [B, T] mask: holes anywhere, or per-sample lengths (one full, one empty sample). */
function makeMask(random: () => number, kind: 'holes' | 'lengths'): Uint8Array {
  if (kind === 'holes') return Uint8Array.from({ length: B * T }, () => (random() < 0.7 ? 1 : 0));
  const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : b === 1 ? 0 : 1 + Math.floor(random() * T)));
  return ref.maskFromLengths(lengths, T);
}

/** Random weights wide enough that hardSigmoid clips and relu cuts now and then. */
function randomizeWeights(layer: layers.Layer, random: () => number): void {
  layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -1, 1) })));
}

/** The dropout masks a recurrent plan draws from `rng` (it forks once, input mask first). */
function replayDropout(rng: Prng, options: layers.RecurrentOptions): { inputDropoutMask?: Float32Array; recurrentDropoutMask?: Float32Array } {
  const draws = rng.clone().fork();
  const masks: { inputDropoutMask?: Float32Array; recurrentDropoutMask?: Float32Array } = {};
  if (options.dropout) fillDropoutMask((masks.inputDropoutMask = new Float32Array(B * F)), options.dropout, draws);
  if (options.recurrentDropout) fillDropoutMask((masks.recurrentDropoutMask = new Float32Array(B * U)), options.recurrentDropout, draws);
  return masks;
}

const toArrays = (regions: readonly F32Region[]) => regions.map((r) => r.toArray());

/** The largest magnitude in `values`, at least 1. */
const scaleOf = (values: ArrayLike<number>) => Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 1);

describe('recurrent layers = the reference', () => {
  for (const variant of variants) {
    for (const c of cases) {
      it(`${variant.name}: ${c.name}`, () => {
        const random = randomFor(`${variant.name} ${c.name}`);
        const options = { units: U, ...variant.options, ...c.options };
        const { layer, plan } = planned(variant.make(options), [B, T, F]);
        randomizeWeights(layer, random);
        const [kernel, recurrentKernel, bias] = weightValues(layer);
        const w = { kernel, recurrentKernel, bias: variant.options.useBias === false ? undefined : bias };
        const x = uniform(random, B * T * F);
        const mask = c.mask && makeMask(random, c.mask);
        const initialState = c.initialState ? Array.from({ length: layer.stateCount }, () => uniform(random, B * U)) : undefined;
        const rng = new Prng(Math.floor(random() * 1e9));
        const refOptions = { ...variant.options, ...c.options, mask, initialState, maxSteps: c.maxSteps, ...replayDropout(rng, options) } as ref.GruOptions;
        const outMask = plan.forward(region(x), { mask, initialState: initialState?.map(region), rng });
        expect(outMask).toBe(c.options.returnSequences ? mask : undefined);

        const expected = variant.reference.forward({ shape: [B, T, F], data: x }, w, refOptions);
        // Float32 rounds each step at the scale of the largest state (a linear cell's can grow
        // past 1), so small elements are compared at that scale, not their own.
        expectClose('output', plan.output.toArray(), expected.output.data, OUTPUT_TOLERANCE, scaleOf(expected.output.data));
        plan.states.forEach((s, i) => expectClose(`state ${i}`, s.toArray(), expected.states[i].data, OUTPUT_TOLERANCE, scaleOf(expected.states[i].data)));

        const dOutput = uniform(random, plan.output.length);
        const dStates = c.options.returnState ? expected.states.map(() => uniform(random, B * U)) : undefined;
        plan.backward(region(dOutput), { dStates: dStates?.map(region), maxSteps: c.maxSteps });
        const g = variant.reference.backward({ shape: [B, T, F], data: x }, w, refOptions, { dOutput, dStates });
        expectClose('dx', plan.dInput!.toArray(), g.dx, GRADIENT_TOLERANCE);
        expectClose('dKernel', layer.weights[0].grad.toArray(), g.dWeights.kernel, GRADIENT_TOLERANCE);
        expectClose('dRecurrentKernel', layer.weights[1].grad.toArray(), g.dWeights.recurrentKernel, GRADIENT_TOLERANCE);
        if (w.bias) expectClose('dBias', layer.weights[2].grad.toArray(), g.dWeights.bias!, GRADIENT_TOLERANCE);
        toArrays(plan.dInitialState).forEach((d, i) => expectClose(`dInitialState[${i}]`, d, g.dInitialState[i], GRADIENT_TOLERANCE));
        layer.dispose();
      });
    }
  }

  it('gives the same bits for the same seed and data', () => {
    const run = () => {
      const { layer, plan } = planned(layers.lstm({ units: U, returnSequences: true, dropout: 0.2 }), [B, T, F], { training: true }, 99);
      plan.forward(region(uniform(randomFor('bits'), B * T * F)), { rng: new Prng(5) });
      plan.backward(region(uniform(randomFor('bits dy'), B * T * U)));
      const result = [plan.output.toArray(), ...layer.weights.map((w) => w.grad.toArray())];
      layer.dispose();
      return result;
    };
    expect(run()).toEqual(run());
  });

  it('checks dropout needs an rng, and the shapes of states', () => {
    const { layer, plan } = planned(layers.gru({ units: U, dropout: 0.5, name: 'g' }), [B, T, F]);
    expect(() => plan.forward(region(new Float32Array(B * T * F)))).toThrow(new LayerInputError('g', 'rng', 'a training call with dropout or recurrentDropout needs options.rng (a Prng) to draw its masks from'));
    expect(() => plan.forward(region(new Float32Array(B * T * F)), { rng: new Prng(1), initialState: [region(new Float32Array(B * U - 1))] })).toThrow(/g: initialState\[0\]: needs 20 floats but the region holds 19/);
    layer.dispose();
  });
});

describe('stateful layers', () => {
  it('carry the final states into the next call until resetStates()', () => {
    const random = randomFor('stateful');
    const { layer, plan } = planned(layers.lstm({ units: U, stateful: true, batchInputShape: [B, T, F] }), [B, T, F], {});
    const [kernel, recurrentKernel, bias] = weightValues(layer);
    const w = { kernel, recurrentKernel, bias };
    const x1 = uniform(random, B * T * F);
    const x2 = uniform(random, B * T * F);
    plan.forward(region(x1));
    const first = ref.lstm.forward({ shape: [B, T, F], data: x1 }, w);
    plan.forward(region(x2));
    const second = ref.lstm.forward({ shape: [B, T, F], data: x2 }, w, { initialState: first.states.map((s) => s.data) });
    expectClose('second call', plan.output.toArray(), second.output.data, OUTPUT_TOLERANCE);
    layer.resetStates();
    plan.forward(region(x2));
    expectClose('after reset', plan.output.toArray(), ref.lstm.forward({ shape: [B, T, F], data: x2 }, w).output.data, OUTPUT_TOLERANCE);
    const h = Array.from({ length: B }, () => Array.from(uniform(random, U)));
    const c = Array.from({ length: B }, () => Array.from(uniform(random, U)));
    layer.resetStates([h, c]);
    plan.forward(region(x1));
    const given = ref.lstm.forward({ shape: [B, T, F], data: x1 }, w, { initialState: [h.flat(), c.flat()] });
    expectClose('from given states', plan.output.toArray(), given.output.data, OUTPUT_TOLERANCE);
    expect(() => layer.resetStates([h])).toThrow(/expected 2 states/);
    expect(() => layer.resetStates([h, c.slice(1)])).toThrow(/states\[1\] must have shape \[4, 5\], got \[3, 5\]/);
    expect(() => layer.plan([B + 1, T, F])).toThrow(/declared input shape/);
    layer.dispose();
  });

  it('train from the carried states (gradients stop at the call boundary)', () => {
    const random = randomFor('stateful training');
    const { layer, plan } = planned(layers.gru({ units: U, stateful: true, returnSequences: true }), [B, T, F]);
    randomizeWeights(layer, random);
    const [kernel, recurrentKernel, bias] = weightValues(layer);
    const w = { kernel, recurrentKernel, bias };
    const [x1, x2] = [uniform(random, B * T * F), uniform(random, B * T * F)];
    plan.forward(region(x1));
    const carried = ref.gru.forward({ shape: [B, T, F], data: x1 }, w).states.map((s) => s.data);
    layer.zeroGradients();
    plan.forward(region(x2));
    const dy = uniform(random, B * T * U);
    plan.backward(region(dy));
    const g = ref.gru.backward({ shape: [B, T, F], data: x2 }, w, { returnSequences: true, initialState: carried }, { dOutput: dy });
    expectClose('dx', plan.dInput!.toArray(), g.dx, GRADIENT_TOLERANCE);
    expectClose('dKernel', layer.weights[0].grad.toArray(), g.dWeights.kernel, GRADIENT_TOLERANCE);
    expectClose('dRecurrentKernel', layer.weights[1].grad.toArray(), g.dWeights.recurrentKernel, GRADIENT_TOLERANCE);
    layer.dispose();
  });

  it('fix the batch size at the first plan when none is declared', () => {
    const layer = layers.gru({ units: 2, stateful: true, name: 's' });
    layer.build([null, T, F], new Prng(1));
    layer.plan([3, T, F]);
    expect(() => layer.plan([2, T, F])).toThrow(/^s: keeps states for batch size 3 \(stateful\); batch size 2 would mix/);
    layer.dispose();
  });
});

describe('bidirectional = the reference', () => {
  const modes: layers.MergeMode[] = ['concat', 'sum', 'mul', 'ave'];
  for (const [cell, make, reference] of [['lstm', layers.lstm, ref.lstm], ['gru', layers.gru, ref.gru]] as const) {
    for (const mergeMode of modes) {
      for (const [returnSequences, goBackwards] of [[true, false], [false, false], [true, true], [false, true]]) {
        if (goBackwards && mergeMode !== 'concat' && mergeMode !== 'mul') continue;
        it(`${cell} ${mergeMode}${returnSequences ? ' sequence' : ''}${goBackwards ? ' of a goBackwards layer' : ''}, masked, with states`, () => {
          const random = randomFor(`bidirectional ${cell} ${mergeMode} ${returnSequences} ${goBackwards}`);
          const { layer, plan } = planned(layers.bidirectional(make({ units: U, returnSequences, returnState: true, goBackwards }), { mergeMode }), [B, T, F]);
          randomizeWeights(layer, random);
          const values = weightValues(layer);
          const half = values.length / 2;
          const rnn = (v: Float32Array[]) => ({ kernel: v[0], recurrentKernel: v[1], bias: v[2] });
          const w = { forward: rnn(values.slice(0, half)), backward: rnn(values.slice(half)) };
          const x = uniform(random, B * T * F);
          const mask = makeMask(random, 'lengths');
          const n = cell === 'lstm' ? 2 : 1;
          const initialState = Array.from({ length: 2 * n }, () => uniform(random, B * U));
          const options = { mergeMode, returnSequences, goBackwards, mask, initialState };
          plan.forward(region(x), { mask, initialState: initialState.map(region) });
          const expected = ref.bidirectional.forward(reference as RefLayer, { shape: [B, T, F], data: x }, w, options);
          expectClose('output', plan.output.toArray(), expected.output.data, OUTPUT_TOLERANCE);
          plan.states.forEach((s, i) => expectClose(`state ${i}`, s.toArray(), expected.states[i].data, OUTPUT_TOLERANCE));
          const dOutput = uniform(random, plan.output.length);
          const dStates = expected.states.map(() => uniform(random, B * U));
          plan.backward(region(dOutput), { dStates: dStates.map(region) });
          const g = ref.bidirectional.backward(reference as RefLayer, { shape: [B, T, F], data: x }, w, options, { dOutput, dStates });
          expectClose('dx', plan.dInput!.toArray(), g.dx, GRADIENT_TOLERANCE);
          const grads = [g.dWeights.forward, g.dWeights.backward].flatMap((d) => [d.kernel, d.recurrentKernel, d.bias!]);
          layer.weights.forEach((wt, i) => expectClose(wt.name, wt.grad.toArray(), grads[i], GRADIENT_TOLERANCE));
          toArrays(plan.dInitialState).forEach((d, i) => expectClose(`dInitialState[${i}]`, d, g.dInitialState[i], GRADIENT_TOLERANCE));
          layer.dispose();
        });
      }
    }
  }
});

describe('stacks pass masks like Keras', () => {
  /** Chains plans: forward feeding outputs and masks on, backward feeding dInput back. */
  function runStack(plans: LayerPlan[], x: F32Region, dy: Float32Array): void {
    let input = x;
    let mask: Uint8Array | undefined;
    for (const plan of plans) {
      mask = plan.forward(input, { mask, rng: new Prng(1) });
      input = plan.output;
    }
    let d = region(dy);
    for (const plan of [...plans].reverse()) {
      plan.backward(d);
      if (plan.dInput) d = plan.dInput;
    }
  }

  it('embedding(maskZero) → lstm → bidirectional(gru) → timeDistributed(dense softmax)', () => {
    const random = randomFor('stack embedding');
    const [vocabulary, D] = [9, 4];
    const stack = [
      layers.embedding({ inputDim: vocabulary, outputDim: D, maskZero: true }),
      layers.lstm({ units: U, returnSequences: true }),
      layers.bidirectional(layers.gru({ units: 3, returnSequences: true, resetAfter: false })),
      layers.timeDistributed(layers.dense({ units: 4, activation: 'softmax' })),
    ];
    let shape: (number | null)[] = [null, T];
    const plans = stack.map((layer, i) => {
      layer.build(shape, new Prng(i));
      const plan = layer.plan([B, ...(shape.slice(1) as number[])], { training: true, inputGradient: i > 0 });
      shape = layer.computeOutputShape(shape) as (number | null)[];
      return plan;
    });
    stack.slice(1).forEach((layer) => randomizeWeights(layer, random));
    const ids = Float32Array.from({ length: B * T }, (_, i) => (i % T >= T - (i % 3) ? 0 : 1 + Math.floor(random() * (vocabulary - 1))));
    const dy = uniform(random, B * T * 4);
    runStack(plans, region(ids), dy);

    const v = stack.map(weightValues);
    const reference = [
      ref.sequential.layers.embedding(v[0][0], { outputDim: D, maskZero: true }),
      ref.sequential.layers.recurrent(ref.lstm, { kernel: v[1][0], recurrentKernel: v[1][1], bias: v[1][2] }, { returnSequences: true }),
      ref.sequential.layers.bidirectional(ref.gru as RefLayer, { forward: { kernel: v[2][0], recurrentKernel: v[2][1], bias: v[2][2] }, backward: { kernel: v[2][3], recurrentKernel: v[2][4], bias: v[2][5] } }, { returnSequences: true, resetAfter: false }),
      ref.sequential.layers.dense({ kernel: v[3][0], bias: v[3][1] }, 'softmax'),
    ];
    const xs = { shape: [B, T], data: ids };
    expectClose('output', plans[3].output.toArray(), ref.sequential.forward(reference, xs).y.data, OUTPUT_TOLERANCE);
    const g = ref.sequential.backward(reference, xs, dy);
    stack.forEach((layer, i) => layer.weights.forEach((w, k) => expectClose(w.name, w.grad.toArray(), g.dWeights[i][k], GRADIENT_TOLERANCE)));
    stack.forEach((layer) => layer.dispose());
  });

  it('masking → simpleRNN → dense', () => {
    const random = randomFor('stack masking');
    const stack = [layers.masking({ maskValue: 0 }), layers.simpleRNN({ units: U }), layers.dense({ units: 2 })];
    const x = uniform(random, B * T * F);
    x.fill(0, 2 * F, 4 * F); // sample 0, steps 2 and 3: padding in the middle
    x.fill(0, (2 * T - 2) * F, 2 * T * F); // sample 1: trailing padding
    let shape: (number | null)[] = [null, T, F];
    const plans = stack.map((layer, i) => {
      layer.build(shape, new Prng(i));
      const plan = layer.plan([B, ...(shape.slice(1) as number[])], { training: true });
      shape = layer.computeOutputShape(shape) as (number | null)[];
      return plan;
    });
    const dy = uniform(random, B * 2);
    runStack(plans, region(x), dy);
    const v = stack.map(weightValues);
    const reference = [
      ref.sequential.layers.masking(0),
      ref.sequential.layers.recurrent(ref.simpleRNN, { kernel: v[1][0], recurrentKernel: v[1][1], bias: v[1][2] }, {}),
      ref.sequential.layers.dense({ kernel: v[2][0], bias: v[2][1] }),
    ];
    const xs = { shape: [B, T, F], data: x };
    expectClose('output', plans[2].output.toArray(), ref.sequential.forward(reference, xs).y.data, OUTPUT_TOLERANCE);
    const g = ref.sequential.backward(reference, xs, dy);
    expectClose('dx', plans[0].dInput!.toArray(), g.dx, GRADIENT_TOLERANCE);
    stack.forEach((layer, i) => layer.weights.forEach((w, k) => expectClose(w.name, w.grad.toArray(), g.dWeights[i][k], GRADIENT_TOLERANCE)));
    stack.forEach((layer) => layer.dispose());
  });
});

describe('bidirectional options', () => {
  it('keeps mergeMode null through save and load; builds (functional models take both outputs) but has no single output shape', () => {
    const bi = layers.bidirectional(layers.lstm({ units: 2 }), { mergeMode: null });
    expect(bi.getConfig()).toMatchObject({ merge_mode: null });
    const loaded = layers.layerFromConfig(bi.toJSON()) as layers.Bidirectional;
    expect(loaded.settings.mergeMode).toBeNull();
    loaded.build([null, T, F], new Prng(1));
    expect(loaded.computeOutputShapes([null, T, F])).toEqual([[null, 2], [null, 2]]);
    expect(() => loaded.computeOutputShape([null, T, F])).toThrow(new LayerInputError(loaded.name, 'mergeMode', "mergeMode null returns the two directions as two outputs, and a sequential model passes one tensor between layers; use mergeMode 'concat' (the directions side by side on the last axis: forward units first), or apply() the layer in a functional model, which takes both"));
    loaded.dispose();
    expect(() => layers.bidirectional(layers.lstm({ units: 2 }), { mergeMode: 'max' as never })).toThrow(/mergeMode must be one of 'concat', 'sum', 'mul', 'ave'/);
  });

  it('forces zeroOutputForMask on both directions and flips goBackwards for the backward one', () => {
    for (const goBackwards of [false, true]) {
      const bi = layers.bidirectional(layers.gru({ units: 2, goBackwards, zeroOutputForMask: false }));
      expect([bi.forwardLayer.settings.goBackwards, bi.backwardLayer.settings.goBackwards]).toEqual([goBackwards, !goBackwards]);
      expect([bi.forwardLayer.settings.zeroOutputForMask, bi.backwardLayer.settings.zeroOutputForMask]).toEqual([true, true]);
      expect(layers.layerFromConfig(bi.toJSON()).getConfig()).toEqual(bi.getConfig());
    }
  });
});
