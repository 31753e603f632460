// Packed-panel SIMD GEMM (DESIGN.md §3): C (=|+=) op(A)·op(B) + bias in float32, one thread.
//
// B is packed into panels of 8 columns, `[ceil(N/8)][8 bias + K×8]` floats, zero-padded past
// N, so the micro-kernels read each k's 8 weights with two v128 loads and never meet a column
// tail inside their loop. Row-major A (op N) is read in place; A stored K×M (op T, as in
// dW = Xᵀ·dG) is first copied into row tiles. The 5x8 micro-kernel broadcasts one A value per
// row and k (v128.load32_splat) against the two weight vectors: ten accumulators, with the
// two weights, the broadcast and a product 14 of x64's 16 vector registers (a 6x8 tile, which
// needs all 16, ran 10% slower than 5x8 under V8). Per k it issues 7 loads and 20 SIMD ops
// where a 4x8 tile issues 6 and 16: 3–6% faster on 512³, on 100x128x512 and in an LSTM(128)
// forward at batch 100, the same at K = 28 (bench/ab.ts against the 4x8 build, AMD Zen 4).
// M is cut into 5-row tiles and, so that no tile computes spare rows when M ≥ 12, up to four
// 4-row tiles (M = 5a + 4b). A 1x16 kernel (two panels) serves M = 1, the batch-1 recurrent
// step, and gemm reads an unpacked B in place for M = 1.
//
// Every element of C is computed the same way whatever the shape, blocking or path:
//   acc = bias[j], or C[i][j] + bias[j] when accumulating
//   for k = 0 .. K-1: acc = acc + a[i][k]·b[k][j]      (a separate mul and add, no FMA)
//   C[i][j] = acc
// So the same inputs give the same bits on every run and engine, row i of C does not depend
// on M (the batch-1 paths match the tiled path bit for bit), and accumulating continues
// C's sum: x·W + b, then += h·U gives the bits of one GEMM over [x h]·[W; U] + b.
// The opt-in relaxed-SIMD build (asconfig target "relaxed", dist/seqwasm-relaxed.wasm) runs
// the same kernels with each `acc + a·b` as one relaxed_madd (see multiplyAdd): fused with a
// single rounding where the CPU has FMA, so its bits may differ from machine to machine.
//
// Pointers are byte offsets into memory, leading dimensions count floats. Nothing is checked
// here: the TypeScript wrappers (src/kernels/gemm.ts) or the calling kernel guarantee sizes.

/** Columns per packed panel: two f32x4 accumulators per row of the micro-tile. */
const PANEL_COLUMNS = 8;
/** Rows of op(A) per micro-tile: five splat rows times two f32x4 columns = 10 accumulators. */
const TILE_ROWS = 5;
/** Rows of the tiles that take up M's remainder. */
const SHORT_TILE_ROWS = 4;
/** Panels of one N block fit in this many bytes of L2 while the 5×K A tile sits in L1. */
const L2_BLOCK_BYTES: usize = 256 << 10;

/**
 * acc + a·b per lane, the step of every kernel's k loop: a mul then an add (the same bits on
 * every engine), or in the relaxed-SIMD build one relaxed_madd, which the engine may fuse.
 */
// @ts-ignore: decorator
@inline function multiplyAdd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function panelBytes(K: i32): usize {
  return <usize>(K + 1) * PANEL_COLUMNS * sizeof<f32>();
}

/** Floats that gemmPackB writes for an N-column, K-deep operand: ceil(N/8)·(8 + 8K). */
export function gemmPackedSize(N: i32, K: i32): i32 {
  return ((N + PANEL_COLUMNS - 1) / PANEL_COLUMNS) * (K + 1) * PANEL_COLUMNS;
}

/**
 * Packs op(B) (K×N) and a bias into panels at `packed` (gemmPackedSize(N, K) floats).
 * transB = false: B is K×N row-major with row stride ldb ≥ N. transB = true: B is stored
 * N×K (ldb ≥ K), as a Dense/LSTM kernel used transposed. bias = 0 packs zeros.
 */
