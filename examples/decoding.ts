// Generation with an encoder–decoder, shared by the seq2seq lessons (number words, g2p) and
// one-to-many: the encoder's states start the decoder, which then reads back the token it
// chose at the previous step, one decoder.step() for the whole batch at a time.
import { argMax, data, sample, type Prng, type Sequential, type Tensor } from '../dist/node.js';

export interface DecodeOptions {
  /** The decoder's vocabulary: its one-hot width and the tokens of the ids it outputs. */
  readonly vocab: data.Vocabulary;
  /** The token fed at the first step. */
  readonly start: string;
  /** The token that ends a sequence (not included in the output). */
  readonly end: string;
  /** Stop after this many steps even without `end`. */
  readonly maxSteps: number;
  /** Draw from the decoder's probabilities (e.g. prng(7)); without it, greedy: the most likely token. */
  readonly rng?: Prng;
  /** With rng: sample()'s temperature. Default 1. */
  readonly temperature?: number;
}

/** The tokens generated for each row of `states` (the encoder's final states for a batch of sources). */
export function decode(decoder: Sequential, states: readonly Tensor[], { vocab, start, end, maxSteps, rng, temperature = 1 }: DecodeOptions): string[][] {
  const rows = states[0].shape[0];
  const out = Array.from({ length: rows }, (): string[] => []);
  const done = new Array<boolean>(rows).fill(false);
  let previous: ArrayLike<number> = new Array<number>(rows).fill(vocab.indexOf(start));
  decoder.resetStates();
  for (let t = 0; t < maxSteps && done.includes(false); t++) {
    const probs = decoder.step(data.oneHot(Array.from(previous), vocab.size), t === 0 ? { initialState: states } : {});
    previous = rng ? sample(probs, { rng, temperature }) : argMax(probs).data;
    for (let i = 0; i < rows; i++) {
      const token = vocab.tokenAt(previous[i]);
      if (token === end) done[i] = true;
      else if (!done[i]) out[i].push(token);
    }
  }
  return out;
}
