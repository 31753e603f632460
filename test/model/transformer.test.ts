// A small Transformer encoder, built from the functional API: token ids → embedding +
// positionEmbedding → multiHeadAttention self-attention + add residual + layerNormalization →
// dense FFN + add + layerNormalization → globalAveragePooling1d → dense softmax. It learns a
// task that needs attention and positions: every sequence holds exactly one A and one B among
// random filler tokens, and the label is whether A comes before B. Each class has the same
// distribution of token counts (one A, one B, the same filler), so a bag of tokens cannot beat
// chance (50%); the same model without attention and positions (embedding → pooling → dense)
// is trained beside it to show that. Then save/load gives the same bits.
import { describe, expect, it } from 'vitest';
import { input, layers, loadModel, model, optimizers, type SymbolicTensor, type Tensor } from '../../src/index.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const LONG = process.env.SEQWASM_LONG === '1';

const [STEPS, VOCABULARY, A, B] = [8, 8, 1, 2];
const [WIDTH, HEADS, KEY_DIM, FFN] = [16, 2, 8, 32];

/** n sequences with one A and one B at distinct random places among filler tokens 3…7; label 1 when A comes first. */
function orderTask(n: number, salt: number): { ids: Tensor; labels: Tensor } {
  const random = rng(seed ^ salt);
  const ids = new Float32Array(n * STEPS);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < STEPS; t++) ids[i * STEPS + t] = 3 + Math.floor(random() * (VOCABULARY - 3));
    const a = Math.floor(random() * STEPS);
    let b = Math.floor(random() * (STEPS - 1));
    if (b >= a) b++;
    ids[i * STEPS + a] = A;
    ids[i * STEPS + b] = B;
    labels[i] = a < b ? 1 : 0;
  }
  return { ids: { shape: [n, STEPS], data: ids }, labels: { shape: [n], data: labels } };
}

function transformerEncoder() {
  const ids = input({ shape: [STEPS], name: 'ids' });
  const embedded = layers.embedding({ inputDim: VOCABULARY, outputDim: WIDTH }).apply(ids) as SymbolicTensor;
  const x = layers.positionEmbedding({ sequenceLength: STEPS }).apply(embedded) as SymbolicTensor;
  const attended = layers.multiHeadAttention({ numHeads: HEADS, keyDim: KEY_DIM }).apply([x, x]) as SymbolicTensor;
  const h = layers.layerNormalization().apply(layers.add().apply([x, attended])) as SymbolicTensor;
  const ffn = layers.dense({ units: WIDTH }).apply(layers.dense({ units: FFN, activation: 'relu' }).apply(h)) as SymbolicTensor;
  const encoded = layers.layerNormalization().apply(layers.add().apply([h, ffn])) as SymbolicTensor;
  const pooled = layers.globalAveragePooling1d().apply(encoded);
  return model({ inputs: ids, outputs: layers.dense({ units: 2, activation: 'softmax' }).apply(pooled), seed: 3 });
}

/** The same embedding and head without attention or positions: it sees only which tokens occur. */
function bagOfTokens() {
  const ids = input({ shape: [STEPS] });
  const embedded = layers.embedding({ inputDim: VOCABULARY, outputDim: WIDTH }).apply(ids);
  const hidden = layers.dense({ units: FFN, activation: 'relu' }).apply(layers.globalAveragePooling1d().apply(embedded));
  return model({ inputs: ids, outputs: layers.dense({ units: 2, activation: 'softmax' }).apply(hidden), seed: 3 });
}

describe('a small Transformer encoder', () => {
  it('learns whether A comes before B (which a bag of tokens cannot), and saves and loads to the same bits', async () => {
    const train = orderTask(LONG ? 4000 : 1200, 1);
    const test = orderTask(600, 2);
    const epochs = LONG ? 40 : 25;
    const accuracies: Record<string, number> = {};
    for (const [name, make] of [['transformer', transformerEncoder], ['bag of tokens', bagOfTokens]] as const) {
      const m = make();
      m.compile({ optimizer: optimizers.adam({ learningRate: 0.005 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      await m.fit(train.ids, train.labels, { epochs, batchSize: 32, verbose: 0 });
      accuracies[name] = (m.evaluate(test.ids, test.labels) as { accuracy: number }).accuracy;
      if (name === 'transformer') {
        const loaded = await loadModel(await m.save());
        expect((loaded.predict(test.ids) as Tensor).data, 'the loaded model predicts the same bits').toEqual((m.predict(test.ids) as Tensor).data);
        loaded.dispose();
      }
      m.dispose();
    }
    console.log(`order task, held-out accuracy after ${epochs} epochs: transformer ${accuracies.transformer.toFixed(3)}, bag of tokens ${accuracies['bag of tokens'].toFixed(3)} (${replay})`);
    expect(accuracies.transformer, replay).toBeGreaterThan(0.9);
    expect(accuracies['bag of tokens'], replay).toBeLessThan(0.6);
  }, 120_000);
});
