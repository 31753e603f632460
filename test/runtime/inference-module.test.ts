// dist/seqwasm-inference.wasm (assembly/inference.ts: the forward kernels only) against the full
// seqwasm.wasm: every built-in layer kind, built from a seed and run by predict() at batch 3 and
// batch 1, streamed by model.step() and sampled, and loaded from a trained full model's file,
// gives the same weights and outputs to the bit on both modules. This also proves the module's
// export list: a forward kernel missing from it would throw an InferenceOnlyError here. Training
// on it throws that typed error, naming the kernel, and leaves the model predicting as before,
// also after reset() made a fresh instance.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as full from '../../src/node.js';
import type { Model } from '../../src/model/model.js';
import type { ForwardOptions, Mask, PlanSetup, Shape, SymbolicTensor, WeightSpec } from '../../src/layers/layer.js';
import type { F32Region } from '../../src/runtime/arena.js';
import type * as RuntimeModule from '../../src/runtime/module.js';
import { rng, testSeed, uniform } from '../util/random.js';

type Seqwasm = typeof full;
type Tensor = { shape: readonly number[]; data: Float32Array };

const seed = testSeed();
const inferenceBytes = readFileSync(new URL('../../dist/seqwasm-inference.wasm', import.meta.url));
const fullBytes = readFileSync(new URL('../../dist/seqwasm.wasm', import.meta.url));

/** The package entry and its runtime module, freshly imported and initialised with seqwasm-inference.wasm. */
let inference: Seqwasm;
let inferenceRuntime: typeof RuntimeModule;
beforeAll(async () => {
  vi.resetModules();
  inference = await import('../../src/node.js');
  inferenceRuntime = await import('../../src/runtime/module.js');
  await inference.init(inferenceBytes);
});

/** One input of a case: features [batch, ...shape] in [-1, 1), or integer ids below `ids`; `padded`: zeros (id 0) after step 2 of sample 0. */
interface InputSpec {
  shape: number[];
  ids?: number;
  padded?: boolean;
}

interface Case {
  name: string;
  inputs: InputSpec[];
  /** The model, on the seqwasm instance given, built from seed 7: the same model on either module. */
  build(s: Seqwasm): Model;
}

const F = 3;
const T = 5;
const VOCAB = 9;
const features: InputSpec[] = [{ shape: [T, F] }];
const padded: InputSpec[] = [{ shape: [T, F], padded: true }];
const ids: InputSpec[] = [{ shape: [T], ids: VOCAB, padded: true }];

/** A sequential model of `layers` (made on the instance), its first layer given inputShape. */
function stack(make: (l: Seqwasm['layers']) => unknown[]): (s: Seqwasm) => Model {
  return (s) => s.sequential({ layers: make(s.layers) as never, seed: 7 });
}

/** A functional model: `make` gets the instance's layers and one symbolic input per shape and returns the outputs. */
function graph(shapes: number[][], make: (l: Seqwasm['layers'], inputs: SymbolicTensor[]) => SymbolicTensor | SymbolicTensor[]): (s: Seqwasm) => Model {
  return (s) => {
    const inputs = shapes.map((shape) => s.input({ shape }));
    return s.model({ inputs, outputs: make(s.layers, inputs), seed: 7 });
  };
}

const sequenceOf = (units: number) => ({ units, returnSequences: true });

/**
 * A user-written layer on the instance's classes, forward only: the gated linear unit of
 * examples/custom-layer.ts, y = (x·W + b) ⊙ σ(x·V + c), whose forward runs kernels.gemm (which
 * no built-in forward pass calls), sigmoid and mul.
 */
