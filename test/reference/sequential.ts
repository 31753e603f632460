// Stacking: the reference layers behind one interface, run in sequence with the Keras mask
// flow (embedding maskZero / masking create a mask; recurrent layers consume it and pass
// it on only with returnSequences; dense passes it through unchanged). Like Keras and
// TF.js, a goBackwards layer passes the mask on unreversed although its sequence output
// is reversed.
import type { Activation } from './activations.js';
import * as bidirectional from './bidirectional.js';
import * as dense from './dense.js';
import * as embedding from './embedding.js';
import * as masking from './masking.js';
import type { RecurrentLayer, RnnGradients, RnnOptions, RnnWeights } from './rnn.js';
import type { Mask, Tensor, TensorLike } from './tensor.js';

export interface SequenceLayer {
  /** Weights in Keras getWeights() order, held by reference: changing them changes the layer. */
  weights: ArrayLike<number>[];
  // x, incoming mask -> y, outgoing mask
  forward(x: TensorLike, mask?: Mask): { y: Tensor; mask?: Mask };
  // x, incoming mask, dy -> dx (zeros for embedding ids), gradients in the order of weights
  backward(x: TensorLike, mask: Mask | undefined, dy: ArrayLike<number>): { dx: Float64Array; dWeights: Float64Array[] };
}

const rnnList = (w: RnnWeights): ArrayLike<number>[] => (w.bias === undefined ? [w.kernel, w.recurrentKernel] : [w.kernel, w.recurrentKernel, w.bias]);
const rnnGradList = (g: RnnGradients): Float64Array[] => (g.bias === undefined ? [g.kernel, g.recurrentKernel] : [g.kernel, g.recurrentKernel, g.bias]);

export const layers = {
  dense(w: dense.DenseWeights, activation: Activation = 'linear'): SequenceLayer {
    return {
      weights: w.bias === undefined ? [w.kernel] : [w.kernel, w.bias],
      forward: (x, mask) => ({ y: dense.forward(x, w, activation), mask }),
      backward: (x, _mask, dy) => {
        const { dx, dWeights: g } = dense.backward(x, w, activation, dy);
        return { dx, dWeights: g.bias === undefined ? [g.kernel] : [g.kernel, g.bias] };
      },
    };
  },

  embedding(embeddings: ArrayLike<number>, options: embedding.EmbeddingOptions): SequenceLayer {
    return {
      weights: [embeddings],
      forward: (ids) => {
        const { output, mask } = embedding.forward(ids, embeddings, options);
        return { y: output, mask };
      },
      backward: (ids, _mask, dy) => ({ dx: new Float64Array(ids.data.length), dWeights: [embedding.backward(ids, embeddings, options, dy)] }),
    };
  },

  masking(maskValue = 0): SequenceLayer {
    return {
      weights: [],
      forward: (x) => {
        const { output, mask } = masking.forward(x, maskValue);
        return { y: output, mask };
      },
      backward: (x, _mask, dy) => ({ dx: masking.backward(masking.forward(x, maskValue).mask, dy), dWeights: [] }),
    };
  },

  /** A recurrent layer; an incoming mask replaces options.mask, as Keras passes it along. */
  recurrent<O extends RnnOptions>(layer: RecurrentLayer<O>, w: RnnWeights, options: O): SequenceLayer {
    const withMask = (mask?: Mask): O => (mask === undefined ? options : { ...options, mask, lengths: undefined });
    return {
      weights: rnnList(w),
      forward: (x, mask) => ({ y: layer.forward(x, w, withMask(mask)).output, mask: options.returnSequences ? mask : undefined }),
      backward: (x, mask, dy) => {
        const { dx, dWeights } = layer.backward(x, w, withMask(mask), { dOutput: dy });
        return { dx, dWeights: rnnGradList(dWeights) };
      },
    };
  },

  bidirectional<O extends RnnOptions>(layer: RecurrentLayer<O>, w: bidirectional.BidirectionalWeights, options: bidirectional.BidirectionalOptions<O>): SequenceLayer {
    const withMask = (mask?: Mask) => (mask === undefined ? options : { ...options, mask, lengths: undefined });
    return {
      weights: [...rnnList(w.forward), ...rnnList(w.backward)],
      forward: (x, mask) => ({ y: bidirectional.forward(layer, x, w, withMask(mask)).output, mask: options.returnSequences ? mask : undefined }),
      backward: (x, mask, dy) => {
        const { dx, dWeights } = bidirectional.backward(layer, x, w, withMask(mask), { dOutput: dy });
        return { dx, dWeights: [...rnnGradList(dWeights.forward), ...rnnGradList(dWeights.backward)] };
      },
    };
  },
};

// x -> the last layer's output and mask
export function forward(stack: SequenceLayer[], x: TensorLike): { y: TensorLike; mask?: Mask } {
  let current: { y: TensorLike; mask?: Mask } = { y: x };
  for (const layer of stack) current = layer.forward(current.y, current.mask);
  return current;
}

// x, dy of the last output -> dx, and per layer its weight gradients
export function backward(stack: SequenceLayer[], x: TensorLike, dy: ArrayLike<number>): { dx: Float64Array; dWeights: Float64Array[][] } {
  const inputs: { y: TensorLike; mask?: Mask }[] = [{ y: x }];
  for (const layer of stack.slice(0, -1)) {
    const last = inputs[inputs.length - 1];
    inputs.push(layer.forward(last.y, last.mask));
  }
  const dWeights: Float64Array[][] = new Array(stack.length);
  let d: ArrayLike<number> = dy;
  for (let i = stack.length - 1; i >= 0; i--) {
    const r = stack[i].backward(inputs[i].y, inputs[i].mask, d);
    dWeights[i] = r.dWeights;
    d = r.dx;
  }
  return { dx: Float64Array.from(d), dWeights };
}
