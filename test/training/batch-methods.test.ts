// trainOnBatch / testOnBatch / predictOnBatch against TF.js 4.22 and against fit/evaluate/
// predict; fitDataset / evaluateDataset with a real tf.data.Dataset; the learningRateScheduler
// and csvLogger callbacks (Keras 3 semantics), in memory and on disk.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callbacks, layers, optimizers, sequential } from '../../src/index.js';
import { ModelConfigError, ModelInputError, ModelStateError } from '../../src/model/errors.js';
import { worstRelative } from '../util/compare.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 6, T = 4, F = 3, C = 3;
const x = { shape: [N, T, F], data: uniform(random, N * T * F) };
const ids = Float32Array.from({ length: N }, (_, i) => (i * 7) % C);
const oneHot = { shape: [N, C], data: Float32Array.from({ length: N * C }, (_, i) => (ids[Math.floor(i / C)] === i % C ? 1 : 0)) };
const model = (seedValue = 11) => sequential({ seed: seedValue, layers: [layers.lstm({ units: 4, inputShape: [T, F] }), layers.dense({ units: C, activation: 'softmax' })] });

describe(`batch methods (${replay})`, () => {
  it('trainOnBatch takes the step TF.js takes, and returns [loss, accuracy] computed before it', async () => {
    const ours = model();
    const theirs = tf.sequential({ layers: [tf.layers.lstm({ units: 4, inputShape: [T, F], recurrentActivation: 'sigmoid' }), tf.layers.dense({ units: C, activation: 'softmax' })] });
    theirs.setWeights(ours.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    ours.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    theirs.compile({ optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-7), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    for (let step = 0; step < 3; step++) {
      const before = ours.evaluate(x, oneHot);
      const result = ours.trainOnBatch(x, oneHot) as number[];
      const theirResult = (await theirs.trainOnBatch(tf.tensor(x.data, x.shape), tf.tensor(oneHot.data, oneHot.shape))) as number[];
      expect(result[0]).toBe(before.loss);
      expect(result[1]).toBe(before.accuracy);
      expect(Math.abs(result[0] - theirResult[0]), `loss at step ${step}`).toBeLessThan(1e-5);
      expect(result[1]).toBeCloseTo(theirResult[1], 6);
      const expected = theirs.getWeights().map((w) => w.dataSync());
      ours.getWeights().forEach((w, i) => {
        const bad = worstRelative(w.data, expected[i], 1e-5, 1);
        if (bad) expect.fail(`step ${step}, weight ${i}: element ${bad.index} is ${bad.actual}, TF.js has ${bad.expected}`);
      });
    }
    expect(ours.optimizer.iterations).toBe(3);
    ours.dispose();
    theirs.dispose();
  });

  it('trainOnBatch is fit on one full batch; testOnBatch is evaluate; predictOnBatch is predict', async () => {
    const a = model();
    const b = model();
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const sampleWeight = Float32Array.from({ length: N }, (_, i) => i + 1);
    const loss = a.trainOnBatch(x, ids, { sampleWeight });
    const history = await b.fit(x, ids, { batchSize: N, shuffle: false, verbose: 0, sampleWeight });
    expect(loss).toBe(history.history.loss[0]);
    expect(a.getWeights().map((w) => Array.from(w.data))).toEqual(b.getWeights().map((w) => Array.from(w.data)));
    expect(a.testOnBatch(x, ids, { sampleWeight })).toBe(a.evaluate(x, ids, { sampleWeight, batchSize: N }).loss);
    expect(Array.from(a.predictOnBatch(x).data)).toEqual(Array.from(a.predict(x).data));
    a.dispose();
    b.dispose();
  });

  it('bad calls are typed errors', async () => {
    const m = model();
    expect(() => m.trainOnBatch(x, ids)).toThrow(ModelStateError);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(() => m.trainOnBatch(x, [0, 1])).toThrow(ModelInputError);
    expect(() => m.trainOnBatch(x, ids, { sampleWeigth: [1] } as object)).toThrow(/sampleWeigth is not a known option|did you mean 'sampleWeight'/);
    expect(() => m.testOnBatch([{ xs: x, ys: ids }] as never, ids)).toThrow(ModelInputError);
    let inside: unknown;
    await m.fit(x, ids, { verbose: 0, callbacks: { onBatchEnd: () => void (inside ??= (() => { try { m.trainOnBatch(x, ids); } catch (e) { return e; } })()) } });
    expect(inside).toBeInstanceOf(ModelStateError);
    m.dispose();
  });
});

describe(`TF.js-style datasets (${replay})`, () => {
  it('fitDataset and evaluateDataset take a tf.data.Dataset and match fit/evaluate over the same batches', async () => {
    const xs = Array.from({ length: N }, (_, i) => tf.tensor(x.data.subarray(i * T * F, (i + 1) * T * F), [T, F]));
    const ys = Array.from({ length: N }, (_, i) => tf.tensor(oneHot.data.subarray(i * C, (i + 1) * C), [C]));
    // tf.data yields tf.Tensors; seqwasm takes { shape, data }: a TF.js-style wrapper converts each batch.
    const dataset = tf.data.zip({ xs: tf.data.array(xs), ys: tf.data.array(ys) }).batch(4) as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
    const plain = { iterator: async () => {
      const it = await dataset.iterator();
      return { next: async () => {
        const r = await it.next();
        return r.done ? { value: undefined, done: true } : { value: { xs: { shape: r.value.xs.shape, data: r.value.xs.dataSync() as Float32Array }, ys: { shape: r.value.ys.shape, data: r.value.ys.dataSync() as Float32Array } }, done: false };
      } };
    } };
    const a = model();
    const b = model();
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const batches = [{ xs: { shape: [4, T, F], data: x.data.slice(0, 4 * T * F) }, ys: { shape: [4, C], data: oneHot.data.slice(0, 4 * C) } }, { xs: { shape: [2, T, F], data: x.data.slice(4 * T * F) }, ys: { shape: [2, C], data: oneHot.data.slice(4 * C) } }];
    const history = await a.fitDataset(plain, { epochs: 2, verbose: 0 });
    const expected = await b.fit(batches, { epochs: 2, verbose: 0 });
    expect(history.history).toEqual(expected.history);
    expect(await a.evaluateDataset(plain)).toEqual(b.evaluate(batches));
    expect(Array.from((await a.predictDataset(plain)).data)).toEqual(Array.from(b.predict(x).data));
    await expect(a.fitDataset({ iterator: 3 } as never)).rejects.toThrow(/TF.js-style dataset with iterator\(\)/);
    tf.dispose([...xs, ...ys]);
    a.dispose();
    b.dispose();
  });
});

describe(`learningRateScheduler and csvLogger (${replay})`, () => {
  it('learningRateScheduler sets the rate at each epoch start from (epoch, rate) and logs it', async () => {
    const m = model();
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.4 }), loss: 'sparseCategoricalCrossentropy' });
    const seen: [number, number][] = [];
    const scheduler = callbacks.learningRateScheduler({ schedule: (epoch, lr) => (seen.push([epoch, lr]), epoch < 1 ? lr : lr / 2) });
    const history = await m.fit(x, ids, { epochs: 3, verbose: 0, callbacks: [scheduler] });
    expect(seen).toEqual([[0, Math.fround(0.4)], [1, Math.fround(0.4)], [2, Math.fround(0.4) / 2]].map(([e, r]) => [e, expect.closeTo(r, 7)]));
    expect(history.history.learning_rate).toEqual([expect.closeTo(0.4, 7), expect.closeTo(0.2, 7), expect.closeTo(0.1, 7)]);
    const bad = callbacks.learningRateScheduler({ schedule: () => NaN });
    await expect(m.fit(x, ids, { verbose: 0, callbacks: [bad] })).rejects.toThrow(/schedule\(0, .*\) must return a finite number > 0, got NaN/);
    expect(() => callbacks.learningRateScheduler({ schedule: 3 } as never)).toThrow(ModelConfigError);
    m.dispose();
  });

  it('csvLogger keeps the CSV in text and writes it to a file; append keeps the rows and the single header', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seqwasm-csv-'));
    try {
      const filename = join(dir, 'log.csv');
      const m = model();
      m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const logger = callbacks.csvLogger({ filename });
      const history = await m.fit(x, ids, { epochs: 2, verbose: 0, validationData: [x, ids], callbacks: [logger] });
      const h = history.history;
      const expected = ['epoch,accuracy,loss,val_accuracy,val_loss', ...[0, 1].map((e) => [e, h.accuracy[e], h.loss[e], h.val_accuracy[e], h.val_loss[e]].join(','))].join('\n') + '\n';
      expect(logger.text).toBe(expected);
      expect(await readFile(filename, 'utf8')).toBe(expected);
      const appending = callbacks.csvLogger({ filename, append: true, separator: ';' });
      await m.fit(x, ids, { epochs: 1, verbose: 0, validationData: [x, ids], callbacks: [appending] });
      const lines = (await readFile(filename, 'utf8')).trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[3].split(';')).toHaveLength(5);
      await writeFile(filename, 'old');
      await m.fit(x, ids, { epochs: 1, verbose: 0, callbacks: [callbacks.csvLogger({ filename })] });
      expect((await readFile(filename, 'utf8')).startsWith('epoch,accuracy,loss\n0,')).toBe(true);
      const memoryOnly = callbacks.csvLogger();
      await m.fit(x, ids, { epochs: 1, verbose: 0, callbacks: [memoryOnly] });
      expect(memoryOnly.text).toMatch(/^epoch,accuracy,loss\n0,[0-9.e-]+,[0-9.e-]+\n$/);
      for (const options of [{ separator: '' }, { separator: '"' }, { filename: 3 }, { append: 'yes' }]) {
        expect(() => callbacks.csvLogger(options as never), JSON.stringify(options)).toThrow(ModelConfigError);
      }
      m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
