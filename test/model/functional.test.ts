// Functional models: a graph with two inputs (a text sequence through Embedding + LSTM and a
// numeric vector) and two outputs (a class and a regression value) trains, saves, and loads
// in TF.js and in seqwasm with the same predictions; shared layers share weights and sum
// gradients; frozen layers keep their weights; per-output losses, lossWeights, metrics and
// Keras's log names; summary's "Connected to"; getLayer, layers, pop(); the errors users see.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { input, layers, loadModel, model, ModelConfigError, ModelInputError, optimizers, sequential, type Functional, type SymbolicTensor, type Tensor } from '../../src/index.js';
import { expectClose } from '../layers/helpers.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const [STEPS, VOCABULARY, FEATURES, CLASSES] = [6, 12, 3, 3];

/** Reviews: word ids (0 padding at the end) and numbers; the class is which of three words occurs most, the score a sum of the numbers. */
function reviews(n: number, salt = 0) {
  const random = rng(seed ^ salt);
  const words = new Float32Array(n * STEPS);
  const numbers = uniform(random, n * FEATURES);
  const category = new Float32Array(n);
  const score = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const length = 2 + Math.floor(random() * (STEPS - 1));
    const counts = [0, 0, 0];
    for (let t = 0; t < length; t++) {
      const id = 1 + Math.floor(random() * (VOCABULARY - 1));
      words[i * STEPS + t] = id;
      if (id <= 3) counts[id - 1]++;
    }
    category[i] = counts.indexOf(Math.max(...counts));
    score[i] = numbers[i * FEATURES] + 0.5 * numbers[i * FEATURES + 1] - numbers[i * FEATURES + 2];
  }
  return { words: { shape: [n, STEPS], data: words }, numbers: { shape: [n, FEATURES], data: numbers }, category: { shape: [n], data: category }, score: { shape: [n, 1], data: score } };
}

function reviewModel(name?: string, lstmOptions = {}): Functional {
  const words = input({ shape: [STEPS], name: 'words', dtype: 'int32' });
  const numbers = input({ shape: [FEATURES], name: 'numbers' });
  const embedded = layers.embedding({ inputDim: VOCABULARY, outputDim: 6, maskZero: true }).apply(words);
  const encoded = layers.lstm({ units: 8, recurrentActivation: 'sigmoid', ...lstmOptions }).apply(embedded);
  const joined = layers.concatenate().apply([encoded, layers.dense({ units: 4, activation: 'tanh' }).apply(numbers)]);
  const hidden = layers.dense({ units: 8, activation: 'relu' }).apply(joined);
  const category = layers.dense({ units: CLASSES, activation: 'softmax', name: 'category' }).apply(hidden);
  const score = layers.dense({ units: 1, name: 'score' }).apply(layers.concatenate().apply([hidden, numbers]));
  return model({ inputs: [words, numbers], outputs: [category, score], name, seed: 5 });
}