export function gemmPackB(transB: bool, N: i32, K: i32, B: usize, ldb: i32, bias: usize, packed: usize): void {
  const ldbBytes = <usize>ldb << 2;
  let panel = packed;
  for (let j0 = 0; j0 < N; j0 += PANEL_COLUMNS) {
    const cols = min(PANEL_COLUMNS, N - j0);
    if (bias) copyPanelRow(panel, bias + (<usize>j0 << 2), cols);
    else zeroPanelRow(panel);
    const weights = panel + PANEL_COLUMNS * sizeof<f32>();
    if (transB) packColumns(weights, B + <usize>j0 * ldbBytes, ldbBytes, K, cols);
    else packRows(weights, B + (<usize>j0 << 2), ldbBytes, K, cols);
    panel += panelBytes(K);
  }
}

// @ts-ignore: decorator
@inline function zeroPanelRow(dst: usize): void {
  v128.store(dst, f32x4.splat(0));
  v128.store(dst, f32x4.splat(0), 16);
}

/** Copies `cols` ≤ 8 contiguous floats to an 8-float panel row, zero-filling the rest. */
// @ts-ignore: decorator
@inline function copyPanelRow(dst: usize, src: usize, cols: i32): void {
  if (cols == PANEL_COLUMNS) {
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
  } else {
    zeroPanelRow(dst);
    for (let j = 0; j < cols; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  }
}

/** op N: panel row k is B[k][j0 .. j0+cols). */
function packRows(dst: usize, src: usize, ldbBytes: usize, K: i32, cols: i32): void {
  for (let k = 0; k < K; k++) {
    copyPanelRow(dst, src, cols);
    dst += PANEL_COLUMNS * sizeof<f32>();
    src += ldbBytes;
  }
}

/** op T: panel row k is column k of the `cols` stored rows B[j0 .. j0+cols)[·]. */
function packColumns(dst: usize, src: usize, ldbBytes: usize, K: i32, cols: i32): void {
  let k = 0;
  if (cols == PANEL_COLUMNS) {
    // Four k at a time: load 4 floats from each of the 8 rows, transpose two 4x4 blocks.
    for (; k + 4 <= K; k += 4) {
      const at = src + (<usize>k << 2);
      transpose4x4Store(dst, at, ldbBytes);
      transpose4x4Store(dst + 16, at + 4 * ldbBytes, ldbBytes);
      dst += 4 * PANEL_COLUMNS * sizeof<f32>();
    }
  }
  for (; k < K; k++) {
    if (cols < PANEL_COLUMNS) zeroPanelRow(dst);
    const at = src + (<usize>k << 2);
    for (let j = 0; j < cols; j++) store<f32>(dst + (<usize>j << 2), load<f32>(at + <usize>j * ldbBytes));
    dst += PANEL_COLUMNS * sizeof<f32>();
  }
}

/** Reads 4 floats from each of 4 rows `stride` bytes apart; writes column r to dst + 32·r. */
// @ts-ignore: decorator
@inline function transpose4x4Store(dst: usize, src: usize, stride: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + stride);
  const r2 = v128.load(src + 2 * stride);
  const r3 = v128.load(src + 3 * stride);
  const lo01 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const lo23 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const hi01 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const hi23 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(lo01, lo23, 0, 1, 4, 5));
  v128.store(dst, f32x4.shuffle(lo01, lo23, 2, 3, 6, 7), 32);
  v128.store(dst, f32x4.shuffle(hi01, hi23, 0, 1, 4, 5), 64);
  v128.store(dst, f32x4.shuffle(hi01, hi23, 2, 3, 6, 7), 96);
}

/**
 * C (M×N, row stride ldc) (=|+=) A·Bpacked, with A M×K row-major (lda ≥ K) and Bpacked from
 * gemmPackB(…, N, K, …), which carries the bias. Only the M×N sub-matrix of C is written.
 */
