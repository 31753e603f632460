// What the training loop (training.ts) needs from a model: its layers, its inputs and outputs,
// and a planned forward/backward for one batch shape. Sequential implements it with one stack
// of layers; Functional (and the EncoderDecoder built on it) with a graph of layer calls.
import type { Layer, Mask, Shape } from '../layers/layer.js';
import type { F32Region } from '../runtime/arena.js';
import type { Prng } from '../util/prng.js';

/** @internal one model output of a planned batch, after forward(). */
export interface BatchOutput {
  readonly region: F32Region;
  readonly shape: readonly number[];
  /** The mask on the output (sequence outputs of padded inputs). */
  readonly mask: Mask | undefined;
}

/** @internal a model's planned forward/backward for one batch shape (the training loop's view). */
export interface BatchPlan {
  /** One region per model input: the caller copies the batch's samples here before forward(). */
  readonly inputs: readonly F32Region[];
  /** One per model output, read after forward(). */
  readonly outputs: readonly BatchOutput[];
  forward(rng?: Prng): void;
  /** Backpropagates one gradient per output; `preActivation[k]`: output k's is already the gradient at its final Dense layer's logits. */
  backward(dOutputs: readonly F32Region[], preActivation: readonly boolean[]): void;
  /** A region of `floats` floats kept with this plan (targets, output gradients), allocated on first use. */
  buffer(name: string, floats: number): F32Region;
}

/** @internal what the training loop needs from a model kind (Model implements it). */
export interface Network {
  /** The model's name: errors and saved files use it. */
  readonly name: string;
  /** Every layer whose weights the model holds, in order. */
  readonly layers: readonly Layer[];
  /** The names of the inputs (keys of fit's x given as an object). */
  inputNames(): readonly string[];
  /** The names of the outputs (keys of y, loss and metrics given as objects; prefixes of per-output logs). */
  outputNames(): readonly string[];
  /** The layer each input enters first (its data is checked against it before training: embedding ids). */
  inputLayers(): readonly (Layer | undefined)[];
  /** The declared shape of each input, batch first (null where open); [] while not known (no declared shape, not built). */
  inputShapes(): Shape[];
  /** The shape of each output for inputs of these shapes (batch first). */
  outputShapes(shapes: readonly Shape[]): Shape[];
  /** Builds the layers for inputs of these shapes when not built yet (seeded initialisation). */
  ensureBuilt(shapes: readonly Shape[]): void;
  /** The planned network for inputs of these concrete shapes (cached by the network). */
  plan(shapes: readonly (readonly number[])[], training: boolean): BatchPlan;
  /** Per output: the activation of the Dense layer that produces it (a loss may fuse with it), else undefined. */
  finalActivations(): (string | undefined)[];
}
