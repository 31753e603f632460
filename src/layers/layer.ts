// The layer abstraction. A layer's life:
//
//   const layer = layers.lstm({ units: 8 });          // options validated, name given
//   layer.build([null, 5, 26], rng);                  // weights allocated in the arena, initialised
//   const plan = layer.plan([32, 5, 26], { training: true });   // buffers for one batch shape
//   plan.forward(x, { rng });  plan.backward(dy);     // on arena regions; gradients accumulate
//   layer.zeroGradients();  ...optimizer updates weight regions...;  layer.weightsChanged();
//
// A model (milestone 3) builds each layer once, plans every layer for its batch shape once,
// then per batch calls forward through the stack and backward in reverse, feeding each
// plan's `output` to the next and each plan's `dInput` to the previous. Nothing is
// allocated per batch. Weights are held in Keras order with Keras names and shapes.
//
// Shapes: `Shape` includes the batch dimension first, null where not fixed (TF.js style,
// e.g. [null, 5, 26]); plans take concrete shapes ([32, 5, 26]).
//
// Functional models call layers on symbolic tensors (layer.apply, below); layers that take
// several inputs (merges, later attention) follow the multi-input protocol of MultiInputLayer:
// the same life with a list of shapes and regions.
import { elementPath } from '../data/validate.js';
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import { toTensor, type Tensor, type TensorLike } from '../tensor.js';
import { fill } from '../kernels/elementwise.js';
import { Prng } from '../util/prng.js';
import { DataError } from '../data/errors.js';
import { describe, LayerInputError, LayerStateError } from './errors.js';
import type { Initializer } from './initializers.js';
import { choice, dims, flag, optionalPositiveInteger, OptionProblem, parseOptions, reportingTo, settingsToJSON, type OpenShape, type OptionTable, type Settings } from './options.js';

/**
 * A shape with the batch dimension first; null marks a dimension not fixed yet.
 *
 * @example
 * ```ts
 * const shape: layers.Shape = [null, 5, 26];   // any batch, 5 steps, 26 features
 * ```
 */
export type Shape = readonly (number | null)[];

/**
 * Which steps of a [B, T] batch are real (1) or padding (0), row-major: what embedding maskZero and masking produce.
 *
 * @example
 * ```ts
 * const mask: layers.Mask = Uint8Array.of(1, 1, 0, 1, 1, 1);   // B = 2, T = 3: sample 0's last step is padding
 * plan.forward(x, { mask });
 * ```
 */
export type Mask = Uint8Array;

/**
 * One weight of a built layer: its Keras name and shape, its values and its gradient, both in
 * the arena (see {@link Layer.weights}).
 *
 * @example
 * ```ts
 * for (const w of lstm.weights) console.log(w.name, w.shape);   // lstm/kernel [26, 32], …
 * ```
 */
export interface LayerWeight {
  /** Keras name, e.g. 'lstm/kernel' or 'bidirectional/forward_lstm/bias'. */
  readonly name: string;
  /** Keras shape, e.g. [features, 4·units] for an LSTM kernel. */
  readonly shape: readonly number[];
  /** The values, row-major; after writing them directly, call {@link Layer.weightsChanged}. */
  readonly value: F32Region;
  /** Same size as value; backward adds into it (zeroGradients() clears it). */
  readonly grad: F32Region;
  /** The layer's trainable flag: false means optimizers leave this weight alone. */
  readonly trainable: boolean;
}

/** How a layer's weight is created: Keras name (within the layer), shape, and the values to start from. */
export interface WeightSpec {
  /** Keras name within the layer, e.g. 'kernel' (saved as 'layer_name/kernel'). */
  readonly name: string;
  /** Keras shape, e.g. [features, units]. */
  readonly shape: readonly number[];
  /** The option that chose the initializer, named in errors. */
  readonly option: string;
  /** The starting values (shape's size, row-major), drawn from this weight's own stream. */
  initialize(rng: Prng): Float32Array;
}

/** A WeightSpec drawn from one initializer. */
export function initializedWeight(name: string, shape: readonly number[], option: string, initializer: Initializer): WeightSpec {
  return { name, shape, option, initialize: (rng) => initializer.sample(shape, rng) };
}

/**
 * Options of {@link Layer.plan}.
 *
 * @example
 * ```ts
 * const plan = layer.plan([32, 5, 26], { training: true, inputGradient: false });
 * ```
 */
export interface PlanOptions {
  /** Plan for training: dropout active, what backward needs kept. Default false. */
  training?: boolean;
  /** Compute dInput in backward (false for a model's first layer). Default true. */
  inputGradient?: boolean;
}

/**
 * Options of {@link LayerPlan.forward}.
 *
 * @example
 * ```ts
 * plan.forward(x, { mask, rng: prng(1), checkFinite: true });
 * ```
 */
export interface ForwardOptions {
  /** Incoming mask [B, T] from a masking or embedding layer upstream. */
  mask?: Mask;
  /** Recurrent layers: initial states (h, or h and c; both directions' for bidirectional), each [B, units]. */
  initialState?: readonly F32Region[];
  /** Randomness for this call (dropout masks); needed when a training plan drops anything. */
  rng?: Prng;
  /** Check the input for NaN and ±Infinity first (a LayerInputError names the element). Default false. */
  checkFinite?: boolean;
}

/**
 * Options of {@link LayerPlan.backward}.
 *
 * @example
 * ```ts
 * plan.backward(dy, { maxSteps: 20 });     // truncated BPTT
 * ```
 */
export interface BackwardOptions {
  /** Gradients arriving at the outputs after the first (plan.outputs[1…]): a recurrent layer's final states (returnState); undefined entries: unused. */
  dStates?: readonly (F32Region | undefined)[];
  /** Recurrent layers: truncate backpropagation through time to the last maxSteps real steps. */
  maxSteps?: number;
  /** Dense: dOutput is already the gradient at the pre-activation (a loss fused with the final softmax or sigmoid). */
  preActivation?: boolean;
}

/**
 * The options every layer takes besides its own (TF.js names).
 *
 * @example
 * ```ts
 * layers.lstm({ units: 8, name: 'encoder_lstm', inputShape: [null, 26], trainable: false });
 * ```
 */
export interface LayerOptions {
  /** Unique within a model; default: the kind's prefix, numbered (lstm, lstm_1, …), as Keras names layers. */
  name?: string;
  /** The input shape without the batch dimension, e.g. [5, 26] (null: open, e.g. any number of steps). */
  inputShape?: readonly (number | null)[];
  /** The input shape with the batch dimension first (stateful layers fix the batch size this way). */
  batchInputShape?: readonly (number | null)[];
  /** With inputShape: the batch size. */
  batchSize?: number;
  /** false: the optimizer leaves this layer's weights alone. Default true. */
  trainable?: boolean;
  /** Only 'float32'. */
  dtype?: 'float32';
}

/** The options every layer takes besides its own. */
const COMMON_OPTIONS = {
  name: { parse: layerName },
  inputShape: dims(),
  batchInputShape: dims(),
  batchSize: optionalPositiveInteger(),
  trainable: flag(true),
  dtype: choice(['float32'], 'float32'),
} satisfies OptionTable;

