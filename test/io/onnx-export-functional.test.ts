// exportONNX of functional models, verified by the engines: several inputs (int64 ids through
// an embedding, floats through dense) and outputs, shared layers, every merge layer and
// option (odd widths, time-major and batch-major inputs mixed), recurrent returnState and
// initialState (Y_h / Y_c, initial_h / initial_c), masks through merges, and the
// encoder–decoder's teacher-forced training graph. Each model gets random weights with
// non-zero biases, runs in onnxruntime-node and onnxruntime-web (Wasm, in Node) at two batch
// sizes and time lengths the graph does not name, and is compared output by output with
// predict() to 1e-5; the graph's input and output names must be the model's.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { encoderDecoder, exportONNX, Functional, input, layers, model, OnnxExportError, sequential, type SymbolicTensor, type Tensor } from '../../src/node.js';
import { Embedding } from '../../src/layers/embedding.js';
import { readFields, text } from '../../src/io/protobuf.js';
import { rng, testSeed } from '../util/random.js';
import { runFeeds, withRandomWeights } from './onnx-helpers.js';

const seed = testSeed();
const TOLERANCE = 1e-5;
const [F, VOCAB] = [3, 9];

interface Case {
  name: string;
  build: () => Functional;
  /** Trailing padding (zeros, id 0) on every sample but the first. */
  padded?: boolean;
  /** Each sequence input gets its own time length (inputs that meet in a merge share one). */
  ownLengths?: boolean;
}

type S = SymbolicTensor;
const one = (t: S | S[]): S => (Array.isArray(t) ? t[0] : t);
const all = (t: S | S[]): S[] => (Array.isArray(t) ? t : [t]);
const seq = (units: number, more: object = {}) => ({ units, returnSequences: true, ...more });
const features = (name: string, width = F) => input({ shape: [null, width], name });
const ids = (name: string) => input({ shape: [null], name });

const MERGES = ['add', 'subtract', 'multiply', 'average', 'maximum'] as const;

