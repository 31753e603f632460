// The time loop shared by SimpleRNN, LSTM and GRU: step order (goBackwards), masking,
// dropout masks, initial and final states, sequence outputs, and full or truncated BPTT.
// A cell only says what one step of one sample computes (see Cell); everything about time
// lives here, once.
//
// Semantics (Keras 3 `keras.layers.RNN` unless noted):
// - Steps run in processing order s = 0..T−1 over input time t = s, or t = T−1−s with
//   goBackwards. A sequence output is stored by processing order, so with goBackwards the
//   returned sequence is reversed, as in Keras.
// - A masked step (mask[b][t] false, or t ≥ lengths[b]) leaves every state unchanged and
//   gets no gradient. Its sequence output is zero when zeroOutputForMask (what Keras's
//   Bidirectional forces and what cuDNN returns); otherwise (the default, Keras's
//   zero_output_for_mask=False) it is the carried h, as in TF.js and Keras. Before
//   the first real step the carried h is the initial state (TF.js; Keras's TF backend
//   starts from zeros there, which differs only with a non-zero initialState). Without
//   returnSequences the output is the final h, the state after the last real step, whatever
//   zeroOutputForMask says (Keras documents the option as used only with return_sequences).
// - Dropout masks are explicit: inputDropoutMask [B][F] multiplies x_t at every step,
//   recurrentDropoutMask [B][U] multiplies h_{t−1} where it enters the recurrent kernel only
//   (never the carried state, e.g. not the z⊙h_{t−1} term of GRU). Values are already
//   scaled (0 or 1/(1−rate)), so the seeded masks of the Wasm layers can be replayed here.
// - maxSteps (backward only) truncates BPTT per sample to the last maxSteps real steps in
//   processing order: gradients flow into those steps only. Upstream gradients of outputs
//   produced before that window are ignored, the inputs and weights there get nothing, and
//   the initial-state gradient is zero. Equivalently: the gradient of the same loss with
//   the state entering the window held constant and every earlier step masked out.
import { activate, activateGrad, type ElementwiseActivation } from './activations.js';
import { checkLength, maskFromLengths, row, sizeOf, type Mask, type Tensor, type TensorLike } from './tensor.js';

export interface RnnWeights {
  kernel: ArrayLike<number>; // (F, G·U)
  recurrentKernel: ArrayLike<number>; // (U, G·U)
  bias?: ArrayLike<number>; // G·U values (GRU resetAfter: (2, 3U)); absent when useBias is false
}

export interface RnnGradients {
  kernel: Float64Array;
  recurrentKernel: Float64Array;
  bias?: Float64Array;
}

export interface RnnOptions {
  activation?: ElementwiseActivation; // default tanh
  returnSequences?: boolean;
  goBackwards?: boolean;
  initialState?: ArrayLike<number>[]; // [h] or [h, c], each [B][U]; default zeros
  mask?: Mask; // [B][T]
  lengths?: ArrayLike<number>; // [B]: steps t < lengths[b] are real (instead of mask)
  zeroOutputForMask?: boolean; // default false
  inputDropoutMask?: ArrayLike<number>; // [B][F]
  recurrentDropoutMask?: ArrayLike<number>; // [B][U]
  maxSteps?: number; // backward only; default: full BPTT
}

/** The final states are always returned (returnState only decides what a layer shows). */
export interface RnnOutput {
  output: Tensor; // [B][T][U] with returnSequences, else [B][U]
  states: Tensor[]; // [h] or [h, c], each [B][U]
}

/** Upstream gradients of a scalar loss; any part may be missing (= zero). */
export interface RnnUpstream {
  dOutput?: ArrayLike<number>; // shaped like output
  dStates?: (ArrayLike<number> | undefined)[]; // shaped like states
}

export interface RnnBackward {
  dx: Float64Array; // [B][T][F]
  dInitialState: Float64Array[]; // like states
  dWeights: RnnGradients;
}

/** What one step of one sample sees: x (F) and hIn (U) carry the dropout masks, prev does not. */
export interface StepInput {
  x: Float64Array;
  hIn: Float64Array;
  prev: Float64Array[];
}

/** One cell type: its weight shapes and one step forward and backward. */
export interface Cell<Cache> {
  readonly gates: number; // G: kernel (F, G·U)
  readonly stateCount: number; // 1: [h]; 2: [h, c]
  biasShape(units: number): number[];
  forward(w: RnnWeights, units: number, input: StepInput): { next: Float64Array[]; cache: Cache };
  /**
   * Given dNext (gradients of the next states), accumulates the weight gradients into g, adds
   * the gradients of input.x into dx and of input.hIn into dhIn, and returns the gradients
   * of input.prev through every other path.
   */
  backward(w: RnnWeights, units: number, input: StepInput, cache: Cache, dNext: Float64Array[], g: RnnGradients, dx: Float64Array, dhIn: Float64Array): Float64Array[];
}

