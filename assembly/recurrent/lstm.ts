// LSTM step, forward and backward, Keras gate order i, f, c, o (σ = recurrentActivation):
//   z = x_t·W + hIn_t·U + b;  i = σ(z_i), f = σ(z_f), g = act(z_c), o = σ(z_o)
//   c_t = f ⊙ c_{t−1} + i ⊙ g;  h_t = o ⊙ act(c_t)
// Tape: G [B][T][4U] holds z, then i, f, g, o, then dG; aux1 = c_{t−1}; aux2 = act(c_t).
import { stepGemm } from './matvec';
import {
  Plan, Row, LIVE, SIGMOID, TANH, activateRow, beginForwardRow, derivative, emitKeptRow, emitUnits, gateRow, gatherRow,
  isReal, ld, modeOf, seqRow, st, stateRow,
} from './common';

/** Forward step at processing step s, time t: G_t += Hin_t·U, then the fused gate update per sample. */
export function lstmForwardStep(s: i32, t: i32): void {
  const rows = Plan.b1 - Plan.b0, U = Plan.U;
  stepGemm(rows, 4 * U, U, seqRow(Plan.hIn, Plan.b0, t), U, Plan.pu, gateRow(Plan.b0, t), 4 * U, true);
  for (let b = Plan.b0; b < Plan.b1; b++) {
    if (!isReal(b, t)) {
      emitKeptRow(b, s);
      continue;
    }
    beginForwardRow(b, s);
    const g = gateRow(b, t), c = stateRow(Plan.c, b), h = stateRow(Plan.h, b);
    const cPrev = seqRow(Plan.aux1, b, t), tc = seqRow(Plan.aux2, b, t);
    const y = Row.y, next = Row.next, mask = Row.mask;
    const act = Plan.act, gate = <usize>U << 2;
    // The gates in place (i, f, o by σ; g by act), then the state update.
    activateRow(Plan.rec, g, 2 * U);
    activateRow(act, g + 2 * gate, U);
    activateRow(Plan.rec, g + 3 * gate, U);
    // c_t (its activation computed in place in the tc row), then h_t: passes with few address streams.
    let j = 0;
    for (; j + 4 <= U; j += 4) cellUnits(g, gate, c, cPrev, tc, j, 4);
    if (j < U) cellUnits(g, gate, c, cPrev, tc, j, U - j);
    activateRow(act, tc, U);
    const og = g + 3 * gate;
    j = 0;
    for (; j + 4 <= U; j += 4) outputUnits(og, tc, h, y, next, mask, j, 4);
    if (j < U) outputUnits(og, tc, h, y, next, mask, j, U - j);
  }
}

/** c_t = f ⊙ c_{t−1} + i ⊙ g into the state and the tc row; c_{t−1} kept for backward. */
// @ts-ignore: decorator
@inline function cellUnits(g: usize, gate: usize, c: usize, cPrev: usize, tc: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const cp = ld(c + o, n);
  const cn = f32x4.add(f32x4.mul(ld(g + gate + o, n), cp), f32x4.mul(ld(g + o, n), ld(g + 2 * gate + o, n)));
  st(cPrev + o, cp, n);
  st(c + o, cn, n);
  st(tc + o, cn, n);
}

/** h_t = o ⊙ act(c_t). */
// @ts-ignore: decorator
@inline function outputUnits(og: usize, tc: usize, h: usize, y: usize, next: usize, mask: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  emitUnits(h, y, next, mask, 0, o, f32x4.mul(ld(og + o, n), ld(tc + o, n)), n);
}

/**
 * Backward step s (time t), from dh and dc (gradients of h_t and c_t):
 *   dĉ = dc + dh ⊙ o ⊙ act'(c_t);  di = dĉ⊙g⊙σ'(i), df = dĉ⊙c_{t−1}⊙σ'(f), dg = dĉ⊙i⊙act'(g),
 *   do = dh⊙act(c_t)⊙σ'(o);  carried dc = dĉ ⊙ f, dh = 0;  dhIn = dG_t·Uᵀ.
 */
export function lstmBackwardStep(s: i32, t: i32): void {
  const rows = Plan.b1 - Plan.b0, U = Plan.U;
  const act = Plan.act, rec = Plan.rec, gate = <usize>U << 2;
  for (let b = Plan.b0; b < Plan.b1; b++) {
    const g = gateRow(b, t);
    if (modeOf(b) != LIVE) {
      memory.fill(g, 0, <usize>U << 4);
      continue;
    }
    const dh = stateRow(Plan.dh, b), dc = stateRow(Plan.dc, b);
    const cPrev = seqRow(Plan.aux1, b, t), tc = seqRow(Plan.aux2, b, t);
    gatherRow(b, s);
    // The default activations get their own copy of the passes, with the dispatch folded away.
    if (act == TANH && rec == SIGMOID) backwardPasses(TANH, SIGMOID, U, g, gate, dh, dc, cPrev, tc);
    else backwardPasses(act, rec, U, g, gate, dh, dc, cPrev, tc);
    memory.fill(dh, 0, <usize>U << 2);
  }
  stepGemm(rows, U, 4 * U, gateRow(Plan.b0, t), 4 * U, Plan.puT, stateRow(Plan.dhIn, Plan.b0), U, false);
}

// @ts-ignore: decorator
@inline function backwardPasses(act: i32, rec: i32, U: i32, g: usize, gate: usize, dh: usize, dc: usize, cPrev: usize, tc: usize): void {
  const og = g + 3 * gate;
  let j = 0;
  for (; j + 4 <= U; j += 4) outputBackUnits(act, rec, og, dh, dc, tc, j, 4);
  if (j < U) outputBackUnits(act, rec, og, dh, dc, tc, j, U - j);
  j = 0;
  for (; j + 4 <= U; j += 4) cellBackUnits(act, rec, g, gate, dc, cPrev, j, 4);
  if (j < U) cellBackUnits(act, rec, g, gate, dc, cPrev, j, U - j);
}

/** dĉ = dc + dh ⊙ o ⊙ act'(c_t) into dc; do = dh ⊙ act(c_t) ⊙ σ'(o). */
// @ts-ignore: decorator
@inline function outputBackUnits(act: i32, rec: i32, og: usize, dh: usize, dc: usize, tc: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const dhv = ld(dh + o, n);
  const th = ld(tc + o, n);
  const ov = ld(og + o, n);
  st(dc + o, f32x4.add(ld(dc + o, n), f32x4.mul(f32x4.mul(dhv, ov), derivative(act, th))), n);
  st(og + o, f32x4.mul(f32x4.mul(dhv, th), derivative(rec, ov)), n);
}

/** di = dĉ⊙g⊙σ'(i), df = dĉ⊙c_{t−1}⊙σ'(f), dg = dĉ⊙i⊙act'(g); carried dc = dĉ ⊙ f. */
// @ts-ignore: decorator
@inline function cellBackUnits(act: i32, rec: i32, g: usize, gate: usize, dc: usize, cPrev: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const dct = ld(dc + o, n);
  const ig = ld(g + o, n);
  const fg = ld(g + gate + o, n);
  const gg = ld(g + 2 * gate + o, n);
  st(g + o, f32x4.mul(f32x4.mul(dct, gg), derivative(rec, ig)), n);
  st(g + gate + o, f32x4.mul(f32x4.mul(dct, ld(cPrev + o, n)), derivative(rec, fg)), n);
  st(g + 2 * gate + o, f32x4.mul(f32x4.mul(dct, ig), derivative(act, gg)), n);
  st(dc + o, f32x4.mul(dct, fg), n);
}
