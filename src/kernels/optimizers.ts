// Typed wrappers around the optimizer update kernels of assembly/optimizers.ts: one call
// updates one weight tensor in place, with its slots. Every region and scalar is checked
// before any Wasm runs (a bad one is a RangeError/TypeError naming it, and nothing changes).
// Each has an internal `…Updater` form that checks once and returns the update for later
// learning rates: an optimizer updates the same regions every step.
// Hyper-parameters are Keras's; `weightDecay` is Keras 3's decoupled decay, applied first as
// w ← w − w·(learningRate·weightDecay). Scalars are rounded to float32 on their way into Wasm,
// except Adam's, whose step-dependent corrections are formed in float64 inside Wasm.
import type { F32Region } from '../runtime/arena.js';
import { apart, exportsOf, offsets, scalar } from './buffers.js';
import { dim } from './validate.js';

interface OptimizerExports {
  sgdUpdate(w: number, g: number, vel: number, n: number, lr: number, momentum: number, nesterov: number, decay: number): void;
  rmspropUpdate(w: number, g: number, ms: number, mom: number, mg: number, n: number, lr: number, rho: number, oneMinusRho: number, momentum: number, eps: number, centered: number, decay: number): void;
  adamUpdate(w: number, g: number, m: number, v: number, vhat: number, n: number, lr: number, beta1: number, beta2: number, eps: number, step: number, amsgrad: number, decay: number): void;
  adagradUpdate(w: number, g: number, acc: number, n: number, lr: number, eps: number, decay: number): void;
  pow64(x: number, y: number): number;
}

/**
 * Hyperparameters of {@link sgdUpdate}, Keras 3 semantics.
 *
 * @example
 * ```ts
 * kernels.sgdUpdate(w, g, velocity, { learningRate: 0.01, momentum: 0.9, nesterov: true });
 * ```
 */
export interface SgdParams {
  /** Step size (already resolved from any schedule). */
  learningRate: number;
  /** 0 (default): plain SGD and no velocity slot. */
  momentum?: number;
  /** Nesterov momentum; default false. */
  nesterov?: boolean;
  /** Decoupled weight decay (AdamW style): w ← w − lr·weightDecay·w first; default 0. */
  weightDecay?: number;
}

/**
 * Hyperparameters of {@link rmspropUpdate}, Keras 3 semantics.
 *
 * @example
 * ```ts
 * kernels.rmspropUpdate(w, g, { meanSquare, meanGrad }, { learningRate: 0.001, rho: 0.9, epsilon: 1e-7, centered: true });
 * ```
 */
export interface RmspropParams {
  /** Step size (already resolved from any schedule). */
  learningRate: number;
  /** Decay of the mean square (Keras default 0.9). */
  rho: number;
  /** Added to the mean square before the square root (Keras default 1e-7). */
  epsilon: number;
  /** 0 (default): no momentum slot. */
  momentum?: number;
  /** Subtract the squared mean gradient (needs the meanGrad slot); default false. */
  centered?: boolean;
  /** Decoupled weight decay (AdamW style): w ← w − lr·weightDecay·w first; default 0. */
  weightDecay?: number;
}

/**
 * Hyperparameters of {@link adamUpdate}.
 *
 * @example
 * ```ts
 * kernels.adamUpdate(w, g, { m, v }, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step });
 * ```
 */
export interface AdamParams {
  /** Step size (already resolved from any schedule). */
  learningRate: number;
  /** Decay of the first moment (Keras default 0.9). */
  beta1: number;
  /** Decay of the second moment (Keras default 0.999). */
  beta2: number;
  /** Added to √v̂ (Keras default 1e-7). */
  epsilon: number;
  /** The step being taken, 1 for the first (bias corrections use β^step). */
  step: number;
  /** Keep v̂ = max(v̂, v) in the vhat slot and use it in place of v. */
  amsgrad?: boolean;
  /** Decoupled weight decay (AdamW style): w ← w − lr·weightDecay·w first; default 0. */
  weightDecay?: number;
}

/**
 * Hyperparameters of {@link adagradUpdate}.
 *
 * @example
 * ```ts
 * kernels.adagradUpdate(w, g, accumulator, { learningRate: 0.01, epsilon: 1e-7 });
 * ```
 */
export interface AdagradParams {
  /** Step size (already resolved from any schedule). */
  learningRate: number;
  /** Added to the accumulator before the square root (Keras default 1e-7). */
  epsilon: number;
  /** Decoupled weight decay (AdamW style): w ← w − lr·weightDecay·w first; default 0. */
  weightDecay?: number;
}

function scalars(what: string, named: Record<string, unknown>): void {
  for (const name of Object.keys(named)) scalar(what, name, named[name]);
}