describe('a model with two inputs and two outputs', () => {
  it('trains, names its logs as Keras does, saves, and loads in TF.js and seqwasm with the same predictions', async () => {
    const m = reviewModel('reviews');
    m.compile({ optimizer: optimizers.adam(0.02), loss: { category: 'sparseCategoricalCrossentropy', score: 'mse' }, lossWeights: { category: 1, score: 0.5 }, metrics: { category: ['accuracy'], score: ['mae'] } });
    const train = reviews(192);
    const test = reviews(64, 1);
    const before = m.evaluate({ words: test.words, numbers: test.numbers }, { category: test.category, score: test.score });
    const history = await m.fit({ words: train.words, numbers: train.numbers }, { category: train.category, score: train.score }, { epochs: 25, batchSize: 32, verbose: 0, validationData: [[test.words, test.numbers], [test.category, test.score]] });
    expect(Object.keys(history.history)).toEqual(['loss', 'category_loss', 'score_loss', 'category_accuracy', 'score_mae', 'val_loss', 'val_category_loss', 'val_score_loss', 'val_category_accuracy', 'val_score_mae']);
    const after = m.evaluate([test.words, test.numbers], [test.category, test.score]);
    // The total is the weighted sum of the outputs' losses.
    expect(after.loss).toBeCloseTo(after.category_loss + 0.5 * after.score_loss, 5);
    expect(after.category_loss, replay).toBeLessThan(before.category_loss * 0.8);
    expect(after.score_loss, replay).toBeLessThan(before.score_loss * 0.2);
    expect(after.category_accuracy, replay).toBeGreaterThan(0.6);

    const predicted = m.predict([test.words, test.numbers]) as Tensor[];
    expect(predicted.map((t) => t.shape)).toEqual([[64, CLASSES], [64, 1]]);
    const saved = m.save();
    expect(saved.modelJSON.modelTopology.class_name).toBe('Model');

    const copy = await loadModel<Functional>(saved);
    expect(copy.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    const again = copy.predict({ words: test.words, numbers: test.numbers }) as Tensor[];
    again.forEach((t, k) => expect(t.data).toEqual(predicted[k].data));
    expect(copy.evaluate([test.words, test.numbers], [test.category, test.score]).loss).toBeCloseTo(after.loss, 6);

    const weightSpecs = saved.modelJSON.weightsManifest.flatMap((group) => group.weights).filter((w) => w.group !== 'optimizer');
    const modelBytes = weightSpecs.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelJSON.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs, weightData: saved.weightData.slice(0, modelBytes) }));
    expect(theirs.inputNames).toEqual(['words', 'numbers']);
    expect(theirs.outputNames).toEqual(['category', 'score']);
    const outputs = tf.tidy(() => (theirs.predict([tf.tensor(Int32Array.from(test.words.data), test.words.shape, 'int32'), tf.tensor(test.numbers.data, test.numbers.shape)]) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array));
    outputs.forEach((data, k) => expectClose(`TF.js output ${k}`, predicted[k].data, data, 1e-5));
    theirs.dispose();
    m.dispose();
    copy.dispose();
  });

  it('takes one loss for every output, arrays by output order, and says which output or key is wrong', () => {
    const m = reviewModel();
    m.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'mse'], metrics: [['accuracy'], []] });
    const data = reviews(8, 2);
    expect(Object.keys(m.evaluate([data.words, data.numbers], [data.category, data.score]))).toEqual(['loss', 'category_loss', 'score_loss', 'category_accuracy']);
    m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: [0, 1] });
    const logs = m.evaluate([data.words, data.numbers], { category: { shape: [8, CLASSES], data: new Float32Array(8 * CLASSES) }, score: data.score });
    expect(logs.loss).toBeCloseTo(logs.score_loss, 6);
    expect(() => m.compile({ optimizer: 'sgd', loss: ['mse'] })).toThrow(/loss has 1 entries but the model has 2 outputs \(category, score\)/);
    expect(() => m.compile({ optimizer: 'sgd', loss: { category: 'mse' } })).toThrow(/loss has no entry for output 'score'/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', lossWeights: [1, -1] })).toThrow(ModelConfigError);
    expect(() => m.evaluate({ words: data.words, numbres: data.numbers } as never, [data.category, data.score])).toThrow(/key 'numbres' that is not one of the model's inputs \(words, numbers\)/);
    expect(() => m.evaluate([data.words, data.numbers], { category: data.category } as never)).toThrow(/no entry for output 'score'/);
    expect(() => m.evaluate([data.words, { shape: [7, FEATURES], data: new Float32Array(7 * FEATURES) }], [data.category, data.score])).toThrow(ModelInputError);
    m.dispose();
  });
});

