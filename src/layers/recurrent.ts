// SimpleRNN, LSTM and GRU: the options, weights and states of Keras's recurrent layers over
// the whole-layer Wasm kernels of kernels/recurrent.ts (one call per layer and direction
// for forward, one for backward; the time loop runs in Wasm).
//
// forward  x [B, T, F] (+ mask [B, T], initial states) → y [B, T, U] (returnSequences) or
//          [B, U], final states [B, U] (h; LSTM h and c)
// backward dy (+ gradients at the final states) → dx, gradients of the initial states,
//          weight gradients added into the layer's grads
//
// Semantics (Keras 3, see test/reference/rnn.ts): padded steps keep the state and get no
// gradient. Their returned sequence outputs carry the last output (the carried h; Keras's and
// TF.js's default zeroOutputForMask: false), or are zero with zeroOutputForMask (what Keras's
// Bidirectional sets on its two directions, and cuDNN returns). Dropout masks are drawn once per call, one
// per sample for every step and gate, like Keras 3. Weights: kernel (F, gU), recurrent_kernel
// (U, gU), bias (gU), GRU resetAfter (2, 3U); gates LSTM i,f,c,o and GRU z,r,h.
import { add, copy, fill } from '../kernels/elementwise.js';
import { fixedRecurrentSpec, packRecurrentWeights, recurrentBackward, recurrentForward, recurrentPackedSize, recurrentTapeSize, type PackedRecurrentWeights, type RecurrentCell, type RecurrentSpec } from '../kernels/recurrent.js';
import type { F32Region } from '../runtime/arena.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { Prng } from '../util/prng.js';
import { activationOption, type ActivationName } from './activations.js';
import { fillDropoutMask } from './dropout.js';
import { describe, LayerInputError, LayerStateError } from './errors.js';
import { initializerOption, type InitializerSpec } from './initializers.js';
import { finiteTensor, initializedWeight, Layer, LayerPlan, type BackwardOptions, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { flag, positiveInteger, rate, type OptionTable } from './options.js';

/**
 * The activations the recurrent kernels implement (every layer activation but softmax).
 *
 * @example
 * ```ts
 * layers.lstm({ units: 8, recurrentActivation: 'hardSigmoid' });   // TF.js's default gate
 * ```
 */
export type RecurrentActivationName = Exclude<ActivationName, 'softmax'>;
const RECURRENT_ACTIVATIONS: readonly RecurrentActivationName[] = ['tanh', 'sigmoid', 'hardSigmoid', 'hardSigmoidKeras3', 'relu', 'linear'];

/**
 * Options every recurrent layer takes (Keras 3 defaults); see {@link LstmOptions} and {@link GruOptions} for the gated cells'.
 *
 * @example
 * ```ts
 * layers.simpleRNN({ units: 16, returnState: true, stateful: true, batchInputShape: [4, null, 3] });
 * ```
 */
export interface RecurrentOptions extends LayerOptions {
  /** The state size U (output features), an integer >= 1. Required. */
  units: number;
  /** Default 'tanh'. */
  activation?: RecurrentActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerSpec;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
  /** Fraction of the inputs dropped in training, in [0, 1). Default 0. */
  dropout?: number;
  /** Fraction of the recurrent state dropped (where it enters the recurrent kernel) in training. Default 0. */
  recurrentDropout?: number;
  /** Return the output of every step ([B, T, U]) instead of the last ([B, U]). Default false. */
  returnSequences?: boolean;
  /** Also return the final states (plan.states). Default false. */
  returnState?: boolean;
  /** Process the sequence backwards (and return the sequence reversed, like Keras). Default false. */
  goBackwards?: boolean;
  /** Keep the final states as the next call's initial states until resetStates(). Default false. */
  stateful?: boolean;
  /**
   * With a mask and returnSequences: the outputs of padded steps are 0 (true) or carry the last
   * output, the carried h (false; before the first real step, the initial state, as TF.js).
   * Default false, as Keras; {@link layers.bidirectional} sets true on its two directions.
   */
  zeroOutputForMask?: boolean;
}

/**
 * Options of {@link layers.lstm}.
 *
 * @example
 * ```ts
 * layers.lstm({ units: 64, unitForgetBias: true, recurrentDropout: 0.1, returnSequences: true });
 * ```
 */
export interface LstmOptions extends RecurrentOptions {
  /** Gate activation; default 'sigmoid' (Keras 3; TF.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivationName;
  /** Start the forget gate's bias at 1. Default true. */
  unitForgetBias?: boolean;
}

/**
 * Options of {@link layers.gru}.
 *
 * @example
 * ```ts
 * layers.gru({ units: 32, resetAfter: false, recurrentActivation: 'hardSigmoid' });   // TF.js's GRU
 * ```
 */
export interface GruOptions extends RecurrentOptions {
  /** Gate activation; default 'sigmoid' (Keras 3; TF.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivationName;
  /** Apply the reset gate after the recurrent matrix (Keras 3 and cuDNN; bias (2, 3U)). Default true. */
  resetAfter?: boolean;
}

/**
 * Options of {@link layers.simpleRNN}: the common recurrent options.
 *
 * @example
 * ```ts
 * const options: layers.SimpleRnnOptions = { units: 16, activation: 'relu', inputShape: [null, 3] };
 * layers.simpleRNN(options);
 * ```
 */
export type SimpleRnnOptions = RecurrentOptions;

/** @internal the options every recurrent layer takes (rnn.ts takes the cell's part of them). */
export const RECURRENT_OPTIONS = {
  units: positiveInteger(),
  activation: activationOption(RECURRENT_ACTIVATIONS, 'tanh'),
  useBias: flag(true),
  kernelInitializer: initializerOption('glorotUniform'),
  recurrentInitializer: initializerOption('orthogonal'),
  biasInitializer: initializerOption('zeros'),
  dropout: rate(0),
  recurrentDropout: rate(0),
  returnSequences: flag(false),
  returnState: flag(false),
  goBackwards: flag(false),
  stateful: flag(false),
  zeroOutputForMask: flag(false),
};

/** @internal the gated cells' (LSTM, GRU) gate activation option. */
export const GATE_ACTIVATION = { recurrentActivation: activationOption(RECURRENT_ACTIVATIONS, 'sigmoid') };

const SIMPLE_RNN = { className: 'SimpleRNN', prefix: 'simple_rnn', options: RECURRENT_OPTIONS } satisfies LayerKind<OptionTable>;
const LSTM_KIND = { className: 'LSTM', prefix: 'lstm', options: { ...RECURRENT_OPTIONS, ...GATE_ACTIVATION, unitForgetBias: flag(true) } } satisfies LayerKind<OptionTable>;
const GRU_KIND = { className: 'GRU', prefix: 'gru', options: { ...RECURRENT_OPTIONS, ...GATE_ACTIVATION, resetAfter: flag(true) } } satisfies LayerKind<OptionTable>;

type RecurrentTable = typeof RECURRENT_OPTIONS & Partial<typeof LSTM_KIND.options & typeof GRU_KIND.options>;

/**
 * What every recurrent layer shares; SimpleRNN, LSTM and GRU differ in their cell. The whole
 * sequence runs in Wasm (one GEMM for all inputs, the time loop and BPTT inside the module).
 * Use it as a type for "any recurrent layer", e.g. what {@link layers.bidirectional} wraps.
 *
 * @example
 * ```ts
 * const cells: layers.RecurrentLayer[] = [layers.simpleRNN({ units: 4 }), layers.lstm({ units: 4 }), layers.gru({ units: 4 })];
 * cells.map((layer) => layer.cell);     // ['simpleRNN', 'lstm', 'gru']
 * ```
 */
export abstract class RecurrentLayer extends Layer<RecurrentTable> {
  /** Which cell the layer runs: 'simpleRNN', 'lstm' or 'gru'. */
  abstract readonly cell: RecurrentCell;
  /** Stateful layers: the states carried between calls ([B, U] each), once the batch size is known. */
  private carried: F32Region[] | undefined;
  /** The packed copy of the weights the kernels read, the spec it is packed by, and the weights version it was packed from. */
  private packing: { region: F32Region; spec: RecurrentSpec; weights?: PackedRecurrentWeights; version: number } | undefined;

  protected constructor(kind: LayerKind<RecurrentTable>, options: unknown) {
    super(kind, options);
  }

  /** The state size U (the `units` option). */
  get units(): number {
    return this.settings.units;
  }

  /** States per sample: h, or h and c (LSTM). */
  get stateCount(): number {
    return this.cell === 'lstm' ? 2 : 1;
  }

  private get gates(): number {
    return this.cell === 'lstm' ? 4 : this.cell === 'gru' ? 3 : 1;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, features]');
    this.expectKnown(inputShape, 2, 'feature (last)');
    const [batch, steps] = inputShape;
    return this.settings.returnSequences ? [batch, steps, this.units] : [batch, this.units];
  }

  computeStateShapes(inputShape: Shape): Shape[] {
    return this.settings.returnState ? this.initialStateShapes(inputShape) : [];
  }

  initialStateShapes(inputShape: Shape): Shape[] {
    return Array.from({ length: this.stateCount }, () => [inputShape[0], this.units]);
  }

  protected weightSpecs(inputShape: Shape): WeightSpec[] {
    const features = inputShape[2]!;
    const { units, useBias, kernelInitializer, recurrentInitializer } = this.settings;
    const width = this.gates * units;
    const specs = [initializedWeight('kernel', [features, width], 'kernelInitializer', kernelInitializer), initializedWeight('recurrent_kernel', [units, width], 'recurrentInitializer', recurrentInitializer)];
    if (useBias) specs.push(this.biasSpec());
    return specs;
  }

  /** The bias and how it starts (LSTM overrides for unitForgetBias). */
  protected biasSpec(): WeightSpec {
    const width = this.gates * this.units;
    const shape = this.cell === 'gru' && this.settings.resetAfter ? [2, width] : [width];
    return initializedWeight('bias', shape, 'biasInitializer', this.settings.biasInitializer);
  }

  /** @internal the kernels' description of a call on [batch, steps, features] (1s for packing). */
  spec(batch = 1, steps = 1): RecurrentSpec {
    const { units, activation, useBias, goBackwards, zeroOutputForMask } = this.settings;
    return {
      cell: this.cell,
      units,
      features: this.builtInputShape![2]!,
      batch,
      steps,
      activation,
      recurrentActivation: this.settings.recurrentActivation ?? 'sigmoid',
      useBias,
      resetAfter: this.cell === 'gru' ? this.settings.resetAfter : undefined,
      goBackwards,
      zeroOutputForMask,
    };
  }

  protected allocateOwnBuffers(): void {
    const spec = fixedRecurrentSpec(this.spec(), 'packRecurrentWeights');
    this.packing = { region: this.ownRegions.alloc(recurrentPackedSize(spec)), spec, version: -1 };
  }

  /** @internal the weights packed for the kernels, repacked when they changed. */
  packedWeights(): PackedRecurrentWeights {
    const packing = this.packing!;
    if (!packing.weights || packing.version !== this.weightsVersion) {
      const [kernel, recurrentKernel, bias] = this.weights;
      packing.weights = packRecurrentWeights(packing.spec, { kernel: kernel.value, recurrentKernel: recurrentKernel.value, bias: bias?.value }, packing.region);
      packing.version = this.weightsVersion;
    }
    return packing.weights;
  }

  /** A new layer of the same kind and options, with `overrides` (Bidirectional makes its two directions this way). */
  cloneWith(overrides: Partial<RecurrentOptions>): RecurrentLayer {
    const Kind = this.constructor as new (options: RecurrentOptions) => RecurrentLayer;
    return new Kind({ ...(this.settings as unknown as RecurrentOptions), trainable: this.trainable, ...overrides });
  }

  // ---- stateful ------------------------------------------------------------------------

  /** @internal the carried states of a stateful layer for batch size B (allocated, zero, on first use). */
  carriedStates(batch: number): F32Region[] {
    if (!this.carried) {
      this.carried = Array.from({ length: this.stateCount }, () => this.ownRegions.alloc(batch * this.units));
      for (const state of this.carried) fill(state, 0);
    }
    const have = this.carried[0].length / this.units;
    if (have !== batch) throw new LayerInputError(this.name, 'inputShape', `keeps states for batch size ${have} (stateful); batch size ${batch} would mix the states of different samples`);
    return this.carried;
  }

  /**
   * Stateful layers: sets the carried states to zero, or to `states` ([h] or [h, c], each
   * [B, units]); checked whole before anything changes.
   */
  resetStates(states?: readonly TensorLike[]): void {
    const values = this.checkedStates(states);
    if (values === undefined) {
      for (const state of this.carried ?? []) fill(state, 0);
      return;
    }
    const carried = this.carriedStates(values[0].shape[0]);
    values.forEach((t, i) => carried[i].set(t.data));
  }

  /** @internal resetStates()'s checks: a stateful built layer, and `states` (if given) of the right count, shapes and finite values. */
  checkedStates(states: readonly TensorLike[] | undefined): Tensor[] | undefined {
    this.assertBuilt('resetStates');
    if (!this.settings.stateful) throw new LayerStateError(this.name, 'resetStates', 'resetStates() needs a layer created with { stateful: true }');
    if (states === undefined) return undefined;
    if (!Array.isArray(states) || states.length !== this.stateCount) {
      throw new LayerInputError(this.name, 'states', `expected ${this.stateCount} state${this.stateCount > 1 ? 's' : ''} ([h${this.stateCount > 1 ? ', c' : ''}]), got ${describe(states)}`);
    }
    // A stateful layer's batch size is fixed once planned; before that, the first state sets it.
    const first = finiteTensor(this.name, states[0], 'states[0]', [this.carried ? this.carried[0].length / this.units : null, this.units]);
    return [first, ...states.slice(1).map((s, i) => finiteTensor(this.name, s, `states[${i + 1}]`, first.shape))];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new RecurrentPlan(this, setup);
  }
}

