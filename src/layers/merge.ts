// Merge layers (Keras names and semantics): several inputs of one shape into one output.
//
// Add        y = x0 + x1 + …          dxi = dy
// Subtract   y = x0 − x1              dx0 = dy, dx1 = −dy
// Multiply   y = x0 · x1 · …          dxi = dy · Π(j≠i) xj
// Average    y = (x0 + x1 + …) / n    dxi = dy / n
// Maximum    y = max(x0, x1, …)       dxi = dy where xi is the first maximal input, else 0
// Concatenate(axis)  y = [x0 | x1 | …] along axis; dxi = dy's slice of xi
// Dot(axes)  [B, k]·[B, k] → [B, 1]; [B, m, ·]·[B, ·, n] contracting axes → [B, m, n] per sample
//            (normalize: each input L2-normalised along its axis first, x / sqrt(max(Σx², 1e-12)))
//
// Inputs are summed, multiplied and compared in input order, left to right, as Keras does;
// every kernel runs in Wasm (assembly/elementwise.ts and assembly/merge.ts). Masks: when the
// inputs are sequences, the output's mask is the AND of the masks given (Concatenate along
// time joins them); Dot returns none, as Keras.
import { add, copy, mul, scale, sub } from '../kernels/elementwise.js';
import { batchMatmul, copyBlocks, divideBy, l2Normalize, l2NormalizeBackward, maximum, routeToMaximum, type BatchMatmulShape, type NormalizeShape } from '../kernels/merge.js';
import type { F32Region } from '../runtime/arena.js';
import { describe, LayerInputError } from './errors.js';
import { formatShape, MultiInputLayer, MultiInputPlan, sizeOf, type LayerKind, type LayerOptions, type Mask, type MultiPlanSetup, type Shape } from './layer.js';
import { flag, OptionProblem, type Option, type OptionTable } from './options.js';

/** The element-wise merges, by Keras class name. */
export type ElementwiseMerge = 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum';

const NO_OPTIONS = {} satisfies OptionTable;

/**
 * A merge layer applying one element-wise operation to inputs of the same shape: Keras's
 * Add, Subtract, Multiply, Average and Maximum (its className). Create it with
 * {@link layers.add} and the other factories.
 *
 * @example
 * ```ts
 * const sum = layers.add();              // an ElementwiseMergeLayer whose className is 'Add'
 * ```
 */
export class ElementwiseMergeLayer extends MultiInputLayer<typeof NO_OPTIONS> {
  protected readonly inputCount: readonly [number, number];

  constructor(kind: ElementwiseMerge, options?: LayerOptions) {
    super({ className: kind, prefix: kind.toLowerCase(), options: NO_OPTIONS }, options);
    this.inputCount = kind === 'Subtract' ? [2, 2] : [2, Infinity];
  }

  protected outputShapeOf(inputShapes: readonly Shape[]): Shape {
    const [first] = inputShapes;
    if (first.length < 2) throw new LayerInputError(this.name, 'inputs', `expects inputs with a batch dimension and at least one more, got ${formatShape(first)}`);
    return inputShapes.slice(1).reduce<Shape>((shape, other, i) => {
      if (other.length !== shape.length || other.some((d, axis) => d !== null && shape[axis] !== null && d !== shape[axis])) {
        throw new LayerInputError(this.name, 'inputs', `${this.className} needs inputs of one shape; input ${i + 1} has shape ${formatShape(other)}, input 0 ${formatShape(first)}`);
      }
      return shape.map((d, axis) => d ?? other[axis]);
    }, first);
  }

  protected createMultiPlan(setup: MultiPlanSetup): MultiInputPlan {
    return new ElementwiseMergePlan(setup, this.className as ElementwiseMerge);
  }
}

class ElementwiseMergePlan extends MultiInputPlan {
  /** Maximum's backward: the gradient not yet given to an input, and a sink for inputs without a gradient. */
  private readonly remaining: F32Region | undefined;
  private readonly sink: F32Region | undefined;

  constructor(
    setup: MultiPlanSetup,
    private readonly kind: ElementwiseMerge,
  ) {
    super(setup);
    const maximumTraining = kind === 'Maximum' && setup.training;
    this.remaining = maximumTraining ? setup.regions.alloc(this.output.length) : undefined;
    this.sink = maximumTraining ? setup.regions.alloc(this.output.length) : undefined;
  }

  protected runForward(inputs: readonly F32Region[], masks: readonly (Mask | undefined)[]): Mask | undefined {
    const n = this.output.length;
    const out = this.output;
    const [x0, x1] = inputs;
    if (this.kind === 'Subtract') sub(x0, x1, out, n);
    else if (this.kind === 'Maximum') inputs.slice(1).forEach((x, i) => maximum(i === 0 ? x0 : out, x, out, n));
    else if (this.kind === 'Multiply') inputs.slice(1).forEach((x, i) => mul(i === 0 ? x0 : out, x, out, n));
    else {
      inputs.slice(1).forEach((x, i) => add(i === 0 ? x0 : out, x, out, n));
      if (this.kind === 'Average') divideBy(out, inputs.length, out, n);
    }
    return andMasks(masks, this.outputShape);
  }

