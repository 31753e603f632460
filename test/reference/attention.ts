// Float64 reference of Keras 3's Attention and AdditiveAttention (keras/src/layers/attention/
// attention.py and additive_attention.py), written from their definitions with plain index
// loops, independent of src/layers/attention.ts. Row-major, batch first:
// query [B, Tq, D], value [B, Tv, Dv], key [B, Tv, D] (the value when absent).
//
//   dot       s[b,i,j] = c · Σ_d q[b,i,d]·k[b,j,d]                      c = scale or 1
//   concat    s[b,i,j] = cw · Σ_d tanh(a·(q[b,i,d] + k[b,j,d]))        a = scale or 1, cw = concat_score_weight
//   additive  s[b,i,j] = Σ_d w[d]·tanh(q[b,i,d] + k[b,j,d])             w = scale [D] or 1
//   s −= 1e9 where the value mask is false at j, or (causal) j > i (once if both)
//   a = softmax_j(s), times an explicit dropout mask when given
//   out[b,i,:] = Σ_j a[b,i,j]·v[b,j,:], zero where the query mask is false
//
// Gradients are taken by central differences of this forward pass (test/layers/attention.test.ts).

export type AttentionForm = 'dot' | 'concat' | 'additive';

export interface AttentionShapes {
  batch: number;
  tq: number;
  tv: number;
  dim: number;
  valueDim: number;
}

export interface AttentionWeights {
  /** dot/concat: a scalar (one element); additive: dim elements; absent without useScale. */
  scale?: ArrayLike<number>;
  /** concat: one element. */
  concatScoreWeight?: ArrayLike<number>;
}

export interface AttentionCall {
  queryMask?: ArrayLike<number>;
  valueMask?: ArrayLike<number>;
  causal?: boolean;
  /** Already scaled: 0 or 1/(1 − rate), [B, Tq, Tv]. */
  dropoutMask?: ArrayLike<number>;
}

/** The output [B, Tq, Dv] and the attention weights [B, Tq, Tv] (after masking, softmax and dropout). */
export function forward(form: AttentionForm, q: ArrayLike<number>, v: ArrayLike<number>, k: ArrayLike<number> | undefined, shapes: AttentionShapes, weights: AttentionWeights, call: AttentionCall = {}): { output: Float64Array; scores: Float64Array } {
  const { batch, tq, tv, dim, valueDim } = shapes;
  const key = k ?? v;
  const scores = new Float64Array(batch * tq * tv);
  const output = new Float64Array(batch * tq * valueDim);
  const row = new Float64Array(tv);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < tq; i++) {
      for (let j = 0; j < tv; j++) {
        let s = 0;
        for (let d = 0; d < dim; d++) {
          const qd = q[(b * tq + i) * dim + d];
          const kd = key[(b * tv + j) * dim + d];
          if (form === 'dot') s += qd * kd;
          else if (form === 'concat') s += Math.tanh((weights.scale ? weights.scale[0] : 1) * (qd + kd));
          else s += (weights.scale ? weights.scale[d] : 1) * Math.tanh(qd + kd);
        }
        if (form === 'dot' && weights.scale) s *= weights.scale[0];
        if (form === 'concat') s *= weights.concatScoreWeight![0];
        const padded = call.valueMask !== undefined && !call.valueMask[b * tv + j];
        if (padded || (call.causal && j > i)) s -= 1e9;
        row[j] = s;
      }
      const max = Math.max(...row);
      let sum = 0;
      for (let j = 0; j < tv; j++) sum += Math.exp(row[j] - max);
      for (let j = 0; j < tv; j++) {
        const at = (b * tq + i) * tv + j;
        scores[at] = (Math.exp(row[j] - max) / sum) * (call.dropoutMask ? call.dropoutMask[at] : 1);
      }
      const kept = call.queryMask === undefined || call.queryMask[b * tq + i];
      for (let e = 0; e < valueDim; e++) {
        let o = 0;
        for (let j = 0; j < tv; j++) o += scores[(b * tq + i) * tv + j] * v[(b * tv + j) * valueDim + e];
        output[(b * tq + i) * valueDim + e] = kept ? o : 0;
      }
    }
  }
  return { output, scores };
}
