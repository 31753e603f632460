// The random fills of assembly/random.ts against the JavaScript draws they replace
// (test/reference/random.ts: Prng.float() and the polar-method NormalSampler, seqwasm's own
// code before the kernels), bit for bit, and the generator left in the same state, so that
// drawing goes on in JS exactly where Wasm stopped. Then every initializer against the same
// draws made the old way. Seeds are fresh each run; the test seed is printed on failure.
import { describe, expect, it } from 'vitest';
import { randomNormal, randomUniform, standardNormal64 } from '../../src/kernels/index.js';
import { initializers, type Distribution, type FanMode } from '../../src/layers/initializers.js';
import { arena } from '../../src/runtime/module.js';
import { Prng } from '../../src/util/prng.js';
import { orthonormalColumns as referenceQ } from '../reference/orthogonal.js';
import * as reference from '../reference/random.js';
import { rng, testSeed } from '../util/random.js';
import { thrown } from '../util/thrown.js';

const seed = testSeed();
const random = rng(seed);
const replay = `seed ${seed}, replay with SEQWASM_TEST_SEED=${seed}`;
const LONG = process.env.SEQWASM_LONG === '1';

const SIZES = LONG ? [1, 2, 3, 17, 129, 4097, 262_147, 1_048_583] : [1, 2, 3, 17, 129, 4097];
/** Generator seeds per case: a few fixed ones (0, negative, the largest) and fresh ones. */
const SEEDS = [0, -1, Number.MAX_SAFE_INTEGER, ...Array.from({ length: LONG ? 20 : 5 }, () => Math.floor(random() * 2 ** 40))];

/** Positions where the two arrays differ as bits (Object.is: −0 ≠ +0). */
function bitMismatches(actual: Float32Array | Float64Array, expected: Float32Array | Float64Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) bad.push(i);
  return bad;
}

/** The next few outputs of each generator: equal when their states are. */
function nextWords(prng: Prng): number[] {
  return Array.from({ length: 8 }, () => prng.nextU32());
}

/** Runs the kernel fill and the reference fill from generators of one seed; compares values and the generators afterwards. */
function expectSameDraws<A extends Float32Array | Float64Array>(label: string, make: () => A, kernel: (rng: Prng, out: A) => void, ref: (rng: Prng, out: A) => void): void {
  for (const prngSeed of SEEDS) {
    const wasmRng = new Prng(prngSeed);
    const jsRng = new Prng(prngSeed);
    const actual = make();
    const expected = make();
    kernel(wasmRng, actual);
    ref(jsRng, expected);
    const bad = bitMismatches(actual, expected);
    expect(bad.slice(0, 5), `${label}, Prng(${prngSeed}): ${bad.length} of ${expected.length} values differ (${replay})`).toEqual([]);
    expect(nextWords(wasmRng), `${label}, Prng(${prngSeed}): the generator's state afterwards (${replay})`).toEqual(nextWords(jsRng));
  }
}

describe(`randomUniform (${replay})`, () => {
  const BOUNDS: [string, number, number][] = [
    ['the default ±0.05', -0.05, 0.05],
    ['[0, 1)', 0, 1],
    ['a Glorot limit', -Math.sqrt(6 / 43), Math.sqrt(6 / 43)],
    ['a fresh random interval', -random() * 10, random() * 10],
    // float32 has only 1 and 1 + 2^−23 here: half the draws round up to max and are drawn again.
    ['[1, 1 + 2^−23): draws that round up to max', 1, 1 + 2 ** -23],
    ['[1e6, 1e6 + 0.1): coarse float32 steps', 1e6, 1e6 + 0.1],
    ['min = max', 0.3, 0.3],
    ['[−0, 0] (a zero scale)', -0, 0],
    ['max rounds to min in float32', 1, 1 + 2 ** -30],
  ];
  it.each(SIZES)('%i values: the JS draws bit for bit, every bound, the generator where JS left it', (n) => {
    for (const [label, min, max] of BOUNDS) {
      expectSameDraws(`${label}, n=${n}`, () => new Float32Array(n), (g, out) => randomUniform(g, out, min, max), (g, out) => reference.uniform(out, g, min, max));
    }
  });

  it('stays in [min, max) after rounding to float32', () => {
    const out = new Float32Array(4097);
    randomUniform(new Prng(seed), out, 1, 1 + 2 ** -23);
    expect(out.every((x) => x === 1)).toBe(true);
    randomUniform(new Prng(seed), out, -0.05, 0.05);
    expect(out.every((x) => x >= Math.fround(-0.05) && x < Math.fround(0.05))).toBe(true);
  });
});

