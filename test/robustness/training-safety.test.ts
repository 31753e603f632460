// No half-done calls (issue 11, items 3, 6, 7 and 12): a call that fails leaves the model as it
// was, and what can be known before the first update is checked before it. Each test states
// what the model looked like before and compares bits after.
import { describe, expect, it } from 'vitest';
import { callbacks, layers, loadModel, ModelConfigError, ModelInputError, ModelLoadError, ModelStateError, sequential, type Sequential } from '../../src/index.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

const bitsOf = (model: Sequential) => model.getWeights().map((w) => Array.from(new Uint32Array(w.data.slice().buffer)));

/** Ids [n, 5] in [0, 6) and one-hot targets of 3 classes from the first id. */
function idData(n: number) {
  const random = rng(seed);
  const x = Float32Array.from({ length: n * 5 }, () => Math.floor(random() * 6));
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + (x[i * 5] % 3)] = 1;
  return { x: { shape: [n, 5], data: x }, y: { shape: [n, 3], data: y } };
}

function idModel(): Sequential {
  const model = sequential({ seed: 3, layers: [layers.embedding({ inputDim: 6, outputDim: 4, inputShape: [5] }), layers.lstm({ units: 5 }), layers.dense({ units: 3, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** [n, 4, 3] sequences and a regression target. */
function sequences(n: number, salt = 0) {
  const random = rng(seed ^ salt);
  const x = uniform(random, n * 12);
  const y = Float32Array.from({ length: n }, (_, i) => x[i * 12] + x[i * 12 + 11]);
  return { x: { shape: [n, 4, 3], data: x }, y: { shape: [n, 1], data: y } };
}

function regressor(optimizer: unknown = 'rmsprop'): Sequential {
  const model = sequential({ seed: 5, layers: [layers.lstm({ units: 6, inputShape: [4, 3] }), layers.dense({ units: 1 })] });
  model.compile({ optimizer: optimizer as never, loss: 'mse' });
  return model;
}

describe(`non-finite updates (item 3; ${replay})`, () => {
  it('corrupt Adam v / RMSprop rms in a checkpoint is refused by loadModel, naming the weight', async () => {
    for (const optimizer of ['adam', 'rmsprop'] as const) {
      const model = regressor(optimizer);
      const { x, y } = sequences(16);
      await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
      const saved = model.save();
      const json = saved.modelJSON as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
      const entries = json.weightsManifest[0].weights;
      const slot = optimizer === 'adam' ? '/v' : '/rms';
      const index = entries.findIndex((e) => e.name.endsWith(`kernel${slot}`));
      const offset = entries.slice(0, index).reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
      const data = new Float32Array(saved.weightData.slice(0));
      data[offset + 2] = -1;
      const error = await loadModel({ modelJSON: saved.modelJSON, weightData: data.buffer }).catch((e: Error) => e);
      expect(error, optimizer).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message, optimizer).toMatch(new RegExp(`optimizer state of '.*kernel': '${slot.slice(1)}' holds -1 at index 2; it is a sum of squares and cannot be negative`));
      model.dispose();
    }
  });

  it('a batch whose loss is not finite is not applied: fit throws naming the loss, or terminateOnNaN stops cleanly; the weights stay as before', async () => {
    const { y } = sequences(8);
    // Inputs near the float32 maximum and weights of 1: the output overflows to Infinity, and so does the loss.
    const huge = { shape: [8, 12], data: new Float32Array(96).fill(3e38) };
    for (const withCallback of [false, true]) {
      const model = sequential({ seed: 5, layers: [layers.dense({ units: 1, inputShape: [12] })] });
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      model.setWeights(model.getWeights().map((w) => ({ shape: w.shape, data: w.data.fill(1) })));
      const before = bitsOf(model);
      const run = model.fit(huge, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: withCallback ? [callbacks.terminateOnNaN()] : [] });
      if (withCallback) {
        const history = await run;
        expect(history.history.loss[0]).toBe(Infinity);
      } else {
        const error = await run.catch((e: Error) => e);
        expect(error).toBeInstanceOf(ModelStateError);
        expect((error as ModelStateError).argument).toBe('loss');
        expect((error as Error).message).toMatch(/batch 0 of epoch 0: the loss is Infinity, so its update was not applied and the weights are those before this batch/);
      }
      expect(bitsOf(model)).toEqual(before);
      model.dispose();
    }
  });

  it('an update that overflows stops fit with a ModelStateError naming the weight', async () => {
    const { x, y } = sequences(8);
    const model = sequential({ seed: 5, layers: [layers.dense({ units: 1, inputShape: [12] })] });
    model.compile({ optimizer: { class_name: 'SGD', config: { learning_rate: 1e36 } }, loss: 'mse' });
    const error = await model.fit({ shape: [8, 12], data: x.data }, { shape: y.shape, data: y.data.map((v) => v * 1e6) }, { epochs: 1, batchSize: 8, verbose: 0 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ModelStateError);
    expect((error as Error).message).toMatch(/step 1 left weight 'dense(_\d+)?\/kernel' -?Infinity at index \d+: the update overflowed/);
    model.dispose();
  });
});

describe(`checked before the first update (item 6; ${replay})`, () => {
  it('a bad embedding id in a late sample fails before any training, named by its place in x', async () => {
    const { x, y } = idData(24);
    x.data[20 * 5 + 2] = 6;
    const model = idModel();
    const before = bitsOf(model);
    const error = await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ModelInputError);
    expect((error as ModelInputError).argument).toBe('x[20][2]');
    expect((error as Error).message).toMatch(/^sequential(_\d+)?: x\[20\]\[2\] is 6, not an integer id in \[0, 6\) for 'embedding(_\d+)?'$/);
    expect(bitsOf(model)).toEqual(before);
    expect(model.optimizer.iterations).toBe(0);
    // The same for validation data, predict, evaluate and step.
    const good = idData(24);
    const badValidation = await model.fit(good.x, good.y, { epochs: 1, verbose: 0, validationData: [x, y] }).catch((e: Error) => e);
    expect((badValidation as ModelInputError).argument).toBe('validationData[0][20][2]');
    expect(bitsOf(model)).toEqual(before);
    expect((thrown(() => model.predict(x)) as ModelInputError).argument).toBe('x[20][2]');
    expect((thrown(() => model.evaluate(x, y)) as ModelInputError).argument).toBe('x[20][2]');
    expect((thrown(() => model.step([1, 2, 7.5])) as ModelInputError).argument).toBe('x[2]');
    model.dispose();
  });

  it('a monitor that fit will never log fails before the first update, for each monitoring callback', async () => {
    const { x, y } = sequences(8);
    const cases: [string, () => unknown, RegExp][] = [
      ['earlyStopping without validation', () => callbacks.earlyStopping(), /earlyStopping: monitor 'val_loss' is not in the logs \(loss\); pass validationData or validationSplit/],
      ['reduceLROnPlateau typo', () => callbacks.reduceLROnPlateau({ monitor: 'los' }), /reduceLROnPlateau: monitor 'los' is not in the logs \(loss, learning_rate\); did you mean 'loss'\?/],
      ['modelCheckpoint saveBestOnly', () => callbacks.modelCheckpoint({ save: () => {}, saveBestOnly: true, monitor: 'accuracy' }), /modelCheckpoint: monitor 'accuracy' is not in the logs/],
    ];
    for (const [what, make, message] of cases) {
      const model = regressor();
      const before = bitsOf(model);
      let batches = 0;
      const error = await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [{ onBatchEnd: () => void batches++ }, make()].reverse() as never }).catch((e: Error) => e);
      expect(error, what).toBeInstanceOf(ModelConfigError);
      expect((error as Error).message, what).toMatch(message);
      expect(batches, what).toBe(0);
      expect(bitsOf(model), what).toEqual(before);
      model.dispose();
    }
    // A key some callback of the user's adds to the logs is still accepted (checked at each epoch's end).
    const model = regressor();
    const adds = { onEpochEnd: (_: number, logs?: Record<string, number>) => void (logs!.score = 1) };
    await model.fit(x, y, { epochs: 2, verbose: 0, callbacks: [adds, callbacks.earlyStopping({ monitor: 'score' })] });
    model.dispose();
  });
});

describe(`re-entrant use (item 7; ${replay})`, () => {
  it('a second fit, add, build, compile and dispose during fit are refused; the running fit ends as if they never happened', async () => {
    const { x, y } = sequences(16);
    const control = regressor();
    await control.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });

    const model = regressor();
    const refusals: Error[] = [];
    const attempt = (run: () => unknown) => {
      try {
        const result = run();
        if (result instanceof Promise) result.catch((e: Error) => refusals.push(e));
      } catch (error) {
        refusals.push(error as Error);
      }
    };
    const meddler = {
      onBatchEnd: () => {
        attempt(() => model.fit(x, y, { verbose: 0 }));
        attempt(() => model.add(layers.dense({ units: 1 })));
        attempt(() => model.build([null, 4, 3]));
        attempt(() => model.compile({ optimizer: 'sgd', loss: 'mae' }));
        attempt(() => model.dispose());
      },
    };
    const running = model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [meddler] });
    attempt(() => model.fit(x, y, { verbose: 0 })); // from outside, while the first is awaiting
    await running;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(refusals.length).toBe(1 + 8 * 5);
    for (const error of refusals) {
      expect(error).toBeInstanceOf(ModelStateError);
      expect(error.message).toMatch(/^sequential(_\d+)?: (fit|add|build|compile|dispose)\(\) cannot run while fit\(\) is training this model/);
    }
    expect(model.layers.length).toBe(2);
    expect(bitsOf(model)).toEqual(bitsOf(control));
    // Reading, predicting and setWeights (earlyStopping's restoreBestWeights) stay allowed in callbacks.
    const reader = { onEpochEnd: () => void model.setWeights(model.getWeights()) };
    await model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [reader, { onBatchEnd: () => void model.predict(x) }] });
    // After fit, everything is allowed again.
    model.compile({ optimizer: 'sgd', loss: 'mae' });
    model.dispose();
    control.dispose();
  });
});

