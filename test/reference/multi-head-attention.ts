// Float64 reference of Keras 3's MultiHeadAttention (keras/src/layers/attention/
// multi_head_attention.py), written from its definitions with plain index loops, independent
// of src/layers/multi-head-attention.ts. Row-major tensors, batch first:
//   query [B][T][Eq], value [B][S][Ev], key [B][S][Ek]
//   query/kernel [Eq][H][kd], query/bias [H][kd] (key likewise, value with vd),
//   attention_output/kernel [H][vd][O], attention_output/bias [O]
// Q = xq·Wq + bq, K, V likewise; scores[b,h,t,s] = Σ_d (Q[b,t,h,d]/√kd)·K[b,s,h,d], replaced
// by −1e9 where the combined mask is false; P = softmax over s; P' = P·drop (dropout mask,
// already scaled, optional); O[b,t,h,v] = Σ_s P'[b,h,t,s]·V[b,s,h,v]; y = O·Wo + bo.
// The combined mask (Keras's _compute_attention_mask): attentionMask[b,t,s] ≠ 0 AND
// queryMask[b,t] AND valueMask[b,s] AND keyMask[b,s] AND (s ≤ t when causal).

export interface MhaWeights {
  queryKernel: ArrayLike<number>;
  queryBias?: ArrayLike<number>;
  keyKernel: ArrayLike<number>;
  keyBias?: ArrayLike<number>;
  valueKernel: ArrayLike<number>;
  valueBias?: ArrayLike<number>;
  outputKernel: ArrayLike<number>;
  outputBias?: ArrayLike<number>;
}

export interface MhaProblem {
  B: number;
  T: number;
  S: number;
  heads: number;
  keyDim: number;
  valueDim: number;
  /** Feature sizes of query, value, key, and the output's last dimension. */
  queryFeatures: number;
  valueFeatures: number;
  keyFeatures: number;
  outputFeatures: number;
  query: ArrayLike<number>;
  value: ArrayLike<number>;
  key: ArrayLike<number>;
  weights: MhaWeights;
  attentionMask?: ArrayLike<number>;
  queryMask?: ArrayLike<number>;
  valueMask?: ArrayLike<number>;
  keyMask?: ArrayLike<number>;
  causal?: boolean;
  /** [B][H][T][S], already scaled by 1/(1 − rate). */
  dropMask?: ArrayLike<number>;
}

/** Whether query step t of sample b may attend to key step s. */
export function allowed(p: MhaProblem, b: number, t: number, s: number): boolean {
  const { T, S } = p;
  return (
    (!p.attentionMask || p.attentionMask[(b * T + t) * S + s] !== 0) &&
    (!p.queryMask || p.queryMask[b * T + t] !== 0) &&
    (!p.valueMask || p.valueMask[b * S + s] !== 0) &&
    (!p.keyMask || p.keyMask[b * S + s] !== 0) &&
    (!p.causal || s <= t)
  );
}

/** x [rows][E] · W [E][n] + bias [n]. */
function project(x: ArrayLike<number>, rows: number, E: number, W: ArrayLike<number>, n: number, bias: ArrayLike<number> | undefined): Float64Array {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j] : 0;
      for (let e = 0; e < E; e++) sum += x[r * E + e] * W[e * n + j];
      y[r * n + j] = sum;
    }
  }
  return y;
}

interface Intermediates {
  Q: Float64Array;
  K: Float64Array;
  V: Float64Array;
  probs: Float64Array;
  dropped: Float64Array;
  O: Float64Array;
  y: Float64Array;
}

function run(p: MhaProblem): Intermediates {
  const { B, T, S, heads: H, keyDim: kd, valueDim: vd, weights: w } = p;
  const Q = project(p.query, B * T, p.queryFeatures, w.queryKernel, H * kd, w.queryBias);
  const K = project(p.key, B * S, p.keyFeatures, w.keyKernel, H * kd, w.keyBias);
  const V = project(p.value, B * S, p.valueFeatures, w.valueKernel, H * vd, w.valueBias);
  const scale = 1 / Math.sqrt(kd);
  const probs = new Float64Array(B * H * T * S);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * H + h) * T + t) * S;
        for (let s = 0; s < S; s++) {
          let score = 0;
          for (let d = 0; d < kd; d++) score += Q[(b * T + t) * H * kd + h * kd + d] * scale * K[(b * S + s) * H * kd + h * kd + d];
          probs[row + s] = allowed(p, b, t, s) ? score : -1e9;
        }
        let max = -Infinity;
        for (let s = 0; s < S; s++) max = Math.max(max, probs[row + s]);
        let total = 0;
        for (let s = 0; s < S; s++) total += probs[row + s] = Math.exp(probs[row + s] - max);
        for (let s = 0; s < S; s++) probs[row + s] /= total;
      }
    }
  }
  const dropped = p.dropMask ? probs.map((v, i) => v * p.dropMask![i]) : probs;
  const O = new Float64Array(B * T * H * vd);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let v = 0; v < vd; v++) {
          let sum = 0;
          for (let s = 0; s < S; s++) sum += dropped[((b * H + h) * T + t) * S + s] * V[(b * S + s) * H * vd + h * vd + v];
          O[(b * T + t) * H * vd + h * vd + v] = sum;
        }
      }
    }
  }
  const y = project(O, B * T, H * vd, w.outputKernel, p.outputFeatures, w.outputBias);
  return { Q, K, V, probs, dropped, O, y };
}

