// The benchmark's minimal ONNX writer (bench/onnx): the protobuf varints it writes, and the
// files it writes for LSTM and GRU (resetAfter true and false) giving onnxruntime-node the
// answers of seqwasm predict() to 1e-5, on random weights and non-zero biases, so a wrong
// gate order, transpose or bias split fails here rather than as a refused peer in the bench.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { INPUT_NAME, OUTPUT_NAME, recurrentClassifierOnnx } from '../../bench/onnx/model.js';
import { varint } from '../../bench/onnx/protobuf.js';
import { layers, Prng, sequential } from '../../src/node.js';

describe('bench/onnx protobuf', () => {
  it('writes unsigned LEB128 varints and refuses what it cannot write', () => {
    expect([...varint(0)]).toEqual([0]);
    expect([...varint(127)]).toEqual([127]);
    expect([...varint(300)]).toEqual([0xac, 0x02]);
    expect([...varint(2 ** 35)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => varint(-1)).toThrow(/non-negative/);
    expect(() => varint(1.5)).toThrow(/non-negative safe integer/);
  });
});

describe('bench/onnx recurrentClassifierOnnx', () => {
  const cases = [
    { cell: 'lstm', resetAfter: undefined },
    { cell: 'gru', resetAfter: true },
    { cell: 'gru', resetAfter: false },
  ] as const;
  for (const { cell, resetAfter } of cases) {
    it(`${cell}${resetAfter === undefined ? '' : ` resetAfter ${resetAfter}`}: onnxruntime answers as seqwasm predict`, async () => {
      const [units, steps, features, classes, batch] = [17, 5, 3, 4, 3];
      const model = sequential({ seed: 11 });
      const options = { units, inputShape: [steps, features] };
      model.add(cell === 'lstm' ? layers.lstm(options) : layers.gru({ ...options, resetAfter }));
      model.add(layers.dense({ units: classes, activation: 'softmax' }));
      model.build();
      const rng = new Prng(12);
      const weights = model.getWeights();
      for (const w of weights) w.data.forEach((_, i, data) => (data[i] = rng.float() - 0.5));
      model.setWeights(weights);
      const [kernel, recurrentKernel, bias, denseKernel, denseBias] = weights.map((w) => w.data);
      const bytes = recurrentClassifierOnnx({ cell, units, features, classes, resetAfter, kernel, recurrentKernel, bias, denseKernel, denseBias });
      const x = Float32Array.from({ length: batch * steps * features }, () => 2 * rng.float() - 1);
      const expected = model.predict({ shape: [batch, steps, features], data: x }).data;
      const session = await ort.InferenceSession.create(bytes);
      try {
        const output = (await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [batch, steps, features]) }))[OUTPUT_NAME];
        expect(output.dims).toEqual([batch, classes]);
        const actual = output.data as Float32Array;
        for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(1e-5);
      } finally {
        await session.release();
      }
    });
  }

  it('names the weight whose size does not fit', () => {
    const zeros = (n: number) => new Float32Array(n);
    expect(() =>
      recurrentClassifierOnnx({ cell: 'lstm', units: 2, features: 3, classes: 2, kernel: zeros(24), recurrentKernel: zeros(16), bias: zeros(7), denseKernel: zeros(4), denseBias: zeros(2) }),
    ).toThrow(/bias has 7 values, expected 8/);
  });
});
