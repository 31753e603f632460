// A layer written by a user against the public interface (layers.Layer, LayerPlan, the option
// parsers, initializedWeight, kernels.*): a learnable per-feature scale and shift,
// y = x ⊙ γ + β on the last axis. Checked against a float64 reference and by finite
// differences; trained in a model; saved and loaded once registered with layers.registerClass,
// and refused with the usual clear error before that. registerClass's own refusals.
import { afterEach, describe, expect, it } from 'vitest';
import { kernels, layers, loadModel, sequential, type F32Region } from '../../src/index.js';
import { Prng } from '../../src/util/prng.js';
import { uniform } from '../util/random.js';
import { expectClose, freeAll, randomFor, region } from './helpers.js';

afterEach(freeAll);

const SCALE_SHIFT = { className: 'ScaleShift', prefix: 'scale_shift', options: { center: layers.flag(true) } };

/** y = x ⊙ γ + β per feature (β only with center). */
class ScaleShift extends layers.Layer<typeof SCALE_SHIFT.options> {
  static readonly className: string = 'ScaleShift';
  constructor(options: layers.LayerOptions & { center?: boolean } = {}) {
    super(SCALE_SHIFT, options);
  }
  computeOutputShape(inputShape: layers.Shape): layers.Shape {
    this.expectRank(inputShape, 2, Infinity);
    this.expectKnown(inputShape, inputShape.length - 1, 'feature (last)');
    return inputShape;
  }
  protected weightSpecs(inputShape: layers.Shape): layers.WeightSpec[] {
    const features = inputShape[inputShape.length - 1]!;
    const specs = [layers.initializedWeight('gamma', [features], 'gamma', layers.initializers.ones())];
    if (this.settings.center) specs.push(layers.initializedWeight('beta', [features], 'beta', layers.initializers.zeros()));
    return specs;
  }
  protected createPlan(setup: layers.PlanSetup): layers.LayerPlan {
    return new ScaleShiftPlan(setup);
  }
}

class ScaleShiftPlan extends layers.LayerPlan {
  private readonly rows: number;
  private readonly features: number;
  /** γ repeated for every row, and a product buffer for backward. */
  private readonly gammaRows: F32Region;
  private readonly scratch: F32Region;
  constructor(setup: layers.PlanSetup) {
    super(setup);
    this.features = setup.inputShape[setup.inputShape.length - 1];
    this.rows = setup.inputShape.reduce((a, b) => a * b, 1) / this.features;
    [this.gammaRows, this.scratch] = setup.regions.allocAll([this.rows * this.features, this.rows * this.features]);
  }
  protected runForward(x: F32Region, options: layers.ForwardOptions): layers.Mask | undefined {
    const [gamma, beta] = this.layer.weights;
    // γ for every row: a rows×1 matrix of ones times γ (1×F) is one gemm; here a copy per row.
    for (let r = 0; r < this.rows; r++) kernels.copy(gamma.value, this.gammaRows.sub(r * this.features, this.features));
    kernels.mul(x, this.gammaRows, this.output);
    if (beta) for (let r = 0; r < this.rows; r++) kernels.add(this.output.sub(r * this.features, this.features), beta.value, this.output.sub(r * this.features, this.features));
    return options.mask;
  }
  protected runBackward(x: F32Region, dy: F32Region): void {
    const [gamma, beta] = this.layer.weights;
    kernels.mul(dy, x, this.scratch);
    kernels.columnSums(this.scratch, gamma.grad, this.rows, this.features, true);
    if (beta) kernels.columnSums(dy, beta.grad, this.rows, this.features, true);
    if (this.dInput) kernels.mul(dy, this.gammaRows, this.dInput);
  }
}

