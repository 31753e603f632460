// What SimpleRNN, LSTM and GRU share: option codes, the layouts of packed weights, tape and
// workspace, the call's plan (shapes and pointers, set once per layer call), activation
// dispatch, and the per-step bookkeeping of the time loop (masks, outputs, recurrent dropout,
// truncated BPTT). The cells (simple_rnn.ts, lstm.ts, gru.ts) only say what a step computes;
// layer.ts runs the loops.
//
// Layout. The caller's buffers are batch-major: x [B][T][F], the output sequence Y and its
// gradient [B][T][U] indexed by processing step s (with goBackwards, t = T−1−s, as Keras
// returns them), masks [B][T] (f32, nonzero = a real step). Internally every sequence buffer
// is time-major [T][B][n], indexed by input time t, so the slice of one step is a contiguous
// B×n matrix: the copy of x the kernel multiplies, the gate buffer G [T][B][gU] (the input
// projection, then activated gates, then gate gradients dG), the recurrent inputs
// Hin [T][B][U] (h_{t−1} ⊙ recurrent dropout mask, what h·U reads) and per cell what backward
// needs. (Batch-major slices put each sample's 2 KB row on its own page: the epilogues and
// GEMMs then stall on the TLB and lose the prefetcher.) Pointers are byte offsets, counts floats.
import { loadTail, storeTail, sigmoidV, tanhV, hardSigmoidV, hardSigmoidKeras3V, reluV, sigmoidGradV, tanhGradV, reluGradV, hardSigmoidGradV, hardSigmoidKeras3GradV } from '../vmath';
import { gemmPackedSize } from '../gemm';

// Cells.
export const SIMPLE_RNN = 0;
export const LSTM = 1;
export const GRU = 2;

// Activations (activation and recurrentActivation).
export const LINEAR = 0;
export const RELU = 1;
export const SIGMOID = 2;
export const TANH = 3;
export const HARD_SIGMOID = 4;
export const HARD_SIGMOID_KERAS3 = 5;

// Flag bits.
/** Process t = T−1 … 0; Y is still stored by processing step. */
export const GO_BACKWARDS = 1;
/** Y at a masked step is 0 (else the carried h). */
export const ZERO_MASKED_OUTPUT = 2;
/** GRU: ĥ = act(x_h + r ⊙ (h·U_h + b_rh)), bias (2, 3U). Else ĥ = act(x_h + (r ⊙ h)·U_h). */
export const RESET_AFTER = 4;
/** Packed weights include the transposes backward multiplies by. */
export const WITH_BACKWARD = 8;
/** An input dropout mask is given (accepted by rnnWorkSize; the workspace size no longer depends on it). */
export const INPUT_DROPOUT = 16;
/** The forward pass writes a tape for backward (else it keeps per-step buffers in the workspace). */
export const TRAINING = 32;

/** Gate blocks per cell: the kernel is (F, gates·U). */
export function gatesOf(cell: i32): i32 {
  return cell == LSTM ? 4 : cell == GRU ? 3 : 1;
}

/** Sub-buffers start on 64-byte boundaries: floats rounded up to a multiple of 16. */
// @ts-ignore: decorator
@inline export function aligned(floats: i32): i32 {
  return (floats + 15) & ~15;
}

/** Shapes, options and pointers of the current layer call (globals, set by layer.ts). */
export class Plan {
  static cell: i32 = 0;
  static B: i32 = 0;
  static T: i32 = 0;
  static F: i32 = 0;
  static U: i32 = 0;
  /** gates·U: the width of G and of the kernels. */
  static GU: i32 = 0;
  static flags: i32 = 0;
  /** The samples this call computes, [b0, b1): all B on one thread, a share of them per pool thread. */
  static b0: i32 = 0;
  static b1: i32 = 0;
  static act: i32 = TANH;
  static rec: i32 = SIGMOID;

  // Packed weights (see layoutPacked).
  static pw: usize = 0;
  static pu: usize = 0;
  static pu2: usize = 0;
  static pwT: usize = 0;
  static puT: usize = 0;
  static puT2: usize = 0;

  static mask: usize = 0;
  static dropIn: usize = 0;
  static dropRec: usize = 0;

