// Dropout: in training, each value is zeroed with probability `rate` and the rest are
// scaled by 1/(1 − rate) (inverted dropout, as Keras), so inference is the identity.
//
// forward  training: keep = [u ≥ rate] per value (u a 24-bit uniform from the call's Prng),
//          mask = keep/(1 − rate) rounded to float32, y = x·mask; otherwise y = x
// backward dx = dy·mask
// The mask comes from options.rng (the model's stream for this layer and step), or from
// the layer's own generator when created with `seed`.
import { copy, mul } from '../kernels/elementwise.js';
import type { F32Region } from '../runtime/arena.js';
import { Prng } from '../util/prng.js';
import { LayerInputError } from './errors.js';
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
  /** Only null (one draw per value). */
  noiseShape?: null;
}

const DROPOUT = {
  className: 'Dropout',
  prefix: 'dropout',
  options: {
    rate: rate(),
    noiseShape: {
      parse(value: unknown): null {
        if (value !== undefined && value !== null) throw new OptionProblem('is not supported (every value is dropped independently); leave it out');
        return null;
      },
    },
    seed: seed(),
  },
} satisfies LayerKind<OptionTable>;

/**
 * Inverted dropout (Keras `Dropout`): in training, zeroes each value with probability `rate`
 * and scales the rest by 1/(1 − rate); outside training, the identity. Create it with
 * {@link layers.dropout}.
 *
 * @example
 * ```ts
 * const drop = new layers.Dropout({ rate: 0.2 });   // same as layers.dropout({ rate: 0.2 })
 * ```
 */
export class Dropout extends Layer<typeof DROPOUT.options> {
  /** The generator of an explicit seed, drawn from call after call. */
  private readonly ownRng: Prng | undefined;

  constructor(options: DropoutOptions) {
    super(DROPOUT, options);
    this.ownRng = this.settings.seed === null ? undefined : new Prng(this.settings.seed);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, Infinity);
    return inputShape;
  }

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

/** Fills `mask` with 0 (probability rate) or 1/(1 − rate), one 24-bit draw per value. */
export function fillDropoutMask(mask: Float32Array, dropRate: number, rng: Prng): void {
  const keep = 1 / (1 - dropRate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.float32() < dropRate ? 0 : keep;
}

class DropoutPlan extends LayerPlan {
  private readonly size: number;
  /** The scaled keep-mask of the last training forward (training plans with rate > 0). */
  private readonly mask: F32Region | undefined;

  constructor(
    private readonly dropout: Dropout,
    setup: PlanSetup,
  ) {
    super(setup);
    this.size = sizeOf(setup.inputShape);
    this.mask = setup.training && dropout.settings.rate > 0 ? setup.regions.alloc(this.size) : undefined;
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    if (this.mask) {
      fillDropoutMask(this.mask.view(), this.dropout.settings.rate, this.dropout.rngFor(options));
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
