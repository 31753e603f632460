// An encoder–decoder (seq2seq), as in the Keras translation example, made from two Sequential
// models joined by states: the encoder's last layer is recurrent with returnState, and its
// final states become the initial states of the decoder's first recurrent layer. It is an
// ordinary functional model over the two models' layers (so it trains with the common loop
// and saves as one file), built like this:
//
//   encoder_input → encoder layers → [output, ...states]
//   decoder_input → decoder layers, the first recurrent one called with initialState: states → y
//
//   const encoder = sequential({ layers: [layers.lstm({ units: 64, returnState: true, inputShape: [null, 12] })] });
//   const decoder = sequential({ layers: [layers.lstm({ units: 64, returnSequences: true, inputShape: [null, 13] }),
//                                         layers.dense({ units: 13, activation: 'softmax' })] });
//   const model = encoderDecoder({ encoder, decoder });
//   model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
//   await model.fit([sources, decoderInputs], decoderTargets, { epochs: 50 });
//   // inference: states = model.encode(source); then decoder.step(token, { initialState: states }), …
//
// The two Sequential models keep sharing the layers: decoder.step() generates with the
// trained weights. Each part's weights come from its own seed, as when it is built alone.
import type { Layer, SymbolicTensor } from '../layers/layer.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { describe, ModelConfigError } from './errors.js';
import { Functional } from './functional.js';
import { input } from './graph.js';
import { Sequential } from './sequential.js';
import type { PredictOptions } from './samples.js';

/**
 * Options of {@link encoderDecoder}.
 *
 * @example
 * ```ts
 * encoderDecoder({ encoder, decoder, seed: 3, name: 'translator' });
 * ```
 */
export interface EncoderDecoderOptions {
  /** Its last layer must be recurrent with returnState: true; its final states start the decoder. Required. */
  encoder: Sequential;
  /** Its first recurrent layer (same cell and units as the encoder's last) starts from the encoder's states. Required. */
  decoder: Sequential;
  /** Seeds shuffling and dropout (each part's weights come from its own seed). Default 0. */
  seed?: number;
  /** Default 'encoder_decoder', numbered like layer names. */
  name?: string;
}

const KIND = 'encoder_decoder';

/**
 * Two Sequential models joined by states (seq2seq, as in the Keras translation example): the
 * encoder's final states become the initial states of the decoder's first recurrent layer,
 * and both train together with teacher forcing. A functional model with two inputs,
 * `[encoderInput, decoderInput]`; save() writes it as one file (loadModel reads it back as
 * a functional model). Create it with {@link encoderDecoder}.
 *
 * @example
 * ```ts
 * const model = encoderDecoder({ encoder, decoder });
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
 * await model.fit([sources, decoderInputs], decoderTargets, { epochs: 40, verbose: 0 });
 * const states = model.encode(newSources);       // then decoder.step(token, { initialState: states })
 * ```
 */
export class EncoderDecoder extends Functional<Tensor> {
  /** The encoding model (owned: dispose() frees it). */
  readonly encoder: Sequential;
  /** The decoding model (owned: dispose() frees it); use its step() for generation. */
  readonly decoder: Sequential;
  /** From the encoder input to the encoder's final states (encode()), sharing the layers. */
  private readonly encoding: Functional;

  constructor(options: EncoderDecoderOptions) {
    if (typeof options !== 'object' || options === null) throw new ModelConfigError(KIND, 'options', `options must be { encoder, decoder }, got ${describe(options)}`);
    const { encoder, decoder, seed, name, ...rest } = options;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new ModelConfigError(KIND, unknown, `${unknown} is not an option of encoderDecoder() (encoder, decoder, seed, name)`);
    const graph = joined(typeof name === 'string' ? name : KIND, encoder, decoder);
    super({ inputs: graph.inputs, outputs: graph.output, seed, name }, 'initialize', KIND);
    this.encoder = encoder;
    this.decoder = decoder;
    this.encoding = new Functional({ inputs: graph.inputs[0], outputs: graph.states, name: `${this.name}_encoder` });
  }

