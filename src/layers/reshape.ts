// Layers that rearrange values without weights or arithmetic (Keras RepeatVector, Reshape,
// Flatten, Permute). The batch axis is never touched; the mask of a sequence input does not
// survive them (its steps no longer line up), as in Keras.
//
// repeatVector  x [B, F] → y [B, n, F]           backward dx = Σ_r dy[:, r, :] (in order, Wasm)
// reshape       x [B, ...] → y [B, ...target]     row-major order kept: a copy each way
// flatten       x [B, ...] → y [B, Π dims]        likewise
// permute       x [B, d1, d2(, d3)] → y with its axes in `dims` order (1-based, as Keras);
//               backward permutes dy by the inverse order
import { copy } from '../kernels/elementwise.js';
import { permuteAxes, repeatRows, repeatRowsBackward } from '../kernels/sequence.js';
import type { F32Region } from '../runtime/arena.js';
import { describe, LayerInputError } from './errors.js';
import { formatShape, Layer, LayerPlan, sizeOf, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { channelsLast } from './conv.js';
import { OptionProblem, positiveInteger, type Option, type OptionTable } from './options.js';

/** The base of the layers here: no weights, shapes fixed on every axis (no open time axis). */
abstract class Rearrangement<S extends OptionTable> extends Layer<S> {
  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected isTimeAxis(): boolean {
    return false;
  }

  get mixesSteps(): boolean {
    return true;
  }
}

/** A plan that moves values both ways with one kernel each. */
class RearrangementPlan extends LayerPlan {
  constructor(
    setup: PlanSetup,
    private readonly moves: { forward(x: F32Region, y: F32Region): void; backward(dy: F32Region, dx: F32Region): void },
  ) {
    super(setup);
  }

  protected runForward(input: F32Region): Mask | undefined {
    this.moves.forward(input, this.output);
    return undefined;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region): void {
    if (this.dInput) this.moves.backward(dOutput, this.dInput);
  }
}

/** A plain copy both ways (reshape and flatten keep the row-major order). */
function copyPlan(setup: PlanSetup): LayerPlan {
  const floats = sizeOf(setup.inputShape);
  return new RearrangementPlan(setup, { forward: (x, y) => copy(x, y, floats), backward: (dy, dx) => copy(dy, dx, floats) });
}

// ---- RepeatVector --------------------------------------------------------------------------

/**
 * Options of {@link layers.repeatVector}.
 *
 * @example
 * ```ts
 * layers.repeatVector({ n: 10 });
 * ```
 */
export interface RepeatVectorOptions extends LayerOptions {
  /** Repetitions, an integer >= 1. Required. */
  n: number;
}

const REPEAT_VECTOR = { className: 'RepeatVector', prefix: 'repeat_vector', options: { n: positiveInteger() } } satisfies LayerKind<OptionTable>;

/**
 * Repeats a [batch, features] input n times into [batch, n, features] (Keras `RepeatVector`):
 * the bridge from an encoder's vector to a decoder's sequence. Create it with {@link layers.repeatVector}.
 *
 * @example
 * ```ts
 * sequential([layers.lstm({ units: 16, inputShape: [8, 3] }), layers.repeatVector({ n: 8 }), layers.lstm({ units: 16, returnSequences: true })]);
 * ```
 */
export class RepeatVector extends Rearrangement<typeof REPEAT_VECTOR.options> {
  constructor(options: RepeatVectorOptions) {
    super(REPEAT_VECTOR, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, 2, 'vectors [batch, features]');
    return [inputShape[0], this.settings.n, inputShape[1]];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    const [B, F] = setup.inputShape;
    const n = this.settings.n;
    return new RearrangementPlan(setup, { forward: (x, y) => repeatRows(x, y, B, F, n), backward: (dy, dx) => repeatRowsBackward(dy, dx, B, F, n) });
  }
}

// ---- Reshape -------------------------------------------------------------------------------

/**
 * Options of {@link layers.reshape}.
 *
 * @example
 * ```ts
 * layers.reshape({ targetShape: [-1, 4] });   // [B, 24] → [B, 6, 4]
 * ```
 */
export interface ReshapeOptions extends LayerOptions {
  /** The output shape without the batch axis: positive integers, at most one −1 (inferred; null in TF.js's saved configs). Required. */
  targetShape: readonly number[];
}

/** A target shape: positive integers and at most one −1. */
function targetShape(): Option<readonly number[]> {
  return {
    parse(value) {
      if (value === undefined) throw new OptionProblem('is required');
      if (!Array.isArray(value) || value.length === 0) throw new OptionProblem(`must be a non-empty array of positive integers (one may be -1), got ${describe(value)}`);
      // TF.js saves the inferred dimension as null.
      const dims = value.map((d: unknown) => (d === null ? -1 : d));
      dims.forEach((d: unknown, i) => {
        if (!(typeof d === 'number' && Number.isSafeInteger(d) && (d >= 1 || d === -1))) throw new OptionProblem(`must be a positive integer or -1, got ${describe(d)}`, `[${i}]`);
      });
      if (dims.filter((d) => d === -1).length > 1) throw new OptionProblem(`may hold at most one -1, got ${describe(value)}`);
      return Object.freeze(dims as number[]);
    },
    toJSON: (value) => [...value],
  };
}

const RESHAPE = { className: 'Reshape', prefix: 'reshape', options: { targetShape: targetShape() } } satisfies LayerKind<OptionTable>;

/**
 * Gives each sample a new shape with the same number of values, in the same order (Keras
 * `Reshape`). Create it with {@link layers.reshape}.
 *
 * @example
 * ```ts
 * sequential([layers.dense({ units: 24, inputShape: [5] }), layers.reshape({ targetShape: [6, 4] }), layers.lstm({ units: 8 })]);
 * ```
 */
export class Reshape extends Rearrangement<typeof RESHAPE.options> {
  constructor(options: ReshapeOptions) {
    super(RESHAPE, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, Infinity);
    const target = this.settings.targetShape;
    const sample = inputShape.slice(1);
    const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (sample.includes(null)) return [inputShape[0], ...target.map((d) => (d === -1 ? null : d))];
    const size = sizeOf(sample as number[]);
    const inferred = size / known;
    if (target.includes(-1) ? !Number.isInteger(inferred) : size !== known) {
      throw new LayerInputError(this.name, 'inputShape', `cannot reshape an input of shape ${formatShape(inputShape)} (${size} values per sample) to targetShape ${formatShape(target)}`);
    }
    return [inputShape[0], ...target.map((d) => (d === -1 ? inferred : d))];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return copyPlan(setup);
  }
}

// ---- Flatten -------------------------------------------------------------------------------

/**
 * Options of {@link layers.flatten}.
 *
 * @example
 * ```ts
 * layers.flatten();
 * ```
 */
export interface FlattenOptions extends LayerOptions {
  /** Only 'channelsLast'. */
  dataFormat?: 'channelsLast';
}

const FLATTEN = { className: 'Flatten', prefix: 'flatten', options: { dataFormat: channelsLast() } } satisfies LayerKind<OptionTable>;

/**
 * Joins every axis after the batch into one: [B, T, F] → [B, T·F] (Keras `Flatten`). Create
 * it with {@link layers.flatten}.
 *
 * @example
 * ```ts
 * sequential([layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [10, 2] }), layers.flatten(), layers.dense({ units: 1 })]);
 * ```
 */
export class Flatten extends Rearrangement<typeof FLATTEN.options> {
  constructor(options: FlattenOptions = {}) {
    super(FLATTEN, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, Infinity);
    const sample = inputShape.slice(1);
    return [inputShape[0], sample.includes(null) ? null : sizeOf(sample as number[])];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return copyPlan(setup);
  }
}

// ---- Permute -------------------------------------------------------------------------------

/**
 * Options of {@link layers.permute}.
 *
 * @example
 * ```ts
 * layers.permute({ dims: [2, 1] });   // [B, T, F] → [B, F, T]
 * ```
 */
export interface PermuteOptions extends LayerOptions {
  /** A permutation of 1..n (1-based, the batch axis excluded, as Keras), n from 1 to 3. Required. */
  dims: readonly number[];
}

/** A permutation of 1..n, n <= 3. */
function permutation(): Option<readonly number[]> {
  return {
    parse(value) {
      if (value === undefined) throw new OptionProblem('is required');
      const n = Array.isArray(value) ? value.length : 0;
      const valid = n >= 1 && n <= 3 && [...(value as unknown[])].sort().every((d, i) => d === i + 1);
      if (!valid) throw new OptionProblem(`must be a permutation of 1..n (n from 1 to 3, the batch axis excluded), got ${describe(value)}`);
      return Object.freeze([...(value as number[])]);
    },
    toJSON: (value) => [...value],
  };
}

const PERMUTE = { className: 'Permute', prefix: 'permute', options: { dims: permutation() } } satisfies LayerKind<OptionTable>;

/**
 * Reorders the axes after the batch (Keras `Permute`, 1-based `dims`). Create it with
 * {@link layers.permute}.
 *
 * @example
 * ```ts
 * sequential([layers.permute({ dims: [2, 1], inputShape: [10, 64] }), layers.lstm({ units: 8 })]);   // steps over the 64 features
 * ```
 */
export class Permute extends Rearrangement<typeof PERMUTE.options> {
  constructor(options: PermuteOptions) {
    super(PERMUTE, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    const dims = this.settings.dims;
    this.expectRank(inputShape, dims.length + 1, dims.length + 1, `inputs of ${dims.length} axes after the batch (dims ${formatShape(dims)})`);
    return [inputShape[0], ...dims.map((d) => inputShape[d])];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    const B = setup.inputShape[0];
    const order = this.settings.dims.map((d) => d - 1);
    const inverse = order.map((_, axis) => order.indexOf(axis));
    return new RearrangementPlan(setup, {
      forward: (x, y) => permuteAxes(x, y, B, setup.inputShape.slice(1), order),
      backward: (dy, dx) => permuteAxes(dy, dx, B, setup.outputShape.slice(1), inverse),
    });
  }
}
