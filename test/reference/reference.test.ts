// The float64 reference checked against itself: every backward against central finite
// differences (including BPTT truncation, against its definition), the semantics of
// masking / goBackwards / Bidirectional on exact cases, and Keras parameter counts.
// Parity with TF.js is in tfjs-parity.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, testSeed } from '../util/random.js';
import { dot, dropoutMask, expectGradient, randomArray, randomHoles, randomLengths, worstSeen } from './gradcheck.js';
import * as ref from './index.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
/** A generator of its own per test, so a single test replays the same inputs when run alone. */
const randomFor = (name: string): (() => number) => rng(seed ^ [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));

afterAll(() => console.log(`reference finite differences: worst relative error ${worstSeen.error.toExponential(2)} at ${worstSeen.where}`));

interface Weights {
  kernel: Float64Array;
  recurrentKernel: Float64Array;
  bias?: Float64Array;
}

type AnyLayer = ref.RecurrentLayer<ref.GruOptions>;
interface Variant {
  name: string;
  layer: AnyLayer;
  options: ref.GruOptions;
}

const variants: Variant[] = [
  ...(['tanh', 'relu', 'sigmoid', 'linear'] as const).map((activation) => ({ name: `simpleRNN ${activation}`, layer: ref.simpleRNN, options: { activation } })),
  ...(['tanh', 'relu'] as const).flatMap((activation) =>
    (['sigmoid', 'hardSigmoid'] as const).map((recurrentActivation) => ({
      name: `lstm ${activation}/${recurrentActivation}`,
      layer: ref.lstm,
      options: { activation, recurrentActivation },
    })),
  ),
  ...[true, false].flatMap((resetAfter) =>
    (['sigmoid', 'hardSigmoid'] as const).map((recurrentActivation) => ({
      name: `gru resetAfter=${resetAfter} ${recurrentActivation}`,
      layer: ref.gru,
      options: { resetAfter, recurrentActivation },
    })),
  ),
];

const B = 3, T = 5, F = 2, U = 3;

/** Weights in Keras shapes, wide enough that hardSigmoid clips and relu cuts sometimes. */
function randomWeights(random: () => number, layer: AnyLayer, options: ref.GruOptions & { useBias?: boolean }, inputDim = F, units = U): Weights {
  const s = layer.weightShapes(inputDim, units, options);
  const array = (shape: number[]) => randomArray(random, shape.reduce((a, b) => a * b, 1), -1.2, 1.2);
  return { kernel: array(s.kernel), recurrentKernel: array(s.recurrentKernel), bias: s.bias && array(s.bias) };
}

const randomInput = (random: () => number, shape: number[]): ref.Tensor => ref.tensor(shape, randomArray(random, shape.reduce((a, b) => a * b, 1)));

type Param = [name: string, value: Float64Array, gradient: ArrayLike<number>];

/**
 * Loss L = Σ dOutput·output + Σ dStates·states with random upstream gradients (dStates
 * only when withStates: returnState), its backward, and every parameter checked by FD.
 */
function gradCheck(label: string, random: () => number, withStates: boolean, forward: () => ref.RnnOutput, backward: (up: ref.RnnUpstream) => Param[]): void {
  const first = forward();
  const dOutput = randomArray(random, first.output.data.length);
  const dStates = withStates ? first.states.map((s) => randomArray(random, s.data.length)) : undefined;
  const loss = () => {
    const r = forward();
    return dot(r.output.data, dOutput) + (dStates ? r.states.reduce((sum, s, i) => sum + dot(s.data, dStates[i]), 0) : 0);
  };
  for (const [name, value, gradient] of backward({ dOutput, dStates })) expectGradient(`${label}: ${name}`, loss, value, gradient, replay);
}

function rnnParams(x: ref.Tensor, w: Weights, initialState: Float64Array[] | undefined, g: Omit<ref.RnnBackward, 'dWeights'>, dW: ref.RnnGradients, prefix = ''): Param[] {
  return [
    ['dx', x.data, g.dx],
    ...weightParams(w, dW, prefix),
    ...(initialState ?? []).map((s, i): Param => [`initialState[${i}]`, s, g.dInitialState[i]]),
  ];
}

