// PyTorch weights in: the fixtures of scripts/fixtures/torch_safetensors.py (PyTorch models with
// random weights and biases, their state dicts as safetensors and PyTorch's outputs) are read
// with loadSafetensors, mapped with fromTorch onto the matching seqwasm model, and predictions
// compared with PyTorch's within 1e-5. Then the mismatches fromTorch refuses, leaving every
// weight as it was.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { layers, sequential, type Sequential } from '../../src/index.js';
import { fromTorch } from '../../src/io/torch.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { ModelInputError } from '../../src/model/errors.js';
import type { Tensor } from '../../src/tensor.js';

const FIXTURES = new URL('../fixtures/torch/', import.meta.url);
const expected = (name: string): { input: Tensor; output: Tensor } => {
  const json = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));
  return { input: { shape: json.input.shape, data: Float32Array.from(json.input.data) }, output: { shape: json.output.shape, data: Float32Array.from(json.output.data) } };
};
const stateDict = (name: string) => loadSafetensors(new URL(`${name}.safetensors`, FIXTURES));

const models: Sequential[] = [];
afterEach(() => models.splice(0).forEach((m) => m.dispose()));
const build = (list: Parameters<typeof sequential>[0]) => {
  const model = sequential(list);
  models.push(model);
  return model;
};

/** The seqwasm twin of each PyTorch case (see the Python script's cases()). */
const CASES: Record<string, () => Sequential> = {
  lstm: () => build([layers.lstm({ units: 5, inputShape: [7, 3] }), layers.dense({ units: 2 })]),
  lstm_stacked_bidirectional: () =>
    build([
      layers.bidirectional({ layer: layers.lstm({ units: 6, returnSequences: true }), inputShape: [5, 4] }),
      layers.bidirectional({ layer: layers.lstm({ units: 6, returnSequences: true }) }),
      layers.timeDistributed({ layer: layers.dense({ units: 3 }) }),
    ]),
  gru_bidirectional: () => build([layers.bidirectional({ layer: layers.gru({ units: 4 }), inputShape: [6, 3] }), layers.dense({ units: 1, activation: 'sigmoid' })]),
  gru_stacked: () => build([layers.gru({ units: 5, returnSequences: true, inputShape: [9, 3] }), layers.gru({ units: 5 }), layers.dense({ units: 2, useBias: false })]),
  rnn_relu: () => build([layers.simpleRNN({ units: 4, activation: 'relu', useBias: false, inputShape: [8, 3] }), layers.dense({ units: 2 })]),
  rnn_tanh_stacked_bidirectional: () =>
    build([
      layers.bidirectional({ layer: layers.simpleRNN({ units: 3, returnSequences: true }), inputShape: [4, 2] }),
      layers.bidirectional({ layer: layers.simpleRNN({ units: 3, returnSequences: true }) }),
      layers.bidirectional({ layer: layers.simpleRNN({ units: 3 }) }),
      layers.dense({ units: 1, activation: 'tanh' }),
    ]),
  embedding_lstm: () => build([layers.embedding({ inputDim: 11, outputDim: 4, inputShape: [6] }), layers.lstm({ units: 6 }), layers.dense({ units: 3, activation: 'softmax' })]),
};