export type RecurrentActivation = 'sigmoid' | 'hardSigmoid';

/** act(a) and act'(a) of a vector, for cells. */
export const act = (kind: ElementwiseActivation, a: Float64Array): Float64Array => a.map((v) => activate(kind, v));
export const actGrad = (kind: ElementwiseActivation, a: Float64Array): Float64Array => a.map((v) => activateGrad(kind, v));

interface Dims {
  B: number;
  T: number;
  F: number;
  U: number;
}

function dimsOf(cell: Cell<unknown>, x: TensorLike, w: RnnWeights, o: RnnOptions): Dims {
  if (x.shape.length !== 3) throw new Error(`rnn: input must be [B][T][F], got [${x.shape}]`);
  const [B, T, F] = x.shape;
  checkLength('rnn x', x.data, sizeOf(x.shape));
  const G = cell.gates;
  const U = w.kernel.length / (F * G);
  if (!Number.isInteger(U) || U < 1) throw new Error(`rnn: kernel length ${w.kernel.length} is not (${F}, ${G}·U)`);
  checkLength('rnn recurrentKernel', w.recurrentKernel, U * G * U);
  if (w.bias !== undefined) checkLength('rnn bias', w.bias, sizeOf(cell.biasShape(U)));
  if (o.mask !== undefined && o.lengths !== undefined) throw new Error('rnn: give mask or lengths, not both');
  if (o.initialState !== undefined) {
    checkLength('rnn initialState', o.initialState, cell.stateCount);
    o.initialState.forEach((s, i) => checkLength(`rnn initialState[${i}]`, s, B * U));
  }
  if (o.inputDropoutMask !== undefined) checkLength('rnn inputDropoutMask', o.inputDropoutMask, B * F);
  if (o.recurrentDropoutMask !== undefined) checkLength('rnn recurrentDropoutMask', o.recurrentDropoutMask, B * U);
  if (o.maxSteps !== undefined && !(Number.isInteger(o.maxSteps) && o.maxSteps >= 1)) throw new Error(`rnn: maxSteps ${o.maxSteps} is not a positive integer`);
  return { B, T, F, U };
}

/** isReal(b, t): whether step t of sample b is real (not masked). */
function realSteps(o: RnnOptions, B: number, T: number): (b: number, t: number) => boolean {
  const mask = o.lengths !== undefined ? maskFromLengths(o.lengths, T) : o.mask;
  if (mask === undefined) return () => true;
  checkLength('rnn mask', mask, B * T);
  return (b, t) => Boolean(mask[b * T + t]);
}

interface Trace<Cache> {
  dims: Dims;
  isReal: (b: number, t: number) => boolean;
  time: (s: number) => number; // processing step -> input time
  steps: ({ input: StepInput; cache: Cache } | undefined)[]; // [B][T] by processing step; undefined when masked
  result: RnnOutput;
}

function run<Cache>(cell: Cell<Cache>, x: TensorLike, w: RnnWeights, o: RnnOptions): Trace<Cache> {
  const dims = dimsOf(cell, x, w, o);
  const { B, T, F, U } = dims;
  const isReal = realSteps(o, B, T);
  const time = (s: number): number => (o.goBackwards ? T - 1 - s : s);
  const zeroOutputForMask = o.zeroOutputForMask ?? false;
  const steps: Trace<Cache>['steps'] = new Array(B * T);
  const output = new Float64Array(o.returnSequences ? B * T * U : B * U);
  const states = Array.from({ length: cell.stateCount }, () => new Float64Array(B * U));
  for (let b = 0; b < B; b++) {
    let state = states.map((_, i) => (o.initialState ? row(o.initialState[i], b * U, U) : new Float64Array(U)));
    for (let s = 0; s < T; s++) {
      const t = time(s);
      if (isReal(b, t)) {
        const input = {
          x: row(x.data, (b * T + t) * F, F, o.inputDropoutMask, b * F),
          hIn: row(state[0], 0, U, o.recurrentDropoutMask, b * U),
          prev: state,
        };
        const { next, cache } = cell.forward(w, U, input);
        steps[b * T + s] = { input, cache };
        state = next;
      }
      if (o.returnSequences && (isReal(b, t) || !zeroOutputForMask)) output.set(state[0], (b * T + s) * U);
    }
    state.forEach((v, i) => states[i].set(v, b * U));
    if (!o.returnSequences) output.set(state[0], b * U);
  }
  return {
    dims,
    isReal,
    time,
    steps,
    result: { output: { shape: o.returnSequences ? [B, T, U] : [B, U], data: output }, states: states.map((data) => ({ shape: [B, U], data })) },
  };
}

