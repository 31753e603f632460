// Float64 references of the optimizer updates, written from the Keras 3 and TF.js 4.22
// sources independently of the Wasm kernels: one element at a time, in the textbook form
// (bias-corrected m̂ and v̂ for Adam, not the folded step size the kernel uses). Each function
// takes one weight tensor, its gradient and its slots and returns the new values, so a test
// can round the state it keeps to float32 between steps (what the kernels store) or not.

export interface Common {
  learningRate: number;
  /** Keras 3 decoupled decay, w ← w − w·weightDecay·learningRate before the update. */
  weightDecay?: number;
}

type Values = ArrayLike<number>;

function decayed(w: Values, p: Common): Float64Array {
  const out = Float64Array.from(w);
  const wd = p.weightDecay ?? 0;
  if (wd !== 0) for (let i = 0; i < out.length; i++) out[i] -= out[i] * wd * p.learningRate;
  return out;
}

/** Keras 3 SGD: velocity ← μ·velocity − lr·g; w ← w + velocity (Nesterov: w + μ·velocity − lr·g); μ = 0: w − lr·g. */
export function sgd(w: Values, g: Values, velocity: Values | undefined, p: Common & { momentum?: number; nesterov?: boolean }) {
  const x = decayed(w, p);
  const mu = p.momentum ?? 0;
  const vel = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (mu === 0) {
      x[i] -= p.learningRate * g[i];
      continue;
    }
    vel[i] = mu * velocity![i] - p.learningRate * g[i];
    x[i] += p.nesterov ? mu * vel[i] - p.learningRate * g[i] : vel[i];
  }
  return { w: x, velocity: vel };
}

/** Keras 3 RMSprop (centered: ms − mg² + ε under the root, Keras's sign). */
export function rmsprop(
  w: Values,
  g: Values,
  slots: { meanSquare: Values; momentum?: Values; meanGrad?: Values },
  p: Common & { rho: number; epsilon: number; momentum?: number; centered?: boolean },
) {
  const x = decayed(w, p);
  const n = x.length;
  const ms = new Float64Array(n);
  const mom = new Float64Array(n);
  const mg = new Float64Array(n);
  const mu = p.momentum ?? 0;
  for (let i = 0; i < n; i++) {
    ms[i] = p.rho * slots.meanSquare[i] + (1 - p.rho) * g[i] * g[i];
    let den = ms[i] + p.epsilon;
    if (p.centered) {
      mg[i] = p.rho * slots.meanGrad![i] + (1 - p.rho) * g[i];
      den = ms[i] - mg[i] * mg[i] + p.epsilon;
    }
    const inc = (p.learningRate * g[i]) / Math.sqrt(den);
    if (mu !== 0) {
      mom[i] = mu * slots.momentum![i] + inc;
      x[i] -= mom[i];
    } else x[i] -= inc;
  }
  return { w: x, meanSquare: ms, momentum: mom, meanGrad: mg };
}

export interface AdamParams extends Common {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 for the first step. */
  step: number;
  amsgrad?: boolean;
}

/** 1 − β^t with β a float32 variable, as both Keras 3 and TF.js hold it. */
const biasCorrection = (beta: number, t: number): number => 1 - Math.fround(beta) ** t;

/**
 * Adam as TF.js writes it (and Algorithm 1 of the paper): m̂ = m/(1−β1^t), v̂ = v/(1−β2^t),
 * w ← w − lr·m̂/(√v̂ + ε); AMSGrad keeps vhat = max(vhat, v) and uses it for v (Keras 3).
 */
export function adam(w: Values, g: Values, slots: { m: Values; v: Values; vhat?: Values }, p: AdamParams) {
  const x = decayed(w, p);
  const n = x.length;
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const vhat = new Float64Array(n);
  const c1 = biasCorrection(p.beta1, p.step);
  const c2 = biasCorrection(p.beta2, p.step);
  for (let i = 0; i < n; i++) {
    m[i] = p.beta1 * slots.m[i] + (1 - p.beta1) * g[i];
    v[i] = p.beta2 * slots.v[i] + (1 - p.beta2) * g[i] * g[i];
    let second = v[i];
    if (p.amsgrad) second = vhat[i] = Math.max(slots.vhat![i], v[i]);
    x[i] -= (p.learningRate * (m[i] / c1)) / (Math.sqrt(second / c2) + p.epsilon);
  }
  return { w: x, m, v, vhat };
}

/**
 * Adam as Keras 3 writes it: α = lr·√(1−β2^t)/(1−β1^t), m += (g − m)(1−β1),
 * v += (g² − v)(1−β2), w ← w − m·α/(√v + ε) — ε added to the uncorrected √v.
 */
export function adamKeras(w: Values, g: Values, slots: { m: Values; v: Values }, p: AdamParams) {
  const x = decayed(w, p);
  const n = x.length;
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const alpha = (p.learningRate * Math.sqrt(biasCorrection(p.beta2, p.step))) / biasCorrection(p.beta1, p.step);
  for (let i = 0; i < n; i++) {
    m[i] = slots.m[i] + (g[i] - slots.m[i]) * (1 - p.beta1);
    v[i] = slots.v[i] + (g[i] * g[i] - slots.v[i]) * (1 - p.beta2);
    x[i] -= (m[i] * alpha) / (Math.sqrt(v[i]) + p.epsilon);
  }
  return { w: x, m, v };
}

/** Adagrad (Keras 3 and TF.js): acc ← acc + g², w ← w − lr·g/√(acc + ε). */
export function adagrad(w: Values, g: Values, accumulator: Values, p: Common & { epsilon: number }) {
  const x = decayed(w, p);
  const acc = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    acc[i] = accumulator[i] + g[i] * g[i];
    x[i] -= (p.learningRate * g[i]) / Math.sqrt(acc[i] + p.epsilon);
  }
  return { w: x, accumulator: acc };
}

const norm = (g: Values): number => {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
};

/** Keras 3 clipnorm for one tensor: g·c / max(‖g‖, c). */
export function clipByNorm(g: Values, c: number): Float64Array {
  const scale = c / Math.max(norm(g), c);
  return Float64Array.from(g, (x) => x * scale);
}

/** Keras 3 global_clipnorm: every g·c·min(1/‖G‖, 1/c), ‖G‖ over all tensors. */
export function clipByGlobalNorm(gs: readonly Values[], c: number): Float64Array[] {
  const total = Math.sqrt(gs.reduce((s, g) => s + norm(g) ** 2, 0));
  const scale = c * Math.min(1 / total, 1 / c);
  return gs.map((g) => Float64Array.from(g, (x) => x * scale));
}

/** Keras 3 clipvalue: clip(g, −c, c). */
export function clipByValue(g: Values, c: number): Float64Array {
  return Float64Array.from(g, (x) => Math.min(Math.max(x, -c), c));
}

/** Keras ExponentialDecay: lr0·rate^(step/steps), the exponent floored when staircase. */
export function exponentialDecay(step: number, o: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): number {
  const p = step / o.decaySteps;
  return o.initialLearningRate * o.decayRate ** (o.staircase ? Math.floor(p) : p);
}

/** Keras PiecewiseConstantDecay: values[0] while step <= boundaries[0], …, the last once step > the last boundary. */
export function piecewiseConstantDecay(step: number, o: { boundaries: readonly number[]; values: readonly number[] }): number {
  if (step <= o.boundaries[0]) return o.values[0];
  for (let i = 1; i < o.boundaries.length; i++) if (step > o.boundaries[i - 1] && step <= o.boundaries[i]) return o.values[i];
  return o.values[o.values.length - 1];
}