  /**
   * The encoder's final states for `x` ([h] or [h, c], each [samples, units]): what the decoder starts from.
   *
   * @example
   * ```ts
   * const [h, c] = model.encode(sources);
   * model.decoder.step(firstToken, { initialState: [h, c] });
   * ```
   */
  encode(x: TensorLike, options: PredictOptions = {}): Tensor[] {
    this.assertLive();
    const states = this.encoding.predict(x, options);
    return Array.isArray(states) ? states : [states];
  }

  protected release(): void {
    super.release();
    this.encoding.releasePlans();
    this.encoder.dispose();
    this.decoder.dispose();
  }
}

/** The functional graph of an encoder and a decoder joined by states; a ModelConfigError says what does not fit. */
function joined(owner: string, encoder: unknown, decoder: unknown): { inputs: SymbolicTensor[]; output: SymbolicTensor; states: SymbolicTensor[] } {
  for (const [key, part] of [['encoder', encoder], ['decoder', decoder]] as const) {
    if (!(part instanceof Sequential)) throw new ModelConfigError(owner, key, `${key} must be a Sequential model, got ${describe(part)}`);
  }
  const [enc, dec] = [encoder as Sequential, decoder as Sequential];
  const last = enc.layers[enc.layers.length - 1];
  if (!(last instanceof RecurrentLayer) || !last.settings.returnState) {
    throw new ModelConfigError(owner, 'encoder', `the encoder's last layer must be recurrent with returnState: true (its final states start the decoder), got ${last ? `'${last.name}'` : 'no layers'}`);
  }
  const receiver = dec.layers.findIndex((layer) => layer instanceof RecurrentLayer);
  if (receiver < 0) throw new ModelConfigError(owner, 'decoder', 'the decoder needs a recurrent layer to receive the encoder states');
  const target = dec.layers[receiver] as RecurrentLayer;
  if (target.cell !== last.cell || target.units !== last.units) {
    throw new ModelConfigError(owner, 'decoder', `'${target.name}' (${target.className}, ${target.units} units) cannot start from the states of '${last.name}' (${last.className}, ${last.units} units): the cells and units must match`);
  }
  const inputs = [enc, dec].map((part, i) => {
    const [shape] = part.inputShapes();
    if (shape.length === 0) throw new ModelConfigError(owner, i === 0 ? 'encoder' : 'decoder', `the ${i === 0 ? 'encoder' : 'decoder'}'s first layer must declare its input shape (e.g. inputShape: [null, 12])`);
    part.ensureBuilt([shape]); // its weights from its own seed, as when it is used alone
    return input({ batchShape: shape });
  });
  const encoded = chain(enc.layers, inputs[0]) as SymbolicTensor[];
  const states = encoded.slice(1);
  const output = chain(dec.layers, inputs[1], receiver, states) as SymbolicTensor;
  return { inputs, output, states };
}

/** Applies `layers` in order to `x`, the layer at `receiver` starting from `states`. */
function chain(layers: readonly Layer[], x: SymbolicTensor, receiver = -1, states: readonly SymbolicTensor[] = []): SymbolicTensor | SymbolicTensor[] {
  let t: SymbolicTensor | SymbolicTensor[] = x;
  layers.forEach((layer, i) => {
    t = layer.apply(t as SymbolicTensor, i === receiver ? { initialState: states } : {});
  });
  return t;
}

/**
 * Joins two Sequential models into a trainable encoder–decoder. The encoder's last layer must
 * be recurrent with returnState: true, and the decoder's first recurrent layer must match its
 * cell and units; otherwise a ModelConfigError says which.
 *
 * @example
 * ```ts
 * const encoder = sequential({ layers: [layers.lstm({ units: 128, returnState: true, inputShape: [null, 27] })] });
 * const decoder = sequential({ layers: [layers.lstm({ units: 128, returnSequences: true, inputShape: [null, 13] }),
 *                                       layers.dense({ units: 13, activation: 'softmax' })] });
 * const model = encoderDecoder({ encoder, decoder });
 * ```
 */
export function encoderDecoder(options: EncoderDecoderOptions): EncoderDecoder {
  return new EncoderDecoder(options);
}
