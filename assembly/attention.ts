// Kernels of the attention layers (Keras Attention, AdditiveAttention and MultiHeadAttention)
// that the merge and activation kernels do not cover: per-sample (or per-head) products on
// the packed GEMM (the scores and the weighted sum of values, whose steps × features
// matrices are too large for merge.ts's plain batchMatmul loop), the additive (tanh) scores
// and their gradient, the score mask, and zeroing the rows of masked queries. Softmax is
// activations.ts's.
//
// Shapes: query [B, Tq, D], key [B, Tv, D], scores [B, heads, Tq, Tv] (heads = 1 but for
// MultiHeadAttention), tanh values [B, Tq, Tv, D].
// Pointers are byte offsets, counts are in floats; every sum has a fixed order.
import { gemm } from './gemm';
import { loadTail, storeTail, tanhGradV, tanhV } from './vmath';

/** Lanes of v summed as (l0 + l1) + (l2 + l3). */
// @ts-ignore: decorator
@inline function laneSum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Lanes 0..r−1 (r = 4: all) of ptr, zeros above. */
// @ts-ignore: decorator
@inline function loadPart(ptr: usize, r: i32): v128 {
  return r == 4 ? v128.load(ptr) : loadTail(ptr, r);
}

// @ts-ignore: decorator
@inline function storePart(ptr: usize, v: v128, r: i32): void {
  if (r == 4) v128.store(ptr, v);
  else storeTail(ptr, v, r);
}

/**
 * For each of `batch` pairs: C (M×N) (=|+=) op(A)·op(B) on the packed GEMM, each element summed
 * over k in order as gemm.ts documents (without accumulate, the bits of merge.ts's
 * batchMatmul). op(A) is A (M×K) or, with transA, the transpose of A stored K×M; op(B) is B
 * (K×N) or, with transB, the transpose of B stored N×K. Pair s's matrices start s·M·K, s·K·N
 * and s·M·N floats in; scratch holds gemmScratchSize(transA, M, N, K) floats.
 */
export function batchGemm(transA: bool, transB: bool, batch: i32, M: i32, N: i32, K: i32, A: usize, B: usize, C: usize, accumulate: bool, scratch: usize): void {
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  for (let s = 0; s < batch; s++) {
    const as = A + ((<usize>s * <usize>M * <usize>K) << 2);
    const bs = B + ((<usize>s * <usize>K * <usize>N) << 2);
    const cs = C + ((<usize>s * <usize>M * <usize>N) << 2);
    gemm(transA, transB, M, N, K, as, lda, bs, ldb, 0, cs, N, accumulate, scratch);
  }
}

/**
 * Additive scores: t[b, i, j, :] = tanh(alpha·(q[b, i, :] + k[b, j, :])) and
 * scores[b, i, j] = Σ_d w[d]·t[b, i, j, d] (w = 0: every weight 1). The sum runs over d in
 * four lanes (d ≡ lane mod 4, increasing d; the zero lanes of the last partial vector add
 * +0), combined as (l0 + l1) + (l2 + l3). t is kept for the backward pass.
 */
export function tanhScores(q: usize, k: usize, w: usize, t: usize, scores: usize, batch: i32, tq: i32, tv: i32, dim: i32, alpha: f32): void {
  const body = dim & ~3;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < tq; i++) {
      const qi = q + ((<usize>(b * tq + i) * <usize>dim) << 2);
      for (let j = 0; j < tv; j++) {
        const kj = k + ((<usize>(b * tv + j) * <usize>dim) << 2);
        const row = <usize>((b * tq + i) * tv + j);
        const tij = t + ((row * <usize>dim) << 2);
        let acc = f32x4.splat(0);
        for (let d = 0; d < body; d += 4) acc = tanhScoreStep(4, <usize>d << 2, qi, kj, w, tij, alpha, acc);
        if (body < dim) acc = tanhScoreStep(dim - body, <usize>body << 2, qi, kj, w, tij, alpha, acc);
        store<f32>(scores + (row << 2), laneSum(acc));
      }
    }
  }
}

/** Four features (r of them in a tail) of tanhScores at byte offset o: stores t, returns acc + w·t. */
// @ts-ignore: decorator
@inline function tanhScoreStep(r: i32, o: usize, qi: usize, kj: usize, w: usize, tij: usize, alpha: f32, acc: v128): v128 {
  const y = tanhV(f32x4.mul(f32x4.splat(alpha), f32x4.add(loadPart(qi + o, r), loadPart(kj + o, r))));
  storePart(tij + o, y, r);
  return f32x4.add(acc, w ? f32x4.mul(loadPart(w + o, r), y) : y);
}

/**
 * The gradient of tanhScores from dScores [B, Tq, Tv]: with g = dScores·w·(1 − t²) (the
 * gradient at alpha·(q + k)), dq[b, i, :] += alpha·Σ_j g and dk[b, j, :] += alpha·Σ_i g,
 * dw[d] += Σ dScores·t[.., d], and dAlpha[0] += Σ g·(q + k). Every sum runs in the order
 * b, i, j (d in four lanes for dAlpha, combined as in tanhScores). A pointer of 0 skips
 * that gradient (dq, dk, dw, dAlpha); w = 0 means weights of 1 (and no dw).
 */
