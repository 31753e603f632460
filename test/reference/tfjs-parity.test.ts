// Parity of the float64 reference with TensorFlow.js Layers 4.22 (cpu backend, float32):
// the same weights in both, outputs within 1e-5 and gradients of a scalar loss
// L = Σ upstream·outputs (w.r.t. inputs, initial states and every weight) within 1e-4,
// both relative with a floor of 1 (absolute below 1), as test/util/compare.ts measures.
// GRU resetAfter true cannot be built in TF.js; reference.test.ts covers it.
//
// Two TF.js behaviours differ from the reference defaults, and the tests say so where they
// matter: TF.js returns the carried h at masked steps of a returned sequence (the reference
// does too with zeroOutputForMask: false), and its Bidirectional does not force zeros there
// as Keras 3 does, so masked positions of a bidirectional sequence are compared only
// through real steps.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed } from '../util/random.js';
import { dropoutMask, randomArray, randomHoles, randomLengths } from './gradcheck.js';
import * as ref from './index.js';

const OUTPUT_TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 1e-4;

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const randomFor = (name: string): (() => number) => rng(seed ^ [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));

const worst = { output: { error: 0, where: '' }, gradient: { error: 0, where: '' } };
beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  console.log(
    `TF.js parity (${replay}): worst output error ${worst.output.error.toExponential(2)} (${worst.output.where}); ` +
      `worst gradient error ${worst.gradient.error.toExponential(2)} (${worst.gradient.where})`,
  );
});

/** Asserts tf-vs-reference agreement and records the worst element seen. */
function expectClose(kind: 'output' | 'gradient', where: string, actual: ArrayLike<number>, expected: ArrayLike<number>, only?: (i: number) => boolean): void {
  const keep = (a: ArrayLike<number>) => Array.from(a).filter((_, i) => !only || only(i));
  const a = keep(actual), e = keep(expected);
  const w = worstRelative(a, e, 0);
  if (w && w.error > worst[kind].error) worst[kind] = { error: w.error, where };
  const tolerance = kind === 'output' ? OUTPUT_TOLERANCE : GRADIENT_TOLERANCE;
  const bad = worstRelative(a, e, tolerance);
  if (bad) expect.fail(`${where}: element ${bad.index} TF.js ${bad.actual} vs reference ${bad.expected}, error ${bad.error.toExponential(2)} > ${tolerance} (${replay})`);
}

let variableCount = 0;
/** A trainable input; tidy frees the initial value that tf.variable copies (variables survive tidy). */
const variable = (shape: number[], data: ArrayLike<number>): tf.Variable =>
  tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(data), shape), true, `parity_input_${variableCount++}`));

interface TfRun {
  outputs: Float32Array[];
  dInputs: Float32Array[];
  dWeights: Float32Array[];
}

/**
 * Runs `call` on TF.js and differentiates L = Σ_k upstream[k]·outputs[k] w.r.t. `inputs`
 * (variables) and the layer `weights` (zeros where TF.js finds no path).
 */
function tfRun(call: () => tf.Tensor | tf.Tensor[], inputs: tf.Variable[], weights: tf.LayerVariable[], upstream: (ArrayLike<number> | undefined)[]): TfRun {
  const weightVars = weights.map((w) => w.read() as tf.Variable);
  const outputs: Float32Array[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const outs = [call()].flat();
    outs.forEach((o) => outputs.push(o.dataSync() as Float32Array));
    return outs.reduce((sum: tf.Tensor, o, k) => {
      const u = upstream[k];
      return u === undefined ? sum : tf.add(sum, tf.sum(tf.mul(o, tf.tensor(Float32Array.from(u), o.shape))));
    }, tf.scalar(0)) as tf.Scalar;
  }, [...inputs, ...weightVars]);
  const gradient = (v: tf.Variable) => (grads[v.name]?.dataSync() as Float32Array | undefined) ?? new Float32Array(v.size);
  const run = { outputs, dInputs: inputs.map(gradient), dWeights: weightVars.map(gradient) };
  value.dispose();
  tf.dispose(grads);
  return run;
}

