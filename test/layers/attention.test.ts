// The attention layers (attention: Keras Attention, dot and concat scores; additiveAttention:
// Keras AdditiveAttention): forward and backward in Wasm against the float64 reference
// (test/reference/attention.ts) on odd shapes with every option and mask combination, the
// gradients of inputs and weights by central differences of the reference, dropout drawn
// from the seed, saved configs, a functional model that trains, saves and loads, a model read
// from a Keras-style config, returnAttentionScores (the scores as a second output, a loss on
// them, saved as Keras's call kwarg), and the errors for inputs the layers cannot take.
import { afterEach, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import { LayerConfigError, LayerInputError, type AttentionLayer } from '../../src/layers/index.js';
import { input, loadModel, model, type Functional, type SymbolicTensor, type Tensor } from '../../src/index.js';
import { Prng } from '../../src/util/prng.js';
import * as ref from '../reference/index.js';
import { centralDifference } from '../reference/gradcheck.js';
import { uniform } from '../util/random.js';
import { dot, expectClose, freeAll, randomFor, region } from './helpers.js';

afterEach(freeAll);

type Form = 'dot' | 'concat' | 'additive';
type Shapes = ref.attention.AttentionShapes;

interface Case {
  form: Form;
  useScale: boolean;
  /** Three inputs [query, value, key]; else the value is the key. */
  keyGiven: boolean;
  queryMask: boolean;
  valueMask: boolean;
  causal: boolean;
  dropout: number;
  /** Backward also gets a gradient at the returned scores (else they are returned, unused). */
  scoresLoss: boolean;
  shapes: Shapes;
}

const DROPOUT_SEED = 11;

function layerFor(c: Case): AttentionLayer {
  const common = { dropout: c.dropout, seed: c.dropout > 0 ? DROPOUT_SEED : null, useCausalMask: c.causal };
  return c.form === 'additive' ? layers.additiveAttention({ useScale: c.useScale, ...common }) : layers.attention({ useScale: c.useScale, scoreMode: c.form, ...common });
}

/** The reference's weights from the layer's, in Keras order. */
function referenceWeights(c: Case, values: Float64Array[]): ref.attention.AttentionWeights {
  if (c.form === 'concat') return c.useScale ? { scale: values[0], concatScoreWeight: values[1] } : { concatScoreWeight: values[0] };
  return c.useScale ? { scale: values[0] } : {};
}

/** A [B, T] mask with random padding, step 0 always real (so no query sees only padded keys). */
function randomMask(random: () => number, batch: number, steps: number): Uint8Array {
  return Uint8Array.from({ length: batch * steps }, (_, i) => (i % steps === 0 || random() < 0.6 ? 1 : 0));
}

/** What Dropout draws from Prng(seed) for n weights: 0 with probability rate, else 1/(1 − rate) in float32. */
function dropoutMaskOf(seed: number, rate: number, n: number): Float32Array {
  const rng = new Prng(seed);
  return Float32Array.from({ length: n }, () => (rng.float32() < rate ? 0 : 1 / (1 - rate)));
}

/** The gradient of `loss` w.r.t. every entry of `param`, by central differences in float64. */
const centralDifferences = (param: Float64Array, loss: () => number): Float64Array => param.map((_, i) => centralDifference(loss, param, i, 1e-6));

function check(c: Case): void {
  const random = randomFor(JSON.stringify(c));
  const { batch, tq, tv, dim, valueDim } = c.shapes;
  const inputShapes = [[batch, tq, dim], [batch, tv, valueDim], ...(c.keyGiven ? [[batch, tv, dim]] : [])];
  const inputs = inputShapes.map((s) => Float64Array.from(uniform(random, s[0] * s[1] * s[2], -1.5, 1.5)));
  const masks = [c.queryMask ? randomMask(random, batch, tq) : undefined, c.valueMask ? randomMask(random, batch, tv) : undefined];

  const layer = layerFor(c);
  layer.buildInputs(inputShapes.map((s) => [null, ...s.slice(1)]), new Prng(1));
  // Weights away from their initial 1s, so that each one's gradient is tested.
  layer.setWeights(layer.weights.map((w) => ({ shape: w.shape, data: uniform(random, w.shape.reduce((a, b) => a * b, 1), 0.5, 1.5) })));
  const weights = layer.getWeights().map((w) => Float64Array.from(w.data));
  const plan = layer.planInputs(inputShapes, { training: true, callArgs: { returnAttentionScores: true } });
  expect(plan.outputShapes).toEqual([[batch, tq, valueDim], [batch, tq, tv]]);
  const dropoutMask = c.dropout > 0 ? dropoutMaskOf(DROPOUT_SEED, c.dropout, batch * tq * tv) : undefined;
  const call: ref.attention.AttentionCall = { queryMask: masks[0], valueMask: masks[1], causal: c.causal, dropoutMask };
  const run = () => ref.attention.forward(c.form, inputs[0], inputs[1], inputs[2], c.shapes, referenceWeights(c, weights), call);

  const outputMask = plan.forward(inputs.map((x) => region(x)), { masks });
  expect(outputMask).toBe(masks[0]);
  const expected = run();
  expectClose('output', plan.output.toArray(), expected.output, 2e-5);
  expectClose('attention scores', plan.outputs[1].toArray(), expected.scores, 2e-5);

  const dOutput = Float64Array.from(uniform(random, batch * tq * valueDim));
  const dScores = Float64Array.from(uniform(random, batch * tq * tv));
  const loss = () => {
    const { output, scores } = run();
    return dot(output, dOutput) + (c.scoresLoss ? dot(scores, dScores) : 0);
  };
  layer.zeroGradients();
  plan.backward(region(dOutput), c.scoresLoss ? [region(dScores)] : []);
  inputs.forEach((x, i) => expectClose(`dInputs[${i}]`, plan.dInputs[i]!.toArray(), centralDifferences(x, loss), 1e-4));
  layer.weights.forEach((w, i) => expectClose(`d${w.name}`, w.grad.toArray(), centralDifferences(weights[i], loss), 1e-4));
  layer.dispose();
}

const SHAPES: Shapes[] = [
  { batch: 1, tq: 1, tv: 1, dim: 1, valueDim: 1 },
  { batch: 2, tq: 3, tv: 5, dim: 4, valueDim: 3 },
  { batch: 3, tq: 17, tv: 3, dim: 5, valueDim: 2 },
  { batch: 1, tq: 3, tv: 17, dim: 17, valueDim: 6 },
];

const FORMS: [Form, boolean][] = [['dot', false], ['dot', true], ['concat', false], ['concat', true], ['additive', true], ['additive', false]];

describe('attention layers against the float64 reference, gradients by central differences', () => {
  let index = 0;
  for (const [form, useScale] of FORMS) {
    for (const keyGiven of [false, true]) {
      for (const [queryMask, valueMask] of [[false, false], [false, true], [true, false], [true, true]]) {
        for (const causal of [false, true]) {
          const shapes = SHAPES[index % SHAPES.length];
          // Without a key the value is the key: its features must be the query's.
          const c: Case = { form, useScale, keyGiven, queryMask, valueMask, causal, dropout: index % 3 === 1 ? 0.3 : 0, scoresLoss: index % 2 === 0, shapes: keyGiven ? shapes : { ...shapes, valueDim: shapes.dim } };
          index++;
          const options = [useScale && 'useScale', keyGiven && 'key', queryMask && 'query mask', valueMask && 'value mask', causal && 'causal', c.dropout && 'dropout', c.scoresLoss && 'loss on scores'].filter(Boolean).join(', ');
          it(`${form} (${options || 'plain'}) on ${JSON.stringify(c.shapes)}`, () => check(c));
        }
      }
    }
  }
});

describe('attention layers: dropout, configs, models', () => {
  it('drops attention weights only in training, from the layer seed or the call rng', () => {
    const shapes = [[2, 4, 3], [2, 5, 3]];
    const random = randomFor('dropout');
    const inputs = shapes.map((s) => region(uniform(random, s[0] * s[1] * s[2])));
    const layer = layers.attention({ dropout: 0.5 });
    layer.buildInputs(shapes.map((s) => [null, ...s.slice(1)]), null);
    const inference = layer.planInputs(shapes);
    inference.forward(inputs);
    const training = layer.planInputs(shapes, { training: true });
    expect(() => training.forward(inputs)).toThrow(/needs options.rng/);
    training.forward(inputs, { rng: new Prng(5) });
    const first = training.output.toArray();
    training.forward(inputs, { rng: new Prng(5) });
    expect(training.output.toArray()).toEqual(first);
    expect(first).not.toEqual(inference.output.toArray());
    const plain = layers.attention();
    plain.buildInputs(shapes.map((s) => [null, ...s.slice(1)]), null);
    const reference = plain.planInputs(shapes);
    reference.forward(inputs);
    expect(inference.output.toArray()).toEqual(reference.output.toArray());
    layer.dispose();
    plain.dispose();
  });

  it('creates Keras weights: scale () and concat_score_weight () at 1; AdditiveAttention scale [dim], Glorot uniform', () => {
    const shapes = [[null, 3, 8], [null, 5, 8]];
    const dot = layers.attention({ useScale: true, name: 'att' });
    dot.buildInputs(shapes, new Prng(1));
    expect(dot.weights.map((w) => [w.name, w.shape])).toEqual([['att/scale', []]]);
    const concat = layers.attention({ useScale: true, scoreMode: 'concat', name: 'att_c' });
    concat.buildInputs(shapes, new Prng(1));
    expect(concat.weights.map((w) => [w.name, w.shape, w.value.toArray()[0]])).toEqual([['att_c/scale', [], 1], ['att_c/concat_score_weight', [], 1]]);
    const additive = layers.additiveAttention({ name: 'add_att' });
    additive.buildInputs(shapes, new Prng(1));
    expect(additive.weights.map((w) => [w.name, w.shape])).toEqual([['add_att/scale', [8]]]);
    const limit = Math.sqrt(6 / 16);
    const values = additive.weights[0].value.toArray();
    expect(values.every((v) => Math.abs(v) <= limit) && new Set(values).size === 8).toBe(true);
    expect(layers.attention().weightShapesOf(shapes)).toEqual([]);
    expect(layers.additiveAttention({ useScale: false }).weightShapesOf(shapes)).toEqual([]);
    for (const l of [dot, concat, additive]) l.dispose();
  });

  it('saves Keras config keys and reads them back', () => {
    const made = [layers.attention({ useScale: true, scoreMode: 'concat', dropout: 0.1, seed: 3 }), layers.additiveAttention({ useScale: false, useCausalMask: true }), layers.attention()];
    for (const layer of made) {
      const json = JSON.parse(JSON.stringify(layer.toJSON()));
      const copy = layers.layerFromConfig(json);
      expect(copy.className).toBe(layer.className);
      expect(copy.toJSON().config).toEqual({ ...json.config, name: copy.name });
    }
    expect(made[0].getConfig()).toMatchObject({ use_scale: true, score_mode: 'concat', dropout: 0.1, seed: 3 });
    expect(made[0].getConfig()).not.toHaveProperty('use_causal_mask');
    expect(made[1].getConfig()).toMatchObject({ use_scale: false, dropout: 0, seed: null, use_causal_mask: true });
    expect(made[1].getConfig()).not.toHaveProperty('score_mode');
    expect(made[2].toJSON().class_name).toBe('Attention');
    expect(made[1].toJSON().class_name).toBe('AdditiveAttention');
  });

  it('a functional model with attention trains, saves and loads with the same predictions', async () => {
    const random = randomFor('model');
    const queries = input({ shape: [4, 3] });
    const values = input({ shape: [6, 3] });
    const context = layers.additiveAttention().apply([queries, values]);
    const joined = layers.concatenate().apply([context, layers.attention({ useScale: true, useCausalMask: true }).apply([queries, values, values])]);
    const m = model({ inputs: [queries, values], outputs: layers.dense({ units: 2 }).apply(joined), seed: 3 });
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = [{ shape: [16, 4, 3], data: uniform(random, 16 * 12) }, { shape: [16, 6, 3], data: uniform(random, 16 * 18) }];
    const y = { shape: [16, 4, 2], data: uniform(random, 16 * 8) };
    const before = m.evaluate(x, y).loss;
    await m.fit(x, y, { epochs: 10, batchSize: 8, verbose: 0 });
    expect(m.evaluate(x, y).loss).toBeLessThan(before);
    const predicted = m.predict(x) as Tensor;
    const copy = await loadModel<Functional>(m.save({ includeOptimizer: false }));
    expect((copy.predict(x) as Tensor).data).toEqual(predicted.data);
    m.dispose();
    copy.dispose();
  });

  it('loads a model from a Keras-style config (use_causal_mask and return_attention_scores as Keras 3 call arguments) and computes what the reference does', async () => {
    const kerasTensor = (shape: (number | null)[], history: [string, number, number]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: history } });
    const json = {
      format: 'layers-model',
      generatedBy: 'keras v3.3.3',
      modelTopology: {
        keras_version: '3.3.3',
        model_config: {
          class_name: 'Functional',
          config: {
            name: 'functional',
            layers: [
              { class_name: 'InputLayer', config: { batch_shape: [null, 3, 4], dtype: 'float32', name: 'query' }, name: 'query', inbound_nodes: [] },
              { class_name: 'InputLayer', config: { batch_shape: [null, 5, 4], dtype: 'float32', name: 'value' }, name: 'value', inbound_nodes: [] },
              {
                class_name: 'AdditiveAttention',
                config: { name: 'additive_attention', trainable: true, dtype: 'float32', use_scale: true, dropout: 0.0, seed: null },
                name: 'additive_attention',
                inbound_nodes: [[['query', 0, 0, {}], ['value', 0, 0, {}]]],
              },
              {
                class_name: 'Attention',
                config: { name: 'attention', trainable: true, dtype: 'float32', use_scale: true, score_mode: 'dot', dropout: 0.0, seed: null },
                name: 'attention',
                // Keras 3's call form: the causal mask is a call argument.
                inbound_nodes: [{ args: [[kerasTensor([null, 3, 4], ['additive_attention', 0, 0]), kerasTensor([null, 5, 4], ['value', 0, 0])]], kwargs: { use_causal_mask: true, return_attention_scores: true } }],
              },
            ],
            input_layers: [['query', 0, 0], ['value', 0, 0]],
            output_layers: [['attention', 0, 0], ['attention', 0, 1]],
          },
        },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'additive_attention/scale', shape: [4], dtype: 'float32' }, { name: 'attention/scale', shape: [], dtype: 'float32' }] }],
    };
    const random = randomFor('keras config');
    const scales = uniform(random, 5, 0.5, 1.5);
    const m = await loadModel<Functional>({ modelJSON: json, weightData: scales.slice().buffer });
    const q = uniform(random, 2 * 3 * 4);
    const v = uniform(random, 2 * 5 * 4);
    const shapes = { batch: 2, tq: 3, tv: 5, dim: 4, valueDim: 4 };
    const context = ref.attention.forward('additive', q, v, undefined, shapes, { scale: scales.subarray(0, 4) }).output;
    const expected = ref.attention.forward('dot', context, v, undefined, shapes, { scale: scales.subarray(4) }, { causal: true });
    expect((m.getLayer('attention') as AttentionLayer).getConfig()).toMatchObject({ use_causal_mask: true });
    const [output, scores] = m.predict([{ shape: [2, 3, 4], data: q }, { shape: [2, 5, 4], data: v }]) as Tensor[];
    expectClose('prediction', output.data, expected.output, 2e-5);
    expect(scores.shape).toEqual([2, 3, 5]);
    expectClose('scores', scores.data, expected.scores, 2e-5);
    m.dispose();
  });

  it('refuses call options it does not take, naming them', () => {
    const [q, v] = [input({ shape: [3, 4] }), input({ shape: [5, 4] })];
    expect(() => layers.attention().apply([q, v], { useCausalMask: true } as never)).toThrow(/useCausalMask is not a call option of Attention \(returnAttentionScores; useCausalMask is a layer option\)/);
    expect(() => layers.additiveAttention().apply([q, v], { returnAttentionScores: 'yes' as never })).toThrow(/returnAttentionScores must be true or false, got/);
    expect(() => layers.attention().apply([q, v], { initialState: [q] })).toThrow(LayerInputError);
    expect(() => layers.attention().apply([q, 'v' as never])).toThrow(/takes \[query, value\] or \[query, value, key\]/);
  });

  it('names the layer and what is wrong with the inputs or options', () => {
    expect(() => layers.attention().computeOutputShapeOf([[null, 3, 4]])).toThrow(/takes a list of 2 to 3 inputs, got 1/);
    expect(() => layers.attention().computeOutputShapeOf([[null, 3, 4], [null, 3, 4], [null, 3, 4], [null, 3, 4]])).toThrow(LayerInputError);
    expect(() => layers.attention().computeOutputShapeOf([[null, 3, 4], [null, 5, 6]])).toThrow(/query's features to match the value \(the key when no key is given\)'s: query \[null, 3, 4\], value .* \[null, 5, 6\]/);
    expect(() => layers.additiveAttention().computeOutputShapeOf([[null, 3, 4], [null, 5, 6], [null, 5, 5]])).toThrow(/query's features to match the key's/);
    expect(() => layers.attention().computeOutputShapeOf([[null, 3, 4], [null, 5, 6], [null, 7, 4]])).toThrow(/as many key steps as value steps/);
    expect(() => layers.attention().computeOutputShapeOf([[2, 3, 4], [3, 5, 4]])).toThrow(/one batch size/);
    expect(() => layers.attention().computeOutputShapeOf([[null, 4], [null, 4]])).toThrow(/each \[batch, steps, features\]; query has shape \[null, 4\]/);
    expect(layers.attention().computeOutputShapeOf([[null, 3, 4], [null, 5, 6], [null, 5, 4]])).toEqual([null, 3, 6]);
    expect(() => layers.attention({ scoreMode: 'general' as never })).toThrow(LayerConfigError);
    expect(() => layers.attention({ dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => layers.additiveAttention({ scoreMode: 'dot' } as never)).toThrow(LayerConfigError);
    expect(() => layers.attention().build([null, 3, 4], null)).toThrow(/takes a list of inputs/);
    const layer = layers.attention();
    layer.buildInputs([[null, 2, 3], [null, 4, 3]], null);
    const plan = layer.planInputs([[1, 2, 3], [1, 4, 3]], { training: true });
    expect(() => plan.forward([region(new Float32Array(6))])).toThrow(/expected 2 input regions/);
    expect(() => plan.forward([region(new Float32Array(6)), region(new Float32Array(12))], { masks: [undefined, Uint8Array.of(1, 1)] })).toThrow(/masks\[1\]/);
    expect(() => plan.backward(region(new Float32Array(6)))).toThrow(/needs a forward/);
  });
});