/** What a layer class declares: its names and its own options. */
export interface LayerKind<S extends OptionTable> {
  /** Keras class name, e.g. 'LSTM'. */
  readonly className: string;
  /** Prefix of automatic names, e.g. 'lstm' → lstm, lstm_1, … */
  readonly prefix: string;
  /** The layer's own options (besides name, inputShape, trainable, …): one parser each; their values become `layer.settings`. */
  readonly options: S;
}

const nameCounts = new Map<string, number>();

/** Keras naming: the first layer of a kind is named by its prefix, later ones prefix_1, prefix_2, … */
function nextName(prefix: string): string {
  const count = nameCounts.get(prefix) ?? 0;
  return count === 0 ? prefix : `${prefix}_${count}`;
}

/** @internal Keras naming for things named like layers (RNN cells): the next automatic name for `prefix`, used up when `take` is true. */
export function automaticName(prefix: string, take: boolean): string {
  const name = nextName(prefix);
  if (take) nameCounts.set(prefix, (nameCounts.get(prefix) ?? 0) + 1);
  return name;
}

/** Regions allocated together and freed together: a layer's weights, a plan's buffers. */
export class Regions {
  private readonly list: F32Region[] = [];

  /** One region of `floats` floats (its values are whatever was there: fill or write it). */
  alloc(floats: number): F32Region {
    return this.allocAll([floats])[0];
  }

  /** One region per size, all or none: the memory grows once, only if the total fits. */
  allocAll(sizes: readonly number[]): F32Region[] {
    const regions = arena('layers').allocMany(sizes);
    this.list.push(...regions);
    return regions;
  }

  /** Gives every region back to the arena (a plan's dispose() does this). */
  freeAll(): void {
    const memory = arena('layers');
    for (const region of this.list) memory.free(region);
    this.list.length = 0;
  }
}

/**
 * The base of every layer. A layer holds validated options and, once built for an input
 * shape, its weights in the arena; {@link Layer.plan} allocates the buffers for one batch
 * shape, whose forward and backward run the layer. A model drives all of this for you; use
 * it directly to run or test a layer by hand. Create layers with the `layers.*` factories.
 *
 * **Writing your own layer.** Extend Layer and override:
 * - the constructor: `super(kind, options)` with a {@link LayerKind} — `className` (saved in
 *   model.json), `prefix` (automatic names) and `options`, a table of {@link Option} parsers
 *   (`layers.positiveInteger()`, `layers.flag(false)`, …, or your own `{ parse }` that throws
 *   {@link OptionProblem}); the parsed values are `this.settings`;
 * - `computeOutputShape(inputShape)`: batch first, null where open; throw LayerInputError
 *   (the protected `expectRank` and `expectKnown` do) for an input the layer cannot take;
 * - `weightSpecs(inputShape)`: the weights, in Keras order ({@link initializedWeight});
 *   `build()` allocates them in the arena, and they appear as `this.weights` (value and grad);
 * - `createPlan(setup)`: a {@link LayerPlan} subclass for one batch shape. Its constructor
 *   allocates scratch from `setup.regions` (freed with the plan); `runForward(input, options)`
 *   reads the input region and writes `this.output`, returning the mask for the next layer
 *   (`options.mask` to pass it on); `runBackward(input, dOutput)` writes `this.dInput` (when
 *   defined) and adds the weight gradients into `weights[i].grad`;
 * - `getConfig()`: only if the layer has state beyond its option table (the table's options
 *   are saved for you).
 *
 * Plans compute with the Wasm kernels in `kernels` (gemm, activations, elementwise ops,
 * columnSums, …), which take {@link F32Region}s, so forward and backward stay in Wasm and
 * deterministic. Give the class a static `className` and call {@link registerClass} so that
 * `loadModel` creates it again. `examples/custom-layer.ts` is a worked example (a gated linear
 * unit, its gradient checked by finite differences, trained, saved and loaded).
 *
 * @example
 * ```ts
 * const lstm = layers.lstm({ units: 8, returnSequences: true });
 * lstm.build([null, 5, 26], prng(7));           // weights in the arena, seeded init
 * lstm.countParams();                           // 1120
 * const plan = lstm.plan([32, 5, 26]);          // buffers for batches of 32
 * plan.forward(arena().fromArray(inputs));      // writes plan.output, [32, 5, 8]
 * lstm.dispose();
 * ```
 */
export abstract class Layer<S extends OptionTable = OptionTable> {
  /** Unique within a model: the `name` option, or the kind's prefix numbered as Keras does (lstm, lstm_1, …). */
  readonly name: string;
  /** Keras class name, e.g. 'LSTM', as saved in model.json. */
  readonly className: string;
  /** This layer's own options, validated, defaults filled in. */
  readonly settings: Settings<S>;
  private trainableFlag: boolean;
  /** [batch or null, ...inputShape] when given by inputShape / batchInputShape / batchSize. */
  readonly batchInputShape: Shape | undefined;
  private shapeBuiltFor: Shape | undefined;
  /** Bumped by setWeights() and weightsChanged(): layers that keep packed copies repack when it moves. */
  protected weightsVersion = 0;

  private readonly kind: LayerKind<S>;
  /** Prefix of this layer's weight names ('lstm', or a wrapper's 'bidirectional/forward_lstm'). */
  private weightScope: string;
  private ownWeights: LayerWeight[] = [];
  private readonly weightRegions = new Regions();
  private readonly plans = new Set<{ dispose(): void }>();
  /** Where apply() has called this layer (functional models): node k is Keras's node index k. */
  private readonly nodes: LayerNode[] = [];
  private disposed = false;

  /**
   * Validates every option (a LayerConfigError names the layer and the option; nothing is
   * created and no automatic name is used up on error). `check` adds cross-option checks
   * and returns the batch input shape, which a layer may derive from its own options.
   */
  protected constructor(kind: LayerKind<S>, options: unknown, check?: (settings: Settings<S>, batchInputShape: Shape | undefined) => Shape | undefined) {
    const given = (typeof options === 'object' && options !== null ? options : {}) as Record<string, unknown>;
    const owner = typeof given.name === 'string' && given.name !== '' && !given.name.includes('/') ? given.name : nextName(kind.prefix);
    const table = { ...COMMON_OPTIONS, ...kind.options };
    const all = parseOptions(owner, options, table) as Settings<typeof COMMON_OPTIONS> & Settings<S>;
    const batchInputShape = reportingTo(owner, () => {
      const shape = batchShapeOf(all.inputShape, all.batchInputShape, all.batchSize);
      return check ? check(all, shape) : shape;
    });
    if (all.name === undefined) nameCounts.set(kind.prefix, (nameCounts.get(kind.prefix) ?? 0) + 1);
    this.kind = kind;
    this.name = owner;
    this.weightScope = owner;
    this.className = kind.className;
    this.trainableFlag = all.trainable;
    this.batchInputShape = batchInputShape;
    const own: Record<string, unknown> = {};
    for (const key of Object.keys(kind.options)) own[key] = (all as Record<string, unknown>)[key];
    this.settings = Object.freeze(own) as Settings<S>;
  }

