// npm run example:custom-layer — writing your own layer: a gated linear unit (Dauphin et al.,
// 2017), y = (x·W + b) ⊙ σ(x·V + c), on the last axis of [batch, features] or
// [batch, steps, features]. It extends layers.Layer as the built-in layers do: an option
// table, its weights (Keras-style names), and a plan whose forward and backward run the Wasm
// kernels (kernels.gemm, sigmoid, mul, columnSums) on arena regions. Then:
//   1. its backward is checked against finite differences of its own forward;
//   2. it trains between an LSTM and the output layer, forecasting a noisy wave one step
//      ahead (held-out error against the persistence forecast: the last value seen);
//   3. the model is saved and loaded back (layers.registerClass makes the class loadable)
//      and predicts the same bits.
import { arena, data, init, kernels, layers, loadModel, prng, sequential, type F32Region } from '../dist/node.js';
import { checkTarget, decimal, runWhenStarted, type LessonOptions, type LessonResult } from './lesson.js';

// ---- the layer ---------------------------------------------------------------------------

/** Options of the gated linear unit: the output size, and what every layer takes (name, inputShape, …). */
interface GatedLinearUnitOptions extends layers.LayerOptions {
  units: number;
}

/** Its kind: the class name saved in model.json, the prefix of automatic names, the option table (validated, saved in the config). */
const GLU_KIND = { className: 'GatedLinearUnit', prefix: 'gated_linear_unit', options: { units: layers.positiveInteger() } };

class GatedLinearUnit extends layers.Layer<typeof GLU_KIND.options> {
  /** The name registerClass() and loadModel know the class by. */
  static readonly className = GLU_KIND.className;

  constructor(options: GatedLinearUnitOptions) {
    super(GLU_KIND, options);
  }

  computeOutputShape(inputShape: layers.Shape): layers.Shape {
    this.expectRank(inputShape, 2, Infinity);
    this.expectKnown(inputShape, inputShape.length - 1, 'feature (last)');
    return [...inputShape.slice(0, -1), this.settings.units];
  }

  /** kernel and bias make the values, gate_kernel and gate_bias the gates. */
  protected weightSpecs(inputShape: layers.Shape): layers.WeightSpec[] {
    const features = inputShape[inputShape.length - 1]!;
    const { units } = this.settings;
    const { glorotUniform, zeros } = layers.initializers;
    return [
      layers.initializedWeight('kernel', [features, units], 'kernel', glorotUniform()),
      layers.initializedWeight('bias', [units], 'bias', zeros()),
      layers.initializedWeight('gate_kernel', [features, units], 'gate_kernel', glorotUniform()),
      layers.initializedWeight('gate_bias', [units], 'gate_bias', zeros()),
    ];
  }

  protected createPlan(setup: layers.PlanSetup): layers.LayerPlan {
    return new GatedLinearUnitPlan(setup);
  }
}

/** One batch shape's buffers: the values a and gates g [rows, units] that backward reuses, and two gradients. */
class GatedLinearUnitPlan extends layers.LayerPlan {
  private readonly rows: number;
  private readonly features: number;
  private readonly units: number;
  private readonly values: F32Region;
  private readonly gates: F32Region;
  private readonly dValues: F32Region | undefined;
  private readonly dGates: F32Region | undefined;

  constructor(setup: layers.PlanSetup) {
    super(setup); // allocates this.output and (training, wanted) this.dInput
    this.features = setup.inputShape[setup.inputShape.length - 1];
    this.units = setup.outputShape[setup.outputShape.length - 1];
    this.rows = setup.inputShape.reduce((a, b) => a * b, 1) / this.features; // every leading axis is a batch of rows
    const size = this.rows * this.units;
    [this.values, this.gates] = setup.regions.allocAll([size, size]);
    if (setup.training) [this.dValues, this.dGates] = setup.regions.allocAll([size, size]);
  }

  // y = a ⊙ g, a = x·W + b, g = σ(x·V + c)
  protected runForward(x: F32Region, options: layers.ForwardOptions): layers.Mask | undefined {
    const [kernel, bias, gateKernel, gateBias] = this.layer.weights;
    const { rows: m, units: n, features: k } = this;
    kernels.gemm({ a: x, b: kernel.value, c: this.values, m, n, k, bias: bias.value });
    kernels.gemm({ a: x, b: gateKernel.value, c: this.gates, m, n, k, bias: gateBias.value });
    kernels.sigmoid(this.gates);
    kernels.mul(this.values, this.gates, this.output);
    return options.mask; // per step: a sequence's mask passes on unchanged
  }

  // da = dy ⊙ g, dz = dy ⊙ a ⊙ g(1 − g); dW += xᵀ·da, dV += xᵀ·dz, db += Σ da, dc += Σ dz; dx = da·Wᵀ + dz·Vᵀ
  protected runBackward(x: F32Region, dy: F32Region): void {
    const [kernel, bias, gateKernel, gateBias] = this.layer.weights;
    const { rows, units, features } = this;
    const [dValues, dGates] = [this.dValues!, this.dGates!];
    kernels.mul(dy, this.gates, dValues);
    kernels.mul(dy, this.values, dGates);
    kernels.activateGrad('sigmoid', this.gates, dGates);
    kernels.gemm({ a: x, b: dValues, c: kernel.grad, m: features, n: units, k: rows, transA: true, accumulate: true });
    kernels.gemm({ a: x, b: dGates, c: gateKernel.grad, m: features, n: units, k: rows, transA: true, accumulate: true });
    kernels.columnSums(dValues, bias.grad, rows, units, true);
    kernels.columnSums(dGates, gateBias.grad, rows, units, true);
    if (this.dInput) {
      kernels.gemm({ a: dValues, b: kernel.value, c: this.dInput, m: rows, n: features, k: units, transB: true });
      kernels.gemm({ a: dGates, b: gateKernel.value, c: this.dInput, m: rows, n: features, k: units, transB: true, accumulate: true });
    }
  }
}