  /** G [T][B][GU]. */
  static gates: usize = 0;
  /** Hin, aux1, aux2: [T][B][U] in the tape, or [B][U] per-step buffers (seqStep = 0) when not training. */
  static hIn: usize = 0;
  /** LSTM: c_{t−1} entering step t. GRU: h·U_h + b_rh (resetAfter) or r ⊙ hIn (not). */
  static aux1: usize = 0;
  /** LSTM: act(c_t). GRU: the carried h_{t−1} (only with recurrent dropout; else hIn is it). */
  static aux2: usize = 0;
  /** Bytes from step t to t+1 in hIn/aux1/aux2 (B·U·4 in the tape, 0 for per-step buffers); rows are U·4 apart. */
  static seqStep: usize = 0;

  /** Carried state [B][U] (h, and c for LSTM). */
  static h: usize = 0;
  static c: usize = 0;
  /** Output sequence [B][T][U] by processing step, or 0. */
  static y: usize = 0;

  // Backward: carried gradients [B][U] of the state after the step being processed, the
  // gradient of the step's hIn, GRU's dq, and per-sample modes/counters [B] (i32).
  static dh: usize = 0;
  static dc: usize = 0;
  static dhIn: usize = 0;
  static dq: usize = 0;
  static modes: usize = 0;
  static counts: usize = 0;
  static dy: usize = 0;
  static maxSteps: i32 = 0;
}

/** Input time of processing step s. */
// @ts-ignore: decorator
@inline export function timeOf(s: i32): i32 {
  return Plan.flags & GO_BACKWARDS ? Plan.T - 1 - s : s;
}

/** Whether step t of sample b is real (not padding). */
// @ts-ignore: decorator
@inline export function isReal(b: i32, t: i32): bool {
  return Plan.mask == 0 || load<f32>(Plan.mask + ((<usize>b * Plan.T + t) << 2)) != 0;
}

/** Row b of the gate buffer's slice t (slices are B×gU, row stride gU). */
// @ts-ignore: decorator
@inline export function gateRow(b: i32, t: i32): usize {
  return Plan.gates + ((<usize>t * Plan.B + b) * Plan.GU << 2);
}

/** Row b of a U-wide sequence buffer (hIn, aux1, aux2) at step t. */
// @ts-ignore: decorator
@inline export function seqRow(base: usize, b: i32, t: i32): usize {
  return base + (<usize>b * Plan.U << 2) + <usize>t * Plan.seqStep;
}

/** Row b of a [B][U] buffer. */
// @ts-ignore: decorator
@inline export function stateRow(base: usize, b: i32): usize {
  return base + (<usize>b * Plan.U << 2);
}

// ---------------------------------------------------------------------------------------------
// Vectors over units: a row of U floats is processed 4 at a time; the last U % 4 go through the
// same code with loadTail/storeTail (n < 4), so a unit's result does not depend on its position.

// @ts-ignore: decorator
@inline export function ld(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadTail(p, n);
}

// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, n: i32): void {
  if (n == 4) v128.store(p, v);
  else storeTail(p, v, n);
}

/** activation `code` of x (a loop-invariant branch: well predicted, cheap beside the math). */
// @ts-ignore: decorator
@inline function activate(code: i32, x: v128): v128 {
  if (code == SIGMOID) return sigmoidV(x);
  if (code == TANH) return tanhV(x);
  if (code == HARD_SIGMOID) return hardSigmoidV(x);
  if (code == HARD_SIGMOID_KERAS3) return hardSigmoidKeras3V(x);
  if (code == RELU) return reluV(x);
  return x;
}

/** p[i] = activation `code`(p[i]) for i < n: one specialised loop per code, four vectors a pass. */
export function activateRow(code: i32, p: usize, n: i32): void {
  if (code == SIGMOID) mapRow(SIGMOID, p, n);
  else if (code == TANH) mapRow(TANH, p, n);
  else if (code == HARD_SIGMOID) mapRow(HARD_SIGMOID, p, n);
  else if (code == HARD_SIGMOID_KERAS3) mapRow(HARD_SIGMOID_KERAS3, p, n);
  else if (code == RELU) mapRow(RELU, p, n);
}