/** Builds a layer the way TF.js expects (one eager call; build() alone is neither idempotent for RNNs nor counts as use for dispose()). */
function build(layer: tf.layers.Layer, inputShape: number[], dtype: 'float32' | 'int32' = 'float32'): void {
  tf.tidy(() => {
    layer.apply(tf.zeros(inputShape, dtype));
  });
}

function setWeights(layer: tf.layers.Layer, arrays: ArrayLike<number>[]): void {
  const shapes = layer.getWeights().map((w) => w.shape);
  expect(shapes.length).toBe(arrays.length);
  const tensors = arrays.map((a, i) => tf.tensor(Float32Array.from(a), shapes[i]));
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

/**
 * Runs body, disposes what it registered, and checks that it left no TF.js tensors behind
 * (TF.js Layers caches two tensors on first use, hence the warm-up run).
 */
function tidyTest(body: (dispose: (...things: { dispose(): void }[]) => void) => void): void {
  const run = () => {
    const owned: { dispose(): void }[] = [];
    try {
      body((...things) => owned.push(...things));
    } finally {
      owned.forEach((t) => t.dispose());
    }
  };
  if (!warmedUp) {
    warmedUp = true;
    const layer = tf.layers.simpleRNN({ units: 1 });
    build(layer, [1, 1, 1]);
    tfRun(() => layer.apply(tf.ones([1, 1, 1]), { mask: tf.ones([1, 1]) }) as tf.Tensor, [], layer.trainableWeights, [[1]]);
    layer.dispose();
  }
  const before = tf.memory().numTensors;
  run();
  expect(tf.memory().numTensors - before, 'TF.js tensors left behind').toBe(0);
}
let warmedUp = false;

const B = 3, T = 5, F = 2, U = 3;

type Kind = 'simpleRNN' | 'lstm' | 'gru';
interface Variant {
  name: string;
  kind: Kind;
  options: ref.GruOptions;
}
const refLayer = (kind: Kind): ref.RecurrentLayer<ref.GruOptions> => ({ simpleRNN: ref.simpleRNN, lstm: ref.lstm, gru: ref.gru })[kind];

const variants: Variant[] = [
  { name: 'simpleRNN tanh', kind: 'simpleRNN', options: { activation: 'tanh' } },
  { name: 'simpleRNN relu', kind: 'simpleRNN', options: { activation: 'relu' } },
  { name: 'lstm sigmoid', kind: 'lstm', options: { recurrentActivation: 'sigmoid' } },
  { name: 'lstm hardSigmoid', kind: 'lstm', options: { recurrentActivation: 'hardSigmoid' } },
  { name: 'gru resetAfter=false sigmoid', kind: 'gru', options: { resetAfter: false, recurrentActivation: 'sigmoid' } },
  { name: 'gru resetAfter=false hardSigmoid', kind: 'gru', options: { resetAfter: false, recurrentActivation: 'hardSigmoid' } },
];

type TfActivation = Exclude<ref.Activation, 'hardSigmoidKeras3'>;

interface TfRecurrentArgs {
  units: number;
  returnState?: boolean; // default true
  useBias: boolean;
  returnSequences: boolean;
  goBackwards?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  dropoutFunc?: (ones: tf.Tensor, rate: number) => tf.Tensor;
}

/** The TF.js layer for a variant; recurrentActivation always explicit (TF.js defaults to hardSigmoid). */
function tfRecurrent(v: Variant, args: TfRecurrentArgs): tf.RNN {
  const activation = (v.options.activation ?? 'tanh') as TfActivation; // TF.js has no Keras 3 hard sigmoid; no variant uses it
  const recurrentActivation = v.options.recurrentActivation ?? 'sigmoid';
  const common = { returnState: true, ...args, activation };
  if (v.kind === 'simpleRNN') return tf.layers.simpleRNN(common);
  if (v.kind === 'lstm') return tf.layers.lstm({ ...common, recurrentActivation });
  return tf.layers.gru({ ...common, recurrentActivation }); // TF.js's GRU is always resetAfter false
}

function randomWeights(random: () => number, v: Variant, useBias: boolean): ref.RnnWeights & { kernel: Float64Array } {
  const s = refLayer(v.kind).weightShapes(F, U, { ...v.options, useBias });
  const array = (shape: number[]) => randomArray(random, shape.reduce((a, b) => a * b, 1), -1.2, 1.2);
  return { kernel: array(s.kernel), recurrentKernel: array(s.recurrentKernel), bias: s.bias && array(s.bias) };
}

const rnnWeightList = (w: ref.RnnWeights): ArrayLike<number>[] => (w.bias ? [w.kernel, w.recurrentKernel, w.bias] : [w.kernel, w.recurrentKernel]);
const rnnGradList = (g: ref.RnnGradients): ArrayLike<number>[] => (g.bias ? [g.kernel, g.recurrentKernel, g.bias] : [g.kernel, g.recurrentKernel]);

type MaskKind = 'none' | 'lengths' | 'holes';
function maskFor(random: () => number, kind: MaskKind): Uint8Array | undefined {
  return kind === 'lengths' ? ref.maskFromLengths(randomLengths(random, B, T), T) : kind === 'holes' ? randomHoles(random, B, T) : undefined;
}
const maskTensor = (mask: Uint8Array) => tf.tensor2d(Float32Array.from(mask), [B, T]);

describe('recurrent layers match TF.js', () => {
  const combos = [false, true]
    .flatMap((returnSequences) => [false, true].flatMap((goBackwards) => (['none', 'lengths', 'holes'] as const).map((mask) => ({ returnSequences, goBackwards, mask }))))
    .map((c, k) => ({ ...c, initialState: k % 2 === 0, useBias: k % 3 !== 2, returnState: k % 4 < 2, dropout: k % 4 === 3 }));

  it.each(variants)('$name: outputs, states and every gradient, all option combinations', (v) => {
    const random = randomFor(`parity ${v.name}`);
    for (const c of combos) {
      tidyTest((dispose) => {
        const label = `${v.name} ${JSON.stringify(c)}`;
        const w = randomWeights(random, v, c.useBias);
        const x = ref.tensor([B, T, F], randomArray(random, B * T * F));
        const stateCount = v.kind === 'lstm' ? 2 : 1;
        const initialState = c.initialState ? Array.from({ length: stateCount }, () => randomArray(random, B * U)) : undefined;
        const mask = maskFor(random, c.mask);
        // TF.js GRU also multiplies the carried z⊙h_{t−1} by its recurrent dropout mask, so GRU replays input dropout only.
        const recurrentDropout = c.dropout && v.kind !== 'gru';
        const inputDropoutMask = c.dropout ? dropoutMask(random, B * F) : undefined;
        const recurrentDropoutMask = recurrentDropout ? dropoutMask(random, B * U) : undefined;
        const options: ref.GruOptions = {
          ...v.options,
          returnSequences: c.returnSequences,
          goBackwards: c.goBackwards,
          initialState,
          mask,
          zeroOutputForMask: false, // TF.js carries h at masked steps
          inputDropoutMask,
          recurrentDropoutMask,
        };
        const expected = refLayer(v.kind).forward(x, w, options);
        const up = { dOutput: randomArray(random, expected.output.data.length), dStates: c.returnState ? expected.states.map(() => randomArray(random, B * U)) : undefined };
        const grads = refLayer(v.kind).backward(x, w, options, up);

        // The cells ask dropoutFunc for their masks; F ≠ U tells the input mask from the recurrent one.
        const dropoutFunc = (ones: tf.Tensor) => tf.tensor(Float32Array.from((ones.shape[1] === F ? inputDropoutMask : recurrentDropoutMask) ?? []), ones.shape);
        const layer = tfRecurrent(v, {
          units: U,
          useBias: c.useBias,
          returnSequences: c.returnSequences,
          goBackwards: c.goBackwards,
          ...(c.dropout ? { dropout: 0.25, dropoutFunc } : {}),
          ...(recurrentDropout ? { recurrentDropout: 0.25 } : {}),
        });
        build(layer, [B, T, F]);
        setWeights(layer, rnnWeightList(w));
        const xVar = variable([B, T, F], x.data);
        const stateVars = (initialState ?? []).map((s) => variable([B, U], s));
        const maskT = mask && maskTensor(mask);
        dispose(layer, xVar, ...stateVars, ...(maskT ? [maskT] : []));
        const kwargs = { mask: maskT, initialState: initialState && stateVars, training: c.dropout };
        const run = tfRun(() => layer.apply(xVar, kwargs) as tf.Tensor[], [xVar, ...stateVars], layer.trainableWeights, [up.dOutput, ...(up.dStates ?? [])]);

        // TF.js cells keep() their dropout masks and dispose() does not free them.
        tf.dispose([layer.cell.dropoutMask, layer.cell.recurrentDropoutMask].flat().filter((m) => m != null));

        expectClose('output', `${label} output`, run.outputs[0], expected.output.data);
        expected.states.forEach((s, i) => expectClose('output', `${label} state ${i}`, run.outputs[1 + i], s.data));
        expectClose('gradient', `${label} dx`, run.dInputs[0], grads.dx);
        stateVars.forEach((_, i) => expectClose('gradient', `${label} dInitialState[${i}]`, run.dInputs[1 + i], grads.dInitialState[i]));
        rnnGradList(grads.dWeights).forEach((g, i) => expectClose('gradient', `${label} weight ${i}`, run.dWeights[i], g));
      });
    }
  });
});

describe('bidirectional matches TF.js', () => {
  const modes: ref.bidirectional.MergeMode[] = ['concat', 'sum', 'mul', 'ave'];
  it.each([variants[0], variants[2], variants[4]])('$name, every merge mode', (v) => {
    const random = randomFor(`parity bidirectional ${v.name}`);
    modes.forEach((mergeMode, k) => {
      for (const returnSequences of [false, true]) {
        tidyTest((dispose) => {
          const maskKind: MaskKind = (k + (returnSequences ? 1 : 0)) % 2 === 0 ? 'lengths' : 'none';
          const withState = k % 2 === 1;
          const label = `bidirectional(${v.name}) ${mergeMode} returnSequences=${returnSequences} mask=${maskKind} initialState=${withState}`;
          const w = { forward: randomWeights(random, v, true), backward: randomWeights(random, v, true) };
          const x = ref.tensor([B, T, F], randomArray(random, B * T * F));
          const stateCount = v.kind === 'lstm' ? 2 : 1;
          const initialState = withState ? Array.from({ length: 2 * stateCount }, () => randomArray(random, B * U)) : undefined;
          const mask = maskFor(random, maskKind);
          const options = { ...v.options, mergeMode, returnSequences, initialState, mask };
          const expected = ref.bidirectional.forward(refLayer(v.kind), x, w, options);
          // Keras 3 zeroes masked positions of both halves; TF.js carries h there. Compare and
          // differentiate real positions only (upstream zero at padding).
          const width = expected.output.data.length / (returnSequences ? B * T : B);
          const real = (i: number) => !returnSequences || !mask || mask[Math.floor(i / width)] === 1;
          const dOutput = randomArray(random, expected.output.data.length).map((g, i) => (real(i) ? g : 0));
          const up = { dOutput, dStates: withState ? expected.states.map(() => randomArray(random, B * U)) : undefined };
          const grads = ref.bidirectional.backward(refLayer(v.kind), x, w, options, up);

          const layer = tf.layers.bidirectional({ layer: tfRecurrent(v, { units: U, useBias: true, returnSequences }), mergeMode });
          build(layer, [B, T, F]);
          setWeights(layer, [...rnnWeightList(w.forward), ...rnnWeightList(w.backward)]);
          const xVar = variable([B, T, F], x.data);
          const stateVars = (initialState ?? []).map((s) => variable([B, U], s));
          const maskT = mask && maskTensor(mask);
          dispose(layer, xVar, ...stateVars, ...(maskT ? [maskT] : []));
          const kwargs = { mask: maskT, initialState: initialState && stateVars };
          const run = tfRun(() => layer.apply(xVar, kwargs) as tf.Tensor[], [xVar, ...stateVars], layer.trainableWeights, [up.dOutput, ...(up.dStates ?? [])]);

          expectClose('output', `${label} output`, run.outputs[0], expected.output.data, real);
          expected.states.forEach((s, i) => expectClose('output', `${label} state ${i}`, run.outputs[1 + i], s.data));
          expectClose('gradient', `${label} dx`, run.dInputs[0], grads.dx);
          stateVars.forEach((_, i) => expectClose('gradient', `${label} dInitialState[${i}]`, run.dInputs[1 + i], grads.dInitialState[i]));
          [...rnnGradList(grads.dWeights.forward), ...rnnGradList(grads.dWeights.backward)].forEach((g, i) => expectClose('gradient', `${label} weight ${i}`, run.dWeights[i], g));
        });
      }
    });
  });
});

describe('dense and embedding match TF.js', () => {
  const activations: TfActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'softmax'];
  it.each(activations)('dense %s on [B][T][F]', (activation) => {
    const random = randomFor(`parity dense ${activation}`);
    for (const useBias of [true, false]) {
      tidyTest((dispose) => {
        const w = { kernel: randomArray(random, 4 * 5, -1.5, 1.5), bias: useBias ? randomArray(random, 5) : undefined };
        const x = ref.tensor([B, T, 4], randomArray(random, B * T * 4));
        const dy = randomArray(random, B * T * 5);
        const grads = ref.dense.backward(x, w, activation, dy);
        const layer = tf.layers.dense({ units: 5, activation, useBias });
        build(layer, [B, T, 4]);
        setWeights(layer, w.bias ? [w.kernel, w.bias] : [w.kernel]);
        const xVar = variable([B, T, 4], x.data);
        dispose(layer, xVar);
        const run = tfRun(() => layer.apply(xVar) as tf.Tensor, [xVar], layer.trainableWeights, [dy]);
        const label = `dense ${activation} useBias=${useBias}`;
        expectClose('output', `${label} output`, run.outputs[0], ref.dense.forward(x, w, activation).data);
        expectClose('gradient', `${label} dx`, run.dInputs[0], grads.dx);
        expectClose('gradient', `${label} kernel`, run.dWeights[0], grads.dWeights.kernel);
        if (grads.dWeights.bias) expectClose('gradient', `${label} bias`, run.dWeights[1], grads.dWeights.bias);
      });
    }
  });

  it('embedding with maskZero: output, mask and gradient', () => {
    const random = randomFor('parity embedding');
    tidyTest((dispose) => {
      const ids = { shape: [B, T], data: Array.from({ length: B * T }, () => Math.floor(random() * 6)) };
      const E = randomArray(random, 6 * 4);
      const options = { outputDim: 4, maskZero: true };
      const { output, mask } = ref.embedding.forward(ids, E, options);
      const dy = randomArray(random, output.data.length);
      const layer = tf.layers.embedding({ inputDim: 6, outputDim: 4, maskZero: true });
      build(layer, [B, T], 'int32');
      setWeights(layer, [E]);
      const idsT = tf.tensor2d(ids.data, [B, T], 'int32');
      dispose(layer, idsT);
      const tfMask = layer.computeMask(idsT) as tf.Tensor;
      expect(Array.from(tfMask.dataSync(), Number)).toEqual(Array.from(mask ?? []));
      tfMask.dispose();
      const run = tfRun(() => layer.apply(idsT) as tf.Tensor, [], layer.trainableWeights, [dy]);
      expectClose('output', 'embedding output', run.outputs[0], output.data);
      expectClose('gradient', 'embedding gradient', run.dWeights[0], ref.embedding.backward(ids, E, options, dy));
    });
  });
});