function weightParams(w: Weights, dW: ref.RnnGradients, prefix = ''): Param[] {
  const params: Param[] = [
    [`${prefix}kernel`, w.kernel, dW.kernel],
    [`${prefix}recurrentKernel`, w.recurrentKernel, dW.recurrentKernel],
  ];
  if (w.bias) params.push([`${prefix}bias`, w.bias, dW.bias ?? []]);
  return params;
}

type MaskKind = 'none' | 'lengths' | 'holes';
function maskOptions(random: () => number, kind: MaskKind): Pick<ref.RnnOptions, 'mask' | 'lengths'> {
  return kind === 'lengths' ? { lengths: randomLengths(random, B, T) } : kind === 'holes' ? { mask: randomHoles(random, B, T) } : {};
}

/** Every (returnSequences, goBackwards, mask) combination; the remaining options rotate so that each value occurs for every variant. */
const combos = [false, true].flatMap((returnSequences) =>
  [false, true].flatMap((goBackwards) => (['none', 'lengths', 'holes'] as const).map((mask) => ({ returnSequences, goBackwards, mask }))),
).map((c, k) => ({ ...c, zeroOutputForMask: k % 2 === 0, initialState: k % 4 < 2, useBias: k % 3 !== 2, dropout: k % 5 >= 3, returnState: k % 3 !== 1 }));

describe('recurrent layers: backward = finite differences', () => {
  it.each(variants)('$name, every option combination', ({ name, layer, options: base }) => {
    const random = randomFor(name);
    for (const c of combos) {
      const w = randomWeights(random, layer, { ...base, useBias: c.useBias });
      const x = randomInput(random, [B, T, F]);
      const stateCount = layer.forward(x, w, base).states.length;
      const initialState = c.initialState ? Array.from({ length: stateCount }, () => randomArray(random, B * U)) : undefined;
      const options: ref.GruOptions = {
        ...base,
        returnSequences: c.returnSequences,
        goBackwards: c.goBackwards,
        zeroOutputForMask: c.zeroOutputForMask,
        initialState,
        ...maskOptions(random, c.mask),
        ...(c.dropout ? { inputDropoutMask: dropoutMask(random, B * F), recurrentDropoutMask: dropoutMask(random, B * U) } : {}),
      };
      const label = `${name} ${JSON.stringify(c)}`;
      gradCheck(label, random, c.returnState, () => layer.forward(x, w, options), (up) => {
        const g = layer.backward(x, w, options, up);
        return rnnParams(x, w, initialState, g, g.dWeights);
      });
    }
  });
});

describe('bidirectional: backward = finite differences', () => {
  const wrapped = [variants[0], variants[1 * 4], variants[8], variants[10]]; // simpleRNN, lstm, gru resetAfter true and false
  const modes: ref.bidirectional.MergeMode[] = ['concat', 'sum', 'mul', 'ave'];
  it.each(wrapped)('$name, every merge mode', ({ name, layer, options: base }) => {
    const random = randomFor(`bidirectional ${name}`);
    modes.forEach((mergeMode, k) => {
      for (const returnSequences of [false, true]) {
        const w = { forward: randomWeights(random, layer, base), backward: randomWeights(random, layer, base) };
        const x = randomInput(random, [B, T, F]);
        const stateCount = layer.forward(x, w.forward, base).states.length;
        const initialState = k % 2 === 1 ? Array.from({ length: 2 * stateCount }, () => randomArray(random, B * U)) : undefined;
        const maskKind = (['lengths', 'holes', 'none'] as const)[(k + (returnSequences ? 1 : 0)) % 3];
        const goBackwards = (k + (returnSequences ? 1 : 0)) % 2 === 1; // a goBackwards wrapped layer swaps the directions
        const options = { ...base, mergeMode, returnSequences, goBackwards, initialState, ...maskOptions(random, maskKind) };
        const label = `bidirectional(${name}) ${mergeMode} returnSequences=${returnSequences} goBackwards=${goBackwards} mask=${maskKind}`;
        gradCheck(label, random, k % 2 === 0, () => ref.bidirectional.forward(layer, x, w, options), (up) => {
          const g = ref.bidirectional.backward(layer, x, w, options, up);
          return [...rnnParams(x, w.forward, initialState, g, g.dWeights.forward, 'forward.'), ...weightParams(w.backward, g.dWeights.backward, 'backward.')];
        });
      }
    });
  });
});