describe('a user-written layer (learnable scale and shift)', () => {
  it('matches a float64 reference, forward and backward, on sequences', () => {
    const random = randomFor('scale shift reference');
    const [B, T, F] = [2, 3, 5];
    const layer = new ScaleShift();
    layer.build([null, T, F], new Prng(1));
    const [gamma, beta] = [uniform(random, F), uniform(random, F)];
    layer.setWeights([{ shape: [F], data: gamma }, { shape: [F], data: beta }]);
    expect(layer.weights.map((w) => w.name)).toEqual([`${layer.name}/gamma`, `${layer.name}/beta`]);
    const plan = layer.plan([B, T, F], { training: true });
    const x = uniform(random, B * T * F);
    const dy = uniform(random, B * T * F);
    const mask = Uint8Array.of(1, 1, 0, 1, 0, 0);
    expect(plan.forward(region(x), { mask })).toBe(mask);
    plan.backward(region(dy));
    const f = (i: number) => i % F;
    expectClose('y', plan.output.toArray(), Float64Array.from(x, (v, i) => v * gamma[f(i)] + beta[f(i)]), 1e-6);
    expectClose('dx', plan.dInput!.toArray(), Float64Array.from(dy, (d, i) => d * gamma[f(i)]), 1e-6);
    const dGamma = new Float64Array(F);
    const dBeta = new Float64Array(F);
    dy.forEach((d, i) => {
      dGamma[f(i)] += d * x[i];
      dBeta[f(i)] += d;
    });
    expectClose('dGamma', layer.weights[0].grad.toArray(), dGamma, 1e-5);
    expectClose('dBeta', layer.weights[1].grad.toArray(), dBeta, 1e-5);
    layer.dispose();
  });

  it('its options are validated like a built-in layer’s, and saved in its config', () => {
    expect(() => new ScaleShift({ center: 'yes' } as never)).toThrow(/center must be true or false/);
    expect(() => new ScaleShift({ centre: true } as never)).toThrow(/centre.*did you mean 'center'/);
    const layer = new ScaleShift({ center: false, name: 'affine' });
    expect(layer.toJSON()).toEqual({ class_name: 'ScaleShift', config: { name: 'affine', trainable: true, dtype: 'float32', center: false } });
  });

  it('trains in a model; loadModel refuses the class until it is registered, then predicts the same bits', async () => {
    const random = randomFor('scale shift model');
    const model = sequential({ seed: 4, layers: [layers.gru({ units: 4, inputShape: [6, 2], returnSequences: true }), new ScaleShift({ name: 'affine' }), layers.globalAveragePooling1d(), layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = { shape: [24, 6, 2], data: uniform(random, 24 * 12) };
    const y = { shape: [24, 1], data: uniform(random, 24) };
    const gammaBefore = model.layers[1].getWeights()[0].data;
    const history = await model.fit(x, y, { epochs: 8, batchSize: 8, verbose: 0 });
    expect(history.history.loss[7]).toBeLessThan(history.history.loss[0]);
    expect(model.layers[1].getWeights()[0].data).not.toEqual(gammaBefore);
    const saved = model.save();
    await expect(loadModel(saved)).rejects.toThrow(/class_name "ScaleShift" is not a layer seqwasm has .* nor one given to layers\.registerClass\(\)/);
    layers.registerClass(ScaleShift);
    layers.registerClass(ScaleShift); // the same class again is fine
    const again = await loadModel(saved);
    expect(again.layers[1]).toBeInstanceOf(ScaleShift);
    expect(again.predict(x).data).toEqual(model.predict(x).data);
    again.dispose();
    model.dispose();
  });

  it('registerClass refuses what it cannot revive', () => {
    class NotALayer {
      static readonly className = 'NotALayer';
    }
    class Anonymous extends ScaleShift {}
    class Lstm extends ScaleShift {
      static readonly className = 'LSTM';
    }
    class Other extends ScaleShift {
      static readonly className = 'ScaleShift';
    }
    expect(() => layers.registerClass(NotALayer as never)).toThrow(/must extend layers\.Layer/);
    expect(() => layers.registerClass({} as never)).toThrow(/a layer class with a static className/);
    expect(() => layers.registerClass(Lstm)).toThrow(/'LSTM' is one of seqwasm's own layers/);
    layers.registerClass(ScaleShift);
    expect(() => layers.registerClass(Other)).toThrow(/'ScaleShift' is already registered for another class/);
    expect(Anonymous.className).toBe('ScaleShift'); // inherited: registering it would be the same name as well
  });
});