  /**
   * false: optimizers leave this layer's weights alone (the `trainable` option, default true).
   * Setting it freezes or unfreezes the layer (and the layers it wraps) for fine-tuning, as in
   * Keras; compile() again afterwards so that the optimizer sees the change.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  /** Freezes (false) or unfreezes (true) the layer and the layers it wraps; compile() again afterwards. */
  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new LayerInputError(this.name, 'trainable', `trainable must be true or false, got ${describe(value)}`);
    this.trainableFlag = value;
    this.ownWeights = this.ownWeights.map((w) => ({ ...w, trainable: value }));
    for (const child of this.children()) child.trainable = value;
  }

  // ---- shapes --------------------------------------------------------------------------

  /** The output shape for an input shape (batch first); throws LayerInputError for an input this layer cannot take. */
  abstract computeOutputShape(inputShape: Shape): Shape;

  /**
   * Whether an output step depends on other input steps than its own (a convolution window,
   * pooling, a position's embedding, a reshape): such a layer cannot be streamed one step at a time.
   */
  get mixesSteps(): boolean {
    return false;
  }

  /** Shapes of the final states a layer returns besides its output (recurrent layers with returnState); [] otherwise. */
  computeStateShapes(inputShape: Shape): Shape[] {
    void inputShape;
    return [];
  }

  /** @internal How many of a call's outputs carry the mask forward() returns (the rest, states or scores, carry none). */
  get maskedOutputs(): number {
    return 1;
  }

  /**
   * The shapes of everything a call returns (what apply() gives back): the output, then the
   * final states; a layer with several outputs of its own (Bidirectional with mergeMode null)
   * lists them before the states. A sequential model takes only computeOutputShape's one output.
   */
  computeOutputShapes(inputShape: Shape): Shape[] {
    return [this.computeOutputShape(inputShape), ...this.computeStateShapes(inputShape)];
  }

  // ---- weights -------------------------------------------------------------------------

  /** The weights this layer creates for an input shape, in Keras order (wrappers return [] and build their children). */
  protected abstract weightSpecs(inputShape: Shape): WeightSpec[];

  /** Layers this one wraps (Bidirectional, TimeDistributed); their weights follow its own. */
  protected children(): readonly Layer[] {
    return [];
  }

  /** The weight shapes of the wrapped layers (wrappers only), as buildChildren() would create them. */
  protected childWeightShapes(inputShape: Shape): (readonly number[])[] {
    void inputShape;
    return [];
  }

  /** Builds the wrapped layers (wrappers only): `rng` is this layer's stream, or null to skip initialisation. */
  protected buildChildren(inputShape: Shape, rng: Prng | null): void {
    void inputShape;
    void rng;
  }

  /** Whether build() has created the weights. */
  get built(): boolean {
    return this.shapeBuiltFor !== undefined;
  }

  /** The input shape build() was given; undefined before. */
  get builtInputShape(): Shape | undefined {
    return this.shapeBuiltFor;
  }

  /**
   * The shapes of the weights build(inputShape) creates, in Keras order, without allocating
   * anything: loadModel checks an untrusted file's sizes with it before building.
   */
  weightShapes(inputShape: Shape): (readonly number[])[] {
    this.assertLive();
    const shape = this.checkShape(inputShape, 'inputShape');
    this.computeOutputShapes(shape);
    return [...this.weightSpecs(shape).map((spec) => spec.shape), ...this.childWeightShapes(shape)];
  }

  /**
   * Creates the weights for `inputShape` (batch first) and initialises them from `rng`,
   * each weight from its own stream rng.derive(name), so adding or changing one weight's
   * initializer leaves the others as they were. `null` skips initialisation (weights zero,
   * e.g. before setWeights() when loading). Building again with the same shape does nothing.
   */
  build(inputShape: Shape, rng: Prng | null): void {
    this.assertLive();
    const shape = this.checkShape(inputShape, 'inputShape');
    if (this.built) {
      if (!sameShape(shape, this.builtInputShape!)) {
        throw new LayerInputError(this.name, 'inputShape', `already built for input shape ${formatShape(this.builtInputShape!)}, cannot build again for ${formatShape(shape)}`);
      }
      return;
    }
    this.computeOutputShapes(shape); // validates the shape for this layer
    this.createWeights(shape, this.weightSpecs(shape), rng);
  }

  /**
   * Initialises and allocates the weights `specs` describe, then the children and own
   * buffers; `shape` is recorded as the built input shape. Every value is computed before
   * anything is allocated, and allocation failures free what was taken, so a failed build
   * leaves the layer unbuilt and the arena as it was.
   */
  protected createWeights(shape: Shape, specs: readonly WeightSpec[], rng: Prng | null): void {
    if (rng !== null && !(rng instanceof Prng)) throw new LayerInputError(this.name, 'rng', `expected a Prng or null, got ${describe(rng)}`);
    const values = specs.map((spec) =>
      rng === null ? undefined : reportingTo(this.name, () => {
        try {
          return spec.initialize(rng.derive(spec.name));
        } catch (error) {
          throw error instanceof OptionProblem ? error.within(spec.option) : error;
        }
      }),
    );
    try {
      const sizes = specs.flatMap((spec) => {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        return [size, size];
      });
      const regions = this.weightRegions.allocAll(sizes);
      this.ownWeights = specs.map((spec, i) => {
        const [value, grad] = [regions[2 * i], regions[2 * i + 1]];
        const initial = values[i];
        if (initial) value.set(initial);
        else fill(value, 0);
        fill(grad, 0);
        return { name: `${this.weightScope}/${spec.name}`, shape: Object.freeze([...spec.shape]), value, grad, trainable: this.trainable };
      });
      this.shapeBuiltFor = shape;
      this.buildChildren(shape, rng);
      this.allocateOwnBuffers(shape);
    } catch (error) {
      this.unbuild();
      throw error;
    }
    this.weightsVersion++;
  }

  /** Undoes a failed build, this layer's and its children's. */
  private unbuild(): void {
    for (const child of this.children()) child.unbuild();
    this.releaseWeights();
    this.shapeBuiltFor = undefined;
  }

  /** Buffers a built layer keeps beside its weights (packed copies): allocate them from ownRegions. */
  protected allocateOwnBuffers(inputShape: Shape): void {
    void inputShape;
  }

  /** Regions freed with the weights: packed copies, a stateful layer's carried states. */
  protected get ownRegions(): Regions {
    return this.weightRegions;
  }

  /** All weights in Keras order: this layer's own, then each wrapped layer's. */
  get weights(): readonly LayerWeight[] {
    return [...this.ownWeights, ...this.children().flatMap((child) => child.weights)];
  }

  /** Copies of the weights' values, in Keras order. */
  getWeights(): Tensor[] {
    this.assertBuilt('getWeights');
    return this.weights.map((w) => ({ shape: w.shape, data: w.value.toArray() }));
  }

  /**
   * Replaces every weight's values, in Keras order. All are checked first (count, each
   * shape, every value finite); on any error no weight has changed.
   */
  setWeights(weights: readonly TensorLike[]): void {
    this.assertBuilt('setWeights');
    const targets = this.weights;
    if (!Array.isArray(weights) || weights.length !== targets.length) {
      throw new LayerInputError(this.name, 'weights', `expected an array of ${targets.length} weights (${targets.map((w) => w.name).join(', ')}), got ${describe(weights)}`);
    }
    const tensors = targets.map((target, i) => finiteTensor(this.name, weights[i], `weights[${i}]`, target.shape, `weights[${i}] (${target.name})`));
    targets.forEach((target, i) => target.value.set(tensors[i].data));
    this.weightsChanged();
  }

  /** Call after writing weight regions directly (an optimizer step): layers keeping packed copies repack on their next call. */
  weightsChanged(): void {
    this.weightsVersion++;
    for (const child of this.children()) child.weightsChanged();
  }

  /** Sets every gradient region to zero (backward adds into them). */
  zeroGradients(): void {
    for (const w of this.weights) fill(w.grad, 0);
  }

  /** The number of weight values, as Keras counts them. */
  countParams(): number {
    this.assertBuilt('countParams');
    return this.weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  // ---- functional models ---------------------------------------------------------------

  /**
   * Calls the layer on symbolic tensors (functional models): one tensor, or a list for a
   * multi-input layer. Returns the output tensor, or [output, ...states] for a recurrent
   * layer with returnState. Applying a layer again shares its weights.
   *
   * @example
   * ```ts
   * const x = input({ shape: [null, 3] });
   * const [seq, h, c] = layers.lstm({ units: 8, returnSequences: true, returnState: true }).apply(x) as SymbolicTensor[];
   * const y = layers.dense({ units: 1 }).apply(h);
   * ```
   */
  apply(inputs: SymbolicInput, options: ApplyOptions = {}): SymbolicTensor | SymbolicTensor[] {
    this.assertLive();
    const given = symbolicList(this.name, inputs, 'inputs');
    const initialState = options.initialState === undefined ? [] : symbolicList(this.name, options.initialState, 'initialState');
    return this.applyNode(given, initialState, {});
  }

  /**
   * @internal Records one call on these tensors (apply()'s work, and loadModel's replay of a
   * saved call): `callArgs` are the call's keyword arguments besides the tensors (Keras's
   * call kwargs, camelCase, e.g. MultiHeadAttention's useCausalMask), kept on the node and saved.
   */
  applyNode(given: readonly SymbolicTensor[], initialState: readonly SymbolicTensor[], callArgs: Readonly<Record<string, unknown>>): SymbolicTensor | SymbolicTensor[] {
    let outputShapes: Shape[];
    if (this instanceof MultiInputLayer) {
      if (initialState.length > 0) throw new LayerInputError(this.name, 'initialState', 'initialState is for recurrent layers');
      outputShapes = this.computeOutputShapesOf(given.map((t) => t.shape), callArgs);
    } else {
      if (given.length !== 1) throw new LayerInputError(this.name, 'inputs', `takes one input, got a list of ${given.length}`);
      const shape = this.checkShape(given[0].shape, 'inputs');
      outputShapes = this.computeOutputShapes(shape);
      this.checkInitialState(shape, initialState.map((t) => t.shape));
    }
    const outputs = recordNode(this, given, initialState, outputShapes, callArgs);
    this.nodes.push(outputs[0].node);
    return outputs.length === 1 ? outputs[0] : outputs;
  }

  /** The calls apply() has recorded, in order (Keras's inbound nodes). */
  get inboundNodes(): readonly LayerNode[] {
    return this.nodes;
  }

  /** @internal Network: the node an input layer is created with. */
  protected recordInputNode(shape: Shape): SymbolicTensor {
    const [tensor] = recordNode(this, [], [], [shape], {});
    this.nodes.push(tensor.node);
    return tensor;
  }

  /** Checks apply()'s initialState shapes against initialStateShapes(). */
  private checkInitialState(inputShape: Shape, stateShapes: readonly Shape[]): void {
    if (stateShapes.length === 0) return;
    const expected = this.initialStateShapes(inputShape);
    if (expected.length === 0) throw new LayerInputError(this.name, 'initialState', `initialState is for recurrent layers; '${this.name}' (${this.className}) has no states`);
    const fits = stateShapes.length === expected.length && stateShapes.every((s, i) => s.length === expected[i].length && s.every((d, axis) => d === null || expected[i][axis] === null || d === expected[i][axis]));
    if (!fits) throw new LayerInputError(this.name, 'initialState', `initialState must be ${expected.length} tensors of shapes ${expected.map(formatShape).join(', ')}, got ${stateShapes.map(formatShape).join(', ') || 'none'}`);
  }

  /** The shapes of the initial states the layer can start from (recurrent layers: [h] or [h, c]); [] for none. */
  initialStateShapes(inputShape: Shape): Shape[] {
    void inputShape;
    return [];
  }

  // ---- config --------------------------------------------------------------------------

  /** The layer's Keras `config` (snake_case, as saved in model.json): enough to create it again. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: 'float32' };
    if (this.batchInputShape) config.batch_input_shape = [...this.batchInputShape];
    return { ...config, ...settingsToJSON(this.kind.options, this.settings) };
  }

  /** `{ class_name, config }`, the form a model saves and layerFromConfig reads. */
  toJSON(): {
    /** Keras class name, e.g. 'LSTM'. */
    class_name: string;
    /** The layer's Keras config, as getConfig() returns it. */
    config: Record<string, unknown>;
  } {
    return { class_name: this.className, config: this.getConfig() };
  }

  // ---- planning ------------------------------------------------------------------------

  /**
   * Allocates the buffers for calls on a batch of concrete `inputShape` (batch first):
   * output, input gradient, and what backward needs when training. Plan once per batch
   * shape, call many times; dispose() the plan when done.
   */
  plan(inputShape: readonly number[], options: PlanOptions = {}): LayerPlan {
    this.assertBuilt('plan');
    const shape = this.checkShape(inputShape, 'inputShape');
    if (shape.some((d) => d === null)) throw new LayerInputError(this.name, 'inputShape', `a plan needs every dimension, got ${formatShape(shape)}`);
    this.builtInputShape!.forEach((d, axis) => {
      if (d !== null && d !== shape[axis] && !this.isTimeAxis(axis, shape)) {
        throw new LayerInputError(this.name, 'inputShape', `input shape ${formatShape(shape)} does not match the shape ${formatShape(this.builtInputShape!)} the layer was built for`);
      }
    });
    const concrete = shape as readonly number[];
    const outputShape = this.computeOutputShapes(concrete)[0] as readonly number[];
    const settings = { training: options.training ?? false, inputGradient: options.inputGradient ?? true };
    const regions = new Regions();
    let plan: LayerPlan;
    try {
      plan = this.createPlan({ layer: this, inputShape: concrete, outputShape, regions, ...settings });
    } catch (error) {
      regions.freeAll();
      throw error;
    }
    this.plans.add(plan);
    return plan;
  }

  protected abstract createPlan(setup: PlanSetup): LayerPlan;

  /** Registers a plan made outside plan() (a multi-input layer's), disposed with the layer. */
  protected trackPlan(plan: { dispose(): void }): void {
    this.plans.add(plan);
  }

  /** @internal called by LayerPlan.dispose */
  forgetPlan(plan: { dispose(): void }): void {
    this.plans.delete(plan);
  }

  /** Frees the weights and every plan of this layer (and of the layers it wraps). */
  dispose(): void {
    if (this.disposed) return;
    for (const plan of [...this.plans]) plan.dispose();
    for (const child of this.children()) child.dispose();
    this.releaseWeights();
    this.disposed = true;
  }

  // ---- for subclasses ------------------------------------------------------------------

  /** @internal a wrapper names its wrapped layers' weights under its own name. */
  setWeightScope(scope: string): void {
    if (this.built) throw new LayerStateError(this.name, 'layer', 'is already built; wrap a layer before building it');
    this.weightScope = scope;
  }

  /**
   * Whether `axis` of an input of `shape` is the time axis, which no weight depends on: a
   * layer declared for 28 steps also runs on 1 (step() streams one at a time) or on 50, as
   * Keras runs a model on another length than it was declared for. Sequences are
   * [batch, time, features…]; layers taking [batch, time] ids override this.
   */
  protected isTimeAxis(axis: number, shape: Shape): boolean {
    return axis === 1 && shape.length >= 3;
  }

  /** Throws unless `shape` has a rank in [min, max]. */
  protected expectRank(shape: Shape, min: number, max = min, what = 'input'): void {
    if (shape.length < min || shape.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `${min} or more` : `${min} to ${max}`;
      throw new LayerInputError(this.name, 'inputShape', `expects ${what} of rank ${expected} (batch first), got shape ${formatShape(shape)}`);
    }
  }

  /** Throws unless dimension `axis` of `shape` is known (weights depend on it). */
  protected expectKnown(shape: Shape, axis: number, what: string): number {
    const d = shape[axis];
    if (d === null) throw new LayerInputError(this.name, 'inputShape', `needs the ${what} dimension of its input, got shape ${formatShape(shape)}`);
    return d;
  }

  protected checkShape(shape: unknown, argument: string): Shape {
    if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isSafeInteger(d) && d >= 1))) {
      throw new LayerInputError(this.name, argument, `${argument} must be an array of positive integers (or null), got ${Array.isArray(shape) ? formatShape(shape) : describe(shape)}`);
    }
    const declared = this.batchInputShape;
    if (declared && (declared.length !== shape.length || declared.some((d, axis) => d !== null && shape[axis] !== null && d !== shape[axis] && !this.isTimeAxis(axis, shape)))) {
      throw new LayerInputError(this.name, argument, `${argument} ${formatShape(shape)} does not match the layer's declared input shape ${formatShape(declared)}`);
    }
    return Object.freeze([...shape]);
  }

  private assertLive(): void {
    if (this.disposed) throw new LayerStateError(this.name, 'layer', 'was disposed');
  }

  protected assertBuilt(what: string): void {
    this.assertLive();
    if (!this.built) throw new LayerStateError(this.name, what, `${what}() needs a built layer; call build(inputShape, rng) first (a model does this when it is compiled)`);
  }

  private releaseWeights(): void {
    this.weightRegions.freeAll();
    this.ownWeights = [];
  }
}