export function gemmPacked(M: i32, N: i32, K: i32, A: usize, lda: i32, packed: usize, C: usize, ldc: i32, accumulate: bool): void {
  multiplyPanels(M, N, K, A, <usize>lda << 2, false, packed, C, ldc, accumulate);
}

/**
 * Floats of scratch that gemm needs: the packed op(B), and op(A) in row tiles when transA
 * (at most M + 3 rows: only a last 4-row tile has spare rows).
 */
export function gemmScratchSize(transA: bool, M: i32, N: i32, K: i32): i32 {
  return gemmPackedSize(N, K) + (transA ? (M + SHORT_TILE_ROWS - 1) * K : 0);
}

/**
 * The whole GEMM: C (M×N, row stride ldc) (=|+=) op(A)·op(B) + bias, with op(A) M×K and op(B)
 * K×N. transA: A is stored K×M (lda ≥ M), so C = Aᵀ·op(B); otherwise M×K (lda ≥ K).
 * transB: B is stored N×K (ldb ≥ K), so C = op(A)·Bᵀ; otherwise K×N (ldb ≥ N).
 * bias = 0 means none. scratch holds gemmScratchSize(transA, M, N, K) floats.
 */
export function gemm(transA: bool, transB: bool, M: i32, N: i32, K: i32, A: usize, lda: i32, B: usize, ldb: i32, bias: usize, C: usize, ldc: i32, accumulate: bool, scratch: usize): void {
  if (M == 1 && !transB) {
    // One row reads each weight once: packing would cost as much as the multiply.
    rowTimesMatrix(N, K, A, transA ? <usize>lda << 2 : sizeof<f32>(), B, <usize>ldb << 2, bias, C, accumulate);
    return;
  }
  gemmPackB(transB, N, K, B, ldb, bias, scratch);
  if (!transA) {
    gemmPacked(M, N, K, A, lda, scratch, C, ldc, accumulate);
    return;
  }
  // Stored K×M, a tile's 5 values for one k are adjacent but each k is a new cache line, so a
  // tile would span K lines of L1. Copied into [K][5] tiles it spans 5K/16.
  const tiles = scratch + (<usize>gemmPackedSize(N, K) << 2);
  packTransposedTiles(M, K, A, lda, tiles);
  multiplyPanels(M, N, K, tiles, 0, true, scratch, C, ldc, accumulate);
}

/**
 * C (1×N) (=|+=) a·B + bias straight from B stored K×N (row stride ldbBytes), with a's values
 * kStep bytes apart: the same sums in the same order as the packed paths, 16 then 4 columns
 * at a time.
 */
function rowTimesMatrix(N: i32, K: i32, a: usize, kStep: usize, B: usize, ldbBytes: usize, bias: usize, c: usize, accumulate: bool): void {
  let j = 0;
  for (; j + 16 <= N; j += 16) rowColumns(4, 16, K, a, kStep, B + (<usize>j << 2), ldbBytes, bias ? bias + (<usize>j << 2) : 0, c + (<usize>j << 2), accumulate);
  for (; j < N; j += 4) rowColumns(1, N - j, K, a, kStep, B + (<usize>j << 2), ldbBytes, bias ? bias + (<usize>j << 2) : 0, c + (<usize>j << 2), accumulate);
}

/**
 * `vectors` (1 or 4, a constant) f32x4 accumulators for min(cols, 4·vectors) columns of
 * rowTimesMatrix. With constant arguments the column checks fold away.
 */
