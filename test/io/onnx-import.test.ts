// loadONNX on the fixtures of scripts/fixtures/torch_onnx.py: graphs that torch.onnx.export
// wrote for nn.LSTM / nn.GRU / nn.RNN (1 and 2 layers, uni- and bidirectional, batch_first and
// time-major, read from the last step, h_n or every step) → nn.Linear → activation, and
// tf2onnx-shaped Keras LSTM / GRU graphs. Each loaded model predicts PyTorch's outputs to
// 1e-5, trains (loss falls), and round-trips through exportONNX; the refused fixtures fail
// with a ModelLoadError naming the op and the node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exportONNX, loadONNX, ModelLoadError, type Sequential } from '../../src/node.js';

const DIR = join(__dirname, '..', 'fixtures', 'onnx');
const TOLERANCE = 1e-5;

interface Fixture {
  layout: 'batch' | 'time';
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}

/** [A, B, ...rest] → [B, A, ...rest]. */
function swapLeading(shape: number[], data: ArrayLike<number>): { shape: number[]; data: Float32Array } {
  const [a, b, ...rest] = shape;
  const inner = rest.reduce((n, d) => n * d, 1);
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < inner; k++) out[(j * a + i) * inner + k] = data[(i * b + j) * inner + k];
  return { shape: [b, a, ...rest], data: out };
}

const fixtures = readdirSync(DIR).filter((f) => f.endsWith('.onnx') && !f.startsWith('refused_')).map((f) => f.slice(0, -5));
const worst: Record<string, number> = {};
afterAll(() => console.log('loadONNX worst |predict − PyTorch| per fixture:', worst));

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('loadONNX on PyTorch and tf2onnx graphs', () => {
  it('finds the fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(10));
  for (const name of fixtures) {
    it(`${name}: predicts as PyTorch, trains, and exports again`, async () => {
      const fixture = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
      const model: Sequential = await loadONNX(join(DIR, `${name}.onnx`));
      const timeMajor = fixture.layout === 'time';
      const x = timeMajor ? swapLeading(fixture.input.shape, fixture.input.data) : { shape: fixture.input.shape, data: Float32Array.from(fixture.input.data) };
      const sequenceOut = fixture.output.shape.length === 3;
      const expected = timeMajor && sequenceOut ? swapLeading(fixture.output.shape, fixture.output.data) : { shape: fixture.output.shape, data: Float32Array.from(fixture.output.data) };
      const y = model.predict(x);
      expect(y.shape).toEqual(expected.shape);
      const difference = maxDifference(y.data, expected.data);
      worst[name] = difference;
      expect(difference).toBeLessThanOrEqual(TOLERANCE);

      // The same answers from bytes, and again after exportONNX → loadONNX.
      const again = await loadONNX(await exportONNX(model));
      expect(maxDifference(again.predict(x).data, y.data)).toBeLessThanOrEqual(1e-6);
      again.dispose();

      // It trains: fit toward fixed targets lowers the loss.
      const targets = { shape: y.shape, data: y.data.map((_, i) => (i % 3 === 0 ? 0.9 : 0.05)) };
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const history = await model.fit(x, targets, { epochs: 30, batchSize: x.shape[0], verbose: 0 });
      const losses = history.history.loss as number[];
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      model.dispose();
    });
  }
});

describe('loadONNX refuses what it cannot run', () => {
  const refused = readdirSync(DIR).filter((f) => f.endsWith('.error.json')).map((f) => f.slice(0, -'.error.json'.length));
  it('finds the refused fixtures', () => expect(refused).toEqual(['refused_bidirectional_last', 'refused_layernorm']));
  for (const name of refused) {
    it(`${name}: a ModelLoadError naming the op and the node`, async () => {
      const { op, node } = JSON.parse(readFileSync(join(DIR, `${name}.error.json`), 'utf8')) as { op: string; node: string };
      const error = await loadONNX(join(DIR, `${name}.onnx`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toContain(`node '${node}' (${op})`);
    });
  }

  it('the last step of a bidirectional output says why', async () => {
    await expect(loadONNX(join(DIR, 'refused_bidirectional_last.onnx'))).rejects.toThrow(/last step of bidirectional.*h_n/);
  });

  it('reads bytes, an ArrayBuffer, a path and a file: URL alike', async () => {
    const path = join(DIR, 'torch_gru_bidirectional_hn.onnx');
    const bytes = new Uint8Array(readFileSync(path));
    const x = { shape: [2, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => Math.cos(i)) };
    const answers = [];
    for (const source of [bytes, bytes.slice().buffer, path, pathToFileURL(path)]) {
      const model = await loadONNX(source);
      answers.push(Array.from(model.predict(x).data));
      model.dispose();
    }
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
  });

  it('bad sources and options', async () => {
    await expect(loadONNX(42 as never)).rejects.toThrow(/expected the bytes of an ONNX file/);
    await expect(loadONNX(new Uint8Array([1, 2, 3]))).rejects.toThrow(ModelLoadError);
    await expect(loadONNX(new Uint8Array(0))).rejects.toThrow(/has no graph/);
    await expect(loadONNX(join(DIR, 'missing.onnx'))).rejects.toThrow(/could not read/);
    await expect(loadONNX(join(DIR, 'torch_lstm_last.onnx'), { maxBytes: 100 })).rejects.toThrow(ModelLoadError);
    await expect(loadONNX(new Uint8Array(0), { seeds: 1 } as never)).rejects.toThrow(/not an option of loadONNX/);
  });
});