describe('fromTorch on PyTorch fixtures', () => {
  for (const [name, make] of Object.entries(CASES)) {
    it(`${name}: predictions match PyTorch's within 1e-5`, async () => {
      const { input, output } = expected(name);
      const model = make();
      expect(fromTorch(await stateDict(name), model)).toBe(model);
      const predicted = model.predict(input);
      expect(predicted.shape).toEqual(output.shape);
      const worst = Math.max(...Array.from(predicted.data, (x, i) => Math.abs(x - output.data[i])));
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('maps modules in the order options.modules gives, whatever the file order', async () => {
    const dict = await stateDict('embedding_lstm');
    const shuffled = Object.fromEntries(Object.entries(dict).reverse());
    const model = CASES.embedding_lstm();
    expect(() => fromTorch(shuffled, model)).toThrow(ModelInputError);
    fromTorch(shuffled, model, { modules: ['embedding', 'rnn', 'head'] });
    const { input, output } = expected('embedding_lstm');
    const predicted = model.predict(input);
    expect(Math.max(...Array.from(predicted.data, (x, i) => Math.abs(x - output.data[i])))).toBeLessThan(1e-5);
  });

  it('a fitted model trains on from the PyTorch weights', async () => {
    const { input, output } = expected('lstm');
    const model = CASES.lstm();
    fromTorch(await stateDict('lstm'), model);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    const target = output.data.map((y) => y + 0.5);
    const history = await model.fit(input, { shape: output.shape, data: target }, { epochs: 20, batchSize: 3, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });
});

describe('fromTorch refuses what does not fit, changing nothing', () => {
  const refusals: [string, string, () => Sequential, RegExp][] = [
    ['a GRU without resetAfter', 'gru_stacked', () => build([layers.gru({ units: 5, resetAfter: false, returnSequences: true, inputShape: [9, 3] }), layers.gru({ units: 5 }), layers.dense({ units: 2, useBias: false })]), /resetAfter: true/],
    ["TF.js's hardSigmoid gates", 'lstm', () => build([layers.lstm({ units: 5, recurrentActivation: 'hardSigmoid', inputShape: [7, 3] }), layers.dense({ units: 2 })]), /recurrentActivation 'sigmoid'/],
    ['other units', 'lstm', () => build([layers.lstm({ units: 4, inputShape: [7, 3] }), layers.dense({ units: 2 })]), /weight_ih_l0 has shape \[20, 3\] but layer .* needs \[16, 3\]/],
    ['a GRU where the module is an LSTM', 'lstm', () => build([layers.gru({ units: 5, inputShape: [7, 3] }), layers.dense({ units: 2 })]), /has shape \[20, 3\] but .* needs \[15, 3\]/],
    ['one direction where the module has two', 'gru_bidirectional', () => build([layers.gru({ units: 4, inputShape: [6, 3] }), layers.dense({ units: 1 })]), /one-direction module/],
    ['a missing layer', 'gru_stacked', () => build([layers.gru({ units: 5, inputShape: [9, 3] }), layers.dense({ units: 2, useBias: false })]), /give 3 layers .* but the model has 2 layers/],
    ['a bias PyTorch does not have', 'gru_stacked', () => build([layers.gru({ units: 5, returnSequences: true, inputShape: [9, 3] }), layers.gru({ units: 5 }), layers.dense({ units: 2 })]), /nn.Linear\(bias=False\) has none: create the dense layer with useBias: false/],
  ];
  for (const [what, fixture, make, message] of refusals) {
    it(what, async () => {
      const model = make();
      const before = model.layers.map((layer) => layer.getWeights());
      const error = await stateDict(fixture).then((dict) => fromTorch(dict, model)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelInputError);
      expect((error as Error).message).toMatch(message);
      expect(model.layers.map((layer) => layer.getWeights())).toEqual(before);
    });
  }

  it('non-finite weights, unknown modules and models without a shape', async () => {
    const dict = await stateDict('lstm');
    const model = CASES.lstm();
    const poisoned = { ...dict, 'head.bias': { shape: [2], data: Float32Array.of(0, Number.NaN) } };
    expect(() => fromTorch(poisoned, model)).toThrow(/head\.bias.* holds NaN at index 1/);
    expect(() => fromTorch({ ...dict, 'norm.running_mean': dict['head.bias'], 'norm.num_batches_tracked': { shape: [], data: Float32Array.of(1) } }, model)).toThrow(/module "norm" has parameters running_mean, num_batches_tracked/);
    expect(() => fromTorch(dict, model, { modules: ['rnn', 'fc'] })).toThrow(/no module "fc"; its modules: "rnn", "head"/);
    expect(() => fromTorch(dict, build([layers.lstm({ units: 5 }), layers.dense({ units: 2 })]))).toThrow(/not built yet/);
    expect(() => fromTorch([] as never, model)).toThrow(/expected a state dict/);
  });
});
