// Element-wise activations and their derivatives, both taken at the pre-activation a.
// (The Wasm kernels take derivatives from stored outputs; the reference keeps the textbook
// form so that the two derivations check each other.)

export type ElementwiseActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'hardSigmoid' | 'hardSigmoidKeras3';
export type Activation = ElementwiseActivation | 'softmax';

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

export function activate(kind: ElementwiseActivation, a: number): number {
  switch (kind) {
    case 'linear':
      return a;
    case 'relu':
      return a > 0 ? a : 0;
    case 'sigmoid':
      return sigmoid(a);
    case 'tanh':
      return Math.tanh(a);
    case 'hardSigmoid': // TF.js / Keras 2: clip(0.2a + 0.5, 0, 1)
      return Math.min(1, Math.max(0, 0.2 * a + 0.5));
    case 'hardSigmoidKeras3': // Keras 3: relu6(a + 3) / 6
      return Math.min(6, Math.max(0, a + 3)) / 6;
  }
}

/** d activate(kind, a) / da. Kinks (relu at 0, hardSigmoid at ±2.5, hardSigmoidKeras3 at ±3) take the value 0. */
export function activateGrad(kind: ElementwiseActivation, a: number): number {
  switch (kind) {
    case 'linear':
      return 1;
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'sigmoid': {
      const s = sigmoid(a);
      return s * (1 - s);
    }
    case 'tanh': {
      const t = Math.tanh(a);
      return 1 - t * t;
    }
    case 'hardSigmoid':
      return a > -2.5 && a < 2.5 ? 0.2 : 0;
    case 'hardSigmoidKeras3':
      return a > -3 && a < 3 ? 1 / 6 : 0;
  }
}

