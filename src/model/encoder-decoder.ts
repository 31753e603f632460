// The escape hatch for what one stack cannot express: an encoder–decoder (seq2seq), as in
// the Keras translation example. Two Sequential models joined by states: the encoder's last
// layer is recurrent with returnState, and its final states become the initial states of the
// decoder's first recurrent layer. Trained together with teacher forcing:
//
//   const encoder = sequential({ layers: [layers.lstm({ units: 64, returnState: true, inputShape: [null, 12] })] });
//   const decoder = sequential({ layers: [layers.lstm({ units: 64, returnSequences: true, inputShape: [null, 13] }),
//                                         layers.dense({ units: 13, activation: 'softmax' })] });
//   const model = encoderDecoder({ encoder, decoder });
//   model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
//   await model.fit([sources, decoderInputs], decoderTargets, { epochs: 50 });
//   // inference: states = model.encode(source); then decoder.step(token, { initialState: states }), …
//
// forward  encoder(x_enc) → states → decoder(x_dec, initial states) → y
// backward decoder(dy) → gradient at its initial states → encoder(dStates)
import { fill } from '../kernels/elementwise.js';
import type { Layer, Shape } from '../layers/layer.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { SavedModel } from '../io/artifacts.js';
import { describe, ModelConfigError, ModelStateError } from './errors.js';
import { Model } from './model.js';
import type { BatchPlan } from './network.js';
import { Sequential } from './sequential.js';
import { StackPlanCache } from './stack.js';
import { forEachBatch, type PredictOptions } from '../training/training.js';

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

/**
 * Two Sequential models joined by states (seq2seq, as in the Keras translation example): the
 * encoder's final states become the initial states of the decoder's first recurrent layer,
 * and both train together with teacher forcing. fit/evaluate/predict take the inputs as
 * `[encoderInput, decoderInput]`. Create it with {@link encoderDecoder}.
 *
 * @example
 * ```ts
 * const model = encoderDecoder({ encoder, decoder });
 * model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
 * await model.fit([sources, decoderInputs], decoderTargets, { epochs: 40, verbose: 0 });
 * const states = model.encode(newSources);       // then decoder.step(token, { initialState: states })
 * ```
 */
export class EncoderDecoder extends Model {
  /** The encoding model (owned: dispose() frees it). */
  readonly encoder: Sequential;
  /** The decoding model (owned: dispose() frees it); use its step() for generation. */
  readonly decoder: Sequential;
  private readonly encoderPlans = new StackPlanCache();
  private readonly decoderPlans = new StackPlanCache();

  constructor(options: EncoderDecoderOptions) {
    if (typeof options !== 'object' || options === null) throw new ModelConfigError('encoder_decoder', 'options', `options must be { encoder, decoder }, got ${describe(options)}`);
    const { encoder, decoder, seed, name, ...rest } = options;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new ModelConfigError('encoder_decoder', unknown, `${unknown} is not an option of encoderDecoder() (encoder, decoder, seed, name)`);
    for (const [key, part] of [['encoder', encoder], ['decoder', decoder]] as const) {
      if (!(part instanceof Sequential)) throw new ModelConfigError('encoder_decoder', key, `${key} must be a Sequential model, got ${describe(part)}`);
    }
    super('encoder_decoder', name, seed);
    this.encoder = encoder;
    this.decoder = decoder;
    const last = encoder.layers[encoder.layers.length - 1];
    if (!(last instanceof RecurrentLayer) || !last.settings.returnState) {
      throw new ModelConfigError(this.name, 'encoder', `the encoder's last layer must be recurrent with returnState: true (its final states start the decoder), got ${last ? `'${last.name}'` : 'no layers'}`);
    }
    const receiver = this.receiver();
    if (receiver === undefined) throw new ModelConfigError(this.name, 'decoder', 'the decoder needs a recurrent layer to receive the encoder states');
    const [, target] = receiver;
    if (target.cell !== last.cell || target.units !== last.units) {
      throw new ModelConfigError(this.name, 'decoder', `'${target.name}' (${target.className}, ${target.units} units) cannot start from the states of '${last.name}' (${last.className}, ${last.units} units): the cells and units must match`);
    }
  }

