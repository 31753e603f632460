// Attention layers (Keras 3 semantics): Attention (Luong, dot product or 'concat') and
// AdditiveAttention (Bahdanau). Inputs [query, value] or [query, value, key]:
// query [B, Tq, D], value [B, Tv, Dv], key [B, Tv, D] (the value when omitted).
//
// scores   dot:      S = c·(Q·Kᵀ)                          c = scale (useScale) or 1
//          concat:   S = c·Σ_d tanh(α·(q_i + k_j))          α = scale (useScale) or 1, c = concat_score_weight
//          additive: S = Σ_d w_d·tanh(q_i + k_j)            w = scale [D] (useScale) or 1
// masks    S −= 1e9 where key j is padding (the value's mask) or, with useCausalMask, j > i
// weights  A = softmax(S) over keys; in training, inverted dropout on A (rate `dropout`)
// output   O = A·V, rows of padded queries (the query's mask) set to 0; the output's mask is the query's
// returnAttentionScores (a call option, saved as Keras's call kwarg): A, after dropout as in Keras,
//          is a second output [B, Tq, Tv]; its gradient adds into dA.
//
// Backward reverses each step: dV = Aᵀ·dO, dA = dO·Vᵀ (through the dropout mask),
// dS = softmax'(dA), then the score function's gradients for Q, K and the weights. With two
// inputs the key is the value, so dK adds into dV. Every step is a Wasm kernel: per-sample
// GEMMs, softmax, and the additive-score and mask kernels (assembly/attention.ts).
import { batchGemm, batchGemmScratchSize, maskScores, tanhScores, tanhScoresBackward, zeroMaskedRows, type AttentionShape } from '../kernels/attention.js';
import { softmax, softmaxGrad } from '../kernels/activations.js';
import { add, columnSums, copy, fill, mul, scale } from '../kernels/elementwise.js';
import type { BatchMatmulShape } from '../kernels/merge.js';
import type { F32Region } from '../runtime/arena.js';
import { Prng } from '../util/prng.js';
import { fillDropoutMask } from './dropout.js';
import { describe, LayerInputError } from './errors.js';
import { parseInitializer } from './initializers.js';
import { formatShape, initializedWeight, MultiInputLayer, MultiInputPlan, sizeOf, SymbolicTensor, type ApplyOptions, type LayerKind, type LayerOptions, type LayerWeight, type Mask, type MultiInputForwardOptions, type MultiPlanSetup, type Shape, type SymbolicInput, type WeightSpec } from './layer.js';
import { choice, flag, rate, seed, type OptionTable } from './options.js';

/** The options both attention layers take. */
interface AttentionCommonOptions extends LayerOptions {
  /** Fraction of the attention weights dropped in training (inverted dropout). Default 0. */
  dropout?: number;
  /** Draw the dropout masks from a generator of this seed instead of the model's stream. */
  seed?: number | null;
  /**
   * Let query i attend only to keys j <= i (decoder self-attention). Keras 3 takes this as a
   * call argument (`use_causal_mask`); here it is a layer option, saved in the config only when
   * true, because a functional model's call carries no per-call arguments. Default false.
   */
  useCausalMask?: boolean;
}

/**
 * The keyword arguments of {@link AttentionLayer.apply} (Keras's call arguments; the causal mask is a layer option here).
 *
 * @example
 * ```ts
 * const [context, scores] = layers.attention().apply([query, value], { returnAttentionScores: true }) as SymbolicTensor[];
 * ```
 */
export interface AttentionCall extends ApplyOptions {
  /** Also return the attention weights [batch, Tq, Tv] (after masking, softmax and, in training, dropout, as Keras) as a second output. Default false. */
  returnAttentionScores?: boolean;
}

/**
 * Options of {@link layers.attention}.
 *
 * @example
 * ```ts
 * layers.attention({ useScale: true, scoreMode: 'dot', dropout: 0.1 });
 * ```
 */
export interface AttentionOptions extends AttentionCommonOptions {
  /** Multiply the scores by a trainable scalar `scale` (initially 1; inside the tanh for 'concat'). Default false. */
  useScale?: boolean;
  /** 'dot': query·key; 'concat': Σ tanh(query + key) times a trainable scalar `concat_score_weight`. Default 'dot'. */
  scoreMode?: 'dot' | 'concat';
}

/**
 * Options of {@link layers.additiveAttention}.
 *
 * @example
 * ```ts
 * layers.additiveAttention({ useScale: true });
 * ```
 */