/**
 * Checks the weights, gradient and slots (each live, each holding n floats, no two sharing a
 * byte: all are updated in place); returns their byte offsets in order.
 */
function regions(what: string, n: number, named: Record<string, F32Region>): number[] {
  const result = offsets(what, n, named);
  const names = Object.keys(named);
  for (let i = 0; i < names.length; i++) {
    for (let j = 0; j < i; j++) apart(what, [names[i], result[i], n], [names[j], result[j], n]);
  }
  return result;
}

/** The slot a configuration needs, or a TypeError naming the option that needs it. */
function required(what: string, slot: F32Region | undefined, name: string, because: string): F32Region {
  if (slot === undefined) throw new TypeError(`${what}(${name}): ${because} needs the ${name} slot, got undefined`);
  return slot;
}

function flag(what: string, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${what}(${name}): expected a boolean, got ${typeof value} ${String(value)}`);
  return value;
}

/** learningRate·weightDecay, the factor of the decay step (0: none). */
function decayFactor(learningRate: number, weightDecay = 0): number {
  return learningRate * weightDecay;
}

/**
 * SGD on the first n floats (Keras 3): w ← w − lr·g, or with momentum μ
 * velocity ← μ·velocity − lr·g and w ← w + velocity (Nesterov: w ← w + μ·velocity − lr·g).
 * `velocity` is required when momentum is not 0.
 *
 * @example
 * ```ts
 * kernels.sgdUpdate(w, g, undefined, { learningRate: 0.01 });
 * ```
 */
export function sgdUpdate(weights: F32Region, grads: F32Region, velocity: F32Region | undefined, params: SgdParams, n = weights.length): void {
  scalar('sgdUpdate', 'learningRate', params.learningRate);
  sgdUpdater(weights, grads, velocity, params, n)(params.learningRate);
}

/** @internal sgdUpdate with its regions and fixed hyper-parameters checked once (an optimizer's every step); each call takes the step's learning rate. */
export function sgdUpdater(weights: F32Region, grads: F32Region, velocity: F32Region | undefined, params: Omit<SgdParams, 'learningRate'>, n = weights.length): (learningRate: number) => void {
  const what = 'sgdUpdate';
  const { momentum = 0, weightDecay = 0 } = params;
  scalars(what, { momentum, weightDecay });
  const nesterov = flag(what, 'nesterov', params.nesterov);
  const named: Record<string, F32Region> = { weights, grads };
  if (momentum !== 0) named.velocity = required(what, velocity, 'velocity', `momentum ${momentum}`);
  const [w, g, vel = 0] = regions(what, n, named);
  return (learningRate) => exportsOf<OptimizerExports>(what).sgdUpdate(w, g, vel, n, learningRate, momentum, +nesterov, decayFactor(learningRate, weightDecay));
}

/**
 * RMSprop on the first n floats (Keras 3): meanSquare ← ρ·meanSquare + (1−ρ)·g²; centered:
 * meanGrad ← ρ·meanGrad + (1−ρ)·g and d = meanSquare − meanGrad² + ε, else d = meanSquare + ε;
 * inc = lr·g/√d; with momentum μ: mom ← μ·mom + inc, w ← w − mom; else w ← w − inc.
 *
 * @example
 * ```ts
 * kernels.rmspropUpdate(w, g, { meanSquare }, { learningRate: 0.001, rho: 0.9, epsilon: 1e-7 });
 * ```
 */
export function rmspropUpdate(
  weights: F32Region,
  grads: F32Region,
  slots: { meanSquare: F32Region; momentum?: F32Region; meanGrad?: F32Region },
  params: RmspropParams,
  n = weights.length,
): void {
  scalar('rmspropUpdate', 'learningRate', params.learningRate);
  rmspropUpdater(weights, grads, slots, params, n)(params.learningRate);
}

/** @internal rmspropUpdate with its regions and fixed hyper-parameters checked once (an optimizer's every step); each call takes the step's learning rate. */
export function rmspropUpdater(
  weights: F32Region,
  grads: F32Region,
  slots: { meanSquare: F32Region; momentum?: F32Region; meanGrad?: F32Region },
  params: Omit<RmspropParams, 'learningRate'>,
  n = weights.length,
): (learningRate: number) => void {
  const what = 'rmspropUpdate';
  const { rho, epsilon, momentum = 0, weightDecay = 0 } = params;
  scalars(what, { rho, epsilon, momentum, weightDecay });
  const centered = flag(what, 'centered', params.centered);
  const named: Record<string, F32Region> = { weights, grads, meanSquare: slots.meanSquare };
  if (momentum !== 0) named.momentum = required(what, slots.momentum, 'momentum', `momentum ${momentum}`);
  if (centered) named.meanGrad = required(what, slots.meanGrad, 'meanGrad', 'centered');
  const o = regions(what, n, named);
  const [w, g, ms] = o;
  const mom = momentum !== 0 ? o[3] : 0;
  const mg = centered ? o[o.length - 1] : 0;
  return (learningRate) => exportsOf<OptimizerExports>(what).rmspropUpdate(w, g, ms, mom, mg, n, learningRate, rho, 1 - rho, momentum, epsilon, +centered, decayFactor(learningRate, weightDecay));
}

/**
 * Adam step `step` on the first n floats: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²
 * (AMSGrad: vhat ← max(vhat, v), used for v), w ← w − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1^step),
 * v̂ = v/(1−β2^step) — ε on the bias-corrected √v̂ as in TF.js (see assembly/optimizers.ts);
 * the powers are of β rounded to float32, as Keras and TF.js take them.
 *
 * @example
 * ```ts
 * kernels.adamUpdate(w, g, { m, v }, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step: 1 });
 * ```
 */
export function adamUpdate(
  weights: F32Region,
  grads: F32Region,
  slots: { m: F32Region; v: F32Region; vhat?: F32Region },
  params: AdamParams,
  n = weights.length,
): void {
  const what = 'adamUpdate';
  const { learningRate, step } = params;
  scalar(what, 'learningRate', learningRate);
  dim(`${what}(step)`, step, 1);
  if (step > 0x7fffffff) throw new RangeError(`${what}(step): expected an integer <= ${0x7fffffff}, got ${step}`);
  adamUpdater(weights, grads, slots, params, n)(learningRate, step);
}

/** @internal adamUpdate with its regions and fixed hyper-parameters checked once (an optimizer's every step); each call takes the step's learning rate and step (an integer in [1, 2^31)). */
export function adamUpdater(
  weights: F32Region,
  grads: F32Region,
  slots: { m: F32Region; v: F32Region; vhat?: F32Region },
  params: Omit<AdamParams, 'learningRate' | 'step'>,
  n = weights.length,
): (learningRate: number, step: number) => void {
  const what = 'adamUpdate';
  const { beta1, beta2, epsilon, weightDecay = 0 } = params;
  scalars(what, { beta1, beta2, epsilon, weightDecay });
  const amsgrad = flag(what, 'amsgrad', params.amsgrad);
  const named: Record<string, F32Region> = { weights, grads, m: slots.m, v: slots.v };
  if (amsgrad) named.vhat = required(what, slots.vhat, 'vhat', 'amsgrad');
  const [w, g, m, v, vhat = 0] = regions(what, n, named);
  return (learningRate, step) => exportsOf<OptimizerExports>(what).adamUpdate(w, g, m, v, vhat, n, learningRate, beta1, beta2, epsilon, step, +amsgrad, decayFactor(learningRate, weightDecay));
}

/**
 * Adagrad on the first n floats: accumulator ← accumulator + g², w ← w − lr·g/√(accumulator + ε).
 *
 * @example
 * ```ts
 * kernels.adagradUpdate(w, g, accumulator, { learningRate: 0.001, epsilon: 1e-7 });
 * ```
 */
export function adagradUpdate(weights: F32Region, grads: F32Region, accumulator: F32Region, params: AdagradParams, n = weights.length): void {
  scalar('adagradUpdate', 'learningRate', params.learningRate);
  adagradUpdater(weights, grads, accumulator, params, n)(params.learningRate);
}

/** @internal adagradUpdate with its regions and fixed hyper-parameters checked once (an optimizer's every step); each call takes the step's learning rate. */
export function adagradUpdater(weights: F32Region, grads: F32Region, accumulator: F32Region, params: Omit<AdagradParams, 'learningRate'>, n = weights.length): (learningRate: number) => void {
  const what = 'adagradUpdate';
  const { epsilon, weightDecay = 0 } = params;
  scalars(what, { epsilon, weightDecay });
  const [w, g, acc] = regions(what, n, { weights, grads, accumulator });
  return (learningRate) => exportsOf<OptimizerExports>(what).adagradUpdate(w, g, acc, n, learningRate, epsilon, decayFactor(learningRate, weightDecay));
}

/**
 * base^exponent in float64, computed by the module's own pow, so the result is the same bits
 * in every JS engine (Math.pow is not: engines differ in the last bits). For learning-rate
 * schedules and anything else that feeds weights.
 *
 * @example
 * ```ts
 * kernels.pow64(0.96, 2.5);     // the same bits in every runtime
 * ```
 */
export function pow64(base: number, exponent: number): number {
  const what = 'pow64';
  scalar(what, 'base', base);
  scalar(what, 'exponent', exponent);
  return exportsOf<OptimizerExports>(what).pow64(base, exponent);
}
