// exportONNX of the attention layers, Bidirectional with mergeMode null and rnn(cell), verified by
// the engines: every score mode and option, masks (the value's, the query's, a separate key's,
// causal, MultiHeadAttention's attentionMask input), returned attention scores, odd widths and
// lengths, batch 1 and 3, in onnxruntime-node and onnxruntime-web (Wasm, in Node), compared
// output by output with predict() to 1e-5; then a small Transformer encoder and a seq2seq with
// attention. A user-written cell is refused with an OnnxExportError naming the layer.
import { afterAll, describe, expect, it } from 'vitest';
import { exportONNX, Functional, input, layers, model, OnnxExportError, type SymbolicTensor, type Tensor } from '../../src/node.js';
import { Embedding } from '../../src/layers/embedding.js';
import { ENGINES, runFeeds, withRandomWeights } from './onnx-helpers.js';
import { ElmanCell } from '../layers/elman-cell.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const TOLERANCE = 1e-5;
const VOCAB = 11;

type S = SymbolicTensor;
const one = (t: S | S[]): S => (Array.isArray(t) ? t[0] : t);
const all = (t: S | S[]): S[] => (Array.isArray(t) ? t : [t]);
const features = (name: string, width: number) => input({ shape: [null, width], name });
/** A float sequence whose all-zero trailing steps are masked (padded cases). */
const masked = (name: string, width: number) => {
  const x = features(name, width);
  return { x, y: one(layers.masking({ maskValue: 0 }).apply(x)) };
};

interface Case {
  name: string;
  build: () => Functional;
  /** Trailing padding (zero features, id 0) on every sample but the first. */
  padded?: boolean;
  /** Fixed time lengths (a model with an attentionMask input [B, T, S] names them). */
  steps?: readonly number[];
  /** Each input's length beyond the run's (default its index: every input its own length); a key needs its value's. */
  extraSteps?: readonly number[];
}

const ATTENTION_OPTIONS = [
  { scoreMode: 'dot' as const },
  { scoreMode: 'dot' as const, useScale: true },
  { scoreMode: 'concat' as const },
  { scoreMode: 'concat' as const, useScale: true },
];

/** q [B, Tq, 5] attends over v [B, Tv, 5] (and k when given): every kind and option, with and without masks and causality. */
function attentionCases(): Case[] {
  const cases: Case[] = [];
  const kinds = [
    ...ATTENTION_OPTIONS.map((o) => ({ label: `attention ${JSON.stringify(o)}`, make: (more: object) => layers.attention({ ...o, ...more }) })),
    ...[true, false].map((useScale) => ({ label: `additiveAttention useScale ${useScale}`, make: (more: object) => layers.additiveAttention({ useScale, ...more }) })),
  ];
  for (const { label, make } of kinds) {
    for (const useCausalMask of [false, true]) {
      cases.push({
        name: `${label}, causal ${useCausalMask}, [query, value]`,
        build() {
          const q = features('query', 5);
          const v = features('value', 5);
          return model({ inputs: [q, v], outputs: make({ useCausalMask, dropout: 0.3 }).apply([q, v]) as S });
        },
      });
      cases.push({
        name: `${label}, causal ${useCausalMask}, masked [query, value, key] (key 5 wide, value 3)`,
        padded: true,
        extraSteps: [0, 1, 1],
        build() {
          const q = masked('query', 5);
          const v = masked('value', 3);
          const k = features('key', 5);
          const attended = one(make({ useCausalMask }).apply([q.y, v.y, k]));
          return model({ inputs: [q.x, v.x, k], outputs: one(layers.dense({ units: 2 }).apply(attended)) });
        },
      });
    }
    cases.push({
      name: `${label}, causal, masked [query, value], scores returned`,
      padded: true,
      build() {
        const q = masked('query', 5);
        const v = masked('value', 5);
        const [attended, scores] = all(make({ useCausalMask: true, dropout: 0.3 }).apply([q.y, v.y], { returnAttentionScores: true }));
        return model({ inputs: [q.x, v.x], outputs: [one(layers.dense({ units: 2 }).apply(attended)), scores] });
      },
    });
  }
  return cases;
}

