// Dense: y = act(x·W + b) over the last axis. On a [B, T, F] input it acts on every step
// alike, as in Keras. kernel (in, units), bias (units); Keras count units·(in + 1).
//
// forward  x [rows, in] → y [rows, units]: one packed GEMM with the bias folded in, then the
//          activation in place (rows = every leading dimension multiplied out)
// backward dz = act'(y)·dy;  dW += xᵀ·dz;  db += Σ_rows dz;  dx = dz·Wᵀ
// The kernel is kept packed twice (W with b for forward, Wᵀ for dx), repacked only when the
// weights change.
import { columnSums } from '../kernels/elementwise.js';
import { gemm, gemmPacked } from '../kernels/gemm.js';
import type { F32Region } from '../runtime/arena.js';
import { activationGradient, activationOption, applyActivation, type ActivationName } from './activations.js';
import { initializerOption, type InitializerSpec } from './initializers.js';
import { initializedWeight, Layer, LayerPlan, sizeOf, type BackwardOptions, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { flag, positiveInteger, type OptionTable } from './options.js';
import { PackedKernel } from './packed-kernel.js';

/**
 * Options of {@link layers.dense}.
 *
 * @example
 * ```ts
 * layers.dense({ units: 10, activation: 'relu', kernelInitializer: 'heNormal', useBias: true });
 * ```
 */
export interface DenseOptions extends LayerOptions {
  /** Output features, an integer >= 1. Required. */
  units: number;
  /** Default 'linear'. */
  activation?: ActivationName;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform'. */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
}

const DENSE = {
  className: 'Dense',
  prefix: 'dense',
  options: {
    units: positiveInteger(),
    activation: activationOption(['linear', 'relu', 'sigmoid', 'tanh', 'hardSigmoid', 'hardSigmoidKeras3', 'softmax'], 'linear'),
    useBias: flag(true),
    kernelInitializer: initializerOption('glorotUniform'),
    biasInitializer: initializerOption('zeros'),
  },
} satisfies LayerKind<OptionTable>;

/**
 * Densely connected layer, act(x·W + b) on the last axis (per timestep on [B, T, F] input),
 * Keras `Dense`. Create it with {@link layers.dense}.
 *
 * @example
 * ```ts
 * const head = new layers.Dense({ units: 10, activation: 'softmax' });   // same as layers.dense(…)
 * ```
 */
export class Dense extends Layer<typeof DENSE.options> {
  private packed: PackedKernel | undefined;

  constructor(options: DenseOptions) {
    super(DENSE, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, Infinity);
    this.expectKnown(inputShape, inputShape.length - 1, 'feature (last)');
    return [...inputShape.slice(0, -1), this.settings.units];
  }

  protected weightSpecs(inputShape: Shape): WeightSpec[] {
    const inputDim = inputShape[inputShape.length - 1]!;
    const { units, useBias, kernelInitializer, biasInitializer } = this.settings;
    const kernel = initializedWeight('kernel', [inputDim, units], 'kernelInitializer', kernelInitializer);
    return useBias ? [kernel, initializedWeight('bias', [units], 'biasInitializer', biasInitializer)] : [kernel];
  }

  protected allocateOwnBuffers(inputShape: Shape): void {
    this.packed = new PackedKernel(this.ownRegions, inputShape[inputShape.length - 1]!, this.settings.units);
  }

  /** @internal W with b packed for forward, and Wᵀ for dx; repacked when the weights changed. */
  packedWeights(): PackedKernel {
    const [kernel, bias] = this.weights;
    return this.packed!.current(this.weightsVersion, kernel.value, bias?.value);
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new DensePlan(this, setup);
  }
}

class DensePlan extends LayerPlan {
  private readonly rows: number;
  private readonly inputDim: number;
  private readonly units: number;
  private readonly activation: ActivationName;
  /** Gradient at the pre-activation (training, non-linear activations). */
  private readonly dz: F32Region | undefined;

  constructor(
    private readonly dense: Dense,
    setup: PlanSetup,
  ) {
    super(setup);
    this.inputDim = setup.inputShape[setup.inputShape.length - 1];
    this.units = dense.settings.units;
    this.rows = sizeOf(setup.inputShape) / this.inputDim;
    this.activation = dense.settings.activation;
    this.dz = setup.training && this.activation !== 'linear' ? setup.regions.alloc(this.rows * this.units) : undefined;
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    const { rows, inputDim, units } = this;
    gemmPacked({ a: input, packed: this.dense.packedWeights().forward, c: this.output, m: rows, n: units, k: inputDim });
    applyActivation(this.activation, this.output, rows, units);
    return options.mask;
  }

  protected runBackward(input: F32Region, dOutput: F32Region, options: BackwardOptions): void {
    const { rows, inputDim, units } = this;
    const dz = options.preActivation ? dOutput : activationGradient(this.activation, this.output, dOutput, this.dz ?? dOutput, rows, units);
    const [kernel, bias] = this.dense.weights;
    gemm({ a: input, b: dz, c: kernel.grad, m: inputDim, n: units, k: rows, transA: true, accumulate: true });
    if (bias) columnSums(dz, bias.grad, rows, units, true);
    if (this.dInput) gemmPacked({ a: dz, packed: this.dense.packedWeights().transposed, c: this.dInput, m: rows, n: inputDim, k: units });
  }
}
