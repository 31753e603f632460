// The kernels MultiHeadAttention adds to the shared ones (GEMM projections, softmax, permute):
// the per-head products, batched over batch × heads and SIMD along each output row (the
// general batchMatmul of merge.ts is a plain loop, ~10× slower on these shapes), and writing a
// value into the attention scores wherever the [B, T, S] mask forbids a query step to look at
// a key step. Pointers are byte offsets, sizes in floats.

/**
 * scores [B][heads][T][S]: where keep[b][t][s] is 0, scores[b][h][t][s] becomes `value` (for
 * every head). Forward writes Keras's −1e9 before the softmax; backward writes 0 into the
 * score gradient, since a replaced score does not reach the output.
 */
export function maskHeadScores(scores: usize, keep: usize, B: i32, heads: i32, T: i32, S: i32, value: f32): void {
  const plane = <usize>T * <usize>S;
  for (let b = 0; b < B; b++) {
    const mask = keep + ((<usize>b * plane) << 2);
    for (let h = 0; h < heads; h++) {
      const out = scores + (((<usize>b * <usize>heads + <usize>h) * plane) << 2);
      for (let i: usize = 0; i < plane; i++) {
        if (load<f32>(mask + (i << 2)) == 0) store<f32>(out + (i << 2), value);
      }
    }
  }
}

/**
 * For each of `batch` pairs: C (m×n) = op(A)·B, with op(A) = A (stored m×k) or, with aT, Aᵀ
 * (A stored k×m), and B stored k×n; pair s's matrices start s·m·k, s·k·n and s·m·n floats in.
 * Each row of C is built over p = 0 … k−1 in order (four columns at a time with SIMD), so
 * every element is the in-order f32 sum Σ_p op(A)[i][p]·B[p][j]. The per-head products of
 * attention (scores, weighted values and their gradients) are all of this form once the
 * operands are laid out heads first.
 */
export function headsMatmul(a: usize, b: usize, c: usize, batch: i32, m: i32, n: i32, k: i32, aT: i32): void {
  const aI: usize = aT ? 1 : <usize>k;
  const aP: usize = aT ? <usize>m : 1;
  const body = n & ~3;
  const rowBytes = <usize>n << 2;
  for (let s = 0; s < batch; s++) {
    const as = a + ((<usize>s * <usize>m * <usize>k) << 2);
    const bs = b + ((<usize>s * <usize>k * <usize>n) << 2);
    const cs = c + ((<usize>s * <usize>m * <usize>n) << 2);
    for (let i = 0; i < m; i++) {
      const row = cs + <usize>i * rowBytes;
      memory.fill(row, 0, rowBytes);
      for (let p = 0; p < k; p++) {
        const x = load<f32>(as + ((<usize>i * aI + <usize>p * aP) << 2));
        const xv = f32x4.splat(x);
        const brow = bs + <usize>p * rowBytes;
        for (let j = 0; j < body; j += 4) {
          const o = <usize>j << 2;
          v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(xv, v128.load(brow + o))));
        }
        for (let j = body; j < n; j++) {
          const o = <usize>j << 2;
          store<f32>(row + o, load<f32>(row + o) + x * load<f32>(brow + o));
        }
      }
    }
  }
}
