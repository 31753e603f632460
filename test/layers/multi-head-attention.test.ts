// MultiHeadAttention: the float64 reference (test/reference/multi-head-attention.ts, written
// from Keras 3's definitions) against finite differences, then the Wasm layer against the
// reference on fresh random inputs and odd shapes (heads 1/2/3, keyDim ≠ valueDim, T ≠ S,
// batch 1/3/17), every mask kind, causal, dropout, returned scores; then functional models
// (two outputs, a loss on one, save/load, summary) and the errors for bad input.
import { afterEach, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import { LayerConfigError, LayerInputError, type MultiHeadAttention, type SymbolicTensor } from '../../src/layers/index.js';
import { fillDropoutMask } from '../../src/layers/dropout.js';
import { input, loadModel, model, optimizers } from '../../src/index.js';
import { Prng } from '../../src/util/prng.js';
import * as ref from '../reference/index.js';
import { expectGradient, randomArray } from '../reference/gradcheck.js';
import { uniform } from '../util/random.js';
import { expectClose, freeAll, randomFor, region, replay } from './helpers.js';

afterEach(freeAll);

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Case {
  B: number;
  T: number;
  S: number;
  heads: number;
  keyDim: number;
  valueDim?: number;
  features: [query: number, value: number, key: number];
  outputShape?: number[];
  useBias?: boolean;
  separateKey?: boolean;
  masks?: ('attention' | 'query' | 'value' | 'key')[];
  causal?: boolean;
  dropout?: number;
}

/** A random problem for `c`: inputs, weights drawn like the layer's, masks with fully masked rows and steps. */
function problemFor(c: Case, random: () => number, weights: ref.multiHeadAttention.MhaWeights): ref.multiHeadAttention.MhaProblem {
  const { B, T, S, heads, keyDim } = c;
  const [Eq, Ev, Ek] = c.features;
  const lengthMask = (steps: number) => Float64Array.from({ length: B * steps }, (_, i) => (i % steps < Math.max(1, steps - ((i / steps) | 0) % 3) ? 1 : 0));
  const masks = new Set(c.masks ?? []);
  const attention = masks.has('attention') ? Float64Array.from({ length: B * T * S }, () => (random() < 0.3 ? 0 : 1)) : undefined;
  if (attention && T * S > 1) attention.fill(0, 0, S); // query step 0 of sample 0 may attend to nothing: a uniform row
  return {
    B, T, S, heads, keyDim, valueDim: c.valueDim ?? keyDim,
    queryFeatures: Eq, valueFeatures: Ev, keyFeatures: Ek,
    outputFeatures: size(c.outputShape ?? [Eq]),
    query: randomArray(random, B * T * Eq),
    value: randomArray(random, B * S * Ev),
    key: c.separateKey ? randomArray(random, B * S * Ek) : new Float64Array(0),
    weights,
    attentionMask: attention,
    queryMask: masks.has('query') ? lengthMask(T) : undefined,
    valueMask: masks.has('value') ? lengthMask(S) : undefined,
    keyMask: masks.has('key') ? Float64Array.from({ length: B * S }, (_, i) => (i % S === S - 1 && S > 1 ? 0 : 1)) : undefined,
    causal: c.causal,
  };
}

function layerFor(c: Case): MultiHeadAttention {
  return layers.multiHeadAttention({ numHeads: c.heads, keyDim: c.keyDim, valueDim: c.valueDim, outputShape: c.outputShape, useBias: c.useBias, dropout: c.dropout, seed: c.dropout ? 11 : undefined });
}

/** The reference's weight record from the layer's weights (Keras order). */
function weightsOf(layer: MultiHeadAttention): ref.multiHeadAttention.MhaWeights {
  const values = layer.getWeights().map((w) => Float64Array.from(w.data));
  const bias = layer.settings.useBias;
  const at = (i: number) => values[bias ? 2 * i : i];
  const biasAt = (i: number) => (bias ? values[2 * i + 1] : undefined);
  return { queryKernel: at(0), queryBias: biasAt(0), keyKernel: at(1), keyBias: biasAt(1), valueKernel: at(2), valueBias: biasAt(2), outputKernel: at(3), outputBias: biasAt(3) };
}

/** Runs the layer in Wasm (training plan) and compares output, scores and every gradient with the reference. */
function checkAgainstReference(c: Case): void {
  const random = randomFor(JSON.stringify(c));
  const layer = layerFor(c);
  const [Eq, Ev, Ek] = c.features;
  const key = c.separateKey ? Ek : Ev;
  const withMask = c.masks?.includes('attention') ?? false;
  const shapes = [[null, c.T, Eq], [null, c.S, Ev], [null, c.S, key], ...(withMask ? [[null, c.T, c.S]] : [])];
  layer.buildInputs(shapes, new Prng(3));
  const p = problemFor({ ...c, features: [Eq, Ev, key] }, random, weightsOf(layer));
  if (!c.separateKey) p.key = p.value;
  const vd = c.valueDim ?? c.keyDim;
  const concrete = shapes.map((s) => [c.B, ...s.slice(1)] as number[]);
  const plan = layer.planInputs(concrete, { training: true, callArgs: { useCausalMask: c.causal ?? false, returnAttentionScores: true } });
  const scoresSize = c.B * c.heads * c.T * c.S;
  if (c.dropout) {
    const drop = new Float32Array(scoresSize);
    fillDropoutMask(drop, c.dropout, new Prng(11)); // the layer's seed: its first draw
    p.dropMask = drop;
  }
  const inputs = [p.query, p.value, p.key, ...(p.attentionMask ? [p.attentionMask] : [])].map(region);
  const toMask = (m: ArrayLike<number> | undefined) => (m ? Uint8Array.from(m) : undefined);
  const keyMask = c.separateKey ? toMask(p.keyMask) : toMask(p.valueMask);
  if (!c.separateKey) p.keyMask = p.valueMask;
  const mask = plan.forward(inputs, { masks: [toMask(p.queryMask), toMask(p.valueMask), keyMask, undefined] });
  expect(mask).toEqual(toMask(p.queryMask));
  const expected = ref.multiHeadAttention.forward(p);
  expect(plan.outputShapes).toEqual([[c.B, c.T, ...(c.outputShape ?? [Eq])], [c.B, c.heads, c.T, c.S]]);
  expectClose('output', plan.output.toArray(), expected.output, 2e-5);
  expectClose('scores', plan.outputs[1].toArray(), expected.scores, 2e-5);
  const dOutput = uniform(random, expected.output.length);
  const dScores = uniform(random, scoresSize);
  layer.zeroGradients();
  plan.backward(region(dOutput), [region(dScores)]);
  const grads = ref.multiHeadAttention.backward(p, dOutput, dScores);
  expectClose('dQuery', plan.dInputs[0]!.toArray(), grads.dQuery, 5e-5);
  if (c.separateKey) {
    expectClose('dValue', plan.dInputs[1]!.toArray(), grads.dValue, 5e-5);
    expectClose('dKey', plan.dInputs[2]!.toArray(), grads.dKey, 5e-5);
  } else {
    // One tensor as value and key: its gradient is the sum, as the graph adds them.
    const both = plan.dInputs[1]!.toArray().map((v, i) => v + plan.dInputs[2]!.toArray()[i]);
    expectClose('dValue + dKey', both, grads.dValue.map((v, i) => v + grads.dKey[i]), 5e-5);
  }
  const names = ['queryKernel', 'queryBias', 'keyKernel', 'keyBias', 'valueKernel', 'valueBias', 'outputKernel', 'outputBias'] as const;
  const kept = c.useBias === false ? names.filter((n) => n.endsWith('Kernel')) : names;
  layer.weights.forEach((w, i) => expectClose(`${w.name} gradient`, w.grad.toArray(), grads.dWeights[kept[i]], 5e-5));
  expect(layer.weights.map((w) => w.shape)).toEqual(
    [
      [Eq, c.heads, c.keyDim], [c.heads, c.keyDim], [key, c.heads, c.keyDim], [c.heads, c.keyDim], [Ev, c.heads, vd], [c.heads, vd],
      [c.heads, vd, ...(c.outputShape ?? [Eq])], [...(c.outputShape ?? [Eq])],
    ].filter((_, i) => c.useBias !== false || i % 2 === 0),
  );
  layer.dispose();
}

describe('the float64 reference against finite differences', () => {
  const cases: [string, Case][] = [
    ['plain, 2 heads, keyDim ≠ valueDim, T ≠ S', { B: 2, T: 3, S: 4, heads: 2, keyDim: 3, valueDim: 2, features: [4, 3, 5], separateKey: true }],
    ['every mask kind and causal, 3 heads', { B: 2, T: 4, S: 4, heads: 3, keyDim: 2, valueDim: 3, features: [3, 2, 4], separateKey: true, masks: ['attention', 'query', 'value', 'key'], causal: true }],
    ['no bias, output shape [2, 3], dropout mask', { B: 1, T: 2, S: 3, heads: 1, keyDim: 2, features: [3, 3, 2], separateKey: true, useBias: false, outputShape: [2, 3], dropout: 0.3 }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      const random = randomFor(`reference ${name}`);
      const [Eq, Ev, Ek] = c.features;
      const H = c.heads;
      const vd = c.valueDim ?? c.keyDim;
      const out = size(c.outputShape ?? [Eq]);
      const bias = c.useBias !== false;
      const weights = {
        queryKernel: randomArray(random, Eq * H * c.keyDim), queryBias: bias ? randomArray(random, H * c.keyDim) : undefined,
        keyKernel: randomArray(random, Ek * H * c.keyDim), keyBias: bias ? randomArray(random, H * c.keyDim) : undefined,
        valueKernel: randomArray(random, Ev * H * vd), valueBias: bias ? randomArray(random, H * vd) : undefined,
        outputKernel: randomArray(random, H * vd * out), outputBias: bias ? randomArray(random, out) : undefined,
      };
      const p = problemFor(c, random, weights);
      if (c.dropout) p.dropMask = Float64Array.from({ length: c.B * H * c.T * c.S }, () => (random() < c.dropout! ? 0 : 1 / (1 - c.dropout!)));
      const dOutput = randomArray(random, c.B * c.T * out);
      const dScores = randomArray(random, c.B * H * c.T * c.S);
      const loss = () => {
        const y = ref.multiHeadAttention.forward(p);
        let sum = 0;
        y.output.forEach((v, i) => (sum += v * dOutput[i]));
        y.scores.forEach((v, i) => (sum += v * dScores[i]));
        return sum;
      };
      const g = ref.multiHeadAttention.backward(p, dOutput, dScores);
      expectGradient('dQuery', loss, p.query as Float64Array, g.dQuery, replay);
      expectGradient('dValue', loss, p.value as Float64Array, g.dValue, replay);
      expectGradient('dKey', loss, p.key as Float64Array, g.dKey, replay);
      for (const [name, values] of Object.entries(weights)) {
        if (values) expectGradient(name, loss, values, g.dWeights[name as keyof typeof g.dWeights], replay);
      }
    });
  }
});