const CASES: Case[] = [
  {
    name: 'two inputs (ids → embedding → lstm, numbers → dense), two outputs',
    build() {
      const words = ids('words');
      const numbers = input({ shape: [4], name: 'numbers' });
      const h = one(layers.lstm({ units: 6 }).apply(layers.embedding({ inputDim: VOCAB, outputDim: 5 }).apply(words)));
      const n = one(layers.dense({ units: 3, activation: 'relu' }).apply(numbers));
      const joined = one(layers.concatenate().apply([h, n]));
      const category = one(layers.dense({ units: 3, activation: 'softmax', name: 'category' }).apply(joined));
      const score = one(layers.dense({ units: 1, name: 'score' }).apply(joined));
      return model({ inputs: [words, numbers], outputs: [category, score] });
    },
  },
  {
    name: 'two inputs, masked ids (maskZero, post-padded) → bidirectional gru, two outputs',
    padded: true,
    build() {
      const words = ids('words');
      const numbers = input({ shape: [17], name: 'numbers' });
      const h = one(layers.bidirectional(layers.gru({ units: 4 })).apply(layers.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true }).apply(words)));
      const joined = one(layers.concatenate().apply([numbers, h]));
      return model({ inputs: [words, numbers], outputs: [one(layers.dense({ units: 2, name: 'label' }).apply(joined)), h] });
    },
  },
  {
    name: 'ids read by an embedding (int64 input) and by a dense (a Cast to float)',
    build() {
      const codes = input({ shape: [6], name: 'codes', dtype: 'int32' });
      const h = one(layers.gru({ units: 3 }).apply(layers.embedding({ inputDim: VOCAB, outputDim: 2 }).apply(codes)));
      return model({ inputs: codes, outputs: layers.add().apply([h, one(layers.dense({ units: 3 }).apply(codes))]) });
    },
  },
  {
    name: 'a shared dense applied to the input and to its own output',
    build() {
      const x = input({ shape: [5] });
      const shared = layers.dense({ units: 5, activation: 'tanh', name: 'shared' });
      const once = one(shared.apply(x));
      return model({ inputs: x, outputs: layers.add().apply([once, one(shared.apply(once))]) });
    },
  },
  {
    name: 'a shared lstm over two inputs of different lengths (siamese), cosine by dot normalize',
    ownLengths: true,
    build() {
      const [a, b] = [features('left'), features('right')];
      const encoder = layers.lstm({ units: 6, name: 'encoder' });
      return model({ inputs: [a, b], outputs: layers.dot({ axes: 1, normalize: true }).apply([one(encoder.apply(a)), one(encoder.apply(b))]) });
    },
  },
  ...MERGES.flatMap((kind): Case[] => [
    {
      name: `${kind} of ${kind === 'subtract' ? 2 : 3} [B, 17] inputs`,
      build() {
        const xs = Array.from({ length: kind === 'subtract' ? 2 : 3 }, (_, i) => input({ shape: [17], name: `x${i}` }));
        return model({ inputs: xs, outputs: layers[kind]().apply(xs) });
      },
    },
    {
      name: `${kind} of a time-major lstm sequence and a batch-major dense one, width 1 → gru`,
      build() {
        const x = features('x');
        const a = one(layers.lstm(seq(1)).apply(x));
        const b = one(layers.timeDistributed(layers.dense({ units: 1 })).apply(x));
        const merged = one(layers[kind]().apply([a, b]));
        return model({ inputs: x, outputs: [merged, one(layers.gru({ units: 3 }).apply(merged))] });
      },
    },
    {
      name: `${kind} of two masked sequences (the shorter mask wins) → lstm`,
      padded: true,
      build() {
        const [a, b] = [ids('a'), ids('b')];
        const ea = one(layers.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true }).apply(a));
        const eb = one(layers.lstm(seq(3)).apply(layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true }).apply(b)));
        return model({ inputs: [a, b], outputs: layers.lstm({ units: 4 }).apply(layers[kind]().apply([ea, eb])) });
      },
    },
  ]),
  {
    name: 'concatenate on features of time-major and batch-major sequences (axis -1) → lstm',
    build() {
      const x = features('x');
      const joined = one(layers.concatenate({ axis: -1 }).apply([one(layers.lstm(seq(4)).apply(x)), x, one(layers.gru(seq(1)).apply(x))]));
      return model({ inputs: x, outputs: [joined, one(layers.lstm({ units: 2 }).apply(joined))] });
    },
  },
  {
    name: 'concatenate along time (axis 1) of sequences of different lengths, both layouts',
    ownLengths: true,
    build() {
      const [a, b] = [features('a'), features('b')];
      const joined = one(layers.concatenate({ axis: 1 }).apply([one(layers.simpleRNN(seq(F)).apply(a)), b, a]));
      return model({ inputs: [a, b], outputs: [joined, one(layers.gru({ units: 3 }).apply(joined))] });
    },
  },
  {
    name: 'concatenate axis 2 and -2 (time) of time-major sequences; axis 1 of [B, 1], [B, 3], [B, 17]',
    build() {
      const x = features('x');
      const n = [1, 3, 17].map((width) => input({ shape: [width], name: `n${width}` }));
      const s = [one(layers.lstm(seq(2)).apply(x)), one(layers.gru(seq(2)).apply(x))];
      return model({ inputs: [x, ...n], outputs: [one(layers.concatenate({ axis: 2 }).apply(s)), one(layers.concatenate({ axis: -2 }).apply(s)), one(layers.concatenate({ axis: 1 }).apply(n))] });
    },
  },
  ...[false, true].flatMap((normalize): Case[] => [
    {
      name: `dot ${normalize ? 'normalize ' : ''}of [B, 17] (axes 1) and of [B, 1] (axes -1)`,
      build() {
        const [a, b, c, d] = [17, 17, 1, 1].map((width, i) => input({ shape: [width], name: `v${i}` }));
        return model({ inputs: [a, b, c, d], outputs: [one(layers.dot({ axes: 1, normalize }).apply([a, b])), one(layers.dot({ axes: -1, normalize }).apply([c, d]))] });
      },
    },
    {
      name: `dot ${normalize ? 'normalize ' : ''}of sequences, axes [2, 2] (lengths differ), [1, 1], [1, 2], [-1, 1], time-major and batch-major`,
      ownLengths: true,
      build() {
        const [x, y] = [features('x'), features('y', 5)];
        const [fixed, small] = [input({ shape: [4, 3], name: 'fixed' }), input({ shape: [3, 2], name: 'small' })];
        const hx = one(layers.lstm(seq(5)).apply(x)); // time-major [Tx, B, 5]
        const outputs = [
          layers.dot({ axes: [2, 2], normalize }).apply([hx, y]), // [B, Tx, Ty]
          layers.dot({ axes: [1, 1], normalize }).apply([hx, x]), // [B, 5, 3]
          layers.dot({ axes: [1, 2], normalize }).apply([fixed, one(layers.gru(seq(4)).apply(x))]), // [B, 3, Tx]
          layers.dot({ axes: [-1, 1], normalize }).apply([x, small]), // [B, Tx, 2]
          layers.dot({ axes: [2, 1], normalize }).apply([one(layers.simpleRNN(seq(3)).apply(x)), small]), // [B, Tx, 2]
        ];
        return model({ inputs: [x, y, fixed, small], outputs: outputs.map(one) });
      },
    },
  ]),
  {
    name: 'lstm returnSequences + returnState: outputs [sequence, h, c]',
    build() {
      const x = features('x');
      return model({ inputs: x, outputs: all(layers.lstm(seq(4, { returnState: true })).apply(x)) });
    },
  },
  {
    name: 'gru returnState without sequences (output = h), goBackwards, masked',
    padded: true,
    build() {
      const x = features('x');
      return model({ inputs: x, outputs: all(layers.gru({ units: 5, returnState: true, goBackwards: true }).apply(layers.masking().apply(x))) });
    },
  },
  {
    name: 'initialState from dense layers: simpleRNN goBackwards, lstm [h, c] with mask',
    padded: true,
    build() {
      const [x, numbers] = [features('x'), input({ shape: [2], name: 'numbers' })];
      const h = one(layers.dense({ units: 4, activation: 'tanh' }).apply(numbers));
      const c = one(layers.dense({ units: 4 }).apply(numbers));
      const masked = one(layers.masking().apply(x));
      const rnn = one(layers.simpleRNN(seq(4, { goBackwards: true })).apply(masked, { initialState: [h] }));
      return model({ inputs: [x, numbers], outputs: [rnn, one(layers.lstm({ units: 4 }).apply(masked, { initialState: [h, c] }))] });
    },
  },
  {
    name: 'bidirectional lstm returnState → initialState of a bidirectional lstm decoder',
    ownLengths: true,
    build() {
      const [source, target] = [features('source'), features('target', 2)];
      const [, ...states] = all(layers.bidirectional(layers.lstm({ units: 3, returnState: true })).apply(source));
      const decoded = one(layers.bidirectional(layers.lstm(seq(3)), { mergeMode: 'sum' }).apply(target, { initialState: states }));
      return model({ inputs: [source, target], outputs: [decoded, ...states] });
    },
  },
  {
    name: 'bidirectional gru returnState with sequences: output and both directions\' h',
    build() {
      const x = features('x');
      return model({ inputs: x, outputs: all(layers.bidirectional(layers.gru(seq(3, { returnState: true }))).apply(x)) });
    },
  },
  {
    name: 'encoderDecoder (lstm, as examples/seq2seq.ts): the teacher-forced training graph',
    ownLengths: true,
    build() {
      const encoder = sequential({ seed: 1, layers: [layers.lstm({ units: 6, returnState: true, inputShape: [null, 5] })] });
      const decoder = sequential({ seed: 2, layers: [layers.lstm({ units: 6, returnSequences: true, inputShape: [null, 4] }), layers.dense({ units: 4, activation: 'softmax' })] });
      return encoderDecoder({ encoder, decoder });
    },
  },
  {
    name: 'encoderDecoder (masked ids → embedding → lstm, as examples/g2p.ts)',
    ownLengths: true,
    padded: true,
    build() {
      const encoder = sequential({ seed: 1, layers: [layers.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [null] }), layers.lstm({ units: 5, returnState: true })] });
      const decoder = sequential({ seed: 2, layers: [layers.lstm({ units: 5, returnSequences: true, inputShape: [null, 3] }), layers.dense({ units: 3, activation: 'softmax' })] });
      return encoderDecoder({ encoder, decoder });
    },
  },
  {
    name: 'encoderDecoder (gru, resetAfter false)',
    ownLengths: true,
    build() {
      const encoder = sequential({ seed: 1, layers: [layers.gru({ units: 4, resetAfter: false, returnState: true, inputShape: [null, 3] })] });
      const decoder = sequential({ seed: 2, layers: [layers.gru({ units: 4, resetAfter: false, returnSequences: true, inputShape: [null, 2] }), layers.timeDistributed(layers.dense({ units: 2 }))] });
      return encoderDecoder({ encoder, decoder });
    },
  },
];