/**
 * Elman RNN, h_t = act(x_t·W + h_{t−1}·U + b), Keras `SimpleRNN`. Create it with
 * {@link layers.simpleRNN}; input [batch, steps, features], output [batch, units] (or
 * [batch, steps, units] with returnSequences).
 *
 * @example
 * ```ts
 * const rnn = new layers.SimpleRNN({ units: 16, inputShape: [null, 3] });   // same as layers.simpleRNN(…)
 * ```
 */
export class SimpleRNN extends RecurrentLayer {
  /** Always 'simpleRNN'. */
  readonly cell = 'simpleRNN';

  constructor(options: SimpleRnnOptions) {
    super(SIMPLE_RNN, options);
  }
}

/**
 * Long short-term memory, Keras `LSTM` (gates i, f, c, o; Keras weight layout). Create it
 * with {@link layers.lstm}; input [batch, steps, features], output [batch, units] (or
 * [batch, steps, units] with returnSequences).
 *
 * @example
 * ```ts
 * const lstm = new layers.LSTM({ units: 8, inputShape: [5, 26] });   // same as layers.lstm(…)
 * ```
 */
export class LSTM extends RecurrentLayer {
  /** Always 'lstm'. */
  readonly cell = 'lstm';

  constructor(options: LstmOptions) {
    super(LSTM_KIND, options);
  }

