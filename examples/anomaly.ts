// npm run example:anomaly — streaming anomaly detection with a stateful recurrent model.
//
// The sensor: a year of hourly temperatures at Seattle (vega-datasets'
// seattle-weather-hourly-normals.csv: a daily cycle on a seasonal swing) plus seeded noise, as a
// cheap thermometer would report them. An LSTM learns, on the first seven months, to predict
// the next hour's reading at every step. Then the rest of the year arrives one reading at a
// time: model.step() takes the reading, carries the LSTM's state to the next call, and returns
// its forecast of the next hour. A reading far from the forecast made for it is flagged.
// Into that stream we inject 24 anomalies of four kinds (spikes, a stuck sensor, a level shift,
// a burst of noise), and count how many the flags find (recall) and how many flags were right
// (precision).
//
//   npm run example:anomaly              full run
//   npm run example:anomaly -- --quick   a few seconds (CI): fewer epochs, a shorter stream
//
// Target: precision ≥ 0.8 and recall ≥ 0.8 (quick: both ≥ 0.5).
import { readFile } from 'node:fs/promises';
import { data, init, layers, optimizers, prng, sequential, type Prng } from '../dist/node.js';
import { checkTarget, decimal, runWhenStarted, type LessonOptions, type TargetCheck } from './lesson.js';

const CHUNK = 72; // hours per training sequence
const TRAIN_HOURS = 24 * 212; // January … July
const NOISE = 0.15; // °C, the sensor's own noise (standard deviation)
/** Flags within this many hours after an anomaly ends still count for it: the model's state has seen the odd reading. */
const TOLERANCE = 3;

export interface Anomaly {
  kind: 'spike' | 'stuck' | 'shift' | 'noise burst';
  start: number;
  /** Exclusive. */
  end: number;
}

export interface AnomalyResult {
  anomalies: number;
  detected: number;
  flags: number;
  correctFlags: number;
  precision: number;
  recall: number;
  /** Per kind: [detected, injected]. */
  byKind: Record<string, [number, number]>;
  threshold: number;
  streamHours: number;
  msPerStep: number;
  checks: TargetCheck[];
}

/** A zero-mean, roughly normal draw with standard deviation 1 (the sum of 12 uniforms, minus 6). */
function normal(rng: Prng): number {
  let sum = -6;
  for (let i = 0; i < 12; i++) sum += rng.float();
  return sum;
}

/** Writes `count` anomalies into `readings` (in place) at random, non-overlapping places; returns where. */
function injectAnomalies(readings: Float64Array, count: number, rng: Prng): Anomaly[] {
  const kinds: Anomaly['kind'][] = ['spike', 'stuck', 'shift', 'noise burst'];
  const slot = Math.floor(readings.length / count); // one anomaly per slot, away from the slot's edges
  const out: Anomaly[] = [];
  for (let k = 0; k < count; k++) {
    const kind = kinds[k % kinds.length];
    const length = kind === 'spike' ? 1 : 6 + rng.int(7);
    const start = k * slot + 24 + rng.int(slot - length - 48);
    const sign = rng.float() < 0.5 ? -1 : 1;
    for (let t = start; t < start + length; t++) {
      if (kind === 'spike') readings[t] += sign * (3 + 3 * rng.float());
      else if (kind === 'stuck') readings[t] = readings[start - 1]; // the last good reading, repeated
      else if (kind === 'shift') readings[t] += sign * 2.5;
      else readings[t] += 1.5 * normal(rng);
    }
    out.push({ kind, start, end: start + length });
  }
  return out;
}

