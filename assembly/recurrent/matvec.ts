// The recurrent step's product for one sample (batch 1, latency-bound inference): C (=|+=) a·Bpacked
// over 32 columns (four gemm panels) per pass, eight f32x4 accumulators instead of the four of
// gemm's 1x16 kernel, so the loop is bound by the adders' throughput rather than their latency.
// Every element is computed exactly as gemm computes it (acc = bias, or C + bias; then
// acc + a_k·b_kj for k = 0 … K−1, separate mul and add), so results are the same bits as
// gemmPacked and as the batched path.
import { gemmPacked } from '../gemm';

const PANEL_COLUMNS = 8;

/** gemmPacked(M, N, K, A, lda, packed, C, ldc, accumulate), with M = 1 on the 1x32 kernel. */
export function stepGemm(M: i32, N: i32, K: i32, A: usize, lda: i32, packed: usize, C: usize, ldc: i32, accumulate: bool): void {
  if (M != 1) {
    gemmPacked(M, N, K, A, lda, packed, C, ldc, accumulate);
    return;
  }
  const stride = <usize>(K + 1) * PANEL_COLUMNS << 2;
  const groups = N >> 5;
  for (let g = 0; g < groups; g++) {
    tile1x32(K, A, packed + <usize>(4 * g) * stride, stride, C + (<usize>g << 7), accumulate);
  }
  const done = groups << 5;
  if (done < N) gemmPacked(1, N - done, K, A, lda, packed + <usize>(4 * groups) * stride, C + (<usize>done << 2), ldc, accumulate);
}

function tile1x32(K: i32, a: usize, w0: usize, stride: usize, c: usize, accumulate: bool): void {
  let w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
  const end = w0 + stride;
  let c0 = v128.load(w0), c1 = v128.load(w0, 16), c2 = v128.load(w1), c3 = v128.load(w1, 16);
  let c4 = v128.load(w2), c5 = v128.load(w2, 16), c6 = v128.load(w3), c7 = v128.load(w3, 16);
  if (accumulate) {
    c0 = f32x4.add(v128.load(c), c0);
    c1 = f32x4.add(v128.load(c, 16), c1);
    c2 = f32x4.add(v128.load(c, 32), c2);
    c3 = f32x4.add(v128.load(c, 48), c3);
    c4 = f32x4.add(v128.load(c, 64), c4);
    c5 = f32x4.add(v128.load(c, 80), c5);
    c6 = f32x4.add(v128.load(c, 96), c6);
    c7 = f32x4.add(v128.load(c, 112), c7);
  }
  w0 += 32;
  w1 += 32;
  w2 += 32;
  w3 += 32;
  a -= 4;
  while (w0 < end) {
    a += 4;
    const x = v128.load32_splat(a);
    c0 = f32x4.add(c0, f32x4.mul(x, v128.load(w0)));
    c1 = f32x4.add(c1, f32x4.mul(x, v128.load(w0, 16)));
    c2 = f32x4.add(c2, f32x4.mul(x, v128.load(w1)));
    c3 = f32x4.add(c3, f32x4.mul(x, v128.load(w1, 16)));
    c4 = f32x4.add(c4, f32x4.mul(x, v128.load(w2)));
    c5 = f32x4.add(c5, f32x4.mul(x, v128.load(w2, 16)));
    c6 = f32x4.add(c6, f32x4.mul(x, v128.load(w3)));
    c7 = f32x4.add(c7, f32x4.mul(x, v128.load(w3, 16)));
    w0 += 32;
    w1 += 32;
    w2 += 32;
    w3 += 32;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
  v128.store(c, c4, 64);
  v128.store(c, c5, 80);
  v128.store(c, c6, 96);
  v128.store(c, c7, 112);
}

