// TimeDistributed(layer): applies `layer` to every step of a [B, T, ...] input alike. Row-
// major [B, T, ...] data is [B·T, ...] data, so the wrapped layer simply runs once on a batch
// of B·T (one GEMM for a dense, not T of them). Its weights are named under the wrapper
// ('time_distributed/kernel', as TF.js and Keras 2 save them). A mask passes through.
import type { F32Region } from '../runtime/arena.js';
import type { Prng } from '../util/prng.js';
import { describe } from './errors.js';
import { Layer, LayerPlan, type BackwardOptions, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { OptionProblem, type OptionTable } from './options.js';

const TIME_DISTRIBUTED = { className: 'TimeDistributed', prefix: 'time_distributed', options: {} } satisfies LayerKind<OptionTable>;

/**
 * Applies a layer to every step of a [B, T, …] input alike, running it once on a batch of
 * B·T (Keras `TimeDistributed`). Its weights are named under the wrapper, as TF.js and Keras 2
 * save them. Create it with {@link layers.timeDistributed}.
 *
 * @example
 * ```ts
 * const perStep = new layers.TimeDistributed(layers.dense({ units: 3 }));   // [B, T, F] → [B, T, 3]
 * ```
 */
export class TimeDistributed extends Layer<typeof TIME_DISTRIBUTED.options> {
  /** Takes ownership of `layer`, which must not be built or wrapped yet. */
  constructor(
    /** The wrapped layer, owned by the wrapper (disposed with it). */
    readonly layer: Layer,
    options: LayerOptions = {},
  ) {
    super(TIME_DISTRIBUTED, options, (_, declared) => {
      wrappable(layer, 'timeDistributed');
      return declared;
    });
    layer.setWeightScope(this.name);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, Infinity, 'sequences [batch, time, ...]');
    const [batch, steps, ...step] = inputShape;
    const inner = this.layer.computeOutputShape([null, ...step]);
    return [batch, steps, ...inner.slice(1)];
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected children(): readonly Layer[] {
    return [this.layer];
  }

  protected childWeightShapes(inputShape: Shape): (readonly number[])[] {
    return this.layer.weightShapes(stepShape(inputShape));
  }

  protected buildChildren(inputShape: Shape, rng: Prng | null): void {
    this.layer.build(stepShape(inputShape), rng);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), layer: this.layer.toJSON() };
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    const [B, T, ...step] = setup.inputShape;
    const inner = this.layer.plan([B * T, ...step], { training: setup.training, inputGradient: setup.inputGradient });
    return new TimeDistributedPlan(setup, inner);
  }
}

/** Throws unless `layer` is a Layer that can still be wrapped (not built: the wrapper builds it). */
export function wrappable(layer: unknown, wrapper: string): void {
  if (!(layer instanceof Layer)) throw new OptionProblem(`must be a layer to wrap, e.g. ${wrapper}(layers.dense({ units: 4 })), got ${describe(layer)}`, 'layer');
  if (layer.built) throw new OptionProblem(`${layer.name} is already built; ${wrapper}() needs a layer that is not built yet`, 'layer');
}

class TimeDistributedPlan extends LayerPlan {
  constructor(
    setup: PlanSetup,
    private readonly inner: LayerPlan,
  ) {
    super(setup, true, { output: inner.output, dInput: inner.dInput });
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    this.inner.forward(input, { rng: options.rng });
    return options.mask;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region, options: BackwardOptions): void {
    this.inner.backward(dOutput, options);
  }

  dispose(): void {
    this.inner.dispose();
    super.dispose();
  }
}

/** What the wrapped layer sees of a [batch, time, ...] input: one step, [null, ...]. */
function stepShape(inputShape: Shape): Shape {
  return [null, ...inputShape.slice(2)];
}