  protected runBackward(inputs: readonly F32Region[], dOutput: F32Region): void {
    const n = this.output.length;
    if (this.kind === 'Maximum') {
      copy(dOutput, this.remaining!, n);
      inputs.forEach((x, i) => routeToMaximum(x, this.output, this.remaining!, this.dInputs[i] ?? this.sink!, n));
      return;
    }
    this.dInputs.forEach((dx, i) => {
      if (!dx) return;
      if (this.kind === 'Subtract' && i === 1) scale(-1, dOutput, dx, n);
      else if (this.kind === 'Average') divideBy(dOutput, inputs.length, dx, n);
      else {
        copy(dOutput, dx, n);
        if (this.kind === 'Multiply') inputs.forEach((x, j) => j !== i && mul(dx, x, dx, n));
      }
    });
  }
}

/** The AND of the masks given (undefined: none given), for a sequence output of [B, T, …]. */
function andMasks(masks: readonly (Mask | undefined)[], outputShape: readonly number[]): Mask | undefined {
  const given = masks.filter((m): m is Mask => m !== undefined);
  if (given.length === 0 || outputShape.length < 3) return undefined;
  const result = new Uint8Array(outputShape[0] * outputShape[1]).fill(1);
  for (const mask of given) mask.forEach((m, i) => (result[i] &= m ? 1 : 0));
  return result;
}

// ---- Concatenate -------------------------------------------------------------------------

/**
 * Options of {@link layers.concatenate}.
 *
 * @example
 * ```ts
 * layers.concatenate({ axis: -1 });
 * ```
 */
export interface ConcatenateOptions extends LayerOptions {
  /** The axis to join along (negative counts from the end; not the batch axis). Default -1. */
  axis?: number;
}

/** A non-zero integer (an axis other than the batch axis, possibly negative). */
function axisOption(fallback: number): Option<number> {
  return {
    parse(value) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value === 0) throw new OptionProblem(`must be a non-zero integer (an axis after the batch axis, or negative from the end), got ${describe(value)}`);
      return value;
    },
  };
}

const CONCATENATE = { className: 'Concatenate', prefix: 'concatenate', options: { axis: axisOption(-1) } } satisfies LayerKind<OptionTable>;

/**
 * Joins its inputs along `axis` (Keras `Concatenate`); every other dimension must agree.
 * Create it with {@link layers.concatenate}.
 *
 * @example
 * ```ts
 * const joined = layers.concatenate().apply([a, b]);     // [B, 3] and [B, 5] → [B, 8]
 * ```
 */
export class Concatenate extends MultiInputLayer<typeof CONCATENATE.options> {
  protected readonly inputCount = [1, Infinity] as const;

  constructor(options?: ConcatenateOptions) {
    super(CONCATENATE, options);
  }

  /** The axis as a non-negative index for inputs of `rank`. */
  axisFor(rank: number): number {
    const axis = this.settings.axis < 0 ? rank + this.settings.axis : this.settings.axis;
    if (axis < 1 || axis >= rank) throw new LayerInputError(this.name, 'axis', `axis ${this.settings.axis} is not an axis after the batch axis of inputs of rank ${rank}`);
    return axis;
  }

  protected outputShapeOf(inputShapes: readonly Shape[]): Shape {
    const [first] = inputShapes;
    const axis = this.axisFor(first.length);
    inputShapes.forEach((shape, i) => {
      if (shape.length !== first.length || shape.some((d, k) => k !== axis && d !== null && first[k] !== null && d !== first[k])) {
        throw new LayerInputError(this.name, 'inputs', `Concatenate along axis ${axis} needs the other dimensions to agree; input ${i} has shape ${formatShape(shape)}, input 0 ${formatShape(first)}`);
      }
    });
    const joined = inputShapes.reduce<number | null>((sum, shape) => (sum === null || shape[axis] === null ? null : sum + shape[axis]!), 0);
    return first.map((d, k) => (k === axis ? joined : inputShapes.reduce<number | null>((known, shape) => known ?? shape[k], d)));
  }

  protected createMultiPlan(setup: MultiPlanSetup): MultiInputPlan {
    return new ConcatenatePlan(setup, this.axisFor(setup.outputShape.length));
  }
}

class ConcatenatePlan extends MultiInputPlan {
  /** Blocks before the axis (rows), floats per block in the output, and each input's width and offset in a block. */
  private readonly rows: number;
  private readonly stride: number;
  private readonly widths: number[];
  private readonly offsets: number[];

