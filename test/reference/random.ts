// The initializers' random draws as seqwasm made them in JavaScript before the Wasm fills
// (assembly/random.ts), which must give the same bits: Prng.float() for uniform values and
// Marsaglia's polar method for normal ones, which needs only a logarithm (ours,
// util/detmath.ts) and a square root (Box–Muller would also need sin and cos, which engines
// may round differently). Values in float64, rounded once to float32 where stored.
import { log } from '../../src/util/detmath.js';
import type { Prng } from '../../src/util/prng.js';

/** Standard normal numbers from a Prng by the polar method; each accepted pair gives two draws, used in order. */
export class NormalSampler {
  private spare: number | undefined;

  constructor(private readonly rng: Prng) {}

  next(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    for (;;) {
      const u = 2 * this.rng.float() - 1; // exact: float() is a multiple of 2^−53 in [0, 1)
      const v = 2 * this.rng.float() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const factor = Math.sqrt((-2 * log(s)) / s);
      this.spare = v * factor;
      return u * factor;
    }
  }
}

/** Uniform in [min, max) as float32. A draw just below max can round up to max in float32; it is redrawn. */
export function uniform(out: Float32Array, rng: Prng, min: number, max: number): void {
  const width = max - min;
  const top = Math.fround(max);
  for (let i = 0; i < out.length; i++) {
    let value: number;
    do value = Math.fround(min + width * rng.float());
    while (value >= top && top > Math.fround(min));
    out[i] = value;
  }
}

/** Normal values from one fresh sampler; `truncated`: draws beyond two standard deviations are redrawn (Keras). */
export function normal(out: Float32Array, rng: Prng, mean: number, stddev: number, truncated: boolean): void {
  const sampler = new NormalSampler(rng);
  for (let i = 0; i < out.length; i++) {
    let z = sampler.next();
    while (truncated && (z > 2 || z < -2)) z = sampler.next();
    out[i] = mean + stddev * z;
  }
}

/** The Orthogonal initializer's float64 matrix: standard normal draws, kept as they are. */
export function standardNormal64(out: Float64Array, rng: Prng): void {
  const sampler = new NormalSampler(rng);
  for (let i = 0; i < out.length; i++) out[i] = sampler.next();
}
