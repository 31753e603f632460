// Kernels of the layers that move values without changing them (repeatVector, permute) and of
// the positional embedding's broadcast add. Pointers are byte offsets into host-owned memory,
// sizes in floats; the one sum (repeatRowsBackward) adds in increasing repeat order.
import { add } from './elementwise';

/** y[b, r, :] = x[b, :] for r < repeats: x [B][n] → y [B][repeats][n]. */
export function repeatRows(x: usize, B: i32, n: i32, repeats: i32, y: usize): void {
  const rowBytes = <usize>n << 2;
  let dst = y;
  for (let b = 0; b < B; b++) {
    const src = x + <usize>b * rowBytes;
    for (let r = 0; r < repeats; r++, dst += rowBytes) memory.copy(dst, src, rowBytes);
  }
}

/** dx[b, :] = dy[b, 0, :] + dy[b, 1, :] + … (in order): the gradient of repeatRows. */
export function repeatRowsBackward(dy: usize, B: i32, n: i32, repeats: i32, dx: usize): void {
  const rowBytes = <usize>n << 2;
  for (let b = 0; b < B; b++) {
    const out = dx + <usize>b * rowBytes;
    const first = dy + <usize>b * <usize>repeats * rowBytes;
    memory.copy(out, first, rowBytes);
    for (let r = 1; r < repeats; r++) add(out, first + <usize>r * rowBytes, out, n);
  }
}

/**
 * Permutes the three non-batch axes of x [B][d0][d1][d2]: y[b][i0][i1][i2] with output axis a
 * being input axis p_a (p0, p1, p2 a permutation of 0, 1, 2). Rank-2 inputs pass d2 = 1, p2 = 2.
 */
export function permute3(x: usize, B: i32, d0: i32, d1: i32, d2: i32, p0: i32, p1: i32, p2: i32, y: usize): void {
  const inStride0 = d1 * d2;
  const inStride1 = d2;
  const n0 = axisOf(p0, d0, d1, d2), n1 = axisOf(p1, d0, d1, d2), n2 = axisOf(p2, d0, d1, d2);
  const s0 = axisOf(p0, inStride0, inStride1, 1), s1 = axisOf(p1, inStride0, inStride1, 1), s2 = axisOf(p2, inStride0, inStride1, 1);
  const sample = d0 * d1 * d2;
  let dst = y;
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * sample) << 2);
    for (let i0 = 0; i0 < n0; i0++) {
      for (let i1 = 0; i1 < n1; i1++) {
        const base = i0 * s0 + i1 * s1;
        for (let i2 = 0; i2 < n2; i2++, dst += 4) store<f32>(dst, load<f32>(xb + (<usize>(base + i2 * s2) << 2)));
      }
    }
  }
}

// @ts-ignore: decorator
@inline function axisOf(axis: i32, a: i32, b: i32, c: i32): i32 {
  return axis == 0 ? a : axis == 1 ? b : c;
}

/** y[b, :] = x[b, :] + row for b < B (rows of n floats): the positional embedding's add. */
export function addRowToEach(x: usize, row: usize, B: i32, n: i32, y: usize): void {
  const rowBytes = <usize>n << 2;
  for (let b = 0; b < B; b++) add(x + <usize>b * rowBytes, row, y + <usize>b * rowBytes, n);
}
