// Whole-layer recurrent kernels (DESIGN.md §2): SimpleRNN, LSTM and GRU forward and backward,
// the time loop inside Wasm. One call per layer and direction:
//
//   rnnPack      Keras weights → packed panels (once per optimizer step)
//   rnnForward   G = x·W + b (one GEMM over all B·T rows), then per step G_t += hIn_t·U and the
//                cell's fused gate epilogue; writes Y, the final states and (training) the tape
//   rnnBackward  per step (reverse) the gate gradients dG_t and dhIn = dG_t·Uᵀ; every few steps
//                dW += Xᵀ·dG, dU += Hinᵀ·dG, db += Σ dG over those steps (gradients.ts); after
//                the loop dX += dG·Wᵀ (one GEMM over all B·T rows). Every gradient accumulates.
//
// Layouts (common.ts): x [B][T][F]; Y and dY [B][T][U] by processing step; states [B][U];
// mask [B][T] (nonzero = real step); dropout masks [B][F] and [B][U], already scaled; Keras
// weights kernel (F, gU), recurrent_kernel (U, gU), bias gU (GRU resetAfter: (2, 3U)).
// Every pointer is a byte offset; 0 means "absent" for optional buffers. Nothing is checked
// here: src/kernels/recurrent.ts validates every argument before calling.
import { gemmPacked, gemmPackB } from '../gemm';
import {
  Plan, LSTM, GRU, RESET_AFTER, WITH_BACKWARD, TRAINING,
  gatesOf, layoutPacked, layoutTape, layoutWorkForward, layoutWorkBackward, tapeFloats,
  aligned, timeOf, gateRow, addMaskedRows, addFromTimeMajor, toTimeMajor, zeroRows, writeRecurrentInput, gatherStep,
} from './common';
import { Chunk, chunkFloats, chunkSteps, flushChunk, layoutChunk } from './gradients';
import { simpleRnnForwardStep, simpleRnnBackwardStep } from './simple_rnn';
import { lstmForwardStep, lstmBackwardStep } from './lstm';
import { gruForwardStep, gruBackwardStep } from './gru';

/** Floats of packed weights for a cell (flags: WITH_BACKWARD adds the transposes). */
export function rnnPackedSize(cell: i32, features: i32, units: i32, flags: i32): i32 {
  return layoutPacked(cell, features, units, flags, 0);
}

/** Floats of the tape a training forward writes and backward reads. */
export function rnnTapeSize(cell: i32, batch: i32, steps: i32, units: i32): i32 {
  return tapeFloats(cell, batch, steps, units);
}

/** x time-major, times the input dropout mask, padding zeroed, in `buffer`; at batch 1 without
 *  dropout or padding x itself. */
function timeMajorInput(x: usize, inputDropout: usize, buffer: usize): usize {
  if (Plan.B == 1 && !inputDropout && !Plan.mask) return x;
  toTimeMajor(x, inputDropout, buffer, Plan.B, Plan.T, Plan.F);
  return buffer;
}

/** dX = dG·Wᵀ is computed N = F rounded up to whole panels wide (the zero columns of the packed
 *  Wᵀ), so no GEMM tile takes the slower column-tail path, then added into dx. */
function dxColumns(F: i32): i32 {
  return (F + 7) & ~7;
}

/** Floats of scratch forward/backward need (flags: TRAINING = a tape is given; INPUT_DROPOUT is accepted, no longer needed). */
export function rnnWorkSize(cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32): i32 {
  const B = batch, T = steps, F = features, U = units;
  const n = B * T;
  const GU = gatesOf(cell) * U;
  const input = aligned(n * F);
  let forward = input;
  if (!(flags & TRAINING)) forward += aligned(n * GU) + 3 * aligned(B * U);
  const backward = 4 * aligned(B * U) + 2 * aligned(B) + max(input + chunkFloats(cell, B, T, F, U, GU), aligned(n * dxColumns(F)));
  return max(forward, backward);
}

/**
 * Packs Keras weights: kernel (F, gU), recurrentKernel (U, gU), bias (gU; GRU resetAfter
 * (2, 3U); 0 = no bias) into rnnPackedSize(cell, F, U, flags) floats at `packed`.
 */
