// Orthonormal columns in float64, for the Orthogonal initializer: the Q of the Householder QR
// of a tall matrix (rows ≥ cols), each column's sign chosen so that R's diagonal is
// non-negative (Keras's convention).
//
// The arithmetic is exactly the plain reference's (test/reference/orthogonal.ts), so the
// bits are the same. Reflector j, H = I − 2·v·vᵀ/(vᵀv) with v taken from column j below the
// diagonal, meets a column as
//   dot = 0;  for r = j .. rows−1: dot = dot + v[r]·x[r]        (summed in row order)
//   d = (2·dot) / (vᵀv);  for r = j .. rows−1: x[r] = x[r] − d·v[r]
// (separate multiplies and adds, no FMA). A column's values depend only on its own history
// of reflectors, applied in the same order as in the reference; what changes is only the
// order in which columns are visited, and that is what makes it fast:
// - panel layout: columns are stored in panels of 8, one 64-byte line per row of a panel,
//   and the f64x2 lanes run across a panel's columns, so each column keeps its own sum;
// - blocking: the 8 reflectors of one panel, copied out to be read contiguously, are applied
//   to each later panel in turn while that panel and they (2 × rows × 64 bytes) sit in L2;
// - fusion: one sweep down a panel's rows applies one reflector and sums the dot products
//   of the next, so a panel is read and written once per reflector.
//
// Layout of `a` (rows × cols, padded with zero columns to whole panels): element (r, c) is
// the f64 at a + ((c / 8)·rows + r)·64 + (c % 8)·8. The work area holds 2·ceil(cols/8)·64
// + 192 + rows·64 bytes: vᵀv and the sign of R's diagonal per padded column, the scratch
// below, then the reflectors of the current panel copied out, each contiguous (rows f64).
// Nothing is checked here: the TypeScript wrapper (src/kernels/linalg.ts) guarantees sizes.

/** Columns per panel: one 64-byte line per row, four f64x2 vectors. */
const PANEL: i32 = 8;
const ROW_BYTES: usize = 64;

// Scratch at the end of the work area, 64 bytes each: the dot products being summed, the
// scaled dot products d of the reflector being applied, and the lane mask of a masked update.
const DOTS: usize = 0;
const SCALED: usize = 64;
const MASK: usize = 128;
const SCRATCH_BYTES: usize = 192;

/** Address of column c's element in row 0; row r is r·64 bytes further. */
// @ts-ignore: decorator
@inline function column(a: usize, rows: i32, c: i32): usize {
  return a + <usize>(c / PANEL) * <usize>rows * ROW_BYTES + (<usize>(c % PANEL) << 3);
}

/**
 * Overwrites `a` (panel layout, rows ≥ cols ≥ 1) with the Q of its QR factorisation, columns
 * multiplied by the signs of R's diagonal (a zero diagonal counts as positive).
 */
export function orthonormalColumns(a: usize, rows: i32, cols: i32, work: usize): void {
  const panels = (cols + PANEL - 1) / PANEL;
  const norms = work; // vᵀv of each reflector (0: H = I, skipped as in the reference)
  const signs = work + <usize>panels * ROW_BYTES;
  const scratch = signs + <usize>panels * ROW_BYTES;
  const block = scratch + SCRATCH_BYTES;
  for (let c = 0; c < panels * PANEL; c++) {
    store<f64>(norms + (<usize>c << 3), 0);
    store<f64>(signs + (<usize>c << 3), 1);
  }
  // R = H_{cols−1} ⋯ H_0 · A: reflector j is made from column j and left there (v).
  for (let p = 0; p < panels; p++) {
    const first = p * PANEL;
    const end = min(first + PANEL, cols);
    const panel = column(a, rows, first);
    for (let j = first; j < end; j++) {
      makeReflector(a, rows, j, norms, signs);
      copyReflector(a, rows, j, block);
      if (j + 1 < end) reflectWithinPanel(block, panel, rows, j, norms, scratch);
    }
    for (let q = p + 1; q < panels; q++) applyReflectors(block, column(a, rows, q * PANEL), rows, first, end, 1, norms, scratch);
  }
  // Q = H_0 ⋯ H_{cols−1} · I[:, :cols], from the last reflector back. When reflector j's turn
  // comes, columns after j already hold their part of Q and column j becomes e_j − d·v.
  for (let p = panels - 1; p >= 0; p--) {
    const first = p * PANEL;
    const end = min(first + PANEL, cols);
    const panel = column(a, rows, first);
    for (let j = first; j < end; j++) copyReflector(a, rows, j, block);
    for (let q = p + 1; q < panels; q++) applyReflectors(block, column(a, rows, q * PANEL), rows, end - 1, first - 1, -1, norms, scratch);
    for (let j = end - 1; j >= first; j--) {
      if (j + 1 < end) reflectWithinPanel(block, panel, rows, j, norms, scratch);
      makeQColumn(a, rows, j, norms);
    }
  }
  for (let p = 0; p < panels; p++) applySigns(column(a, rows, p * PANEL), rows, signs + <usize>p * ROW_BYTES);
}

