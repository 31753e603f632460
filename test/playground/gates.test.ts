// The playground's gate read-out (playground/gates.ts) against the cell equations: the gates it
// rebuilds from getWeights() must give back the hidden states seqwasm's own kernels computed,
// h_t = o_t ⊙ tanh(c_t) with c_t = f_t ⊙ c_{t−1} + i_t ⊙ c̃_t for an LSTM and
// h_t = z_t ⊙ h_{t−1} + (1 − z_t) ⊙ h̃_t for a GRU (Keras 3, resetAfter). A gate block taken
// from the wrong columns, or a bias left out, breaks the identity.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, layers, prng, sequential, type Tensor } from 'seqwasm';
import { GateProbe } from '../../playground/gates.js';
import type { Heatmap } from '../../playground/protocol.js';

const [UNITS, FEATURES, STEPS] = [5, 3, 7];

beforeAll(() => init());

/** A trained-looking cell: seeded random weights, biases not zero; the sequence [1, T, F]. */
function setUp(cell: 'simpleRNN' | 'lstm' | 'gru', seed: number) {
  const rng = prng(seed);
  const model = sequential({ seed, layers: [layers[cell]({ units: UNITS, inputShape: [STEPS, FEATURES] })] });
  model.setWeights(model.getWeights().map((w) => ({ shape: w.shape, data: Float32Array.from(w.data, () => rng.float32() * 2 - 1) })));
  const x: Tensor = { shape: [1, STEPS, FEATURES], data: Float32Array.from({ length: STEPS * FEATURES }, () => rng.float32() * 2 - 1) };
  const probe = new GateProbe(model);
  const maps = Object.fromEntries(probe.heatmaps(x).map((m) => [m.title, m])) as Record<string, Heatmap>;
  const last = model.predict(x).data; // the layer's own h_T
  probe.dispose();
  model.dispose();
  const at = (title: string, t: number, u: number) => maps[title].values[t * UNITS + u];
  return { maps, last, at };
}

describe('playground gate read-out', () => {
  it('the hidden-state map ends in the h_T the model itself computes, bit for bit (SimpleRNN, LSTM, GRU)', () => {
    for (const cell of ['simpleRNN', 'lstm', 'gru'] as const) {
      const { maps, last } = setUp(cell, 3);
      expect(maps['hidden state h'].values.slice(-UNITS), cell).toEqual(Array.from(last));
      expect(Object.keys(maps).length, cell).toBe({ simpleRNN: 1, lstm: 6, gru: 4 }[cell]);
    }
  });

  it('LSTM: i, f, o and c̃ give back every h_t through the cell state', () => {
    const { at } = setUp('lstm', 5);
    for (let t = 0; t < STEPS; t++) {
      for (let u = 0; u < UNITS; u++) {
        const cell = at('forget gate f', t, u) * (t === 0 ? 0 : at('cell state c', t - 1, u)) + at('input gate i', t, u) * at('candidate c̃', t, u);
        expect(at('cell state c', t, u)).toBeCloseTo(cell, 6);
        expect(at('hidden state h', t, u)).toBeCloseTo(at('output gate o', t, u) * Math.tanh(cell), 5);
      }
    }
  });

  it('GRU: z and h̃ give back every h_t from h_{t−1}', () => {
    const { at } = setUp('gru', 7);
    for (let t = 0; t < STEPS; t++) {
      for (let u = 0; u < UNITS; u++) {
        const previous = t === 0 ? 0 : at('hidden state h', t - 1, u);
        const z = at('update gate z', t, u);
        expect(at('hidden state h', t, u)).toBeCloseTo(z * previous + (1 - z) * at('candidate h̃', t, u), 5);
      }
    }
  });
});