describe(`randomNormal (${replay})`, () => {
  const CASES: [string, number, number, boolean][] = [
    ['standard', 0, 1, false],
    ['standard, truncated', 0, 1, true],
    ['RandomNormal defaults', 0, 0.05, false],
    ['TruncatedNormal defaults', 0, 0.05, true],
    ['a truncated variance-scaling stddev', 0, Math.sqrt(2 / 17) / 0.87962566103423978, true],
    ['a fresh mean and stddev', random() * 4 - 2, random() * 3, false],
    ['a fresh mean and stddev, truncated', random() * 4 - 2, random() * 3, true],
    ['stddev 0', 0.25, 0, true],
  ];
  it.each(SIZES)('%i values: the JS draws bit for bit, every distribution, the generator where JS left it', (n) => {
    for (const [label, mean, stddev, truncated] of CASES) {
      expectSameDraws(`${label}, n=${n}`, () => new Float32Array(n), (g, out) => randomNormal(g, out, mean, stddev, truncated), (g, out) => reference.normal(out, g, mean, stddev, truncated));
    }
  });

  it('truncated draws lie within two standard deviations, and some were drawn again', () => {
    const out = new Float32Array(4097);
    randomNormal(new Prng(seed), out, 0, 1, true);
    expect(out.every((z) => Math.abs(z) <= 2)).toBe(true);
    const untruncated = new Float32Array(4097);
    randomNormal(new Prng(seed), untruncated, 0, 1, false);
    expect(untruncated.some((z) => Math.abs(z) > 2)).toBe(true);
  });

  it("a fill's leftover second draw is dropped, not carried into the next fill (each weight had its own sampler)", () => {
    for (const prngSeed of SEEDS) {
      const wasmRng = new Prng(prngSeed);
      const jsRng = new Prng(prngSeed);
      const [a, b, c] = [new Float32Array(1), new Float32Array(3), new Float32Array(2)];
      const [ra, rb, rc] = [new Float32Array(1), new Float32Array(3), new Float32Array(2)];
      for (const [out, ref] of [[a, ra], [b, rb], [c, rc]]) {
        randomNormal(wasmRng, out, 0, 1, false);
        reference.normal(ref, jsRng, 0, 1, false);
      }
      expect([...a, ...b, ...c], `Prng(${prngSeed}) (${replay})`).toEqual([...ra, ...rb, ...rc]);
      expect(nextWords(wasmRng)).toEqual(nextWords(jsRng));
      // One sampler for all six would have used the spares: the fills differ from that.
      const sampler = new reference.NormalSampler(new Prng(prngSeed));
      const continued = Float32Array.from({ length: 6 }, () => sampler.next());
      expect([...a, ...b, ...c]).not.toEqual([...continued]);
    }
  });
});

describe(`standardNormal64 (${replay})`, () => {
  it.each(SIZES)('%i values: the JS sampler bit for bit in float64, the generator where JS left it', (n) => {
    expectSameDraws(`n=${n}`, () => new Float64Array(n), (g, out) => standardNormal64(g, out), (g, out) => reference.standardNormal64(out, g));
  });
});

