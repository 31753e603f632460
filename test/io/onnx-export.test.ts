// exportONNX verified by the engines: every exportable layer kind and option (cells, gate
// activations, goBackwards, bidirectional merge modes, returnSequences, masks as
// sequence_lens, embedding, timeDistributed, dropout, no bias) written as ONNX, run in
// onnxruntime-node and onnxruntime-web (its Wasm build, in Node) and compared with predict()
// to 1e-5, on random weights with non-zero biases (so a wrong gate order, transpose or bias
// split fails) and a batch and time length the graph does not name (dynamic axes).
import { afterAll, describe, expect, it } from 'vitest';
import { exportONNX, layers, loadONNX, ModelLoadError, OnnxExportError, sequential, type Sequential } from '../../src/node.js';
import type { Layer } from '../../src/layers/layer.js';
import { rng, testSeed } from '../util/random.js';
import { ENGINES, randomlyWeighted, runExported } from './onnx-helpers.js';

const seed = testSeed();
const TOLERANCE = 1e-5;
const [F, VOCAB] = [3, 7];

interface Case {
  name: string;
  layers: () => Layer[];
  /** Integer ids [B, T] rather than features [B, T, F]. */
  ids?: boolean;
  /** Trailing padding (zeros / id 0) on some samples, for the mask cases. */
  padded?: boolean;
}

const seq = (units: number, more: object = {}) => ({ units, returnSequences: true, ...more });
const CASES: Case[] = [
  { name: 'simpleRNN → dense', layers: () => [layers.simpleRNN({ units: 5, inputShape: [null, F] }), layers.dense({ units: 2 })] },
  { name: 'simpleRNN relu, returnSequences → dense sigmoid', layers: () => [layers.simpleRNN({ ...seq(4), activation: 'relu', inputShape: [null, F] }), layers.dense({ units: 2, activation: 'sigmoid' })] },
  { name: 'simpleRNN linear (Affine)', layers: () => [layers.simpleRNN({ units: 4, activation: 'linear', inputShape: [null, F] })] },
  { name: 'lstm → dense softmax', layers: () => [layers.lstm({ units: 6, inputShape: [null, F] }), layers.dense({ units: 3, activation: 'softmax' })] },
  { name: 'lstm hardSigmoid gates, returnSequences → timeDistributed(dense softmax)', layers: () => [layers.lstm({ ...seq(5), recurrentActivation: 'hardSigmoid', inputShape: [null, F] }), layers.timeDistributed(layers.dense({ units: 3, activation: 'softmax' }))] },
  { name: 'lstm relu activation, hardSigmoidKeras3 gates', layers: () => [layers.lstm({ units: 4, activation: 'relu', recurrentActivation: 'hardSigmoidKeras3', inputShape: [null, F] })] },
  { name: 'lstm without bias', layers: () => [layers.lstm({ units: 4, useBias: false, inputShape: [null, F] }), layers.dense({ units: 2, useBias: false, activation: 'tanh' })] },
  { name: 'gru resetAfter → dense', layers: () => [layers.gru({ units: 5, inputShape: [null, F] }), layers.dense({ units: 2 })] },
  { name: 'gru resetAfter false, hardSigmoid gates', layers: () => [layers.gru({ units: 5, resetAfter: false, recurrentActivation: 'hardSigmoid', inputShape: [null, F] }), layers.dense({ units: 2, activation: 'hardSigmoid' })] },
  { name: 'lstm goBackwards returnSequences → dense', layers: () => [layers.lstm({ ...seq(4), goBackwards: true, inputShape: [null, F] }), layers.dense({ units: 2 })] },
  { name: 'gru goBackwards final state', layers: () => [layers.gru({ units: 4, goBackwards: true, inputShape: [null, F] }), layers.dense({ units: 2, activation: 'relu' })] },
  { name: 'simpleRNN goBackwards returnSequences', layers: () => [layers.simpleRNN({ ...seq(3), goBackwards: true, inputShape: [null, F] })] },
  { name: 'stacked lstm → dropout → gru → dense', layers: () => [layers.lstm({ ...seq(5), inputShape: [null, F] }), layers.dropout({ rate: 0.3 }), layers.gru({ units: 4 }), layers.dense({ units: 2 })] },
  ...(['concat', 'sum', 'mul', 'ave'] as const).flatMap((mergeMode) => [
    { name: `bidirectional lstm ${mergeMode} → dense`, layers: () => [layers.bidirectional(layers.lstm({ units: 4 }), { mergeMode, inputShape: [null, F] }), layers.dense({ units: 2 })] },
    { name: `bidirectional gru ${mergeMode} returnSequences → dense`, layers: () => [layers.bidirectional(layers.gru(seq(3)), { mergeMode, inputShape: [null, F] }), layers.dense({ units: 2, activation: 'softmax' })] },
  ]),
  { name: 'bidirectional simpleRNN → bidirectional lstm', layers: () => [layers.bidirectional(layers.simpleRNN(seq(3)), { inputShape: [null, F] }), layers.bidirectional(layers.lstm({ units: 3 }))] },
  { name: 'embedding → lstm → dense softmax', ids: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 4, inputShape: [null] }), layers.lstm({ units: 5 }), layers.dense({ units: VOCAB, activation: 'softmax' })] },
  { name: 'embedding maskZero (post-padded) → gru → dense', ids: true, padded: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [null] }), layers.gru({ units: 5 }), layers.dense({ units: 2 })] },
  { name: 'embedding maskZero (post-padded) → bidirectional lstm sequences → timeDistributed(dense)', ids: true, padded: true, layers: () => [layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [null] }), layers.bidirectional(layers.lstm(seq(3))), layers.timeDistributed(layers.dense({ units: 2 }))] },
  { name: 'masking (post-padded) → lstm goBackwards sequences → gru', padded: true, layers: () => [layers.masking({ inputShape: [null, F] }), layers.lstm({ ...seq(4), goBackwards: true }), layers.gru({ units: 3 })] },
  { name: 'masking (post-padded) → gru sequences: padded steps carry the last output', padded: true, layers: () => [layers.masking({ inputShape: [null, F] }), layers.gru(seq(4))] },
  { name: 'dense on [B, F]', layers: () => [layers.dense({ units: 4, activation: 'relu', inputShape: [F] }), layers.dense({ units: 2, activation: 'softmax' })] },
];