export interface AdditiveAttentionOptions extends AttentionCommonOptions {
  /** Weigh the features of tanh(query + key) by a trainable vector `scale` [dim] (Glorot uniform). Default true. */
  useScale?: boolean;
}

const COMMON = { dropout: rate(0), seed: seed(), useCausalMask: flag(false) } satisfies OptionTable;

const ATTENTION = {
  className: 'Attention',
  prefix: 'attention',
  options: { useScale: flag(false), scoreMode: choice(['dot', 'concat'], 'dot'), ...COMMON },
} satisfies LayerKind<OptionTable>;

const ADDITIVE_ATTENTION = {
  className: 'AdditiveAttention',
  prefix: 'additive_attention',
  options: { useScale: flag(true), ...COMMON },
} satisfies LayerKind<OptionTable>;

/** How a built layer scores a query against a key: the weights each form reads (see the top of the file). */
interface Scoring {
  readonly form: 'dot' | 'tanh';
  /** The scalar factor outside the sum (dot: scale; concat: concat_score_weight). */
  readonly outer?: LayerWeight;
  /** The scalar factor inside the tanh (concat with useScale). */
  readonly inner?: LayerWeight;
  /** The per-feature weights of the tanh sum (additive with useScale). */
  readonly features?: LayerWeight;
}

/** What Attention and AdditiveAttention share: shapes, dropout, masks, the plan, the config. */
export abstract class AttentionLayer<S extends OptionTable = OptionTable> extends MultiInputLayer<S> {
  protected readonly inputCount = [2, 3] as const;
  /** The generator of an explicit seed, drawn from call after call. */
  private readonly ownRng: Prng | undefined;

  protected constructor(kind: LayerKind<S>, options: unknown) {
    super(kind, options);
    const settings = this.settings as unknown as { seed: number | null };
    this.ownRng = settings.seed === null ? undefined : new Prng(settings.seed);
  }

  /** @internal the score function and its weights (built layers). */
  abstract scoring(): Scoring;

  /**
   * Calls the layer on [query, value] or [query, value, key] (the key defaults to the value).
   * Returns the output [batch, Tq, value features], or [output, scores] with returnAttentionScores.
   */
  apply(inputs: SymbolicInput, options: AttentionCall = {}): SymbolicTensor | SymbolicTensor[] {
    const list = (Array.isArray(inputs) ? inputs : [inputs]).map((t: unknown) => (Array.isArray(t) && t.length === 1 ? t[0] : t));
    if (!list.every((t) => t instanceof SymbolicTensor)) throw new LayerInputError(this.name, 'inputs', `takes [query, value] or [query, value, key] (symbolic tensors), got ${describe(inputs)}`);
    if (typeof options !== 'object' || options === null) throw new LayerInputError(this.name, 'options', `options must be an object, got ${describe(options)}`);
    const { returnAttentionScores, ...rest } = options;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new LayerInputError(this.name, unknown, `${unknown} is not a call option of ${this.className} (returnAttentionScores; useCausalMask is a layer option)`);
    const callArgs = { returnAttentionScores: returnAttentionScores ?? false };
    this.returnsScores(callArgs);
    return this.applyNode(list as SymbolicTensor[], [], callArgs);
  }

  /** @internal whether a node's call arguments (or a saved call's kwargs, camelCase) ask for the scores, checked. */
  returnsScores(callArgs: Readonly<Record<string, unknown>>): boolean {
    const value = callArgs.returnAttentionScores;
    if (value !== undefined && typeof value !== 'boolean') throw new LayerInputError(this.name, 'returnAttentionScores', `returnAttentionScores must be true or false, got ${describe(value)}`);
    return value ?? false;
  }

  protected outputShapeOf(inputShapes: readonly Shape[]): Shape {
    const [query, value, key = value] = inputShapes;
    const names = ['query', 'value', 'key'];
    inputShapes.forEach((shape, i) => {
      if (shape.length !== 3) throw new LayerInputError(this.name, 'inputs', `${this.className} takes [query, value] or [query, value, key], each [batch, steps, features]; ${names[i]} has shape ${formatShape(shape)}`);
    });
    const agree = (a: number | null, b: number | null) => a === null || b === null || a === b;
    const batch = inputShapes.reduce<number | null>((known, shape) => known ?? shape[0], null);
    if (!inputShapes.every((shape) => agree(shape[0], batch))) throw new LayerInputError(this.name, 'inputs', `${this.className} needs one batch size for all inputs, got ${inputShapes.map(formatShape).join(', ')}`);
    if (!agree(value[1], key[1])) throw new LayerInputError(this.name, 'inputs', `${this.className} needs as many key steps as value steps; value ${formatShape(value)}, key ${formatShape(key)}`);
    if (!agree(query[2], key[2])) {
      const which = inputShapes.length === 3 ? 'key' : 'value (the key when no key is given)';
      throw new LayerInputError(this.name, 'inputs', `${this.className} needs the query's features to match the ${which}'s: query ${formatShape(query)}, ${which} ${formatShape(key)}`);
    }
    return [batch, query[1], value[2]];
  }