/** What Layer.plan hands createPlan. */
export interface PlanSetup {
  /** The layer being planned (`this.layer` in the plan). */
  readonly layer: Layer;
  /** The concrete input shape, batch first. */
  readonly inputShape: readonly number[];
  /** The output shape computeOutputShape() gave for it. */
  readonly outputShape: readonly number[];
  /** Where the plan allocates its buffers (freed on failure and by dispose). */
  readonly regions: Regions;
  /** A training plan: backward() will be called; keep what it needs. */
  readonly training: boolean;
  /** backward() should write dInput (false for a model's first layer). */
  readonly inputGradient: boolean;
}

/** @internal What every plan shares (single- and multi-input): its layer, its buffers and their release. */
export abstract class PlanBase {
  /** The layer this plan runs. */
  readonly layer: Layer;
  /** Made with { training: true }: dropout active, what backward() needs kept. */
  readonly training: boolean;
  protected readonly regions: Regions;
  private disposed = false;

  protected constructor(setup: { readonly layer: Layer; readonly training: boolean; readonly regions: Regions }) {
    this.layer = setup.layer;
    this.training = setup.training;
    this.regions = setup.regions;
  }

  /** Frees this plan's buffers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.regions.freeAll();
    this.layer.forgetPlan(this);
  }

  /** Throws unless `region` is a live arena region of at least `floats` floats. */
  protected checkRegion(argument: string, region: F32Region, floats: number): void {
    try {
      arena('layers').check(argument, region, floats);
    } catch (error) {
      throw new LayerInputError(this.layer.name, argument, (error as Error).message);
    }
  }