const random = rng(seed);

/** A built model of the case's layers with random weights, biases included. */
function model(c: Case): Sequential {
  return randomlyWeighted(c.layers(), seed);
}

/** Input of `batch` samples of `steps` steps; padded cases zero the tail of all but the first sample. */
function input(c: Case, batch: number, steps: number, rank2: boolean): { shape: number[]; data: Float32Array } {
  const shape = rank2 ? [batch, F] : c.ids ? [batch, steps] : [batch, steps, F];
  const perStep = c.ids || rank2 ? 1 : F;
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => (c.ids ? 1 + Math.floor(random() * (VOCAB - 1)) : 2 * random() - 1));
  if (c.padded) {
    for (let b = 1; b < batch; b++) {
      const length = 1 + (b % steps);
      data.fill(0, (b * steps + length) * perStep, (b + 1) * steps * perStep);
    }
  }
  return { shape, data };
}

const engines = ENGINES.map(([name, ort]) => ({ name, run: (bytes: Uint8Array, x: { shape: number[]; data: Float32Array }, ids: boolean) => runExported(ort, bytes, x, ids) }));

const worst: Record<string, number> = {};
afterAll(() => console.log(`exportONNX worst |ONNX Runtime − predict| per engine (seed ${seed}):`, worst));

describe('exportONNX in ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: both engines answer as predict()`, async () => {
      const m = model(c);
      const rank2 = m.layers[0].builtInputShape!.length === 2 && !c.ids;
      const bytes = await exportONNX(m);
      for (const [batch, steps] of [[3, 5], [1, 2]]) {
        const x = input(c, batch, steps, rank2);
        const expected = m.predict(x);
        for (const engine of engines) {
          const out = await engine.run(bytes, x, c.ids === true);
          expect(out.dims, engine.name).toEqual(expected.shape);
          let max = 0;
          for (let i = 0; i < expected.data.length; i++) max = Math.max(max, Math.abs(out.data[i] - expected.data[i]));
          worst[engine.name] = Math.max(worst[engine.name] ?? 0, max);
          expect(max, `${engine.name}, batch ${batch}, steps ${steps}, seed ${seed}`).toBeLessThanOrEqual(TOLERANCE);
        }
      }
      m.dispose();
    });
  }
});

