// Kernels of the 1-D convolution and pooling layers on sequences x [B][T][C] (channels last,
// as Keras). A window of output step t starts at input step t·stride − padLeft and takes
// `taps` steps `dilation` apart; steps outside [0, T) are padding (zeros for convolution,
// absent for pooling). Pointers are byte offsets into host-owned memory; sizes in floats.
// Every sum has a fixed order (stated per kernel), so results are the same bits everywhere.
//
// Convolution is im2col + the packed GEMM (assembly/gemm.ts, driven from the host): im2col1d
// lays each output step's window out as one row of k·C values, in the Keras kernel's
// (k, in, filters) row order, so columns·kernel is the convolution; col2im1d scatters the
// gradient of those rows back onto dx.
import { add } from './elementwise';

/** cols[(b·Tout + t), j·C + c] = x[b, t·stride − padLeft + j·dilation, c], or 0 outside [0, T). */
export function im2col1d(x: usize, B: i32, T: i32, C: i32, taps: i32, stride: i32, dilation: i32, padLeft: i32, Tout: i32, cols: usize): void {
  const stepBytes = <usize>C << 2;
  let dst = cols;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>b * <usize>T * stepBytes;
    for (let t = 0; t < Tout; t++) {
      let p = t * stride - padLeft;
      for (let j = 0; j < taps; j++, p += dilation, dst += stepBytes) {
        if (p >= 0 && p < T) memory.copy(dst, xb + <usize>p * stepBytes, stepBytes);
        else memory.fill(dst, 0, stepBytes);
      }
    }
  }
}

/**
 * dx = 0, then for b, t, j in increasing order: dx[b, p, :] += dcols[(b·Tout + t), j·C : (j+1)·C]
 * for the window's steps p inside [0, T) (the transpose of im2col1d).
 */
export function col2im1d(dcols: usize, B: i32, T: i32, C: i32, taps: i32, stride: i32, dilation: i32, padLeft: i32, Tout: i32, dx: usize): void {
  const stepBytes = <usize>C << 2;
  memory.fill(dx, 0, <usize>B * <usize>T * stepBytes);
  let src = dcols;
  for (let b = 0; b < B; b++) {
    const dxb = dx + <usize>b * <usize>T * stepBytes;
    for (let t = 0; t < Tout; t++) {
      let p = t * stride - padLeft;
      for (let j = 0; j < taps; j++, p += dilation, src += stepBytes) {
        if (p >= 0 && p < T) {
          const at = dxb + <usize>p * stepBytes;
          add(at, src, at, C);
        }
      }
    }
  }
}

// ---- pooling -------------------------------------------------------------------------------

/**
 * y[b, t, c] = max of x[b, p, c] over the window's steps p inside [0, T) (pool steps from
 * t·stride − padLeft); argmax (i32) records the winning element's index in x, the first of
 * equal values. Every window holds at least one real step (the host's padding rules).
 */
export function maxPool1d(x: usize, B: i32, T: i32, C: i32, pool: i32, stride: i32, padLeft: i32, Tout: i32, y: usize, argmax: usize): void {
  let o: usize = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tout; t++) {
      const first = max(t * stride - padLeft, 0);
      const end = min(t * stride - padLeft + pool, T);
      for (let c = 0; c < C; c++, o++) {
        let best = (b * T + first) * C + c;
        let bestValue = load<f32>(x + (<usize>best << 2));
        for (let p = first + 1; p < end; p++) {
          const i = (b * T + p) * C + c;
          const v = load<f32>(x + (<usize>i << 2));
          if (v > bestValue) {
            bestValue = v;
            best = i;
          }
        }
        store<f32>(y + (o << 2), bestValue);
        store<i32>(argmax + (o << 2), best);
      }
    }
  }
}

/**
 * dx = 0, then dx[argmax[o]] += dy[o] for o = 0, 1, … n − 1 in order (argmax from maxPool1d or
 * globalMaxPool1d; −1 marks an output that took no input). dx holds dxFloats.
 */
export function maxPoolBackward(dy: usize, argmax: usize, n: i32, dx: usize, dxFloats: i32): void {
  memory.fill(dx, 0, <usize>dxFloats << 2);
  for (let o = 0; o < n; o++) {
    const i = load<i32>(argmax + (<usize>o << 2));
    if (i >= 0) {
      const at = dx + (<usize>i << 2);
      store<f32>(at, load<f32>(at) + load<f32>(dy + (<usize>o << 2)));
    }
  }
}

/**
 * y[b, t, c] = (Σ x[b, p, c] over the window's steps p inside [0, T), in increasing p) / count,
 * count the number of those steps (padding is not counted, as TensorFlow's 'same' pooling).
 */