  protected assertLive(): void {
    if (this.disposed) throw new LayerStateError(this.layer.name, 'plan', 'this plan was disposed');
  }
}

/**
 * One layer's buffers for one batch shape and the calls that use them. forward() reads the
 * input region, writes `output` (and `states`), and returns the mask for the next layer.
 * backward() (after a forward on a training plan, with the input unchanged) writes
 * `dInput` (and `dInitialState`) and adds the weight gradients into the layer's grads.
 *
 * @example
 * ```ts
 * const plan = lstm.plan([32, 5, 26], { training: true });
 * const mask = plan.forward(x, { rng: prng(1) });    // writes plan.output
 * plan.backward(dy);                                 // writes plan.dInput, adds into lstm.weights[i].grad
 * plan.dispose();
 * ```
 */
export abstract class LayerPlan extends PlanBase {
  /** The concrete input shape, batch first, that forward() takes. */
  readonly inputShape: readonly number[];
  /** The concrete output shape, batch first. */
  readonly outputShape: readonly number[];
  /** Where forward() writes the output (outputShape values); overwritten by the next forward. */
  readonly output: F32Region;
  /** Gradient of the input; undefined when the plan was made without inputGradient, or the input has none (embedding ids). */
  readonly dInput: F32Region | undefined;
  /** Final states of a recurrent layer ([h] or [h, c]; both directions' for bidirectional); [] otherwise. */
  states: readonly F32Region[] = [];
  /** Gradients of the initial states after backward; like states. */
  dInitialState: readonly F32Region[] = [];
  /** The input of the last training forward, which backward reads again. */
  protected input: F32Region | undefined;

  /**
   * Allocates `output` and (for training plans that want it) `dInput`, unless `buffers`
   * supplies them (a wrapper reusing its inner plan's). `hasInputGradient` false: the input
   * has no gradient (embedding ids).
   */
  protected constructor(setup: PlanSetup, hasInputGradient = true, buffers?: { output: F32Region; dInput: F32Region | undefined }) {
    super(setup);
    this.inputShape = setup.inputShape;
    this.outputShape = setup.outputShape;
    const wantsInputGradient = setup.training && setup.inputGradient && hasInputGradient;
    this.output = buffers?.output ?? setup.regions.alloc(sizeOf(setup.outputShape));
    this.dInput = buffers ? buffers.dInput : wantsInputGradient ? setup.regions.alloc(sizeOf(setup.inputShape)) : undefined;
  }

  /** Everything forward writes, as apply() returns it: `output`, then `states` (a layer with several outputs of its own puts them between). */
  get outputs(): readonly F32Region[] {
    return [this.output, ...this.states];
  }

  /** The batch size the plan was made for (inputShape[0]). */
  get batchSize(): number {
    return this.inputShape[0];
  }

