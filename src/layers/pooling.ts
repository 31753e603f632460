// Pooling over time on sequences [B, T, C] (channels last), no weights.
//
// maxPooling1d / averagePooling1d: windows of poolSize steps, stride `strides` (default
//   poolSize), padding 'valid' or 'same' (TensorFlow's layout; padded steps take no part:
//   not in a max, not counted in a mean) → [B, Tout, C]. Backward routes dy to each window's
//   winner (max) or shares it equally among the window's steps (mean).
// globalAveragePooling1d / globalMaxPooling1d: the mean / max over time → [B, C] (or
//   [B, 1, C] with keepdims). They consume the mask: padded steps are left out of the mean and
//   the max, as Keras's masked global pooling; a sample with no real step gives 0.
// All arithmetic in Wasm (kernels/sequence.ts); masks are copied into a float region first.
import { avgPool1d, avgPool1dBackward, globalAvgPool1d, globalAvgPool1dBackward, globalMaxPool1d, maxPool1d, maxPoolBackward, type WindowGeometry } from '../kernels/sequence.js';
import type { F32Region } from '../runtime/arena.js';
import { channelsLast, windowedSteps, windowLayout, windowSize, type Padding } from './conv.js';
import { Layer, LayerPlan, sizeOf, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { choice, flag, type Option, type OptionTable } from './options.js';

/**
 * Options of {@link layers.maxPooling1d} and {@link layers.averagePooling1d}.
 *
 * @example
 * ```ts
 * layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' });
 * ```
 */
export interface Pooling1DOptions extends LayerOptions {
  /** Window length. Default 2. */
  poolSize?: number | [number];
  /** Step between windows. Default poolSize. */
  strides?: number | [number] | null;
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

/** An optional window size: undefined (null in a saved config) when omitted. */
function optionalWindowSize(): Option<number | undefined> {
  const size = windowSize();
  return {
    parse: (value) => (value === undefined || value === null ? undefined : size.parse(value)),
    toJSON: (value) => (value === undefined ? null : [value]),
  };
}

const POOLING_OPTIONS = {
  poolSize: windowSize(2),
  strides: optionalWindowSize(),
  padding: choice<'valid' | 'same'>(['valid', 'same'], 'valid'),
  dataFormat: channelsLast(),
} satisfies OptionTable;

/** Which reduction a pooling layer takes over its window: the largest value or the mean. */
export type PoolingKind = 'max' | 'average';

const POOLING_KINDS: Record<PoolingKind, LayerKind<typeof POOLING_OPTIONS>> = {
  max: { className: 'MaxPooling1D', prefix: 'max_pooling1d', options: POOLING_OPTIONS },
  average: { className: 'AveragePooling1D', prefix: 'average_pooling1d', options: POOLING_OPTIONS },
};

/**
 * Max or average pooling over time (Keras `MaxPooling1D`, `AveragePooling1D`). Create it
 * with {@link layers.maxPooling1d} or {@link layers.averagePooling1d}.
 *
 * @example
 * ```ts
 * sequential([layers.conv1d({ filters: 8, kernelSize: 3, inputShape: [64, 1] }), layers.maxPooling1d({ poolSize: 2 })]);
 * ```
 */
export class Pooling1D extends Layer<typeof POOLING_OPTIONS> {
  constructor(
    /** Which value a window gives: its maximum or its mean. */
    readonly reduction: PoolingKind,
    options: Pooling1DOptions = {},
  ) {
    super(POOLING_KINDS[reduction], options);
  }

  get mixesSteps(): boolean {
    return this.settings.poolSize > 1 || this.stride > 1;
  }

  /** The stride in effect: strides, or poolSize when omitted. */
  get stride(): number {
    return this.settings.strides ?? this.settings.poolSize;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, channels]');
    return [inputShape[0], windowedSteps(this.name, inputShape, this.settings.poolSize, this.stride, this.settings.padding), inputShape[2]];
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new Pooling1DPlan(this, setup);
  }
}

class Pooling1DPlan extends LayerPlan {
  private readonly window: WindowGeometry;
  /** Max pooling: each output's winning input index (i32). */
  private readonly argmax: F32Region | undefined;

  constructor(pooling: Pooling1D, setup: PlanSetup) {
    super(setup);
    const [B, T, C] = setup.inputShape;
    const { poolSize, padding } = pooling.settings;
    const { outSteps, padLeft } = windowLayout(T, poolSize, pooling.stride, padding as Padding);
    this.window = { batch: B, steps: T, channels: C, taps: poolSize, stride: pooling.stride, dilation: 1, padLeft, outSteps };
    this.argmax = pooling.reduction === 'max' ? setup.regions.alloc(sizeOf(setup.outputShape)) : undefined;
  }

  protected runForward(input: F32Region): Mask | undefined {
    if (this.argmax) maxPool1d(input, this.output, this.argmax, this.window);
    else avgPool1d(input, this.output, this.window);
    return undefined; // pooled steps no longer line up with the mask's (Keras drops it too)
  }

  protected runBackward(_input: F32Region, dOutput: F32Region): void {
    if (!this.dInput) return;
    if (this.argmax) maxPoolBackward(dOutput, this.argmax, this.output.length, this.dInput, sizeOf(this.inputShape));
    else avgPool1dBackward(dOutput, this.dInput, this.window);
  }
}

/**
 * Options of {@link layers.globalAveragePooling1d} and {@link layers.globalMaxPooling1d}.
 *
 * @example
 * ```ts
 * layers.globalAveragePooling1d({ keepdims: true });   // [B, T, C] → [B, 1, C]
 * ```
 */
export interface GlobalPooling1DOptions extends LayerOptions {
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
  /** Keep the time axis (length 1). Default false. */
  keepdims?: boolean;
}

const GLOBAL_OPTIONS = { dataFormat: channelsLast(), keepdims: flag(false) } satisfies OptionTable;

const GLOBAL_KINDS: Record<PoolingKind, LayerKind<typeof GLOBAL_OPTIONS>> = {
  max: { className: 'GlobalMaxPooling1D', prefix: 'global_max_pooling1d', options: GLOBAL_OPTIONS },
  average: { className: 'GlobalAveragePooling1D', prefix: 'global_average_pooling1d', options: GLOBAL_OPTIONS },
};

/**
 * The mean or maximum over time, masked steps left out (Keras `GlobalAveragePooling1D`,
 * `GlobalMaxPooling1D`). Create it with {@link layers.globalAveragePooling1d} or
 * {@link layers.globalMaxPooling1d}.
 *
 * @example
 * ```ts
 * sequential([layers.embedding({ inputDim: 100, outputDim: 8, maskZero: true }), layers.globalAveragePooling1d(), layers.dense({ units: 1 })]);
 * ```
 */
export class GlobalPooling1D extends Layer<typeof GLOBAL_OPTIONS> {
  constructor(
    /** Which value the steps give: their maximum or their mean. */
    readonly reduction: PoolingKind,
    options: GlobalPooling1DOptions = {},
  ) {
    super(GLOBAL_KINDS[reduction], options);
  }

  get mixesSteps(): boolean {
    return true;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, channels]');
    return this.settings.keepdims ? [inputShape[0], 1, inputShape[2]] : [inputShape[0], inputShape[2]];
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new GlobalPooling1DPlan(this, setup);
  }
}