// @ts-ignore: decorator
@inline function mapRow(code: i32, p: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = p + (<usize>i << 2);
    const a = activate(code, v128.load(o));
    const b = activate(code, v128.load(o, 16));
    const c = activate(code, v128.load(o, 32));
    const d = activate(code, v128.load(o, 48));
    v128.store(o, a);
    v128.store(o, b, 16);
    v128.store(o, c, 32);
    v128.store(o, d, 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = p + (<usize>i << 2);
    v128.store(o, activate(code, v128.load(o)));
  }
  if (i < n) {
    const o = p + (<usize>i << 2);
    storeTail(o, activate(code, loadTail(o, n - i)), n - i);
  }
}

/** The derivative of activation `code` taken from its output y (kinks give 0, as in TF.js). */
// @ts-ignore: decorator
@inline export function derivative(code: i32, y: v128): v128 {
  if (code == SIGMOID) return sigmoidGradV(y);
  if (code == TANH) return tanhGradV(y);
  if (code == HARD_SIGMOID) return hardSigmoidGradV(y);
  if (code == HARD_SIGMOID_KERAS3) return hardSigmoidKeras3GradV(y);
  if (code == RELU) return reluGradV(y);
  return f32x4.splat(1);
}

// ---------------------------------------------------------------------------------------------
// Packed weights: gemm panels, in this order (floats):
//   pw   x·W + b: N = gU, K = F, with the (input) bias
//   pu   SimpleRNN/LSTM h·U: N = gU, K = U.   GRU: h·U_zr, N = 2U (resetAfter: with b_r,zr)
//   pu2  GRU only: h·U_h, N = U, K = U (resetAfter: with b_r,h)
// and with WITH_BACKWARD:
//   pwT  dG·Wᵀ: N = F, K = gU
//   puT  SimpleRNN/LSTM dG·Uᵀ: N = U, K = gU.  GRU: dG_zr·U_zrᵀ, N = U, K = 2U
//   puT2 GRU only: d·U_hᵀ, N = U, K = U
// Each part starts 64-byte aligned.

/** Sets Plan.pw … Plan.puT2 for packed weights at `base`; returns their total size in floats. */
export function layoutPacked(cell: i32, F: i32, U: i32, flags: i32, base: usize): i32 {
  const GU = gatesOf(cell) * U;
  let at = 0;
  Plan.pw = base;
  at += aligned(gemmPackedSize(GU, F));
  Plan.pu = base + (<usize>at << 2);
  Plan.pu2 = 0;
  if (cell == GRU) {
    at += aligned(gemmPackedSize(2 * U, U));
    Plan.pu2 = base + (<usize>at << 2);
    at += aligned(gemmPackedSize(U, U));
  } else {
    at += aligned(gemmPackedSize(GU, U));
  }
  Plan.pwT = 0;
  Plan.puT = 0;
  Plan.puT2 = 0;
  if (flags & WITH_BACKWARD) {
    Plan.pwT = base + (<usize>at << 2);
    at += aligned(gemmPackedSize(F, GU));
    Plan.puT = base + (<usize>at << 2);
    if (cell == GRU) {
      at += aligned(gemmPackedSize(U, 2 * U));
      Plan.puT2 = base + (<usize>at << 2);
      at += aligned(gemmPackedSize(U, U));
    } else {
      at += aligned(gemmPackedSize(U, GU));
    }
  }
  return at;
}

// ---------------------------------------------------------------------------------------------
// Tape (training forward → backward), floats:
//   G [T][B][gU], Hin [T][B][U], aux1 [T][B][U] and aux2 [T][B][U] (LSTM, GRU; see Plan).

/** U-wide sequence buffers a cell's tape holds besides G. */
function seqBuffers(cell: i32): i32 {
  return cell == SIMPLE_RNN ? 1 : 3;
}

export function tapeFloats(cell: i32, B: i32, T: i32, U: i32): i32 {
  const n = B * T;
  return aligned(n * gatesOf(cell) * U) + seqBuffers(cell) * aligned(n * U);
}

/** Sets Plan.gates, hIn, aux1, aux2 and their strides to the tape at `tape`. */
export function layoutTape(tape: usize): void {
  const n = Plan.B * Plan.T;
  let at = <usize>aligned(n * Plan.GU) << 2;
  const seq = <usize>aligned(n * Plan.U) << 2;
  Plan.gates = tape;
  Plan.hIn = tape + at;
  Plan.aux1 = Plan.cell == SIMPLE_RNN ? 0 : tape + at + seq;
  Plan.aux2 = Plan.cell == SIMPLE_RNN ? 0 : tape + at + 2 * seq;
  Plan.seqStep = <usize>Plan.B * Plan.U << 2;
}