export function tanhScoresBackward(q: usize, k: usize, w: usize, t: usize, dScores: usize, dq: usize, dk: usize, dw: usize, dAlpha: usize, batch: i32, tq: i32, tv: i32, dim: i32, alpha: f32): void {
  const body = dim & ~3;
  let alphaAcc = f32x4.splat(0);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < tq; i++) {
      const qi = q + ((<usize>(b * tq + i) * <usize>dim) << 2);
      const dqi = dq + ((<usize>(b * tq + i) * <usize>dim) << 2);
      for (let j = 0; j < tv; j++) {
        const kj = k + ((<usize>(b * tv + j) * <usize>dim) << 2);
        const dkj = dk + ((<usize>(b * tv + j) * <usize>dim) << 2);
        const row = <usize>((b * tq + i) * tv + j);
        const tij = t + ((row * <usize>dim) << 2);
        const ds = load<f32>(dScores + (row << 2));
        for (let d = 0; d < body; d += 4) alphaAcc = tanhGradStep(4, <usize>d << 2, qi, kj, w, tij, ds, dqi, dkj, dq, dk, dw, dAlpha, alpha, alphaAcc);
        if (body < dim) alphaAcc = tanhGradStep(dim - body, <usize>body << 2, qi, kj, w, tij, ds, dqi, dkj, dq, dk, dw, dAlpha, alpha, alphaAcc);
      }
    }
  }
  if (dAlpha) store<f32>(dAlpha, load<f32>(dAlpha) + laneSum(alphaAcc));
}

/** Four features (r of them in a tail) of tanhScoresBackward at byte offset o; returns the dAlpha lanes. */
// @ts-ignore: decorator
@inline function tanhGradStep(r: i32, o: usize, qi: usize, kj: usize, w: usize, tij: usize, ds: f32, dqi: usize, dkj: usize, dq: usize, dk: usize, dw: usize, dAlpha: usize, alpha: f32, alphaAcc: v128): v128 {
  const dsv = f32x4.splat(ds);
  const y = loadPart(tij + o, r);
  const g = f32x4.mul(w ? f32x4.mul(dsv, loadPart(w + o, r)) : dsv, tanhGradV(y));
  const gx = f32x4.mul(g, f32x4.splat(alpha));
  if (dq) storePart(dqi + o, f32x4.add(loadPart(dqi + o, r), gx), r);
  if (dk) storePart(dkj + o, f32x4.add(loadPart(dkj + o, r), gx), r);
  if (dw) storePart(dw + o, f32x4.add(loadPart(dw + o, r), f32x4.mul(dsv, y)), r);
  return dAlpha ? f32x4.add(alphaAcc, f32x4.mul(g, f32x4.add(loadPart(qi + o, r), loadPart(kj + o, r)))) : alphaAcc;
}

/**
 * The score mask of every attention layer, in place on scores [B, heads, Tq, Tv]: score
 * [b, h, i, j] is masked where keep is 0 (keep = 0: no keep mask) or, when causal, where
 * j > i. Query i's keep values start at keep[b·keepBatch + i·keepQuery]: one per key
 * (perKey) or one for the whole row; the heads share them. A masked score becomes `value`
 * (replace), or has `value` added once even when both conditions hold (Keras Attention's
 * −1e9).
 */
export function maskScores(scores: usize, keep: usize, keepBatch: i32, keepQuery: i32, perKey: bool, batch: i32, heads: i32, tq: i32, tv: i32, causal: bool, value: f32, replace: bool): void {
  const masked = f32x4.splat(value);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < tq; i++) {
        const row = scores + ((<usize>((b * heads + h) * tq + i) * <usize>tv) << 2);
        // Keys from `open` on are masked by causality, whatever keep says.
        const open = causal ? min(i + 1, tv) : tv;
        if (keep) {
          const keepRow = keep + ((<usize>b * <usize>keepBatch + <usize>i * <usize>keepQuery) << 2);
          if (perKey) maskKeys(row, keepRow, 0, open, masked, replace);
          else if (load<f32>(keepRow) == 0) maskKeys(row, 0, 0, open, masked, replace);
        }
        maskKeys(row, 0, open, tv, masked, replace);
      }
    }
  }
}

/** Masks the scores row[from..to) (keepRow ≠ 0: only where keepRow[j] == 0), four at a time. */
// @ts-ignore: decorator
@inline function maskKeys(row: usize, keepRow: usize, from: i32, to: i32, masked: v128, replace: bool): void {
  let j = from;
  for (; j + 4 <= to; j += 4) maskStep(4, row, keepRow, <usize>j << 2, masked, replace);
  if (j < to) maskStep(to - j, row, keepRow, <usize>j << 2, masked, replace);
}

/** Four scores (r of them in a tail) of maskKeys at byte offset o. */
// @ts-ignore: decorator
@inline function maskStep(r: i32, row: usize, keepRow: usize, o: usize, masked: v128, replace: bool): void {
  const s = loadPart(row + o, r);
  const lowered = replace ? masked : f32x4.add(s, masked);
  storePart(row + o, keepRow ? v128.bitselect(lowered, s, f32x4.eq(loadPart(keepRow + o, r), f32x4.splat(0))) : lowered, r);
}

/** Sets row r of x (rows × width) to zeros where keep[r] == 0: a masked query's output and its gradient. */
export function zeroMaskedRows(x: usize, keep: usize, rows: i32, width: i32): void {
  for (let r = 0; r < rows; r++) {
    if (load<f32>(keep + (<usize>r << 2)) == 0) memory.fill(x + ((<usize>r * <usize>width) << 2), 0, <usize>width << 2);
  }
}