describe('graphs', () => {
  it('matches a Sequential of the same layers and weights bit for bit, in training too', async () => {
    const make = () => [layers.lstm({ units: 5, returnSequences: true }), layers.dropout({ rate: 0.2 }), layers.gru({ units: 4 }), layers.dense({ units: 2, activation: 'softmax' })];
    const stack = sequential({ layers: [layers.masking({ inputShape: [7, 3] }), ...make()], seed: 3 });
    const x = input({ shape: [7, 3] });
    const graphLayers = [layers.masking(), ...make()];
    const m = model({ inputs: x, outputs: graphLayers.reduce<SymbolicTensor>((t, layer) => layer.apply(t) as SymbolicTensor, x), seed: 3 });
    m.setWeights(stack.getWeights());
    const random = rng(seed ^ 7);
    const data = uniform(random, 40 * 7 * 3);
    for (let i = 0; i < 40; i += 5) data.fill(0, i * 21 + 15, i * 21 + 21); // padded steps
    const xs = { shape: [40, 7, 3], data };
    const ys = { shape: [40, 2], data: Float32Array.from({ length: 80 }, (_, i) => (i % 2 === Math.floor(i / 6) % 2 ? 1 : 0)) };
    for (const each of [stack, m]) each.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const a = await stack.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0 });
    const b = await m.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(b.history).toEqual(a.history);
    m.getWeights().forEach((w, i) => expect(w.data).toEqual(stack.getWeights()[i].data));
    expect((m.predict(xs) as Tensor).data).toEqual(stack.predict(xs).data);
    stack.dispose();
    m.dispose();
  });

  it('a shared layer keeps one set of weights and sums the gradients of its calls (finite differences)', async () => {
    const x = input({ shape: [4] });
    const shared = layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
    const once = shared.apply(x);
    const twice = shared.apply(once);
    const y = layers.dense({ units: 1, name: 'head' }).apply(layers.add().apply([once, twice]));
    const m = model({ inputs: x, outputs: y, seed: 11 });
    expect(m.layers.map((l) => l.name)).toEqual([x.name, 'shared', 'add', 'head']);
    expect(m.countParams()).toBe(4 * 4 + 4 + 4 + 1);
    expect(m.getWeights()).toHaveLength(4);
    const random = rng(seed ^ 13);
    const xs = { shape: [6, 4], data: uniform(random, 24) };
    const ys = { shape: [6, 1], data: uniform(random, 6) };
    m.compile({ optimizer: optimizers.sgd(1), loss: 'mse' });
    const start = m.getWeights();
    const loss = (weights: Tensor[]) => {
      m.setWeights(weights);
      return m.evaluate(xs, ys).loss;
    };
    await m.fit(xs, ys, { epochs: 1, batchSize: 6, shuffle: false, verbose: 0 });
    // SGD with rate 1 moved each weight by minus its gradient.
    const gradient = start[0].data.map((v, i) => v - m.getWeights()[0].data[i]);
    const eps = 1e-2;
    for (const i of [0, 5, 10, 15]) {
      const up = start.map((w, k) => (k === 0 ? { shape: w.shape, data: w.data.map((v, j) => (j === i ? v + eps : v)) } : w));
      const down = start.map((w, k) => (k === 0 ? { shape: w.shape, data: w.data.map((v, j) => (j === i ? v - eps : v)) } : w));
      const numeric = (loss(up) - loss(down)) / (2 * eps);
      expect(Math.abs(numeric - gradient[i]) / Math.max(0.1, Math.abs(numeric)), `kernel[${i}]: ${gradient[i]} vs ${numeric} (${replay})`).toBeLessThan(2e-2);
    }
    m.dispose();
  });

  it('frozen layers keep their weights through fit, in functional and sequential models', async () => {
    const random = rng(seed ^ 17);
    const xs = { shape: [16, 5, 2], data: uniform(random, 160) };
    const ys = { shape: [16, 1], data: uniform(random, 16) };
    const x = input({ shape: [5, 2] });
    const encoder = layers.lstm({ units: 3, name: 'encoder' });
    const head = layers.dense({ units: 1, name: 'head' });
    const m = model({ inputs: x, outputs: head.apply(encoder.apply(x)) });
    m.getLayer('encoder').trainable = false;
    expect(m.getLayer(1)).toBe(encoder);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const frozen = encoder.getWeights();
    const headBefore = head.getWeights();
    await m.fit(xs, ys, { epochs: 3, batchSize: 4, verbose: 0 });
    encoder.getWeights().forEach((w, i) => expect(w.data).toEqual(frozen[i].data));
    expect(head.getWeights()[0].data).not.toEqual(headBefore[0].data);
    expect(m.summary(() => {})).toMatch(/Non-trainable params: 72/);

    const stack = sequential([layers.gru({ units: 3, inputShape: [5, 2], trainable: false }), layers.dense({ units: 1 })]);
    stack.compile({ optimizer: 'adam', loss: 'mse' });
    const gru = stack.layers[0].getWeights();
    await stack.fit(xs, ys, { epochs: 2, verbose: 0 });
    stack.layers[0].getWeights().forEach((w, i) => expect(w.data).toEqual(gru[i].data));
    stack.layers[0].trainable = true;
    stack.compile({ optimizer: 'adam', loss: 'mse' }); // as in Keras, a change of trainable takes effect at compile
    await stack.fit(xs, ys, { epochs: 1, verbose: 0 });
    expect(stack.layers[0].getWeights()[0].data).not.toEqual(gru[0].data);
    m.dispose();
    stack.dispose();
  });

  it("summary shows Keras's Connected to column; getLayer and layers find the layers", () => {
    const a = input({ shape: [3], name: 'left' });
    const b = input({ shape: [3], name: 'right' });
    const shared = layers.dense({ units: 2, name: 'shared' });
    const m = model({ inputs: [a, b], outputs: layers.concatenate({ name: 'joined' }).apply([shared.apply(a), shared.apply(b)]), name: 'siamese' });
    const lines: string[] = [];
    const table = m.summary((line) => lines.push(line));
    expect(lines[0]).toBe('Model: "siamese"');
    expect(lines[2]).toMatch(/^ Layer \(type\) +Output Shape +Param # +Connected to/);
    expect(table).toMatch(/ left \(InputLayer\) +\[\(None, 3\)\] +0 +\[\]/);
    expect(table).toMatch(/ shared \(Dense\) +\(None, 2\) +8 +\['left\[0\]\[0\]', 'right\[0\]\[0\]'\]/);
    expect(table).toMatch(/ joined \(Concatenate\) +\(None, 4\) +0 +\['shared\[0\]\[0\]', 'shared\[1\]\[0\]'\]/);
    expect(table).toMatch(/Total params: 8/);
    expect(m.layers.map((l) => l.name)).toEqual(['left', 'right', 'shared', 'joined']);
    expect(m.getLayer('joined').className).toBe('Concatenate');
    expect(() => m.getLayer('sharde')).toThrow(/no layer named "sharde"; the layers are left, right, shared, joined/);
    m.dispose();
  });

  it('pop() removes the last layer of a Sequential', async () => {
    const stack = sequential([layers.dense({ units: 4, inputShape: [3], name: 'features' }), layers.dense({ units: 2, name: 'classifier' })]);
    const last = stack.pop();
    expect(last.name).toBe('classifier');
    expect(stack.layers).toHaveLength(1);
    expect(stack.predict([[1, 2, 3]]).shape).toEqual([1, 4]);
    stack.add(layers.dense({ units: 1 }));
    expect(stack.predict([[1, 2, 3]]).shape).toEqual([1, 1]);
    stack.pop();
    stack.pop();
    expect(() => stack.pop()).toThrow(/pop\(\) needs a model with layers/);
    last.dispose();
    stack.dispose();
  });

  it('refuses graphs it cannot run, naming the tensor or option', () => {
    const a = input({ shape: [3] });
    const b = input({ shape: [3] });
    const y = layers.add().apply([a, b]);
    expect(() => model({ inputs: a, outputs: y })).toThrow(/disconnected: 'add\S*' needs input/);
    expect(() => model({ inputs: [a, a], outputs: y })).toThrow(/given twice/);
    expect(() => model({ inputs: y as SymbolicTensor, outputs: y })).toThrow(/must come from input\(\)/);
    expect(() => model({ inputs: [a, b], outputs: [] })).toThrow(/non-empty array/);
    expect(() => layers.dense({ units: 2 }).apply([a, b])).toThrow(/takes one input, got a list of 2/);
    expect(() => layers.lstm({ units: 2 }).apply(a)).toThrow(/of rank 3 \(batch first\), got shape \[null, 3\]/);
    expect(() => layers.lstm({ units: 2 }).apply(input({ shape: [4, 3] }), { initialState: [a] })).toThrow(/initialState must be 1 tensors|initialState must be 2 tensors/);
    expect(() => layers.dense({ units: 2 }).apply(a, { initialState: [b] })).toThrow(/initialState is for recurrent layers/);
    expect(() => input({} as never)).toThrow(/shape/);
    expect(() => layers.dense({ units: 2 }).apply([1, 2] as never)).toThrow(/must be a symbolic tensor/);
  });
});
