// A user-written RNN cell for the tests and the benchmark: SimpleRNN's step,
// h' = tanh(x·W + h·U + b), written against the public interface (layers.RNNCell,
// layers.RNNCellPlan, kernels.*), so it can be compared with the built-in SimpleRNN.
import * as kernels from '../../src/kernels/index.js';
import * as layers from '../../src/layers/index.js';
import type { F32Region } from '../../src/runtime/arena.js';

/** h' = tanh(x·W + h·U + b): SimpleRNN's step, written as a user cell with the public kernels. */
export class ElmanCell extends layers.RNNCell {
  static readonly className = 'ElmanCell';
  constructor(options: { units: number; name?: string; trainable?: boolean; dtype?: 'float32' }) {
    const { units, ...common } = options;
    super({ className: 'ElmanCell', prefix: 'elman_cell', options: {} }, common);
    this.units = units;
  }
  readonly units: number;
  get stateSize() {
    return [this.units];
  }
  get outputSize() {
    return this.units;
  }
  protected weightSpecs(inputShape: layers.Shape): layers.WeightSpec[] {
    const features = inputShape[1]!;
    return [
      layers.initializedWeight('kernel', [features, this.units], 'kernelInitializer', layers.initializers.glorotUniform()),
      layers.initializedWeight('recurrent_kernel', [this.units, this.units], 'recurrentInitializer', layers.initializers.orthogonal()),
      layers.initializedWeight('bias', [this.units], 'biasInitializer', layers.initializers.zeros()),
    ];
  }
  getConfig() {
    return { ...super.getConfig(), units: this.units };
  }
  protected createPlan(setup: layers.PlanSetup): layers.RNNCellPlan {
    return new ElmanCellPlan(setup);
  }
}

class ElmanCellPlan extends layers.RNNCellPlan {
  private readonly dz: F32Region;
  constructor(setup: layers.PlanSetup) {
    super(setup);
    this.dz = setup.regions.alloc(sizeOfShape(setup.outputShape));
  }
  protected runForward(x: F32Region, options: layers.ForwardOptions): undefined {
    const [kernel, recurrent, bias] = this.layer.weights;
    const [batch, features] = this.inputShape;
    const units = this.outputShape[1];
    const h = options.initialState![0];
    kernels.gemm({ a: x, b: kernel.value, c: this.output, m: batch, n: units, k: features, bias: bias.value });
    kernels.gemm({ a: h, b: recurrent.value, c: this.output, m: batch, n: units, k: units, accumulate: true });
    kernels.tanh(this.output);
    kernels.copy(this.output, this.states[0]);
    this.h = h;
    return undefined;
  }
  private h: F32Region | undefined;
  protected runBackward(x: F32Region, dOutput: F32Region, options: layers.BackwardOptions): void {
    const [kernel, recurrent, bias] = this.layer.weights;
    const [batch, features] = this.inputShape;
    const units = this.outputShape[1];
    const dState = options.dStates?.[0];
    if (dState) kernels.add(dOutput, dState, this.dz);
    else kernels.copy(dOutput, this.dz);
    kernels.activateGrad('tanh', this.output, this.dz);
    kernels.gemm({ a: x, b: this.dz, c: kernel.grad, m: features, n: units, k: batch, transA: true, accumulate: true });
    kernels.gemm({ a: this.h!, b: this.dz, c: recurrent.grad, m: units, n: units, k: batch, transA: true, accumulate: true });
    kernels.columnSums(this.dz, bias.grad, batch, units, true);
    if (this.dInput) kernels.gemm({ a: this.dz, b: kernel.value, c: this.dInput, m: batch, n: features, k: units, transB: true });
    kernels.gemm({ a: this.dz, b: recurrent.value, c: this.dInitialState[0], m: batch, n: units, k: units, transB: true });
  }
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