describe(`reduceLROnPlateau and resume (item 12; ${replay})`, () => {
  it('a checkpoint carries its state: a resumed run is bit-exact with one that never stopped', async () => {
    const { x, y } = sequences(24, 1);
    const plateau = () => callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 1, factor: 0.5, minDelta: 10 }); // reduces every other epoch
    const whole = regressor('adam');
    const history = await whole.fit(x, y, { epochs: 6, batchSize: 8, verbose: 0, callbacks: [plateau()] });
    expect(new Set(history.history.learning_rate).size).toBeGreaterThan(2);

    const first = regressor('adam');
    const checkpoints: { modelJSON: object; weightData: ArrayBuffer }[] = [];
    await first.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: [plateau(), callbacks.modelCheckpoint({ save: (a) => void checkpoints.push(a) })] });
    const checkpoint = checkpoints[2];
    const state = (checkpoint.modelJSON as { userDefinedMetadata: { reduceLROnPlateau: unknown } }).userDefinedMetadata.reduceLROnPlateau;
    expect(state).toEqual({ monitor: 'loss', best: expect.any(Number), wait: expect.any(Number), cooldownCounter: 0 });
    const resumed = (await loadModel(checkpoint)) as Sequential;
    const resumedPlateau = plateau();
    resumedPlateau.setState(state as Parameters<typeof resumedPlateau.setState>[0]);
    const rest = await resumed.fit(x, y, { epochs: 6, initialEpoch: 3, batchSize: 8, verbose: 0, callbacks: [resumedPlateau] });
    expect(rest.history.learning_rate).toEqual(history.history.learning_rate.slice(3));
    expect(rest.history.loss).toEqual(history.history.loss.slice(3));
    expect(bitsOf(resumed)).toEqual(bitsOf(whole));

    // Without the state the resumed run differs (what the checkpoint fixes).
    const fresh = (await loadModel(checkpoint)) as Sequential;
    const freshRun = await fresh.fit(x, y, { epochs: 6, initialEpoch: 3, batchSize: 8, verbose: 0, callbacks: [plateau()] });
    expect(freshRun.history.learning_rate).not.toEqual(history.history.learning_rate.slice(3));
    for (const m of [whole, first, resumed, fresh]) m.dispose();
  });

  it('setState checks what it is given', () => {
    const plateau = callbacks.reduceLROnPlateau({ monitor: 'loss' });
    const good = { monitor: 'loss', best: 0.5, wait: 1, cooldownCounter: 0 };
    const bad: [unknown, string][] = [
      [null, 'state'],
      [{ ...good, monitor: 'val_loss' }, 'state.monitor'],
      [{ ...good, best: NaN }, 'state.best'],
      [{ ...good, wait: -1 }, 'state.wait'],
      [{ ...good, cooldownCounter: 1.5 }, 'state.cooldownCounter'],
    ];
    for (const [state, argument] of bad) {
      const error = thrown(() => plateau.setState(state as typeof good));
      expect(error).toBeInstanceOf(ModelConfigError);
      expect((error as ModelConfigError).argument).toBe(argument);
    }
    expect(plateau.getState()).toEqual({ monitor: 'loss', best: null, wait: 0, cooldownCounter: 0 });
    plateau.setState(good);
    expect(plateau.getState()).toEqual(good);
  });
});