const random = rng(seed);

/** The case's model with random weights in [-0.5, 0.5) (biases included). */
function build(c: Case): Functional {
  return withRandomWeights(c.build(), seed);
}

/** One tensor per model input: ids for an input an embedding reads, else floats; open time axes `steps` long (+ the input's index with ownLengths). */
function inputs(c: Case, m: Functional, batch: number, steps: number): { tensor: Tensor; ids: boolean }[] {
  const readers = m.inputLayers();
  return m.inputs.map((t, i) => {
    const isIds = readers[i] instanceof Embedding;
    const length = steps + (c.ownLengths ? i : 0);
    const shape = t.shape.map((d, axis) => (axis === 0 ? batch : d ?? length));
    const perStep = shape.slice(2).reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (isIds ? 1 + Math.floor(random() * (VOCAB - 1)) : 2 * random() - 1));
    if (c.padded && shape.length >= 2 && t.shape[1] === null) {
      // Each input padded differently (merged masks differ), the first sample of the first input not at all.
      for (let b = i === 0 ? 1 : 0; b < batch; b++) data.fill(0, (b * length + 1 + ((b + i) % length)) * perStep, (b + 1) * length * perStep);
    }
    return { tensor: { shape, data }, ids: isIds };
  });
}

type Feed = readonly { tensor: Tensor; ids: boolean }[];
type Engine = { name: string; run(bytes: Uint8Array, x: Feed): Promise<{ inputNames: readonly string[]; outputs: { name: string; dims: readonly number[]; data: Float32Array }[] }> };

