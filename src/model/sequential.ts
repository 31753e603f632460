// Sequential: a stack of layers, each feeding the next, with TF.js Layers' model API.
//
//   const model = sequential({ seed: 7 });
//   model.add(layers.lstm({ units: 8, inputShape: [5, 26] }));
//   model.add(layers.dense({ units: 26, activation: 'softmax' }));
//   model.compile({ optimizer: 'rmsprop', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
//   const history = await model.fit(x, y, { epochs: 50, batchSize: 32 });
//   const probs = model.predict(xNew);                 // { shape, data: Float32Array }
//
// Layers are built (weights created and initialised from the seed) as soon as the input
// shape is known: from the first layer's inputShape, build(), or the first data seen.
// Layers added already built keep their weights (loadModel builds them uninitialised). The
// time axis stays open, so a model trained on 28 steps predicts on any number of steps.
// step() runs one timestep at a time, carrying each recurrent layer's states between calls.
import { copy, fill } from '../kernels/elementwise.js';
import { Dense } from '../layers/dense.js';
import { finiteTensor, formatShape, Layer, type Shape } from '../layers/layer.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import type { F32Region } from '../runtime/arena.js';
import { arena } from '../runtime/module.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { Prng } from '../util/prng.js';
import type { SavedModel } from '../io/artifacts.js';
import { writeArtifacts } from '../io/save.js';
import { describe, ModelConfigError, ModelInputError, ModelStateError } from './errors.js';
import { isBidirectional, isEmbedding, isRNN, isTimeDistributed } from './layer-kinds.js';
import { asModelError, Model, summaryTable, type SaveOptions } from './model.js';
import { finiteTensorOf, unchecked } from './samples.js';
import { assertNotFitting } from './trainer.js';
import type { BatchOutput, BatchPlan } from './network.js';
import { StackPlanCache, type StackPlan } from './stack.js';
import { readOptions } from './options.js';

/**
 * Options of {@link sequential} and the Sequential constructor.
 *
 * @example
 * ```ts
 * sequential({ seed: 42, name: 'forecaster', layers: [layers.gru({ units: 16, inputShape: [16, 1] }), layers.dense({ units: 1 })] });
 * ```
 */
export interface SequentialOptions {
  /** Seeds weight initialisation, shuffling and dropout: the same seed and data give the same model, bit for bit. Default 0. */
  seed?: number;
  /** Default 'sequential', numbered like layer names. */
  name?: string;
  /** Layers to add() in order. */
  layers?: readonly Layer[];
}

/**
 * Options of {@link Sequential.step}.
 *
 * @example
 * ```ts
 * const [h, c] = encoderModel.encode(source);
 * decoder.step(startToken, { initialState: [h, c] });
 * ```
 */
export interface StepOptions {
  /** States to start this step from for the first recurrent layer ([h] or [h, c]), e.g. an encoder's final states. */
  initialState?: readonly TensorLike[];
}

const STEP_OPTIONS = { initialState: unchecked };

/**
 * A stack of layers, each feeding the next, with TF.js Layers' model API and Keras 3
 * semantics. Layers are built (weights created from the seed) as soon as the input shape is
 * known: from the first layer's inputShape, build(), or the first data seen. The time axis
 * stays open, so a model trained on 28 steps predicts on any number of steps. Create one with
 * {@link sequential} or {@link loadModel}.
 *
 * @example
 * ```ts
 * const model = sequential({ seed: 7 });
 * model.add(layers.lstm({ units: 8, inputShape: [5, 26] }));
 * model.add(layers.dense({ units: 26, activation: 'softmax' }));
 * model.compile({ optimizer: optimizers.rmsprop(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * await model.fit(x, y, { epochs: 50, batchSize: 1, verbose: 0 });
 * const probs = model.predict(x);                 // { shape: [21, 26], data: Float32Array }
 * ```
 */
export class Sequential extends Model<Tensor> {
  private readonly stack: Layer[] = [];
  private readonly plans = new StackPlanCache();
  /** step(): each recurrent layer's carried states, by layer index, for batches of stepBatch. */
  private stepStates = new Map<number, F32Region[]>();
  private stepBatch: number | undefined;