describe('truncated BPTT (maxSteps) = gradient of the windowed problem', () => {
  // Definition checked here: with maxSteps = k, sample b's gradient is that of the same loss
  // in which the state entering its last k real steps (in processing order) is a constant
  // and every earlier step is masked out. That problem is built from the reference's own
  // mask and initialState support (both checked above), and differentiated by FD.
  const cells = [variants[0], variants[4], variants[8], variants[10]];
  it.each(cells)('$name', ({ name, layer, options: base }) => {
    const random = randomFor(`truncation ${name}`);
    let truncatedSomewhere = 0;
    for (const goBackwards of [false, true]) {
      for (const returnSequences of [false, true]) {
        for (const maskKind of ['none', 'lengths', 'holes'] as const) {
          for (const maxSteps of [1, 2, T - 1]) {
            const w = randomWeights(random, layer, base);
            const x = randomInput(random, [B, T, F]);
            const options: ref.GruOptions = { ...base, goBackwards, returnSequences, zeroOutputForMask: maxSteps !== 2, ...maskOptions(random, maskKind) };
            const real = ref.maskFromLengths(options.lengths ?? [], T);
            const isReal = (b: number, t: number) => (options.mask ? Boolean(options.mask[b * T + t]) : options.lengths ? real[b * T + t] === 1 : true);
            const time = (s: number) => (goBackwards ? T - 1 - s : s);
            // Processing step where each sample's window starts (0 when it has ≤ maxSteps real steps).
            const start = Array.from({ length: B }, (_, b) => {
              let seen = 0;
              for (let s = T - 1; s >= 0; s--) if (isReal(b, time(s)) && ++seen === maxSteps) return s;
              return 0;
            });
            const truncated = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => isReal(b, t)).filter(Boolean).length > maxSteps);
            const windowMask = (inside: boolean) => Uint8Array.from({ length: B * T }, (_, i) => {
              const b = Math.floor(i / T), t = i % T, s = goBackwards ? T - 1 - t : t;
              return isReal(b, t) && (s >= start[b]) === inside ? 1 : 0;
            });
            const entering = layer.forward(x, w, { ...options, returnSequences: false, mask: windowMask(false), lengths: undefined }).states.map((s) => s.data);
            const windowed: ref.GruOptions = { ...options, mask: windowMask(true), lengths: undefined, initialState: entering };

            const label = `${name} maxSteps=${maxSteps} goBackwards=${goBackwards} returnSequences=${returnSequences} mask=${maskKind}`;
            gradCheck(label, random, true, () => layer.forward(x, w, windowed), (up) => {
              const g = layer.backward(x, w, { ...options, maxSteps }, up);
              const full = layer.backward(x, w, options, up);
              for (let b = 0; b < B; b++) {
                if (!truncated[b]) continue;
                truncatedSomewhere++;
                for (const d of g.dInitialState) {
                  expect(Array.from(d.subarray(b * U, (b + 1) * U)), `${label}: dInitialState of truncated sample ${b}`).toEqual(new Array(U).fill(0));
                }
              }
              if (truncated.some(Boolean)) expect(Array.from(g.dWeights.kernel), `${label}: truncation changes the gradient`).not.toEqual(Array.from(full.dWeights.kernel));
              return [['dx', x.data, g.dx], ...weightParams(w, g.dWeights)];
            });
          }
        }
      }
    }
    expect(truncatedSomewhere).toBeGreaterThan(10);
  });

  it('maxSteps ≥ T is full BPTT, bit for bit', () => {
    const random = randomFor('maxSteps >= T');
    for (const { layer, options: base } of variants) {
      const w = randomWeights(random, layer, base);
      const x = randomInput(random, [B, T, F]);
      const options = { ...base, returnSequences: true, lengths: randomLengths(random, B, T) };
      const up = { dOutput: randomArray(random, B * T * U) };
      expect(layer.backward(x, w, { ...options, maxSteps: T }, up)).toEqual(layer.backward(x, w, options, up));
    }
  });
});