  /** Runs the layer on `input` (inputShape values); returns the mask for the next layer, if any. */
  forward(input: F32Region, options: ForwardOptions = {}): Mask | undefined {
    this.assertLive();
    const size = sizeOf(this.inputShape);
    this.checkRegion('input', input, size);
    if (options.mask !== undefined) {
      if (this.inputShape.length < 3) throw new LayerInputError(this.layer.name, 'mask', `a mask needs a [batch, time, ...] input, got shape ${formatShape(this.inputShape)}`);
      const steps = this.inputShape[0] * this.inputShape[1];
      if (!(options.mask instanceof Uint8Array) || options.mask.length !== steps) {
        const got = options.mask instanceof Uint8Array ? `a Uint8Array of length ${options.mask.length}` : describe(options.mask);
        throw new LayerInputError(this.layer.name, 'mask', `mask must be a Uint8Array of ${steps} steps ([batch, time]), got ${got}`);
      }
    }
    if (options.rng !== undefined && !(options.rng instanceof Prng)) throw new LayerInputError(this.layer.name, 'rng', `rng must be a Prng, got ${describe(options.rng)}`);
    if (options.checkFinite) {
      const values = input.view().subarray(0, size);
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new LayerInputError(this.layer.name, 'input', `input${elementPath(this.inputShape, bad)} is ${values[bad]}; inputs must be finite (checkFinite)`);
    }
    this.input = undefined; // a failing forward leaves nothing for backward to misuse
    const mask = this.runForward(input, options);
    if (this.training) this.input = input;
    return mask;
  }

  /** Backpropagates `dOutput` (outputShape values) through the last training forward. */
  backward(dOutput: F32Region, options: BackwardOptions = {}): void {
    this.assertLive();
    if (!this.training) throw new LayerStateError(this.layer.name, 'backward', 'backward() needs a plan made with { training: true }');
    if (this.input === undefined) throw new LayerStateError(this.layer.name, 'backward', 'backward() needs a forward() on this plan first');
    this.checkRegion('dOutput', dOutput, sizeOf(this.outputShape));
    if (options.maxSteps !== undefined && !(Number.isSafeInteger(options.maxSteps) && options.maxSteps >= 1)) {
      throw new LayerInputError(this.layer.name, 'maxSteps', `maxSteps must be a positive integer, got ${describe(options.maxSteps)}`);
    }
    this.runBackward(this.input, dOutput, options);
  }

  protected abstract runForward(input: F32Region, options: ForwardOptions): Mask | undefined;
  protected abstract runBackward(input: F32Region, dOutput: F32Region, options: BackwardOptions): void;
}

// ---- functional models: symbolic tensors and nodes ------------------------------------------
//
// layer.apply(x) records a call of the layer on symbolic tensors (an `input()` or another
// layer's output) and returns the symbolic outputs; `model({ inputs, outputs })` collects
// the nodes between them, builds the layers and plans them (src/model/graph.ts). A layer
// applied twice is one layer with two nodes: both use the same weights, and the gradients of
// both calls add into the same grads. Recurrent layers with returnState return
// [output, ...states]; `apply(x, { initialState: [h, c] })` starts them from other tensors.

/**
 * A placeholder for a tensor in a functional model: its shape (batch first, null where open)
 * and the call (node) that produces it. Returned by `input()` and by `layer.apply()`.
 *
 * @example
 * ```ts
 * const x = input({ shape: [10, 3] });
 * const h = layers.lstm({ units: 8 }).apply(x) as SymbolicTensor;   // h.shape: [null, 8]
 * ```
 */
export class SymbolicTensor {
  constructor(
    /** Batch first, null where open. */
    readonly shape: Shape,
    /** The call that produces this tensor. */
    readonly node: LayerNode,
    /** Which of the node's outputs this is (0: the output; 1…: a recurrent layer's states). */
    readonly outputIndex: number,
  ) {}

  /** The layer whose call produces this tensor. */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  /** Keras's name of the tensor: the layer's name, with the output index after a second output. */
  get name(): string {
    return this.outputIndex === 0 ? this.node.layer.name : `${this.node.layer.name}/${this.outputIndex}`;
  }
}

/**
 * What apply() and model() take: a tensor or a list of them. apply()'s own result (a tensor,
 * or a recurrent layer's [output, ...states]) may be passed as it is; a list of more than one
 * tensor inside a list is refused when the call runs.
 */
export type SymbolicInput = SymbolicTensor | readonly (SymbolicTensor | readonly SymbolicTensor[])[];

/** One call of a layer in a functional model: its inputs, its initial states (recurrent layers) and its outputs. */
export interface LayerNode {
  /** The layer called. */
  readonly layer: Layer;
  /** The tensors the layer is called on: one, or several for a multi-input layer; none for an input. */
  readonly inputs: readonly SymbolicTensor[];
  /** Recurrent layers: the tensors the initial states come from (Keras passes them as further inbound tensors). */
  readonly initialState: readonly SymbolicTensor[];
  /** The call's keyword arguments besides its tensors (camelCase; saved snake_case as Keras's call kwargs); {} for most layers. */
  readonly callArgs: Readonly<Record<string, unknown>>;
  /** What the call returns: the output, then a layer's further outputs (attention scores, a second direction) and the final states of a recurrent layer with returnState. */
  readonly outputs: readonly SymbolicTensor[];
}

/**
 * Options of `layer.apply()`.
 *
 * @example
 * ```ts
 * decoderLstm.apply(decoderInputs, { initialState: [h, c] });
 * ```
 */
export interface ApplyOptions {
  /** Recurrent layers: the tensors to start from, [h] or [h, c] (both directions' for bidirectional). */
  initialState?: readonly (SymbolicTensor | readonly SymbolicTensor[])[];
}

/** The shared part of apply(): checks, the new node, its outputs. */
function recordNode(layer: Layer, inputs: readonly SymbolicTensor[], initialState: readonly SymbolicTensor[], outputShapes: readonly Shape[], callArgs: Readonly<Record<string, unknown>>): SymbolicTensor[] {
  const node: { layer: Layer; inputs: readonly SymbolicTensor[]; initialState: readonly SymbolicTensor[]; callArgs: Readonly<Record<string, unknown>>; outputs: SymbolicTensor[] } = { layer, inputs, initialState, callArgs: Object.freeze({ ...callArgs }), outputs: [] };
  node.outputs = outputShapes.map((shape, i) => new SymbolicTensor(Object.freeze([...shape]), node, i));
  return node.outputs;
}

/** The symbolic tensors of apply()'s argument (a one-tensor list inside it stands for its tensor), or a LayerInputError naming it. */
function symbolicList(owner: string, value: unknown, argument: string): SymbolicTensor[] {
  const list = (Array.isArray(value) ? value : [value]).map((t: unknown) => (Array.isArray(t) && t.length === 1 ? t[0] : t));
  if (list.length === 0 || !list.every((t) => t instanceof SymbolicTensor)) {
    throw new LayerInputError(owner, argument, `${argument} must be a symbolic tensor (from input() or another layer's apply()) or an array of them, got ${describe(value)}`);
  }
  return list as SymbolicTensor[];
}

// ---- several inputs ----------------------------------------------------------------------
//
// The multi-input protocol. A layer that takes several tensors (the merge layers; later
// attention: query, value[, key]) extends MultiInputLayer. Everything a single-input layer
// does with one shape or region it does with a list, in the order apply() was given them:
//
//   computeOutputShapeOf(shapes)       the output shape; throws LayerInputError for shapes it cannot take
//   weightSpecsOf(shapes)              its weights (none for merges); built by buildInputs(shapes, rng),
//                                      which records shapes[0] as builtInputShape
//   planInputs(shapes, options)        a MultiInputPlan: `output`, and `dInputs[i]` for each input
//                                      whose gradient is wanted (options.inputGradients[i], default all)
//   plan.forward(regions, { masks })   masks[i] is input i's incoming mask or undefined; returns
//                                      the output's mask (Keras: merges AND the given masks when
//                                      their inputs are sequences, Dot returns none)
//   plan.backward(dOutput)             writes every dInputs[i], adds weight gradients into grads
//
// A layer may return several outputs (MultiHeadAttention's scores): computeOutputShapesOf(shapes,
// callArgs) lists their shapes, the plan's `outputs` their regions (outputs[0] = output), and
// backward(dOutput, dOutputs) takes the gradients of the further outputs (undefined: unused).
// `callArgs` are the call's keyword arguments (LayerNode.callArgs), passed to the plan too.
//
// The single-input methods (computeOutputShape, build, plan) refuse a multi-input layer with a
// LayerInputError that says to pass a list. Functional graphs (src/model/graph.ts) drive both
// kinds the same way: by node, in topological order forward and in reverse backward.

