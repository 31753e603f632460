// The graph of a functional model: input() and its InputLayer, tracing the nodes between a
// model's inputs and outputs, and a GraphPlan: every node's plan for one set of concrete
// input shapes, run forward in topological order and backward in reverse.
//
// forward  inputs (copied in by the caller) → each node: its layer's plan on the regions of
//          its input tensors (masks flow along the tensors, as Keras propagates them)
// backward dOutputs → each node in reverse: the gradients at its outputs (summed over every
//          consumer of a tensor; zero for an output no one used) → its plan's backward →
//          its input gradients added into the gradients of the tensors it was called on.
//          A layer applied twice has two plans; both add into its weights' grads.
import { add, copy, fill } from '../kernels/elementwise.js';
import { LayerInputError } from '../layers/errors.js';
import { Layer, MultiInputLayer, Regions, sizeOf, SymbolicTensor, type LayerKind, type LayerNode, type LayerPlan, type Mask, type MultiInputPlan, type Shape, type WeightSpec } from '../layers/layer.js';
import { choice, dims, OptionProblem, type OptionTable } from '../layers/options.js';
import type { F32Region } from '../runtime/arena.js';
import type { Prng } from '../util/prng.js';
import { describe, ModelConfigError } from './errors.js';
import type { BatchOutput, BatchPlan } from './network.js';
import { KeptBuffers } from './stack.js';

/**
 * Options of {@link input}.
 *
 * @example
 * ```ts
 * input({ shape: [null], name: 'words' });      // any number of word ids per sample
 * ```
 */
export interface InputOptions {
  /** The shape of one sample (no batch dimension); null where open (e.g. time). Required unless batchShape is given. */
  shape?: readonly (number | null)[];
  /** The shape with the batch dimension first (instead of shape). */
  batchShape?: readonly (number | null)[];
  /** With shape: a fixed batch size. */
  batchSize?: number;
  /** Unique within a model; default input, input_1, … */
  name?: string;
  /** 'float32' (default) or 'int32' (ids for an embedding; data arrives as numbers either way). */
  dtype?: 'float32' | 'int32';
}

const INPUT_LAYER = {
  className: 'InputLayer',
  prefix: 'input',
  options: {
    dtype: choice(['float32', 'int32'], 'float32'),
    sparse: {
      parse(value: unknown): boolean {
        if (value !== undefined && value !== false) throw new OptionProblem(`must be false (sparse inputs are not supported), got ${describe(value)}`);
        return false;
      },
    },
  },
} satisfies LayerKind<OptionTable>;

/**
 * Where a functional model's data enters (Keras `InputLayer`): no weights, its output is the
 * data. Created by {@link input}.
 *
 * @example
 * ```ts
 * const x = input({ shape: [5, 3] });
 * x.sourceLayer;                       // an InputLayer named 'input'
 * ```
 */
export class InputLayer extends Layer<typeof INPUT_LAYER.options> {
  /** The tensor this input gives: what model({ inputs }) takes. */
  readonly output: SymbolicTensor;

  constructor(options: Record<string, unknown>) {
    super(INPUT_LAYER, options, (_, batchInputShape) => {
      if (batchInputShape === undefined) throw new OptionProblem('is required: the shape of one sample, e.g. [10] or [null, 26]', 'shape');
      return batchInputShape;
    });
    this.output = this.recordInputNode(this.batchInputShape!);
  }

  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  protected weightSpecs(): WeightSpec[] {
    return [];
  }

  protected createPlan(): LayerPlan {
    throw new LayerInputError(this.name, 'plan', 'an input layer has no plan: its data is copied into the model plan');
  }

  /** TF.js's InputLayer config: batch_input_shape, dtype, sparse, name. */
  getConfig(): Record<string, unknown> {
    return { batch_input_shape: [...this.batchInputShape!], dtype: this.settings.dtype, sparse: false, name: this.name };
  }

  /** Applying an input layer is not meaningful: use its output. */
  apply(): never {
    throw new LayerInputError(this.name, 'apply', `an input layer is not applied; use the tensor input() returned`);
  }
}

/**
 * A symbolic input of a functional model (Keras `Input`): `shape` excludes the batch.
 *
 * @example
 * ```ts
 * const words = input({ shape: [null], name: 'words' });
 * const numbers = input({ shape: [4], name: 'numbers' });
 * const h = layers.lstm({ units: 8 }).apply(layers.embedding({ inputDim: 100, outputDim: 8 }).apply(words));
 * const m = model({ inputs: [words, numbers], outputs: layers.dense({ units: 1 }).apply(layers.concatenate().apply([h, numbers])) });
 * ```
 */
