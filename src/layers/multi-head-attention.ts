// MultiHeadAttention (Keras 3 semantics, test/reference/multi-head-attention.ts): query
// [B, T, Eq] attends over value [B, S, Ev] (and key [B, S, Ek], default the value) with
// `numHeads` heads of keyDim (query/key) and valueDim (value) features each.
//
// forward  Q = xq·Wq + bq, K = xk·Wk + bk, V = xv·Wv + bv       three packed GEMMs ([rows, heads·dim])
//          per batch and head (one batched GEMM call each, heads first after a permute):
//          scores = (Q·(1/√keyDim))·Kᵀ [B, heads, T, S]; where the combined mask forbids a
//          step, the score becomes −1e9 (Keras's masked softmax); P = softmax over S;
//          P' = dropout(P) (training); O = P'·V; y = O·Wo + bo (heads·valueDim → output)
// backward the same products transposed: dO = dy·Woᵀ, dP' = dO·Vᵀ, dV = P'ᵀ·dO, dP = dP'·drop
//          (+ the gradient of the returned scores), dScores = softmax'(P)·dP (0 where masked),
//          dQ = dScores·K/√keyDim, dK = dScoresᵀ·Q/√keyDim; then each projection's dW, db, dx.
// The combined mask (Keras's _compute_attention_mask) is the AND of the attentionMask input
// [B, T, S] (non-zero: may attend), the query's incoming mask on T, the value's and key's on
// S, and the causal mask (s ≤ t): each is applied to the scores in turn by the one score-mask
// kernel, which is the same as applying their AND. The returned scores are P, before
// dropout, as in Keras.
//
// apply([query, value, key?], { attentionMask, useCausalMask, returnAttentionScores }) records
// a node on [query, value, key (the value when not given), attentionMask?] with callArgs
// { useCausalMask, returnAttentionScores }: buildInputs / planInputs take the same list.
// Weights (Keras names and layouts): query/kernel [Eq, heads, keyDim], query/bias [heads,
// keyDim], key/…, value/… [Ev, heads, valueDim], attention_output/kernel [heads, valueDim,
// ...outputShape], attention_output/bias [...outputShape]; each kernel is a row-major matrix
// the GEMM takes as it is, packed once per weight change (as Dense).
import { add, columnSums, fill, mul, scale } from '../kernels/elementwise.js';
import { softmax, softmaxGrad } from '../kernels/activations.js';
import { gemm, gemmPacked } from '../kernels/gemm.js';
import { batchGemm, maskScores, type ScoreMask, type ScoresShape } from '../kernels/attention.js';
import { permuteAxes } from '../kernels/sequence.js';
import type { F32Region } from '../runtime/arena.js';
import { Prng } from '../util/prng.js';
import { attentionProducts, type AttentionProducts } from './attention.js';
import { fillDropoutMask } from './dropout.js';
import { describe, LayerInputError } from './errors.js';
import { initializerOption, type InitializerSpec } from './initializers.js';
import { formatShape, initializedWeight, MultiInputLayer, MultiInputPlan, sizeOf, SymbolicTensor, type ApplyOptions, type LayerKind, type LayerOptions, type LayerWeight, type Mask, type MultiPlanSetup, type Shape, type SymbolicInput, type WeightSpec } from './layer.js';
import { flag, OptionProblem, optionalPositiveInteger, positiveInteger, rate, seed, type Option, type OptionTable } from './options.js';
import { PackedKernel } from './packed-kernel.js';

/**
 * Options of {@link layers.multiHeadAttention}.
 *
 * @example
 * ```ts
 * layers.multiHeadAttention({ numHeads: 2, keyDim: 16, dropout: 0.1 });
 * ```
 */
