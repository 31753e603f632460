// LayerNormalization over the last axis (Keras `LayerNormalization`, axis −1): each position's
// features are centred and scaled by their own mean and variance, then y = x̂·gamma + beta.
// gamma (features) with scale, beta (features) with center, in that order as Keras; Keras
// count 2·features. Masks pass through (each position is normalized on its own).
//
// forward  x [rows, n] → y, stats (mean, 1/√(var + epsilon) per row, for backward)
// backward dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·gamma; dgamma += Σ dy·x̂; dbeta += Σ dy
// All in Wasm (assembly/normalization.ts), row statistics in f64.
import { layerNorm, layerNormBackward, layerNormStatsSize } from '../kernels/sequence.js';
import type { F32Region } from '../runtime/arena.js';
import { describe } from './errors.js';
import { initializerOption, type InitializerSpec } from './initializers.js';
import { formatShape, initializedWeight, Layer, LayerPlan, sizeOf, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { LayerInputError } from './errors.js';
import { finiteNumber, flag, OptionProblem, type Option, type OptionTable } from './options.js';

/**
 * Options of {@link layers.layerNormalization}.
 *
 * @example
 * ```ts
 * layers.layerNormalization({ epsilon: 1e-6 });
 * ```
 */
export interface LayerNormalizationOptions extends LayerOptions {
  /** The normalized axis: only the last (−1, or its index from the batch axis, or a list of that one). Default −1. */
  axis?: number | readonly number[];
  /** Added to the variance, > 0. Default 0.001 (Keras). */
  epsilon?: number;
  /** Add beta. Default true. */
  center?: boolean;
  /** Multiply by gamma. Default true. */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerSpec;
  /** Default 'ones'. */
  gammaInitializer?: InitializerSpec;
  /** Only false (Keras 3's RMS variant is not supported). */
  rmsScaling?: boolean;
}

/** The axis option: one integer or a list of one; checked against the input rank when built. */
function axisOption(): Option<number> {
  return {
    parse(value) {
      if (value === undefined) return -1;
      const axis = Array.isArray(value) && value.length === 1 ? value[0] : value;
      if (typeof axis !== 'number' || !Number.isSafeInteger(axis)) throw new OptionProblem(`must be an integer (the last axis: -1), got ${describe(value)}`);
      return axis;
    },
  };
}

const LAYER_NORMALIZATION = {
  className: 'LayerNormalization',
  prefix: 'layer_normalization',
  options: {
    axis: axisOption(),
    epsilon: finiteNumber(1e-3, 0),
    center: flag(true),
    scale: flag(true),
    betaInitializer: initializerOption('zeros'),
    gammaInitializer: initializerOption('ones'),
    rmsScaling: {
      parse(value: unknown): false {
        if (value !== undefined && value !== false) throw new OptionProblem(`must be false (RMS scaling is not supported), got ${describe(value)}`);
        return false;
      },
    },
  },
} satisfies LayerKind<OptionTable>;

/**
 * Normalizes each position's features to mean 0 and variance 1, then scales by gamma and
 * shifts by beta (Keras `LayerNormalization` over the last axis). Create it with
 * {@link layers.layerNormalization}.
 *
 * @example
 * ```ts
 * sequential([layers.lstm({ units: 32, returnSequences: true, inputShape: [20, 4] }), layers.layerNormalization(), layers.lstm({ units: 16 })]);
 * ```
 */
export class LayerNormalization extends Layer<typeof LAYER_NORMALIZATION.options> {
  constructor(options: LayerNormalizationOptions = {}) {
    super(LAYER_NORMALIZATION, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, Infinity);
    const axis = this.settings.axis;
    if (axis !== -1 && axis !== inputShape.length - 1) {
      throw new LayerInputError(this.name, 'axis', `only the last axis (-1) can be normalized, got axis ${axis} for an input of shape ${formatShape(inputShape)}`);
    }
    this.expectKnown(inputShape, inputShape.length - 1, 'feature (last)');
    return inputShape;
  }

  protected weightSpecs(inputShape: Shape): WeightSpec[] {
    const features = inputShape[inputShape.length - 1]!;
    const { center, scale, betaInitializer, gammaInitializer } = this.settings;
    return [
      ...(scale ? [initializedWeight('gamma', [features], 'gammaInitializer', gammaInitializer)] : []),
      ...(center ? [initializedWeight('beta', [features], 'betaInitializer', betaInitializer)] : []),
    ];
  }

  /** @internal gamma and beta, each undefined when its option is off. */
  scaleAndShift(): { gamma: { value: F32Region; grad: F32Region } | undefined; beta: { value: F32Region; grad: F32Region } | undefined } {
    const weights = [...this.weights];
    return { gamma: this.settings.scale ? weights.shift() : undefined, beta: this.settings.center ? weights.shift() : undefined };
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new LayerNormalizationPlan(this, setup);
  }
}

class LayerNormalizationPlan extends LayerPlan {
  private readonly rows: number;
  private readonly features: number;
  private readonly stats: F32Region;

  constructor(
    private readonly norm: LayerNormalization,
    setup: PlanSetup,
  ) {
    super(setup);
    this.features = setup.inputShape[setup.inputShape.length - 1];
    this.rows = sizeOf(setup.inputShape) / this.features;
    this.stats = setup.regions.alloc(layerNormStatsSize(this.rows));
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    const { gamma, beta } = this.norm.scaleAndShift();
    layerNorm({ x: input, rows: this.rows, n: this.features, gamma: gamma?.value, beta: beta?.value, epsilon: this.norm.settings.epsilon, y: this.output, stats: this.stats });
    return options.mask;
  }

  protected runBackward(input: F32Region, dOutput: F32Region): void {
    const { gamma, beta } = this.norm.scaleAndShift();
    layerNormBackward({ x: input, dy: dOutput, rows: this.rows, n: this.features, gamma: gamma?.value, stats: this.stats, dx: this.dInput, dgamma: gamma?.grad, dbeta: beta?.grad });
  }
}