/** The output [B][T][O] and the attention scores [B][H][T][S] (after softmax, before dropout). */
export function forward(p: MhaProblem): { output: Float64Array; scores: Float64Array } {
  const r = run(p);
  return { output: r.y, scores: r.probs };
}

export interface MhaGradients {
  dQuery: Float64Array;
  dValue: Float64Array;
  dKey: Float64Array;
  dWeights: { queryKernel: Float64Array; queryBias: Float64Array; keyKernel: Float64Array; keyBias: Float64Array; valueKernel: Float64Array; valueBias: Float64Array; outputKernel: Float64Array; outputBias: Float64Array };
}

/** dx = dz·Wᵀ, dW = xᵀ·dz, db = Σ dz for x [rows][E], W [E][n]. */
function projectBack(x: ArrayLike<number>, rows: number, E: number, W: ArrayLike<number>, n: number, dz: Float64Array): { dx: Float64Array; dW: Float64Array; db: Float64Array } {
  const dx = new Float64Array(rows * E);
  const dW = new Float64Array(E * n);
  const db = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const g = dz[r * n + j];
      db[j] += g;
      for (let e = 0; e < E; e++) {
        dx[r * E + e] += g * W[e * n + j];
        dW[e * n + j] += x[r * E + e] * g;
      }
    }
  }
  return { dx, dW, db };
}

/** Gradients of Σ dOutput·output + Σ dScores·scores (dScores optional). */
export function backward(p: MhaProblem, dOutput: ArrayLike<number>, dScores?: ArrayLike<number>): MhaGradients {
  const { B, T, S, heads: H, keyDim: kd, valueDim: vd, weights: w } = p;
  const { Q, K, V, probs, dropped, O } = run(p);
  const out = projectBack(O, B * T, H * vd, w.outputKernel, p.outputFeatures, Float64Array.from(dOutput));
  const dO = out.dx;
  const dV = new Float64Array(V.length);
  const dP = new Float64Array(probs.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let s = 0; s < S; s++) {
          const i = ((b * H + h) * T + t) * S + s;
          let sum = 0;
          for (let v = 0; v < vd; v++) {
            const dOv = dO[(b * T + t) * H * vd + h * vd + v];
            sum += dOv * V[(b * S + s) * H * vd + h * vd + v];
            dV[(b * S + s) * H * vd + h * vd + v] += dropped[i] * dOv;
          }
          dP[i] = sum * (p.dropMask ? p.dropMask[i] : 1) + (dScores ? dScores[i] : 0);
        }
      }
    }
  }
  const scale = 1 / Math.sqrt(kd);
  const dQ = new Float64Array(Q.length);
  const dK = new Float64Array(K.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const row = ((b * H + h) * T + t) * S;
        let inner = 0;
        for (let s = 0; s < S; s++) inner += dP[row + s] * probs[row + s];
        for (let s = 0; s < S; s++) {
          if (!allowed(p, b, t, s)) continue; // a replaced score does not reach the output
          const dScore = probs[row + s] * (dP[row + s] - inner) * scale;
          for (let d = 0; d < kd; d++) {
            dQ[(b * T + t) * H * kd + h * kd + d] += dScore * K[(b * S + s) * H * kd + h * kd + d];
            dK[(b * S + s) * H * kd + h * kd + d] += dScore * Q[(b * T + t) * H * kd + h * kd + d];
          }
        }
      }
    }
  }
  const q = projectBack(p.query, B * T, p.queryFeatures, w.queryKernel, H * kd, dQ);
  const k = projectBack(p.key, B * S, p.keyFeatures, w.keyKernel, H * kd, dK);
  const v = projectBack(p.value, B * S, p.valueFeatures, w.valueKernel, H * vd, dV);
  return {
    dQuery: q.dx,
    dValue: v.dx,
    dKey: k.dx,
    dWeights: { queryKernel: q.dW, queryBias: q.db, keyKernel: k.dW, keyBias: k.db, valueKernel: v.dW, valueBias: v.db, outputKernel: out.dW, outputBias: out.db },
  };
}
