// Weight gradients of the backward pass, by chunks of processing steps while their gate
// gradients are hot in cache: dW += Xᵀ·dG, dU += Hinᵀ·dG, db += Σ dG.
//
// A chunk is S consecutive processing steps (S·B ≈ CHUNK_ROWS rows; the whole sequence at batch
// 1). Its rows, ordered (step, sample), are packed as the B operand of gemmPacked (panels of 8
// columns, zero bias row), and x and Hin are transposed into [F][K] and [U][K] as its A
// operand, so each product is one packed GEMM with K = S·B, no per-call repacking of dG, and
// every operand fits in L2. The bias gradient is the column sums of the packed panels (rows
// of 8 contiguous floats). Chunks are summed in processing order from the last step back; any
// fixed order is deterministic.
import { gemmPacked, gemmPackedSize } from '../gemm';
import { Plan, GRU, RESET_AFTER, aligned, gateRow, seqRow, timeOf } from './common';
import { loadTail, storeTail } from '../vmath';

/** Rows per chunk aimed at: K of the chunk GEMMs. */
const CHUNK_ROWS = 256;
const PANEL = 8;

export class Chunk {
  /** Steps per chunk. */
  static steps: i32 = 1;
  /** Packed dG (GRU: [dz' dr' dĥ']), and GRU's second operand (d(aux1) or dĥ'). */
  static p1: usize = 0;
  static p2: usize = 0;
  /** Transposed operands [F][K], [U][K], GRU not resetAfter: q [U][K]. */
  static xT: usize = 0;
  static hT: usize = 0;
  static qT: usize = 0;
  /** x as multiplied by W, time-major [T][B][F]. */
  static x: usize = 0;
  static dKernel: usize = 0;
  static dRecurrent: usize = 0;
  static dBias: usize = 0;
}

export function chunkSteps(B: i32, T: i32): i32 {
  return min(T, max(1, CHUNK_ROWS / B));
}

/** Floats of the chunk buffers. */
export function chunkFloats(cell: i32, B: i32, T: i32, F: i32, U: i32, GU: i32): i32 {
  const K = chunkSteps(B, T) * B;
  let n = aligned(gemmPackedSize(GU, K)) + aligned(F * K) + aligned(U * K);
  if (cell == GRU) n += aligned(gemmPackedSize(U, K)) + aligned(U * K);
  return n;
}

export function layoutChunk(work: usize): void {
  const K = Chunk.steps * Plan.B;
  let at = work;
  Chunk.p1 = at;
  at += <usize>aligned(gemmPackedSize(Plan.GU, K)) << 2;
  Chunk.xT = at;
  at += <usize>aligned(Plan.F * K) << 2;
  Chunk.hT = at;
  at += <usize>aligned(Plan.U * K) << 2;
  Chunk.p2 = 0;
  Chunk.qT = 0;
  if (Plan.cell == GRU) {
    Chunk.p2 = at;
    at += <usize>aligned(gemmPackedSize(Plan.U, K)) << 2;
    Chunk.qT = at;
  }
}

/**
 * Adds the contributions of processing steps sLow … sHigh (their dG final) to the weight
 * gradients' columns j0 … j1−1 of gU (all of them: 0, gU). Each column's sums do not depend on
 * the columns beside it, so pool threads may share the columns out.
 */
export function flushChunk(sHigh: i32, sLow: i32, j0: i32, j1: i32): void {
  const B = Plan.B, F = Plan.F, U = Plan.U, GU = Plan.GU;
  const K = (sHigh - sLow + 1) * B;
  const gru = Plan.cell == GRU;
  const after = (Plan.flags & RESET_AFTER) != 0;
  // p1 packs dG's columns j0 … j1−1. GRU: dRecurrent's columns 2U … 3U−1 multiply another
  // operand (p2, its columns h0 … h1−1), and the columns below 2U multiply p1 (n1zr of them).
  const n1 = j1 - j0;
  const n1zr = gru ? max(0, min(j1, 2 * U) - j0) : n1;
  const h0 = gru ? max(j0, 2 * U) - 2 * U : 0;
  const n2 = gru ? max(0, j1 - 2 * U - h0) : 0;
  const kBytes = <usize>K << 2;
  const column = <usize>j0 << 2;
  zeroBiasRows(Chunk.p1, n1, K);
  if (n2) zeroBiasRows(Chunk.p2, n2, K);
  for (let s = sLow; s <= sHigh; s++) {
    const t = timeOf(s);
    const r0 = (s - sLow) * B;
    const c0 = <usize>r0 << 2;
    for (let b = 0; b < B; b++) {
      const g = gateRow(b, t);
      packRow(Chunk.p1, n1, K, r0 + b, g + column);
      if (n2) packRow(Chunk.p2, n2, K, r0 + b, (after ? seqRow(Plan.aux1, b, t) : g + (<usize>(2 * U) << 2)) + (<usize>h0 << 2));
    }
    if (Chunk.dKernel) transposeInto(Chunk.x + (<usize>t * B * F << 2), <usize>F << 2, B, F, Chunk.xT + c0, kBytes);
    if (Chunk.dRecurrent) {
      transposeInto(seqRow(Plan.hIn, 0, t), <usize>U << 2, B, U, Chunk.hT + c0, kBytes);
      if (n2 && !after) transposeInto(seqRow(Plan.aux1, 0, t), <usize>U << 2, B, U, Chunk.qT + c0, kBytes);
    }
  }
  if (Chunk.dKernel) gemmPacked(F, n1, K, Chunk.xT, K, Chunk.p1, Chunk.dKernel + column, GU, true);
  if (Chunk.dRecurrent) {
    if (n1zr) gemmPacked(U, n1zr, K, Chunk.hT, K, Chunk.p1, Chunk.dRecurrent + column, GU, true);
    if (n2) gemmPacked(U, n2, K, after ? Chunk.hT : Chunk.qT, K, Chunk.p2, Chunk.dRecurrent + (<usize>(2 * U + h0) << 2), GU, true);
  }
  if (Chunk.dBias) {
    panelColumnSums(Chunk.p1, n1, K, Chunk.dBias + column);
    if (gru && after) {
      const recurrentBias = Chunk.dBias + (<usize>GU << 2);
      if (n1zr) panelColumnSums(Chunk.p1, n1zr, K, recurrentBias + column);
      if (n2) panelColumnSums(Chunk.p2, n2, K, recurrentBias + (<usize>(2 * U + h0) << 2));
    }
  }
}