describe('MultiHeadAttention in Wasm against the reference', () => {
  const cases: [string, Case][] = [
    ['1 head, batch 1, self-attention shapes', { B: 1, T: 5, S: 5, heads: 1, keyDim: 4, features: [6, 6, 6] }],
    ['2 heads, keyDim ≠ valueDim, T ≠ S, batch 3', { B: 3, T: 4, S: 7, heads: 2, keyDim: 3, valueDim: 5, features: [5, 3, 3] }],
    ['3 heads, separate key, batch 17', { B: 17, T: 3, S: 2, heads: 3, keyDim: 2, valueDim: 1, features: [4, 2, 5], separateKey: true }],
    ['attention mask with a fully masked row', { B: 3, T: 4, S: 5, heads: 2, keyDim: 3, features: [4, 4, 4], masks: ['attention'] }],
    ['query mask', { B: 3, T: 5, S: 4, heads: 2, keyDim: 2, features: [3, 5, 5], masks: ['query'] }],
    ['value mask (the key is the value)', { B: 3, T: 3, S: 6, heads: 2, keyDim: 2, features: [3, 5, 5], masks: ['value'] }],
    ['key mask on a separate key', { B: 3, T: 3, S: 6, heads: 2, keyDim: 2, features: [3, 5, 4], separateKey: true, masks: ['key'] }],
    ['causal', { B: 3, T: 6, S: 6, heads: 3, keyDim: 2, valueDim: 3, features: [5, 5, 5], causal: true }],
    ['causal with T ≠ S and every mask', { B: 3, T: 5, S: 7, heads: 2, keyDim: 3, features: [4, 3, 2], separateKey: true, causal: true, masks: ['attention', 'query', 'value', 'key'] }],
    ['no bias, output shape [2, 3]', { B: 3, T: 4, S: 3, heads: 2, keyDim: 3, features: [4, 3, 3], useBias: false, outputShape: [2, 3] }],
    ['dropout on the attention weights (seeded)', { B: 3, T: 4, S: 5, heads: 2, keyDim: 3, features: [4, 4, 4], dropout: 0.4 }],
    ['wide: 33 features, 17 steps', { B: 3, T: 17, S: 17, heads: 2, keyDim: 8, valueDim: 9, features: [33, 33, 33], masks: ['query', 'value'] }],
  ];
  for (const [name, c] of cases) it(name, () => checkAgainstReference(c));

  it('inference: no dropout, the same output as a training plan without dropout', () => {
    const random = randomFor('inference');
    const layer = layers.multiHeadAttention({ numHeads: 2, keyDim: 3, dropout: 0.5 });
    layer.buildInputs([[null, 4, 5], [null, 4, 5], [null, 4, 5]], new Prng(2));
    const x = region(uniform(random, 3 * 4 * 5));
    const inference = layer.planInputs([[3, 4, 5], [3, 4, 5], [3, 4, 5]]);
    inference.forward([x, x, x]);
    const p: ref.multiHeadAttention.MhaProblem = { B: 3, T: 4, S: 4, heads: 2, keyDim: 3, valueDim: 3, queryFeatures: 5, valueFeatures: 5, keyFeatures: 5, outputFeatures: 5, query: x.toArray(), value: x.toArray(), key: x.toArray(), weights: weightsOf(layer) };
    expectClose('inference output', inference.output.toArray(), ref.multiHeadAttention.forward(p).output, 2e-5);
    layer.dispose();
  });
});

