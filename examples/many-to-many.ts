// npm run example:many-to-many [-- --quick] — many-to-many, synced: one output per input step.
// Each character of a generated line such as "0x1f 42 cab 0xa7 dad" is tagged with the kind
// of token it belongs to: space, word (letters), number (digits) or hex (0x then 0-9, a-f).
// A character alone does not say its tag: the 'a' of "0xa7" is hex, of "cab" a word; the
// '0' of "0x1f" is hex, of "042" a number, which only the next character tells. So the model
// reads the line both ways: Embedding(maskZero) → Bidirectional(LSTM, returnSequences) →
// Dense(softmax) at every step. Lines have different lengths and are padded at the end with
// id 0; the mask keeps padding out of the LSTMs, the loss and the accuracy, and the accuracy
// printed here counts real characters only.
// Targets: ≥ 99% of real characters tagged right (full); ≥ 90% in quick mode.
import { data, init, layers, optimizers, prng, sequential, type Prng, type Tensor } from '../dist/node.js';
import { checkTarget, percent, runWhenStarted, type LessonOptions, type LessonResult } from './lesson.js';

const TAGS = ['space', 'word', 'number', 'hex'] as const;
const [SPACE, WORD, NUMBER, HEX] = [0, 1, 2, 3];
const HEX_DIGITS = '0123456789abcdef';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

/** A line of 1–6 random tokens and the tag of each of its characters. */
function generateLine(rng: Prng): { line: string; tags: number[] } {
  const pick = (alphabet: string, count: number) => Array.from({ length: count }, () => alphabet[rng.int(alphabet.length)]).join('');
  let line = '';
  const tags: number[] = [];
  const tokens = 1 + rng.int(6);
  for (let t = 0; t < tokens; t++) {
    if (t > 0) {
      line += ' ';
      tags.push(SPACE);
    }
    const kind = [WORD, NUMBER, HEX][rng.int(3)];
    const token = kind === WORD ? pick(LETTERS, 1 + rng.int(5)) : kind === NUMBER ? pick(DIGITS, 1 + rng.int(4)) : `0x${pick(HEX_DIGITS, 1 + rng.int(4))}`;
    line += token;
    tags.push(...Array<number>(token.length).fill(kind));
  }
  return { line, tags };
}

export async function main({ quick = false, verbose = false, log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  const rng = prng(4);
  const [trainCount, testCount, epochs] = quick ? [800, 300, 2] : [4_000, 1_000, 6];
  const lines = Array.from({ length: trainCount + testCount }, () => generateLine(rng));
  // Character ids start at 1: id 0 is the padding that Embedding(maskZero) masks.
  const vocab = data.vocabulary(` ${LETTERS}${DIGITS}x`, { level: 'char', maskToken: '' });
  const longest = Math.max(...lines.map((l) => l.line.length));
  const encode = (part: typeof lines) => data.padSequences(part.map((l) => vocab.encode(l.line)), { maxlen: longest, padding: 'post' });
  /** Tag ids [lines, steps] for the sparse loss; padding steps hold 0 but are masked out. */
  const tagIds = (part: typeof lines): Tensor => data.padSequences(part.map((l) => l.tags), { maxlen: longest, padding: 'post' }).x;
  const [train, test] = [lines.slice(0, trainCount), lines.slice(trainCount)];
  log(`${trainCount} training and ${testCount} held-out lines of up to ${longest} characters`);

  const model = sequential({
    seed: 9,
    layers: [
      layers.embedding({ inputDim: vocab.size, outputDim: 16, maskZero: true }),
      layers.bidirectional(layers.lstm({ units: 24, returnSequences: true })),
      layers.dense({ units: TAGS.length, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const started = performance.now();
  await model.fit(encode(train).x, tagIds(train), { epochs, batchSize: 32, verbose: verbose ? 1 : 0 });
  const seconds = (performance.now() - started) / 1000;

  // Accuracy over real characters only: step t of line i counts when t < its length.
  const { x: xTest, lengths } = encode(test);
  const probabilities = model.predict(xTest).data;
  const expected = tagIds(test).data;
  /** The most likely tag of step t of held-out line i. */
  const tagAt = (i: number, t: number): number => {
    const row = probabilities.subarray((i * longest + t) * TAGS.length, (i * longest + t + 1) * TAGS.length);
    return row.indexOf(Math.max(...row));
  };
  let right = 0, real = 0;
  for (let i = 0; i < test.length; i++) {
    for (let t = 0; t < lengths[i]; t++, real++) if (tagAt(i, t) === expected[i * longest + t]) right++;
  }
  const accuracy = right / real;
  // evaluate() applies the same mask, so its accuracy agrees with the count above.
  const evaluated = model.evaluate(xTest, tagIds(test)).accuracy;
  const shownLine = Math.max(0, test.findIndex((l) => l.line.includes('0x')));
  const shown = Array.from({ length: lengths[shownLine] }, (_, t) => 'swnh'[tagAt(shownLine, t)]).join('');
  log(`trained ${epochs} epochs in ${seconds.toFixed(1)} s`);
  log(`  line  ${test[shownLine].line}\n  tags  ${shown}   (s space, w word, n number, h hex)`);
  log(`${right} of ${real} real characters tagged right (${longest * test.length - real} padding steps not counted); evaluate(): ${percent(evaluated)}`);
  model.dispose();
  const checks = [checkTarget('held-out per-character accuracy (real steps)', accuracy, quick ? 0.9 : 0.99)];
  return { checks, figures: { accuracy, evaluateAccuracy: evaluated, trainSeconds: seconds } };
}

await runWhenStarted(import.meta.url, main);