/**
 * Turns column j (all earlier reflectors applied) into reflector j: v = x[j..] with
 * v[j] = x[j] − R[j][j], R[j][j] = ∓‖x[j..]‖ of the sign that avoids cancellation.
 */
function makeReflector(a: usize, rows: i32, j: i32, norms: usize, signs: usize): void {
  const v = column(a, rows, j);
  let squares = 0.0;
  for (let r = j; r < rows; r++) {
    const x = load<f64>(v + <usize>r * ROW_BYTES);
    squares += x * x;
  }
  const top = v + <usize>j * ROW_BYTES;
  const x0 = load<f64>(top);
  const diagonal = x0 > 0 ? -sqrt<f64>(squares) : sqrt<f64>(squares);
  store<f64>(top, x0 - diagonal);
  let norm2 = 0.0;
  for (let r = j; r < rows; r++) {
    const x = load<f64>(v + <usize>r * ROW_BYTES);
    norm2 += x * x;
  }
  store<f64>(norms + (<usize>j << 3), norm2);
  store<f64>(signs + (<usize>j << 3), diagonal < 0 ? -1 : 1);
}

/** Reflector j's contiguous copy in `block` (one of 8 slots, by j's lane); row r is r·8 bytes further. */
// @ts-ignore: decorator
@inline function reflector(block: usize, rows: i32, j: i32): usize {
  return block + <usize>(j % PANEL) * <usize>rows * 8;
}

/** Copies reflector j (rows j …) out of the panel so that sweeps read it contiguously. */
function copyReflector(a: usize, rows: i32, j: i32, block: usize): void {
  const v = column(a, rows, j);
  const copy = reflector(block, rows, j);
  for (let r = j; r < rows; r++) store<f64>(copy + (<usize>r << 3), load<f64>(v + <usize>r * ROW_BYTES));
}

/** Column j of Q: e_j − d·v_j, where d = 2·(v_j·e_j)/(v_jᵀv_j); e_j itself when H_j = I. */
function makeQColumn(a: usize, rows: i32, j: i32, norms: usize): void {
  const x = column(a, rows, j);
  const norm2 = load<f64>(norms + (<usize>j << 3));
  for (let r = 0; r < j; r++) store<f64>(x + <usize>r * ROW_BYTES, 0);
  if (norm2 == 0) {
    store<f64>(x + <usize>j * ROW_BYTES, 1);
    for (let r = j + 1; r < rows; r++) store<f64>(x + <usize>r * ROW_BYTES, 0);
    return;
  }
  let dot = 0.0;
  for (let r = j; r < rows; r++) dot += load<f64>(x + <usize>r * ROW_BYTES) * (r == j ? 1.0 : 0.0);
  const d = (2 * dot) / norm2;
  for (let r = j; r < rows; r++) {
    const at = x + <usize>r * ROW_BYTES;
    store<f64>(at, (r == j ? 1.0 : 0.0) - d * load<f64>(at));
  }
}

/** Applies reflector j to the columns after it in its own panel (the lanes up to j hold reflectors or Q columns and are kept). */
function reflectWithinPanel(block: usize, panel: usize, rows: i32, j: i32, norms: usize, scratch: usize): void {
  const norm2 = load<f64>(norms + (<usize>j << 3));
  if (norm2 == 0) return;
  const v = reflector(block, rows, j);
  const lane = j % PANEL;
  for (let c = 0; c < PANEL; c++) store<i64>(scratch + MASK + (<usize>c << 3), c > lane ? -1 : 0);
  zeroDots(scratch);
  sweep(panel, j, rows, 0, v, scratch, false, true, false);
  scaleDots(scratch, norm2);
  sweep(panel, j, rows, v, 0, scratch, true, false, true);
}

/**
 * Applies reflectors from, from + step, … (stopping before `to`) to all 8 columns of
 * `target`, in that order. Sweep k applies reflector k−1 and sums reflector k's dot products.
 */
function applyReflectors(block: usize, target: usize, rows: i32, from: i32, to: i32, step: i32, norms: usize, scratch: usize): void {
  let previous = -1;
  for (let j = from; j != to; j += step) {
    const norm2 = load<f64>(norms + (<usize>j << 3));
    if (norm2 == 0) continue;
    const v = reflector(block, rows, j);
    zeroDots(scratch);
    if (previous < 0) {
      sweep(target, j, rows, 0, v, scratch, false, true, false);
    } else {
      const u = reflector(block, rows, previous);
      // Rows that only one of the two reflectors reaches come first, then both together.
      const both = max(previous, j);
      if (previous < j) sweep(target, previous, both, u, 0, scratch, true, false, false);
      else sweep(target, j, both, 0, v, scratch, false, true, false);
      sweep(target, both, rows, u, v, scratch, true, true, false);
    }
    scaleDots(scratch, norm2);
    previous = j;
  }
  if (previous >= 0) sweep(target, previous, rows, reflector(block, rows, previous), 0, scratch, true, false, false);
}

