// The callbacks driven directly, with a fake model and scripted logs. Expected stops, saves
// and learning rates come from Keras 3's own callback tests (keras/src/callbacks/*_test.py)
// where it has one for the case, else from stepping Keras's algorithm by hand (commented).
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Callback,
  earlyStopping,
  modelCheckpoint,
  monitorDirection,
  reduceLROnPlateau,
  terminateOnNaN,
  toCallbacks,
  type CallbackModel,
  type Logs,
  type TrainingParams,
} from '../../src/training/callbacks.js';
import { ModelConfigError, ModelStateError } from '../../src/model/errors.js';

/** A model whose weights are all equal to the last epoch it was set to, handed out as live views (as an arena-backed model may). */
class FakeModel implements CallbackModel {
  stopTraining = false;
  optimizer = { learningRate: 0.1 };
  readonly weights = [
    { shape: [2, 3], data: new Float32Array(6) },
    { shape: [3], data: new Float32Array(3) },
  ];

  getWeights() {
    return this.weights;
  }

  setWeights(weights: readonly { shape: readonly number[]; data: ArrayLike<number> }[]) {
    weights.forEach((w, i) => {
      expect(w.shape).toEqual(this.weights[i].shape);
      this.weights[i].data.set(w.data);
    });
  }

  save() {
    return { modelJSON: { epoch: this.epoch() }, weightData: this.weights[0].data.slice().buffer };
  }

  setEpoch(epoch: number) {
    for (const w of this.weights) w.data.fill(epoch);
  }

  /** The epoch the weights came from (and a check that they all agree). */
  epoch(): number {
    const all = this.weights.flatMap((w) => [...w.data]);
    expect(new Set(all).size).toBe(1);
    return all[0];
  }
}

interface Run {
  model: FakeModel;
  /** Epochs that ran, and the learning rate after each. */
  epochs: number[];
  rates: number[];
  logs: Logs[];
}

/** A fit() loop as Keras runs it, one epoch per entry of `series`, stopping when a callback asks. */
async function train(callback: Callback, series: Logs[], options: { model?: FakeModel; initialEpoch?: number; metrics?: string[]; stopAt?: number } = {}): Promise<Run> {
  const model = options.model ?? new FakeModel();
  const initialEpoch = options.initialEpoch ?? 0;
  const params: TrainingParams = {
    epochs: initialEpoch + series.length,
    initialEpoch,
    steps: 4,
    samples: 128,
    batchSize: 32,
    metrics: options.metrics ?? Object.keys(series[0]),
    verbose: 0,
  };
  callback.setModel(model);
  callback.setParams(params);
  model.stopTraining = false;
  const run: Run = { model, epochs: [], rates: [], logs: [] };
  await callback.onTrainBegin({});
  for (let epoch = initialEpoch; epoch < params.epochs && !model.stopTraining; epoch++) {
    model.setEpoch(epoch);
    await callback.onEpochBegin(epoch, {});
    const logs = { ...series[epoch - initialEpoch] };
    await callback.onEpochEnd(epoch, logs);
    if (epoch === options.stopAt) model.stopTraining = true;
    run.epochs.push(epoch);
    run.rates.push(model.optimizer.learningRate);
    run.logs.push(logs);
  }
  await callback.onTrainEnd({});
  return run;
}

