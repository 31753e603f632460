// The merge layers against TensorFlow.js Layers 4.22 (cpu backend): outputs within 1e-5 and
// the gradients of L = Σ dy·y w.r.t. every input within 1e-4, and the same Keras configs.
// TF.js has no Subtract layer: merge.test.ts checks it against the float64 reference.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../../src/layers/index.js';
import type { MultiInputLayer } from '../../src/layers/index.js';
import { uniform } from '../util/random.js';
import { expectClose, freeAll, randomFor, region } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(freeAll);

interface Case {
  name: string;
  ours: () => MultiInputLayer;
  theirs: () => tf.layers.Layer;
  shapes: number[][];
}

const cases: Case[] = [
  { name: 'add of three', ours: () => layers.add(), theirs: () => tf.layers.add(), shapes: [[3, 5], [3, 5], [3, 5]] },
  { name: 'multiply of three', ours: () => layers.multiply(), theirs: () => tf.layers.multiply(), shapes: [[3, 7], [3, 7], [3, 7]] },
  { name: 'average of three', ours: () => layers.average(), theirs: () => tf.layers.average(), shapes: [[2, 4, 3], [2, 4, 3], [2, 4, 3]] },
  { name: 'maximum', ours: () => layers.maximum(), theirs: () => tf.layers.maximum(), shapes: [[3, 17], [3, 17]] },
  { name: 'concatenate last axis', ours: () => layers.concatenate(), theirs: () => tf.layers.concatenate(), shapes: [[3, 2], [3, 5], [3, 1]] },
  { name: 'concatenate time axis', ours: () => layers.concatenate({ axis: 1 }), theirs: () => tf.layers.concatenate({ axis: 1 }), shapes: [[2, 3, 4], [2, 1, 4]] },
  { name: 'dot of vectors', ours: () => layers.dot({ axes: 1 }), theirs: () => tf.layers.dot({ axes: 1 }), shapes: [[3, 6], [3, 6]] },
  { name: 'dot of sequences, axes [2, 2]', ours: () => layers.dot({ axes: [2, 2] }), theirs: () => tf.layers.dot({ axes: [2, 2] }), shapes: [[2, 3, 5], [2, 4, 5]] },
  { name: 'dot of sequences, axes [1, 1]', ours: () => layers.dot({ axes: [1, 1] }), theirs: () => tf.layers.dot({ axes: [1, 1] }), shapes: [[2, 4, 3], [2, 4, 2]] },
  { name: 'dot of vectors, normalize', ours: () => layers.dot({ axes: 1, normalize: true }), theirs: () => tf.layers.dot({ axes: 1, normalize: true }), shapes: [[3, 6], [3, 6]] },
  { name: 'dot of sequences, axes [2, 1], normalize', ours: () => layers.dot({ axes: [2, 1], normalize: true }), theirs: () => tf.layers.dot({ axes: [2, 1], normalize: true }), shapes: [[2, 3, 4], [2, 4, 5]] },
];

describe('merge layers: TF.js parity', () => {
  for (const c of cases) {
    it(c.name, () => {
      const random = randomFor(`tfjs merge ${c.name}`);
      const inputs = c.shapes.map((s) => uniform(random, s.reduce((a, b) => a * b), -1.5, 1.5));
      const layer = c.ours();
      layer.buildInputs(c.shapes.map((s) => [null, ...s.slice(1)]), null);
      const plan = layer.planInputs(c.shapes, { training: true });
      plan.forward(inputs.map(region));
      const dy = uniform(random, plan.output.length);
      plan.backward(region(dy));

      const theirs = c.theirs();
      expect(theirs.getClassName()).toBe(layer.className);
      const outputs: Float32Array[] = [];
      const grads = tf.tidy(() => {
        const tensors = inputs.map((x, i) => tf.tensor(x, c.shapes[i]));
        const gradient = tf.grads((...xs: tf.Tensor[]) => {
          const y = theirs.apply(xs) as tf.Tensor;
          outputs.push(y.dataSync() as Float32Array);
          expect(y.shape).toEqual([...plan.outputShape]);
          return tf.sum(tf.mul(y, tf.tensor(dy, y.shape)));
        });
        return gradient(tensors).map((g) => g.dataSync() as Float32Array);
      });
      expectClose('output', plan.output.toArray(), outputs[0], 1e-5);
      grads.forEach((g, i) => expectClose(`dInputs[${i}]`, plan.dInputs[i]!.toArray(), g, 1e-4));
      const config = theirs.getConfig();
      for (const [key, value] of Object.entries(layer.getConfig())) if (key in config && key !== 'name' && key !== 'trainable') expect(config[key], key).toEqual(value);
      layer.dispose();
    });
  }
});