export function rnnPack(cell: i32, features: i32, units: i32, flags: i32, kernel: usize, recurrentKernel: usize, bias: usize, packed: usize): void {
  const F = features, U = units, GU = gatesOf(cell) * U;
  layoutPacked(cell, F, U, flags, packed);
  gemmPackB(false, GU, F, kernel, GU, bias, Plan.pw);
  if (cell == GRU) {
    const recBias = bias && flags & RESET_AFTER ? bias + (<usize>GU << 2) : 0;
    const hCols = <usize>(2 * U) << 2;
    gemmPackB(false, 2 * U, U, recurrentKernel, GU, recBias, Plan.pu);
    gemmPackB(false, U, U, recurrentKernel + hCols, GU, recBias ? recBias + hCols : 0, Plan.pu2);
  } else {
    gemmPackB(false, GU, U, recurrentKernel, GU, 0, Plan.pu);
  }
  if (flags & WITH_BACKWARD) {
    gemmPackB(true, F, GU, kernel, GU, 0, Plan.pwT);
    if (cell == GRU) {
      gemmPackB(true, U, 2 * U, recurrentKernel, GU, 0, Plan.puT);
      gemmPackB(true, U, U, recurrentKernel + (<usize>(2 * U) << 2), GU, 0, Plan.puT2);
    } else {
      gemmPackB(true, U, GU, recurrentKernel, GU, 0, Plan.puT);
    }
  }
}

function plan(cell: i32, B: i32, T: i32, F: i32, U: i32, flags: i32, activation: i32, recurrentActivation: i32, packed: usize, mask: usize, inputDropout: usize, recurrentDropout: usize): void {
  Plan.cell = cell;
  Plan.B = B;
  Plan.T = T;
  Plan.F = F;
  Plan.U = U;
  Plan.GU = gatesOf(cell) * U;
  Plan.flags = flags;
  Plan.act = activation;
  Plan.rec = recurrentActivation;
  Plan.mask = mask;
  Plan.dropIn = inputDropout;
  Plan.dropRec = recurrentDropout;
  layoutPacked(cell, F, U, WITH_BACKWARD, packed);
}

/**
 * Forward over x [B][T][F] from h0/c0 ([B][U], 0 = zeros). Writes y [B][T][U] (0 = not wanted),
 * the final states h and c [B][U] (the carried state buffers; h may be h0 itself, c may be c0;
 * c only for LSTM), and with a tape (rnnTapeSize floats) what rnnBackward needs. work holds
 * rnnWorkSize(…, flags | TRAINING if tape) floats.
 */
export function rnnForward(
  cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32, activation: i32, recurrentActivation: i32,
  x: usize, packed: usize, h0: usize, c0: usize, mask: usize, inputDropout: usize, recurrentDropout: usize,
  y: usize, h: usize, c: usize, tape: usize, work: usize,
): void {
  plan(cell, batch, steps, features, units, flags, activation, recurrentActivation, packed, mask, inputDropout, recurrentDropout);
  if (tape) {
    Plan.flags |= TRAINING;
    layoutTape(tape);
  } else {
    layoutWorkForward(work);
  }
  Plan.y = y;
  Plan.h = h;
  Plan.c = c;
  const B = batch, T = steps, F = features, U = units;
  const rows = B * T;
  const input = timeMajorInput(x, inputDropout, work);
  gemmPacked(rows, Plan.GU, F, input, F, Plan.pw, Plan.gates, Plan.GU, false);

  const stateBytes = <usize>(B * U) << 2;
  if (h0) memory.copy(h, h0, stateBytes);
  else memory.fill(h, 0, stateBytes);
  if (cell == LSTM) {
    if (c0) memory.copy(c, c0, stateBytes);
    else memory.fill(c, 0, stateBytes);
  }
  const t0 = timeOf(0);
  for (let b = 0; b < B; b++) writeRecurrentInput(b, t0);

  for (let s = 0; s < T; s++) {
    const t = timeOf(s);
    if (cell == LSTM) lstmForwardStep(s, t);
    else if (cell == GRU) gruForwardStep(s, t);
    else simpleRnnForwardStep(s, t);
  }
}

