// layers.rnn({ cell }): built-in cells run the whole-layer kernels (the bits of lstm/gru/
// simpleRNN with the same weights), stacked cells equal the chain of layers they stand for,
// TF.js parity (tf.layers.rnn with simpleRNNCell, lstmCell, gruCell, stackedRNNCells) and
// TF.js-saved models, and a user-written cell run by the generic time loop: checked against
// the built-in SimpleRNN it re-implements and by finite differences through BPTT.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import type { F32Region } from '../../src/runtime/arena.js';
import { input, loadModel, model, sequential, type Functional, type SymbolicTensor } from '../../src/index.js';
import { Prng } from '../../src/util/prng.js';
import { uniform } from '../util/random.js';
import { tfjsArtifacts } from '../io/artifacts-helpers.js';
import { ElmanCell } from './elman-cell.js';
import { expectClose, freeAll, randomFor, region } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(freeAll);

const [B, T, F] = [3, 5, 4];
/** Sample 0 has holes, sample 1 is all padding, sample 2 is padded at the end. */
const MASK = Uint8Array.from({ length: B * T }, (_, i) => [[1, 0, 1, 0, 1], [0, 0, 0, 0, 0], [1, 1, 1, 0, 0]][Math.floor(i / T)][i % T]);

/** Random weights (the same for both layers given the same random source), x and dy; forward and backward; everything read back. */
function run(layer: layers.Layer, random: () => number, options: { mask?: Uint8Array; returnsState?: boolean; shape?: number[]; dropout?: boolean } = {}) {
  const shape = options.shape ?? [B, T, F];
  layer.build([null, ...shape.slice(1)], new Prng(1));
  layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -0.8, 0.8) })));
  const plan = layer.plan(shape, { training: true });
  const x = region(uniform(random, shape.reduce((a, b) => a * b)));
  plan.forward(x, { mask: options.mask, rng: options.dropout ? new Prng(5) : undefined });
  const dy = region(uniform(random, plan.output.length));
  const dStates = options.returnsState ? plan.states.map((s) => region(uniform(random, s.length))) : undefined;
  plan.backward(dy, { dStates });
  const result = {
    output: plan.output.toArray(),
    states: plan.states.map((s) => s.toArray()),
    dInput: plan.dInput!.toArray(),
    dInitialState: plan.dInitialState.map((s) => s.toArray()),
    grads: layer.weights.map((w) => w.grad.toArray()),
    names: layer.weights.map((w) => w.name),
  };
  layer.dispose();
  return result;
}

