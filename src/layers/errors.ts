// The errors of the layers API. Every message starts with the layer (or factory) at fault,
// then names the argument, e.g. `lstm_1: units must be a positive integer, got 0`, so a
// user reading a stack trace knows which of several layers to look at.
export { describe } from '../data/errors.js';

/**
 * Base of the three layer errors: `layer` is the layer name (or factory), `argument` the option
 * or argument at fault. Catch it to handle any layer error.
 *
 * @example
 * ```ts
 * try {
 *   layers.lstm({ units: 0 });
 * } catch (error) {
 *   if (error instanceof LayerError) console.log(error.layer, error.argument);   // 'lstm' 'units'
 * }
 * ```
 */
export class LayerError extends Error {
  /** The class name, shown in printed errors: 'LayerError' or the subclass's. */
  override name = 'LayerError';

  constructor(
    /** The layer's name (e.g. `lstm_1`) or the factory that refused. */
    readonly layer: string,
    /** The option or argument at fault, e.g. `units`. */
    readonly argument: string,
    problem: string,
  ) {
    super(`${layer}: ${problem}`);
  }
}

/**
 * A bad option when a layer or initializer is created (or read from a saved config).
 *
 * @example
 * ```ts
 * layers.lstm({ units: 8, retrunSequences: true } as never);   // LayerConfigError: … did you mean 'returnSequences'?
 * ```
 */
export class LayerConfigError extends LayerError {
  /** Always `'LayerConfigError'`. */
  override name = 'LayerConfigError';
}

/**
 * A bad argument when a layer is built, planned, called or given weights: wrong shape, rank, size or values.
 *
 * @example
 * ```ts
 * layers.dense({ units: 4 }).build([null], prng(1));   // LayerInputError: expects input of rank 2 or more
 * ```
 */
export class LayerInputError extends LayerError {
  /** Always `'LayerInputError'`. */
  override name = 'LayerInputError';
}

/**
 * A call in the wrong order: counting parameters before build, backward before a training forward, use after dispose.
 *
 * @example
 * ```ts
 * layers.lstm({ units: 8 }).countParams();   // LayerStateError: countParams() needs a built layer
 * ```
 */
export class LayerStateError extends LayerError {
  /** Always `'LayerStateError'`. */
  override name = 'LayerStateError';
}

/** Names longer than this get no hint: the edit distance costs length × length, and no real name is this long. */
export const MAX_HINT_LENGTH = 64;

/**
 * The known name closest to `unknown`, for "did you mean" hints: one that differs only in
 * case or underscores (`return_sequences` → `returnSequences`), else the nearest within an
 * edit distance of a third of the length (at least 2). None for names over MAX_HINT_LENGTH.
 */
export function closestName(unknown: string, known: Iterable<string>): string | undefined {
  if (unknown.length > MAX_HINT_LENGTH) return undefined;
  const fold = (s: string) => s.replace(/_/g, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(unknown.length / 3)) + 1;
  for (const name of known) {
    if (name.length > MAX_HINT_LENGTH) continue;
    if (fold(name) === fold(unknown)) return name;
    const distance = editDistance(unknown.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Damerau–Levenshtein distance (adjacent transpositions count once: `retrun` → `return` is 1). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}