export function input(options: InputOptions): SymbolicTensor {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ModelConfigError('input', 'options', `input() takes { shape, name, dtype }, got ${describe(options)}`);
  const { shape, batchShape, ...rest } = options as InputOptions & Record<string, unknown>;
  if (shape !== undefined) dims().parse(shape); // a clear message for a bad shape, before the layer's own
  return new InputLayer({ ...rest, ...(shape !== undefined ? { inputShape: shape } : {}), ...(batchShape !== undefined ? { batchInputShape: batchShape } : {}) }).output;
}

// ---- tracing ---------------------------------------------------------------------------

/** The nodes between a model's inputs and outputs. */
export interface Graph {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Every node but the inputs', each after the nodes it depends on. */
  readonly nodes: readonly LayerNode[];
  /** The input layers (in input order), then every other layer in the order of its first node. */
  readonly layers: readonly Layer[];
}

/** The graph from `inputs` to `outputs`; a ModelConfigError names a tensor that does not come from the inputs. */
export function traceGraph(owner: string, inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): Graph {
  inputs.forEach((t, i) => {
    if (!(t.sourceLayer instanceof InputLayer)) throw new ModelConfigError(owner, `inputs[${i}]`, `inputs[${i}] must come from input(), got the output of '${t.sourceLayer.name}' (${t.sourceLayer.className})`);
    if (inputs.indexOf(t) !== i) throw new ModelConfigError(owner, `inputs[${i}]`, `input '${t.name}' is given twice`);
  });
  const nodes: LayerNode[] = [];
  const visited = new Set<LayerNode>();
  const visit = (t: SymbolicTensor, path: string) => {
    const node = t.node;
    if (visited.has(node)) return;
    visited.add(node);
    if (node.layer instanceof InputLayer) {
      if (!inputs.includes(t)) throw new ModelConfigError(owner, 'inputs', `the graph is disconnected: ${path} needs input '${t.name}', which is not among the model's inputs (${inputs.map((x) => `'${x.name}'`).join(', ')})`);
      return;
    }
    for (const source of [...node.inputs, ...node.initialState]) visit(source, `'${node.layer.name}'`);
    nodes.push(node);
  };
  outputs.forEach((t, i) => visit(t, `outputs[${i}]`));
  const layers: Layer[] = inputs.map((t) => t.sourceLayer);
  for (const node of nodes) if (!layers.includes(node.layer)) layers.push(node.layer);
  const names = new Set<string>();
  for (const layer of layers) {
    if (names.has(layer.name)) throw new ModelConfigError(owner, 'layers', `two layers of the model are named '${layer.name}'; layer names must be unique`);
    names.add(layer.name);
  }
  return { inputs, outputs, nodes, layers };
}

/** Keras's node index of `node` within its layer, counting only the nodes of this graph (a layer may have calls elsewhere). */
export function nodeIndex(graph: Graph, node: LayerNode): number {
  const own = node.layer.inboundNodes.filter((n) => n.layer instanceof InputLayer || graph.nodes.includes(n));
  return own.indexOf(node);
}

/** The shape of every tensor of the graph for inputs of `shapes` (batch first), by each layer's shape rules. */
export function propagateShapes(graph: Graph, shapes: readonly Shape[]): Map<SymbolicTensor, Shape> {
  const known = new Map<SymbolicTensor, Shape>();
  graph.inputs.forEach((t, i) => known.set(t, shapes[i]));
  for (const node of graph.nodes) {
    const inputShapes = node.inputs.map((t) => known.get(t)!);
    const layer = node.layer;
    const outputShapes = layer instanceof MultiInputLayer ? layer.computeOutputShapesOf(inputShapes, node.callArgs) : layer.computeOutputShapes(inputShapes[0]);
    node.outputs.forEach((t, k) => known.set(t, outputShapes[k]));
  }
  return known;
}

// ---- planning --------------------------------------------------------------------------

/** One node's plan: a single-input layer's LayerPlan, or a multi-input layer's MultiInputPlan. */
type NodePlan = { readonly kind: 'single'; readonly plan: LayerPlan } | { readonly kind: 'multi'; readonly plan: MultiInputPlan };

/**
 * A graph planned for concrete input shapes: every node's buffers, one input region per
 * model input, a gradient region per tensor (training), reused every batch.
 */
export class GraphPlan implements BatchPlan {
  readonly inputs: readonly F32Region[];
  private readonly plans: NodePlan[] = [];
  private readonly values = new Map<SymbolicTensor, F32Region>();
  private readonly masks = new Map<SymbolicTensor, Mask | undefined>();
  private readonly shapes = new Map<SymbolicTensor, readonly number[]>();
  private readonly gradients = new Map<SymbolicTensor, F32Region>();
  private readonly regions = new Regions();
  private readonly kept = new KeptBuffers(this.regions);