// ---------------------------------------------------------------------------------------------
// Workspace (scratch for one call, not kept), floats (layer.ts sizes it):
//   forward:  [x time-major (⊙ input dropout): B·T·F], then without a tape [G: B·T·gU]
//             [hIn, aux1, aux2: B·U each]
//   backward: [dh, dc, dhIn, dq: B·U each] [modes, counts: B each] [x time-major: B·T·F]
//             [the chunk buffers of gradients.ts]; after the loop, from the x copy on, the
//             dG·Wᵀ product [T][B][F rounded up to 8]

/** Forward without a tape: G and the per-step buffers in the workspace after the x copy. */
export function layoutWorkForward(work: usize): void {
  const n = Plan.B * Plan.T;
  let at = work + (<usize>aligned(n * Plan.F) << 2);
  const row = <usize>aligned(Plan.B * Plan.U) << 2;
  Plan.gates = at;
  at += <usize>aligned(n * Plan.GU) << 2;
  Plan.hIn = at;
  Plan.aux1 = at + row;
  Plan.aux2 = at + 2 * row;
  Plan.seqStep = 0;
}

/** Backward: the per-step buffers; returns where the x copy and then the chunk buffers go. */
export function layoutWorkBackward(work: usize): usize {
  const row = <usize>aligned(Plan.B * Plan.U) << 2;
  Plan.dh = work;
  Plan.dc = work + row;
  Plan.dhIn = work + 2 * row;
  Plan.dq = work + 3 * row;
  Plan.modes = work + 4 * row;
  Plan.counts = Plan.modes + (<usize>aligned(Plan.B) << 2);
  return Plan.counts + (<usize>aligned(Plan.B) << 2);
}

// ---------------------------------------------------------------------------------------------
// Small buffer helpers.

/** dst = src ⊙ m (m broadcast per row: row r of src uses row r / rowsPerMask of m), n columns. */
export function maskRows(src: usize, m: usize, dst: usize, rows: i32, rowsPerMask: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * rowBytes;
    const d = dst + <usize>r * rowBytes;
    const mr = m + <usize>(r / rowsPerMask) * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(d + o, f32x4.mul(v128.load(s + o), v128.load(mr + o)));
    }
    if (j < n) {
      const o = <usize>j << 2;
      storeTail(d + o, f32x4.mul(loadTail(s + o, n - j), loadTail(mr + o, n - j)), n - j);
    }
  }
}

/** dst += src ⊙ m, m broadcast as in maskRows (m = 0: no mask), n columns. */
export function addMaskedRows(src: usize, m: usize, dst: usize, rows: i32, rowsPerMask: i32, n: i32): void {
  addMaskedStrided(src, n, m, dst, rows, rowsPerMask, n);
}

/** addMaskedRows with src rows srcLd floats apart. */
export function addMaskedStrided(src: usize, srcLd: i32, m: usize, dst: usize, rows: i32, rowsPerMask: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const srcBytes = <usize>srcLd << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * srcBytes;
    const d = dst + <usize>r * rowBytes;
    const mr = m + <usize>(r / rowsPerMask) * rowBytes;
    let j = 0;
    for (; j + 4 <= n; j += 4) addMaskedUnits(s, mr, d, m, j, 4);
    if (j < n) addMaskedUnits(s, mr, d, m, j, n - j);
  }
}

// @ts-ignore: decorator
@inline function addMaskedUnits(s: usize, mr: usize, d: usize, m: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  let v = ld(s + o, n);
  if (m) v = f32x4.mul(v, ld(mr + o, n));
  st(d + o, f32x4.add(ld(d + o, n), v), n);
}

/**
 * dst [T][B][F] = x [B][T][F] ⊙ m [B][F] (m = 0: a plain copy) for samples b0 … b1−1, with
 * padded steps (Plan.mask) zero: whatever the caller left there (even NaN) never reaches the
 * weight gradients.
 */
