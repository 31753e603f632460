// Typed wrappers around the whole-layer recurrent kernels of assembly/recurrent (SimpleRNN,
// LSTM, GRU; forward and backward with the time loop inside Wasm). Every argument is checked
// here before any Wasm runs, so a bad spec, shape, region, length or overlap is a
// RangeError/TypeError naming the argument, the expected and the actual value, and no output
// is touched.
//
// Layouts (row-major, batch first): x [B][T][F]; the output sequence and its gradient
// [B][T][U] by processing step (with goBackwards the sequence comes out reversed, as in Keras);
// states [B][U]; mask [B][T] (nonzero = a real step) or per-sample lengths; dropout masks
// [B][F] (input) and [B][U] (recurrent), already scaled (0 or 1/(1 − rate)), one per sample
// for every step and gate. Keras weights: kernel (F, gU), recurrentKernel (U, gU), bias (gU),
// GRU resetAfter (2, 3U) = [input bias; recurrent bias]; gates LSTM i,f,c,o, GRU z,r,h.
//
// Semantics (those of test/reference/rnn.ts): padded steps keep the state and get no gradient;
// their sequence output is 0 (zeroOutputForMask, default) or the carried h. maxSteps truncates
// BPTT to each sample's last maxSteps real steps. Gradients accumulate (+=).
//
// Usage, once per optimizer step and then per batch:
//   const packed = packRecurrentWeights(spec, { kernel, recurrentKernel, bias });
//   recurrentForward(spec, { x, packed, sequence, finalH, tape });
//   recurrentBackward(spec, { x, packed, tape, dSequence, dx, dKernel, dRecurrentKernel, dBias });
import type { F32Region } from '../runtime/arena.js';
import { arena, threadPool, wasm } from '../runtime/module.js';
import { MAX_CHUNKS, type PoolJob, type ThreadPool } from '../runtime/threads.js';
import { dim } from './validate.js';

/**
 * The recurrent cell a kernel call runs: Elman RNN, LSTM (gates i, f, c, o) or GRU (z, r, h).
 *
 * @example
 * ```ts
 * const cell: kernels.RecurrentCell = 'gru';
 * ```
 */
export type RecurrentCell = 'simpleRNN' | 'lstm' | 'gru';
/**
 * Activations the recurrent kernels compute in Wasm. `hardSigmoid` is TF.js's and Keras 2's
 * clip(0.2x + 0.5, 0, 1), `hardSigmoidKeras3` is Keras 3's clip(x/6 + 0.5, 0, 1).
 *
 * @example
 * ```ts
 * const spec: kernels.RecurrentSpec = { cell: 'lstm', units: 8, features: 3, batch: 4, steps: 10, recurrentActivation: 'hardSigmoid' };
 * ```
 */
export type RecurrentActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSigmoidKeras3';

/**
 * What a recurrent layer call computes: the cell, its sizes and options. Every kernel function
 * of the recurrent family takes one and checks it.
 *
 * @example
 * ```ts
 * const spec: kernels.RecurrentSpec = { cell: 'lstm', units: 8, features: 26, batch: 32, steps: 5 };
 * kernels.recurrentWeightShapes(spec);   // { kernel: [26, 32], recurrentKernel: [8, 32], bias: [32] }
 * ```
 */
export interface RecurrentSpec {
  /** Which cell to run. */
  cell: RecurrentCell;
  /** U: the state size, an integer >= 1. */
  units: number;
  /** F: input features per step, an integer >= 1. */
  features: number;
  /** B: samples in the batch, an integer >= 1. */
  batch: number;
  /** T: timesteps per sample, an integer >= 1. */
  steps: number;
  /** Candidate / output activation; default 'tanh'. */
  activation?: RecurrentActivation;
  /** Gate activation (LSTM, GRU); default 'sigmoid' (Keras 3; TF.js defaults to 'hardSigmoid'). */
  recurrentActivation?: RecurrentActivation;
  /** Default true. */
  useBias?: boolean;
  /** GRU only; default true (Keras 3). */
  resetAfter?: boolean;
  /** Process the sequence from the last step to the first; default false. */
  goBackwards?: boolean;
  /** Sequence outputs at padded steps are 0 (default true) or the carried h. */
  zeroOutputForMask?: boolean;
  /** Backward only: truncate BPTT to each sample's last maxSteps real steps; default full BPTT. */
  maxSteps?: number;
}

/**
 * Keras-layout weights to pack with {@link packRecurrentWeights} (shapes from {@link recurrentWeightShapes}).
 *
 * @example
 * ```ts
 * const weights: kernels.RecurrentWeights = { kernel, recurrentKernel, bias };
 * kernels.packRecurrentWeights(spec, weights);
 * ```
 */
export interface RecurrentWeights {
  /** (F, gates·U), row-major. */
  kernel: F32Region;
  /** (U, gates·U), row-major. */
  recurrentKernel: F32Region;
  /** Required when useBias (the default), absent otherwise. */
  bias?: F32Region;
}

/**
 * Weights packed for the kernels (see packRecurrentWeights); carries what they were packed for.
 *
 * @example
 * ```ts
 * const packed = kernels.packRecurrentWeights(spec, { kernel, recurrentKernel, bias });
 * // … forward and backward calls …
 * arena().free(packed.region);
 * ```
 */
