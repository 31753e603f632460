// Standard normal draws that are the same bits in every JavaScript engine: Marsaglia's
// polar method, which needs only a logarithm (ours, util/detmath.ts) and a square root
// (Box–Muller would also need sin and cos, which engines may round differently).
import { log } from '../util/detmath.js';
import type { Prng } from '../util/prng.js';

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
