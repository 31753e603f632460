// GRU step, forward and backward, Keras gate order z, r, h (σ = recurrentActivation; x_* include
// the input bias):
//   z = σ(x_z + hIn·U_z + b_rz),  r = σ(x_r + hIn·U_r + b_rr)
//   resetAfter:     ĥ = act(x_h + r ⊙ (hIn·U_h + b_rh))     aux1 = hIn·U_h + b_rh
//   not resetAfter: ĥ = act(x_h + (r ⊙ hIn)·U_h)            aux1 = q = r ⊙ hIn
//   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ
// h_{t−1} is the carried state; hIn is it times the recurrent dropout mask (aux2 keeps the
// carried h_{t−1} when they differ). G [B][T][3U] holds the projections, then z, r, ĥ, then dG.
import { stepGemm } from './matvec';
import {
  Plan, Row, LIVE, RESET_AFTER, activateRow, beginForwardRow, derivative, emitKeptRow, emitUnits, gateRow,
  gatherRow, isReal, ld, modeOf, seqRow, st, stateRow,
} from './common';

/** Forward step at processing step s, time t. */
export function gruForwardStep(s: i32, t: i32): void {
  const rows = Plan.b1 - Plan.b0, U = Plan.U;
  const ldG = 3 * U;
  const hIn = seqRow(Plan.hIn, Plan.b0, t), aux = seqRow(Plan.aux1, Plan.b0, t);
  const ldSeq = U;
  const after = (Plan.flags & RESET_AFTER) != 0;
  // x_zr += hIn·U_zr (+ b_rzr)
  stepGemm(rows, 2 * U, U, hIn, ldSeq, Plan.pu, gateRow(Plan.b0, t), ldG, true);
  const gate = <usize>U << 2;
  if (after) {
    stepGemm(rows, U, U, hIn, ldSeq, Plan.pu2, aux, ldSeq, false);
  } else {
    // r first, then x_h += (r ⊙ hIn)·U_h. Every sample: padding rows are computed and ignored.
    for (let b = Plan.b0; b < Plan.b1; b++) {
      const gr = gateRow(b, t) + gate, x = seqRow(Plan.hIn, b, t), q = seqRow(Plan.aux1, b, t);
      activateRow(Plan.rec, gr, U);
      let j = 0;
      for (; j + 4 <= U; j += 4) resetUnits(gr, x, q, j, 4);
      if (j < U) resetUnits(gr, x, q, j, U - j);
    }
    stepGemm(rows, U, U, aux, ldSeq, Plan.pu2, gateRow(Plan.b0, t) + 2 * gate, ldG, true);
  }
  const act = Plan.act;
  for (let b = Plan.b0; b < Plan.b1; b++) {
    if (!isReal(b, t)) {
      emitKeptRow(b, s);
      continue;
    }
    beginForwardRow(b, s);
    const g = gateRow(b, t), h = stateRow(Plan.h, b), hu = seqRow(Plan.aux1, b, t);
    const y = Row.y, next = Row.next, mask = Row.mask, carry = Row.carry;
    // z (and r) in place; resetAfter: the candidate's pre-activation x_h + r ⊙ aux1; ĥ in place.
    activateRow(Plan.rec, g, after ? 2 * U : U);
    if (after) {
      let j = 0;
      for (; j + 4 <= U; j += 4) candidateUnits(g, gate, hu, j, 4);
      if (j < U) candidateUnits(g, gate, hu, j, U - j);
    }
    activateRow(act, g + 2 * gate, U);
    let j = 0;
    for (; j + 4 <= U; j += 4) updateUnits(g, gate, h, y, next, mask, carry, j, 4);
    if (j < U) updateUnits(g, gate, h, y, next, mask, carry, j, U - j);
  }
}

/** Not resetAfter: q = r ⊙ hIn (r already activated in place). */
// @ts-ignore: decorator
@inline function resetUnits(gr: usize, hIn: usize, q: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  st(q + o, f32x4.mul(ld(gr + o, n), ld(hIn + o, n)), n);
}

/** resetAfter: G_h = x_h + r ⊙ (hIn·U_h + b_rh). */
// @ts-ignore: decorator
@inline function candidateUnits(g: usize, gate: usize, hu: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  st(g + 2 * gate + o, f32x4.add(ld(g + 2 * gate + o, n), f32x4.mul(ld(g + gate + o, n), ld(hu + o, n))), n);
}

/** h = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ. */
// @ts-ignore: decorator
@inline function updateUnits(g: usize, gate: usize, h: usize, y: usize, next: usize, mask: usize, carry: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const z = ld(g + o, n);
  const hh = ld(g + 2 * gate + o, n);
  emitUnits(h, y, next, mask, carry, o, f32x4.add(f32x4.mul(z, ld(h + o, n)), f32x4.mul(f32x4.sub(f32x4.splat(1), z), hh)), n);
}