export interface PackedRecurrentWeights {
  /** The packed floats (recurrentPackedSize of the spec); free it when done unless it was your `out`. */
  readonly region: F32Region;
  /** The cell the weights were packed for. */
  readonly cell: RecurrentCell;
  /** F the weights were packed for. */
  readonly features: number;
  /** U the weights were packed for. */
  readonly units: number;
  /** Whether the GRU weights were packed with resetAfter. */
  readonly resetAfter: boolean;
  /** Whether a bias was packed. */
  readonly useBias: boolean;
  /** Whether the transposes backward needs are included. */
  readonly withBackward: boolean;
}

/**
 * Padding: at most one of lengths and mask; neither means every step is real.
 *
 * @example
 * ```ts
 * kernels.recurrentForward(spec, { x, packed, sequence, mask });   // mask [B][T] in Wasm memory, nonzero = real
 * ```
 */
export interface RecurrentMasks {
  /** [B] integers in [0, T]: steps t < lengths[b] of sample b are real. */
  lengths?: ArrayLike<number>;
  /** [B][T] in Wasm memory: nonzero = a real step (e.g. from an embedding's maskZero). */
  mask?: F32Region;
  /** [B][F], multiplies x at every step (training dropout). */
  inputDropoutMask?: F32Region;
  /** [B][U], multiplies h_{t−1} where it enters the recurrent kernel (never the carried state). */
  recurrentDropoutMask?: F32Region;
}

/**
 * Inputs and outputs of {@link recurrentForward}; every output is optional.
 *
 * @example
 * ```ts
 * kernels.recurrentForward(spec, { x, packed, finalH, lengths: [5, 3, 4] });   // padded steps keep the state
 * ```
 */
export interface RecurrentForwardBuffers extends RecurrentMasks {
  /** [B][T][F]. */
  x: F32Region;
  /** From packRecurrentWeights for the same spec. */
  packed: PackedRecurrentWeights;
  /** [B][U] initial h (default zeros); may be finalH itself (stateful layers). */
  h0?: F32Region;
  /** LSTM: [B][U] initial c (default zeros); may be finalC itself. */
  c0?: F32Region;
  /** Output [B][T][U] by processing step (returnSequences). */
  sequence?: F32Region;
  /** Output [B][U]: the state after each sample's last real step (the last-step output). */
  finalH?: F32Region;
  /** LSTM output [B][U]: the final cell state. */
  finalC?: F32Region;
  /** recurrentTapeSize(spec) floats: training, what recurrentBackward needs. */
  tape?: F32Region;
}

/**
 * Inputs and gradient outputs of {@link recurrentBackward}.
 *
 * @example
 * ```ts
 * kernels.recurrentBackward(spec, { x, packed, tape, dFinalH, dx, dKernel, dRecurrentKernel, dBias });
 * ```
 */
export interface RecurrentBackwardBuffers extends RecurrentMasks {
  /** The same x, packed weights and masks as the forward pass that filled the tape. */
  x: F32Region;
  /** The packed weights of that forward pass, packed withBackward (the default). */
  packed: PackedRecurrentWeights;
  /** The tape the training forward pass filled. */
  tape: F32Region;
  /** Upstream gradient of the sequence output [B][T][U] (by processing step). */
  dSequence?: F32Region;
  /** Upstream gradient of finalH [B][U]: the last-step output's gradient goes here. */
  dFinalH?: F32Region;
  /** LSTM: upstream gradient of finalC [B][U]. */
  dFinalC?: F32Region;
  /** Gradients, accumulated (+=); each optional. dx [B][T][F], dH0/dC0 [B][U], Keras layouts. */
  dx?: F32Region;
  /** Gradient of the initial h, [B][U] (+=). */
  dH0?: F32Region;
  /** LSTM: gradient of the initial c, [B][U] (+=). */
  dC0?: F32Region;
  /** Gradient of the kernel, (F, gates·U) (+=). */
  dKernel?: F32Region;
  /** Gradient of the recurrent kernel, (U, gates·U) (+=). */
  dRecurrentKernel?: F32Region;
  /** Only when useBias. */
  dBias?: F32Region;
}

interface RecurrentExports {
  rnnPackedSize(cell: number, features: number, units: number, flags: number): number;
  rnnTapeSize(cell: number, batch: number, steps: number, units: number): number;
  rnnWorkSize(cell: number, batch: number, steps: number, features: number, units: number, flags: number): number;
  rnnPack(cell: number, features: number, units: number, flags: number, kernel: number, recurrentKernel: number, bias: number, packed: number): void;
  rnnForward(
    cell: number, batch: number, steps: number, features: number, units: number, flags: number, activation: number, recurrentActivation: number,
    x: number, packed: number, h0: number, c0: number, mask: number, inputDropout: number, recurrentDropout: number,
    y: number, h: number, c: number, tape: number, work: number,
  ): void;
  rnnBackward(
    cell: number, batch: number, steps: number, features: number, units: number, flags: number, activation: number, recurrentActivation: number, maxSteps: number,
    x: number, packed: number, mask: number, inputDropout: number, recurrentDropout: number, tape: number,
    dy: number, dhT: number, dcT: number,
    dx: number, dh0: number, dc0: number, dKernel: number, dRecurrent: number, dBias: number, work: number,
  ): void;
  rnnChunkWorkSize(cell: number, batch: number, steps: number, features: number, units: number): number;
}

