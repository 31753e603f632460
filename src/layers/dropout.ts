// Dropout: in training, each value is zeroed with probability `rate` and the rest are
// scaled by 1/(1 − rate) (inverted dropout, as Keras), so inference is the identity.
//
// forward  training: keep = [u ≥ rate] per value of the noise shape (u a 24-bit uniform from
//          the call's Prng, drawn in row-major order), mask = keep/(1 − rate) rounded to
//          float32 and broadcast over the axes where the noise shape is 1, y = x·mask;
//          otherwise y = x
// backward dx = dy·mask
// The noise shape is the input's (one draw per value), Dropout's `noiseShape` (Keras: each
// axis null, 1 or the input's size), or [batch, 1, channels] for SpatialDropout1D (whole
// channels dropped per sample). The mask comes from options.rng (the model's stream for this
// layer and step), or from the layer's own generator when created with `seed`.
import { copy, mul } from '../kernels/elementwise.js';
import type { F32Region } from '../runtime/arena.js';
import { Prng } from '../util/prng.js';
import { describe, LayerInputError } from './errors.js';
import { Layer, LayerPlan, sizeOf, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { OptionProblem, rate, seed, type OptionTable } from './options.js';

/**
 * Options of {@link layers.dropout}.
 *
 * @example
 * ```ts
 * layers.dropout({ rate: 0.3, seed: 5 });
 * ```
 */
export interface DropoutOptions extends LayerOptions {
  /** Fraction of values dropped in training, in [0, 1). */
  rate: number;
  /** Use a generator of this seed instead of the model's stream. */
  seed?: number | null;
  /**
   * The shape of the drawn mask, batch first, one entry per input axis: null (or the input's
   * size) draws per index of that axis, 1 shares one draw along it, e.g. [null, 1, null]
   * drops the same features at every step. Default null: one draw per value.
   */
  noiseShape?: readonly (number | null)[] | null;
}

/**
 * Options of {@link layers.spatialDropout1d}: the rate and seed (the noise shape is [batch, 1, channels]).
 *
 * @example
 * ```ts
 * layers.spatialDropout1d({ rate: 0.2, seed: 3 });
 * ```
 */
export interface SpatialDropout1dOptions extends LayerOptions {
  /** Fraction of channels dropped per sample in training, in [0, 1). */
  rate: number;
  /** Use a generator of this seed instead of the model's stream. */
  seed?: number | null;
}

/** Noise shape entries: null (the input's size) or a positive integer, checked against the input at build. */
const noiseShapeOption = {
  parse(value: unknown): readonly (number | null)[] | null {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value) || value.length < 2) throw new OptionProblem(`must be null or an array with one entry per input axis, batch first, got ${describe(value)}`);
    value.forEach((d: unknown, i) => {
      if (d !== null && !(typeof d === 'number' && Number.isSafeInteger(d) && d >= 1)) throw new OptionProblem(`must be null or a positive integer, got ${describe(d)}`, `[${i}]`);
    });
    return Object.freeze([...(value as (number | null)[])]);
  },
  toJSON: (value: readonly (number | null)[] | null) => (value === null ? null : [...value]),
};

const DROPOUT = {
  className: 'Dropout',
  prefix: 'dropout',
  options: { rate: rate(), noiseShape: noiseShapeOption, seed: seed() },
} satisfies LayerKind<OptionTable>;

const SPATIAL_DROPOUT_1D = {
  className: 'SpatialDropout1D',
  prefix: 'spatial_dropout1d',
  options: { rate: rate(), seed: seed() },
} satisfies LayerKind<OptionTable>;

type DropoutTable = typeof SPATIAL_DROPOUT_1D.options;

/** What Dropout and SpatialDropout1D share: the rate, the seed, the plan; they differ in the noise shape. */
export abstract class DropoutLayer extends Layer<DropoutTable> {
  /** The generator of an explicit seed, drawn from call after call. */
  private readonly ownRng: Prng | undefined;

  protected constructor(kind: LayerKind<DropoutTable>, options: unknown) {
    super(kind, options);
    this.ownRng = this.settings.seed === null ? undefined : new Prng(this.settings.seed);
  }

  /** @internal the shape of the drawn mask for a concrete input shape (each axis the input's size or 1). */
  abstract noiseShape(inputShape: Shape): number[];

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  /** @internal the generator for a training call: the layer's own, or the caller's. */
  rngFor(options: ForwardOptions): Prng {
    const rng = this.ownRng ?? options.rng;
    if (!rng) throw new LayerInputError(this.name, 'rng', 'a training call with dropout needs options.rng (a Prng) to draw its mask from');
    return rng;
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new DropoutPlan(this, setup);
  }
}

