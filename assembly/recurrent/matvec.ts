// The recurrent step's product for one sample (batch 1, latency-bound inference): C (=|+=) a·Bpacked
// over 48 columns (six gemm panels) per pass, then 32, with twelve or eight f32x4 accumulators
// instead of the four of gemm's 1x16 kernel, so the loop is bound by the adders' throughput
// rather than their latency, and six weight streams keep more of the L2 → L1 traffic in
// flight (U of an LSTM(128) is 264 KB: it comes from L2 every step). Measured with
// bench/ab.ts: LSTM(128) b1 forward 3–7% faster than four panels a pass, the same bits.
// Every element is computed exactly as gemm computes it (acc = bias, or C + bias; then
// acc + a_k·b_kj for k = 0 … K−1, separate mul and add), so results are the same bits as
// gemmPacked and as the batched path.
import { gemmPacked } from '../gemm';

const PANEL_COLUMNS = 8;

/** gemmPacked(M, N, K, A, lda, packed, C, ldc, accumulate), with M = 1 on the 1x48 and 1x32 kernels. */
export function stepGemm(M: i32, N: i32, K: i32, A: usize, lda: i32, packed: usize, C: usize, ldc: i32, accumulate: bool): void {
  if (M != 1) {
    gemmPacked(M, N, K, A, lda, packed, C, ldc, accumulate);
    return;
  }
  const stride = <usize>(K + 1) * PANEL_COLUMNS << 2;
  const panels = N / PANEL_COLUMNS;
  let p = 0;
  for (; p + 6 <= panels; p += 6) tile1x48(K, A, packed + <usize>p * stride, stride, C + (<usize>p << 5), accumulate);
  if (p + 4 <= panels) {
    tile1x32(K, A, packed + <usize>p * stride, stride, C + (<usize>p << 5), accumulate);
    p += 4;
  }
  const done = p * PANEL_COLUMNS;
  if (done < N) gemmPacked(1, N - done, K, A, lda, packed + <usize>p * stride, C + (<usize>done << 2), ldc, accumulate);
}

/** Six panels a pass: twelve accumulators, the most that stay in x64's sixteen vector registers. */
function tile1x48(K: i32, a: usize, w0: usize, stride: usize, c: usize, accumulate: bool): void {
  tile1xPanels(6, K, a, w0, stride, c, accumulate);
}

function tile1x32(K: i32, a: usize, w0: usize, stride: usize, c: usize, accumulate: bool): void {
  tile1xPanels(4, K, a, w0, stride, c, accumulate);
}

/** One row times `panels` (4 or 6, a constant: the checks fold away) panels at w0, w0 + stride, … into c. */
// @ts-ignore: decorator
@inline function tile1xPanels(panels: i32, K: i32, a: usize, w0: usize, stride: usize, c: usize, accumulate: bool): void {
  const wide = panels > 4;
  let w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
  let w4 = wide ? w3 + stride : w3, w5 = wide ? w4 + stride : w3;
  const end = w0 + stride;
  let c0 = v128.load(w0), c1 = v128.load(w0, 16), c2 = v128.load(w1), c3 = v128.load(w1, 16);
  let c4 = v128.load(w2), c5 = v128.load(w2, 16), c6 = v128.load(w3), c7 = v128.load(w3, 16);
  let c8 = wide ? v128.load(w4) : c0, c9 = wide ? v128.load(w4, 16) : c0, c10 = wide ? v128.load(w5) : c0, c11 = wide ? v128.load(w5, 16) : c0;
  if (accumulate) {
    c0 = f32x4.add(v128.load(c), c0);
    c1 = f32x4.add(v128.load(c, 16), c1);
    c2 = f32x4.add(v128.load(c, 32), c2);
    c3 = f32x4.add(v128.load(c, 48), c3);
    c4 = f32x4.add(v128.load(c, 64), c4);
    c5 = f32x4.add(v128.load(c, 80), c5);
    c6 = f32x4.add(v128.load(c, 96), c6);
    c7 = f32x4.add(v128.load(c, 112), c7);
    if (wide) {
      c8 = f32x4.add(v128.load(c, 128), c8);
      c9 = f32x4.add(v128.load(c, 144), c9);
      c10 = f32x4.add(v128.load(c, 160), c10);
      c11 = f32x4.add(v128.load(c, 176), c11);
    }
  }
  w0 += 32;
  w1 += 32;
  w2 += 32;
  w3 += 32;
  w4 += 32;
  w5 += 32;
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
    if (wide) {
      c8 = f32x4.add(c8, f32x4.mul(x, v128.load(w4)));
      c9 = f32x4.add(c9, f32x4.mul(x, v128.load(w4, 16)));
      c10 = f32x4.add(c10, f32x4.mul(x, v128.load(w5)));
      c11 = f32x4.add(c11, f32x4.mul(x, v128.load(w5, 16)));
    }
    w0 += 32;
    w1 += 32;
    w2 += 32;
    w3 += 32;
    w4 += 32;
    w5 += 32;
  }
  v128.store(c, c0);
  v128.store(c, c1, 16);
  v128.store(c, c2, 32);
  v128.store(c, c3, 48);
  v128.store(c, c4, 64);
  v128.store(c, c5, 80);
  v128.store(c, c6, 96);
  v128.store(c, c7, 112);
  if (wide) {
    v128.store(c, c8, 128);
    v128.store(c, c9, 144);
    v128.store(c, c10, 160);
    v128.store(c, c11, 176);
  }
}