  protected outputShapesOf(inputShapes: readonly Shape[], callArgs: Readonly<Record<string, unknown>>): Shape[] {
    const output = this.outputShapeOf(inputShapes);
    if (!this.returnsScores(callArgs)) return [output];
    const [query, value, key = value] = inputShapes;
    return [output, [output[0], query[1], value[1] ?? key[1]]];
  }

  /** @internal the generator of a training call's dropout: the layer's own (seed), or the caller's. */
  rngFor(rng: Prng | undefined): Prng {
    const chosen = this.ownRng ?? rng;
    if (!(chosen instanceof Prng)) throw new LayerInputError(this.name, 'rng', `a training call with dropout needs options.rng (a Prng) to draw its mask from, got ${describe(rng)}`);
    return chosen;
  }

  protected createMultiPlan(setup: MultiPlanSetup): MultiInputPlan {
    return new AttentionPlan(setup, this);
  }

  /** Keras's config; use_causal_mask only when true (Keras 3 has it as a call argument, not a config key). */
  getConfig(): Record<string, unknown> {
    const { use_causal_mask: causal, ...config } = super.getConfig();
    return causal ? { ...config, use_causal_mask: true } : config;
  }
}

/**
 * Dot-product (Luong) attention, Keras `Attention`: each query's output is the softmax-weighted
 * mean of the values, weighted by query·key (or, with scoreMode 'concat', by Σ tanh(query + key)).
 * Create it with {@link layers.attention}.
 *
 * @example
 * ```ts
 * const context = layers.attention().apply([decoderOutputs, encoderOutputs]);   // [B, Tq, units]
 * ```
 */
export class Attention extends AttentionLayer<typeof ATTENTION.options> {
  constructor(options?: AttentionOptions) {
    super(ATTENTION, options);
  }

  protected weightSpecsOf(): WeightSpec[] {
    const ones = parseInitializer('ones');
    return [
      ...(this.settings.useScale ? [initializedWeight('scale', [], 'useScale', ones)] : []),
      ...(this.settings.scoreMode === 'concat' ? [initializedWeight('concat_score_weight', [], 'scoreMode', ones)] : []),
    ];
  }

  scoring(): Scoring {
    const [first, second] = this.weights;
    if (this.settings.scoreMode === 'dot') return { form: 'dot', outer: first };
    return this.settings.useScale ? { form: 'tanh', inner: first, outer: second } : { form: 'tanh', outer: first };
  }
}

/**
 * Additive (Bahdanau) attention, Keras `AdditiveAttention`: scores Σ_d scale_d·tanh(query_d +
 * key_d), softmax over the keys, the weighted mean of the values. Create it with
 * {@link layers.additiveAttention}.
 *
 * @example
 * ```ts
 * const context = layers.additiveAttention().apply([decoderOutputs, encoderOutputs]);
 * ```
 */
export class AdditiveAttention extends AttentionLayer<typeof ADDITIVE_ATTENTION.options> {
  constructor(options?: AdditiveAttentionOptions) {
    super(ADDITIVE_ATTENTION, options);
  }

  protected weightSpecsOf(inputShapes: readonly Shape[]): WeightSpec[] {
    if (!this.settings.useScale) return [];
    const dim = inputShapes[0][2];
    if (dim === null) throw new LayerInputError(this.name, 'inputs', `needs the query's feature dimension for its scale, got ${formatShape(inputShapes[0])}`);
    return [initializedWeight('scale', [dim], 'useScale', parseInitializer('glorotUniform'))];
  }

  scoring(): Scoring {
    return { form: 'tanh', features: this.weights[0] };
  }
}

/** The per-sample (or per-head) products of dot-product attention: scores = Q·Kᵀ, output = A·V; backward dV = Aᵀ·dO, dA = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q. */
export type AttentionProducts = Record<'scores' | 'output' | 'dValue' | 'dWeights' | 'dQuery' | 'dKey', BatchMatmulShape>;

