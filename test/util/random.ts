// Seeded randomness for tests. Each test file draws a fresh seed (or SEQWASM_TEST_SEED when
// set, to replay a failure) and prints it in the assertion message, so a failure can be replayed.

/** mulberry32: tiny, fast, and good enough to generate test inputs. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for this run: SEQWASM_TEST_SEED if set, otherwise fresh. */
export function testSeed(): number {
  const fixed = process.env.SEQWASM_TEST_SEED;
  return fixed !== undefined ? Number(fixed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** `n` uniform values in [lo, hi) as float32, so the reference sees exactly what Wasm sees. */
export function uniform(random: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}