/** Options of {@link MultiInputLayer.planInputs}. */
export interface MultiInputPlanOptions {
  /** Plan for training (backward possible). Default false. */
  training?: boolean;
  /** Which inputs get a gradient in backward; default all (of a training plan). */
  inputGradients?: readonly boolean[];
  /** The call's keyword arguments (a node's callArgs). Default {}. */
  callArgs?: Readonly<Record<string, unknown>>;
}

/** Options of {@link MultiInputPlan.forward}. */
export interface MultiInputForwardOptions {
  /** Each input's incoming mask [B, T] (undefined: none). */
  masks?: readonly (Mask | undefined)[];
  /** Randomness for this call (layers that drop anything). */
  rng?: Prng;
}

/**
 * The base of layers that take several inputs (merge layers). See the multi-input protocol
 * above; a functional model drives it for you.
 *
 * @example
 * ```ts
 * const sum = layers.add();
 * sum.buildInputs([[null, 4], [null, 4]], null);
 * const plan = sum.planInputs([[2, 4], [2, 4]]);
 * plan.forward([a, b]);                          // plan.output = a + b
 * ```
 */
export abstract class MultiInputLayer<S extends OptionTable = OptionTable> extends Layer<S> {
  private shapesBuiltFor: readonly Shape[] | undefined;

  /** How many inputs the layer takes: [at least, at most]. */
  protected abstract readonly inputCount: readonly [number, number];

  /** The output shape for these input shapes (batch first). */
  protected abstract outputShapeOf(inputShapes: readonly Shape[]): Shape;

  /** The shapes of every output of a call with these keyword arguments (most layers: the one output). */
  protected outputShapesOf(inputShapes: readonly Shape[], callArgs: Readonly<Record<string, unknown>>): Shape[] {
    void callArgs;
    return [this.outputShapeOf(inputShapes)];
  }

  /** The weights for these input shapes, in Keras order (merges: none). */
  protected weightSpecsOf(inputShapes: readonly Shape[]): WeightSpec[] {
    void inputShapes;
    return [];
  }

  protected abstract createMultiPlan(setup: MultiPlanSetup): MultiInputPlan;

  /** The output shape for these input shapes; a LayerInputError names a wrong count, rank or size. */
  computeOutputShapeOf(inputShapes: readonly Shape[]): Shape {
    return this.computeOutputShapesOf(inputShapes)[0];
  }

  /** The shapes of every output of a call on these input shapes with these keyword arguments (the output first). */
  computeOutputShapesOf(inputShapes: readonly Shape[], callArgs: Readonly<Record<string, unknown>> = {}): Shape[] {
    const [least, most] = this.inputCount;
    if (!Array.isArray(inputShapes) || inputShapes.length < least || inputShapes.length > most) {
      const expected = least === most ? `${least}` : most === Infinity ? `${least} or more` : `${least} to ${most}`;
      throw new LayerInputError(this.name, 'inputs', `takes a list of ${expected} inputs, got ${Array.isArray(inputShapes) ? `${inputShapes.length}` : describe(inputShapes)}`);
    }
    inputShapes.forEach((shape, i) => {
      if (!Array.isArray(shape) || !shape.every((d) => d === null || (Number.isSafeInteger(d) && d >= 1))) {
        throw new LayerInputError(this.name, `inputShapes[${i}]`, `inputShapes[${i}] must be an array of positive integers (or null), got ${describe(shape)}`);
      }
    });
    return this.outputShapesOf(inputShapes, callArgs);
  }

  /** A multi-input layer has no single input shape: this always throws. */
  computeOutputShape(inputShape: Shape): Shape {
    throw new LayerInputError(this.name, 'inputShape', `takes a list of inputs (apply([a, b]), buildInputs([...]), planInputs([...])), got one shape ${Array.isArray(inputShape) ? formatShape(inputShape) : describe(inputShape)}`);
  }

  protected weightSpecs(inputShape: Shape): WeightSpec[] {
    return this.weightSpecsOf([inputShape]);
  }

  /** The input shapes buildInputs() was given; undefined before. */
  get builtInputShapes(): readonly Shape[] | undefined {
    return this.shapesBuiltFor;
  }

  /** The shapes of the weights buildInputs(inputShapes) creates, without allocating (loadModel's checks). */
  weightShapesOf(inputShapes: readonly Shape[]): (readonly number[])[] {
    this.computeOutputShapeOf(inputShapes);
    return this.weightSpecsOf(inputShapes).map((spec) => spec.shape);
  }

  /** Creates the weights for these input shapes (none for merges); building again with the same shapes does nothing. */
  buildInputs(inputShapes: readonly Shape[], rng: Prng | null): void {
    this.computeOutputShapeOf(inputShapes);
    if (this.shapesBuiltFor) {
      if (!(this.shapesBuiltFor.length === inputShapes.length && this.shapesBuiltFor.every((s, i) => sameShape(s, inputShapes[i])))) {
        throw new LayerInputError(this.name, 'inputShapes', `already built for inputs ${this.shapesBuiltFor.map(formatShape).join(', ')}, cannot build again for ${inputShapes.map(formatShape).join(', ')}`);
      }
      return;
    }
    const shapes = Object.freeze(inputShapes.map((s) => Object.freeze([...s])));
    this.createWeights(shapes[0], this.weightSpecsOf(shapes), rng);
    this.shapesBuiltFor = shapes;
  }

  /** Buffers for calls on inputs of these concrete shapes: output, and each wanted input gradient. */
  planInputs(inputShapes: readonly (readonly number[])[], options: MultiInputPlanOptions = {}): MultiInputPlan {
    this.assertBuilt('planInputs');
    if (inputShapes.some((shape) => !Array.isArray(shape) || shape.some((d) => d === null))) {
      throw new LayerInputError(this.name, 'inputShapes', `a plan needs every dimension of every input, got ${inputShapes.map((s) => (Array.isArray(s) ? formatShape(s) : describe(s))).join(', ')}`);
    }
    const callArgs = options.callArgs ?? {};
    const outputShapes = this.computeOutputShapesOf(inputShapes, callArgs) as (readonly number[])[];
    const training = options.training ?? false;
    const wanted = inputShapes.map((_, i) => training && (options.inputGradients?.[i] ?? true));
    const regions = new Regions();
    let plan: MultiInputPlan;
    try {
      plan = this.createMultiPlan({ layer: this, inputShapes, outputShape: outputShapes[0], outputShapes, regions, training, inputGradients: wanted, callArgs });
    } catch (error) {
      regions.freeAll();
      throw error;
    }
    this.trackPlan(plan);
    return plan;
  }

  protected createPlan(setup: PlanSetup): LayerPlan {
    throw new LayerInputError(this.name, 'inputShape', `takes a list of inputs: use planInputs([...]) for ${formatShape(setup.inputShape)}`);
  }
}

