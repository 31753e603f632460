// Digests of recurrent layers' results, for threads.test.ts to compare across thread counts
// (child.ts runs them after init({ threads })): the whole-layer kernels on odd shapes with
// every option that changes the time loop, and models trained through the public API. Every
// case is large enough (batch·steps·gates·units·(features + units) ≥ 2^19 multiply-adds) that
// the kernels split it across the pool's threads.
import type * as Seqwasm from '../../src/index.js';

type Api = typeof Seqwasm;
type Spec = Seqwasm.kernels.RecurrentSpec;

interface KernelCase {
  spec: Spec;
  lengths?: boolean;
  dropout?: boolean;
  initialState?: boolean;
  sequence?: boolean;
}

/** Odd batches (3, 17) and units (1, 3, 129); batch 1 stays on one thread and checks that path too. */
export const KERNEL_CASES: readonly KernelCase[] = [
  { spec: { cell: 'lstm', batch: 17, steps: 6, features: 5, units: 129 }, sequence: true, initialState: true },
  { spec: { cell: 'lstm', batch: 17, steps: 80, features: 100, units: 1, goBackwards: true }, lengths: true, dropout: true },
  { spec: { cell: 'lstm', batch: 3, steps: 9, features: 7, units: 129, recurrentActivation: 'hardSigmoid', maxSteps: 4 }, lengths: true, sequence: true },
  { spec: { cell: 'gru', batch: 3, steps: 5, features: 7, units: 129 }, sequence: true, dropout: true, initialState: true },
  { spec: { cell: 'gru', batch: 17, steps: 64, features: 61, units: 3, resetAfter: false }, lengths: true, sequence: true },
  { spec: { cell: 'gru', batch: 17, steps: 7, features: 9, units: 129, resetAfter: false, zeroOutputForMask: false, maxSteps: 3 }, lengths: true, sequence: true, dropout: true },
  { spec: { cell: 'simpleRNN', batch: 17, steps: 8, features: 3, units: 129, activation: 'relu' }, sequence: true, initialState: true },
  { spec: { cell: 'simpleRNN', batch: 3, steps: 40, features: 30, units: 33, goBackwards: true }, lengths: true, dropout: true },
  { spec: { cell: 'lstm', batch: 1, steps: 28, features: 28, units: 129 }, sequence: true, initialState: true },
];