describe('dense, embedding, masking', () => {
  const activations: ref.Activation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'];
  it.each(activations)('dense %s on a 3-D input: backward = finite differences', (activation) => {
    const random = randomFor(`dense ${activation}`);
    for (const useBias of [true, false]) {
      const x = randomInput(random, [2, 3, 4]);
      const w = { kernel: randomArray(random, 4 * 5, -1.5, 1.5), bias: useBias ? randomArray(random, 5) : undefined };
      const dy = randomArray(random, 2 * 3 * 5);
      const loss = () => dot(ref.dense.forward(x, w, activation).data, dy);
      const g = ref.dense.backward(x, w, activation, dy);
      expectGradient(`dense ${activation} dx`, loss, x.data, g.dx, replay);
      expectGradient(`dense ${activation} kernel`, loss, w.kernel, g.dWeights.kernel, replay);
      if (w.bias) expectGradient(`dense ${activation} bias`, loss, w.bias, g.dWeights.bias ?? [], replay);
    }
  });

  it('dense acts per timestep: a [B][T][F] input gives the rows of [B·T][F]', () => {
    const random = randomFor('dense per timestep');
    const x = randomInput(random, [2, 3, 4]);
    const w = { kernel: randomArray(random, 4 * 5), bias: randomArray(random, 5) };
    const y = ref.dense.forward(x, w, 'softmax');
    expect(y.shape).toEqual([2, 3, 5]);
    expect(y.data).toEqual(ref.dense.forward({ shape: [6, 4], data: x.data }, w, 'softmax').data);
    for (let r = 0; r < 6; r++) expect(y.data.subarray(r * 5, r * 5 + 5).reduce((a, b) => a + b)).toBeCloseTo(1, 14);
  });

  it('embedding: lookup, maskZero mask, backward = finite differences (repeated ids accumulate)', () => {
    const random = randomFor('embedding');
    const ids = { shape: [2, 4], data: [1, 3, 0, 0, 2, 2, 3, 0] };
    const E = randomArray(random, 4 * 3);
    const { output, mask } = ref.embedding.forward(ids, E, { outputDim: 3, maskZero: true });
    expect(output.shape).toEqual([2, 4, 3]);
    expect(Array.from(output.data.subarray(3, 6))).toEqual(Array.from(E.subarray(9, 12)));
    expect(Array.from(output.data.subarray(6, 9))).toEqual(Array.from(E.subarray(0, 3))); // id 0 is still looked up
    expect(Array.from(mask ?? [])).toEqual([1, 1, 0, 0, 1, 1, 1, 0]);
    expect(ref.embedding.forward(ids, E, { outputDim: 3 }).mask).toBeUndefined();
    const dy = randomArray(random, 2 * 4 * 3);
    const loss = () => dot(ref.embedding.forward(ids, E, { outputDim: 3 }).output.data, dy);
    expectGradient('embedding', loss, E, ref.embedding.backward(ids, E, { outputDim: 3 }, dy), replay);
  });

  it('masking: all-maskValue steps are masked and zeroed, and get no gradient', () => {
    const x = { shape: [1, 3, 2], data: [0.5, 0, -1, -1, 0, 0.25] };
    const { output, mask } = ref.masking.forward(x, -1);
    expect(Array.from(mask)).toEqual([1, 0, 1]);
    expect(Array.from(output.data, (v) => v + 0)).toEqual([0.5, 0, 0, 0, 0, 0.25]); // + 0: x·0 is −0 for negative x, as in Keras
    expect(Array.from(ref.masking.backward(mask, [1, 2, 3, 4, 5, 6]))).toEqual([1, 2, 0, 0, 5, 6]);
  });
});

