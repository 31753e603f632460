// A chain of built layers planned for one concrete input shape: every layer's buffers for one
// batch shape, forward through all of them with the Keras mask flow, backward in reverse.
// Models keep a few of these (one per batch shape they meet) and reuse them every batch, so
// nothing is allocated per batch.
//
// forward  input [B, ...] (copied in by the caller) → output of the last layer (+ its mask)
// backward dOutput → every layer's weight gradients (added into their grads), dInitialState
//          of the layer that was given initial states
import type { F32Region } from '../runtime/arena.js';
import type { Prng } from '../util/prng.js';
import { Regions, sameShape, sizeOf, type Layer, type LayerPlan, type Mask } from '../layers/layer.js';

export interface StackForwardOptions {
  /** Dropout masks are drawn from it (training plans). */
  rng?: Prng;
  /** Initial states by layer index in the stack: [h] or [h, c], each [B, units]. */
  initialStates?: ReadonlyMap<number, readonly F32Region[]>;
}

export interface StackBackwardOptions {
  /** The gradient is already at the final Dense layer's pre-activation (a fused softmax/sigmoid loss). */
  preActivation?: boolean;
  /** Gradients arriving at the final states of the last layer (an encoder feeding a decoder). */
  dStates?: readonly F32Region[];
}

export class StackPlan {
  readonly inputShape: readonly number[];
  /** The batch's input: callers copy their samples here before forward(). */
  readonly input: F32Region;
  readonly plans: readonly LayerPlan[];
  private readonly regions = new Regions();
  private readonly kept = new KeptBuffers(this.regions);
  /** The mask that left the last layer in the last forward (a sequence output with padding). */
  outputMask: Mask | undefined;

  constructor(layers: readonly Layer[], inputShape: readonly number[], training: boolean) {
    this.inputShape = inputShape;
    const plans: LayerPlan[] = [];
    try {
      this.input = this.regions.alloc(sizeOf(inputShape));
      let shape = inputShape;
      layers.forEach((layer, i) => {
        // The first layer's input gradient is never needed: nothing upstream learns from it.
        const plan = layer.plan(shape, { training, inputGradient: i > 0 });
        plans.push(plan);
        shape = plan.outputShape;
      });
    } catch (error) {
      for (const plan of plans) plan.dispose();
      this.regions.freeAll();
      throw error;
    }
    this.plans = plans;
  }

  get output(): F32Region {
    return this.plans[this.plans.length - 1].output;
  }

  get outputShape(): readonly number[] {
    return this.plans[this.plans.length - 1].outputShape;
  }

  get batchSize(): number {
    return this.inputShape[0];
  }

  forward(options: StackForwardOptions = {}): void {
    let input = this.input;
    let mask: Mask | undefined;
    this.plans.forEach((plan, i) => {
      mask = plan.forward(input, { mask, rng: options.rng, initialState: options.initialStates?.get(i) });
      input = plan.output;
    });
    this.outputMask = mask;
  }

  backward(dOutput: F32Region, options: StackBackwardOptions = {}): void {
    let gradient = dOutput;
    for (let i = this.plans.length - 1; i >= 0; i--) {
      const plan = this.plans[i];
      const last = i === this.plans.length - 1;
      plan.backward(gradient, last ? { preActivation: options.preActivation, dStates: options.dStates } : {});
      if (i > 0) gradient = plan.dInput!;
    }
  }

  /** A region kept with this plan (a model's targets and output gradient for this batch shape), allocated on first use. */
  buffer(name: string, floats: number): F32Region {
    return this.kept.get(name, floats);
  }

  dispose(): void {
    for (const plan of this.plans) plan.dispose();
    this.regions.freeAll();
  }
}

/** Named regions kept with a plan (a model's targets and output gradients for its batch shape), allocated on first use and freed with the plan's regions. */
export class KeptBuffers {
  private readonly buffers = new Map<string, F32Region>();

  constructor(private readonly regions: Regions) {}

  get(name: string, floats: number): F32Region {
    let region = this.buffers.get(name);
    if (!region || region.length !== floats) {
      region = this.regions.alloc(floats);
      this.buffers.set(name, region);
    }
    return region;
  }
}

/** Plans by key (training or not, input shapes), the most recent few kept (training and inference, a last short batch). */
export class PlanCache<P extends { dispose(): void }> {
  private readonly entries = new Map<string, P>();

  constructor(private readonly limit = 4) {}

  get(key: string, create: () => P): P {
    let plan = this.entries.get(key);
    if (plan) {
      this.entries.delete(key); // re-inserted below: Map order is least recently used first
    } else {
      plan = create();
      if (this.entries.size >= this.limit) {
        const [oldestKey, oldest] = this.entries.entries().next().value as [string, P];
        oldest.dispose();
        this.entries.delete(oldestKey);
      }
    }
    this.entries.set(key, plan);
    return plan;
  }

  clear(): void {
    for (const plan of this.entries.values()) plan.dispose();
    this.entries.clear();
  }
}

/** A stack's plans by input shape. */
export class StackPlanCache {
  private readonly cache = new PlanCache<StackPlan>();
  /** The plan returned last (already the most recent in the cache): every batch of a fit asks for it again, without a key to build. */
  private last: { plan: StackPlan; training: boolean } | undefined;

  get(layers: readonly Layer[], inputShape: readonly number[], training: boolean): StackPlan {
    const last = this.last;
    if (last && last.training === training && sameShape(last.plan.inputShape, inputShape)) return last.plan;
    const plan = this.cache.get(`${training ? 't' : 'i'}${inputShape.join('x')}`, () => new StackPlan(layers, inputShape, training));
    this.last = { plan, training };
    return plan;
  }

  clear(): void {
    this.last = undefined;
    this.cache.clear();
  }
}
