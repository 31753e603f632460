// npm run example:seq2seq — a character-level encoder–decoder, as in the Keras translation
// example (lstm_seq2seq), translating English number words into digits:
// "three hundred forty two" → "342". Two Sequential models share states: the encoder LSTM
// returns its final states, which start the decoder LSTM. Trained with teacher forcing
// (the decoder reads the target shifted by one step), then decoded greedily one character
// at a time with decoder.step().
import { data, encoderDecoder, init, layers, optimizers, prng, sequential, type Tensor } from '../dist/node.js';
import { decode } from './decoding.js';

await init();

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function words(n: number): string {
  if (n < 20) return ONES[n];
  if (n < 100) return TENS[Math.floor(n / 10)] + (n % 10 ? ` ${ONES[n % 10]}` : '');
  return `${ONES[Math.floor(n / 100)]} hundred${n % 100 ? ` ${words(n % 100)}` : ''}`;
}

const START = '\t';
const END = '\n';
const numbers = Array.from(prng(1).permutation(1000));
const sources = numbers.map(words);
const targets = numbers.map((n) => `${START}${n}${END}`);
const sourceVocab = data.vocabulary(sources, { level: 'char' });
const targetVocab = data.vocabulary(targets, { level: 'char' });
const sourceSteps = Math.max(...sources.map((s) => s.length));
const targetSteps = Math.max(...targets.map((t) => t.length));

/** Character ids padded at the end with `pad` to `steps`, one-hot: [texts, steps, vocabulary size]. */
function encodeAll(texts: readonly string[], vocab: data.Vocabulary, steps: number, pad: string): Tensor {
  const ids = texts.map((t) => Array.from(vocab.encode(t.padEnd(steps, pad))));
  return data.oneHot(ids, vocab.size);
}

const encoderInput = encodeAll(sources, sourceVocab, sourceSteps, ' ');
const decoderInput = encodeAll(targets.map((t) => t.slice(0, -1)), targetVocab, targetSteps - 1, END);
const decoderTarget = encodeAll(targets.map((t) => t.slice(1)), targetVocab, targetSteps - 1, END);

const UNITS = 128;
const encoder = sequential({ seed: 1, layers: [layers.lstm({ units: UNITS, returnState: true, inputShape: [null, sourceVocab.size] })] });
const decoder = sequential({
  seed: 2,
  layers: [layers.lstm({ units: UNITS, returnSequences: true, inputShape: [null, targetVocab.size] }), layers.dense({ units: targetVocab.size, activation: 'softmax' })],
});
const model = encoderDecoder({ encoder, decoder, seed: 3 });
model.compile({ optimizer: optimizers.adam({ learningRate: 0.005 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const trainCount = 900;
const head = (t: Tensor, n: number, from = 0): Tensor => {
  const row = t.data.length / t.shape[0];
  return { shape: [n, ...t.shape.slice(1)], data: t.data.subarray(from * row, (from + n) * row) };
};
await model.fit([head(encoderInput, trainCount), head(decoderInput, trainCount)], head(decoderTarget, trainCount), { epochs: 40, batchSize: 32, verbose: 1 });

/** Greedy decoding: the encoder's states start the decoder, which then reads back its own previous character. */
function translate(texts: readonly string[]): string[] {
  const states = model.encode(encodeAll(texts, sourceVocab, sourceSteps, ' '));
  return decode(decoder, states, { vocab: targetVocab, start: START, end: END, maxSteps: targetSteps }).map((chars) => chars.join(''));
}

const held = numbers.slice(trainCount);
const answers = translate(held.map(words));
const right = answers.filter((a, i) => a === String(held[i])).length;
console.log(`held-out numbers translated exactly: ${right}/${held.length}`);
for (let i = 0; i < 5; i++) console.log(`  ${words(held[i]).padEnd(32)} → ${answers[i]}`);