describe('MultiHeadAttention in functional models', () => {
  /** tokens [6, 4] and an attention mask → causal self-attention → pooled → Dense(1); `outputs` picks what the model returns. */
  function attentionModel(returnScores: boolean, outputs: 'head' | 'both' = returnScores ? 'both' : 'head') {
    const x = input({ shape: [6, 4], name: 'tokens' });
    const mask = input({ shape: [6, 6], name: 'allowed' });
    const mha = layers.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, name: 'mha' });
    const result = mha.apply([x, x], { attentionMask: mask, useCausalMask: true, returnAttentionScores: returnScores });
    const [y, scores] = (returnScores ? result : [result]) as SymbolicTensor[];
    const pooled = layers.globalAveragePooling1d({ name: 'pool' }).apply(y) as SymbolicTensor;
    const head = layers.dense({ units: 1, name: 'head' }).apply(pooled) as SymbolicTensor;
    return model({ inputs: [x, mask], outputs: outputs === 'both' ? [head, scores] : head, seed: 5 });
  }

  const N = 8;
  function data(name: string) {
    const random = randomFor(name);
    return {
      x: { shape: [N, 6, 4], data: uniform(random, N * 6 * 4) },
      allowed: { shape: [N, 6, 6], data: Float32Array.from({ length: N * 36 }, () => (random() < 0.2 ? 0 : 1)) },
      target: { shape: [N, 1], data: uniform(random, N) },
      targetScores: { shape: [N, 2, 6, 6], data: uniform(random, N * 72, 0, 0.3) },
    };
  }

  it('predicts two outputs, trains with a loss on both, saves and loads the same bits', async () => {
    const { x, allowed, target, targetScores } = data('two outputs');
    const m = attentionModel(true);
    const [y, scores] = m.predict([x, allowed]) as { shape: number[]; data: Float32Array }[];
    expect(y.shape).toEqual([N, 1]);
    expect(scores.shape).toEqual([N, 2, 6, 6]);
    // Causal and the given mask: a forbidden step gets no weight (unless its whole row is forbidden: uniform); each row sums to 1.
    for (let b = 0; b < N; b++) for (let h = 0; h < 2; h++) for (let t = 0; t < 6; t++) {
      const row = Array.from({ length: 6 }, (_, s) => scores.data[((b * 2 + h) * 6 + t) * 6 + s]);
      const ok = row.map((_, s) => s <= t && allowed.data[(b * 6 + t) * 6 + s] !== 0);
      if (ok.some(Boolean)) row.forEach((w, s) => !ok[s] && expect(w).toBe(0));
      expect(Math.abs(row.reduce((a, c) => a + c, 0) - 1)).toBeLessThan(1e-5);
    }
    m.compile({ optimizer: 'adam', loss: ['meanSquaredError', 'meanSquaredError'], lossWeights: [1, 0.5] });
    const before = m.evaluate([x, allowed], [target, targetScores]) as Record<string, number>;
    const history = await m.fit([x, allowed], [target, targetScores], { epochs: 20, batchSize: 4, verbose: 0 });
    expect(Object.keys(history.history)).toEqual(['loss', 'head_loss', 'mha/1_loss']); // a second output is named layer/index, as a recurrent layer's states
    const after = m.evaluate([x, allowed], [target, targetScores]) as Record<string, number>;
    expect(after.loss).toBeLessThan(before.loss);
    const lines: string[] = [];
    m.summary((line) => lines.push(line));
    expect(lines.join('\n')).toMatch(/mha \(MultiHeadAttention\)\s+\[\(None, 6, 4\), \(None, 2, 6, 6\)\]/);
    const saved = await m.save();
    const topology = (saved.modelJSON.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown; class_name: string; config: Record<string, unknown> }[]; output_layers: unknown } }).config;
    const entry = topology.layers.find((l) => l.name === 'mha')!;
    expect(entry.class_name).toBe('MultiHeadAttention');
    expect(entry.inbound_nodes).toEqual([[['tokens', 0, 0, { use_causal_mask: true, return_attention_scores: true }], ['tokens', 0, 0, {}], ['tokens', 0, 0, {}], ['allowed', 0, 0, {}]]]);
    expect(topology.output_layers).toEqual([['head', 0, 0], ['mha', 0, 1]]);
    expect(entry.config).toMatchObject({ num_heads: 2, key_dim: 3, value_dim: 2, dropout: 0, use_bias: true, output_shape: null, attention_axes: null });
    expect(saved.modelJSON.weightsManifest[0].weights.slice(0, 8).map((w) => [w.name, w.shape])).toEqual([
      ['mha/query/kernel', [4, 2, 3]], ['mha/query/bias', [2, 3]], ['mha/key/kernel', [4, 2, 3]], ['mha/key/bias', [2, 3]],
      ['mha/value/kernel', [4, 2, 2]], ['mha/value/bias', [2, 2]], ['mha/attention_output/kernel', [2, 2, 4]], ['mha/attention_output/bias', [4]],
    ]);
    const loaded = await loadModel(saved);
    const again = loaded.predict([x, allowed]) as unknown as { data: Float32Array }[];
    const now = m.predict([x, allowed]) as { data: Float32Array }[];
    expect(again[0].data).toEqual(now[0].data);
    expect(again[1].data).toEqual(now[1].data);
    // Training goes on from the saved optimizer state to the same bits.
    await m.fit([x, allowed], [target, targetScores], { epochs: 2, batchSize: 4, verbose: 0, shuffle: false });
    await loaded.fit([x, allowed], [target, targetScores], { epochs: 2, batchSize: 4, verbose: 0, shuffle: false });
    expect((loaded.predict([x, allowed]) as unknown as { data: Float32Array }[])[1].data).toEqual((m.predict([x, allowed]) as { data: Float32Array }[])[1].data);
    m.dispose();
    loaded.dispose();
  });

  it("reads Keras 2's and Keras 3's calls, which pass value and attention_mask by keyword", async () => {
    const { x, allowed } = data('keyword tensors');
    const m = attentionModel(true);
    const expected = m.predict([x, allowed]) as { data: Float32Array }[];
    const saved = await m.save();
    const kerasTensor = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 6, 4], dtype: 'float32', keras_history: [name, 0, 0] } });
    const flags = { use_causal_mask: true, return_attention_scores: true };
    const forms = {
      'Keras 2': [[['tokens', 0, 0, { value: ['tokens', 0, 0], attention_mask: ['allowed', 0, 0], ...flags }]]],
      'Keras 3': [{ args: [kerasTensor('tokens')], kwargs: { value: kerasTensor('tokens'), key: null, attention_mask: kerasTensor('allowed'), ...flags } }],
    };
    for (const [form, inbound] of Object.entries(forms)) {
      const file = structuredClone(saved);
      const layersJson = (file.modelJSON.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown }[] } }).config.layers;
      layersJson.find((l) => l.name === 'mha')!.inbound_nodes = inbound;
      const loaded = await loadModel(file);
      const again = loaded.predict([x, allowed]) as unknown as { data: Float32Array }[];
      expect(again[0].data, form).toEqual(expected[0].data);
      expect(again[1].data, form).toEqual(expected[1].data);
      loaded.dispose();
    }
    const withoutValue = structuredClone(saved);
    (withoutValue.modelJSON.modelTopology as { config: { layers: { name: string; inbound_nodes: unknown }[] } }).config.layers.find((l) => l.name === 'mha')!.inbound_nodes = [[['tokens', 0, 0, flags]]];
    await expect(loadModel(withoutValue)).rejects.toThrow(/MultiHeadAttention call needs a query and a value tensor/);
    m.dispose();
  });

  it('a loss on the scores alone moves them towards their target', async () => {
    const { x, allowed, target, targetScores } = data('scores only');
    const m = attentionModel(true);
    // Plain gradient descent with a small step: every step lowers the loss (Adam's normalised steps overshoot these tiny gradients).
    m.compile({ optimizer: optimizers.sgd(1), loss: ['meanSquaredError', 'meanSquaredError'], lossWeights: [0, 1] });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 4; epoch++) {
      losses.push((m.evaluate([x, allowed], [target, targetScores]) as Record<string, number>)['mha/1_loss']);
      await m.fit([x, allowed], [target, targetScores], { epochs: 1, batchSize: N, verbose: 0 });
    }
    const after = m.evaluate([x, allowed], [target, targetScores]) as Record<string, number>;
    losses.push(after['mha/1_loss']);
    losses.slice(1).forEach((loss, i) => expect(loss, `epoch ${i + 1}`).toBeLessThan(losses[i]));
    m.dispose();
  });

  it('a loss on one output only: scores returned but unused train to the same bits as without them', async () => {
    const { x, allowed, target } = data('one output');
    const results = [];
    for (const returnScores of [true, false]) {
      const m = attentionModel(returnScores, 'head');
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const weightsBefore = m.getLayer('mha').getWeights().map((w) => w.data.slice());
      await m.fit([x, allowed], target, { epochs: 2, batchSize: 4, verbose: 0 });
      const weightsAfter = m.getLayer('mha').getWeights().map((w) => w.data);
      weightsAfter.forEach((w, i) => expect(w, `weight ${i} moved`).not.toEqual(weightsBefore[i]));
      results.push(weightsAfter);
      m.dispose();
    }
    expect(results[0]).toEqual(results[1]);
  });
});