  constructor(
    setup: MultiPlanSetup,
    private readonly axis: number,
  ) {
    super(setup);
    this.rows = sizeOf(setup.outputShape.slice(0, axis));
    this.stride = sizeOf(setup.outputShape.slice(axis));
    this.widths = setup.inputShapes.map((shape) => sizeOf(shape.slice(axis)));
    let at = 0;
    this.offsets = this.widths.map((w) => (at += w) - w);
  }

  protected runForward(inputs: readonly F32Region[], masks: readonly (Mask | undefined)[]): Mask | undefined {
    inputs.forEach((x, i) => copyBlocks({ region: x, offset: 0, stride: this.widths[i] }, { region: this.output, offset: this.offsets[i], stride: this.stride }, this.rows, this.widths[i]));
    if (this.axis !== 1) return andMasks(masks, this.outputShape);
    if (masks.every((m) => m === undefined) || this.outputShape.length < 3) return undefined;
    // Joined along time: the masks are joined too, all-ones for an input without one.
    const B = this.outputShape[0];
    const T = this.outputShape[1];
    const joined = new Uint8Array(B * T);
    let t0 = 0;
    this.inputShapes.forEach((shape, i) => {
      const steps = shape[1];
      for (let b = 0; b < B; b++) for (let t = 0; t < steps; t++) joined[b * T + t0 + t] = masks[i] ? masks[i]![b * steps + t] : 1;
      t0 += steps;
    });
    return joined;
  }

  protected runBackward(_inputs: readonly F32Region[], dOutput: F32Region): void {
    this.dInputs.forEach((dx, i) => {
      if (dx) copyBlocks({ region: dOutput, offset: this.offsets[i], stride: this.stride }, { region: dx, offset: 0, stride: this.widths[i] }, this.rows, this.widths[i]);
    });
  }
}

// ---- Dot ---------------------------------------------------------------------------------

/**
 * Options of {@link layers.dot}.
 *
 * @example
 * ```ts
 * layers.dot({ axes: [2, 2] });      // [B, m, d]·[B, n, d] → [B, m, n]
 * ```
 */
export interface DotOptions extends LayerOptions {
  /** The axis of each input to contract (one number: the same for both). Required. */
  axes: number | readonly [number, number];
  /** L2-normalise both inputs along their axes first (the cosine proximity), as Keras: x / sqrt(max(Σx², 1e-12)). Default false. */
  normalize?: boolean;
}

const DOT = {
  className: 'Dot',
  prefix: 'dot',
  options: {
    // Kept as given (one number or two), as Keras saves it.
    axes: {
      parse(value: unknown): number | readonly [number, number] {
        if (value === undefined) throw new OptionProblem('is required (the axis of each input to contract)');
        const pair = typeof value === 'number' ? [value, value] : value;
        if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((a) => Number.isSafeInteger(a) && a !== 0)) {
          throw new OptionProblem(`must be a non-zero integer or two of them (not the batch axis), got ${describe(value)}`);
        }
        return typeof value === 'number' ? value : (Object.freeze([pair[0], pair[1]]) as readonly [number, number]);
      },
      toJSON: (value: number | readonly [number, number]) => (typeof value === 'number' ? value : [...value]),
    },
    normalize: flag(false),
  },
} satisfies LayerKind<OptionTable>;

/**
 * The dot product of two inputs per sample along the given axes (Keras `Dot`): [B, k]·[B, k]
 * → [B, 1]; for sequences [B, ·, ·] the free axes of each remain, e.g. axes [2, 2] gives
 * x·yᵀ, [B, m, n]. Create it with {@link layers.dot}.
 *
 * @example
 * ```ts
 * const scores = layers.dot({ axes: [2, 2] }).apply([queries, keys]);
 * ```
 */
export class Dot extends MultiInputLayer<typeof DOT.options> {
  protected readonly inputCount = [2, 2] as const;

  constructor(options: DotOptions) {
    super(DOT, options);
  }