function gatedLinearUnit(s: Seqwasm, units: number) {
  const { layers: l, kernels: k } = s;
  const kind = { className: 'GatedLinearUnit', prefix: 'gated_linear_unit', options: { units: l.positiveInteger() } };
  class GatedLinearUnitPlan extends l.LayerPlan {
    private readonly shape: { m: number; n: number; k: number };
    private readonly gates: F32Region;
    constructor(setup: PlanSetup) {
      super(setup);
      const features = setup.inputShape[setup.inputShape.length - 1];
      const n = setup.outputShape[setup.outputShape.length - 1];
      this.shape = { m: setup.inputShape.reduce((a, b) => a * b, 1) / features, n, k: features };
      [this.gates] = setup.regions.allocAll([this.shape.m * n]);
    }
    protected runForward(x: F32Region, options: ForwardOptions): Mask | undefined {
      const [kernel, bias, gateKernel, gateBias] = this.layer.weights;
      k.gemm({ a: x, b: kernel.value, c: this.output, bias: bias.value, ...this.shape });
      k.gemm({ a: x, b: gateKernel.value, c: this.gates, bias: gateBias.value, ...this.shape });
      k.sigmoid(this.gates);
      k.mul(this.output, this.gates, this.output);
      return options.mask;
    }
    protected runBackward(): void {
      throw new Error('GatedLinearUnit: this test only predicts');
    }
  }
  class GatedLinearUnit extends l.Layer<typeof kind.options> {
    constructor() {
      super(kind, { units });
    }
    computeOutputShape(inputShape: Shape): Shape {
      return [...inputShape.slice(0, -1), units];
    }
    protected weightSpecs(inputShape: Shape): WeightSpec[] {
      const features = inputShape[inputShape.length - 1]!;
      const { glorotUniform, zeros } = l.initializers;
      return ['', 'gate_'].flatMap((prefix) => [l.initializedWeight(`${prefix}kernel`, [features, units], `${prefix}kernel`, glorotUniform()), l.initializedWeight(`${prefix}bias`, [units], `${prefix}bias`, zeros())]);
    }
    protected createPlan(setup: PlanSetup) {
      return new GatedLinearUnitPlan(setup);
    }
  }
  return new GatedLinearUnit();
}