describe('attention layers: returnAttentionScores in functional models', () => {
  const N = 8;
  /** query [3, 4] and value [5, 4] (the value padded where it is 0, so its mask hides keys) → attention → Dense(2); optionally also the scores. */
  function scoresModel(kind: 'attention' | 'additiveAttention', returnScores: boolean, outputs: 'head' | 'both' = returnScores ? 'both' : 'head') {
    const q = input({ shape: [3, 4], name: 'query' });
    const v = input({ shape: [5, 4], name: 'value' });
    const masked = layers.masking({ maskValue: 0, name: 'pad' }).apply(v) as SymbolicTensor;
    const layer = kind === 'attention' ? layers.attention({ useScale: true, useCausalMask: true, name: 'att' }) : layers.additiveAttention({ name: 'att' });
    const result = layer.apply([q, masked], { returnAttentionScores: returnScores });
    const [context, scores] = (returnScores ? result : [result]) as SymbolicTensor[];
    const head = layers.dense({ units: 2, name: 'head' }).apply(context) as SymbolicTensor;
    return model({ inputs: [q, v], outputs: outputs === 'both' ? [head, scores] : head, seed: 9 });
  }

  function data(name: string) {
    const random = randomFor(name);
    const v = uniform(random, N * 5 * 4);
    v.fill(0, 3 * 4, 5 * 4); // sample 0: its last two value steps are padding
    return {
      x: [{ shape: [N, 3, 4], data: uniform(random, N * 3 * 4) }, { shape: [N, 5, 4], data: v }],
      target: { shape: [N, 3, 2], data: uniform(random, N * 3 * 2) },
      targetScores: { shape: [N, 3, 5], data: uniform(random, N * 3 * 5, 0, 0.4) },
    };
  }

  for (const kind of ['attention', 'additiveAttention'] as const) {
    it(`${kind}: predicts [output, scores] as the reference, trains with a loss on the scores, saves the kwarg and loads the same bits`, async () => {
      const { x, target, targetScores } = data(kind);
      const m = scoresModel(kind, true);
      const att = m.getLayer('att') as AttentionLayer;
      const [y, scores] = m.predict(x) as Tensor[];
      expect(y.shape).toEqual([N, 3, 2]);
      expect(scores.shape).toEqual([N, 3, 5]);
      const valueMask = Uint8Array.from({ length: N * 5 }, (_, i) => (i >= 3 && i < 5 ? 0 : 1));
      const form = kind === 'attention' ? 'dot' : 'additive';
      const weights = att.getWeights().map((w) => Float64Array.from(w.data));
      const expected = ref.attention.forward(form, x[0].data, x[1].data, undefined, { batch: N, tq: 3, tv: 5, dim: 4, valueDim: 4 }, { scale: weights[0] }, { valueMask, causal: kind === 'attention' });
      expectClose('scores', scores.data, expected.scores, 2e-5);

      // Plain gradient descent on the scores' loss alone: every step lowers it.
      m.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'meanSquaredError'], lossWeights: [0, 1] });
      const losses: number[] = [];
      for (let epoch = 0; epoch < 4; epoch++) {
        losses.push((m.evaluate(x, [target, targetScores]) as Record<string, number>)['att/1_loss']);
        await m.fit(x, [target, targetScores], { epochs: 1, batchSize: N, verbose: 0 });
      }
      losses.push((m.evaluate(x, [target, targetScores]) as Record<string, number>)['att/1_loss']);
      losses.slice(1).forEach((loss, i) => expect(loss, `epoch ${i + 1}`).toBeLessThan(losses[i]));

      const saved = await m.save();
      const topology = (saved.modelJSON.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown }[]; output_layers: unknown } }).config;
      expect(topology.layers.find((l) => l.name === 'att')!.inbound_nodes).toEqual([[['query', 0, 0, { return_attention_scores: true }], ['pad', 0, 0, {}]]]);
      expect(topology.output_layers).toEqual([['head', 0, 0], ['att', 0, 1]]);
      const loaded = await loadModel<Functional>(saved);
      const [again, now] = [loaded.predict(x), m.predict(x)] as Tensor[][];
      expect(again.map((t) => t.shape)).toEqual([[N, 3, 2], [N, 3, 5]]);
      expect(again[1].data).toEqual(now[1].data);
      expect(again[0].data).toEqual(now[0].data);
      m.dispose();
      loaded.dispose();
    });
  }

  it('scores returned but unused train to the same bits as without them', async () => {
    const { x, target } = data('unused scores');
    const results = [];
    for (const returnScores of [true, false]) {
      const m = scoresModel('attention', returnScores, 'head');
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const before = m.getLayer('att').getWeights()[0].data.slice();
      await m.fit(x, target, { epochs: 2, batchSize: 4, verbose: 0 });
      const weights = [...m.getLayer('att').getWeights(), ...m.getLayer('head').getWeights()].map((w) => w.data);
      expect(weights[0], 'scale moved').not.toEqual(before);
      results.push(weights);
      m.dispose();
    }
    expect(results[0]).toEqual(results[1]);
  });
});