// ---- 1. the gradient against finite differences ------------------------------------------------

/**
 * The worst relative error between backward's gradient and a central difference of forward's
 * loss L = Σ r·y, along random directions, for the input and each weight. The forward runs in
 * float32, so the step is 1e-2 (truncation and round-off stay near 1e-5 relative).
 */
function gradientCheck(log: (line: string) => void): number {
  const [B, T, F] = [3, 4, 5];
  const rng = prng(21);
  const random = (n: number) => Float32Array.from({ length: n }, () => rng.float32() * 2 - 1);
  const layer = new GatedLinearUnit({ units: 6 });
  layer.build([null, T, F], rng.derive('init'));
  const plan = layer.plan([B, T, F], { training: true });
  const memory = arena();
  const x = memory.fromArray(random(B * T * F));
  const r = random(plan.output.length);
  const loss = () => {
    plan.forward(x);
    const y = plan.output.toArray();
    return y.reduce((sum, v, i) => sum + r[i] * v, 0);
  };
  loss();
  const dy = memory.fromArray(r);
  plan.backward(dy);
  let worst = 0;
  const targets: { name: string; value: F32Region; grad: Float32Array }[] = [{ name: 'x', value: x, grad: plan.dInput!.toArray() }, ...layer.weights.map((w) => ({ name: w.name, value: w.value, grad: w.grad.toArray() }))];
  for (const { name, value, grad } of targets) {
    for (let trial = 0; trial < 4; trial++) {
      const direction = random(value.length);
      const saved = value.toArray();
      const along = (eps: number) => {
        value.set(saved.map((v, i) => v + eps * direction[i]));
        return loss();
      };
      const eps = 1e-2;
      const numeric = (along(eps) - along(-eps)) / (2 * eps);
      value.set(saved);
      const analytic = grad.reduce((sum, g, i) => sum + g * direction[i], 0);
      const error = Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1);
      worst = Math.max(worst, error);
      if (trial === 0) log(`  ${name.padEnd(32)} backward ${analytic.toFixed(6).padStart(11)}   finite difference ${numeric.toFixed(6).padStart(11)}`);
    }
  }
  for (const region of [x, dy]) memory.free(region);
  layer.dispose();
  return worst;
}

// ---- 2 and 3. in a model: trained, saved, loaded -------------------------------------------------

export async function main({ quick = false, verbose = false, log = console.log }: LessonOptions = {}): Promise<LessonResult> {
  await init();
  layers.registerClass(GatedLinearUnit);

  log('Gradient of the gated linear unit, backward against finite differences (one direction each):');
  const gradientError = gradientCheck(log);

  // A wave with a slower wave on top and noise; windows of 24 readings → the next one.
  const rng = prng(5);
  const length = quick ? 700 : 2000;
  const series = Float32Array.from({ length }, (_, t) => Math.sin(t / 6) + 0.5 * Math.sin(t / 23 + 1) + 0.1 * (rng.float32() * 2 - 1));
  const steps = 24;
  const { x, y } = data.timeseriesWindows(series, { sequenceLength: steps, targetOffset: steps });
  const { xTrain, xTest, yTrain, yTest } = data.trainTestSplit(x, y!, { testSize: 0.2, seed: 7 });

  const model = sequential({ seed: 3, layers: [layers.lstm({ units: 16, inputShape: [steps, 1] }), new GatedLinearUnit({ units: 8 }), layers.dense({ units: 1 })] });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  if (verbose) model.summary(log);
  await model.fit(xTrain, yTrain, { epochs: quick ? 12 : 40, batchSize: 32, verbose: verbose ? 2 : 0 });

  const { loss: modelError } = model.evaluate(xTest, yTest) as { loss: number };
  const rows = yTest.shape[0];
  let persistence = 0;
  for (let i = 0; i < rows; i++) persistence += (xTest.data[i * steps + steps - 1] - yTest.data[i]) ** 2;
  persistence /= rows;
  const ratio = modelError / persistence;
  log(`Held-out mean squared error: model ${modelError.toFixed(4)}, persistence ${persistence.toFixed(4)} (ratio ${ratio.toFixed(3)})`);

  // Saved in memory (file://, indexeddb:// … work alike) and loaded back as a new model.
  const saved = model.save();
  const again = await loadModel(saved);
  const [before, after] = [model.predict(xTest).data, again.predict(xTest).data];
  const differing = before.reduce((count, v, i) => count + (Object.is(v, after[i]) ? 0 : 1), 0);
  log(`Saved and loaded: layers ${again.layers.map((l) => l.className).join(', ')}; ${differing} of ${before.length} predictions differ`);
  model.dispose();
  again.dispose();

  const ratioTarget = quick ? 0.7 : 0.3; // measured 0.515 quick, 0.226 full
  return {
    checks: [
      checkTarget('worst relative gradient error', gradientError, 1e-3, { compare: '≤', format: (v) => v.toExponential(1) }),
      checkTarget('held-out MSE ÷ persistence MSE', ratio, ratioTarget, { compare: '≤', format: decimal }),
      checkTarget('predictions that differ after save and load', differing, 0, { compare: '=', format: String }),
    ],
    figures: { gradientError, modelError, persistence, ratio },
  };
}

await runWhenStarted(import.meta.url, main);