const CASES: Case[] = [
  { name: 'dense with every activation, on [B, F]', inputs: [{ shape: [F] }], build: stack((l) => [
    l.dense({ units: 6, activation: 'relu', inputShape: [F] }), l.dense({ units: 5, activation: 'tanh' }), l.dense({ units: 5, activation: 'sigmoid' }),
    l.dense({ units: 4, activation: 'hardSigmoid' }), l.dense({ units: 4, activation: 'hardSigmoidKeras3' }), l.dense({ units: 17, useBias: false }), l.dense({ units: 3, activation: 'softmax' }),
  ]) },
  { name: 'embedding (maskZero) → lstm sequences → dropout → gru → dense', inputs: ids, build: stack((l) => [
    l.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [T] }), l.lstm(sequenceOf(6)), l.dropout({ rate: 0.5 }), l.gru({ units: 3 }), l.dense({ units: 2 }),
  ]) },
  { name: 'masking → simpleRNN relu, goBackwards, sequences → timeDistributed(dense)', inputs: padded, build: stack((l) => [
    l.masking({ inputShape: [T, F] }), l.simpleRNN({ units: 4, activation: 'relu', goBackwards: true, returnSequences: true }), l.timeDistributed(l.dense({ units: 2, activation: 'tanh' })),
  ]) },
  { name: 'lstm hardSigmoid, goBackwards → gru resetAfter false → dense on sequences', inputs: features, build: stack((l) => [
    l.lstm({ units: 17, recurrentActivation: 'hardSigmoid', goBackwards: true, returnSequences: true, inputShape: [T, F] }), l.gru({ units: 3, resetAfter: false, returnSequences: true }), l.dense({ units: 2 }),
  ]) },
  { name: 'gru resetAfter true and false, hardSigmoidKeras3', inputs: features, build: stack((l) => [
    l.gru({ units: 5, recurrentActivation: 'hardSigmoidKeras3', returnSequences: true, inputShape: [T, F] }), l.gru({ units: 4, resetAfter: false }),
  ]) },
  ...(['concat', 'sum', 'mul', 'ave'] as const).map((mergeMode): Case => ({ name: `bidirectional lstm, mergeMode ${mergeMode}, masked`, inputs: padded, build: stack((l) => [
    l.masking({ inputShape: [T, F] }), l.bidirectional(l.lstm(sequenceOf(3)), { mergeMode }), l.bidirectional(l.gru({ units: 2 }), { mergeMode }),
  ]) })),
  { name: 'bidirectional mergeMode null: both directions as outputs', inputs: features, build: graph([[T, F]], (l, [x]) => l.bidirectional(l.simpleRNN({ units: 3 }), { mergeMode: null }).apply(x) as SymbolicTensor[]) },
  { name: 'conv1d same, causal with dilation, valid with strides → pooling', inputs: features, build: stack((l) => [
    l.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [T, F] }), l.conv1d({ filters: 3, kernelSize: 2, padding: 'causal', dilationRate: 2 }),
    l.maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }), l.averagePooling1d({ poolSize: 3, padding: 'same' }), l.conv1d({ filters: 2, kernelSize: 2, strides: 2 }), l.globalMaxPooling1d(),
  ]) },
  { name: 'masking → global average and max pooling of masked steps', inputs: padded, build: graph([[T, F]], (l, [x]) => {
    const masked = l.masking().apply(x) as SymbolicTensor;
    return [l.globalAveragePooling1d().apply(masked) as SymbolicTensor, l.globalMaxPooling1d({ keepdims: true }).apply(masked) as SymbolicTensor];
  }) },
  { name: 'flatten → dense → repeatVector → lstm → permute → reshape', inputs: features, build: stack((l) => [
    l.flatten({ inputShape: [T, F] }), l.dense({ units: 4 }), l.repeatVector({ n: 3 }), l.lstm(sequenceOf(2)), l.permute({ dims: [2, 1] }), l.reshape({ targetShape: [-1] }),
  ]) },
  { name: 'layerNormalization → positionEmbedding → spatialDropout1d → lstm', inputs: features, build: stack((l) => [
    l.layerNormalization({ inputShape: [T, F] }), l.positionEmbedding({ sequenceLength: 8 }), l.spatialDropout1d({ rate: 0.5 }), l.layerNormalization({ center: false }), l.lstm({ units: 2 }),
  ]) },
  { name: 'merge layers: concatenate, add, subtract, multiply, average, maximum, dot and normalized dot', inputs: [{ shape: [T, F] }, { shape: [T, F] }], build: graph([[T, F], [T, F]], (l, [a, b]) => {
    const pair = [a, b];
    const merged = [l.concatenate(), l.add(), l.subtract(), l.multiply(), l.average(), l.maximum()].map((layer) => layer.apply(pair) as SymbolicTensor);
    return [l.concatenate().apply(merged) as SymbolicTensor, l.dot({ axes: [2, 2] }).apply(pair) as SymbolicTensor, l.dot({ axes: 1, normalize: true }).apply(pair) as SymbolicTensor];
  }) },
  { name: 'attention (scaled, causal, masked query and value, scores) and additiveAttention', inputs: [{ shape: [4, F], padded: true }, { shape: [T, F], padded: true }], build: graph([[4, F], [T, F]], (l, [q, v]) => {
    const [query, value] = [q, v].map((x) => l.masking().apply(x) as SymbolicTensor);
    const [context, scores] = l.attention({ useScale: true, useCausalMask: true }).apply([query, value], { returnAttentionScores: true }) as SymbolicTensor[];
    const additive = l.additiveAttention().apply([query, value, value]) as SymbolicTensor;
    return [l.dense({ units: 2 }).apply(l.concatenate().apply([context, additive])) as SymbolicTensor, scores];
  }) },
  { name: 'multiHeadAttention with an attention mask, causal, and its scores', inputs: [{ shape: [T, 4] }, { shape: [T, T], ids: 2 }], build: graph([[T, 4], [T, T]], (l, [x, mask]) => {
    const [y, scores] = l.multiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2 }).apply([x, x], { attentionMask: mask, useCausalMask: true, returnAttentionScores: true }) as SymbolicTensor[];
    return [l.globalAveragePooling1d().apply(y) as SymbolicTensor, scores];
  }) },
  { name: 'multiHeadAttention cross-attention without masks', inputs: [{ shape: [4, F] }, { shape: [T, 2] }], build: graph([[4, F], [T, 2]], (l, [q, v]) => l.multiHeadAttention({ numHeads: 3, keyDim: 2 }).apply([q, v]) as SymbolicTensor) },
  { name: 'rnn with simpleRNN, lstm and gru cells, stacked, states returned', inputs: padded, build: graph([[T, F]], (l, [x]) => {
    const masked = l.masking().apply(x) as SymbolicTensor;
    const simple = l.rnn({ cell: l.simpleRNNCell({ units: 3 }), returnSequences: true }).apply(masked) as SymbolicTensor;
    const [sequence, h1, c1, h2] = l.rnn({ cell: [l.lstmCell({ units: 4 }), l.gruCell({ units: 3, resetAfter: false })], returnSequences: true, returnState: true }).apply(simple) as SymbolicTensor[];
    const stacked = l.rnn({ cell: l.stackedRNNCells({ cells: [l.gruCell({ units: 2 }), l.simpleRNNCell({ units: 2 })] }), goBackwards: true }).apply(sequence) as SymbolicTensor;
    return [stacked, h1, c1, h2];
  }) },
  { name: 'a user-written layer (gated linear unit on kernels.gemm) → gru', inputs: features, build: (s) => s.sequential({ layers: [s.layers.dense({ units: 4, inputShape: [T, F] }), gatedLinearUnit(s, 3), s.layers.gru({ units: 2 })], seed: 7 }) },
];
const caseNamed = (start: string) => CASES.find((c) => c.name.startsWith(start))!;
/** Ids through masked recurrent layers, and features through recurrent layers: the cases the tests below reuse. */
const EMBEDDING_LSTM_GRU = caseNamed('embedding (maskZero)');
const LSTM_GRU = caseNamed('lstm hardSigmoid');

