// Bidirectional(layer): two copies of a recurrent layer, one reading the sequence as the
// template does ('forward_lstm') and one the other way ('backward_lstm', goBackwards flipped;
// with a goBackwards template both halves come out in reversed time, as in Keras), merged
// (concat, sum, mul or ave), or with mergeMode null returned as two outputs (functional models:
// apply() gives [forward, backward, ...states], the backward one in input-time order). Keras 3 semantics (test/reference/bidirectional.ts): the
// backward copy reverses the whole padded time axis, its returned sequence is flipped back
// to input time before merging, padded steps are zero in both halves, and states are
// [...forward, ...backward] (so is initialState). Weights: forward's, then backward's,
// named 'bidirectional/forward_lstm/kernel' etc.
//
// forward  x → yF, yB (one kernel call each); yB reversed in time (returnSequences); merge
//          (mergeMode null: yF and yB are the first two outputs)
// backward the merge's gradient split into dyF, dyB (null: the two outputs' gradients; dyB
//          reversed back); each direction's backward; dx = dxF + dxB
import { add, copy, fill, mul, scale } from '../kernels/elementwise.js';
import type { F32Region } from '../runtime/arena.js';
import type { Prng } from '../util/prng.js';
import { describe, LayerInputError, LayerStateError } from './errors.js';
import { Layer, LayerPlan, sizeOf, type BackwardOptions, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { choice, OptionProblem, type OptionTable } from './options.js';
import { RecurrentLayer } from './recurrent.js';
import type { TensorLike } from '../tensor.js';
import { wrappable } from './time-distributed.js';

/**
 * How {@link layers.bidirectional} merges the two directions' outputs: concatenated on the
 * feature axis (2·units wide) or combined elementwise by sum, product or average.
 *
 * @example
 * ```ts
 * layers.bidirectional(layers.lstm({ units: 8 }), { mergeMode: 'sum' });   // output [B, 8], not [B, 16]
 * ```
 */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/**
 * Options of {@link layers.bidirectional}.
 *
 * @example
 * ```ts
 * layers.bidirectional(layers.gru({ units: 8 }), { mergeMode: 'ave' });
 * ```
 */
export interface BidirectionalOptions extends LayerOptions {
  /**
   * How the two directions' outputs combine; default 'concat'. null (Keras): both directions
   * returned as two outputs, apply() giving [forward, backward, ...states] in a functional
   * model; a sequential model, which passes one tensor between layers, refuses it.
   */
  mergeMode?: MergeMode | null;
}

const MERGE_MODES = choice<MergeMode>(['concat', 'sum', 'mul', 'ave'], 'concat');

const BIDIRECTIONAL = {
  className: 'Bidirectional',
  prefix: 'bidirectional',
  options: {
    mergeMode: {
      parse: (value: unknown): MergeMode | null => (value === null ? null : MERGE_MODES.parse(value)),
    },
  },
} satisfies LayerKind<OptionTable>;

/**
 * Runs a recurrent layer over the sequence both ways and merges the outputs (Keras
 * `Bidirectional`). Create it with {@link layers.bidirectional}.
 *
 * @example
 * ```ts
 * const bi = new layers.Bidirectional(layers.gru({ units: 8 }), { mergeMode: 'concat' });
 * bi.forwardLayer.name;        // 'forward_gru…'
 * ```
 */
export class Bidirectional extends Layer<typeof BIDIRECTIONAL.options> {
  /** The forward direction, made from the template with the name `forward_<name>`. */
  readonly forwardLayer: RecurrentLayer;
  /** The backward direction (the template's goBackwards flipped), named `backward_<name>`. */
  readonly backwardLayer: RecurrentLayer;

  /**
   * `layer` is a template: it is never built; its options make both directions. Its
   * declared input shape (if any) becomes the wrapper's when the wrapper declares none.
   */
  constructor(
    /** The template layer both directions were made from; it is never built itself. */
    readonly layer: RecurrentLayer,
    options: BidirectionalOptions = {},
  ) {
    super(BIDIRECTIONAL, options, (_, declared) => {
      wrappable(layer, 'bidirectional');
      if (!(layer instanceof RecurrentLayer)) throw new OptionProblem(`must be a recurrent layer (simpleRNN, lstm, gru), got ${(layer as Layer).className}`, 'layer');
      return declared ?? layer.batchInputShape;
    });
    // Keras: the forward direction is the template as given, the backward one reads the other
    // way (so a goBackwards template swaps them), and both output zeros at padded steps.
    const { goBackwards } = layer.settings;
    this.forwardLayer = layer.cloneWith({ name: `forward_${layer.name}`, zeroOutputForMask: true });
    this.backwardLayer = layer.cloneWith({ name: `backward_${layer.name}`, goBackwards: !goBackwards, zeroOutputForMask: true });
    this.forwardLayer.setWeightScope(`${this.name}/${this.forwardLayer.name}`);
    this.backwardLayer.setWeightScope(`${this.name}/${this.backwardLayer.name}`);
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (this.settings.mergeMode === null) {
      throw new LayerInputError(this.name, 'mergeMode', "mergeMode null returns the two directions as two outputs, and a sequential model passes one tensor between layers; use mergeMode 'concat' (the directions side by side on the last axis: forward units first), or apply() the layer in a functional model, which takes both");
    }
    const shape = this.forwardLayer.computeOutputShape(inputShape);
    const units = this.forwardLayer.units;
    return [...shape.slice(0, -1), this.settings.mergeMode === 'concat' ? 2 * units : units];
  }

  computeStateShapes(inputShape: Shape): Shape[] {
    return [...this.forwardLayer.computeStateShapes(inputShape), ...this.backwardLayer.computeStateShapes(inputShape)];
  }

  /** @internal mergeMode null: both directions' outputs carry the mask (Keras's [mask, mask]). */
  get maskedOutputs(): number {
    return this.settings.mergeMode === null ? 2 : 1;
  }

  /** mergeMode null: [forward output, backward output, ...states], as Keras returns them; otherwise [output, ...states]. */
  computeOutputShapes(inputShape: Shape): Shape[] {
    if (this.settings.mergeMode !== null) return super.computeOutputShapes(inputShape);
    const direction = this.forwardLayer.computeOutputShape(inputShape);
    return [direction, direction, ...this.computeStateShapes(inputShape)];
  }

  initialStateShapes(inputShape: Shape): Shape[] {
    return [...this.forwardLayer.initialStateShapes(inputShape), ...this.backwardLayer.initialStateShapes(inputShape)];
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected children(): readonly Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  protected childWeightShapes(inputShape: Shape): (readonly number[])[] {
    return [...this.forwardLayer.weightShapes(inputShape), ...this.backwardLayer.weightShapes(inputShape)];
  }

  protected buildChildren(inputShape: Shape, rng: Prng | null): void {
    this.forwardLayer.build(inputShape, rng && rng.derive('forward'));
    this.backwardLayer.build(inputShape, rng && rng.derive('backward'));
  }

  /** Stateful layers: resets both directions; `states` is [...forward, ...backward]. */
  resetStates(states?: readonly TensorLike[]): void {
    this.assertBuilt('resetStates');
    const n = this.forwardLayer.stateCount;
    if (states !== undefined && (!Array.isArray(states) || states.length !== 2 * n)) {
      throw new LayerInputError(this.name, 'states', `expected ${2 * n} states ([...forward, ...backward]), got ${describe(states)}`);
    }
    if (!this.forwardLayer.settings.stateful) throw new LayerStateError(this.name, 'resetStates', 'resetStates() needs a wrapped layer created with { stateful: true }');
    // Both halves are checked before either direction changes.
    this.forwardLayer.checkedStates(states?.slice(0, n));
    this.backwardLayer.checkedStates(states?.slice(n));
    this.backwardLayer.resetStates(states?.slice(n));
    this.forwardLayer.resetStates(states?.slice(0, n));
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: this.layer.toJSON() };
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    const options = { training: setup.training, inputGradient: setup.inputGradient };
    const forward = this.forwardLayer.plan(setup.inputShape, options);
    try {
      return new BidirectionalPlan(this, setup, forward, this.backwardLayer.plan(setup.inputShape, options));
    } catch (error) {
      forward.dispose();
      throw error;
    }
  }
}

class BidirectionalPlan extends LayerPlan {
  private readonly mode: MergeMode | null;
  private readonly returnSequences: boolean;
  private readonly units: number;
  /** Output rows: B·T with returnSequences, else B. */
  private readonly rows: number;
  /** The backward direction's output in input-time order. */
  private readonly aligned: F32Region;
  /** Training: each direction's output gradient, and the backward one's in input-time order. */
  private readonly dForward: F32Region | undefined;
  private readonly dBackward: F32Region | undefined;
  private readonly dBackwardAligned: F32Region | undefined;
  /** mergeMode null, training: the gradient of an unused backward output. */
  private readonly zeros: F32Region | undefined;

  constructor(
    private readonly wrapper: Bidirectional,
    setup: PlanSetup,
    private readonly forwardPlan: LayerPlan,
    private readonly backwardPlan: LayerPlan,
  ) {
    super(setup);
    const { regions, training } = setup;
    this.mode = wrapper.settings.mergeMode;
    this.returnSequences = wrapper.forwardLayer.settings.returnSequences;
    this.units = wrapper.forwardLayer.units;
    this.rows = sizeOf(forwardPlan.outputShape) / this.units;
    const size = this.rows * this.units;
    this.aligned = this.returnSequences ? regions.alloc(size) : backwardPlan.output;
    this.dForward = training ? regions.alloc(size) : undefined;
    this.dBackwardAligned = training ? regions.alloc(size) : undefined;
    this.zeros = training && this.mode === null ? regions.alloc(size) : undefined;
    this.dBackward = training && this.returnSequences ? regions.alloc(size) : this.dBackwardAligned;
    this.states = [...forwardPlan.states, ...backwardPlan.states];
    this.dInitialState = [...forwardPlan.dInitialState, ...backwardPlan.dInitialState];
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    const n = this.wrapper.forwardLayer.stateCount;
    const initial = options.initialState;
    if (initial !== undefined && (!Array.isArray(initial) || initial.length !== 2 * n)) {
      throw new LayerInputError(this.layer.name, 'initialState', `initialState must hold ${2 * n} regions ([...forward, ...backward]), got ${describe(initial)}`);
    }
    // fork() advances the caller's generator: the two directions draw different dropout masks.
    this.forwardPlan.forward(input, { mask: options.mask, initialState: initial?.slice(0, n), rng: options.rng?.fork() });
    this.backwardPlan.forward(input, { mask: options.mask, initialState: initial?.slice(n), rng: options.rng?.fork() });
    if (this.returnSequences) this.reverseSteps(this.backwardPlan.output, this.aligned);
    const [yF, yB, out] = [this.forwardPlan.output, this.aligned, this.output];
    const size = this.rows * this.units;
    if (this.mode === null) copy(yF, out, size);
    else if (this.mode === 'concat') interleave(yF.view(), yB.view(), out.view(), this.rows, this.units);
    else if (this.mode === 'mul') mul(yF, yB, out, size);
    else {
      add(yF, yB, out, size);
      if (this.mode === 'ave') scale(0.5, out, out, size);
    }
    return this.returnSequences ? options.mask : undefined;
  }

  /** mergeMode null: [forward output, backward output (input-time order), ...states]. */
  get outputs(): readonly F32Region[] {
    return this.mode === null ? [this.output, this.aligned, ...this.states] : super.outputs;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region, options: BackwardOptions): void {
    const n = this.wrapper.forwardLayer.stateCount;
    const size = this.rows * this.units;
    const dF = this.dForward!;
    let dBAligned = this.dBackwardAligned!;
    // mergeMode null: dStates holds the backward output's gradient first, then the states'.
    const dStates = this.mode === null ? options.dStates?.slice(1) : options.dStates;
    if (this.mode === null) {
      copy(dOutput, dF, size);
      dBAligned = options.dStates?.[0] ?? fillZeros(this.zeros!);
    } else if (this.mode === 'concat') split(dOutput.view(), dF.view(), dBAligned.view(), this.rows, this.units);
    else if (this.mode === 'mul') {
      mul(dOutput, this.aligned, dF, size);
      mul(dOutput, this.forwardPlan.output, dBAligned, size);
    } else {
      const share = this.mode === 'ave' ? 0.5 : 1; // sum: each direction gets dy (×1 is an exact copy)
      scale(share, dOutput, dF, size);
      scale(share, dOutput, dBAligned, size);
    }
    if (this.returnSequences) this.reverseSteps(dBAligned, this.dBackward!);
    this.forwardPlan.backward(dF, { dStates: dStates?.slice(0, n), maxSteps: options.maxSteps });
    this.backwardPlan.backward(this.returnSequences ? this.dBackward! : dBAligned, { dStates: dStates?.slice(n), maxSteps: options.maxSteps });
    if (this.dInput) add(this.forwardPlan.dInput!, this.backwardPlan.dInput!, this.dInput);
  }

  /** dst[b][T−1−t] = src[b][t] for [B, T, U] sequences (row copies). */
  private reverseSteps(src: F32Region, dst: F32Region): void {
    const [B, T] = this.inputShape;
    const U = this.units;
    const from = src.view();
    const to = dst.view();
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) to.set(from.subarray((b * T + t) * U, (b * T + t + 1) * U), (b * T + T - 1 - t) * U);
    }
  }

  dispose(): void {
    this.forwardPlan.dispose();
    this.backwardPlan.dispose();
    super.dispose();
  }
}

/** `region` filled with zeros. */
function fillZeros(region: F32Region): F32Region {
  fill(region, 0);
  return region;
}

/** out[r] = [a[r], b[r]] for rows of `width`. */
function interleave(a: Float32Array, b: Float32Array, out: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * width, (r + 1) * width), 2 * r * width);
    out.set(b.subarray(r * width, (r + 1) * width), (2 * r + 1) * width);
  }
}

/** The inverse of interleave. */
function split(src: Float32Array, a: Float32Array, b: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    a.set(src.subarray(2 * r * width, (2 * r + 1) * width), r * width);
    b.set(src.subarray((2 * r + 1) * width, (2 * r + 2) * width), r * width);
  }
}