// @ts-ignore: decorator
@inline function rowColumns(vectors: i32, cols: i32, K: i32, a: usize, kStep: usize, b: usize, ldbBytes: usize, bias: usize, c: usize, accumulate: bool): void {
  let v0 = startColumns(bias, c, cols, accumulate);
  let v1 = vectors > 1 ? startColumns(bias ? bias + 16 : 0, c + 16, cols - 4, accumulate) : v0;
  let v2 = vectors > 1 ? startColumns(bias ? bias + 32 : 0, c + 32, cols - 8, accumulate) : v0;
  let v3 = vectors > 1 ? startColumns(bias ? bias + 48 : 0, c + 48, cols - 12, accumulate) : v0;
  a -= kStep;
  b -= ldbBytes;
  for (let k = 0; k < K; k++) {
    a += kStep;
    b += ldbBytes;
    const x = v128.load32_splat(a);
    v0 = multiplyAdd(v0, x, loadColumns(b, cols));
    if (vectors > 1) {
      v1 = multiplyAdd(v1, x, v128.load(b, 16));
      v2 = multiplyAdd(v2, x, v128.load(b, 32));
      v3 = multiplyAdd(v3, x, v128.load(b, 48));
    }
  }
  storeColumns(c, v0, cols);
  if (vectors > 1) {
    storeColumns(c + 16, v1, cols - 4);
    storeColumns(c + 32, v2, cols - 8);
    storeColumns(c + 48, v3, cols - 12);
  }
}

/** The starting accumulator of min(n, 4) columns: the bias (0: none), plus C when accumulating. */
// @ts-ignore: decorator
@inline function startColumns(bias: usize, c: usize, n: i32, accumulate: bool): v128 {
  const start = bias ? loadColumns(bias, n) : f32x4.splat(0);
  return accumulate ? f32x4.add(loadColumns(c, n), start) : start;
}

/**
 * Rows of op(A) that 5-row tiles take, from the top; 4-row tiles take the rest. M = 5a + 4b has
 * a solution for every M ≥ 12; below that, a last 4-row tile may have spare rows.
 */
// @ts-ignore: decorator
@inline function fiveRowSpan(M: i32): i32 {
  const fours = (TILE_ROWS - M % TILE_ROWS) % TILE_ROWS;
  return fours * SHORT_TILE_ROWS <= M ? M - fours * SHORT_TILE_ROWS : M - M % TILE_ROWS;
}

/**
 * Copies A (stored K×M, lda ≥ M) into the row tiles of fiveRowSpan: the tile of rows i0… is
 * [K][rows of the tile] floats from tiles + i0·K floats, zero past M.
 */
function packTransposedTiles(M: i32, K: i32, A: usize, lda: i32, tiles: usize): void {
  const ldaBytes = <usize>lda << 2;
  const span = fiveRowSpan(M);
  for (let i0 = 0; i0 < M; ) {
    const tileRows = i0 < span ? TILE_ROWS : SHORT_TILE_ROWS;
    const rows = min(tileRows, M - i0);
    let src = A + (<usize>i0 << 2);
    for (let k = 0; k < K; k++) {
      if (rows >= SHORT_TILE_ROWS) {
        v128.store(tiles, v128.load(src));
        if (rows == TILE_ROWS) store<f32>(tiles, load<f32>(src, 16), 16);
      } else {
        v128.store(tiles, f32x4.splat(0));
        for (let r = 0; r < rows; r++) store<f32>(tiles + (<usize>r << 2), load<f32>(src + (<usize>r << 2)));
      }
      tiles += <usize>tileRows << 2;
      src += ldaBytes;
    }
    i0 += tileRows;
  }
}

/**
 * C (=|+=) op(A)·Bpacked, with op(A) row-major (rows ldaBytes apart, values 4 bytes apart) or,
 * when `tiled`, the tiles of packTransposedTiles (row r of the tile at row i0 starts at
 * A + (i0·K + r)·4 bytes, its values a tile row apart).
 */