/** The export cases loadONNX reads back (the rest use ops it does not read: masks, Gather, reductions, reversed sequences). */
const READ_BACK = [
  'simpleRNN → dense',
  'simpleRNN relu, returnSequences → dense sigmoid',
  'simpleRNN linear (Affine)',
  'lstm → dense softmax',
  'lstm hardSigmoid gates, returnSequences → timeDistributed(dense softmax)',
  'lstm relu activation, hardSigmoidKeras3 gates',
  'lstm without bias',
  'gru resetAfter → dense',
  'gru resetAfter false, hardSigmoid gates',
  'gru goBackwards final state',
  'stacked lstm → dropout → gru → dense',
  'bidirectional lstm concat → dense',
  'bidirectional gru concat returnSequences → dense',
  'bidirectional simpleRNN → bidirectional lstm',
  'dense on [B, F]',
];

describe('exportONNX → loadONNX', () => {
  for (const c of CASES.filter((c) => !c.ids)) {
    const readable = READ_BACK.includes(c.name);
    it(`${c.name}: ${readable ? 'reads back with the same answers' : 'refused by loadONNX with a ModelLoadError'}`, async () => {
      const m = model(c);
      const bytes = await exportONNX(m);
      if (m.layers[0].builtInputShape!.length === 2) {
        await expect(loadONNX(bytes)).rejects.toThrow(/sequence \[batch, time, features\]/);
      } else if (readable) {
        const again = await loadONNX(bytes);
        const x = input(c, 3, 5, false);
        const expected = m.predict(x).data;
        const actual = again.predict(x).data;
        for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(1e-6);
        again.dispose();
      } else {
        await expect(loadONNX(bytes)).rejects.toThrow(ModelLoadError);
      }
      m.dispose();
    });
  }
});

describe('exportONNX refuses what ONNX cannot express', () => {
  it('an unbuilt model, a stateful layer, timeDistributed of an embedding, bad options', async () => {
    const unbuilt = sequential([layers.lstm({ units: 2 })]);
    await expect(exportONNX(unbuilt)).rejects.toThrow(OnnxExportError);
    await expect(exportONNX(unbuilt)).rejects.toThrow(/not built/);
    const stateful = sequential([layers.lstm({ units: 2, stateful: true, batchInputShape: [2, null, 3] })]);
    stateful.build();
    await expect(exportONNX(stateful)).rejects.toThrow(/stateful/);
    const perStepRnn = sequential([layers.timeDistributed(layers.embedding({ inputDim: 5, outputDim: 2 }), { inputShape: [4, 3] })]);
    perStepRnn.build();
    await expect(exportONNX(perStepRnn)).rejects.toThrow(/timeDistributed\(embedding\)/);
    const ok = sequential([layers.dense({ units: 1, inputShape: [2] })]);
    ok.build();
    await expect(exportONNX(ok, { inputName: 'x', outputName: 'x' })).rejects.toThrow(/outputName must differ/);
    await expect(exportONNX(ok, { inputName: '' })).rejects.toThrow(/inputName must be a non-empty string/);
    for (const m of [unbuilt, stateful, perStepRnn, ok]) m.dispose();
  });
});
