// Float64 references of the losses and metrics, written from the Keras 3 definitions
// (keras/src/losses/losses.py and the backends' crossentropies), independently of the Wasm
// kernels. A loss is the mean over rows of a per-row loss; each `row` function takes one row
// (so a finite difference of one element needs only its row), `mean` averages them.
// Probabilities are clipped to [float32(1e-7), float32(1 − 1e-7)] as a float32 Keras model does.

export const EPSILON = Math.fround(1e-7);
export const ONE_MINUS_EPSILON = Math.fround(1 - 1e-7);
const clip = (p: number): number => Math.min(Math.max(p, EPSILON), ONE_MINUS_EPSILON);

/** A row loss: pred and target rows of `width` (sparse: target[0] is the class id). */
export type RowLoss = (pred: ArrayLike<number>, target: ArrayLike<number>) => number;

/** log(1 + e^x) without overflow. */
export const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Row-wise softmax in float64. */
export function softmax(z: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let j = 0; j < z.length; j++) m = Math.max(m, z[j]);
  const e = Float64Array.from(z, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const meanOf = (values: ArrayLike<number>, f: (j: number) => number): number => {
  let s = 0;
  for (let j = 0; j < values.length; j++) s += f(j);
  return s / values.length;
};

export const rowLosses = {
  meanSquaredError: (p: ArrayLike<number>, y: ArrayLike<number>) => meanOf(p, (j) => (p[j] - y[j]) ** 2),
  meanAbsoluteError: (p: ArrayLike<number>, y: ArrayLike<number>) => meanOf(p, (j) => Math.abs(p[j] - y[j])),
  huber: (delta: number): RowLoss => (p, y) =>
    meanOf(p, (j) => {
      const a = Math.abs(p[j] - y[j]);
      return a <= delta ? 0.5 * a * a : delta * a - 0.5 * delta * delta;
    }),
  binaryCrossentropy: (fromLogits: boolean): RowLoss => (p, y) =>
    meanOf(p, (j) => {
      if (fromLogits) return y[j] * softplus(-p[j]) + (1 - y[j]) * softplus(p[j]); // −y·log σ(z) − (1 − y)·log(1 − σ(z))
      const q = clip(p[j]);
      return -(y[j] * Math.log(q) + (1 - y[j]) * Math.log(1 - q));
    }),
  categoricalCrossentropy: (fromLogits: boolean): RowLoss => (p, y) => {
    let loss = 0;
    if (fromLogits) {
      // log softmax from the max-shifted logits, so ±80 stays exact.
      let m = -Infinity;
      for (let j = 0; j < p.length; j++) m = Math.max(m, p[j]);
      let sum = 0;
      for (let j = 0; j < p.length; j++) sum += Math.exp(p[j] - m);
      for (let j = 0; j < p.length; j++) if (y[j] !== 0) loss -= y[j] * (p[j] - m - Math.log(sum));
      return loss;
    }
    let total = 0;
    for (let j = 0; j < p.length; j++) total += p[j];
    for (let j = 0; j < p.length; j++) loss -= y[j] * Math.log(clip(p[j] / total));
    return loss;
  },
  /** Sparse: the categorical loss of the one-hot row of target[0]. */
  sparseCategoricalCrossentropy: (fromLogits: boolean): RowLoss => {
    const dense = rowLosses.categoricalCrossentropy(fromLogits);
    return (p, id) => dense(p, oneHot(id[0], p.length));
  },
};

export function oneHot(id: number, width: number): Float64Array {
  const row = new Float64Array(width);
  row[id] = 1;
  return row;
}

/** Row r of a row-major [rows, width] array (sparse targets: [id]). */
export const row = (a: ArrayLike<number>, r: number, width: number): ArrayLike<number> => Array.prototype.slice.call(a, r * width, (r + 1) * width);

/**
 * The rows of a row-major [rows, width] array whose mask is nonzero, in order (sparse targets:
 * width 1). Keras 3 weighs a masked row 0 and averages over the valid rows, so a masked loss
 * or metric is the unmasked one of these rows alone.
 */
export function validRows(a: ArrayLike<number>, mask: ArrayLike<number>, width: number): Float64Array {
  const out: number[] = [];
  for (let r = 0; r < mask.length; r++) if (mask[r] !== 0) for (let j = 0; j < width; j++) out.push(a[r * width + j]);
  return Float64Array.from(out);
}

/** The mean over rows of a row loss. */
export function mean(loss: RowLoss, pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number, sparse = false): number {
  let total = 0;
  for (let r = 0; r < rows; r++) total += loss(row(pred, r, width), sparse ? [target[r]] : row(target, r, width));
  return total / rows;
}

/** d(mean loss)/d(pred) by central differences of each row's loss (step h, in float64). */
export function finiteDifference(loss: RowLoss, pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number, sparse = false, h = 1e-5): Float64Array {
  const grad = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const p = Float64Array.from(row(pred, r, width));
    const y = sparse ? [target[r]] : row(target, r, width);
    for (let j = 0; j < width; j++) {
      const saved = p[j];
      p[j] = saved + h;
      const up = loss(p, y);
      p[j] = saved - h;
      const down = loss(p, y);
      p[j] = saved;
      grad[r * width + j] = (up - down) / (2 * h) / rows;
    }
  }
  return grad;
}

/** The first index of the row maximum (NaN-free rows). */
export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < a.length; j++) if (a[j] > a[best]) best = j;
  return best;
}

/** Metrics: the sum over rows of the per-row value. */
export const metricSums = {
  categoricalAccuracy(pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number): number {
    let hits = 0;
    for (let r = 0; r < rows; r++) if (argmax(row(pred, r, width)) === argmax(row(target, r, width))) hits++;
    return hits;
  },
  sparseCategoricalAccuracy(pred: ArrayLike<number>, ids: ArrayLike<number>, rows: number, width: number): number {
    let hits = 0;
    for (let r = 0; r < rows; r++) if (argmax(row(pred, r, width)) === ids[r]) hits++;
    return hits;
  },
  binaryAccuracy(pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number, threshold = 0.5): number {
    let total = 0;
    for (let r = 0; r < rows; r++) {
      let hits = 0;
      for (let j = 0; j < width; j++) if (target[r * width + j] === (pred[r * width + j] > threshold ? 1 : 0)) hits++;
      total += hits / width;
    }
    return total;
  },
  meanAbsoluteError: (pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number): number => rows * mean(rowLosses.meanAbsoluteError, pred, target, rows, width),
  meanSquaredError: (pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width: number): number => rows * mean(rowLosses.meanSquaredError, pred, target, rows, width),
};
