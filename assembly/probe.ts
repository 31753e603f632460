// Register-only peak probe: the f32x4 mul+add throughput of this core as Wasm SIMD reaches it,
// the ceiling the GEMM benchmark rows are compared against. Independent chains (6 of mul,
// 6 of add) cover the 3-cycle latency of two mul and two add ports; the loop touches no memory.

/** The factor and addend, read once before the loop: V8 sinks a splat computed from constants
 *  or arguments into the loop body and rebuilds it every iteration, halving the probe. */
const OPERANDS = memory.data<f32>([1.00000012, 0.5]);

const CHAINS_PER_OP = 6;

/** Floating-point operations per iteration of peakProbe (lanes × 2 ops × chains). */
export function peakProbeFlopsPerIteration(): i32 {
  return 4 * 2 * CHAINS_PER_OP;
}

/**
 * Runs `iterations` rounds of the chains and returns a sum of their lanes, so the work cannot
 * be optimised away. Products grow by 1 + 2⁻²³ per step, never toward (slow) denormals.
 */
export function peakProbe(iterations: i32): f32 {
  const factor = v128.load32_splat(OPERANDS);
  const addend = v128.load32_splat(OPERANDS, 4);
  let m0 = f32x4.splat(1.0), m1 = f32x4.splat(1.1), m2 = f32x4.splat(1.2);
  let m3 = f32x4.splat(1.3), m4 = f32x4.splat(1.4), m5 = f32x4.splat(1.5);
  let s0 = f32x4.splat(0.0), s1 = f32x4.splat(0.1), s2 = f32x4.splat(0.2);
  let s3 = f32x4.splat(0.3), s4 = f32x4.splat(0.4), s5 = f32x4.splat(0.5);
  for (let i = 0; i < iterations; i++) {
    m0 = f32x4.mul(m0, factor);
    s0 = f32x4.add(s0, addend);
    m1 = f32x4.mul(m1, factor);
    s1 = f32x4.add(s1, addend);
    m2 = f32x4.mul(m2, factor);
    s2 = f32x4.add(s2, addend);
    m3 = f32x4.mul(m3, factor);
    s3 = f32x4.add(s3, addend);
    m4 = f32x4.mul(m4, factor);
    s4 = f32x4.add(s4, addend);
    m5 = f32x4.mul(m5, factor);
    s5 = f32x4.add(s5, addend);
  }
  const m = f32x4.add(f32x4.add(f32x4.add(m0, m1), f32x4.add(m2, m3)), f32x4.add(m4, m5));
  const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(s4, s5));
  const t = f32x4.add(m, s);
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}
