// The sampler against a plain float64 reference (Math.pow weights, inverse-CDF draws) and
// against the distribution it should draw from (chi-square bounds), on fresh seeded inputs.
import { describe, expect, it } from 'vitest';
import { ModelConfigError, ModelInputError } from '../../src/model/errors.js';
import { sample } from '../../src/model/sampling.js';
import { exp } from '../../src/util/detmath.js';
import { Prng } from '../../src/util/prng.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const random = rng(seed);
const randInt = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/** Non-negative weights of `width`, about a quarter of them 0 (never all). */
function randomRow(width: number): number[] {
  const row = Array.from({ length: width }, () => (random() < 0.25 ? 0 : random()));
  row[randInt(0, width - 1)] = 0.05 + random();
  return row;
}

/** The indices topK keeps, computed independently: by value descending, ties by index. */
function topIndices(p: readonly number[], k: number | undefined): Set<number> {
  const order = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return new Set(order.slice(0, k ?? p.length).map(([, i]) => i));
}

/** The distribution sample() should draw from: p^(1/T) on the kept indices, normalised (T = 0: the argmax). */
function expected(p: readonly number[], temperature: number, topK?: number): number[] {
  const kept = topIndices(p, topK);
  if (temperature === 0) {
    const max = Math.max(...p);
    return p.map((_, i) => (i === p.indexOf(max) ? 1 : 0));
  }
  const max = Math.max(...p); // scaled by max^(1/T), so a small T does not underflow every weight
  const w = p.map((v, i) => (kept.has(i) ? Math.pow(v / max, 1 / temperature) : 0));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** Inverse-CDF draw of `q` with uniform u, walking the indices in order. */
function drawReference(q: readonly number[], u: number): number {
  const total = q.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < q.length; i++) {
    sum += q[i];
    if (q[i] > 0 && u * total < sum) return i;
  }
  let last = q.length - 1;
  while (!(q[last] > 0)) last--;
  return last;
}

/** Pearson's statistic over cells with expected counts >= 5 (smaller ones pooled), and its degrees of freedom. */
function chiSquare(counts: readonly number[], q: readonly number[], n: number): { statistic: number; df: number } {
  const cells: [number, number][] = [];
  let pooled: [number, number] = [0, 0];
  q.forEach((qi, i) => {
    if (n * qi >= 5) cells.push([counts[i], n * qi]);
    else pooled = [pooled[0] + counts[i], pooled[1] + n * qi];
  });
  if (pooled[1] > 0) cells.push(pooled);
  const statistic = cells.reduce((s, [o, e]) => s + (o - e) ** 2 / e, 0);
  return { statistic, df: cells.length - 1 };
}

/** The chi-square quantile with upper tail 1e-6 (Wilson–Hilferty), a bound a correct sampler breaks once in a million runs. */
const bound = (df: number) => df * (1 - 2 / (9 * df) + 4.753 * Math.sqrt(2 / (9 * df))) ** 3;

/** n draws of one row through the tensor path: n copies of the row. */
function drawMany(p: readonly number[], n: number, options: { temperature?: number; topK?: number }, s = seed): Int32Array {
  const data = new Float32Array(n * p.length);
  for (let r = 0; r < n; r++) data.set(p, r * p.length);
  return sample({ shape: [n, p.length], data }, { rng: new Prng(s), ...options });
}

function counts(draws: Int32Array, width: number): number[] {
  const c = new Array<number>(width).fill(0);
  for (const d of draws) c[d]++;
  return c;
}

describe('exp', () => {
  it('is within 2 ulp of Math.exp over the whole range, exact at 0', () => {
    let worst = 0;
    for (let i = 0; i < 20000; i++) {
      const x = i < 10000 ? -745 + random() * 1454.7 : (random() - 0.5) * 4;
      const ours = exp(x);
      const reference = Math.exp(x);
      if (reference < 2.2250738585072014e-308) {
        expect(Math.abs(ours - reference), `seed ${seed}: exp(${x})`).toBeLessThanOrEqual(1e-323);
      } else {
        worst = Math.max(worst, Math.abs(ours - reference) / reference);
      }
    }
    expect(worst, `seed ${seed}`).toBeLessThanOrEqual(2 ** -51);
    expect(exp(0)).toBe(1);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(NaN)).toBeNaN();
    expect(exp(709.78)).toBeGreaterThan(1.7e308);
    expect(exp(710)).toBe(Infinity);
    expect(exp(-746)).toBe(0);
    expect(exp(-745)).toBe(5e-324);
  });
});