  constructor(options: SequentialOptions = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ModelConfigError('sequential', 'options', `options must be an object, got ${describe(options)}`);
    const { seed, name, layers, ...rest } = options;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new ModelConfigError('sequential', unknown, `${unknown} is not an option of sequential() (seed, name, layers)`);
    super('sequential', name, seed);
    if (layers !== undefined) {
      if (!Array.isArray(layers)) throw new ModelConfigError(this.name, 'layers', `layers must be an array of layers, got ${describe(layers)}`);
      for (const layer of layers) this.add(layer);
    }
  }

  /** The layers in order (the model owns them: dispose() frees them). */
  get layers(): readonly Layer[] {
    return this.stack;
  }

  // ---- building ------------------------------------------------------------------------

  /**
   * Appends a layer. After the model is built the layer is built at once (from the previous
   * layer's output shape). Only the first layer may declare inputShape; names must be unique.
   *
   * @example
   * ```ts
   * model.add(layers.gru({ units: 16, inputShape: [16, 1] }));
   * model.add(layers.dense({ units: 1 }));
   * ```
   */
  add(layer: Layer): void {
    this.assertLive();
    assertNotFitting(this.name, this.stack, 'add');
    if (!(layer instanceof Layer)) throw new ModelConfigError(this.name, 'layer', `add() takes a layer (e.g. layers.lstm({ units: 8 })), got ${describe(layer)}`);
    if (this.stack.includes(layer)) throw new ModelConfigError(this.name, 'layer', `layer '${layer.name}' is already in this model`);
    if (this.stack.some((l) => l.name === layer.name)) throw new ModelConfigError(this.name, 'layer', `a layer named '${layer.name}' is already in this model; layer names must be unique`);
    if (this.stack.length > 0 && layer.batchInputShape !== undefined) {
      throw new ModelConfigError(this.name, 'layer', `only the first layer may declare inputShape; '${layer.name}' does (its input is the previous layer's output)`);
    }
    if (this.built) {
      this.buildLayer(layer, this.stack.length, this.outputShapeOf(this.stack[0].builtInputShape!));
      this.plans.clear();
    }
    this.stack.push(layer);
    // As in Keras, a model whose first layer declares its input shape is built at once.
    if (this.stack.length === 1 && layer.batchInputShape) this.ensureBuilt([layer.batchInputShape]);
  }

  /**
   * Removes the last layer (Keras's pop()): its weights stay with it (dispose() it when it is
   * no longer needed); the model's plans are rebuilt on the next call.
   *
   * @example
   * ```ts
   * const head = model.pop();              // drop the classifier, keep the features
   * model.add(layers.dense({ units: 3, activation: 'softmax' }));
   * ```
   */
  pop(): Layer {
    this.assertLive();
    assertNotFitting(this.name, this.stack, 'pop');
    const layer = this.stack.pop();
    if (!layer) throw new ModelStateError(this.name, 'pop', 'pop() needs a model with layers; this one has none');
    this.release();
    return layer;
  }

  /** Whether every layer has its weights (the input shape is known). */
  get built(): boolean {
    return this.stack.length > 0 && this.stack.every((layer) => layer.built);
  }

  /**
   * Builds every layer for `inputShape` (batch first, null where open); without it, the first
   * layer's declared input shape. Throws a ModelStateError when neither is known.
   *
   * @example
   * ```ts
   * const model = sequential([layers.lstm({ units: 8 }), layers.dense({ units: 1 })]);
   * model.build([null, null, 3]);        // any batch, any number of steps, 3 features
   * model.countParams();
   * ```
   */
  build(inputShape?: Shape): void {
    this.assertLive();
    assertNotFitting(this.name, this.stack, 'build');
    const shape = inputShape ?? this.stack[0]?.batchInputShape;
    if (shape === undefined) throw new ModelStateError(this.name, 'inputShape', "build() needs an input shape: give it, or give the first layer an inputShape (e.g. layers.lstm({ units: 8, inputShape: [5, 26] }))");
    const builtFor = this.built ? this.stack[0].builtInputShape! : undefined;
    if (builtFor && (!Array.isArray(shape) || shape.length !== builtFor.length || shape.some((d, i) => d !== null && builtFor[i] !== null && d !== builtFor[i]))) {
      throw new ModelInputError(this.name, 'inputShape', `the model is built for input ${formatShape(builtFor)}, cannot build it again for ${Array.isArray(shape) ? formatShape(shape) : describe(shape)}`);
    }
    this.ensureBuilt([shape]);
  }

