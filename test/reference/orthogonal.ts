// The Orthogonal initializer's factorisation, plainly: Householder QR of a tall float64
// matrix, one reflector at a time over whole rows, then Q accumulated from the last
// reflector back. seqwasm's Wasm kernel (assembly/linalg.ts) performs exactly these float64
// operations on each column, in this order, blocked and vectorised across columns, so the
// two agree bit for bit (this was seqwasm's own implementation before the kernel).

/**
 * Q (rows × cols, rows ≥ cols, row-major) of the thin QR factorisation of `a` by
 * Householder reflections, in float64, times the signs of R's diagonal (sign 0 taken as +).
 */
export function orthonormalColumns(a: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const r = Float64Array.from(a);
  const reflectors: { v: Float64Array; norm2: number }[] = [];
  const signs = new Float64Array(cols);
  // Applies H = I − 2·v·vᵀ/(vᵀv), v acting on rows j…, to columns from…cols−1 of m. Row by
  // row (contiguous), each column's dot product still summed in row order.
  const dots = new Float64Array(cols);
  const reflect = (m: Float64Array, j: number, v: Float64Array, norm2: number, from: number) => {
    if (norm2 === 0) return;
    dots.fill(0);
    for (let i = 0; i < v.length; i++) {
      const rowStart = (j + i) * cols;
      for (let c = from; c < cols; c++) dots[c] += v[i] * m[rowStart + c];
    }
    for (let c = from; c < cols; c++) dots[c] = (2 * dots[c]) / norm2;
    for (let i = 0; i < v.length; i++) {
      const rowStart = (j + i) * cols;
      for (let c = from; c < cols; c++) m[rowStart + c] -= dots[c] * v[i];
    }
  };
  for (let j = 0; j < cols; j++) {
    const v = new Float64Array(rows - j);
    let squares = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] = r[(j + i) * cols + j];
      squares += v[i] * v[i];
    }
    const diagonal = v[0] > 0 ? -Math.sqrt(squares) : Math.sqrt(squares); // R[j][j]; the sign that avoids cancellation
    v[0] -= diagonal;
    let norm2 = 0;
    for (let i = 0; i < v.length; i++) norm2 += v[i] * v[i];
    reflect(r, j, v, norm2, j);
    reflectors.push({ v, norm2 });
    signs[j] = diagonal < 0 ? -1 : 1;
  }
  // Q = H_0 · … · H_{cols−1} · I[:, :cols], accumulated from the last reflector backwards.
  const q = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) q[j * cols + j] = 1;
  for (let j = cols - 1; j >= 0; j--) reflect(q, j, reflectors[j].v, reflectors[j].norm2, j);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) q[i * cols + j] *= signs[j];
  return q;
}