function backwardThrough<Cache>(cell: Cell<Cache>, x: TensorLike, w: RnnWeights, o: RnnOptions, up: RnnUpstream): RnnBackward {
  const { dims, isReal, time, steps } = run(cell, x, w, o);
  const { B, T, F, U } = dims;
  const zeroOutputForMask = o.zeroOutputForMask ?? false;
  if (up.dOutput !== undefined) checkLength('rnn dOutput', up.dOutput, o.returnSequences ? B * T * U : B * U);
  up.dStates?.forEach((d, i) => d !== undefined && checkLength(`rnn dStates[${i}]`, d, B * U));
  const g: RnnGradients = {
    kernel: new Float64Array(w.kernel.length),
    recurrentKernel: new Float64Array(w.recurrentKernel.length),
    bias: w.bias === undefined ? undefined : new Float64Array(w.bias.length),
  };
  const dx = new Float64Array(B * T * F);
  const dInitialState = Array.from({ length: cell.stateCount }, () => new Float64Array(B * U));
  for (let b = 0; b < B; b++) {
    // dState[i]: gradient of the loss w.r.t. state i as it stands after processing step s.
    let dState = dInitialState.map((_, i) => {
      const d = up.dStates?.[i];
      return d === undefined ? new Float64Array(U) : row(d, b * U, U);
    });
    if (!o.returnSequences && up.dOutput !== undefined) for (let j = 0; j < U; j++) dState[0][j] += up.dOutput[b * U + j];
    let windowLeft = o.maxSteps ?? Infinity;
    for (let s = T - 1; s >= 0; s--) {
      const t = time(s);
      const real = isReal(b, t);
      if (real && windowLeft === 0) {
        // Truncated: this and every earlier step lie outside the window.
        dState = dState.map(() => new Float64Array(U));
        break;
      }
      // A masked step's output is zero or the carried h: the state as it stands after step s.
      if (o.returnSequences && up.dOutput !== undefined && (real || !zeroOutputForMask)) {
        for (let j = 0; j < U; j++) dState[0][j] += up.dOutput[(b * T + s) * U + j];
      }
      const step = steps[b * T + s];
      if (step === undefined) continue; // masked: states pass through unchanged
      windowLeft--;
      const dxStep = new Float64Array(F);
      const dhIn = new Float64Array(U);
      const dPrev = cell.backward(w, U, step.input, step.cache, dState, g, dxStep, dhIn);
      for (let k = 0; k < F; k++) dx[(b * T + t) * F + k] = dxStep[k] * (o.inputDropoutMask?.[b * F + k] ?? 1);
      for (let j = 0; j < U; j++) dPrev[0][j] += dhIn[j] * (o.recurrentDropoutMask?.[b * U + j] ?? 1);
      dState = dPrev;
    }
    dState.forEach((d, i) => dInitialState[i].set(d, b * U));
  }
  return { dx, dInitialState, dWeights: g };
}

/** Keras weight shapes of a recurrent layer (bias undefined when useBias is false). */
export interface RnnWeightShapes {
  kernel: number[];
  recurrentKernel: number[];
  bias?: number[];
}

export interface RecurrentLayer<O extends RnnOptions> {
  // x [B][T][F], Keras weights -> output [B][T][U] or [B][U], states [B][U] each
  forward(x: TensorLike, w: RnnWeights, options?: O): RnnOutput;
  // same arguments plus upstream gradients -> dx [B][T][F], dInitialState, dWeights
  backward(x: TensorLike, w: RnnWeights, options: O | undefined, upstream: RnnUpstream): RnnBackward;
  weightShapes(inputDim: number, units: number, options?: O & { useBias?: boolean }): RnnWeightShapes;
  parameterCount(inputDim: number, units: number, options?: O & { useBias?: boolean }): number;
}

/** A whole recurrent layer from the cell that options O select. */
export function recurrentLayer<O extends RnnOptions>(makeCell: (options: O) => Cell<unknown>): RecurrentLayer<O> {
  const weightShapes = (inputDim: number, units: number, options = {} as O & { useBias?: boolean }): RnnWeightShapes => {
    const cell = makeCell(options);
    return {
      kernel: [inputDim, cell.gates * units],
      recurrentKernel: [units, cell.gates * units],
      bias: options.useBias === false ? undefined : cell.biasShape(units),
    };
  };
  return {
    forward: (x, w, options = {} as O) => run(makeCell(options), x, w, options).result,
    backward: (x, w, options = {} as O, upstream) => backwardThrough(makeCell(options), x, w, options, upstream),
    weightShapes,
    parameterCount: (inputDim, units, options) => {
      const s = weightShapes(inputDim, units, options);
      return sizeOf(s.kernel) + sizeOf(s.recurrentKernel) + (s.bias ? sizeOf(s.bias) : 0);
    },
  };
}