  /** The decoder's first recurrent layer, which starts from the encoder's states, and its index. */
  private receiver(): [number, RecurrentLayer] | undefined {
    const index = this.decoder.layers.findIndex((layer) => layer instanceof RecurrentLayer);
    return index < 0 ? undefined : [index, this.decoder.layers[index] as RecurrentLayer];
  }

  /** The encoder's layers, then the decoder's. */
  get layers(): readonly Layer[] {
    return [...this.encoder.layers, ...this.decoder.layers];
  }

  /** Whether both models are built. */
  get built(): boolean {
    return this.encoder.built && this.decoder.built;
  }

  /** @internal Network */
  inputLayers(): readonly (Layer | undefined)[] {
    return [...this.encoder.inputLayers(), ...this.decoder.inputLayers()];
  }

  /** @internal Network */
  inputShapes(): Shape[] {
    return [...this.encoder.inputShapes(), ...this.decoder.inputShapes()];
  }

  /** @internal Network */
  outputShape(shapes: readonly Shape[]): Shape {
    return this.decoder.outputShape([shapes[1]]);
  }

  /** @internal Network */
  ensureBuilt(shapes: readonly Shape[]): void {
    this.encoder.ensureBuilt([shapes[0]]);
    this.decoder.ensureBuilt([shapes[1]]);
  }

  /** @internal Network */
  finalActivation(): string | undefined {
    return this.decoder.finalActivation();
  }

  /** @internal Network */
  plan(shapes: readonly (readonly number[])[], training: boolean): BatchPlan {
    if (shapes[0][0] !== shapes[1][0]) throw new ModelStateError(this.name, 'x', `the encoder and decoder inputs need the same number of samples, got ${shapes[0][0]} and ${shapes[1][0]}`);
    const encoder = this.encoderPlans.get(this.encoder.layers, shapes[0], training);
    const decoder = this.decoderPlans.get(this.decoder.layers, shapes[1], training);
    const [receiverIndex] = this.receiver()!;
    const encoderStates = () => encoder.plans[encoder.plans.length - 1].states;
    return {
      inputs: [encoder.input, decoder.input],
      output: decoder.output,
      outputShape: decoder.outputShape,
      get outputMask() {
        return decoder.outputMask;
      },
      forward(rng) {
        encoder.forward({ rng: rng?.derive('encoder') });
        decoder.forward({ rng: rng?.derive('decoder'), initialStates: new Map([[receiverIndex, encoderStates()]]) });
      },
      backward(dOutput, preActivation) {
        decoder.backward(dOutput, { preActivation });
        // The encoder learns only through its states: its own output gets no gradient.
        const zeros = encoder.buffer('zeros', encoder.output.length);
        fill(zeros, 0);
        encoder.backward(zeros, { dStates: decoder.plans[receiverIndex].dInitialState });
      },
      buffer: (name, floats) => decoder.buffer(name, floats),
      get finalStates() {
        return decoder.plans[decoder.plans.length - 1].states;
      },
    };
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
    let states: Tensor[] = [];
    forEachBatch(this.encoder, x, options, (plan, start, count, samples) => {
      const finals = plan.finalStates;
      if (start === 0) states = finals.map((s) => ({ shape: [samples, s.length / count], data: new Float32Array(samples * (s.length / count)) }));
      finals.forEach((s, k) => states[k].data.set(s.view().subarray(0, s.length), start * (s.length / count)));
    });
    return states;
  }

  /**
   * An encoder–decoder is saved as its two models: encoder.save() and decoder.save().
   *
   * @example
   * ```ts
   * const encoderFiles = model.encoder.save(), decoderFiles = model.decoder.save();
   * ```
   */
  save(): SavedModel {
    throw new ModelStateError(this.name, 'save', 'save the two parts on their own: encoder.save() and decoder.save() (each loads with loadModel)');
  }

  protected release(): void {
    this.encoderPlans.clear();
    this.decoderPlans.clear();
  }
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