/** onnxruntime-node and onnxruntime-web share their API: inputs fed by the graph's own names, in order. */
function engine(name: string, ort: typeof ortNode | typeof ortWeb): Engine {
  return {
    name,
    run: (bytes, x) => runFeeds(ort, bytes, x),
  };
}

const engines = [engine('onnxruntime-node', ortNode), engine('onnxruntime-web', ortWeb)];

const worst: Record<string, { difference: number; where: string }> = {};
afterAll(() => console.log(`exportONNX (functional) worst |ONNX Runtime − predict| per engine (seed ${seed}):`, worst));

/** Runs `bytes` in both engines and compares every output with predict(), in the model's output order and names. */
async function expectSameAnswers(m: Functional, bytes: Uint8Array, c: Case, names = { inputs: m.inputNames(), outputs: m.outputNames() }): Promise<void> {
  for (const [batch, steps] of [[3, 5], [1, 2]]) {
    const x = inputs(c, m, batch, steps);
    const predicted = m.predict(x.length === 1 ? x[0].tensor : x.map((i) => i.tensor));
    const expected = Array.isArray(predicted) ? predicted : [predicted];
    for (const engine of engines) {
      const out = await engine.run(bytes, x);
      expect(out.inputNames, engine.name).toEqual(names.inputs);
      expect(out.outputs.map((o) => o.name), engine.name).toEqual(names.outputs);
      out.outputs.forEach((o, k) => {
        const where = `${engine.name}, output ${k} '${o.name}', batch ${batch}, steps ${steps}, seed ${seed}`;
        expect(o.dims, where).toEqual(expected[k].shape);
        let max = 0;
        for (let i = 0; i < expected[k].data.length; i++) max = Math.max(max, Math.abs(o.data[i] - expected[k].data[i]));
        if (max >= (worst[engine.name]?.difference ?? 0)) worst[engine.name] = { difference: max, where: `${c.name}, output ${k}` };
        expect(max, where).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  }
}

describe('exportONNX of functional models in ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: both engines answer as predict(), output by output`, async () => {
      const m = build(c);
      await expectSameAnswers(m, await exportONNX(m), c);
      m.dispose();
    });
  }
});

/** The op types of the graph's nodes and the names of its initializers. */
function contents(bytes: Uint8Array): { ops: string[]; initializers: string[] } {
  const field = (message: Uint8Array, number: number) => [...readFields(message)].filter((f) => f.field === number);
  const graph = field(bytes, 7)[0].bytes;
  return {
    ops: field(graph, 1).map((n) => text(field(n.bytes, 4)[0])),
    initializers: field(graph, 5).map((t) => text(field(t.bytes, 8)[0])),
  };
}