export interface MultiHeadAttentionOptions extends LayerOptions {
  /** Attention heads, an integer >= 1. Required. */
  numHeads: number;
  /** Features per head of the query and key projections, an integer >= 1. Required. */
  keyDim: number;
  /** Features per head of the value projection. Default keyDim. */
  valueDim?: number | null;
  /** Dropout rate on the attention weights, in training only, in [0, 1). Default 0. */
  dropout?: number;
  /** Biases in the four projections. Default true. */
  useBias?: boolean;
  /** The output's last dimension(s): an integer or a list of them. Default (null): the query's feature size. */
  outputShape?: number | readonly number[] | null;
  /** Only the default, null: attention over the time axis of [batch, time, features] inputs (Keras's (1,) for rank 3, accepted too). */
  attentionAxes?: number | readonly number[] | null;
  /** Default 'glorotUniform' (Keras's fans of each rank-3 kernel). */
  kernelInitializer?: InitializerSpec;
  /** Default 'zeros'. */
  biasInitializer?: InitializerSpec;
  /** Draw the dropout masks from a generator of this seed instead of the model's stream. Default null. */
  seed?: number | null;
  /** Only false: Keras's gated attention is not available. */
  useGate?: boolean;
}

/**
 * The keyword arguments of {@link MultiHeadAttention.apply} (Keras's call arguments).
 *
 * @example
 * ```ts
 * const [y, scores] = mha.apply([x, x], { useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
 * ```
 */
export interface MultiHeadAttentionCall extends ApplyOptions {
  /** Of shape [batch, T, S]; a value other than 0 lets query step t attend to key step s (a model input, or another layer's output). */
  attentionMask?: SymbolicTensor;
  /** Query step t attends only to key steps s ≤ t (a decoder's self-attention). Default false. */
  useCausalMask?: boolean;
  /** Also return the attention weights [batch, numHeads, T, S] (after the softmax, before dropout) as a second output. Default false. */
  returnAttentionScores?: boolean;
}

/** Keras's output_shape: null, one positive integer or a list of them; saved as given (a list). */
const outputShapeOption: Option<readonly number[] | null> = {
  parse(value) {
    if (value === undefined || value === null) return null;
    const list = typeof value === 'number' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0 || !list.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw new OptionProblem(`must be null, a positive integer or a non-empty list of them, got ${describe(value)}`);
    }
    return Object.freeze([...(list as number[])]);
  },
  toJSON: (value) => (value === null ? null : [...value]),
};

/** Only the default attention axes: null, or Keras's resolved form of it for [batch, time, features] inputs. */
const attentionAxesOption: Option<null> = {
  parse(value) {
    const list = typeof value === 'number' ? [value] : value;
    if (value === undefined || value === null || (Array.isArray(list) && list.length === 1 && list[0] === 1)) return null;
    throw new OptionProblem(`supports only the default, null (attention over the time axis of [batch, time, features] inputs), got ${describe(value)}`);
  },
};

const MULTI_HEAD_ATTENTION = {
  className: 'MultiHeadAttention',
  prefix: 'multi_head_attention',
  options: {
    numHeads: positiveInteger(),
    keyDim: positiveInteger(),
    valueDim: optionalPositiveInteger(),
    dropout: rate(0),
    useBias: flag(true),
    outputShape: outputShapeOption,
    attentionAxes: attentionAxesOption,
    kernelInitializer: initializerOption('glorotUniform'),
    biasInitializer: initializerOption('zeros'),
    seed: seed(),
    useGate: {
      parse(value: unknown): false {
        if (value === undefined || value === false) return false;
        throw new OptionProblem(`must be false (gated attention is not available), got ${describe(value)}`);
      },
    },
  },
} satisfies LayerKind<OptionTable>;

/** The call arguments a node keeps, checked (a saved file's come through here too). */
interface CallSettings {
  readonly useCausalMask: boolean;
  readonly returnAttentionScores: boolean;
}

/** The dimensions of one call: batch, query steps, key steps, feature sizes of each input. */
interface CallDims {
  readonly B: number;
  readonly T: number;
  readonly S: number;
  readonly queryDim: number;
  readonly valueDim: number;
  readonly keyDim: number;
}