  /** unitForgetBias: the forget block starts at 1; the other blocks come from the bias initializer (Keras draws [U] then [2U]). */
  protected biasSpec(): WeightSpec {
    const { units, unitForgetBias, biasInitializer } = this.settings;
    if (!unitForgetBias) return super.biasSpec();
    return {
      name: 'bias',
      shape: [4 * units],
      option: 'biasInitializer',
      initialize: (rng) => concat(biasInitializer.sample([units], rng), new Float32Array(units).fill(1), biasInitializer.sample([2 * units], rng)),
    };
  }
}

/**
 * Gated recurrent unit, Keras `GRU` (gates z, r, h; resetAfter true by default as in Keras 3,
 * which TF.js cannot load). Create it with {@link layers.gru}.
 *
 * @example
 * ```ts
 * const gru = new layers.GRU({ units: 16, resetAfter: false, inputShape: [16, 1] });   // same as layers.gru(…)
 * ```
 */
export class GRU extends RecurrentLayer {
  /** Always 'gru'. */
  readonly cell = 'gru';

  constructor(options: GruOptions) {
    super(GRU_KIND, options);
  }
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One recurrent layer's buffers for a batch shape. */
class RecurrentPlan extends LayerPlan {
  private readonly spec: RecurrentSpec;
  private readonly tape: F32Region | undefined;
  /** The incoming mask as floats [B, T], for the kernels. */
  private readonly mask: F32Region;
  private readonly inputDropout: F32Region | undefined;
  private readonly recurrentDropout: F32Region | undefined;
  /** returnState without returnSequences: dOutput + dStates[0], both gradients of the final h. */
  private readonly dFinalH: F32Region | undefined;
  /** Whether the last forward had a mask (backward must see the same). */
  private masked = false;