class GlobalPooling1DPlan extends LayerPlan {
  private readonly shape: [number, number, number];
  /** The incoming mask as floats (1 real, 0 padding), for the kernels. */
  private readonly maskValues: F32Region;
  /** Whether the last forward had a mask. */
  private masked = false;
  private readonly argmax: F32Region | undefined;

  constructor(pooling: GlobalPooling1D, setup: PlanSetup) {
    super(setup);
    const [B, T, C] = setup.inputShape;
    this.shape = [B, T, C];
    this.maskValues = setup.regions.alloc(B * T);
    this.argmax = pooling.reduction === 'max' ? setup.regions.alloc(B * C) : undefined;
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    this.masked = options.mask !== undefined;
    if (options.mask) this.maskValues.set(options.mask);
    const mask = this.masked ? this.maskValues : undefined;
    if (this.argmax) globalMaxPool1d(input, mask, this.output, this.argmax, this.shape);
    else globalAvgPool1d(input, mask, this.output, this.shape);
    return undefined; // the mask is consumed: time is pooled away
  }

  protected runBackward(_input: F32Region, dOutput: F32Region): void {
    if (!this.dInput) return;
    if (this.argmax) maxPoolBackward(dOutput, this.argmax, this.output.length, this.dInput, sizeOf(this.inputShape));
    else globalAvgPool1dBackward(dOutput, this.masked ? this.maskValues : undefined, this.dInput, this.shape);
  }
}
