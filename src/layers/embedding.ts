// Embedding: y[b][t] = E[ids[b][t]], the ids given as integers in any typed array or as floats
// holding integers (they travel as float32, exact for every id below inputDim ≤ 2^24). With maskZero,
// id 0 is padding: it is looked up like any id (as in Keras) and the mask returned for the
// next layers marks those steps as not real. embeddings (inputDim, outputDim); Keras count
// inputDim·outputDim.
//
// forward  ids [B, T] → y [B, T, D]: row copies (no arithmetic)
// backward dE[ids[b][t]] += dy[b][t], in (b, t) order; ids have no gradient.
// Both run on the host over views of the arena: a gather and a scatter-add have nothing
// for SIMD to do, and each float32 sum is rounded exactly as Wasm's f32.add would round it.
import { elementPath } from '../data/validate.js';
import type { F32Region } from '../runtime/arena.js';
import type { Tensor } from '../tensor.js';
import { LayerInputError } from './errors.js';
import { initializerOption, type InitializerSpec } from './initializers.js';
import { initializedWeight, Layer, LayerPlan, sizeOf, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { choice, flag, optionalPositiveInteger, OptionProblem, positiveInteger, type OptionTable } from './options.js';

/** Ids travel to the layer as float32, which holds every integer up to 2^24 exactly. */
const MAX_INPUT_DIM = 2 ** 24;

/**
 * Options of {@link layers.embedding}.
 *
 * @example
 * ```ts
 * layers.embedding({ inputDim: 5000, outputDim: 64, maskZero: true, inputLength: 100 });
 * ```
 */
export interface EmbeddingOptions extends Omit<LayerOptions, 'dtype'> {
  /** Vocabulary size: ids are integers in [0, inputDim). */
  inputDim: number;
  /** Length of each learned vector, an integer >= 1. Required. */
  outputDim: number;
  /** Default 'randomUniform' (±0.05). */
  embeddingsInitializer?: InitializerSpec;
  /** Id 0 is padding: return a mask for the following layers. Default false. */
  maskZero?: boolean;
  /** The sequence length, when fixed (declares the input shape [inputLength]). */
  inputLength?: number;
  /**
   * The ids' type, as TF.js and Keras models declare the input of their first layer: 'int32'
   * or 'float32' (default). Either way ids may come in any typed array (Int32Array,
   * Uint16Array, …) or as floats, and must be integers in [0, inputDim); the embeddings are
   * float32. Saved in the config as given.
   */
  dtype?: 'float32' | 'int32';
}

const EMBEDDING = {
  className: 'Embedding',
  prefix: 'embedding',
  options: {
    inputDim: positiveInteger(),
    outputDim: positiveInteger(),
    embeddingsInitializer: initializerOption('randomUniform'),
    maskZero: flag(false),
    inputLength: optionalPositiveInteger(),
    dtype: choice(['float32', 'int32'], 'float32'),
  },
} satisfies LayerKind<OptionTable>;

/**
 * Integer ids → learned vectors (Keras `Embedding`): input [batch, steps] of ids in
 * [0, inputDim), output [batch, steps, outputDim]. With maskZero, id 0 is padding and the
 * following layers skip it. Create it with {@link layers.embedding}.
 *
 * @example
 * ```ts
 * const embed = new layers.Embedding({ inputDim: 1000, outputDim: 32, maskZero: true });
 * ```
 */
export class Embedding extends Layer<typeof EMBEDDING.options> {
  constructor(options: EmbeddingOptions) {
    super(EMBEDDING, options, ({ inputLength, inputDim }, declared) => {
      if (inputDim > MAX_INPUT_DIM) throw new OptionProblem(`must be at most 2^24 = ${MAX_INPUT_DIM} (ids travel as float32, exact up to 2^24), got ${inputDim}`, 'inputDim');
      if (inputLength === undefined) return declared;
      if (!declared) return [null, inputLength];
      if (declared.length !== 2 || (declared[1] !== null && declared[1] !== inputLength)) {
        throw new OptionProblem(`${inputLength} does not agree with the declared input shape [${declared.join(', ')}]`, 'inputLength');
      }
      return declared;
    });
  }

  /** Ids come as [batch, time]: the time axis is open whatever length was declared. */
  protected isTimeAxis(axis: number): boolean {
    return axis === 1;
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 2, 2, 'ids [batch, time]');
    return [...inputShape, this.settings.outputDim];
  }

  protected weightSpecs(): WeightSpec[] {
    const { inputDim, outputDim, embeddingsInitializer } = this.settings;
    return [initializedWeight('embeddings', [inputDim, outputDim], 'embeddingsInitializer', embeddingsInitializer)];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new EmbeddingPlan(this, setup);
  }

  /**
   * Checks every id of `ids` (the model's data, named `name`, e.g. 'x') before anything runs, so
   * a bad id in a late sample fails before the first update; the error's argument is its place
   * in the data ('x[20][2]').
   */
  checkIds(ids: Tensor, name: string): void {
    const bad = firstBadId(ids.data, this.settings.inputDim);
    if (bad >= 0) throw new LayerInputError(this.name, `${name}${elementPath(ids.shape, bad)}`, `${this.badIdProblem(name, ids.shape, bad, ids.data[bad])} for '${this.name}'`);
  }

  /** @internal EmbeddingPlan */
  badIdProblem(name: string, shape: readonly number[], index: number, id: number): string {
    return `${name}${elementPath(shape, index)} is ${id}, not an integer id in [0, ${this.settings.inputDim})`;
  }
}

/** The index of the first value of `ids` that is not an integer in [0, inputDim), or −1. */
function firstBadId(ids: ArrayLike<number>, inputDim: number): number {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < inputDim)) return i;
  }
  return -1;
}

class EmbeddingPlan extends LayerPlan {
  constructor(
    private readonly embedding: Embedding,
    setup: PlanSetup,
  ) {
    super(setup, false);
  }

  protected runForward(input: F32Region): Mask | undefined {
    const { inputDim, outputDim: D, maskZero } = this.embedding.settings;
    const ids = input.view().subarray(0, sizeOf(this.inputShape));
    const bad = firstBadId(ids, inputDim);
    if (bad >= 0) throw new LayerInputError(this.layer.name, 'input', this.embedding.badIdProblem('input', this.inputShape, bad, ids[bad]));
    const table = this.embedding.weights[0].value.view();
    const out = this.output.view();
    for (let i = 0; i < ids.length; i++) out.set(table.subarray(ids[i] * D, ids[i] * D + D), i * D);
    return maskZero ? Uint8Array.from(ids, (id) => (id !== 0 ? 1 : 0)) : undefined;
  }

  protected runBackward(input: F32Region, dOutput: F32Region): void {
    const D = this.embedding.settings.outputDim;
    const ids = input.view().subarray(0, sizeOf(this.inputShape));
    const dy = dOutput.view();
    const grad = this.embedding.weights[0].grad.view();
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i] * D;
      for (let d = 0; d < D; d++) grad[row + d] += dy[i * D + d];
    }
  }
}
