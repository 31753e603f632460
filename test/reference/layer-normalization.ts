// LayerNormalization over the last axis, from Keras's definition: per row of n features,
// mean μ, biased variance σ², y = (x − μ)/√(σ² + ε)·γ + β (γ = 1, β = 0 when scale/center off).
// The backward pass is the chain rule written out term by term: through x̂ directly, through
// μ and through σ² (independently of the compact formula the Wasm kernel uses).
import type { Tensor, TensorLike } from './tensor.js';

export interface LayerNormWeights {
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
}

function rowStats(x: ArrayLike<number>, start: number, n: number, epsilon: number): { mean: number; variance: number; inv: number } {
  let mean = 0;
  for (let j = 0; j < n; j++) mean += x[start + j];
  mean /= n;
  let variance = 0;
  for (let j = 0; j < n; j++) variance += (x[start + j] - mean) ** 2;
  variance /= n;
  return { mean, variance, inv: 1 / Math.sqrt(variance + epsilon) };
}

export function forward(x: TensorLike, w: LayerNormWeights, epsilon = 1e-3): Tensor {
  const n = x.shape[x.shape.length - 1];
  const y = new Float64Array(x.data.length);
  for (let r = 0; r < y.length; r += n) {
    const { mean, inv } = rowStats(x.data, r, n, epsilon);
    for (let j = 0; j < n; j++) y[r + j] = (x.data[r + j] - mean) * inv * (w.gamma ? w.gamma[j] : 1) + (w.beta ? w.beta[j] : 0);
  }
  return { shape: [...x.shape], data: y };
}

export function backward(x: TensorLike, w: LayerNormWeights, dy: ArrayLike<number>, epsilon = 1e-3): { dx: Float64Array; dGamma: Float64Array; dBeta: Float64Array } {
  const n = x.shape[x.shape.length - 1];
  const dx = new Float64Array(x.data.length);
  const dGamma = new Float64Array(n);
  const dBeta = new Float64Array(n);
  for (let r = 0; r < dx.length; r += n) {
    const { mean, variance, inv } = rowStats(x.data, r, n, epsilon);
    const dxhat = Float64Array.from({ length: n }, (_, j) => dy[r + j] * (w.gamma ? w.gamma[j] : 1));
    // dL/dσ² = Σ dx̂·(x − μ)·(−½)(σ² + ε)^(−3/2);  dL/dμ = Σ −dx̂·inv + dL/dσ²·Σ −2(x − μ)/n (= 0)
    let dVariance = 0;
    let dMean = 0;
    for (let j = 0; j < n; j++) {
      const centred = x.data[r + j] - mean;
      dVariance += dxhat[j] * centred * -0.5 * (variance + epsilon) ** -1.5;
      dMean -= dxhat[j] * inv;
      dGamma[j] += dy[r + j] * centred * inv;
      dBeta[j] += dy[r + j];
    }
    for (let j = 0; j < n; j++) dx[r + j] = dxhat[j] * inv + (dVariance * 2 * (x.data[r + j] - mean)) / n + dMean / n;
  }
  return { dx, dGamma, dBeta };
}