/**
 * Multi-head scaled dot-product attention (Keras `MultiHeadAttention`): self-attention when
 * query and value are the same tensor, cross-attention otherwise. Create it with
 * {@link layers.multiHeadAttention}; call it with apply([query, value, key?], options).
 *
 * @example
 * ```ts
 * const x = input({ shape: [10, 16] });
 * const y = layers.multiHeadAttention({ numHeads: 2, keyDim: 8 }).apply([x, x], { useCausalMask: true });
 * ```
 */
export class MultiHeadAttention extends MultiInputLayer<typeof MULTI_HEAD_ATTENTION.options> {
  protected readonly inputCount = [3, 4] as const;
  private packed: PackedKernel[] = [];
  /** The generator of an explicit seed, drawn from call after call (as Dropout's). */
  private readonly ownRng: Prng | undefined;

  constructor(options: MultiHeadAttentionOptions) {
    super(MULTI_HEAD_ATTENTION, options);
    this.ownRng = this.settings.seed === null ? undefined : new Prng(this.settings.seed);
  }

  /** Features per head of the value projection (valueDim, or keyDim when not given). */
  get valueDim(): number {
    return this.settings.valueDim ?? this.settings.keyDim;
  }

  /**
   * Calls the layer on [query, value] or [query, value, key] (the key defaults to the value).
   * Returns the output [batch, T, outputShape or query features], or [output, scores] with
   * returnAttentionScores.
   */
  apply(inputs: SymbolicInput, options: MultiHeadAttentionCall = {}): SymbolicTensor | SymbolicTensor[] {
    const list = (Array.isArray(inputs) ? inputs : [inputs]).map((t: unknown) => (Array.isArray(t) && t.length === 1 ? t[0] : t));
    if (list.length < 2 || list.length > 3 || !list.every((t) => t instanceof SymbolicTensor)) {
      throw new LayerInputError(this.name, 'inputs', `takes [query, value] or [query, value, key] (symbolic tensors), got ${describe(inputs)}`);
    }
    if (typeof options !== 'object' || options === null) throw new LayerInputError(this.name, 'options', `options must be an object, got ${describe(options)}`);
    const { attentionMask, useCausalMask, returnAttentionScores, initialState, ...rest } = options;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new LayerInputError(this.name, unknown, `${unknown} is not a call option of MultiHeadAttention (attentionMask, useCausalMask, returnAttentionScores)`);
    if (initialState !== undefined) throw new LayerInputError(this.name, 'initialState', 'initialState is for recurrent layers');
    if (attentionMask !== undefined && !(attentionMask instanceof SymbolicTensor)) {
      throw new LayerInputError(this.name, 'attentionMask', `attentionMask must be a symbolic tensor [batch, T, S], got ${describe(attentionMask)}`);
    }
    const [query, value, key = value] = list as SymbolicTensor[];
    const tensors = attentionMask ? [query, value, key, attentionMask] : [query, value, key];
    return this.applyNode(tensors, [], { useCausalMask: useCausalMask ?? false, returnAttentionScores: returnAttentionScores ?? false });
  }

  /** @internal the checked call arguments of a node (or a saved call's kwargs, camelCase). */
  callSettings(callArgs: Readonly<Record<string, unknown>>): CallSettings {
    const read = (name: keyof CallSettings): boolean => {
      const value = callArgs[name];
      if (value !== undefined && typeof value !== 'boolean') throw new LayerInputError(this.name, name, `${name} must be true or false, got ${describe(value)}`);
      return value ?? false;
    };
    return { useCausalMask: read('useCausalMask'), returnAttentionScores: read('returnAttentionScores') };
  }