// @ts-ignore: decorator
@inline function panelStride(K: i32): usize {
  return <usize>(K + 1) * PANEL << 2;
}

function zeroBiasRows(p: usize, N: i32, K: i32): void {
  const stride = panelStride(K);
  const panels = (N + PANEL - 1) / PANEL;
  for (let q = 0; q < panels; q++) {
    v128.store(p + <usize>q * stride, f32x4.splat(0));
    v128.store(p + <usize>q * stride, f32x4.splat(0), 16);
  }
}

/** Row r (0-based, after the bias row) of an N-column packed operand from N contiguous floats. */
function packRow(p: usize, N: i32, K: i32, r: i32, src: usize): void {
  const stride = panelStride(K);
  let dst = p + (<usize>(r + 1) * PANEL << 2);
  let j = 0;
  for (; j + PANEL <= N; j += PANEL) {
    v128.store(dst, v128.load(src + (<usize>j << 2)));
    v128.store(dst, v128.load(src + (<usize>j << 2), 16), 16);
    dst += stride;
  }
  const rest = N - j;
  if (rest > 0) {
    const at = src + (<usize>j << 2);
    v128.store(dst, rest >= 4 ? v128.load(at) : loadTail(at, rest));
    v128.store(dst, rest > 4 ? loadTail(at + 16, rest - 4) : f32x4.splat(0), 16);
  }
}

/** dst[j] += Σ_k packed[k][j] for j < N: each panel's rows are 8 contiguous floats. */
function panelColumnSums(p: usize, N: i32, K: i32, dst: usize): void {
  const stride = panelStride(K);
  for (let j = 0; j < N; j += PANEL) {
    let w = p + <usize>(j / PANEL) * stride + (PANEL << 2);
    const end = w + (<usize>K * PANEL << 2);
    const cols = N - j;
    const d = dst + (<usize>j << 2);
    let a = cols >= 4 ? v128.load(d) : loadTail(d, cols);
    let b = cols >= 8 ? v128.load(d, 16) : cols > 4 ? loadTail(d + 16, cols - 4) : f32x4.splat(0);
    for (; w < end; w += PANEL << 2) {
      a = f32x4.add(a, v128.load(w));
      b = f32x4.add(b, v128.load(w, 16));
    }
    if (cols >= 4) v128.store(d, a);
    else storeTail(d, a, cols);
    if (cols >= 8) v128.store(d, b, 16);
    else if (cols > 4) storeTail(d + 16, b, cols - 4);
  }
}

/**
 * dst[c][r] = src[r][c] for r < rows, c < cols: src rows srcRow bytes apart, dst rows dstRow
 * bytes apart. 4×4 blocks are transposed in registers, the edges one float at a time.
 */
function transposeInto(src: usize, srcRow: usize, rows: i32, cols: i32, dst: usize, dstRow: usize): void {
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  for (let r = 0; r < rows4; r += 4) {
    const s = src + <usize>r * srcRow;
    const d = dst + (<usize>r << 2);
    for (let c = 0; c < cols4; c += 4) {
      const p = s + (<usize>c << 2);
      const r0 = v128.load(p);
      const r1 = v128.load(p + srcRow);
      const r2 = v128.load(p + 2 * srcRow);
      const r3 = v128.load(p + 3 * srcRow);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const q = d + <usize>c * dstRow;
      v128.store(q, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(q + dstRow, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(q + 2 * dstRow, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(q + 3 * dstRow, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (let c = cols4; c < cols; c++) {
      for (let i = r; i < r + 4; i++) store<f32>(dst + <usize>c * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>c << 2)));
    }
  }
  for (let i = rows4; i < rows; i++) {
    for (let c = 0; c < cols; c++) store<f32>(dst + <usize>c * dstRow + (<usize>i << 2), load<f32>(src + <usize>i * srcRow + (<usize>c << 2)));
  }
}