describe('stacked models match TF.js (Sequential, masks propagated by TF.js itself)', () => {
  /** Builds the TF.js model, loads the reference stack's weights, compares output and every gradient. */
  /** input: ids (int32), or float data differentiated (or not: TF.js has no gradient through its Masking layer's `any`). */
  function compareStack(
    label: string,
    makeModel: () => tf.Sequential,
    stack: ref.sequential.SequenceLayer[],
    x: ref.Tensor,
    input: 'ids' | 'constant' | 'differentiated',
    random: () => number,
  ): void {
    tidyTest((dispose) => {
      const model = makeModel();
      dispose(model);
      const expected = ref.sequential.forward(stack, x).y;
      const dy = randomArray(random, expected.data.length);
      const grads = ref.sequential.backward(stack, x, dy);
      const weights = stack.flatMap((l) => l.weights);
      const shapes = model.getWeights().map((w) => w.shape);
      const tensors = weights.map((a, i) => tf.tensor(Float32Array.from(a), shapes[i]));
      model.setWeights(tensors);
      tf.dispose(tensors);
      const xVar = input === 'differentiated' ? variable(x.shape, x.data) : undefined;
      const xT = xVar ?? (input === 'ids' ? tf.tensor(Int32Array.from(x.data), x.shape, 'int32') : tf.tensor(Float32Array.from(x.data), x.shape));
      dispose(xT);
      const run = tfRun(() => model.apply(xT) as tf.Tensor, xVar ? [xVar] : [], model.trainableWeights, [dy]);
      expectClose('output', `${label} output`, run.outputs[0], expected.data);
      if (xVar) expectClose('gradient', `${label} dx`, run.dInputs[0], grads.dx);
      grads.dWeights.flat().forEach((g, i) => expectClose('gradient', `${label} weight ${i}`, run.dWeights[i], g));
    });
  }

  it('embedding(maskZero) → lstm(returnSequences, hardSigmoid) → dense(softmax) per timestep', () => {
    const random = randomFor('parity stack 1');
    const lstmOptions = { returnSequences: true, recurrentActivation: 'hardSigmoid' as const, zeroOutputForMask: false };
    const stack = [
      ref.sequential.layers.embedding(randomArray(random, 7 * F), { outputDim: F, maskZero: true }),
      ref.sequential.layers.recurrent(ref.lstm, randomWeights(random, variants[2], true), lstmOptions),
      ref.sequential.layers.dense({ kernel: randomArray(random, U * 4), bias: randomArray(random, 4) }, 'softmax'),
    ];
    const model = () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 7, outputDim: F, maskZero: true, inputShape: [T] }),
          tf.layers.lstm({ units: U, returnSequences: true, recurrentActivation: 'hardSigmoid' }),
          tf.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      });
    const ids = ref.tensor([B, T], [3, 1, 4, 0, 0, 5, 0, 2, 6, 1, 0, 0, 0, 0, 0]); // trailing padding, a hole, an empty row
    compareStack('embedding→lstm→dense', model, stack, ids, 'ids', random);
  });

  it('masking → bidirectional(gru resetAfter=false, concat) → dense', () => {
    const random = randomFor('parity stack 2');
    const gru = variants[4];
    const stack = [
      ref.sequential.layers.masking(0),
      ref.sequential.layers.bidirectional(
        ref.gru,
        { forward: randomWeights(random, gru, true), backward: randomWeights(random, gru, true) },
        { ...gru.options, mergeMode: 'concat' },
      ),
      ref.sequential.layers.dense({ kernel: randomArray(random, 2 * U * 3), bias: randomArray(random, 3) }),
    ];
    const model = () =>
      tf.sequential({
        layers: [
          tf.layers.masking({ maskValue: 0, inputShape: [T, F] }),
          tf.layers.bidirectional({ layer: tfRecurrent(gru, { units: U, useBias: true, returnSequences: false, returnState: false }), mergeMode: 'concat' }),
          tf.layers.dense({ units: 3 }),
        ],
      });
    const x = ref.tensor([B, T, F], randomArray(random, B * T * F));
    for (const [b, t] of [[0, 4], [1, 3], [1, 4], [2, 1]]) x.data.fill(0, (b * T + t) * F, (b * T + t + 1) * F); // padded steps
    compareStack('masking→bidirectional(gru)→dense', model, stack, x, 'constant', random);
  });

  it('DESIGN §1: SimpleRNN(2) on 3 features → Dense(3), 12 + 9 parameters', () => {
    const random = randomFor('parity stack 3');
    const stack = [
      ref.sequential.layers.recurrent(ref.simpleRNN, { kernel: randomArray(random, 3 * 2), recurrentKernel: randomArray(random, 2 * 2), bias: randomArray(random, 2) }, {}),
      ref.sequential.layers.dense({ kernel: randomArray(random, 2 * 3), bias: randomArray(random, 3) }, 'softmax'),
    ];
    const model = () => tf.sequential({ layers: [tf.layers.simpleRNN({ units: 2, inputShape: [T, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    tidyTest((dispose) => {
      const m = model();
      dispose(m);
      expect(m.layers.map((l) => l.countParams())).toEqual([ref.simpleRNN.parameterCount(3, 2), ref.dense.parameterCount(2, 3)]);
      expect(m.countParams()).toBe(12 + 9);
    });
    compareStack('simpleRNN(2)→dense(3)', model, stack, ref.tensor([B, T, 3], randomArray(random, B * T * 3)), 'differentiated', random);
  });
});

describe('parameter counts match TF.js countParams()', () => {
  it('every layer TF.js can build', () => {
    // zeros: TF.js's orthogonal initializer takes minutes for 128×512 on the cpu backend
    const init = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros' } as const;
    tidyTest((dispose) => {
      const cases: [tf.layers.Layer, number[], number][] = [
        [tf.layers.simpleRNN({ units: 2, ...init }), [1, 4, 3], ref.simpleRNN.parameterCount(3, 2)],
        [tf.layers.simpleRNN({ units: 5, useBias: false, ...init }), [1, 4, 3], ref.simpleRNN.parameterCount(3, 5, { useBias: false })],
        [tf.layers.lstm({ units: 8, ...init }), [1, 5, 26], ref.lstm.parameterCount(26, 8)],
        [tf.layers.lstm({ units: 128, ...init }), [1, 28, 28], ref.lstm.parameterCount(28, 128)],
        [tf.layers.gru({ units: 128, ...init }), [1, 28, 28], ref.gru.parameterCount(28, 128, { resetAfter: false })],
        [tf.layers.dense({ units: 3 }), [1, 2], ref.dense.parameterCount(2, 3)],
        [tf.layers.dense({ units: 10, useBias: false }), [1, 128], ref.dense.parameterCount(128, 10, false)],
        [tf.layers.embedding({ inputDim: 1000, outputDim: 64 }), [1, 7], ref.embedding.parameterCount(1000, 64)],
        [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 64, ...init }) as tf.RNN }), [1, 5, 10], ref.bidirectional.parameterCount(ref.lstm.parameterCount(10, 64))],
      ];
      for (const [layer, inputShape, count] of cases) {
        build(layer, inputShape, layer instanceof tf.layers.Layer && layer.getClassName() === 'Embedding' ? 'int32' : 'float32');
        dispose(layer);
        expect(layer.countParams(), layer.name).toBe(count);
      }
    });
  });
});