  constructor(
    private readonly graph: Graph,
    inputShapes: readonly (readonly number[])[],
    training: boolean,
  ) {
    try {
      this.inputs = inputShapes.map((shape, i) => {
        const region = this.regions.alloc(sizeOf(shape));
        this.values.set(graph.inputs[i], region);
        this.shapes.set(graph.inputs[i], shape);
        return region;
      });
      const learns = (t: SymbolicTensor) => training && !(t.sourceLayer instanceof InputLayer);
      for (const node of graph.nodes) {
        const shapes = node.inputs.map((t) => this.shapes.get(t)!);
        const layer = node.layer;
        let planned: NodePlan;
        if (layer instanceof MultiInputLayer) {
          const plan = layer.planInputs(shapes, { training, inputGradients: node.inputs.map(learns), callArgs: node.callArgs });
          planned = { kind: 'multi', plan };
          node.outputs.forEach((t, k) => this.place(t, plan.outputs[k], plan.outputShapes[k], training));
        } else {
          const plan = layer.plan(shapes[0], { training, inputGradient: learns(node.inputs[0]) });
          planned = { kind: 'single', plan };
          const outputShapes = layer.computeOutputShapes(shapes[0]) as (readonly number[])[];
          node.outputs.forEach((t, k) => this.place(t, plan.outputs[k], outputShapes[k], training));
        }
        this.plans.push(planned);
      }
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  private place(t: SymbolicTensor, region: F32Region, shape: readonly number[], training: boolean): void {
    this.values.set(t, region);
    this.shapes.set(t, shape);
    if (training) this.gradients.set(t, this.regions.alloc(sizeOf(shape)));
  }

  get outputs(): readonly BatchOutput[] {
    return this.graph.outputs.map((t) => ({ region: this.values.get(t)!, shape: this.shapes.get(t)!, mask: this.masks.get(t) }));
  }

  /** The region of a tensor of the graph after forward() (an input's, a node output's or a state's). */
  valueOf(t: SymbolicTensor): F32Region {
    return this.values.get(t)!;
  }

  forward(rng?: Prng): void {
    this.graph.nodes.forEach((node, i) => {
      const planned = this.plans[i];
      let mask: Mask | undefined;
      if (planned.kind === 'multi') {
        mask = planned.plan.forward(
          node.inputs.map((t) => this.values.get(t)!),
          { masks: node.inputs.map((t) => this.masks.get(t)), rng },
        );
      } else {
        const [x] = node.inputs;
        const initialState = node.initialState.length > 0 ? node.initialState.map((t) => this.values.get(t)!) : undefined;
        mask = planned.plan.forward(this.values.get(x)!, { mask: this.masks.get(x), rng, initialState });
      }
      node.outputs.forEach((t, k) => this.masks.set(t, k < node.layer.maskedOutputs ? mask : undefined));
    });
  }

  /**
   * Backpropagates the gradients at the model's outputs; `preActivation[k]`: output k's
   * gradient is already at its final Dense layer's logits (only for an output no other node reads).
   */
  backward(dOutputs: readonly F32Region[], preActivation: readonly boolean[]): void {
    const touched = new Set<SymbolicTensor>();
    const accumulate = (t: SymbolicTensor, gradient: F32Region) => {
      const into = this.gradients.get(t);
      if (!into) return; // an input's: nothing upstream learns from it
      if (touched.has(t)) add(into, gradient, into, into.length);
      else copy(gradient, into, into.length);
      touched.add(t);
    };
    this.graph.outputs.forEach((t, k) => accumulate(t, dOutputs[k]));
    const fused = new Set(this.graph.outputs.filter((_, k) => preActivation[k]).map((t) => t.node));
    for (let i = this.graph.nodes.length - 1; i >= 0; i--) {
      const node = this.graph.nodes[i];
      if (!node.outputs.some((t) => touched.has(t))) continue; // nothing downstream used it
      const [out, ...further] = node.outputs; // a recurrent layer's states, or other outputs
      const dOut = this.gradients.get(out)!;
      if (!touched.has(out)) fill(dOut, 0); // only its states (or other outputs) were used (an encoder)
      const planned = this.plans[i];
      if (planned.kind === 'multi') {
        planned.plan.backward(dOut, further.map((t) => (touched.has(t) ? this.gradients.get(t) : undefined)));
        node.inputs.forEach((t, k) => planned.plan.dInputs[k] && accumulate(t, planned.plan.dInputs[k]!));
        continue;
      }
      const plan = planned.plan;
      const dStates = further.length > 0 ? further.map((t) => (touched.has(t) ? this.gradients.get(t) : undefined)) : undefined;
      plan.backward(dOut, { preActivation: fused.has(node), dStates });
      if (plan.dInput) accumulate(node.inputs[0], plan.dInput);
      node.initialState.forEach((t, k) => plan.dInitialState[k] && accumulate(t, plan.dInitialState[k]));
    }
  }

  buffer(name: string, floats: number): F32Region {
    return this.kept.get(name, floats);
  }

  dispose(): void {
    for (const planned of this.plans) planned.plan.dispose();
    this.plans.length = 0;
    this.regions.freeAll();
  }
}