describe('the fills and the Prng', () => {
  it('JS draws before and after a fill continue one stream, as if JS had drawn it all', () => {
    const wasmRng = new Prng(seed);
    const jsRng = new Prng(seed);
    const out = new Float32Array(17);
    const expected = new Float32Array(17);
    expect(wasmRng.float()).toBe(jsRng.float());
    randomUniform(wasmRng, out, -1, 1);
    reference.uniform(expected, jsRng, -1, 1);
    expect(wasmRng.int(1000)).toBe(jsRng.int(1000));
    randomNormal(wasmRng, out, 0, 1, true);
    reference.normal(expected, jsRng, 0, 1, true);
    expect(bitMismatches(out, expected)).toEqual([]);
    expect(nextWords(wasmRng)).toEqual(nextWords(jsRng));
  });

  it('an empty fill draws nothing', () => {
    const prng = new Prng(seed);
    randomNormal(prng, new Float32Array(0), 0, 1, false);
    randomUniform(prng, new Float32Array(0), 0, 1);
    standardNormal64(prng, new Float64Array(0));
    expect(nextWords(prng)).toEqual(nextWords(new Prng(seed)));
  });

  it('fills a view into a larger buffer, touching nothing outside it', () => {
    const buffer = new Float32Array(10).fill(7);
    randomUniform(new Prng(seed), buffer.subarray(3, 6), 0, 1);
    const expected = new Float32Array(3);
    reference.uniform(expected, new Prng(seed), 0, 1);
    expect([...buffer]).toEqual([7, 7, 7, ...expected, 7, 7, 7, 7]);
  });

  it('keeps no arena memory: small fills reuse the kept workspace, a large one gives its workspace back', () => {
    const memory = arena();
    const prng = new Prng(seed);
    randomUniform(prng, new Float32Array(4097), 0, 1);
    const before = memory.usage();
    for (let i = 0; i < 50; i++) randomNormal(prng, new Float32Array(4097), 0, 1, true);
    standardNormal64(prng, new Float64Array(300_000)); // 2.4 MB: more than the kept workspace
    const after = memory.usage();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.blocks).toBe(before.blocks);
    expect(after.top).toBe(before.top);
  });

  it('rejects bad arguments with a typed error naming them, before drawing or writing anything', () => {
    const prng = new Prng(seed);
    const out = new Float32Array(4).fill(9);
    const cases: [() => void, ErrorConstructor, RegExp][] = [
      [() => randomUniform({} as Prng, out, 0, 1), TypeError, /^randomUniform\(rng\): expected a Prng, got Object$/],
      [() => randomUniform(prng, [0, 0] as unknown as Float32Array, 0, 1), TypeError, /^randomUniform\(out\): expected a Float32Array, got Array$/],
      [() => randomUniform(prng, new Float64Array(2) as unknown as Float32Array, 0, 1), TypeError, /expected a Float32Array, got Float64Array/],
      [() => randomUniform(prng, out, Number.NaN, 1), RangeError, /^randomUniform\(min\): expected a finite number, got NaN$/],
      [() => randomUniform(prng, out, 0, Infinity), RangeError, /^randomUniform\(max\): expected a finite number, got Infinity$/],
      [() => randomUniform(prng, out, 0, '1' as unknown as number), RangeError, /^randomUniform\(max\): expected a finite number, got string 1$/],
      [() => randomUniform(prng, out, 1, 0), RangeError, /^randomUniform\(min, max\): expected min <= max, got min=1, max=0$/],
      [() => randomNormal(prng, out, Infinity, 1, false), RangeError, /^randomNormal\(mean\): expected a finite number, got Infinity$/],
      [() => randomNormal(prng, out, 0, -1, false), RangeError, /^randomNormal\(stddev\): expected a number >= 0, got -1$/],
      [() => randomNormal(prng, out, 0, 1, 1 as unknown as boolean), TypeError, /^randomNormal\(truncated\): expected a boolean, got number 1$/],
      [() => randomNormal(null as unknown as Prng, out, 0, 1, false), TypeError, /^randomNormal\(rng\): expected a Prng, got object null$/],
      [() => standardNormal64(prng, out as unknown as Float64Array), TypeError, /^standardNormal64\(out\): expected a Float64Array, got Float32Array$/],
    ];
    for (const [run, type, message] of cases) {
      const error = thrown(run);
      expect(error).toBeInstanceOf(type);
      expect(error.message).toMatch(message);
    }
    expect([...out]).toEqual([9, 9, 9, 9]);
    expect(nextWords(prng)).toEqual(nextWords(new Prng(seed)));
  });
});

// ---- every initializer, against the same draws made the old way ------------------------

const TRUNCATED_STDDEV = 0.87962566103423978;

/** Keras's VarianceScaling, computed as seqwasm's initializers did with the JS draws. */
function referenceVarianceScaling(scale: number, mode: FanMode, distribution: Distribution, shape: number[], rng: Prng): Float32Array {
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const [fanIn, fanOut] = shape.length === 1 ? [shape[0], shape[0]] : [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
  const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
  const variance = scale / Math.max(1, n);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (distribution === 'uniform') reference.uniform(out, rng, -Math.sqrt(3 * variance), Math.sqrt(3 * variance));
  else if (distribution === 'truncatedNormal') reference.normal(out, rng, 0, Math.sqrt(variance) / TRUNCATED_STDDEV, true);
  else reference.normal(out, rng, 0, Math.sqrt(variance), false);
  return out;
}

function referenceOrthogonal(gain: number, shape: number[], rng: Prng): Float32Array {
  const cols = shape[shape.length - 1];
  const rows = shape.reduce((a, b) => a * b, 1) / cols;
  const [tall, narrow] = [Math.max(rows, cols), Math.min(rows, cols)];
  const a = new Float64Array(tall * narrow);
  reference.standardNormal64(a, rng);
  const q = referenceQ(a, tall, narrow);
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < tall; i++) for (let j = 0; j < narrow; j++) out[rows >= cols ? i * cols + j : j * cols + i] = gain * q[i * narrow + j];
  return out;
}

function referenceFill(fill: (out: Float32Array, rng: Prng) => void, shape: number[], rng: Prng): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(out, rng);
  return out;
}