function multiplyPanels(M: i32, N: i32, K: i32, A: usize, ldaBytes: usize, tiled: bool, packed: usize, C: usize, ldc: i32, accumulate: bool): void {
  const stride = panelBytes(K);
  const panels = (N + PANEL_COLUMNS - 1) / PANEL_COLUMNS;
  const ldcBytes = <usize>ldc << 2;

  if (M == 1) {
    // Two panels per pass; an odd last panel is paired with itself and its copy not stored.
    const kStep: usize = tiled ? <usize>SHORT_TILE_ROWS << 2 : sizeof<f32>();
    for (let p = 0; p < panels; p += 2) {
      const w = packed + <usize>p * stride;
      tile1x16(K, A, kStep, w, p + 1 < panels ? w + stride : w, C + (<usize>p << 5), N - p * PANEL_COLUMNS, accumulate);
    }
    return;
  }

  // N blocks whose panels stay in L2 while each A tile is reused across them from L1.
  // Blocking never splits K, so it does not change any element's reduction order.
  const blockPanels = max<i32>(1, <i32>(L2_BLOCK_BYTES / stride));
  const span = fiveRowSpan(M);
  const rowStep: usize = tiled ? sizeof<f32>() : ldaBytes;
  for (let p0 = 0; p0 < panels; p0 += blockPanels) {
    const pEnd = min(panels, p0 + blockPanels);
    for (let i0 = 0; i0 < M; ) {
      const tileRows = i0 < span ? TILE_ROWS : SHORT_TILE_ROWS;
      const rows = min(tileRows, M - i0);
      const kStep: usize = tiled ? <usize>tileRows << 2 : sizeof<f32>();
      // Spare rows of a short last tile read its last real row, so the k loop has no
      // branches; their results are computed but not stored.
      const a0 = A + <usize>i0 * (tiled ? <usize>K << 2 : ldaBytes);
      const a1 = a0 + <usize>min(1, rows - 1) * rowStep;
      const a2 = a0 + <usize>min(2, rows - 1) * rowStep;
      const a3 = a0 + <usize>min(3, rows - 1) * rowStep;
      const a4 = a0 + <usize>min(4, rows - 1) * rowStep;
      const c = C + <usize>i0 * ldcBytes;
      for (let p = p0; p < pEnd; p++) {
        const w = packed + <usize>p * stride;
        const cp = c + (<usize>p << 5);
        const cols = N - p * PANEL_COLUMNS;
        if (tileRows == TILE_ROWS) {
          if (cols >= PANEL_COLUMNS) tile5x8Full(K, a0, a1, a2, a3, a4, kStep, w, cp, ldcBytes, accumulate);
          else tile5x8Edge(K, a0, a1, a2, a3, a4, kStep, w, cp, ldcBytes, cols, accumulate);
        } else if (rows == SHORT_TILE_ROWS && cols >= PANEL_COLUMNS) tile4x8Full(K, a0, a1, a2, a3, kStep, w, cp, ldcBytes, accumulate);
        else tile4x8Edge(K, a0, a1, a2, a3, kStep, w, cp, ldcBytes, rows, cols, accumulate);
      }
      i0 += tileRows;
    }
  }
}

// The micro-kernels start their A pointers one step back and advance them at the top of the
// loop: V8 then knows each pointer is a 32-bit sum and drops the zero-extension it otherwise
// emits before every splat load (4 instructions per k, ~8% of the 4x8 kernel's speed).
// Each shape is its own small function: V8 gives a call's loop the registers to itself, where
// a loop over panels around the k loop (tried) made it spill accumulators every k.

/** Interior 5-row tiles: the shared kernel with its row and column checks folded away. */
function tile5x8Full(K: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, kStep: usize, w: usize, c: usize, ldcBytes: usize, accumulate: bool): void {
  tileRowsX8(TILE_ROWS, K, a0, a1, a2, a3, a4, kStep, w, c, ldcBytes, TILE_ROWS, PANEL_COLUMNS, accumulate);
}

/** 5-row tiles on the last panel (N not a multiple of 8). */
function tile5x8Edge(K: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, kStep: usize, w: usize, c: usize, ldcBytes: usize, cols: i32, accumulate: bool): void {
  tileRowsX8(TILE_ROWS, K, a0, a1, a2, a3, a4, kStep, w, c, ldcBytes, TILE_ROWS, cols, accumulate);
}

