// npm run example:simple-rnn-by-hand — the lesson's SimpleRNN(2) on 3 features followed by
// Dense(3), taken apart. summary() shows 12 + 9 parameters: the RNN has a kernel W (3×2), a
// recurrent kernel U (2×2) and a bias b (2), 2·(3 + 2 + 1) = 12; the Dense layer V (2×3) and
// c (3), 3·(2 + 1) = 9. Then the Elman equations, in plain float64 JavaScript from getWeights(),
//   h_t = tanh(x_t·W + h_{t−1}·U + b),  h_0 = 0,     y = h_T·V + c,
// are checked against the layer's own output: one step first (h_1, where U does not act yet),
// then a 5-step sequence (the recurrence through U) and the Dense output on top.
// Untrained, seeded weights: the arithmetic is the lesson. Quick and full mode are the same.
import { init, layers, prng, sequential, type Tensor } from '../dist/node.js';
import { checkTarget, runWhenStarted, type LessonOptions, type LessonResult } from './lesson.js';

const FEATURES = 3;
const UNITS = 2;
const OUTPUTS = 3;

/** x·M for a vector x and a row-major matrix M [x.length, columns]. */
function vecMat(x: ArrayLike<number>, m: Tensor): number[] {
  const columns = m.shape[1];
  return Array.from({ length: columns }, (_, j) => {
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[i] * m.data[i * columns + j];
    return sum;
  });
}

/** The Elman recurrence over a sequence of steps: every h_t, from h_0 = 0. */
function elman(steps: readonly Float32Array[], W: Tensor, U: Tensor, b: Tensor): number[][] {
  const states: number[][] = [];
  let h = new Array<number>(UNITS).fill(0);
  for (const x of steps) {
    const [xW, hU] = [vecMat(x, W), vecMat(h, U)];
    h = xW.map((v, j) => Math.tanh(v + hU[j] + b.data[j]));
    states.push(h);
  }
  return states;
}

const largestDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a, (v, i) => Math.abs(v - b[i])).reduce((m, d) => Math.max(m, d), 0);
const scientific = (v: number): string => v.toExponential(1);

export async function main({ log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  const model = sequential({ seed: 3, layers: [layers.simpleRNN({ units: UNITS, inputShape: [null, FEATURES] }), layers.dense({ units: OUTPUTS })] });
  model.summary(log);
  const [rnnParams, denseParams] = model.layers.map((layer) => layer.countParams());

  // getWeights() in Keras order: W [3, 2], U [2, 2], b [2], then V [2, 3], c [3]. The biases
  // start at zero; give them values (setWeights) so that they take part in the check.
  const [W, U, , V] = model.getWeights();
  const b: Tensor = { shape: [UNITS], data: Float32Array.of(0.1, -0.2) };
  const c: Tensor = { shape: [OUTPUTS], data: Float32Array.of(0.3, 0, -0.1) };
  model.setWeights([W, U, b, V, c]);
  log(`W = ${W.data.join(', ')}   U = ${U.data.join(', ')}   b = ${b.data.join(', ')}`);

  // The RNN layer alone, with the same weights: its output is the last h_t.
  const rnn = sequential({ layers: [layers.simpleRNN({ units: UNITS, inputShape: [null, FEATURES] })] });
  rnn.setWeights([W, U, b]);

  const rng = prng(11);
  const sequence = Array.from({ length: 5 }, () => Float32Array.from({ length: FEATURES }, () => rng.float32() * 2 - 1));
  const asInput = (steps: readonly Float32Array[]): Tensor => ({ shape: [1, steps.length, FEATURES], data: Float32Array.from(steps.flatMap((s) => [...s])) });
  const byHand = elman(sequence, W, U, b);
  const h1 = rnn.predict(asInput(sequence.slice(0, 1))).data;
  const h5 = rnn.predict(asInput(sequence)).data;
  const y = model.predict(asInput(sequence)).data;
  const yByHand = vecMat(byHand[4], V).map((v, j) => v + c.data[j]);
  log(`x_1 = ${[...sequence[0]].map((v) => v.toFixed(4)).join(', ')}`);
  log(`h_1 by hand = ${byHand[0].map((v) => v.toFixed(6)).join(', ')}   the layer: ${[...h1].map((v) => v.toFixed(6)).join(', ')}`);
  log(`h_5 by hand = ${byHand[4].map((v) => v.toFixed(6)).join(', ')}   the layer: ${[...h5].map((v) => v.toFixed(6)).join(', ')}`);
  log(`y   by hand = ${yByHand.map((v) => v.toFixed(6)).join(', ')}   the model: ${[...y].map((v) => v.toFixed(6)).join(', ')}`);
  model.dispose();
  rnn.dispose();

  // float32 Wasm against float64 JavaScript: a few float32 roundings apart at most.
  const tolerance = 1e-6;
  const count = { format: String, compare: '=' } as const;
  const difference = { format: scientific, compare: '≤' } as const;
  const checks = [
    checkTarget('SimpleRNN(2) parameters', rnnParams, 12, count),
    checkTarget('Dense(3) parameters', denseParams, 9, count),
    checkTarget('one step: largest |h_1 by hand − layer|', largestDifference(byHand[0], h1), tolerance, difference),
    checkTarget('five steps: largest |h_5 by hand − layer|', largestDifference(byHand[4], h5), tolerance, difference),
    checkTarget('with Dense: largest |y by hand − model|', largestDifference(yByHand, y), tolerance, difference),
  ];
  return { checks, figures: Object.fromEntries(checks.map((check) => [check.label, check.value])) };
}

await runWhenStarted(import.meta.url, main);