export function toTimeMajor(x: usize, m: usize, dst: usize, b0: i32, b1: i32, B: i32, T: i32, F: i32): void {
  const rowBytes = <usize>F << 2;
  for (let b = b0; b < b1; b++) {
    const mb = m + <usize>b * rowBytes;
    for (let t = 0; t < T; t++) {
      const src = x + (<usize>b * T + t) * rowBytes;
      const d = dst + (<usize>t * B + b) * rowBytes;
      if (!isReal(b, t)) memory.fill(d, 0, rowBytes);
      else if (m) maskRows(src, mb, d, 1, 1, F);
      else memory.copy(d, src, rowBytes);
    }
  }
}

/** dx [B][T][F] += src [T][B][·] (rows ld floats apart) ⊙ m [B][F] (m = 0: no mask). */
export function addFromTimeMajor(src: usize, ld: i32, m: usize, dx: usize, B: i32, T: i32, F: i32): void {
  const rowBytes = <usize>F << 2;
  for (let b = 0; b < B; b++) {
    const mb = m ? m + <usize>b * rowBytes : 0;
    for (let t = 0; t < T; t++) {
      addMaskedStrided(src + (<usize>t * B + b) * (<usize>ld << 2), ld, mb, dx + (<usize>b * T + t) * rowBytes, 1, 1, F);
    }
  }
}

/** Zeroes `cols` floats of `rows` rows ld floats apart. */
export function zeroRows(dst: usize, ld: i32, rows: i32, cols: i32): void {
  const rowBytes = <usize>ld << 2;
  for (let r = 0; r < rows; r++) memory.fill(dst + <usize>r * rowBytes, 0, <usize>cols << 2);
}

// ---------------------------------------------------------------------------------------------
// The time loop's bookkeeping, shared by every cell.

/** Backward modes of a sample at a step: it gets gradients, it is padding (states pass through),
 *  or it lies before its truncation window (nothing flows any more). */
export const LIVE = 0;
export const MASKED = 1;
export const DEAD = 2;

// @ts-ignore: decorator
@inline export function modeOf(b: i32): i32 {
  return load<i32>(Plan.modes + (<usize>b << 2));
}

/** hIn of step t for sample b from the carried h: h ⊙ recurrent dropout (and GRU's unmasked copy). */
export function writeRecurrentInput(b: i32, t: i32): void {
  const U = Plan.U;
  const h = stateRow(Plan.h, b);
  const dst = seqRow(Plan.hIn, b, t);
  if (Plan.dropRec) {
    maskRows(h, stateRow(Plan.dropRec, b), dst, 1, 1, U);
    if (Plan.cell == GRU) memory.copy(seqRow(Plan.aux2, b, t), h, <usize>U << 2);
  } else {
    memory.copy(dst, h, <usize>U << 2);
  }
}

/**
 * A padded step of sample b at processing step s: the state is kept; its output Y[b][s] (0, or
 * the carried h without ZERO_MASKED_OUTPUT) and the next step's hIn are written from it.
 * (Real steps write both inside the cells' unit loops, see beginForwardRow.)
 */
export function emitKeptRow(b: i32, s: i32): void {
  const U = Plan.U;
  const h = stateRow(Plan.h, b);
  if (Plan.y) {
    const y = Plan.y + ((<usize>b * Plan.T + s) * U << 2);
    if (Plan.flags & ZERO_MASKED_OUTPUT) memory.fill(y, 0, <usize>U << 2);
    else memory.copy(y, h, <usize>U << 2);
  }
  if (s + 1 < Plan.T) writeRecurrentInput(b, timeOf(s + 1));
}

// Where a real step's new h goes besides the state: Y[b][s], the next step's hIn (times the
// recurrent dropout mask) and, for GRU with recurrent dropout, the carried copy. Set per sample
// by beginForwardRow; the cells read them into locals before their unit loop.
export class Row {
  static y: usize = 0;
  static next: usize = 0;
  static mask: usize = 0;
  static carry: usize = 0;
}

export function beginForwardRow(b: i32, s: i32): void {
  const last = s + 1 >= Plan.T;
  const tNext = last ? 0 : timeOf(s + 1);
  Row.y = Plan.y ? Plan.y + ((<usize>b * Plan.T + s) * Plan.U << 2) : 0;
  Row.next = last ? 0 : seqRow(Plan.hIn, b, tNext);
  Row.mask = Plan.dropRec ? stateRow(Plan.dropRec, b) : 0;
  Row.carry = !last && Plan.dropRec && Plan.cell == GRU ? seqRow(Plan.aux2, b, tNext) : 0;
}

