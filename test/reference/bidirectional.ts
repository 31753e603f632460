// Bidirectional (Keras 3 semantics): a forward copy of the layer runs on x, a backward copy
// runs with goBackwards over the whole padded sequence (the full time axis is reversed,
// not each sample's real part: with masking the leading padded steps of the reversed
// sequence are skipped, so each sample still starts from its last real step). With
// returnSequences the backward outputs are flipped back to input time before merging, and
// both copies run with zeroOutputForMask, which Keras forces when returning sequences,
// so padded positions are zero in both halves. States are [...forward, ...backward], and
// an initialState list splits the same way. A goBackwards layer makes the forward copy read
// backwards and the backward copy forwards (TF.js and Keras 2: go_backwards flipped); the
// backward outputs are still flipped, so both halves come out in reversed time.
import type { RecurrentLayer, RnnBackward, RnnGradients, RnnOptions, RnnOutput, RnnUpstream, RnnWeights } from './rnn.js';
import { checkLength, type TensorLike } from './tensor.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalWeights {
  forward: RnnWeights;
  backward: RnnWeights;
}

export type BidirectionalOptions<O extends RnnOptions> = Omit<O, 'zeroOutputForMask'> & {
  mergeMode?: MergeMode; // default concat
};

function directions<O extends RnnOptions>(options: BidirectionalOptions<O>): [O, O] {
  const half = (options.initialState?.length ?? 0) / 2;
  const common = { ...options, zeroOutputForMask: options.returnSequences ?? false } as unknown as O;
  return [
    { ...common, initialState: options.initialState?.slice(0, half) },
    { ...common, goBackwards: !options.goBackwards, initialState: options.initialState?.slice(half) },
  ];
}

/** a [B][T][n] with the time axis reversed. */
function reverseTime(a: ArrayLike<number>, B: number, T: number, n: number): Float64Array {
  const out = new Float64Array(B * T * n);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let j = 0; j < n; j++) out[(b * T + T - 1 - t) * n + j] = a[(b * T + t) * n + j];
  return out;
}

function runBoth<O extends RnnOptions>(layer: RecurrentLayer<O>, x: TensorLike, w: BidirectionalWeights, options: BidirectionalOptions<O>) {
  const [fo, bo] = directions(options);
  const yF = layer.forward(x, w.forward, fo);
  const yB = layer.forward(x, w.backward, bo);
  const [B, T] = x.shape;
  const U = yF.states[0].shape[1];
  const yBAligned = options.returnSequences ? reverseTime(yB.output.data, B, T, U) : yB.output.data;
  return { fo, bo, yF, yB, yBAligned, U, rows: yF.output.data.length / U };
}

// x [B][T][F] -> output [B][(T)][2U] (concat) or [B][(T)][U], states [...forward, ...backward]
export function forward<O extends RnnOptions>(layer: RecurrentLayer<O>, x: TensorLike, w: BidirectionalWeights, options: BidirectionalOptions<O>): RnnOutput {
  const { yF, yB, yBAligned, U, rows } = runBoth(layer, x, w, options);
  const f = yF.output.data;
  const mode = options.mergeMode ?? 'concat';
  const width = mode === 'concat' ? 2 * U : U;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < U; j++) {
      const a = f[r * U + j], b = yBAligned[r * U + j];
      if (mode === 'concat') {
        out[r * width + j] = a;
        out[r * width + U + j] = b;
      } else {
        out[r * width + j] = mode === 'sum' ? a + b : mode === 'mul' ? a * b : (a + b) / 2;
      }
    }
  }
  return { output: { shape: [...yF.output.shape.slice(0, -1), width], data: out }, states: [...yF.states, ...yB.states] };
}

// same arguments plus upstream gradients -> dx [B][T][F], dInitialState [...forward, ...backward], dWeights per direction
export function backward<O extends RnnOptions>(
  layer: RecurrentLayer<O>,
  x: TensorLike,
  w: BidirectionalWeights,
  options: BidirectionalOptions<O>,
  up: RnnUpstream,
): Omit<RnnBackward, 'dWeights'> & { dWeights: { forward: RnnGradients; backward: RnnGradients } } {
  const { fo, bo, yF, yBAligned, U, rows } = runBoth(layer, x, w, options);
  const mode = options.mergeMode ?? 'concat';
  let dF: Float64Array | undefined, dB: Float64Array | undefined;
  if (up.dOutput !== undefined) {
    const d = up.dOutput;
    checkLength('bidirectional dOutput', d, rows * (mode === 'concat' ? 2 * U : U));
    dF = new Float64Array(rows * U);
    dB = new Float64Array(rows * U);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < U; j++) {
        const i = r * U + j;
        if (mode === 'concat') {
          dF[i] = d[r * 2 * U + j];
          dB[i] = d[r * 2 * U + U + j];
        } else if (mode === 'mul') {
          dF[i] = d[i] * yBAligned[i];
          dB[i] = d[i] * yF.output.data[i];
        } else {
          dF[i] = dB[i] = mode === 'sum' ? d[i] : d[i] / 2;
        }
      }
    }
    if (options.returnSequences) dB = reverseTime(dB, x.shape[0], x.shape[1], U);
  }
  const n = yF.states.length;
  const gF = layer.backward(x, w.forward, fo, { dOutput: dF, dStates: up.dStates?.slice(0, n) });
  const gB = layer.backward(x, w.backward, bo, { dOutput: dB, dStates: up.dStates?.slice(n) });
  return {
    dx: gF.dx.map((v, i) => v + gB.dx[i]),
    dInitialState: [...gF.dInitialState, ...gB.dInitialState],
    dWeights: { forward: gF.dWeights, backward: gB.dWeights },
  };
}

/** Twice the wrapped layer's count (Keras). */
export function parameterCount(layerCount: number): number {
  return 2 * layerCount;
}
