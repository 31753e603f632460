// LSTM, Keras gate order i, f, c, o:
//   z = x_t·W + h_{t−1}·U + b;  i = σ(z_i), f = σ(z_f), g = act(z_c), o = σ(z_o)
//   c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ act(c_t)
// (σ = recurrentActivation). kernel (F, 4U), recurrent_kernel (U, 4U), bias (4U);
// states [h, c]; Keras parameter count 4U·(F + U + 1).
import type { ElementwiseActivation } from './activations.js';
import { act, actGrad, recurrentLayer, type Cell, type RecurrentActivation, type RnnOptions } from './rnn.js';
import { affine, affineBackward, concat } from './tensor.js';

export interface LstmOptions extends RnnOptions {
  recurrentActivation?: RecurrentActivation; // default sigmoid (Keras 3; TF.js defaults to hardSigmoid)
}

function lstmCell(activation: ElementwiseActivation, recurrent: ElementwiseActivation): Cell<{ z: Float64Array; c: Float64Array }> {
  const gates = (z: Float64Array, U: number) => {
    const zi = z.subarray(0, U), zf = z.subarray(U, 2 * U), zc = z.subarray(2 * U, 3 * U), zo = z.subarray(3 * U);
    return { zi, zf, zc, zo, i: act(recurrent, zi), f: act(recurrent, zf), g: act(activation, zc), o: act(recurrent, zo) };
  };
  return {
    gates: 4,
    stateCount: 2,
    biasShape: (U) => [4 * U],
    forward(w, U, { x, hIn, prev: [, cPrev] }) {
      const z = affine(x, w.kernel, 4 * U, 0, 4 * U, w.bias);
      affine(hIn, w.recurrentKernel, 4 * U, 0, 4 * U).forEach((v, j) => (z[j] += v));
      const { i, f, g, o } = gates(z, U);
      const c = f.map((fj, j) => fj * cPrev[j] + i[j] * g[j]);
      const h = act(activation, c).map((tc, j) => o[j] * tc);
      return { next: [h, c], cache: { z, c } };
    },
    backward(w, U, { x, hIn, prev: [, cPrev] }, { z, c }, [dh, dc], grads, dx, dhIn) {
      const { zi, zf, zc, zo, i, f, g, o } = gates(z, U);
      const tc = act(activation, c);
      const dcTotal = actGrad(activation, c).map((d, j) => dc[j] + dh[j] * o[j] * d);
      const dz = concat(
        actGrad(recurrent, zi).map((d, j) => dcTotal[j] * g[j] * d),
        actGrad(recurrent, zf).map((d, j) => dcTotal[j] * cPrev[j] * d),
        actGrad(activation, zc).map((d, j) => dcTotal[j] * i[j] * d),
        actGrad(recurrent, zo).map((d, j) => dh[j] * tc[j] * d),
      );
      affineBackward(x, w.kernel, 4 * U, 0, dz, grads.kernel, dx, grads.bias);
      affineBackward(hIn, w.recurrentKernel, 4 * U, 0, dz, grads.recurrentKernel, dhIn);
      return [new Float64Array(U), dcTotal.map((d, j) => d * f[j])];
    },
  };
}

export const lstm = recurrentLayer((o: LstmOptions) => lstmCell(o.activation ?? 'tanh', o.recurrentActivation ?? 'sigmoid'));
