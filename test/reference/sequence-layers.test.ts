// The float64 references of the sequence layers checked against themselves: every backward
// against central finite differences, and the window and mask semantics on exact cases.
import { afterAll, describe, expect, it } from 'vitest';
import { rng, testSeed } from '../util/random.js';
import { dot, expectGradient, randomArray, randomHoles, worstSeen } from './gradcheck.js';
import * as ref from './index.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const randomFor = (name: string): (() => number) => rng(seed ^ [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261));

afterAll(() => console.log(`sequence-layer reference finite differences: worst relative error ${worstSeen.error.toExponential(2)} at ${worstSeen.where}`));

const input = (random: () => number, shape: number[]): ref.Tensor => ref.tensor(shape, randomArray(random, shape.reduce((a, b) => a * b, 1)));

describe('conv1d: backward = finite differences', () => {
  const cases: ref.conv1d.Conv1DOptions[] = [
    { kernelSize: 3, filters: 2, padding: 'valid', activation: 'tanh' },
    { kernelSize: 3, filters: 2, padding: 'same', strides: 2, activation: 'sigmoid' },
    { kernelSize: 2, filters: 3, padding: 'causal', dilationRate: 2, activation: 'linear' },
    { kernelSize: 4, filters: 1, padding: 'same', dilationRate: 2, activation: 'tanh' },
  ];
  for (const o of cases) {
    it(`${o.padding} k=${o.kernelSize} stride ${o.strides ?? 1} dilation ${o.dilationRate ?? 1}`, () => {
      const random = randomFor(`ref conv ${JSON.stringify(o)}`);
      const x = input(random, [2, 7, 3]);
      const w = { kernel: randomArray(random, o.kernelSize * 3 * o.filters), bias: randomArray(random, o.filters) };
      const dy = randomArray(random, ref.conv1d.forward(x, w, o).data.length);
      const loss = () => dot(ref.conv1d.forward(x, w, o).data, dy);
      const g = ref.conv1d.backward(x, w, o, dy);
      expectGradient('dx', loss, x.data, g.dx, replay);
      expectGradient('dKernel', loss, w.kernel, g.dKernel, replay);
      expectGradient('dBias', loss, w.bias, g.dBias!, replay);
    });
  }

  it('lays windows out as TensorFlow: output lengths, and causal outputs never see later steps', () => {
    expect(ref.conv1d.layout(10, 3, 1, 'valid')).toEqual({ outSteps: 8, padLeft: 0 });
    expect(ref.conv1d.layout(10, 4, 1, 'same')).toEqual({ outSteps: 10, padLeft: 1 }); // 3 padded: 1 left, 2 right
    expect(ref.conv1d.layout(10, 3, 3, 'same')).toEqual({ outSteps: 4, padLeft: 1 }); // (4−1)·3 + 3 − 10 = 2
    expect(ref.conv1d.layout(10, 5, 1, 'causal')).toEqual({ outSteps: 10, padLeft: 4 });
    const random = randomFor('ref conv causal');
    const o: ref.conv1d.Conv1DOptions = { kernelSize: 3, filters: 2, padding: 'causal', dilationRate: 2 };
    const x = input(random, [1, 9, 2]);
    const w = { kernel: randomArray(random, 12) };
    const before = ref.conv1d.forward(x, w, o).data;
    x.data[5 * 2] += 1; // step 5 changes: outputs 0..4 may not
    const after = ref.conv1d.forward(x, w, o).data;
    expect(after.subarray(0, 5 * 2)).toEqual(before.subarray(0, 5 * 2));
    expect(after[5 * 2]).not.toBe(before[5 * 2]);
  });
});