/**
 * Backward through the forward that filled `tape` (same x, packed, mask and dropout masks).
 * Upstream: dy [B][T][U] by processing step, dhT and dcT [B][U] (gradients of the final
 * states; a last-step-only output's gradient goes into dhT); each 0 = none. Accumulates (+=)
 * into dx [B][T][F], dh0, dc0 [B][U], dKernel (F, gU), dRecurrent (U, gU) and dBias (each
 * 0 = not wanted; dBias 0 when there is no bias). maxSteps > 0 truncates BPTT to each sample's last
 * maxSteps real steps. work holds rnnWorkSize(…, flags | TRAINING) floats.
 */
export function rnnBackward(
  cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32, activation: i32, recurrentActivation: i32, maxSteps: i32,
  x: usize, packed: usize, mask: usize, inputDropout: usize, recurrentDropout: usize, tape: usize,
  dy: usize, dhT: usize, dcT: usize,
  dx: usize, dh0: usize, dc0: usize, dKernel: usize, dRecurrent: usize, dBias: usize, work: usize,
): void {
  plan(cell, batch, steps, features, units, flags | TRAINING, activation, recurrentActivation, packed, mask, inputDropout, recurrentDropout);
  layoutTape(tape);
  Plan.maxSteps = maxSteps;
  Plan.dy = dy;
  const B = batch, T = steps, F = features, U = units, GU = Plan.GU;
  const rows = B * T;
  const stateBytes = <usize>(B * U) << 2;
  const copy = layoutWorkBackward(work);
  Chunk.steps = chunkSteps(B, T);
  layoutChunk(copy + (<usize>aligned(rows * F) << 2));
  Chunk.x = timeMajorInput(x, inputDropout, copy);
  Chunk.dKernel = dKernel;
  Chunk.dRecurrent = dRecurrent;
  Chunk.dBias = dBias;

  if (dhT) memory.copy(Plan.dh, dhT, stateBytes);
  else memory.fill(Plan.dh, 0, stateBytes);
  if (cell == LSTM) {
    if (dcT) memory.copy(Plan.dc, dcT, stateBytes);
    else memory.fill(Plan.dc, 0, stateBytes);
  }
  memory.fill(Plan.dhIn, 0, stateBytes);
  memory.fill(Plan.modes, 0, <usize>B << 2);
  memory.fill(Plan.counts, 0, <usize>B << 2);

  // Steps T−1 … 0; the weight gradients of each chunk of Chunk.steps steps once it is done.
  let chunkTop = T - 1;
  for (let s = T - 1; s >= 0; s--) {
    const t = timeOf(s);
    if (gatherStep(s, t) == B) {
      // Every sample is past its window: the remaining steps get no gradient at all.
      if (s < chunkTop) flushChunk(chunkTop, s + 1);
      for (let r = s; r >= 0; r--) {
        const tr = timeOf(r);
        zeroRows(gateRow(0, tr), GU, B, GU);
      }
      memory.fill(Plan.dhIn, 0, stateBytes);
      chunkTop = -1;
      break;
    }
    if (cell == LSTM) lstmBackwardStep(s, t);
    else if (cell == GRU) gruBackwardStep(s, t);
    else simpleRnnBackwardStep(s, t);
    if (chunkTop - s + 1 == Chunk.steps || s == 0) {
      flushChunk(chunkTop, s);
      chunkTop = s - 1;
    }
  }

  // The initial states: dh0 += dh + dhIn ⊙ recurrent dropout, dc0 += dc.
  if (dh0) {
    addMaskedRows(Plan.dh, 0, dh0, B, 1, U);
    addMaskedRows(Plan.dhIn, recurrentDropout, dh0, B, 1, U);
  }
  if (dc0 && cell == LSTM) addMaskedRows(Plan.dc, 0, dc0, B, 1, U);

  // dX += (dG·Wᵀ) ⊙ input dropout, batch-major again, through scratch (the x copy and chunk
  // buffers are free now); at batch 1 without dropout and whole panels, straight into dx.
  if (dx) {
    const Fp = dxColumns(F);
    if (B == 1 && !inputDropout && Fp == F) {
      gemmPacked(rows, F, GU, Plan.gates, GU, Plan.pwT, dx, F, true);
    } else {
      gemmPacked(rows, Fp, GU, Plan.gates, GU, Plan.pwT, copy, Fp, false);
      addFromTimeMajor(copy, Fp, inputDropout, dx, B, T, F);
    }
  }
}