  protected outputShapeOf(inputShapes: readonly Shape[]): Shape {
    const [query, value, key, mask] = inputShapes;
    inputShapes.forEach((shape, i) => {
      if (shape.length !== 3) throw new LayerInputError(this.name, ROLES[i], `${ROLES[i]} must have shape [batch, steps, ${i === 3 ? 'key steps' : 'features'}], got ${formatShape(shape)}`);
    });
    [query, value, key].forEach((shape, i) => {
      if (shape[2] === null) throw new LayerInputError(this.name, ROLES[i], `needs the feature (last) dimension of ${ROLES[i]}, got shape ${formatShape(shape)}`);
    });
    const clash = (a: number | null, b: number | null) => a !== null && b !== null && a !== b;
    if (clash(value[1], key[1])) throw new LayerInputError(this.name, 'key', `value and key must have the same number of steps, got value ${formatShape(value)} and key ${formatShape(key)}`);
    if (clash(query[0], value[0]) || clash(query[0], key[0])) throw new LayerInputError(this.name, 'inputs', `query, value and key must have the same batch size, got ${formatShape(query)}, ${formatShape(value)} and ${formatShape(key)}`);
    if (mask) {
      const expected = [query[0] ?? value[0], query[1], value[1] ?? key[1]];
      if (mask.some((d, axis) => clash(d, expected[axis]))) throw new LayerInputError(this.name, 'attentionMask', `attentionMask must have shape [batch, T, S] = ${formatShape(expected)}, got ${formatShape(mask)}`);
    }
    return [query[0] ?? value[0], query[1], ...(this.settings.outputShape ?? [query[2]])];
  }

  protected outputShapesOf(inputShapes: readonly Shape[], callArgs: Readonly<Record<string, unknown>>): Shape[] {
    const output = this.outputShapeOf(inputShapes);
    if (!this.callSettings(callArgs).returnAttentionScores) return [output];
    const [query, value, key] = inputShapes;
    return [output, [output[0], this.settings.numHeads, query[1], value[1] ?? key[1]]];
  }

  protected weightSpecsOf(inputShapes: readonly Shape[]): WeightSpec[] {
    const [query, value, key] = inputShapes.map((shape) => shape[2]!);
    const { numHeads, keyDim, useBias, kernelInitializer, biasInitializer } = this.settings;
    const outputShape = this.settings.outputShape ?? [query];
    const projection = (name: string, inputDim: number, headDim: number) => [
      initializedWeight(`${name}/kernel`, [inputDim, numHeads, headDim], 'kernelInitializer', kernelInitializer),
      ...(useBias ? [initializedWeight(`${name}/bias`, [numHeads, headDim], 'biasInitializer', biasInitializer)] : []),
    ];
    return [
      ...projection('query', query, keyDim),
      ...projection('key', key, keyDim),
      ...projection('value', value, this.valueDim),
      initializedWeight('attention_output/kernel', [numHeads, this.valueDim, ...outputShape], 'kernelInitializer', kernelInitializer),
      ...(useBias ? [initializedWeight('attention_output/bias', [...outputShape], 'biasInitializer', biasInitializer)] : []),
    ];
  }

  protected allocateOwnBuffers(inputShape: Shape): void {
    void inputShape;
    // Each kernel as an (inputs × outputs) matrix: [E, heads, dim] is E × heads·dim, the
    // output's [heads, valueDim, ...outputShape] is heads·valueDim × the rest.
    this.packed = this.projections().map(({ kernel }, i) => {
      const inputAxes = i === 3 ? 2 : 1;
      return new PackedKernel(this.ownRegions, sizeOf(kernel.shape.slice(0, inputAxes)), sizeOf(kernel.shape.slice(inputAxes)));
    });
  }

  /** @internal the four projections in weight order (query, key, value, output): each kernel and its bias. */
  projections(): { kernel: LayerWeight; bias: LayerWeight | undefined }[] {
    const weights = this.weights;
    const step = this.settings.useBias ? 2 : 1;
    return [0, 1, 2, 3].map((i) => ({ kernel: weights[i * step], bias: this.settings.useBias ? weights[i * step + 1] : undefined }));
  }

  /** @internal the packed kernels of the four projections (query, key, value, output), repacked when the weights changed. */
  packedProjections(): PackedKernel[] {
    return this.projections().map(({ kernel, bias }, i) => this.packed[i].current(this.weightsVersion, kernel.value, bias?.value));
  }