function multiHeadCases(): Case[] {
  const mha = (o: object = {}) => layers.multiHeadAttention({ numHeads: 3, keyDim: 2, dropout: 0.2, ...o });
  return [
    {
      name: 'multiHeadAttention self-attention (3 heads × 2, 7 features)',
      build() {
        const x = features('x', 7);
        return model({ inputs: x, outputs: one(mha().apply([x, x])) });
      },
    },
    {
      name: 'multiHeadAttention cross [query, value, key], valueDim 3, outputShape [2, 3], no bias, scores returned',
      extraSteps: [0, 1, 1],
      build() {
        const [q, v, k] = [features('query', 5), features('value', 4), features('key', 6)];
        const outputs = all(mha({ valueDim: 3, outputShape: [2, 3], useBias: false }).apply([q, v, k], { returnAttentionScores: true }));
        return model({ inputs: [q, v, k], outputs });
      },
    },
    {
      name: 'multiHeadAttention causal, masked query and value, scores returned',
      padded: true,
      build() {
        const q = masked('query', 5);
        const v = masked('value', 4);
        const outputs = all(mha({ numHeads: 1, keyDim: 5 }).apply([q.y, v.y], { useCausalMask: true, returnAttentionScores: true }));
        return model({ inputs: [q.x, v.x], outputs });
      },
    },
    {
      name: 'multiHeadAttention on an lstm time-major, masked sequence (ids, maskZero), 17 features out',
      padded: true,
      build() {
        const words = input({ shape: [null], name: 'words' });
        const sequence = one(layers.lstm({ units: 5, returnSequences: true }).apply(one(layers.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true }).apply(words))));
        return model({ inputs: words, outputs: one(mha({ numHeads: 2, outputShape: 17 }).apply([sequence, sequence])) });
      },
    },
    {
      name: 'multiHeadAttention masked separate key, attentionMask input, causal',
      padded: true,
      steps: [4, 6, 6, 4],
      build() {
        const q = input({ shape: [4, 5], name: 'query' });
        const v = input({ shape: [6, 3], name: 'value' });
        const k = input({ shape: [6, 5], name: 'key' });
        const allowed = input({ shape: [4, 6], name: 'allowed' });
        const keyMasked = one(layers.masking({ maskValue: 0 }).apply(k));
        const outputs = all(mha().apply([q, v, keyMasked], { attentionMask: allowed, useCausalMask: true, returnAttentionScores: true }));
        return model({ inputs: [q, v, k, allowed], outputs });
      },
    },
  ];
}

function recurrentCases(): Case[] {
  return [
    ...[true, false].map((returnSequences) => ({
      name: `bidirectional lstm mergeMode null, returnSequences ${returnSequences}, returnState, masked`,
      padded: true,
      build() {
        const x = masked('x', 3);
        const outputs = all(layers.bidirectional(layers.lstm({ units: 4, returnSequences, returnState: true }), { mergeMode: null }).apply(x.y));
        return model({ inputs: x.x, outputs });
      },
    })),
    ...(
      [
        ['simpleRNNCell', () => layers.simpleRNNCell({ units: 5, activation: 'relu' })],
        ['lstmCell', () => layers.lstmCell({ units: 4 })],
        ['gruCell', () => layers.gruCell({ units: 3 })],
        ['gruCell resetAfter false', () => layers.gruCell({ units: 3, resetAfter: false })],
      ] as const
    ).flatMap(([label, cell]) =>
      [false, true].map((goBackwards) => ({
        name: `rnn(${label}), goBackwards ${goBackwards}, masked, returnSequences`,
        padded: true,
        build() {
          const x = masked('x', 3);
          return model({ inputs: x.x, outputs: one(layers.rnn({ cell: cell(), returnSequences: true, goBackwards }).apply(x.y)) });
        },
      })),
    ),
    {
      name: 'rnn(stackedRNNCells [lstm, gru, simpleRNN]), masked, returnState: output then every cell state',
      padded: true,
      build() {
        const x = masked('x', 3);
        const cell = layers.stackedRNNCells({ cells: [layers.lstmCell({ units: 4 }), layers.gruCell({ units: 3 }), layers.simpleRNNCell({ units: 2 })] });
        return model({ inputs: x.x, outputs: all(layers.rnn({ cell, returnState: true }).apply(x.y)) });
      },
    },
    {
      name: 'rnn([gru, lstm]) goBackwards, returnSequences, initial states from inputs',
      build() {
        const x = features('x', 3);
        const [h1, h2, c2] = [input({ shape: [3], name: 'h1' }), input({ shape: [4], name: 'h2' }), input({ shape: [4], name: 'c2' })];
        const rnn = layers.rnn({ cell: [layers.gruCell({ units: 3 }), layers.lstmCell({ units: 4 })], returnSequences: true, goBackwards: true });
        return model({ inputs: [x, h1, h2, c2], outputs: one(rnn.apply(x, { initialState: [h1, h2, c2] })) });
      },
    },
  ];
}