/** Interior 4-row tiles. */
function tile4x8Full(K: i32, a0: usize, a1: usize, a2: usize, a3: usize, kStep: usize, w: usize, c: usize, ldcBytes: usize, accumulate: bool): void {
  tileRowsX8(SHORT_TILE_ROWS, K, a0, a1, a2, a3, a3, kStep, w, c, ldcBytes, SHORT_TILE_ROWS, PANEL_COLUMNS, accumulate);
}

/** 4-row tiles with spare rows (M < 12) or on the last panel. */
function tile4x8Edge(K: i32, a0: usize, a1: usize, a2: usize, a3: usize, kStep: usize, w: usize, c: usize, ldcBytes: usize, rows: i32, cols: i32, accumulate: bool): void {
  tileRowsX8(SHORT_TILE_ROWS, K, a0, a1, a2, a3, a3, kStep, w, c, ldcBytes, rows, cols, accumulate);
}

/**
 * The micro-kernel: TILE (5 or 4, a constant) rows a0… of op(A) (values kStep bytes apart)
 * times the panel at w, into C rows c, c + ldcBytes, … Only the first `rows` rows and
 * min(cols, 8) columns are read (when accumulating) and stored. a4 is unused when TILE is 4.
 */
// @ts-ignore: decorator
@inline function tileRowsX8(TILE: i32, K: i32, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, kStep: usize, w: usize, c: usize, ldcBytes: usize, rows: i32, cols: i32, accumulate: bool): void {
  const end = w + panelBytes(K);
  let c00 = v128.load(w), c01 = v128.load(w, 16);
  let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01;
  // Spare rows re-read the last real row of C, like A's; only real rows are stored.
  const c1 = c + <usize>min(1, rows - 1) * ldcBytes;
  const c2 = c + <usize>min(2, rows - 1) * ldcBytes;
  const c3 = c + <usize>min(3, rows - 1) * ldcBytes;
  const c4 = c + <usize>min(4, rows - 1) * ldcBytes;
  if (accumulate) {
    c00 = f32x4.add(loadColumns(c, cols), c00);
    c01 = f32x4.add(loadColumns(c + 16, cols - 4), c01);
    c10 = f32x4.add(loadColumns(c1, cols), c10);
    c11 = f32x4.add(loadColumns(c1 + 16, cols - 4), c11);
    c20 = f32x4.add(loadColumns(c2, cols), c20);
    c21 = f32x4.add(loadColumns(c2 + 16, cols - 4), c21);
    c30 = f32x4.add(loadColumns(c3, cols), c30);
    c31 = f32x4.add(loadColumns(c3 + 16, cols - 4), c31);
    if (TILE > 4) {
      c40 = f32x4.add(loadColumns(c4, cols), c40);
      c41 = f32x4.add(loadColumns(c4 + 16, cols - 4), c41);
    }
  }
  w += PANEL_COLUMNS * sizeof<f32>();
  a0 -= kStep;
  a1 -= kStep;
  a2 -= kStep;
  a3 -= kStep;
  a4 -= kStep;
  while (w < end) {
    a0 += kStep;
    a1 += kStep;
    a2 += kStep;
    a3 += kStep;
    if (TILE > 4) a4 += kStep;
    const b0 = v128.load(w), b1 = v128.load(w, 16);
    let a = v128.load32_splat(a0);
    c00 = multiplyAdd(c00, a, b0);
    c01 = multiplyAdd(c01, a, b1);
    a = v128.load32_splat(a1);
    c10 = multiplyAdd(c10, a, b0);
    c11 = multiplyAdd(c11, a, b1);
    a = v128.load32_splat(a2);
    c20 = multiplyAdd(c20, a, b0);
    c21 = multiplyAdd(c21, a, b1);
    a = v128.load32_splat(a3);
    c30 = multiplyAdd(c30, a, b0);
    c31 = multiplyAdd(c31, a, b1);
    if (TILE > 4) {
      a = v128.load32_splat(a4);
      c40 = multiplyAdd(c40, a, b0);
      c41 = multiplyAdd(c41, a, b1);
    }
    w += PANEL_COLUMNS * sizeof<f32>();
  }
  storeColumns(c, c00, cols);
  storeColumns(c + 16, c01, cols - 4);
  if (rows > 1) {
    storeColumns(c1, c10, cols);
    storeColumns(c1 + 16, c11, cols - 4);
  }
  if (rows > 2) {
    storeColumns(c2, c20, cols);
    storeColumns(c2 + 16, c21, cols - 4);
  }
  if (rows > 3) {
    storeColumns(c3, c30, cols);
    storeColumns(c3 + 16, c31, cols - 4);
  }
  if (TILE > 4 && rows > 4) {
    storeColumns(c4, c40, cols);
    storeColumns(c4 + 16, c41, cols - 4);
  }
}