/**
 * Inverted dropout (Keras `Dropout`): in training, zeroes each value (or each draw of
 * `noiseShape`) with probability `rate` and scales the rest by 1/(1 − rate); outside
 * training, the identity. Create it with {@link layers.dropout}.
 *
 * @example
 * ```ts
 * const drop = new layers.Dropout({ rate: 0.2 });   // same as layers.dropout({ rate: 0.2 })
 * ```
 */
export class Dropout extends DropoutLayer {
  constructor(options: DropoutOptions) {
    super(DROPOUT, options);
  }

  /** The `noiseShape` option (null: one draw per value). */
  private get noiseOption(): readonly (number | null)[] | null {
    return (this.settings as unknown as { noiseShape: readonly (number | null)[] | null }).noiseShape;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, Infinity);
    const noise = this.noiseOption;
    if (noise) {
      const fits = noise.length === inputShape.length && noise.every((d, i) => d === null || d === 1 || inputShape[i] === null || d === inputShape[i]);
      if (!fits) throw new LayerInputError(this.name, 'noiseShape', `noiseShape [${noise.map(String).join(', ')}] must have one entry per input axis, each null, 1 or the input's size; the input is [${inputShape.map(String).join(', ')}]`);
    }
    return inputShape;
  }

  noiseShape(inputShape: Shape): number[] {
    const noise = this.noiseOption;
    return inputShape.map((d, i) => (noise && noise[i] === 1 ? 1 : d!));
  }
}

/**
 * Keras `SpatialDropout1D`: in training, drops whole channels of each sample (the same
 * features at every step) with probability `rate`, scaling the rest by 1/(1 − rate); input
 * [batch, steps, channels]. Create it with {@link layers.spatialDropout1d}.
 *
 * @example
 * ```ts
 * const drop = new layers.SpatialDropout1D({ rate: 0.2 });   // same as layers.spatialDropout1d({ rate: 0.2 })
 * ```
 */
export class SpatialDropout1D extends DropoutLayer {
  constructor(options: SpatialDropout1dOptions) {
    super(SPATIAL_DROPOUT_1D, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, channels]');
    return inputShape;
  }

  noiseShape(inputShape: Shape): number[] {
    return [inputShape[0]!, 1, inputShape[2]!];
  }
}

/** Fills `mask` with 0 (probability rate) or 1/(1 − rate), one 24-bit draw per value. */
export function fillDropoutMask(mask: Float32Array, dropRate: number, rng: Prng): void {
  const keep = 1 / (1 - dropRate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.float32() < dropRate ? 0 : keep;
}

class DropoutPlan extends LayerPlan {
  private readonly size: number;
  /** The scaled keep-mask of the last training forward, broadcast to the input (training plans with rate > 0). */
  private readonly mask: F32Region | undefined;
  /** The drawn values when the noise shape is smaller than the input (one per noise-shape index). */
  private readonly draws: Float32Array | undefined;
  private readonly noiseShape: number[];

  constructor(
    private readonly dropout: DropoutLayer,
    setup: PlanSetup,
  ) {
    super(setup);
    this.size = sizeOf(setup.inputShape);
    this.noiseShape = dropout.noiseShape(setup.inputShape);
    const drawn = sizeOf(this.noiseShape);
    const active = setup.training && dropout.settings.rate > 0;
    this.mask = active ? setup.regions.alloc(this.size) : undefined;
    this.draws = active && drawn < this.size ? new Float32Array(drawn) : undefined;
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    if (this.mask) {
      const rng = this.dropout.rngFor(options);
      if (this.draws) {
        fillDropoutMask(this.draws, this.dropout.settings.rate, rng);
        broadcastInto(this.draws, this.noiseShape, this.inputShape as number[], this.mask.view());
      } else {
        fillDropoutMask(this.mask.view(), this.dropout.settings.rate, rng);
      }
      mul(input, this.mask, this.output, this.size);
    } else {
      copy(input, this.output, this.size);
    }
    return options.mask;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region): void {
    if (!this.dInput) return;
    if (this.mask) mul(dOutput, this.mask, this.dInput, this.size);
    else copy(dOutput, this.dInput, this.size);
  }
}

/** out (shaped `shape`) = values (shaped `from`, each axis 1 or shape's) repeated along the axes where `from` is 1. */
function broadcastInto(values: Float32Array, from: readonly number[], shape: readonly number[], out: Float32Array): void {
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let source = 0;
    for (let axis = 0; axis < shape.length; axis++) source = source * from[axis] + (from[axis] === 1 ? 0 : index[axis]);
    out[i] = values[source];
    for (let axis = shape.length - 1; axis >= 0 && ++index[axis] === shape[axis]; axis--) index[axis] = 0;
  }
}