const series = (key: string, values: number[]): Logs[] => values.map((v) => ({ loss: 1, [key]: v }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('toCallbacks', () => {
  it('accepts nothing, a Callback, a plain object of hooks, or an array of these', async () => {
    expect(toCallbacks(undefined)).toEqual([]);
    expect(toCallbacks(null)).toEqual([]);
    const instance = new Callback();
    expect(toCallbacks(instance)).toEqual([instance]);

    const calls: unknown[][] = [];
    const hooks = {
      tag: 'hooks',
      onEpochEnd(this: { tag: string }, epoch: number, logs?: Logs) {
        calls.push([this.tag, epoch, logs]);
      },
      async onBatchEnd(batch: number) {
        await Promise.resolve();
        calls.push(['batch', batch]);
      },
    };
    // `tag` is not a hook: only hook names are allowed in a hooks object.
    expect(() => toCallbacks(hooks)).toThrow(ModelConfigError);
    const { tag: _tag, ...onlyHooks } = hooks;
    const [wrapped] = toCallbacks(onlyHooks);
    expect(wrapped).toBeInstanceOf(Callback);
    wrapped.onEpochEnd(3, { loss: 0.5 });
    expect(calls).toEqual([[undefined, 3, { loss: 0.5 }]]); // called as a method of the hooks object
    const pending = wrapped.onBatchEnd(7, {});
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(calls[1]).toEqual(['batch', 7]);
    // Hooks it does not have are the base class's no-ops.
    expect(wrapped.onTrainBegin({})).toBeUndefined();

    const all = toCallbacks([instance, onlyHooks, {}]);
    expect(all).toHaveLength(3);
    expect(all[0]).toBe(instance);
  });

  it('calls a hook with `this` bound to the object that holds it', () => {
    const seen: unknown[] = [];
    const hooks = {
      onTrainBegin(this: unknown) {
        seen.push(this);
      },
    };
    toCallbacks(hooks)[0].onTrainBegin({});
    expect(seen[0]).toBe(hooks);
  });

  it('names what is wrong with anything else', () => {
    const error = (value: unknown) => {
      try {
        toCallbacks(value);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelConfigError);
        expect((e as ModelConfigError).owner).toBe('fit');
        expect((e as ModelConfigError).argument).toBe('callbacks');
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(error({ onEpochEnds() {} })).toBe(
      "fit: callbacks.onEpochEnds is not a callback hook (did you mean 'onEpochEnd'?); the hooks are onTrainBegin, onTrainEnd, onEpochBegin, onEpochEnd, onBatchBegin, onBatchEnd",
    );
    expect(error([new Callback(), { on_batch_end() {} }])).toContain("callbacks[1].on_batch_end is not a callback hook (did you mean 'onBatchEnd'?)");
    expect(error({ onBatchEnd: 3 })).toBe('fit: callbacks.onBatchEnd must be a function, got 3');
    expect(error(42)).toBe('fit: callbacks must be a Callback or an object of hooks (onTrainBegin, onTrainEnd, onEpochBegin, onEpochEnd, onBatchBegin, onBatchEnd), got 42');
    expect(error([[new Callback()]])).toContain('callbacks[0] must be a Callback or an object of hooks');
    expect(error(() => {})).toContain('got a function');
  });
});

describe('monitorDirection (mode auto)', () => {
  it('maximises accuracy-like values and minimises the rest, as Keras decides', () => {
    // The cases of Keras's test_early_stopping, plus TF.js-style camelCase names.
    const cases: [string, 'auto' | 'min' | 'max', 'min' | 'max'][] = [
      ['val_mse', 'max', 'max'],
      ['val_loss', 'min', 'min'],
      ['val_mse', 'auto', 'min'],
      ['loss', 'auto', 'min'],
      ['acc', 'auto', 'max'],
      ['val_accuracy', 'auto', 'max'],
      ['hinge', 'auto', 'min'],
      ['f1_score', 'auto', 'max'],
      ['val_categoricalAccuracy', 'auto', 'max'],
      ['val_categoricalCrossentropy', 'auto', 'min'],
      ['meanAbsoluteError', 'auto', 'min'],
      ['precision', 'auto', 'max'],
      ['val_recall', 'auto', 'max'],
      ['auc', 'auto', 'max'],
      ['accuracy', 'min', 'min'],
    ];
    for (const [monitor, mode, expected] of cases) expect(monitorDirection(monitor, mode), `${monitor} ${mode}`).toBe(expected);
  });
});

describe('earlyStopping', () => {
  it('stops after `patience` epochs without improvement, never at epoch 0 (Keras test_early_stopping_patience)', async () => {
    const losses = [10.0, 9.0, 8.0, 9.0, 8.9, 8.8, 8.7, 8.6, 8.5];
    for (const patience of [0, 1, 2, 3]) {
      const stopper = earlyStopping({ monitor: 'loss', patience });
      const run = await train(stopper, losses.map((loss) => ({ loss })));
      expect(stopper.stoppedEpoch, `patience ${patience}`).toBe(Math.max(patience, 1) + 2);
      expect(run.epochs.at(-1)).toBe(stopper.stoppedEpoch);
      expect(run.model.stopTraining).toBe(true);
    }
  });

  it('patience 0 stops at the first epoch without improvement from epoch 1 on', async () => {
    const stopper = earlyStopping({ monitor: 'loss' });
    const run = await train(stopper, [{ loss: 1 }, { loss: 1 }, { loss: 0.5 }]);
    expect(run.epochs).toEqual([0, 1]); // equal is not better
    // Worse at epoch 0 cannot stop anything: there is nothing to compare with.
    const never = await train(earlyStopping({ monitor: 'loss' }), [{ loss: 5 }, { loss: 4 }, { loss: 3 }]);
    expect(never.epochs).toEqual([0, 1, 2]);
    expect(never.model.stopTraining).toBe(false);
  });

  it('counts an improvement only when it is larger than minDelta', async () => {
    // 1 → 0.75 with minDelta 0.25: 0.75 + 0.25 < 1 is false (all values exact in binary).
    const strict = earlyStopping({ monitor: 'loss', minDelta: 0.25, patience: 1 });
    expect((await train(strict, [{ loss: 1 }, { loss: 0.75 }, { loss: 0.5 }])).epochs).toEqual([0, 1]);
    expect(strict.best).toBe(1);
    const smaller = earlyStopping({ monitor: 'loss', minDelta: 0.125, patience: 1 });
    expect((await train(smaller, [{ loss: 1 }, { loss: 0.75 }, { loss: 0.5 }])).epochs).toEqual([0, 1, 2]);
    expect(smaller.best).toBe(0.5);
    // In max mode the delta is subtracted: 0.5 → 0.75 with minDelta 0.25 is not an improvement.
    const max = earlyStopping({ monitor: 'val_accuracy', minDelta: 0.25, patience: 1 });
    expect((await train(max, series('val_accuracy', [0.5, 0.75, 1]))).epochs).toEqual([0, 1]);
  });

  it('maximises accuracy in mode auto', async () => {
    const stopper = earlyStopping({ monitor: 'accuracy', patience: 1 });
    expect(stopper.direction).toBe('max');
    const run = await train(stopper, series('accuracy', [0.5, 0.6, 0.55, 0.58, 0.7]));
    expect(run.epochs).toEqual([0, 1, 2]);
    expect(stopper.best).toBe(0.6);
    // The same values in mode min stop at the first rise.
    expect((await train(earlyStopping({ monitor: 'accuracy', patience: 1, mode: 'min' }), series('accuracy', [0.5, 0.6, 0.55]))).epochs).toEqual([0, 1]);
  });

  it('restores the best epoch\'s weights at the end when restoreBestWeights (Keras test_early_stopping_final_weights…)', async () => {
    // The best is epoch 2 (0.1); patience 2 stops at epoch 4. The fake model hands out live
    // views, so this also checks the callback copies the weights it keeps.
    const stopper = earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const run = await train(stopper, series('val_loss', [0.2, 0.15, 0.1, 0.11, 0.12]));
    expect(run.epochs).toEqual([0, 1, 2, 3, 4]);
    expect(stopper.bestEpoch).toBe(2);
    expect(run.model.epoch()).toBe(2);

    // Without it, the last epoch's weights stay.
    const keep = await train(earlyStopping({ monitor: 'val_loss', patience: 2 }), series('val_loss', [0.2, 0.15, 0.1, 0.11, 0.12]));
    expect(keep.model.epoch()).toBe(4);
  });

  it('with a baseline nothing beats, stops after patience epochs and still restores the best (Keras)', async () => {
    const stopper = earlyStopping({ monitor: 'val_loss', patience: 5, baseline: 0.5, restoreBestWeights: true });
    const run = await train(stopper, series('val_loss', [0.9, 0.8, 0.7, 0.71, 0.72, 0.73]));
    expect(run.epochs).toHaveLength(5);
    expect(run.model.epoch()).toBe(2);
    // A value that beats the baseline resets the wait.
    const beaten = earlyStopping({ monitor: 'val_loss', patience: 2, baseline: 0.5 });
    expect((await train(beaten, series('val_loss', [0.9, 0.4, 0.45, 0.46, 0.47]))).epochs).toEqual([0, 1, 2, 3]);
  });

  it('restores when another callback stops training, and when training runs out (Keras 3)', async () => {
    const stopper = earlyStopping({ monitor: 'val_loss', patience: 5, baseline: 0.5, restoreBestWeights: true });
    const run = await train(stopper, series('val_loss', [0.9, 0.8, 0.7, 0.71, 0.72, 0.73]), { stopAt: 3 });
    expect(run.epochs).toHaveLength(4);
    expect(stopper.stoppedEpoch).toBe(0);
    expect(run.model.epoch()).toBe(2);
    const ranOut = await train(earlyStopping({ monitor: 'loss', patience: 10, restoreBestWeights: true }), [{ loss: 3 }, { loss: 1 }, { loss: 2 }]);
    expect(ranOut.model.epoch()).toBe(1);
  });

  it('ignores the epochs before startFromEpoch', async () => {
    const rising = [1, 2, 3, 4, 5, 6].map((loss) => ({ loss }));
    expect((await train(earlyStopping({ monitor: 'loss' }), rising)).epochs).toEqual([0, 1]);
    const late = earlyStopping({ monitor: 'loss', startFromEpoch: 3, restoreBestWeights: true });
    const run = await train(late, rising);
    expect(run.epochs).toEqual([0, 1, 2, 3, 4]);
    expect(run.model.epoch()).toBe(3); // the first monitored epoch is the best
  });

  it('works on absolute epoch numbers when resuming at initialEpoch', async () => {
    const stopper = earlyStopping({ monitor: 'loss', patience: 1 });
    const run = await train(stopper, [{ loss: 1 }, { loss: 2 }], { initialEpoch: 5 });
    expect(run.epochs).toEqual([5, 6]);
    expect(stopper.stoppedEpoch).toBe(6);
  });

  it('starts over on every fit (reuse)', async () => {
    const stopper = earlyStopping({ monitor: 'loss', patience: 1 });
    const values = [{ loss: 1 }, { loss: 0.5 }, { loss: 0.7 }, { loss: 0.2 }];
    const first = await train(stopper, values);
    const second = await train(stopper, values);
    expect(first.epochs).toEqual([0, 1, 2]);
    expect(second.epochs).toEqual(first.epochs);
  });

  it('never improves on NaN once it is the best (Keras: the first value always is)', async () => {
    const stopper = earlyStopping({ monitor: 'loss', patience: 2 });
    const run = await train(stopper, [{ loss: NaN }, { loss: 1 }, { loss: 0.5 }, { loss: 0.25 }]);
    expect(run.epochs).toEqual([0, 1, 2]);
  });

  it('throws when the monitored value is never logged, skips epochs where it is only missing this time', async () => {
    const run = train(earlyStopping(), [{ loss: 1, accuracy: 0.5 }]);
    await expect(run).rejects.toThrow(ModelConfigError);
    await expect(train(earlyStopping(), [{ loss: 1, accuracy: 0.5 }])).rejects.toThrow(
      "earlyStopping: monitor 'val_loss' is not in the logs (loss, accuracy); pass validationData or validationSplit to fit() to log 'val_loss'",
    );
    await expect(train(earlyStopping({ monitor: 'acuracy' }), [{ loss: 1, accuracy: 0.5 }])).rejects.toThrow("monitor 'acuracy' is not in the logs (loss, accuracy); did you mean 'accuracy'?");
    // val_loss logged every other epoch (listed in params.metrics): the other epochs do not count.
    const stopper = earlyStopping({ patience: 1 });
    const sparse: Logs[] = [{ loss: 1, val_loss: 1 }, { loss: 1 }, { loss: 1 }, { loss: 1, val_loss: 2 }];
    const run2 = await train(stopper, sparse, { metrics: ['loss', 'val_loss'] });
    expect(run2.epochs).toEqual([0, 1, 2, 3]);
    expect(stopper.stoppedEpoch).toBe(3);
  });

  it('prints what it did when verbose', async () => {
    const print = vi.spyOn(console, 'log').mockImplementation(() => {});
    await train(earlyStopping({ monitor: 'loss', patience: 1, restoreBestWeights: true, verbose: 1 }), [{ loss: 1 }, { loss: 0.5 }, { loss: 0.7 }]);
    expect(print.mock.calls).toEqual([['Epoch 3: early stopping'], ['Restoring model weights from the end of the best epoch: 2.']]);
    print.mockClear();
    await train(earlyStopping({ monitor: 'loss', patience: 1, restoreBestWeights: true }), [{ loss: 1 }, { loss: 0.5 }, { loss: 0.7 }]);
    expect(print).not.toHaveBeenCalled();
  });

  it('rejects bad options, naming them', () => {
    const cases: [unknown, string, string][] = [
      [{ patience: -1 }, 'patience', 'earlyStopping: patience must be an integer >= 0, got -1'],
      [{ patience: 1.5 }, 'patience', 'earlyStopping: patience must be an integer >= 0, got 1.5'],
      [{ minDelta: -0.1 }, 'minDelta', 'earlyStopping: minDelta must be a finite number >= 0, got -0.1'],
      [{ mode: 'minimum' }, 'mode', `earlyStopping: mode must be one of 'auto', 'min', 'max', got "minimum"`],
      [{ baseline: NaN }, 'baseline', 'earlyStopping: baseline must be a finite number, got NaN'],
      [{ monitor: '' }, 'monitor', `earlyStopping: monitor must be the name of a logged value such as 'val_loss', got ""`],
      [{ restoreBestWeights: 1 }, 'restoreBestWeights', 'earlyStopping: restoreBestWeights must be true or false, got 1'],
      [{ verbose: 2 }, 'verbose', 'earlyStopping: verbose must be 0 or 1, got 2'],
      [{ startFromEpoch: -2 }, 'startFromEpoch', 'earlyStopping: startFromEpoch must be an integer >= 0, got -2'],
      [{ restore_best_weights: true }, 'restore_best_weights', "earlyStopping: restore_best_weights is not a known option (did you mean 'restoreBestWeights'?)"],
      [{ patients: 3 }, 'patients', "earlyStopping: patients is not a known option (did you mean 'patience'?)"],
      ['val_loss', 'options', 'earlyStopping: options must be an object, got "val_loss"'],
    ];
    for (const [options, argument, message] of cases) {
      const attempt = () => earlyStopping(options as never);
      expect(attempt).toThrow(new ModelConfigError('earlyStopping', argument, message.replace('earlyStopping: ', '')));
      try {
        attempt();
      } catch (e) {
        expect((e as ModelConfigError).argument).toBe(argument);
        expect((e as Error).message).toBe(message);
      }
    }
  });

  it('needs a model', () => {
    const stopper = earlyStopping({ monitor: 'loss' });
    expect(() => stopper.onEpochEnd(0, { loss: 1 })).toThrow(ModelStateError);
  });
});

describe('terminateOnNaN', () => {
  it('stops at the end of a batch whose loss is NaN or ±Infinity', () => {
    const print = vi.spyOn(console, 'log').mockImplementation(() => {});
    for (const bad of [NaN, Infinity, -Infinity]) {
      const model = new FakeModel();
      const callback = terminateOnNaN();
      callback.setModel(model);
      callback.onBatchEnd(0, { batch: 0, size: 32, loss: 0.7 });
      callback.onBatchEnd(1, { batch: 1, size: 32, accuracy: NaN }); // only the loss counts
      expect(model.stopTraining).toBe(false);
      callback.onBatchEnd(2, { batch: 2, size: 32, loss: bad });
      expect(model.stopTraining).toBe(true);
    }
    expect(print).toHaveBeenCalledWith('Batch 2: Invalid loss, terminating training');
  });
});

describe('modelCheckpoint', () => {
  it('with saveBestOnly saves only when the monitored value improves (NaN and ties do not)', async () => {
    const saved: [number, number, Logs][] = [];
    const checkpoint = modelCheckpoint({ save: (artifacts, epoch, logs) => void saved.push([(artifacts.modelJSON as { epoch: number }).epoch, epoch, logs]), saveBestOnly: true });
    await train(checkpoint, series('val_loss', [0.5, 0.4, 0.45, 0.3, 0.3, NaN, 0.2]));
    expect(saved.map(([fromEpoch, epoch]) => [fromEpoch, epoch])).toEqual([
      [0, 0],
      [1, 1],
      [3, 3],
      [6, 6],
    ]);
    expect(saved[2][2]).toEqual({ loss: 1, val_loss: 0.3 });
    // The best is kept across fits (Keras): a resumed run saves only real improvements.
    saved.length = 0;
    await train(checkpoint, series('val_loss', [0.25, 0.1]), { initialEpoch: 7 });
    expect(saved.map(([, epoch]) => epoch)).toEqual([8]);
  });

  it('maximises accuracy, saves every epoch without saveBestOnly, and awaits an async save', async () => {
    const best: number[] = [];
    await train(modelCheckpoint({ save: (_, epoch) => void best.push(epoch), monitor: 'val_accuracy', saveBestOnly: true }), series('val_accuracy', [0.5, 0.4, 0.6, 0.6, 0.7]));
    expect(best).toEqual([0, 2, 4]);

    const every: number[] = [];
    const slow = modelCheckpoint({
      save: async (artifacts, epoch) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(artifacts.weightData.byteLength).toBe(24);
        every.push(epoch);
      },
    });
    await expect(slow.onEpochEnd(0, {})).rejects.toThrow(ModelStateError); // no model yet
    await train(slow, series('val_loss', [3, 2, 5]));
    expect(every).toEqual([0, 1, 2]); // each save finished before its onEpochEnd resolved
  });

  it('rejects bad options and an unlogged monitor', async () => {
    expect(() => modelCheckpoint({} as never)).toThrow(new ModelConfigError('modelCheckpoint', 'save', 'save is required'));
    expect(() => modelCheckpoint({ save: 'path.json' } as never)).toThrow('modelCheckpoint: save must be a function, got "path.json"');
    expect(() => modelCheckpoint({ save() {}, saveFreq: 10 } as never)).toThrow("modelCheckpoint: saveFreq must be one of 'epoch', got 10");
    expect(() => modelCheckpoint({ save() {}, save_best_only: true } as never)).toThrow("modelCheckpoint: save_best_only is not a known option (did you mean 'saveBestOnly'?)");
    await expect(train(modelCheckpoint({ save() {}, saveBestOnly: true }), [{ loss: 1 }])).rejects.toThrow("modelCheckpoint: monitor 'val_loss' is not in the logs (loss)");
    // Without saveBestOnly the monitor is not read.
    await train(modelCheckpoint({ save() {} }), [{ loss: 1 }]);
  });
});

describe('reduceLROnPlateau', () => {
  const flat = (n: number) => series('val_loss', Array.from({ length: n }, (_, i) => 1 - i / 100));

  it('multiplies the rate by factor after patience epochs (Keras test_reduces_lr_with_model_fit)', async () => {
    const run = await train(reduceLROnPlateau({ patience: 1, factor: 0.1, minDelta: 100 }), flat(2));
    expect(run.rates).toEqual([0.1, 0.1 * 0.1]);
    // The epoch logs get the rate the epoch trained with, as Keras's 'learning_rate'.
    expect(run.logs.map((l) => l.learning_rate)).toEqual([0.1, 0.1]);
  });

  it('waits `cooldown` epochs after a reduction (Keras test_cooldown: 2 reductions in 4 epochs)', async () => {
    const run = await train(reduceLROnPlateau({ patience: 1, factor: 0.1, minDelta: 100, cooldown: 2 }), flat(6));
    // e0 best; e1 reduce, cooldown 2; e2 cooldown 1; e3 cooldown 0, wait 1: reduce; e4; e5 reduce.
    expect(run.rates).toEqual([0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1 * 0.1]);
    expect(run.rates[3]).toBeCloseTo(0.001, 15);
  });

  it('never goes below minLr, and stops reducing there (Keras test_honors_min_lr)', async () => {
    const print = vi.spyOn(console, 'log').mockImplementation(() => {});
    const run = await train(reduceLROnPlateau({ patience: 1, factor: 0.1, minDelta: 10, minLr: 0.005, verbose: 1 }), flat(6));
    expect(run.rates).toEqual([0.1, 0.1 * 0.1, 0.005, 0.005, 0.005, 0.005]);
    expect(print.mock.calls).toEqual([[`\nEpoch 2: ReduceLROnPlateau reducing learning rate to ${0.1 * 0.1}.`], ['\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.005.']]);
  });

  it('an improvement by more than minDelta resets the wait', async () => {
    // e0 best 1; e1 wait 1; e2 0.5 improves; e3 wait 1; e4 wait 2: reduce.
    const run = await train(reduceLROnPlateau({ patience: 2, minDelta: 0 }), series('val_loss', [1, 1, 0.5, 0.6, 0.7]));
    expect(run.rates).toEqual([0.1, 0.1, 0.1, 0.1, 0.1 * 0.1]);
    // 0.5 → 0.4375 is not better than 0.5 − 0.0625 (exact values): no reset, reduce at e2.
    const delta = await train(reduceLROnPlateau({ patience: 2, minDelta: 0.0625 }), series('val_loss', [0.5, 0.5, 0.4375]));
    expect(delta.rates).toEqual([0.1, 0.1, 0.1 * 0.1]);
  });

  it('maximises accuracy in mode auto and starts over on every fit', async () => {
    const callback = reduceLROnPlateau({ monitor: 'val_accuracy', patience: 1 });
    expect(callback.direction).toBe('max');
    const model = new FakeModel();
    const first = await train(callback, series('val_accuracy', [0.5, 0.6, 0.55]), { model });
    expect(first.rates).toEqual([0.1, 0.1, 0.1 * 0.1]);
    const second = await train(callback, series('val_accuracy', [0.1, 0.2]), { model });
    expect(callback.best).toBe(0.2);
    expect(second.rates).toEqual([0.1 * 0.1, 0.1 * 0.1]);
  });

  it('rejects bad options', () => {
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow('reduceLROnPlateau: factor must be a number in (0, 1) (new rate = rate · factor), got 1');
    expect(() => reduceLROnPlateau({ factor: 0 })).toThrow(ModelConfigError);
    expect(() => reduceLROnPlateau({ minLr: -1 })).toThrow('reduceLROnPlateau: minLr must be a finite number >= 0, got -1');
    expect(() => reduceLROnPlateau({ cooldown: 0.5 })).toThrow('reduceLROnPlateau: cooldown must be an integer >= 0, got 0.5');
    expect(() => reduceLROnPlateau({ min_lr: 0.1 } as never)).toThrow("reduceLROnPlateau: min_lr is not a known option (did you mean 'minLr'?)");
    expect(() => reduceLROnPlateau({ minDelta: Infinity })).toThrow('reduceLROnPlateau: minDelta must be a finite number >= 0, got Infinity');
  });
});
