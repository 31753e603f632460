// Typed wrapper around the float64 linear algebra of assembly/linalg.ts (the Orthogonal
// initializer's QR). It takes and returns plain Float64Arrays: the Wasm scratch it needs
// lives only for the call and goes back to the arena before it returns.
import { arena } from '../runtime/module.js';
import { exportsOf } from './buffers.js';
import { dim } from './validate.js';

interface LinalgExports {
  orthonormalColumns(a: number, rows: number, cols: number, work: number): void;
}

/** Columns per panel of the kernel's layout (assembly/linalg.ts): one 64-byte line per row. */
const PANEL = 8;
/** The kernel's work area after its per-column vᵀv and signs: three 64-byte scratch rows, then a panel's reflectors (64 bytes a row). */
const SCRATCH_BYTES = 192;
/** A wasm32 memory addresses at most 4 GiB. */
const MAX_WASM_BYTES = 2 ** 32;

/**
 * Overwrites the row-major rows×cols float64 matrix `a` (rows ≥ cols ≥ 1) with the Q of its
 * Householder QR factorisation, each column multiplied by the sign of R's diagonal entry
 * (zero counts as positive): orthonormal columns spanning a's, as Keras's Orthogonal takes
 * them. Float64 throughout, the same bits in every runtime. Needs about 8·rows·cols bytes of
 * Wasm memory during the call.
 *
 * @example
 * ```ts
 * const a = Float64Array.from({ length: 6 }, (_, i) => i * i - 2);   // 3×2
 * kernels.orthonormalColumns(a, 3, 2);                                 // a's columns now orthonormal
 * ```
 */
export function orthonormalColumns(a: Float64Array, rows: number, cols: number): void {
  const what = 'orthonormalColumns';
  if (!(a instanceof Float64Array)) throw new TypeError(`${what}(a): expected a Float64Array, got ${Object.prototype.toString.call(a).slice(8, -1)}`);
  dim(`${what}(rows)`, rows);
  dim(`${what}(cols)`, cols);
  if (rows < cols) throw new RangeError(`${what}(rows, cols): expected rows >= cols (a tall matrix), got rows=${rows}, cols=${cols}`);
  const panels = Math.ceil(cols / PANEL);
  const matrixBytes = panels * rows * PANEL * 8;
  const bytes = matrixBytes + 2 * panels * PANEL * 8 + SCRATCH_BYTES + rows * PANEL * 8;
  if (bytes > MAX_WASM_BYTES) {
    throw new RangeError(`${what}(rows, cols): a ${rows}×${cols} float64 factorisation needs ${bytes} bytes of Wasm memory, more than the 4 GiB it can address`);
  }
  if (a.length !== rows * cols) throw new RangeError(`${what}(a): expected rows·cols = ${rows * cols} values, got ${a.length}`);
  const memory = arena(what);
  const region = memory.allocF32(bytes / 4);
  try {
    const panelLayout = new Float64Array(memory.memory.buffer, region.offset, matrixBytes / 8);
    toPanels(a, rows, cols, panelLayout);
    exportsOf<LinalgExports>(what).orthonormalColumns(region.offset, rows, cols, region.offset + matrixBytes);
    fromPanels(new Float64Array(memory.memory.buffer, region.offset, matrixBytes / 8), rows, cols, a);
  } finally {
    memory.free(region);
  }
}

/** Row-major a → the kernel's panel layout (element (r, c) at ((c/8)·rows + r)·8 + c%8), padding columns zero. */
function toPanels(a: Float64Array, rows: number, cols: number, out: Float64Array): void {
  out.fill(0, (Math.ceil(cols / PANEL) - 1) * rows * PANEL);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[((c >> 3) * rows + r) * PANEL + (c & 7)] = a[r * cols + c];
  }
}

function fromPanels(panels: Float64Array, rows: number, cols: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = panels[((c >> 3) * rows + r) * PANEL + (c & 7)];
  }
}
