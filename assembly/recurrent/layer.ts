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
  aligned, timeOf, gateRow, stateRow, addMaskedRows, addMaskedStrided, addFromTimeMajor, toTimeMajor, zeroRows, writeRecurrentInput, gatherStep, allDeadStep,
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
  if (!copiesInput(inputDropout)) return x;
  toTimeMajor(x, inputDropout, buffer, Plan.b0, Plan.b1, Plan.B, Plan.T, Plan.F);
  return buffer;
}

/** Whether the time-major x is a copy (not x itself: batch 1 without dropout or padding). */
function copiesInput(inputDropout: usize): bool {
  return Plan.B != 1 || inputDropout != 0 || Plan.mask != 0;
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

function plan(cell: i32, B: i32, T: i32, F: i32, U: i32, flags: i32, activation: i32, recurrentActivation: i32, packed: usize, mask: usize, inputDropout: usize, recurrentDropout: usize, rowStart: i32, rowEnd: i32): void {
  Plan.cell = cell;
  Plan.B = B;
  Plan.b0 = rowStart;
  Plan.b1 = rowEnd;
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
  rnnForwardRows(cell, batch, steps, features, units, flags, activation, recurrentActivation, x, packed, h0, c0, mask, inputDropout, recurrentDropout, y, h, c, tape, work, 0, batch);
}

/**
 * rnnForward for samples rowStart … rowEnd−1 only, writing only their rows of every output,
 * tape and workspace buffer: pool threads each run the whole time loop over a share of the
 * batch at once. A sample's bits do not depend on the share it is in (GEMM rows are computed
 * independently of M).
 */
export function rnnForwardRows(
  cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32, activation: i32, recurrentActivation: i32,
  x: usize, packed: usize, h0: usize, c0: usize, mask: usize, inputDropout: usize, recurrentDropout: usize,
  y: usize, h: usize, c: usize, tape: usize, work: usize, rowStart: i32, rowEnd: i32,
): void {
  plan(cell, batch, steps, features, units, flags, activation, recurrentActivation, packed, mask, inputDropout, recurrentDropout, rowStart, rowEnd);
  if (tape) {
    Plan.flags |= TRAINING;
    layoutTape(tape);
  } else {
    layoutWorkForward(work);
  }
  Plan.y = y;
  Plan.h = h;
  Plan.c = c;
  const B = batch, T = steps, F = features, U = units, GU = Plan.GU;
  const input = timeMajorInput(x, inputDropout, work);
  if (rowEnd - rowStart == B) {
    gemmPacked(B * T, GU, F, input, F, Plan.pw, Plan.gates, GU, false);
  } else {
    for (let t = 0; t < T; t++) {
      gemmPacked(rowEnd - rowStart, GU, F, input + ((<usize>t * B + rowStart) * F << 2), F, Plan.pw, gateRow(rowStart, t), GU, false);
    }
  }

  const first = stateRow(h, rowStart), firstC = stateRow(c, rowStart);
  const stateBytes = <usize>((rowEnd - rowStart) * U) << 2;
  if (h0) memory.copy(first, stateRow(h0, rowStart), stateBytes);
  else memory.fill(first, 0, stateBytes);
  if (cell == LSTM) {
    if (c0) memory.copy(firstC, stateRow(c0, rowStart), stateBytes);
    else memory.fill(firstC, 0, stateBytes);
  }
  const t0 = timeOf(0);
  for (let b = rowStart; b < rowEnd; b++) writeRecurrentInput(b, t0);

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
  const copy = beginBackward(cell, batch, steps, features, units, flags, activation, recurrentActivation, maxSteps, x, packed, mask, inputDropout, recurrentDropout, tape, dy, dhT, dcT, work, 0, batch);
  const B = batch, T = steps, F = features, U = units, GU = Plan.GU;
  const rows = B * T;
  beginChunks(copy + (<usize>aligned(rows * F) << 2), dKernel, dRecurrent, dBias);

  // Steps T−1 … 0; the weight gradients of each chunk of Chunk.steps steps once it is done.
  let chunkTop = T - 1;
  for (let s = T - 1; s >= 0; s--) {
    const t = timeOf(s);
    if (gatherStep(s, t) == B) {
      // Every sample is past its window: the remaining steps get no gradient at all.
      if (s < chunkTop) flushChunk(chunkTop, s + 1, 0, GU);
      for (let r = s; r >= 0; r--) {
        const tr = timeOf(r);
        zeroRows(gateRow(0, tr), GU, B, GU);
      }
      memory.fill(Plan.dhIn, 0, <usize>(B * U) << 2);
      chunkTop = -1;
      break;
    }
    backwardStep(s, t);
    if (chunkTop - s + 1 == Chunk.steps || s == 0) {
      flushChunk(chunkTop, s, 0, GU);
      chunkTop = s - 1;
    }
  }
  initialStateGradients(dh0, dc0);

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

/**
 * The part of rnnBackward that is independent per sample, for samples rowStart … rowEnd−1
 * (batch ≥ 2): their gate gradients (left in the tape), dx, dh0 and dc0 rows, and their rows
 * of the time-major x copy in `work` that rnnWeightGradients reads. Pool threads run it on
 * shares of the batch at once, then rnnWeightGradients on shares of the columns: together the
 * same bits as rnnBackward. Steps are not cut short when every sample of the share is past
 * its truncation window (their zero gate gradients give the same dx and dhIn as a cut).
 * dxRows holds (rowEnd − rowStart)·ceil(F/8)·8 floats (this thread's dG_t·Wᵀ).
 */
export function rnnBackwardRows(
  cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32, activation: i32, recurrentActivation: i32, maxSteps: i32,
  x: usize, packed: usize, mask: usize, inputDropout: usize, recurrentDropout: usize, tape: usize,
  dy: usize, dhT: usize, dcT: usize, dx: usize, dh0: usize, dc0: usize, work: usize,
  rowStart: i32, rowEnd: i32, dxRows: usize,
): void {
  beginBackward(cell, batch, steps, features, units, flags, activation, recurrentActivation, maxSteps, x, packed, mask, inputDropout, recurrentDropout, tape, dy, dhT, dcT, work, rowStart, rowEnd);
  const T = steps, F = features, GU = Plan.GU;
  const Fp = dxColumns(F);
  const rowBytes = <usize>F << 2;
  for (let s = T - 1; s >= 0; s--) {
    const t = timeOf(s);
    gatherStep(s, t);
    backwardStep(s, t);
    if (!dx) continue;
    // This step's rows of dX += (dG_t·Wᵀ) ⊙ input dropout, as rnnBackward adds them after its loop.
    gemmPacked(rowEnd - rowStart, Fp, GU, gateRow(rowStart, t), GU, Plan.pwT, dxRows, Fp, false);
    for (let b = rowStart; b < rowEnd; b++) {
      const src = dxRows + (<usize>((b - rowStart) * Fp) << 2);
      addMaskedStrided(src, Fp, inputDropout ? inputDropout + <usize>b * rowBytes : 0, dx + (<usize>b * T + t) * rowBytes, 1, 1, F);
    }
  }
  initialStateGradients(dh0, dc0);
}

/**
 * The weight gradients of rnnBackward, for the gradient columns columnStart … columnEnd−1 of
 * gU (dKernel and dRecurrent columns, dBias entries; GRU resetAfter: also those of the
 * recurrent bias), after rnnBackwardRows has run on every sample. Each element is summed over
 * the same chunks of steps in the same order as rnnBackward sums it. chunkWork holds
 * rnnChunkWorkSize floats.
 */
export function rnnWeightGradients(
  cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32, maxSteps: i32,
  x: usize, mask: usize, inputDropout: usize, tape: usize, work: usize,
  dKernel: usize, dRecurrent: usize, dBias: usize, columnStart: i32, columnEnd: i32, chunkWork: usize,
): void {
  plan(cell, batch, steps, features, units, flags | TRAINING, 0, 0, 0, mask, inputDropout, 0, 0, batch);
  layoutTape(tape);
  Plan.maxSteps = maxSteps;
  const copy = layoutWorkBackward(work);
  Chunk.x = copiesInput(inputDropout) ? copy : x;
  beginChunks(chunkWork, dKernel, dRecurrent, dBias);
  // Where rnnBackward stops: the first step (from the end) at which every sample is past its window.
  const stop = allDeadStep();
  for (let top = steps - 1; top > stop; top -= Chunk.steps) flushChunk(top, max(top - Chunk.steps + 1, stop + 1), columnStart, columnEnd);
}

/** Floats of rnnWeightGradients' chunkWork. */
export function rnnChunkWorkSize(cell: i32, batch: i32, steps: i32, features: i32, units: i32): i32 {
  return chunkFloats(cell, batch, steps, features, units, gatesOf(cell) * units);
}

/** Plans a backward call over samples rowStart … rowEnd−1 and sets up their carried gradients; returns where the x copy goes. */
function beginBackward(
  cell: i32, batch: i32, steps: i32, features: i32, units: i32, flags: i32, activation: i32, recurrentActivation: i32, maxSteps: i32,
  x: usize, packed: usize, mask: usize, inputDropout: usize, recurrentDropout: usize, tape: usize,
  dy: usize, dhT: usize, dcT: usize, work: usize, rowStart: i32, rowEnd: i32,
): usize {
  plan(cell, batch, steps, features, units, flags | TRAINING, activation, recurrentActivation, packed, mask, inputDropout, recurrentDropout, rowStart, rowEnd);
  layoutTape(tape);
  Plan.maxSteps = maxSteps;
  Plan.dy = dy;
  const copy = layoutWorkBackward(work);
  Chunk.x = timeMajorInput(x, inputDropout, copy);
  const stateBytes = <usize>((rowEnd - rowStart) * units) << 2;
  const dh = stateRow(Plan.dh, rowStart), dc = stateRow(Plan.dc, rowStart);
  if (dhT) memory.copy(dh, stateRow(dhT, rowStart), stateBytes);
  else memory.fill(dh, 0, stateBytes);
  if (cell == LSTM) {
    if (dcT) memory.copy(dc, stateRow(dcT, rowStart), stateBytes);
    else memory.fill(dc, 0, stateBytes);
  }
  memory.fill(stateRow(Plan.dhIn, rowStart), 0, stateBytes);
  const rowFlags = <usize>(rowEnd - rowStart) << 2;
  memory.fill(Plan.modes + (<usize>rowStart << 2), 0, rowFlags);
  memory.fill(Plan.counts + (<usize>rowStart << 2), 0, rowFlags);
  return copy;
}

function beginChunks(chunkWork: usize, dKernel: usize, dRecurrent: usize, dBias: usize): void {
  Chunk.steps = chunkSteps(Plan.B, Plan.T);
  layoutChunk(chunkWork);
  Chunk.dKernel = dKernel;
  Chunk.dRecurrent = dRecurrent;
  Chunk.dBias = dBias;
}

function backwardStep(s: i32, t: i32): void {
  if (Plan.cell == LSTM) lstmBackwardStep(s, t);
  else if (Plan.cell == GRU) gruBackwardStep(s, t);
  else simpleRnnBackwardStep(s, t);
}

/** The initial states of samples b0 … b1−1: dh0 += dh + dhIn ⊙ recurrent dropout, dc0 += dc. */
function initialStateGradients(dh0: usize, dc0: usize): void {
  const b0 = Plan.b0, rows = Plan.b1 - Plan.b0, U = Plan.U;
  if (dh0) {
    addMaskedRows(stateRow(Plan.dh, b0), 0, stateRow(dh0, b0), rows, 1, U);
    addMaskedRows(stateRow(Plan.dhIn, b0), Plan.dropRec ? stateRow(Plan.dropRec, b0) : 0, stateRow(dh0, b0), rows, 1, U);
  }
  if (dc0 && Plan.cell == LSTM) addMaskedRows(stateRow(Plan.dc, b0), 0, stateRow(dc0, b0), rows, 1, U);
}