  /** @internal Network: builds every layer not built yet (each already built keeps its weights). */
  ensureBuilt(shapes: readonly Shape[]): void {
    if (this.built) return;
    if (this.stack.length === 0) throw new ModelStateError(this.name, 'layers', 'the model has no layers; add() some first');
    let shape = this.stack[0].batchInputShape ?? shapes[0];
    this.stack.forEach((layer, i) => {
      this.buildLayer(layer, i, shape);
      shape = layer.computeOutputShape(shape);
    });
  }

  /** Builds one layer from its own stream of the seed, chosen by position so that layer names do not matter. */
  private buildLayer(layer: Layer, index: number, shape: Shape): void {
    try {
      layer.build(shape, new Prng(this.seed).derive(`layer ${index}`));
    } catch (error) {
      // Sizes beyond the host's arrays or Wasm memory: the layer is left unbuilt (Layer.build frees what it took).
      if (error instanceof RangeError) throw new ModelConfigError(this.name, layer.name, `cannot build '${layer.name}' (layer ${index}) for input ${formatShape(shape)}: its weights do not fit in memory (${error.message}); use fewer units or a smaller input`);
      throw error;
    }
  }

  /** @internal Network */
  inputLayers(): readonly (Layer | undefined)[] {
    return [this.stack[0]];
  }

  /** @internal Network */
  inputShapes(): Shape[] {
    const first = this.stack[0];
    const shape = first?.builtInputShape ?? first?.batchInputShape;
    return [shape ?? []];
  }

  /** @internal Network: as Keras names a Sequential's input. */
  inputNames(): readonly string[] {
    return [`${this.stack[0]?.name ?? this.name}_input`];
  }

  /** @internal Network */
  outputNames(): readonly string[] {
    return [this.stack[this.stack.length - 1]?.name ?? this.name];
  }

  /** @internal Network */
  outputShapes(shapes: readonly Shape[]): Shape[] {
    return [this.outputShapeOf(shapes[0])];
  }

  private outputShapeOf(shape: Shape): Shape {
    for (const layer of this.stack) shape = layer.computeOutputShape(shape);
    return shape;
  }

  /** @internal Network */
  plan(shapes: readonly (readonly number[])[], training: boolean): BatchPlan {
    const stack = this.plans.get(this.stack, shapes[0], training);
    let plan = batchPlans.get(stack);
    if (!plan) batchPlans.set(stack, (plan = stackBatchPlan(stack)));
    return plan;
  }

  /** @internal Network */
  finalActivations(): (string | undefined)[] {
    return [denseActivation(this.stack[this.stack.length - 1])];
  }

  // ---- streaming -----------------------------------------------------------------------