/** The case's inputs for `batch` samples, the same numbers whichever module runs them. */
function inputsOf(specs: InputSpec[], batch: number, caseSeed: number) {
  const random = rng(caseSeed);
  return specs.map(({ shape, ids: below, padded: isPadded }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = below === undefined ? uniform(random, batch * size) : Float32Array.from({ length: batch * size }, () => Math.floor(random() * below));
    if (isPadded) data.fill(0, 2 * (size / shape[0]), size); // sample 0: real steps 0 and 1, then padding
    if (below !== undefined && isPadded) for (let b = 0; b < batch; b++) data[b * size] ||= 1; // every sample's first id is real
    return { shape: [batch, ...shape], data };
  });
}

/** Float bits, so that -0 against 0 or a NaN payload would differ. */
const bits = (tensors: readonly Tensor[]) => tensors.map((t) => ({ shape: [...t.shape], bits: Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)) }));
const outputsOf = (result: unknown) => bits([result].flat() as Tensor[]);

function predictions(m: Model, specs: InputSpec[], caseSeed: number) {
  const run = (batch: number) => {
    const x = inputsOf(specs, batch, caseSeed);
    return outputsOf(m.predict(x.length === 1 ? x[0] : x));
  };
  return { batch3: run(3), batch1: run(1) };
}

describe('seqwasm-inference.wasm', () => {
  it('loads through init(bytes), reports runtimeInfo().training false, and is smaller than seqwasm.wasm', () => {
    expect(inference.runtimeInfo()).toMatchObject({ threads: 1, sharedMemory: false, relaxedSimd: false, training: false });
    expect(full.runtimeInfo().training).toBe(true);
    expect(inferenceBytes.length).toBeLessThan(fullBytes.length / 2);
  });

  for (const [index, c] of CASES.entries()) {
    it(`${c.name}: the same weights from the seed and the same predictions, batch 3 and 1, as seqwasm.wasm`, () => {
      const caseSeed = seed + index;
      const [reference, candidate] = [full, inference].map((s) => c.build(s));
      try {
        expect(bits(candidate.getWeights()), `seed ${seed}`).toEqual(bits(reference.getWeights()));
        expect(predictions(candidate, c.inputs, caseSeed), `seed ${seed}`).toEqual(predictions(reference, c.inputs, caseSeed));
      } finally {
        reference.dispose();
        candidate.dispose();
      }
    });
  }

  it('streams model.step() from an initial state and samples each step: the same outputs and ids as seqwasm.wasm', () => {
    const generate = (s: Seqwasm) => {
      const m = s.sequential({ layers: [s.layers.embedding({ inputDim: VOCAB, outputDim: 4, inputShape: [null] }), s.layers.lstm(sequenceOf(5)), s.layers.simpleRNN(sequenceOf(3)), s.layers.dense({ units: VOCAB, activation: 'softmax' })], seed: 7 });
      const draw = s.prng(seed);
      const steps: Tensor[] = [];
      const drawn: number[] = [];
      let id = 1;
      for (let t = 0; t < 6; t++) {
        const probs = m.step({ shape: [1], data: [id] }, t === 0 ? { initialState: [uniform(rng(seed), 5), uniform(rng(seed + 1), 5)].map((data) => ({ shape: [1, 5], data })) } : {}) as Tensor;
        steps.push(probs);
        id = s.sample(probs.data, { rng: draw, temperature: 0.8, topK: 4 });
        drawn.push(id);
      }
      m.resetStates();
      steps.push(m.step({ shape: [2], data: [3, 4] }) as Tensor);
      m.dispose();
      return { steps: bits(steps), drawn };
    };
    expect(generate(inference), `seed ${seed}`).toEqual(generate(full));
  });

  it('loads a model trained on seqwasm.wasm, optimizer state and all, and predicts its bits', async () => {
    const trained = EMBEDDING_LSTM_GRU.build(full);
    const x = inputsOf(ids, 8, seed)[0];
    trained.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await trained.fit(x, { shape: [8, 2], data: uniform(rng(seed), 16) }, { epochs: 2, batchSize: 4, verbose: 0 });
    const loaded = await inference.loadModel(trained.save({ includeOptimizer: true }));
    expect(bits(loaded.getWeights())).toEqual(bits(trained.getWeights()));
    expect(outputsOf(loaded.predict(x)), `seed ${seed}`).toEqual(outputsOf(trained.predict(x)));
    trained.dispose();
    loaded.dispose();
  });
});