describe('built-in cells inside rnn run the layers’ kernels', () => {
  const cases: { name: string; cell: () => layers.BuiltInCell; layer: (o: Record<string, unknown>) => layers.Layer; options: Record<string, unknown>; masked?: boolean; dropout?: boolean }[] = [
    { name: 'lstmCell', cell: () => layers.lstmCell({ units: 4 }), layer: (o) => layers.lstm({ units: 4, ...o }), options: {} },
    { name: 'lstmCell, sequences, masked, returnState', cell: () => layers.lstmCell({ units: 3, recurrentActivation: 'hardSigmoid' }), layer: (o) => layers.lstm({ units: 3, recurrentActivation: 'hardSigmoid', ...o }), options: { returnSequences: true, returnState: true }, masked: true },
    { name: 'gruCell resetAfter, goBackwards, masked', cell: () => layers.gruCell({ units: 5 }), layer: (o) => layers.gru({ units: 5, ...o }), options: { goBackwards: true, returnSequences: true }, masked: true },
    { name: 'gruCell resetAfter false, zeroOutputForMask', cell: () => layers.gruCell({ units: 2, resetAfter: false }), layer: (o) => layers.gru({ units: 2, resetAfter: false, ...o }), options: { returnSequences: true, zeroOutputForMask: true }, masked: true },
    { name: 'simpleRNNCell relu with dropout', cell: () => layers.simpleRNNCell({ units: 3, activation: 'relu', dropout: 0.3, recurrentDropout: 0.2 }), layer: (o) => layers.simpleRNN({ units: 3, activation: 'relu', dropout: 0.3, recurrentDropout: 0.2, ...o }), options: { returnState: true }, dropout: true },
  ];
  for (const c of cases) {
    it(`${c.name}: the same bits as the layer`, () => {
      const ours = run(layers.rnn({ cell: c.cell(), ...c.options }), randomFor(c.name), { mask: c.masked ? MASK : undefined, returnsState: !!c.options.returnState, dropout: c.dropout });
      const layer = run(c.layer(c.options), randomFor(c.name), { mask: c.masked ? MASK : undefined, returnsState: !!c.options.returnState, dropout: c.dropout });
      expect(ours.output).toEqual(layer.output);
      expect(ours.states).toEqual(layer.states);
      expect(ours.dInput).toEqual(layer.dInput);
      expect(ours.dInitialState).toEqual(layer.dInitialState);
      expect(ours.grads).toEqual(layer.grads);
    });
  }

  it('stateful: model.resetStates() resets an rnn of stacked built-in cells', () => {
    const net = sequential({ seed: 1, layers: [layers.rnn({ cell: [layers.lstmCell({ units: 3 }), layers.gruCell({ units: 2 })], stateful: true, batchInputShape: [2, T, F] })] });
    const x = { shape: [2, T, F], data: uniform(randomFor('stateful rnn'), 2 * T * F) };
    const first = net.predict(x).data;
    expect(net.predict(x).data).not.toEqual(first);
    net.resetStates();
    expect(net.predict(x).data).toEqual(first);
    net.dispose();
  });

  it('one cell starts from the weights the layer would have from the same seed; names as TF.js gives them', () => {
    const viaRnn = layers.rnn({ cell: layers.lstmCell({ units: 3 }), name: 'rnn_seeded' });
    const direct = layers.lstm({ units: 3, name: 'rnn_seeded' });
    viaRnn.build([null, T, F], new Prng(9));
    direct.build([null, T, F], new Prng(9));
    expect(viaRnn.getWeights()).toEqual(direct.getWeights());
    expect(viaRnn.weights.map((w) => w.name)).toEqual(['rnn_seeded/kernel', 'rnn_seeded/recurrent_kernel', 'rnn_seeded/bias']);
    expect(viaRnn.countParams()).toBe(4 * 3 * (F + 3 + 1));
    viaRnn.dispose();
    direct.dispose();
  });
});