  /** @internal the generator dropout draws from: the layer's own (seed) or the call's. */
  rngFor(rng: Prng | undefined): Prng {
    const chosen = this.ownRng ?? rng;
    if (!chosen) throw new LayerInputError(this.name, 'rng', 'a training call with dropout needs an rng (a Prng) to draw its mask from');
    return chosen;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), value_dim: this.valueDim };
  }

  protected createMultiPlan(setup: MultiPlanSetup): MultiInputPlan {
    const built = this.builtInputShapes!;
    [0, 1, 2].forEach((i) => {
      if (setup.inputShapes[i][2] !== built[i][2]) throw new LayerInputError(this.name, ROLES[i], `${ROLES[i]} has ${setup.inputShapes[i][2]} features, but the layer was built for ${built[i][2]}`);
    });
    return new MultiHeadAttentionPlan(this, setup);
  }
}

/** The inputs of a node, by position. */
const ROLES = ['query', 'value', 'key', 'attentionMask'] as const;

/** Keras's large negative number for float32 masked scores. */
const MASKED_SCORE = -1e9;

class MultiHeadAttentionPlan extends MultiInputPlan {
  private readonly dims: CallDims;
  private readonly call: CallSettings;
  private readonly scores: ScoresShape;
  /** 1/√keyDim in float32, as Keras scales the projected query. */
  private readonly queryScale: number;
  /** Projections [rows, heads·dim], the same heads first [B, heads, steps, dim], and the attention output. */
  private readonly buffers: Record<'q' | 'k' | 'v' | 'qh' | 'kh' | 'vh' | 'probs' | 'oh' | 'o', F32Region>;
  /** The incoming masks as floats (1: a real step): the query's [B, T], the value's and the key's [B, S]. */
  private readonly keeps: Record<'query' | 'value' | 'key', F32Region>;
  /** The masks of the last forward, applied to the scores one after another (none: nothing masked). */
  private scoreMasks: Omit<ScoreMask, 'mode' | 'value'>[] = [];
  /** The per-head products (Q is the scaled query Qs). */
  private readonly products: AttentionProducts;
  private readonly gemmScratch: F32Region;
  /** Training with dropout: the drawn mask over the attention weights, and the weights after it. */
  private readonly dropMask: F32Region | undefined;
  private readonly dropped: F32Region | undefined;
  /** Training: gradients of every intermediate. */
  private readonly grads: Record<'o' | 'oh' | 'probs' | 'qh' | 'kh' | 'vh' | 'q' | 'k' | 'v', F32Region> | undefined;

  constructor(
    private readonly mha: MultiHeadAttention,
    setup: MultiPlanSetup,
  ) {
    super(setup);
    const [query, value, key] = setup.inputShapes;
    this.dims = { B: query[0], T: query[1], S: value[1], queryDim: query[2], valueDim: value[2], keyDim: key[2] };
    this.call = mha.callSettings(setup.callArgs);
    const { numHeads, keyDim, dropout } = mha.settings;
    const { B, T, S } = this.dims;
    this.scores = { batch: B, heads: numHeads, tq: T, tv: S };
    this.queryScale = Math.fround(1 / Math.sqrt(keyDim));
    const sizes = { q: B * T * numHeads * keyDim, k: B * S * numHeads * keyDim, v: B * S * numHeads * mha.valueDim, probs: B * numHeads * T * S, o: B * T * numHeads * mha.valueDim };
    const all = { q: sizes.q, k: sizes.k, v: sizes.v, qh: sizes.q, kh: sizes.k, vh: sizes.v, probs: sizes.probs, oh: sizes.o, o: sizes.o };
    this.buffers = allocNamed(setup, all);
    this.keeps = allocNamed(setup, { query: B * T, value: B * S, key: B * S });
    ({ products: this.products, scratch: this.gemmScratch } = attentionProducts(setup, B * numHeads, T, S, keyDim, mha.valueDim));
    const dropping = setup.training && dropout > 0;
    this.dropMask = dropping ? setup.regions.alloc(sizes.probs) : undefined;
    this.dropped = dropping ? setup.regions.alloc(sizes.probs) : undefined;
    this.grads = setup.training ? allocNamed(setup, { o: sizes.o, oh: sizes.o, probs: sizes.probs, qh: sizes.q, kh: sizes.k, vh: sizes.v, q: sizes.q, k: sizes.k, v: sizes.v }) : undefined;
  }