export function avgPool1d(x: usize, B: i32, T: i32, C: i32, pool: i32, stride: i32, padLeft: i32, Tout: i32, y: usize): void {
  averageWindows(false, x, B, T, C, pool, stride, padLeft, Tout, y);
}

/** dx = 0, then for every output in order: dx[b, p, c] += dy[b, t, c] / count over its window (avgPool1d's). */
export function avgPool1dBackward(dy: usize, B: i32, T: i32, C: i32, pool: i32, stride: i32, padLeft: i32, Tout: i32, dx: usize): void {
  memory.fill(dx, 0, <usize>B * <usize>T * <usize>C << 2);
  averageWindows(true, dy, B, T, C, pool, stride, padLeft, Tout, dx);
}

/** avgPool1d (backward false: x → y) or its gradient (backward true: dy → dx, added into dx). */
// @ts-ignore: decorator
@inline function averageWindows(backward: bool, src: usize, B: i32, T: i32, C: i32, pool: i32, stride: i32, padLeft: i32, Tout: i32, dst: usize): void {
  let o: usize = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tout; t++) {
      const first = max(t * stride - padLeft, 0);
      const end = min(t * stride - padLeft + pool, T);
      const count = <f32>(end - first);
      for (let c = 0; c < C; c++, o++) {
        if (backward) {
          const share = load<f32>(src + (o << 2)) / count;
          for (let p = first; p < end; p++) {
            const at = dst + (<usize>((b * T + p) * C + c) << 2);
            store<f32>(at, load<f32>(at) + share);
          }
        } else {
          let sum: f32 = 0;
          for (let p = first; p < end; p++) sum += load<f32>(src + (<usize>((b * T + p) * C + c) << 2));
          store<f32>(dst + (o << 2), sum / count);
        }
      }
    }
  }
}

// ---- global pooling over time, with an optional mask [B][T] (f32, nonzero = real step) ----

/**
 * y[b, c] = (Σ_t m[b,t]·x[b, t, c] over real steps, in increasing t) / (number of real steps);
 * 0 for a sample with none. mask 0: every step is real.
 */
export function globalAvgPool1d(x: usize, mask: usize, B: i32, T: i32, C: i32, y: usize): void {
  for (let b = 0; b < B; b++) {
    const count = realSteps(mask, b, T);
    for (let c = 0; c < C; c++) {
      let sum: f32 = 0;
      for (let t = 0; t < T; t++) {
        if (mask == 0 || load<f32>(mask + (<usize>(b * T + t) << 2)) != 0) sum += load<f32>(x + (<usize>((b * T + t) * C + c) << 2));
      }
      store<f32>(y + (<usize>(b * C + c) << 2), count > 0 ? sum / <f32>count : 0);
    }
  }
}

/** dx[b, t, c] = dy[b, c] / count on real steps, 0 on padding (globalAvgPool1d's gradient). */
export function globalAvgPool1dBackward(dy: usize, mask: usize, B: i32, T: i32, C: i32, dx: usize): void {
  for (let b = 0; b < B; b++) {
    const count = realSteps(mask, b, T);
    for (let t = 0; t < T; t++) {
      const real = mask == 0 || load<f32>(mask + (<usize>(b * T + t) << 2)) != 0;
      for (let c = 0; c < C; c++) {
        store<f32>(dx + (<usize>((b * T + t) * C + c) << 2), real ? load<f32>(dy + (<usize>(b * C + c) << 2)) / <f32>count : 0);
      }
    }
  }
}

/**
 * y[b, c] = max of x[b, t, c] over real steps (the first of equal values wins, its index in x
 * goes to argmax); a sample with no real step gets 0 and argmax −1.
 */
export function globalMaxPool1d(x: usize, mask: usize, B: i32, T: i32, C: i32, y: usize, argmax: usize): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      let best = -1;
      let bestValue: f32 = 0;
      for (let t = 0; t < T; t++) {
        if (mask != 0 && load<f32>(mask + (<usize>(b * T + t) << 2)) == 0) continue;
        const i = (b * T + t) * C + c;
        const v = load<f32>(x + (<usize>i << 2));
        if (best < 0 || v > bestValue) {
          bestValue = v;
          best = i;
        }
      }
      store<f32>(y + (<usize>(b * C + c) << 2), bestValue);
      store<i32>(argmax + (<usize>(b * C + c) << 2), best);
    }
  }
}

/** Real steps of sample b (T without a mask). */
// @ts-ignore: decorator
@inline function realSteps(mask: usize, b: i32, T: i32): i32 {
  if (mask == 0) return T;
  let count = 0;
  for (let t = 0; t < T; t++) if (load<f32>(mask + (<usize>(b * T + t) << 2)) != 0) count++;
  return count;
}
