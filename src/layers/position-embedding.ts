// A learned positional embedding, added to its input: y[b, t, :] = x[b, t, :] + E[t, :], with
// E (sequenceLength, features) named 'embeddings' as in keras_hub's PositionEmbedding, whose
// initializer option it shares. keras_hub's layer returns E broadcast to the input and leaves
// the add to the caller; this one adds it, so it fits in a sequential stack. Inputs may be
// shorter than sequenceLength (the first T rows of E are used). Masks pass through.
//
// forward  y = x + E[:T] for every sample (Wasm)
// backward dx = dy;  dE[:T] += Σ_b dy[b] (samples added in order, Wasm)
import { columnSums, copy } from '../kernels/elementwise.js';
import { addRowToEach } from '../kernels/sequence.js';
import type { F32Region } from '../runtime/arena.js';
import { LayerInputError } from './errors.js';
import { initializerOption, type InitializerSpec } from './initializers.js';
import { formatShape, initializedWeight, Layer, LayerPlan, sizeOf, type ForwardOptions, type LayerKind, type LayerOptions, type Mask, type PlanSetup, type Shape, type WeightSpec } from './layer.js';
import { positiveInteger, type OptionTable } from './options.js';

/**
 * Options of {@link layers.positionEmbedding}.
 *
 * @example
 * ```ts
 * layers.positionEmbedding({ sequenceLength: 64 });
 * ```
 */
export interface PositionEmbeddingOptions extends LayerOptions {
  /** The longest sequence, an integer >= 1 (rows of the embedding). Required. */
  sequenceLength: number;
  /** Default 'glorotUniform' (keras_hub's default). */
  initializer?: InitializerSpec;
}

const POSITION_EMBEDDING = {
  className: 'PositionEmbedding',
  prefix: 'position_embedding',
  options: { sequenceLength: positiveInteger(), initializer: initializerOption('glorotUniform') },
} satisfies LayerKind<OptionTable>;

/**
 * Adds a learned vector per position to a sequence [batch, steps, features] (keras_hub's
 * `PositionEmbedding`, with the add built in). Create it with {@link layers.positionEmbedding}.
 *
 * @example
 * ```ts
 * sequential([layers.embedding({ inputDim: 100, outputDim: 16, inputShape: [32] }), layers.positionEmbedding({ sequenceLength: 32 }), layers.layerNormalization()]);
 * ```
 */
export class PositionEmbedding extends Layer<typeof POSITION_EMBEDDING.options> {
  constructor(options: PositionEmbeddingOptions) {
    super(POSITION_EMBEDDING, options);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.expectRank(inputShape, 3, 3, 'sequences [batch, time, features]');
    this.expectKnown(inputShape, 2, 'feature (last)');
    const steps = inputShape[1];
    if (steps !== null && steps > this.settings.sequenceLength) {
      throw new LayerInputError(this.name, 'inputShape', `input ${formatShape(inputShape)} has ${steps} steps, more than sequenceLength ${this.settings.sequenceLength}`);
    }
    return inputShape;
  }

  /** Each step gets its position's vector: one step alone would always be position 0. */
  get mixesSteps(): boolean {
    return true;
  }

  protected weightSpecs(inputShape: Shape): WeightSpec[] {
    return [initializedWeight('embeddings', [this.settings.sequenceLength, inputShape[2]!], 'initializer', this.settings.initializer)];
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    return new PositionEmbeddingPlan(this, setup);
  }
}

class PositionEmbeddingPlan extends LayerPlan {
  private readonly batch: number;
  /** Floats of one sample: T·features. */
  private readonly sample: number;

  constructor(
    private readonly embedding: PositionEmbedding,
    setup: PlanSetup,
  ) {
    super(setup);
    this.batch = setup.inputShape[0];
    this.sample = sizeOf(setup.inputShape.slice(1));
  }

  protected runForward(input: F32Region, options: ForwardOptions): Mask | undefined {
    addRowToEach(input, this.embedding.weights[0].value, this.output, this.batch, this.sample);
    return options.mask;
  }

  protected runBackward(_input: F32Region, dOutput: F32Region): void {
    columnSums(dOutput, this.embedding.weights[0].grad, this.batch, this.sample, true);
    if (this.dInput) copy(dOutput, this.dInput, sizeOf(this.inputShape));
  }
}