  /** @internal The batched product that computes the layer for inputs of these shapes, and each input's layout around its axis (normalize). */
  productFor(inputShapes: readonly Shape[]): { shape: BatchMatmulShape | undefined; output: Shape; normalize: NormalizeShape[] } {
    const [x, y] = inputShapes;
    if (x.length !== y.length || x.length < 2 || x.length > 3) {
      throw new LayerInputError(this.name, 'inputs', `Dot takes two inputs of rank 2 or two of rank 3 (batch first), got ${formatShape(x)} and ${formatShape(y)}`);
    }
    const rank = x.length;
    const axes = this.settings.axes;
    const [ax, ay] = (typeof axes === 'number' ? [axes, axes] : axes).map((a) => (a < 0 ? rank + a : a));
    if (!(ax >= 1 && ax < rank && ay >= 1 && ay < rank)) throw new LayerInputError(this.name, 'axes', `axes ${JSON.stringify(axes)} are not axes after the batch axis of inputs of rank ${rank}`);
    if (x[ax] !== null && y[ay] !== null && x[ax] !== y[ay]) {
      throw new LayerInputError(this.name, 'inputs', `Dot contracts axis ${ax} of ${formatShape(x)} with axis ${ay} of ${formatShape(y)}: their sizes ${x[ax]} and ${y[ay]} differ`);
    }
    const batch = x[0] ?? y[0];
    // [outer, length, inner] around each input's axis; only read for concrete shapes.
    const around = (shape: Shape, axis: number): NormalizeShape => ({ outer: sizeOf(shape.slice(0, axis) as number[]), length: shape[axis] as number, inner: sizeOf(shape.slice(axis + 1) as number[]), eps: 1e-12 });
    const normalize = this.settings.normalize ? [around(x, ax), around(y, ay)] : [];
    if (rank === 2) return { output: [batch, 1], normalize, shape: known([batch, 1, 1, x[1] ?? y[1]], (b, m, n, k) => ({ batch: b, m, n, k, aT: false, bT: false })) };
    // x [B, r, c] is op(A) = m×k when contracting c (ax 2), else its transpose; y likewise with k first.
    const m = ax === 2 ? x[1] : x[2];
    const n = ay === 1 ? y[2] : y[1];
    return { output: [batch, m, n], normalize, shape: known([batch, m, n, x[ax] ?? y[ay]], (b, mm, nn, k) => ({ batch: b, m: mm, n: nn, k, aT: ax === 1, bT: ay === 2 })) };
  }

  protected outputShapeOf(inputShapes: readonly Shape[]): Shape {
    return this.productFor(inputShapes).output;
  }

  protected createMultiPlan(setup: MultiPlanSetup): MultiInputPlan {
    const { shape, normalize } = this.productFor(setup.inputShapes);
    return new DotPlan(setup, shape!, normalize);
  }
}

/** `make(...dims)` when every dimension is known, else undefined. */
function known<T>(dims: readonly (number | null)[], make: (...dims: number[]) => T): T | undefined {
  return dims.every((d) => d !== null) ? make(...(dims as number[])) : undefined;
}

class DotPlan extends MultiInputPlan {
  /** normalize: the normalised inputs, their sums of squares, and (training) the gradients at the normalised inputs. */
  private readonly normalized: F32Region[];
  private readonly sums: F32Region[];
  private readonly dNormalized: (F32Region | undefined)[];

  constructor(
    setup: MultiPlanSetup,
    private readonly product: BatchMatmulShape,
    private readonly normalize: readonly NormalizeShape[],
  ) {
    super(setup);
    this.normalized = normalize.map((_, i) => setup.regions.alloc(sizeOf(setup.inputShapes[i])));
    this.sums = normalize.map((layout) => setup.regions.alloc(layout.outer * layout.inner));
    this.dNormalized = normalize.map((_, i) => (this.dInputs[i] ? setup.regions.alloc(sizeOf(setup.inputShapes[i])) : undefined));
  }

  protected runForward(inputs: readonly F32Region[]): Mask | undefined {
    this.normalize.forEach((layout, i) => l2Normalize(inputs[i], this.normalized[i], this.sums[i], layout));
    const [a, b] = this.normalize.length > 0 ? this.normalized : inputs;
    batchMatmul(a, b, this.output, this.product);
    return undefined;
  }

  // C = op(A)·op(B): dA and dB are products of dC with the other operand, the transpositions
  // chosen so that each lands in its input's own layout; with normalize, A and B are the
  // normalised inputs and their gradients go back through the normalisation.
  protected runBackward(inputs: readonly F32Region[], dOutput: F32Region): void {
    const { batch, m, n, k, aT, bT } = this.product;
    const normalized = this.normalize.length > 0;
    const [x, y] = normalized ? this.normalized : inputs;
    const [dx, dy] = normalized ? this.dNormalized : this.dInputs;
    if (dx) {
      if (!aT) batchMatmul(dOutput, y, dx, { batch, m, n: k, k: n, aT: false, bT: !bT });
      else batchMatmul(y, dOutput, dx, { batch, m: k, n: m, k: n, aT: bT, bT: true });
    }
    if (dy) {
      if (!bT) batchMatmul(x, dOutput, dy, { batch, m: k, n, k: m, aT: !aT, bT: false });
      else batchMatmul(dOutput, x, dy, { batch, m: n, n: k, k: m, aT: true, bT: aT });
    }
    this.normalize.forEach((layout, i) => {
      const dInput = this.dInputs[i];
      if (dInput) l2NormalizeBackward(this.normalized[i], this.dNormalized[i]!, this.sums[i], dInput, layout);
    });
  }
}
