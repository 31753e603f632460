// The kernels all attention layers share (src/kernels/attention.ts): batchGemm, the per-sample
// and per-head products, against a float64 product and bit for bit against merge.ts's
// batchMatmul loop, on odd shapes (1, 3, 17) and the shapes of Attention (scores, output and
// their gradients per sample) and of MultiHeadAttention (per batch × head, keyDim 1–17);
// maskScores against a plain reference for every keep layout, heads 1 and 3, causal, 'set'
// and 'add'; and the typed errors for bad arguments. Outputs start as NaN with guard values
// after them, so a kernel that writes too little or too much fails.
import { describe, expect, it } from 'vitest';
import { batchGemm, batchGemmScratchSize, maskScores, type KeepPer, type ScoresShape } from '../../src/kernels/attention.js';
import { batchMatmul, type BatchMatmulShape } from '../../src/kernels/merge.js';
import { expectClose } from '../layers/helpers.js';
import { rng, testSeed, uniform } from '../util/random.js';
import { GUARD, GUARD_VALUE, regionsFreedAfterEach } from '../util/regions.js';

const seed = testSeed();
const random = rng(seed);
const { region, poisoned } = regionsFreedAfterEach();

/** C = op(A)·op(B) per pair in float64 (each element summed over p in order). */
function referenceProduct(a: ArrayLike<number>, b: ArrayLike<number>, { batch, m, n, k, aT, bT }: BatchMatmulShape): Float64Array {
  const c = new Float64Array(batch * m * n);
  for (let s = 0; s < batch; s++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[s * m * k + (aT ? p * m + i : i * k + p)] * b[s * k * n + (bT ? j * k + p : p * n + j)];
        c[(s * m + i) * n + j] = sum;
      }
    }
  }
  return c;
}

const withGuards = (values: Float32Array, n: number) => [...values.subarray(n)];

describe(`batchGemm (seed ${seed})`, () => {
  const product = (batch: number, m: number, n: number, k: number, aT: boolean, bT: boolean): BatchMatmulShape => ({ batch, m, n, k, aT, bT });
  // Attention (B = 3, Tq = 17, Tv = 5, D = 3, Dv = 1): scores, output, dV, dWeights, dQ, dK.
  const attention = [product(3, 17, 5, 3, false, true), product(3, 17, 1, 5, false, false), product(3, 5, 1, 17, true, false), product(3, 17, 5, 1, false, true), product(3, 17, 3, 5, false, false), product(3, 5, 3, 17, true, false)];
  // MultiHeadAttention (B·heads = 2·3, T = 3, S = 17, keyDim 1, valueDim 17): the same six products per head.
  const heads = [product(6, 3, 17, 1, false, true), product(6, 3, 17, 17, false, false), product(6, 3, 17, 17, false, true), product(6, 17, 17, 3, true, false), product(6, 3, 1, 17, false, false), product(6, 17, 1, 3, true, false)];
  const odd = [1, 3, 17].flatMap((size) => [[false, false], [false, true], [true, false], [true, true]].map(([aT, bT]) => product(size === 17 ? 2 : 1, size, 20 - size, size + 2, aT, bT)));
  const cases: [string, BatchMatmulShape][] = [
    ...attention.map((shape) => ['attention', shape] as [string, BatchMatmulShape]),
    ...heads.map((shape) => ['heads', shape] as [string, BatchMatmulShape]),
    ...odd.map((shape) => ['odd', shape] as [string, BatchMatmulShape]),
  ];
  it.each(cases)('%s %j: the float64 product, the bits of batchMatmul, and += with accumulate', (_, shape) => {
    const { batch, m, n, k } = shape;
    const [aValues, bValues] = [uniform(random, batch * m * k), uniform(random, batch * k * n)];
    const [a, b] = [region(aValues), region(bValues)];
    const size = batch * m * n;
    const c = poisoned(size);
    const scratch = region(new Float32Array(batchGemmScratchSize(shape)));
    batchGemm(a, b, c, shape, scratch);
    const first = c.toArray();
    expect(withGuards(first, size), 'written past C').toEqual(new Array(GUARD).fill(GUARD_VALUE));
    const expected = referenceProduct(aValues, bValues, shape);
    expectClose('C', first.subarray(0, size), expected, 1e-5);
    const viaLoop = region(new Float32Array(size));
    batchMatmul(a, b, viaLoop, shape);
    expect(first.subarray(0, size)).toEqual(viaLoop.toArray());
    batchGemm(a, b, c, { ...shape, accumulate: true }, scratch);
    expectClose('accumulated', c.toArray().subarray(0, size), expected.map((v) => 2 * v), 1e-5);
  });

  it('checks its arguments before any Wasm runs', () => {
    const shape = product(2, 3, 4, 5, false, true);
    const [a, b, c] = [region(new Float32Array(30)), region(new Float32Array(40)), region(new Float32Array(24))];
    const scratch = region(new Float32Array(batchGemmScratchSize(shape)));
    expect(() => batchGemm(a, b, c, shape, region(new Float32Array(1)))).toThrow(/batchGemm\(scratch\)/);
    expect(() => batchGemm(a, b, region(new Float32Array(23)), shape, scratch)).toThrow(/batchGemm\(c\)/);
    expect(() => batchGemm(region(new Float32Array(29)), b, c, shape, scratch)).toThrow(/batchGemm\(a\)/);
    expect(() => batchGemm(a, b, a.sub(0, 24), shape, scratch)).toThrow(/overlap/);
    const shared = region(new Float32Array(24 + scratch.length));
    expect(() => batchGemm(a, b, shared.sub(0, 24), shape, shared.sub(23, scratch.length))).toThrow(/batchGemm\(scratch\).*overlap/);
    expect(() => batchGemm(a, b, c, { ...shape, k: 0.5 }, scratch)).toThrow(/batchGemm\(k\)/);
    expect(() => batchGemm(a, b, c, { ...shape, batch: -1 }, scratch)).toThrow(RangeError);
  });
});