describe('sample', () => {
  it('at temperature 1 draws exactly the inverse-CDF index of p for each uniform', () => {
    for (let trial = 0; trial < 200; trial++) {
      const p = randomRow(randInt(1, 30));
      const generator = new Prng(randInt(0, 1e9));
      const u = generator.clone().float();
      expect(sample(p, { rng: generator }), `seed ${seed}: [${p}]`).toBe(drawReference(p, u));
    }
  });

  it('reweights by p^(1/T) and keeps the topK: draw by draw the same as a Math.pow reference', () => {
    for (let trial = 0; trial < 300; trial++) {
      const p = randomRow(randInt(1, 30));
      const temperature = [0.1, 0.5, 0.8, 1.5, 3, 1e-3, 50][trial % 7];
      const topK = trial % 2 ? randInt(1, p.length) : undefined;
      const generator = new Prng(randInt(0, 1e9));
      const u = generator.clone().float();
      const label = `seed ${seed}: [${p}] T=${temperature} topK=${topK}`;
      expect(sample(p, { rng: generator, temperature, topK }), label).toBe(drawReference(expected(p, temperature, topK), u));
    }
  });

  it('does not underflow at small temperatures on small probabilities (p^(1/T) would be 0 for all)', () => {
    const p = [2e-5, 1.9e-5, 0, 1e-6];
    expect(Math.pow(p[0], 100)).toBe(0);
    const q = expected(p, 0.01); // index 1: 0.95^100 / (1 + 0.95^100) ≈ 0.0059
    const generator = new Prng(seed);
    let ones = 0;
    for (let i = 0; i < 4000; i++) {
      const u = generator.clone().float();
      const drawn = sample(p, { rng: generator, temperature: 0.01 });
      expect(drawn).toBe(drawReference(q, u));
      if (drawn === 1) ones++;
    }
    expect(ones, `seed ${seed}`).toBeGreaterThan(0);
  });

  it('draws with the expected frequencies (chi-square, 20000 draws a case)', () => {
    const cases: { temperature?: number; topK?: number }[] = [{}, { temperature: 0.5 }, { temperature: 2 }, { temperature: 0.25, topK: 3 }, { topK: 2 }, { temperature: 1.7 }];
    for (const options of cases) {
      const p = randomRow(randInt(3, 12));
      const n = 20000;
      const q = expected(p, options.temperature ?? 1, options.topK);
      const c = counts(drawMany(p.map(Math.fround), n, options), p.length);
      const label = `seed ${seed}: [${p}] ${JSON.stringify(options)} counts ${c}`;
      q.forEach((qi, i) => {
        if (qi === 0) expect(c[i], label).toBe(0); // zero weights and indices outside topK are never drawn
      });
      const { statistic, df } = chiSquare(c, q, n);
      if (df > 0) expect(statistic, label).toBeLessThan(bound(df));
    }
  });

  it('sharpens below temperature 1 and flattens above it', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const n = 20000;
    const share = (temperature: number) => counts(drawMany(p, n, { temperature }), 4).map((c) => c / n);
    const [cold, neutral, hot, veryHot] = [0.5, 1, 2, 100].map(share);
    expect(cold[3]).toBeGreaterThan(neutral[3] + 0.05); // 0.533 vs 0.4
    expect(neutral[3]).toBeGreaterThan(hot[3] + 0.04); // 0.4 vs 0.325
    expect(cold[0]).toBeLessThan(neutral[0]);
    expect(hot[0]).toBeGreaterThan(neutral[0]);
    for (const f of veryHot) expect(Math.abs(f - 0.25)).toBeLessThan(0.03); // nearly uniform
  });

  it('takes the argmax at temperature 0 (ties: the lowest index), still drawing one number', () => {
    for (let trial = 0; trial < 100; trial++) {
      const p = randomRow(randInt(1, 20));
      const max = Math.max(...p);
      const generator = new Prng(trial);
      const after = generator.clone();
      after.float();
      expect(sample(p, { rng: generator, temperature: 0 })).toBe(p.indexOf(max));
      expect(generator.nextU32()).toBe(after.nextU32());
    }
    expect(sample([0.3, 0.1, 0.3, 0.3], { rng: new Prng(1), temperature: 0 })).toBe(0);
    expect(sample([0, 0, 2], { rng: new Prng(1), temperature: 0 })).toBe(2);
  });

  it('with topK never returns an index outside the k largest (ties: lower indices kept)', () => {
    const tied = [0.2, 0.3, 0.2, 0.3, 0];
    const draws = drawMany(tied, 5000, { topK: 3 });
    expect(new Set(draws)).toEqual(new Set([0, 1, 3])); // index 2 ties with 0 and loses
    for (let trial = 0; trial < 50; trial++) {
      const p = randomRow(randInt(2, 15)).map((v) => Math.round(v * 4) / 4); // many ties
      if (!p.some((v) => v > 0)) p[0] = 1;
      const topK = randInt(1, p.length);
      const allowed = topIndices(p, topK);
      const outside = [...drawMany(p, 300, { topK, temperature: [1, 0.5, 4][trial % 3] })].filter((d) => !allowed.has(d));
      expect(outside, `seed ${seed}: [${p}] topK=${topK}`).toEqual([]);
    }
  });

  it('is deterministic: a seed gives the same indices, one float per row, rows like single calls', () => {
    const width = 7;
    const rows = 50;
    const data = new Float32Array(rows * width);
    for (let i = 0; i < data.length; i++) data[i] = random() < 0.2 ? 0 : random();
    for (let r = 0; r < rows; r++) data[r * width + (r % width)] += 0.5;
    for (const options of [{}, { temperature: 0.7 }, { temperature: 0 }, { topK: 3, temperature: 1.3 }]) {
      const a = sample({ shape: [rows, width], data }, { rng: new Prng(42), ...options });
      const b = sample({ shape: [rows, width], data }, { rng: new Prng(42), ...options });
      expect(a).toEqual(b);
      const generator = new Prng(42);
      const one = Array.from({ length: rows }, (_, r) => sample(data.subarray(r * width, (r + 1) * width), { rng: generator, ...options }));
      expect([...a]).toEqual(one);
      // The stream advanced by exactly one float per row.
      const reference = new Prng(42);
      for (let r = 0; r < rows; r++) reference.float();
      expect(generator.nextU32()).toBe(reference.nextU32());
    }
    // Rank 3 ([batch, time, vocabulary]): one index per step.
    const out = sample({ shape: [2, 25, width], data }, { rng: new Prng(3) });
    expect(out).toBeInstanceOf(Int32Array);
    expect(out).toHaveLength(50);
    expect(sample({ shape: [0, width], data: [] }, { rng: new Prng(3) })).toEqual(new Int32Array(0));
  });

  it('rejects bad probabilities, naming the element', () => {
    const g = new Prng(1);
    const error = (probs: unknown) => {
      try {
        sample(probs as number[], { rng: g });
      } catch (e) {
        expect(e).toBeInstanceOf(ModelInputError);
        expect((e as ModelInputError).argument).toBe('probs');
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(error([0.5, NaN])).toBe('sample: probs[1] must be a finite number >= 0, got NaN');
    expect(error([0.5, -0.1])).toBe('sample: probs[1] must be a finite number >= 0, got -0.1');
    expect(error(new Float32Array([Infinity]))).toBe('sample: probs[0] must be a finite number >= 0, got Infinity');
    expect(error([0, 0, 0])).toBe('sample: probs is all zeros: there is nothing to draw from');
    expect(error([])).toBe('sample: probs has no values: a row needs at least one probability');
    expect(error([[0.5, 0.5]])).toBe('sample: probs[0] must be a finite number >= 0, got an array of length 2');
    expect(error({ shape: [2, 3], data: [1, 0, 0, 0, 0, -1] })).toBe('sample: probs[1][2] must be a finite number >= 0, got -1');
    expect(error({ shape: [2, 2, 2], data: [1, 0, 0, 1, 1, 0, 0, 0] })).toBe('sample: probs[1][1] is all zeros: there is nothing to draw from');
    expect(error({ shape: [2, 3], data: [1, 0, 0, 0, 1] })).toBe('sample: probs.shape [2, 3] holds 6 values, but data has 5');
    expect(error({ shape: [2, -3], data: [] })).toBe('sample: probs.shape must be a non-empty array of integers >= 0, got [2, -3]');
    expect(error({ shape: [3, 0], data: [] })).toBe('sample: probs has no values: a row needs at least one probability');
    expect(error('abc')).toBe('sample: probs must be a row of probabilities or a { shape, data } tensor, got "abc"');
  });

  it('rejects bad options, naming them', () => {
    const p = [0.25, 0.25, 0.5, 0];
    const error = (options: unknown) => {
      try {
        sample(p, options as never);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelConfigError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    const rng = new Prng(1);
    expect(error({})).toBe('sample: rng must be a Prng (e.g. prng(seed)), got undefined');
    expect(error({ rng: Math.random })).toBe('sample: rng must be a Prng (e.g. prng(seed)), got a function');
    expect(error({ rng, temperature: -1 })).toBe('sample: temperature must be a finite number >= 0, got -1');
    expect(error({ rng, temperature: NaN })).toBe('sample: temperature must be a finite number >= 0, got NaN');
    expect(error({ rng, temperature: Infinity })).toBe('sample: temperature must be a finite number >= 0, got Infinity');
    expect(error({ rng, topK: 0 })).toBe('sample: topK must be a positive integer, got 0');
    expect(error({ rng, topK: 1.5 })).toBe('sample: topK must be a positive integer, got 1.5');
    expect(error({ rng, topK: 5 })).toBe('sample: topK must be an integer in [1, 4] (the row width), got 5');
    expect(error({ rng, temprature: 0.5 })).toBe("sample: temprature is not a known option (did you mean 'temperature'?)");
    expect(error(undefined)).toBe('sample: rng must be a Prng (e.g. prng(seed)), got undefined');
  });
});