describe('stacked layers: backward = finite differences', () => {
  const seqLoss = (stack: ref.sequential.SequenceLayer[], x: ref.TensorLike, dy: Float64Array) => () => dot(ref.sequential.forward(stack, x).y.data, dy);
  const checkStack = (label: string, stack: ref.sequential.SequenceLayer[], x: ref.Tensor, dy: Float64Array, withInput: boolean) => {
    const g = ref.sequential.backward(stack, x, dy);
    const loss = seqLoss(stack, x, dy);
    if (withInput) expectGradient(`${label} dx`, loss, x.data, g.dx, replay);
    stack.forEach((layer, i) => layer.weights.forEach((wt, j) => expectGradient(`${label} layer ${i} weight ${j}`, loss, wt as Float64Array, g.dWeights[i][j], replay)));
  };

  it('embedding(maskZero) → bidirectional(lstm, concat) → gru → dense(softmax)', () => {
    const random = randomFor('stack 1');
    const ids = { shape: [B, T], data: [1, 2, 3, 4, 5, 2, 5, 0, 0, 0, 3, 0, 1, 4, 0] }; // trailing padding and a hole
    const stack = [
      ref.sequential.layers.embedding(randomArray(random, 6 * F), { outputDim: F, maskZero: true }),
      ref.sequential.layers.bidirectional(
        ref.lstm,
        { forward: randomWeights(random, ref.lstm, {}), backward: randomWeights(random, ref.lstm, {}) },
        { returnSequences: true, mergeMode: 'concat' },
      ),
      ref.sequential.layers.recurrent(ref.gru, randomWeights(random, ref.gru, {}, 2 * U, U), {}),
      ref.sequential.layers.dense({ kernel: randomArray(random, U * 4), bias: randomArray(random, 4) }, 'softmax'),
    ];
    const x = ref.tensor(ids.shape, ids.data);
    checkStack('stack 1', stack, x, randomArray(random, B * 4), false);
  });

  it('simpleRNN(relu) → bidirectional(gru resetAfter=false, mul) → lstm(goBackwards, hardSigmoid) → dense(tanh) per timestep', () => {
    const random = randomFor('stack 2');
    const gruOptions = { resetAfter: false };
    const lstmOptions = { returnSequences: true, goBackwards: true, recurrentActivation: 'hardSigmoid' as const };
    const stack = [
      ref.sequential.layers.recurrent(ref.simpleRNN, randomWeights(random, ref.simpleRNN, {}), { returnSequences: true, activation: 'relu' }),
      ref.sequential.layers.bidirectional(
        ref.gru,
        { forward: randomWeights(random, ref.gru, gruOptions, U, U), backward: randomWeights(random, ref.gru, gruOptions, U, U) },
        { ...gruOptions, returnSequences: true, mergeMode: 'mul' },
      ),
      ref.sequential.layers.recurrent(ref.lstm, randomWeights(random, ref.lstm, lstmOptions, U, U), lstmOptions),
      ref.sequential.layers.dense({ kernel: randomArray(random, U * 2), bias: randomArray(random, 2) }, 'tanh'),
    ];
    const x = randomInput(random, [B, T, F]);
    checkStack('stack 2', stack, x, randomArray(random, B * T * 2), true);
  });
});