describe('MultiHeadAttention config', () => {
  it('round-trips through layerFromConfig and reads a Keras 3 config', () => {
    const mha = layers.multiHeadAttention({ numHeads: 3, keyDim: 4, valueDim: 5, dropout: 0.1, useBias: false, outputShape: 7, seed: 9, name: 'attend' });
    expect(layers.layerFromConfig(mha.toJSON()).getConfig()).toEqual(mha.getConfig());
    expect(mha.getConfig()).toMatchObject({ name: 'attend', num_heads: 3, key_dim: 4, value_dim: 5, dropout: 0.1, use_bias: false, output_shape: [7], attention_axes: null, seed: 9, use_gate: false });
    const keras = {
      class_name: 'MultiHeadAttention',
      config: {
        name: 'multi_head_attention', trainable: true, dtype: 'float32', num_heads: 2, key_dim: 8, value_dim: 8, dropout: 0, use_bias: true, use_gate: false,
        output_shape: null, attention_axes: [1], sliding_window: null, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
        bias_initializer: { class_name: 'Zeros', config: {} }, kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null, seed: null,
      },
    };
    const loaded = layers.layerFromConfig(keras) as MultiHeadAttention;
    expect(loaded.settings).toMatchObject({ numHeads: 2, keyDim: 8, attentionAxes: null });
    expect(loaded.valueDim).toBe(8);
  });
});

