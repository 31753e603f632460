// npm run bench:data [-- --json]: windowing throughput from 10^5 to 10^7 points (time per
// point should stay flat: linear scaling), against the nested-array windowing the Keras
// lessons do by hand, plus the other data helpers at scale. Pure TypeScript: no Wasm needed.
// Also the "data" suite of npm run bench (--quick: every size ÷ 10, the largest dropped).
import { minMaxScaler, padSequences, standardScaler, timeseriesWindows, vocabulary } from '../src/data/index.js';
import { toTensor } from '../src/tensor.js';
import { Prng } from '../src/util/prng.js';
import { isMain, medianMs, report, withPeer, type Row, type SuiteOptions } from './harness.js';

const SEQUENCE_LENGTH = 24;
const BATCH_SIZE = 256;
const random = new Prng(1);

function series(points: number, features = 1): Float32Array {
  return Float32Array.from({ length: points * features }, () => random.float32());
}

/** Every lazy batch of windows (next-step targets) drawn once; returns a checksum so nothing is optimised away. */
function drainWindows(data: Float32Array | { shape: number[]; data: Float32Array }, samplingRate = 1): number {
  let sum = 0;
  for (const { xs, ys } of timeseriesWindows(data, { sequenceLength: SEQUENCE_LENGTH, samplingRate, horizon: 1, batchSize: BATCH_SIZE })) sum += xs.data[0] + ys!.data[0];
  return sum;
}

/** What the lessons do by hand: windows as nested arrays ([N][L][1]), then a tensor for fit. */
function nestedWindows(data: Float32Array): number {
  const windows: number[][][] = [];
  const targets: number[] = [];
  for (let i = 0; i + SEQUENCE_LENGTH < data.length; i++) {
    windows.push(Array.from(data.subarray(i, i + SEQUENCE_LENGTH), (v) => [v]));
    targets.push(data[i + SEQUENCE_LENGTH]);
  }
  return toTensor(windows).data[0] + toTensor(targets).data[0];
}

export async function dataRows({ quick = false }: SuiteOptions = {}): Promise<Row[]> {
  const rows: Row[] = [];
  const nsPer = (ms: number, count: number) => (ms * 1e6) / count;
  const label = (points: number) => `10^${Math.log10(points)}`;

  // Lazy windowing at three sizes, each task windowing the largest size's points in all (the smaller series
  // repeatedly) so every size gets the same time budget: ns per point should not grow.
  const sizes = quick ? [1e5, 1e6] : [1e5, 1e6, 1e7];
  const total = sizes[sizes.length - 1];
  const sized = Object.fromEntries(sizes.map((points) => [points, series(points)]));
  const lazyMs = await medianMs(
    Object.fromEntries(
      sizes.map((points) => [
        points,
        () => {
          for (let pass = 0; pass < total / points; pass++) drainWindows(sized[points]);
        },
      ]),
    ),
    { time: 0, warmupTime: 0 },
  );
  const perPoint = Object.fromEntries(sizes.map((points) => [points, nsPer(lazyMs[points], total)]));
  for (const points of sizes) {
    rows.push({ name: `timeseriesWindows lazy, ${label(points)} points (L ${SEQUENCE_LENGTH}, batch ${BATCH_SIZE})`, unit: 'ns/point', value: perPoint[points] });
  }
  rows.push({ name: `timeseriesWindows lazy, ${label(total)} points`, unit: 'Mpoints/s', value: 1e3 / perPoint[total] });
  rows.push({ name: `linear scaling: ns/point at ${label(total)} ÷ at 10^5`, unit: 'x (1 = linear)', value: perPoint[total] / perPoint[1e5] });

  // Eager tensors vs the hand-written nested-array windows, same output, at 10^5 points
  // (nested arrays of 10^7 windows would not fit in memory).
  {
    const points = quick ? 1e4 : 1e5;
    const data = series(points);
    const ms = await medianMs({
      eager: () => timeseriesWindows(data, { sequenceLength: SEQUENCE_LENGTH, horizon: 1 }).x.data[0],
      nested: () => nestedWindows(data),
    });
    rows.push(withPeer({ name: `timeseriesWindows eager, ${label(points)} points`, unit: 'ns/point', value: nsPer(ms.eager, points) }, 'nested arrays + toTensor', nsPer(ms.nested, points), false));
  }

  // Multivariate and sampled windows (a weather-style series: 8 features, hourly from 10-minute steps).
  {
    const steps = quick ? 1e5 : 1e6;
    const data = { shape: [steps, 8], data: series(steps, 8) };
    const ms = await medianMs({ rate1: () => drainWindows(data), rate6: () => drainWindows(data, 6) });
    rows.push({ name: `timeseriesWindows lazy, ${label(steps)} steps × 8 features`, unit: 'ns/step', value: nsPer(ms.rate1, steps) });
    rows.push({ name: `timeseriesWindows lazy, ${label(steps)} steps × 8 features, samplingRate 6`, unit: 'ns/step', value: nsPer(ms.rate6, steps) });
  }

  // The other helpers at scale.
  {
    const values = quick ? 1e6 : 1e7;
    const x = { shape: [values / 8, 8], data: series(values / 8, 8) };
    const text = Array.from({ length: values / 10 }, () => 'abcdefghij klmnopqrst'[random.int(21)]).join('');
    const seqs = Array.from({ length: values / 100 }, () => Int32Array.from({ length: 1 + random.int(100) }, () => random.int(1000)));
    const elements = seqs.reduce((n, s) => n + s.length, 0);
    const ms = await medianMs({
      standard: () => standardScaler().fitTransform(x).data[0],
      minMax: () => minMaxScaler().fitTransform(x).data[0],
      vocabulary: () => vocabulary(text, { level: 'char' }).encode(text).length,
      pad: () => padSequences(seqs, { maxlen: 64 }).lengths[0],
    });
    rows.push({ name: `standardScaler fit + transform, ${label(values)} values`, unit: 'ns/value', value: nsPer(ms.standard, values) });
    rows.push({ name: `minMaxScaler fit + transform, ${label(values)} values`, unit: 'ns/value', value: nsPer(ms.minMax, values) });
    rows.push({ name: `char vocabulary learn + encode, ${label(text.length)} chars`, unit: 'ns/char', value: nsPer(ms.vocabulary, text.length) });
    rows.push({ name: `padSequences, ${label(seqs.length)} sequences (${elements} elements) to 64`, unit: 'ns/element', value: nsPer(ms.pad, elements) });
  }

  return rows;
}

if (isMain(import.meta.url)) report(await dataRows({ quick: process.argv.includes('--quick') }));