describe('training on seqwasm-inference.wasm', () => {
  /** The error `run` throws (or rejects with). */
  async function thrown(run: () => unknown): Promise<unknown> {
    try {
      await run();
    } catch (error) {
      return error;
    }
    throw new Error('expected an error');
  }

  it('throws an InferenceOnlyError naming the kernel and the fix, from trainOnBatch, fit, evaluate and a backward kernel, and the model predicts as before', async () => {
    const m = EMBEDDING_LSTM_GRU.build(inference);
    const x = inputsOf(ids, 4, seed)[0];
    const y = { shape: [4, 2], data: uniform(rng(seed), 8) };
    const before = outputsOf(m.predict(x));
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] });
    const region = inference.arena().fromArray([0.5, -1]);
    const attempts: [string, () => unknown][] = [
      ['lossMeanSquaredError', () => m.trainOnBatch(x, y)],
      ['lossMeanSquaredError', () => m.fit(x, y, { epochs: 1, verbose: 0 })],
      ['lossMeanSquaredError', () => m.evaluate(x, y)],
      ['reluGrad', () => inference.kernels.activateGrad('relu', region, region)],
    ];
    for (const [kernel, attempt] of attempts) {
      const error = await thrown(attempt);
      expect(error).toBeInstanceOf(inferenceRuntime.InferenceOnlyError);
      expect(error).toMatchObject({ name: 'InferenceOnlyError', kernel });
      expect((error as Error).message).toBe(`the Wasm kernel ${kernel} is not in seqwasm-inference.wasm, which only predicts (no backward passes, losses, metrics or optimizers); to train, import from 'seqwasm', whose init() loads the full seqwasm.wasm`);
    }
    expect(Array.from(region.toArray())).toEqual([0.5, -1]);
    expect(outputsOf(m.predict(x))).toEqual(before);
    inference.arena().free(region);
    m.dispose();
  });

  it('keeps its exports and the typed error across reset()', async () => {
    const spare = inference.arena().allocF32(4 << 20);
    inference.arena().free(spare);
    const before = inference.memoryInfo().memoryBytes;
    const after = await inference.reset();
    expect(after.memoryBytes).toBeLessThan(before); // a fresh instance was made
    expect(inference.runtimeInfo().training).toBe(false);
    const m = LSTM_GRU.build(inference);
    const reference = LSTM_GRU.build(full);
    expect(predictions(m, features, seed)).toEqual(predictions(reference, features, seed));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = inputsOf(features, 2, seed)[0];
    expect(await thrown(() => m.trainOnBatch(x, { shape: [2, T, 2], data: new Float32Array(2 * T * 2) }))).toBeInstanceOf(inferenceRuntime.InferenceOnlyError);
    m.dispose();
    reference.dispose();
  });
});