describe('exportONNX of shared layers and names', () => {
  it('a layer applied twice: one set of initializers, two sets of nodes', async () => {
    for (const [caseName, op, weights] of [
      ['a shared dense applied to the input and to its own output', 'Gemm', ['shared/kernel', 'shared/bias']],
      ['a shared lstm over two inputs of different lengths (siamese), cosine by dot normalize', 'LSTM', ['encoder/W', 'encoder/R', 'encoder/B']],
    ] as const) {
      const m = build(CASES.find((c) => c.name === caseName)!);
      const { ops, initializers } = contents(await exportONNX(m));
      expect(ops.filter((o) => o === op)).toHaveLength(2);
      for (const weight of weights) expect(initializers.filter((name) => name.startsWith(weight)), weight).toEqual([weight]);
      m.dispose();
    }
  });

  it('a time-major value read by a merge and an output is transposed once', async () => {
    const x = features('x');
    const sequence = one(layers.lstm(seq(F)).apply(x));
    const m = model({ inputs: x, outputs: [sequence, one(layers.add().apply([sequence, x]))] });
    const bytes = await exportONNX(m);
    expect(contents(bytes).ops.filter((op) => op === 'Transpose')).toHaveLength(2); // x to time-major for the LSTM, its output back
    await expectSameAnswers(m, bytes, { name: 'transposed once', build: () => m });
    m.dispose();
  });

  it('inputName and outputName rename the graph ends (arrays in model order; a string for one), the model names otherwise', async () => {
    const c = CASES[0];
    const m = build(c);
    expect(m.inputNames()).toEqual(['words', 'numbers']);
    expect(m.outputNames()).toEqual(['category', 'score']);
    await expectSameAnswers(m, await exportONNX(m, { inputName: ['ids', 'values'], outputName: ['probs', 'value'], graphName: 'reviews' }), c, { inputs: ['ids', 'values'], outputs: ['probs', 'value'] });
    m.dispose();
  });

  it('a state output keeps its Keras name (layer/1), the same name fit() keys it by', async () => {
    const c = CASES.find((c) => c.name.startsWith('lstm returnSequences + returnState'))!;
    const m = build(c);
    const lstmName = m.layers[1].name;
    expect(m.outputNames()).toEqual([lstmName, `${lstmName}/1`, `${lstmName}/2`]);
    await expectSameAnswers(m, await exportONNX(m), c);
    await expectSameAnswers(m, await exportONNX(m, { inputName: 'sequence', outputName: ['y', 'h', 'c'] }), c, { inputs: ['sequence'], outputs: ['y', 'h', 'c'] });
    m.dispose();
  });
});

describe('exportONNX refuses with an OnnxExportError', () => {
  it('names that do not fit the model: a string for two inputs, a wrong count, a name used twice, an unknown option', async () => {
    const m = build(CASES[0]);
    const refusal = (options: object) => expect(exportONNX(m, options as never)).rejects.toThrow(OnnxExportError);
    await refusal({ inputName: 'x' });
    await expect(exportONNX(m, { inputName: 'x' })).rejects.toThrow(/inputName must name each of the model's 2 inputs \(words, numbers\) in order: an array of 2 names/);
    await expect(exportONNX(m, { outputName: ['a', 'b', 'c'] })).rejects.toThrow(/outputName must name each of the model's 2 outputs/);
    await expect(exportONNX(m, { inputName: ['a', 'a'] })).rejects.toThrow(/inputName must give each input its own name; 'a' is given twice/);
    await expect(exportONNX(m, { outputName: ['words', 'b'] })).rejects.toThrow(/outputName must differ from inputName and between outputs: 'words'/);
    await expect(exportONNX(m, { inputName: ['a', ''] })).rejects.toThrow(/inputName must be a non-empty string or an array of them/);
    await expect(exportONNX(m, { inputNames: ['a', 'b'] } as never)).rejects.toThrow(/inputNames is not an option of exportONNX/);
    m.dispose();
  });

  it("a model's own names used twice (an output that is also an input) say to choose others", async () => {
    const x = input({ shape: [3], name: 'x' });
    const m = model({ inputs: x, outputs: [x, layers.dense({ units: 1 }).apply(x) as S] });
    await expect(exportONNX(m)).rejects.toThrow(/'x' is used twice \(the model's own output names; choose others with the outputName option\)/);
    m.dispose();
  });

  it('masked sequences joined along time (the joined mask has padding inside)', async () => {
    const [a, b] = [ids('a'), ids('b')];
    const embed = () => layers.embedding({ inputDim: VOCAB, outputDim: 2, maskZero: true });
    const joined = layers.concatenate({ axis: 1, name: 'joined' }).apply([one(embed().apply(a)), one(embed().apply(b))]);
    const m = model({ inputs: [a, b], outputs: layers.lstm({ units: 2 }).apply(joined) });
    await expect(exportONNX(m)).rejects.toThrow(/'joined' joins masked sequences along time/);
    m.dispose();
  });
});