export async function main(options: LessonOptions = {}): Promise<AnomalyResult> {
  const { quick = false, verbose = false, log = console.log } = options;
  await init();

  const csv = await readFile(new URL('../node_modules/vega-datasets/data/seattle-weather-hourly-normals.csv', import.meta.url), 'utf8');
  const clean = data.parseCsv(csv, { columns: ['temperature'] }).column('temperature');
  const rng = prng(17);
  const readings = clean.map((v) => v + NOISE * normal(rng)); // what the sensor reports
  log(`${readings.length} hourly readings; the first ${TRAIN_HOURS} (January … July) to learn from, the rest as a stream`);

  // Standardise with the training months' statistics; the stream gets the same transform.
  const scaler = data.standardScaler().fit(readings.subarray(0, TRAIN_HOURS));
  const scaled = scaler.transform(readings).data;

  // Many-to-many training: each 72-hour chunk, and at every hour the next hour's reading as
  // target. A model trained so predicts after every step, which is exactly what streaming needs.
  const starts = Array.from({ length: Math.floor((TRAIN_HOURS - CHUNK - 1) / 12) }, (_, i) => i * 12);
  const x = { shape: [starts.length, CHUNK, 1], data: new Float32Array(starts.length * CHUNK) };
  const y = { shape: [starts.length, CHUNK, 1], data: new Float32Array(starts.length * CHUNK) };
  starts.forEach((s, i) => {
    x.data.set(scaled.subarray(s, s + CHUNK), i * CHUNK);
    y.data.set(scaled.subarray(s + 1, s + CHUNK + 1), i * CHUNK);
  });
  const model = sequential({
    seed: 4,
    layers: [layers.lstm({ units: 24, returnSequences: true, inputShape: [null, 1] }), layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: optimizers.adam(0.01), loss: 'meanSquaredError' });
  log(`${starts.length} training sequences of ${CHUNK} hours`);
  await model.fit(x, y, { epochs: quick ? 4 : 20, batchSize: 32, verbose: verbose ? 1 : 0 });

  /** Streams `values` (standardised) through the model; returns |reading − forecast made for it| in °C for each hour after the first. */
  const std = scaler.scale![0];
  const stream = (values: Float32Array): Float64Array => {
    model.resetStates();
    const errors = new Float64Array(values.length);
    let forecast = NaN;
    for (let t = 0; t < values.length; t++) {
      errors[t] = t === 0 ? 0 : Math.abs(values[t] - forecast) * std;
      forecast = model.step({ shape: [1, 1], data: values.subarray(t, t + 1) }).data[0];
    }
    return errors;
  };

  // The threshold: well above the largest error on the last clean training month (July),
  // streamed the same way, so normal hours almost never raise a flag.
  const calibration = stream(scaled.subarray(TRAIN_HOURS - 24 * 31, TRAIN_HOURS));
  const threshold = 1.5 * Math.max(...calibration.subarray(24)); // the first day warms the state up
  log(`threshold: ${threshold.toFixed(2)} °C from the forecast (1.5 × the largest error on clean July hours)`);

  // The stream: August … December, or its first two months in quick mode, with anomalies.
  const streamReadings = readings.slice(TRAIN_HOURS, quick ? TRAIN_HOURS + 24 * 61 : readings.length);
  const anomalies = injectAnomalies(streamReadings, quick ? 8 : 24, prng(99));
  const streamScaled = scaler.transform(streamReadings).data;
  const started = performance.now();
  const errors = stream(streamScaled);
  const msPerStep = (performance.now() - started) / streamScaled.length;
  model.dispose();

  const flagged = Array.from(errors.keys()).filter((t) => t >= 24 && errors[t] > threshold);
  const explains = (a: Anomaly, t: number) => t >= a.start && t < a.end + TOLERANCE;
  const correctFlags = flagged.filter((t) => anomalies.some((a) => explains(a, t))).length;
  const found = anomalies.map((a) => flagged.some((t) => explains(a, t)));
  const detected = found.filter(Boolean).length;
  const byKind: Record<string, [number, number]> = {};
  anomalies.forEach((a, i) => {
    const entry = (byKind[a.kind] ??= [0, 0]);
    entry[0] += found[i] ? 1 : 0;
    entry[1] += 1;
  });
  const precision = flagged.length ? correctFlags / flagged.length : 0;
  const recall = detected / anomalies.length;

  log(`\nStreamed ${streamScaled.length} hours with step(), ${msPerStep.toFixed(3)} ms per reading; ${anomalies.length} anomalies injected`);
  for (const [kind, [hit, all]] of Object.entries(byKind)) log(`  ${kind.padEnd(12)} ${hit}/${all} found`);
  log(`  ${flagged.length} flags, ${correctFlags} on an anomaly: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);

  const checks = [
    checkTarget('anomaly: precision of the flags', precision, quick ? 0.5 : 0.8, { format: decimal }),
    checkTarget('anomaly: recall of the injected anomalies', recall, quick ? 0.5 : 0.8, { format: decimal }),
  ];
  return { anomalies: anomalies.length, detected, flags: flagged.length, correctFlags, precision, recall, byKind, threshold, streamHours: streamScaled.length, msPerStep, checks };
}

await runWhenStarted(import.meta.url, main);