describe(`initializers draw what the JS draws gave (${replay})`, () => {
  const SHAPES = [[1], [3], [17], [129], [3, 1], [17, 3], [8, 32], [129, 17], [2, 3, 5], [4097]];
  const PRESETS: [keyof typeof initializers, number, FanMode, Distribution][] = [
    ['glorotUniform', 1, 'fanAvg', 'uniform'],
    ['glorotNormal', 1, 'fanAvg', 'truncatedNormal'],
    ['heUniform', 2, 'fanIn', 'uniform'],
    ['heNormal', 2, 'fanIn', 'truncatedNormal'],
    ['lecunUniform', 1, 'fanIn', 'uniform'],
    ['lecunNormal', 1, 'fanIn', 'truncatedNormal'],
  ];
  const scale = 0.1 + random() * 3;
  const mean = random() - 0.5;
  const stddev = random();
  type Case = [string, (shape: number[], rng: Prng) => Float32Array, (shape: number[], rng: Prng) => Float32Array];
  const CASES: Case[] = [
    ...PRESETS.map(([name, s, mode, dist]): Case => [name, (shape, g) => (initializers[name] as () => ReturnType<typeof initializers.zeros>)().sample(shape, g), (shape, g) => referenceVarianceScaling(s, mode, dist, shape, g)]),
    ...(['fanIn', 'fanOut', 'fanAvg'] as const).flatMap((mode) =>
      (['truncatedNormal', 'untruncatedNormal', 'uniform'] as const).map((distribution): Case => [
        `varianceScaling(${scale.toFixed(3)}, ${mode}, ${distribution})`,
        (shape, g) => initializers.varianceScaling({ scale, mode, distribution }).sample(shape, g),
        (shape, g) => referenceVarianceScaling(scale, mode, distribution, shape, g),
      ]),
    ),
    ['randomUniform()', (shape, g) => initializers.randomUniform().sample(shape, g), (shape, g) => referenceFill((out, r) => reference.uniform(out, r, -0.05, 0.05), shape, g)],
    ['randomUniform(−3, 0.5)', (shape, g) => initializers.randomUniform({ minval: -3, maxval: 0.5 }).sample(shape, g), (shape, g) => referenceFill((out, r) => reference.uniform(out, r, -3, 0.5), shape, g)],
    ['randomNormal()', (shape, g) => initializers.randomNormal().sample(shape, g), (shape, g) => referenceFill((out, r) => reference.normal(out, r, 0, 0.05, false), shape, g)],
    ['randomNormal(fresh)', (shape, g) => initializers.randomNormal({ mean, stddev }).sample(shape, g), (shape, g) => referenceFill((out, r) => reference.normal(out, r, mean, stddev, false), shape, g)],
    ['truncatedNormal()', (shape, g) => initializers.truncatedNormal().sample(shape, g), (shape, g) => referenceFill((out, r) => reference.normal(out, r, 0, 0.05, true), shape, g)],
    ['truncatedNormal(fresh)', (shape, g) => initializers.truncatedNormal({ mean, stddev }).sample(shape, g), (shape, g) => referenceFill((out, r) => reference.normal(out, r, mean, stddev, true), shape, g)],
  ];
  it.each(CASES.map((c) => [c[0], c] as const))('%s: every shape, the same bits and the same stream afterwards', (_, [label, sample, expected]) => {
    for (const shape of SHAPES) {
      for (const prngSeed of SEEDS.slice(0, 4)) {
        const wasmRng = new Prng(prngSeed);
        const jsRng = new Prng(prngSeed);
        // Two weights from one stream, as a layer draws its kernel then its recurrent kernel.
        const actual = [...sample(shape, wasmRng), ...sample(shape, wasmRng)];
        const wanted = [...expected(shape, jsRng), ...expected(shape, jsRng)];
        const bad = bitMismatches(Float32Array.from(actual), Float32Array.from(wanted));
        expect(bad.slice(0, 5), `${label} [${shape}], Prng(${prngSeed}): ${bad.length} values differ (${replay})`).toEqual([]);
        expect(nextWords(wasmRng)).toEqual(nextWords(jsRng));
      }
    }
  });

  it.each([
    [[3, 3], 1],
    [[8, 32], 1],
    [[32, 8], 1.5],
    [[17, 3], 2],
    [[3, 17], 0.5],
    [[2, 3, 5], 1],
    [[129, 40], 1],
  ])('orthogonal %j, gain %d: the same bits as the JS draws and the reference QR', (shape, gain) => {
    for (const prngSeed of SEEDS.slice(0, 4)) {
      const wasmRng = new Prng(prngSeed);
      const jsRng = new Prng(prngSeed);
      const bad = bitMismatches(initializers.orthogonal({ gain }).sample(shape, wasmRng), referenceOrthogonal(gain, shape, jsRng));
      expect(bad.slice(0, 5), `orthogonal [${shape}], Prng(${prngSeed}): ${bad.length} values differ (${replay})`).toEqual([]);
      expect(nextWords(wasmRng)).toEqual(nextWords(jsRng));
    }
  });
});