  constructor(
    private readonly rnn: RecurrentLayer,
    setup: PlanSetup,
  ) {
    super(setup);
    const [B, T, F] = setup.inputShape;
    const U = rnn.units;
    const { regions, training } = setup;
    if (rnn.settings.stateful) rnn.carriedStates(B); // fixes (or checks) the batch size now, not mid-training
    this.spec = fixedRecurrentSpec(rnn.spec(B, T), 'recurrentForward');
    const { returnSequences, returnState, dropout, recurrentDropout } = rnn.settings;
    // Without returnSequences the output is the final h itself.
    this.states = Array.from({ length: rnn.stateCount }, (_, i) => (i === 0 && !returnSequences ? this.output : regions.alloc(B * U)));
    this.mask = regions.alloc(B * T);
    this.tape = training ? regions.alloc(recurrentTapeSize(this.spec)) : undefined;
    this.inputDropout = training && dropout > 0 ? regions.alloc(B * F) : undefined;
    this.recurrentDropout = training && recurrentDropout > 0 ? regions.alloc(B * U) : undefined;
    this.dInitialState = training ? Array.from({ length: rnn.stateCount }, () => regions.alloc(B * U)) : [];
    this.dFinalH = training && returnState && !returnSequences ? regions.alloc(B * U) : undefined;
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    const rnn = this.rnn;
    const { returnSequences, stateful, dropout, recurrentDropout } = rnn.settings;
    const [B] = this.inputShape;
    const initial = this.initialStates(options.initialState);
    if (options.mask) this.mask.set(options.mask);
    this.masked = options.mask !== undefined;
    if (this.inputDropout || this.recurrentDropout) {
      const rng = options.rng;
      if (!rng) throw new LayerInputError(rnn.name, 'rng', 'a training call with dropout or recurrentDropout needs options.rng (a Prng) to draw its masks from');
      const draws: Prng = rng.fork(); // advances rng, so repeated calls with one generator draw new masks
      if (this.inputDropout) fillDropoutMask(this.inputDropout.view(), dropout, draws);
      if (this.recurrentDropout) fillDropoutMask(this.recurrentDropout.view(), recurrentDropout, draws);
    }
    recurrentForward(this.spec, {
      x: input,
      packed: rnn.packedWeights(),
      h0: initial?.[0],
      c0: initial?.[1],
      mask: this.masked ? this.mask : undefined,
      inputDropoutMask: this.inputDropout,
      recurrentDropoutMask: this.recurrentDropout,
      sequence: returnSequences ? this.output : undefined,
      finalH: this.states[0],
      finalC: this.states[1],
      tape: this.tape,
    });
    if (stateful) rnn.carriedStates(B).forEach((carried, i) => copy(this.states[i], carried));
    return returnSequences ? options.mask : undefined;
  }