describe('masking, goBackwards and Bidirectional semantics (exact)', () => {
  /** Sample b's real steps only, as a batch of one. */
  const compact = (x: ref.Tensor, isReal: (t: number) => boolean, b: number): ref.Tensor => {
    const rows: number[] = [];
    for (let t = 0; t < T; t++) if (isReal(t)) rows.push(...x.data.subarray((b * T + t) * F, (b * T + t + 1) * F));
    return ref.tensor([1, rows.length / F, F], rows);
  };

  it.each(variants)('$name: masked steps are skipped as if absent; their outputs are zero or the carried h', ({ layer, options: base }) => {
    const random = randomFor(`skip ${base.activation} ${base.recurrentActivation} ${base.resetAfter}`);
    for (const goBackwards of [false, true]) {
      const w = randomWeights(random, layer, base);
      const x = randomInput(random, [B, T, F]);
      const mask = randomHoles(random, B, T);
      const options = { ...base, goBackwards, returnSequences: true, mask };
      const zeroed = layer.forward(x, w, { ...options, zeroOutputForMask: true });
      const carried = layer.forward(x, w, options); // the default: zeroOutputForMask false
      expect(carried.states).toEqual(zeroed.states);
      for (let b = 0; b < B; b++) {
        const alone = layer.forward(compact(x, (t) => mask[b * T + t] === 1, b), w, { ...base, goBackwards, returnSequences: true });
        zeroed.states.forEach((s, i) => expect(Array.from(s.data.subarray(b * U, (b + 1) * U))).toEqual(Array.from(alone.states[i].data)));
        let k = 0; // next output of the compacted run
        let h = new Float64Array(U); // carried h: zero initial state
        for (let s = 0; s < T; s++) {
          const t = goBackwards ? T - 1 - s : s;
          const at = (r: ref.RnnOutput) => Array.from(r.output.data.subarray((b * T + s) * U, (b * T + s + 1) * U));
          if (mask[b * T + t]) h = alone.output.data.slice(k * U, ++k * U);
          expect(at(zeroed)).toEqual(mask[b * T + t] ? Array.from(h) : new Array(U).fill(0));
          expect(at(carried)).toEqual(Array.from(h));
        }
      }
    }
  });

  it('lengths are the mask t < length', () => {
    const random = randomFor('lengths');
    const w = randomWeights(random, ref.lstm, {});
    const x = randomInput(random, [B, T, F]);
    const lengths = randomLengths(random, B, T);
    expect(ref.lstm.forward(x, w, { lengths, returnSequences: true })).toEqual(ref.lstm.forward(x, w, { mask: ref.maskFromLengths(lengths, T), returnSequences: true }));
  });

  it('goBackwards = the time-reversed input, and the sequence comes back in processing order', () => {
    const random = randomFor('goBackwards');
    const w = randomWeights(random, ref.gru, {});
    const x = randomInput(random, [B, T, F]);
    const reversed = ref.tensor([B, T, F]);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) reversed.data.set(x.data.subarray((b * T + t) * F, (b * T + t + 1) * F), (b * T + T - 1 - t) * F);
    expect(ref.gru.forward(x, w, { goBackwards: true, returnSequences: true })).toEqual(ref.gru.forward(reversed, w, { returnSequences: true }));
  });

  it('bidirectional with lengths: the backward half reads each sample\'s real steps last to first, aligned to input time, zero on padding', () => {
    const random = randomFor('bidirectional lengths');
    const w = { forward: randomWeights(random, ref.lstm, {}), backward: randomWeights(random, ref.lstm, {}) };
    const x = randomInput(random, [B, T, F]);
    const lengths = randomLengths(random, B, T);
    const y = ref.bidirectional.forward(ref.lstm, x, w, { lengths, returnSequences: true, mergeMode: 'concat' });
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const backwardAlone = ref.lstm.forward(compact(x, (t) => t < L, b), w.backward, { goBackwards: true, returnSequences: true });
      for (let t = 0; t < T; t++) {
        const half = Array.from(y.output.data.subarray((b * T + t) * 2 * U + U, (b * T + t + 1) * 2 * U));
        expect(half).toEqual(t < L ? Array.from(backwardAlone.output.data.subarray((L - 1 - t) * U, (L - t) * U)) : new Array(U).fill(0));
      }
      expect(Array.from(y.states[2].data.subarray(b * U, (b + 1) * U))).toEqual(Array.from(backwardAlone.states[0].data));
    }
  });
});