  get outputs(): readonly F32Region[] {
    return this.call.returnAttentionScores ? [this.output, this.buffers.probs] : [this.output];
  }

  protected runForward(inputs: readonly F32Region[], masks: readonly (Mask | undefined)[], rng: Prng | undefined): Mask | undefined {
    const { B, T, S, queryDim, valueDim, keyDim: keyFeatures } = this.dims;
    const { numHeads: H, keyDim } = this.mha.settings;
    const vd = this.mha.valueDim;
    const outDim = sizeOf(this.outputShape) / (B * T);
    const [packedQ, packedK, packedV, packedOut] = this.mha.packedProjections();
    const { q, k, v, qh, kh, vh, probs, oh, o } = this.buffers;
    const [xq, xv, xk] = inputs;
    gemmPacked({ a: xq, packed: packedQ.forward, c: q, m: B * T, n: H * keyDim, k: queryDim });
    gemmPacked({ a: xk, packed: packedK.forward, c: k, m: B * S, n: H * keyDim, k: keyFeatures });
    gemmPacked({ a: xv, packed: packedV.forward, c: v, m: B * S, n: H * vd, k: valueDim });
    permuteAxes(q, qh, B, [T, H, keyDim], [1, 0, 2]);
    scale(this.queryScale, qh, qh);
    permuteAxes(k, kh, B, [S, H, keyDim], [1, 0, 2]);
    permuteAxes(v, vh, B, [S, H, vd], [1, 0, 2]);
    batchGemm(qh, kh, probs, this.products.scores, this.gemmScratch);
    this.scoreMasks = this.maskParts(inputs[3], masks);
    this.applyMasks(probs, MASKED_SCORE);
    softmax(probs, B * H * T, S);
    let weights = probs;
    if (this.dropMask) {
      fillDropoutMask(this.dropMask.view(), this.mha.settings.dropout, this.mha.rngFor(rng));
      mul(probs, this.dropMask, this.dropped!);
      weights = this.dropped!;
    }
    batchGemm(weights, vh, oh, this.products.output, this.gemmScratch);
    permuteAxes(oh, o, B, [H, T, vd], [1, 0, 2]);
    gemmPacked({ a: o, packed: packedOut.forward, c: this.output, m: B * T, n: outDim, k: H * vd });
    return masks[0];
  }

  /** Keras's combined mask as parts whose keeps are this call's masks: the attentionMask input itself, the incoming masks copied into `keeps`. */
  private maskParts(attentionMask: F32Region | undefined, masks: readonly (Mask | undefined)[]): Omit<ScoreMask, 'mode' | 'value'>[] {
    const [queryMask, valueMask, keyMask] = masks;
    const parts: Omit<ScoreMask, 'mode' | 'value'>[] = attentionMask ? [{ keep: attentionMask, keepPer: 'queryKey' }] : [];
    const incoming = [['query', queryMask], ['value', valueMask], ['key', keyMask === valueMask ? undefined : keyMask]] as const;
    for (const [role, mask] of incoming) {
      if (!mask) continue;
      this.keeps[role].set(mask);
      parts.push({ keep: this.keeps[role], keepPer: role === 'query' ? 'query' : 'key' });
    }
    if (!this.call.useCausalMask) return parts;
    return parts.length === 0 ? [{ causal: true }] : [{ ...parts[0], causal: true }, ...parts.slice(1)];
  }

  /** Sets every score (or score gradient) that the last forward's masks forbid to `value`. */
  private applyMasks(scores: F32Region, value: number): void {
    for (const part of this.scoreMasks) maskScores(scores, this.scores, { ...part, mode: 'set', value });
  }