describe('stacked cells', () => {
  /** The chain of layers a stack stands for: each cell's sequence feeds the next; goBackwards: the first reads backwards and the rest read its reversed output forwards, mask reversed. */
  function chain(stack: { units: number; cell: 'lstm' | 'gru' | 'simpleRNN' }[], options: { returnSequences?: boolean; goBackwards?: boolean }, random: () => number, mask?: Uint8Array) {
    const make = (s: (typeof stack)[number], o: Record<string, unknown>) => (s.cell === 'lstm' ? layers.lstm({ units: s.units, ...o }) : s.cell === 'gru' ? layers.gru({ units: s.units, ...o }) : layers.simpleRNN({ units: s.units, ...o }));
    const chained = stack.map((s, k) => make(s, { returnSequences: k < stack.length - 1 || !!options.returnSequences, goBackwards: k === 0 && !!options.goBackwards }));
    let features = F;
    chained.forEach((layer) => {
      layer.build([null, T, features], new Prng(1));
      features = (layer as layers.RecurrentLayer).units;
    });
    // Weights drawn in the rnn's order: every cell's, first to last.
    for (const layer of chained) layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -0.8, 0.8) })));
    let shape = [B, T, F];
    const plans = chained.map((layer) => {
      const plan = layer.plan(shape, { training: true });
      shape = [...plan.outputShape];
      return plan;
    });
    const reversed = mask && Uint8Array.from(mask, (_, i) => mask[Math.floor(i / T) * T + T - 1 - (i % T)]);
    const x = region(uniform(random, B * T * F));
    let input = x;
    plans.forEach((plan, k) => {
      plan.forward(input, { mask: k > 0 && options.goBackwards ? reversed : mask });
      input = plan.output;
    });
    const last = plans[plans.length - 1];
    let dy = region(uniform(random, last.output.length));
    for (let k = plans.length - 1; k >= 0; k--) {
      plans[k].backward(dy);
      dy = plans[k].dInput!;
    }
    const result = { output: last.output.toArray(), states: plans.flatMap((p) => p.states.map((s) => s.toArray())), dInput: plans[0].dInput!.toArray(), grads: chained.flatMap((l) => l.weights.map((w) => w.grad.toArray())) };
    for (const layer of chained) layer.dispose();
    return result;
  }

  const cases = [
    { name: 'two LSTM cells', stack: [{ units: 4, cell: 'lstm' as const }, { units: 3, cell: 'lstm' as const }], options: {} },
    { name: 'simpleRNN, GRU, LSTM, sequences, masked', stack: [{ units: 2, cell: 'simpleRNN' as const }, { units: 5, cell: 'gru' as const }, { units: 3, cell: 'lstm' as const }], options: { returnSequences: true }, masked: true },
    { name: 'two GRU cells, goBackwards, masked', stack: [{ units: 3, cell: 'gru' as const }, { units: 4, cell: 'gru' as const }], options: { goBackwards: true, returnSequences: true }, masked: true },
  ];
  for (const c of cases) {
    it(`${c.name}: the bits of the chain of layers, states every cell's in order`, () => {
      const cells = c.stack.map((s) => (s.cell === 'lstm' ? layers.lstmCell({ units: s.units }) : s.cell === 'gru' ? layers.gruCell({ units: s.units }) : layers.simpleRNNCell({ units: s.units })));
      const layer = layers.rnn({ cell: cells, ...c.options, returnState: true });
      expect(layer.stateSize).toEqual(c.stack.flatMap((s) => (s.cell === 'lstm' ? [s.units, s.units] : [s.units])));
      const ours = run(layer, randomFor(c.name), { mask: c.masked ? MASK : undefined });
      const expected = chain(c.stack, c.options, randomFor(c.name), c.masked ? MASK : undefined);
      expect(ours.names[0]).toMatch(/^rnn(_\d+)?\/RNNCell_0\/kernel$/);
      expect(ours.output).toEqual(expected.output);
      expect(ours.states).toEqual(expected.states);
      expect(ours.dInput).toEqual(expected.dInput);
      expect(ours.grads).toEqual(expected.grads);
    });
  }

  it('stackedRNNCells and a list of cells are the same layer; config round-trips', () => {
    const stacked = layers.rnn({ cell: layers.stackedRNNCells({ cells: [layers.gruCell({ units: 3, resetAfter: false }), layers.lstmCell({ units: 2 })] }), returnSequences: true });
    const json = stacked.toJSON();
    expect(json.class_name).toBe('RNN');
    expect((json.config.cell as { class_name: string }).class_name).toBe('StackedRNNCells');
    const again = layers.layerFromConfig(JSON.parse(JSON.stringify(json))) as layers.RNN;
    expect(again.toJSON().config.cell).toEqual(json.config.cell);
    expect(again.cells.map((cell) => cell.className)).toEqual(['GRUCell', 'LSTMCell']);
    expect(again.stateSize).toEqual([3, 2, 2]);
  });

  it('in a functional model, returnState gives [output, ...every cell’s states], and the model trains, saves and loads', async () => {
    const x = input({ shape: [T, F] });
    const [sequence, h1, c1, h2] = layers.rnn({ cell: [layers.lstmCell({ units: 4 }), layers.gruCell({ units: 3 })], returnSequences: true, returnState: true }).apply(x) as SymbolicTensor[];
    expect([sequence.shape, h1.shape, c1.shape, h2.shape]).toEqual([[null, T, 3], [null, 4], [null, 4], [null, 3]]);
    const net = model({ inputs: x, outputs: layers.dense({ units: 1 }).apply(layers.concatenate().apply([c1, h2])) });
    net.compile({ optimizer: 'adam', loss: 'mse' });
    const random = randomFor('functional rnn');
    const data = { shape: [12, T, F], data: uniform(random, 12 * T * F) };
    const history = await net.fit(data, { shape: [12, 1], data: uniform(random, 12) }, { epochs: 4, verbose: 0 });
    expect(history.history.loss[3]).toBeLessThan(history.history.loss[0]);
    const again = await loadModel<Functional>(net.save());
    expect((again.predict(data) as { data: Float32Array }).data).toEqual((net.predict(data) as { data: Float32Array }).data);
    again.dispose();
    net.dispose();
  });

  it('bad cells are refused with the option named', () => {
    expect(() => layers.rnn({} as never)).toThrow(/cell must be a cell/);
    expect(() => layers.rnn({ cell: [] })).toThrow(/cell must be a cell or a non-empty array/);
    expect(() => layers.rnn({ cell: [layers.lstmCell({ units: 2 }), layers.dense({ units: 2 }) as never] })).toThrow(/cell\[1\] must be a cell/);
    const shared = layers.gruCell({ units: 2 });
    expect(() => layers.rnn({ cell: [shared, shared] })).toThrow(/same cell twice/);
    expect(() => layers.lstmCell({ units: 0 })).toThrow(/units/);
    expect(() => layers.lstmCell({ units: 2, returnSequences: true } as never)).toThrow(/returnSequences/);
  });
});