describe('pooling: backward = finite differences, and exact windows', () => {
  for (const o of [
    { kind: 'max', poolSize: 2 },
    { kind: 'average', poolSize: 3, strides: 2, padding: 'same' },
    { kind: 'max', poolSize: 3, strides: 1, padding: 'same' },
    { kind: 'average', poolSize: 2, strides: 3 },
  ] as ref.pooling.PoolOptions[]) {
    it(`${o.kind} pool ${o.poolSize} stride ${o.strides ?? o.poolSize} ${o.padding ?? 'valid'}`, () => {
      const random = randomFor(`ref pool ${JSON.stringify(o)}`);
      const x = input(random, [2, 7, 3]);
      const dy = randomArray(random, ref.pooling.forward(x, o).data.length);
      expectGradient('dx', () => dot(ref.pooling.forward(x, o).data, dy), x.data, ref.pooling.backward(x, o, dy), replay);
    });
  }

  it('averages only the real steps of a padded window, and the max ignores padding', () => {
    const x = ref.tensor([1, 3, 1], [-3, -1, -2]);
    expect([...ref.pooling.forward(x, { kind: 'average', poolSize: 2, padding: 'same' }).data]).toEqual([-2, -2]); // windows {0,1}, {2}
    expect([...ref.pooling.forward(x, { kind: 'max', poolSize: 2, padding: 'same' }).data]).toEqual([-1, -2]);
  });

  for (const kind of ['max', 'average'] as const) {
    it(`global ${kind} over real steps: finite differences, and equal to pooling the kept steps alone`, () => {
      const random = randomFor(`ref global ${kind}`);
      const [B, T, C] = [4, 6, 3];
      const x = input(random, [B, T, C]);
      const mask = randomHoles(random, B, T);
      mask.fill(0, T, 2 * T); // one sample with no real step → 0
      const dy = randomArray(random, B * C);
      expectGradient('dx', () => dot(ref.pooling.globalForward(x, kind, mask).data, dy), x.data, ref.pooling.globalBackward(x, kind, dy, mask), replay);
      const y = ref.pooling.globalForward(x, kind, mask).data;
      expect([...y.subarray(C, 2 * C)]).toEqual([0, 0, 0]);
      for (let b = 0; b < B; b++) {
        const kept = [...Array(T).keys()].filter((t) => mask[b * T + t]);
        if (kept.length === 0) continue;
        const alone = ref.tensor([1, kept.length, C], kept.flatMap((t) => [...x.data.subarray((b * T + t) * C, (b * T + t + 1) * C)]));
        expect(Array.from(ref.pooling.globalForward(alone, kind).data)).toEqual(Array.from(y.subarray(b * C, (b + 1) * C)));
      }
    });
  }
});

describe('rearranging layers', () => {
  it('repeatVector: backward = finite differences', () => {
    const random = randomFor('ref repeat');
    const x = input(random, [3, 4]);
    const dy = randomArray(random, 3 * 5 * 4);
    expectGradient('dx', () => dot(ref.rearrange.repeatVector(x, 5).data, dy), x.data, ref.rearrange.repeatVectorBackward({ shape: [3, 5, 4], data: dy }), replay);
  });

  it('permute: a transpose for dims [2, 1]; backward = finite differences for 3 axes', () => {
    const x = ref.tensor([1, 2, 3], [1, 2, 3, 4, 5, 6]);
    expect(ref.rearrange.permute(x, [2, 1])).toEqual({ shape: [1, 3, 2], data: Float64Array.of(1, 4, 2, 5, 3, 6) });
    const random = randomFor('ref permute');
    for (const dims of [[3, 1, 2], [2, 3, 1], [1, 3, 2]]) {
      const x3 = input(random, [2, 2, 3, 4]);
      const dy = randomArray(random, x3.data.length);
      const shape = [2, ...dims.map((d) => x3.shape[d])];
      expectGradient(`dx ${dims}`, () => dot(ref.rearrange.permute(x3, dims).data, dy), x3.data, ref.rearrange.permuteBackward({ shape, data: dy }, dims), replay);
    }
  });
});

describe('layerNormalization and positionEmbedding: backward = finite differences', () => {
  for (const [gamma, beta] of [[true, true], [false, true], [true, false]]) {
    it(`layerNormalization${gamma ? '' : ' without scale'}${beta ? '' : ' without center'}`, () => {
      const random = randomFor(`ref ln ${gamma} ${beta}`);
      const x = input(random, [2, 3, 5]);
      const w = { gamma: gamma ? randomArray(random, 5, 0.5, 1.5) : undefined, beta: beta ? randomArray(random, 5) : undefined };
      const dy = randomArray(random, x.data.length);
      const loss = () => dot(ref.layerNormalization.forward(x, w, 1e-3).data, dy);
      const g = ref.layerNormalization.backward(x, w, dy, 1e-3);
      expectGradient('dx', loss, x.data, g.dx, replay);
      if (w.gamma) expectGradient('dGamma', loss, w.gamma, g.dGamma, replay);
      if (w.beta) expectGradient('dBeta', loss, w.beta, g.dBeta, replay);
    });
  }

  it('layerNormalization output rows have mean β-free 0 and variance ≈ 1 (γ = 1, β = 0)', () => {
    const x = input(randomFor('ref ln moments'), [1, 9]);
    const y = ref.layerNormalization.forward(x, {}, 0).data;
    const mean = y.reduce((a, b) => a + b) / 9;
    expect(Math.abs(mean)).toBeLessThan(1e-12);
    expect(Math.abs(y.reduce((a, b) => a + (b - mean) ** 2, 0) / 9 - 1)).toBeLessThan(1e-12);
  });

  it('positionEmbedding', () => {
    const random = randomFor('ref position');
    const x = input(random, [3, 4, 2]);
    const embeddings = randomArray(random, 6 * 2);
    const dy = randomArray(random, x.data.length);
    const loss = () => dot(ref.positionEmbedding.forward(x, embeddings).data, dy);
    const g = ref.positionEmbedding.backward({ shape: x.shape, data: dy }, 6);
    expectGradient('dx', loss, x.data, g.dx, replay);
    expectGradient('dEmbeddings', loss, embeddings, g.dEmbeddings, replay);
  });
});