// Codes and flags of assembly/recurrent/common.ts.
const CELLS: Record<RecurrentCell, number> = { simpleRNN: 0, lstm: 1, gru: 2 };
const ACTIVATIONS: Record<RecurrentActivation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3, hardSigmoid: 4, hardSigmoidKeras3: 5 };
const GO_BACKWARDS = 1;
const ZERO_MASKED_OUTPUT = 2;
const RESET_AFTER = 4;
const WITH_BACKWARD = 8;
const TRAINING = 32;

const SPEC_KEYS = new Set(['cell', 'units', 'features', 'batch', 'steps', 'activation', 'recurrentActivation', 'useBias', 'resetAfter', 'goBackwards', 'zeroOutputForMask', 'maxSteps']);
const MASK_KEYS = ['lengths', 'mask', 'inputDropoutMask', 'recurrentDropoutMask'];
const FORWARD_KEYS = new Set([...MASK_KEYS, 'x', 'packed', 'h0', 'c0', 'sequence', 'finalH', 'finalC', 'tape']);
const BACKWARD_KEYS = new Set([...MASK_KEYS, 'x', 'packed', 'tape', 'dSequence', 'dFinalH', 'dFinalC', 'dx', 'dH0', 'dC0', 'dKernel', 'dRecurrentKernel', 'dBias']);
const WEIGHT_KEYS = new Set(['kernel', 'recurrentKernel', 'bias']);
const PACK_OPTION_KEYS = new Set(['withBackward']);

/** A spec with every default filled in and every value checked. */
interface Resolved {
  cell: RecurrentCell;
  code: number;
  gates: number;
  B: number;
  T: number;
  F: number;
  U: number;
  activation: RecurrentActivation;
  recurrentActivation: RecurrentActivation;
  useBias: boolean;
  resetAfter: boolean;
  goBackwards: boolean;
  zeroOutputForMask: boolean;
  maxSteps: number;
  /** What the tape records of the spec: cell/batch/…/zeroOutputForMask, joined by '/'. */
  tapeKey: string;
}

/** Specs that fixedRecurrentSpec checked, frozen copies whose values cannot change: later calls skip their checks. */
const fixedSpecs = new WeakMap<RecurrentSpec, Resolved>();

/**
 * @internal a checked, frozen copy of `spec` that the kernels resolve once: a layer's plan
 * keeps one for the calls of every batch instead of having it checked per call.
 */
export function fixedRecurrentSpec<S extends RecurrentSpec>(spec: S, what: string): S {
  const fixed = Object.freeze({ ...spec });
  fixedSpecs.set(fixed, resolve(what, fixed));
  return fixed;
}

function resolve(what: string, spec: RecurrentSpec): Resolved {
  const fixed = fixedSpecs.get(spec);
  if (fixed) return fixed;
  options(what, 'spec', spec, SPEC_KEYS);
  const cell = spec.cell;
  if (!Object.hasOwn(CELLS, cell)) throw new RangeError(`${what}(spec.cell): expected one of ${Object.keys(CELLS).join(', ')}, got ${show(cell)}`);
  const activation = activationOf(what, 'activation', spec.activation ?? 'tanh');
  const recurrentActivation = activationOf(what, 'recurrentActivation', spec.recurrentActivation ?? 'sigmoid');
  const maxSteps = spec.maxSteps ?? 0;
  if (spec.maxSteps !== undefined) dim(`${what}(spec.maxSteps)`, spec.maxSteps, 1);
  const r: Omit<Resolved, 'tapeKey'> = {
    cell,
    code: CELLS[cell],
    gates: cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1,
    B: dim(`${what}(spec.batch)`, spec.batch),
    T: dim(`${what}(spec.steps)`, spec.steps),
    F: dim(`${what}(spec.features)`, spec.features),
    U: dim(`${what}(spec.units)`, spec.units),
    activation,
    recurrentActivation,
    useBias: flag(what, 'useBias', spec.useBias, true),
    resetAfter: cell === 'gru' && flag(what, 'resetAfter', spec.resetAfter, true),
    goBackwards: flag(what, 'goBackwards', spec.goBackwards, false),
    zeroOutputForMask: flag(what, 'zeroOutputForMask', spec.zeroOutputForMask, true),
    maxSteps,
  };
  if (cell !== 'gru' && spec.resetAfter !== undefined) flag(what, 'resetAfter', spec.resetAfter, false);
  // Keep every buffer (and every float index the kernels form) inside 32-bit offsets.
  const largest = r.B * r.T * Math.max(r.F, r.gates * r.U);
  if (largest >= 2 ** 30) throw new RangeError(`${what}(spec): batch·steps·max(features, gates·units) = ${largest} floats exceeds the 2^30 a Wasm32 buffer can hold`);
  const tapeKey = [r.cell, r.B, r.T, r.F, r.U, r.activation, r.recurrentActivation, r.useBias, r.resetAfter, r.goBackwards, r.zeroOutputForMask].join('/');
  return { ...r, tapeKey };
}

