// Deliberate mistakes a newcomer makes: each line below its `@ts-expect-error` must fail to
// type-check. types.test.ts compiles this file with the directives removed and checks that
// exactly these lines fail (and `npm run typecheck` fails if one of them stops failing).
// Never run: only compiled.
import { callbacks, data, layers, optimizers, sequential, type Tensor } from '../../src/index.js';

export async function mistakes(x: Tensor, y: Tensor, asyncBatches: AsyncIterable<{ xs: Tensor; ys: Tensor }>): Promise<void> {
  const model = sequential([layers.lstm({ units: 8, inputShape: [5, 3] }), layers.dense({ units: 3, activation: 'softmax' })]);
  // @ts-expect-error -- 'adamm' is not an optimizer
  model.compile({ optimizer: 'adamm', loss: 'mse' });
  // @ts-expect-error -- the loss is categoricalCrossentropy (lower-case e)
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossEntropy' });
  // @ts-expect-error -- 'acuracy' is not a metric
  model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] });
  // @ts-expect-error -- metrics is an array
  model.compile({ optimizer: 'adam', loss: 'mse', metrics: 'accuracy' });
  // @ts-expect-error -- Keras's AUC is 'auc' or 'AUC', not 'Auc'
  model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['Auc'] });
  // @ts-expect-error -- classWeight maps class indices to numbers
  await model.fit(x, y, { classWeight: { 0: '2' } });
  // @ts-expect-error -- learningRate, not learningrate
  model.compile({ optimizer: optimizers.adam({ learningrate: 0.01 }), loss: 'mse' });
  // @ts-expect-error -- TF.js's positional learning rate is a number
  optimizers.adam('0.01');
  // @ts-expect-error -- neither data nor options
  await model.fit('not data', 42);
  // @ts-expect-error -- in-memory x needs its targets y
  await model.fit(x);
  // @ts-expect-error -- epochs is a number
  await model.fit(x, y, { epochs: '5' });
  // @ts-expect-error -- epochs, not epoch
  await model.fit(x, y, { epoch: 5 });
  // @ts-expect-error -- verbose is 0, 1 or 2
  await model.fit(x, y, { verbose: 3 });
  // @ts-expect-error -- onEpochEnd, not onEpochEnds
  await model.fit(x, y, { callbacks: { onEpochEnds: () => {} } });
  // @ts-expect-error -- callbacks are Callback objects or objects of hooks
  await model.fit(x, y, { callbacks: 'earlyStopping' });
  // @ts-expect-error -- a callback factory must be called
  await model.fit(x, y, { callbacks: [callbacks.earlyStopping] });
  // @ts-expect-error -- validationData is [x, y]
  await model.fit(x, y, { validationData: x });
  // @ts-expect-error -- a batch is { xs, ys } (or { x, y })
  await model.fit([{ inputs: x, targets: y }], { epochs: 1 });
  // @ts-expect-error -- in-memory x needs its targets y
  model.evaluate(x);
  // @ts-expect-error -- evaluate() answers at once: an async iterable goes to evaluateDataset()
  model.evaluate(asyncBatches);
  // @ts-expect-error -- predict() answers at once: an async iterable goes to predictDataset()
  model.predict(asyncBatches);
  // @ts-expect-error -- a string is not data
  model.predict('hello');
  // @ts-expect-error -- batchSize is a number
  model.predict(x, { batchSize: '32' });
  // @ts-expect-error -- one step of data, not a string
  model.step('a');
  // @ts-expect-error -- sequential takes layers
  sequential([42]);
  // @ts-expect-error -- batchSize, not batchsize
  data.batches(x, y, { batchsize: 32 });
  // @ts-expect-error -- batches yield { xs, ys }
  for (const { x: xb } of data.batches(x, y)) void xb;
}