/** Whether score [b, h, i, j] is masked: keep 0 at its place for the layout, or causal and j > i. */
function isMasked(keep: ArrayLike<number> | undefined, keepPer: KeepPer, causal: boolean, { tq, tv }: ScoresShape, b: number, i: number, j: number): boolean {
  const at = keepPer === 'key' ? b * tv + j : keepPer === 'query' ? b * tq + i : (b * tq + i) * tv + j;
  return (keep !== undefined && keep[at] === 0) || (causal && j > i);
}

describe(`maskScores (seed ${seed})`, () => {
  const shapes: ScoresShape[] = [
    { batch: 1, heads: 1, tq: 1, tv: 1 },
    { batch: 3, heads: 1, tq: 17, tv: 3 },
    { batch: 2, heads: 3, tq: 3, tv: 17 },
    { batch: 3, heads: 3, tq: 17, tv: 17 },
  ];
  // keep: given per key, query or pair; given without keepPer (per key); or none (the causal mask alone).
  const layouts = ['key', 'query', 'queryKey', 'default', 'none'] as const;
  const cases = shapes.flatMap((shape) => layouts.flatMap((keepPer) => [false, true].flatMap((causal) => (['set', 'add'] as const).map((mode) => ({ shape, keepPer, causal, mode })))));
  it.each(cases)('$shape, keep $keepPer, causal $causal, $mode', ({ shape, keepPer, causal, mode }) => {
    const { batch, heads, tq, tv } = shape;
    const per: KeepPer = keepPer === 'default' || keepPer === 'none' ? 'key' : keepPer;
    const keepFloats = batch * { key: tv, query: tq, queryKey: tq * tv }[per];
    // Zeros, ones and other non-zero values (which keep as 1 does).
    const keep = keepPer === 'none' ? undefined : Float32Array.from({ length: keepFloats }, () => [0, 1, 1, 0.5, -2][Math.floor(random() * 5)]);
    const size = batch * heads * tq * tv;
    const before = uniform(random, size, -40, 40);
    const scores = region([...before, ...new Array(GUARD).fill(GUARD_VALUE)]);
    const value = mode === 'set' ? -7.25 : -1e9;
    maskScores(scores, shape, { keep: keep && region(keep), keepPer: keepPer === per ? per : undefined, causal, mode, value });
    const expected = new Float32Array(size);
    for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < tq; i++) for (let j = 0; j < tv; j++) {
      const at = ((b * heads + h) * tq + i) * tv + j;
      expected[at] = !isMasked(keep, per, causal, shape, b, i, j) ? before[at] : mode === 'set' ? value : before[at] + value;
    }
    const got = scores.toArray();
    expect(got.subarray(0, size)).toEqual(expected);
    expect(withGuards(got, size), 'written past the scores').toEqual(new Array(GUARD).fill(GUARD_VALUE));
  });

  it("'set' writes the value given (0: a masked score's gradient), and 'add' lowers a score once when both masks hold", () => {
    const shape = { batch: 1, heads: 2, tq: 2, tv: 2 };
    const scores = region([1, 2, 3, 4, 5, 6, 7, 8]);
    maskScores(scores, shape, { keep: region([1, 0, 1, 1]), keepPer: 'queryKey', mode: 'set', value: 0 });
    expect([...scores.toArray()]).toEqual([1, 0, 3, 4, 5, 0, 7, 8]);
    maskScores(scores, shape, { keep: region([1, 0]), causal: true, mode: 'add', value: -100 });
    expect([...scores.toArray()]).toEqual([1, -100, 3, -96, 5, -100, 7, -92]);
  });

  it('checks its arguments before any Wasm runs', () => {
    const shape = { batch: 1, heads: 2, tq: 3, tv: 4 };
    const scores = region(new Float32Array(24));
    const keep = region(new Float32Array(12));
    const set = { mode: 'set', value: -1e9 } as const;
    expect(() => maskScores(scores, { ...shape, heads: 3 }, { keep, ...set })).toThrow(/maskScores\(scores\)/);
    expect(() => maskScores(scores, shape, { keep: region(new Float32Array(3)), ...set })).toThrow(/maskScores\(keep\)/);
    expect(() => maskScores(scores, shape, { keep: region(new Float32Array(4)), keepPer: 'queryKey', ...set })).toThrow(/maskScores\(keep\)/);
    expect(() => maskScores(scores, { ...shape, tq: 1.5 }, { keep, ...set })).toThrow(/maskScores\(tq\)/);
    expect(() => maskScores(scores, shape, { keep: scores, keepPer: 'queryKey', ...set })).toThrow(/overlap/);
    expect(() => maskScores(scores, shape, { keep, keepPer: 'step' as KeepPer, ...set })).toThrow(/maskScores\(keepPer\)/);
    expect(() => maskScores(scores, shape, { keep, mode: 'replace' as 'set', value: 0 })).toThrow(/maskScores\(mode\)/);
    expect(() => maskScores(scores, shape, { keep, mode: 'set', value: '0' as unknown as number })).toThrow(/maskScores\(value\)/);
    // Nothing was written by the refused calls.
    expect([...scores.toArray()]).toEqual(new Array(24).fill(0));
  });
});
