// Issue 10's model API for newcomers: one batch format across data helpers and fit / evaluate
// / predict, options second for a dataset, Keras and TF.js habits (sequential([...]),
// positional optimizer factories, [N] and [N, 1] labels), metrics as functions, and a
// progress display that survives a terminal reporting 0 columns.
import { describe, expect, it, vi } from 'vitest';
import { data, layers, metrics, ModelConfigError, ModelInputError, optimizers, sequential, type Sequential, type Tensor } from '../../src/index.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

const bits = (t: { data: Float32Array }) => new Uint32Array(t.data.slice().buffer);
const weightBits = (model: Sequential) => model.getWeights().map(bits);

/** [n, steps, features] inputs and one-hot targets of 3 classes. */
function classification(n: number, salt: number, steps = 4, features = 3) {
  const random = rng(seed ^ salt);
  const x: Tensor = { shape: [n, steps, features], data: uniform(random, n * steps * features) };
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + Math.floor(random() * 3)] = 1;
  return { x, y: { shape: [n, 3], data: y } as Tensor };
}

function compiled(modelSeed: number, loss: 'categoricalCrossentropy' | 'binaryCrossentropy' | 'sparseCategoricalCrossentropy' = 'categoricalCrossentropy', units = 3, returnSequences = false): Sequential {
  const model = sequential({
    seed: modelSeed,
    layers: [layers.gru({ units: 4, inputShape: [4, 3], returnSequences }), layers.dense({ units, activation: units === 1 ? 'sigmoid' : 'softmax' })],
  });
  model.compile({ optimizer: 'adam', loss, metrics: ['accuracy'] });
  return model;
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe(`one batch format (${replay})`, () => {
  it("fit(data.batches(x, y), { epochs }) trains exactly as fit(x, y) on the same batches", async () => {
    const { x, y } = classification(23, 1);
    const inMemory = compiled(5);
    const fromBatches = compiled(5);
    const fromPairs = compiled(5);
    const h1 = await inMemory.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
    const h2 = await fromBatches.fit(data.batches(x, y, { batchSize: 8 }), { epochs: 2, verbose: 0 });
    // { x, y } batches (an array is a dataset too), and the older (dataset, undefined, options) call.
    const pairs = [...data.batches(x, y, { batchSize: 8 })].map(({ xs, ys }) => ({ x: xs, y: ys! }));
    const h3 = await fromPairs.fit(pairs, undefined, { epochs: 2, verbose: 0 });
    expect(h2.history).toEqual(h1.history);
    expect(h3.history).toEqual(h1.history);
    expect(weightBits(fromBatches)).toEqual(weightBits(inMemory));
    expect(weightBits(fromPairs)).toEqual(weightBits(inMemory));
    for (const m of [inMemory, fromBatches, fromPairs]) m.dispose();
  });

  it('fit takes timeseriesWindows({ batchSize }) as it is', async () => {
    const series = uniform(rng(seed ^ 2), 60);
    const windows = data.timeseriesWindows(series, { sequenceLength: 4, targetOffset: 4, batchSize: 16 });
    const eager = data.timeseriesWindows(series, { sequenceLength: 4, targetOffset: 4 });
    const make = () => {
      const model = sequential({ seed: 9, layers: [layers.simpleRNN({ units: 3, inputShape: [4, 1] }), layers.dense({ units: 1 })] });
      model.compile({ optimizer: optimizers.sgd(0.05), loss: 'mse' });
      return model;
    };
    const lazy = make();
    const whole = make();
    // y [N] for outputs [N, 1]: Keras's squeeze/expand of a trailing axis of 1.
    expect(eager.y!.shape).toEqual([56]);
    await lazy.fit(windows, { epochs: 2, verbose: 0 });
    await whole.fit(eager.x, eager.y!, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    expect(weightBits(lazy)).toEqual(weightBits(whole));
    lazy.dispose();
    whole.dispose();
  });

  it('evaluate and predict take datasets too; the async ones go through evaluateDataset / predictDataset', async () => {
    const { x, y } = classification(19, 3);
    const model = compiled(6);
    const expected = model.evaluate(x, y, { batchSize: 7 });
    const batches = data.batches(x, y, { batchSize: 7 });
    expect(model.evaluate(batches)).toEqual(expected);
    expect(await model.evaluateDataset(asAsync(batches))).toEqual(expected);
    const outputs = model.predict(x);
    expect(bits(model.predict(data.batches(x, null, { batchSize: 5 })))).toEqual(bits(outputs));
    expect(bits(model.predict([{ x: x }]))).toEqual(bits(outputs));
    const predicted = await model.predictDataset(asAsync(data.batches(x, y, { batchSize: 4 })));
    expect([predicted.shape, bits(predicted)]).toEqual([outputs.shape, bits(outputs)]);

    expect(() => model.evaluate(asAsync(batches) as never)).toThrow(
      new ModelInputError(model.name, 'x', 'evaluate() returns its result at once and cannot wait for an async iterable; use evaluateDataset(), which returns a Promise'),
    );
    expect(() => model.predict(asAsync(batches) as never)).toThrow(/use predictDataset\(\), which returns a Promise/);
    expect(() => model.evaluate(batches as never, { batchSize: 4 } as never)).toThrow(ModelConfigError);
    await expect(model.evaluateDataset([] as never)).rejects.toThrow(/dataset must be an array, iterable or async iterable of \{ xs, ys \} batches/);
    expect(() => model.evaluate([{ xs: x }])).toThrow(new ModelInputError(model.name, 'batch 0.ys', 'batch 0.ys (the targets) is required'));
    model.dispose();
  });

  it('errors: targets beside a dataset, a batch of the wrong form', async () => {
    const { x, y } = classification(8, 4);
    const model = compiled(7);
    await expect(model.fit(data.batches(x, y), y as never)).rejects.toThrow(
      new ModelInputError(model.name, 'y', 'an iterable of batches carries its own targets ({ xs, ys }); give no y: fit(batches, options)'),
    );
    await expect(model.fit([{ xs: x, ys: y }, { inputs: x }] as never, { verbose: 0 })).rejects.toThrow(/batch 1 of epoch 0: each batch must be \{ xs, ys \} \(or \{ x, y \}\)/);
    await expect(model.fit(x, { epochs: 2 } as never)).rejects.toThrow(
      new ModelInputError(model.name, 'y', 'y must be the targets (nested arrays or { shape, data }), got an options object; in-memory data is fit(x, y, options)'),
    );
    model.dispose();
  });
});

describe(`Keras and TF.js habits (${replay})`, () => {
  it('sequential([...layers]) is sequential({ layers })', () => {
    const a = sequential([layers.lstm({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 2 })]);
    const b = sequential({ layers: [layers.lstm({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 2 })] });
    expect(a.layers.length).toBe(2);
    expect(weightBits(a)).toEqual(weightBits(b));
    expect(() => sequential([42 as never])).toThrow(ModelConfigError);
    a.dispose();
    b.dispose();
  });

  it('TF.js positional optimizer factories give the options-form optimizers', () => {
    const same = (positional: { getConfig(): object; className: string }, options: { getConfig(): object; className: string }) => {
      expect([positional.className, positional.getConfig()]).toEqual([options.className, options.getConfig()]);
    };
    same(optimizers.sgd(0.1), optimizers.sgd({ learningRate: 0.1 }));
    same(optimizers.momentum(0.1, 0.9, true), optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }));
    same(optimizers.adam(0.01), optimizers.adam({ learningRate: 0.01 }));
    same(optimizers.adam(0.01, undefined, 0.99, 1e-6), optimizers.adam({ learningRate: 0.01, beta2: 0.99, epsilon: 1e-6 }));
    same(optimizers.rmsprop(0.01, 0.8, 0.1, 1e-6, true), optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.1, epsilon: 1e-6, centered: true }));
    same(optimizers.adagrad(0.2, 0.3), optimizers.adagrad({ learningRate: 0.2, initialAccumulatorValue: 0.3 }));
    same(optimizers.adamw(0.01, 0.02), optimizers.adamw({ learningRate: 0.01, weightDecay: 0.02 }));
  });

  it('binary and sparse labels train the same as [N] and as [N, 1], also per step of a sequence', async () => {
    const random = rng(seed ^ 5);
    const x: Tensor = { shape: [10, 4, 3], data: uniform(random, 120) };
    const binary = Float32Array.from({ length: 10 }, () => (random() < 0.5 ? 0 : 1));
    const ids = Float32Array.from({ length: 10 }, () => Math.floor(random() * 3));
    const stepIds = Float32Array.from({ length: 40 }, () => Math.floor(random() * 3));
    const cases: [string, () => Sequential, Float32Array, number[], number[]][] = [
      ['binary', () => compiled(8, 'binaryCrossentropy', 1), binary, [10], [10, 1]],
      ['sparse', () => compiled(8, 'sparseCategoricalCrossentropy'), ids, [10], [10, 1]],
      ['binary per step', () => compiled(8, 'binaryCrossentropy', 1, true), stepIds.map((v) => v % 2), [10, 4], [10, 4, 1]],
      ['sparse per step', () => compiled(8, 'sparseCategoricalCrossentropy', 3, true), stepIds, [10, 4], [10, 4, 1]],
    ];
    for (const [name, make, labels, flat, column] of cases) {
      const [a, b] = [make(), make()];
      const ha = await a.fit(x, { shape: flat, data: labels }, { epochs: 2, batchSize: 4, verbose: 0 });
      const hb = await b.fit(x, { shape: column, data: labels }, { epochs: 2, batchSize: 4, verbose: 0 });
      expect(hb.history, name).toEqual(ha.history);
      expect(weightBits(b), name).toEqual(weightBits(a));
      expect(b.evaluate(x, { shape: column, data: labels }), name).toEqual(a.evaluate(x, { shape: flat, data: labels }));
      a.dispose();
      b.dispose();
    }
  });
});