describe('MultiHeadAttention errors', () => {
  it('refuses bad options with a LayerConfigError naming them', () => {
    expect(() => layers.multiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(LayerConfigError);
    expect(() => layers.multiHeadAttention({ keyDim: 2 } as never)).toThrow(/numHeads/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [2] })).toThrow(/attentionAxes.*only the default/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 })).toThrow(/dropout/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 2, useGate: true })).toThrow(/useGate/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 2, outputShape: [0] })).toThrow(/outputShape/);
    expect(layers.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1] }).settings.attentionAxes).toBe(null);
  });

  it('refuses bad inputs with a LayerInputError naming them', () => {
    const q = input({ shape: [5, 4] });
    const v = input({ shape: [6, 3] });
    const mha = layers.multiHeadAttention({ numHeads: 2, keyDim: 2 });
    expect(() => mha.apply(q)).toThrow(/\[query, value\]/);
    expect(() => mha.apply([q, v, v, v])).toThrow(LayerInputError);
    expect(() => mha.apply([q, input({ shape: [6] })])).toThrow(/value must have shape \[batch, steps, features\]/);
    expect(() => mha.apply([q, v, input({ shape: [7, 3] })])).toThrow(/same number of steps/);
    expect(() => mha.apply([q, v], { attentionMask: input({ shape: [5, 5] }) })).toThrow(/attentionMask must have shape \[batch, T, S\] = \[null, 5, 6\]/);
    expect(() => mha.apply([q, v], { attentionMask: 'yes' as never })).toThrow(/attentionMask must be a symbolic tensor/);
    expect(() => mha.apply([q, v], { useCausalMask: 1 as never })).toThrow(/useCausalMask must be true or false/);
    expect(() => mha.apply([q, v], { causal: true } as never)).toThrow(/causal is not a call option/);
    expect(() => mha.apply([q, input({ shape: [6, null] })])).toThrow(/feature \(last\) dimension of value/);
    expect(() => mha.computeOutputShape([null, 5, 4])).toThrow(/list of inputs/);
  });

  it('a training call with dropout and no rng says so', () => {
    const mha = layers.multiHeadAttention({ numHeads: 1, keyDim: 2, dropout: 0.5 });
    mha.buildInputs([[null, 2, 2], [null, 2, 2], [null, 2, 2]], new Prng(1));
    const plan = mha.planInputs([[1, 2, 2], [1, 2, 2], [1, 2, 2]], { training: true });
    const x = region([1, 2, 3, 4]);
    expect(() => plan.forward([x, x, x])).toThrow(/needs an rng/);
    mha.dispose();
  });
});
