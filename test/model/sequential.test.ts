// The Sequential model API: building, fit / evaluate / predict, streaming step(), determinism,
// save / load and checkpoints, and the errors users see.
import { describe, expect, it } from 'vitest';
import { callbacks, layers, loadModel, optimizers, ModelConfigError, ModelInputError, ModelStateError, sequential, type Sequential } from '../../src/index.js';
import { rng, testSeed, uniform } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

function bits(values: ArrayLike<number>): Uint32Array {
  return new Uint32Array(Float32Array.from(values).buffer);
}

/** Every weight of the model, concatenated. */
function allWeights(model: Sequential): Float32Array {
  const parts = model.getWeights().map((w) => w.data);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A small classification set: [n, steps, features] → one-hot of 3 classes. */
function classification(n: number, steps = 6, features = 4, salt = 0) {
  const random = rng(seed ^ salt);
  const x = uniform(random, n * steps * features);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const v = x[i * steps * features + (steps - 1) * features]; // the last step's first feature decides
    y[i * 3 + (v < -0.33 ? 0 : v < 0.33 ? 1 : 2)] = 1;
  }
  return { x: { shape: [n, steps, features], data: x }, y: { shape: [n, 3], data: y } };
}

function classifier(seedValue = 11, dropout = 0): Sequential {
  const model = sequential({ seed: seedValue });
  model.add(layers.lstm({ units: 8, inputShape: [6, 4], dropout, returnSequences: true }));
  model.add(layers.gru({ units: 6 }));
  model.add(layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

describe('sequential', () => {
  it('counts parameters and prints the Keras summary: SimpleRNN(2) on 3 features + Dense(3) = 12 + 9', () => {
    const model = sequential({ layers: [layers.simpleRNN({ units: 2, inputShape: [1000, 3] }), layers.dense({ units: 3 })] });
    expect(model.countParams()).toBe(21);
    const lines: string[] = [];
    const text = model.summary((line) => lines.push(line));
    expect(text).toBe(lines.join('\n'));
    expect(text).toMatch(/simple_rnn\w* \(SimpleRNN\)\s+\(None, 2\)\s+12/);
    expect(text).toMatch(/dense\w* \(Dense\)\s+\(None, 3\)\s+9/);
    expect(text).toContain('Total params: 21');
    model.dispose();
  });

  it('same seed, data and options give bit-identical weights and history (with shuffling and dropout)', async () => {
    const { x, y } = classification(50);
    const run = async () => {
      const model = classifier(21, 0.2);
      const history = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.2 });
      const weights = allWeights(model);
      model.dispose();
      return { weights, history: history.history };
    };
    const [a, b] = [await run(), await run()];
    expect(bits(a.weights)).toEqual(bits(b.weights));
    expect(a.history).toEqual(b.history);
    expect(Object.keys(a.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const other = classifier(22, 0.2);
    await other.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, validationSplit: 0.2 });
    expect(bits(allWeights(other))).not.toEqual(bits(a.weights));
    other.dispose();
  });

  it('predict gives the same bits for any batch size', () => {
    const { x } = classification(37);
    const model = classifier();
    const full = model.predict(x, { batchSize: 37 });
    expect(full.shape).toEqual([37, 3]);
    for (const batchSize of [1, 5, 32]) expect(bits(model.predict(x, { batchSize }).data)).toEqual(bits(full.data));
    model.dispose();
  });

  it('fit lowers the loss and raises the accuracy that evaluate reports', async () => {
    const { x, y } = classification(64);
    const model = classifier();
    const before = model.evaluate(x, y);
    const history = await model.fit(x, y, { epochs: 40, batchSize: 8, verbose: 0 });
    const after = model.evaluate(x, y);
    expect(after.loss, replay).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy, replay).toBeGreaterThan(0.9);
    expect(history.epoch).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(history.history.loss[39]).toBeLessThan(history.history.loss[0]);
    model.dispose();
  });

  for (const [name, make] of [
    ['lstm → dense (many-to-one)', () => [layers.lstm({ units: 5, inputShape: [null, 3] }), layers.dense({ units: 2 })]],
    ['stacked gru, simpleRNN (many-to-many)', () => [layers.gru({ units: 4, returnSequences: true, inputShape: [null, 3] }), layers.simpleRNN({ units: 3, returnSequences: true }), layers.dense({ units: 2, activation: 'softmax' })]],
  ] as const) {
    it(`step() fed one timestep at a time matches predict on the whole sequence: ${name}`, () => {
      const random = rng(seed ^ name.length);
      const steps = 7;
      const batch = 3;
      const x = uniform(random, batch * steps * 3);
      const model = sequential({ seed: 4, layers: make() });
      const sequenceOutput = name.includes('many-to-many');
      for (let t = 1; t <= steps; t++) {
        // predict on the prefix of t steps; step's t-th output must equal its last step
        const prefix = new Float32Array(batch * t * 3);
        for (let b = 0; b < batch; b++) prefix.set(x.subarray(b * steps * 3, b * steps * 3 + t * 3), b * t * 3);
        const whole = model.predict({ shape: [batch, t, 3], data: prefix });
        const stepInput = new Float32Array(batch * 3);
        for (let b = 0; b < batch; b++) stepInput.set(x.subarray(b * steps * 3 + (t - 1) * 3, b * steps * 3 + t * 3), b * 3);
        const out = model.step({ shape: [batch, 3], data: stepInput });
        const expected = sequenceOutput ? Float32Array.from({ length: batch * 2 }, (_, i) => whole.data[Math.floor(i / 2) * t * 2 + (t - 1) * 2 + (i % 2)]) : whole.data;
        expect(bits(out.data), `step ${t}`).toEqual(bits(expected));
      }
      // resetStates() starts over: the first step again gives the first output again.
      const firstStep = Float32Array.from({ length: batch * 3 }, (_, i) => x[Math.floor(i / 3) * steps * 3 + (i % 3)]);
      model.resetStates();
      const again = model.step({ shape: [batch, 3], data: firstStep }).data;
      model.resetStates();
      expect(bits(model.step({ shape: [batch, 3], data: firstStep }).data)).toEqual(bits(again));
      const fresh = model.predict({ shape: [batch, 1, 3], data: firstStep }).data;
      expect(bits(again)).toEqual(bits(fresh));
      model.dispose();
    });
  }

  it('streams a model declared for a fixed number of steps (the time axis stays open)', () => {
    const { x } = classification(2);
    const model = classifier();
    let last: Float32Array | undefined;
    for (let t = 0; t < 6; t++) {
      const step = Float32Array.from({ length: 2 * 4 }, (_, i) => x.data[Math.floor(i / 4) * 24 + t * 4 + (i % 4)]);
      last = model.step({ shape: [2, 4], data: step }).data;
    }
    expect(bits(last!)).toEqual(bits(model.predict(x).data));
    model.dispose();
  });

  it('a stateful model predicting one timestep at a time carries its state like step()', () => {
    const random = rng(seed ^ 0x57a7e);
    const x = uniform(random, 2 * 4 * 3);
    const make = (stateful: boolean) =>
      sequential({ seed: 12, layers: [layers.gru({ units: 5, stateful, ...(stateful ? { batchInputShape: [2, null, 3] } : { inputShape: [null, 3] }) }), layers.dense({ units: 2 })] });
    const stateful = make(true);
    const streaming = make(false);
    for (let t = 0; t < 4; t++) {
      const step = Float32Array.from({ length: 6 }, (_, i) => x[Math.floor(i / 3) * 12 + t * 3 + (i % 3)]);
      const viaPredict = stateful.predict({ shape: [2, 1, 3], data: step }).data;
      expect(bits(viaPredict), `step ${t}`).toEqual(bits(streaming.step({ shape: [2, 3], data: step }).data));
    }
    stateful.resetStates();
    streaming.resetStates();
    const first = Float32Array.from({ length: 6 }, (_, i) => x[Math.floor(i / 3) * 12 + (i % 3)]);
    expect(bits(stateful.predict({ shape: [2, 1, 3], data: first }).data)).toEqual(bits(streaming.step({ shape: [2, 3], data: first }).data));
    stateful.dispose();
    streaming.dispose();
  });

  it('trains from an async iterable of batches exactly as from the same batches in memory', async () => {
    const { x, y } = classification(40);
    const inMemory = classifier(5);
    await inMemory.fit(x, y, { epochs: 2, batchSize: 10, shuffle: false, verbose: 0 });
    const streamed = classifier(5);
    const source = {
      async *[Symbol.asyncIterator]() {
        for (let b = 0; b < 4; b++) {
          yield { xs: { shape: [10, 6, 4], data: x.data.subarray(b * 240, (b + 1) * 240) }, ys: { shape: [10, 3], data: y.data.subarray(b * 30, (b + 1) * 30) } };
        }
      },
    };
    const history = await streamed.fit(source, undefined, { epochs: 2, verbose: 0 });
    expect(history.epoch).toEqual([0, 1]);
    expect(bits(allWeights(streamed))).toEqual(bits(allWeights(inMemory)));
    inMemory.dispose();
    streamed.dispose();
  });

  it('builds a model without a declared input shape from the first batch of an iterable', async () => {
    const model = sequential({ seed: 2, layers: [layers.lstm({ units: 4 }), layers.dense({ units: 2 })] });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const random = rng(seed ^ 0xba7c4);
    const batches = [0, 1].map(() => ({ xs: { shape: [3, 5, 2], data: uniform(random, 30) }, ys: { shape: [3, 2], data: uniform(random, 6) } }));
    const history = await model.fit({ *[Symbol.iterator]() { yield* batches; } }, undefined, { epochs: 2, verbose: 0 });
    expect(history.epoch).toEqual([0, 1]);
    expect(model.countParams()).toBe(4 * 4 * (2 + 4 + 1) + 2 * (4 + 1));
    model.dispose();
  });

  it('saves and loads bit-exactly; a checkpoint resumed at initialEpoch gives the bits of training straight through', async () => {
    const { x, y } = classification(30);
    const straight = classifier(9);
    await straight.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0 });

    const first = classifier(9);
    await first.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const saved = first.save();
    const resumed = await loadModel(saved);
    expect(bits(resumed.predict(x).data)).toEqual(bits(first.predict(x).data));
    await resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8, verbose: 0 });
    expect(bits(allWeights(resumed))).toEqual(bits(allWeights(straight)));
    for (const m of [straight, first, resumed]) m.dispose();
  });

  it('earlyStopping ends training after patience runs out', async () => {
    const { x, y } = classification(64);
    const model = classifier();
    const history = await model.fit(x, y, { epochs: 50, batchSize: 16, verbose: 0, validationSplit: 0.25, callbacks: [callbacks.earlyStopping({ monitor: 'loss', patience: 1, minDelta: 10 })] });
    expect(history.epoch).toEqual([0, 1]);
    model.dispose();
  });

  it('fit lets timers run between batches (pages stay responsive)', async () => {
    const { x, y } = classification(64);
    const model = classifier();
    let fired = false;
    let firedDuringFit = false;
    setTimeout(() => (fired = true), 0);
    await model.fit(x, y, { epochs: 40, batchSize: 4, verbose: 0, callbacks: { onEpochEnd: () => void (firedDuringFit ||= fired) } });
    expect(firedDuringFit).toBe(true);
    model.dispose();
  });

  it('padded steps of a masked sequence output count in neither the loss nor the metrics (Keras 3)', async () => {
    // Ids with 0 as padding at the end; embedding maskZero carries the mask to the output.
    const ids = [
      [3, 1, 4, 1, 5, 0, 0],
      [2, 6, 5, 3, 5, 8, 9],
      [7, 9, 0, 0, 0, 0, 0],
    ];
    const x = { shape: [3, 7], data: Float32Array.from(ids.flat()) };
    const targetsWith = (padClass: number) => {
      const y = new Float32Array(3 * 7 * 4);
      ids.flat().forEach((id, i) => (y[i * 4 + (id === 0 ? padClass : id % 4)] = 1));
      return { shape: [3, 7, 4], data: y };
    };
    const make = () => {
      const model = sequential({ seed: 6, layers: [layers.embedding({ inputDim: 10, outputDim: 5, maskZero: true, inputShape: [7] }), layers.lstm({ units: 6, returnSequences: true }), layers.dense({ units: 4, activation: 'softmax' })] });
      model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return model;
    };
    const [a, b] = [make(), make()];
    const logsA = a.evaluate(x, targetsWith(0));
    expect(b.evaluate(x, targetsWith(3))).toEqual(logsA);
    // The loss is the mean crossentropy over the 14 real steps only.
    const probs = a.predict(x).data;
    let sum = 0;
    ids.flat().forEach((id, i) => {
      if (id !== 0) sum -= Math.log(probs[i * 4 + (id % 4)]);
    });
    expect(Math.abs(logsA.loss - sum / 14), replay).toBeLessThan(1e-6);
    await a.fit(x, targetsWith(0), { epochs: 3, batchSize: 3, verbose: 0 });
    await b.fit(x, targetsWith(3), { epochs: 3, batchSize: 3, verbose: 0 });
    expect(bits(allWeights(a))).toEqual(bits(allWeights(b)));
    a.dispose();
    b.dispose();
  });

  it('reports bad use with typed errors that name the argument', async () => {
    const { x, y } = classification(8);
    const model = sequential({ layers: [layers.lstm({ units: 4, inputShape: [6, 4] }), layers.dense({ units: 3, activation: 'softmax' })] });
    await expect(model.fit(x, y)).rejects.toThrow(ModelStateError);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await expect(model.fit(x, { shape: [7, 3], data: new Float32Array(21) }, { verbose: 0 })).rejects.toThrow(/y must have shape \[8, 3\]/);
    await expect(model.fit({ shape: [8, 5, 4], data: new Float32Array(160) }, y, { verbose: 0 })).rejects.toThrow(/x must have shape \[null, 6, 4\]/);
    const nan = Float32Array.from(x.data);
    nan[7] = NaN;
    await expect(model.fit({ shape: x.shape, data: nan }, y, { verbose: 0 })).rejects.toThrow(/x\[0\]\[1\]\[3\] is NaN/);
    await expect(model.fit(x, y, { epoch: 3 } as never)).rejects.toThrow(/did you mean 'epochs'/);
    await expect(model.fit(x, y, { epochs: 2, initialEpoch: 2, verbose: 0 })).rejects.toThrow(ModelConfigError);
    // @ts-expect-error -- a typo that JavaScript users can still make
    expect(() => model.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow(ModelConfigError);
    expect(() => model.predict({ shape: [2, 6], data: new Float32Array(12) })).toThrow(ModelInputError);
    expect(() => sequential({ layers: [layers.dense({ units: 2, name: 'twin' }), layers.dense({ units: 2, name: 'twin' })] })).toThrow(/unique/);
    model.dispose();
    expect(() => model.predict(x)).toThrow(/disposed/);
  });
});
