// GRU, Keras gate order z, r, h (σ = recurrentActivation, x_* include the input bias):
//   z = σ(x_z + h_{t−1}·U_z + b^r_z),  r = σ(x_r + h_{t−1}·U_r + b^r_r)
//   resetAfter (Keras 3 default, cuDNN): ĥ = act(x_h + r ⊙ (h_{t−1}·U_h + b^r_h)),  bias (2, 3U) = [input; recurrent]
//   resetAfter false:                    ĥ = act(x_h + (r ⊙ h_{t−1})·U_h),          bias (3U), no recurrent bias
//   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ
// kernel (F, 3U), recurrent_kernel (U, 3U); Keras parameter count 3U·(F + U + 2), or 3U·(F + U + 1).
import type { ElementwiseActivation } from './activations.js';
import { act, actGrad, recurrentLayer, type Cell } from './rnn.js';
import type { LstmOptions } from './lstm.js';
import { affine, affineBackward, concat } from './tensor.js';

export interface GruOptions extends LstmOptions {
  resetAfter?: boolean; // default true (Keras 3)
}

interface GruCache {
  pz: Float64Array; // pre-activations of z, r, ĥ
  pr: Float64Array;
  ph: Float64Array;
  hU: Float64Array; // resetAfter: h_{t−1}·U_h + b^r_h
}

function gruCell(activation: ElementwiseActivation, recurrent: ElementwiseActivation, resetAfter: boolean): Cell<GruCache> {
  return {
    gates: 3,
    stateCount: 1,
    biasShape: (U) => (resetAfter ? [2, 3 * U] : [3 * U]),
    forward(w, U, { x, hIn, prev: [hPrev] }) {
      const xp = affine(x, w.kernel, 3 * U, 0, 3 * U, w.bias, 0);
      // resetAfter projects all three gates (with the recurrent bias, row 1 of bias); else only z, r.
      const hp = resetAfter ? affine(hIn, w.recurrentKernel, 3 * U, 0, 3 * U, w.bias, 3 * U) : affine(hIn, w.recurrentKernel, 3 * U, 0, 2 * U);
      const pz = xp.slice(0, U).map((v, j) => v + hp[j]);
      const pr = xp.slice(U, 2 * U).map((v, j) => v + hp[U + j]);
      const r = act(recurrent, pr);
      const hU = resetAfter ? hp.slice(2 * U) : new Float64Array(0);
      const recurrentH = resetAfter ? hU.map((v, j) => r[j] * v) : affine(r.map((rj, j) => rj * hIn[j]), w.recurrentKernel, 3 * U, 2 * U, U);
      const ph = xp.slice(2 * U).map((v, j) => v + recurrentH[j]);
      const z = act(recurrent, pz);
      const hh = act(activation, ph);
      const h = z.map((zj, j) => zj * hPrev[j] + (1 - zj) * hh[j]);
      return { next: [h], cache: { pz, pr, ph, hU } };
    },
    backward(w, U, { x, hIn, prev: [hPrev] }, { pz, pr, ph, hU }, [dh], g, dx, dhIn) {
      const z = act(recurrent, pz);
      const r = act(recurrent, pr);
      const hh = act(activation, ph);
      const dph = actGrad(activation, ph).map((d, j) => dh[j] * (1 - z[j]) * d);
      const dpz = actGrad(recurrent, pz).map((d, j) => dh[j] * (hPrev[j] - hh[j]) * d);
      let dr: Float64Array;
      if (resetAfter) {
        dr = dph.map((d, j) => d * hU[j]);
      } else {
        // ĥ's recurrent term is q·U_h with q = r ⊙ hIn
        const dq = new Float64Array(U);
        affineBackward(r.map((rj, j) => rj * hIn[j]), w.recurrentKernel, 3 * U, 2 * U, dph, g.recurrentKernel, dq);
        dr = dq.map((d, j) => d * hIn[j]);
        dq.forEach((d, j) => (dhIn[j] += d * r[j]));
      }
      const dpr = actGrad(recurrent, pr).map((d, j) => dr[j] * d);
      affineBackward(x, w.kernel, 3 * U, 0, concat(dpz, dpr, dph), g.kernel, dx, g.bias, 0);
      if (resetAfter) {
        const dhU = dph.map((d, j) => d * r[j]);
        affineBackward(hIn, w.recurrentKernel, 3 * U, 0, concat(dpz, dpr, dhU), g.recurrentKernel, dhIn, g.bias, 3 * U);
      } else {
        affineBackward(hIn, w.recurrentKernel, 3 * U, 0, concat(dpz, dpr), g.recurrentKernel, dhIn);
      }
      return [z.map((zj, j) => dh[j] * zj)]; // the carried z ⊙ h_{t−1} term
    },
  };
}

export const gru = recurrentLayer((o: GruOptions) => gruCell(o.activation ?? 'tanh', o.recurrentActivation ?? 'sigmoid', o.resetAfter ?? true));
