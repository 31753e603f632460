// SimpleRNN (Elman): h_t = act(x_t·W + h_{t−1}·U + b).
// kernel (F, U), recurrent_kernel (U, U), bias (U); Keras parameter count U·(F + U + 1).
import type { ElementwiseActivation } from './activations.js';
import { act, actGrad, recurrentLayer, type Cell, type RnnOptions } from './rnn.js';
import { affine, affineBackward } from './tensor.js';

export type SimpleRnnOptions = RnnOptions;

function simpleRnnCell(activation: ElementwiseActivation): Cell<{ a: Float64Array }> {
  return {
    gates: 1,
    stateCount: 1,
    biasShape: (U) => [U],
    forward(w, U, { x, hIn }) {
      const a = affine(x, w.kernel, U, 0, U, w.bias);
      affine(hIn, w.recurrentKernel, U, 0, U).forEach((v, j) => (a[j] += v));
      return { next: [act(activation, a)], cache: { a } };
    },
    backward(w, U, { x, hIn }, { a }, [dh], g, dx, dhIn) {
      const da = actGrad(activation, a).map((d, j) => d * dh[j]);
      affineBackward(x, w.kernel, U, 0, da, g.kernel, dx, g.bias);
      affineBackward(hIn, w.recurrentKernel, U, 0, da, g.recurrentKernel, dhIn);
      return [new Float64Array(U)]; // h_{t−1} reaches this step only through hIn
    },
  };
}

export const simpleRNN = recurrentLayer((o: SimpleRnnOptions) => simpleRnnCell(o.activation ?? 'tanh'));