describe('TF.js parity: tf.layers.rnn with cells', () => {
  const cases: { name: string; ours: () => layers.Layer; theirs: () => tf.layers.Layer; masked?: boolean }[] = [
    { name: 'lstmCell', ours: () => layers.rnn({ cell: layers.lstmCell({ units: 3, recurrentActivation: 'hardSigmoid' }) }), theirs: () => tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 3 }) }) },
    {
      name: '[simpleRNNCell, gruCell], sequences, masked',
      ours: () => layers.rnn({ cell: [layers.simpleRNNCell({ units: 2 }), layers.gruCell({ units: 3, resetAfter: false, recurrentActivation: 'sigmoid' })], returnSequences: true }),
      theirs: () => tf.layers.rnn({ cell: [tf.layers.simpleRNNCell({ units: 2 }), tf.layers.gruCell({ units: 3, recurrentActivation: 'sigmoid' })], returnSequences: true }),
      masked: true,
    },
    {
      name: 'stackedRNNCells of two LSTM cells, goBackwards',
      ours: () => layers.rnn({ cell: layers.stackedRNNCells({ cells: [layers.lstmCell({ units: 3 }), layers.lstmCell({ units: 2 })] }), goBackwards: true }),
      theirs: () => tf.layers.rnn({ cell: tf.layers.stackedRNNCells({ cells: [tf.layers.lstmCell({ units: 3, recurrentActivation: 'sigmoid' }), tf.layers.lstmCell({ units: 2, recurrentActivation: 'sigmoid' })] }), goBackwards: true }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const random = randomFor(`tfjs rnn ${c.name}`);
      const layer = c.ours();
      layer.build([null, T, F], new Prng(1));
      layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -0.8, 0.8) })));
      const plan = layer.plan([B, T, F], { training: true });
      const x = uniform(random, B * T * F);
      const mask = c.masked ? MASK : undefined;
      plan.forward(region(x), { mask });
      const dy = uniform(random, plan.output.length);
      plan.backward(region(dy));

      const theirs = c.theirs();
      tf.tidy(() => void theirs.apply(tf.zeros([B, T, F])));
      expect(theirs.weights.map((w) => w.name.replace(/^[^/]+/, ''))).toEqual(layer.weights.map((w) => w.name.replace(/^[^/]+/, '')));
      const values = layer.getWeights().map((t) => tf.tensor(t.data, [...t.shape]));
      theirs.setWeights(values);
      tf.dispose(values);
      const input = tf.variable(tf.tensor(x, [B, T, F]), true, `rnn_parity_${c.name}`);
      const weightVariables = theirs.trainableWeights.map((w) => w.read() as tf.Variable);
      const outputs: Float32Array[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const y = theirs.apply(input, mask ? { mask: tf.tensor(mask, [B, T], 'bool') } : {}) as tf.Tensor;
        outputs.push(y.dataSync() as Float32Array);
        return tf.sum(tf.mul(y, tf.tensor(dy, y.shape))) as tf.Scalar;
      }, [input, ...weightVariables]);
      expectClose('output', plan.output.toArray(), outputs[0], 1e-5);
      expectClose('dx', plan.dInput!.toArray(), grads[input.name].dataSync(), 1e-4);
      weightVariables.forEach((v, i) => expectClose(layer.weights[i].name, layer.weights[i].grad.toArray(), grads[v.name].dataSync(), 1e-4));
      tf.dispose([value, input, ...Object.values(grads)]);
      theirs.dispose();
      layer.dispose();
    });
  }

  it('loads a TF.js-saved model with an RNN of stacked cells and predicts what TF.js predicts', async () => {
    const theirs = tf.sequential({
      layers: [
        tf.layers.rnn({ cell: [tf.layers.lstmCell({ units: 4, recurrentActivation: 'sigmoid' }), tf.layers.gruCell({ units: 3, recurrentActivation: 'sigmoid' })], returnSequences: true, inputShape: [T, F] }),
        tf.layers.rnn({ cell: tf.layers.simpleRNNCell({ units: 2 }) }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    const random = randomFor('tfjs saved rnn');
    theirs.setWeights(theirs.getWeights().map((w) => tf.tensor(uniform(random, w.size, -0.8, 0.8), w.shape)));
    const x = uniform(random, B * T * F);
    const expected = tf.tidy(() => (theirs.predict(tf.tensor(x, [B, T, F])) as tf.Tensor).dataSync() as Float32Array);
    const artifacts = await tfjsArtifacts(theirs);
    const model = await loadModel({ modelJSON: { modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }, weightData: artifacts.weightData as ArrayBuffer });
    expect(model.layers.map((l) => l.className)).toEqual(['RNN', 'RNN', 'Dense']);
    expectClose('prediction', model.predict({ shape: [B, T, F], data: x }).data, expected, 1e-5);
    // And back: our save of it is read by TF.js, which predicts the same.
    const saved = model.save();
    const back = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: (saved.modelJSON as { modelTopology: object }).modelTopology, weightSpecs: (saved.modelJSON as { weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }).weightsManifest[0].weights, weightData: saved.weightData }));
    expectClose('TF.js on our save', tf.tidy(() => (back.predict(tf.tensor(x, [B, T, F])) as tf.Tensor).dataSync() as Float32Array), expected, 1e-5);
    back.dispose();
    theirs.dispose();
    model.dispose();
  });
});