  /** Explicit initial states (checked), else a stateful layer's carried ones, else undefined (zeros). */
  private initialStates(given: readonly F32Region[] | undefined): readonly F32Region[] | undefined {
    const rnn = this.rnn;
    if (given === undefined) return rnn.settings.stateful ? rnn.carriedStates(this.batchSize) : undefined;
    if (!Array.isArray(given) || given.length !== rnn.stateCount) {
      throw new LayerInputError(rnn.name, 'initialState', `initialState must hold ${rnn.stateCount} region${rnn.stateCount > 1 ? 's ([h, c])' : ' ([h])'}, got ${describe(given)}`);
    }
    given.forEach((state, i) => this.checkRegion(`initialState[${i}]`, state, this.batchSize * rnn.units));
    return given;
  }

  protected runBackward(input: F32Region, dOutput: F32Region, options: BackwardOptions): void {
    const rnn = this.rnn;
    const { returnSequences } = rnn.settings;
    const dStates = options.dStates ?? [];
    if (!Array.isArray(dStates) || dStates.length > rnn.stateCount) {
      throw new LayerInputError(rnn.name, 'dStates', `dStates must hold at most ${rnn.stateCount} regions, got ${describe(dStates)}`);
    }
    dStates.forEach((d, i) => d && this.checkRegion(`dStates[${i}]`, d, this.batchSize * rnn.units));
    // The gradient of the final h: the output's (without returnSequences) plus the returned state's.
    let dFinalH = returnSequences ? dStates[0] : dOutput;
    if (!returnSequences && dStates[0]) {
      if (!this.dFinalH) throw new LayerInputError(rnn.name, 'dStates', 'dStates needs a layer created with { returnState: true }');
      add(dOutput, dStates[0], this.dFinalH);
      dFinalH = this.dFinalH;
    }
    for (const region of [this.dInput, ...this.dInitialState]) if (region) fill(region, 0);
    const [kernel, recurrentKernel, bias] = rnn.weights;
    recurrentBackward(
      options.maxSteps === undefined ? this.spec : { ...this.spec, maxSteps: options.maxSteps },
      {
        x: input,
        packed: rnn.packedWeights(),
        tape: this.tape!,
        mask: this.masked ? this.mask : undefined,
        inputDropoutMask: this.inputDropout,
        recurrentDropoutMask: this.recurrentDropout,
        dSequence: returnSequences ? dOutput : undefined,
        dFinalH,
        dFinalC: dStates[1],
        dx: this.dInput,
        dH0: this.dInitialState[0],
        dC0: this.dInitialState[1],
        dKernel: kernel.grad,
        dRecurrentKernel: recurrentKernel.grad,
        dBias: bias?.grad,
      },
    );
  }
}