  protected runBackward(inputs: readonly F32Region[], dOutput: F32Region, dOutputs: readonly (F32Region | undefined)[]): void {
    const { B, T, S, queryDim, valueDim, keyDim: keyFeatures } = this.dims;
    const { numHeads: H, keyDim } = this.mha.settings;
    const vd = this.mha.valueDim;
    const outDim = sizeOf(this.outputShape) / (B * T);
    const packed = this.mha.packedProjections();
    const projections = this.mha.projections();
    const { qh, kh, vh, probs, o } = this.buffers;
    const g = this.grads!;
    const weights = this.dropped ?? probs;
    const [xq, xv, xk, attentionMask] = inputs;
    // Output projection.
    const output = projections[3];
    gemm({ a: o, b: dOutput, c: output.kernel.grad, m: H * vd, n: outDim, k: B * T, transA: true, accumulate: true });
    if (output.bias) columnSums(dOutput, output.bias.grad, B * T, outDim, true);
    gemmPacked({ a: dOutput, packed: packed[3].transposed, c: g.o, m: B * T, n: H * vd, k: outDim });
    permuteAxes(g.o, g.oh, B, [T, H, vd], [1, 0, 2]);
    // O = P'·V per batch and head.
    batchGemm(g.oh, vh, g.probs, this.products.dWeights, this.gemmScratch);
    batchGemm(weights, g.oh, g.vh, this.products.dValue, this.gemmScratch);
    if (this.dropMask) mul(g.probs, this.dropMask, g.probs);
    if (dOutputs[0]) add(g.probs, dOutputs[0], g.probs);
    softmaxGrad(probs, g.probs, B * H * T, S);
    this.applyMasks(g.probs, 0);
    // scores = Qs·Kᵀ with Qs the scaled query.
    batchGemm(g.probs, kh, g.qh, this.products.dQuery, this.gemmScratch);
    scale(this.queryScale, g.qh, g.qh);
    batchGemm(g.probs, qh, g.kh, this.products.dKey, this.gemmScratch);
    permuteAxes(g.qh, g.q, B, [H, T, keyDim], [1, 0, 2]);
    permuteAxes(g.kh, g.k, B, [H, S, keyDim], [1, 0, 2]);
    permuteAxes(g.vh, g.v, B, [H, S, vd], [1, 0, 2]);
    // The three input projections (query, key, value in weight order); dInputs are [query, value, key, mask].
    const sides = [
      { x: xq, dz: g.q, rows: B * T, features: queryDim, width: H * keyDim, dx: this.dInputs[0] },
      { x: xk, dz: g.k, rows: B * S, features: keyFeatures, width: H * keyDim, dx: this.dInputs[2] },
      { x: xv, dz: g.v, rows: B * S, features: valueDim, width: H * vd, dx: this.dInputs[1] },
    ];
    sides.forEach((side, i) => {
      const { kernel, bias } = projections[i];
      gemm({ a: side.x, b: side.dz, c: kernel.grad, m: side.features, n: side.width, k: side.rows, transA: true, accumulate: true });
      if (bias) columnSums(side.dz, bias.grad, side.rows, side.width, true);
      if (side.dx) gemmPacked({ a: side.dz, packed: packed[i].transposed, c: side.dx, m: side.rows, n: side.features, k: side.width });
    });
    // The attention mask is a condition, not a value: it gets no gradient.
    if (attentionMask && this.dInputs[3]) fill(this.dInputs[3], 0);
  }
}

/** One region per name, all allocated together. */
function allocNamed<K extends string>(setup: MultiPlanSetup, sizes: Record<K, number>): Record<K, F32Region> {
  const names = Object.keys(sizes) as K[];
  const regions = setup.regions.allocAll(names.map((name) => sizes[name]));
  return Object.fromEntries(names.map((name, i) => [name, regions[i]])) as Record<K, F32Region>;
}
