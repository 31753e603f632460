// A layer kernel used as an (inputs × outputs) matrix, kept packed for the GEMM twice: with the
// bias for forward (y = x·W + b) and transposed for the input gradient (dx = dz·Wᵀ). Dense and
// Conv1D (whose (k, C, F) kernel is a (k·C × F) matrix) repack only when their weights change.
import { packedPanelSize, packWeights } from '../kernels/gemm.js';
import type { F32Region } from '../runtime/arena.js';
import type { Regions } from './layer.js';

export class PackedKernel {
  readonly forward: F32Region;
  readonly transposed: F32Region;
  private version = -1;

  constructor(
    regions: Regions,
    private readonly inputs: number,
    private readonly outputs: number,
  ) {
    this.forward = regions.alloc(packedPanelSize(outputs, inputs));
    this.transposed = regions.alloc(packedPanelSize(inputs, outputs));
  }

  /** The packed copies of `kernel` and `bias`, repacked first when `version` (the layer's weights version) moved. */
  current(version: number, kernel: F32Region, bias: F32Region | undefined): this {
    if (this.version !== version) {
      packWeights({ b: kernel, n: this.outputs, k: this.inputs, bias, out: this.forward });
      packWeights({ b: kernel, n: this.inputs, k: this.outputs, transB: true, out: this.transposed });
      this.version = version;
    }
    return this;
  }
}