describe(`metrics as functions (${replay})`, () => {
  it('mse and mae: float64 sums in index order; accuracy decides sparse, categorical or binary from the shapes', () => {
    expect(metrics.mse([[1, 2], [3, 4]], [[1, 0], [3, 5]])).toBe(5 / 4);
    expect(metrics.mae([1, 2, 3], [[2], [2], [1]])).toBe(3 / 3);
    expect(metrics.meanSquaredError).toBe(metrics.mse);
    expect(metrics.accuracy([[0, 1, 0], [1, 0, 0]], [[0.1, 0.8, 0.1], [0.2, 0.5, 0.3]])).toBe(0.5);
    expect(metrics.accuracy([1, 0], [[0.1, 0.8, 0.1], [0.2, 0.5, 0.3]])).toBe(0.5);
    expect(metrics.accuracy([[1], [0]], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1]])).toBe(1);
    expect(metrics.accuracy([1, 0, 1], [[0.7], [0.2], [0.5]])).toBe(2 / 3);
    expect(() => metrics.mse([1, 2], [1, 2, 3])).toThrow("yTrue: expected the shape of yPred [3], got [2]");
    expect(() => metrics.accuracy([], [])).toThrow('yPred: has no values');
  });

  it("accuracy of predict() equals the model's own accuracy metric (Wasm) on the same data", () => {
    const { x, y } = classification(41, 6);
    const model = compiled(10);
    const ids = { shape: [41], data: Float32Array.from({ length: 41 }, (_, i) => y.data.subarray(i * 3, i * 3 + 3).indexOf(1)) };
    const predictions = model.predict(x);
    expect(metrics.accuracy(y, predictions)).toBe(model.evaluate(x, y).accuracy);
    expect(metrics.accuracy(ids, predictions)).toBe(model.evaluate(x, y).accuracy);
    let sum = 0;
    for (let i = 0; i < y.data.length; i++) sum += (predictions.data[i] - y.data[i]) ** 2;
    expect(metrics.mse(y, predictions)).toBe(sum / y.data.length);
    model.dispose();
  });
});

describe('verbose progress', () => {
  it('a terminal reporting 0 columns gets one line per epoch instead of an error', async () => {
    const { x, y } = classification(6, 7);
    const model = compiled(11);
    const stdout = process.stdout as { isTTY?: boolean; columns?: number };
    const saved = { isTTY: stdout.isTTY, columns: stdout.columns };
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => {
      written.push(String(text));
      return true;
    });
    try {
      Object.assign(stdout, { isTTY: true, columns: 0 });
      await model.fit(x, y, { epochs: 2, batchSize: 3, verbose: 1 });
    } finally {
      write.mockRestore();
      Object.assign(stdout, saved);
      model.dispose();
    }
    expect(written.length).toBe(2);
    expect(written.every((line) => !line.includes('\r') && line.endsWith('\n'))).toBe(true);
    expect(written.map((line) => line.slice(0, 11))).toEqual(['Epoch 1/2 -', 'Epoch 2/2 -']);
  });
});