/**
 * @internal The products of `batch` attentions of tq queries over tv keys (keyDim features
 * per query and key, valueDim per value), and a scratch region for the batchGemm calls of
 * the plan (inference: the two forward products).
 */
export function attentionProducts(setup: MultiPlanSetup, batch: number, tq: number, tv: number, keyDim: number, valueDim: number): { products: AttentionProducts; scratch: F32Region } {
  const product = (m: number, n: number, k: number, aT: boolean, bT: boolean): BatchMatmulShape => ({ batch, m, n, k, aT, bT });
  const products = {
    scores: product(tq, tv, keyDim, false, true),
    output: product(tq, valueDim, tv, false, false),
    dValue: product(tv, valueDim, tq, true, false),
    dWeights: product(tq, tv, valueDim, false, true),
    dQuery: product(tq, keyDim, tv, false, false),
    dKey: product(tv, keyDim, tq, true, false),
  };
  const used = setup.training ? Object.values(products) : [products.scores, products.output];
  return { products, scratch: setup.regions.alloc(Math.max(...used.map(batchGemmScratchSize))) };
}

class AttentionPlan extends MultiInputPlan {
  private readonly shape: AttentionShape;
  /** Value features. */
  private readonly valueDim: number;
  private readonly scoring: Scoring;
  private readonly causal: boolean;
  private readonly dropRate: number;
  /** The call returns the attention weights as a second output. */
  private readonly returnsScores: boolean;
  /** The scores before the outer factor (kept for its gradient), when there is one. */
  private readonly raw: F32Region | undefined;
  /** The scores, masked; backward reuses the region as scratch. */
  private readonly scores: F32Region;
  /** softmax(scores): the attention weights before dropout. */
  private readonly weights: F32Region;
  /** The scaled keep-mask of the last training call and the weights after it (dropout in training). */
  private readonly dropMask: F32Region | undefined;
  private readonly dropped: F32Region | undefined;
  /** tanh values [B, Tq, Tv, D] of the additive forms. */
  private readonly tanhValues: F32Region | undefined;
  /** The query and value masks as floats (1 real, 0 padding). */
  private readonly queryKeep: F32Region;
  private readonly valueKeep: F32Region;
  private queryMasked = false;
  /** Backward's buffers: the gradient at the weights (then at the scores), and the output gradient with masked rows zeroed. */
  private readonly dWeights: F32Region | undefined;
  private readonly dOutputMasked: F32Region | undefined;
  /** The rng of the current forward call (dropout). */
  private rng: Prng | undefined;
  private readonly products: AttentionProducts;
  private readonly gemmScratch: F32Region;

  constructor(
    setup: MultiPlanSetup,
    private readonly attention: AttentionLayer,
  ) {
    super(setup);
    const [query, value] = setup.inputShapes;
    const [batch, tq, dim] = query;
    const tv = value[1];
    this.shape = { batch, tq, tv, dim };
    this.valueDim = value[2];
    this.scoring = attention.scoring();
    const settings = attention.settings as unknown as { dropout: number; useCausalMask: boolean };
    this.causal = settings.useCausalMask;
    this.dropRate = setup.training ? settings.dropout : 0;
    this.returnsScores = attention.returnsScores(setup.callArgs);
    const n = batch * tq * tv;
    ({ products: this.products, scratch: this.gemmScratch } = attentionProducts(setup, batch, tq, tv, dim, this.valueDim));
    const r = setup.regions;
    this.raw = this.scoring.outer ? r.alloc(n) : undefined;
    this.scores = r.alloc(n);
    this.weights = r.alloc(n);
    this.dropMask = this.dropRate > 0 ? r.alloc(n) : undefined;
    this.dropped = this.dropRate > 0 ? r.alloc(n) : undefined;
    this.tanhValues = this.scoring.form === 'tanh' ? r.alloc(n * dim) : undefined;
    this.queryKeep = r.alloc(batch * tq);
    this.valueKeep = r.alloc(batch * tv);
    this.dWeights = setup.training ? r.alloc(n) : undefined;
    this.dOutputMasked = setup.training ? r.alloc(batch * tq * this.valueDim) : undefined;
  }

  /** The attention weights of the last forward, [B, Tq, Tv]: after masking, softmax and (in training) dropout. */
  get attentionScores(): F32Region {
    return this.dropped ?? this.weights;
  }

  get outputs(): readonly F32Region[] {
    return this.returnsScores ? [this.output, this.attentionScores] : [this.output];
  }

