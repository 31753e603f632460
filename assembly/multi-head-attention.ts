// The one kernel MultiHeadAttention adds to the shared ones (GEMM projections, batchMatmul,
// softmax, permute): writing a value into the attention scores wherever the [B, T, S] mask
// forbids a query step to look at a key step. Pointers are byte offsets, sizes in floats.

/**
 * scores [B][heads][T][S]: where keep[b][t][s] is 0, scores[b][h][t][s] becomes `value` (for
 * every head). Forward writes Keras's −1e9 before the softmax; backward writes 0 into the
 * score gradient, since a replaced score does not reach the output.
 */
export function maskScores(scores: usize, keep: usize, B: i32, heads: i32, T: i32, S: i32, value: f32): void {
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