describe('GRU resetAfter: the reference equals a direct transcription of the formula', () => {
  // Keras GRUCell (implementation 2, reset_after) written as batched matrix products, a
  // structure unlike the reference's per-sample gate blocks:
  //   mx = x·W + b_in;  mh = h·U + b_rec;  z = σ(mx_z + mh_z);  r = σ(mx_r + mh_r)
  //   ĥ = tanh(mx_h + r ⊙ mh_h);  h = z ⊙ h + (1 − z) ⊙ ĥ
  function transcription(x: ref.Tensor, w: Weights, h0: Float64Array): Float64Array {
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const matmul = (a: ArrayLike<number>, rows: number, inner: number, m: ArrayLike<number>, cols: number, bias: ArrayLike<number>, biasOff: number) =>
      Float64Array.from({ length: rows * cols }, (_, i) => {
        const r = Math.floor(i / cols), c = i % cols;
        let s = bias[biasOff + c];
        for (let k = 0; k < inner; k++) s += a[r * inner + k] * m[k * cols + c];
        return s;
      });
    const bias = w.bias ?? new Float64Array(6 * U);
    const out = new Float64Array(B * T * U);
    let h = h0.slice();
    for (let t = 0; t < T; t++) {
      const xt = Float64Array.from({ length: B * F }, (_, i) => x.data[(Math.floor(i / F) * T + t) * F + (i % F)]);
      const mx = matmul(xt, B, F, w.kernel, 3 * U, bias, 0);
      const mh = matmul(h, B, U, w.recurrentKernel, 3 * U, bias, 3 * U);
      h = Float64Array.from({ length: B * U }, (_, i) => {
        const b = Math.floor(i / U), j = i % U, r3 = b * 3 * U;
        const z = sig(mx[r3 + j] + mh[r3 + j]);
        const r = sig(mx[r3 + U + j] + mh[r3 + U + j]);
        const hh = Math.tanh(mx[r3 + 2 * U + j] + r * mh[r3 + 2 * U + j]);
        return z * h[i] + (1 - z) * hh;
      });
      for (let b = 0; b < B; b++) out.set(h.subarray(b * U, (b + 1) * U), (b * T + t) * U);
    }
    return out;
  }

  it('forward sequences agree to 1e-14, with and without bias and initial state', () => {
    const random = randomFor('gru transcription');
    for (const useBias of [true, false]) {
      const w = randomWeights(random, ref.gru, { useBias });
      const x = randomInput(random, [B, T, F]);
      const h0 = randomArray(random, B * U);
      const y = ref.gru.forward(x, w, { returnSequences: true, initialState: [h0] }).output.data;
      const expected = transcription(x, w, h0);
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - expected[i]), `element ${i} (${replay})`).toBeLessThan(1e-14);
    }
  });
});

describe('parameter counts (Keras model.summary())', () => {
  it('SimpleRNN, LSTM, GRU, Dense, Embedding, Bidirectional', () => {
    expect(ref.simpleRNN.parameterCount(3, 2)).toBe(12); // DESIGN §1: SimpleRNN(2) on (1000, 3)
    expect(ref.dense.parameterCount(2, 3)).toBe(9); // … then Dense(3)
    expect(ref.lstm.parameterCount(26, 8)).toBe(1120); // alphabet LSTM(8) on 26 one-hot letters
    expect(ref.lstm.parameterCount(28, 128)).toBe(80384); // MNIST row by row
    expect(ref.gru.parameterCount(28, 128)).toBe(60672); // resetAfter: 3u(in + u + 2)
    expect(ref.gru.parameterCount(28, 128, { resetAfter: false })).toBe(60288); // 3u(in + u + 1)
    expect(ref.simpleRNN.parameterCount(28, 128, { useBias: false })).toBe(128 * (28 + 128));
    expect(ref.dense.parameterCount(128, 10)).toBe(1290);
    expect(ref.embedding.parameterCount(1000, 64)).toBe(64000);
    expect(ref.bidirectional.parameterCount(ref.lstm.parameterCount(10, 64))).toBe(2 * 4 * 64 * (10 + 64 + 1));
    expect(ref.gru.weightShapes(5, 4)).toEqual({ kernel: [5, 12], recurrentKernel: [4, 12], bias: [2, 12] });
    expect(ref.lstm.weightShapes(5, 4, { useBias: false })).toEqual({ kernel: [5, 16], recurrentKernel: [4, 16], bias: undefined });
  });
});
