// Correct uses of the API as users write them (Keras and TF.js habits included): this file
// must type-check (types.test.ts, `npm run typecheck`). Never run: only compiled.
import {
  argMax,
  callbacks,
  concat,
  data,
  DataError,
  LayerConfigError,
  LayerError,
  LayerInputError,
  LayerStateError,
  layers,
  losses,
  metrics,
  ModelConfigError,
  ModelError,
  ModelInputError,
  ModelLoadError,
  ModelStateError,
  NotInitializedError,
  optimizers,
  reshape,
  SeqwasmInitError,
  sequential,
  slice,
  take,
  toNested,
  type BatchLike,
  type History,
  type Logs,
  type Tensor,
} from '../../src/index.js';

export async function correct(x: Tensor, y: Tensor, asyncBatches: AsyncIterable<{ xs: Tensor; ys: Tensor }>): Promise<number> {
  const model = sequential([layers.lstm({ units: 8, inputShape: [5, 3] }), layers.dense({ units: 3, activation: 'softmax' })]);
  const other = sequential({ layers: [layers.gru({ units: 4, inputShape: [5, 3] })], seed: 7, name: 'other' });
  other.add(layers.dense({ units: 1 }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.compile({ optimizer: 'RMSprop', loss: 'categorical_crossentropy', metrics: ['acc', 'mae', 'categorical_accuracy'] });
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['precision', 'Recall', 'auc', 'AUC'] });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['topKCategoricalAccuracy', 'top_k_categorical_accuracy'] });
  model.compile({ optimizer: optimizers.adam(0.01), loss: losses.categoricalCrossentropy({ fromLogits: false }) });
  model.compile({ optimizer: optimizers.sgd(0.1), loss: 'mse' });
  model.compile({ optimizer: optimizers.momentum(0.1, 0.9, true), loss: 'MeanSquaredError' });
  model.compile({ optimizer: optimizers.rmsprop(0.01, 0.9, 0, 1e-7, false), loss: 'mae' });
  model.compile({ optimizer: optimizers.adagrad(0.1, 0.1), loss: 'huber' });
  model.compile({ optimizer: optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 }), loss: 'binaryCrossentropy' });
  model.compile({ optimizer: { class_name: 'Adam', config: { learning_rate: 0.01 } }, loss: { class_name: 'CategoricalCrossentropy', config: {} } });

  const histories: History[] = [
    await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0, validationSplit: 0.1 }),
    await model.fit([[[1, 2, 3]]], [[0, 1, 0]], { validationData: [x, y] }),
    await model.fit(x, y, {
      callbacks: [callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 }), { onEpochEnd: (epoch: number, logs?: Logs) => void [epoch, logs] }],
    }),
    await model.fit(data.batches(x, y, { batchSize: 8, shuffle: true }), { epochs: 2 }),
    await model.fit(data.timeseriesWindows(x, { sequenceLength: 5, targetOffset: 5, batchSize: 8 }), { epochs: 1 }),
    await model.fit(asyncBatches, { epochs: 3, verbose: 0 }),
    await model.fit([{ x, y }, { xs: x, ys: y }]),
    await model.fit(asyncBatches, undefined, { epochs: 1 }),
  ];
  const logs: Logs[] = [model.evaluate(x, y), model.evaluate(x, y, { batchSize: 8 }), model.evaluate(data.batches(x, y)), await model.evaluateDataset(asyncBatches)];
  const batches: BatchLike[] = [{ xs: x }, { x }];
  const outputs: Tensor[] = [model.predict(x), model.predict([[[1, 2, 3]]], { batchSize: 1 }), model.predict(batches), await model.predictDataset(asyncBatches)];
  const step = model.step([1, 2, 3]);
  for (const { xs, ys } of data.batches(x, y)) void [xs.shape, ys?.shape];
  const { windows, next } = data.slidingWindows([1, 2, 3, 4], 2);
  const letters: string[] = data.slidingWindows('abcd', 2).windows;
  const classes = argMax(outputs[0]);
  const parts = [slice(x, 0, 2), take(x, [1, 0]), concat([x, x]), concat([x, x], -1), reshape(x, [-1, 3])];
  const scores = [metrics.accuracy(y, outputs[0]), metrics.mse(y, outputs[0]), metrics.mae([[0, 1]], [[0.5, 0.5]]), metrics.meanSquaredError([1], [2])];
  const errors = [LayerError, LayerConfigError, LayerInputError, LayerStateError, DataError, ModelError, ModelConfigError, ModelInputError, ModelStateError, ModelLoadError, SeqwasmInitError, NotInitializedError];
  void [histories, logs, step, windows, next, letters, toNested(classes), parts, errors];
  return scores[0];
}
