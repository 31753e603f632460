// The Keras lessons seqwasm grew from, trained end to end through the public API. Each checks
// what the lesson teaches (every next letter right, beating a naive forecast, tagging and
// reversing sequences), with tolerances rather than exact losses.
import { describe, expect, it } from 'vitest';
import { data, encoderDecoder, layers, optimizers, prng, sample, sequential, type Tensor } from '../../src/index.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;

/** One-hot rows for the ids, [ids.length, depth]. */
function oneHot(ids: readonly number[], depth: number): Float32Array {
  const out = new Float32Array(ids.length * depth);
  ids.forEach((id, i) => (out[i * depth + id] = 1));
  return out;
}

function argmaxRows(data: Float32Array, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / width; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (data[r * width + j] > data[r * width + best]) best = j;
    out.push(best);
  }
  return out;
}

describe('lessons', () => {
  it('learns the alphabet: LSTM(8) on windows of 5 one-hot letters, rmsprop, 50 epochs predicts every next letter', async () => {
    // Keras's default rmsprop rate (0.001) needs hundreds of epochs here; the lesson's 50 take 0.02.
    const windows = Array.from({ length: 21 }, (_, i) => [0, 1, 2, 3, 4].map((k) => i + k));
    const x = { shape: [21, 5, 26], data: oneHot(windows.flat(), 26) };
    const y = { shape: [21, 26], data: oneHot(windows.map((w) => w[4] + 1), 26) };
    const model = sequential({ seed: 7 });
    model.add(layers.lstm({ units: 8, inputShape: [5, 26] }));
    model.add(layers.dense({ units: 26, activation: 'softmax' }));
    model.compile({ optimizer: optimizers.rmsprop({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 50, batchSize: 1, verbose: 0 });
    expect(argmaxRows(model.predict(x).data, 26)).toEqual(windows.map((w) => w[4] + 1));
    expect(history.history.accuracy.at(-1)).toBe(1);
    model.dispose();
  });

  it('forecasts a noisy sine well below the naive last-value baseline', async () => {
    const random = rng(seed);
    const series = Array.from({ length: 600 }, (_, t) => Math.sin(t * 0.2) + 0.1 * (random() - 0.5));
    const window = 16;
    const count = series.length - window;
    const x = new Float32Array(count * window);
    const y = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < window; k++) x[i * window + k] = series[i + k];
      y[i] = series[i + window];
    }
    const model = sequential({ seed: 3, layers: [layers.lstm({ units: 16, inputShape: [window, 1] }), layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const split = 480;
    const train = { x: { shape: [split, window, 1], data: x.subarray(0, split * window) }, y: { shape: [split, 1], data: y.subarray(0, split) } };
    const test = { x: { shape: [count - split, window, 1], data: x.subarray(split * window) }, y: y.subarray(split) };
    await model.fit(train.x, train.y, { epochs: 40, batchSize: 16, verbose: 0 });
    const predicted = model.predict(test.x).data;
    let mse = 0;
    let naive = 0;
    for (let i = 0; i < test.y.length; i++) {
      mse += (predicted[i] - test.y[i]) ** 2;
      naive += (x[(split + i) * window + window - 1] - test.y[i]) ** 2;
    }
    expect(mse / naive, `model mse ${mse / test.y.length} vs naive ${naive / test.y.length} (${replay})`).toBeLessThan(0.5);
    model.dispose();
  });

  it('tags every step of a sequence (many-to-many): a bidirectional GRU learns which symbols appear again later', async () => {
    // Symbols 0-3; a step's tag is 1 when its symbol occurs again later in the sequence, which needs the future: bidirectional.
    const random = rng(seed ^ 0x51);
    const samples = 256;
    const steps = 10;
    const ids: number[] = [];
    const tags: number[] = [];
    for (let s = 0; s < samples; s++) {
      const row = Array.from({ length: steps }, () => Math.floor(random() * 4));
      ids.push(...row);
      tags.push(...row.map((v, t) => (row.slice(t + 1).includes(v) ? 1 : 0)));
    }
    const x = { shape: [samples, steps, 4], data: oneHot(ids, 4) };
    const y = { shape: [samples, steps, 2], data: oneHot(tags, 2) };
    const model = sequential({ seed: 5 });
    model.add(layers.bidirectional(layers.gru({ units: 16, returnSequences: true }), { inputShape: [steps, 4] }));
    model.add(layers.dense({ units: 2, activation: 'softmax' }));
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { epochs: 40, batchSize: 32, verbose: 0 });
    const accuracy = model.evaluate(x, y).accuracy;
    expect(accuracy, replay).toBeGreaterThan(0.95);
    model.dispose();
  });

  it('reverses short digit strings with an encoder-decoder (seq2seq) above 90% exact match', async () => {
    const random = rng(seed ^ 0x5eb);
    const length = 4;
    const samples = 1024;
    const START = 10;
    const sources: number[][] = Array.from({ length: samples }, () => Array.from({ length }, () => Math.floor(random() * 10)));
    const targets = sources.map((s) => [...s].reverse());
    const encoderInput = { shape: [samples, length, 10], data: oneHot(sources.flat(), 10) };
    const decoderInput = { shape: [samples, length, 11], data: oneHot(targets.flatMap((t) => [START, ...t.slice(0, -1)]), 11) };
    const decoderTarget = { shape: [samples, length, 10], data: oneHot(targets.flat(), 10) };
    const encoder = sequential({ seed: 1, layers: [layers.lstm({ units: 64, returnState: true, inputShape: [null, 10] })] });
    const decoder = sequential({ seed: 2, layers: [layers.lstm({ units: 64, returnSequences: true, inputShape: [null, 11] }), layers.dense({ units: 10, activation: 'softmax' })] });
    const model = encoderDecoder({ encoder, decoder, seed: 3 });
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit([encoderInput, decoderInput], decoderTarget, { epochs: 30, batchSize: 32, verbose: 0 });

    // Greedy decoding, one step at a time from the encoder's states.
    const test = Array.from({ length: 200 }, () => Array.from({ length }, () => Math.floor(random() * 10)));
    const states = model.encode({ shape: [test.length, length, 10], data: oneHot(test.flat(), 10) });
    let previous = Array.from({ length: test.length }, () => START);
    const decoded: number[][] = test.map(() => []);
    decoder.resetStates();
    for (let t = 0; t < length; t++) {
      const out = decoder.step({ shape: [test.length, 11], data: oneHot(previous, 11) }, t === 0 ? { initialState: states } : {});
      previous = argmaxRows(out.data, 10);
      previous.forEach((d, i) => decoded[i].push(d));
    }
    const exact = decoded.filter((d, i) => d.join() === [...test[i]].reverse().join()).length / test.length;
    expect(exact, replay).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('generates text one character at a time (one-to-many): step() and a seeded sample() continue what it learned', async () => {
    const text = 'the quick brown fox jumps over the lazy dog. ';
    const vocab = data.vocabulary(text, { level: 'char' });
    const ids = Array.from(vocab.encode(text.repeat(3)));
    const steps = 20;
    const starts = Array.from({ length: text.length }, (_, i) => i);
    // Many-to-many next-character windows: input ids[i … i+steps), targets ids[i+1 … i+steps].
    const x = data.oneHot(starts.map((i) => ids.slice(i, i + steps)), vocab.size);
    const y = data.oneHot(starts.map((i) => ids.slice(i + 1, i + steps + 1)), vocab.size);
    const model = sequential({ seed: 8, layers: [layers.lstm({ units: 48, returnSequences: true, inputShape: [null, vocab.size] }), layers.dense({ units: vocab.size, activation: 'softmax' })] });
    model.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });

    const generate = (temperature: number, seedValue: number) => {
      const rng = prng(seedValue);
      model.resetStates();
      const prime = 'the q'; // 'the ' alone is ambiguous: the text has it twice
      let probs: Tensor | undefined;
      for (const id of vocab.encode(prime)) probs = model.step(data.oneHot([id], vocab.size));
      let out = prime;
      for (let i = 0; i < text.length; i++) {
        const next = sample(probs!, { rng, temperature })[0];
        out += vocab.tokenAt(next);
        probs = model.step(data.oneHot([next], vocab.size));
      }
      return out;
    };
    expect(generate(0, 1)).toBe((text + text).slice(0, text.length + 5));
    // Seeded sampling is reproducible; a hot temperature strays from the text.
    expect(generate(1.5, 2)).toBe(generate(1.5, 2));
    expect(generate(3, 2)).not.toBe(generate(0, 2));
    model.dispose();
  });
});
