// Masking: a step whose features all equal maskValue is padding. The output is the input
// with those steps set to zero, and the mask [B, T] goes to the following layers (a
// recurrent layer then skips those steps).
//
// forward  x [B, T, F] → y [B, T, F], mask [B, T]
// backward dx = dy with the padded steps zeroed
// Host code over arena views: comparisons and copies only, no arithmetic.
import type { F32Region } from '../runtime/arena.js';
import { Layer, LayerPlan, type Mask, type LayerKind, type LayerOptions, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { finiteNumber, type OptionTable } from './options.js';

/**
 * Options of {@link layers.masking}.
 *
 * @example
 * ```ts
 * layers.masking({ maskValue: -1, inputShape: [null, 4] });
 * ```
 */
export interface MaskingOptions extends LayerOptions {
  /** Default 0. */
  maskValue?: number;
}

const MASKING = {
  className: 'Masking',
  prefix: 'masking',
  options: { maskValue: finiteNumber(0) },
} satisfies LayerKind<OptionTable>;

/**
 * Marks the steps whose features all equal maskValue as padding, so the recurrent layers
 * after it skip them (Keras `Masking`). Create it with {@link layers.masking}.
 *
 * @example
 * ```ts
 * const model = sequential({ layers: [layers.masking({ maskValue: 0, inputShape: [null, 2] }), layers.lstm({ units: 8 })] });
 * ```
 */
export class Masking extends Layer<typeof MASKING.options> {
  constructor(options: MaskingOptions = {}) {
    super(MASKING, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, features]');
    return inputShape;
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new MaskingPlan(this, setup);
  }
}

class MaskingPlan extends LayerPlan {
  private readonly steps: number;
  private readonly features: number;
  /** The mask of the last forward. */
  private mask: Mask;

  constructor(
    private readonly masking: Masking,
    setup: PlanSetup,
  ) {
    super(setup);
    const [B, T, F] = setup.inputShape;
    this.steps = B * T;
    this.features = F;
    this.mask = new Uint8Array(this.steps);
  }

  protected runForward(input: F32Region): Mask {
    const F = this.features;
    const maskValue = this.masking.settings.maskValue;
    const x = input.view();
    const mask = this.mask.fill(0); // reused every batch: the plan allocates nothing per call
    for (let s = 0; s < this.steps; s++) {
      for (let k = s * F; k < (s + 1) * F; k++) {
        if (x[k] !== maskValue) {
          mask[s] = 1;
          break;
        }
      }
    }
    copyKeptSteps(x, this.output.view(), mask, F);
    return mask;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region): void {
    if (this.dInput) copyKeptSteps(dOutput.view(), this.dInput.view(), this.mask, this.features);
  }
}

/** out = src with the steps the mask marks as padding set to zero (steps of `features` values). */
function copyKeptSteps(src: Float32Array, out: Float32Array, mask: Mask, features: number): void {
  out.set(src.subarray(0, mask.length * features));
  for (let s = 0; s < mask.length; s++) if (!mask[s]) out.fill(0, s * features, (s + 1) * features);
}
