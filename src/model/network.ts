// What the training loop (training.ts) needs from a model: its layers, its inputs, and a
// planned forward/backward for one batch shape. Sequential implements it with one stack of
// layers; EncoderDecoder with two stacks joined by the encoder's final states.
import type { Layer, Mask, Shape } from '../layers/layer.js';
import type { F32Region } from '../runtime/arena.js';
import type { Prng } from '../util/prng.js';

/** @internal a model's planned forward/backward for one batch shape (the training loop's view). */
export interface BatchPlan {
  /** One region per model input: the caller copies the batch's samples here before forward(). */
  readonly inputs: readonly F32Region[];
  readonly output: F32Region;
  readonly outputShape: readonly number[];
  /** The mask on the output after forward() (sequence outputs of padded inputs). */
  readonly outputMask: Mask | undefined;
  /** The final states of the last layer after forward() (a recurrent layer; [] otherwise). */
  readonly finalStates: readonly F32Region[];
  forward(rng?: Prng): void;
  /** Backpropagates dOutput; `preActivation`: it is already the gradient at the last Dense layer's logits. */
  backward(dOutput: F32Region, preActivation: boolean): void;
  /** A region of `floats` floats kept with this plan (targets, output gradients), allocated on first use. */
  buffer(name: string, floats: number): F32Region;
}

/** @internal what the training loop needs from a model kind (Model implements it). */
export interface Network {
  /** The model's name: errors and saved files use it. */
  readonly name: string;
  /** Every layer whose weights the model holds, in order. */
  readonly layers: readonly Layer[];
  /** The layer each input enters first (its data is checked against it before training: embedding ids). */
  inputLayers(): readonly (Layer | undefined)[];
  /** The declared shape of each input, batch first (null where open); [] while not known (no declared shape, not built). */
  inputShapes(): Shape[];
  /** The output shape for inputs of these shapes (batch first). */
  outputShape(shapes: readonly Shape[]): Shape;
  /** Builds the layers for inputs of these shapes when not built yet (seeded initialisation). */
  ensureBuilt(shapes: readonly Shape[]): void;
  /** The planned network for inputs of these concrete shapes (cached by the network). */
  plan(shapes: readonly (readonly number[])[], training: boolean): BatchPlan;
  /** The final layer's activation when it is a Dense layer (a loss may fuse with it). */
  finalActivation(): string | undefined;
}