/** Stores a real step's new h (units o/4 …): state, output, next hIn, carried copy. */
// @ts-ignore: decorator
@inline export function emitUnits(h: usize, y: usize, next: usize, mask: usize, carry: usize, o: usize, hv: v128, n: i32): void {
  st(h + o, hv, n);
  if (y) st(y + o, hv, n);
  if (next) st(next + o, mask ? f32x4.mul(hv, ld(mask + o, n)) : hv, n);
  if (carry) st(carry + o, hv, n);
}

/**
 * Backward, for a live sample b at processing step s: dh (the gradient of the state after the
 * step) = carried dh + dhIn ⊙ recurrent dropout (from step s+1) + dY[b][s].
 */
export function gatherRow(b: i32, s: i32): void {
  const U = Plan.U;
  const dh = stateRow(Plan.dh, b), dhIn = stateRow(Plan.dhIn, b);
  const mask = Plan.dropRec ? stateRow(Plan.dropRec, b) : 0;
  const dy = Plan.dy ? Plan.dy + ((<usize>b * Plan.T + s) * U << 2) : 0;
  let j = 0;
  for (; j + 4 <= U; j += 4) gatherUnits(dh, dhIn, mask, dy, j, 4);
  if (j < U) gatherUnits(dh, dhIn, mask, dy, j, U - j);
}

// @ts-ignore: decorator
@inline function gatherUnits(dh: usize, dhIn: usize, mask: usize, dy: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  let d = ld(dhIn + o, n);
  if (mask) d = f32x4.mul(d, ld(mask + o, n));
  let v = f32x4.add(ld(dh + o, n), d);
  if (dy) v = f32x4.add(v, ld(dy + o, n));
  st(dh + o, v, n);
}

/**
 * Backward, before the cells' step at processing step s (time t): each sample's mode. A real
 * step beyond maxSteps real steps from the end kills the sample (its carried gradients become
 * 0); a padded step passes its carried gradients on, gathering dhIn and (without
 * ZERO_MASKED_OUTPUT) dY here; live samples gather in gatherRow, which the cells call. Returns
 * how many of the samples b0 … b1−1 are dead.
 */
export function gatherStep(s: i32, t: i32): i32 {
  const U = Plan.U;
  const rowBytes = <usize>U << 2;
  let dead = 0;
  for (let b = Plan.b0; b < Plan.b1; b++) {
    let mode = modeOf(b);
    if (mode != DEAD) {
      const real = isReal(b, t);
      const count = load<i32>(Plan.counts + (<usize>b << 2));
      if (real && Plan.maxSteps > 0 && count == Plan.maxSteps) {
        mode = DEAD;
        memory.fill(stateRow(Plan.dh, b), 0, rowBytes);
        if (Plan.cell == LSTM) memory.fill(stateRow(Plan.dc, b), 0, rowBytes);
      } else if (real) {
        mode = LIVE;
        store<i32>(Plan.counts + (<usize>b << 2), count + 1);
      } else {
        mode = MASKED;
        const dh = stateRow(Plan.dh, b);
        addMaskedRows(stateRow(Plan.dhIn, b), Plan.dropRec ? stateRow(Plan.dropRec, b) : 0, dh, 1, 1, U);
        if (Plan.dy && !(Plan.flags & ZERO_MASKED_OUTPUT)) {
          addMaskedRows(Plan.dy + ((<usize>b * Plan.T + s) * U << 2), 0, dh, 1, 1, U);
        }
      }
      store<i32>(Plan.modes + (<usize>b << 2), mode);
    }
    if (mode == DEAD) dead++;
  }
  return dead;
}

/**
 * The processing step at which gatherStep finds every sample dead (backward stops there), or
 * −1: a sample dies at its real step with maxSteps real steps after it, so that is the
 * smallest such step over the samples (−1 if one has no more than maxSteps real steps).
 */
export function allDeadStep(): i32 {
  if (Plan.maxSteps <= 0) return -1;
  let stop = Plan.T;
  for (let b = 0; b < Plan.B; b++) {
    let death = -1;
    let count = 0;
    for (let s = Plan.T - 1; s >= 0; s--) {
      if (!isReal(b, timeOf(s))) continue;
      if (count == Plan.maxSteps) {
        death = s;
        break;
      }
      count++;
    }
    stop = min(stop, death);
  }
  return stop;
}
