// What the heatmaps show: the recurrent layer's hidden state at every step of one sequence,
// and, for LSTM and GRU, its gates. seqwasm has no public hook for gate activations (its
// kernels keep them inside the training tape), so this file takes them from the public API:
// a copy of the layer with returnSequences gives h_t for every step (the Wasm kernels' own
// bits); the gate pre-activations then come from getWeights() and h_{t-1} in plain
// arithmetic, and the library's activation kernels apply σ and tanh. The playground builds
// its cells with Keras's defaults (tanh, sigmoid gates, GRU resetAfter), which this assumes.
import { arena, kernels, layers, sequential, type Sequential, type Tensor } from 'seqwasm';
import type { Heatmap } from './protocol.js';

type GateActivation = 'sigmoid' | 'tanh';

/** Follows a model's first (recurrent) layer over a probe sequence. */
export class GateProbe {
  private readonly copy: Sequential;

  constructor(private readonly model: Sequential) {
    const layer = model.layers[0];
    const config = { ...layer.getConfig(), name: 'probe', batch_input_shape: [null, null, layer.builtInputShape!.at(-1)], return_sequences: true, return_state: false, stateful: false };
    this.copy = sequential({ layers: [layers.layerFromConfig({ class_name: layer.className, config })] });
  }

  heatmaps(probe: Tensor): Heatmap[] {
    const layer = this.model.layers[0];
    const weights = layer.getWeights();
    this.copy.setWeights(weights);
    const [, steps, features] = probe.shape;
    const hidden = this.copy.predict(probe).data; // [1, T, U]
    const units = hidden.length / steps;
    const map = (title: string, values: ArrayLike<number>, min = -1, max = 1): Heatmap => ({ title, units, steps, values: Array.from(values), min, max });
    const h = map('hidden state h', hidden);
    if (layer.className === 'SimpleRNN') return [h];

    const [kernel, recurrent, bias] = weights.map((w) => w.data);
    const gates = kernel.length / features / units;
    // Per step t: x_t·W and h_{t−1}·U, each [gates·U] (h_0 = 0).
    const inputPart = (t: number) => rowTimesMatrix(probe.data.subarray(t * features, (t + 1) * features), kernel, gates * units);
    const recurrentPart = (t: number) => (t === 0 ? new Float64Array(gates * units) : rowTimesMatrix(hidden.subarray((t - 1) * units, t * units), recurrent, gates * units));
    const gate = (pre: (t: number, u: number) => number, activation: GateActivation) => activate(Float32Array.from({ length: steps * units }, (_, i) => pre(Math.floor(i / units), i % units)), activation);
    const xs = Array.from({ length: steps }, (_, t) => inputPart(t));
    const hs = Array.from({ length: steps }, (_, t) => recurrentPart(t));

    if (layer.className === 'LSTM') {
      // Gate blocks i, f, c, o; bias [4U].
      const pre = (block: number) => (t: number, u: number) => xs[t][block * units + u] + hs[t][block * units + u] + bias[block * units + u];
      const [input, forget, candidate, output] = [gate(pre(0), 'sigmoid'), gate(pre(1), 'sigmoid'), gate(pre(2), 'tanh'), gate(pre(3), 'sigmoid')];
      const cell = new Float32Array(steps * units);
      for (let i = 0; i < cell.length; i++) cell[i] = forget[i] * (i < units ? 0 : cell[i - units]) + input[i] * candidate[i];
      const reach = Math.max(1, ...cell.map(Math.abs));
      return [h, map('cell state c', cell, -reach, reach), map('input gate i', input, 0, 1), map('forget gate f', forget, 0, 1), map('output gate o', output, 0, 1), map('candidate c̃', candidate)];
    }
    // GRU, resetAfter: gate blocks z, r, h; bias [2, 3U] = input bias, then recurrent bias.
    const width = gates * units;
    const xPart = (t: number, j: number) => xs[t][j] + bias[j];
    const hPart = (t: number, j: number) => hs[t][j] + bias[width + j];
    const update = gate((t, u) => xPart(t, u) + hPart(t, u), 'sigmoid');
    const reset = gate((t, u) => xPart(t, units + u) + hPart(t, units + u), 'sigmoid');
    const candidate = gate((t, u) => xPart(t, 2 * units + u) + reset[t * units + u] * hPart(t, 2 * units + u), 'tanh');
    return [h, map('update gate z', update, 0, 1), map('reset gate r', reset, 0, 1), map('candidate h̃', candidate)];
  }

  dispose(): void {
    this.copy.dispose();
  }
}

/** v [K] · M [K, N] (row-major), in float64. */
function rowTimesMatrix(v: ArrayLike<number>, m: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < v.length; k++) {
    if (v[k] === 0) continue; // one-hot inputs: most rows add nothing
    for (let j = 0; j < n; j++) out[j] += v[k] * m[k * n + j];
  }
  return out;
}

/** σ or tanh in place by the library's own activation kernels (the ones its layers use). */
function activate(values: Float32Array, kind: GateActivation): Float32Array {
  const region = arena().fromArray(values);
  try {
    kernels.activate(kind, region);
    return region.toArray();
  } finally {
    arena().free(region);
  }
}