  /** Runs the layer; options.rng feeds the dropout of a training plan (unless the layer has its own seed). */
  forward(inputs: readonly F32Region[], options: MultiInputForwardOptions = {}): Mask | undefined {
    this.rng = options.rng;
    try {
      return super.forward(inputs, options);
    } finally {
      this.rng = undefined;
    }
  }

  protected runForward(inputs: readonly F32Region[], masks: readonly (Mask | undefined)[]): Mask | undefined {
    const [q, v, k = v] = inputs;
    const { batch, tq, tv } = this.shape;
    const n = batch * tq * tv;
    const { form, outer, inner, features } = this.scoring;
    const unscaled = this.raw ?? this.scores;
    if (form === 'dot') batchGemm(q, k, unscaled, this.products.scores, this.gemmScratch);
    else tanhScores({ q, k, w: features?.value, t: this.tanhValues!, alpha: inner ? inner.value.view()[0] : 1 }, unscaled, this.shape);
    if (outer) scale(outer.value.view()[0], this.raw!, this.scores, n);
    const [queryMask, valueMask] = masks;
    if (valueMask) this.valueKeep.view().set(valueMask);
    if (valueMask || this.causal) maskScores(this.scores, { batch, heads: 1, tq, tv }, { keep: valueMask ? this.valueKeep : undefined, causal: this.causal, mode: 'add', value: -1e9 });
    softmax(this.scores, batch * tq, tv, this.weights);
    if (this.dropMask) {
      fillDropoutMask(this.dropMask.view(), this.dropRate, this.attention.rngFor(this.rng));
      mul(this.weights, this.dropMask, this.dropped!, n);
    }
    batchGemm(this.attentionScores, v, this.output, this.products.output, this.gemmScratch);
    this.queryMasked = queryMask !== undefined;
    if (queryMask) {
      this.queryKeep.view().set(queryMask);
      zeroMaskedRows(this.output, this.queryKeep, batch * tq, this.valueDim);
    }
    return queryMask;
  }

  protected runBackward(inputs: readonly F32Region[], dOutput: F32Region, [dScores]: readonly (F32Region | undefined)[]): void {
    const [q, v, k = v] = inputs;
    const { batch, tq, tv, dim } = this.shape;
    const n = batch * tq * tv;
    const dv = this.valueDim;
    const [dq, dValue, dKey] = this.dInputs;
    let dOut = dOutput;
    if (this.queryMasked) {
      dOut = this.dOutputMasked!;
      copy(dOutput, dOut, batch * tq * dv);
      zeroMaskedRows(dOut, this.queryKeep, batch * tq, dv);
    }
    if (dValue) batchGemm(this.attentionScores, dOut, dValue, this.products.dValue, this.gemmScratch);
    // dk goes into the key's gradient, or adds into the value's when the value is the key.
    const dk = inputs.length === 3 ? dKey : dValue;
    const dS = this.dWeights!;
    batchGemm(dOut, v, dS, this.products.dWeights, this.gemmScratch);
    if (this.dropMask) mul(dS, this.dropMask, dS, n);
    if (dScores) {
      // The returned scores are the weights after dropout: their gradient passes the same keep-mask (`scores` is free scratch).
      if (this.dropMask) mul(dScores, this.dropMask, this.scores, n);
      add(dS, this.dropMask ? this.scores : dScores, dS, n);
    }
    softmaxGrad(this.weights, dS, batch * tq, tv, dS);
    const { form, outer, inner, features } = this.scoring;
    if (outer) {
      // d outer = Σ dS·raw; then dS becomes the gradient at the raw scores. `scores` is free scratch now.
      mul(dS, this.raw!, this.scores, n);
      columnSums(this.scores, outer.grad, n, 1, true);
      scale(outer.value.view()[0], dS, dS, n);
    }
    if (form === 'dot') {
      if (dq) batchGemm(dS, k, dq, this.products.dQuery, this.gemmScratch);
      if (dk) batchGemm(dS, q, dk, { ...this.products.dKey, accumulate: dk === dValue }, this.gemmScratch);
      return;
    }
    if (dq) fill(dq, 0, sizeOf([batch, tq, dim]));
    if (dk && dk !== dValue) fill(dk, 0, sizeOf([batch, tv, dim]));
    const values = { q, k, w: features?.value, t: this.tanhValues!, alpha: inner ? inner.value.view()[0] : 1 };
    tanhScoresBackward(values, dS, { dq, dk, dw: features?.grad, dAlpha: inner?.grad }, this.shape);
  }
}