// ---- a user-written cell ---------------------------------------------------------------------

describe('a user-written cell in the generic time loop', () => {
  const variants: { name: string; options: Record<string, unknown>; masked?: boolean }[] = [
    { name: 'last output', options: {} },
    { name: 'sequences, masked, returnState', options: { returnSequences: true, returnState: true }, masked: true },
    { name: 'goBackwards sequences, masked', options: { returnSequences: true, goBackwards: true }, masked: true },
  ];
  // Every row starts and ends with a real step: before a row's first real step a padded step
  // carries zeros in the generic loop (Keras) but the initial state in the kernels (TF.js).
  const mask = Uint8Array.from({ length: B * T }, (_, i) => [[1, 0, 1, 0, 1], [1, 0, 0, 0, 1], [1, 1, 0, 1, 1]][Math.floor(i / T)][i % T]);
  for (const v of variants) {
    it(`${v.name}: matches the built-in SimpleRNN it re-implements`, () => {
      const ours = run(layers.rnn({ cell: new ElmanCell({ units: 3 }), ...v.options }), randomFor(`elman ${v.name}`), { mask: v.masked ? mask : undefined, returnsState: !!v.options.returnState });
      const builtIn = run(layers.simpleRNN({ units: 3, ...v.options }), randomFor(`elman ${v.name}`), { mask: v.masked ? mask : undefined, returnsState: !!v.options.returnState });
      expectClose('output', ours.output, builtIn.output, 1e-6);
      expectClose('states', ours.states.flatMap((s) => [...s]), builtIn.states.flatMap((s) => [...s]), 1e-6);
      expectClose('dInput', ours.dInput, builtIn.dInput, 1e-5);
      expectClose('dInitialState', ours.dInitialState.flatMap((s) => [...s]), builtIn.dInitialState.flatMap((s) => [...s]), 1e-5);
      ours.grads.forEach((g, i) => expectClose(ours.names[i], g, builtIn.grads[i], 1e-5));
    });
  }

  it('BPTT through the generic loop agrees with finite differences (input, initial state, every weight; masked, stacked after a built-in cell)', () => {
    const random = randomFor('elman fd');
    const layer = layers.rnn({ cell: [layers.gruCell({ units: 2 }), new ElmanCell({ units: 3 })], returnSequences: true, returnState: true });
    layer.build([null, T, F], new Prng(3));
    layer.setWeights(layer.getWeights().map((t) => ({ shape: t.shape, data: uniform(random, t.data.length, -0.6, 0.6) })));
    const plan = layer.plan([B, T, F], { training: true });
    const x = region(uniform(random, B * T * F));
    const h0 = [region(uniform(random, B * 2)), region(uniform(random, B * 3))];
    const dy = uniform(random, plan.output.length);
    const dh = uniform(random, B * 3);
    // L = Σ dy·y + Σ dh·h_final(cell 2), in float64 from the float32 outputs.
    const loss = () => {
      plan.forward(x, { mask: MASK, initialState: h0 });
      const y = plan.output.toArray();
      const h = plan.states[1].toArray();
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += dy[i] * y[i];
      for (let i = 0; i < h.length; i++) sum += dh[i] * h[i];
      return sum;
    };
    loss();
    layer.zeroGradients();
    plan.backward(region(dy), { dStates: [undefined, region(dh)] });
    const targets: { name: string; value: F32Region; grad: Float32Array }[] = [
      { name: 'x', value: x, grad: plan.dInput!.toArray() },
      { name: 'h0 of the user cell', value: h0[1], grad: plan.dInitialState[1].toArray() },
      { name: 'h0 of the GRU cell', value: h0[0], grad: plan.dInitialState[0].toArray() },
      ...layer.weights.map((w) => ({ name: w.name, value: w.value, grad: w.grad.toArray() })),
    ];
    // Directional derivatives (float32 forward: a step of 1e-2 along a random unit direction).
    for (const target of targets) {
      for (let trial = 0; trial < 3; trial++) {
        const direction = uniform(random, target.value.length);
        const norm = Math.sqrt(direction.reduce((s, d) => s + d * d, 0));
        const saved = target.value.toArray();
        const at = (eps: number) => {
          target.value.set(saved.map((v, i) => v + (eps * direction[i]) / norm));
          layer.weightsChanged();
          return loss();
        };
        const eps = 1e-2;
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        target.value.set(saved);
        layer.weightsChanged();
        const analytic = target.grad.reduce((s, g, i) => s + (g * direction[i]) / norm, 0);
        expect(Math.abs(analytic - numeric), `${target.name}: analytic ${analytic} vs numeric ${numeric}`).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
      }
    }
    layer.dispose();
  });

  it('a padded step carries the states and the last output; the cell gets no gradient there', () => {
    const layer = layers.rnn({ cell: new ElmanCell({ units: 2 }), returnSequences: true });
    layer.build([null, 3, 2], new Prng(1));
    const plan = layer.plan([1, 3, 2], { training: true });
    const x = region([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    plan.forward(x, { mask: Uint8Array.of(1, 0, 1) });
    const y = plan.output.toArray();
    expect([...y.subarray(2, 4)]).toEqual([...y.subarray(0, 2)]);
    plan.backward(region([0, 0, 0, 0, 0, 0]));
    plan.backward(region([0, 0, 1, 1, 0, 0]));
    // The padded step's output is step 0's: its gradient reaches step 0's input, and step 1's input gets none.
    const dx = plan.dInput!.toArray();
    expect([...dx.subarray(2, 4)]).toEqual([0, 0]);
    expect(dx[0]).not.toBe(0);
    layer.dispose();
  });

  it('stateful: the final states carry to the next call until resetStates()', () => {
    const layer = layers.rnn({ cell: new ElmanCell({ units: 2 }), stateful: true, batchInputShape: [1, 2, 2] });
    layer.build([1, 2, 2], new Prng(1));
    const plan = layer.plan([1, 2, 2]);
    const x = region([0.1, 0.2, 0.3, 0.4]);
    plan.forward(x);
    const first = plan.output.toArray();
    plan.forward(x);
    expect(plan.output.toArray()).not.toEqual(first);
    layer.resetStates();
    plan.forward(x);
    expect(plan.output.toArray()).toEqual(first);
    layer.resetStates([[[0.5, -0.5]]]);
    plan.forward(x);
    expect(plan.output.toArray()).not.toEqual(first);
    layer.dispose();
  });

  it('a model with a user cell trains, saves and loads back once the class is registered', async () => {
    const model = sequential({ seed: 2, layers: [layers.rnn({ cell: new ElmanCell({ units: 4 }), inputShape: [T, F] }), layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const random = randomFor('elman model');
    const x = { shape: [16, T, F], data: uniform(random, 16 * T * F) };
    const y = { shape: [16, 1], data: uniform(random, 16) };
    const history = await model.fit(x, y, { epochs: 5, verbose: 0 });
    expect(history.history.loss[4]).toBeLessThan(history.history.loss[0]);
    const saved = model.save();
    await expect(loadModel(saved)).rejects.toThrow(/ElmanCell/);
    layers.registerClass(ElmanCell);
    const again = await loadModel(saved);
    expect(again.predict(x).data).toEqual(model.predict(x).data);
    expect(again.layers[0].weights.map((w) => w.name)).toEqual(model.layers[0].weights.map((w) => w.name));
    again.dispose();
    model.dispose();
  });
});