  /**
   * Runs one timestep: x_t is [batch, ...features] (or one sample without the batch axis) and
   * every recurrent layer starts from where the previous step() left it, so a sequence fed
   * step by step gives the outputs predict() gives for the whole sequence. resetStates()
   * starts over.
   *
   * @example
   * ```ts
   * model.resetStates();
   * for (const id of vocab.encode('KLMNO')) last = model.step(data.oneHot([id], vocab.size));   // [1, 26] each
   * ```
   */
  step(x: TensorLike, options: StepOptions = {}): Tensor {
    this.assertLive();
    const { initialState } = readOptions(this.name, options, STEP_OPTIONS);
    const first = this.stack[0];
    const declared = first?.builtInputShape ?? first?.batchInputShape;
    if (!declared) throw new ModelStateError(this.name, 'step', "step() needs the model's input shape; give the first layer an inputShape or call build()");
    if (declared.length < (isEmbedding(first) ? 2 : 3)) throw new ModelStateError(this.name, 'step', `step() needs sequence input [batch, time, ...], the model takes ${formatShape(declared)}`);
    this.stack.forEach((layer) => {
      if (isBidirectional(layer)) throw new ModelStateError(this.name, 'step', `step() cannot stream '${layer.name}': a bidirectional layer needs the whole sequence`);
      if (layer instanceof RecurrentLayer && layer.settings.goBackwards) throw new ModelStateError(this.name, 'step', `step() cannot stream '${layer.name}': goBackwards needs the whole sequence`);
      if (layer.mixesSteps) throw new ModelStateError(this.name, 'step', `step() cannot stream '${layer.name}': its output steps depend on other input steps`);
    });
    const stepShape = declared.slice(2);
    const t = finiteTensorOf(this.name, x, 'x');
    const batched = t.shape.length === stepShape.length + 1;
    if (!(batched || t.shape.length === stepShape.length) || stepShape.some((d, i) => d !== null && d !== t.shape[i + (batched ? 1 : 0)])) {
      throw new ModelInputError(this.name, 'x', `x must be one step, ${formatShape(stepShape)} or [batch, ${stepShape.join(', ')}], got ${formatShape(t.shape)}`);
    }
    if (isEmbedding(first)) asModelError(this.name, () => first.checkIds(t, 'x'));
    const batch = batched ? t.shape[0] : 1;
    this.ensureBuilt([[null, null, ...stepShape]]);
    const plan = this.plans.get(this.stack, [batch, 1, ...(batched ? t.shape.slice(1) : t.shape)], false);
    const states = this.carriedStepStates(batch, initialState as StepOptions['initialState']);
    plan.input.set(t.data);
    plan.forward({ initialStates: states });
    for (const [i, carried] of states) plan.plans[i].states.forEach((state, k) => copy(state, carried[k]));
    const outputShape = plan.outputShape.length === 3 ? [batch, plan.outputShape[2]] : [...plan.outputShape];
    const data = plan.output.toArray();
    return batched ? { shape: outputShape, data } : { shape: outputShape.slice(1), data };
  }

  /** Each recurrent layer's step states for this batch size (zero on first use or a new batch size); initialState replaces the first one's. */
  private carriedStepStates(batch: number, initialState: readonly TensorLike[] | undefined): Map<number, F32Region[]> {
    const recurrent = this.stack.flatMap((layer, i) => (layer instanceof RecurrentLayer ? [[i, layer] as const] : []));
    if (this.stepBatch !== batch) this.freeStepStates();
    this.stepBatch = batch;
    for (const [i, layer] of recurrent) {
      if (!this.stepStates.has(i)) {
        const regions = Array.from({ length: layer.stateCount }, () => arena(this.name).allocF32(batch * layer.units));
        for (const region of regions) fill(region, 0);
        this.stepStates.set(i, regions);
      }
    }
    if (initialState !== undefined) {
      const [i, layer] = recurrent[0] ?? [];
      if (layer === undefined || i === undefined) throw new ModelStateError(this.name, 'initialState', 'initialState needs a recurrent layer in the model');
      if (!Array.isArray(initialState) || initialState.length !== layer.stateCount) {
        throw new ModelInputError(this.name, 'initialState', `initialState must hold ${layer.stateCount} states for '${layer.name}', got ${describe(initialState)}`);
      }
      const values = initialState.map((s, k) => asModelError(this.name, () => finiteTensor(this.name, s, `initialState[${k}]`, [batch, layer.units])));
      values.forEach((v, k) => this.stepStates.get(i)![k].set(v.data));
    }
    return this.stepStates;
  }

  private freeStepStates(): void {
    for (const regions of this.stepStates.values()) for (const region of regions) arena(this.name).free(region);
    this.stepStates = new Map();
    this.stepBatch = undefined;
  }