/**
 * The batch-1 micro-kernel: one row of op(A) (values kStep bytes apart) times the panels at w0
 * and w1 (16 columns), into c. Only the first min(cols, 16) columns are stored.
 */
function tile1x16(K: i32, a: usize, kStep: usize, w0: usize, w1: usize, c: usize, cols: i32, accumulate: bool): void {
  const end = w0 + panelBytes(K);
  let c0 = v128.load(w0), c1 = v128.load(w0, 16), c2 = v128.load(w1), c3 = v128.load(w1, 16);
  if (accumulate) {
    c0 = f32x4.add(loadColumns(c, cols), c0);
    c1 = f32x4.add(loadColumns(c + 16, cols - 4), c1);
    c2 = f32x4.add(loadColumns(c + 32, cols - 8), c2);
    c3 = f32x4.add(loadColumns(c + 48, cols - 12), c3);
  }
  w0 += PANEL_COLUMNS * sizeof<f32>();
  w1 += PANEL_COLUMNS * sizeof<f32>();
  a -= kStep;
  while (w0 < end) {
    a += kStep;
    const x = v128.load32_splat(a);
    c0 = multiplyAdd(c0, x, v128.load(w0));
    c1 = multiplyAdd(c1, x, v128.load(w0, 16));
    c2 = multiplyAdd(c2, x, v128.load(w1));
    c3 = multiplyAdd(c3, x, v128.load(w1, 16));
    w0 += PANEL_COLUMNS * sizeof<f32>();
    w1 += PANEL_COLUMNS * sizeof<f32>();
  }
  storeColumns(c, c0, cols);
  storeColumns(c + 16, c1, cols - 4);
  storeColumns(c + 32, c2, cols - 8);
  storeColumns(c + 48, c3, cols - 12);
}

// C's column tail (N not a multiple of 8): columns past N are never read nor written, so C
// may end exactly at the end of memory and its row padding (ldc > N) is left untouched.

/** Loads min(n, 4) floats from p into the low lanes, zeros elsewhere (n ≤ 0: all zeros). */
// @ts-ignore: decorator
@inline function loadColumns(p: usize, n: i32): v128 {
  return n >= 4 ? v128.load(p) : loadColumnTail(p, n);
}

function loadColumnTail(p: usize, n: i32): v128 {
  if (n <= 0) return f32x4.splat(0);
  if (n == 1) return v128.load32_zero(p);
  const pair = v128.load64_zero(p);
  return n == 2 ? pair : v128.load32_lane(p, pair, 2, 8);
}

/** Stores the first min(n, 4) lanes of v at p (n ≤ 0: nothing). */
// @ts-ignore: decorator
@inline function storeColumns(p: usize, v: v128, n: i32): void {
  if (n >= 4) v128.store(p, v);
  else if (n > 0) storeColumnTail(p, v, n);
}

function storeColumnTail(p: usize, v: v128, n: i32): void {
  if (n & 2) {
    v128.store64_lane(p, v, 0);
    v = f32x4.shuffle(v, v, 2, 3, 2, 3);
    p += 8;
  }
  if (n & 1) v128.store32_lane(p, v, 0);
}
