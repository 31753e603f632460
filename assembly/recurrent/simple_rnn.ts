// SimpleRNN (Elman) step, forward and backward:  h_t = act(x_t·W + hIn_t·U + b)
// G [B][T][U] holds x·W + b, then h_t (what act' is taken from), then dG = dh ⊙ act'(h_t).
import { stepGemm } from './matvec';
import {
  Plan, Row, LIVE, activateRow, beginForwardRow, derivative, emitKeptRow, emitUnits, gateRow, gatherRow,
  isReal, ld, modeOf, seqRow, st, stateRow,
} from './common';

/** Forward step at processing step s, time t: G_t += Hin_t·U, then h = act(G_t) per sample. */
export function simpleRnnForwardStep(s: i32, t: i32): void {
  const rows = Plan.b1 - Plan.b0, U = Plan.U;
  stepGemm(rows, U, U, seqRow(Plan.hIn, Plan.b0, t), U, Plan.pu, gateRow(Plan.b0, t), U, true);
  for (let b = Plan.b0; b < Plan.b1; b++) {
    if (!isReal(b, t)) {
      emitKeptRow(b, s);
      continue;
    }
    beginForwardRow(b, s);
    const g = gateRow(b, t), h = stateRow(Plan.h, b);
    const y = Row.y, next = Row.next, mask = Row.mask;
    activateRow(Plan.act, g, U);
    let j = 0;
    for (; j + 4 <= U; j += 4) forwardUnits(g, h, y, next, mask, j, 4);
    if (j < U) forwardUnits(g, h, y, next, mask, j, U - j);
  }
}

// @ts-ignore: decorator
@inline function forwardUnits(g: usize, h: usize, y: usize, next: usize, mask: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  emitUnits(h, y, next, mask, 0, o, ld(g + o, n), n);
}

/** Backward step s (time t): dG_t = dh ⊙ act'(h_t) (0 unless live), dh carried = 0, dhIn = dG_t·Uᵀ. */
export function simpleRnnBackwardStep(s: i32, t: i32): void {
  const rows = Plan.b1 - Plan.b0, U = Plan.U, act = Plan.act;
  for (let b = Plan.b0; b < Plan.b1; b++) {
    const g = gateRow(b, t);
    if (modeOf(b) != LIVE) {
      memory.fill(g, 0, <usize>U << 2);
      continue;
    }
    const dh = stateRow(Plan.dh, b);
    gatherRow(b, s);
    let j = 0;
    for (; j + 4 <= U; j += 4) backwardUnits(act, g, dh, j, 4);
    if (j < U) backwardUnits(act, g, dh, j, U - j);
  }
  stepGemm(rows, U, U, gateRow(Plan.b0, t), U, Plan.puT, stateRow(Plan.dhIn, Plan.b0), U, false);
}

// @ts-ignore: decorator
@inline function backwardUnits(act: i32, g: usize, dh: usize, j: i32, n: i32): void {
  const o = <usize>j << 2;
  const d = ld(dh + o, n);
  st(g + o, f32x4.mul(d, derivative(act, ld(g + o, n))), n);
  st(dh + o, f32x4.splat(0), n);
}