/** SHA-256 over every output of inference, a training forward and its backward, for each KERNEL_CASES case. */
export async function kernelDigest(api: Api): Promise<string> {
  const { kernels } = api;
  const regions = api.arena();
  const rng = api.prng(11);
  const random = (length: number, scale = 1) => regions.fromArray(Float32Array.from({ length }, () => scale * (2 * rng.float32() - 1)));
  const dropoutMask = (length: number) => regions.fromArray(Float32Array.from({ length }, () => (rng.float32() < 0.3 ? 0 : 1 / 0.7)));
  const outputs: Float32Array[] = [];
  for (const c of KERNEL_CASES) {
    const { batch: B, steps: T, features: F, units: U } = c.spec;
    const lstm = c.spec.cell === 'lstm';
    const shapes = kernels.recurrentWeightShapes(c.spec);
    const size = (shape?: number[]) => (shape ? shape.reduce((a, b) => a * b, 1) : 0);
    const weights = { kernel: random(size(shapes.kernel), 0.5), recurrentKernel: random(size(shapes.recurrentKernel), 0.5), ...(shapes.bias && { bias: random(size(shapes.bias), 0.5) }) };
    const packed = kernels.packRecurrentWeights(c.spec, weights);
    const x = random(B * T * F);
    const masks = {
      ...(c.lengths && { lengths: Array.from({ length: B }, (_, b) => (b * 7) % (T + 1)) }),
      ...(c.dropout && { inputDropoutMask: dropoutMask(B * F), recurrentDropoutMask: dropoutMask(B * U) }),
    };
    const states = c.initialState ? { h0: random(B * U), ...(lstm && { c0: random(B * U) }) } : {};
    const made: Seqwasm.F32Region[] = [];
    const zeros = (length: number) => {
      const region = regions.fromArray(new Float32Array(length));
      made.push(region);
      return region;
    };
    // Inference, then a training forward and backward with every gradient asked for.
    const inferred = { finalH: zeros(B * U), ...(c.sequence && { sequence: zeros(B * T * U) }), ...(lstm && { finalC: zeros(B * U) }) };
    kernels.recurrentForward(c.spec, { x, packed, ...states, ...masks, ...inferred });
    const tape = zeros(kernels.recurrentTapeSize(c.spec));
    const trained = { finalH: zeros(B * U), ...(c.sequence && { sequence: zeros(B * T * U) }), ...(lstm && { finalC: zeros(B * U) }) };
    kernels.recurrentForward(c.spec, { x, packed, ...states, ...masks, ...trained, tape });
    const upstream = { dFinalH: random(B * U), ...(c.sequence && { dSequence: random(B * T * U) }), ...(lstm && { dFinalC: random(B * U) }) };
    const gradients = {
      dx: zeros(B * T * F), dH0: zeros(B * U), ...(lstm && { dC0: zeros(B * U) }),
      dKernel: zeros(size(shapes.kernel)), dRecurrentKernel: zeros(size(shapes.recurrentKernel)), ...(shapes.bias && { dBias: zeros(size(shapes.bias)) }),
    };
    kernels.recurrentBackward(c.spec, { x, packed, tape, ...masks, ...upstream, ...gradients });
    for (const region of [...Object.values(inferred), ...Object.values(trained), ...Object.values(gradients)] as Seqwasm.F32Region[]) outputs.push(region.toArray());
    for (const region of [...made, x, packed.region, ...Object.values(weights), ...Object.values(states), ...Object.values(upstream)] as Seqwasm.F32Region[]) regions.free(region);
    if (masks.inputDropoutMask) regions.free(masks.inputDropoutMask);
    if (masks.recurrentDropoutMask) regions.free(masks.recurrentDropoutMask);
  }
  return sha256(outputs);
}

/** Models trained with fit() (and then predicting), on batches large enough to split. */
export async function trainingDigest(api: Api): Promise<string> {
  const { sequential, layers } = api;
  const steps = 12;
  const features = 10;
  const samples = 51; // batches of 17 and, for the last, 17
  const models = [
    () => [layers.lstm({ units: 64, inputShape: [steps, features] })],
    () => [layers.gru({ units: 48, inputShape: [steps, features] })],
    () => [layers.gru({ units: 48, resetAfter: false, returnSequences: true, inputShape: [steps, features] }), layers.simpleRNN({ units: 33 })],
    () => [layers.simpleRNN({ units: 129, inputShape: [steps, features] })],
    () => [layers.masking({ maskValue: 0, inputShape: [steps, features] }), layers.bidirectional(layers.lstm({ units: 40, dropout: 0.1, recurrentDropout: 0.1 }))],
  ];
  const rng = api.prng(5);
  const x = Float32Array.from({ length: samples * steps * features }, () => 2 * rng.float32() - 1);
  // Padding for the masked model: each sample's trailing steps all-zero.
  for (let b = 0; b < samples; b++) x.fill(0, (b * steps + steps - (b % 5)) * features, (b + 1) * steps * features);
  const y = Float32Array.from({ length: samples * 3 }, () => 2 * rng.float32() - 1);
  const outputs: Float32Array[] = [];
  for (const [index, make] of models.entries()) {
    const model = sequential({ seed: 100 + index, layers: [...make(), layers.dense({ units: 3 })] });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const history = await model.fit({ shape: [samples, steps, features], data: x }, { shape: [samples, 3], data: y }, { epochs: 2, batchSize: 17, verbose: 0 });
    outputs.push(...model.getWeights().map((w) => w.data), Float32Array.from(history.history.loss), model.predict({ shape: [samples, steps, features], data: x }).data);
    model.dispose();
  }
  return sha256(outputs);
}

/** SHA-256 (hex) of the arrays' bytes, one after another. */
export async function sha256(parts: Float32Array[]): Promise<string> {
  const all = new Uint8Array(parts.reduce((bytes, p) => bytes + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    all.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
    at += p.byteLength;
  }
  return Buffer.from(await crypto.subtle.digest('SHA-256', all)).toString('hex');
}