  /**
   * Zeroes the states of stateful layers and of step().
   *
   * @example
   * ```ts
   * model.resetStates();      // the next step() starts a new sequence
   * ```
   */
  resetStates(): void {
    this.assertLive();
    for (const layer of this.stack) if ((layer instanceof RecurrentLayer || isRNN(layer)) && layer.settings.stateful && layer.built) layer.resetStates();
    this.freeStepStates();
  }

  // ---- weights -------------------------------------------------------------------------

  countParams(): number {
    this.assertBuilt('countParams');
    return this.stack.reduce((sum, layer) => sum + layer.countParams(), 0);
  }

  /**
   * The Keras-style table of layers, output shapes and parameter counts; printed line by line
   * through printFn (console.log) and returned.
   *
   * @example
   * ```ts
   * const table = model.summary(() => {});    // the table as a string, nothing printed
   * ```
   */
  summary(printFn: (line: string) => void = console.log): string {
    this.assertBuilt('summary');
    const lines = summaryLines(this.name, this.stack);
    for (const line of lines) printFn(line);
    return lines.join('\n');
  }

  // ---- saving --------------------------------------------------------------------------

  /** A Sequential topology: the layers in order, the first carrying batch_input_shape. */
  protected artifacts(options: SaveOptions): SavedModel {
    return writeArtifacts({ name: this.name, layers: this.stack, seed: this.seed, ...this.trainingState(options) });
  }

  protected release(): void {
    this.plans.clear();
    this.freeStepStates();
  }
}

/**
 * A new Sequential model: `sequential([layer, …])` as Keras, or TF.js's
 * `sequential({ layers, seed, name })`. The seed (default 0) fixes the initial weights,
 * shuffles and dropout: the same seed and data give the same model, bit for bit.
 *
 * @example
 * ```ts
 * const model = sequential([layers.lstm({ units: 8, inputShape: [5, 26] }), layers.dense({ units: 26, activation: 'softmax' })]);
 * const seeded = sequential({ seed: 7, layers: [layers.gru({ units: 4, inputShape: [3, 2] })] });
 * ```
 */
export function sequential(layersOrOptions?: readonly Layer[] | SequentialOptions): Sequential {
  return new Sequential(Array.isArray(layersOrOptions) ? { layers: layersOrOptions as readonly Layer[] } : (layersOrOptions as SequentialOptions | undefined));
}

// ---- helpers -------------------------------------------------------------------------------

/** Each StackPlan's BatchPlan, made once: the training loop asks for it every batch. */
const batchPlans = new WeakMap<StackPlan, BatchPlan>();

/** A StackPlan as the training loop's BatchPlan (one input, one output). */
function stackBatchPlan(plan: StackPlan): BatchPlan {
  let outputs: readonly BatchOutput[] = [];
  return {
    inputs: [plan.input],
    get outputs() {
      // Made again only when the mask leaving the last layer is another one (a forward with padding).
      if (outputs.length === 0 || outputs[0].mask !== plan.outputMask) outputs = [{ region: plan.output, shape: plan.outputShape, mask: plan.outputMask }];
      return outputs;
    },
    forward: (rng) => plan.forward({ rng }),
    backward: (dOutputs, preActivation) => plan.backward(dOutputs[0], { preActivation: preActivation[0] }),
    buffer: (name, floats) => plan.buffer(name, floats),
  };
}

/** The activation of a final Dense layer (also inside TimeDistributed), which a loss may fuse with. */
export function denseActivation(layer: Layer | undefined): string | undefined {
  const inner = isTimeDistributed(layer) ? layer.layer : layer;
  return inner instanceof Dense ? inner.settings.activation : undefined;
}

/** Keras's summary table. */
function summaryLines(name: string, stack: readonly Layer[]): string[] {
  let shape = stack[0].builtInputShape!;
  const rows = stack.map((layer) => {
    shape = layer.computeOutputShape(shape);
    return { layer, cells: [`${layer.name} (${layer.className})`, `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`, undefined] };
  });
  return summaryTable(name, ['Layer (type)', 'Output Shape', 'Param #'], [33, 26, 12], rows);
}