function wholeModelCases(): Case[] {
  return [
    {
      name: 'Transformer encoder: embedding → positionEmbedding → multiHeadAttention + add + layerNormalization → dense → globalAveragePooling1d → dense',
      padded: true,
      build() {
        const words = input({ shape: [null], name: 'words' });
        const embedded = one(layers.embedding({ inputDim: VOCAB, outputDim: 8, maskZero: true }).apply(words));
        const placed = one(layers.positionEmbedding({ sequenceLength: 12 }).apply(embedded));
        const attended = one(layers.multiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([placed, placed]));
        const normed = one(layers.layerNormalization().apply(one(layers.add().apply([placed, attended]))));
        const mixed = one(layers.dense({ units: 8, activation: 'relu' }).apply(normed));
        const pooled = one(layers.globalAveragePooling1d().apply(mixed));
        return model({ inputs: words, outputs: one(layers.dense({ units: 3, activation: 'softmax' }).apply(pooled)) });
      },
    },
    {
      name: 'seq2seq with attention: masked ids → lstm encoder (states) → lstm decoder → attention → concatenate → dense',
      padded: true,
      build() {
        const source = input({ shape: [null], name: 'source' });
        const target = input({ shape: [null], name: 'target' });
        const [encoded, h, c] = all(layers.lstm({ units: 6, returnSequences: true, returnState: true }).apply(one(layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true }).apply(source))));
        const decoded = one(layers.lstm({ units: 6, returnSequences: true }).apply(one(layers.embedding({ inputDim: VOCAB, outputDim: 4 }).apply(target)), { initialState: [h, c] }));
        const context = one(layers.attention().apply([decoded, encoded]));
        const joined = one(layers.concatenate().apply([context, decoded]));
        return model({ inputs: [source, target], outputs: one(layers.timeDistributed(layers.dense({ units: VOCAB, activation: 'softmax' })).apply(joined)) });
      },
    },
  ];
}

const CASES: Case[] = [...attentionCases(), ...multiHeadCases(), ...recurrentCases(), ...wholeModelCases()];

const random = rng(seed);

type Feed = { tensor: Tensor; ids: boolean }[];

/** One tensor per input: ids where an embedding reads it, 0/1 for an attentionMask, else floats; open time axes `steps + i` long. */
function inputs(c: Case, m: Functional, batch: number, steps: number): Feed {
  const readers = m.inputLayers();
  return m.inputs.map((t, i) => {
    const isIds = readers[i] instanceof Embedding;
    const length = c.steps?.[i] ?? steps + (c.extraSteps?.[i] ?? i);
    const shape = t.shape.map((d, axis) => (axis === 0 ? batch : (d ?? length)));
    const perStep = shape.slice(2).reduce((a, b) => a * b, 1);
    const isMask = t.name === 'allowed';
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (isIds ? 1 + Math.floor(random() * (VOCAB - 1)) : isMask ? (random() < 0.7 ? 1 : 0) : 2 * random() - 1));
    if (c.padded && !isMask && shape.length >= 2 && shape.length <= 3) {
      for (let b = i === 0 ? 1 : 0; b < batch; b++) data.fill(0, (b * length + 1 + ((b + i) % length)) * perStep, (b + 1) * length * perStep);
    }
    return { tensor: { shape, data }, ids: isIds };
  });
}

const worst: Record<string, { difference: number; where: string }> = {};
afterAll(() => console.log(`exportONNX (attention, rnn cells) worst |ONNX Runtime − predict| per engine (seed ${seed}):`, worst));

describe('exportONNX of attention layers, bidirectional mergeMode null and rnn(cell) in ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: both engines answer as predict(), output by output`, async () => {
      const m = withRandomWeights(c.build(), seed);
      const bytes = await exportONNX(m);
      for (const [batch, steps] of [[3, 5], [1, 2], [2, 7]]) {
        const x = inputs(c, m, batch, steps);
        const predicted = m.predict(x.length === 1 ? x[0].tensor : x.map((i) => i.tensor));
        const expected = Array.isArray(predicted) ? predicted : [predicted];
        for (const [engine, ort] of ENGINES) {
          const { outputs } = await runFeeds(ort, bytes, x);
          expect(outputs).toHaveLength(expected.length);
          outputs.forEach((o, k) => {
            const where = `${engine}, output ${k}, batch ${batch}, steps ${steps}, seed ${seed}`;
            expect(o.dims, where).toEqual(expected[k].shape);
            let max = 0;
            for (let i = 0; i < expected[k].data.length; i++) max = Math.max(max, Math.abs(o.data[i] - expected[k].data[i]));
            expect(Number.isNaN(max), where).toBe(false);
            if (max >= (worst[engine]?.difference ?? 0)) worst[engine] = { difference: max, where: `${c.name}, output ${k}` };
            expect(max, where).toBeLessThanOrEqual(TOLERANCE);
          });
        }
      }
      m.dispose();
    });
  }
});

describe('exportONNX refuses what has no ONNX form', () => {
  it('an rnn over a user-written cell: an OnnxExportError naming the layer and the cell', async () => {
    const x = features('x', 3);
    const m = model({ inputs: x, outputs: one(layers.rnn({ cell: new ElmanCell({ units: 2 }), name: 'custom_rnn' }).apply(x)) });
    const error = await exportONNX(m).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxExportError);
    expect((error as Error).message).toMatch(/custom_rnn.*user-written cell/);
    m.dispose();
  });

  it('stacked cells with goBackwards on a masked sequence (the later cells would read padding first)', async () => {
    const x = masked('x', 3);
    const m = model({ inputs: x.x, outputs: one(layers.rnn({ cell: [layers.gruCell({ units: 2 }), layers.gruCell({ units: 2 })], goBackwards: true, name: 'back' }).apply(x.y)) });
    const error = await exportONNX(m).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxExportError);
    expect((error as Error).message).toMatch(/back.*goBackwards/);
    m.dispose();
  });
});