/**
 * Backward step at time t, from dh (gradient of h_t):
 *   dĥ' = dh⊙(1−z)⊙act'(ĥ),  dz' = dh⊙(h_{t−1}−ĥ)⊙σ'(z),  carried dh = dh ⊙ z
 *   resetAfter:  dr' = dĥ'⊙aux1⊙σ'(r), d(aux1) = dĥ'⊙r;  dhIn = [dz' dr']·U_zrᵀ + d(aux1)·U_hᵀ
 *   not:         dq = dĥ'·U_hᵀ, dr' = dq⊙hIn⊙σ'(r);      dhIn = dq⊙r + [dz' dr']·U_zrᵀ
 * G_t becomes [dz' dr' dĥ'] (and aux1 d(aux1) with resetAfter); rows not live become 0.
 */
export function gruBackwardStep(s: i32, t: i32): void {
  const rows = Plan.b1 - Plan.b0, U = Plan.U;
  const act = Plan.act, rec = Plan.rec;
  const ldG = 3 * U;
  const ldSeq = U;
  const after = (Plan.flags & RESET_AFTER) != 0;
  const rowBytes = <usize>U << 2;
  for (let b = Plan.b0; b < Plan.b1; b++) {
    const g = gateRow(b, t), aux = seqRow(Plan.aux1, b, t);
    if (modeOf(b) != LIVE) {
      memory.fill(g, 0, 3 * rowBytes);
      if (after) memory.fill(aux, 0, rowBytes);
      continue;
    }
    gatherRow(b, s);
    const dh = stateRow(Plan.dh, b);
    const hPrev = Plan.dropRec ? seqRow(Plan.aux2, b, t) : seqRow(Plan.hIn, b, t);
    let j = 0;
    for (; j + 4 <= U; j += 4) backwardUnits(act, rec, g, dh, hPrev, aux, after, j, 4);
    if (j < U) backwardUnits(act, rec, g, dh, hPrev, aux, after, j, U - j);
  }
  if (after) {
    stepGemm(rows, U, 2 * U, gateRow(Plan.b0, t), ldG, Plan.puT, stateRow(Plan.dhIn, Plan.b0), U, false);
    stepGemm(rows, U, U, seqRow(Plan.aux1, Plan.b0, t), ldSeq, Plan.puT2, stateRow(Plan.dhIn, Plan.b0), U, true);
    return;
  }
  stepGemm(rows, U, U, gateRow(Plan.b0, t) + 2 * rowBytes, ldG, Plan.puT2, stateRow(Plan.dq, Plan.b0), U, false);
  for (let b = Plan.b0; b < Plan.b1; b++) {
    const dhIn = stateRow(Plan.dhIn, b);
    if (modeOf(b) == LIVE) {
      const gr = gateRow(b, t) + rowBytes, dq = stateRow(Plan.dq, b), hIn = seqRow(Plan.hIn, b, t);
      let j = 0;
      for (; j + 4 <= U; j += 4) resetBackwardUnits(rec, gr, dq, hIn, dhIn, j, 4);
      if (j < U) resetBackwardUnits(rec, gr, dq, hIn, dhIn, j, U - j);
    } else {
      memory.fill(dhIn, 0, rowBytes);
    }
  }
  stepGemm(rows, U, 2 * U, gateRow(Plan.b0, t), ldG, Plan.puT, stateRow(Plan.dhIn, Plan.b0), U, true);
}

// @ts-ignore: decorator
@inline function backwardUnits(act: i32, rec: i32, g: usize, dh: usize, hPrev: usize, aux: usize, after: bool, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const gate = <usize>Plan.U << 2;
  const z = ld(g + o, n);
  const hh = ld(g + 2 * gate + o, n);
  const dhv = ld(dh + o, n);
  const dph = f32x4.mul(f32x4.mul(dhv, f32x4.sub(f32x4.splat(1), z)), derivative(act, hh));
  st(g + o, f32x4.mul(f32x4.mul(dhv, f32x4.sub(ld(hPrev + o, n), hh)), derivative(rec, z)), n);
  st(g + 2 * gate + o, dph, n);
  st(dh + o, f32x4.mul(dhv, z), n);
  if (after) {
    const r = ld(g + gate + o, n);
    st(g + gate + o, f32x4.mul(f32x4.mul(dph, ld(aux + o, n)), derivative(rec, r)), n);
    st(aux + o, f32x4.mul(dph, r), n);
  }
}

/** Not resetAfter, after dq = dĥ'·U_hᵀ: dr' = dq⊙hIn⊙σ'(r) into G_r, dhIn = dq ⊙ r. */
// @ts-ignore: decorator
@inline function resetBackwardUnits(rec: i32, gr: usize, dq: usize, hIn: usize, dhIn: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const r = ld(gr + o, n);
  const d = ld(dq + o, n);
  st(gr + o, f32x4.mul(f32x4.mul(d, ld(hIn + o, n)), derivative(rec, r)), n);
  st(dhIn + o, f32x4.mul(d, r), n);
}
