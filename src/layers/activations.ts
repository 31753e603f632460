// The activations a layer's output can take, by name, on arena regions: the forward map in
// place and the backward pass from the stored output (all in Wasm, see kernels/activations).
import { activate, activateGrad, softmax, softmaxGrad } from '../kernels/activations.js';
import type { F32Region } from '../runtime/arena.js';
import { choice, type Option } from './options.js';

/**
 * hardSigmoid is TF.js's and Keras 2's clip(0.2x + 0.5, 0, 1); hardSigmoidKeras3 is Keras 3's
 * relu6(x + 3)/6 = clip(x/6 + 0.5, 0, 1). Keras saves both as 'hard_sigmoid': loadModel reads
 * it by the file's keras_version, and seqwasm saves the Keras 3 one under its own name.
 *
 * @example
 * ```ts
 * layers.dense({ units: 1, activation: 'sigmoid' });
 * layers.gru({ units: 8, recurrentActivation: 'hardSigmoidKeras3' });
 * ```
 */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSigmoidKeras3' | 'softmax';

/** Keras spells these differently in saved configs; the rest are the same. */
const KERAS_NAMES: Partial<Record<ActivationName, string>> = { hardSigmoid: 'hard_sigmoid' };

/** An activation option limited to `names` (recurrent kernels support fewer than dense). Saved under Keras's names. */
export function activationOption<T extends ActivationName>(names: readonly T[], fallback: T): Option<T> {
  const aliases: Record<string, T> = {};
  for (const name of names) if (KERAS_NAMES[name]) aliases[KERAS_NAMES[name]] = name;
  return choice(names, fallback, aliases, (name) => KERAS_NAMES[name] ?? name);
}

/** y = act(y) in place over a rows×cols matrix. */
export function applyActivation(name: ActivationName, y: F32Region, rows: number, cols: number): void {
  if (name === 'softmax') softmax(y, rows, cols);
  else if (name !== 'linear') activate(name, y, y, rows * cols);
}

/**
 * The gradient at the pre-activation from the output y and its gradient dy (rows×cols):
 * written to `scratch` and returned, or dy itself for linear (nothing to do).
 */
export function activationGradient(name: ActivationName, y: F32Region, dy: F32Region, scratch: F32Region, rows: number, cols: number): F32Region {
  if (name === 'linear') return dy;
  if (name === 'softmax') softmaxGrad(y, dy, rows, cols, scratch);
  else activateGrad(name, y, dy, scratch, rows * cols);
  return scratch;
}