function activationOf(what: string, name: string, value: unknown): RecurrentActivation {
  if (typeof value !== 'string' || !Object.hasOwn(ACTIVATIONS, value)) {
    throw new RangeError(`${what}(spec.${name}): expected one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${show(value)}`);
  }
  return value as RecurrentActivation;
}

function flag(what: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${what}(spec.${name}): expected a boolean, got ${show(value)}`);
  return value;
}

/**
 * Keras weight shapes for a spec (bias absent when useBias is false), to allocate the weights
 * packRecurrentWeights takes.
 *
 * @example
 * ```ts
 * kernels.recurrentWeightShapes({ cell: 'gru', units: 4, features: 3, batch: 1, steps: 1 });
 * // { kernel: [3, 12], recurrentKernel: [4, 12], bias: [2, 12] }   (resetAfter: two biases)
 * ```
 */
export function recurrentWeightShapes(spec: RecurrentSpec): {
  /** (F, gates·U). */
  kernel: number[];
  /** (U, gates·U). */
  recurrentKernel: number[];
  /** (gates·U), or (2, 3U) for a GRU with resetAfter. */
  bias?: number[];
} {
  const r = resolve('recurrentWeightShapes', spec);
  const gu = r.gates * r.U;
  return {
    kernel: [r.F, gu],
    recurrentKernel: [r.U, gu],
    ...(r.useBias ? { bias: r.resetAfter ? [2, gu] : [gu] } : {}),
  };
}

function biasFloats(r: Resolved): number {
  return (r.resetAfter ? 2 : 1) * r.gates * r.U;
}

/**
 * Floats packRecurrentWeights writes (withBackward: the transposes backward needs, default true).
 *
 * @example
 * ```ts
 * const out = arena().allocF32(kernels.recurrentPackedSize(spec));
 * ```
 */
export function recurrentPackedSize(spec: RecurrentSpec, withBackward = true): number {
  const r = resolve('recurrentPackedSize', spec);
  return kernels('recurrentPackedSize').rnnPackedSize(r.code, r.F, r.U, withBackward ? WITH_BACKWARD : 0);
}

/**
 * Floats of the tape a training forward writes and backward reads.
 *
 * @example
 * ```ts
 * const tape = arena().allocF32(kernels.recurrentTapeSize(spec));
 * ```
 */
export function recurrentTapeSize(spec: RecurrentSpec): number {
  const r = resolve('recurrentTapeSize', spec);
  return kernels('recurrentTapeSize').rnnTapeSize(r.code, r.B, r.T, r.U);
}

/**
 * Packs Keras weights for the kernels; call again after every weight update. `out`
 * (recurrentPackedSize floats) is reused when given, otherwise allocated from the arena (the
 * caller frees result.region). Only cell, units, features, useBias and resetAfter of the spec matter.
 *
 * @example
 * ```ts
 * const packed = kernels.packRecurrentWeights(spec, { kernel, recurrentKernel, bias });
 * ```
 */
export function packRecurrentWeights(spec: RecurrentSpec, weights: RecurrentWeights, out?: F32Region, packOptions: { withBackward?: boolean } = {}): PackedRecurrentWeights {
  const what = 'packRecurrentWeights';
  const r = resolve(what, spec);
  options(what, 'weights', weights, WEIGHT_KEYS);
  options(what, 'options', packOptions, PACK_OPTION_KEYS);
  const withBackward = packOptions.withBackward ?? true;
  if (typeof withBackward !== 'boolean') throw new TypeError(`${what}(options.withBackward): expected a boolean, got ${show(withBackward)}`);
  const regions = arena(what);
  const gu = r.gates * r.U;
  const kernel = regions.checkArgument(what, 'weights.kernel', weights.kernel, r.F * gu);
  const recurrent = regions.checkArgument(what, 'weights.recurrentKernel', weights.recurrentKernel, r.U * gu);
  let bias = 0;
  if (r.useBias) {
    if (weights.bias === undefined) throw new TypeError(`${what}(weights.bias): expected ${biasFloats(r)} floats since useBias is true, got undefined`);
    bias = regions.checkArgument(what, 'weights.bias', weights.bias, biasFloats(r));
  } else if (weights.bias !== undefined) {
    throw new TypeError(`${what}(weights.bias): expected undefined since useBias is false, got a region`);
  }
  const exports = kernels(what);
  const flags = withBackward ? WITH_BACKWARD : 0;
  const floats = exports.rnnPackedSize(r.code, r.F, r.U, flags);
  if (out !== undefined) regions.checkArgument(what, 'out', out, floats);
  const inputs: Span[] = [span('weights.kernel', kernel, r.F * gu), span('weights.recurrentKernel', recurrent, r.U * gu), span('weights.bias', bias, r.useBias ? biasFloats(r) : 0)];
  if (out !== undefined) disjoint(what, [span('out', out.offset, floats)], inputs);
  const region = out ?? regions.allocF32(floats);
  exports.rnnPack(r.code, r.F, r.U, flags | (r.resetAfter ? RESET_AFTER : 0), kernel, recurrent, bias, region.offset);
  return Object.freeze({ region, cell: r.cell, features: r.F, units: r.U, resetAfter: r.resetAfter, useBias: r.useBias, withBackward });
}

/** What a filled tape was filled by, so that backward refuses a tape from another call shape. */
const tapes = new WeakMap<object, Map<number, string>>();

function tapeSignature(r: Resolved, masks: MaskOffsets): string {
  return `${r.tapeKey}/${masks.padded}/${!!masks.inputDropout}/${!!masks.recurrentDropout}`;
}

/**
 * Forward pass of one layer (one direction). Writes `sequence` (when given), finalH/finalC
 * (when given) and, when `tape` is given, what recurrentBackward needs.
 *
 * @example
 * ```ts
 * kernels.recurrentForward(spec, { x, packed, sequence, finalH, tape });   // sequence [B][T][U], finalH [B][U]
 * ```
 */
export function recurrentForward(spec: RecurrentSpec, buffers: RecurrentForwardBuffers): void {
  const what = 'recurrentForward';
  const r = resolve(what, spec);
  options(what, 'buffers', buffers, FORWARD_KEYS);
  const regions = arena(what);
  const { B, T, F, U } = r;
  const state = B * U;
  const x = regions.checkArgument(what, 'x', buffers.x, B * T * F);
  const packed = packedOffset(what, r, buffers.packed, false);
  const h0 = optional(what, 'h0', buffers.h0, state);
  const c0 = r.cell === 'lstm' ? optional(what, 'c0', buffers.c0, state) : absent(what, 'c0', buffers.c0, 'the cell is not an LSTM');
  const masks = maskOffsets(what, r, buffers);
  const y = optional(what, 'sequence', buffers.sequence, B * T * U);
  const hOut = optional(what, 'finalH', buffers.finalH, state);
  const cOut = r.cell === 'lstm' ? optional(what, 'finalC', buffers.finalC, state) : absent(what, 'finalC', buffers.finalC, 'the cell is not an LSTM');
  const exports = kernels(what);
  const tapeFloats = exports.rnnTapeSize(r.code, B, T, U);
  const tape = optional(what, 'tape', buffers.tape, tapeFloats);

  const inputs = [span('x', x, B * T * F), span('packed', packed, buffers.packed.region.length), span('mask', masks.mask, masks.mask ? B * T : 0), span('inputDropoutMask', masks.inputDropout, masks.inputDropout ? B * F : 0), span('recurrentDropoutMask', masks.recurrentDropout, masks.recurrentDropout ? state : 0)];
  const outputs = [span('sequence', y, y ? B * T * U : 0), span('finalH', hOut, hOut ? state : 0), span('finalC', cOut, cOut ? state : 0), span('tape', tape, tape ? tapeFloats : 0)];
  pairwiseDisjoint(what, outputs);
  disjoint(what, outputs, inputs);
  // A stateful layer carries its state in place: h0 may be finalH itself (and c0 finalC).
  disjoint(what, outputs, [span('h0', h0, state), span('c0', c0, state)], [['finalH', 'h0'], ['finalC', 'c0']]);

  const flags = (r.goBackwards ? GO_BACKWARDS : 0) | (r.zeroOutputForMask ? ZERO_MASKED_OUTPUT : 0) | (r.resetAfter ? RESET_AFTER : 0);
  const workFlags = flags | (tape ? TRAINING : 0);
  const scratch = new Scratch();
  const work = scratch.take(exports.rnnWorkSize(r.code, B, T, F, U, workFlags));
  const maskAt = masks.lengths ? scratch.take(B * T) : masks.mask;
  const hAt = hOut || scratch.take(state);
  const cAt = r.cell === 'lstm' ? cOut || scratch.take(state) : 0;
  const split = batchSplit(r);
  regions.withScratch(what, scratch.floats, (base) => {
    if (masks.lengths) writeLengths(regions, base + maskAt, masks.lengths, B, T);
    const args = [
      r.code, B, T, F, U, flags, ACTIVATIONS[r.activation], ACTIVATIONS[r.recurrentActivation],
      x, packed, h0, c0, masks.lengths ? base + maskAt : maskAt, masks.inputDropout, masks.recurrentDropout,
      y, hOut || base + hAt, r.cell === 'lstm' ? cOut || base + cAt : 0, tape, base + work,
    ];
    if (split) split.pool.run(split.shares.map(([b0, b1]): PoolJob => ({ kernel: 'rnnForwardRows', args: [...args, b0, b1] })));
    else exports.rnnForward(...(args as Parameters<RecurrentExports['rnnForward']>));
  });
  if (buffers.tape) {
    const block = buffers.tape.block;
    if (!tapes.has(block)) tapes.set(block, new Map());
    tapes.get(block)!.set(tape, tapeSignature(r, masks));
  }
}

/**
 * Backward pass through the forward that filled `tape`; every gradient accumulates (+=), so
 * zero them (kernels.fill) before a new batch.
 *
 * @example
 * ```ts
 * kernels.recurrentBackward(spec, { x, packed, tape, dSequence, dx, dKernel, dRecurrentKernel, dBias });
 * ```
 */
export function recurrentBackward(spec: RecurrentSpec, buffers: RecurrentBackwardBuffers): void {
  const what = 'recurrentBackward';
  const r = resolve(what, spec);
  options(what, 'buffers', buffers, BACKWARD_KEYS);
  const regions = arena(what);
  const { B, T, F, U } = r;
  const state = B * U;
  const gu = r.gates * U;
  const lstm = r.cell === 'lstm';
  const x = regions.checkArgument(what, 'x', buffers.x, B * T * F);
  const packed = packedOffset(what, r, buffers.packed, true);
  const masks = maskOffsets(what, r, buffers);
  const exports = kernels(what);
  const tapeFloats = exports.rnnTapeSize(r.code, B, T, U);
  if (buffers.tape === undefined) throw new TypeError(`${what}(tape): expected the tape region a training forward filled, got undefined`);
  const tape = regions.checkArgument(what, 'tape', buffers.tape, tapeFloats);
  const filled = tapes.get(buffers.tape.block)?.get(tape);
  const signature = tapeSignature(r, masks);
  if (filled === undefined) throw new RangeError(`${what}(tape): the region was not filled by recurrentForward; run the forward pass with this tape first`);
  if (filled !== signature) throw new RangeError(`${what}(tape): filled by a forward pass of ${filled}, but this call is ${signature} (cell/batch/steps/features/units/activation/recurrentActivation/useBias/resetAfter/goBackwards/zeroOutputForMask/padding/dropout masks)`);
  const dy = optional(what, 'dSequence', buffers.dSequence, B * T * U);
  const dhT = optional(what, 'dFinalH', buffers.dFinalH, state);
  const dcT = lstm ? optional(what, 'dFinalC', buffers.dFinalC, state) : absent(what, 'dFinalC', buffers.dFinalC, 'the cell is not an LSTM');
  const dx = optional(what, 'dx', buffers.dx, B * T * F);
  const dh0 = optional(what, 'dH0', buffers.dH0, state);
  const dc0 = lstm ? optional(what, 'dC0', buffers.dC0, state) : absent(what, 'dC0', buffers.dC0, 'the cell is not an LSTM');
  const dKernel = optional(what, 'dKernel', buffers.dKernel, F * gu);
  const dRecurrent = optional(what, 'dRecurrentKernel', buffers.dRecurrentKernel, U * gu);
  const dBias = r.useBias ? optional(what, 'dBias', buffers.dBias, biasFloats(r)) : absent(what, 'dBias', buffers.dBias, 'useBias is false');

  const inputs = [
    span('x', x, B * T * F), span('packed', packed, buffers.packed.region.length), span('tape', tape, tapeFloats),
    span('mask', masks.mask, masks.mask ? B * T : 0), span('inputDropoutMask', masks.inputDropout, masks.inputDropout ? B * F : 0),
    span('recurrentDropoutMask', masks.recurrentDropout, masks.recurrentDropout ? state : 0),
    span('dSequence', dy, dy ? B * T * U : 0), span('dFinalH', dhT, dhT ? state : 0), span('dFinalC', dcT, dcT ? state : 0),
  ];
  const outputs = [
    span('dx', dx, dx ? B * T * F : 0), span('dH0', dh0, dh0 ? state : 0), span('dC0', dc0, dc0 ? state : 0),
    span('dKernel', dKernel, dKernel ? F * gu : 0), span('dRecurrentKernel', dRecurrent, dRecurrent ? U * gu : 0), span('dBias', dBias, dBias ? biasFloats(r) : 0),
  ];
  disjoint(what, outputs, inputs.filter((s) => s.name !== 'tape'));
  pairwiseDisjoint(what, outputs);
  // The tape is overwritten with gate gradients: it may not hold an output either.
  disjoint(what, outputs, [inputs[2]]);

  const flags = (r.goBackwards ? GO_BACKWARDS : 0) | (r.zeroOutputForMask ? ZERO_MASKED_OUTPUT : 0) | (r.resetAfter ? RESET_AFTER : 0);
  const scratch = new Scratch();
  const work = scratch.take(exports.rnnWorkSize(r.code, B, T, F, U, flags | TRAINING));
  const maskAt = masks.lengths ? scratch.take(B * T) : 0;
  const split = batchSplit(r);
  // Each thread's workspace: its shares' dG_t·Wᵀ rows, then the chunk buffers of the weight gradients.
  const threadFloats = split ? Math.ceil(Math.max(split.widest * Math.ceil(F / 8) * 8, exports.rnnChunkWorkSize(r.code, B, T, F, U)) / 16) * 16 : 0;
  const threadWork = split ? scratch.take(split.pool.threads * threadFloats) : 0;
  regions.withScratch(what, scratch.floats, (base) => {
    if (masks.lengths) writeLengths(regions, base + maskAt, masks.lengths, B, T);
    const mask = masks.lengths ? base + maskAt : masks.mask;
    const activations = [ACTIVATIONS[r.activation], ACTIVATIONS[r.recurrentActivation]];
    if (!split) {
      exports.rnnBackward(
        r.code, B, T, F, U, flags, activations[0], activations[1], r.maxSteps,
        x, packed, mask, masks.inputDropout, masks.recurrentDropout, tape,
        dy, dhT, dcT, dx, dh0, dc0, dKernel, dRecurrent, dBias, base + work,
      );
      return;
    }
    // Gate gradients, dx, dh0 and dc0 by shares of the batch; then, once every sample's dG is
    // final, the weight gradients by shares of their columns: together rnnBackward's bits.
    const scratchOf = (argument: number) => ({ argument, stride: 4 * threadFloats });
    split.pool.run(split.shares.map(([b0, b1]): PoolJob => ({
      kernel: 'rnnBackwardRows',
      args: [r.code, B, T, F, U, flags, ...activations, r.maxSteps, x, packed, mask, masks.inputDropout, masks.recurrentDropout, tape, dy, dhT, dcT, dx, dh0, dc0, base + work, b0, b1, base + threadWork],
      scratch: scratchOf(24),
    })));
    if (!dKernel && !dRecurrent && !dBias) return;
    split.pool.run(columnShares(split.pool, gu).map(([j0, j1]): PoolJob => ({
      kernel: 'rnnWeightGradients',
      args: [r.code, B, T, F, U, flags, r.maxSteps, x, mask, masks.inputDropout, tape, base + work, dKernel, dRecurrent, dBias, j0, j1, base + threadWork],
      scratch: scratchOf(17),
    })));
  });
  // The tape now holds gradients: a second backward needs a fresh forward.
  tapes.get(buffers.tape.block)?.delete(tape);
}

// ---------------------------------------------------------------------------------------------
// Threads (runtime/threads.ts). A sample's forward and backward through the time loop touch
// only its own rows, so pool threads each run the whole loop over a share of the batch, with
// no barrier per step; the weight gradients (sums over samples and steps) are shared out by
// their columns instead. GEMM rows and columns are computed independently of the rows and
// columns beside them, so every thread count gives the bits of one thread.

/**
 * Below this many multiply-adds in the layer's forward (B·T·gU·(F + U)) it stays on one thread:
 * a pool call costs some microseconds of Atomics traffic (the GEMMs' threshold, kernels/gemm.ts).
 */
const PARALLEL_MIN_WORK = 1 << 19;

/**
 * Shares of the batch per thread: threads claim shares as they go, so a descheduled thread
 * holds up little. A share costs little: the recurrent weights are streamed once per row
 * tile whatever the share size.
 */
const BATCH_SHARES_PER_THREAD = 4;

/** Shares of the gradient columns per thread: each transposes x and h for itself, so fewer. */
const COLUMN_SHARES_PER_THREAD = 2;

/** Rows per GEMM micro-tile (TILE_ROWS in assembly/gemm.ts): shares of large batches are whole tiles. */
const TILE_ROWS = 5;

/** Columns per packed panel (PANEL_COLUMNS in assembly/gemm.ts). */
const PANEL_COLUMNS = 8;

/** Sample ranges [b0, b1) for the pool when threads run and the layer is worth splitting. */
function batchSplit(r: Resolved): { pool: ThreadPool; shares: Array<[number, number]>; widest: number } | undefined {
  const pool = threadPool();
  if (!pool || r.B < 2 || r.B * r.T * r.gates * r.U * (r.F + r.U) < PARALLEL_MIN_WORK) return undefined;
  const wanted = Math.min(pool.threads * BATCH_SHARES_PER_THREAD, r.B, MAX_CHUNKS);
  const unit = r.B >= TILE_ROWS * wanted ? TILE_ROWS : 1;
  const shares = evenShares(Math.ceil(r.B / unit), wanted, unit, r.B);
  return { pool, shares, widest: Math.max(...shares.map(([b0, b1]) => b1 - b0)) };
}

/** Column ranges [j0, j1) of the gU gradient columns, in whole panels. */
function columnShares(pool: ThreadPool, gu: number): Array<[number, number]> {
  const panels = Math.ceil(gu / PANEL_COLUMNS);
  return evenShares(panels, Math.min(pool.threads * COLUMN_SHARES_PER_THREAD, panels, MAX_CHUNKS), PANEL_COLUMNS, gu);
}

/** `parts` ranges of `units` units of `size`, as even as whole units allow, the last ending at `end`. */
function evenShares(units: number, parts: number, size: number, end: number): Array<[number, number]> {
  return Array.from({ length: parts }, (_, i): [number, number] => [size * Math.floor((i * units) / parts), Math.min(end, size * Math.floor(((i + 1) * units) / parts))]);
}

// ---------------------------------------------------------------------------------------------
// Checks.

interface MaskOffsets {
  lengths?: Int32Array;
  mask: number;
  inputDropout: number;
  recurrentDropout: number;
  padded: 'none' | 'lengths' | 'mask';
}

function maskOffsets(what: string, r: Resolved, buffers: RecurrentMasks): MaskOffsets {
  const { B, T } = r;
  if (buffers.lengths !== undefined && buffers.mask !== undefined) throw new TypeError(`${what}(lengths, mask): give one of them, not both`);
  let lengths: Int32Array | undefined;
  if (buffers.lengths !== undefined) {
    const given = buffers.lengths;
    if (given === null || typeof given !== 'object' || typeof given.length !== 'number') throw new TypeError(`${what}(lengths): expected an array of ${B} integers, got ${show(given)}`);
    if (given.length !== B) throw new RangeError(`${what}(lengths): expected ${B} entries (one per sample), got ${given.length}`);
    lengths = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const n = given[b];
      if (!Number.isInteger(n) || n < 0 || n > T) throw new RangeError(`${what}(lengths[${b}]): expected an integer in [0, ${T}], got ${show(n)}`);
      lengths[b] = n;
    }
  }
  return {
    lengths,
    mask: optional(what, 'mask', buffers.mask, B * T),
    inputDropout: optional(what, 'inputDropoutMask', buffers.inputDropoutMask, B * r.F),
    recurrentDropout: optional(what, 'recurrentDropoutMask', buffers.recurrentDropoutMask, B * r.U),
    padded: lengths ? 'lengths' : buffers.mask ? 'mask' : 'none',
  };
}

/** What packed weights record of the spec they were packed for, and where a resolved spec holds it. */
const PACKED_FOR: readonly [keyof PackedRecurrentWeights, (r: Resolved) => unknown][] = [
  ['cell', (r) => r.cell],
  ['features', (r) => r.F],
  ['units', (r) => r.U],
  ['resetAfter', (r) => r.resetAfter],
  ['useBias', (r) => r.useBias],
];

function packedOffset(what: string, r: Resolved, packed: PackedRecurrentWeights, backward: boolean): number {
  if (typeof packed !== 'object' || packed === null || !('region' in packed)) {
    throw new TypeError(`${what}(packed): expected the result of packRecurrentWeights, got ${show(packed)}`);
  }
  for (const [key, of] of PACKED_FOR) {
    const value = of(r);
    const actual = packed[key];
    if (actual !== value) throw new RangeError(`${what}(packed.${key}): the weights were packed for ${key} = ${show(actual)}, but the spec has ${show(value)}`);
  }
  if (backward && !packed.withBackward) throw new RangeError(`${what}(packed): packed without the transposes backward needs; pack with { withBackward: true }`);
  const floats = kernels(what).rnnPackedSize(r.code, r.F, r.U, packed.withBackward ? WITH_BACKWARD : 0);
  return arena(what).checkArgument(what, 'packed.region', packed.region, floats);
}

/** A region's byte offset, or 0 when it is undefined. */
function optional(what: string, name: string, region: F32Region | undefined, floats: number): number {
  return region === undefined ? 0 : arena(what).checkArgument(what, name, region, floats);
}

function absent(what: string, name: string, region: F32Region | undefined, why: string): number {
  if (region !== undefined) throw new TypeError(`${what}(${name}): expected undefined since ${why}, got ${show(region)}`);
  return 0;
}

interface Span {
  name: string;
  offset: number;
  floats: number;
}

function span(name: string, offset: number, floats: number): Span {
  return { name, offset, floats: offset ? floats : 0 };
}

function overlaps(a: Span, b: Span): boolean {
  return a.floats > 0 && b.floats > 0 && a.offset < b.offset + 4 * b.floats && b.offset < a.offset + 4 * a.floats;
}

/** No output may share a byte with an input, except the listed [output, input] pairs when they are the same region. */
function disjoint(what: string, outputs: Span[], inputs: Span[], sameAllowed: [string, string][] = []): void {
  for (const o of outputs) {
    for (const i of inputs) {
      if (!overlaps(o, i)) continue;
      if (o.offset === i.offset && o.floats === i.floats && sameAllowed.some(([a, b]) => a === o.name && b === i.name)) continue;
      throw new RangeError(`${what}(${o.name}): expected no overlap with ${i.name}${sameAllowed.some(([a]) => a === o.name) ? ' (or the very same region)' : ''}, but bytes [${o.offset}, ${o.offset + 4 * o.floats}) and [${i.offset}, ${i.offset + 4 * i.floats}) overlap`);
    }
  }
}

function pairwiseDisjoint(what: string, spans: Span[]): void {
  for (let i = 0; i < spans.length; i++) for (let j = i + 1; j < spans.length; j++) disjoint(what, [spans[i]], [spans[j]]);
}

/** Argument `argument` of `what` is an object with only `keys`. */
function options<T extends object>(what: string, argument: string, value: T, keys: Set<string>): void {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${what}(${argument}): expected an object, got ${show(value)}`);
  for (const key of Object.keys(value)) {
    if (!keys.has(key)) throw new TypeError(`${what}(${argument}): unknown option ${JSON.stringify(key)}; expected one of ${[...keys].join(', ')}`);
  }
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  return value.constructor?.name ?? 'object';
}

// ---------------------------------------------------------------------------------------------
// Scratch: the parts of one call's workspace, 64-byte aligned, laid out before the arena
// lends the whole of it for the call (Arena.withScratch) and takes it back afterwards.

class Scratch {
  /** Floats reserved so far. */
  floats = 0;

  /** Reserves `floats` and returns their byte offset relative to the scratch base. */
  take(floats: number): number {
    const at = this.floats;
    this.floats += Math.ceil(floats / 16) * 16;
    return 4 * at;
  }
}

function writeLengths(regions: ReturnType<typeof arena>, offset: number, lengths: Int32Array, B: number, T: number): void {
  const view = regions.f32.subarray(offset >> 2, (offset >> 2) + B * T);
  for (let b = 0; b < B; b++) {
    const row = view.subarray(b * T, (b + 1) * T);
    row.fill(1, 0, lengths[b]);
    row.fill(0, lengths[b]);
  }
}

function kernels(what: string): RecurrentExports {
  return wasm(what) as unknown as RecurrentExports;
}
