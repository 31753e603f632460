// sampleWeight, classWeight, the tallying metrics and the batch methods on a model with two
// outputs (Keras 3 semantics): sampleWeight weighs every output's loss, each output's loss
// against a float64 reference built from per-sample losses; precision over several batches
// from the epoch's counts per output; classWeight refused; trainOnBatch/testOnBatch return
// [loss, <output>_loss…, metrics…] in the order of the logs.
import { describe, expect, it } from 'vitest';
import { input, layers, model, ModelConfigError, optimizers, type Functional } from '../../src/index.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

const N = 17, F = 3;
const x = { shape: [N, F], data: uniform(random, N * F) };
const flag = { shape: [N, 1], data: Float32Array.from({ length: N }, () => (random() < 0.5 ? 0 : 1)) };
const value = { shape: [N, 1], data: uniform(random, N) };
const y = { flag, value };
// Zero, fractional and large weights.
const sampleWeight = { shape: [N], data: Float32Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : Math.fround(random() * 3))) };
const lossWeights = { flag: 1, value: 0.5 };

function twoOutputs(): Functional {
  const features = input({ shape: [F], name: 'features' });
  const hidden = layers.dense({ units: 5, activation: 'tanh' }).apply(features);
  const flagOut = layers.dense({ units: 1, activation: 'sigmoid', name: 'flag' }).apply(hidden);
  const valueOut = layers.dense({ units: 1, name: 'value' }).apply(hidden);
  const m = model({ inputs: features, outputs: [flagOut, valueOut], seed: 3 });
  m.compile({ optimizer: optimizers.sgd(0.1), loss: { flag: 'binaryCrossentropy', value: 'mse' }, lossWeights, metrics: { flag: ['precision', 'binaryAccuracy'], value: ['mae'] } });
  return m;
}

const rows = (t: { shape: number[]; data: Float32Array }, i: number) => ({ shape: [1, ...t.shape.slice(1)], data: t.data.slice(i * (t.data.length / N), (i + 1) * (t.data.length / N)) });

describe(`weights and tallies on a model with two outputs (${replay})`, () => {
  it('sampleWeight weighs every output: each <output>_loss is Σ weight·sample loss / N, the total their lossWeights sum; metrics stay unweighted', () => {
    const m = twoOutputs();
    const perSample = Array.from({ length: N }, (_, i) => m.evaluate(rows(x, i), { flag: rows(flag, i), value: rows(value, i) }));
    const expected = (name: string) => perSample.reduce((sum, logs, i) => sum + sampleWeight.data[i] * logs[name], 0) / N;
    const weighted = m.evaluate(x, y, { sampleWeight, batchSize: 5 });
    const plain = m.evaluate(x, y, { batchSize: 5 });
    for (const name of ['flag_loss', 'value_loss']) expect(weighted[name]).toBeCloseTo(expected(name), 5);
    expect(weighted.loss).toBeCloseTo(lossWeights.flag * expected('flag_loss') + lossWeights.value * expected('value_loss'), 5);
    expect(weighted.flag_loss).not.toBeCloseTo(plain.flag_loss, 3);
    for (const name of ['flag_precision', 'flag_binaryAccuracy', 'value_mae']) expect(weighted[name]).toBe(plain[name]);
  });

  it("fit's first loss with sampleWeight (one batch, no shuffle) is the weighted evaluate before training; validationData takes a third weight", async () => {
    const m = twoOutputs();
    const before = m.evaluate(x, y, { sampleWeight });
    const history = await m.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, sampleWeight, validationData: [x, y, sampleWeight], verbose: 0 });
    expect(history.history.loss[0]).toBe(before.loss);
    expect(history.history.value_loss[0]).toBe(before.value_loss);
    const after = m.evaluate(x, y, { sampleWeight });
    expect(history.history.val_loss[0]).toBe(after.loss);
  });

  it('precision comes from the counts of every batch of the epoch, per output', () => {
    const m = twoOutputs();
    const [probabilities] = m.predict(x) as { data: Float32Array }[];
    let truePositives = 0, falsePositives = 0;
    probabilities.data.forEach((p, i) => {
      if (p <= 0.5) return;
      if (flag.data[i] === 1) truePositives++;
      else falsePositives++;
    });
    // Batches of 4 over 17 samples: the mean of per-batch precisions would differ.
    expect(m.evaluate(x, y, { batchSize: 4 }).flag_precision).toBeCloseTo(truePositives / (truePositives + falsePositives), 12);
  });

  it('classWeight is refused for several outputs, with a typed error and the weights unchanged', async () => {
    const m = twoOutputs();
    const weights = m.getWeights();
    await expect(m.fit(x, y, { classWeight: { 0: 1, 1: 3 }, verbose: 0 })).rejects.toThrow(/classWeight applies to a model with one output.*flag, value.*sampleWeight/);
    const error = thrown(() => m.evaluate(x, y, { classWeight: { 1: 2 } }));
    expect(error).toBeInstanceOf(ModelConfigError);
    expect((error as ModelConfigError).argument).toBe('classWeight');
    expect(() => m.trainOnBatch(x, y, { classWeight: { 1: 2 } })).toThrow(ModelConfigError);
    expect(m.getWeights()).toEqual(weights);
  });

  it("trainOnBatch and testOnBatch return Keras's [loss, <output>_loss…, metrics…] in the order of the logs", () => {
    const m = twoOutputs();
    const before = m.evaluate(x, y, { sampleWeight, batchSize: N });
    expect(m.testOnBatch(x, y, { sampleWeight })).toEqual(Object.values(before));
    expect(m.trainOnBatch(x, y, { sampleWeight })).toEqual(Object.values(before));
    expect(Object.keys(before)).toEqual(['loss', 'flag_loss', 'value_loss', 'flag_precision', 'flag_binaryAccuracy', 'value_mae']);
    expect(m.testOnBatch(x, y, { sampleWeight })).not.toEqual(Object.values(before));
  });
});