// @ts-ignore: decorator
@inline function zeroDots(scratch: usize): void {
  for (let i: usize = 0; i < ROW_BYTES; i += 16) v128.store(scratch + DOTS + i, f64x2.splat(0));
}

/** d = (2·dot) / vᵀv for each lane, for the next update. */
// @ts-ignore: decorator
@inline function scaleDots(scratch: usize, norm2: f64): void {
  const two = f64x2.splat(2);
  const n = f64x2.splat(norm2);
  for (let i: usize = 0; i < ROW_BYTES; i += 16) v128.store(scratch + SCALED + i, f64x2.div(f64x2.mul(two, v128.load(scratch + DOTS + i)), n));
}

/**
 * Rows from ≤ r < to of one panel: with UPDATE, x[r] = x[r] − d·u[r] (d from scratch,
 * MASKED: only in the mask's lanes); then with DOT, dots = dots + w[r]·x[r] (the updated x).
 * u and w point at a reflector's row 0.
 */
// @ts-ignore: decorator
@inline function sweep(target: usize, from: i32, to: i32, u: usize, w: usize, scratch: usize, UPDATE: bool, DOT: bool, MASKED: bool): void {
  const d0 = v128.load(scratch + SCALED), d1 = v128.load(scratch + SCALED, 16);
  const d2 = v128.load(scratch + SCALED, 32), d3 = v128.load(scratch + SCALED, 48);
  const m0 = v128.load(scratch + MASK), m1 = v128.load(scratch + MASK, 16);
  const m2 = v128.load(scratch + MASK, 32), m3 = v128.load(scratch + MASK, 48);
  let s0 = v128.load(scratch + DOTS), s1 = v128.load(scratch + DOTS, 16);
  let s2 = v128.load(scratch + DOTS, 32), s3 = v128.load(scratch + DOTS, 48);
  let x = target + <usize>from * ROW_BYTES;
  const stop = target + <usize>to * ROW_BYTES;
  let ur = u + (<usize>from << 3);
  let wr = w + (<usize>from << 3);
  for (; x < stop; x += ROW_BYTES) {
    let x0 = v128.load(x), x1 = v128.load(x, 16), x2 = v128.load(x, 32), x3 = v128.load(x, 48);
    if (UPDATE) {
      const uv = v128.load64_splat(ur);
      let y0 = f64x2.sub(x0, f64x2.mul(d0, uv)), y1 = f64x2.sub(x1, f64x2.mul(d1, uv));
      let y2 = f64x2.sub(x2, f64x2.mul(d2, uv)), y3 = f64x2.sub(x3, f64x2.mul(d3, uv));
      if (MASKED) {
        y0 = v128.bitselect(y0, x0, m0);
        y1 = v128.bitselect(y1, x1, m1);
        y2 = v128.bitselect(y2, x2, m2);
        y3 = v128.bitselect(y3, x3, m3);
      }
      x0 = y0;
      x1 = y1;
      x2 = y2;
      x3 = y3;
      v128.store(x, x0);
      v128.store(x, x1, 16);
      v128.store(x, x2, 32);
      v128.store(x, x3, 48);
      ur += 8;
    }
    if (DOT) {
      const wv = v128.load64_splat(wr);
      s0 = f64x2.add(s0, f64x2.mul(wv, x0));
      s1 = f64x2.add(s1, f64x2.mul(wv, x1));
      s2 = f64x2.add(s2, f64x2.mul(wv, x2));
      s3 = f64x2.add(s3, f64x2.mul(wv, x3));
      wr += 8;
    }
  }
  if (DOT) {
    v128.store(scratch + DOTS, s0);
    v128.store(scratch + DOTS, s1, 16);
    v128.store(scratch + DOTS, s2, 32);
    v128.store(scratch + DOTS, s3, 48);
  }
}

/** Multiplies each column of a panel by its sign (±1). */
function applySigns(panel: usize, rows: i32, signs: usize): void {
  const g0 = v128.load(signs), g1 = v128.load(signs, 16), g2 = v128.load(signs, 32), g3 = v128.load(signs, 48);
  for (let r = 0; r < rows; r++) {
    const x = panel + <usize>r * ROW_BYTES;
    v128.store(x, f64x2.mul(v128.load(x), g0));
    v128.store(x, f64x2.mul(v128.load(x, 16), g1), 16);
    v128.store(x, f64x2.mul(v128.load(x, 32), g2), 32);
    v128.store(x, f64x2.mul(v128.load(x, 48), g3), 48);
  }
}