/** What MultiInputLayer.planInputs hands createMultiPlan. */
export interface MultiPlanSetup {
  readonly layer: Layer;
  readonly inputShapes: readonly (readonly number[])[];
  readonly outputShape: readonly number[];
  /** Every output's shape (outputShape first). */
  readonly outputShapes: readonly (readonly number[])[];
  readonly regions: Regions;
  readonly training: boolean;
  /** Per input: allocate its gradient. */
  readonly inputGradients: readonly boolean[];
  /** The call's keyword arguments. */
  readonly callArgs: Readonly<Record<string, unknown>>;
}

/**
 * A multi-input layer's buffers for one set of concrete input shapes: forward() reads the
 * input regions and writes `output`; backward() (after a forward on a training plan) writes
 * each wanted `dInputs[i]`.
 *
 * @example
 * ```ts
 * const plan = layers.concatenate().planInputs([[2, 3], [2, 5]], { training: true });
 * plan.forward([a, b]);          // plan.output [2, 8]
 * plan.backward(dy);             // plan.dInputs[0] [2, 3], plan.dInputs[1] [2, 5]
 * ```
 */
export abstract class MultiInputPlan extends PlanBase {
  /** Each input's batch shape. */
  readonly inputShapes: readonly (readonly number[])[];
  /** The output's batch shape. */
  readonly outputShape: readonly number[];
  /** Every output's batch shape (outputShape first). */
  readonly outputShapes: readonly (readonly number[])[];
  /** Where forward writes the output. */
  readonly output: F32Region;
  /** Input i's gradient after backward(); undefined when not wanted. */
  readonly dInputs: readonly (F32Region | undefined)[];
  /** The inputs of the last training forward, which backward reads again. */
  protected inputs: readonly F32Region[] | undefined;

  protected constructor(setup: MultiPlanSetup) {
    super(setup);
    this.inputShapes = setup.inputShapes;
    this.outputShape = setup.outputShape;
    this.outputShapes = setup.outputShapes;
    this.output = setup.regions.alloc(sizeOf(setup.outputShape));
    this.dInputs = setup.inputShapes.map((shape, i) => (setup.inputGradients[i] ? setup.regions.alloc(sizeOf(shape)) : undefined));
  }

  /** Runs the layer on `inputs` (one region per input shape); returns the output's mask, if any. */
  forward(inputs: readonly F32Region[], options: MultiInputForwardOptions = {}): Mask | undefined {
    this.assertLive();
    if (!Array.isArray(inputs) || inputs.length !== this.inputShapes.length) {
      throw new LayerInputError(this.layer.name, 'inputs', `expected ${this.inputShapes.length} input regions, got ${describe(inputs)}`);
    }
    inputs.forEach((region, i) => this.checkRegion(`inputs[${i}]`, region, sizeOf(this.inputShapes[i])));
    const masks = options.masks ?? [];
    masks.forEach((mask, i) => {
      if (mask === undefined) return;
      const shape = this.inputShapes[i];
      if (shape.length < 3 || !(mask instanceof Uint8Array) || mask.length !== shape[0] * shape[1]) {
        throw new LayerInputError(this.layer.name, `masks[${i}]`, `masks[${i}] must be a Uint8Array of [batch, time] steps of a sequence input, got ${describe(mask)} for input shape ${formatShape(shape)}`);
      }
    });
    this.inputs = undefined;
    if (options.rng !== undefined && !(options.rng instanceof Prng)) throw new LayerInputError(this.layer.name, 'rng', `rng must be a Prng, got ${describe(options.rng)}`);
    const mask = this.runForward(inputs, masks, options.rng);
    if (this.training) this.inputs = inputs;
    return mask;
  }

  /** Where forward writes every output (outputs[0] is `output`; a layer with several outputs overrides this). */
  get outputs(): readonly F32Region[] {
    return [this.output];
  }

  /**
   * Backpropagates `dOutput` (outputShape values) through the last training forward;
   * `dOutputs[k]` is the gradient at output k + 1 of a layer with several (undefined: unused).
   */
  backward(dOutput: F32Region, dOutputs: readonly (F32Region | undefined)[] = []): void {
    this.assertLive();
    if (!this.training) throw new LayerStateError(this.layer.name, 'backward', 'backward() needs a plan made with { training: true }');
    if (this.inputs === undefined) throw new LayerStateError(this.layer.name, 'backward', 'backward() needs a forward() on this plan first');
    this.checkRegion('dOutput', dOutput, sizeOf(this.outputShape));
    if (!Array.isArray(dOutputs) || dOutputs.length > this.outputShapes.length - 1) {
      throw new LayerInputError(this.layer.name, 'dOutputs', `dOutputs holds the gradients of the ${this.outputShapes.length - 1} further outputs, got ${describe(dOutputs)}`);
    }
    dOutputs.forEach((d, k) => d !== undefined && this.checkRegion(`dOutputs[${k}]`, d, sizeOf(this.outputShapes[k + 1])));
    this.runBackward(this.inputs, dOutput, dOutputs);
  }

  protected abstract runForward(inputs: readonly F32Region[], masks: readonly (Mask | undefined)[], rng: Prng | undefined): Mask | undefined;
  protected abstract runBackward(inputs: readonly F32Region[], dOutput: F32Region, dOutputs: readonly (F32Region | undefined)[]): void;
}

// ---- helpers ---------------------------------------------------------------------------

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/**
 * `value` as a Tensor of `shape` (null: any size) with finite values, or a LayerInputError of `layer`
 * naming `argument` (called `label` in the message).
 */
export function finiteTensor(layer: string, value: unknown, argument: string, shape: Shape, label = argument): Tensor {
  let t: Tensor;
  try {
    t = toTensor(value as TensorLike, argument);
  } catch (error) {
    if (error instanceof DataError) throw new LayerInputError(layer, error.argument, error.message);
    throw error;
  }
  const fits = t.shape.length === shape.length && shape.every((d, axis) => d === null || d === t.shape[axis]);
  if (!fits) throw new LayerInputError(layer, argument, `${label} must have shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  const bad = t.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new LayerInputError(layer, argument, `${label}${elementPath(t.shape, bad)} is ${t.data[bad]}; values must be finite`);
  return t;
}

/** Whether two shapes have the same dimensions (null matches only null). */
export function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A user-given layer name (undefined: an automatic one). */
function layerName(name: unknown): string | undefined {
  if (name !== undefined && (typeof name !== 'string' || name === '' || name.includes('/'))) {
    throw new OptionProblem(`must be a non-empty string without '/', got ${describe(name)}`);
  }
  return name;
}

/** [batch or null, ...dims] from the three ways of declaring an input shape, or undefined. */
function batchShapeOf(inputShape: OpenShape | undefined, batchInputShape: OpenShape | undefined, batchSize: number | undefined): Shape | undefined {
  if (inputShape && batchInputShape) throw new OptionProblem('cannot be given with batchInputShape (which includes the batch dimension)', 'inputShape');
  if (batchInputShape) {
    if (batchSize !== undefined) throw new OptionProblem('cannot be given with batchInputShape (its first dimension)', 'batchSize');
    return batchInputShape;
  }
  return inputShape ? Object.freeze([batchSize ?? null, ...inputShape]) : undefined;
}
